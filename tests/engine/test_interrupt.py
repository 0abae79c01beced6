"""A stop reaches a training run on the eager tape within one operation, and leaves the weights of the last
whole step (issue: a 2→4096→4096→1 Chain took 31.7 s to stop)."""
import numpy as np
import pytest

from engine import Adam, Chain, Dense, datasets, tanh
from engine.autodiff import products
from engine.autodiff.tracked import Interrupted, interruptible
from engine.nn.losses import mse
from engine.training import Trainer


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
