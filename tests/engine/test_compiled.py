"""The compiled path: what compiles, and that it trains to the same weights as the eager tape."""
import numpy as np
import pytest

from engine import datasets
from engine.nn.activations import ACTIVATIONS, leakyrelu, logsoftmax, relu, sigmoid, softmax, tanh
from engine.training.compiled import CompiledRunner, can_compile, trace
from engine.nn.layers import Chain, Dense
from engine.nn.losses import mse
from engine.nn.optimisers import Adam, Descent, Momentum, Nesterov, RMSProp, optimiser_from_dict
from engine.training import Trainer

OPTIMISERS = [Descent(0.1), Momentum(0.05), Nesterov(0.05), RMSProp(0.01), Adam(0.01, weight_decay=0.01)]


def model_for(loss, dtype):
    """A small Chain suited to `loss`, covering every activation across the four."""
    d = dict(dtype=dtype)
    if loss == "crossentropy":  # softmax + crossentropy: the fused backward step
        return Chain(Dense(2, 6, relu, rng=1, **d), Dense(6, 3, rng=2, **d), softmax)
    if loss == "logitcrossentropy":
        return Chain(Dense(2, 6, leakyrelu, rng=1, **d), Dense(6, 3, rng=2, **d))
    if loss == "binarycrossentropy":
        return Chain(Dense(2, 6, tanh, rng=1, **d), Dense(6, 1, sigmoid, rng=2, **d))
    # mse through softmax then logsoftmax: their backward passes unfused
    return Chain(Dense(2, 6, sigmoid, rng=1, **d), Dense(6, 3, rng=2, **d), softmax, logsoftmax)


def data_for(loss):
    if loss == "binarycrossentropy":
        return datasets.circle(n=56, seed=3)
    return datasets.spiral(n=56, classes=3, seed=3)


def weights(model):
    return [p.value.copy() for p in model.parameters()]


def rel_diff(a, b):
    return max(float(np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300)) for x, y in zip(a, b))


def train_both(make, loss, opt, ds, epochs=2, batch=8):
    runs = []
    for compiled in (True, False):
        model = make()
        trainer = Trainer(model, loss, optimiser_from_dict(opt.to_dict()), batch_size=batch, seed=5,
                          compiled=compiled)
        runs.append((trainer.fit(ds, epochs), weights(model)))
    return runs


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("loss", ["mse", "crossentropy", "logitcrossentropy", "binarycrossentropy"])
@pytest.mark.parametrize("opt", OPTIMISERS, ids=lambda o: o.name)
def test_compiled_epochs_equal_eager_epochs(opt, loss, dtype):
    (hc, wc), (he, we) = train_both(lambda: model_for(loss, dtype), loss, opt, data_for(loss))
    assert (hc.path, he.path) == ("compiled", "eager")
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert rel_diff(wc, we) <= tol
    np.testing.assert_allclose(hc.train_loss, he.train_loss, rtol=tol)
    np.testing.assert_allclose(hc.val_loss, he.val_loss, rtol=tol)
    assert hc.accuracy == he.accuracy
    assert not np.array_equal(wc[0], model_for(loss, dtype).parameters()[0].value)  # it did train


@pytest.mark.parametrize("make", [
    lambda: Chain(Chain(Dense(2, 5, tanh, rng=0)), Dense(5, 1, sigmoid, bias=False, rng=1)),
    lambda: Chain(tanh, Dense(2, 5, relu, rng=0), Dense(5, 1, rng=1)),
    lambda: Dense(2, 1, sigmoid, rng=0),
], ids=["nested-nobias", "activation-first", "bare-dense"])
def test_unusual_but_compilable_chains_match_eager(make):
    (hc, wc), (he, we) = train_both(make, mse, Adam(0.02), datasets.moons(n=40, seed=0), epochs=3)
    assert hc.path == "compiled" and rel_diff(wc, we) <= 1e-10


