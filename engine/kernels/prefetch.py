"""A hint to the CPU to start loading memory that a kernel reads soon: LLVM's `llvm.prefetch`.

Training reads each minibatch's rows at random places in the data; while one step computes, the rows of the
next are fetched, so the gather that starts the next step finds them in cache.

    >>> import numpy as np
    >>> from numba import njit
    >>> njit(lambda a: prefetch_row(a, 1))(np.zeros((3, 4)))  # no effect but on timing
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

__all__ = ["prefetch_row"]

# A row's first two cache lines get a hint: the core's own stream prefetcher follows a long row from there, and
# hinting every line of a 784-wide row (98 lines, 64 rows a step) only evicts the weights the products are using
# (mnist-size: 154-166 k samples/s hinting every line, 163-166 k hinting two).
HINTED_BYTES = 128


@intrinsic
def prefetch_row(typingctx, a, row):
    """Ask for row `row` of the C-contiguous 2-D array `a`, its first HINTED_BYTES (no bounds check: a hint)."""
    if not (isinstance(a, types.Array) and a.ndim == 2 and a.layout == "C" and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        arr = make_array(sig.args[0])(context, builder, args[0])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        hint = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                              "llvm.prefetch.p0i8")
        stride = cgutils.unpack_tuple(builder, arr.strides)[0]  # a row's bytes
        offset = builder.mul(context.cast(builder, args[1], sig.args[1], types.intp), stride)
        start = builder.gep(builder.bitcast(arr.data, i8p), [offset])
        intp = context.get_value_type(types.intp)
        span = builder.select(builder.icmp_signed("<", stride, intp(HINTED_BYTES)), stride, intp(HINTED_BYTES))
        # one hint per cache line (read, keep in all levels, data)
        with cgutils.for_range_slice(builder, intp(0), span, intp(64)) as (k, _):
            builder.call(hint, [builder.gep(start, [k]), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return types.void(a, row), codegen
