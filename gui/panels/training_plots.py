"""The live plots the training dock owns (the main window puts them in docks) and the clock that
redraws them from the panel's TrainingRecord; also the gradient badges on the canvas.

>>> build_plots(panel)             # panel.loss_plot, gradient_plot, boundary_plot, clock, …  # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from ..plots.boundary import BoundaryPlot
from ..plots.gradients import GradientNormPlot, LayerGradients
from ..plots.live import RedrawClock, TrainingRecord
from ..plots.loss import LossPlot


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


def build_plots(panel) -> None:
    """Give `panel` its record, plots and redraw clock (`panel.predict` draws the boundary)."""
    panel.record = TrainingRecord()
    panel.record.watched = 0
    panel.loss_plot = LossPlot()
    panel.norm_plot = GradientNormPlot()
    panel.layer_plot = LayerGradients()
    panel.gradient_plot = QSplitter(Qt.Horizontal)
    panel.gradient_plot.addWidget(panel.norm_plot)
    panel.gradient_plot.addWidget(panel.layer_plot)
    panel.gradient_plot.setSizes([500, 400])
    panel.gradient_plot.setChildrenCollapsible(False)
    panel.boundary_plot = BoundaryPlot(panel.predict)
    panel.canvas_gradients = CanvasGradients(panel.editor.scene)
    panel.clock = RedrawClock(panel.record, panel)
    for plot in (panel.loss_plot, panel.norm_plot, panel.layer_plot, panel.boundary_plot, panel.canvas_gradients):
        panel.clock.add(plot)
