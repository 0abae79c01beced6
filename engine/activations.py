"""Activation functions: differentiable, numerically stable, and named so they can be traced.

Each is an `Activation`: callable on arrays or tracked values, with a canonical ASCII `name`
(what the compiled trainer and model files use) and the `symbol` that reprs show.

>>> float(sigmoid(0.0)), σ is sigmoid, repr(σ)
(0.5, True, 'σ')
>>> softmax([1000.0, 0.0]).tolist()
[1.0, 0.0]
"""
import numpy as np

from . import kernels as K
from .mathops import exp
from .ops import _floats, _plain, sum_
from .tracked import data, track


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


def _scalar_out(x, y):
    """Kernels return arrays; give a Python-number input a numpy scalar back, like numpy does."""
    return y[()] if np.ndim(x) == 0 and isinstance(y, np.ndarray) else y


def _sigmoid(x):
    xv = _floats(data(x))
    return track(_scalar_out(data(x), K.rows_call(K.sigmoid2d, xv)), (x,), _sigmoid_vjp)


def _sigmoid_vjp(g, out, x):
    if _plain(g, out):
        return (K.rows_call(K.sigmoid_vjp2d, g, out),)
    return (g * out * (1 - out),)


def _tanh(x):
    xv = _floats(data(x))
    return track(_scalar_out(data(x), K.rows_call(K.tanh2d, xv)), (x,), _tanh_vjp)


def _tanh_vjp(g, out, x):
    if _plain(g, out):
        return (K.rows_call(K.tanh_vjp2d, g, out),)
    return (g * (1 - out * out),)


def _relu(x):
    xv = _floats(data(x))
    return track(_scalar_out(data(x), K.rows_call(K.relu2d, xv)), (x,), _relu_vjp)


def _relu_vjp(g, out, x):
    if _plain(g):  # the mask is constant, so a plain g needs no recording even when nesting
        return (K.rows_call(K.relu_vjp2d, g, data(x)),)
    return (g * (data(x) > 0).astype(g.dtype),)


LEAKY_SLOPE = 0.01


def _leakyrelu(x, a=LEAKY_SLOPE):
    xv = _floats(data(x))
    y = K.rows_call(K.leakyrelu2d, xv, extra=(xv.dtype.type(a),))
    return track(_scalar_out(data(x), y), (x,), _leakyrelu_vjp, {"a": a})


def _leakyrelu_vjp(g, out, x, a):
    xv = data(x)
    if _plain(g):
        return (K.rows_call(K.leakyrelu_vjp2d, g, xv, extra=(np.asarray(g).dtype.type(a),)),)
    return (g * np.where(xv > 0, 1, a).astype(g.dtype),)


def _softmax(x):
    xv = _floats(data(x))
    return track(K.rows_call(K.softmax2d, xv), (x,), _softmax_vjp)


def _softmax_vjp(g, out, x):
    if _plain(g, out):
        return (K.rows_call(K.softmax_vjp2d, g, out),)
    return (out * (g - sum_(g * out, axis=-1, keepdims=True)),)


def _logsoftmax(x):
    xv = _floats(data(x))
    return track(K.rows_call(K.logsoftmax2d, xv), (x,), _logsoftmax_vjp)


def _logsoftmax_vjp(g, out, x):
    if _plain(g, out):
        return (K.rows_call(K.logsoftmax_vjp2d, g, out),)
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
