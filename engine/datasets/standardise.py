"""Standardisation of features: subtract the mean, divide by the standard deviation, per column.

Fit on the training split only (statistics from validation data would leak into training),
then apply the same statistics everywhere - validation, predictions, and after a model file is
loaded, which is why they round-trip through plain lists:

    >>> s = Standardiser.fit([[1.0, 10.0], [3.0, 30.0]])
    >>> s
    Standardiser(mean=[2.0, 20.0], std=[1.0, 10.0])
    >>> s.transform([[2.0, 40.0]])
    array([[0., 2.]])
    >>> s.inverse(s.transform([[3.0, 30.0]]))
    array([[ 3., 30.]])
    >>> Standardiser.from_dict(s.to_dict()) == s
    True
"""
from __future__ import annotations

import numpy as np

from .dataset import DataError, Dataset

__all__ = ["Standardiser"]


class Standardiser:
    """Per-feature `mean` and `std` (population standard deviation, as numpy's `std`)."""

    def __init__(self, mean, std):
        mean = np.array(mean, dtype=np.float64).reshape(-1)
        std = np.array(std, dtype=np.float64).reshape(-1)
        if mean.shape != std.shape or mean.size == 0:
            raise DataError(f"a standardiser needs one mean and one std per feature, got {mean.size} and {std.size}")
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise DataError("standardiser statistics must be finite numbers")
        if (std <= 0).any():
            raise DataError(f"standardiser std must be positive, got {std.tolist()}")
        self.mean, self.std = mean, std

    @classmethod
    def fit(cls, X):
        """Statistics of the rows of `X` (samples, features) - pass the training split only."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2 or len(X) == 0:
            raise DataError(f"fit needs a non-empty (samples, features) array, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise DataError("cannot standardise data holding NaN or infinite values")
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, as a DataError
            mean, std = X.mean(axis=0), X.std(axis=0)
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise DataError("feature values are too large to standardise (their statistics overflow)")
        # constant columns are refused when a CSV loads, but a split can still make one constant:
        # dividing by 1 leaves it at 0 after centring instead of producing NaN
        std[std == 0] = 1.0
        return cls(mean, std)

    @property
    def n_features(self):
        return self.mean.size

    def _check(self, X):
        X = np.asarray(X)
        # keep float32 as float32 (training may run in it); everything else computes in float64
        X = X if X.dtype == np.float32 else X.astype(np.float64)
        if X.shape[-1:] != (self.n_features,) or X.ndim > 2:
            raise DataError(f"the standardiser was fitted on {self.n_features} features but the data has "
                            f"shape {X.shape}")
        return X, self.mean.astype(X.dtype), self.std.astype(X.dtype)

    def transform(self, X):
        """(X - mean) / std, for one sample `(features,)` or a batch `(n, features)`."""
        X, mean, std = self._check(X)
        return (X - mean) / std

    def inverse(self, Z):
        """Undo `transform`: Z * std + mean."""
        Z, mean, std = self._check(Z)
        return Z * std + mean

    def apply(self, dataset):
        """A copy of `dataset` with standardised features (targets, task and names unchanged)."""
        return Dataset(self.transform(dataset.X), dataset.y, task=dataset.task, class_names=dataset.class_names,
                       name=dataset.name, feature_names=dataset.feature_names, target_name=dataset.target_name,
                       source=dataset.source)

    def to_dict(self):
        """Plain lists, for JSON in a model file: `{"mean": [...], "std": [...]}`."""
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def from_dict(cls, d):
        """Inverse of `to_dict`; checks everything, raising `DataError`, since model files can be damaged."""
        if not isinstance(d, dict) or set(d) != {"mean", "std"}:
            raise DataError(f"standardiser statistics must be a dict with keys 'mean' and 'std', got {d!r:.80}")
        for key in ("mean", "std"):
            values = d[key]
            if not isinstance(values, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise DataError(f"standardiser {key!r} must be a list of numbers, got {values!r:.80}")
        return cls(d["mean"], d["std"])

    def __eq__(self, other):
        if not isinstance(other, Standardiser):
            return NotImplemented
        return np.array_equal(self.mean, other.mean) and np.array_equal(self.std, other.std)

    __hash__ = None  # mutable arrays inside

    def __repr__(self):
        return f"Standardiser(mean={self.mean.tolist()}, std={self.std.tolist()})"
