"""Training: epochs of shuffled minibatches, progress reports, stop/pause, and a NaN guard.

    >>> from engine import datasets
    >>> from engine.nn.layers import Chain, Dense
    >>> from engine.nn.activations import tanh, sigmoid
    >>> from engine.nn.optimisers import Adam
    >>> model = Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, sigmoid, rng=1))
    >>> history = Trainer(model, "mse", Adam(0.01), batch_size=16).fit(datasets.circle(200), epochs=5)
    >>> history.path, history.epochs_done, history.train_loss[-1] < history.train_loss[0]
    ('compiled', 5, True)

A Chain of Dense layers and activations with a known loss trains on the compiled path
(`engine.training.compiled`); anything else (Python functions in the Chain, a custom loss) on the eager
tape. Both paths shuffle with the same seeded generator, take the same minibatches and call
the same optimiser kernel, so they end on the same weights.

Work runs in chunks of about 20 ms; between chunks the trainer checks `should_stop` and
`should_pause`, and reports `Progress` to `on_progress` at most every 30 ms. No threads
here: the GUI runs `fit` on its own worker thread.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..autodiff.params import params
from ..autodiff.tracked import no_grad
from ..datasets.dataset import DataError
from ..nn.layers import Chain, Dense
from ..nn.losses import LOSSES
from ..nn.optimisers import Optimiser
from .blas import blas_threads
from .eager import EagerRunner
from .history import History, Progress
from .verdict import Verdict, can_compile

__all__ = ["Trainer", "History", "Progress"]

CHUNK_SECONDS = 0.02   # work between checks of stop/pause
REPORT_SECONDS = 0.03  # at most this often a progress report
PAUSE_POLL = 0.01
# A report (weights copied out, the callback) or a NaN-guard snapshot waits at least this many
# times its own last cost: both stay under ~5-10% of the time even for a 3M-weight model.
REPORT_SPACING = 10
SNAPSHOT_SPACING = 20


def _next_chunk(steps, elapsed):
    """Steps for the next call: about CHUNK_SECONDS of work, growing at most eightfold a call."""
    return max(1, min(8 * steps, int(CHUNK_SECONDS * steps / max(elapsed, 1e-9))))


def _blocks(model):
    if isinstance(model, Chain):
        return [b for layer in model.layers for b in _blocks(layer)]
    return [model]


class Trainer:
    """Trains `model` on a Dataset: `Trainer(model, "crossentropy", Adam(), batch_size=32, seed=0)`.

    `loss` is a name from engine.nn.losses, one of its functions, or any `loss(ŷ, y)` callable
    (which trains eagerly). `compiled=False` forces the eager tape, `compiled=True` insists on
    the compiled path (ValueError if the model cannot compile).

    `Progress.grad_norms` has one entry per trainable layer (each block with parameters, in
    order); set `watch_layer` to an index into that list to get the layer's current gradient
    arrays in every `Progress.layer_grads`. Optimiser state and the shuffling generator carry
    over from one `fit` to the next (a divergence resets the optimiser state).

    `blas_threads=1` runs large layers' BLAS products on one thread during `fit`: slower on an
    idle machine, but steady when a GUI thread or another process wants a core too.
    """

    def __init__(self, model, loss, optimiser, batch_size=32, seed=0, watch_layer=None, compiled=None,
                 blas_threads=None):
        if not isinstance(optimiser, Optimiser):
            raise TypeError(f"optimiser must be Descent, Momentum, Adam, ..., got {type(optimiser).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}")
        if isinstance(loss, str):
            if loss not in LOSSES:
                raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
            loss = LOSSES[loss]
        if not callable(loss):
            raise TypeError("loss must be a loss name or a function loss(ŷ, y)")
        self.model, self.loss, self.optimiser = model, loss, optimiser
        self.batch_size, self.seed, self.watch_layer = int(batch_size), seed, watch_layer
        self.blas_threads = blas_threads
        self._rng = np.random.default_rng(seed)
        self.ps = list(params(model))
        if not self.ps:
            raise ValueError("the model has no parameters to train")
        for p in self.ps:
            if not p.value.flags.c_contiguous:  # the kernels update flat views in place
                p.value = np.ascontiguousarray(p.value)
        self.dtype = self.ps[0].value.dtype
        self.offsets = list(np.cumsum([0] + [p.value.size for p in self.ps[:-1]]).astype(int))
        self.n_params = int(sum(p.value.size for p in self.ps))
        self.s1, self.s2 = optimiser.new_state(self.n_params, self.dtype)
        self.t = 0  # optimiser steps taken
        self.layers = self._trainable_layers()
        self.verdict = can_compile(model, loss)
        if compiled is False:  # e.g. to check the compiled path against the tape
            self.verdict = Verdict(False, "the eager path was asked for")
        elif compiled and not self.verdict:
            raise ValueError(f"this model cannot train on the compiled path: {self.verdict.reason}")
        self._runner = None

    @property
    def path(self):
        return "compiled" if self.verdict else "eager"

    def _trainable_layers(self):
        """(lo, hi, leaf indices) per block with parameters: slices of the flat layout, indices into ps."""
        where = {id(p): (off, p) for p, off in zip(self.ps, self.offsets)}
        index_of = {id(p): i for i, p in enumerate(self.ps)}
        layers, seen = [], set()
        for block in _blocks(self.model):
            leaves = [p for p in (block.parameters() if hasattr(block, "parameters") else [])
                      if id(p) not in seen]
            if leaves:
                seen.update(id(p) for p in leaves)
                lo = where[id(leaves[0])][0]
                layers.append((lo, lo + sum(p.value.size for p in leaves), [index_of[id(p)] for p in leaves]))
        return layers

    def _output_width(self, dataset):
        blocks = [b for b in _blocks(self.model) if isinstance(b, Dense)]
        if self.verdict:
            if blocks[0].in_features != dataset.n_features:
                raise DataError(f"the model takes {blocks[0].in_features} inputs but the data has "
                                f"{dataset.n_features} features")
            return blocks[-1].out_features
        try:
            with no_grad():
                out = np.asarray(self.model(dataset.X[:1].astype(self.dtype)))
        except (ValueError, TypeError) as e:
            raise DataError(f"the model cannot take this data: {e}") from e
        return int(out.reshape(1, -1).shape[1])

    def _make_runner(self):
        if self.verdict:
            if self._runner is None or not self._runner.compiled:
                from .compiled import CompiledRunner, trace  # loads numba: only the compiled path pays for it

                self._runner = CompiledRunner(trace(self.model, self.loss, self.batch_size), self.batch_size)
            self._runner.load()  # the weights may have changed since the last fit
        elif self._runner is None:
            self._runner = EagerRunner(self.model, self.loss, self.ps, self.offsets, self.batch_size)
        return self._runner

    # ---- weights as one flat vector (snapshots for the NaN guard) ----
    def _get_flat(self, runner, out):
        """Copy the current weights into the flat array `out` (preallocated: fresh pages for a
        large model cost more than the copy itself)."""
        if runner.compiled:
            np.copyto(out, runner.params)
        else:
            for p, off in zip(self.ps, self.offsets):
                out[off:off + p.value.size] = p.value.reshape(-1)
        return out

    def _set_flat(self, runner, flat):
        if runner.compiled:
            runner.params[:] = flat
            runner.store()
        else:
            for p, off in zip(self.ps, self.offsets):
                np.copyto(p.value, flat[off:off + p.value.size].reshape(p.value.shape))

    def _diverged(self, hist, runner, weights, what, value, epoch, step):
        """Restore finite `weights`, reset the optimiser's state (it may hold inf), and say so."""
        self._set_flat(runner, weights)
        self.s1[:] = 0
        self.s2[:] = 0
        self.t = 0
        kind = "infinite" if math.isinf(value) else "NaN"
        hist.diverged = True
        hist.message = (f"Training diverged in epoch {epoch}, step {step}: the {what} became {kind}. "
                        f"The last finite weights were restored; try a lower learning rate than "
                        f"eta={self.optimiser.eta:g}.")

    @staticmethod
    def _many_epochs(runner):
        """Whether whole epochs can run in one call (the compiled path; the tape goes step by step)."""
        return runner.compiled

    def _layer_grads(self, runner, index):
        """Copies of the latest gradients of trainable layer `index`'s parameters."""
        if index is None or not 0 <= index < len(self.layers):
            return None
        return tuple(runner.grad(i) for i in self.layers[index][2])

    def _grad_norms(self, runner):
        if runner.compiled:
            return [float(x) for x in runner.norms]
        return [float(np.sqrt(np.dot(runner.grads[lo:hi], runner.grads[lo:hi]))) for lo, hi, _ in self.layers]

    def _arrays(self, dataset, validation):
        """((X, Y), (X_val, Y_val)) in the model's dtype, targets shaped for its outputs."""
        train, val = dataset.split(validation, seed=self.seed)  # validation 0: all, and an empty part
        if len(train) == 0:
            raise DataError("there is no data to train on")
        width = self._output_width(dataset)
        return [(np.ascontiguousarray(part.X, dtype=self.dtype),
                 np.ascontiguousarray(part.targets(width, self.dtype))) for part in (train, val)]

    # ---- the epoch loop ----
    def fit(self, dataset, epochs, validation=0.2, on_progress=None, should_stop=None, should_pause=None):
        """Train for `epochs` on `dataset`, holding out the `validation` fraction (seeded split).

        `on_progress(Progress)` is called at most every 30 ms and once at the end;
        `should_stop()` ends training after the current chunk (~20 ms of work);
        while `should_pause()` is true the trainer sleeps (still honouring `should_stop`).
        Returns a History; the model's parameters hold the trained weights.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        (X, Y), (Xv, Yv) = self._arrays(dataset, validation)
        has_val = len(Xv) > 0
        classify = dataset.task == "classification"
        runner = self._make_runner()
        hist = History(path=self.path, reason="" if self.verdict else self.verdict.reason)
        n, batch = len(X), self.batch_size
        steps_per_epoch = -(-n // batch)
        kind, hp = self.optimiser.kind, self.optimiser.hyperparameters()
        stop = lambda: bool(should_stop and should_stop())  # noqa: E731
        began = time.perf_counter()
        rep = {"time": -math.inf, "seen": 0, "pending": [], "spacing": 0.0}
        seen, val_loss, accuracy = 0, math.nan, math.nan
        # The NaN guard's snapshots: `good` holds weights whose loss was finite; `start` the
        # weights at the start of a chunk, when that chunk took one. Snapshots and reports are
        # spaced so that neither costs more than a few percent of the training time.
        good = self._get_flat(runner, np.empty(self.n_params, dtype=self.dtype))
        start, snapped, snap_cost, snap_time = np.empty_like(good), False, 0.0, -math.inf
        losses = np.zeros(1)
        chunk = 1  # steps per call; grows until a call takes about CHUNK_SECONDS

        def report(epoch, step, running, final=False):
            now = time.perf_counter()
            if on_progress is None or (not final and now - rep["time"] < max(REPORT_SECONDS, rep["spacing"])):
                return
            if runner.compiled:
                runner.store()  # the receiver may look at the model's weights
            rate = (seen - rep["seen"]) / max(now - rep["time"], 1e-9) if rep["time"] > -math.inf else \
                seen / max(now - began, 1e-9)
            on_progress(Progress(epoch, step, steps_per_epoch, seen, float(running), val_loss, accuracy,
                                 self._grad_norms(runner), rate, hist.epochs_done, rep["pending"],
                                 self._layer_grads(runner, self.watch_layer), final))
            done_at = time.perf_counter()
            rep.update(time=done_at, seen=seen, pending=[], spacing=REPORT_SPACING * (done_at - now))

        def halted():
            """Sleep while paused; True (and noted in the history) once asked to stop."""
            while should_pause and should_pause() and not stop():
                time.sleep(PAUSE_POLL)
            hist.stopped = stop()
            return hist.stopped

        def snapshot():
            """Copy the weights into `start` if it is time for a snapshot; whether it was."""
            nonlocal snap_time, snap_cost
            if time.perf_counter() - snap_time < SNAPSHOT_SPACING * snap_cost:
                return False
            snap_time = time.perf_counter()
            self._get_flat(runner, start)
            snap_cost = time.perf_counter() - snap_time
            return True

        def finished(first, trained, vals, accs):
            """Epochs `first`, `first + 1`, ... are done: into the history and the next report."""
            hist.train_loss += trained
            hist.val_loss += vals
            hist.accuracy += accs
            rep["pending"] += zip(range(first, first + len(trained)), trained, vals, accs)

        epoch = step = 0
        total, count = 0.0, 0
        with blas_threads(self.blas_threads):
            try:
                while epoch < epochs:
                    whole = min(chunk // steps_per_epoch, epochs - epoch) if self._many_epochs(runner) else 0
                    if whole >= 2:  # several whole epochs fit in a chunk: one compiled call runs them
                        if halted():
                            break
                        perms = np.stack([self._rng.permutation(n) for _ in range(whole)])
                        if losses.size < whole * steps_per_epoch:
                            losses = np.zeros(2 * whole * steps_per_epoch)
                        snapped = snapshot()
                        summary = np.zeros((whole, 3))
                        t0 = time.perf_counter()
                        done_epochs, step, finite = runner.run_epochs(X, Y, perms, self.s1, self.s2, kind, hp,
                                                                      self.t, losses, Xv, Yv, summary)
                        elapsed = time.perf_counter() - t0
                        done = done_epochs * steps_per_epoch + (step if done_epochs < whole else 0)
                        partial = int(np.minimum(batch, n - np.arange(step) * batch).sum()) \
                            if done_epochs < whole else 0
                        seen += done_epochs * n + partial
                        self.t += done
                        hist.steps += done
                        # whole columns at once: this thread holds the GIL here, the GUI is waiting
                        trained = summary[:done_epochs, 0].tolist()
                        vals = summary[:done_epochs, 1].tolist() if has_val else [math.nan] * done_epochs
                        accs = (summary[:done_epochs, 2] / len(Xv)).tolist() if has_val and classify else \
                            [math.nan] * done_epochs
                        finished(epoch + 1, trained, vals, accs)
                        epoch += done_epochs
                        if done_epochs:
                            val_loss, accuracy = vals[-1], accs[-1]
                        total, count = (hist.train_loss[-1] * n, n) if done_epochs else (0.0, 0)
                        if done_epochs < whole:
                            epoch += 1
                            failed = step < steps_per_epoch  # a loss, else the weights, went non-finite
                            self._diverged(hist, runner, start if snapped and done > 0 else good,
                                           "loss" if failed else "weights",
                                           losses[done_epochs * steps_per_epoch + step] if failed else math.nan,
                                           epoch, step + 1)
                            break
                        if snapped:
                            good, start = start, good
                        chunk = _next_chunk(done, elapsed)
                        report(epoch, step, hist.train_loss[-1])
                        continue
                    epoch += 1
                    perm = self._rng.permutation(n)
                    step, total, count = 0, 0.0, 0
                    while step < steps_per_epoch:
                        if halted():
                            break
                        k = min(chunk, steps_per_epoch - step)
                        if losses.size < k:
                            losses = np.zeros(max(k, 2 * losses.size))
                        snapped = snapshot()
                        t0 = time.perf_counter()
                        done, finite = runner.run(X, Y, perm, step, k, self.s1, self.s2, kind, hp, self.t,
                                                  losses[:k])
                        elapsed = time.perf_counter() - t0
                        sizes = np.minimum(batch, n - (step + np.arange(done)) * batch)  # the last batch is short
                        total += float(np.dot(losses[:done], sizes))
                        count += int(sizes.sum())
                        seen += int(sizes.sum())
                        self.t += done
                        hist.steps += done
                        step += done
                        if done < k or not finite:
                            # `start`'s first step had a finite loss if this chunk took a step at all
                            self._diverged(hist, runner, start if snapped and done > 0 else good,
                                           "loss" if done < k else "weights", losses[done] if done < k else math.nan,
                                           epoch, step + 1)
                            break
                        if snapped:
                            good, start = start, good
                        chunk = _next_chunk(k, elapsed)
                        report(epoch, step, total / max(count, 1))
                    if hist.diverged or hist.stopped:
                        break
                    if has_val:
                        val_loss, correct = runner.evaluate(Xv, Yv)
                        accuracy = correct / len(Xv) if classify else math.nan
                    finished(epoch, [float(total / max(count, 1))], [val_loss], [accuracy])
                    report(epoch, step, hist.train_loss[-1])
            finally:  # whatever ends the loop (a raising callback too), the model gets the weights
                if runner.compiled:
                    runner.store()
        hist.seconds = time.perf_counter() - began
        report(epoch, step, total / max(count, 1) if count else math.nan, final=True)
        return hist
