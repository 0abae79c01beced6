"""Compiled training: trace a Chain and its loss once into a static program, then run many
minibatches (forward, backward, optimiser update) inside one Numba call.

    >>> from engine.layers import Chain, Dense
    >>> from engine.activations import tanh, sigmoid
    >>> model = Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, sigmoid, rng=1))
    >>> bool(can_compile(model, "mse"))
    True
    >>> can_compile(Chain(lambda x: x * 2), "mse").reason
    'layer 1 (<lambda>) is a Python function; only Dense layers and activations compile'

A program is an int64 table, one row per instruction (`LINEAR` or an activation), over
buffers laid out in one flat activation array; parameters, gradients and optimiser state are
flat arrays too. The single interpreter `run_steps` is compiled once per dtype, so a new
architecture costs no compilation at all. Layout of an instruction row:

    [op, in_buf, out_buf, in_dim, out_dim, w_off, b_off, layer, need_dx, blas]

where `blas` is LOOPS, BLAS_UPRIGHT or BLAS_TRANSPOSED (see compiled_kernels).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from . import compiled_kernels as CK
from . import kernels as K
from .activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from .compiled_kernels import (BLAS_TRANSPOSED, BLAS_UPRIGHT, LOGITCROSSENTROPY, LOOPS,
                               LOSS_CODES, all_finite, count_correct,
                               gather_rows, linear_backward, linear_forward, loss_seed, loss_value,
                               softmax_crossentropy_seed, sum_squares)
from .layers import Chain, Dense
from .losses import LOSSES
from .optimisers import apply_update

__all__ = ["can_compile", "trace", "Program", "run_steps", "run_epochs", "CompiledRunner", "Verdict", "warm_up"]

LINEAR, IDENTITY, SIGMOID, TANH, RELU, LEAKYRELU, SOFTMAX, LOGSOFTMAX = range(8)
ACT_OPS = {"identity": IDENTITY, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU,
           "leakyrelu": LEAKYRELU, "softmax": SOFTMAX, "logsoftmax": LOGSOFTMAX}
OP, IN, OUT, IN_DIM, OUT_DIM, W_OFF, B_OFF, LAYER, NEED_DX, BLAS = range(10)
ROW = 10

_jit = njit(cache=True, nogil=True, error_model="numpy")  # x/0 gives inf/NaN for the NaN guard

# From this many multiply-adds per product (batch x in x out) on, a BLAS call beats Numba loops:
# OpenBLAS has small-matrix kernels, so BLAS wins from a 32x5x2 product up (forward and backward,
# measured on the 2-core dev machine); loops win only for single samples and toy sizes, where the
# call itself costs more than the arithmetic.
BLAS_MIN_WORK = 384


class Verdict:
    """Truthy when the model compiles; `.reason` says why not."""

    def __init__(self, ok, reason=""):
        self.ok, self.reason = ok, reason

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "Verdict(True)" if self.ok else f"Verdict(False, {self.reason!r})"


def loss_name(loss):
    """The canonical name of a known loss (a name or one of engine.losses' functions), else None."""
    if isinstance(loss, str):
        return loss if loss in LOSSES else None
    for name, fn in LOSSES.items():
        if fn is loss:
            return name
    return None


def _flatten(model):
    """A Chain's blocks with nested Chains inlined; a bare Dense counts as a one-block Chain."""
    if isinstance(model, Dense):
        return [model]
    out = []
    for layer in model.layers:
        out.extend(_flatten(layer) if isinstance(layer, Chain) else [layer])
    return out


def _block_problem(i, block):
    if isinstance(block, Dense):
        if not _known_activation(block.act):
            return f"layer {i} ({block!r}) has activation {name_of(block.act)}, which does not compile"
        return None
    if _known_activation(block):
        return None
    return f"layer {i} ({name_of(block)}) is a Python function; only Dense layers and activations compile"


def name_of(f):
    return getattr(f, "__name__", type(f).__name__)


def _known_activation(f):
    return isinstance(f, Activation) and ACTIVATIONS.get(f.name) is f


def can_compile(model, loss):
    """Whether `model` with `loss` can run on the compiled path (a `Verdict`, truthy if so)."""
    if not isinstance(model, Chain | Dense):
        return Verdict(False, f"the model is a {type(model).__name__}, not a Chain")
    if loss_name(loss) is None:
        return Verdict(False, f"loss {name_of(loss)} is not one of {', '.join(LOSSES)}")
    blocks = _flatten(model)
    for i, block in enumerate(blocks, 1):
        problem = _block_problem(i, block)
        if problem:
            return Verdict(False, problem)
    dense = [b for b in blocks if isinstance(b, Dense)]
    if len({id(b) for b in dense}) != len(dense):
        return Verdict(False, "a Dense layer appears twice (shared weights train on the eager path)")
    if not dense:
        return Verdict(False, "the Chain has no Dense layer to train")
    for a, b in zip(dense, dense[1:]):
        if a.out_features != b.in_features:
            return Verdict(False, f"{a!r} feeds {b!r}: sizes do not fit")
    dtypes = {p.value.dtype for p in model.parameters()}
    if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
        return Verdict(False, "parameters must all be float32 or all float64")
    return Verdict(True)


@dataclass
class Program:
    """A traced Chain + loss: instruction table, buffer layout, parameter layout.

    Buffers 0..n_ops hold the Chain's values (0 is the input batch, n_ops the output); two
    more of the output's width follow: a scratch buffer (logsoftmax for logitcrossentropy)
    and the batch targets. For a batch of m rows, buffer b starts at `buf_off[b] * m`.
    """
    code: np.ndarray          # (n_ops, ROW) int64
    slopes: np.ndarray        # (n_ops,) in the model's dtype: the leakyrelu slope per op
    buf_off: np.ndarray       # (n_bufs,) int64
    buf_dim: np.ndarray       # (n_bufs,) int64
    layer_ranges: np.ndarray  # (n_layers, 2) int64: [lo, hi) of each Dense layer in the flat params
    params: list              # the model's Tracked leaves, in flat order
    offsets: list             # flat offset of each leaf
    transposed: list          # per leaf: stored transposed in the flat array (BLAS layers' weights)
    loss: int
    fuse: bool                # crossentropy right after softmax: one fused backward step
    dtype: np.dtype
    in_dim: int
    out_dim: int
    n_params: int

    def buffer_size(self, batch):
        return int(self.buf_dim.sum()) * batch

    @property
    def n_layers(self):
        return len(self.layer_ranges)


def trace(model, loss, batch_size=32, blas_min_work=BLAS_MIN_WORK):
    """Turn a compilable `model` + `loss` into a Program (ValueError if it cannot compile).

    `batch_size` only decides which products go to BLAS (see BLAS_MIN_WORK).
    """
    verdict = can_compile(model, loss)
    if not verdict:
        raise ValueError(f"cannot compile: {verdict.reason}")
    blocks = _flatten(model)
    dtype = model.parameters()[0].value.dtype
    dims = [next(b for b in blocks if isinstance(b, Dense)).in_features]
    rows, slopes, params, offsets, layer_ranges, transposed = [], [], [], [], [], []
    flat = 0

    def emit(op, out_dim, w_off=-1, b_off=-1, layer=-1, blas=0):
        # an input gradient is only worth computing once something trainable lies upstream
        need_dx = int(any(r[OP] == LINEAR for r in rows))
        rows.append([op, len(dims) - 1, len(dims), dims[-1], out_dim, w_off, b_off, layer, need_dx, blas])
        slopes.append(LEAKY_SLOPE)
        dims.append(out_dim)

    for block in blocks:
        act = block
        if isinstance(block, Dense):
            lo = flat
            mode = LOOPS
            if batch_size * block.in_features * block.out_features >= blas_min_work:
                first = not any(r[OP] == LINEAR for r in rows)  # no input gradient needed
                mode = BLAS_TRANSPOSED if first else BLAS_UPRIGHT
            for p in block.parameters():
                params.append(p)
                offsets.append(flat)
                transposed.append(mode == BLAS_TRANSPOSED and p is block.weight)
                flat += p.value.size
            emit(LINEAR, block.out_features, lo, offsets[-1] if block.bias is not None else -1,
                 len(layer_ranges), mode)
            layer_ranges.append((lo, flat))
            act = block.act
        if act.name != "identity":
            emit(ACT_OPS[act.name], dims[-1])
    out_dim = dims[-1]
    dims += [out_dim, out_dim]  # scratch, targets
    code = np.array(rows, dtype=np.int64).reshape(-1, ROW)
    lname = loss_name(loss)
    dim_arr = np.array(dims, dtype=np.int64)
    return Program(code=code, slopes=np.array(slopes, dtype=dtype),
                   buf_off=np.concatenate([[0], np.cumsum(dim_arr)[:-1]]).astype(np.int64),
                   buf_dim=dim_arr, layer_ranges=np.array(layer_ranges, dtype=np.int64).reshape(-1, 2),
                   params=params, offsets=offsets, transposed=transposed, loss=LOSS_CODES[lname],
                   fuse=lname == "crossentropy" and code[-1, OP] == SOFTMAX, dtype=np.dtype(dtype),
                   in_dim=int(dims[0]), out_dim=int(out_dim), n_params=flat)


# ---- the interpreter -------------------------------------------------------------------

@_jit
def _view(flat, buf_off, buf_dim, b, m):
    """Buffer `b` for a batch of `m` rows, as an (m, dim) view of the flat array."""
    start, d = buf_off[b] * m, buf_dim[b]
    return flat[start:start + m * d].reshape((m, d))


@_jit
def _forward(code, slopes, buf_off, buf_dim, acts, params, m):
    for r in range(code.shape[0]):
        op = code[r, OP]
        x = _view(acts, buf_off, buf_dim, code[r, IN], m)
        y = _view(acts, buf_off, buf_dim, code[r, OUT], m)
        if op == LINEAR:
            n_in, n_out, w, b = code[r, IN_DIM], code[r, OUT_DIM], code[r, W_OFF], code[r, B_OFF]
            shape = (n_in, n_out) if code[r, BLAS] == BLAS_TRANSPOSED else (n_out, n_in)
            W = params[w:w + n_out * n_in].reshape(shape)
            bias = params[max(b, 0):max(b, 0) + n_out]
            linear_forward(x, W, bias, b >= 0, y, code[r, BLAS])
        elif op == SIGMOID:  # engine.kernels: the very functions the eager tape calls
            K.sigmoid2d(x, y)
        elif op == TANH:
            K.tanh2d(x, y)
        elif op == RELU:
            K.relu2d(x, y)
        elif op == LEAKYRELU:
            K.leakyrelu2d(x, slopes[r], y)
        elif op == SOFTMAX:
            K.softmax2d(x, y)
        elif op == LOGSOFTMAX:
            K.logsoftmax2d(x, y)


@_jit
def _loss_and_seed(code, buf_off, buf_dim, acts, dacts, loss, fuse, eps, m, seed):
    """The batch loss; with `seed`, also dL/d(output) into dacts. Returns (loss, first op to
    back-propagate through): the fused softmax+crossentropy step skips the softmax op."""
    n_ops = code.shape[0]
    top, scratch, target = n_ops, n_ops + 1, n_ops + 2
    yhat = _view(acts, buf_off, buf_dim, top, m)
    y = _view(acts, buf_off, buf_dim, target, m)
    if loss == LOGITCROSSENTROPY:  # the loss reads logsoftmax(z), as engine.losses does
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
            n_in, n_out, w, b = code[r, IN_DIM], code[r, OUT_DIM], code[r, W_OFF], code[r, B_OFF]
            shape = (n_in, n_out) if code[r, BLAS] == BLAS_TRANSPOSED else (n_out, n_in)
            W = params[w:w + n_out * n_in].reshape(shape)
            dW = grads[w:w + n_out * n_in].reshape(shape)
            db = grads[max(b, 0):max(b, 0) + n_out]
            linear_backward(gy, x, W, dW, db, b >= 0, gx, code[r, NEED_DX] == 1, code[r, BLAS])
        elif op == SIGMOID:
            K.sigmoid_vjp2d(gy, y, gx)
        elif op == TANH:
            K.tanh_vjp2d(gy, y, gx)
        elif op == RELU:
            K.relu_vjp2d(gy, x, gx)
        elif op == LEAKYRELU:
            K.leakyrelu_vjp2d(gy, x, slopes[r], gx)
        elif op == SOFTMAX:
            K.softmax_vjp2d(gy, y, gx)
        elif op == LOGSOFTMAX:
            K.logsoftmax_vjp2d(gy, y, gx)


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


# ---- the Python side: buffers and calls ----------------------------------------------

class CompiledRunner:
    """Owns a Program's flat buffers and calls the interpreter; the Trainer's compiled path.

    Parameters live in `self.params` (flat) while training; `store()` writes them back into
    the model's Tracked leaves, `load()` reads them from there.
    """

    def __init__(self, program, batch_size):
        self.program, self.batch = program, int(batch_size)
        dt = program.dtype
        self.acts = np.zeros(program.buffer_size(self.batch), dtype=dt)
        self.dacts = np.zeros_like(self.acts)
        self.params = np.zeros(program.n_params, dtype=dt)
        self.grads = np.zeros_like(self.params)
        self.norms = np.zeros(program.n_layers)
        self.eps = float(np.finfo(dt).eps)
        self._no_hp = np.zeros(5)
        self.load()

    def _flat_view(self, flat, i):
        """Leaf i's slice of a flat array, shaped (and oriented) like the leaf."""
        p, off, t = self.program.params[i], self.program.offsets[i], self.program.transposed[i]
        part = flat[off:off + p.value.size]
        return part.reshape(p.value.shape[::-1]).T if t else part.reshape(p.value.shape)

    def load(self):
        for i, p in enumerate(self.program.params):
            if self.program.transposed[i]:
                CK.transpose_into(np.ascontiguousarray(p.value), self._flat_view(self.params, i).T)
            else:
                self._flat_view(self.params, i)[...] = p.value

    def store(self):
        for i, p in enumerate(self.program.params):
            if self.program.transposed[i]:
                CK.transpose_into(self._flat_view(self.params, i).T, p.value)
            else:
                np.copyto(p.value, self._flat_view(self.params, i))

    def grad(self, i):
        """A copy of leaf i's latest gradient, shaped like the leaf."""
        return self._flat_view(self.grads, i).copy()

    def run(self, X, Y, perm, step0, nsteps, s1, s2, opt_kind, hp, t0, losses):
        """Train steps step0 .. step0+nsteps-1 of the epoch ordered by `perm`.
        Returns (steps completed, parameters all finite)."""
        p = self.program
        done, finite, _ = run_steps(p.code, p.slopes, p.buf_off, p.buf_dim, p.layer_ranges, p.loss, p.fuse,
                                    self.eps, self.acts, self.dacts, self.params, self.grads, s1, s2,
                                    opt_kind, hp, t0, X, Y, perm, step0, nsteps, self.batch, losses,
                                    self.norms, True)
        return int(done), bool(finite)

    def run_epochs(self, X, Y, perms, s1, s2, opt_kind, hp, t0, losses, Xv, Yv, summary):
        """Train and validate `len(perms)` whole epochs (see `run_epochs`).
        Returns (epochs completed, steps done in the epoch that stopped, parameters all finite)."""
        p = self.program
        val_losses = np.zeros(max(1, -(-len(Xv) // self.batch)))
        epochs, done, finite = run_epochs(p.code, p.slopes, p.buf_off, p.buf_dim, p.layer_ranges, p.loss, p.fuse,
                                          self.eps, self.acts, self.dacts, self.params, self.grads, s1, s2,
                                          opt_kind, hp, t0, X, Y, perms, self.batch, losses, self.norms, Xv, Yv,
                                          val_losses, summary)
        return int(epochs), int(done), bool(finite)

    def evaluate(self, X, Y):
        """(mean loss, correct predictions) on X, Y with the current weights."""
        p, n = self.program, len(X)
        steps = -(-n // self.batch)
        losses = np.zeros(steps)
        _, _, correct = run_steps(p.code, p.slopes, p.buf_off, p.buf_dim, p.layer_ranges, p.loss, p.fuse,
                                  self.eps, self.acts, self.dacts, self.params, self.grads, self.grads[:0],
                                  self.grads[:0], 0, self._no_hp, 0, X, Y, np.arange(n), 0, steps, self.batch,
                                  losses, self.norms, False)
        sizes = np.minimum(self.batch, n - self.batch * np.arange(steps))
        return float(np.dot(losses, sizes) / max(n, 1)), int(correct)


def warm_up(dtypes=(np.float64, np.float32)):
    """Compile (or load from Numba's disk cache) the interpreter for `dtypes`; returns seconds.

    The first compile takes several seconds; an app can call this on a worker thread at start
    so that pressing Train shows the first loss at once. Any model does: the interpreter is
    the same for all of them.
    """
    from .optimisers import Adam  # here, not at the top: only this helper needs a concrete rule
    began = time.perf_counter()
    for dtype in dtypes:
        runner = CompiledRunner(trace(Dense(1, 1, rng=0, dtype=dtype), "mse", 1), 1)
        X = np.zeros((1, 1), dtype=dtype)
        s = np.zeros(runner.params.size, dtype=dtype)
        runner.run(X, X, np.zeros(1, dtype=np.int64), 0, 1, s, s.copy(), Adam.kind, Adam().hyperparameters(), 0,
                   np.zeros(1))
        runner.evaluate(X, X)
    return time.perf_counter() - began
