"""Optimisers: Flux's update rules on flat arrays, and the objects that hold their hyperparameters.

    >>> opt = Adam(eta=0.01)
    >>> opt
    Adam(eta=0.01, beta=(0.9, 0.999), eps=1e-08)
    >>> optimiser_from_dict(opt.to_dict()) == opt
    True

Every rule has the signature `rule(p, g, s1, s2, hp, t)`: `p` the parameter (updated in
place), `g` its gradient, `s1`/`s2` per-element state (zero-length when a rule needs less),
`hp` the float64 hyperparameters `[eta, rho_or_beta1, beta2, eps, weight_decay, l1]` and `t` the
1-based step count. `update_arrays(kind, ...)` dispatches on the optimiser's `kind`; the eager
trainer calls it once per parameter array. The compiled interpreter runs the same formulas as
Numba loops (`engine.kernels.optimisers`), operation for operation, so both paths take the same
step to rounding.

Regularisation is Flux's `WeightDecay(wd)` (L2) and an L1 penalty placed before the rule, on every
parameter: the gradient becomes `g + wd * p + l1 * sign(p)`. A `schedule` (engine.nn.schedules) sets the
rate of each epoch; the trainer puts it into `hp[ETA]` (`step` here uses the base rate).

    >>> Descent(0.1, l1=1e-4, weight_decay=1e-3, schedule=Schedule("cosine", epochs=50))
    Descent(eta=0.1, weight_decay=0.001, l1=0.0001, schedule=Schedule(kind='cosine', epochs=50, factor=0.5, floor=0.0))
"""
from __future__ import annotations

import math

import numpy as np

from .schedules import Schedule, schedule_from_dict

__all__ = ["Optimiser", "Descent", "Momentum", "Nesterov", "Adam", "RMSProp", "OPTIMISERS",
           "optimiser_from_dict", "update_arrays"]

# indices into the hyperparameter vector every kernel receives
ETA, RHO, BETA2, EPS, DECAY, L1 = range(6)


# ---- the update rules on numpy arrays (the eager path; engine.kernels.optimisers has the loops) ----

DESCENT, MOMENTUM, NESTEROV, RMSPROP, ADAM = range(5)


def penalised(g, p, hp):
    """The gradient with the L2 and L1 penalties' (the loops add the same terms in the same order)."""
    gi = g + hp[DECAY] * p
    if hp[L1]:
        gi += hp[L1] * np.sign(p)
    return gi


def descent_rule(p, g, s1, s2, hp, t):
    """p -= η g"""
    p -= hp[ETA] * penalised(g, p, hp)


def momentum_rule(p, g, s1, s2, hp, t):
    """v = ρ v - η g;  p += v"""
    v = hp[RHO] * s1 - hp[ETA] * penalised(g, p, hp)
    s1[:] = v
    p += v


def nesterov_rule(p, g, s1, s2, hp, t):
    """d = ρ² v - (1+ρ) η g;  v = ρ v - η g;  p += d   (Flux's form, v is the old velocity)"""
    eta, rho = hp[ETA], hp[RHO]
    gi = penalised(g, p, hp)
    d = rho * rho * s1 - (1 + rho) * eta * gi
    s1[:] = rho * s1 - eta * gi
    p += d


def rmsprop_rule(p, g, s1, s2, hp, t):
    """a = ρ a + (1-ρ) g²;  p -= η g / (√a + ε)"""
    eta, rho, eps = hp[ETA], hp[RHO], hp[EPS]
    gi = penalised(g, p, hp)
    a = rho * s1 + (1 - rho) * gi * gi  # kept unrounded for the step, as the loop keeps it
    s1[:] = a
    p -= gi * (eta / (np.sqrt(a) + eps))


def adam_rule(p, g, s1, s2, hp, t):
    """m = β₁ m + (1-β₁) g;  v = β₂ v + (1-β₂) g²;  p -= η m̂ / (√v̂ + ε), with m̂, v̂ bias-corrected"""
    eta, b1, b2, eps = hp[ETA], hp[RHO], hp[BETA2], hp[EPS]
    c1 = 1.0 - b1 ** t
    c2 = 1.0 - b2 ** t
    step, inverse = eta / c1, 1.0 / c2  # per step, not per weight: one division per weight instead of three
    gi = penalised(g, p, hp)
    m = b1 * s1 + (1 - b1) * gi
    v = b2 * s2 + (1 - b2) * gi * gi
    s1[:] = m
    s2[:] = v
    p -= m * step / (np.sqrt(v * inverse) + eps)


