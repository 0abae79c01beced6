"""Elementwise maths, each forward beside its VJP: exponentials and logarithms, trigonometry,
the piecewise-constant functions (sign, floor, ceil, round: zero gradient) and clip.

Like `ops.py`, each works on plain arrays and on tracked values, and its VJP is written with
these same functions, so derivatives of any order come out right. float32 stays float32.

>>> float(exp(0.0)), float(log(1.0)), float(sqrt(4.0))
(1.0, 0.0, 2.0)
>>> from engine import gradient
>>> float(gradient(lambda x: log1p(x), 1e-20)[0]), float(gradient(lambda x: arctan(x), 1.0)[0])
(1.0, 0.5)
"""
import math

import numpy as np

from .tracked import Tracked, data, track

_LN2, _LN10 = math.log(2.0), math.log(10.0)


# ---- exponentials and logarithms ----

def exp(x):
    return track(np.exp(data(x)), (x,), _exp_vjp)


def _exp_vjp(g, out, x):
    return (g * out,)


def log(x):
    return track(np.log(data(x)), (x,), _log_vjp)


def _log_vjp(g, out, x):
    return (g / x,)


def sqrt(x):
    return track(np.sqrt(data(x)), (x,), _sqrt_vjp)


def _sqrt_vjp(g, out, x):
    return (g / (2 * out),)


def expm1(x):
    """``exp(x) - 1``, exact for tiny x (where exp(x) - 1 gives 0).

    >>> float(expm1(1e-20))
    1e-20
    """
    return track(np.expm1(data(x)), (x,), _expm1_vjp)


def _expm1_vjp(g, out, x):
    return (g * exp(x),)


def log1p(x):
    """``log(1 + x)``, exact for tiny x (where log(1 + x) gives 0).

    >>> float(log1p(1e-20))
    1e-20
    """
    return track(np.log1p(data(x)), (x,), _log1p_vjp)


def _log1p_vjp(g, out, x):
    return (g / (1 + x),)


def exp2(x):
    """``2 ** x``.

    >>> float(exp2(3.0))
    8.0
    """
    return track(np.exp2(data(x)), (x,), _exp2_vjp)


def _exp2_vjp(g, out, x):
    return (g * out * _LN2,)


def log2(x):
    """Base-2 logarithm.

    >>> float(log2(8.0))
    3.0
    """
    return track(np.log2(data(x)), (x,), _log2_vjp)


def _log2_vjp(g, out, x):
    return (g / (x * _LN2),)


def log10(x):
    """Base-10 logarithm.

    >>> float(log10(1000.0))
    3.0
    """
    return track(np.log10(data(x)), (x,), _log10_vjp)


def _log10_vjp(g, out, x):
    return (g / (x * _LN10),)


# ---- trigonometric and hyperbolic ----

def sin(x):
    return track(np.sin(data(x)), (x,), _sin_vjp)


def _sin_vjp(g, out, x):
    return (g * cos(x),)


def cos(x):
    return track(np.cos(data(x)), (x,), _cos_vjp)


def _cos_vjp(g, out, x):
    return (-g * sin(x),)


def tan(x):
    """tan x, whose derivative is ``1 + tan² x``.

    >>> from engine import gradient
    >>> float(gradient(tan, 0.0)[0])
    1.0
    """
    return track(np.tan(data(x)), (x,), _tan_vjp)


def _tan_vjp(g, out, x):
    return (g * (1 + out * out),)


def tanh(x):
    """tanh x, whose derivative is ``1 - tanh² x`` (engine.tanh is this, as an activation).

    >>> float(tanh(0.0))
    0.0
    """
    return track(np.tanh(data(x)), (x,), _tanh_vjp)


def _tanh_vjp(g, out, x):
    return (g * (1 - out * out),)


def sinh(x):
    """sinh x, whose derivative is cosh x.

    >>> from engine import gradient
    >>> float(gradient(sinh, 0.0)[0])
    1.0
    """
    return track(np.sinh(data(x)), (x,), _sinh_vjp)


def _sinh_vjp(g, out, x):
    return (g * cosh(x),)


