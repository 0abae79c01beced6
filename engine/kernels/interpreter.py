"""The interpreter of compiled training: one Numba function runs any traced Chain.

A program (see `engine.training.compiled.trace`) is an int64 table, one row per instruction, over
buffers in one flat activation array:

    [op, in_buf, out_buf, in_dim, out_dim, w_off, b_off, layer, need_dx, blas]

`run_steps` trains (or evaluates) minibatches of one epoch; `run_epochs` runs whole epochs,
each followed by a validation pass, without returning to Python. Both are compiled once per
dtype, so a new architecture costs no compilation at all.
"""
import math

import numpy as np
from numba import njit

from . import activations as K
from .dense import (BLAS_TRANSPOSED, LOGITCROSSENTROPY, all_finite, count_correct, gather_rows,
                               linear_backward, linear_forward, loss_seed, loss_value, softmax_crossentropy_seed,
                               sum_squares)
from .optimisers import apply_update

__all__ = ["run_steps", "run_epochs"]

LINEAR = 0
ACT_OPS = K.CODES  # activation name -> op code (1, 2, ...): the registry's order
SOFTMAX = ACT_OPS["softmax"]
OP, IN, OUT, IN_DIM, OUT_DIM, W_OFF, B_OFF, LAYER, NEED_DX, BLAS = range(10)
ROW = 10

_jit = njit(cache=True, nogil=True, error_model="numpy")  # x/0 gives inf/NaN for the NaN guard


@_jit
def _view(flat, buf_off, buf_dim, b, m):
    """Buffer `b` for a batch of `m` rows, as an (m, dim) view of the flat array."""
    start, d = buf_off[b] * m, buf_dim[b]
    return flat[start:start + m * d].reshape((m, d))


@_jit
def _weight(flat, code, r):
    """Layer r's weight (or its gradient, from the gradient array) as a matrix view of `flat`."""
    n_in, n_out, w = code[r, IN_DIM], code[r, OUT_DIM], code[r, W_OFF]
    shape = (n_in, n_out) if code[r, BLAS] == BLAS_TRANSPOSED else (n_out, n_in)
    return flat[w:w + n_out * n_in].reshape(shape)


@_jit
def _bias(flat, code, r):
    """Layer r's bias view of `flat` (empty-safe: a layer without bias has b_off -1)."""
    b = max(code[r, B_OFF], 0)
    return flat[b:b + code[r, OUT_DIM]]


@_jit
def _forward(code, slopes, buf_off, buf_dim, acts, params, m):
    for r in range(code.shape[0]):
        op = code[r, OP]
        x = _view(acts, buf_off, buf_dim, code[r, IN], m)
        y = _view(acts, buf_off, buf_dim, code[r, OUT], m)
        if op == LINEAR:
            linear_forward(x, _weight(params, code, r), _bias(params, code, r), code[r, B_OFF] >= 0, y,
                           code[r, BLAS])
        else:
            K.forward(op, x, slopes[r], y)


@_jit
def _loss_and_seed(code, buf_off, buf_dim, acts, dacts, loss, fuse, eps, m, seed):
    """The batch loss; with `seed`, also dL/d(output) into dacts. Returns (loss, first op to
    back-propagate through): the fused softmax+crossentropy step skips the softmax op."""
    n_ops = code.shape[0]
    top, scratch, target = n_ops, n_ops + 1, n_ops + 2
    yhat = _view(acts, buf_off, buf_dim, top, m)
    y = _view(acts, buf_off, buf_dim, target, m)
    if loss == LOGITCROSSENTROPY:  # the loss reads logsoftmax(z), as engine.nn.losses does
        ls = _view(acts, buf_off, buf_dim, scratch, m)
        K.logsoftmax2d(yhat, ls)
        value = loss_value(loss, ls, y, eps)
        if seed:
            g = _view(dacts, buf_off, buf_dim, scratch, m)
            loss_seed(loss, ls, y, eps, g)
            K.logsoftmax_vjp2d(g, ls, _view(dacts, buf_off, buf_dim, top, m))
        return value, n_ops - 1
    value = loss_value(loss, yhat, y, eps)
    if seed:
        if fuse:
            softmax_crossentropy_seed(yhat, y, eps, _view(dacts, buf_off, buf_dim, code[n_ops - 1, IN], m))
            return value, n_ops - 2
        loss_seed(loss, yhat, y, eps, _view(dacts, buf_off, buf_dim, top, m))
    return value, n_ops - 1


