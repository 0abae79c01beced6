"""Elementwise maths: exp, log, sqrt, abs, sin, cos, clip, each forward beside its VJP.

Like `ops.py`, each works on plain arrays and on tracked values, and its VJP is written with
these same functions, so derivatives of any order come out right.

>>> float(exp(0.0)), float(log(1.0)), float(sqrt(4.0))
(1.0, 0.0, 2.0)
"""
import numpy as np

from .tracked import data, track


# ---- elementwise functions ----

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


def abs_(x):
    return track(np.abs(data(x)), (x,), _abs_vjp)


def _abs_vjp(g, out, x):
    return (g * np.sign(data(x)),)


def sin(x):
    return track(np.sin(data(x)), (x,), _sin_vjp)


def _sin_vjp(g, out, x):
    return (g * cos(x),)


def cos(x):
    return track(np.cos(data(x)), (x,), _cos_vjp)


def _cos_vjp(g, out, x):
    return (-g * sin(x),)


def clip(x, lo=None, hi=None):
    """Clamp to [lo, hi]; the gradient passes where the value was inside."""
    return track(np.clip(data(x), lo, hi), (x,), _clip_vjp, {"lo": lo, "hi": hi})


def _clip_vjp(g, out, x, lo, hi):
    xv = data(x)
    inside = np.ones(np.shape(xv), dtype=bool)
    if lo is not None:
        inside &= xv >= lo
    if hi is not None:
        inside &= xv <= hi
    return (g * inside.astype(np.asarray(xv).dtype),)