RULES = (descent_rule, momentum_rule, nesterov_rule, rmsprop_rule, adam_rule)  # indexed by `kind`


UPDATE_CHUNK = 1 << 16  # elements per slice: the rules' temporaries stay in cache (16.8M at once: 11x slower)


def update_arrays(kind, p, g, s1, s2, hp, t):
    """One optimiser step on flat arrays (numpy); `kind` is the optimiser's `kind` code.

    Every rule is elementwise, so a big parameter is updated a slice at a time: each temporary the
    rule makes is then small enough to stay in cache."""
    rule = RULES[kind]
    with np.errstate(all="ignore"):  # overflow is divergence, which the trainer's NaN guard reports
        if p.size <= UPDATE_CHUNK:
            rule(p, g, s1, s2, hp, t)
            return
        for lo in range(0, p.size, UPDATE_CHUNK):
            part = slice(lo, lo + UPDATE_CHUNK)
            rule(p[part], g[part], s1[part] if s1.size else s1, s2[part] if s2.size else s2, hp, t)


# ---- the objects people hold ---------------------------------------------------------

class Optimiser:
    """Hyperparameters plus the rule's `kind`; the per-parameter state lives with the trainer
    (or in `self._state` when `step` is used directly)."""

    name = "optimiser"
    kind = -1
    n_state = 0  # per-element state arrays the rule needs (0, 1 or 2)
    _fields: tuple = ()

    def __init__(self, weight_decay=0.0, l1=0.0, schedule=None):
        self.weight_decay, self.l1 = float(weight_decay), float(l1)
        for name, value in (("weight_decay", self.weight_decay), ("l1", self.l1)):
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        self.schedule = schedule if schedule is not None else Schedule()
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
        if not (self.eta > 0 and math.isfinite(self.eta)):
            raise ValueError(f"learning rate eta must be a finite number > 0, got {self.eta}")
        self._state = {}

    def hyperparameters(self):
        """The rule's hyperparameters as float64 `[eta, rho|beta1, beta2, eps, weight_decay, l1]`."""
        return np.array([*self._rule_hyperparameters(), self.weight_decay, self.l1])

    def _rule_hyperparameters(self):
        raise NotImplementedError

    def rate(self, epoch: int) -> float:
        """The learning rate the schedule gives epoch `epoch` (0-based)."""
        return self.schedule.rate(self.eta, epoch)

    def new_state(self, size, dtype):
        """Zeroed (s1, s2) for a parameter of `size` elements; unused ones have length 0."""
        s1 = np.zeros(size if self.n_state >= 1 else 0, dtype=dtype)
        s2 = np.zeros(size if self.n_state >= 2 else 0, dtype=dtype)
        return s1, s2

    def step(self, ps, grads):
        """Update each parameter in `ps` (Tracked leaves) from `grads[p]`, like Flux's
        `update!(opt, ps, gs)`. State is kept per parameter across calls."""
        hp = self.hyperparameters()
        for p in ps:
            g = grads[p]
            if g is None:
                continue
            value = p.value
            s1, s2, t = self._state.get(id(p), (*self.new_state(value.size, value.dtype), 0))
            t += 1
            flat = value.reshape(-1)  # a view: params are contiguous
            assert np.shares_memory(flat, value), "parameters must be contiguous arrays"
            update_arrays(self.kind, flat,
                         np.ascontiguousarray(g, dtype=value.dtype).reshape(-1), s1, s2, hp, t)
            self._state[id(p)] = (s1, s2, t)

    def to_dict(self):
        """Plain, JSON-ready description: `{"name": "Adam", "eta": 0.001, ...}`."""
        d = {"name": self.name}
        for f in self._fields:
            v = getattr(self, f)
            d[f] = list(v) if isinstance(v, tuple) else v
        d["weight_decay"] = self.weight_decay
        if self.l1:  # only when set: files without them read as before, in older versions too
            d["l1"] = self.l1
        if self.schedule.kind != "constant":
            d["schedule"] = self.schedule.to_dict()
        return d

    def __eq__(self, other):
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        parts = [f"{f}={getattr(self, f)!r}" for f in self._fields]
        if self.weight_decay:
            parts.append(f"weight_decay={self.weight_decay!r}")
        if self.l1:
            parts.append(f"l1={self.l1!r}")
        if self.schedule.kind != "constant":
            parts.append(f"schedule={self.schedule!r}")
        return f"{self.name}({', '.join(parts)})"


