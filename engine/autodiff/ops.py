"""Differentiable primitives: each forward stands beside its vector-Jacobian product.

Every op works on plain arrays (returning arrays) and on `Tracked` values (returning a tracked
result that remembers its VJP). VJPs are written with these same ops, so when a backward sweep
runs with ``nest=True`` the VJPs record too and higher derivatives come out right. Everything
here is numpy: the tape needs no compilation, so it runs the moment the engine is imported.

>>> from engine import gradient
>>> gradient(lambda x: sum_(x * x), [1.0, -2.0])[0].tolist()
[2.0, -4.0]
"""
import numpy as np

from .elementwise import abs_, log
from .tracked import Tracked, data, track


def _shape(x):
    return x.shape if isinstance(x, Tracked) else np.shape(x)


def plain(*xs):
    """True when no argument is tracked: VJPs may then take the fast kernel route."""
    return not any(isinstance(x, Tracked) for x in xs)


def floats(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


# ---- shape plumbing for broadcasting ----

def sum_to(x, shape):
    """Sum `x` down to `shape`: undoes numpy broadcasting (the VJP of broadcast_to)."""
    shape = tuple(shape)
    if _shape(x) == shape:
        return x
    return track(_sum_to(data(x), shape), (x,), _sum_to_vjp, {"shape": shape})


def _sum_to(x, shape):
    lead = np.ndim(x) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else np.reshape(x, shape)


def _sum_to_vjp(g, out, x, shape):
    return (broadcast_to(g, _shape(x)),)


def broadcast_to(x, shape):
    shape = tuple(shape)
    if _shape(x) == shape:
        return x
    return track(np.broadcast_to(data(x), shape), (x,), _broadcast_to_vjp, {"shape": shape})


def _broadcast_to_vjp(g, out, x, shape):
    return (sum_to(g, _shape(x)),)


# ---- arithmetic (numpy broadcasting; gradients summed back to each operand's shape) ----

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


def _mul_vjp(g, out, a, b):
    return sum_to(g * b, _shape(a)), sum_to(g * a, _shape(b))


def div(a, b):
    return track(data(a) / data(b), (a, b), _div_vjp)


def _div_vjp(g, out, a, b):
    return sum_to(g / b, _shape(a)), sum_to(-g * out / b, _shape(b))


def neg(x):
    return track(-data(x), (x,), _neg_vjp)


def _neg_vjp(g, out, x):
    return (-g,)


def power(a, b):
    """``a ** b`` for a tracked or constant exponent."""
    return track(np.power(data(a), data(b)), (a, b), _power_vjp)


def _power_vjp(g, out, a, b):
    if isinstance(b, int | float) and b == 2:
        ga = g * 2 * a  # exact, and the common case (squares in losses)
    else:
        ga = g * b * a ** (b - 1)
    gb = None
    if isinstance(b, Tracked) or np.ndim(b) or not isinstance(b, int | float):
        # d(a^b)/db = a^b log a, defined for a > 0; elsewhere take 0 rather than NaN
        positive = data(a) > 0
        safe_a = where(positive, a, 1)
        gb = sum_to(where(positive, g * out * log(safe_a), 0), _shape(b))
    return sum_to(ga, _shape(a)), gb


def where(cond, a, b):
    """Choose from `a` where `cond` (a constant mask) holds, else from `b`."""
    cond = np.asarray(data(cond), dtype=bool)
    return track(np.where(cond, data(a), data(b)), (a, b), _where_vjp, {"cond": cond})


def _where_vjp(g, out, a, b, cond):
    zero = np.zeros((), dtype=np.asarray(data(g)).dtype)
    return sum_to(where(cond, g, zero), _shape(a)), sum_to(where(cond, zero, g), _shape(b))


# ---- matrix products ----

def matmul(a, b):
    """``a @ b`` for vectors, matrices and batches of matrices (numpy semantics)."""
    sa, sb = _shape(a), _shape(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul needs arrays, not scalars: shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not fit (inner sizes "
                         f"{sa[-1]} and {sb[-2 if len(sb) > 1 else 0]} differ)")
    if len(sa) == 1 and len(sb) == 1:
        return sum_(a * b)
    if len(sa) == 1:
        return reshape(_matmul(reshape(a, (1, sa[0])), b), sb[:-2] + sb[-1:])
    if len(sb) == 1:
        return reshape(_matmul(a, reshape(b, (sb[0], 1))), sa[:-1])
    return _matmul(a, b)


def _matmul(a, b):
    return track(np.matmul(data(a), data(b)), (a, b), _matmul_vjp)


def selective(vjp):
    """Mark a VJP that takes `needs` (one bool per input) and skips gradients nobody asked for:
    a Dense layer's input gradient is a whole matrix product, wasted on the data itself."""
    vjp.selective = True
    return vjp


@selective
def _matmul_vjp(g, out, a, b, needs=(True, True)):
    return (sum_to(_matmul(g, swapaxes(b)), _shape(a)) if needs[0] else None,
            sum_to(_matmul(swapaxes(a), g), _shape(b)) if needs[1] else None)


def linear(x, W, b=None):
    """The Dense layer's affine map ``x @ W.T + b`` as one tape node (x is (in,) or (n, in))."""
    xv, Wv = data(x), data(W)
    y = xv @ Wv.T
    if b is not None:
        y = y + data(b)
    return track(y, (x, W, b), _linear_vjp)


@selective
def _linear_vjp(g, out, x, W, b, needs=(True, True, True)):
    vector = len(_shape(x)) == 1
    gx = gW = gb = None
    if needs[0]:
        gx = matmul(g, W) if vector else _matmul(g, W)
    if needs[1]:
        gW = reshape(g, (-1, 1)) * reshape(x, (1, -1)) if vector else _matmul(swapaxes(g), x)
    if needs[2] and b is not None:
        gb = g if vector else sum_(g, axis=0)
    return gx, gW, gb


# ---- shapes, indexing ----

def reshape(x, shape):
    shape = tuple(np.reshape(np.empty(_shape(x), dtype=np.bool_), shape).shape)  # resolve -1
    if _shape(x) == shape:
        return x
    return track(np.reshape(data(x), shape), (x,), _reshape_vjp)


def _reshape_vjp(g, out, x):
    return (reshape(g, _shape(x)),)


def transpose(x, axes=None):
    axes = tuple(range(len(_shape(x)))[::-1]) if axes is None else tuple(axes)
    return track(np.transpose(data(x), axes), (x,), _transpose_vjp, {"axes": axes})


def _transpose_vjp(g, out, x, axes):
    return (transpose(g, tuple(np.argsort(axes))),)


def swapaxes(x):
    """Swap the last two axes (the matrix transpose of every matrix in a batch)."""
    n = len(_shape(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def getitem(x, index):
    index = data(index)
    return track(data(x)[index], (x,), _getitem_vjp, {"index": index})


def _getitem_vjp(g, out, x, index):
    return (scatter(g, index, _shape(x)),)


def scatter(g, index, shape):
    """Zeros of `shape` with `g` added at `index` (repeated indices accumulate): getitem's VJP."""
    gv = data(g)
    full = np.zeros(shape, dtype=np.asarray(gv).dtype)
    np.add.at(full, index, gv)
    return track(full, (g,), _scatter_vjp, {"index": index, "shape": shape})


def _scatter_vjp(g, out, x, index, shape):
    return (getitem(g, index),)


def stack(*xs, axis=0):
    return track(np.stack([data(x) for x in xs], axis=axis), xs, _stack_vjp, {"axis": axis})


def _stack_vjp(g, out, *xs, axis):
    return tuple(getitem(g, (slice(None),) * (axis % len(_shape(g))) + (i,)) for i in range(len(xs)))


# ---- reductions ----

def _norm_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum_(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.sum(data(x), axis=axes, keepdims=keepdims), (x,), _sum_vjp, {"axes": axes})


def _sum_vjp(g, out, x, axes):
    return (broadcast_to(reshape(g, _kept_shape(_shape(x), axes)), _shape(x)),)


def mean(x, axis=None, keepdims=False):
    shape = _shape(x)
    count = int(np.prod([shape[a] for a in _norm_axis(axis, len(shape))]))
    return sum_(x, axis, keepdims) / count


def max_(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.max(data(x), axis=axes, keepdims=keepdims), (x,), _max_vjp, {"axes": axes})


def _max_vjp(g, out, x, axes):
    shape = _shape(x)
    xv = data(x)
    hit = xv == np.max(xv, axis=axes, keepdims=True)
    share = (hit / np.sum(hit, axis=axes, keepdims=True)).astype(xv.dtype)  # ties split the gradient
    return (broadcast_to(reshape(g, _kept_shape(shape, axes)), shape) * share,)


def prod(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.prod(data(x), axis=axes, keepdims=keepdims), (x,), _prod_vjp, {"axes": axes})


def _prod_vjp(g, out, x, axes):
    # d prod / d x_i is the product of all the *other* elements: never out / x_i, which fails at
    # zeros (and gave Tracker.jl wrong Hessians, #120).
    shape = _shape(x)
    return (broadcast_to(reshape(g, _kept_shape(shape, axes)), shape) * _prod_others(x, axes),)


def _prod_others(x, axes):
    """For every element, the product of the others along `axes`, from prefix and suffix products."""
    shape = _shape(x)
    moved = [a for a in range(len(shape)) if a not in axes] + list(axes)
    xt = transpose(x, moved) if moved != list(range(len(shape))) else x
    keep = tuple(shape[a] for a in moved[:len(moved) - len(axes)])
    n = int(np.prod([shape[a] for a in axes]))
    flat = reshape(xt, keep + (n,))
    if plain(flat):
        left = np.cumprod(np.concatenate([np.ones(keep + (1,), flat.dtype), flat[..., :-1]], -1), -1)
        right = np.cumprod(np.concatenate([np.ones(keep + (1,), flat.dtype), flat[..., :0:-1]], -1), -1)
        others = left * right[..., ::-1]
    else:
        # nested: build the same products from recorded multiplications, so they differentiate too
        one = np.ones(keep, dtype=flat.dtype)
        left, acc = [one], one
        for i in range(n - 1):
            acc = acc * flat[..., i]
            left.append(acc)
        right, acc = [one], one
        for i in range(n - 1, 0, -1):
            acc = acc * flat[..., i]
            right.append(acc)
        others = stack(*[left[i] * right[n - 1 - i] for i in range(n)], axis=-1)
    others = reshape(others, tuple(shape[a] for a in moved))
    return transpose(others, tuple(np.argsort(moved))) if moved != list(range(len(shape))) else others


# ---- operators on Tracked (so tracked values read like numpy) ----

def _install_operators():
    T = Tracked
    T.__add__ = lambda a, b: add(a, b)
    T.__radd__ = lambda a, b: add(b, a)
    T.__sub__ = lambda a, b: sub(a, b)
    T.__rsub__ = lambda a, b: sub(b, a)
    T.__mul__ = lambda a, b: mul(a, b)
    T.__rmul__ = lambda a, b: mul(b, a)
    T.__truediv__ = lambda a, b: div(a, b)
    T.__rtruediv__ = lambda a, b: div(b, a)
    T.__pow__ = lambda a, b: power(a, b)
    T.__rpow__ = lambda a, b: power(b, a)
    T.__matmul__ = lambda a, b: matmul(a, b)
    T.__rmatmul__ = lambda a, b: matmul(b, a)
    T.__neg__ = lambda a: neg(a)
    T.__pos__ = lambda a: a
    T.__abs__ = lambda a: abs_(a)
    T.__getitem__ = lambda a, index: getitem(a, index)
    T.T = property(lambda a: transpose(a))
    T.sum = lambda a, axis=None, keepdims=False: sum_(a, axis, keepdims)
    T.mean = lambda a, axis=None, keepdims=False: mean(a, axis, keepdims)
    T.max = lambda a, axis=None, keepdims=False: max_(a, axis, keepdims)
    T.prod = lambda a, axis=None, keepdims=False: prod(a, axis, keepdims)
    T.reshape = lambda a, *shape: reshape(a, shape[0] if len(shape) == 1 and not isinstance(shape[0], int)
                                           else shape)
    T.transpose = lambda a, *axes: transpose(a, axes or None)


_install_operators()
