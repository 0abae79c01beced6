"""Seeded toy datasets, and the `Dataset` container that training reads.

    >>> from engine import datasets
    >>> ds = datasets.circle(200, noise=0.1, seed=0)
    >>> ds.X.shape, ds.y.shape, ds.n_classes
    ((200, 2), (200,), 2)
    >>> train, val = ds.split(validation=0.2, seed=0)
    >>> len(train), len(val)
    (160, 40)

Every generator takes `(n, noise, seed)` and returns the same data for the same seed, so a
training run can be reproduced from its settings alone. Classification targets are class
indices (int64); regression targets are an `(n, outputs)` float array.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DataError", "Dataset", "one_hot", "circle", "xor", "gaussians", "spiral", "moons",
           "quadratic", "sine", "GENERATORS", "load_csv"]

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


# ---- generators ----------------------------------------------------------------------

def _finish(X, y, rng, name, task="classification", class_names=None):
    """Shuffle rows once (generators build class by class) and wrap as a Dataset."""
    order = rng.permutation(len(X))
    return Dataset(X[order], y[order], task=task, class_names=class_names, name=name)


def _class_sizes(n, k):
    """n samples spread over k classes as evenly as possible."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def circle(n=200, noise=0.1, seed=0):
    """Points in [-1, 1]²; class 1 inside the circle of radius √(2/π) (half the area)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) < np.sqrt(2 / np.pi)).astype(np.int64)
    X += rng.normal(0, noise, size=X.shape)  # noise after labelling blurs the boundary
    return _finish(X, y, rng, "circle", class_names=["outside", "inside"])


def xor(n=200, noise=0.1, seed=0):
    """Points in [-1, 1]²; class 1 where exactly one coordinate is positive."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    X += rng.normal(0, noise, size=X.shape)
    return _finish(X, y, rng, "xor")


def gaussians(n=200, noise=0.5, seed=0, classes=2):
    """`classes` round blobs with standard deviation `noise`, centres on a circle of radius 1.5."""
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for k, m in enumerate(_class_sizes(n, classes)):
        angle = 2 * np.pi * k / classes + np.pi / 4
        centre = 1.5 * np.array([np.cos(angle), np.sin(angle)])
        Xs.append(centre + rng.normal(0, noise, size=(m, 2)))
        ys.append(np.full(m, k, dtype=np.int64))
    return _finish(np.concatenate(Xs), np.concatenate(ys), rng, "gaussians")


def spiral(n=200, noise=0.1, seed=0, classes=2):
    """`classes` interleaved spiral arms; `noise` jitters the angle (radians)."""
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for k, m in enumerate(_class_sizes(n, classes)):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * np.pi * k / classes + 1.5 * np.pi * r + rng.normal(0, noise, size=m)
        Xs.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        ys.append(np.full(m, k, dtype=np.int64))
    return _finish(np.concatenate(Xs), np.concatenate(ys), rng, "spiral")


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (class 0 on top, class 1 below)."""
    rng = np.random.default_rng(seed)
    m0, m1 = _class_sizes(n, 2)
    t0, t1 = rng.uniform(0, np.pi, m0), rng.uniform(0, np.pi, m1)
    top = np.column_stack([np.cos(t0), np.sin(t0)])
    bottom = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([top, bottom]) + rng.normal(0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(m0, np.int64), np.ones(m1, np.int64)])
    return _finish(X, y, rng, "moons")


def quadratic(n=200, noise=0.1, seed=0, a=2.0, b=-1.0, c=0.5):
    """The tutorial's P(t) = a t² + b t + c on t in [-1, 1], plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, n)
    y = a * t**2 + b * t + c + rng.normal(0, noise, n)
    return Dataset(t.reshape(-1, 1), y.reshape(-1, 1), task="regression", name="quadratic")


def sine(n=200, noise=0.1, seed=0):
    """y = sin(x) on x in [-π, π], plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, n)
    y = np.sin(x) + rng.normal(0, noise, n)
    return Dataset(x.reshape(-1, 1), y.reshape(-1, 1), task="regression", name="sine")


GENERATORS = {"circle": circle, "xor": xor, "gaussians": gaussians, "spiral": spiral,
              "moons": moons, "quadratic": quadratic, "sine": sine}


def load_csv(path, target, features=None, **options):
    """A CSV table as a Dataset, strictly checked: see `engine.csvdata.load_csv` for the options.

    Bad files raise `DataError` naming the file, line, column and value.
    """
    from .csvdata import load_csv as load  # late: csvdata builds on this module

    return load(path, target, features, **options)
