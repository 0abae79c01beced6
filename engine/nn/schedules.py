"""Learning-rate schedules: the rate an optimiser uses in each epoch, from its base rate `eta`.

    >>> s = Schedule("step", epochs=10, factor=0.5)
    >>> s.rate(0.1, 0), s.rate(0.1, 9), s.rate(0.1, 10), s.rate(0.1, 25)
    (0.1, 0.1, 0.05, 0.025)
    >>> round(Schedule("exponential", epochs=10, factor=0.5).rate(0.1, 5), 6)
    0.070711
    >>> Schedule("cosine", epochs=100).rate(0.1, 50), Schedule("cosine", epochs=100).rate(0.1, 200)
    (0.05, 0.0)
    >>> schedule_from_dict(s.to_dict()) == s
    True

`epoch` counts the epochs trained before the current one (0 in the first). One number, `epochs`, sets the
pace of every kind:

- constant:    eta
- step:        eta · factor^⌊epoch / epochs⌋            (PyTorch's StepLR)
- exponential: eta · factor^(epoch / epochs)            (ExponentialLR with gamma = factor^(1/epochs))
- cosine:      floor + (eta − floor) · (1 + cos(π · min(epoch, epochs) / epochs)) / 2, then floor
               (CosineAnnealingLR, held at its end instead of rising again)

The rate changes between epochs only, on both training paths alike (the trainer hands the kernels one
rate per epoch).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Schedule", "SCHEDULES", "schedule_from_dict"]

SCHEDULES = ("constant", "step", "exponential", "cosine")


@dataclass(frozen=True)
class Schedule:
    """How the learning rate changes from epoch to epoch: `Schedule("cosine", epochs=300)`."""

    kind: str = "constant"
    epochs: int = 100     # step: epochs per step; exponential: epochs per factor; cosine: epochs to the floor
    factor: float = 0.5   # step and exponential
    floor: float = 0.0    # cosine: the rate it ends at

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.kind!r}; choose one of {', '.join(SCHEDULES)}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"a schedule's epochs must be a whole number >= 1, got {self.epochs!r}")
        if not (0 < self.factor <= 1):
            raise ValueError(f"a schedule's factor must be in (0, 1], got {self.factor!r}")
        if not (self.floor >= 0 and math.isfinite(self.floor)):
            raise ValueError(f"a schedule's floor must be a finite number >= 0, got {self.floor!r}")

    def rate(self, eta: float, epoch: int) -> float:
        """The learning rate in epoch `epoch` (0-based) for the base rate `eta`."""
        if self.kind == "step":
            return eta * self.factor ** (epoch // self.epochs)
        if self.kind == "exponential":
            return eta * self.factor ** (epoch / self.epochs)
        if self.kind == "cosine":
            return self.floor + (eta - self.floor) * (1 + math.cos(math.pi * min(epoch, self.epochs) / self.epochs)) / 2
        return eta

    def to_dict(self) -> dict:
        """JSON-ready: only the fields its kind reads (`{"kind": "constant"}` for none)."""
        d = {"kind": self.kind}
        if self.kind != "constant":
            d["epochs"] = self.epochs
        if self.kind in ("step", "exponential"):
            d["factor"] = self.factor
        if self.kind == "cosine":
            d["floor"] = self.floor
        return d


def schedule_from_dict(d) -> Schedule:
    """Rebuild a Schedule from `to_dict()` output; ValueError for anything else."""
    if not isinstance(d, dict):
        raise ValueError(f"a schedule is an object like {{'kind': 'cosine', 'epochs': 100}}, got {d!r}")
    unknown = set(d) - {"kind", "epochs", "factor", "floor"}
    if unknown:
        raise ValueError(f"a schedule has no field(s) {', '.join(sorted(unknown))}")
    fields = dict(d)
    for key in ("factor", "floor"):
        if key in fields:
            fields[key] = float(fields[key])
    return Schedule(**fields)
