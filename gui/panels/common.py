"""Pieces the dock panels share.

>>> fill_with_scroll(panel, inner)     # panel shows inner, scrolling up and down  # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


def fill_with_scroll(panel: QWidget, inner: QWidget, pinned: QWidget | None = None) -> None:
    """Fill `panel` with a frameless area that scrolls `inner` vertically (a dock can be shorter than it),
    under `pinned`, which stays in sight however short the dock is (the controls a person needs at once)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setWidget(inner)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    if pinned is not None:
        outer.addWidget(pinned)
    outer.addWidget(scroll, 1)
