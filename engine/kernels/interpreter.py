"""The interpreter of compiled training: one Numba function runs any traced Chain.

A program (see `engine.training.compiled.trace`) is an int64 table, one row per instruction, over
buffers in one flat activation array:

    [op, in_buf, out_buf, in_dim, out_dim, w_off, b_off, layer, need_dx, blas]

Arguments come in four named groups (plain namedtuples, so Numba types them once):

    Net    the program:  code, slopes, buf_off, buf_dim, layers, loss, fuse, eps, batch, formulas, gemm
    Work   the buffers:  acts, dacts, params, grads, s1, s2 (optimiser state), before, previous, stale
    Rule   the optimiser: kind, hp, t0 (steps taken before this call)
    Span   what to run:  X, Y, perms, rates, step0, nsteps, Xv, Yv, losses, epochs, stats, control

`train` runs `nsteps` minibatches starting at step `step0` of the epoch shuffled by `perms[0]`,
on into the epochs of `perms[1:]`; after each epoch it ends it validates and records diagnostics.
It is compiled once per dtype, so a new architecture costs no compilation at all.
"""
import math
from collections import namedtuple

import numpy as np
from numba import njit

from . import activations as K
from .dense import (BLAS_TRANSPOSED, LOGITCROSSENTROPY, MIN_GRAD_ROWS, TINY_WEIGHT, _blocked, all_finite, count_correct,
                    descent_step, fits_one_block, gather_rows, linear_backward, linear_forward, loss_seed, loss_value,
                    softmax_crossentropy_seed)
from ..nn.optimisers import DECAY, DESCENT, ETA, L1
from .optimisers import apply_update
from .prefetch import prefetch_row
from .views import matrix_view, unowned

__all__ = ["Net", "Work", "Rule", "Span", "train", "evaluate", "refresh_gradients", "DONE", "BAD_LOSS", "BAD_WEIGHTS",
           "INTERRUPTED"]

LINEAR = 0
ACT_OPS = K.CODES  # activation name -> op code (1, 2, ...): the registry's order
SOFTMAX = ACT_OPS["softmax"]
OP, IN, OUT, IN_DIM, OUT_DIM, W_OFF, B_OFF, LAYER, NEED_DX, BLAS = range(10)
ROW = 10

Net = namedtuple("Net", "code slopes buf_off buf_dim layers loss fuse eps batch formulas gemm")
"""`layers` is (n_layers, 3) int64: each Dense layer's [start, bias start, end) in the flat parameters;
`batch` the minibatch size the buffers hold; `formulas` (n_ops, 2) int64: a formula op's forward and backward
kernel addresses (engine.kernels.formula), 0 in the other rows; `gemm` the BLAS's cblas_?gemm address
(engine.training.blas)."""
Work = namedtuple("Work", "acts dacts params grads s1 s2 before previous stale")
"""`before`: the parameters before an epoch's last step; `previous`: the gradient of the step before that;
`stale[0]`: row + 1 when the last step fused that row's update into a product (see `train`), so its weight
gradient in `grads` is older (`refresh_gradients` makes it from the buffers); 0 otherwise."""
Rule = namedtuple("Rule", "kind hp t0")
Span = namedtuple("Span", "X Y perms rates step0 nsteps Xv Yv losses epochs stats control")
"""`rates[e]`: the learning rate of the epoch shuffled by `perms[e]` (the schedule's); `losses[s]` gets step s's loss; `epochs[e]` (validation loss, correct) and `stats[e]` (per layer, STATS) for
each epoch e that ends in this call, counted from perms[0]; `control[0] != 0` asks the run to stop."""

# How `train` ended
DONE, BAD_LOSS, BAD_WEIGHTS, INTERRUPTED = 0, 1, 2, 3
# What `stats[epoch, layer]` holds after each epoch, from its last step (engine.training.history.STATS)
GRAD_W, GRAD_B, UPDATE_RATIO, COSINE = range(4)

_jit = njit(cache=True, nogil=True, error_model="numpy")  # x/0 gives inf/NaN for the NaN guard


@_jit
def _view(flat, net, b, m):
    """Buffer `b` for a batch of `m` rows, as an (m, dim) view of the flat array."""
    d = net.buf_dim[b]
    return matrix_view(flat, net.buf_off[b] * m, m, d)