class Descent(Optimiser):
    """Plain gradient descent, `p -= eta * g`: `Descent(0.1)`."""
    name, kind, n_state, _fields = "Descent", DESCENT, 0, ("eta",)

    def __init__(self, eta=0.1, *, weight_decay=0.0, l1=0.0, schedule=None):
        self.eta = float(eta)
        super().__init__(weight_decay, l1, schedule)

    def _rule_hyperparameters(self):
        return self.eta, 0.0, 0.0, 0.0


class Momentum(Optimiser):
    """Gradient descent with momentum `rho`: `Momentum(0.01, 0.9)`."""
    name, kind, n_state, _fields = "Momentum", MOMENTUM, 1, ("eta", "rho")

    def __init__(self, eta=0.01, rho=0.9, *, weight_decay=0.0, l1=0.0, schedule=None):
        self.eta, self.rho = float(eta), float(rho)
        super().__init__(weight_decay, l1, schedule)

    def _rule_hyperparameters(self):
        return self.eta, self.rho, 0.0, 0.0


class Nesterov(Momentum):
    """Nesterov accelerated momentum: `Nesterov(0.001, 0.9)`."""
    name, kind = "Nesterov", NESTEROV

    def __init__(self, eta=0.001, rho=0.9, *, weight_decay=0.0, l1=0.0, schedule=None):
        super().__init__(eta, rho, weight_decay=weight_decay, l1=l1, schedule=schedule)


class RMSProp(Optimiser):
    """RMSProp: `RMSProp(0.001, 0.9)`; `eps` keeps the step finite where gradients vanish."""
    name, kind, n_state, _fields = "RMSProp", RMSPROP, 1, ("eta", "rho", "eps")

    def __init__(self, eta=0.001, rho=0.9, eps=1e-8, *, weight_decay=0.0, l1=0.0, schedule=None):
        self.eta, self.rho, self.eps = float(eta), float(rho), float(eps)
        super().__init__(weight_decay, l1, schedule)

    def _rule_hyperparameters(self):
        return self.eta, self.rho, 0.0, self.eps


class Adam(Optimiser):
    """Adam with Flux's defaults: `Adam(eta=0.001, beta=(0.9, 0.999), eps=1e-8)`."""
    name, kind, n_state, _fields = "Adam", ADAM, 2, ("eta", "beta", "eps")

    def __init__(self, eta=0.001, beta=(0.9, 0.999), eps=1e-8, *, weight_decay=0.0, l1=0.0, schedule=None):
        self.eta, self.eps = float(eta), float(eps)
        self.beta = (float(beta[0]), float(beta[1]))
        super().__init__(weight_decay, l1, schedule)

    def _rule_hyperparameters(self):
        return self.eta, self.beta[0], self.beta[1], self.eps


OPTIMISERS = {cls.name: cls for cls in (Descent, Momentum, Nesterov, RMSProp, Adam)}


def optimiser_from_dict(d):
    """Rebuild an optimiser from `to_dict()` output; unknown names or fields raise ValueError."""
    d = dict(d)
    name = d.pop("name", None)
    cls = OPTIMISERS.get(name)
    if cls is None:
        raise ValueError(f"unknown optimiser {name!r}; known: {', '.join(OPTIMISERS)}")
    allowed = set(cls._fields) | {"weight_decay", "l1", "schedule"}
    unknown = set(d) - allowed
    if unknown:
        raise ValueError(f"{name} has no hyperparameter(s) {', '.join(sorted(unknown))}")
    if "beta" in d:
        beta = d["beta"]
        if not (isinstance(beta, (list, tuple)) and len(beta) == 2):
            raise ValueError(f"Adam's beta must be two numbers, got {beta!r}")
        d["beta"] = tuple(beta)
    if "schedule" in d:
        d["schedule"] = schedule_from_dict(d["schedule"])
    return cls(**d)
