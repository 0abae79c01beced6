"""What training reports while it runs (`Progress`) and what it did (`History`, `EpochTable`).

    >>> History(train_loss=[0.7, 0.5]).epochs_done
    2
    >>> table = EpochTable(["‖∂L/∂W‖"], cap=4)
    >>> for epoch in range(1, 11):
    ...     table.add(epoch, [1.0 / epoch])
    >>> table.epochs.tolist(), len(table) <= 4
    ([4.0, 8.0], True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Progress", "History", "EpochTable", "STATS", "layer_columns"]

STATS = ("‖∂L/∂W‖", "‖∂L/∂b‖", "‖Δθ‖/‖θ‖", "cos(g, g₋₁)")
"""Per layer, after each epoch's last step: the gradient norms of the weight and the bias, the step's size
relative to the parameters, and the cosine between that step's gradient and the one before it."""


class EpochTable:
    """Rows of numbers keyed by epoch, thinned to every other row whenever it passes `cap`, so a run of any
    length keeps between cap/2 and cap rows spread evenly over it. `columns` names the numbers of a row."""

    def __init__(self, columns, cap=1000):
        self.columns, self.cap = list(columns), int(cap)
        self.stride = 1
        self._epochs: list[float] = []
        self._rows: list[np.ndarray] = []

    def add(self, epoch, row) -> None:
        if int(epoch) % self.stride:
            return
        self._epochs.append(float(epoch))
        self._rows.append(np.asarray(row, dtype=np.float64).reshape(-1))
        if len(self._epochs) > self.cap:
            self.stride *= 2
            keep = [i for i, e in enumerate(self._epochs) if int(e) % self.stride == 0]
            self._epochs = [self._epochs[i] for i in keep]
            self._rows = [self._rows[i] for i in keep]

    def __len__(self):
        return len(self._epochs)

    @property
    def epochs(self) -> np.ndarray:
        return np.asarray(self._epochs)

    @property
    def values(self) -> np.ndarray:
        """(rows, columns)."""
        return np.array(self._rows).reshape(len(self._rows), len(self.columns))

    def to_dict(self) -> dict:
        """JSON-ready: NaN becomes None, numbers keep 6 significant digits (diagnostics, not weights)."""
        clean = [[float(f"{v:.6g}") if math.isfinite(v) else None for v in row.tolist()] for row in self._rows]
        return {"columns": self.columns, "epoch": [int(e) for e in self._epochs], "values": clean}

    @classmethod
    def from_dict(cls, d: dict, cap=1000) -> EpochTable:
        table = cls(d.get("columns", []), cap)
        for epoch, row in zip(d.get("epoch", []), d.get("values", [])):
            table._epochs.append(float(epoch))
            table._rows.append(np.array([math.nan if v is None else v for v in row], dtype=np.float64))
        return table


def layer_columns(names):
    """Column names of a gradient table: STATS for each layer name, as 'name: stat'."""
    return [f"{name}: {stat}" for name in names for stat in STATS]


@dataclass
class Progress:
    """A snapshot of training, handed to `on_progress` (copies only: safe to keep)."""
    epoch: int                 # 1-based epoch being trained (or just finished)
    step: int                  # minibatches done in this epoch
    steps_per_epoch: int
    samples_seen: int          # training samples processed in this fit()
    train_loss: float          # mean loss over this epoch so far
    val_loss: float            # latest validation loss (nan before the first epoch ends)
    accuracy: float            # latest validation accuracy (nan for regression)
    grad_norms: list           # per trainable layer, from the latest step
    samples_per_s: float       # since the previous report
    epochs_done: int
    new_epochs: list = field(default_factory=list)  # (epoch, train, val, accuracy) since last report
    layer_grads: tuple | None = None  # gradients of `Trainer.watch_layer`'s parameters
    final: bool = False        # the last report of this fit()
    path: str = ""             # "compiled" or "eager": what is running now
    reason: str = ""           # why the eager path is running, if it is
    new_stats: np.ndarray | None = None  # (epochs, 1 + layers * len(STATS)): epoch, then per-layer STATS
    weights: list | None = None  # copies of every parameter, in params(model) order (Trainer.report_weights)


@dataclass
class History:
    """What `fit` did: one entry per finished epoch, and how it ended."""
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)  # nan for regression
    path: str = ""             # "compiled" or "eager": the path that ran last
    reason: str = ""           # why the eager path ran, if it did
    diverged: bool = False
    message: str = ""
    stopped: bool = False
    steps: int = 0
    seconds: float = 0.0
    switched_at: int | None = None  # the step at which the run moved from the eager to the compiled path
    gradients: EpochTable | None = None  # per-layer STATS, every epoch (thinned for long runs)

    @property
    def epochs_done(self):
        return len(self.train_loss)

    def to_dict(self):
        """JSON-ready (nan becomes None)."""
        clean = lambda xs: [None if not math.isfinite(x) else float(x) for x in xs]  # noqa: E731
        out = {"train_loss": clean(self.train_loss), "val_loss": clean(self.val_loss),
               "accuracy": clean(self.accuracy), "path": self.path, "diverged": self.diverged,
               "message": self.message, "stopped": self.stopped, "epochs_done": self.epochs_done,
               "steps": self.steps}
        if self.gradients is not None and len(self.gradients):
            out["gradients"] = self.gradients.to_dict()
        return out
