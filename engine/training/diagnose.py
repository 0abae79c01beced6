"""What went wrong in a run that did not diverge outright, and what to change: a rising loss, vanished gradients.

    >>> from engine.training import History
    >>> rising = History(train_loss=[0.5, 0.4] + [0.4 * 1.1 ** k for k in range(30)])
    >>> print(advice(rising, eta=0.5))
    The loss has risen for 30 epochs (from 0.4 to 6.35): the steps overshoot. Try a learning rate 10 times lower than eta=0.5.

A NaN or infinite loss is the NaN guard's (History.diverged, with its own message); these are the quieter
failures a learner meets when they turn the learning rate up: the loss climbing without overflowing, or
units so saturated (σ, tanh) or dead (relu) that no gradient is left to learn from.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["advice", "RISING_EPOCHS", "VANISHED"]

RISING_EPOCHS = 20   # a loss above its best, and higher than this many epochs ago, is rising, not noisy
VANISHED = 1e-8      # gradient norms below this in every layer: nothing is left to learn from


def _rising(losses: list[float]) -> tuple[int, float, float] | None:
    """(epochs, from, to) when the loss has climbed steadily at the end of a run, else None."""
    finite = [v for v in losses if math.isfinite(v)]
    if len(finite) < RISING_EPOCHS + 1:
        return None
    best = min(finite)
    lowest = int(np.argmin(finite))
    since = len(finite) - 1 - lowest
    end = finite[-1]
    if since >= RISING_EPOCHS and end > 2 * best and end > finite[-RISING_EPOCHS - 1]:
        return since, best, end
    return None


def _vanished(history) -> bool:
    table = getattr(history, "gradients", None)
    if table is None or not len(table):
        return False
    last = table.values[-1]
    norms = last.reshape(-1, 4)[:, :2]  # per layer: ‖∂L/∂W‖, ‖∂L/∂b‖
    finite = norms[np.isfinite(norms)]
    return finite.size > 0 and bool((finite < VANISHED).all())


def advice(history, eta: float) -> str | None:
    """A sentence for a person about a run that went wrong without diverging, or None when nothing did."""
    if history.diverged or not history.train_loss:
        return None
    losses = history.train_loss
    if _vanished(history) and losses[-1] > 1e-3:
        return (f"The gradients vanished: below {VANISHED:g} in every layer while the loss is still {losses[-1]:.3g}, "
                f"so the units are saturated (σ, tanh) or dead (relu) and nothing more is learnt. Reset the "
                f"weights and train with a lower learning rate than eta={eta:g}.")
    rising = _rising(losses)
    if rising is not None:
        epochs, start, end = rising
        return (f"The loss has risen for {epochs} epochs (from {start:.3g} to {end:.3g}): the steps overshoot. "
                f"Try a learning rate 10 times lower than eta={eta:g}.")
    return None
