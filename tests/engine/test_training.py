"""Trainer: loss falls, stop and pause work, the NaN guard restores weights, progress is throttled."""
import json
import time

import numpy as np
import pytest

from engine import datasets
from engine.nn.activations import relu, sigmoid, softmax, tanh
from engine.datasets import DataError
from engine.nn.layers import Chain, Dense
from engine.nn.optimisers import Adam, Momentum
from engine.training import Trainer
from engine.training.trainer import REPORT_SECONDS


def classifier(classes=2):
    return Chain(Dense(2, 16, tanh, rng=0), Dense(16, classes, rng=1), softmax)


@pytest.mark.parametrize("name, make, loss", [
    ("circle", lambda: classifier(), "crossentropy"),
    ("xor", lambda: Chain(Dense(2, 16, relu, rng=0), Dense(16, 1, sigmoid, rng=1)), "binarycrossentropy"),
    ("gaussians", lambda: Chain(Dense(2, 1, sigmoid, rng=0)), "mse"),
    ("spiral", lambda: Chain(Dense(2, 24, tanh, rng=0), Dense(24, 24, tanh, rng=1), Dense(24, 2, rng=2)),
     "logitcrossentropy"),
    ("moons", lambda: classifier(), "crossentropy"),
    ("quadratic", lambda: Chain(Dense(1, 16, tanh, rng=0), Dense(16, 1, rng=1)), "mse"),
    ("sine", lambda: Chain(Dense(1, 16, tanh, rng=0), Dense(16, 1, rng=1)), "mse"),
])
def test_loss_falls_on_every_dataset(name, make, loss):
    ds = datasets.GENERATORS[name](n=160, seed=0)
    history = Trainer(make(), loss, Adam(0.03), batch_size=16, compiled=True).fit(ds, epochs=60)
    assert history.path == "compiled" and history.epochs_done == 60 and not history.diverged
    assert history.train_loss[-1] < 0.7 * history.train_loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    if ds.task == "classification":
        assert history.accuracy[-1] > 0.6
    else:
        assert np.isnan(history.accuracy).all()


def test_should_stop_ends_training_after_the_current_chunk():
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3  # let three chunks run, then ask to stop

    history = Trainer(classifier(), "crossentropy", Adam(), batch_size=1).fit(
        datasets.circle(n=200), epochs=1000, should_stop=stop)
    assert history.stopped and not history.diverged
    assert history.epochs_done < 1000 and 0 < history.steps


def test_pause_blocks_until_released_and_still_honours_stop():
    polls = []

    def paused():
        polls.append(time.perf_counter())
        return len(polls) <= 5  # paused for the first five polls
    history = Trainer(classifier(), "crossentropy", Adam(), batch_size=32).fit(
        datasets.circle(n=64), epochs=2, should_pause=paused)
    assert history.epochs_done == 2 and len(polls) > 5
    assert polls[5] - polls[0] >= 0.03  # it slept between polls instead of training

    history = Trainer(classifier(), "crossentropy", Adam()).fit(
        datasets.circle(n=64), epochs=2, should_pause=lambda: True, should_stop=lambda: True)
    assert history.stopped and history.steps == 0


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "eager"])
def test_nan_guard_restores_the_last_finite_weights(compiled):
    model = Chain(Dense(1, 8, rng=0), Dense(8, 1, rng=1))  # linear: a huge step blows it up
    seen = []
    trainer = Trainer(model, "mse", Momentum(5.0), batch_size=8, compiled=compiled)
    history = trainer.fit(datasets.quadratic(n=200, seed=0), epochs=50, on_progress=seen.append)
    assert history.diverged and "lower learning rate" in history.message and "eta=5" in history.message
    assert all(np.isfinite(p.value).all() for p in model.parameters())
    assert trainer.t == 0 and not trainer.s1.any()  # the optimiser starts afresh, not from inf
    assert seen and seen[-1].final


def test_progress_reports_are_throttled_and_carry_what_the_gui_needs():
    stamps, reports = [], []

    def on_progress(p):
        stamps.append(time.perf_counter())
        reports.append(p)
    trainer = Trainer(classifier(3), "crossentropy", Adam(0.01), batch_size=4, watch_layer=1)
    history = trainer.fit(datasets.spiral(n=300, classes=3), epochs=40, on_progress=on_progress)
    gaps = np.diff(stamps[:-1])  # the final report may come sooner
    assert len(reports) >= 2 and (gaps >= REPORT_SECONDS * 0.999).all()
    last = reports[-1]
    assert last.final and last.epoch == 40 and last.epochs_done == 40
    assert len(last.grad_norms) == 2 and all(g >= 0 for g in last.grad_norms)
    assert [w.shape for w in last.layer_grads] == [(3, 16), (3,)]
    epochs = [e for r in reports for e in r.new_epochs]
    assert [e[0] for e in epochs] == list(range(1, 41))  # every epoch reported exactly once
    assert [e[1] for e in epochs] == history.train_loss
    assert last.samples_seen == 40 * 240 and last.samples_per_s > 0


