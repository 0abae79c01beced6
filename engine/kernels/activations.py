"""The compiled trainer's activations: Numba kernels on plain 2-D arrays, with their VJPs.

They compute what `engine.nn.activations` computes with numpy (the tests hold them to it);
kernels never see `Tracked` values. Array kernels work on 2-D C-contiguous arrays `(rows, k)` and
write into a preallocated `out`; callers reshape (a vector is one row). Every kernel is compiled
with ``cache=True`` (the first compile is user-visible) and ``nogil=True`` (training runs in a worker
thread while the GUI draws).

>>> import numpy as np
>>> x = np.array([[0.0, 1000.0, -1000.0]])
>>> out = np.empty_like(x)
>>> sigmoid2d(x, out); out.round(3).tolist()
[[0.5, 1.0, 0.0]]
"""
import math

import numpy as np
from numba import njit

from ..nn.activations import ACTIVATIONS, GELU_C2, GELU_K
from .fastmath import exp_nonpos, expm1_nonpos, log1p_unit, sigmoid_scalar, tanh_scalar
from .views import as_flat
from .formula import call_backward, call_forward

# x/0 gives inf or NaN rather than raising: divergence is the NaN guard's job, not an exception's
_jit = njit(cache=True, nogil=True, error_model="numpy")


# ---- scalars (inlined into the array kernels and into compiled training) ----

@_jit
def leakyrelu_scalar(x, a):
    return x if x > 0 else a * x


# ---- elementwise activations ----

@_jit
def sigmoid2d(x, out):
    xf, of = as_flat(x), as_flat(out)  # one flat loop: it vectorises
    for i in range(xf.size):
        of[i] = sigmoid_scalar(xf[i])


@_jit
def sigmoid_vjp2d(g, y, out):
    gf, yf, of = as_flat(g), as_flat(y), as_flat(out)  # flat: narrow rows (a 5-wide layer) vectorise too
    for i in range(gf.size):
        of[i] = gf[i] * yf[i] * (1 - yf[i])


@_jit
def tanh2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = tanh_scalar(xf[i])


@_jit
def tanh_vjp2d(g, y, out):
    gf, yf, of = as_flat(g), as_flat(y), as_flat(out)
    for i in range(gf.size):
        of[i] = gf[i] * (1 - yf[i] * yf[i])


@_jit
def relu2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = xf[i] if xf[i] > 0 else 0


@_jit
def relu_vjp2d(g, x, out):
    gf, xf, of = as_flat(g), as_flat(x), as_flat(out)
    for i in range(gf.size):
        of[i] = gf[i] if xf[i] > 0 else 0


@_jit
def leakyrelu2d(x, a, out):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = leakyrelu_scalar(x[i, j], a)


@_jit
def leakyrelu_vjp2d(g, x, a, out):
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[i, j] = g[i, j] if x[i, j] > 0 else a * g[i, j]


# ---- smooth activations: the formulas of engine.nn.activations, scalar by scalar ----

@njit(cache=True, nogil=True, error_model="numpy", inline="always")  # inlined, so the loops calling it vectorise
def softplus_scalar(x):
    """log(1 + eˣ) = max(x, 0) + log1p(e^-|x|), as the tape computes it."""
    return max(x, 0.0) + log1p_unit(exp_nonpos(-abs(x)))


@_jit
def gelu2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        v = xf[i]
        of[i] = v * sigmoid_scalar(GELU_C2 * (v + GELU_K * v * v * v))


@_jit
def gelu_vjp2d(g, x, out):
    xf, gf, of = as_flat(x), as_flat(g), as_flat(out)
    for i in range(xf.size):
        v = xf[i]
        z = GELU_C2 * (v + GELU_K * v * v * v)
        s = sigmoid_scalar(z)
        of[i] = gf[i] * (s + v * s * sigmoid_scalar(-z) * (GELU_C2 * (1 + 3 * GELU_K * v * v)))


@_jit
def swish2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = xf[i] * sigmoid_scalar(xf[i])


@_jit
def swish_vjp2d(g, x, out):
    xf, gf, of = as_flat(x), as_flat(g), as_flat(out)
    for i in range(xf.size):
        s = sigmoid_scalar(xf[i])
        of[i] = gf[i] * (s + xf[i] * s * sigmoid_scalar(-xf[i]))


@_jit
def elu2d(x, out):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] if x[i, j] > 0 else expm1_nonpos(x[i, j])  # libm's expm1 would not vectorise


@_jit
def elu_vjp2d(g, x, out):
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[i, j] = g[i, j] if x[i, j] > 0 else g[i, j] * exp_nonpos(x[i, j])


@_jit
def softplus2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = softplus_scalar(xf[i])


@_jit
def softplus_vjp2d(g, x, out):
    xf, gf, of = as_flat(x), as_flat(g), as_flat(out)
    for i in range(xf.size):
        of[i] = gf[i] * sigmoid_scalar(xf[i])


@_jit
def mish2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = xf[i] * tanh_scalar(softplus_scalar(xf[i]))


@_jit
def mish_vjp2d(g, x, out):
    xf, gf, of = as_flat(x), as_flat(g), as_flat(out)
    for i in range(xf.size):
        t = tanh_scalar(softplus_scalar(xf[i]))
        of[i] = gf[i] * (t + xf[i] * (1 - t * t) * sigmoid_scalar(xf[i]))


@_jit
def logsigmoid2d(x, out):
    xf, of = as_flat(x), as_flat(out)
    for i in range(xf.size):
        of[i] = min(xf[i], 0.0) - log1p_unit(exp_nonpos(-abs(xf[i])))


