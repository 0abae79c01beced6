"""The two training paths as one: a run that starts on the tape and hands over to the kernels equals a
compiled-only run; an interrupt (stop, pause) lands between two operations and changes nothing; per-epoch
gradient diagnostics agree on both paths; what a failed or diverged run learnt is kept sensibly."""
import threading
import time

import numpy as np
import pytest

from engine import datasets, no_grad
from engine.datasets import Standardiser
from engine.nn.activations import relu, softmax, tanh
from engine.nn.layers import Chain, Dense
from engine.nn.optimisers import Adam, Descent, Momentum
from engine.training import KERNELS, Trainer
from engine.training.trainer import EXPLODING


@pytest.fixture(scope="module", autouse=True)
def kernels():
    assert KERNELS.wait("float64")  # built once: the tests below decide when the trainer may see them


def model():
    # 16 x 2 x 32 = 1024 multiply-adds: the first layer runs on BLAS with its weight stored transposed,
    # so the hand-over has to convert the weights and the optimiser state between layouts
    return Chain(Dense(2, 32, tanh, rng=0), Dense(32, 8, relu, rng=1), Dense(8, 3, rng=2), softmax)


def weights(m):
    return [p.value.copy() for p in m.parameters()]


@pytest.mark.parametrize("opt", [Adam(0.01), Momentum(0.05)], ids=repr)
def test_starting_on_the_tape_and_handing_over_equals_compiled_only(opt, monkeypatch):
    data = datasets.spiral(n=150, classes=3, seed=1)
    reference = model()
    expected = Trainer(reference, "crossentropy", opt, batch_size=16, seed=4, compiled=True).fit(data, epochs=12)

    calls = []
    real_ready = KERNELS.ready
    monkeypatch.setattr(KERNELS, "ready", lambda dtype: calls.append(1) or (len(calls) > 3 and real_ready(dtype)))
    handed = model()
    trainer = Trainer(handed, "crossentropy", opt, batch_size=16, seed=4)
    paths = []
    history = trainer.fit(data, epochs=12, on_progress=lambda p: paths.append(p.path))
    assert history.path == "compiled" and 0 < history.switched_at < history.steps
    assert paths[0] == "eager" and paths[-1] == "compiled"
    for key in ("train_loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(getattr(history, key), getattr(expected, key), rtol=1e-10, atol=1e-12)
    for a, b in zip(weights(handed), weights(reference)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(trainer.s1, expected_state(reference, opt, data), rtol=1e-9, atol=1e-12)


def expected_state(m, opt, data):
    """The optimiser's first state array after the compiled-only run (run again: fit keeps it on the trainer)."""
    again = model()
    t = Trainer(again, "crossentropy", opt, batch_size=16, seed=4, compiled=True)
    t.fit(data, epochs=12)
    return t.s1


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "eager"])
def test_pausing_and_resuming_at_any_moment_changes_nothing(compiled):
    data = datasets.circle(n=400, seed=2)

    def run(interrupting):
        m = Chain(Dense(2, 24, tanh, rng=0), Dense(24, 2, rng=1), softmax)
        trainer = Trainer(m, "crossentropy", Adam(0.02), batch_size=8, seed=3, compiled=compiled)
        paused, finished = threading.Event(), threading.Event()
        if interrupting:
            def poke():
                rng = np.random.default_rng(0)
                while not finished.is_set():
                    time.sleep(rng.uniform(0.0, 0.004))
                    paused.set()
                    trainer.interrupt()  # ends the running chunk between two operations
                    time.sleep(rng.uniform(0.0, 0.002))
                    paused.clear()
            threading.Thread(target=poke, daemon=True).start()
        history = trainer.fit(data, epochs=8, should_pause=paused.is_set)
        finished.set()
        return history, weights(m)

    (h1, w1), (h2, w2) = run(False), run(True)
    assert h1.steps == h2.steps == 8 * 40
    # the epoch means are summed in other pieces when chunks end elsewhere: equal to rounding
    np.testing.assert_allclose(h1.train_loss, h2.train_loss, rtol=1e-13)
    assert h1.val_loss == h2.val_loss  # computed once per epoch, the same way
    for a, b in zip(w1, w2):
        assert np.array_equal(a, b)


def test_an_interrupt_stops_inside_a_chunk_and_drops_the_unfinished_step():
    m = Chain(Dense(1, 64, tanh, rng=0), Dense(64, 1, rng=1))
    trainer = Trainer(m, "mse", Adam(0.01), batch_size=4, compiled=True)
    stop = threading.Event()
    before = weights(m)

    def stop_soon():
        time.sleep(0.05)
        stop.set()
        trainer.interrupt()
    threading.Thread(target=stop_soon).start()
    history = trainer.fit(datasets.sine(n=4000), epochs=10**6, should_stop=stop.is_set)
    assert history.stopped and 0 < history.steps < 10**6 * 1000
    assert any(not np.array_equal(a, b) for a, b in zip(before, weights(m)))

    from engine.training.compiled import CompiledRunner, trace
    X = np.zeros((8, 1))
    runner = CompiledRunner(trace(m, "mse", 4), 4)
    runner.begin(trainer.s1.copy(), trainer.s2.copy())
    held = runner.params.copy()
    done, status = runner.train(X, X, np.arange(8)[None], np.full(1, 1e-3), 0, 2, Adam.kind, Adam().hyperparameters(), 0,
                                X[:0], X[:0], np.zeros(2), np.zeros((1, 2)), np.zeros((1, 2, 4)),
                                np.ones(1, np.int64))
    assert (done, status) == (0, 3) and np.array_equal(runner.params, held)  # interrupted before a step changed anything


