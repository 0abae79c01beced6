"""A stop reaches a training run on the eager tape within one operation, and on the compiled path within one
block of a big product, and leaves the weights of the last whole step (issue: a 2→4096→4096→1 Chain took
31.7 s to stop)."""
import threading

import numpy as np
import pytest

from engine import Adam, Chain, Dense, datasets, tanh
from engine.autodiff import products
from engine.autodiff.tracked import Interrupted, interruptible
from engine.kernels import dense
from engine.nn.losses import mse
from engine.training import Trainer
from engine.training.blas import gemm_address


class StopAfter:
    """A stop flag that turns on after it has been looked at `n` times (as another thread would set it)."""

    def __init__(self, n):
        self.n, self.looks = n, 0

    def __getitem__(self, i):
        self.looks += 1
        return int(self.looks > self.n)


@pytest.mark.parametrize("shape_a, shape_b", [((6, 40), (40, 300)), ((300, 40), (40, 6))])
def test_a_big_product_is_computed_in_blocks_that_equal_numpy(monkeypatch, shape_a, shape_b):
    monkeypatch.setattr(products, "BLOCK_MACS", 500)  # both ways of splitting, many blocks
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    flag = StopAfter(10**9)
    with interruptible(flag):
        got = products._product(a, b)
    assert flag.looks > 10  # it was split, looking at the flag between blocks
    np.testing.assert_allclose(got, a @ b, rtol=1e-13, atol=1e-13)


def test_a_stop_lands_inside_a_big_product(monkeypatch):
    monkeypatch.setattr(products, "BLOCK_MACS", 500)
    a, b = np.ones((6, 40)), np.ones((40, 300))
    flag = StopAfter(3)
    with interruptible(flag), pytest.raises(Interrupted):
        products._product(a, b)
    assert flag.looks == 4  # the fourth block never ran


def test_outside_a_run_products_are_whole():
    flag = StopAfter(0)
    assert products._product(np.ones((2, 2)), np.ones((2, 2))).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert flag.looks == 0


def _model():
    return Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, rng=1))


def test_a_stop_mid_step_keeps_the_weights_of_the_last_whole_step():
    data = datasets.circle(64, seed=0)
    calls = {"n": 0}
    stopped = {"now": False}
    trainer = None

    def loss(yhat, y):  # the third step's loss asks to stop: that step is never taken
        calls["n"] += 1
        if calls["n"] == 3:
            stopped["now"] = True
            trainer.interrupt()
        return mse(yhat, y)

    model = _model()
    trainer = Trainer(model, loss, Adam(0.01), batch_size=64, compiled=False)
    history = trainer.fit(data, epochs=10, validation=0.0, should_stop=lambda: stopped["now"])
    assert history.stopped and history.epochs_done == 2

    reference = _model()
    Trainer(reference, "mse", Adam(0.01), batch_size=64, compiled=False).fit(data, epochs=2, validation=0.0)
    for mine, theirs in zip(model.layers, reference.layers):
        np.testing.assert_array_equal(mine.weight.value, theirs.weight.value)
        np.testing.assert_array_equal(mine.bias.value, theirs.bias.value)


# ---- the compiled path ----

@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("m, k, n", [(300, 1000, 1000), (5000, 700, 90), (700, 3000, 3000)])
def test_a_big_compiled_product_is_computed_in_blocks_that_equal_numpy(dtype, m, k, n):
    assert dense.block_rows(m, k, n, dense.MIN_ROWS) < m  # big enough to be split
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-4
    no_stop, gemm = np.zeros(1, np.int64), gemm_address(dtype)
    for transposed, right in ((False, b), (True, np.ascontiguousarray(b.T))):  # x @ W (transposed storage), x @ W.T
        out = np.empty((m, n), dtype)
        assert dense._blocked(gemm, False, a, transposed, right, out, 1.0, 0.0, no_stop, dense.MIN_ROWS)
        np.testing.assert_allclose(out, a @ b, rtol=tol, atol=tol * np.sqrt(k))
    out = np.empty((k, n), dtype)  # the weight gradient's form: a.T @ c, by blocks of a's columns
    c = rng.standard_normal((m, n)).astype(dtype)
    assert dense.block_rows(k, m, n, dense.MIN_GRAD_ROWS) < k
    assert dense._blocked(gemm, True, a, False, c, out, 1.0, 0.0, no_stop, dense.MIN_GRAD_ROWS)
    np.testing.assert_allclose(out, a.T @ c, rtol=tol, atol=tol * np.sqrt(m))


