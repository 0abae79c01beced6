"""Gradient plots: each layer's gradient history (norms, update/weight ratio, successive cosine), and the selected layer's ∂L/∂W and ∂L/∂b
beside its weights, updated live.

>>> norms = GradientNormPlot(); layer = LayerGradients()    # doctest: +SKIP
>>> clock.add(norms); clock.add(layer)                       # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.training import STATS

from . import configure
from .common import epoch_plot, plain_axes
from .theme import themed

LAYER_COLOURS = ["#3a6ff7", "#f08c00", "#2f9e44", "#d6336c", "#7048e8", "#0c8599", "#e8590c", "#5c940d"]
# blue for negative, white for zero, red for positive: the sign of a weight or gradient at a glance
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])


# What the history plot can show, per layer, from the per-epoch table (engine.training.STATS): the column
# of a layer's STATS, whether it is drawn as log₁₀ (norms and ratios span decades), and its axis label.
DIAGNOSTICS = {
    "‖∂L/∂W‖": (0, True, "log₁₀ ‖∂L/∂W‖"),
    "‖∂L/∂b‖": (1, True, "log₁₀ ‖∂L/∂b‖"),
    "update / weight ‖Δθ‖/‖θ‖": (2, True, "log₁₀ ‖Δθ‖/‖θ‖"),
    "cos(g, g₋₁): oscillation < 0": (3, False, "cos(g, g₋₁)"),
}


class GradientNormPlot(QWidget):
    """Every trainable layer's gradient history, one point per epoch (thinned evenly for long runs, saved in
    the model file): ‖∂L/∂W‖ or ‖∂L/∂b‖ as log₁₀ (vanishing is far down), the update/weight ratio ‖Δθ‖/‖θ‖
    (healthy training is about 10⁻³), or the cosine between successive gradients (negative: oscillating)."""

    min_interval = 0.2  # seconds between redraws (RedrawClock): five redraws a second

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        # log10 on a linear axis: pyqtgraph's log mode labels minor ticks into a smudge
        self.plot_widget = epoch_plot("log₁₀ ‖∂L/∂W‖")
        self.zero_line = pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#888888", width=1, style=Qt.DashLine))
        self.names = QLabel()  # layer names in their curves' colours (a legend costs a lot to repaint)
        self.names.setWordWrap(True)
        self.choice = QComboBox()
        self.choice.addItems(list(DIAGNOSTICS))
        self.choice.setToolTip("What to plot for each layer, one point per epoch")
        # as narrow as a few characters: the dock must not widen the window's minimum size
        self.choice.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(7)
        self.choice.currentTextChanged.connect(self._chosen)
        self.curves: list = []
        self._generation = -1
        self._record = None
        layout = QVBoxLayout(self)  # the names on a line of their own: beside the chooser they wrapped thrice
        layout.setContentsMargins(4, 2, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(self.choice)
        layout.addWidget(self.names)
        layout.addWidget(self.plot_widget, 1)

    def _chosen(self, name: str) -> None:
        column, log, label = DIAGNOSTICS[name]
        item = self.plot_widget.getPlotItem()
        item.setLabel("left", label)
        if log:
            item.removeItem(self.zero_line)
            item.enableAutoRange(axis="y")
        else:  # a cosine: its whole range, and the line that separates agreeing from oscillating gradients
            item.addItem(self.zero_line)
            item.setYRange(-1.05, 1.05, padding=0)
        if self._record is not None:
            self.redraw(self._record)

    def _ensure_curves(self, names: list[str]) -> None:
        if [c.name() for c in self.curves] == names:
            return
        item = self.plot_widget.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        colours = [LAYER_COLOURS[i % len(LAYER_COLOURS)] for i in range(len(names))]
        self.curves = [item.plot([], [], pen=pg.mkPen(c, width=1), name=name) for c, name in zip(colours, names)]
        # no clip-to-view or auto-downsampling (see loss.py): ≤ 1000 points a curve, and auto-range must see them
        self.names.setText("  ".join(f"<span style='color:{c}; font-weight:600'>{n}</span>"
                                     for c, n in zip(colours, names)))

    def series(self, record, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values as plotted) of one layer for the current choice; points that cannot be drawn
        (a log of 0, a NaN) are left out."""
        column, log, _ = DIAGNOSTICS[self.choice.currentText()]
        table = record.gradients
        if not len(table):
            return np.zeros(0), np.zeros(0)
        xs, ys = table.epochs, table.values[:, layer * len(STATS) + column]
        with np.errstate(divide="ignore", invalid="ignore"):
            ys = np.log10(ys) if log else ys
        keep = np.isfinite(ys)
        return xs[keep], ys[keep]

    def redraw(self, record) -> None:
        self._record = record
        if record.generation != self._generation:  # a new record (Reset, another model): fit the axes afresh
            self._generation = record.generation
            self.plot_widget.getPlotItem().enableAutoRange(axis="x")
            if DIAGNOSTICS[self.choice.currentText()][1]:
                self.plot_widget.getPlotItem().enableAutoRange(axis="y")
        self._ensure_curves(record.layer_names)
        for layer, curve in enumerate(self.curves):
            curve.setData(*self.series(record, layer))


