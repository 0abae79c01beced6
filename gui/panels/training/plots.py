"""The live plots the training dock feeds (the main window puts them in docks), the clock that redraws them
from the session's record, and the gradient badges on the canvas.

>>> plots = TrainingPlots(session, editor.scene, parent=dock)   # loss, gradients, boundary, clock  # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QSplitter

from ...plots.boundary import BoundaryPlot
from ...plots.clock import RedrawClock
from ...plots.gradients import GradientNormPlot, LayerGradients
from ...plots.loss import LossPlot


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


class TrainingPlots(QObject):
    """Every view of a run, on one clock."""

    def __init__(self, session, scene, parent=None):
        super().__init__(parent)
        self.loss_plot = LossPlot()
        self.norm_plot = GradientNormPlot()
        self.layer_plot = LayerGradients()
        self.gradient_plot = QSplitter(Qt.Horizontal)
        self.gradient_plot.addWidget(self.norm_plot)
        self.gradient_plot.addWidget(self.layer_plot)
        self.gradient_plot.setSizes([500, 400])
        self.gradient_plot.setChildrenCollapsible(False)
        self.boundary_plot = BoundaryPlot(session.predict, spec=lambda: session.spec)
        self.canvas_gradients = CanvasGradients(scene)
        self.clock = RedrawClock(session.record, self)
        for plot in (self.loss_plot, self.norm_plot, self.layer_plot, self.boundary_plot, self.canvas_gradients):
            self.clock.add(plot)
