"""Activation functions: differentiable, numerically stable, and named so they can be traced.

Each is an `Activation`: callable on arrays or tracked values, with a canonical ASCII `name`
(what the compiled trainer and model files use) and the `symbol` that reprs show. `ACTIVATIONS`
is the one registry of names: the ChainSpec, the palette, model files and the compiled trainer
all read it.

>>> float(sigmoid(0.0)), σ is sigmoid, repr(σ)
(0.5, True, 'σ')
>>> softmax([1000.0, 0.0]).tolist()
[1.0, 0.0]

The forwards are numpy (the tape needs no compilation); `engine.kernels.activations` holds
the compiled trainer's versions of the same formulas, which the tests hold to these.
"""
import numpy as np

from ..autodiff.elementwise import exp
from ..autodiff.ops import floats, sum_
from ..autodiff.tracked import data, track


class Activation:
    """A named elementwise (or last-axis) function: ``relu(x)``, ``Dense(2, 8, relu)``."""

    def __init__(self, name, symbol, fn, doc):
        self.name = name
        self.symbol = symbol
        self._fn = fn
        self.__doc__ = doc
        self.__name__ = symbol

    def __call__(self, x, *args, **kwargs):
        return self._fn(x, *args, **kwargs)

    def __repr__(self):
        return self.symbol


def _values(x):
    """The float array an activation computes on (numbers and lists too)."""
    return floats(data(x))


def _like_input(x, y):
    """A Python-number input gets a numpy scalar back, as numpy's own functions do."""
    return y[()] if np.ndim(data(x)) == 0 and isinstance(y, np.ndarray) else y


def sigmoid_values(x):
    """σ(x) in the stable two-sided form: exp of a non-positive number only."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid(x):
    return track(_like_input(x, sigmoid_values(_values(x))), (x,), _sigmoid_vjp)


def _sigmoid_vjp(g, out, x):
    return (g * out * (1 - out),)


def _tanh(x):
    return track(_like_input(x, np.tanh(_values(x))), (x,), _tanh_vjp)


def _tanh_vjp(g, out, x):
    return (g * (1 - out * out),)


def _relu(x):
    xv = _values(x)
    return track(_like_input(x, np.where(xv > 0, xv, 0).astype(xv.dtype)), (x,), _relu_vjp)


def _relu_vjp(g, out, x):
    # the mask is a constant, so the VJP stays a product that nested sweeps can record
    return (g * (data(x) > 0).astype(np.asarray(data(g)).dtype),)


LEAKY_SLOPE = 0.01


def _leakyrelu(x, a=LEAKY_SLOPE):
    xv = _values(x)
    return track(_like_input(x, np.where(xv > 0, xv, xv * xv.dtype.type(a))), (x,), _leakyrelu_vjp, {"a": a})


def _leakyrelu_vjp(g, out, x, a):
    return (g * np.where(data(x) > 0, 1, a).astype(np.asarray(data(g)).dtype),)


def _softmax(x):
    xv = _values(x)
    e = np.exp(xv - np.max(xv, axis=-1, keepdims=True))  # never overflows
    return track(e / np.sum(e, axis=-1, keepdims=True), (x,), _softmax_vjp)


def _softmax_vjp(g, out, x):
    return (out * (g - sum_(g * out, axis=-1, keepdims=True)),)


def _logsoftmax(x):
    xv = _values(x)
    shifted = xv - np.max(xv, axis=-1, keepdims=True)
    return track(shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True)), (x,), _logsoftmax_vjp)


def _logsoftmax_vjp(g, out, x):
    return (g - exp(out) * sum_(g, axis=-1, keepdims=True),)


def _identity(x):
    return x


identity = Activation("identity", "identity", _identity, "identity(x) = x")
sigmoid = Activation("sigmoid", "σ", _sigmoid, "σ(x) = 1 / (1 + exp(-x)), stable for large |x|")
σ = sigmoid
tanh = Activation("tanh", "tanh", _tanh, "tanh(x), squashes to (-1, 1)")
relu = Activation("relu", "relu", _relu, "relu(x) = max(x, 0)")
leakyrelu = Activation("leakyrelu", "leakyrelu", _leakyrelu, "leakyrelu(x, a=0.01) = x if x > 0 else a·x")
softmax = Activation("softmax", "softmax", _softmax, "softmax(x) = exp(x) / sum(exp(x)) over the last axis")
logsoftmax = Activation("logsoftmax", "logsoftmax", _logsoftmax,
                        "logsoftmax(x) = x - log(sum(exp(x))) over the last axis")

ACTIVATIONS = {a.name: a for a in (identity, sigmoid, tanh, relu, leakyrelu, softmax, logsoftmax)}
"""Every activation by canonical name, in palette order."""

NORMALISING = ("softmax", "logsoftmax")
"""Activations over the last axis whose output is a distribution: another activation after one undoes it."""
