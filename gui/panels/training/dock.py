"""The training dock: the Data and Training groups, the controls, and the runs they start.

>>> dock = TrainingDock(window.editor)           # doctest: +SKIP
>>> dock.controls.start_button.click()           # trains in a background job; the plots follow  # doctest: +SKIP
>>> dock.session.epochs_done                     # the Qt-free state: gui/core/session.py          # doctest: +SKIP

The dock is the go-between: it turns the person's choices into the session's data, settings and Chain,
the session's events into what the widgets show, and a run into a gui/jobs.py Job. The model trained is
built from the canvas's ChainSpec and kept between runs, so Train and Step continue from the current
weights; Reset re-initialises them; a structural edit of the Chain starts a new model.
"""
from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from engine.nn import feature_labels
from engine.training import KERNELS, advice

from ...core.fit import output_fit
from ...core.session import ACTIVE, TrainingSession
from ...jobs import Job
from ...plots import configure
from ..common import fill_with_scroll
from . import model_file
from .canvas_fit import apply_output, input_block, set_input_features
from .controls import TrainingControls
from .data_box import DataBox
from .plots import TrainingPlots
from .settings_box import SettingsBox

REDRAW_ALL_BELOW = 8  # slow motion at most this many steps a second: every plot is redrawn after each step


class TrainingDock(QWidget):
    """Data, settings and controls around one TrainingSession; runs it in background jobs."""

    state_changed = Signal(str)  # the session's state: "idle", "running", "paused", "stopping"
    message = Signal(str)        # for the status bar
    progressed = Signal()        # a run reported progress (the weights changed)
    weights_moved = Signal()     # weights put in while idle (the loss landscape's click): unsaved work

    def __init__(self, editor, parent=None):
        configure()
        super().__init__(parent)
        self.editor, self.doc = editor, editor.doc
        self.session = TrainingSession()
        self.job: Job | None = None
        self.last_alert: QMessageBox | None = None
        self._stepping = False    # Step while paused: one more epoch (or minibatch), then paused again
        self._step_target = ("epoch", 0)  # what that Step trains to: ("epoch" | "minibatch", count in the run)
        self._path = None         # the training path the last report named
        self.data_box = DataBox()
        self.settings_box = SettingsBox()
        self.controls = TrainingControls()
        self.plots = TrainingPlots(self.session, editor.scene, self)
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(8, 4, 8, 8)
        box.addWidget(self.data_box)
        box.addWidget(self.settings_box)
        box.addStretch(1)
        self.controls.setContentsMargins(8, 6, 8, 4)
        fill_with_scroll(self, inner, pinned=self.controls)  # Train, Stop and the progress always in sight

        s = self.session
        s.state_changed.connect(self._state_changed)
        s.progressed.connect(self._progressed)
        s.weights_moved.connect(self.weights_moved.emit)
        s.message.connect(self._say)
        s.changed.connect(self._session_changed)
        self.data_box.changed.connect(lambda: self._data_chosen(apply=True))
        self.data_box.validation_changed.connect(lambda v: self._settings(validation=v))
        self.data_box.apply_requested.connect(self.apply_fit)
        self.data_box.import_requested.connect(self._import)
        self.data_box.features_toggled.connect(self._features_chosen)
        self.settings_box.changed.connect(lambda: self._settings())
        self.controls.train.connect(lambda: self.start())
        self.controls.play.connect(lambda: self.start(endless=True))
        self.controls.pace_changed.connect(s.set_pace)
        self.controls.pause.connect(self.toggle_pause)
        self.controls.step.connect(self.step)
        self.controls.stop.connect(self.stop)
        self.controls.reset.connect(self.reset_weights)
        editor.selection_changed.connect(self._watch_selection)
        self.doc.changed.connect(self._chain_changed)

        KERNELS.start("float64")  # build (or load) the compiled kernels while the person builds the Chain
        self._settings()
        self._data_chosen(apply=False)
        fit = self._fit()
        if fit is not None:
            self._show_loss(fit.loss)
        self._chain_changed()

    # ---- choices ---------------------------------------------------------------------------------

    def _settings(self, **changes):
        settings = replace(self.settings_box.settings(self.session.settings), **changes)
        if settings != self.session.settings:
            self.session.set_settings(settings)
        self.settings_box.show_rate(self.session.current_rate())

    def _data_chosen(self, apply: bool):
        """The dataset on screen into the session; with `apply` (a person's choice) fit the Chain to it."""
        choice = self.data_box.choice()
        if choice is None:  # "Draw data" before its first point: the data on screen stays until there is one
            self.data_box.show_hint("Click on the plot to draw points: each one joins the data at once.", False)
            return
        self.session.set_data(choice)
        if apply:
            self._fit_chain_to_data()

    def _fit_chain_to_data(self):
        ds, name = self.session.dataset, self.data_box.name()
        if set_input_features(self.editor, ds.n_features):
            self.message.emit(f"Input set to {ds.n_features} feature(s) for {name} (Ctrl+Z undoes).")
        fit = self._fit()
        if fit is not None and not fit.trainable:
            apply_output(self.editor, fit)
            self.message.emit(f"The output cannot fit {name} as it is: {fit.text} (Ctrl+Z undoes).")
        fit = self._fit()
        if fit is not None:
            self._show_loss(fit.loss)

    def _features_chosen(self):
        """A derived-feature box was ticked or cleared: the Input takes them (one undo step)."""
        ds = self.session.dataset
        if ds is None or ds.n_features != 2 or self.session.state != "idle":
            return
        if set_input_features(self.editor, 2, self.data_box.derived()):
            labels = feature_labels(self.data_box.derived())
            self.message.emit(f"Input: {', '.join(labels)}, {len(labels)} inputs (Ctrl+Z undoes).")

    def _show_features(self):
        block = input_block(self.editor)
        ds = self.session.dataset
        self.data_box.show_features(block.features if block is not None else (),
                                    ds is not None and ds.n_features == 2)

    def _show_loss(self, loss: str):
        if self.settings_box.loss_box.currentText() != loss:
            self.settings_box.loss_box.setCurrentText(loss)  # through `changed`, into the session

    def _fit(self):
        result = self.doc.analysis()
        return output_fit(result.spec, self.session.dataset) if result.valid and self.session.dataset else None

    def apply_fit(self):
        fit = self._fit()
        if fit is not None and not fit.ok and self.session.state == "idle":
            apply_output(self.editor, fit)
            self._show_loss(fit.proposed_loss)

    def use_imported(self, data) -> None:
        """The import dialog's table: offer it in the list, take its split, choose it (and fit the Chain)."""
        self.data_box.offer(data)
        self.settings_box.init_seed_box.setValue(int(data.seed))
        self.data_box.select(data.label, validation=data.validation)
        self._settings(validation=data.validation)
        self._data_chosen(apply=True)
        self.message.emit(f"Training on {data.label}: {len(data.dataset)} rows, {data.dataset.n_features} feature(s), "
                          f"{data.dataset.task}.")

    def _import(self):
        from ..csv_import import import_data

        import_data(self.window(), self)

    def _chain_changed(self):
        if self.session.state == "idle":
            result = self.doc.analysis()
            before = self.session.model
            self.session.set_spec(result.spec if result.valid else None)
            if before is not None and self.session.model is not before:  # what was said of the last model is stale
                self.controls.say("The Chain changed: Train starts it from new weights.")
                self.controls.reset_progress()
            self._refresh()
        self._show_features()  # an undo may have given the Input other derived features

    def _watch_selection(self):
        ids = self.editor.scene.selected_block_ids()
        dense = self.plots.canvas_gradients.layer_blocks
        if len(ids) == 1 and ids[0] in dense:
            self.session.set_watched(dense.index(ids[0]))

    # ---- showing the session -----------------------------------------------------------------------

    def _session_changed(self):
        s = self.session
        if s.split is not None:
            self.plots.boundary_plot.set_data(s.split.raw_train, s.split.raw_val)
            self.data_box.show_preview(s.dataset)
            self._show_features()
        self.plots.canvas_gradients.layer_blocks = [b.block_id for b in self.doc.chain_blocks() if b.kind == "dense"]
        if s.epochs_done == 0:
            self.editor.scene.show_gradients({})
            if s.state == "idle":
                self.controls.reset_progress()
        self._refresh()
        self.plots.clock.force()

    def _refresh(self):
        """The hint and the buttons, for the Chain, data and state as they are."""
        s, fit = self.session, self._fit()
        text = "Fix the Chain on the canvas before training." if fit is None else ("" if fit.ok else fit.text)
        spec = self.doc.analysis().spec if fit is not None else None
        inputs = spec.inputs if spec is not None else None
        if s.dataset is not None and inputs is not None and inputs != s.inputs_for(spec):
            text = (f"The data has {s.dataset.n_features} feature(s) but the Input takes {inputs}: "
                    "Train sets the Input to fit. " + text).strip()
        self.data_box.show_hint(text, fit is not None and not fit.ok)
        self._show_state()

    def _show_state(self):
        s = self.session
        idle = s.state == "idle"
        self.controls.show_state(s.state, can_train=self.doc.analysis().valid and s.dataset is not None,
                                 has_model=s.model is not None)
        for box in (self.data_box, self.settings_box):
            box.setEnabled(idle)
        self.settings_box.show_rate(s.current_rate())

    def _state_changed(self, state: str):
        if state == "idle":
            self.controls.show_idle()
        self._show_state()
        self.state_changed.emit(state)

    def _progressed(self, p):
        self.progressed.emit()
        s = self.session
        self.controls.show_progress(p.epochs_done, s.run_start + p.epochs_done, p.path, p.samples_per_s)
        self.settings_box.show_rate(s.current_rate())
        if p.path != self._path:  # which path runs, and why the tape does: once, when it changes
            self._path = p.path
            self._say("Training on the compiled kernels." if p.path == "compiled" else
                      f"Training on the eager tape: {p.reason}." if p.reason else "Training on the eager tape.")
        if p.weights is not None and s.pace is not None and s.pace <= REDRAW_ALL_BELOW:
            self.plots.clock.force()  # slow motion: every step seen in every plot
        unit, target = self._step_target
        if self._stepping and s.state == "running" and \
                (p.epochs_done if unit == "epoch" else (p.epoch - 1) * p.steps_per_epoch + p.step) >= target:
            self._stepping = False
            s.set_paused(True)
            self._say(f"Paused after one more {unit}: Resume continues, Step trains one more.")

    def _say(self, text: str):
        self.controls.say(text)
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

    # ---- runs --------------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.session.state

    def start(self, epochs: int | None = None, endless: bool = False, one_step: bool = False) -> bool:
        """Train `epochs` (default: the Epochs box) more epochs, continuing from the current weights; with
        `endless` until stopped (Play), and with `one_step` too, but paused after its first minibatch."""
        s = self.session
        if s.state != "idle" or not self._prepare_chain():
            return False
        epochs = None if endless or one_step else epochs or s.settings.epochs
        try:
            work = s.begin(epochs)
        except (TypeError, ValueError) as error:
            self._alert(QMessageBox.Critical, "Cannot train", str(error))
            return False
        if one_step:
            self._hold_one_more("minibatch")
        self._path = None
        job = self.job = Job(work, interrupt=s.interrupt, name="training", parent=self)
        job.progressed.connect(s.progress)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        self.controls.show_run(epochs)
        self._say(f"Training on {s.data.label} until stopped…" if epochs is None else
                  f"Training on {s.data.label}: {epochs} epoch{'s' if epochs != 1 else ''}…")
        job.start()
        return True

    def _prepare_chain(self) -> bool:
        """Fit the Chain's Input (and, if it cannot train at all, its output) to the data; False if it has problems."""
        s = self.session
        if s.dataset is not None and set_input_features(self.editor, s.dataset.n_features):
            self.message.emit(f"Input set to {s.dataset.n_features} feature(s) to match the data.")
        fit = self._fit()
        if fit is None:
            self._say("The Chain has problems: fix them on the canvas, then train.")
            return False
        if not fit.trainable:
            apply_output(self.editor, fit)
            self._show_loss(fit.proposed_loss)
            self.message.emit(f"Output changed to fit the data: {fit.text}")
        s.set_spec(self.doc.to_spec())
        return True

    def toggle_pause(self):
        s = self.session
        if s.state == "running" and self.job is not None:
            self._stepping = False
            self.job.pause()
            s.set_paused(True)
            self._say("Paused: Resume continues, Step trains one more epoch, Stop ends the run.")
        elif s.state == "paused" and self.job is not None:
            s.hold_after(None)  # a Step may have left the run held at an epoch
            self.job.resume()
            s.set_paused(False)
            self._say("Training…")

    def step(self):
        """One epoch: from idle a one-epoch run; while paused one more epoch of this run, then paused again.
        In slow motion with "Step = one minibatch", one minibatch: from idle a run paused after its first."""
        s = self.session
        unit = "minibatch" if self.controls.steps_by_minibatch() else "epoch"
        if s.state == "idle":
            self.start(1, one_step=unit == "minibatch")
        elif s.state == "paused" and self.job is not None:
            self._hold_one_more(unit)
            self.job.resume()
            s.set_paused(False)

    def _hold_one_more(self, unit: str):
        s = self.session
        if unit == "epoch":
            target = s.epochs_in_run() + 1
            s.hold_after(target)
        else:
            target = s.steps_in_run() + 1
            s.hold_after(None, target)
        self._stepping, self._step_target = True, (unit, target)

    def stop(self):
        if self.session.state in ("running", "paused") and self.job is not None:
            self._stepping = False
            self.session.stopping()
            self.job.stop()

    def document_replaced(self):
        """File ▸ New or Open put another document on the canvas: nothing trained before stays, nor its messages."""
        result = self.doc.analysis()
        if result.valid:
            self.session.set_spec(result.spec)
            self.session.reset_weights()
        else:
            self.session.forget_model()
        self.controls.say("Press Train to start.")
        self.controls.reset_progress()

    def reset_weights(self):
        if self.session.state == "idle" and self.doc.analysis().valid:
            self.session.set_spec(self.doc.to_spec())
            self.session.reset_weights()
            self._say(f"Weights re-initialised with seed {self.session.settings.seed}.")

    def _succeeded(self, history):
        try:
            self._report(history)
        finally:  # whatever the report does, the dock goes back to idle
            self._end_run(history)

    def _failed(self, text: str):
        try:
            self._alert(QMessageBox.Critical, "Training failed",
                        f"Training stopped with an error:\n\n{text}\n\nThe weights are those of the last finished "
                        "step and are kept. Check the data and the Chain, then try again.")
        finally:
            self._end_run(None)

    def _report(self, history):
        s = self.session
        done = s.run_start + history.epochs_done
        hint = advice(history, s.settings.lr)
        if history.diverged:
            self._alert(QMessageBox.Warning, "Training diverged", history.message)
        elif hint:
            self._alert(QMessageBox.Warning, "Training went wrong", f"After {done} epochs in all: {hint}")
        elif history.stopped:
            self._say(f"Stopped after {done} epochs in all.")
        elif history.train_loss:
            self._say(f"Done: {done} epochs in all, loss {history.train_loss[-1]:.4g} "
                      f"({history.path} path, {history.seconds:.2f} s).")

    def _end_run(self, history):
        job, self.job = self.job, None
        self._stepping = False
        if job is not None:
            job.deleteLater()
        self.session.finish(history)

    def train_and_wait(self, epochs: int, seconds: float = 300) -> bool:
        """Train `epochs` and return when the run is over (screenshots, scripts); True if it ended in time."""
        dense = self.plots.canvas_gradients.layer_blocks
        if dense and not self.editor.scene.selected_block_ids():
            self.editor.scene.select_blocks(dense[:1])  # so the layer-gradient plots have a layer to show
        self.start(epochs)
        deadline = time.monotonic() + seconds
        while self.session.state != "idle" and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)
        self.plots.clock.force()
        return self.session.state == "idle"

    def shutdown(self, ms: int = 5000) -> bool:
        """Stop any run and wait for its thread (the window is closing); True if it ended in time."""
        self.plots.clock.timer.stop()
        job, self.job = self.job, None
        ended = job.wait(ms) if job is not None and job.running else True
        for event in (self.session.state_changed, self.session.progressed, self.session.changed,
                      self.session.message, self.session.finished, self.session.weights_moved):
            event.disconnect_all()
        return ended

    def is_locked(self) -> bool:
        return self.session.state in ACTIVE

    # ---- model files (gui/files.py) ----
    def file_contents(self) -> dict:
        return model_file.file_contents(self)

    def restore_file(self, loaded) -> None:
        model_file.restore(self, loaded)
