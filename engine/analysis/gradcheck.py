"""Is the engine's calculus right for this model? Its gradients and Hessian-vector products against
central differences, per layer, in float64.

>>> from engine import Chain, Dense, tanh
>>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, rng=1))
>>> X = np.random.default_rng(0).standard_normal((20, 2)); Y = X[:, :1] * X[:, 1:]
>>> report = check_model(model, "mse", X, Y, directions=2)
>>> [(row.name, row.status) for row in report.layers], report.status
([('1 Dense(2 => 3, tanh)', 'green'), ('2 Dense(3 => 1)', 'green')], 'green')

First order: every element of every W and b, the tape's ∂L/∂θ against ``numeric_gradient`` (one
central difference per element). Second order: for a few seeded random unit directions v over all
parameters, the tape's Hessian-vector product Hv (``gradient(..., nest=True)`` differentiated again)
against ``(∇L(θ + hv) - ∇L(θ - hv)) / 2h``, the difference of two first-order tape gradients.

The error of one element is relative, ``|a - n| / max(|a|, |n|, floor)``. The floor is there because
central differences cannot see below their own rounding noise: each evaluation is rounded at the scale
of the numbers it handles, ``S = max(|L|, mean |ŷ|, ‖∇L‖∞)`` (a softmax output near 1 rounds at 1e-16
even when the loss is 1e-5), so a difference quotient carries about ``ε·S / h`` of noise (ε = 2.2e-16,
h the step, 1e-5). An element much smaller than that has a meaningless relative error. The floor is
that noise over ``NOISE_SHARE`` (1e-8), about 2e-3·S, so noise alone stays near 1e-8, a decade inside
green; elements below the floor are judged by their absolute error against it, which still turns a
wrong derivative red unless it is wrong by less than ~1e-5 of the floor. A layer is green when its worst error is ≤ 1e-7, amber ≤ 1e-5, red above (or not finite).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..autodiff import data, gradient, no_grad, numeric_gradient, params
from ..nn import LOSSES

GREEN, AMBER = 1e-7, 1e-5
EPS = float(np.finfo(np.float64).eps)
NOISE_SHARE = 1e-8


def status_of(error: float) -> str:
    """green / amber / red for a worst relative error (NaN is red).

    >>> status_of(3e-9), status_of(2e-6), status_of(0.1), status_of(float("nan"))
    ('green', 'amber', 'red', 'red')
    """
    if not error <= AMBER:
        return "red"
    return "green" if error <= GREEN else "amber"


def relative_error(analytic, numeric, floor: float) -> float:
    """The worst ``|a - n| / max(|a|, |n|, floor)`` over the elements (0 for none, inf for a NaN).

    >>> relative_error(np.array([1.0, 1e-12]), np.array([1.0 + 1e-9, 0.0]), floor=1e-6)
    1e-06
    """
    a, n = np.asarray(analytic, dtype=np.float64).ravel(), np.asarray(numeric, dtype=np.float64).ravel()
    if a.size == 0:
        return 0.0
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        return float("inf")
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), max(floor, np.finfo(np.float64).tiny))
    return float(np.max(np.abs(a - n) / scale))


@dataclass
class LayerCheck:
    """One layer's worst relative errors: `first[name]`, `second[name]` for its "W" and "b"."""
    index: int            # 1-based position in the Chain
    name: str             # "2 Dense(8 => 1, tanh)"
    first: dict = field(default_factory=dict)
    second: dict = field(default_factory=dict)

    @property
    def worst(self) -> float:
        values = list(self.first.values()) + list(self.second.values())
        return max(values, key=lambda v: np.inf if not np.isfinite(v) else v) if values else 0.0

    @property
    def status(self) -> str:
        return status_of(self.worst)


@dataclass
class GradcheckReport:
    """The per-layer results and what they were computed on."""
    layers: list
    loss: float
    rows: int             # samples used
    directions: int       # random directions for the second order
    eps: float

    @property
    def status(self) -> str:
        order = ("green", "amber", "red")
        return max((row.status for row in self.layers), key=order.index, default="green")

    def table(self) -> str:
        """The report as text: a row per layer, W and b, first and second order."""
        lines = [f"{'layer':<28}{'W 1st':>10}{'b 1st':>10}{'W 2nd':>10}{'b 2nd':>10}  status"]
        for row in self.layers:
            cells = [row.first.get("W"), row.first.get("b"), row.second.get("W"), row.second.get("b")]
            lines.append(f"{row.name:<28}" + "".join(f"{'—' if v is None else f'{v:.1e}':>10}" for v in cells)
                         + f"  {row.status}")
        return "\n".join(lines)


class Stopped(Exception):
    """`should_stop()` said so between two parameters."""


