"""How curved the loss is in one layer's weights, from nested gradients: the Hessian's diagonal (exact, one
Hessian-vector product per weight, for small layers), its top eigenvalue (power iteration on Hessian-vector
products) and the curvature along the current gradient, gᵀHg / ‖g‖².

>>> from engine import Chain, Dense, tanh
>>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, rng=1))
>>> X = np.random.default_rng(0).standard_normal((20, 2)); Y = X[:, :1] * X[:, 1:]
>>> c = curvature(model, "mse", X, Y, layer=1)
>>> c.diagonal["W"].shape, c.along_gradient > 0
((1, 3), True)
>>> c.reading(0.1)[:38]
'a step of lr × g overshoots when lr > '

Along a direction of curvature κ the loss is a parabola, and a step of lr × g lands past its bottom once
lr > 2/κ (for κ ≤ 0 the loss bends down there, and no step overshoots). Everything is computed on the
given weights, which are never changed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autodiff import gradient, params
from ..nn import LOSSES

EXACT_LIMIT = 256  # weights up to which the diagonal is computed exactly (one Hessian-vector product each)


@dataclass
class Curvature:
    """One layer's curvature: `diagonal` {"W": array, "b": array} (None when the layer is too big),
    `top_eigenvalue` (largest in size, with its sign), `along_gradient` gᵀHg/‖g‖², and ‖g‖."""
    layer: int
    diagonal: dict | None
    top_eigenvalue: float
    along_gradient: float
    gradient_norm: float

    @property
    def largest_stable_rate(self) -> float:
        """2/curvature along the gradient: larger rates overshoot (inf where the loss bends down)."""
        return 2.0 / self.along_gradient if self.along_gradient > 0 else float("inf")

    def reading(self, lr: float) -> str:
        """One line for a person, about a step of `lr` × g.

        >>> Curvature(0, None, 4.0, 4.0, 1.0).reading(0.1)
        'a step of lr × g overshoots when lr > 2/curvature = 0.5; lr = 0.1 is below'
        """
        if not self.along_gradient > 0:
            return f"the loss bends down along g (curvature {self.along_gradient:.3g}): no step of lr × g overshoots"
        limit = self.largest_stable_rate
        side = "overshoots" if lr > limit else "is below"
        return f"a step of lr × g overshoots when lr > 2/curvature = {limit:.3g}; lr = {lr:g} {side}"


def _layer_params(model, layer: int) -> list:
    layers = list(getattr(model, "layers", [model]))
    found = list(layers[layer].parameters()) if 0 <= layer < len(layers) and hasattr(layers[layer], "parameters") \
        else []
    if not found:
        raise ValueError(f"layer {layer + 1} has no weights to measure the curvature of")
    return found


def curvature(model, loss, X, Y, layer: int, *, iterations: int = 30, seed: int = 0,
              exact_limit: int = EXACT_LIMIT) -> Curvature:
    """The curvature of ``loss(model(X), Y)`` in the weights of `layer` (0-based in the Chain)."""
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    ps = _layer_params(model, layer)
    X, Y = np.asarray(X, dtype=ps[0].dtype), np.asarray(Y, dtype=ps[0].dtype)

    def objective():
        return loss_fn(model(X), Y)

    def hvp(vs):
        """H v for v given per parameter: the gradient of (∇L · v), the inner gradient nested."""
        def directional():
            first = gradient(objective, params(*ps), nest=True)
            return sum((first[p] * v).sum() for p, v in zip(ps, vs))
        second = gradient(directional, params(*ps))
        return [np.asarray(second[p], dtype=np.float64) for p in ps]

    grads = gradient(objective, params(*ps))
    g = [np.asarray(grads[p], dtype=np.float64) for p in ps]
    gnorm2 = sum(float((a ** 2).sum()) for a in g)
    along = sum(float((a * b).sum()) for a, b in zip(g, hvp(g))) / gnorm2 if gnorm2 > 0 else 0.0
    diagonal = None
    if sum(p.size for p in ps) <= exact_limit:
        diagonal = {}
        for k, (label, p) in enumerate(zip(("W", "b"), ps)):
            diag = np.zeros(p.shape)
            for index in np.ndindex(*p.shape):
                unit = [np.zeros(q.shape) for q in ps]
                unit[k][index] = 1.0
                diag[index] = hvp(unit)[k][index]
            diagonal[label] = diag
    return Curvature(layer, diagonal, _power_iteration(hvp, ps, iterations, seed), along, gnorm2 ** 0.5)


def _power_iteration(hvp, ps, iterations: int, seed: int) -> float:
    """The eigenvalue of largest size, by repeated Hessian-vector products from a seeded random start."""
    rng = np.random.default_rng(seed)
    v = [rng.standard_normal(p.shape) for p in ps]
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = np.sqrt(sum(float((a ** 2).sum()) for a in v))
        if norm == 0:
            return 0.0
        v = [a / norm for a in v]
        hv = hvp(v)
        eigenvalue = sum(float((a * b).sum()) for a, b in zip(v, hv))  # Rayleigh quotient of the unit v
        v = hv
    return eigenvalue


__all__ = ["curvature", "Curvature", "EXACT_LIMIT"]
