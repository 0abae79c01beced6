"""What training reports while it runs (`Progress`) and what it did (`History`).

    >>> History(train_loss=[0.7, 0.5]).epochs_done
    2
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Progress", "History"]


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


@dataclass
class History:
    """What `fit` did: one entry per finished epoch, and how it ended."""
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)  # nan for regression
    path: str = ""             # "compiled" or "eager"
    reason: str = ""           # why the eager path ran, if it did
    diverged: bool = False
    message: str = ""
    stopped: bool = False
    steps: int = 0
    seconds: float = 0.0

    @property
    def epochs_done(self):
        return len(self.train_loss)

    def to_dict(self):
        """JSON-ready (nan becomes None)."""
        clean = lambda xs: [None if not math.isfinite(x) else float(x) for x in xs]  # noqa: E731
        return {"train_loss": clean(self.train_loss), "val_loss": clean(self.val_loss),
                "accuracy": clean(self.accuracy), "path": self.path, "diverged": self.diverged,
                "message": self.message, "stopped": self.stopped, "epochs_done": self.epochs_done,
                "steps": self.steps}
