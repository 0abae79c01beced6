"""Optimisers: each kernel follows Flux's update rule, defaults match Flux, settings round-trip."""
import json

import numpy as np
import pytest

from engine.kernels.optimisers import apply_update
from engine.nn.optimisers import (OPTIMISERS, Adam, Descent, Momentum, Nesterov, RMSProp, update_arrays,
                               optimiser_from_dict)
from engine.autodiff.params import params
from engine.autodiff.tracked import param


def reference(opt, p, grads):
    """Flux's rules (Optimise/optimisers.jl), written out plainly in numpy."""
    p = p.copy()
    v, acc, mt, vt = (np.zeros_like(p) for _ in range(4))
    for t, g in enumerate(grads, 1):
        g = g + opt.weight_decay * p + opt.l1 * np.sign(p)
        if isinstance(opt, Nesterov):
            d = opt.rho**2 * v - (1 + opt.rho) * opt.eta * g
            v = opt.rho * v - opt.eta * g
            p = p + d
        elif isinstance(opt, Momentum):
            v = opt.rho * v - opt.eta * g
            p = p + v
        elif isinstance(opt, RMSProp):
            acc = opt.rho * acc + (1 - opt.rho) * g**2
            p = p - g * opt.eta / (np.sqrt(acc) + opt.eps)
        elif isinstance(opt, Adam):
            b1, b2 = opt.beta
            mt = b1 * mt + (1 - b1) * g
            vt = b2 * vt + (1 - b2) * g**2
            p = p - mt / (1 - b1**t) / (np.sqrt(vt / (1 - b2**t)) + opt.eps) * opt.eta
        else:
            p = p - opt.eta * g
    return p


ALL = [Descent(0.1), Momentum(0.05, 0.8), Nesterov(0.02, 0.9), RMSProp(0.01, 0.9), Adam(0.01),
       Adam(0.01, weight_decay=0.1), Descent(0.1, weight_decay=0.5), Adam(0.01, l1=0.05),
       Momentum(0.05, weight_decay=0.1, l1=0.2), Nesterov(0.02, l1=0.1), RMSProp(0.01, l1=0.3, weight_decay=0.2)]


def run_rule(rule, opt, p0, grads, dtype):
    p = p0.astype(dtype)
    s1, s2 = opt.new_state(p.size, dtype)
    for t, g in enumerate(grads, 1):
        rule(opt.kind, p, g.astype(dtype), s1, s2, opt.hyperparameters(), t)
    return p, s1, s2


@pytest.mark.parametrize("rule", [apply_update, update_arrays], ids=["compiled loops", "numpy"])
@pytest.mark.parametrize("opt", ALL, ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_both_rules_follow_fluxs_rule(rule, opt, dtype, rng):
    p0 = rng.normal(size=7)
    grads = [rng.normal(size=7) for _ in range(5)]
    p, _, _ = run_rule(rule, opt, p0, grads, dtype)
    tol = 1e-14 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(p, reference(opt, p0, grads), rtol=tol, atol=tol)


@pytest.mark.parametrize("opt", ALL, ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_compiled_and_the_numpy_rule_take_the_same_step(opt, dtype, rng):
    """The eager path (numpy) and the compiled path (loops) must end on the same weights and state."""
    p0 = rng.normal(size=50) * 3
    grads = [rng.normal(size=50) * 10 ** rng.uniform(-3, 3) for _ in range(20)]
    a = run_rule(apply_update, opt, p0, grads, dtype)
    b = run_rule(update_arrays, opt, p0, grads, dtype)
    ulp = 4 * np.finfo(dtype).eps
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=ulp, atol=ulp)


def test_defaults_are_fluxs():
    assert repr(Descent()) == "Descent(eta=0.1)"
    assert repr(Momentum()) == "Momentum(eta=0.01, rho=0.9)"
    assert repr(Nesterov()) == "Nesterov(eta=0.001, rho=0.9)"
    assert repr(Adam()) == "Adam(eta=0.001, beta=(0.9, 0.999), eps=1e-08)"
    assert repr(RMSProp()) == "RMSProp(eta=0.001, rho=0.9, eps=1e-08)"
    assert repr(Adam(weight_decay=0.01)).endswith("weight_decay=0.01)")


@pytest.mark.parametrize("opt", ALL, ids=repr)
def test_to_dict_round_trips_through_json(opt):
    d = json.loads(json.dumps(opt.to_dict()))
    back = optimiser_from_dict(d)
    assert back == opt and type(back) is type(opt) and back.name == opt.name
    assert OPTIMISERS[d["name"]] is type(opt)


def test_from_dict_rejects_nonsense():
    with pytest.raises(ValueError, match="unknown optimiser"):
        optimiser_from_dict({"name": "SGDX"})
    with pytest.raises(ValueError, match="no hyperparameter"):
        optimiser_from_dict({"name": "Descent", "rho": 0.9})
    with pytest.raises(ValueError, match="learning rate"):
        Descent(-1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        Adam(weight_decay=float("nan"))


def test_step_updates_tracked_params_like_update_bang():
    W, b = param([1.0, 2.0]), param(0.5)
    opt = Momentum(0.1, 0.5)
    grads = {id(W): np.array([1.0, -1.0]), id(b): np.array(2.0)}
    lookup = type("G", (), {"__getitem__": lambda self, p: grads[id(p)]})()
    opt.step(params(W, b), lookup)
    opt.step(params(W, b), lookup)  # momentum state carries over
    np.testing.assert_allclose(W.value, reference(opt, np.array([1.0, 2.0]), [np.array([1.0, -1.0])] * 2))
    np.testing.assert_allclose(b.value, reference(opt, np.array(0.5), [np.array(2.0)] * 2))
