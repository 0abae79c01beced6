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

        # colours come from the palette, per plot (theme.py): dark mode gives dark plots.
        # segmentedLineMode "on": a curve wider than 1 px drawn as one path goes through Qt's stroker, which
        # cost 28 ms a paint for three 1000-point loss curves at 1.5 px; as separate segments 9 ms, and it
        # looks the same (every curve pen is solid and opaque: dashes or alpha would show at the joins)
        pg.setConfigOptions(antialias=True, imageAxisOrder="row-major", segmentedLineMode="on")
        _configured = True
