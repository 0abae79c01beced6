"""The Tape dock's live parts: the wires' batch-mean ‖∂L/∂activation‖ while training runs, and the curvature
of the selected layer, each computed in a gui.jobs.Job on a copy of the model; the weights on the wires.

>>> live = LiveAdjoints(session, doc, overlay, allowed=lambda: True)   # ticks every 0.5 s   # doctest: +SKIP
>>> box = CurvatureBox(session, doc); box.set_layer(0); box.measure()                        # doctest: +SKIP

Both read the training record's latest weights through gui.panels.gradcheck.snapshot, so they run beside a fit.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QWidget

from engine.analysis import Stopped, batch_adjoint_norms, curvature

from ..jobs import Job
from .gradcheck import snapshot

LIVE_ROWS, CURVATURE_ROWS = 64, 256  # a small batch is enough to see a gradient vanish; curvature wants more
LIVE_INTERVAL_MS = 500


def _rows(X, Y, count, seed=0):
    if len(X) <= count:
        return X, Y
    chosen = np.sort(np.random.default_rng(seed).choice(len(X), count, replace=False))
    return X[chosen], Y[chosen]


class LiveAdjoints(QWidget):
    """While the session trains (and `allowed()`), the wires carry the batch mean of ‖∂L/∂activation‖."""

    def __init__(self, session, doc, overlay, allowed, parent=None):
        super().__init__(parent)
        self.session, self.doc, self.overlay, self.allowed = session, doc, overlay, allowed
        self.job = None
        self.norms: dict = {}  # block id -> the last batch-mean norm shown
        self.timer = QTimer(self)
        self.timer.setInterval(LIVE_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.hide()

    def tick(self) -> bool:
        """Start one measurement if training runs and nothing else is measuring (True when started)."""
        if self.job is not None or self.session.state != "running" or not self.allowed():
            return False
        taken = snapshot(self.session, self.doc)
        if isinstance(taken, str):
            return False
        model, loss, X, Y = taken
        X, Y = _rows(X, Y, LIVE_ROWS)
        blocks = [b.block_id for b in self.doc.chain_blocks()[1:]]
        self.job = Job(lambda context: batch_adjoint_norms(model, loss, X, Y), name="tape-live", parent=self)
        self.job.succeeded.connect(lambda norms: self._show(blocks, norms))
        self.job.finished.connect(self._finished)
        self.job.start()
        return True

    def _show(self, blocks, norms):
        if self.allowed() and len(blocks) == len(norms):
            self.norms = {b: n for b, n in zip(blocks, norms) if n is not None}
            self.overlay.light_up(None)
            self.overlay.show(self.norms)

    def _finished(self):
        self.job.deleteLater()
        self.job = None

    def shutdown(self, ms: int = 5000) -> bool:
        self.timer.stop()
        return self.job is None or self.job.wait(ms)


def weights_by_block(spec, blocks, weights) -> dict:
    """Block id -> weight matrix (out, in) of each Dense layer, from weights in params(model) order."""
    found, k = {}, 0
    for layer, block_id in zip(spec.layers, blocks):
        if layer.kind != "dense":
            continue
        if k >= len(weights):
            break
        found[block_id] = weights[k]
        k += 2 if layer.bias else 1
    return found


class LiveWeights(QCheckBox):
    """"Weights on wires": while checked, each Dense block's weights are strands on the wire into it, following
    the training record (a run's latest copies) as it moves."""

    def __init__(self, session, doc, overlay, parent=None):
        super().__init__("Weights on wires", parent)
        self.session, self.doc, self.overlay = session, doc, overlay
        self.setToolTip("Draw each Dense block's weights on the wire into it: thickness by size, "
                        "orange positive, blue negative")
        self._seen = None
        self.timer = QTimer(self)
        self.timer.setInterval(LIVE_INTERVAL_MS)
        self.timer.timeout.connect(self.refresh)
        self.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        self._seen = None
        if on:
            self.timer.start()
            self.refresh()
        else:
            self.timer.stop()
            self.overlay.clear()

    def refresh(self) -> None:
        record, spec = self.session.record, self.session.spec
        key = (record.version, id(record.weights), self.doc.state())
        if key == self._seen:
            return
        self._seen = key
        analysis = self.doc.analysis()
        if spec is None or not analysis.valid or analysis.spec != spec or not record.weights:
            self.overlay.clear()
            return
        blocks = [b.block_id for b in self.doc.chain_blocks()[1:]]
        self.overlay.show(weights_by_block(spec, blocks, record.weights))

    def shutdown(self) -> None:
        self.timer.stop()


class CurvatureBox(QGroupBox):
    """The selected layer's Hessian diagonal, top eigenvalue and curvature along g, with what it means for lr;
    measured on request, and again whenever a run pauses or ends or the loss landscape's click moves the
    weights (while the dock is shown; hidden, it says its numbers are stale instead)."""

    def __init__(self, session, doc, parent=None):
        super().__init__("Curvature", parent)
        self.session, self.doc = session, doc
        self.layer: int | None = None
        self.job = None
        self.result = None
        self.again = False  # the weights moved during a measurement: measure once more when it ends
        self.label = QLabel("Select a Dense block to measure how curved the loss is in its weights.")
        self.label.setWordWrap(True)
        self.button = QPushButton("Measure")
        self.button.setToolTip("Nested gradients on up to 256 training rows: the Hessian's diagonal for this "
                               "layer's weights, its top eigenvalue and the curvature along the gradient")
        self.button.clicked.connect(lambda _=False: self.measure())
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        session.state_changed.connect(self._state_changed)
        session.weights_moved.connect(self._weights_moved)

    def set_layer(self, layer: int) -> None:
        spec = self.session.spec
        if spec is not None and layer < len(spec.layers) and spec.layers[layer].kind == "dense" \
                and layer != self.layer:
            self.layer = layer
            self.result = None
            self._prompt()

    def _prompt(self, news: str = "") -> None:
        spec = self.session.spec
        name = f" {spec.layers[self.layer].label()}." if spec is not None and self.layer < len(spec.layers) else ""
        self.label.setText(f"Layer {self.layer + 1}:{name} {news}Measure to see its curvature.")

    def _state_changed(self, state: str) -> None:
        if state in ("paused", "idle") and self.isVisible() and self.layer is not None:
            self.measure()

    def _weights_moved(self) -> None:
        """Other weights were put in while idle: the numbers shown describe the old ones."""
        if self.layer is None:
            return
        if not self.isVisible():
            self.result = None
            self._prompt("The weights moved: ")
        elif self.job is not None:
            self.again = True
        else:
            self.measure()

    def measure(self) -> bool:
        if self.job is not None or self.layer is None:
            return False
        taken = snapshot(self.session, self.doc)
        if isinstance(taken, str):
            self.label.setText(f"⚠ {taken}")
            return False
        model, loss, X, Y = taken
        X, Y = _rows(X, Y, CURVATURE_ROWS)
        layer, rate = self.layer, self.session.current_rate()
        self.label.setText(f"Measuring layer {layer + 1}…")
        self.button.setEnabled(False)
        def work(context):  # on the worker: only the copies above
            try:
                return curvature(model, loss, X, Y, layer, should_stop=context.should_stop)
            except Stopped:
                return None

        self.job = Job(work, name="curvature", parent=self)
        self.job.succeeded.connect(lambda result: self._show(result, rate))
        self.job.failed.connect(lambda text: self.label.setText(f"⚠ {text}"))
        self.job.finished.connect(self._finished)
        self.job.start()
        return True

    def _show(self, result, rate):
        if result is None:  # stopped: the window is closing
            return
        self.result = result
        diagonal = ""
        if result.diagonal is not None:
            values = np.concatenate([np.ravel(v) for v in result.diagonal.values()])
            diagonal = f"diag H from {values.min():.3g} to {values.max():.3g}, "
        self.label.setText(f"Layer {result.layer + 1}: {diagonal}top eigenvalue {result.top_eigenvalue:.3g}, "
                           f"along g gᵀHg/‖g‖² = {result.along_gradient:.3g}.\n{result.reading(rate)}")

    def _finished(self):
        self.job.deleteLater()
        self.job = None
        self.button.setEnabled(True)
        if self.again:
            self.again = False
            self.measure()

    def detach(self) -> None:
        self.session.state_changed.disconnect(self._state_changed)
        self.session.weights_moved.disconnect(self._weights_moved)

    def shutdown(self, ms: int = 5000) -> bool:
        return self.job is None or self.job.wait(ms)
