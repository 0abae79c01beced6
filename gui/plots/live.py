"""What the plots draw: a bounded record of a training session, and the clock that redraws them.

>>> record = TrainingRecord()
>>> for i in range(10_000):
...     record.loss.append(i, 1.0 / (i + 1))
>>> len(record.loss) <= Series.CAP
True

The training panel writes into the record as snapshots arrive; plots read it when the clock ticks
and redraw only if `record.version` moved. Every series decimates itself, so a long run keeps
memory bounded (at most `Series.CAP` points per curve, evenly spread over the whole run).
"""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer

TICK_MS = 20  # one plot per tick: 50 partial redraws a second in all, ~10 per plot with five live


class Series:
    """(x, y) points, thinned to every other point whenever it grows past CAP."""

    CAP = 1000

    def __init__(self):
        self.clear()

    def clear(self):
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.stride = 1
        self._skipped = 0

    def append(self, x: float, y: float) -> None:
        self._skipped += 1
        if self._skipped < self.stride:
            return
        self._skipped = 0
        self.xs.append(float(x))
        self.ys.append(float(y))
        if len(self.xs) > self.CAP:
            self.xs, self.ys = self.xs[::2], self.ys[::2]
            self.stride *= 2

    def __len__(self):
        return len(self.xs)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.xs, dtype=float), np.asarray(self.ys, dtype=float)


class TrainingRecord:
    """A training session as the plots see it; `version` grows with every change."""

    def __init__(self):
        self.loss, self.val_loss, self.accuracy = Series(), Series(), Series()
        self.norms: list[Series] = []      # per trainable layer, against fractional epochs
        self.layer_names: list[str] = []
        self.weights: list | None = None   # latest copies, params(model) order
        self.layer_grads: tuple | None = None
        self.watched: int | None = None    # trainable layer whose gradients `layer_grads` holds
        self.classify = True
        self.epochs = 0                    # epochs finished over all runs since the last reset
        self.version = 0

    def reset(self, layer_names: list[str], weights: list | None, classify: bool) -> None:
        for s in (self.loss, self.val_loss, self.accuracy):
            s.clear()
        self.layer_names = list(layer_names)
        self.norms = [Series() for _ in layer_names]
        self.weights, self.layer_grads, self.classify, self.epochs = weights, None, classify, 0
        self.version += 1

    def add(self, snapshot, offset: int) -> None:
        """Take a worker Snapshot; `offset` is the number of epochs finished before this run."""
        p = snapshot.progress
        for epoch, train, val, acc in p.new_epochs:
            self.loss.append(offset + epoch, train)
            if math.isfinite(val):
                self.val_loss.append(offset + epoch, val)
            if math.isfinite(acc):
                self.accuracy.append(offset + epoch, acc)
        self.epochs = offset + p.epochs_done
        where = offset + p.epoch - 1 + p.step / max(p.steps_per_epoch, 1)
        for series, norm in zip(self.norms, p.grad_norms):
            if math.isfinite(norm):
                series.append(where, norm)
        self.weights = snapshot.weights
        if p.layer_grads is not None:
            self.layer_grads = p.layer_grads
        self.version += 1

    def set_weights(self, weights: list) -> None:
        self.weights = weights
        self.version += 1

    def latest_norms(self) -> list[float | None]:
        return [s.ys[-1] if s.ys else None for s in self.norms]


class RedrawClock(QObject):
    """One timer for all plots, staggered: each tick redraws at most one plot whose data moved.

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
        due = [p for p in self.plots if self._drawn.get(id(p)) != self.record.version and p.isVisible()
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
