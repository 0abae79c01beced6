"""Training panel: data (a built-in dataset, its knobs, a preview, the validation share), training
settings, and Train / Pause-Resume / Step / Stop / Reset weights with a progress bar.

>>> panel = TrainingPanel(window.editor)          # doctest: +SKIP
>>> panel.start_button.click()                    # trains on a QThread; plots follow  # doctest: +SKIP

The model trained is built from the canvas's ChainSpec and kept between runs, so Train and Step
continue from the current weights; Reset re-initialises them with the seed; a structural edit of
the Chain starts a new model. The panel owns the live plots (`loss_plot`, `gradient_plot`,
`boundary_plot`); the main window puts them in docks.

The parts live beside it: the Data group in training_dataset, the Training group in
training_settings, the buttons and progress in training_buttons, the plots in training_plots.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from engine import Standardiser, Trainer, data, no_grad, params

from ..plots import configure
from ..worker import TrainingRun, WarmUp
from .common import fill_with_scroll
from .training_buttons import build_buttons, update_buttons
from .training_data import fitted_standardiser, standardise_on, table_dataset
from .training_dataset import build_data_box, dataset_widgets, default_noise, generate, show_preview, update_hint
from ..core.fit import output_fit
from .training_fit import apply_output, set_input_features
from .training_plots import build_plots
from .training_settings import build_settings, make_optimiser, optimiser_chosen

ACTIVE = ("preparing", "running", "paused", "stopping")  # states in which the Chain is locked


class TrainingPanel(QWidget):
    """Settings and controls; runs a TrainingRun and feeds the TrainingRecord the plots draw."""

    state_changed = Signal(str)  # "idle", "preparing", "running", "paused", "stopping"
    message = Signal(str)        # for the status bar

    def __init__(self, editor, parent=None):
        configure()
        super().__init__(parent)
        self.editor, self.doc = editor, editor.doc
        self.state = "idle"
        self.training_run: TrainingRun | None = None
        self.model = self.model_spec = self.trainer = self.display_model = None
        self.display_params: list = []
        self._trainer_key = None
        self.epochs_done = 0
        self._queued_epochs = 0
        self._step_after_stop = False
        self._run_offset = 0
        self.last_alert: QMessageBox | None = None
        self.dataset = self.train_set = self.val_set = None
        self.imported = None  # the CSV table from the import dialog (training_data.ImportedData)
        # inputs are standardised as the command line does: statistics of the training split, kept
        # with the weights (a model file's weights come with theirs, which then stay fixed)
        self.standardiser: Standardiser | None = None
        self.standardiser_fixed = False

        build_plots(self)
        self._build()
        self._prep_timer = QTimer(self)
        self._prep_timer.setInterval(30)
        self._prep_timer.timeout.connect(self._check_ready)
        WarmUp.start()  # compile (or load) numba's kernels while the user builds the Chain

        self._regenerate(apply=False)
        fit = self._fit()
        if fit is not None:
            self.loss_box.setCurrentText(fit.loss)
        editor.selection_changed.connect(self._watch_selection)
        self.doc.changed.connect(self._chain_changed)
        self._chain_changed()

    # ---- building ----------------------------------------------------------------------------------

    def _build(self):
        data_box = build_data_box(self)
        train_box = build_settings(self)
        buttons = build_buttons(self)

        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(8, 4, 8, 8)
        for widget in (data_box, train_box):
            box.addWidget(widget)
        box.addLayout(buttons)
        box.addWidget(self.progress)
        box.addWidget(self.status)
        box.addStretch(1)
        fill_with_scroll(self, inner)
        self.settings = (data_box, train_box)
        optimiser_chosen(self, self.optimiser_box.currentText())
        dataset_widgets(self)

    # ---- data --------------------------------------------------------------------------------------

    def _dataset_chosen(self, name: str):
        default_noise(self, name)
        dataset_widgets(self)
        self._regenerate(apply=True)

    def _regenerate(self, apply: bool):
        """Make the chosen dataset; with `apply` (a user's choice) fit the Chain's Input to it."""
        name = self.dataset_box.currentText()
        table = table_dataset(self, name)
        self.dataset = table if table is not None else generate(self, name)
        self._split()
        show_preview(self)
        if apply:
            if set_input_features(self.editor, self.dataset.n_features):
                self.message.emit(f"Input set to {self.dataset.n_features} feature(s) for {name} (Ctrl+Z undoes).")
            fit = self._fit()
            if fit is not None and not fit.trainable:
                apply_output(self.editor, fit)
                self.message.emit(f"The output cannot fit {name} as it is: {fit.text} (Ctrl+Z undoes).")
            fit = self._fit()
            if fit is not None:
                self.loss_box.setCurrentText(fit.loss)
        self._update_hint()

    def _split(self):
        share = self.validation_box.value() / 100
        self.train_set, self.val_set = self.dataset.split(share, seed=self.init_seed_box.value()) \
            if share > 0 else (self.dataset, None)
        if not self.standardiser_fixed or self.standardiser.n_features != self.dataset.n_features:
            self.standardiser = fitted_standardiser(self.train_set.X, standardise_on(self))
            self.standardiser_fixed = False
        self.boundary_plot.set_data(self.train_set, self.val_set)
        self.record.classify = self.dataset.task == "classification"
        self.clock.force()

    def _fit(self):
        result = self.doc.analysis()
        return output_fit(result.spec, self.dataset) if result.valid else None

    def _update_hint(self):
        update_hint(self, self._fit())

    def apply_fit(self):
        fit = self._fit()
        if fit is not None and not fit.ok and self.state == "idle":
            apply_output(self.editor, fit)
            self.loss_box.setCurrentText(fit.proposed_loss)

    # ---- the model ---------------------------------------------------------------------------------

    def _chain_changed(self):
        if self.state == "idle":
            result = self.doc.analysis()
            if result.valid and result.spec != self.model_spec:
                self._new_model(result.spec)
            self._update_hint()
            self._update_buttons()

    def _new_model(self, spec):
        seed = self.init_seed_box.value()
        if self.standardiser_fixed:
            self.standardiser_fixed = False  # fresh weights: statistics from the data on screen
            self._split()
        self.model, self.display_model, self.model_spec = spec.build(seed), spec.build(seed), spec
        self.display_params = list(params(self.display_model))
        self.trainer, self._trainer_key, self.epochs_done = None, None, 0
        dense = [b for b in self.doc.chain_blocks() if b.kind == "dense"]
        self.canvas_gradients.layer_blocks = [b.block_id for b in dense]
        self.editor.scene.show_gradients({})
        self.record.reset([f"{i + 1}: {b.label()}" for i, b in enumerate(dense)], self._weights(),
                          self.dataset is None or self.dataset.task == "classification")
        self.record.watched = min(self.record.watched or 0, max(len(dense) - 1, 0))
        self._watch_selection()
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        self.clock.force()

    def _weights(self):
        return [np.array(p.value, copy=True) for p in params(self.model)]

    def _ensure_trainer(self):
        """The Trainer for the settings on screen: kept while they stay as they are, so a run continues
        the last one's shuffling and optimiser state; a new one when any of them (the seed too) changes."""
        name, lr = self.optimiser_box.currentText(), self.lr_box.value()
        betas = (self.beta1_box.value(), self.beta2_box.value())
        loss, batch, seed = self.loss_box.currentText(), self.batch_box.value(), self.init_seed_box.value()
        key = (loss, name, lr, betas if name == "Adam" else None, batch, seed, id(self.model))
        if self.trainer is None or key != self._trainer_key:
            self.trainer = Trainer(self.model, loss, make_optimiser(self), batch_size=batch, seed=seed,
                                   watch_layer=self.record.watched)
            self._trainer_key = key
        return self.trainer

    def predict(self, X, weights):
        """The model's outputs for rows `X` with `weights` (copies from the worker); None if they do not fit."""
        if self.display_model is None or len(weights) != len(self.display_params) \
                or X.shape[1] != self.model_spec.inputs:
            return None
        for p, w in zip(self.display_params, weights):
            if p.value.shape != w.shape:
                return None
            np.copyto(p.value, w)
        with no_grad(), np.errstate(all="ignore"):
            return data(self.display_model(self.standardiser.transform(X)))

    def _watch_selection(self):
        ids = self.editor.scene.selected_block_ids()
        dense = self.canvas_gradients.layer_blocks
        if len(ids) == 1 and ids[0] in dense:
            self.record.watched = dense.index(ids[0])
            if self.trainer is not None:
                self.trainer.watch_layer = self.record.watched  # read by the worker at its next report
            self.record.layer_grads = None
            self.record.version += 1

    # ---- controls ----------------------------------------------------------------------------------

    def start(self, epochs: int | None = None):
        """Train `epochs` (default: the Epochs box) more epochs, continuing from the current weights."""
        if self.state != "idle":
            return
        if not self._prepare_chain():
            return
        self._queued_epochs = epochs or self.epochs_box.value()
        if WarmUp.ready():
            self._launch()
        else:
            self._set_state("preparing")
            self.progress.setFormat("preparing… (compiling the training kernels)")
            self._prep_timer.start()

    def _prepare_chain(self) -> bool:
        if set_input_features(self.editor, self.dataset.n_features):
            self.message.emit(f"Input set to {self.dataset.n_features} feature(s) to match the data.")
        fit = self._fit()
        if fit is None:
            self._say("The Chain has problems: fix them on the canvas, then train.")
            return False
        if not fit.trainable:
            apply_output(self.editor, fit)
            self.loss_box.setCurrentText(fit.proposed_loss)
            self.message.emit(f"Output changed to fit the data: {fit.text}")
        spec = self.doc.to_spec()
        if spec != self.model_spec:
            self._new_model(spec)
        return True

    def _check_ready(self):
        if WarmUp.ready() and self.state == "preparing":
            self._prep_timer.stop()
            self._set_state("idle")
            self._launch()

    def _launch(self):
        epochs = self._queued_epochs
        try:
            trainer = self._ensure_trainer()
        except (TypeError, ValueError) as error:
            self._alert(QMessageBox.Critical, "Cannot train", str(error))
            self._set_state("idle")
            return
        run = TrainingRun(trainer, self.standardiser.apply(self.dataset), epochs, self.validation_box.value() / 100,
                          parent=self)
        run.progressed.connect(self._on_snapshot)
        run.failed.connect(self._on_failed)
        run.finished.connect(self._on_finished)
        self.training_run, self._run_offset = run, self.epochs_done
        self.progress.setRange(0, epochs)
        self.progress.setValue(0)
        self.progress.setFormat(f"starting {epochs} epoch{'s' if epochs != 1 else ''}…")
        self._set_state("running")
        self._say(f"Training on {self.dataset.name}: {epochs} epoch{'s' if epochs != 1 else ''}…")
        run.start()

    def toggle_pause(self):
        if self.state == "running":
            self.training_run.pause()
            self._set_state("paused")
            self._say("Paused: Resume continues, Step trains one epoch, Stop ends the run.")
        elif self.state == "paused":
            self.training_run.resume()
            self._set_state("running")
            self._say("Training…")

    def step(self):
        """One epoch: from idle, a one-epoch run; while paused, end this run and then train one epoch."""
        if self.state == "idle":
            self.start(1)
        elif self.state == "paused":
            self._step_after_stop = True
            self._set_state("stopping")
            self.training_run.stop()

    def stop(self):
        if self.state == "preparing":
            self._prep_timer.stop()
            self._set_state("idle")
            self._say("Stopped before training began.")
        elif self.state in ("running", "paused"):
            self._step_after_stop = False
            self._set_state("stopping")
            self.training_run.stop()

    def reset_weights(self):
        result = self.doc.analysis()
        if self.state == "idle" and result.valid:
            self._new_model(result.spec)
            self._say(f"Weights re-initialised with seed {self.init_seed_box.value()}.")

    def train_and_wait(self, epochs: int, seconds: float = 300) -> bool:
        """Train `epochs` and return when the run is over (screenshots, scripts); True if it ended in time."""
        dense = self.canvas_gradients.layer_blocks
        if dense and not self.editor.scene.selected_block_ids():
            self.editor.scene.select_blocks(dense[:1])  # so the layer-gradient plots have a layer to show
        self.start(epochs)
        deadline = time.monotonic() + seconds
        while self.state != "idle" and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)
        self.clock.force()
        return self.state == "idle"

    def shutdown(self, ms: int = 5000) -> bool:
        """Stop any run and wait for its thread (the window is closing); True if it ended in time."""
        self._prep_timer.stop()
        self.clock.timer.stop()
        run, self.training_run = self.training_run, None
        return run.wait(ms) if run is not None and not run.done else True

    # ---- from the worker ---------------------------------------------------------------------------

    def _on_snapshot(self, snapshot):
        self.record.add(snapshot, self._run_offset)
        p = snapshot.progress
        self.progress.setValue(min(p.epochs_done, self.progress.maximum()))
        self.progress.setFormat(f"epoch {self._run_offset + p.epochs_done} · {p.epochs_done}/"
                                f"{self.progress.maximum()} · {p.samples_per_s:,.0f} samples/s")

    def _on_failed(self, text: str):
        self._alert(QMessageBox.Critical, "Training failed",
                    f"Training stopped with an error:\n\n{text}\n\nThe weights are those of the last finished "
                    "step. Check the data and the Chain, then try again.")

    def _on_finished(self, history):
        run, self.training_run = self.training_run, None
        if run is not None:
            run.deleteLater()
        if history is not None:
            self.epochs_done += history.epochs_done
            if history.diverged:
                self._alert(QMessageBox.Warning, "Training diverged", history.message)
            elif history.stopped:
                self._say(f"Stopped after {self.epochs_done} epochs in all.")
            elif history.train_loss:
                self._say(f"Done: {self.epochs_done} epochs in all, loss {history.train_loss[-1]:.4g}"
                          f" ({history.path} path, {history.seconds:.2f} s).")
        self.record.set_weights(self._weights())
        self._set_state("idle")
        if self._step_after_stop and history is not None and not history.diverged:
            self._step_after_stop = False
            self.start(1)
        self._step_after_stop = False

    # ---- state -------------------------------------------------------------------------------------

    def _say(self, text: str):
        self.status.setText(text)
        self.message.emit(text)

    def _alert(self, icon, title: str, text: str):
        """A non-modal message box: the app stays usable, and tests can read it without blocking."""
        if self.last_alert is not None:
            self.last_alert.close()
            self.last_alert.deleteLater()
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setWindowModality(Qt.NonModal)
        self.last_alert = box
        self._say(text.replace("\n\n", " ").replace("\n", " "))
        box.show()

    def _set_state(self, state: str):
        if state == "idle" and self.state in ("running", "paused", "stopping"):
            self.progress.setFormat(self.progress.format().replace("starting", "ran"))
        self.state = state
        self._update_buttons()
        self.state_changed.emit(state)

    def _update_buttons(self):
        update_buttons(self)
