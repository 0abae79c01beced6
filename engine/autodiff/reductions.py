"""Reductions, each forward beside its VJP: sum, mean, max, min, prod, var, std, norm, logsumexp,
and the running sum cumsum. `axis` is numpy's: None (everything), an int, or a tuple of ints.

>>> from engine import gradient
>>> gradient(lambda x: norm(x), [3.0, 4.0])[0].tolist()
[0.6, 0.8]
>>> gradient(lambda x: norm(x), [0.0, 0.0])[0].tolist()  # safe at 0: a subgradient, not NaN
[0.0, 0.0]
>>> round(float(logsumexp([1000.0, 1000.0])), 6)  # stable: no overflow
1000.693147
"""
import operator

import numpy as np

from .elementwise import abs_, exp, sqrt
from .ops import where
from .shapes import _along, _axis, _shape, broadcast_to, getitem, reshape, stack, transpose
from .tracked import Tracked, data, track


def _norm_axis(axis, ndim):
    """numpy's `axis` argument (None, an int, numpy integers, a tuple) as sorted non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)  # the common case, quickly
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = [operator.index(a) for a in axes]
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for {ndim} dimensions")
    return tuple(sorted({a % ndim for a in axes})) if ndim else ()


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, shape, axes):
    """A reduction's output gradient, broadcast back over the reduced axes."""
    return broadcast_to(reshape(g, _kept_shape(shape, axes)), shape)


def _count(shape, axes):
    return int(np.prod([shape[a] for a in axes]))


