"""C = alpha·op(A)·op(B) + beta·C through the BLAS's row-major `cblas_?gemm`, called by its address.

The address comes with the call (`engine.training.blas.gemm_address` finds it; the interpreter carries it in
its Net), so cached machine code holds no pointer of another process. Operands are row-major matrices
given as an array, an element offset into it and a leading dimension: a block of rows or of columns of a
C-contiguous matrix is then just another offset, with no copy.

    >>> import numpy as np
    >>> from engine.training.blas import gemm_address
    >>> a, b, c = np.arange(6.0).reshape(2, 3), np.ones((2, 3)), np.zeros((2, 2))
    >>> product(gemm_address(np.float64), False, a, True, b, c, 1.0, 0.0)   # c = a @ b.T
    >>> c.tolist()
    [[3.0, 3.0], [12.0, 12.0]]
"""
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["cblas_gemm", "product"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


@intrinsic
def cblas_gemm(typingctx, address, trans_a, trans_b, m, n, k, alpha, a, a_off, lda, b, b_off, ldb, beta, c, c_off,
               ldc):
    """cblas_?gemm(RowMajor, ...) at `address` on a[a_off:], b[b_off:], c[c_off:] (one dtype, float32 or
    float64); the trans flags are booleans, the sizes any integers."""
    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        real = context.get_value_type(a.dtype)
        pointers = []
        for array_type, value, offset in ((a, args[7], args[8]), (b, args[10], args[11]), (c, args[14], args[15])):
            data = context.make_array(array_type)(context, builder, value).data
            pointers.append(builder.gep(data, [offset]))

        def int32(value):
            return builder.trunc(value, i32) if value.type.width > 32 else builder.zext(value, i32)

        def flag(value):  # a boolean: 112 (transposed) or 111
            return builder.select(builder.trunc(value, ir.IntType(1)), ir.Constant(i32, _TRANS),
                                  ir.Constant(i32, _NO_TRANS))

        def scalar(value):
            return builder.fptrunc(value, real) if real != value.type else value

        fnty = ir.FunctionType(ir.VoidType(), [i32] * 6 + [real, pointers[0].type, i32, pointers[1].type, i32, real,
                                                           pointers[2].type, i32])
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()),
                     [ir.Constant(i32, _ROW_MAJOR), flag(args[1]), flag(args[2]), int32(args[3]), int32(args[4]),
                      int32(args[5]), scalar(args[6]), pointers[0], int32(args[9]), pointers[1], int32(args[12]),
                      scalar(args[13]), pointers[2], int32(args[16])])
        return context.get_dummy_value()

    sig = types.void(address, trans_a, trans_b, m, n, k, types.float64, a, a_off, lda, b, b_off, ldb, types.float64,
                     c, c_off, ldc)
    return sig, codegen


@njit(cache=True, nogil=True)
def product(address, trans_a, a, trans_b, b, c, alpha, beta):
    """c = alpha·op(a)·op(b) + beta·c for C-contiguous 2-D a, b, c; op transposes where its flag says."""
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    cblas_gemm(address, trans_a, trans_b, m, n, k, alpha, a, 0, a.shape[1], b, 0, b.shape[1], beta, c, 0, n)
