"""The clock that redraws the live plots from the training record, one plot per tick.

>>> clock = RedrawClock(session.record, parent=dock)   # doctest: +SKIP
>>> clock.add(loss_plot)                                # anything with redraw(record) and isVisible()  # doctest: +SKIP
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

TICK_MS = 20  # one plot per tick: 50 partial redraws a second in all, ~10 per plot with five live


def on_screen(plot) -> bool:
    """Whether any of `plot` can be seen. A dock behind another's tab still says isVisible(); its empty
    visible region says it is covered, so it waits (its version is not drawn: it redraws when brought to front)."""
    if not plot.isVisible():
        return False
    region = getattr(plot, "visibleRegion", None)  # a widget; other clients (canvas badges) only say isVisible
    return region is None or not region().isEmpty()


class RedrawClock(QObject):
    """One timer for all plots, staggered: each tick redraws at most one plot whose data moved and is on screen.

    A tick every 20 ms, one plot per tick, so the event loop never paints everything at once:
    with five live plots each redraws about ten times a second, and no single turn of the event loop
    pays for more than one plot. A plot with a `min_interval` (seconds) redraws no more often than
    that: the costly ones (the canvas, the boundary heatmap) update a few times a second.
    """

    def __init__(self, record: TrainingRecord, parent=None):
        super().__init__(parent)
        self.record = record
        self.plots: list = []  # objects with `redraw(record)` and `isVisible()`
        self._drawn: dict[int, int] = {}   # id(plot) -> record version drawn
        self._at: dict[int, float] = {}    # id(plot) -> perf_counter of its last redraw
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def add(self, plot) -> None:
        self.plots.append(plot)

    def tick(self) -> None:
        now = time.perf_counter()
        due = [p for p in self.plots if self._drawn.get(id(p)) != self.record.version and on_screen(p)
               and now - self._at.get(id(p), -1e9) >= getattr(p, "min_interval", 0.0)]
        if due:
            plot = min(due, key=lambda p: self._at.get(id(p), -1e9))  # the longest-waiting one
            self._redraw(plot)

    def _redraw(self, plot) -> None:
        plot.redraw(self.record)
        self._drawn[id(plot)] = self.record.version
        self._at[id(plot)] = time.perf_counter()

    def force(self) -> None:
        """Redraw every visible plot now (after a reset, or in tests)."""
        for plot in self.plots:
            if plot.isVisible():
                self._redraw(plot)
