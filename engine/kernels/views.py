"""Views of flat buffers for the kernels, made in a few instructions rather than by Numba's reshape.

Numba's `a[s:e].reshape((m, n))` and `a.reshape(-1)` call a general reshape helper that works out
whether a copy is needed: about 100 ns each, and a small network's training step makes some fifty of
them, a sixth of the step. A C-contiguous array needs no such search: the view is a data pointer, a
shape and strides over the same memory (same owner, so it keeps the buffer alive like any view).

    >>> import numpy as np
    >>> from numba import njit
    >>> rows = njit(lambda a: matrix_view(a, 2, 2, 3))(np.arange(10.0))
    >>> rows
    array([[2., 3., 4.],
           [5., 6., 7.]])
    >>> njit(lambda a: as_flat(a))(rows)
    array([2., 3., 4., 5., 6., 7.])
    >>> njit(lambda a: unowned(a)[1:].sum())(rows)
    18.0

Neither checks bounds: the interpreter's buffers are sized from the same program table that gives the
offsets (engine.training.compiled).

`unowned(a)` is `a` without its owner: Numba then skips the reference count it keeps on every array, view and
slice, an atomic add and subtract each time one is made, passed on or dropped. A toy network's step made so
many that they were a quarter of its time. Only for arrays the caller keeps alive for the whole call and that
never leave it (the interpreter's arguments); returned to Python, such an array would point at memory nobody
holds.
"""
from numba import types
from numba.core.imputils import impl_ret_borrowed, impl_ret_untracked
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array, populate_array

__all__ = ["matrix_view", "as_flat", "unowned"]


def _view_codegen(context, builder, signature, source, offset, shape):
    """A C-contiguous view of `source` from element `offset` with `shape` (LLVM intp values)."""
    src = make_array(signature.args[0])(context, builder, source)
    out = make_array(signature.return_type)(context, builder)
    strides, step = [], src.itemsize
    for extent in reversed(shape):  # C order: the last axis is contiguous
        strides.insert(0, step)
        step = builder.mul(step, extent)
    populate_array(out, data=builder.gep(src.data, [offset], inbounds=True), shape=shape, strides=strides,
                   itemsize=src.itemsize, meminfo=src.meminfo, parent=src.parent)
    return impl_ret_borrowed(context, builder, signature.return_type, out._getvalue())


@intrinsic
def matrix_view(typingctx, flat, start, rows, cols):
    """flat[start:start + rows*cols] as a (rows, cols) C-contiguous matrix, for a 1-D C-contiguous `flat`."""
    if not (isinstance(flat, types.Array) and flat.ndim == 1 and flat.layout == "C"):
        return None
    signature = types.Array(flat.dtype, 2, "C")(flat, types.intp, types.intp, types.intp)

    def codegen(context, builder, sig, args):
        return _view_codegen(context, builder, sig, args[0], args[1], [args[2], args[3]])
    return signature, codegen


@intrinsic
def _flat_c(typingctx, a):
    if not (isinstance(a, types.Array) and a.layout == "C"):
        return None
    signature = types.Array(a.dtype, 1, "C")(a)

    def codegen(context, builder, sig, args):
        arr = make_array(sig.args[0])(context, builder, args[0])
        return _view_codegen(context, builder, sig, args[0], context.get_constant(types.intp, 0), [arr.nitems])
    return signature, codegen


def _without_owner(context, builder, typ, value):
    """`value` of type `typ` with every array in it (a tuple's too, recursively) given no owner."""
    if isinstance(typ, types.Array):
        src = make_array(typ)(context, builder, value)
        out = make_array(typ)(context, builder)
        populate_array(out, data=src.data, shape=src.shape, strides=src.strides, itemsize=src.itemsize, meminfo=None)
        return out._getvalue()
    if isinstance(typ, types.BaseTuple):
        return context.make_tuple(builder, typ, [_without_owner(context, builder, t, builder.extract_value(value, i))
                                                 for i, t in enumerate(typ)])
    return value


@intrinsic
def unowned(typingctx, a):
    """`a` with no owner to count references on (see the module's docstring): an array, or a tuple (named or
    not) whose arrays all lose their owner, its other fields as they are."""
    if not isinstance(a, (types.Array, types.BaseTuple)):
        return None

    def codegen(context, builder, sig, args):
        return impl_ret_untracked(context, builder, sig.return_type,
                                  _without_owner(context, builder, sig.args[0], args[0]))
    return a(a), codegen


def as_flat(a):
    """`a` as one flat axis: a view for a C-contiguous array, else what a.reshape(-1) gives."""
    return a.reshape(-1)


@overload(as_flat, jit_options={"nogil": True})
def _as_flat(a):
    if isinstance(a, types.Array) and a.layout == "C":
        return lambda a: _flat_c(a)
    return lambda a: a.reshape(-1)