def cosh(x):
    """cosh x, whose derivative is sinh x.

    >>> float(cosh(0.0))
    1.0
    """
    return track(np.cosh(data(x)), (x,), _cosh_vjp)


def _cosh_vjp(g, out, x):
    return (g * sinh(x),)


def arcsin(x):
    """The inverse sine on [-1, 1]; its gradient, 1/√(1 - x²), is infinite at ±1.

    >>> from engine import gradient
    >>> float(gradient(arcsin, 0.0)[0])
    1.0
    """
    return track(np.arcsin(data(x)), (x,), _arcsin_vjp)


def _arcsin_vjp(g, out, x):
    return (g / sqrt(1 - x * x),)


def arccos(x):
    """The inverse cosine on [-1, 1]; its gradient, -1/√(1 - x²), is infinite at ±1.

    >>> float(arccos(1.0))
    0.0
    """
    return track(np.arccos(data(x)), (x,), _arccos_vjp)


def _arccos_vjp(g, out, x):
    return (-g / sqrt(1 - x * x),)


def arctan(x):
    """The inverse tangent, whose derivative is 1 / (1 + x²).

    >>> float(arctan(1.0) * 4)
    3.141592653589793
    """
    return track(np.arctan(data(x)), (x,), _arctan_vjp)


def _arctan_vjp(g, out, x):
    return (g / (1 + x * x),)


# ---- piecewise: abs, clip, and the piecewise-constant functions ----

def abs_(x):
    return track(np.abs(data(x)), (x,), _abs_vjp)


def _abs_vjp(g, out, x):
    return (g * np.sign(data(x)),)


def clip(x, lo=None, hi=None):
    """Clamp to the constants [lo, hi]; the gradient passes where the value was inside."""
    if isinstance(lo, Tracked) or isinstance(hi, Tracked):
        raise TypeError("clip's bounds are constants; for tracked bounds write maximum(minimum(x, hi), lo), "
                        "which passes gradient to them too")
    return track(_clamped(data(x), lo, hi), (x,), _clip_vjp, {"lo": lo, "hi": hi})


def _clamped(xv, lo, hi):
    """np.clip's values (NaN stays NaN) from maximum and minimum: np.clip's Python layers cost 4x the
    work itself at the sizes of a loss, whose clamp runs every step."""
    if lo is None and hi is None:
        return np.clip(xv, lo, hi)  # numpy's own error or copy, whichever this numpy gives
    y = xv if lo is None else np.maximum(xv, lo)
    return y if hi is None else np.minimum(y, hi)


def _clip_vjp(g, out, x, lo, hi):
    xv = np.asarray(data(x))
    if lo is None and hi is None:
        return (g,)
    inside = (xv <= hi) if lo is None else (xv >= lo) if hi is None else (xv >= lo) & (xv <= hi)
    return (g * inside.astype(xv.dtype),)


def _flat(g, out, x):
    # Piecewise constant: the derivative is 0 wherever it exists (the steps themselves have none),
    # so no gradient flows, as in autograd, torch and Zygote.
    return (None,)


def sign(x):
    """-1, 0 or 1, with zero gradient.

    >>> from engine import gradient
    >>> float(gradient(lambda x: sign(x) * x, -2.0)[0])  # d|x|/dx through sign: only the x factor counts
    -1.0
    """
    return track(np.sign(data(x)), (x,), _flat)


def floor(x):
    """The largest whole number ≤ x (as a float), with zero gradient.

    >>> floor([1.5, -1.5]).tolist()
    [1.0, -2.0]
    """
    return track(np.floor(data(x)), (x,), _flat)


def ceil(x):
    """The smallest whole number ≥ x (as a float), with zero gradient.

    >>> ceil([1.5, -1.5]).tolist()
    [2.0, -1.0]
    """
    return track(np.ceil(data(x)), (x,), _flat)


def round_(x, decimals=0):
    """Round half to even to `decimals` places, as numpy does, with zero gradient.

    >>> round_([0.5, 1.5, 2.25], 1).tolist()
    [0.5, 1.5, 2.2]
    """
    return track(np.round(data(x), decimals), (x,), _flat)