@_jit
def _backward(code, slopes, buf_off, buf_dim, acts, dacts, params, grads, m, first):
    for r in range(first, -1, -1):
        op = code[r, OP]
        if op != LINEAR and code[r, NEED_DX] == 0:
            break  # nothing trainable upstream of here
        x = _view(acts, buf_off, buf_dim, code[r, IN], m)
        y = _view(acts, buf_off, buf_dim, code[r, OUT], m)
        gx = _view(dacts, buf_off, buf_dim, code[r, IN], m)
        gy = _view(dacts, buf_off, buf_dim, code[r, OUT], m)
        if op == LINEAR:
            linear_backward(gy, x, _weight(params, code, r), _weight(grads, code, r), _bias(grads, code, r),
                            code[r, B_OFF] >= 0, gx, code[r, NEED_DX] == 1, code[r, BLAS])
        else:
            K.backward(op, gy, x, y, slopes[r], gx)


@_jit
def run_steps(code, slopes, buf_off, buf_dim, layer_ranges, loss, fuse, eps,
              acts, dacts, params, grads, s1, s2, opt_kind, hp, t0,
              X, Y, perm, step0, nsteps, batch, losses, norms, train):
    """Train `nsteps` minibatches: batch `step` of the epoch is `perm[step*batch : ...]`.

    Writes each step's loss into `losses` and, after the last step, each layer's gradient
    norm into `norms`. Stops before the update of a step whose loss is not finite.
    With `train` false it only evaluates (no backward pass, no update) and counts correct
    predictions; one function for both keeps the cold compile short.
    Returns (steps completed, whether all parameters are still finite, correct predictions).
    """
    n = perm.size
    n_ops = code.shape[0]
    done, correct = 0, 0
    for s in range(nsteps):
        lo = (step0 + s) * batch
        hi = min(lo + batch, n)
        m = hi - lo
        y = _view(acts, buf_off, buf_dim, n_ops + 2, m)
        gather_rows(X, perm[lo:hi], _view(acts, buf_off, buf_dim, 0, m))
        gather_rows(Y, perm[lo:hi], y)
        _forward(code, slopes, buf_off, buf_dim, acts, params, m)
        value, first = _loss_and_seed(code, buf_off, buf_dim, acts, dacts, loss, fuse, eps, m, train)
        losses[s] = value
        if not train:
            correct += count_correct(_view(acts, buf_off, buf_dim, n_ops, m), y)
            done += 1
            continue
        if not math.isfinite(value):
            break
        _backward(code, slopes, buf_off, buf_dim, acts, dacts, params, grads, m, first)
        apply_update(opt_kind, params, grads, s1, s2, hp, t0 + s + 1)
        done += 1
    if train:
        for layer in range(layer_ranges.shape[0]):
            norms[layer] = np.sqrt(sum_squares(grads, layer_ranges[layer, 0], layer_ranges[layer, 1]))
    return done, all_finite(params), correct


@_jit
def run_epochs(code, slopes, buf_off, buf_dim, layer_ranges, loss, fuse, eps, acts, dacts, params, grads,
               s1, s2, opt_kind, hp, t0, X, Y, perms, batch, losses, norms, Xv, Yv, val_losses, summary):
    """Whole epochs in one call: train on `perms[e]` then evaluate on Xv, Yv, for each row e.

    Small datasets take only a few steps an epoch; returning to Python after each one would
    spend most of the time (and the GIL) on bookkeeping. `summary[e]` gets (mean training loss,
    validation loss, correct predictions). Stops at the first step with a non-finite loss or
    parameters. Returns (epochs completed, steps done in the epoch that stopped, finite).
    """
    n, nv = X.shape[0], Xv.shape[0]
    steps = (n + batch - 1) // batch
    vsteps = (nv + batch - 1) // batch
    no_state = grads[:0]
    identity = np.arange(nv)
    for e in range(perms.shape[0]):
        epoch_losses = losses[e * steps:(e + 1) * steps]
        done, finite, _ = run_steps(code, slopes, buf_off, buf_dim, layer_ranges, loss, fuse, eps, acts, dacts,
                                    params, grads, s1, s2, opt_kind, hp, t0 + e * steps, X, Y, perms[e], 0,
                                    steps, batch, epoch_losses, norms, True)
        if done < steps or not finite:
            return e, done, finite
        total = 0.0
        for i in range(steps):
            total += epoch_losses[i] * min(batch, n - i * batch)
        summary[e, 0] = total / n
        if nv > 0:
            _, _, correct = run_steps(code, slopes, buf_off, buf_dim, layer_ranges, loss, fuse, eps, acts, dacts,
                                      params, grads, no_state, no_state, 0, hp, 0, Xv, Yv, identity, 0, vsteps,
                                      batch, val_losses, norms, False)
            vtotal = 0.0
            for i in range(vsteps):
                vtotal += val_losses[i] * min(batch, nv - i * batch)
            summary[e, 1] = vtotal / nv
            summary[e, 2] = correct
    return perms.shape[0], steps, True
