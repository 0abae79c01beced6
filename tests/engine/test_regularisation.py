"""L1/L2 regularisation and learning-rate schedules: a step computed by hand, each schedule's rate against its
formula, both training paths alike under every schedule, and the settings kept by a model file."""
import math

import numpy as np
import pytest

from engine import datasets, load_model, save_model
from engine.nn.activations import softmax, tanh
from engine.nn.layers import Chain, Dense
from engine.nn.optimisers import Adam, Descent, Momentum, optimiser_from_dict, update_arrays
from engine.nn.schedules import Schedule, schedule_from_dict
from engine.training import KERNELS, Trainer


def test_one_descent_step_with_l1_and_l2_by_hand():
    # p = [2, -1, 0], g = [0.5, 0.5, 0.5], eta 0.1, L2 0.2, L1 0.3:
    # g' = g + 0.2 p + 0.3 sign(p) = [0.5+0.4+0.3, 0.5-0.2-0.3, 0.5+0+0] = [1.2, 0.0, 0.5]
    opt = Descent(0.1, weight_decay=0.2, l1=0.3)
    for rule in ("numpy", "loops"):
        p = np.array([2.0, -1.0, 0.0])
        args = (opt.kind, p, np.full(3, 0.5), np.zeros(0), np.zeros(0), opt.hyperparameters(), 1)
        if rule == "numpy":
            update_arrays(*args)
        else:
            from engine.kernels.optimisers import apply_update
            apply_update(*args)
        np.testing.assert_allclose(p, [2.0 - 0.12, -1.0, -0.05], rtol=0, atol=1e-15)


def test_one_momentum_step_with_l1_keeps_the_velocity_of_the_penalised_gradient():
    opt = Momentum(0.5, 0.9, l1=1.0)
    p, v = np.array([3.0, -3.0]), np.array([0.2, 0.2])
    update_arrays(opt.kind, p, np.zeros(2), v, np.zeros(0), opt.hyperparameters(), 1)
    # v = 0.9 * 0.2 - 0.5 * (0 + sign(p)) = [0.18 - 0.5, 0.18 + 0.5]
    np.testing.assert_allclose(v, [-0.32, 0.68])
    np.testing.assert_allclose(p, [3.0 - 0.32, -3.0 + 0.68])


@pytest.mark.parametrize("epoch", [0, 1, 9, 10, 11, 29, 30, 99, 100, 250])
def test_each_schedules_rate_is_its_formula(epoch):
    eta = 0.2
    assert Schedule().rate(eta, epoch) == eta
    assert Schedule("step", epochs=10, factor=0.3).rate(eta, epoch) == pytest.approx(eta * 0.3 ** math.floor(epoch / 10))
    assert Schedule("exponential", epochs=20, factor=0.5).rate(eta, epoch) == pytest.approx(eta * 0.5 ** (epoch / 20))
    t = min(epoch, 100) / 100
    assert Schedule("cosine", epochs=100, floor=0.01).rate(eta, epoch) == pytest.approx(
        0.01 + (eta - 0.01) * (1 + math.cos(math.pi * t)) / 2)


def test_bad_schedules_and_penalties_are_refused_with_a_reason():
    for bad, words in ((dict(kind="linear"), "unknown schedule"), (dict(kind="step", epochs=0), "epochs"),
                       (dict(kind="step", factor=1.5), "factor")):
        with pytest.raises(ValueError, match=words):
            Schedule(**bad)
    with pytest.raises(ValueError, match="l1"):
        Adam(l1=-1)
    with pytest.raises(ValueError, match="no field"):
        schedule_from_dict({"kind": "step", "gamma": 2})


def trained(opt, compiled, epochs=12):
    """(model, history, trainer) after `epochs` on a small spiral."""
    data = datasets.spiral(n=120, classes=3, seed=2)
    model = Chain(Dense(2, 16, tanh, rng=0), Dense(16, 3, rng=1), softmax)
    trainer = Trainer(model, "crossentropy", opt, batch_size=16, seed=3, compiled=compiled)
    history = trainer.fit(data, epochs=epochs)
    return model, history, trainer


SCHEDULED = [Adam(0.02, l1=1e-3, weight_decay=1e-2), Momentum(0.05, l1=1e-3),
             Adam(0.02, schedule=Schedule("step", epochs=3, factor=0.5)),
             Adam(0.02, weight_decay=1e-3, schedule=Schedule("exponential", epochs=4, factor=0.3)),
             Descent(0.5, l1=1e-3, schedule=Schedule("cosine", epochs=8, floor=0.01))]


@pytest.mark.parametrize("opt", SCHEDULED, ids=repr)
def test_compiled_and_eager_train_alike_with_penalties_and_every_schedule(opt):
    assert KERNELS.wait("float64")
    eager, h_eager, t_eager = trained(opt, compiled=False)
    compiled, h_compiled, t_compiled = trained(opt, compiled=True)
    assert h_eager.path == "eager" and h_compiled.path == "compiled"
    np.testing.assert_allclose(h_eager.train_loss, h_compiled.train_loss, rtol=1e-10, atol=1e-12)
    for a, b in zip(eager.parameters(), compiled.parameters()):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=1e-12)
    assert t_eager.epoch == t_compiled.epoch == 12
    assert t_eager.current_rate() == opt.rate(12)


def test_a_schedule_changes_the_training_and_continues_across_fits():
    plain, h_plain, _ = trained(Adam(0.02), compiled=False, epochs=6)
    step = Adam(0.02, schedule=Schedule("step", epochs=2, factor=0.1))
    stepped, h_step, _ = trained(step, compiled=False, epochs=6)
    assert h_plain.train_loss[:2] == h_step.train_loss[:2]  # the first two epochs run at the base rate
    assert h_plain.train_loss[2] != h_step.train_loss[2]
    # two fits of three epochs equal one of six: the schedule's epoch carries over
    data = datasets.spiral(n=120, classes=3, seed=2)
    model = Chain(Dense(2, 16, tanh, rng=0), Dense(16, 3, rng=1), softmax)
    trainer = Trainer(model, "crossentropy", step, batch_size=16, seed=3, compiled=False)
    losses = trainer.fit(data, epochs=3).train_loss + trainer.fit(data, epochs=3).train_loss
    np.testing.assert_allclose(losses, h_step.train_loss, rtol=1e-12)


def test_penalties_and_schedule_round_trip_through_a_model_file(tmp_path):
    opt = Adam(0.01, weight_decay=1e-3, l1=1e-4, schedule=Schedule("cosine", epochs=40, floor=1e-4))
    model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, rng=1))
    save_model(tmp_path / "m.chain", model, settings={"optimiser": opt.to_dict()})
    back = load_model(tmp_path / "m.chain")
    assert optimiser_from_dict(back.settings["optimiser"]) == opt
    # a file without them (every older one) reads as no penalty and a constant rate
    old = optimiser_from_dict({"name": "Adam", "eta": 0.01})
    assert (old.l1, old.weight_decay, old.schedule) == (0.0, 0.0, Schedule())
    assert "l1" not in old.to_dict() and "schedule" not in old.to_dict()