@_jit
def logsigmoid_vjp2d(g, x, out):
    xf, gf, of = as_flat(x), as_flat(g), as_flat(out)
    for i in range(xf.size):
        of[i] = gf[i] * sigmoid_scalar(-xf[i])


# ---- row-wise softmax family (the last axis) ----

@_jit
def row_max(x, i):
    """The largest entry of row i: subtracted before exp, so exp never overflows."""
    m = x[i, 0]
    for j in range(1, x.shape[1]):
        m = max(m, x[i, j])
    return m


@_jit
def _shifted_exp(x, out):
    """out = exp(x - its row's max): the shift row by row, then exp in one flat loop over the whole batch,
    which vectorises however narrow the rows are (a 2-class softmax's rows are two wide)."""
    for i in range(x.shape[0]):
        m = row_max(x, i)
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] - m
    of = as_flat(out)
    for i in range(of.size):
        of[i] = exp_nonpos(of[i])


@_jit
def softmax2d(x, out):
    _shifted_exp(x, out)
    for i in range(x.shape[0]):
        s = 0.0
        for j in range(x.shape[1]):
            s += out[i, j]
        for j in range(x.shape[1]):
            out[i, j] /= s


@_jit
def softmax_vjp2d(g, y, out):
    for i in range(g.shape[0]):
        dot = 0.0
        for j in range(g.shape[1]):
            dot += g[i, j] * y[i, j]
        for j in range(g.shape[1]):
            out[i, j] = y[i, j] * (g[i, j] - dot)


@_jit
def logsoftmax2d(x, out):
    _shifted_exp(x, out)
    for i in range(x.shape[0]):
        s = 0.0
        for j in range(x.shape[1]):
            s += out[i, j]
        lse = row_max(x, i) + math.log(s)
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] - lse


@_jit
def logsoftmax_vjp2d(g, y, out):
    for i in range(g.shape[0]):
        s = 0.0
        for j in range(g.shape[1]):
            s += g[i, j]
        for j in range(g.shape[1]):
            out[i, j] = g[i, j] - exp_nonpos(y[i, j]) * s


# ---- dispatch by op code (what the interpreter calls) --------------------------------------

@_jit
def copy2d(x, out):
    """out = x, as a loop: an array assignment would compile Numba's shape-mismatch error formatting,
    several seconds of a cold start."""
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j]


CODES = {name: code for code, name in enumerate(ACTIVATIONS, start=1)}  # the registry's names, numbered; 0 is LINEAR
IDENTITY, SIGMOID, TANH, RELU = CODES["identity"], CODES["sigmoid"], CODES["tanh"], CODES["relu"]
LEAKYRELU, SOFTMAX, LOGSOFTMAX = CODES["leakyrelu"], CODES["softmax"], CODES["logsoftmax"]
ELU, GELU, SWISH, SOFTPLUS = CODES["elu"], CODES["gelu"], CODES["swish"], CODES["softplus"]
MISH, LOGSIGMOID = CODES["mish"], CODES["logsigmoid"]
FORMULA = len(CODES) + 1  # a formula activation: its kernels' addresses come with the call (engine.kernels.formula)


@_jit
def forward(op, x, slope, y, kernels=None):
    """y = activation `op`(x); `slope` is leakyrelu's, `kernels` a formula's [forward, backward] cfunc
    addresses. Returns False for a code with no kernel: every activation in the registry must have one
    (tests/engine/test_kernels.py holds them to the tape)."""
    if op == FORMULA:
        if kernels is None or kernels[0] == 0:
            return False
        call_forward(kernels[0], x, y)
    elif op == IDENTITY:
        copy2d(x, y)
    elif op == SIGMOID:
        sigmoid2d(x, y)
    elif op == TANH:
        tanh2d(x, y)
    elif op == RELU:
        relu2d(x, y)
    elif op == LEAKYRELU:
        leakyrelu2d(x, slope, y)
    elif op == SOFTMAX:
        softmax2d(x, y)
    elif op == LOGSOFTMAX:
        logsoftmax2d(x, y)
    elif op == ELU:
        elu2d(x, y)
    elif op == GELU:
        gelu2d(x, y)
    elif op == SWISH:
        swish2d(x, y)
    elif op == SOFTPLUS:
        softplus2d(x, y)
    elif op == MISH:
        mish2d(x, y)
    elif op == LOGSIGMOID:
        logsigmoid2d(x, y)
    else:
        return False
    return True


@_jit
def backward(op, gy, x, y, slope, gx, kernels=None):
    """gx = the VJP of activation `op` at input x (output y) for the output gradient gy."""
    if op == FORMULA:
        if kernels is not None and kernels[1] != 0:
            call_backward(kernels[1], gy, x, y, gx)
    elif op == IDENTITY:
        copy2d(gy, gx)
    elif op == SIGMOID:
        sigmoid_vjp2d(gy, y, gx)
    elif op == TANH:
        tanh_vjp2d(gy, y, gx)
    elif op == RELU:
        relu_vjp2d(gy, x, gx)
    elif op == LEAKYRELU:
        leakyrelu_vjp2d(gy, x, slope, gx)
    elif op == SOFTMAX:
        softmax_vjp2d(gy, y, gx)
    elif op == LOGSOFTMAX:
        logsoftmax_vjp2d(gy, y, gx)
    elif op == ELU:
        elu_vjp2d(gy, x, gx)
    elif op == GELU:
        gelu_vjp2d(gy, x, gx)
    elif op == SWISH:
        swish_vjp2d(gy, x, gx)
    elif op == SOFTPLUS:
        softplus_vjp2d(gy, x, gx)
    elif op == MISH:
        mish_vjp2d(gy, x, gx)
    elif op == LOGSIGMOID:
        logsigmoid_vjp2d(gy, x, gx)
