"""Activation functions: differentiable, numerically stable, and named so they can be traced.

Each is an `Activation`: callable on arrays or tracked values, with a canonical ASCII `name`
(what the compiled trainer and model files use) and the `symbol` that reprs show. `ACTIVATIONS`
is the one registry of names: the ChainSpec, the palette, model files and the compiled trainer
all read it.

>>> float(sigmoid(0.0)), σ is sigmoid, repr(σ)
(0.5, True, 'σ')
>>> softmax([1000.0, 0.0]).tolist()
[1.0, 0.0]
>>> softmax([[1.0, 1.0], [3.0, 1.0]], axis=0).round(3).tolist()  # Flux's dims: any axis, called directly
[[0.119, 0.5], [0.881, 0.5]]
>>> [round(float(f(1.0)), 4) for f in (gelu, swish, elu, softplus, mish, logσ)]
[0.8412, 0.7311, 1.0, 1.3133, 0.8651, -0.3133]

The forwards are numpy (the tape needs no compilation); each VJP is written with tracked ops, so
second derivatives come out right. `engine.kernels.activations` holds the compiled trainer's
versions of the same formulas, which the tests hold to these.
"""
import math

import numpy as np

from ..autodiff import elementwise as el
from ..autodiff.ops import floats, where
from ..autodiff.reductions import sum_
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
        if "dims" in kwargs:  # Flux's keyword, on Flux's column-major features × batch arrays
            raise TypeError(f"{self.symbol} takes numpy's axis=, not Flux's dims=: rows are samples here, "
                            "so Flux's dims=1 (over features) is axis=-1, the default")
        return self._fn(x, *args, **kwargs)

    def __repr__(self):
        return self.symbol


def _values(x):
    """The float array an activation computes on (numbers and lists too)."""
    return floats(data(x))


def _like_input(x, y):
    """A Python-number input gets a numpy scalar back, as numpy's own functions do."""
    return y[()] if isinstance(y, np.ndarray) and y.ndim == 0 and np.ndim(data(x)) == 0 else y


def _elementwise(values, vjp):
    """An activation from its numpy forward (on float arrays) and its VJP."""
    def fn(x):
        return track(_like_input(x, values(_values(x))), (x,), vjp)
    return fn


# ---- the sigmoid family ----

def sigmoid_values(x):
    """σ(x) in the stable two-sided form: exp of a non-positive number only."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_vjp(g, out, x):
    return (g * out * (1 - out),)


_sigmoid = _elementwise(sigmoid_values, _sigmoid_vjp)


def softplus_values(x):
    """log(1 + eˣ) as max(x, 0) + log1p(e^-|x|): no overflow, and exact far out on either side."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _softplus_vjp(g, out, x):
    return (g * _sigmoid(x),)


_softplus = _elementwise(softplus_values, _softplus_vjp)


