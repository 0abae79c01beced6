"""Planes through a dataset's feature space that a 2-D plot can show: two of its features (the others held
at their mean), or its first two principal components. Plain numpy; the decision-boundary plot draws the
model on the plane and the data projected onto it.

>>> import numpy as np
>>> X = np.array([[0.0, 1.0, 5.0], [2.0, 3.0, 7.0], [4.0, 8.0, 9.0]])
>>> plane = FeaturePlane(X, 0, 2, ["a", "b", "c"])
>>> plane.from_plane(np.array([[1.0, 6.0]])).tolist(), plane.labels
([[1.0, 4.0, 6.0]], ('a', 'c'))
>>> pca = PCAPlane(X, ["a", "b", "c"])
>>> bool(np.allclose(pca.to_plane(pca.from_plane(np.array([[0.5, -0.2]]))), [[0.5, -0.2]]))
True
"""
from __future__ import annotations

import numpy as np


class FeaturePlane:
    """Features `i` and `j` along the axes; every other feature at its mean over `X`."""

    def __init__(self, X: np.ndarray, i: int, j: int, names):
        self.mean = np.asarray(X, dtype=np.float64).mean(axis=0)
        self.i, self.j = int(i), int(j)
        self.labels = (str(names[self.i]), str(names[self.j]))

    def to_plane(self, X: np.ndarray) -> np.ndarray:
        """(n, 2): where rows `X` are shown (their two features)."""
        return np.asarray(X, dtype=np.float64)[:, [self.i, self.j]]

    def from_plane(self, P: np.ndarray) -> np.ndarray:
        """(n, features): the inputs at plane points `P`."""
        X = np.tile(self.mean, (len(P), 1))
        X[:, self.i], X[:, self.j] = P[:, 0], P[:, 1]
        return X


class PCAPlane:
    """The plane through the mean of `X` spanned by its first two principal components, found by an SVD of
    the standardised features (so a feature's units do not decide); coordinates are in standard units."""

    def __init__(self, X: np.ndarray, names=None):
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 0, scale, 1.0)
        _, s, vt = np.linalg.svd((X - self.mean) / self.scale, full_matrices=False)
        components = vt[:2]
        # an SVD's signs are arbitrary: each component points along its largest loading, so views are stable
        biggest = np.abs(components).argmax(axis=1)
        self.components = components * np.sign(components[np.arange(len(components)), biggest])[:, None]
        share = s ** 2 / max(float((s ** 2).sum()), 1e-300)
        self.explained = share[:2]
        self.labels = tuple(f"PC{n + 1} ({share[n]:.0%})" for n in range(2))  # its share of the variance

    def to_plane(self, X: np.ndarray) -> np.ndarray:
        return ((np.asarray(X, dtype=np.float64) - self.mean) / self.scale) @ self.components.T

    def from_plane(self, P: np.ndarray) -> np.ndarray:
        return self.mean + (np.asarray(P, dtype=np.float64) @ self.components) * self.scale


def feature_names(dataset) -> list[str]:
    """The dataset's feature names, or x1, x2, ..."""
    names = getattr(dataset, "feature_names", None)
    return [str(n) for n in names] if names else [f"x{i + 1}" for i in range(dataset.n_features)]
