"""What the plots draw: a bounded record of a training session (Qt-free; gui/plots/clock.py redraws it).

>>> record = TrainingRecord()
>>> for i in range(10_000):
...     record.loss.append(i, 1.0 / (i + 1))
>>> len(record.loss) <= Series.CAP
True

The training session writes into the record as progress arrives; plots read it when the clock ticks
and redraw only if `record.version` moved. Every series decimates itself, so a long run keeps
memory bounded (at most `Series.CAP` points per curve, evenly spread over the whole run).
"""
from __future__ import annotations

import math

import numpy as np

from engine.training import EpochTable, layer_columns


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
        self.gradients = EpochTable([])    # per-layer diagnostics after each epoch (engine.training.STATS)
        self.layer_names: list[str] = []
        self.weights: list | None = None   # latest copies, params(model) order
        self.layer_grads: tuple | None = None
        self.watched: int | None = None    # trainable layer whose gradients `layer_grads` holds
        self.classify = True
        self.epochs = 0                    # epochs finished over all runs since the last reset
        self.version = 0
        self.generation = 0                # grows with every reset: plots fit their axes to a new record

    def reset(self, layer_names: list[str], weights: list | None, classify: bool) -> None:
        for s in (self.loss, self.val_loss, self.accuracy):
            s.clear()
        self.layer_names = list(layer_names)
        self.gradients = EpochTable(layer_columns(layer_names))
        self.norms = [Series() for _ in layer_names]
        self.weights, self.layer_grads, self.classify, self.epochs = weights, None, classify, 0
        self.generation += 1
        self.version += 1

    def add(self, p, weights, offset: int) -> None:
        """Take a training Progress and the weights that came with it; `offset` is the number of epochs
        finished before this run."""
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
        if p.new_stats is not None:
            for row in p.new_stats:
                self.gradients.add(offset + int(row[0]), row[1:])
        self.weights = weights
        if p.layer_grads is not None:
            self.layer_grads = p.layer_grads
        self.version += 1

    def set_weights(self, weights: list) -> None:
        self.weights = weights
        self.version += 1

    def latest_norms(self) -> list[float | None]:
        return [s.ys[-1] if s.ys else None for s in self.norms]