@_jit
def _weight(flat, code, r):
    """Layer r's weight (or its gradient, from the gradient array) as a matrix view of `flat`."""
    n_in, n_out, w = code[r, IN_DIM], code[r, OUT_DIM], code[r, W_OFF]
    if code[r, BLAS] == BLAS_TRANSPOSED:
        return matrix_view(flat, w, n_in, n_out)
    return matrix_view(flat, w, n_out, n_in)


@_jit
def _bias(flat, code, r):
    """Layer r's bias view of `flat` (empty-safe: a layer without bias has b_off -1)."""
    b = max(code[r, B_OFF], 0)
    return flat[b:b + code[r, OUT_DIM]]


@_jit
def _forward(net, acts, params, m, control, scratch):
    """The Chain on the batch in buffer 0; False if `control` asked to stop on the way. `scratch`: see
    engine.kernels.dense.TINY_WEIGHT."""
    code = net.code
    for r in range(code.shape[0]):
        if control[0] != 0:
            return False
        op = code[r, OP]
        x, y = _view(acts, net, code[r, IN], m), _view(acts, net, code[r, OUT], m)
        if op == LINEAR:
            if not linear_forward(net.gemm, x, _weight(params, code, r), _bias(params, code, r), code[r, B_OFF] >= 0,
                                  y, code[r, BLAS], control, scratch):
                return False
        else:
            K.forward(op, x, net.slopes[r], y, net.formulas[r])
    return True


@_jit
def _loss_and_seed(net, acts, dacts, m, seed):
    """The batch loss; with `seed`, also dL/d(output) into dacts. Returns (loss, first op to
    back-propagate through): the fused softmax+crossentropy step skips the softmax op."""
    code = net.code
    n_ops = code.shape[0]
    top, scratch, target = n_ops, n_ops + 1, n_ops + 2
    yhat, y = _view(acts, net, top, m), _view(acts, net, target, m)
    if net.loss == LOGITCROSSENTROPY:  # the loss reads logsoftmax(z), as engine.nn.losses does
        ls = _view(acts, net, scratch, m)
        K.logsoftmax2d(yhat, ls)
        value = loss_value(net.loss, ls, y, net.eps)
        if seed:
            g = _view(dacts, net, scratch, m)
            loss_seed(net.loss, ls, y, net.eps, g)
            K.logsoftmax_vjp2d(g, ls, _view(dacts, net, top, m))
        return value, n_ops - 1
    value = loss_value(net.loss, yhat, y, net.eps)
    if seed:
        if net.fuse:
            softmax_crossentropy_seed(yhat, y, net.eps, _view(dacts, net, code[n_ops - 1, IN], m))
            return value, n_ops - 2
        loss_seed(net.loss, yhat, y, net.eps, _view(dacts, net, top, m))
    return value, n_ops - 1


@_jit
def _backward(net, acts, dacts, params, grads, m, first, control, fused, hp):
    """Gradients of the seeded loss into `grads`; False if `control` asked to stop on the way. Row `fused`
    (-1: none) instead takes its descent step at once (`descent_step`); it is the last row back-propagated."""
    code = net.code
    for r in range(first, -1, -1):
        if control[0] != 0:
            return False
        op = code[r, OP]
        if op != LINEAR and code[r, NEED_DX] == 0:
            break  # nothing trainable upstream of here
        x, y = _view(acts, net, code[r, IN], m), _view(acts, net, code[r, OUT], m)
        gx, gy = _view(dacts, net, code[r, IN], m), _view(dacts, net, code[r, OUT], m)
        if r == fused:
            descent_step(net.gemm, gy, x, _weight(params, code, r), _bias(grads, code, r), code[r, B_OFF] >= 0,
                         hp[ETA], 1.0 - hp[ETA] * hp[DECAY], control)
            return True  # it needs no input gradient: nothing upstream is trainable
        if op == LINEAR:
            if not linear_backward(net.gemm, gy, x, _weight(params, code, r), _weight(grads, code, r),
                                   _bias(grads, code, r), code[r, B_OFF] >= 0, gx, code[r, NEED_DX] == 1,
                                   code[r, BLAS], control):
                return False
        else:
            K.backward(op, gy, x, y, net.slopes[r], gx, net.formulas[r])
    return True


