"""Live training plots (pyqtgraph): loss, gradient norms and layer gradients, decision boundary.

Plots never redraw per signal: they read a shared `TrainingRecord` when `RedrawClock` ticks (≤ 25/s).
"""
from __future__ import annotations

_configured = False


def configure() -> None:
    """pyqtgraph's global options, set once before the first plot is made."""
    global _configured
    if not _configured:
        import pyqtgraph as pg

        # colours come from the palette, per plot (theme.py): dark mode gives dark plots
        pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
        _configured = True
