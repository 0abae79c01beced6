"""The loss-landscape plot: log₁₀ loss as a heatmap with contour lines, downhill arrows, the optimiser's path.

>>> plot = LandscapePlot()
>>> plot.show_landscape(view)        # an engine.analysis.Landscape                          # doctest: +SKIP
>>> plot.show_path(coords)           # (m, 2) plane coordinates, the last one the weights now  # doctest: +SKIP
>>> plot.point_clicked.connect(go)   # (a, b) where a left click landed on the plane          # doctest: +SKIP

The colours, contour levels and arrow rule are gui/core/landscape_picture.py's, which the command line
draws with, so the dock and `chainboard landscape` show one picture.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..core.landscape_picture import CONTOURS, VIRIDIS, contour_levels, shown_values
from . import configure
from .common import plain_axes
from .theme import themed

VIRIDIS_MAP = pg.ColorMap(np.linspace(0, 1, len(VIRIDIS)), VIRIDIS.astype(np.uint8))
CONTOUR_PEN = (20, 20, 20, 170)
PATH_COLOUR = "#ff4040"


def arrow_segments(view) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of line segments (pairs of points) for arrows pointing downhill, −(∂L/∂a, ∂L/∂b), at the arrow
    grid, each as long as its steepness allows within a cell; with two barbs at the tip."""
    g = -np.asarray(view.arrows, dtype=float)
    if g.size == 0:
        return np.zeros(0), np.zeros(0)
    length = np.hypot(g[..., 0], g[..., 1])
    top = float(np.nanmax(length)) if np.isfinite(length).any() else 0.0
    if not top > 0:
        return np.zeros(0), np.zeros(0)
    cell = 2 * float(view.alphas[-1]) / max(len(view.arrow_alphas), 2) * 0.8
    A, B = np.meshgrid(view.arrow_alphas, view.arrow_betas, indexing="ij")
    keep = np.isfinite(length) & (length > 0)
    a0, b0, gx, gy, n = A[keep], B[keep], g[..., 0][keep], g[..., 1][keep], length[keep]
    ux, uy = gx / n, gy / n
    reach = cell * (0.25 + 0.75 * n / top)
    a1, b1 = a0 + ux * reach, b0 + uy * reach
    xs, ys = [a0, a1], [b0, b1]
    for turn in (0.5, -0.5):  # barbs ~30° back from the tip
        c, s = np.cos(np.pi - turn), np.sin(np.pi - turn)
        xs += [a1, a1 + 0.3 * reach * (ux * c - uy * s)]
        ys += [b1, b1 + 0.3 * reach * (ux * s + uy * c)]
    # segments in pairs: (start, end) of each shaft, then of each barb
    x = np.stack(xs, axis=1).reshape(-1)
    y = np.stack(ys, axis=1).reshape(-1)
    return x, y


class LandscapePlot(QWidget):
    """One landscape at a time; the path is redrawn on its own (it grows while training)."""

    point_clicked = Signal(float, float)

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        self.plot_widget = themed(pg.PlotWidget())
        item = self.plot_widget.getPlotItem()
        item.setMenuEnabled(False)
        plain_axes(item)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        item.addItem(self.image)
        # made once, in the image's coordinates (one unit a grid cell); a new landscape gives them new data
        self.contours = [pg.IsocurveItem(pen=pg.mkPen(CONTOUR_PEN, width=1)) for _ in range(CONTOURS)]
        for curve in self.contours:
            curve.setParentItem(self.image)
            curve.setPos(0.5, 0.5)  # isocurves run through pixel indices; a pixel's value is at its centre
        self.arrows = pg.PlotDataItem([], [], connect="pairs", pen=pg.mkPen((255, 255, 255, 220), width=1))
        self.path = pg.PlotDataItem([], [], pen=pg.mkPen(PATH_COLOUR, width=2.5))
        self.now = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w", width=1.2), brush=pg.mkBrush(PATH_COLOUR))
        self.centre = pg.ScatterPlotItem([0.0], [0.0], size=14, symbol="+", pen=pg.mkPen("w", width=2), brush=None)
        for thing in (self.arrows, self.path, self.now, self.centre):
            item.addItem(thing)
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget, 1)
        self.view = None  # the Landscape on screen
        self.path_shown = np.zeros((0, 2))

    def show_landscape(self, view) -> None:
        self.view = view
        values = shown_values(view.loss).T  # row-major images (gui/plots/configure): rows are b, columns a
        lo, hi = float(values.min()), float(values.max())
        self.image.setImage(values, levels=(lo, hi if hi > lo else lo + 1),
                            lut=VIRIDIS_MAP.getLookupTable(nPts=256), autoLevels=False)
        span = float(view.alphas[-1])
        step = 2 * span / max(len(view.alphas) - 1, 1)
        # pixel (j, i) covers alphas[i] ± step/2, betas[j] ± step/2: the image's rect is half a step wider than the grid
        rect = QRectF(-span - step / 2, -span - step / 2, 2 * span + step, 2 * span + step)
        self.image.setRect(rect)
        item = self.plot_widget.getPlotItem()
        levels = contour_levels(values, len(self.contours))
        for k, curve in enumerate(self.contours):
            curve.setData(values if k < len(levels) else None, float(levels[k]) if k < len(levels) else 0.0)
        self.arrows.setData(*arrow_segments(view))
        item.setLabel("bottom", view.labels[0])
        item.setLabel("left", view.labels[1])
        item.setRange(xRange=(-span, span), yRange=(-span, span), padding=0.02)
        self.setToolTip(f"log₁₀ loss from {lo:.2f} to {hi:.2f}; arrows point downhill (−∇L on the plane); "
                        "the cross is where the weights were when it was computed, red is the path since. "
                        "Click to move the weights there.")

    def clear_landscape(self) -> None:
        self.view = None
        self.image.clear()
        for curve in self.contours:
            curve.setData(None)
        self.arrows.setData([], [])
        self.show_path(np.zeros((0, 2)))

    def show_path(self, coords) -> None:
        coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        self.path_shown = coords
        self.path.setData(coords[:, 0], coords[:, 1]) if len(coords) > 1 else self.path.setData([], [])
        self.now.setData(coords[-1:, 0], coords[-1:, 1]) if len(coords) else self.now.setData([], [])

    def _clicked(self, event) -> None:
        vb = self.plot_widget.getPlotItem().vb
        if self.view is None or event.button() != Qt.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.point_clicked.emit(point.x(), point.y())
