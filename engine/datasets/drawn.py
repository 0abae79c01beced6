"""Data drawn by hand (the app's "Draw data", as Orange's Paint Data): 2-D points, each with a class or a value.

A model file keeps the points themselves, `[[x1, x2, label], ...]`, in its data reference; they are checked
like any other input from a file before a Dataset is made of them.

    >>> points = [[0.1, 0.2, 0], [-0.5, 0.4, 1], [0.3, -0.9, 1]]
    >>> drawn_dataset(points, "classification")
    Dataset('drawn', 3 samples, 2 features, 2 classes)
    >>> drawn_dataset([[0.0, 0.0, 0.5]], "regression").y.tolist()
    [[0.5]]
    >>> print(points_problem([[0.0, "x", 1]], "classification"))
    drawn point 1 must be three finite numbers [x1, x2, label], not [0.0, 'x', 1]
"""
from __future__ import annotations

import math

from .dataset import DataError, Dataset

__all__ = ["MAX_DRAWN", "DRAWN_CLASSES", "DRAWN_RANGE", "drawn_dataset", "drawn_points", "points_problem"]

MAX_DRAWN = 10_000      # points; a person clicking adds a few hundred
DRAWN_CLASSES = 4       # classes the class chooser offers
DRAWN_RANGE = 1e6       # |coordinate| and |value| beyond this are not a drawing


def points_problem(points, task) -> str | None:
    """What is wrong with `points` as drawn data of `task`, or None."""
    if task not in ("classification", "regression"):
        return f"drawn data is for classification or regression, not {str(task)[:40]!r}"
    if not isinstance(points, list) or len(points) > MAX_DRAWN:
        return f"drawn data must be a list of at most {MAX_DRAWN:,} points"
    for i, point in enumerate(points):
        finite = isinstance(point, list) and len(point) == 3 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= DRAWN_RANGE
            for v in point)
        if not finite:
            shown = repr(point)
            return f"drawn point {i + 1} must be three finite numbers [x1, x2, label], not " \
                   f"{shown[:40]}{'...' if len(shown) > 40 else ''}"
        if task == "classification" and (point[2] != int(point[2]) or not 0 <= point[2] < DRAWN_CLASSES):
            return f"drawn point {i + 1} has class {point[2]!r}; classes are 0 to {DRAWN_CLASSES - 1}"
    return None


def drawn_dataset(points, task: str) -> Dataset:
    """The Dataset of drawn `points` (checked first: DataError says what is wrong)."""
    problem = points_problem(points, task)
    if problem:
        raise DataError(problem)
    if not points:
        raise DataError("nothing is drawn yet: click on the plot to add points")
    X = [p[:2] for p in points]
    if task == "classification":
        y = [int(p[2]) for p in points]
        k = max(y) + 1
        return Dataset(X, y, class_names=[f"class {c}" for c in range(max(k, 2))], name="drawn")
    return Dataset(X, [p[2] for p in points], task="regression", name="drawn")


def drawn_points(dataset: Dataset) -> list[list[float]]:
    """The inverse of `drawn_dataset`: `[[x1, x2, label], ...]` as plain floats."""
    labels = dataset.y if dataset.task == "classification" else dataset.y[:, 0]
    return [[float(a), float(b), int(c) if dataset.task == "classification" else float(c)]
            for (a, b), c in zip(dataset.X, labels)]
