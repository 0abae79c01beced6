"""Compiled training: trace a Chain and its loss once into a static program, then run many
minibatches (forward, backward, optimiser update) inside one Numba call.

    >>> from engine.nn.layers import Chain, Dense
    >>> from engine.nn.activations import tanh, sigmoid
    >>> program = trace(Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, sigmoid, rng=1)), "mse")
    >>> program.code.shape, program.n_params
    ((4, 10), 33)

A program is an int64 table, one row per instruction (`LINEAR` or an activation), over
buffers laid out in one flat activation array; parameters, gradients and optimiser state are
flat arrays too. `engine.kernels.interpreter` runs any program, compiled once per dtype, so a new
architecture costs no compilation at all. An instruction row's `blas` column is LOOPS,
BLAS_UPRIGHT or BLAS_TRANSPOSED (see engine.kernels.dense). A formula activation is the op FORMULA, and
its row of the program's `formulas` holds the formula: the runner gives the interpreter its kernels'
addresses (engine.kernels.formula), so a formula compiles two small kernels, never the interpreter.
Importing this module loads numba.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..kernels import dense as CK
from ..kernels import formula as FK
from ..kernels.activations import FORMULA
from ..kernels.cache import prune_stale
from ..kernels.dense import BLAS_TRANSPOSED, BLAS_UPRIGHT, BLOCK_MACS, LOOPS, LOSS_CODES
from ..kernels.interpreter import (ACT_OPS, LINEAR, OP, ROW, SOFTMAX, Net, Rule, Span, Work, evaluate, refresh_gradients,
                                  train)
from ..nn.activations import LEAKY_SLOPE
from ..nn.formula import is_formula
from ..nn.layers import Dense
from ..nn.optimisers import ADAM
from .blas import gemm_address
from .verdict import can_compile, flatten, loss_name

__all__ = ["trace", "Program", "CompiledRunner", "warm_up"]


# From this many multiply-adds per product (batch x in x out) on, a BLAS call beats Numba loops:
# OpenBLAS has small-matrix kernels, so BLAS wins from a 32x5x2 product up (forward and backward,
# measured on the 2-core dev machine); loops win only for single samples and toy sizes, where the
# call itself costs more than the arithmetic.
BLAS_MIN_WORK = 384
# A layer with at most this many outputs runs as loops at any size: its products are dot products and rank-one
# updates, where a GEMM's packing is all overhead. One thread on a Zen 3 core (OpenBLAS's Haswell kernels, which
# have no small-matrix path), forward / backward, loops against BLAS: 32x16x1 0.18 / 0.44 µs against 0.50 / 0.61,
# 64x784x1 8 / 30 against 32 / 56, 256x1024x1 49 / 175 against 267 / 663, 64x128x2 1.9 / 6.2 against 5.0 / 8.9.
# From four outputs BLAS's backward wins (32x32x4: 1.9 against 1.3 µs). Past BLOCK_MACS such a layer goes to
# BLAS all the same: loops have no look at the stop flag inside a product.
LOOPS_MAX_OUTPUTS = 2


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
    layer_ranges: np.ndarray  # (n_layers, 3) int64: each Dense layer's [start, bias start, end) in the flat params
    params: list              # the model's Tracked leaves, in flat order
    offsets: list             # flat offset of each leaf
    transposed: list          # per leaf: stored transposed in the flat array (BLAS layers' weights)
    loss: int
    fuse: bool                # crossentropy right after softmax: one fused backward step
    formulas: list            # per op: the Formula of a FORMULA op, else None
    dtype: np.dtype
    in_dim: int
    out_dim: int
    n_params: int

    def buffer_size(self, batch):
        return int(self.buf_dim.sum()) * batch

    @property
    def n_layers(self):
        return len(self.layer_ranges)


def trace(model, loss, batch_size=32, blas_min_work=BLAS_MIN_WORK, loops_max_outputs=LOOPS_MAX_OUTPUTS):
    """Turn a compilable `model` + `loss` into a Program (ValueError if it cannot compile).

    `batch_size` only decides which products go to BLAS (see BLAS_MIN_WORK and LOOPS_MAX_OUTPUTS: 0 and 0 send
    every product there).
    """
    verdict = can_compile(model, loss)
    if not verdict:
        raise ValueError(f"cannot compile: {verdict.reason}")
    blocks = flatten(model)
    dtype = model.parameters()[0].value.dtype
    dims = [next(b for b in blocks if isinstance(b, Dense)).in_features]
    rows, slopes, params, offsets, layer_ranges, transposed, formulas = [], [], [], [], [], [], []
    flat = 0

    def emit(op, out_dim, w_off=-1, b_off=-1, layer=-1, blas=0, formula=None):
        # an input gradient is only worth computing once something trainable lies upstream
        need_dx = int(any(r[OP] == LINEAR for r in rows))
        rows.append([op, len(dims) - 1, len(dims), dims[-1], out_dim, w_off, b_off, layer, need_dx, blas])
        slopes.append(LEAKY_SLOPE)
        formulas.append(formula)
        dims.append(out_dim)

    for block in blocks:
        act = block
        if isinstance(block, Dense):
            lo = flat
            mode = LOOPS
            work = batch_size * block.in_features * block.out_features
            if work >= blas_min_work and (block.out_features > loops_max_outputs or work > BLOCK_MACS):
                first = not any(r[OP] == LINEAR for r in rows)  # no input gradient needed
                mode = BLAS_TRANSPOSED if first else BLAS_UPRIGHT
            for p in block.parameters():
                params.append(p)
                offsets.append(flat)
                transposed.append(mode == BLAS_TRANSPOSED and p is block.weight)
                flat += p.value.size
            bias_at = offsets[-1] if block.bias is not None else flat
            emit(LINEAR, block.out_features, lo, bias_at if block.bias is not None else -1, len(layer_ranges), mode)
            layer_ranges.append((lo, bias_at, flat))
            act = block.act
        if is_formula(act):
            emit(FORMULA, dims[-1], formula=act)
        elif act.name != "identity":
            emit(ACT_OPS[act.name], dims[-1])
    out_dim = dims[-1]
    dims += [out_dim, out_dim]  # scratch, targets
    code = np.array(rows, dtype=np.int64).reshape(-1, ROW)
    lname = loss_name(loss)
    dim_arr = np.array(dims, dtype=np.int64)
    return Program(code=code, slopes=np.array(slopes, dtype=dtype),
                   buf_off=np.concatenate([[0], np.cumsum(dim_arr)[:-1]]).astype(np.int64),
                   buf_dim=dim_arr, layer_ranges=np.array(layer_ranges, dtype=np.int64).reshape(-1, 3),
                   params=params, offsets=offsets, transposed=transposed, loss=LOSS_CODES[lname],
                   fuse=lname == "crossentropy" and code[-1, OP] == SOFTMAX, formulas=formulas,
                   dtype=np.dtype(dtype),
                   in_dim=int(dims[0]), out_dim=int(out_dim), n_params=flat)


# ---- the Python side: buffers and calls ----------------------------------------------

class CompiledRunner:
    """Owns a Program's flat buffers and calls the interpreter; the Trainer's compiled path.

    Parameters live in `self.params` (flat) while training; `store()` writes them back into the model's
    Tracked leaves, `load()` reads them from there. BLAS layers keep their first weight transposed in
    the flat arrays, so parameters, gradients and optimiser state convert to the Trainer's layout on the
    way in (`begin`) and out (`end`, `canonical`).
    """

    compiled = True

    def __init__(self, program, batch_size):
        self.program, self.batch = program, int(batch_size)
        dt = program.dtype
        n = program.n_params
        acts = np.zeros(program.buffer_size(self.batch), dtype=dt)
        self.work = Work(acts, np.zeros_like(acts), np.zeros(n, dt), np.zeros(n, dt), np.zeros(0, dt), np.zeros(0, dt),
                         np.zeros(n, dt), np.zeros(n, dt), np.zeros(1, np.int64))
        self.params, self.grads = self.work.params, self.work.grads
        # the formulas' kernels, kept here while the interpreter holds their addresses
        self._formula_kernels = [None if f is None else FK.kernels(f, dt) for f in program.formulas]
        addresses = np.array([[0, 0] if k is None else [k[0].address, k[1].address] for k in self._formula_kernels],
                             dtype=np.int64).reshape(-1, 2)
        # plain Python scalars: a numpy bool here would be another type, and another compilation
        self.net = Net(program.code, program.slopes, program.buf_off, program.buf_dim, program.layer_ranges,
                       int(program.loss), bool(program.fuse), float(np.finfo(dt).eps), self.batch, addresses,
                       gemm_address(dt))
        self._no_stop = np.zeros(1, dtype=np.int64)
        self.load()

    def _flat_view(self, flat, i):
        """Leaf i's slice of a flat array in this runner's layout, shaped (and oriented) like the leaf."""
        p, off, t = self.program.params[i], self.program.offsets[i], self.program.transposed[i]
        part = flat[off:off + p.value.size]
        return part.reshape(p.value.shape[::-1]).T if t else part.reshape(p.value.shape)

    def _import(self, canonical, into):
        """Copy a flat array in the Trainer's layout (leaves one after another, as they are) into ours."""
        for i, p in enumerate(self.program.params):
            off = self.program.offsets[i]
            view = self._flat_view(into, i)
            source = canonical[off:off + p.value.size].reshape(p.value.shape)
            if self.program.transposed[i]:
                CK.transpose_into(np.ascontiguousarray(source), view.T)
            else:
                view[...] = source
        return into

    def canonical(self, flat, out=None):
        """A flat array of ours (parameters, gradients, state) in the Trainer's layout; `latest_grads` first for
        the gradient (a fused step leaves it stale)."""
        out = np.empty_like(flat) if out is None else out
        for i, p in enumerate(self.program.params):
            off = self.program.offsets[i]
            target = out[off:off + p.value.size].reshape(p.value.shape)
            if self.program.transposed[i]:
                CK.transpose_into(self._flat_view(flat, i).T, target)
            else:
                target[...] = self._flat_view(flat, i)
        return out

    def begin(self, s1, s2):
        """Take the optimiser state from the Trainer (its layout) for a run."""
        self.work = self.work._replace(s1=self._import(s1, np.empty_like(s1)) if s1.size else s1,
                                       s2=self._import(s2, np.empty_like(s2)) if s2.size else s2)

    def end(self, s1, s2):
        """Give the optimiser state back to the Trainer after a run."""
        for ours, theirs in ((self.work.s1, s1), (self.work.s2, s2)):
            if theirs.size:
                self.canonical(ours, theirs)

    def take_previous(self, canonical_grads):
        """Start the 'previous gradient' (for the cosine diagnostic) from another runner's."""
        self._import(canonical_grads, self.work.previous)

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

    def save_weights(self, out):
        np.copyto(out, self.params)  # our layout: restore_weights takes it back as it is
        return out

    def restore_weights(self, flat):
        self.params[:] = flat
        self.store()

    def weight_copies(self):
        """Copies of every parameter, upright and in the model's order (without touching the model)."""
        return [self._flat_view(self.params, i).copy() for i in range(len(self.program.params))]

    def latest_grads(self):
        """The last step's gradient, flat, in our layout (each leaf's range as in the Trainer's, transposed inside)."""
        refresh_gradients(self.net, self.work)
        return self.grads

    def grad(self, i):
        """A copy of leaf i's latest gradient, shaped like the leaf."""
        refresh_gradients(self.net, self.work)
        return self._flat_view(self.grads, i).copy()

    def train(self, X, Y, perms, rates, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control):
        """Train `nsteps` steps from step `step0` of the epoch ordered by `perms[0]` (see interpreter.train).
        Returns (steps completed, how it ended)."""
        done, status = train(self.net, self.work, Rule(opt_kind, hp, t0),
                             Span(X, Y, perms, rates, step0, nsteps, Xv, Yv, losses, epochs, stats, control))
        return int(done), int(status)

    def evaluate(self, X, Y):
        """(mean loss, correct predictions) on X, Y with the current weights."""
        refresh_gradients(self.net, self.work)  # before the buffers it reads are overwritten
        value, correct = evaluate(self.net, self.work, X, Y, self._no_stop)
        return float(value), int(correct)


def warm_up(dtypes=(np.float64, np.float32)):
    """Compile (or load from Numba's disk cache) the interpreter for `dtypes`; returns seconds.

    Any model does: the interpreter is the same for all of them.
    """
    began = time.perf_counter()
    prune_stale()  # other kernel versions' caches nobody has used for a month
    for dtype in dtypes:
        runner = CompiledRunner(trace(Dense(1, 1, rng=0, dtype=dtype), "mse", 1), 1)
        X = np.zeros((1, 1), dtype=dtype)
        s = np.zeros(runner.params.size, dtype=dtype)
        runner.begin(s, s.copy())
        runner.train(X, X, np.zeros((1, 1), dtype=np.int64), np.zeros(1), 0, 1, ADAM, np.zeros(6), 0, X, X,
                     np.zeros(1), np.zeros((1, 2)), np.zeros((1, 1, 4)), np.zeros(1, dtype=np.int64))
        runner.evaluate(X, X)
    return time.perf_counter() - began
