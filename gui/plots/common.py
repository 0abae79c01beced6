"""Pieces the live plots share.

>>> widget = epoch_plot("loss")      # epochs along the bottom, a plain-number left axis  # doctest: +SKIP
>>> plain_axes(widget.getPlotItem())  # no axis re-lays its label out when the range moves  # doctest: +SKIP
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from .theme import themed


class EpochAxis(pg.AxisItem):
    """A bottom axis with no more labels than fit side by side. pyqtgraph picks the tick count from the
    axis's length alone, so a narrow dock read "0.20.40.60.8" or "100000200000"."""

    def tickSpacing(self, minVal, maxVal, size):
        span = maxVal - minVal
        if not (span > 0 and math.isfinite(span)) or size <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        metrics = QFontMetrics(self.style["tickFont"] or self.font())
        widest = max(metrics.horizontalAdvance(f"{v:,.6g}") for v in (minVal, maxVal, span / 3))
        fits = max(1, int(size // (widest + 2 * metrics.averageCharWidth())))
        step = 10 ** math.floor(math.log10(span / fits))
        for nice in (1, 2, 5, 10):  # the smallest 1-2-5 step that leaves room for every label
            if span / (nice * step) <= fits:
                return [(nice * step, 0)]
        return [(10 * step, 0)]


def plain_axes(item: pg.PlotItem) -> None:
    """Every axis of `item` in plain numbers, never rescaled with an SI prefix (m, µ, ×1e-3). With the prefix on,
    each change of range (a live plot auto-ranges on every redraw) re-set every axis's label as HTML and
    re-laid it out, hidden axes too: a fifth of a plot's redraw."""
    for name in ("left", "bottom", "right", "top"):
        item.getAxis(name).enableAutoSIPrefix(False)


def epoch_plot(left: str) -> pg.PlotWidget:
    """A PlotWidget of something against epochs, labelled `left`, without pyqtgraph's context menu."""
    widget = themed(pg.PlotWidget(axisItems={"bottom": EpochAxis("bottom")}))
    item = widget.getPlotItem()
    item.setLabel("bottom", "epoch")
    item.setLabel("left", left)
    plain_axes(item)
    item.setMenuEnabled(False)
    return widget
