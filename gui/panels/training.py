"""Training panel: data (a built-in dataset, its knobs, a preview, the validation share), training
settings, and Train / Pause-Resume / Step / Stop / Reset weights with a progress bar.

>>> panel = TrainingPanel(window.editor)          # doctest: +SKIP
>>> panel.start_button.click()                    # trains on a QThread; plots follow  # doctest: +SKIP

The model trained is built from the canvas's ChainSpec and kept between runs, so Train and Step
continue from the current weights; Reset re-initialises them with the seed; a structural edit of
the Chain starts a new model. The panel owns the live plots (`loss_plot`, `gradient_plot`,
`boundary_plot`); the main window puts them in docks.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from engine import LOSSES, OPTIMISERS, Adam, Standardiser, Trainer, data, datasets, no_grad, params

from ..plots import configure
from ..plots.boundary import BoundaryPlot, point_brushes
from ..plots.gradients import GradientNormPlot, LayerGradients
from ..plots.live import RedrawClock, TrainingRecord
from ..plots.loss import LossPlot
from ..worker import TrainingRun, WarmUp
from .csv_import import import_data
from .training_data import fitted_standardiser, is_table, standardise_on, table_dataset, table_names
from .training_fit import apply_output, output_fit, set_input_features

WITH_CLASSES = ("gaussians", "spiral")
DEFAULT_NOISE = {"gaussians": 0.5}
ACTIVE = ("preparing", "running", "paused", "stopping")  # states in which the Chain is locked


def _spin(lo, hi, value, step=1, decimals=None, suffix=""):
    box = QSpinBox() if decimals is None else QDoubleSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # one change per finished edit, not per keystroke
    return box


class CanvasGradients:
    """Puts each Dense block's latest gradient norm on the canvas (a RedrawClock client)."""

    min_interval = 0.5  # repainting the canvas is costly; a badge needs no more than two updates a second

    def __init__(self, scene):
        self.scene = scene
        self.layer_blocks: list[int] = []

    def isVisible(self):  # noqa: N802 - the clock's duck type
        return True

    def redraw(self, record):
        # rounded as the badges print them: an unchanged badge costs no repaint of the canvas
        norms = [float(f"{n:.0e}") if n is not None else None for n in record.latest_norms()]
        self.scene.show_gradients({b: n for b, n in zip(self.layer_blocks, norms) if n is not None})


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

        self.record = TrainingRecord()
        self.record.watched = 0
        self.loss_plot = LossPlot()
        self.norm_plot = GradientNormPlot()
        self.layer_plot = LayerGradients()
        self.gradient_plot = QSplitter(Qt.Horizontal)
        self.gradient_plot.addWidget(self.norm_plot)
        self.gradient_plot.addWidget(self.layer_plot)
        self.gradient_plot.setSizes([500, 400])
        self.gradient_plot.setChildrenCollapsible(False)
        self.boundary_plot = BoundaryPlot(self.predict)
        self.canvas_gradients = CanvasGradients(editor.scene)
        self.clock = RedrawClock(self.record, self)
        for plot in (self.loss_plot, self.norm_plot, self.layer_plot, self.boundary_plot, self.canvas_gradients):
            self.clock.add(plot)

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
        data_box = QGroupBox("Data")
        form = QFormLayout(data_box)
        self.dataset_box = QComboBox()
        self.dataset_box.addItems(list(datasets.GENERATORS) + table_names())
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Train on a table of your own (also File ▸ Import Data…)")
        self.import_button.clicked.connect(lambda: import_data(self.window(), self))
        self.samples_box = _spin(20, 20000, 200, 50)
        self.noise_box = _spin(0.0, 3.0, 0.1, 0.05, decimals=2)
        self.data_seed_box = _spin(0, 99999, 0)
        self.classes_box = _spin(2, 8, 3)
        self.validation_box = _spin(0, 90, 20, 5, suffix=" %")
        self.preview = pg.PlotWidget()
        self.preview.setFixedHeight(120)
        self.preview.getPlotItem().setMenuEnabled(False)
        self.preview.getPlotItem().hideAxis("left")
        self.preview.getPlotItem().hideAxis("bottom")
        self.preview_points = pg.ScatterPlotItem(size=4, pen=None)
        self.preview.addItem(self.preview_points)
        for label, widget in (("Dataset", self.dataset_box), ("Samples", self.samples_box),
                              ("Noise", self.noise_box), ("Seed", self.data_seed_box),
                              ("Classes", self.classes_box), ("Validation", self.validation_box)):
            form.addRow(label, widget)
        form.insertRow(1, "", self.import_button)
        form.addRow(self.preview)
        self.fit_hint = QLabel()
        self.fit_hint.setWordWrap(True)
        self.fit_hint.setObjectName("problem")
        self.fit_button = QPushButton("Apply to the Chain")
        self.fit_button.clicked.connect(self.apply_fit)
        form.addRow(self.fit_hint)
        form.addRow(self.fit_button)
        self.dataset_box.currentTextChanged.connect(self._dataset_chosen)
        for box in (self.samples_box, self.noise_box, self.data_seed_box, self.classes_box, self.validation_box):
            box.valueChanged.connect(lambda _=None: self._regenerate(apply=True))

        train_box = QGroupBox("Training")
        tform = QFormLayout(train_box)
        self.loss_box = QComboBox()
        self.loss_box.addItems(list(LOSSES))
        self.optimiser_box = QComboBox()
        self.optimiser_box.addItems(list(OPTIMISERS))
        self.optimiser_box.setCurrentText("Adam")
        self.lr_box = _spin(0.00001, 1e6, 0.01, 0.001, decimals=5)
        self.batch_box = _spin(1, 100000, 32, 8)
        self.epochs_box = _spin(1, 10_000_000, 300, 50)
        for label, widget in (("Loss", self.loss_box), ("Optimiser", self.optimiser_box),
                              ("Learning rate", self.lr_box), ("Batch size", self.batch_box),
                              ("Epochs", self.epochs_box)):
            tform.addRow(label, widget)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.RightArrow)
        self.advanced_toggle.setStyleSheet("QToolButton { border: none; }")
        self.advanced = QWidget()
        aform = QFormLayout(self.advanced)
        aform.setContentsMargins(12, 0, 0, 0)
        self.beta1_box = _spin(0.0, 0.99999, 0.9, 0.01, decimals=5)
        self.beta2_box = _spin(0.0, 0.99999, 0.999, 0.001, decimals=5)
        self.init_seed_box = _spin(0, 99999, 0)
        aform.addRow("Adam β₁", self.beta1_box)
        aform.addRow("Adam β₂", self.beta2_box)
        aform.addRow("Weight seed", self.init_seed_box)
        self.advanced.setVisible(False)
        self.advanced_toggle.toggled.connect(self._fold)
        tform.addRow(self.advanced_toggle)
        tform.addRow(self.advanced)
        self.optimiser_box.currentTextChanged.connect(self._optimiser_chosen)

        self.start_button = QPushButton("Train")
        self.start_button.setObjectName("primary")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one epoch")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Re-initialise the weights with the weight seed")
        self.start_button.clicked.connect(lambda: self.start())
        self.pause_button.clicked.connect(self.toggle_pause)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset_weights)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.pause_button, 0, 1)
        buttons.addWidget(self.step_button, 0, 2)
        buttons.addWidget(self.stop_button, 1, 0)
        buttons.addWidget(self.reset_button, 1, 1, 1, 2)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start.")
        self.status.setWordWrap(True)

        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(8, 4, 8, 8)
        for widget in (data_box, train_box):
            box.addWidget(widget)
        box.addLayout(buttons)
        box.addWidget(self.progress)
        box.addWidget(self.status)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.settings = (data_box, train_box)
        self._optimiser_chosen(self.optimiser_box.currentText())
        self._dataset_widgets()

    def _fold(self, open_: bool):
        self.advanced.setVisible(open_)
        self.advanced_toggle.setArrowType(Qt.DownArrow if open_ else Qt.RightArrow)

    def _optimiser_chosen(self, name: str):
        self.beta1_box.setEnabled(name == "Adam")
        self.beta2_box.setEnabled(name == "Adam")

    def _dataset_widgets(self):
        form = self.classes_box.parentWidget().layout()
        name = self.dataset_box.currentText()
        form.setRowVisible(self.classes_box, name in WITH_CLASSES)
        for box in (self.samples_box, self.noise_box, self.data_seed_box):  # a table has no knobs
            form.setRowVisible(box, not is_table(self, name))

    # ---- data --------------------------------------------------------------------------------------

    def _dataset_chosen(self, name: str):
        self.noise_box.blockSignals(True)
        self.noise_box.setValue(DEFAULT_NOISE.get(name, 0.1))
        self.noise_box.blockSignals(False)
        self._dataset_widgets()
        self._regenerate(apply=True)

    def _regenerate(self, apply: bool):
        """Make the chosen dataset; with `apply` (a user's choice) fit the Chain's Input to it."""
        name = self.dataset_box.currentText()
        extra = {"classes": self.classes_box.value()} if name in WITH_CLASSES else {}
        table = table_dataset(self, name)
        self.dataset = table if table is not None else datasets.GENERATORS[name](
            self.samples_box.value(), self.noise_box.value(), self.data_seed_box.value(), **extra)
        self._split()
        self._show_preview()
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

    def _show_preview(self):
        ds = self.dataset
        if ds.n_features >= 2:
            x, y = ds.X[:, 0], ds.X[:, 1]
        else:
            x, y = ds.X[:, 0], ds.y[:, 0] if ds.task == "regression" else ds.y.astype(float)
        self.preview_points.setData(x, y, brush=point_brushes(ds))
        self.preview.getPlotItem().autoRange()

    def _fit(self):
        result = self.doc.analysis()
        return output_fit(result.spec, self.dataset) if result.valid else None

    def _update_hint(self):
        fit = self._fit()
        text = ""
        if fit is None:
            text = "Fix the Chain on the canvas before training."
        elif not fit.ok:
            text = fit.text
        inputs = self.doc.analysis().spec.inputs if fit is not None else None
        if inputs is not None and inputs != self.dataset.n_features:
            text = (f"The data has {self.dataset.n_features} feature(s) but the Input takes {inputs}: "
                    "Train sets the Input to fit. " + text).strip()
        self.fit_hint.setText(text)
        self.fit_hint.setVisible(bool(text))
        self.fit_button.setVisible(fit is not None and not fit.ok)

    def apply_fit(self):
        fit = self._fit()
        if fit is not None and not fit.ok and self.state == "idle":
            apply_output(self.editor, fit)
            self.loss_box.setCurrentText(fit.loss)

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
        name, lr = self.optimiser_box.currentText(), self.lr_box.value()
        betas = (self.beta1_box.value(), self.beta2_box.value())
        key = (self.loss_box.currentText(), name, lr, betas if name == "Adam" else None, self.batch_box.value(),
               id(self.model))
        if self.trainer is None or key != self._trainer_key:
            optimiser = self._make_optimiser()
            self.trainer = Trainer(self.model, key[0], optimiser, batch_size=key[4], seed=self.init_seed_box.value(),
                                   watch_layer=self.record.watched)
            self._trainer_key = key
        return self.trainer

    def _make_optimiser(self):
        name, lr = self.optimiser_box.currentText(), self.lr_box.value()
        return Adam(lr, (self.beta1_box.value(), self.beta2_box.value())) if name == "Adam" else OPTIMISERS[name](lr)

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
            self.loss_box.setCurrentText(fit.loss)
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
        self._split()
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
        s = self.state
        ready = s == "idle" and self.doc.analysis().valid and self.dataset is not None
        self.start_button.setEnabled(ready)
        self.step_button.setEnabled(ready or s == "paused")
        self.pause_button.setEnabled(s in ("running", "paused"))
        self.pause_button.setText("Resume" if s == "paused" else "Pause")
        self.stop_button.setEnabled(s in ("preparing", "running", "paused"))
        self.reset_button.setEnabled(s == "idle" and self.model is not None)
        for box in self.settings:
            box.setEnabled(s == "idle")
        self.fit_button.setEnabled(s == "idle")
