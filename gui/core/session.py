"""The training session: the model being trained, its data, split, standardiser, trainer and record.

One per window, and no Qt: the training dock's widgets observe it (its `Event`s) and call its methods; the
background work it hands out (`begin`) runs on a worker thread that the Qt layer provides (gui/jobs.py).

>>> from engine import ChainSpec, LayerSpec, datasets
>>> session = TrainingSession()
>>> session.set_data(DataChoice("xor", datasets.xor(80), {"source": "generator", "name": "xor", "params": {}}))
>>> session.set_spec(ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 1, "sigmoid"))))
>>> session.set_settings(Settings(loss="binarycrossentropy", epochs=5))
>>> work = session.begin(5)                   # the run's work, for a background job
>>> history = work(Context())                 # here on this thread, as a test or script may
>>> session.finish(history); session.epochs_done, session.state
(5, 'idle')

States: idle → running ⇄ paused → stopping → idle. The session keeps the model between runs, so Train
continues from the current weights; `reset_weights` draws new ones; a new architecture a new model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from engine import ChainSpec, Dataset, Standardiser, Trainer, data, no_grad, params
from engine.nn import OPTIMISERS, Adam, Schedule, add_features, dataset_with_features
from engine.training import EpochTable, History, Progress, split

from .datarefs import reference_for
from .endless import RunCounter, RunHistory, endless
from .events import Event
from .record import TrainingRecord

STATES = ("idle", "running", "paused", "stopping")
ACTIVE = ("running", "paused", "stopping")  # a run exists: the Chain is locked


@dataclass(frozen=True)
class Settings:
    """What the Training group sets: how to train, not what."""
    loss: str = "mse"
    optimiser: str = "Adam"
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    batch_size: int = 32
    epochs: int = 300
    seed: int = 0          # draws the weights, the validation split and the shuffling
    validation: float = 0.2
    l1: float = 0.0        # regularisation: the L1 penalty, and L2 (the optimiser's weight decay)
    l2: float = 0.0
    schedule: str = "constant"  # the learning rate's schedule (engine.nn.schedules), its pace and its shape
    schedule_epochs: int = 100
    schedule_factor: float = 0.5
    schedule_floor: float = 0.0

    def make_schedule(self) -> Schedule:
        return Schedule(self.schedule, self.schedule_epochs, self.schedule_factor, self.schedule_floor)

    def make_optimiser(self):
        extra = {"weight_decay": self.l2, "l1": self.l1, "schedule": self.make_schedule()}
        if self.optimiser == "Adam":
            return Adam(self.lr, (self.beta1, self.beta2), **extra)
        return OPTIMISERS[self.optimiser](self.lr, **extra)

    def to_model_file(self) -> dict:
        """The `settings` entry of a model file."""
        return {"loss": self.loss, "optimiser": self.make_optimiser().to_dict(), "batch_size": self.batch_size,
                "epochs": self.epochs, "seed": self.seed, "validation": self.validation}

    def from_model_file(self, s: dict) -> Settings:
        """These settings with what a model file's `settings` says (already checked by load_model)."""
        out = {}
        if s.get("loss"):
            out["loss"] = s["loss"]
        opt = s.get("optimiser") or {}
        if opt.get("name") in OPTIMISERS:
            out["optimiser"] = opt["name"]
            out["lr"] = float(opt.get("eta", self.lr))
            beta = opt.get("beta") or (self.beta1, self.beta2)
            out["beta1"], out["beta2"] = float(beta[0]), float(beta[1])
            out["l1"], out["l2"] = float(opt.get("l1", 0.0)), float(opt.get("weight_decay", 0.0))
            schedule = Schedule(**opt.get("schedule", {}))  # checked by load_model; absent: constant
            out.update(schedule=schedule.kind, schedule_epochs=schedule.epochs, schedule_factor=schedule.factor,
                       schedule_floor=schedule.floor)
        for key in ("batch_size", "epochs", "seed"):
            if isinstance(s.get(key), int):
                out[key] = s[key]
        if isinstance(s.get("validation"), (int, float)):
            out["validation"] = float(s["validation"])
        return replace(self, **out)


