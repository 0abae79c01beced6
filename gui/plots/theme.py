"""Plots that follow the application's palette: dark mode gives dark plots, and a change of palette (the
system switching, or apply_theme) restyles every plot at once.

>>> widget = themed(pg.PlotWidget())     # background, axes, labels in the palette's colours   # doctest: +SKIP
"""
from __future__ import annotations

import weakref

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

_plots: weakref.WeakSet = weakref.WeakSet()
_watcher = None

AXES = ("left", "bottom", "right", "top")


def colours():
    """(background, text, grid lines) of the current palette."""
    palette = QApplication.palette()
    background, text = palette.color(QPalette.Base), palette.color(QPalette.Text)
    axis = palette.color(QPalette.PlaceholderText)
    return background, text, axis


def style(widget: pg.PlotWidget) -> None:
    background, text, axis = colours()
    widget.setBackground(background)
    item = widget.getPlotItem()
    for name in AXES:
        ax = item.getAxis(name)
        ax.setPen(pg.mkPen(axis))
        ax.setTextPen(pg.mkPen(text))
    if item.titleLabel is not None:
        item.titleLabel.setText(item.titleLabel.text, color=text.name())


def themed(widget: pg.PlotWidget) -> pg.PlotWidget:
    """Style `widget` now and whenever the palette changes; returns it."""
    global _watcher
    if _watcher is None:
        _watcher = _PaletteWatcher(QApplication.instance())
        QApplication.instance().installEventFilter(_watcher)
    _plots.add(widget)
    style(widget)
    return widget


class _PaletteWatcher(QObject):
    def eventFilter(self, watched, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.ApplicationPaletteChange and watched is QApplication.instance():
            for widget in list(_plots):
                if isValid(widget):
                    style(widget)
        return False
