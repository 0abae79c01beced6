"""Training: epochs of shuffled minibatches, progress reports, stop/pause, and a NaN guard.

    >>> from engine import datasets
    >>> from engine.nn.layers import Chain, Dense
    >>> from engine.nn.activations import tanh, sigmoid
    >>> from engine.nn.optimisers import Adam
    >>> model = Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, sigmoid, rng=1))
    >>> history = Trainer(model, "mse", Adam(0.01), batch_size=16, compiled=False).fit(datasets.circle(200), epochs=5)
    >>> history.path, history.epochs_done, history.train_loss[-1] < history.train_loss[0]
    ('eager', 5, True)

Two runners train: the eager tape (`engine.training.eager`: numpy, any model, no compilation) and the
compiled interpreter (`engine.training.compiled`: a Chain of Dense layers and activations with a known
loss). With `compiled=None` a compilable Chain starts on the tape at once while the kernels build in the
background (`engine.training.warmup`), and moves to the compiled runner at the next chunk once they are
ready: the same weights, optimiser state, shuffling and history, so the results do not depend on which
path ran (to rounding).

Work runs in chunks of about 20 ms; between chunks the trainer checks `should_stop` and `should_pause`,
and reports `Progress` to `on_progress` at most every 30 ms. `interrupt()` (from any thread) ends the
running chunk at once, between two operations, so a stop or pause lands within milliseconds however big
the model. No threads here besides the kernel build: the app runs `fit` on its own worker thread.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..autodiff.params import params
from ..autodiff.tracked import no_grad
from ..datasets.dataset import DataError
from ..datasets.standardise import Standardiser
from ..nn.layers import Chain, Dense
from ..nn.losses import LOSSES
from ..nn.optimisers import Optimiser
from .blas import blas_threads
from .eager import BAD_LOSS, BAD_WEIGHTS, INTERRUPTED, EagerRunner
from .history import STATS, EpochTable, History, Progress, layer_columns
from .split import split
from .verdict import Verdict, can_compile
from .warmup import KERNELS

__all__ = ["Trainer"]

CHUNK_SECONDS = 0.02   # work between checks of stop/pause
REPORT_SECONDS = 0.03  # at most this often a progress report
PAUSE_POLL = 0.01
# A report (weights copied out, the callback) or a NaN-guard snapshot waits at least this many
# times its own last cost: both stay under ~5-10% of the time even for a 3M-weight model.
REPORT_SPACING = 10
SNAPSHOT_SPACING = 20
SNAPSHOT_SECONDS = 0.25  # and at most this often: a copy per 20 ms chunk cost ~1% of an mnist-size step
BUILD_AFTER = 0.3     # seconds on the tape before a run starts building the compiled kernels itself
EXPLODING = 10.0  # a chunk whose loss passes this many times the best epoch's is not a state to go back to
BUILDING = "the compiled kernels are still being built on this machine (once, in the background)"


def _next_chunk(steps, elapsed):
    """Steps for the next call: about CHUNK_SECONDS of work, growing at most eightfold a call."""
    return max(1, min(8 * steps, int(CHUNK_SECONDS * steps / max(elapsed, 1e-9))))


def _blocks(model):
    if isinstance(model, Chain):
        return [b for layer in model.layers for b in _blocks(layer)]
    return [model]


class Trainer:
    """Trains `model` on a Dataset: `Trainer(model, "crossentropy", Adam(), batch_size=32, seed=0)`.

    `loss` is a name from engine.nn.losses, one of its functions, or any `loss(ŷ, y)` callable (which
    trains eagerly). `compiled=None` picks the path (and hands over from the tape to the kernels when they
    are built), `compiled=False` forces the eager tape, `compiled=True` insists on the compiled path (waiting
    for its kernels; ValueError if the model cannot compile).

    `seed` draws both the validation split and the shuffling. With `standardise=True` the features are
    standardised with statistics of the training split, fitted at the first `fit` and kept (`standardiser`);
    pass a `Standardiser` instead to use given statistics (a trained model file's).

    `Progress.grad_norms` has one entry per trainable layer (each block with parameters, in order); set
    `watch_layer` to an index into that list to get the layer's current gradient arrays in every
    `Progress.layer_grads`. Optimiser state and the shuffling generator carry over from one `fit` to the next
    (a divergence resets the optimiser state). `history` is the latest fit's History, kept up to date while it
    runs, so what a run learnt survives an exception in it.

    `blas_threads=1` runs large layers' BLAS products on one thread during `fit`: slower on an idle machine,
    but steady when a GUI thread or another process wants a core too. With `report_weights` every Progress
    carries copies of the weights (taken straight from the runner: the one copy a live view needs);
    without, the model's parameters are brought up to date before each report instead.
    """

    def __init__(self, model, loss, optimiser, batch_size=32, seed=0, watch_layer=None, compiled=None,
                 blas_threads=None, standardise=False, report_weights=False):
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
        self.blas_threads, self.report_weights = blas_threads, report_weights
        self.standardiser = standardise if isinstance(standardise, Standardiser) else None
        self._standardise = bool(standardise)
        self._rng = np.random.default_rng(seed)
        self.ps = list(params(model))
        if not self.ps:
            raise ValueError("the model has no parameters to train")
        for p in self.ps:
            if not p.value.flags.c_contiguous:  # the runners update flat views in place
                p.value = np.ascontiguousarray(p.value)
        self.dtype = self.ps[0].value.dtype
        self.offsets = list(np.cumsum([0] + [p.value.size for p in self.ps[:-1]]).astype(int))
        self.n_params = int(sum(p.value.size for p in self.ps))
        self.s1, self.s2 = optimiser.new_state(self.n_params, self.dtype)
        self.t = 0  # optimiser steps taken
        self.epoch = 0  # epochs trained (across fits): where the learning-rate schedule is; a caller may set it
        self.layers = self._trainable_layers()
        self.verdict = can_compile(model, loss)
        self.compiled = compiled
        if compiled is False:  # e.g. to check the compiled path against the tape
            self.verdict = Verdict(False, "the eager path was asked for")
        elif compiled and not self.verdict:
            raise ValueError(f"this model cannot train on the compiled path: {self.verdict.reason}")
        self.history: History | None = None
        self._control = np.zeros(1, dtype=np.int64)  # the running chunk's stop signal (see interrupt)
        self._hold: int | None = None  # see hold_after
        self._hold_steps: int | None = None  # see hold_after_steps
        self._pace: float | None = None  # see set_pace
        self._runners: dict[bool, object] = {}

    @property
    def path(self):
        """The path `fit` takes now: "compiled" once its kernels are built, else "eager"."""
        return "compiled" if self.verdict and (self.compiled or self._kernels_ready()) else "eager"

    def interrupt(self):
        """End the running chunk at once (thread-safe). `fit` then checks `should_stop`/`should_pause` as after
        any chunk, so call this after setting what those read; a spurious call costs nothing."""
        self._control[0] = 1

    def optimiser_state(self) -> dict:
        """Copies of the optimiser's state: `{"step": t, "s1": ..., "s2": ...}` (flat, one number per weight in
        params(model) order; empty arrays where the rule keeps less). save_model stores it."""
        return {"step": int(self.t), "s1": self.s1.copy(), "s2": self.s2.copy()}

    def set_optimiser_state(self, state: dict) -> bool:
        """Continue from a saved optimiser state (a loaded model file's); False, and nothing changed, when it does
        not fit this optimiser and model (then training starts the optimiser afresh, as before)."""
        s1 = np.asarray(state.get("s1", np.zeros(0)))
        s2 = np.asarray(state.get("s2", np.zeros(0)))
        step = state.get("step", 0)
        if (s1.size, s2.size) != (self.s1.size, self.s2.size) or not isinstance(step, int | np.integer) or step < 0:
            return False
        self.s1[:], self.s2[:] = s1, s2
        self.t = int(step)
        return True

    def current_rate(self) -> float:
        """The learning rate the schedule gives the next epoch (the base rate without a schedule)."""
        return self.optimiser.rate(self.epoch)

    def hold_after(self, epochs: int | None):
        """Pause the running fit once it has finished `epochs` epochs (counted in that fit; None: no hold).
        Chunks end at that epoch's boundary, so it trains exactly that far (thread-safe)."""
        self._hold = None if epochs is None else int(epochs)

    def hold_after_steps(self, steps: int | None):
        """Pause the running fit once it has taken `steps` minibatch steps (counted in that fit; None: no hold):
        a Step of one minibatch (thread-safe)."""
        self._hold_steps = None if steps is None else int(steps)

    def set_pace(self, steps_per_second: float | None):
        """Slow motion: at most `steps_per_second` minibatch steps a second, and a report after every step while
        that is slower than the report interval; None (the default) trains at full speed, exactly as without it.
        Thread-safe: a running fit takes the new pace at its next chunk."""
        self._pace = float(steps_per_second) if steps_per_second else None

    # ---- setting up ----
    def _trainable_layers(self):
        """(lo, mid, hi, leaf indices) per block with parameters: its slice of the flat layout, where its first
        leaf (the weight) ends, and its leaves' indices into ps."""
        where = {id(p): off for p, off in zip(self.ps, self.offsets)}
        index_of = {id(p): i for i, p in enumerate(self.ps)}
        layers, seen = [], set()
        for block in _blocks(self.model):
            leaves = [p for p in (block.parameters() if hasattr(block, "parameters") else []) if id(p) not in seen]
            if leaves:
                seen.update(id(p) for p in leaves)
                lo = where[id(leaves[0])]
                layers.append((lo, lo + leaves[0].value.size, lo + sum(p.value.size for p in leaves),
                               [index_of[id(p)] for p in leaves]))
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

    def split(self, dataset, validation=0.2):
        """(train, val) Datasets as `fit` splits and standardises them (see engine.training.split)."""
        parts = split(dataset, validation, self.seed, self.standardiser or self._standardise)
        self.standardiser = parts.standardiser  # fitted at the first split, then kept
        return parts.train, parts.val

    def _arrays(self, dataset, validation):
        """((X, Y), (X_val, Y_val)) in the model's dtype, targets shaped for its outputs."""
        width = self._output_width(dataset)
        return [(np.ascontiguousarray(part.X, dtype=self.dtype),
                 np.ascontiguousarray(part.targets(width, self.dtype))) for part in self.split(dataset, validation)]

    def _runner(self, compiled: bool):
        """The runner of one path (made once and kept), holding the model's current weights."""
        runner = self._runners.get(compiled)
        if runner is None:
            if compiled:
                from .compiled import CompiledRunner, trace  # loads numba: only the compiled path pays for it

                runner = CompiledRunner(trace(self.model, self.loss, self.batch_size), self.batch_size)
            else:
                runner = EagerRunner(self.model, self.loss, self.ps, self.offsets, self.batch_size,
                                     [layer[:3] for layer in self.layers])
            self._runners[compiled] = runner
        runner.load()  # the weights may have changed since it last ran
        return runner

    def _wants_compiled(self, running_for: float = 0.0) -> bool:
        """Whether the next chunk should run compiled. A run that has lasted BUILD_AFTER seconds on the tape
        starts the kernel build if nobody has (a short run is over before the build would pay off)."""
        if not self.verdict:
            return False
        formulas = self.verdict.formulas  # a Chain with formula activations needs their kernels too
        if self.compiled:
            if not KERNELS.wait(self.dtype, formulas=formulas):
                raise RuntimeError(f"the compiled kernels could not be built: {KERNELS.why(self.dtype, formulas)}")
            return True
        if running_for >= BUILD_AFTER:
            KERNELS.start(self.dtype, formulas)
        return self._kernels_ready()

    def _kernels_ready(self) -> bool:
        return KERNELS.ready(self.dtype) and KERNELS.formulas_ready(self.dtype, self.verdict.formulas)

    # ---- reporting helpers ----
    def _layer_grads(self, runner, index):
        """Copies of the latest gradients of trainable layer `index`'s parameters."""
        if index is None or not 0 <= index < len(self.layers):
            return None
        return tuple(runner.grad(i) for i in self.layers[index][3])

    def _grad_norms(self, runner):
        grads = runner.latest_grads()  # a runner's layout: each leaf where the Trainer's has it, so the same norms
        return [float(np.sqrt(np.dot(grads[lo:hi], grads[lo:hi]))) for lo, _, hi, _ in self.layers]

    def _reset_optimiser(self):
        self.s1[:] = 0
        self.s2[:] = 0
        self.t = 0

    # ---- the epoch loop ----
    def fit(self, dataset, epochs, validation=0.2, on_progress=None, should_stop=None, should_pause=None):
        """Train for `epochs` on `dataset`, holding out the `validation` fraction (seeded split).

        `on_progress(Progress)` is called at most every 30 ms and once at the end;
        `should_stop()` ends training after the current chunk (~20 ms of work, or at once after `interrupt()`);
        while `should_pause()` is true the trainer sleeps (still honouring `should_stop`).
        Returns a History; the model's parameters hold the trained weights.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        return _Run(self, dataset, int(epochs), validation, on_progress, should_stop, should_pause).go()


class _Run:
    """One `fit`: its arrays, its position, its bookkeeping; `go()` is the loop."""

    def __init__(self, trainer, dataset, epochs, validation, on_progress, should_stop, should_pause):
        self.tr = trainer
        (self.X, self.Y), (self.Xv, self.Yv) = trainer._arrays(dataset, validation)
        self.classify = dataset.task == "classification"
        self.epochs, self.on_progress = epochs, on_progress
        self.should_stop, self.should_pause = should_stop, should_pause
        self.n, self.batch = len(self.X), trainer.batch_size
        self.steps_per_epoch = -(-self.n // self.batch)
        self.last_size = self.n - (self.steps_per_epoch - 1) * self.batch
        self.total = epochs * self.steps_per_epoch
        self.kind, self.hp = trainer.optimiser.kind, trainer.optimiser.hyperparameters()
        reason = "" if trainer.verdict else trainer.verdict.reason
        names = [f"layer {i + 1}" for i in range(len(trainer.layers))]
        self.hist = trainer.history = History(path=trainer.path, reason=reason,
                                              gradients=EpochTable(layer_columns(names)))
        self.epoch0 = trainer.epoch  # the schedule's epoch when this fit began
        self.perms: dict[int, np.ndarray] = {}  # epoch -> its shuffle, drawn once, in epoch order
        self.stacked = (None, None)  # ((first, last), the shuffles of those epochs stacked) last handed out
        self.done = 0           # steps done in this fit
        self.partial = [0.0, 0]  # the current epoch's weighted loss sum and sample count so far
        self.seen = 0
        self.val_loss = self.accuracy = math.nan
        self.best = math.inf     # the lowest epoch loss so far
        self.began = time.perf_counter()
        self.rep = {"time": -math.inf, "seen": 0, "pending": [], "stats": [], "spacing": 0.0}
        self.chunks = {False: 1, True: 1}  # steps per call, per path: grows until a call takes ~CHUNK_SECONDS
        self.snap_cost, self.snap_time = 0.0, -math.inf

    # ---- the loop ----
    def go(self):
        tr = self.tr
        runner = tr._runner(tr._wants_compiled())
        runner.begin(tr.s1, tr.s2)
        self.good = runner.save_weights(np.empty(tr.n_params, tr.dtype))
        self.start, self.snapped = np.empty_like(self.good), False
        try:
            with blas_threads(tr.blas_threads):
                while self.done < self.total:
                    tr._control[0] = 0  # before the checks: an interrupt from now on ends the coming chunk
                    if self._halted(runner):
                        break
                    if not runner.compiled and tr._wants_compiled(time.perf_counter() - self.began):
                        runner = self._hand_over(runner)
                    if not self._chunk(runner):
                        break
        finally:  # whatever ends the loop (a raising callback too), the model gets the weights
            runner.end(tr.s1, tr.s2)
            runner.store()
        self.hist.seconds = time.perf_counter() - self.began
        self._report(runner, final=True)
        return self.hist

    def _held(self):
        hold, steps = self.tr._hold, self.tr._hold_steps
        return hold is not None and self.hist.epochs_done >= hold or steps is not None and self.done >= steps

    def _halted(self, runner):
        """Sleep while paused (or held); True (and noted in the history) once asked to stop."""
        stop = lambda: bool(self.should_stop and self.should_stop())  # noqa: E731
        told = False
        while (self.should_pause and self.should_pause() or self._held()) and not stop():
            if self._held() and not told:
                self._report(runner, force=True)  # where the hold landed, for whoever waits on it
                told = True
            time.sleep(PAUSE_POLL)
        self.hist.stopped = stop()
        return self.hist.stopped

    def _hand_over(self, eager):
        """Carry on compiled: the same weights, optimiser state and 'previous gradient'."""
        tr = self.tr
        eager.end(tr.s1, tr.s2)
        eager.store()
        compiled = tr._runner(True)
        compiled.begin(tr.s1, tr.s2)
        compiled.take_previous(eager.previous)
        self.good = compiled.save_weights(np.empty(tr.n_params, tr.dtype))  # snapshots are in a runner's layout
        self.start = np.empty_like(self.good)
        self.hist.path, self.hist.switched_at = "compiled", tr.t
        return compiled

    def _perms(self, first, last):
        """The shuffles of epochs first..last (of this fit), drawn in epoch order the first time they are needed."""
        for epoch in range(first, last + 1):
            if epoch not in self.perms:
                self.perms[epoch] = self.tr._rng.permutation(self.n)
        for old in [e for e in self.perms if e < first]:
            del self.perms[old]
        if self.stacked[0] != (first, last):  # chunks of one epoch share it: stacking copied n rows a chunk
            self.stacked = ((first, last), np.stack([self.perms[e] for e in range(first, last + 1)]))
        return self.stacked[1]

    def _snapshot(self, runner):
        """Copy the weights into `start` if it is time for a snapshot; whether it was."""
        if time.perf_counter() - self.snap_time < max(SNAPSHOT_SPACING * self.snap_cost, SNAPSHOT_SECONDS):
            return False
        self.snap_time = time.perf_counter()
        runner.save_weights(self.start)
        self.snap_cost = time.perf_counter() - self.snap_time
        return True

    def _chunk(self, runner):
        """Run one chunk of steps; False when the run must end (divergence)."""
        tr = self.tr
        k = min(self.chunks[runner.compiled], self.total - self.done)
        if tr._hold is not None and tr._hold * self.steps_per_epoch > self.done:
            k = min(k, tr._hold * self.steps_per_epoch - self.done)  # end exactly at the hold
        if tr._hold_steps is not None and tr._hold_steps > self.done:
            k = min(k, tr._hold_steps - self.done)
        pace = tr._pace
        if pace is not None:  # slow motion: a chunk is CHUNK_SECONDS of the pace's steps (a few a second: one)
            k = min(k, max(1, int(pace * CHUNK_SECONDS)))
        first, offset = divmod(self.done, self.steps_per_epoch)
        last = (self.done + k - 1) // self.steps_per_epoch
        perms = self._perms(first, last)
        spanned = last - first + 1
        losses = np.zeros(k)
        rates = np.array([tr.optimiser.rate(self.epoch0 + e) for e in range(first, last + 1)])
        epochs = np.full((spanned, 2), math.nan)
        stats = np.full((spanned, len(tr.layers), len(STATS)), math.nan)
        self.snapped = self._snapshot(runner)
        began = time.perf_counter()
        got, status = runner.train(self.X, self.Y, perms, rates, offset, k, self.kind, self.hp, tr.t, self.Xv, self.Yv,
                                   losses, epochs, stats, tr._control)
        elapsed = time.perf_counter() - began
        bound = EXPLODING * self.best
        start_was_calm = got > 0 and math.isfinite(losses[0]) and losses[0] <= bound  # before _account moves best
        calm = self._account(got, losses[:got], epochs, stats, first)
        if status == INTERRUPTED:
            return True  # a stop or a pause: the loop looks at which (the unfinished step is run again)
        if status in (BAD_LOSS, BAD_WEIGHTS):
            self._diverged(runner, status, losses[got] if status == BAD_LOSS else math.nan, start_was_calm)
            return False
        if self.snapped and calm:
            self.good, self.start = self.start, self.good
        self.chunks[runner.compiled] = _next_chunk(k, elapsed)
        self._report(runner, force=pace is not None and pace * REPORT_SECONDS < 1)  # slow motion: every step seen
        if pace is not None:
            self._keep_pace(began + k / pace)
        return True

    def _keep_pace(self, until):
        """Slow motion: sleep until `until` (perf_counter), waking early for a stop or pause (interrupt) or a new pace."""
        tr, pace = self.tr, self.tr._pace
        while not tr._control[0] and tr._pace == pace and (left := until - time.perf_counter()) > 0:
            time.sleep(min(PAUSE_POLL, left))

    def _account(self, got, losses, epochs, stats, first):
        """Book `got` finished steps: samples, per-epoch losses, the epochs that ended (into the history and the
        next report). Returns whether every loss stayed finite and within EXPLODING times the best epoch's: a
        chunk that did leaves its starting weights worth going back to."""
        tr, spe, hist = self.tr, self.steps_per_epoch, self.hist
        steps = self.done + np.arange(got)
        sizes = np.where(steps % spe == spe - 1, self.last_size, self.batch)  # an epoch's last batch may be short
        weighted = losses * sizes
        bound = EXPLODING * self.best if math.isfinite(self.best) else math.inf
        calm = bool(np.isfinite(losses).all()) and (got == 0 or float(losses.max()) <= bound)
        self.done += got
        tr.t += got
        hist.steps += got
        self.seen += int(sizes.sum())
        lo = 0
        for end in np.flatnonzero(steps % spe == spe - 1):
            train = (self.partial[0] + float(weighted[lo:end + 1].sum())) / (self.partial[1] + int(sizes[lo:end + 1].sum()))
            row = int(steps[end] // spe) - first
            val, correct = epochs[row]
            has_val = len(self.Xv) > 0
            self.val_loss = float(val) if has_val else math.nan
            self.accuracy = correct / len(self.Xv) if has_val and self.classify else math.nan
            hist.train_loss.append(train)
            hist.val_loss.append(self.val_loss)
            hist.accuracy.append(self.accuracy)
            hist.gradients.add(hist.epochs_done, stats[row].ravel())
            self.best = min(self.best, train)
            tr.epoch += 1
            self.rep["pending"].append((hist.epochs_done, train, self.val_loss, self.accuracy))
            self.rep["stats"].append(np.concatenate([[hist.epochs_done], stats[row].ravel()]))
            self.partial = [0.0, 0]
            lo = end + 1
        self.partial[0] += float(weighted[lo:].sum())
        self.partial[1] += int(sizes[lo:].sum())
        return calm

    def _diverged(self, runner, status, value, start_was_calm):
        """Go back to the last weights worth keeping, reset the optimiser's state (it may hold inf), and say so."""
        tr = self.tr
        runner.restore_weights(self.start if self.snapped and start_was_calm else self.good)
        tr._reset_optimiser()
        runner.begin(tr.s1, tr.s2)
        step = self.done % self.steps_per_epoch
        what = "loss" if status == BAD_LOSS else "weights"
        kind = "infinite" if math.isinf(value) else "NaN"
        self.hist.diverged = True
        self.hist.message = (f"Training diverged in epoch {self.hist.epochs_done + 1}, step {step + 1}: the {what} "
                             f"became {kind}. The last weights whose loss was finite and not exploding were "
                             f"restored; try a lower learning rate than eta={tr.optimiser.eta:g}.")

    def _report(self, runner, final=False, force=False):
        rep, now = self.rep, time.perf_counter()
        if self.on_progress is None or (not final and not force and
                                        now - rep["time"] < max(REPORT_SECONDS, rep["spacing"])):
            return
        tr = self.tr
        weights = runner.weight_copies() if tr.report_weights else None
        if weights is None:
            runner.store()  # the receiver may look at the model's weights
        # the final report gives the whole fit's rate (nothing may have run since the report before it)
        rate = (self.seen - rep["seen"]) / max(now - rep["time"], 1e-9) if rep["time"] > -math.inf and not final \
            else self.seen / max(now - self.began, 1e-9)
        epoch, step = divmod(self.done, self.steps_per_epoch)
        if step == 0 and self.done:
            epoch, step = epoch - 1, self.steps_per_epoch  # just finished an epoch
        running = self.partial[0] / self.partial[1] if self.partial[1] else \
            (self.hist.train_loss[-1] if self.hist.train_loss else math.nan)
        stats = np.array(rep["stats"]) if rep["stats"] else None
        self.on_progress(Progress(epoch + 1, step, self.steps_per_epoch, self.seen, float(running), self.val_loss,
                                  self.accuracy, tr._grad_norms(runner), rate, self.hist.epochs_done, rep["pending"],
                                  tr._layer_grads(runner, tr.watch_layer), final,
                                  path="compiled" if runner.compiled else "eager",
                                  reason=self.hist.reason or ("" if runner.compiled or not tr.verdict else BUILDING),
                                  new_stats=stats, weights=weights))
        done_at = time.perf_counter()
        rep.update(time=done_at, seen=self.seen, pending=[], stats=[], spacing=REPORT_SPACING * (done_at - now))