@pytest.mark.parametrize("transposed", [False, True], ids=["x@W", "x.T@g"])
def test_a_stop_ends_a_big_compiled_product_after_its_first_block(transposed):
    m, k, n = 700, 3000, 3000
    out = np.full((k if transposed else m, n), np.nan)
    a, b, stop = np.ones((m, k)), np.ones((m if transposed else k, n)), np.ones(1, np.int64)
    least = dense.MIN_GRAD_ROWS if transposed else dense.MIN_ROWS
    assert not dense._blocked(gemm_address(np.float64), transposed, a, False, b, out, 1.0, 0.0, stop, least)
    rows = dense.block_rows(*((k, m, n, dense.MIN_GRAD_ROWS) if transposed else (m, k, n, dense.MIN_ROWS)))
    np.testing.assert_array_equal(out[:rows], m if transposed else k)  # the first block, whole
    assert np.isnan(out[rows:]).all()  # and nothing else


def test_small_compiled_products_are_whole_whatever_the_flag():
    out, gemm, stop = np.empty((2, 2)), gemm_address(np.float64), np.ones(1, np.int64)
    assert dense._blocked(gemm, False, np.ones((2, 3)), False, np.ones((3, 2)), out, 1.0, 0.0, stop, dense.MIN_ROWS)
    assert dense._blocked(gemm, True, np.ones((3, 2)), False, np.ones((3, 2)), out, 1.0, 0.0, stop,
                          dense.MIN_GRAD_ROWS)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def _big_model(width):
    return Chain(Dense(2, width, tanh, rng=0), Dense(width, width, tanh, rng=1), Dense(width, 1, rng=2))


def test_big_compiled_layers_train_as_the_tape():
    data = datasets.circle(300, seed=0)  # 300 x 1024 x 1024: every product of the middle layer is split
    runs = []
    for compiled in (True, False):
        model = _big_model(1024)
        history = Trainer(model, "mse", Adam(1e-3), batch_size=300, compiled=compiled).fit(data, 2, validation=0.0)
        assert history.path == ("compiled" if compiled else "eager")
        runs.append([p.value.copy() for p in model.parameters()])
    for mine, theirs in zip(*runs):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_a_stop_inside_a_compiled_product_keeps_the_weights_of_the_last_whole_step():
    # 256 x 2048 x 2048: each product of the middle layer is 2-8 blocks, and most of a step; a thread stops the
    # run a little after the first step, as the window's Stop does, so the stop lands inside one
    data = datasets.circle(256, seed=0)
    stopped = threading.Event()
    model = _big_model(2048)
    trainer = Trainer(model, "mse", Adam(1e-4), batch_size=256, compiled=True)

    def stop():
        stopped.set()
        trainer.interrupt()

    timer = threading.Timer(0.05, stop)

    def started(progress):
        if progress.epochs_done >= 1 and not timer.is_alive() and not stopped.is_set():
            timer.start()

    history = trainer.fit(data, epochs=1000, validation=0.0, on_progress=started, should_stop=stopped.is_set)
    timer.join()
    assert history.stopped and history.path == "compiled" and 1 <= history.epochs_done < 1000

    reference = _big_model(2048)
    Trainer(reference, "mse", Adam(1e-4), batch_size=256, compiled=True).fit(data, history.epochs_done,
                                                                              validation=0.0)
    for mine, theirs in zip(model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(mine.value, theirs.value)
