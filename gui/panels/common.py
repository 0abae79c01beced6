"""Pieces the dock panels share.

>>> fill_with_scroll(panel, inner)     # panel shows inner, scrolling up and down  # doctest: +SKIP
>>> dock = tool_dock(window, panel, "Tape", "tape_dock")   # hidden, tabbed with Prediction  # doctest: +SKIP
>>> tools_menu(window).addAction(action)                  # Tools ▸ …                       # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMenu, QScrollArea, QVBoxLayout, QWidget


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


def tool_dock(window, panel: QWidget, title: str, object_name: str) -> QDockWidget:
    """A dock for a Tools ▸ window: on the right, tabbed with Prediction, hidden until its action shows it."""
    dock = QDockWidget(title, window)
    dock.setObjectName(object_name)
    dock.setWidget(panel)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.prediction_dock, dock)
    dock.hide()
    return dock


def tools_menu(window) -> QMenu:
    """`window`'s Tools menu, made before Help by the first tool that asks for it."""
    menu = window.menus.get("tools")
    if menu is None:
        menu = QMenu("&Tools", window)
        window.menuBar().insertMenu(window.menus["help"].menuAction(), menu)
        window.menus["tools"] = menu
    return menu
