"""numpy's own functions on tracked values: ``np.sum(x)``, ``np.exp(x)``, ``ndarray * x`` run the
engine's differentiable versions, so code written for HIPS autograd (``import autograd.numpy as np``)
mostly runs unchanged; any other numpy function raises a TypeError saying what to use instead.

Tracked implements numpy's dispatch protocols, NEP 13 (``__array_ufunc__``: +, *, np.exp, ...) and
NEP 18 (``__array_function__``: np.sum, np.concatenate, ...), from the tables below. Functions
that only look at values (np.shape, np.argmax, np.isclose, comparisons) see the plain numbers.
(``np.asarray(x)`` is not a dispatched function: it gives an object array of tracked elements, as
it always has; ``data(x)`` gives the plain numbers.)

>>> from engine import gradient, param
>>> gradient(lambda x: np.sum(np.exp(x) * np.ones(2)), [0.0, 0.0])[0].tolist()
[1.0, 1.0]
>>> np.linalg.svd(param(np.eye(2)))
Traceback (most recent call last):
...
TypeError: numpy.linalg.svd has no differentiable version in Chainboard's engine; to compute it on ...
>>> np.fabs(param([-1.0]))
Traceback (most recent call last):
...
TypeError: numpy.fabs has no differentiable version in Chainboard's engine (use engine.math.abs); ...
"""
import inspect

import numpy as np

from . import elementwise as el, ops, products, reductions as red, shapes
from .tracked import Tracked, data

# numpy ufunc -> the engine function it runs
UFUNCS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.divide: ops.div, np.negative: ops.neg,
    np.positive: lambda x: x, np.power: ops.power, np.square: lambda x: ops.power(x, 2), np.matmul: products.matmul,
    np.maximum: ops.maximum, np.minimum: ops.minimum, np.absolute: el.abs_, np.rint: el.round_,
    **{getattr(np, name): getattr(el, name) for name in (
        "exp", "log", "sqrt", "expm1", "log1p", "exp2", "log2", "log10", "sin", "cos", "tan", "tanh", "sinh",
        "cosh", "arcsin", "arccos", "arctan", "sign", "floor", "ceil")},
}

# ufuncs that only look at values: they run on the plain numbers (comparisons are not differentiable)
VALUE_UFUNCS = {np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal, np.isfinite,
                np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or, np.logical_not, np.logical_xor}


def _np_where(condition, *choices):
    if not choices:
        return np.where(data(condition))
    return ops.where(data(condition), *choices)


def _np_clip(a, a_min=None, a_max=None, *, min=None, max=None):
    return el.clip(a, a_min if min is None else min, a_max if max is None else max)


def _np_norm(x, ord=None, axis=None, keepdims=False):
    if len(shapes._shape(x)) >= 2 and (axis is None or np.ndim(axis) == 1) and ord not in (None, "fro"):
        raise TypeError(f"numpy.linalg.norm(x, ord={ord!r}) of a matrix is an operator norm, which has no "
                        "differentiable version in Chainboard's engine; engine.math.norm(x, ord) is the "
                        "vector p-norm of the entries")
    return red.norm(x, ord, axis, keepdims)


# numpy function -> (engine function, the name to show)
FUNCTIONS = {
    np.sum: (red.sum_, "engine.math.sum"), np.mean: (red.mean, "engine.math.mean"),
    np.max: (red.max_, "engine.math.max"), np.amax: (red.max_, "engine.math.max"),
    np.min: (red.min_, "engine.math.min"), np.amin: (red.min_, "engine.math.min"),
    np.prod: (red.prod, "engine.math.prod"), np.linalg.norm: (_np_norm, "engine.math.norm"),
    np.where: (_np_where, "engine.math.where"), np.clip: (_np_clip, "engine.math.clip"),
    np.round: (el.round_, "engine.math.round"), np.around: (el.round_, "engine.math.round"),
    np.ravel: (lambda a: shapes.reshape(a, -1), "engine.math.reshape(x, -1)"),
    **{getattr(np, name): (getattr(red, name), f"engine.math.{name}") for name in ("var", "std", "cumsum")},
    **{getattr(np, name): (getattr(shapes, name), f"engine.math.{name}") for name in (
        "reshape", "transpose", "concatenate", "stack", "repeat", "tile", "broadcast_to", "astype")},
    **{getattr(np, name): (getattr(products, name), f"engine.math.{name}") for name in (
        "outer", "dot", "tensordot", "einsum")},
}

