"""How training divides and scales its data: a seeded validation split, and standardisation fitted on the
training part only (statistics from validation data would leak into training).

    >>> from engine import datasets
    >>> parts = split(datasets.moons(100, seed=0), validation=0.2, seed=0, standardise=True)
    >>> len(parts.train), len(parts.val), parts.standardiser.n_features
    (80, 20, 2)
    >>> bool(abs(parts.train.X.mean(axis=0)).max() < 1e-12)
    True

The Trainer splits this way, and so does anything that shows the split before training starts.
"""
from __future__ import annotations

from typing import NamedTuple

from ..datasets.dataset import DataError, Dataset
from ..datasets.standardise import Standardiser

__all__ = ["Split", "split"]


class Split(NamedTuple):
    """The training and validation parts (standardised when `standardiser` is set) and the raw ones."""
    train: Dataset
    val: Dataset
    standardiser: Standardiser | None
    raw_train: Dataset
    raw_val: Dataset


def split(dataset, validation=0.2, seed=0, standardise: bool | Standardiser = False) -> Split:
    """Split `dataset` (seeded; validation 0 gives an empty part) and standardise both parts with statistics
    of the training part (`standardise=True`), with given statistics (a `Standardiser`), or not at all."""
    train, val = dataset.split(validation, seed=seed)
    if len(train) == 0:
        raise DataError("there is no data to train on")
    scaler = standardise if isinstance(standardise, Standardiser) else \
        Standardiser.fit(train.X) if standardise else None
    if scaler is None:
        return Split(train, val, None, train, val)
    return Split(scaler.apply(train), scaler.apply(val) if len(val) else val, scaler, train, val)
