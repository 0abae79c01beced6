"""Look and feel: Fusion with a light or dark palette (following the system), a small style sheet,
and the colours the canvas draws with.

>>> apply_theme(app)                     # doctest: +SKIP
>>> colours = CanvasColours.from_palette(app.palette())   # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from .core.resources import resource

ICONS = resource("icons")

LIGHT = {"window": "#f4f5f7", "base": "#ffffff", "alt": "#f0f2f5", "text": "#1f2430", "button": "#f7f8fa",
         "mid": "#d5d9e0", "highlight": "#3a6ff7", "muted": "#6b7280", "tooltip": "#ffffff"}
DARK = {"window": "#23262d", "base": "#1b1d22", "alt": "#262a31", "text": "#e6e8ec", "button": "#2c3038",
        "mid": "#3b404a", "highlight": "#5b8cff", "muted": "#9aa1ad", "tooltip": "#2c3038"}

STYLE_SHEET = """
QMainWindow::separator { width: 1px; height: 1px; background: palette(mid); }
QDockWidget { font-weight: 600; }
QDockWidget::title { padding: 6px 8px; background: palette(window); }
QToolBar { border: none; spacing: 2px; padding: 3px 6px; }
QToolButton { padding: 4px; border-radius: 6px; }
QToolButton:hover { background: palette(midlight); }
QToolButton:checked { background: palette(midlight); }
QStatusBar QLabel { padding: 0 8px; }
QListWidget#palette { border: none; background: palette(window); outline: 0; }
QListWidget#palette::item { padding: 5px 6px; margin: 1px 4px; border-radius: 6px; }
QListWidget#palette::item:hover { background: palette(midlight); }
QListWidget#palette::item:selected { background: palette(midlight); color: palette(text); }
QListWidget#palette::item:disabled { background: transparent; padding: 10px 6px 2px 6px; }
QLabel#sectionTitle { font-weight: 600; color: palette(placeholder-text); padding-top: 8px; }
QLabel#problem { color: #d92d20; }
"""


def is_dark(app: QApplication) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def make_palette(dark: bool) -> QPalette:
    c = {k: QColor(v) for k, v in (DARK if dark else LIGHT).items()}
    p = QPalette()
    roles = {QPalette.Window: c["window"], QPalette.WindowText: c["text"], QPalette.Base: c["base"],
             QPalette.AlternateBase: c["alt"], QPalette.Text: c["text"], QPalette.Button: c["button"],
             QPalette.ButtonText: c["text"], QPalette.Highlight: c["highlight"],
             QPalette.HighlightedText: QColor("#ffffff"), QPalette.ToolTipBase: c["tooltip"],
             QPalette.ToolTipText: c["text"], QPalette.PlaceholderText: c["muted"], QPalette.Mid: c["mid"],
             QPalette.Midlight: c["mid"].lighter(112) if not dark else c["mid"],
             QPalette.Dark: c["mid"].darker(130), QPalette.Light: c["base"], QPalette.Link: c["highlight"]}
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, c["muted"])
    return p


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion style with our palette: light unless the system (or `dark=True`) asks for dark."""
    app.setStyle("Fusion")
    app.setPalette(make_palette(is_dark(app) if dark is None else dark))
    app.setStyleSheet(STYLE_SHEET)
    app.setWindowIcon(icon("app"))


def icon(name: str) -> QIcon:
    """An icon from resources/icons by file stem."""
    return QIcon(str(ICONS / f"{name}.svg"))


@dataclass(frozen=True)
class CanvasColours:
    """What the canvas paints with, derived from the palette so dark mode follows automatically."""

    background: QColor
    grid: QColor
    block: QColor
    border: QColor
    text: QColor
    muted: QColor
    wire: QColor
    highlight: QColor
    error: QColor
    accept: QColor
    shadow: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> CanvasColours:
        base, text = palette.color(QPalette.Base), palette.color(QPalette.Text)
        dark = base.lightness() < 128
        return cls(
            background=QColor("#1e2127") if dark else QColor("#f7f8fa"),
            grid=QColor(255, 255, 255, 26) if dark else QColor(30, 40, 60, 40),
            block=QColor("#2a2e36") if dark else QColor("#ffffff"),
            border=QColor("#3d434e") if dark else QColor("#d8dce3"),
            text=text,
            muted=palette.color(QPalette.PlaceholderText),
            wire=QColor("#8b93a1") if dark else QColor("#7b8494"),
            highlight=palette.color(QPalette.Highlight),
            error=QColor("#f04438") if dark else QColor("#d92d20"),
            accept=QColor("#12b76a") if dark else QColor("#079455"),
            shadow=QColor(0, 0, 0, 70) if dark else QColor(16, 24, 40, 22),
        )
