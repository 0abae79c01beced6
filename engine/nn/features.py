"""Derived input features of 2-D data, as TensorFlow Playground offers them: x₁², x₂², x₁x₂, sin x₁, sin x₂.

A feature map is part of the model (a ChainSpec's `features`): the Chain's Input takes the two raw columns
followed by the chosen derived ones, in FEATURES order, and training, `predict` and every export compute them
from the raw rows, before the input standardisation.

    >>> add_features([[2.0, 3.0]], ("x1^2", "x1*x2"))
    array([[2., 3., 4., 6.]])
    >>> feature_labels(("sin(x2)",)), DATA_INPUTS + len(("sin(x2)",))
    (['x₁', 'x₂', 'sin x₂'], 3)
    >>> from engine.datasets import xor
    >>> dataset_with_features(xor(5), ("x2^2",)).feature_labels()
    ['x1', 'x2', 'x2^2']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datasets.dataset import Dataset

__all__ = ["Feature", "FEATURES", "DATA_INPUTS", "check_features", "add_features", "dataset_with_features",
           "feature_labels"]

DATA_INPUTS = 2  # derived features are defined for 2-D data only, as in the Playground


@dataclass(frozen=True)
class Feature:
    """One derived column: the product of two raw columns, or the sine of one (what every writer renders)."""
    label: str                 # how the app shows it: 'x₁²'
    op: str                    # "product" or "sin"
    columns: tuple[int, ...]   # raw columns it reads (0-based)

    def of(self, X: np.ndarray) -> np.ndarray:
        a = X[:, self.columns[0]]
        return a * X[:, self.columns[1]] if self.op == "product" else np.sin(a)


FEATURES = {
    "x1^2": Feature("x₁²", "product", (0, 0)),
    "x2^2": Feature("x₂²", "product", (1, 1)),
    "x1*x2": Feature("x₁x₂", "product", (0, 1)),
    "sin(x1)": Feature("sin x₁", "sin", (0,)),
    "sin(x2)": Feature("sin x₂", "sin", (1,)),
}
"""Name (as model files store it) -> Feature, in the order the Input's columns take them."""


def check_features(names: Any) -> tuple[str, ...]:
    """`names` as a ChainSpec keeps them (distinct known names, in FEATURES order); ValueError says what is wrong.

    >>> check_features(["sin(x1)", "x1^2"])
    ('x1^2', 'sin(x1)')
    """
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"derived features must be a list of names, not {type(names).__name__}")
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"unknown derived feature {str(name)[:40]!r}; expected some of {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError("a derived feature is listed twice")
    return tuple(name for name in FEATURES if name in names)


def add_features(X, names) -> np.ndarray:
    """Raw rows (n, 2) -> (n, 2 + len(names)) float64: the raw columns, then each derived one."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if not names:
        return X
    if X.ndim != 2 or X.shape[1] != DATA_INPUTS:
        raise ValueError(f"derived features need rows of {DATA_INPUTS} raw inputs, not shape {X.shape}")
    return np.column_stack([X] + [FEATURES[name].of(X) for name in check_features(names)])


def feature_labels(names) -> list[str]:
    """What the Input's columns are called: ['x₁', 'x₂', 'x₁²', ...]."""
    return ["x₁", "x₂"] + [FEATURES[name].label for name in check_features(names)]


def dataset_with_features(dataset: Dataset, names) -> Dataset:
    """A copy of `dataset` whose X carries the derived features too (feature names follow: 'x1', 'x2', 'x1^2')."""
    if not names:
        return dataset
    base = dataset.feature_labels()
    return Dataset(add_features(dataset.X, names), dataset.y, task=dataset.task, class_names=dataset.class_names,
                   name=dataset.name, feature_names=base + list(check_features(names)),
                   target_name=dataset.target_name, source=dataset.source)