@_jit
def _batch(net, acts, X, Y, rows):
    """Gather the minibatch `rows` into the input and target buffers; returns its size."""
    m = rows.size
    gather_rows(X, rows, _view(acts, net, 0, m))
    gather_rows(Y, rows, _view(acts, net, net.code.shape[0] + 2, m))
    return m


@_jit
def _prefetch_batch(X, Y, rows):
    """Start loading the rows of the next minibatch (see engine.kernels.prefetch): they lie at random in the data."""
    for i in range(rows.size):
        prefetch_row(X, rows[i])
        prefetch_row(Y, rows[i])


@_jit
def _copy(src, dst):
    """dst = src for flat arrays, as a loop (an array assignment compiles shape-error formatting: seconds)."""
    for i in range(src.size):
        dst[i] = src[i]


@_jit
def _dot(a, b, lo, hi):
    s = 0.0
    for i in range(lo, hi):
        s += a[i] * b[i]
    return s


@_jit
def _record_stats(net, work, out):
    """Per layer, after an epoch's last step: gradient norms, the step's relative size, and the cosine
    between this step's gradient and the previous one's (negative: the steps oscillate)."""
    p, g, before, prev = work.params, work.grads, work.before, work.previous
    for layer in range(net.layers.shape[0]):
        lo, mid, hi = net.layers[layer, 0], net.layers[layer, 1], net.layers[layer, 2]
        out[layer, GRAD_W] = math.sqrt(_dot(g, g, lo, mid))
        out[layer, GRAD_B] = math.sqrt(_dot(g, g, mid, hi))
        step, size = 0.0, 0.0
        for i in range(lo, hi):
            d = p[i] - before[i]
            step += d * d
            size += before[i] * before[i]
        out[layer, UPDATE_RATIO] = math.sqrt(step / size) if size > 0 else math.nan
        gg, pp = _dot(g, g, lo, hi), _dot(prev, prev, lo, hi)
        out[layer, COSINE] = _dot(g, prev, lo, hi) / math.sqrt(gg * pp) if gg > 0 and pp > 0 else math.nan