def sum_(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    # np.add.reduce is what np.sum runs, without np.sum's two layers of Python dispatch (half its time here)
    return track(np.add.reduce(data(x), axis=axes, keepdims=keepdims), (x,), _sum_vjp, {"axes": axes})


def _sum_vjp(g, out, x, axes):
    return (_spread(g, _shape(x), axes),)


def mean(x, axis=None, keepdims=False):
    shape = _shape(x)
    return sum_(x, axis, keepdims) / _count(shape, _norm_axis(axis, len(shape)))


def var(x, axis=None, ddof=0, keepdims=False):
    """The variance, ``mean((x - mean(x))²)``, over `axis`; ``ddof=1`` divides by n - 1 instead of n.

    >>> float(var([1.0, 2.0, 3.0, 4.0])), float(var([1.0, 2.0, 3.0, 4.0], ddof=1))
    (1.25, 1.666...)
    """
    shape = _shape(x)
    axes = _norm_axis(axis, len(shape))
    centred = x - mean(x, axes, keepdims=True)
    return sum_(centred * centred, axes, keepdims) / (_count(shape, axes) - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    """The standard deviation, ``sqrt(var(x))``. Its gradient is infinite where every value is equal
    (as in autograd and torch): add a small number inside if the values might all be the same.

    >>> float(std([1.0, 3.0]))
    1.0
    """
    return sqrt(var(x, axis, ddof, keepdims))


def max_(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.max(data(x), axis=axes, keepdims=keepdims), (x,), _extreme_vjp, {"axes": axes, "pick": np.max})


def min_(x, axis=None, keepdims=False):
    """The smallest element over `axis`; ties share the gradient equally, as in `max`.

    >>> min_([[3.0, 1.0], [2.0, 4.0]], axis=0).tolist()
    [2.0, 1.0]
    """
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.min(data(x), axis=axes, keepdims=keepdims), (x,), _extreme_vjp, {"axes": axes, "pick": np.min})


def _extreme_vjp(g, out, x, axes, pick):
    xv = data(x)
    hit = xv == pick(xv, axis=axes, keepdims=True)
    share = (hit / np.sum(hit, axis=axes, keepdims=True)).astype(xv.dtype)  # ties split the gradient
    return (_spread(g, _shape(x), axes) * share,)


def prod(x, axis=None, keepdims=False):
    axes = _norm_axis(axis, len(_shape(x)))
    return track(np.prod(data(x), axis=axes, keepdims=keepdims), (x,), _prod_vjp, {"axes": axes})


def _prod_vjp(g, out, x, axes):
    # d prod / d x_i is the product of all the *other* elements: never out / x_i, which fails at
    # zeros (and gave Tracker.jl wrong Hessians, #120).
    return (_spread(g, _shape(x), axes) * _prod_others(x, axes),)


def _prod_others(x, axes):
    """For every element, the product of the others along `axes`, from prefix and suffix products."""
    shape = _shape(x)
    moved = [a for a in range(len(shape)) if a not in axes] + list(axes)
    xt = transpose(x, moved) if moved != list(range(len(shape))) else x
    keep = tuple(shape[a] for a in moved[:len(moved) - len(axes)])
    n = _count(shape, axes)
    flat = reshape(xt, keep + (n,))
    if not isinstance(flat, Tracked):
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
        others = stack([left[i] * right[n - 1 - i] for i in range(n)], axis=-1)
    others = reshape(others, tuple(shape[a] for a in moved))
    return transpose(others, tuple(np.argsort(moved))) if moved != list(range(len(shape))) else others


def norm(x, ord=2, axis=None, keepdims=False):
    """The vector p-norm of the entries over `axis` (all of them by default), for `ord` 1, 2 or inf.

    This is Julia's ``norm`` (a matrix counts as its entries: ``ord=2`` is the Frobenius norm),
    not numpy's matrix operator norms. The 2-norm's gradient ``x / norm(x)`` is taken as 0 where
    the norm is 0, so a penalty on a zero vector stays finite.
    """
    if ord is None or ord == 2 or ord == "fro":
        axes = _norm_axis(axis, len(_shape(x)))
        xv = np.asarray(data(x))
        value = np.sqrt(np.sum(xv * xv, axis=axes, keepdims=keepdims))
        return track(value, (x,), _norm2_vjp, {"axes": axes})
    if ord == 1:
        return sum_(abs_(x), axis, keepdims)
    if ord == np.inf:
        return max_(abs_(x), axis, keepdims)
    raise ValueError(f"norm: ord={ord!r} is not one of 1, 2, inf")


def _norm2_vjp(g, out, x, axes):
    shape = _shape(x)
    n = reshape(out, _kept_shape(shape, axes))
    safe = where(data(n) > 0, n, 1)  # where the norm is 0, x is 0 there too, so x / 1 gives 0
    return (_spread(g, shape, axes) * x / safe,)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over `axis`, without overflow; its gradient is softmax(x) over `axis`."""
    axes = _norm_axis(axis, len(_shape(x)))
    xv = np.asarray(data(x))
    top = np.max(xv, axis=axes, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # all -inf (or an inf): shift by nothing, let exp decide
    with np.errstate(divide="ignore"):  # log 0 = -inf is the answer when every entry is -inf
        value = np.log(np.sum(np.exp(xv - top), axis=axes, keepdims=True)) + top
    return track(value if keepdims else np.squeeze(value, axis=axes), (x,), _logsumexp_vjp, {"axes": axes})


def _logsumexp_vjp(g, out, x, axes):
    shape = _shape(x)
    return (_spread(g, shape, axes) * exp(x - _spread(out, shape, axes)),)


def cumsum(x, axis=None):
    """Running sums along `axis` (``axis=None`` flattens first), as numpy's cumsum.

    >>> cumsum([1.0, 2.0, 3.0]).tolist()
    [1.0, 3.0, 6.0]
    """
    if axis is None:
        x, axis = reshape(x, -1), 0
    axis = _axis(axis, len(_shape(x)))
    return track(np.cumsum(data(x), axis=axis), (x,), _cumsum_vjp, {"axis": axis})


def _cumsum_vjp(g, out, x, axis):
    # x_i reaches every running sum from i on: the gradient is g summed from the end backwards
    backwards = _along(axis, slice(None, None, -1))
    return (getitem(cumsum(getitem(g, backwards), axis), backwards),)
