"""Seeded toy datasets: circle, xor, gaussians, spiral, moons (classification); quadratic, sine, and TensorFlow
Playground's plane and multi-gaussian (regression).

    >>> ds = circle(200, noise=0.1, seed=0)
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

from .dataset import Dataset

__all__ = ["circle", "xor", "gaussians", "spiral", "moons", "quadratic", "sine", "plane", "multi_gaussian",
           "GENERATORS"]

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


def plane(n=200, noise=0.1, seed=0):
    """TF Playground's "plane": points in [-1, 1]², target 0.6 (x₁ + x₂), a tilted plane from -1.2 to 1.2.

    As in the Playground, `noise` moves where each point's target is read (by up to `noise` times the
    square's half-width), not the point itself.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    read = X + rng.uniform(-1, 1, size=X.shape) * noise
    y = 0.6 * (read[:, 0] + read[:, 1])
    return Dataset(X, y.reshape(-1, 1), task="regression", name="plane")


def multi_gaussian(n=200, noise=0.1, seed=0):
    """TF Playground's "multi-gaussian": six bumps on a 3 x 2 grid in [-1, 1]², alternately +1 and -1,
    each falling linearly to 0 at distance 1/3; a point takes the bump of largest magnitude.

    `noise` shifts where the target is read, as in `plane`.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    read = X + rng.uniform(-1, 1, size=X.shape) * noise
    # (centre x, centre y, sign): the Playground's grid, scaled from its [-6, 6]² to [-1, 1]²
    bumps = np.array([[-2 / 3, 5 / 12, 1], [0, 5 / 12, -1], [2 / 3, 5 / 12, 1],
                      [-2 / 3, -5 / 12, -1], [0, -5 / 12, 1], [2 / 3, -5 / 12, -1]])
    distance = np.hypot(read[:, None, 0] - bumps[:, 0], read[:, None, 1] - bumps[:, 1])
    heights = bumps[:, 2] * np.clip(1 - 3 * distance, 0, 1)
    y = heights[np.arange(n), np.abs(heights).argmax(axis=1)]
    return Dataset(X, y.reshape(-1, 1), task="regression", name="multi-gaussian")


GENERATORS = {"circle": circle, "xor": xor, "gaussians": gaussians, "spiral": spiral,
              "moons": moons, "quadratic": quadratic, "sine": sine, "plane": plane,
              "multi-gaussian": multi_gaussian}