@_jit
def evaluate(net, work, X, Y, control):
    """(mean loss, correct predictions) on X, Y with the current weights, a minibatch at a time.
    The loss is NaN if `control` interrupted it."""
    # each entry point's arguments are held by its caller for the whole call, and no array leaves it
    net, work, X, Y, control = unowned(net), unowned(work), unowned(X), unowned(Y), unowned(control)
    n, batch = X.shape[0], net.batch
    total, correct = 0.0, 0
    scratch = np.empty(TINY_WEIGHT, work.acts.dtype)
    rows = np.arange(n)
    for s in range((n + batch - 1) // batch):
        lo = s * batch
        m = _batch(net, work.acts, X, Y, rows[lo:min(lo + batch, n)])
        if not _forward(net, work.acts, work.params, m, control, scratch):
            return math.nan, 0
        value, _ = _loss_and_seed(net, work.acts, work.dacts, m, False)
        total += value * m
        correct += count_correct(_view(work.acts, net, net.code.shape[0], m),
                                 _view(work.acts, net, net.code.shape[0] + 2, m))
    return total / max(n, 1), correct


@_jit
def _fusable_row(net, rule):
    """The row whose plain-descent update can ride in its weight gradient's product (`descent_step`), or -1:
    Descent without L1, and a BLAS layer that needs no input gradient (the first trainable one, stored
    transposed) whose product is one block."""
    if rule.kind != DESCENT or rule.hp[L1] != 0:
        return -1
    code = net.code
    for r in range(code.shape[0]):
        if code[r, OP] == LINEAR and code[r, NEED_DX] == 0 and code[r, BLAS] == BLAS_TRANSPOSED \
                and fits_one_block(net.batch, code[r, IN_DIM], code[r, OUT_DIM]):
            return r
    return -1


@_jit
def _update(rule, work, hp, t, fused, code):
    """The optimiser's step on every parameter, but for row `fused`'s weight (-1: none), already stepped."""
    p, g, s1, s2 = work.params, work.grads, work.s1, work.s2
    if fused < 0:
        apply_update(rule.kind, p, g, s1, s2, hp, t)
        return
    lo = code[fused, W_OFF]
    hi = lo + code[fused, IN_DIM] * code[fused, OUT_DIM]
    apply_update(rule.kind, p[:lo], g[:lo], s1, s2, hp, t)  # Descent keeps no state: s1, s2 are empty
    apply_update(rule.kind, p[hi:], g[hi:], s1, s2, hp, t)


@_jit
def refresh_gradients(net, work):
    """Make the weight gradient a fused step skipped (`Work.stale`) from the buffers, which still hold that
    step's input and output gradient: `grads` then holds the last step's gradient everywhere. Call it before
    anything else uses the buffers (`evaluate`)."""
    r = work.stale[0] - 1
    if r < 0:
        return
    net, work = unowned(net), unowned(work)
    code, m = net.code, net.batch  # a fused step always has a whole batch (an epoch's last step is never fused)
    x, gy = _view(work.acts, net, code[r, IN], m), _view(work.dacts, net, code[r, OUT], m)
    _blocked(net.gemm, True, x, False, gy, _weight(work.grads, code, r), 1.0, 0.0, np.zeros(1, np.int64), MIN_GRAD_ROWS)
    work.stale[0] = 0


@_jit
def train(net, work, rule, span):
    """Train `span.nsteps` minibatches from step `span.step0` of the epoch ordered by `span.perms[0]`.

    A step whose loss is not finite stops the run before its update (BAD_LOSS); parameters that
    stop being finite stop it after the epoch (BAD_WEIGHTS); `span.control[0] != 0` stops it
    between operations and between the blocks of a big Dense product (INTERRUPTED: the interrupted step is
    not applied, so it can be run again).

    With plain Descent the first layer's update is fused into its weight gradient's product (see
    `_fusable_row`) on every step but an epoch's last two, whose gradients the diagnostics read; which steps
    fuse depends on the epoch alone, so a run gives the same weights however it is cut into calls.
    Returns (steps completed, how it ended).
    """
    net, work, rule, span = unowned(net), unowned(work), unowned(rule), unowned(span)  # see `evaluate`
    X, Y, perms, control, batch = span.X, span.Y, span.perms, span.control, net.batch
    n, nv = X.shape[0], span.Xv.shape[0]
    steps = (n + batch - 1) // batch
    no_stop = np.zeros(1, dtype=np.int64)  # validation is not interrupted: its epoch is already trained
    hp = np.empty_like(rule.hp)
    _copy(rule.hp, hp)
    fusable = _fusable_row(net, rule)
    scratch = np.empty(TINY_WEIGHT, work.acts.dtype)
    for s in range(span.nsteps):
        if control[0] != 0:
            return s, INTERRUPTED
        g = span.step0 + s
        epoch, step = g // steps, g % steps
        lo = step * batch
        m = _batch(net, work.acts, X, Y, perms[epoch, lo:min(lo + batch, n)])
        if s + 1 < span.nsteps:
            after = (g + 1) % steps * batch
            _prefetch_batch(X, Y, perms[(g + 1) // steps, after:min(after + batch, n)])
        work.stale[0] = 0  # the buffers now hold this step, not the fused one refresh_gradients would read
        if not _forward(net, work.acts, work.params, m, control, scratch):
            return s, INTERRUPTED
        value, first = _loss_and_seed(net, work.acts, work.dacts, m, True)
        span.losses[s] = value
        if not math.isfinite(value):
            return s, BAD_LOSS
        hp[ETA] = span.rates[epoch]
        fused = fusable if step < steps - 2 else -1
        if not _backward(net, work.acts, work.dacts, work.params, work.grads, m, first, control, fused, hp):
            return s, INTERRUPTED
        last = step == steps - 1
        if last:
            _copy(work.params, work.before)
        _update(rule, work, hp, rule.t0 + s + 1, fused, net.code)
        work.stale[0] = fused + 1
        if last:
            _record_stats(net, work, span.stats[epoch])
            if not all_finite(work.params):
                return s + 1, BAD_WEIGHTS
            if nv > 0:
                span.epochs[epoch, 0], span.epochs[epoch, 1] = evaluate(net, work, span.Xv, span.Yv, no_stop)
        if step == steps - 2 or steps == 1:
            _copy(work.grads, work.previous)  # what the epoch's last step (or the next one) is compared with
    return span.nsteps, DONE
