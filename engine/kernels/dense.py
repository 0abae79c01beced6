"""Numba kernels for the compiled trainer: Dense forward/backward, losses and their seeds.

Everything here works on 2-D C-contiguous views of flat buffers and writes into preallocated
outputs, so a training step allocates nothing (but a big product's tiles, see `_dot`). Each Dense product has two forms: a BLAS call
(np.dot, which Numba routes to SciPy's BLAS) for large layers, and plain loops for small ones,
where BLAS's call overhead costs more than the arithmetic.

The loss kernels mirror `engine.nn.losses` operation for operation (the eps clamp, the order of
the divisions), so compiled gradients match the tape's to rounding.
"""
import math

import numpy as np
from numba import njit

from ..nn.losses import LOSSES

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

# Multiply-adds per tile of a big BLAS product, with a look at the stop flag between tiles (~30 ms on one
# core, as the tape's engine.autodiff.products.BLOCK_MACS): one 4096-wide layer's product would otherwise
# hold a stop for half a second, and seconds with a batch of thousands of rows.
BLOCK_MACS = 1 << 27


@_product
def _tile_sides(m, k, n):
    """Rows and columns of a tile of an (m, n) product over k: about square, so each operand block read per
    tile is used ~side times (a thin tile would re-read a 4096² operand per few rows), then widened to
    fill BLOCK_MACS where one side is already whole."""
    side = max(1, int(math.sqrt(BLOCK_MACS / k)))
    rows, cols = min(m, side), min(n, side)
    if rows == m:
        cols = min(n, max(cols, BLOCK_MACS // (k * m)))
    if cols == n:
        rows = min(m, max(rows, BLOCK_MACS // (k * n)))
    return max(rows, 1), max(cols, 1)


@_product
def _dot(a, b, out, control):
    """out = a @ b through BLAS; a product over BLOCK_MACS multiply-adds goes a tile at a time and returns
    False, `out` half written, if `control[0]` asks to stop between tiles. Tiles copy their operand blocks
    (BLAS wants contiguous ones): k × (rows + cols) values per rows × cols × k multiply-adds."""
    m, k = a.shape
    n = b.shape[1]
    if m * k * n <= BLOCK_MACS:
        np.dot(a, b, out)
        return True
    rows, cols = _tile_sides(m, k, n)
    first = True
    for j0 in range(0, n, cols):
        j1 = min(j0 + cols, n)
        bb = np.ascontiguousarray(b[:, j0:j1])
        for i0 in range(0, m, rows):
            if not first and control[0] != 0:
                return False
            first = False
            i1 = min(i0 + rows, m)
            tile = np.dot(np.ascontiguousarray(a[i0:i1]), bb)
            for i in range(i1 - i0):
                for j in range(j1 - j0):
                    out[i0 + i, j0 + j] = tile[i, j]
    return True


@_product
def linear_forward(x, W, b, has_bias, out, mode, control):
    """out = x @ W.T (+ b); x (m, in), out (m, out); W's layout as `mode` says.
    False if `control` stopped a big product (see `_dot`): `out` is then not the layer's output."""
    m, k = x.shape
    if mode != LOOPS:
        # two calls, not one on a conditional W: that would unify W's layouts into a non-contiguous type
        done = _dot(x, W, out, control) if mode == BLAS_TRANSPOSED else _dot(x, W.T, out, control)
        if not done:
            return False
        if has_bias:
            n = out.shape[1]
            for i in range(m):
                for j in range(n):
                    out[i, j] += b[j]
        return True
    n = W.shape[0]
    for i in range(m):
        for j in range(n):
            s = out[i, j] * 0  # a zero of the buffer's dtype: float32 stays float32
            for q in range(k):  # both rows contiguous: a vectorised dot product
                s += x[i, q] * W[j, q]
            out[i, j] = s + b[j] if has_bias else s
    return True


@_product
def linear_backward(g, x, W, dW, db, has_bias, dx, need_dx, mode, control):
    """From g = dL/dy (m, out): dW = g.T @ x, db = column sums of g, dx = g @ W (if needed).
    W and dW share the layout `mode` says. False if `control` stopped a big product (see `_dot`):
    the gradients are then incomplete and must not be applied."""
    m, k = x.shape
    n = g.shape[1]
    if mode == BLAS_TRANSPOSED:
        if not _dot(x.T, g, dW, control) or (need_dx and not _dot(g, W.T, dx, control)):
            return False
    elif mode == BLAS_UPRIGHT:
        if not _dot(g.T, x, dW, control) or (need_dx and not _dot(g, W, dx, control)):
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
        db[:] = 0
        for i in range(m):
            for j in range(n):
                db[j] += g[i, j]
    return True


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
                total += y[i, j] * math.log(max(yhat[i, j], eps))
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