def _heatmap(title: str) -> tuple[pg.PlotWidget, pg.ImageItem]:
    widget = themed(pg.PlotWidget())
    item = widget.getPlotItem()
    item.setTitle(title, size="9pt")
    item.hideAxis("left")
    item.hideAxis("bottom")
    item.setMenuEnabled(False)
    plain_axes(item)
    item.getViewBox().invertY(True)  # row 0 (the first output unit) on top, like the matrix
    item.setMouseEnabled(x=False, y=False)
    image = pg.ImageItem()
    item.addItem(image)
    return widget, image


def _bars(title: str) -> tuple[pg.PlotWidget, pg.BarGraphItem]:
    widget = themed(pg.PlotWidget())
    item = widget.getPlotItem()
    item.setTitle(title, size="9pt")
    item.hideAxis("bottom")
    item.hideAxis("left")  # the caption gives the scale; axes are the costliest thing to repaint
    item.setMenuEnabled(False)
    plain_axes(item)
    item.setMouseEnabled(x=False, y=False)
    bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#3a6ff7")
    item.addItem(bars)
    return widget, bars


class LayerGradients(QWidget):
    """The watched layer: W and ∂L/∂W as heatmaps (out × in), b and ∂L/∂b as bars."""

    min_interval = 0.25  # seconds between redraws (RedrawClock): four small plots, four redraws a second

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        self.caption = QLabel("Select a Dense block to see its weights and gradients.")
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # no re-layout per redraw
        self.w_plot, self.w_image = _heatmap("W")
        self.gw_plot, self.gw_image = _heatmap("∂L/∂W")
        self.b_plot, self.b_bars = _bars("b")
        self.gb_plot, self.gb_bars = _bars("∂L/∂b")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        grid.addWidget(self.w_plot, 0, 0)
        grid.addWidget(self.gw_plot, 0, 1)
        grid.addWidget(self.b_plot, 1, 0)
        grid.addWidget(self.gb_plot, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addLayout(grid, 1)
        self.shown: dict[str, np.ndarray | None] = {}  # what is on screen, for tests

    def redraw(self, record) -> None:
        index, weights = record.watched, record.weights
        layer = _layer_arrays(record, index)
        if layer is None:
            self.caption.setText("Select a Dense block to see its weights and gradients.")
            for image in (self.w_image, self.gw_image):
                image.clear()
            for bars in (self.b_bars, self.gb_bars):
                bars.setOpts(x=[], height=[])
            self.shown = {}
            return
        W, b = layer
        grads = record.layer_grads
        if grads is not None and (len(grads) < 1 or grads[0].shape != W.shape):
            grads = None  # from another layer: the watched layer changed since the last report
        gW = grads[0] if grads is not None else None
        gb = grads[1] if grads is not None and len(grads) > 1 else None
        scale = lambda a: f"{np.max(np.abs(a)):.1e}" if a is not None and a.size else "–"  # noqa: E731
        self.caption.setText(record.layer_names[index])  # the numbers in the tooltip: the column is narrow
        self.caption.setToolTip(f"max |W| {scale(W)}, |b| {scale(b)}"
                                + (f", |∂W| {scale(gW)}, |∂b| {scale(gb)}" if gW is not None
                                   else " · gradients appear while training"))
        _show_matrix(self.w_image, W)
        _show_matrix(self.gw_image, gW)
        _show_bars(self.b_bars, b)
        _show_bars(self.gb_bars, gb)
        self.shown = {"W": W, "dW": gW, "b": b, "db": gb}


def _layer_arrays(record, index):
    """(W, b or None) of trainable layer `index` from the record's weights (params order)."""
    if index is None or record.weights is None or not 0 <= index < len(record.layer_names):
        return None
    # params(model) lists each Dense layer's weight, then its bias if it has one
    groups, i = [], 0
    weights = record.weights
    while i < len(weights):
        W = weights[i]
        b = weights[i + 1] if i + 1 < len(weights) and weights[i + 1].ndim == 1 else None
        groups.append((W, b))
        i += 2 if b is not None else 1
    return groups[index] if index < len(groups) else None


def _show_matrix(image: pg.ImageItem, values) -> None:
    if values is None:
        image.clear()
        return
    values = np.asarray(values, dtype=float)
    bound = float(np.max(np.abs(values))) or 1.0
    image.setImage(values, levels=(-bound, bound), lut=DIVERGING.getLookupTable(nPts=256), autoLevels=False)


def _show_bars(bars: pg.BarGraphItem, values) -> None:
    if values is None:
        bars.setOpts(x=[], height=[])
        return
    values = np.asarray(values, dtype=float).reshape(-1)
    colours = ["#b2182b" if v >= 0 else "#2166ac" for v in values]
    bars.setOpts(x=np.arange(len(values)), height=values, brushes=colours, pens=[None] * len(values))
