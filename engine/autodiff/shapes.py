"""Shapes and indexing, each forward beside its VJP: broadcasting, reshape, transpose, indexing,
joining (stack, concatenate, Julia's vcat and hcat), repeat, tile and astype.

These move numbers around without changing them, so every VJP moves the gradient back the same
way: the VJP of broadcasting sums, of indexing scatters, of concatenating slices.

>>> from engine import gradient
>>> g = gradient(lambda x: (repeat(x, 3) * [1, 1, 1, 10, 10, 10]).sum(), [1.0, 2.0])[0]
>>> g.tolist()
[3.0, 30.0]
>>> concatenate([[1.0], [2.0, 3.0]]).tolist(), vcat(1.0, [2.0]).tolist(), hcat([1.0, 2.0], [3.0, 4.0]).tolist()
([1.0, 2.0, 3.0], [1.0, 2.0], [[1.0, 3.0], [2.0, 4.0]])
"""
import operator

import numpy as np

from .tracked import Tracked, data, track


def _shape(x):
    # the attribute for what has one (np.shape goes through numpy's dispatch: 4x slower, and the tape
    # asks for shapes on every operation); np.shape for lists and Python numbers
    return x.shape if isinstance(x, (Tracked, np.ndarray, np.generic)) else np.shape(x)


def _ndim(x):
    return len(_shape(x))


def _axis(axis, ndim, what="axis"):
    """A numpy-style axis (an int or a numpy integer, negative counts from the end) as 0 ≤ axis < ndim."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{what} must be a whole number, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what} {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _shape_arg(shape):
    """``reshape(x, 3)``, ``reshape(x, (3, -1))``, with numpy integers too, as a tuple of ints."""
    if type(shape) is tuple and all(type(n) is int for n in shape):
        return shape  # the common case, and the tape's own calls: nothing to convert
    if np.ndim(shape) == 0:
        return (operator.index(shape),)
    return tuple(operator.index(n) for n in shape)


# ---- broadcasting ----

def sum_to(x, shape):
    """Sum `x` down to `shape`: undoes numpy broadcasting (the VJP of broadcast_to)."""
    shape = tuple(shape)
    if _shape(x) == shape:
        return x
    return track(_sum_to(data(x), shape), (x,), _sum_to_vjp, {"shape": shape})


def _sum_to(x, shape):
    lead = np.ndim(x) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    return np.add.reduce(x, axis=axes, keepdims=True).reshape(shape) if axes else np.reshape(x, shape)


def _sum_to_vjp(g, out, x, shape):
    return (broadcast_to(g, _shape(x)),)


def broadcast_to(x, shape):
    """numpy's broadcast_to; its VJP sums the copies back.

    >>> broadcast_to([1.0, 2.0], (2, 2)).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    shape = _shape_arg(shape)
    if _shape(x) == shape:
        return x
    return track(_broadcast(data(x), shape), (x,), _broadcast_to_vjp, {"shape": shape})


def _broadcast(v, shape):
    """``np.broadcast_to(v, shape)``: a read-only view. The tape's own case, a C-ordered array whose
    axes each equal the target's or are 1 (a reduction's gradient spread back), is built directly
    (a tenth of the time: numpy's function sets up an nditer to check the shapes)."""
    if (isinstance(v, np.ndarray) and v.ndim == len(shape) and v.flags.c_contiguous and not v.dtype.hasobject
            and all(n == m or n == 1 for n, m in zip(v.shape, shape))):
        strides = tuple(s if n == m else 0 for n, m, s in zip(v.shape, shape, v.strides))
        view = np.ndarray(shape, v.dtype, v, 0, strides)
        view.flags.writeable = False
        return view
    return np.broadcast_to(v, shape)


def _broadcast_to_vjp(g, out, x, shape):
    return (sum_to(g, _shape(x)),)


# ---- reshape, transpose ----

def reshape(x, shape):
    """numpy's reshape (one size may be -1)."""
    v, shape = data(x), _shape_arg(shape)
    # a view: cheap, and it resolves -1 (the method where there is one: np.reshape is 2-9x slower)
    value = v.reshape(shape) if isinstance(v, (np.ndarray, np.generic)) else np.reshape(v, shape)
    if value.shape == _shape(x):
        return x
    return track(value, (x,), _reshape_vjp)


def _reshape_vjp(g, out, x):
    return (reshape(g, _shape(x)),)


def transpose(x, axes=None):
    """Reverse the axes, or put them in the order `axes`: ``transpose(x, (2, 0, 1))``."""
    n = _ndim(x)
    axes = tuple(range(n)[::-1]) if axes is None else tuple(_axis(a, n) for a in axes)
    return _transposed(x, axes)


def _transposed(x, axes):
    """`transpose` with `axes` already a tuple of valid axes (the tape's own calls)."""
    v = data(x)
    value = v.transpose(axes) if isinstance(v, np.ndarray) else np.transpose(v, axes)
    return track(value, (x,), _transpose_vjp, {"axes": axes})