def test_history_is_json_ready_and_validation_can_be_off():
    history = Trainer(classifier(), "crossentropy", Adam(), compiled=True).fit(datasets.moons(n=50), epochs=2,
                                                                               validation=0)
    d = json.loads(json.dumps(history.to_dict()))
    assert d["epochs_done"] == 2 and d["val_loss"] == [None, None] and d["path"] == "compiled"
    assert len(d["gradients"]["epoch"]) == 2 and len(d["gradients"]["columns"]) == 2 * 4


def test_a_second_fit_continues_from_the_first():
    ds = datasets.moons(n=80)
    a, b = classifier(), classifier()
    ta = Trainer(a, "crossentropy", Adam(0.01), seed=1)
    ta.fit(ds, 2)
    ta.fit(ds, 2)
    Trainer(b, "crossentropy", Adam(0.01), seed=1).fit(ds, 4)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.value, q.value, rtol=1e-12)


def test_bad_settings_and_mismatched_data_are_refused():
    with pytest.raises(DataError, match="inputs"):
        Trainer(classifier(), "crossentropy", Adam()).fit(datasets.sine(n=20), 1)
    with pytest.raises(ValueError, match="batch_size"):
        Trainer(classifier(), "mse", Adam(), batch_size=0)
    with pytest.raises(ValueError, match="unknown loss"):
        Trainer(classifier(), "hinge", Adam())
    with pytest.raises(TypeError, match="optimiser"):
        Trainer(classifier(), "mse", "adam")


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "eager"])
def test_division_by_zero_in_a_rule_is_divergence_not_an_exception(compiled):
    # zero-initialised relu units get exactly zero gradients; Adam with eps=0 then divides 0/0
    model = Chain(Dense(1, 3, relu, init="zeros", rng=0), Dense(3, 1, rng=1))
    history = Trainer(model, "mse", Adam(0.01, eps=0.0), compiled=compiled).fit(datasets.sine(n=40), 2)
    assert history.diverged and all(np.isfinite(p.value).all() for p in model.parameters())


def test_warm_up_loads_the_interpreter():
    from engine.training import KERNELS, warm_up
    assert warm_up(("float64",)) and KERNELS.ready(np.float64)


def test_eager_path_refuses_mismatched_data_with_a_data_error():
    model = Chain(Dense(2, 4, tanh), lambda x: x, Dense(4, 1))
    with pytest.raises(DataError, match="cannot take this data"):
        Trainer(model, "mse", Adam()).fit(datasets.sine(n=20), 1)


def test_blas_threads_apply_during_fit_only():
    from engine.training.blas import _openblas_threads
    found = _openblas_threads()
    if found is None:
        pytest.skip("SciPy's BLAS is not OpenBLAS here")
    get, _ = found
    before, during = get(), []
    Trainer(classifier(), "crossentropy", Adam(), blas_threads=1).fit(
        datasets.circle(n=40), 1, on_progress=lambda p: during.append(get()))
    assert during[0] == 1 and get() == before  # the final report comes after fit restored it


def test_whole_epochs_in_one_call_match_the_tape_epoch_by_epoch(monkeypatch):
    from engine.training.compiled import CompiledRunner
    calls = []
    real = CompiledRunner.train
    monkeypatch.setattr(CompiledRunner, "train", lambda self, X, Y, perms, *rest: (
        calls.append(len(perms)) or real(self, X, Y, perms, *rest)))
    data = datasets.circle(n=80, seed=3)  # 64 training samples: two steps an epoch
    histories, weights = [], []
    for compiled in (True, False):
        model = Chain(Dense(2, 6, tanh, rng=0), Dense(6, 2, rng=1), softmax)
        histories.append(Trainer(model, "crossentropy", Adam(0.01), batch_size=32, seed=5,
                                 compiled=compiled).fit(data, epochs=300))
        weights.append([p.value.copy() for p in model.parameters()])
    assert calls and max(calls) >= 2  # the compiled path really ran several epochs per call
    fast, tape = histories
    assert fast.epochs_done == tape.epochs_done == 300 and fast.steps == tape.steps == 600
    for key in ("train_loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(getattr(fast, key), getattr(tape, key), rtol=1e-10, atol=1e-12)
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_divergence_inside_a_many_epoch_call_restores_finite_weights(monkeypatch):
    from engine.training.compiled import CompiledRunner
    from engine.nn.optimisers import Descent
    calls = []
    real = CompiledRunner.train
    monkeypatch.setattr(CompiledRunner, "train", lambda self, X, Y, perms, *rest: (
        calls.append(len(perms)) or real(self, X, Y, perms, *rest)))
    data = datasets.quadratic(n=100, seed=0)
    ended = []
    for compiled in (True, False):
        model = Chain(Dense(1, 1, rng=0))  # a step just past stability: the error grows slowly, then overflows
        history = Trainer(model, "mse", Descent(1.2), batch_size=128, compiled=compiled).fit(data, epochs=5000)
        assert history.diverged and "epoch" in history.message
        assert all(np.isfinite(p.value).all() for p in model.parameters())
        ended.append(history.epochs_done)
    assert calls and max(calls) > 100  # it diverged inside a call that ran many epochs
    assert ended[0] == ended[1] > 500
