"""Arithmetic with numpy broadcasting, each forward beside its vector-Jacobian product: + - * /,
powers, `where`, and the elementwise `maximum` and `minimum`.

Every op works on plain arrays (returning arrays) and on `Tracked` values (returning a tracked
result that remembers its VJP). VJPs are written with these same ops, so when a backward sweep
runs with ``nest=True`` the VJPs record too and higher derivatives come out right. Gradients are
summed back to each operand's shape. Everything here is numpy: the tape needs no compilation.

>>> from engine import gradient
>>> gradient(lambda x: (x * x).sum(), [1.0, -2.0])[0].tolist()
[2.0, -4.0]
>>> float(gradient(lambda x: 2.0 ** (3 * x), 0.5)[0])  # 3 ln 2 · 2^1.5: a tracked exponent
5.881...
"""
import numpy as np

from .elementwise import log
from .shapes import _shape, sum_to
from .tracked import Tracked, data, selective, track


def floats(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def add(a, b):
    return track(data(a) + data(b), (a, b), _add_vjp)


def _add_vjp(g, out, a, b):
    return sum_to(g, _shape(a)), sum_to(g, _shape(b))


def sub(a, b):
    return track(data(a) - data(b), (a, b), _sub_vjp)


def _sub_vjp(g, out, a, b):
    return sum_to(g, _shape(a)), -sum_to(g, _shape(b))


def mul(a, b):
    return track(data(a) * data(b), (a, b), _mul_vjp)


@selective
def _mul_vjp(g, out, a, b, needs=(True, True)):
    # one side is often a constant (a loss's targets, a scale): its gradient is never formed
    return (sum_to(g * b, _shape(a)) if needs[0] else None,
            sum_to(g * a, _shape(b)) if needs[1] else None)


def div(a, b):
    return track(data(a) / data(b), (a, b), _div_vjp)


@selective
def _div_vjp(g, out, a, b, needs=(True, True)):
    return (sum_to(g / b, _shape(a)) if needs[0] else None,
            sum_to(-g * out / b, _shape(b)) if needs[1] else None)


def neg(x):
    return track(-data(x), (x,), _neg_vjp)


def _neg_vjp(g, out, x):
    return (-g,)


def power(a, b):
    """``a ** b``; either may be tracked (an exponent made by another op is tracked too)."""
    return track(np.power(data(a), data(b)), (a, b), _power_vjp)


@selective
def _power_vjp(g, out, a, b, needs=(True, True)):
    # Which gradients to form comes from `needs` (is that input tracked, and does it lead anywhere),
    # never from the type of b's value: an exponent computed by another op is a numpy scalar too.
    ga = gb = None
    b = b if isinstance(b, Tracked) else np.asarray(b)  # a constant exponent may be a list
    if needs[0]:
        if not isinstance(b, Tracked) and np.ndim(b) == 0 and b == 2:
            ga = g * 2 * a  # exact, and the common case (squares in losses)
        else:
            # d(a^b)/da = b a^(b-1). At a = b = 0 that is 0 * 0^-1 = NaN; take 0 (the limit along
            # a, as autograd and torch do). Only there: elsewhere b - 1 carries b's own derivative.
            zero_zero = (data(a) == 0) & (data(b) == 0)
            exponent = where(zero_zero, 1, b - 1) if np.any(zero_zero) else b - 1
            ga = sum_to(g * b * a ** exponent, _shape(a))
    if needs[1]:
        # d(a^b)/db = a^b log a, defined for a > 0; elsewhere take 0 rather than NaN
        positive = data(a) > 0
        safe_a = where(positive, a, 1)
        gb = sum_to(where(positive, g * out * log(safe_a), 0), _shape(b))
    return ga, gb


def where(cond, a, b):
    """Choose from `a` where `cond` (a constant mask) holds, else from `b`."""
    cond = np.asarray(data(cond), dtype=bool)
    return track(np.where(cond, data(a), data(b)), (a, b), _where_vjp, {"cond": cond})


def _where_vjp(g, out, a, b, cond):
    zero = np.zeros((), dtype=np.asarray(data(g)).dtype)
    return sum_to(where(cond, g, zero), _shape(a)), sum_to(where(cond, zero, g), _shape(b))


def maximum(a, b):
    """The elementwise larger of `a` and `b` (broadcasting); where they tie, each gets half the gradient.

    >>> from engine import gradient
    >>> [g.tolist() for g in gradient(lambda a, b: maximum(a, b).sum(), [1.0, 5.0, 2.0], [3.0, 0.0, 2.0])]
    [[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]]
    """
    return track(np.maximum(data(a), data(b)), (a, b), _choice_vjp, {"sign": 1})


def minimum(a, b):
    """The elementwise smaller of `a` and `b`; ties split the gradient, as in `maximum`.

    >>> minimum([1.0, 5.0], 2.0).tolist()
    [1.0, 2.0]
    """
    return track(np.minimum(data(a), data(b)), (a, b), _choice_vjp, {"sign": -1})


def _choice_vjp(g, out, a, b, sign):
    av, bv = data(a), data(b)
    dtype = np.asarray(data(g)).dtype
    wins = np.greater(av, bv) if sign > 0 else np.less(av, bv)
    share = (wins + 0.5 * np.equal(av, bv)).astype(dtype)  # a constant: 1, 0, or ½ at a tie
    return sum_to(g * share, _shape(a)), sum_to(g * (1 - share), _shape(b))