def test_per_epoch_gradient_diagnostics_agree_on_both_paths_and_mean_what_they_say():
    data = datasets.moons(n=100, seed=0)
    tables = []
    for compiled in (True, False):
        m = Chain(Dense(2, 6, tanh, rng=0), Dense(6, 2, rng=1), softmax)
        history = Trainer(m, "crossentropy", Descent(0.05), batch_size=80, seed=1, compiled=compiled).fit(data, epochs=30)
        tables.append(history.gradients)
    fast, tape = tables
    assert fast.epochs.tolist() == tape.epochs.tolist() == list(range(1, 31))
    np.testing.assert_allclose(fast.values, tape.values, rtol=1e-8, atol=1e-12, equal_nan=True)
    v = fast.values.reshape(30, 2, 4)  # epochs, layers, (‖gW‖, ‖gb‖, ‖Δθ‖/‖θ‖, cos)
    assert (v[:, :, :2] > 0).all()
    # one step an epoch with plain gradient descent: Δθ = -η g, so the ratio is η‖g‖/‖θ‖, and the small steps of
    # full-batch descent follow the gradient smoothly: successive gradients point the same way
    assert (v[1:, :, 3] > 0.9).all() and np.isnan(v[0, :, 3]).all()
    assert (v[:, :, 2] > 0).all() and (v[:, :, 2] < 0.05).all()


def test_what_a_run_learnt_survives_an_exception_in_it():
    m = Chain(Dense(1, 8, tanh, rng=0), Dense(8, 1, rng=1))
    before = weights(m)
    trainer = Trainer(m, "mse", Adam(0.05), batch_size=16)
    calls = []

    def failing(progress):
        calls.append(progress)
        if progress.epochs_done >= 3:
            raise RuntimeError("a broken progress callback")
    with pytest.raises(RuntimeError, match="broken"):
        trainer.fit(datasets.sine(n=200), epochs=10**6, on_progress=failing)
    assert trainer.history.epochs_done >= 3 and trainer.history.steps > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, weights(m)))  # the model holds what it learnt


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "eager"])
def test_divergence_goes_back_to_weights_whose_loss_was_not_exploding(compiled):
    data = datasets.quadratic(n=100, seed=0)
    m = Chain(Dense(1, 1, rng=0))  # a step just past stability: the error grows slowly, then overflows
    trainer = Trainer(m, "mse", Descent(1.2), batch_size=128, compiled=compiled)
    history = trainer.fit(data, epochs=5000, validation=0)
    assert history.diverged and history.epochs_done > 10
    with no_grad():
        loss = float(np.mean((np.asarray(m(data.X)) - data.y) ** 2))
    assert np.isfinite(loss) and loss <= EXPLODING * min(history.train_loss)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "eager"])
def test_after_a_run_that_overflowed_a_lower_rate_trains_on(compiled):
    # the first step overflows the weight to inf, so the second step's outputs are inf; what the message then
    # advises must work: the compiled buffers keep what that step left (its loop products summed from out * 0,
    # NaN there, and every later run 'diverged' at its first step)
    data = datasets.quadratic(n=100, seed=0)
    trainer = Trainer(Chain(Dense(1, 1, rng=0)), "mse", Descent(1e308), batch_size=10, compiled=compiled)
    assert trainer.fit(data, epochs=3, validation=0).diverged
    trainer.optimiser = Descent(0.05)
    again = trainer.fit(data, epochs=20, validation=0)
    assert not again.diverged and again.epochs_done == 20, again.message


def test_standardise_fits_on_the_training_split_only():
    data = datasets.moons(n=120, seed=3)
    trainer = Trainer(Chain(Dense(2, 4, tanh, rng=0), Dense(4, 2, rng=1), softmax), "crossentropy", Adam(),
                      seed=7, standardise=True)
    trainer.fit(data, epochs=1, validation=0.25)
    train, val = data.split(0.25, seed=7)
    assert trainer.standardiser == Standardiser.fit(train.X) != Standardiser.fit(data.X)
    given = Standardiser([1.0, 2.0], [3.0, 4.0])
    kept = Trainer(Chain(Dense(2, 2, rng=0), softmax), "crossentropy", Adam(), standardise=given)
    kept.fit(data, epochs=1)
    assert kept.standardiser is given


def test_advice_names_a_rising_loss_and_vanished_gradients_and_is_quiet_otherwise():
    from engine.training import History, advice
    healthy = Trainer(Chain(Dense(2, 8, tanh, rng=0), Dense(8, 2, rng=1), softmax), "crossentropy", Adam(0.01),
                      compiled=False).fit(datasets.moons(100), epochs=30)
    assert advice(healthy, 0.01) is None
    rising = History(train_loss=[1.0, 0.5] + [0.5 * 1.2 ** k for k in range(25)])
    assert "risen for 25 epochs" in advice(rising, 3.0) and "eta=3" in advice(rising, 3.0)
    dead = Trainer(Chain(Dense(2, 8, tanh, rng=0), Dense(8, 2, rng=1), softmax), "crossentropy", Adam(100.0),
                   compiled=False).fit(datasets.circle(200), epochs=100)
    assert not dead.diverged and "vanished" in advice(dead, 100.0)