def check_model(model, loss, X, Y, *, directions: int = 4, seed: int = 0, eps: float = 1e-5,
                max_rows: int = 256, should_stop=None) -> GradcheckReport:
    """Check the tape's first and second derivatives of ``loss(model(X), Y)`` for every layer.

    `loss` is a name from LOSSES or a callable ``loss(ŷ, y)``. The model is copied and cast to float64
    (the caller's weights are never touched); at most `max_rows` samples are used, chosen by `seed`.
    `should_stop()` is asked between parameters and directions; when it says so, `Stopped` is raised.
    """
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    model = _float64_copy(model)
    for p in params(model):
        p.value = np.array(p.value, dtype=np.float64)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if len(X) > max_rows:
        rows = np.sort(rng.choice(len(X), max_rows, replace=False))
        X, Y = X[rows], Y[rows]
    stop = should_stop or (lambda: False)

    def objective():
        return loss_fn(model(X), Y)

    with no_grad():
        outputs = np.asarray(data(model(X)), dtype=np.float64)
        value = float(data(loss_fn(outputs, Y)))
    groups = _layer_groups(model)
    ps = params(model)
    grads = gradient(objective, ps)
    biggest = max((float(np.max(np.abs(grads[p]), initial=0.0)) for p in ps), default=0.0)
    scale = max(abs(value), float(np.mean(np.abs(outputs))) if outputs.size else 0.0, biggest)
    floor = EPS * scale / eps / NOISE_SHARE
    layers = []
    for index, name, named in groups:
        row = LayerCheck(index, name)
        for label, p in named:
            if stop():
                raise Stopped
            row.first[label] = relative_error(grads[p], numeric_gradient(_setting(p, objective), p.value, eps),
                                              floor)
        layers.append(row)
    _check_second_order(layers, groups, ps, objective, directions, rng, eps, floor, stop)
    return GradcheckReport(layers, value, len(X), directions, eps)


def _check_second_order(layers, groups, ps, objective, directions, rng, eps, floor, stop):
    """Hv from nested tape gradients against differences of first-order tape gradients along v."""
    for _ in range(directions):
        if stop():
            raise Stopped
        v = {id(p): rng.standard_normal(p.shape) for p in ps}
        norm = np.sqrt(sum(float((d ** 2).sum()) for d in v.values()))
        v = {k: d / norm for k, d in v.items()}

        def directional():
            first = gradient(objective, ps, nest=True)
            return sum((first[p] * v[id(p)]).sum() for p in ps)

        hv = gradient(directional, ps)
        ahead, behind = _shifted_gradient(ps, objective, v, eps), _shifted_gradient(ps, objective, v, -eps)
        for row, (_, _, named) in zip(layers, groups):
            for label, p in named:
                numeric = (ahead[id(p)] - behind[id(p)]) / (2 * eps)
                error = relative_error(hv[p], numeric, floor)
                row.second[label] = max(row.second.get(label, 0.0), error, key=lambda e: np.inf if e != e else e)


def _shifted_gradient(ps, objective, v, h):
    """The tape's ∇L at θ + h·v (θ restored afterwards)."""
    saved = {id(p): p.value for p in ps}
    try:
        for p in ps:
            p.value = saved[id(p)] + h * v[id(p)]
        grads = gradient(objective, ps)
        return {id(p): np.asarray(grads[p], dtype=np.float64) for p in ps}
    finally:
        for p in ps:
            p.value = saved[id(p)]


def _setting(p, objective):
    """``w -> L`` with `p` set to w (and put back), for numeric_gradient."""
    def f(w):
        saved = p.value
        p.value = w
        try:
            with no_grad():
                return float(data(objective()))
        finally:
            p.value = saved
    return f


def _float64_copy(model):
    """A copy with its own parameters; activations stay the very objects (reprs and dispatch test identity)."""
    shared = [layer for layer in getattr(model, "layers", [model]) if not hasattr(layer, "parameters")]
    shared += [layer.act for layer in getattr(model, "layers", [model]) if hasattr(layer, "act")]
    return copy.deepcopy(model, {id(x): x for x in shared})


def _layer_groups(model):
    """[(1-based position, name, [("W", weight), ("b", bias)])] for the layers that have parameters."""
    layers = list(getattr(model, "layers", [model]))
    out = []
    for i, layer in enumerate(layers):
        named = []
        for label, attr in (("W", "weight"), ("b", "bias")):
            p = getattr(layer, attr, None)
            if p is not None:
                named.append((label, p))
        if not named and hasattr(layer, "parameters"):
            named = [(f"θ{k + 1}", p) for k, p in enumerate(layer.parameters())]
        if named:
            out.append((i + 1, f"{i + 1} {layer!r}", named))
    return out


__all__ = ["check_model", "GradcheckReport", "LayerCheck", "Stopped", "status_of", "relative_error", "GREEN", "AMBER"]
