"""The `Dataset` container that training reads, and the error bad data raises.

    >>> ds = Dataset([[0., 1.], [1., 0.], [1., 1.]], [1, 0, 1], class_names=["no", "yes"])
    >>> ds, ds.targets(2)[0]
    (Dataset(3 samples, 2 features, 2 classes), array([0., 1.]))
    >>> train, val = ds.split(validation=1 / 3, seed=0)
    >>> len(train), len(val)
    (2, 1)

Classification targets are class indices (int64); regression targets an `(n, outputs)` float array.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DataError", "Dataset", "one_hot", "TASKS"]

TASKS = ("classification", "regression")


class DataError(ValueError):
    """Bad data: wrong shapes, non-finite values, unusable labels (and, later, bad CSV files)."""


def one_hot(y, n_classes=None, dtype=np.float64):
    """Class indices -> rows of zeros with a single one: `one_hot([0, 2], 3)[1] == [0, 0, 1]`."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"class index out of range 0..{n_classes - 1}")
    out = np.zeros((y.size, n_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out


class Dataset:
    """Features `X` (n, features) and targets `y`, with the task they pose.

    `Dataset(X, y)` is a classification set when `y` holds class indices; pass
    `task="regression"` for real-valued targets (`y` of shape (n,) or (n, outputs)).

        >>> ds = Dataset([[0., 1.], [1., 0.]], [1, 0], class_names=["no", "yes"])
        >>> ds.n_features, ds.n_classes, ds.targets(2)[0]
        (2, 2, array([0., 1.]))
    """

    def __init__(self, X, y, task="classification", class_names=None, name="", *, feature_names=None,
                 target_name=None, source=None):
        if task not in TASKS:
            raise DataError(f"task must be one of {TASKS}, not {task!r}")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(-1, 1)  # one feature per sample
        if X.ndim != 2:
            raise DataError(f"X must be 2-D (samples, features), got shape {X.shape}")
        if not np.isfinite(X).all():
            raise DataError("X holds NaN or infinite values")
        if task == "classification":
            y_arr = np.asarray(y)
            if y_arr.ndim != 1:
                raise DataError(f"class labels must be 1-D, got shape {y_arr.shape}")
            if y_arr.size and not np.all(np.equal(np.mod(y_arr, 1), 0)):
                raise DataError("class labels must be whole numbers 0, 1, 2, ...")
            y = y_arr.astype(np.int64)
            if y.size and y.min() < 0:
                raise DataError("class labels must not be negative")
        else:
            y = np.asarray(y, dtype=np.float64)
            if y.ndim == 1:
                y = y.reshape(-1, 1)
            if y.ndim != 2:
                raise DataError(f"regression targets must be (n,) or (n, outputs), got {y.shape}")
            if not np.isfinite(y).all():
                raise DataError("y holds NaN or infinite values")
        if len(y) != len(X):
            raise DataError(f"X has {len(X)} samples but y has {len(y)}")
        self.X = np.ascontiguousarray(X)
        self.y = np.ascontiguousarray(y)
        self.task = task
        self.name = name
        if task == "classification":
            k = int(y.max()) + 1 if y.size else 0
            if class_names is None:
                class_names = [str(i) for i in range(k)]
            class_names = [str(c) for c in class_names]
            if len(class_names) < k:
                raise DataError(f"{len(class_names)} class names for {k} classes")
        elif class_names is not None:
            raise DataError("class_names only make sense for classification")
        self.class_names = class_names
        if feature_names is not None and len(feature_names) != X.shape[1]:
            raise DataError(f"{len(feature_names)} feature names for {X.shape[1]} features")
        self.feature_names = None if feature_names is None else [str(f) for f in feature_names]
        self.target_name = target_name  # a CSV column's name, when the data came from one
        self.source = source            # where the data came from (a path), when it did

    def feature_labels(self):
        """Names for the features: the CSV header's, or x1, x2, ..."""
        return self.feature_names or [f"x{i + 1}" for i in range(self.n_features)]

    # ---- shape facts ----
    def __len__(self):
        return len(self.X)

    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def n_classes(self):
        """Number of classes (0 for regression)."""
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def n_outputs(self):
        """Width of the model output this data expects: classes, or regression outputs."""
        return self.n_classes if self.task == "classification" else self.y.shape[1]

    def __repr__(self):
        what = f"{self.n_classes} classes" if self.task == "classification" else \
            f"{self.y.shape[1]} output{'s' if self.y.shape[1] != 1 else ''}"
        name = f"{self.name!r}, " if self.name else ""
        f = self.n_features
        return f"Dataset({name}{len(self)} samples, {f} feature{'s' if f != 1 else ''}, {what})"

    # ---- views for training ----
    def one_hot(self, dtype=np.float64):
        """Classification labels as one-hot rows, (n, n_classes)."""
        return one_hot(self.y, self.n_classes, dtype)

    def targets(self, width, dtype=np.float64):
        """The target matrix a model with `width` outputs is trained against.

        Classification with one output (a sigmoid unit) trains against the label itself as
        0.0/1.0; with `width` outputs against one-hot rows. Regression returns `y` as is.
        """
        if self.task == "regression":
            if width != self.y.shape[1]:
                raise DataError(f"the model has {width} outputs but the data has {self.y.shape[1]}")
            return self.y.astype(dtype)
        if width == 1:
            if self.n_classes > 2:
                raise DataError(f"one model output cannot separate {self.n_classes} classes")
            return self.y.astype(dtype).reshape(-1, 1)
        if width < self.n_classes:
            raise DataError(f"the model has {width} outputs but the data has {self.n_classes} classes")
        return one_hot(self.y, width, dtype)

    def subset(self, indices, name=None):
        """The samples at `indices`, in that order, as a new Dataset."""
        indices = np.asarray(indices, dtype=np.int64)
        sub = Dataset.__new__(Dataset)
        sub.X, sub.y = self.X[indices], self.y[indices]
        sub.task, sub.class_names = self.task, self.class_names
        sub.feature_names, sub.target_name, sub.source = self.feature_names, self.target_name, self.source
        sub.name = self.name if name is None else name
        return sub

    def split(self, validation=0.2, seed=0):
        """(train, val): a seeded random split, disjoint, `validation` the held-out fraction.

        With 0 < validation < 1 and at least two samples, both parts get at least one sample.
        """
        if not 0.0 <= validation < 1.0:
            raise DataError(f"validation fraction must be in [0, 1), got {validation}")
        n = len(self)
        n_val = int(round(n * validation))
        if validation > 0 and n >= 2:
            n_val = min(max(n_val, 1), n - 1)
        order = np.random.default_rng(seed).permutation(n)
        # sorted so each part keeps the original sample order (nicer to read and to plot)
        return self.subset(np.sort(order[n_val:])), self.subset(np.sort(order[:n_val]))
