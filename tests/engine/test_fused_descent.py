"""Plain Descent fused into the first layer's weight-gradient product (engine.kernels.interpreter.train): the
same weights as the tape, the last step's gradients where they are read, and no dependence on how a run is
cut into calls."""
import numpy as np
import pytest

from engine import datasets
from engine.kernels.dense import BLAS_TRANSPOSED
from engine.kernels.interpreter import BLAS, Rule, _fusable_row
from engine.nn.activations import relu, softmax, tanh
from engine.nn.layers import Chain, Dense
from engine.nn.optimisers import Adam, Descent
from engine.nn.schedules import Schedule
from engine.training import Trainer
from engine.training.compiled import CompiledRunner, trace

BATCH = 16


def model(dtype=np.float64, width=32):
    # 16 x 2 x 32 multiply-adds: the first layer's products go to BLAS, its weight stored transposed
    return Chain(Dense(2, width, relu, rng=0, dtype=dtype), Dense(width, 3, tanh, rng=1, dtype=dtype),
                 Dense(3, 3, rng=2, dtype=dtype), softmax)


def runner_for(net, dtype=np.float64):
    program = trace(net, "crossentropy", batch_size=BATCH)
    assert program.code[0, BLAS] == BLAS_TRANSPOSED
    runner = CompiledRunner(program, BATCH)
    runner.begin(np.zeros(0, dtype), np.zeros(0, dtype))
    return runner


def spiral(dtype):
    ds = datasets.spiral(n=160, classes=3, seed=2)  # 10 steps an epoch: 8 of them fused
    return ds.X.astype(dtype), ds.targets(3, dtype)


def run(runner, X, Y, opt, calls, epochs=3):
    """Train `sum(calls)` steps in calls of those sizes; the weights after."""
    perms = np.stack([np.random.default_rng(e).permutation(len(X)) for e in range(epochs)])
    steps, done = len(X) // BATCH, 0
    for k in calls:
        first = done // steps
        got, status = runner.train(X, Y, perms[first:], np.full(epochs - first, opt.eta), done % steps, k, opt.kind,
                                   opt.hyperparameters(), done, X[:0], Y[:0], np.zeros(k), np.zeros((epochs, 2)),
                                   np.zeros((epochs, 3, 4)), np.zeros(1, np.int64))
        assert (got, status) == (k, 0)
        done += k
    return runner.weight_copies()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("opt", [Descent(0.2), Descent(0.2, weight_decay=0.05),
                                 Descent(0.3, schedule=Schedule("step", epochs=2, factor=0.5))],
                         ids=["plain", "decay", "schedule"])
def test_fused_descent_trains_as_the_tape(opt, dtype):
    ds = datasets.spiral(n=200, classes=3, seed=1)
    runs = []
    for compiled in (True, False):
        net = model(dtype)
        history = Trainer(net, "crossentropy", opt, batch_size=BATCH, seed=3, compiled=compiled).fit(ds, 4)
        assert history.path == ("compiled" if compiled else "eager")
        runs.append((history, [p.value.copy() for p in net.parameters()]))
    (hc, wc), (he, we) = runs
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for mine, theirs in zip(wc, we):
        np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol)
    np.testing.assert_allclose(hc.train_loss, he.train_loss, rtol=tol)
    # the diagnostics read unfused steps: the epoch's gradient norms and update ratios agree too
    np.testing.assert_allclose(hc.gradients.values, he.gradients.values, rtol=1e-6 if dtype == np.float64 else 1e-2)


def test_only_plain_descent_on_a_first_layer_of_one_block_fuses():
    small = trace(model(), "crossentropy", batch_size=BATCH)
    runner = CompiledRunner(small, BATCH)
    for opt, row in ((Descent(0.1), 0), (Descent(0.1, weight_decay=0.1), 0), (Descent(0.1, l1=1e-4), -1),
                     (Adam(0.01), -1)):
        assert _fusable_row(runner.net, Rule(opt.kind, opt.hyperparameters(), 0)) == row, opt
    loops = CompiledRunner(trace(model(width=4), "crossentropy", batch_size=2), 2)  # 2 x 2 x 4: loops, not BLAS
    big = CompiledRunner(trace(Chain(Dense(2048, 1100, rng=0), Dense(1100, 1, rng=1)), "mse", batch_size=64), 64)
    for other in (loops, big):  # a blocked product would let a stop land in a half-made step
        assert _fusable_row(other.net, Rule(Descent(0.1).kind, Descent(0.1).hyperparameters(), 0)) == -1


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_a_run_gives_the_same_weights_however_it_is_cut_into_calls(dtype):
    X, Y = spiral(dtype)
    whole = run(runner_for(model(dtype), dtype), X, Y, Descent(0.2), [27])
    for calls in ([1] * 27, [3, 5, 1, 8, 2, 8], [9, 9, 9]):
        cut = run(runner_for(model(dtype), dtype), X, Y, Descent(0.2), calls)
        for a, b in zip(whole, cut):
            np.testing.assert_array_equal(a, b)


def test_after_a_fused_step_the_gradients_are_that_steps():
    X, Y = spiral(np.float64)
    fused, unfused = runner_for(model()), runner_for(model())
    run(fused, X, Y, Descent(0.2), [3])  # steps 0-2 of a 10-step epoch: all fused
    run(unfused, X, Y, Descent(0.2, l1=1e-300), [3])  # the same steps, none fused (l1 > 0), the same gradients
    assert fused.work.stale[0] == 1  # the first layer's weight gradient was not written
    assert fused.evaluate(X, Y) == unfused.evaluate(X, Y)  # reads the buffers: it makes the gradient first
    for i in range(len(fused.program.params)):
        np.testing.assert_allclose(fused.grad(i), unfused.grad(i), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fused.canonical(fused.latest_grads()), unfused.canonical(unfused.grads),
                               rtol=1e-12, atol=1e-15)