def logsigmoid_values(x):
    """log σ(x) = -softplus(-x), as min(x, 0) - log1p(e^-|x|)."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _logsigmoid_vjp(g, out, x):
    return (g * _sigmoid(-x),)


def swish_values(x):
    return x * sigmoid_values(x)


def _swish_vjp(g, out, x):
    s = _sigmoid(x)
    return (g * (s + x * s * _sigmoid(-x)),)  # σ(x)(1 + x σ(-x)); σ(-x), not 1 - σ(x), keeps it exact


GELU_K = 0.044715
GELU_C2 = 2 * math.sqrt(2 / math.pi)


def gelu_values(x):
    """Flux's (NNlib's) tanh approximation, 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), computed as
    x σ(2√(2/π)(x + 0.044715x³)): the same number, without 1 + tanh cancelling for negative x."""
    return x * sigmoid_values(GELU_C2 * (x + GELU_K * x * x * x))


def _gelu_vjp(g, out, x):
    z = GELU_C2 * (x + GELU_K * x * x * x)
    s = _sigmoid(z)
    dz = GELU_C2 * (1 + 3 * GELU_K * x * x)
    return (g * (s + x * s * _sigmoid(-z) * dz),)


def mish_values(x):
    return x * np.tanh(softplus_values(x))


def _mish_vjp(g, out, x):
    t = el.tanh(_softplus(x))
    return (g * (t + x * (1 - t * t) * _sigmoid(x)),)


# ---- piecewise linear, and elu ----

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


def elu_values(x):
    """x for x > 0, else eˣ - 1 (α = 1, as Flux's default)."""
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _elu_vjp(g, out, x):
    positive = data(x) > 0
    return (g * where(positive, 1, el.exp(where(positive, 0, x))),)  # exp only of x ≤ 0: no overflow


# ---- over the last axis (or any axis, called directly) ----

def _softmax(x, axis=-1):
    xv = _values(x)
    # the ufuncs' reduce, not np.max / np.sum: the same loops without numpy's Python dispatch (2 µs a call)
    e = np.exp(xv - np.maximum.reduce(xv, axis=axis, keepdims=True))  # never overflows
    return track(e / np.add.reduce(e, axis=axis, keepdims=True), (x,), _softmax_vjp, {"axis": axis})


def _softmax_vjp(g, out, x, axis):
    return (out * (g - sum_(g * out, axis=axis, keepdims=True)),)


def _logsoftmax(x, axis=-1):
    xv = _values(x)
    shifted = xv - np.maximum.reduce(xv, axis=axis, keepdims=True)
    value = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
    return track(value, (x,), _logsoftmax_vjp, {"axis": axis})


def _logsoftmax_vjp(g, out, x, axis):
    return (g - el.exp(out) * sum_(g, axis=axis, keepdims=True),)


def _identity(x):
    return x


identity = Activation("identity", "identity", _identity, "identity(x) = x")
sigmoid = Activation("sigmoid", "σ", _sigmoid, "σ(x) = 1 / (1 + exp(-x)), stable for large |x|")
σ = sigmoid
tanh = Activation("tanh", "tanh", el.tanh, "tanh(x), squashes to (-1, 1)")
relu = Activation("relu", "relu", _relu, "relu(x) = max(x, 0)")
leakyrelu = Activation("leakyrelu", "leakyrelu", _leakyrelu, "leakyrelu(x, a=0.01) = x if x > 0 else a·x")
elu = Activation("elu", "elu", _elementwise(elu_values, _elu_vjp), "elu(x) = x if x > 0 else exp(x) - 1")
gelu = Activation("gelu", "gelu", _elementwise(gelu_values, _gelu_vjp),
                  "gelu(x) = 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation Flux uses")
swish = Activation("swish", "swish", _elementwise(swish_values, _swish_vjp), "swish(x) = x σ(x), also called SiLU")
silu = swish
softplus = Activation("softplus", "softplus", _softplus, "softplus(x) = log(1 + exp(x)), a smooth relu")
mish = Activation("mish", "mish", _elementwise(mish_values, _mish_vjp), "mish(x) = x tanh(softplus(x))")
logsigmoid = Activation("logsigmoid", "logσ", _elementwise(logsigmoid_values, _logsigmoid_vjp),
                        "logσ(x) = log(σ(x)) = -softplus(-x), stable for large |x|")
logσ = logsigmoid
softmax = Activation("softmax", "softmax", _softmax,
                     "softmax(x, axis=-1) = exp(x) / sum(exp(x)) over the last axis (or `axis`)")
logsoftmax = Activation("logsoftmax", "logsoftmax", _logsoftmax,
                        "logsoftmax(x, axis=-1) = x - log(sum(exp(x))) over the last axis (or `axis`)")

ACTIVATIONS = {a.name: a for a in (identity, sigmoid, tanh, relu, leakyrelu, elu, gelu, swish, softplus, mish,
                                   logsigmoid, softmax, logsoftmax)}
"""Every activation by canonical name, in palette order."""

NORMALISING = ("softmax", "logsoftmax")
"""Activations over the last axis whose output is a distribution: another activation after one undoes it."""