# An upright BLAS layer's forward takes one of three routes (engine.kernels.dense.TINY_WEIGHT): W.T in a scratch
# buffer (7->3: 21 entries), W read as its own transpose (12->1: one row), or OpenBLAS's x @ W.T (7->12).
BLAS_CHAINS = {
    "tiny-weight": (lambda dt: Chain(Dense(2, 7, tanh, rng=0, dtype=dt), Dense(7, 3, rng=1, dtype=dt), softmax),
                    "crossentropy", 3, [2, 0, 1, 0]),
    "one-row-weight": (lambda dt: Chain(Dense(2, 7, tanh, rng=0, dtype=dt), Dense(7, 12, tanh, rng=1, dtype=dt),
                                        Dense(12, 1, sigmoid, rng=2, dtype=dt)), "mse", 1, [2, 0, 1, 0, 1, 0]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("chain", list(BLAS_CHAINS))
def test_blas_products_match_loops(chain, dtype):
    """Forcing every product through BLAS gives the loop path's weights, to rounding."""
    make, loss, width, blas_column = BLAS_CHAINS[chain]
    ds = datasets.spiral(n=40, classes=3, seed=0)
    X, Y = ds.X.astype(dtype), np.ascontiguousarray(ds.targets(3, dtype)[:, :width])
    perm = np.random.default_rng(0).permutation(40)
    results = []
    for blas_min_work in (0, 10**12):
        model = make(dtype)
        program = trace(model, loss, batch_size=8, blas_min_work=blas_min_work, loops_max_outputs=0)
        assert program.code[:, -1].tolist() == (blas_column if blas_min_work == 0 else [0] * len(blas_column))
        runner = CompiledRunner(program, 8)
        runner.begin(np.zeros(program.n_params, dtype), np.zeros(0, dtype))
        opt = Momentum(0.1)
        stats = np.zeros((1, len(program.layer_ranges), 4))  # the kernels check no bounds: one row per layer
        done, status = runner.train(X, Y, perm[None], np.full(1, opt.eta), 0, 5, opt.kind, opt.hyperparameters(), 0,
                                    X[:0], Y[:0], np.zeros(5), np.zeros((1, 2)), stats, np.zeros(1, np.int64))
        assert (done, status) == (5, 0)
        runner.store()  # BLAS layers keep their weights transposed inside; the model gets them upright
        results.append(weights(model))
    assert rel_diff(results[0], results[1]) <= (1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_a_run_after_a_diverged_one_is_not_poisoned_by_what_it_left_in_the_buffers(dtype):
    """A runner is kept from one fit to the next, and its buffers hold what the last step left: inf after a
    divergence. The loop products used to start each sum from out * 0, which is NaN there, so the next run
    stopped at its first step as if it had diverged again."""
    model = Chain(Dense(2, 3, tanh, rng=0, dtype=dtype), Dense(3, 1, rng=1, dtype=dtype))
    program = trace(model, "mse", batch_size=8)
    assert program.code[:, -1].tolist() == [0, 0, 0]  # both layers' products run as loops
    runner = CompiledRunner(program, 8)
    runner.begin(np.zeros(0, dtype), np.zeros(0, dtype))
    runner.work.acts[:] = np.inf
    runner.work.dacts[:] = np.nan
    ds = datasets.spiral(n=40, classes=2, seed=0)
    X, Y = ds.X.astype(dtype), np.ascontiguousarray(ds.targets(2, dtype)[:, :1])
    opt, losses = Descent(0.1), np.zeros(5)
    done, status = runner.train(X, Y, np.arange(40)[None], np.full(1, opt.eta), 0, 5, opt.kind,
                                opt.hyperparameters(), 0, X[:0], Y[:0], losses, np.zeros((1, 2)),
                                np.zeros((1, 2, 4)), np.zeros(1, np.int64))
    assert (done, status) == (5, 0) and np.isfinite(losses).all() and np.isfinite(runner.params).all()


def test_can_compile_says_why_not():
    ok = Chain(Dense(2, 3, tanh), Dense(3, 2), softmax)
    assert can_compile(ok, "crossentropy") and can_compile(ok, mse)
    assert can_compile(Chain(lambda x: x * 2), "mse").reason == \
        "layer 1 (<lambda>) is a Python function; only Dense layers and activations compile"
    assert "not one of" in can_compile(ok, lambda a, b: ((a - b) ** 2).sum()).reason
    assert "activation" in can_compile(Chain(Dense(2, 3, lambda x: x)), "mse").reason
    assert "sizes do not fit" in can_compile(Chain(Dense(2, 3), Dense(4, 1)), "mse").reason
    shared = Dense(3, 3)
    assert "twice" in can_compile(Chain(shared, shared), "mse").reason
    mixed = Chain(Dense(2, 3, dtype=np.float32), Dense(3, 1))
    assert "float32" in can_compile(mixed, "mse").reason
    assert not can_compile(Chain(tanh), "mse")


def test_eager_path_serves_what_does_not_compile():
    model = Chain(Dense(2, 6, tanh, rng=0), lambda x: x * 1.0, Dense(6, 1, sigmoid, rng=1))
    history = Trainer(model, "mse", Adam(0.05), batch_size=16).fit(datasets.circle(n=80), epochs=3)
    assert history.path == "eager" and "Python function" in history.reason
    assert history.train_loss[-1] < history.train_loss[0]
    with pytest.raises(ValueError, match="compiled path"):
        Trainer(model, "mse", Adam(), compiled=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_trains_the_same_compiled_and_eager(name, dtype):
    """Each registry activation, hidden (fused into a Dense) and as its own block, through a few epochs."""
    act = ACTIVATIONS[name]
    make = lambda: Chain(Dense(2, 6, act, rng=1, dtype=dtype), act, Dense(6, 3, rng=2, dtype=dtype))  # noqa: E731
    (hc, wc), (he, we) = train_both(make, "logitcrossentropy", Adam(0.02), datasets.spiral(n=48, classes=3, seed=2),
                                    epochs=3)
    assert (hc.path, he.path) == ("compiled", "eager")
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert rel_diff(wc, we) <= tol
    np.testing.assert_allclose(hc.train_loss, he.train_loss, rtol=tol)
    assert not np.array_equal(wc[0], make().parameters()[0].value)  # it did train
