"""Numba kernels for the compiled trainer: Dense forward/backward, losses and their seeds.

Everything here works on 2-D C-contiguous views of flat buffers and writes into preallocated
outputs, so a training step allocates nothing. Each Dense product has two forms: a BLAS call (cblas_?gemm by
its address, `gemm.py`) for large layers, and plain loops for small ones, where BLAS's call overhead costs
more than the arithmetic.

The loss kernels mirror `engine.nn.losses` operation for operation (the eps clamp, the order of
the divisions), so compiled gradients match the tape's to rounding.
"""
import math

import numpy as np
from numba import njit

from ..nn.losses import LOSSES
from .gemm import cblas_gemm
from .views import as_flat, matrix_view

_jit = njit(cache=True, nogil=True, error_model="numpy")  # x/0 gives inf/NaN (the NaN guard's job), never raises

LOSS_CODES = {name: code for code, name in enumerate(LOSSES)}  # the registry's names, numbered
MSE, CROSSENTROPY = LOSS_CODES["mse"], LOSS_CODES["crossentropy"]
LOGITCROSSENTROPY, BINARYCROSSENTROPY = LOSS_CODES["logitcrossentropy"], LOSS_CODES["binarycrossentropy"]


# ---- Dense: y = x @ W.T + b -----------------------------------------------------------

# The products may reassociate their sums ("reassoc"): a reduction then vectorises, 3-5x faster
# on small layers. That changes rounding only, as BLAS's blocking does; NaN and inf keep their
# meaning (no "nnan"/"ninf"), so the NaN guard still sees divergence.
_product = njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract"})


# How a Dense product runs (the `blas` column of a program row): loops over W (out, in), BLAS over
# W (out, in), or BLAS over W stored transposed (in, out). Transposed storage pays off where no
# input gradient is needed (the first layer): the weight gradient x.T @ g then lands in W's own
# layout, and OpenBLAS computes that product 1.3-1.8x faster than g.T @ x (mnist-size layer).
LOOPS, BLAS_UPRIGHT, BLAS_TRANSPOSED = 0, 1, 2

# Multiply-adds per block of a big BLAS product, with a look at the stop flag between blocks (~10-30 ms, as
# the tape's engine.autodiff.products.BLOCK_MACS): one 4096-wide layer's product would otherwise hold a stop
# for half a second, and seconds with a batch of thousands of rows. A block is never under `least` rows of
# the output: thinner ones re-read the other operand so often that a 4096² product runs 1.5-7x slower
# (measured with SciPy's OpenBLAS on 2 cores): 128 for x @ W (a 4096-wide layer's block is then 2^31
# multiply-adds, ~40 ms), 512 for a weight gradient, whose blocks of 128 or 256 rows ran 2.5-7x slower.
BLOCK_MACS = 1 << 27
MIN_ROWS, MIN_GRAD_ROWS = 128, 512


