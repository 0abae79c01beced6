"""The Loss landscape dock: the training loss on a plane through the weights, its arrows, the path training takes.

>>> panel = LandscapePanel(session, clock)       # a RedrawClock client; View ▸ Loss landscape      # doctest: +SKIP
>>> panel.recompute()                            # in a gui.jobs Job; the picture follows             # doctest: +SKIP
>>> panel.pick_from(layer_plot)                  # a click on the Gradients dock's W picks a weight   # doctest: +SKIP

Directions are two filter-normalised random ones (seeded) or two weights W<layer>[row, col] chosen with the
spin boxes or by clicking a cell of the Gradients dock's W heatmap (the first click sets the first weight,
the next the second). The path is every weight report of the session since the model was made, projected
onto the plane. A click on the landscape moves the weights there while training is idle; Train continues
from them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpinBox,
                               QVBoxLayout, QWidget)

from engine.analysis import WeightRef, landscape, random_plane, weight_plane

from ..jobs import Job
from ..plots.landscape import LandscapePlot

RANDOM, PICKED = "Random directions", "Two weights"
PATH_FLOATS = 5_000_000  # weight snapshots kept for the path, in numbers (40 MB); thinned evenly beyond


def _spin(low, high, value, tip, suffix=""):
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    box.setPrefix(suffix)
    return box


class WeightPicker(QWidget):
    """W<layer>[row, col] as three spin boxes (layers from 1, rows and columns from 0)."""

    def __init__(self, label: str, layer=1, row=0, col=0):
        super().__init__()
        self.layer = _spin(1, 999, layer, "Dense layer, counted from 1 as on the canvas", "W")
        self.row = _spin(0, 99999, row, "Row: the unit the weight leads to (from 0)", "row ")
        self.col = _spin(0, 99999, col, "Column: the input the weight comes from (from 0)", "col ")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(QLabel(label))
        for box in (self.layer, self.row, self.col):
            layout.addWidget(box)

    def ref(self) -> WeightRef:
        return WeightRef("W", self.layer.value(), self.row.value(), self.col.value())

    def set_ref(self, layer: int, row: int, col: int) -> None:
        self.layer.setValue(layer)
        self.row.setValue(row)
        self.col.setValue(col)


class LandscapePanel(QWidget):
    """Controls above a LandscapePlot; computes in a background Job, follows the session's weights live."""

    min_interval = 0.25  # seconds between path redraws (RedrawClock)

    def __init__(self, session, clock, parent=None):
        super().__init__(parent)
        self.session = session
        self.directions = QComboBox()
        self.directions.addItems([RANDOM, PICKED])
        self.directions.setToolTip("Random: two filter-normalised random directions (Li et al. 2018), biases "
                                   "kept still. Two weights: the plane of two W entries.")
        self.seed = _spin(0, 2**31 - 1, 0, "Seed of the random directions", "seed ")
        self.span = QDoubleSpinBox()
        self.span.setRange(0.001, 1000.0)
        self.span.setDecimals(3)
        self.span.setValue(1.0)
        self.span.setPrefix("± ")
        self.span.setToolTip("How far the plane reaches each way from the weights")
        self.resolution = _spin(5, 201, 41, "Grid points a side", "")
        self.resolution.setSuffix(" pts")
        self.button = QPushButton("Recompute")
        self.button.setToolTip("Compute the landscape around the weights as they are now")
        self.first, self.second = WeightPicker("a"), WeightPicker("b", 1, 0, 1)
        self.status = QLabel("")
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.plot = LandscapePlot()
        # the controls in two short rows (and the weight pickers one above the other): in one row the dock
        # was 556 pixels at least, and with the docks beside it the window no longer fitted 1024 wide
        for box in (self.seed, self.span, self.resolution):  # narrow: their ranges' widths set no minimum
            box.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            box.setMinimumWidth(box.fontMetrics().horizontalAdvance("± 0.000") + 20)
        self.directions.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.directions.setMinimumContentsLength(9)  # "Random di…" at the narrowest; the list shows all
        rows = []
        for widgets in ((self.directions, self.button), (self.seed, self.span, self.resolution)):
            row = QHBoxLayout()
            row.setSpacing(4)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
            rows.append(row)
        self.picks = QWidget()
        picks = QVBoxLayout(self.picks)
        picks.setContentsMargins(0, 0, 0, 0)
        picks.setSpacing(2)
        picks.addWidget(self.first)
        picks.addWidget(self.second)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 0)
        layout.setSpacing(2)
        for row in rows:
            layout.addLayout(row)
        layout.addWidget(self.picks)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self.picks.setVisible(False)
        self.directions.currentTextChanged.connect(self._directions_changed)
        self.button.clicked.connect(self.recompute)
        self.plot.point_clicked.connect(self.move_to)
        session.progressed.connect(self._progressed)
        session.finished.connect(self._run_finished)
        clock.add(self)
        self.job: Job | None = None
        self._again = False          # Recompute pressed while a job ran: once more when it ends
        self._closed = False         # shut down: no new jobs (a queued end of the last one must not start one)
        self._next_pick = 0          # which weight a click on the W heatmap sets
        self._generation = session.record.generation
        self.snapshots: list[np.ndarray] = []  # flattened weights, oldest first
        self._stride, self._skipped = 1, 0
        self._projected = np.zeros((0, 2))
        self._asked = -1              # the generation an automatic first computation was made for
        self.computed = 0             # landscapes shown (tests)
        self._layer_plot = None       # the Gradients dock's LayerGradients, once `pick_from` connects it

    # ---- what to compute ----
    def _directions_changed(self, text: str) -> None:
        self.picks.setVisible(text == PICKED)
        self.seed.setVisible(text == RANDOM)

    def _inputs(self):
        """(model, loss, X, Y, weights) for a job, or a reason why there is nothing to draw."""
        s = self.session
        if s.spec is None or s.model is None:
            return "Build a valid Chain to see its loss landscape."
        train = s.chain_training_data()  # with the Chain's derived inputs, standardised
        if isinstance(train, str):
            return train
        weights = s.record.weights if s.record.weights is not None else s.weights()
        try:
            Y = train.targets(s.spec.shapes()[-1])
        except ValueError as error:
            return str(error)
        return s.spec.build(s.settings.seed), s.settings.loss, np.array(train.X), Y, \
            [np.array(w, dtype=np.float64) for w in weights]

    def _work(self):
        inputs = self._inputs()
        if isinstance(inputs, str):
            return inputs
        model, loss, X, Y, weights = inputs
        picked = self.directions.currentText() == PICKED
        refs, seed = (self.first.ref(), self.second.ref()), self.seed.value()
        span, resolution = self.span.value(), self.resolution.value()
        arrows = min(15, max(3, resolution // 4))

        def work(context):  # on the worker thread: only its own copies
            plane = weight_plane(model, refs, weights) if picked else random_plane(model, seed, weights)
            return landscape(model, loss, X, Y, plane, span, resolution, arrows)
        return work

    def recompute(self) -> None:
        """Compute the landscape around the current weights in a background job."""
        if self._closed:
            return
        if self.job is not None:
            self._again = True
            return
        work = self._work()
        if isinstance(work, str):
            self.status.setText(work)
            return
        generation = self.session.record.generation
        self.job = Job(work, name="landscape", parent=self)
        self.job.succeeded.connect(lambda view: self._computed(view, generation))
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self._job_done)
        self.status.setText("Computing the landscape…")
        self.job.start()

    def compute_now(self) -> bool:
        """The same on this thread (a screenshot, a script); True if a landscape is shown."""
        work = self._work()
        if isinstance(work, str):
            self.status.setText(work)
            return False
        try:
            self._computed(work(None), self.session.record.generation)
        except ValueError as error:
            self._failed(str(error))
        return self.plot.view is not None

    def _computed(self, view, generation: int) -> None:
        if generation != self.session.record.generation:
            return  # another model since it started: its plane does not fit
        self._reset_if_new(self.session.record)
        if not self.snapshots and self.session.record.weights is not None:
            self._add(self.session.record.weights)
        self.plot.show_landscape(view)
        self._projected = view.plane.project(self._snapshot_lists()) if self.snapshots else np.zeros((0, 2))
        self.plot.show_path(self._projected)
        low = float(np.min(view.loss))
        self.status.setText(f"{view.labels[0]} × {view.labels[1]}: loss {view.centre_loss:.4g} at the weights, "
                            f"{low:.4g} lowest in view")
        self.computed += 1

    def _failed(self, message: str) -> None:
        self.status.setText(message.removeprefix("ValueError: "))

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        if self._again:
            self._again = False
            self.recompute()

    # ---- the path ----
    def _reset_if_new(self, record) -> None:
        if record.generation != self._generation:
            self._generation = record.generation
            self.snapshots, self._stride, self._skipped = [], 1, 0
            self._projected = np.zeros((0, 2))
            self.plot.clear_landscape()
            self.status.setText("A new model: Recompute to see its landscape.")

    def _add(self, weights) -> None:
        self._skipped += 1
        if self._skipped < self._stride:
            return
        self._skipped = 0
        self.snapshots.append(np.concatenate([np.ravel(w) for w in weights]).astype(np.float64))
        if len(self.snapshots) * self.snapshots[-1].size > PATH_FLOATS and len(self.snapshots) > 2:
            self.snapshots, self._stride = self.snapshots[::2], self._stride * 2
            self._projected = np.zeros((0, 2))  # re-projected from the thinned list at the next redraw

    def _snapshot_lists(self, start: int = 0):
        shapes = [np.shape(w) for w in self.plot.view.plane.origin]
        sizes = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
        return [[part.reshape(shape) for part, shape in zip(np.split(flat, sizes), shapes)]
                for flat in self.snapshots[start:]]

    def _progressed(self, progress) -> None:
        self._reset_if_new(self.session.record)
        if getattr(progress, "weights", None) is not None:
            self._add(progress.weights)

    def _run_finished(self, history) -> None:
        if self.session.record.weights is not None:
            self._add(self.session.record.weights)

    def redraw(self, record) -> None:
        self._reset_if_new(record)
        if self.plot.view is None:
            if self._asked != record.generation and self.job is None and record.weights is not None:
                self._asked = record.generation  # the first look at a model computes by itself, once
                self.recompute()
            return
        if len(self._projected) < len(self.snapshots):
            new = self.plot.view.plane.project(self._snapshot_lists(len(self._projected)))
            self._projected = np.vstack([self._projected, new])
            self.plot.show_path(self._projected)

    # ---- moving the weights ----
    def move_to(self, a: float, b: float) -> None:
        """Put the weights at (a, b) of the plane on screen (while idle); Train continues from there."""
        view = self.plot.view
        if view is None:
            return
        if self.session.state != "idle":
            self.status.setText("Stop or finish training to move the weights.")
            return
        weights = view.plane.at(a, b)
        if self.session.set_weights(weights):
            self._add(self.session.record.weights)
            self.redraw(self.session.record)
            self.status.setText(f"Weights moved to ({a:.3g}, {b:.3g}) of the plane; Train continues from there.")

    # ---- picking from the Gradients dock ----
    def pick_from(self, layer_plot) -> None:
        """Let a click on `layer_plot`'s W heatmap (gui/plots/gradients.LayerGradients) pick a weight."""
        self._layer_plot = layer_plot
        layer_plot.w_plot.scene().sigMouseClicked.connect(self._heatmap_clicked)

    def _heatmap_clicked(self, event) -> None:
        image = self._layer_plot.w_image
        W = self._layer_plot.shown.get("W")
        if event.button() != Qt.LeftButton or W is None or self.session.record.watched is None:
            return
        at = image.mapFromScene(event.scenePos())
        row, col = int(np.floor(at.y())), int(np.floor(at.x()))  # row-major image: x is W's column
        if not (0 <= row < W.shape[0] and 0 <= col < W.shape[1]):
            return
        picker = (self.first, self.second)[self._next_pick]
        picker.set_ref(self.session.record.watched + 1, row, col)
        self._next_pick = 1 - self._next_pick
        self.directions.setCurrentText(PICKED)
        self.status.setText(f"Picked {picker.ref()} as the {'first' if self._next_pick else 'second'} weight; "
                            "Recompute to see its plane.")

    def shutdown(self) -> None:
        """Before the window goes: no more session callbacks, the job joined, and none started after."""
        self._closed, self._again = True, False
        self.session.progressed.disconnect(self._progressed)
        self.session.finished.disconnect(self._run_finished)
        if self._layer_plot is not None:
            self._layer_plot.w_plot.scene().sigMouseClicked.disconnect(self._heatmap_clicked)
            self._layer_plot = None
        if self.job is not None:
            self.job.wait()
