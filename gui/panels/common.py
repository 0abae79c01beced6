"""Pieces the dock panels share.

>>> fill_with_scroll(panel, inner)     # panel shows inner, scrolling up and down  # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


def fill_with_scroll(panel: QWidget, inner: QWidget) -> None:
    """Fill `panel` with a frameless area that scrolls `inner` vertically (a dock can be shorter than it)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setWidget(inner)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