@_product
def block_rows(m, k, n, least):
    """Rows of the (m, n) output of a product over k computed per block (all m: one block)."""
    if m * k * n <= BLOCK_MACS:
        return m
    return min(m, max(least, BLOCK_MACS // max(k * n, 1)))


@_product
def _blocked(gemm, trans_a, a, trans_b, b, out, alpha, beta, control, least):
    """out = alpha·op(a)·op(b) + beta·out through the BLAS at `gemm`, for C-contiguous 2-D a, b, out, a block of
    out's rows at a time (rows of a, or columns of a transposed a: an offset, no copies); False, `out` partly
    written, if `control[0]` asks to stop between blocks."""
    m, n = out.shape
    k = a.shape[0] if trans_a else a.shape[1]
    lda = a.shape[1]
    rows = block_rows(m, k, n, least)
    for i0 in range(0, m, rows):
        if i0 > 0 and control[0] != 0:
            return False
        cblas_gemm(gemm, trans_a, trans_b, min(rows, m - i0), n, k, alpha, a, i0 if trans_a else i0 * lda, lda,
                   b, 0, b.shape[1], beta, out, i0 * n, n)
    return True


# OpenBLAS's row-major x @ W.T (NT) is 2-3x slower than x @ V (NN) with V = W.T stored, for small products
# (SkylakeX kernels, one thread, batch 32: 32x16x1 250 against 82 ns, 32x5x2 148 against 67, 32x10x5 255 against
# 137). An upright W with one row or one column is its own transpose in memory; one of at most TINY_WEIGHT
# entries is transposed into a scratch buffer first. Bigger ones stay NT: a transpose costs more than it saves
# there (32x16x16: even).
TINY_WEIGHT = 64


@_product
def _upright_as_nn(W, scratch):
    """W.T as a C-contiguous (in, out) matrix, for `linear_forward`: a view of W when it has one row or one
    column, else W's transpose in `scratch`."""
    n, k = W.shape
    if n == 1 or k == 1:
        return matrix_view(as_flat(W), 0, k, n)
    V = matrix_view(scratch, 0, k, n)
    for j in range(n):
        for q in range(k):
            V[q, j] = W[j, q]
    return V


@_product
def linear_forward(gemm, x, W, b, has_bias, out, mode, control, scratch):
    """out = x @ W.T (+ b); x (m, in), out (m, out); W's layout as `mode` says, `gemm` the BLAS's address;
    `scratch` at least TINY_WEIGHT entries (see there). False if `control` stopped a big product (see `_blocked`):
    `out` is then not the layer's output."""
    m, k = x.shape
    if mode != LOOPS:
        nt = mode == BLAS_UPRIGHT and not (W.shape[0] == 1 or W.shape[1] == 1 or W.size <= TINY_WEIGHT)
        V = _upright_as_nn(W, scratch) if mode == BLAS_UPRIGHT and not nt else W
        # The bias rides in the product's output pass: out starts as b and the BLAS adds x @ W to it (beta 1), so
        # there is neither the BLAS's zeroing pass (beta 0) nor a second pass adding b (one thread, Zen 3: a
        # 32x16x16 layer 1.68 -> 1.44 µs, 256x1024x1024 15.1 -> 14.8 ms).
        if has_bias:
            n = out.shape[1]
            for i in range(m):
                for j in range(n):
                    out[i, j] = b[j]
        return _blocked(gemm, False, x, nt, V, out, 1.0, 1.0 if has_bias else 0.0, control, MIN_ROWS)
    n = W.shape[0]
    for i in range(m):
        for j in range(n):
            s = x.dtype.type(0)  # float32 sums stay float32 (out * 0 was NaN where a run before left inf)
            for q in range(k):  # both rows contiguous: a vectorised dot product
                s += x[i, q] * W[j, q]
            out[i, j] = s + b[j] if has_bias else s
    return True


NARROW = 16  # columns up to which `_bias_gradient` sums a column at a time


@_product
def _bias_gradient(g, db):
    """db = column sums of g. Narrow g a column at a time, the sum in a register (db may alias g as far as
    the compiler knows, so a row-wise `db[j] +=` goes through memory every time); wide g row by row, which
    reads it in order. Either way each column is summed in row order."""
    m, n = g.shape
    if n <= NARROW:
        for j in range(n):
            s = 0.0
            for i in range(m):
                s += g[i, j]
            db[j] = s
        return
    db[:] = 0
    for i in range(m):
        for j in range(n):
            db[j] += g[i, j]


@_product
def linear_backward(gemm, g, x, W, dW, db, has_bias, dx, need_dx, mode, control):
    """From g = dL/dy (m, out): dW = g.T @ x, db = column sums of g, dx = g @ W (if needed).
    W and dW share the layout `mode` says. False if `control` stopped a big product (see `_blocked`):
    the gradients are then incomplete and must not be applied."""
    m, k = x.shape
    n = g.shape[1]
    if mode == BLAS_TRANSPOSED:  # W, dW (in, out)
        if not _blocked(gemm, True, x, False, g, dW, 1.0, 0.0, control, MIN_GRAD_ROWS) or (
                need_dx and not _blocked(gemm, False, g, True, W, dx, 1.0, 0.0, control, MIN_ROWS)):
            return False
    elif mode == BLAS_UPRIGHT:  # W, dW (out, in)
        if not _blocked(gemm, True, g, False, x, dW, 1.0, 0.0, control, MIN_GRAD_ROWS) or (
                need_dx and not _blocked(gemm, False, g, False, W, dx, 1.0, 0.0, control, MIN_ROWS)):
            return False
    else:
        dW[:, :] = 0
        for i in range(m):
            for j in range(n):
                gij = g[i, j]
                for q in range(k):  # contiguous in q: vectorises
                    dW[j, q] += gij * x[i, q]
        if need_dx:
            dx[:, :] = 0
            for i in range(m):
                for j in range(n):
                    gij = g[i, j]
                    for q in range(k):
                        dx[i, q] += gij * W[j, q]
    if has_bias:
        _bias_gradient(g, db)
    return True


@_product
def fits_one_block(m, k, n):
    """Whether the weight gradient of a layer (batch m, k inputs, n outputs) is one BLAS call (see block_rows)."""
    return block_rows(k, m, n, MIN_GRAD_ROWS) == k


@_product
def descent_step(gemm, g, x, W, db, has_bias, eta, keep, control):
    """Plain gradient descent fused into the weight gradient's product, for a BLAS_TRANSPOSED layer (W (in, out)):
    W = keep·W - eta·(x.T @ g) in one BLAS call (keep = 1 - eta·decay), so dW is never written and read back
    (~7% of an mnist-size float64 step, timed fused against unfused in one process); db gets g's column sums for
    the caller's update.
    One call, never blocked (a stop must not land in a half-made step): the caller checks `fits_one_block`, so a
    stop still lands within a block's time."""
    _blocked(gemm, True, x, False, g, W, -eta, keep, control, W.shape[0])
    if has_bias:
        _bias_gradient(g, db)


# ---- losses: value of the batch mean, and the gradient seed dL/dŷ ----------------------

@_jit
def loss_value(kind, yhat, y, eps):
    """The loss of one batch, accumulated in float64."""
    m, k = yhat.shape
    total = 0.0
    if kind == MSE:
        for i in range(m):
            for j in range(k):
                d = yhat[i, j] - y[i, j]
                total += d * d
        return total / (m * k)
    if kind == CROSSENTROPY:
        for i in range(m):
            for j in range(k):
                t, p = y[i, j], yhat[i, j]
                if t != 0 or not math.isfinite(p):  # else the term is 0·log(finite) = ±0: no log to take
                    total += t * math.log(max(p, eps))
        return -total / m
    if kind == LOGITCROSSENTROPY:  # yhat holds logsoftmax(z) here (see `loss_input`)
        for i in range(m):
            for j in range(k):
                total += y[i, j] * yhat[i, j]
        return -total / m
    for i in range(m):  # binary cross-entropy
        for j in range(k):
            p = yhat[i, j]
            total += -y[i, j] * math.log(max(p, eps)) - (1 - y[i, j]) * math.log(max(1 - p, eps))
    return total / (m * k)


@_jit
def loss_seed(kind, yhat, y, eps, g):
    """g = dL/dŷ for the batch mean loss, as the tape computes it (clamped entries get 0)."""
    m, k = yhat.shape
    if kind == MSE:
        c = 1.0 / (m * k) * 2
        for i in range(m):
            for j in range(k):
                g[i, j] = c * (yhat[i, j] - y[i, j])
    elif kind == CROSSENTROPY:
        c = -1.0 / m
        for i in range(m):
            for j in range(k):
                p = yhat[i, j]
                g[i, j] = c * y[i, j] / p if p >= eps else 0.0
    elif kind == LOGITCROSSENTROPY:  # the seed into logsoftmax's output
        c = -1.0 / m
        for i in range(m):
            for j in range(k):
                g[i, j] = c * y[i, j]
    else:
        c = 1.0 / (m * k)
        for i in range(m):
            for j in range(k):
                p = yhat[i, j]
                a = -(c * y[i, j]) / p if p >= eps else 0.0
                q = 1 - p
                b = c * (1 - y[i, j]) / q if q >= eps else 0.0
                g[i, j] = a + b


@_jit
def softmax_crossentropy_seed(p, y, eps, dz):
    """dL/dz for crossentropy(softmax(z), y) in one pass: (p·Σy - y) / m.

    This is exactly what the unfused chain computes when no probability was clamped; a row
    with a clamped entry (p < eps where y ≠ 0) takes the unfused route so both agree.
    """
    m, k = p.shape
    c = -1.0 / m
    for i in range(m):
        clamped = False
        s = 0.0
        for j in range(k):
            s += y[i, j]
            if p[i, j] < eps and y[i, j] != 0:
                clamped = True
        if not clamped:
            for j in range(k):
                dz[i, j] = p[i, j] * (s / m) - y[i, j] / m
        else:
            dot = 0.0
            for j in range(k):
                gj = c * y[i, j] / p[i, j] if p[i, j] >= eps else 0.0
                dz[i, j] = gj
                dot += gj * p[i, j]
            for j in range(k):
                dz[i, j] = p[i, j] * (dz[i, j] - dot)


@_jit
def count_correct(yhat, y):
    """Samples whose prediction hits the target: argmax for several outputs, > 0.5 for one."""
    m, k = yhat.shape
    hits = 0
    for i in range(m):
        if k == 1:
            hits += (yhat[i, 0] > 0.5) == (y[i, 0] > 0.5)
        else:
            best, target = 0, 0
            for j in range(1, k):
                if yhat[i, j] > yhat[i, best]:
                    best = j
                if y[i, j] > y[i, target]:
                    target = j
            hits += best == target
    return hits


@_jit
def gather_rows(src, rows, dst):
    """dst[i] = src[rows[i]]: a shuffled minibatch, copied into the input buffer."""
    k = src.shape[1]
    for i in range(rows.size):
        r = rows[i]
        for j in range(k):
            dst[i, j] = src[r, j]


@_jit
def sum_squares(a, lo, hi):
    s = 0.0
    for i in range(lo, hi):
        s += a[i] * a[i]
    return s


@_jit
def all_finite(a):
    for i in range(a.size):
        if not math.isfinite(a[i]):
            return False
    return True


@_jit
def transpose_into(src, dst):
    """dst[:] = src.T in 4x4 tiles: ~2x numpy's strided copy for a 1024² matrix, whose
    power-of-two row stride makes larger tiles thrash the cache."""
    rows, cols = src.shape
    for i0 in range(0, rows, 4):
        for j0 in range(0, cols, 4):
            for i in range(i0, min(i0 + 4, rows)):
                for j in range(j0, min(j0 + 4, cols)):
                    dst[j, i] = src[i, j]