@dataclass(frozen=True)
class DataChoice:
    """A dataset to train on, with what a model file records about where it came from."""
    label: str             # its entry in the dataset list
    dataset: Dataset       # raw features: the session standardises
    reference: dict        # {"source": "generator" | "bundled" | "csv", ...} (gui.core.datarefs)
    standardise: bool = True


class Context:
    """What background work sees of its job: stop and pause requests, and where to report progress.
    The Qt layer's Job passes its own; this one (never stopped, reports dropped) serves scripts and tests."""

    def should_stop(self) -> bool:
        return False

    def should_pause(self) -> bool:
        return False

    def report(self, progress) -> None:
        pass


class TrainingSession:
    """Model, data, split, standardiser, trainer, record and run state, with events for the views."""

    def __init__(self):
        self.settings = Settings()
        self.data: DataChoice | None = None
        self.spec: ChainSpec | None = None
        self.model = None                 # the engine Chain being trained (touched by the worker while running)
        self.record = TrainingRecord()
        self.epochs_done = 0
        self.state = "idle"
        self.fixed: Standardiser | None = None  # a loaded model's statistics: its weights expect them
        self.loaded_weights = False       # weights from a file or put in by hand: worth saving untrained too
        self._saved_state = None
        # engine.training.Split of the current data, or None: `train`, `val` as the Chain takes them (with any derived
        # inputs, standardised), `raw_train`, `raw_val` as the data on screen has them
        self.split = None
        self.last_progress: Progress | None = None
        self.run_start = 0                # epochs done before the current run
        self.watched = 0                  # trainable layer whose gradients the plots show
        self.pace: float | None = None    # slow motion: minibatch steps a second (None: full speed)
        self._counter: RunCounter | None = None  # the current run's epochs, steps and hold
        self._trainer, self._trainer_key = None, None
        self._display, self._display_params = None, []
        self.changed = Event()            # data, split, model or settings changed
        self.state_changed = Event()      # (state)
        self.progressed = Event()         # (Progress) on the GUI thread
        self.finished = Event()           # (History or None) a run ended
        self.message = Event()            # (text) for the status bar
        self.weights_moved = Event()      # set_weights put weights in (the landscape's click): unsaved work

    # ---- what to train, on what, how ----
    def set_data(self, choice: DataChoice) -> None:
        self.data = choice
        if self.fixed is not None and self.fixed.n_features != self.inputs_for(self.spec):
            self.fixed = None
        self._resplit()

    def set_settings(self, settings: Settings) -> None:
        before, self.settings = self.settings, settings
        if (before.seed, before.validation) != (settings.seed, settings.validation):
            self._resplit()  # the seed also draws the validation split
        else:
            self.changed.emit()

    def set_spec(self, spec: ChainSpec | None) -> None:
        """The Chain to train (None while the canvas has problems): a new architecture is a new model."""
        if spec is not None and spec != self.spec:
            self._new_model(spec)
        elif spec is None:
            # the canvas is being edited: keep the model (the same Chain again keeps its weights), but the
            # per-layer views must not show layers that may no longer be there
            self.record.layer_names, self.record.norms, self.record.layer_grads = [], [], None
            self.record.version += 1
            self.changed.emit()

    def reset_weights(self) -> None:
        """New weights from the seed; what training learnt (and its statistics) is dropped."""
        if self.state == "idle" and self.spec is not None:
            self._new_model(self.spec)

    def forget_model(self) -> None:
        """No model at all (the canvas holds no Chain yet): nothing trained is kept."""
        if self.state != "idle":
            return
        self.spec = self.model = self._display = None
        self._display_params, self._trainer, self._trainer_key = [], None, None
        self.epochs_done, self.fixed, self.loaded_weights = 0, None, False
        self.record.reset([], None, self.data is None or self.data.dataset.task == "classification")
        self.changed.emit()

    def set_watched(self, layer: int) -> None:
        self.watched = layer
        if self._trainer is not None:
            self._trainer.watch_layer = layer  # read by the worker at its next report
        self.record.watched, self.record.layer_grads = layer, None
        self.record.version += 1

    def set_pace(self, steps_per_second: float | None) -> None:
        """Slow motion at `steps_per_second` minibatch steps a second, or full speed (None); a running fit follows."""
        self.pace = steps_per_second or None
        if self._trainer is not None:
            self._trainer.set_pace(self.pace)

    def _resplit(self):
        if self.data is None:
            return
        learnt = self.model_dataset
        k = learnt.n_features
        fixed = self.fixed if self.fixed is not None and self.fixed.n_features == k else None
        # standardisation off is the identity's statistics: a model file then says so, as it says any other
        scaler = fixed or self.data.standardise or Standardiser(np.zeros(k), np.ones(k))
        self.split = split(learnt, self.settings.validation, self.settings.seed, scaler)
        if learnt is not self.data.dataset:  # the raw parts are the data on screen (the same seed: the same rows)
            raw = split(self.data.dataset, self.settings.validation, self.settings.seed, False)
            self.split = self.split._replace(raw_train=raw.raw_train, raw_val=raw.raw_val)
        self.record.classify = self.data.dataset.task == "classification"
        self.record.version += 1
        self.changed.emit()

    def _new_model(self, spec: ChainSpec) -> None:
        # fresh weights: statistics from the data on screen (with the spec's derived inputs), once it is built
        resplit = self.fixed is not None or self.features != spec.features
        self.fixed = None
        self.spec, self.model = spec, spec.build(self.settings.seed)
        self.loaded_weights = False   # weights from a file (an ONNX import, say) are worth saving untrained too
        self._saved_state = None      # (optimiser dict, state) of a loaded model, for the next Trainer
        self._display = spec.build(self.settings.seed)
        self._display_params = list(params(self._display))
        self._trainer, self._trainer_key, self.epochs_done = None, None, 0
        names = [f"{i + 1}: {layer.label()}" for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
        self.record.reset(names, self.weights(), self.data is None or self.data.dataset.task == "classification")
        self.watched = min(self.watched, max(len(names) - 1, 0))
        self.record.watched = self.watched
        if resplit:
            self._resplit()
        self.changed.emit()

    # ---- derived ----
    @property
    def standardiser(self) -> Standardiser | None:
        return None if self.split is None else self.split.standardiser

    @property
    def features(self) -> tuple[str, ...]:
        """The derived inputs the Chain computes from 2-D data (engine.nn.FEATURES names)."""
        return self.spec.features if self.spec is not None else ()

    @property
    def model_dataset(self) -> Dataset | None:
        """The data as the Chain takes it: with its derived inputs when it has some and the data is 2-D."""
        if self.data is None:
            return None
        ds = self.data.dataset
        return dataset_with_features(ds, self.features) if self.features and ds.n_features == 2 else ds

    def inputs_for(self, spec: ChainSpec | None) -> int | None:
        """How many inputs a Chain described by `spec` takes from the data on screen (None without data)."""
        if self.data is None:
            return None
        k = self.data.dataset.n_features
        return k + len(spec.features) if spec is not None and spec.features and k == 2 else k

    @property
    def dataset(self) -> Dataset | None:
        return None if self.data is None else self.data.dataset

    def weights(self) -> list:
        return [np.array(p.value, copy=True) for p in params(self.model)] if self.model is not None else []

    def trainer(self) -> Trainer:
        """The Trainer for what is on screen: kept while it stays as it is, so a run continues the last one's
        shuffling and optimiser state; a new one when the model, a setting or the statistics change.
        Raises ValueError (or TypeError) when the settings do not suit the model."""
        s = self.settings
        key = (s.loss, s.optimiser, s.lr, (s.beta1, s.beta2) if s.optimiser == "Adam" else None, s.batch_size,
               s.seed, id(self.model), id(self.standardiser), s.l1, s.l2, s.make_schedule())
        if self._trainer is None or key != self._trainer_key:
            self._trainer = Trainer(self.model, s.loss, s.make_optimiser(), batch_size=s.batch_size, seed=s.seed,
                                    watch_layer=self.watched, standardise=self.standardiser or False,
                                    blas_threads=1, report_weights=True)
            self._trainer_key = key
            self._trainer.set_pace(self.pace)
            if self._saved_state is not None:  # a loaded model's optimiser: continue it if it is the same one
                optimiser, state = self._saved_state
                if optimiser == self._trainer.optimiser.to_dict():
                    self._trainer.set_optimiser_state(state)
                self._saved_state = None
        return self._trainer

    def problem(self) -> str | None:
        """Why Train cannot start now, for a person; None when it can."""
        if self.state != "idle":
            return "Training is running."
        if self.data is None:
            return "Choose a dataset first."
        if self.spec is None:
            return "The Chain has problems: fix them on the canvas, then train."
        return self._mismatch()

    def _mismatch(self) -> str | None:
        """Why the Chain cannot take the data on screen (both set), for a person; None when it can."""
        if self.features and self.data.dataset.n_features != 2:
            return (f"Derived features (x₁², sin x₁, ...) need 2-D data, and {self.data.label} has "
                    f"{self.data.dataset.n_features} features: turn them off in the Data group.")
        if self.spec.inputs != self.inputs_for(self.spec):
            return (f"The Chain takes {self.spec.inputs} inputs but {self.data.label} has "
                    f"{self.data.dataset.n_features} features.")
        return None

    def chain_training_data(self) -> Dataset | str:
        """The training split as the Chain takes it: its derived inputs added, standardised as training does (what
        the analysis views compute on); or why there is none, for a person.

        >>> from engine import ChainSpec, LayerSpec, datasets
        >>> s = TrainingSession()
        >>> s.set_data(DataChoice("xor", datasets.xor(50), {"source": "generator", "name": "xor", "params": {}}))
        >>> s.set_spec(ChainSpec(3, (LayerSpec("dense", 1, "sigmoid"),), features=("x1^2",)))
        >>> s.chain_training_data().X.shape, s.split.raw_train.X.shape
        ((40, 3), (40, 2))
        """
        if self.data is None or self.split is None:
            return "Choose a dataset first."
        if self.spec is None:
            return "The Chain has problems: fix them on the canvas first."
        mismatch = self._mismatch()
        if mismatch is None and self.split.train.n_features != self.spec.inputs:  # not resplit yet: never so
            mismatch = f"The Chain takes {self.spec.inputs} inputs; the split has {self.split.train.n_features}."
        return mismatch or self.split.train

    def chain_rows(self, X) -> np.ndarray | None:
        """Raw rows `X` (n, features as the data on screen has them) as the Chain takes them: its derived inputs
        added, then standardised as training does; None when they do not fit the Chain."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.spec is None:
            return None
        if self.features and X.ndim == 2 and X.shape[1] == 2:
            X = add_features(X, self.features)  # the views give raw rows: the Chain takes its derived inputs too
        scaler = self.standardiser
        if X.ndim != 2 or X.shape[1] != self.spec.inputs or scaler is not None and X.shape[1] != scaler.n_features:
            return None
        return X if scaler is None else scaler.transform(X)

    # ---- a run ----
    def begin(self, epochs: int | None) -> Callable:
        """Start a run of `epochs` more epochs (None: until stopped, Play): returns its work,
        `work(context) -> History`, for a worker thread. Raises ValueError with a message for a person when it
        cannot start."""
        problem = self.problem()
        if problem:
            raise ValueError(problem)
        trainer = self.trainer()
        trainer.epoch = self.epochs_done  # the schedule follows the epochs shown, whichever trainer ran them
        dataset, validation = self.model_dataset, self.settings.validation
        self.run_start = self.epochs_done
        self.last_progress = None
        counter = self._counter = RunCounter(trainer)
        self._set_state("running")

        def work(context) -> History:  # on the worker thread: touches nothing of the session but the trainer
            if epochs is None:
                return endless(trainer, dataset, validation, context, counter)
            return trainer.fit(dataset, epochs, validation, on_progress=context.report,
                               should_stop=context.should_stop, should_pause=context.should_pause)
        return work

    def interrupt(self) -> None:
        """Make the running chunk end at once (after a stop or pause request)."""
        if self._trainer is not None:
            self._trainer.interrupt()

    def progress(self, progress: Progress) -> None:
        """A report from the run (on the GUI thread)."""
        self.last_progress = progress
        self.record.add(progress, progress.weights, self.run_start)
        self.progressed.emit(progress)

    def epochs_in_run(self) -> int:
        """Epochs the current run has finished so far (read live from its trainer: reports lag behind)."""
        return self._counter.done()[0] if self._counter is not None and self.state != "idle" else 0

    def current_rate(self) -> float:
        """The learning rate of the epoch being trained (or next to train), as the settings' schedule gives it."""
        return self.settings.make_optimiser().rate(self.epochs_done + self.epochs_in_run())

    def steps_in_run(self) -> int:
        """Minibatch steps the current run has taken so far (read live)."""
        return self._counter.done()[1] if self._counter is not None and self.state != "idle" else 0

    def hold_after(self, epochs: int | None, steps: int | None = None) -> None:
        """The run pauses by itself once `epochs` of its epochs are done, or `steps` of its minibatch steps
        (Step while paused); None releases."""
        if self._counter is not None:
            self._counter.hold_after(epochs, steps)

    def set_paused(self, paused: bool) -> None:
        if self.state in ("running", "paused"):
            self._set_state("paused" if paused else "running")

    def stopping(self) -> None:
        if self.state in ("running", "paused"):
            self._set_state("stopping")

    def finish(self, history: History | None) -> None:
        """The run ended (`history` None when it raised): count what it trained, whatever happened."""
        if history is None and self._trainer is not None:
            history = self._trainer.history  # kept up to date while the run went: what it learnt stays
            if history is not None:
                history = RunHistory.of(history, self._counter.epochs if self._counter is not None else 0)
                history.message = history.message or "the run stopped with an error"
        self.hold_after(None)
        self._counter = None
        if history is not None:
            self.epochs_done = self.run_start + history.epochs_done
        self.record.epochs = self.epochs_done
        self.record.set_weights(self.weights())
        self._set_state("idle")
        self.finished.emit(history)

    def _set_state(self, state: str) -> None:
        assert state in STATES, state
        self.state = state
        self.state_changed.emit(state)

    def set_weights(self, weights: list) -> bool:
        """Put `weights` (params order, copied) into the model while idle: the next Train continues from them
        (the loss landscape's click). False, and nothing changes, while a run goes or the shapes differ."""
        current = self.weights()
        if self.state != "idle" or len(weights) != len(current) or \
                any(np.shape(w) != c.shape for w, c in zip(weights, current)):
            return False
        for p, w in zip(params(self.model), weights):
            np.copyto(p.value, w, casting="unsafe")
        self.loaded_weights = True  # chosen weights are worth saving, trained or not
        self.record.set_weights(self.weights())
        self.weights_moved.emit()
        return True

    # ---- reading the model ----
    def predict(self, X, weights=None):
        """The model's outputs for rows `X` (raw features) with `weights` (default: the record's latest copies),
        through the display model, never the live one; None if they do not fit."""
        weights = self.record.weights if weights is None else weights
        inputs = self.chain_rows(X)
        if self._display is None or weights is None or len(weights) != len(self._display_params) or inputs is None:
            return None
        for p, w in zip(self._display_params, weights):
            if p.value.shape != w.shape:
                return None
            p.value = w  # the copies are ours to read: no need to copy again
        with no_grad(), np.errstate(all="ignore"):
            return data(self._display(inputs))

    # ---- model files ----
    def trained(self) -> bool:
        """Whether the model holds weights worth saving: trained here, or loaded from a file."""
        return self.model is not None and (self.epochs_done > 0 or self.loaded_weights)

    def file_contents(self, spec_on_canvas: ChainSpec | None) -> dict:
        """save_model keyword arguments for what this session knows: settings always, the data when the Chain
        takes it, the trained model (a copy), its statistics and history once trained and still the same."""
        out = {"settings": self.settings.to_model_file()}
        fits = spec_on_canvas is not None and self.data is not None and \
            spec_on_canvas.inputs == self.inputs_for(spec_on_canvas)
        trained = fits and self.trained() and spec_on_canvas == self.spec
        if fits:
            out["dataset"] = reference_for(self.data.reference, self.data.dataset,
                                           self.standardiser if trained else None)
        if trained:
            # copies, never the live model: an autosave may come while the worker is writing its weights
            weights = self.weights() if self.state == "idle" else self.record.weights
            model = self.spec.build(self.settings.seed)
            for p, w in zip(params(model), weights):
                np.copyto(p.value, w)
            out.update(model=model, history=self.history_for_file())
            if self._trainer is not None and self.state == "idle":  # Adam's moments: continuing does not jolt
                out["optimiser_state"] = self._trainer.optimiser_state()
            elif self._saved_state is not None:
                out["optimiser_state"] = self._saved_state[1]
        return out

    def history_for_file(self) -> dict:
        record = self.record
        epochs, train = record.loss.arrays()
        out = {"epoch": [int(e) for e in epochs], "train_loss": [float(v) for v in train],
               "epochs_done": self.epochs_done}
        for key, series in (("val_loss", record.val_loss), ("accuracy", record.accuracy)):
            if len(series) == len(record.loss):  # kept in step with the training loss
                out[key] = [float(v) for v in series.ys]
        if len(record.gradients):
            out["gradients"] = record.gradients.to_dict()
        return out

    def restore(self, loaded, data_choice: DataChoice | None) -> None:
        """Take a loaded model file's settings, data, trained weights, statistics and history (the canvas already
        shows its Chain). `data_choice` is its data rebuilt, or None when it cannot be (then the data stays)."""
        self.settings = self.settings.from_model_file(loaded.settings or {})
        if data_choice is not None:
            self.data = data_choice
        self.fixed = None
        self._resplit()
        if loaded.spec is not None and not loaded.spec.problems():
            self._new_model(loaded.spec)
        if loaded.model is None or self.model is None:
            return
        for p, q in zip(params(self.model), params(loaded.model)):
            np.copyto(p.value, q.value)
        self.loaded_weights = True
        if loaded.optimiser_state:
            self._saved_state = ((loaded.settings or {}).get("optimiser"), loaded.optimiser_state)
        norm = (loaded.dataset or {}).get("normalisation")
        if norm:
            try:  # the weights expect these statistics (used while the data on screen has as many features)
                self.fixed = Standardiser.from_dict(norm)
            except ValueError:
                self.fixed = None
        self._trainer = None
        self._resplit()
        self._restore_history(loaded.history or {})
        self.record.set_weights(self.weights())
        self.changed.emit()

    def _restore_history(self, history: dict) -> None:
        record = self.record
        train = history.get("train_loss") or []
        epochs = history.get("epoch") or list(range(1, len(train) + 1))
        for key, series in (("train_loss", record.loss), ("val_loss", record.val_loss),
                            ("accuracy", record.accuracy)):
            for epoch, value in zip(epochs, history.get(key) or []):
                if isinstance(value, (int, float)) and math.isfinite(value) and epoch is not None:
                    series.append(epoch, value)
        if history.get("gradients"):
            record.gradients = EpochTable.from_dict(history["gradients"])
        done = history.get("epochs_done")
        self.epochs_done = int(done) if isinstance(done, int) else int(epochs[-1]) if epochs and epochs[-1] else 0
        record.epochs = self.epochs_done
        record.version += 1


__all__ = ["TrainingSession", "Settings", "DataChoice", "Context", "STATES", "ACTIVE"]