def _transpose_vjp(g, out, x, axes):
    return (_transposed(g, tuple(sorted(range(len(axes)), key=axes.__getitem__))),)  # the inverse order


def swapaxes(x):
    """Swap the last two axes (the matrix transpose of every matrix in a batch)."""
    n = _ndim(x)
    return _transposed(x, tuple(range(n - 2)) + (n - 1, n - 2))


# ---- indexing ----

def getitem(x, index):
    index = data(index)
    return track(np.asarray(data(x))[index], (x,), _getitem_vjp, {"index": index})


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


def _along(axis, index):
    """The index that picks `index` on `axis` and everything on the axes before it."""
    return (slice(None),) * axis + (index,)


# ---- joining ----

def _sequence(arrays, what):
    if isinstance(arrays, Tracked | np.ndarray) or not isinstance(arrays, list | tuple):
        raise TypeError(f"{what} takes a list of arrays, as numpy's does: {what}([a, b], axis=0)")
    if not arrays:
        raise ValueError(f"{what} needs at least one array")
    return tuple(arrays)


def stack(arrays, axis=0):
    """Join same-shaped arrays along a new axis, as numpy's stack.

    >>> stack([[1.0, 2.0], [3.0, 4.0]], axis=1).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    arrays = _sequence(arrays, "stack")
    axis = _axis(axis, _ndim(arrays[0]) + 1)
    return track(np.stack([data(x) for x in arrays], axis=axis), arrays, _stack_vjp, {"axis": axis})


def _stack_vjp(g, out, *xs, axis):
    return tuple(getitem(g, _along(axis, i)) for i in range(len(xs)))


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis (``axis=None`` flattens them first), as numpy does."""
    arrays = _sequence(arrays, "concatenate")
    if axis is None:
        arrays, axis = tuple(reshape(x, -1) for x in arrays), 0
    if _ndim(arrays[0]) == 0:
        raise ValueError("concatenate needs arrays with at least one dimension; use stack for numbers")
    axis = _axis(axis, _ndim(arrays[0]))
    value = np.concatenate([data(x) for x in arrays], axis=axis)
    ends = tuple(np.cumsum([_shape(x)[axis] for x in arrays]))
    return track(value, arrays, _concatenate_vjp, {"axis": axis, "ends": ends})


def _concatenate_vjp(g, out, *xs, axis, ends):
    starts = (0,) + ends[:-1]
    return tuple(getitem(g, _along(axis, slice(a, b))) for a, b in zip(starts, ends))


def _as_columns(xs, ndim):
    # Julia's arrays are column-major: a vector is a column, so missing dimensions go at the end.
    return [reshape(x, _shape(x) + (1,) * (ndim - _ndim(x))) for x in xs]


def vcat(*xs):
    """Julia's vcat: stack along the first axis, numbers and vectors as columns.

    ``vcat(a, b)`` of vectors is one longer vector; of matrices, ``a`` above ``b``.
    """
    return concatenate(_as_columns(xs, max(1, *(_ndim(x) for x in xs))), axis=0)


def hcat(*xs):
    """Julia's hcat: join along the second axis; vectors become columns of a matrix.

    ``hcat(a, b)`` of two length-n vectors is an (n, 2) matrix; of matrices, ``a`` beside ``b``.
    """
    return concatenate(_as_columns(xs, max(2, *(_ndim(x) for x in xs))), axis=1)


# ---- repeat, tile: indexing with repeated indices, so getitem's VJP sums the copies ----

def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times (``axis=None`` flattens first), as numpy's repeat."""
    if axis is None:
        x, axis = reshape(x, -1), 0
    axis = _axis(axis, _ndim(x))
    return getitem(x, _along(axis, np.repeat(np.arange(_shape(x)[axis]), repeats)))


def tile(x, reps):
    """The whole array `reps` times along each axis, as numpy's tile.

    >>> tile([1.0, 2.0], 2).tolist(), tile([1.0, 2.0], (2, 1)).tolist()
    ([1.0, 2.0, 1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]])
    """
    reps = _shape_arg(reps)
    n = max(len(reps), _ndim(x))
    x = reshape(x, (1,) * (n - _ndim(x)) + _shape(x))
    reps = (1,) * (n - len(reps)) + reps
    return getitem(x, np.ix_(*(np.tile(np.arange(size), r) for size, r in zip(_shape(x), reps))))


# ---- dtype ----

def astype(x, dtype):
    """The same numbers in another float type; the gradient comes back in the input's type.

    >>> astype([1.5], np.float32).dtype
    dtype('float32')
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"astype: {dtype} is not a float type, and a gradient needs one; for whole "
                        f"numbers use data(x).astype({dtype.name})")
    return track(np.asarray(data(x)).astype(dtype), (x,), _astype_vjp)


def _astype_vjp(g, out, x):
    return (astype(g, np.asarray(data(x)).dtype),)
