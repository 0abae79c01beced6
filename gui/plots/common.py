"""Pieces the live plots share.

>>> widget = epoch_plot("loss")      # epochs along the bottom, a plain-number left axis  # doctest: +SKIP
"""
from __future__ import annotations

import pyqtgraph as pg

from .theme import themed


def epoch_plot(left: str) -> pg.PlotWidget:
    """A PlotWidget of something against epochs, labelled `left`, without pyqtgraph's context menu."""
    widget = themed(pg.PlotWidget())
    item = widget.getPlotItem()
    item.setLabel("bottom", "epoch")
    item.setLabel("left", left)
    item.getAxis("left").enableAutoSIPrefix(False)  # plain numbers, not rescaled with an SI prefix (m, µ)
    item.getAxis("bottom").setTickDensity(0.6)  # fewer epoch labels: in a narrow dock they ran into each other
    item.setMenuEnabled(False)
    return widget