# functions that only look at values or shapes, or make new constants: they run on the plain numbers
VALUE_FUNCTIONS = {np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.allclose, np.isclose,
                   np.array_equal, np.all, np.any, np.count_nonzero, np.nonzero, np.zeros_like, np.ones_like,
                   np.empty_like, np.full_like}

# where numpy has a function the engine lacks, what to write instead
HINTS = {
    np.fabs: "engine.math.abs", np.reciprocal: "1 / x", np.cbrt: "x ** (1 / 3)", np.logaddexp: "engine.math.logsumexp",
    np.vstack: "engine.math.concatenate or engine.math.vcat", np.hstack: "engine.math.concatenate",
    np.column_stack: "engine.math.hcat", np.squeeze: "engine.math.reshape", np.expand_dims: "engine.math.reshape",
    np.atleast_1d: "engine.math.reshape", np.atleast_2d: "engine.math.reshape", np.swapaxes: "engine.math.transpose",
    np.moveaxis: "engine.math.transpose", np.flip: "indexing, x[::-1]", np.diff: "x[1:] - x[:-1]",
    np.average: "engine.math.sum(w * x) / engine.math.sum(w)", np.inner: "engine.math.dot",
    np.vdot: "engine.math.dot", np.trace: "indexing the diagonal and engine.math.sum",
    np.float_power: "**",
}


def _name(func):
    return f"{getattr(func, '__module__', None) or 'numpy'}.{func.__name__}"  # ufuncs have no module: numpy


def _missing(func):
    hint = f" (use {HINTS[func]})" if func in HINTS else ""
    return TypeError(f"{_name(func)} has no differentiable version in Chainboard's engine{hint}; to compute it on "
                     "the plain numbers (no gradient flows through it), call it on engine.data(x)")


def _run(func, engine_fn, shown, args, kwargs):
    try:
        return engine_fn(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{_name(func)} on a tracked value runs {shown}{_signature(engine_fn)}: {error}") from error


def _signature(fn):
    try:
        return str(inspect.signature(fn))
    except ValueError:
        return ""


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if ufunc in VALUE_UFUNCS:
        return getattr(ufunc, method)(*(data(x) for x in inputs), **kwargs)
    if method != "__call__":
        raise _missing_method(ufunc, method)
    if "out" in kwargs:
        raise TypeError(f"numpy.{ufunc.__name__} cannot write a tracked result into a numpy array (out=, or "
                        "an in-place operator such as += on an ndarray): write y = y + x instead")
    if ufunc not in UFUNCS:
        raise _missing(ufunc)
    if kwargs:
        raise TypeError(f"numpy.{ufunc.__name__} on a tracked value takes no options (got {', '.join(kwargs)})")
    return UFUNCS[ufunc](*inputs)


_METHOD_HINTS = {(np.add, "reduce"): "engine.math.sum", (np.multiply, "reduce"): "engine.math.prod",
                 (np.maximum, "reduce"): "engine.math.max", (np.minimum, "reduce"): "engine.math.min",
                 (np.add, "accumulate"): "engine.math.cumsum", (np.multiply, "outer"): "engine.math.outer"}


def _missing_method(ufunc, method):
    hint = _METHOD_HINTS.get((ufunc, method))
    return TypeError(f"numpy.{ufunc.__name__}.{method} has no differentiable version in Chainboard's engine"
                     + (f" (use {hint})" if hint else "") + "; call it on engine.data(x) for the plain numbers")


def _array_function(self, func, types, args, kwargs):
    if func in VALUE_FUNCTIONS:
        return func(*(data(a) for a in args), **{k: data(v) for k, v in kwargs.items()})
    if func not in FUNCTIONS:
        raise _missing(func)
    engine_fn, shown = FUNCTIONS[func]
    return _run(func, engine_fn, shown, args, kwargs)


Tracked.__array_ufunc__ = _array_ufunc
Tracked.__array_function__ = _array_function
