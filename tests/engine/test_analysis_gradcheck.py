"""engine.analysis.check_model: a correct model is green everywhere; a wrong VJP turns its layer red."""
import numpy as np
import pytest

import engine.autodiff.elementwise as el
import engine.autodiff.products as products
from engine import Chain, Dense, data, datasets, relu, softmax, tanh, σ
from engine.analysis import check_model
from engine.analysis.gradcheck import Stopped, relative_error, status_of


def toy(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, np.tanh(X[:, :1] * X[:, 1:]) + 0.1 * X[:, :1]


def three_layers():
    return Chain(Dense(2, 5, tanh, rng=0), Dense(5, 4, σ, rng=1), Dense(4, 1, rng=2))


@pytest.mark.parametrize("make,loss,classes", [
    (three_layers, "mse", 0),
    (lambda: Chain(Dense(2, 8, relu, rng=3), Dense(8, 3, rng=4), softmax), "crossentropy", 3),
    (lambda: Chain(Dense(2, 6, relu, rng=5), Dense(6, 3, rng=6)), "logitcrossentropy", 3),
    (lambda: Chain(Dense(2, 4, tanh, rng=7), Dense(4, 1, σ, rng=8)), "binarycrossentropy", 2),
], ids=["tanh-σ-mse", "relu-softmax-ce", "logits", "bce"])
def test_a_correct_model_is_green_in_every_layer_first_and_second_order(make, loss, classes):
    if classes:
        data = datasets.spiral(90, classes=classes, seed=1) if classes > 2 else datasets.circle(90, seed=1)
        X, Y = data.X, data.targets(3 if classes > 2 else 1)
    else:
        X, Y = toy()
    report = check_model(make(), loss, X, Y, directions=3)
    assert report.status == "green", report.table()
    for row in report.layers:
        assert set(row.first) == set(row.second) == {"W", "b"}
        assert all(0 <= e <= 1e-7 for e in [*row.first.values(), *row.second.values()])


def test_a_wrong_tanh_vjp_turns_the_tanh_layer_red_and_leaves_later_layers_first_order_green(monkeypatch):
    X, Y = toy()
    monkeypatch.setattr(el, "_tanh_vjp", lambda g, out, x: (g * (1 - out * out) * 1.001,))
    report = check_model(three_layers(), "mse", X, Y, directions=2)
    first, second, third = report.layers
    assert first.status == "red" and report.status == "red"
    assert first.first["W"] > 1e-5 and first.first["b"] > 1e-5
    # the layers after it backpropagate without passing through tanh: their first order stays right
    assert max(second.first.values()) <= 1e-7 and max(third.first.values()) <= 1e-7


def test_a_vjp_off_the_tape_is_right_in_first_order_and_red_in_second(monkeypatch):
    X, Y = toy()
    # the derivative of tanh as a plain constant: first-order right, but nested sweeps lose its own derivative
    monkeypatch.setattr(el, "_tanh_vjp", lambda g, out, x: (g * (1 - data(out) ** 2),))
    report = check_model(three_layers(), "mse", X, Y, directions=2)
    first = report.layers[0]
    assert max(first.first.values()) <= 1e-7
    assert first.second["W"] > 1e-5 and first.status == "red"


def test_a_wrong_bias_gradient_turns_b_red_and_leaves_w_green(monkeypatch):
    X, Y = toy()
    right = products._linear_vjp

    def doubled_bias(g, out, x, W, b, needs=(True, True, True)):
        gx, gW, gb = right(g, out, x, W, b, needs=needs)
        return gx, gW, None if gb is None else gb * 2

    monkeypatch.setattr(products, "_linear_vjp", doubled_bias)
    last = check_model(three_layers(), "mse", X, Y, directions=1).layers[-1]
    assert last.first["b"] > 0.1 and last.first["W"] <= 1e-7 and last.status == "red"


def test_the_callers_model_is_untouched_and_float32_is_checked_in_float64():
    model = Chain(Dense(2, 3, tanh, rng=0, dtype=np.float32), Dense(3, 1, rng=1, dtype=np.float32))
    before = [p.value.copy() for p in model.parameters()]
    X, Y = toy()
    assert check_model(model, "mse", X, Y, directions=1).status == "green"
    for p, old in zip(model.parameters(), before):
        assert p.value.dtype == np.float32 and np.array_equal(p.value, old)


def test_rows_are_sampled_by_seed_and_a_stop_is_honoured():
    X, Y = toy(400)
    a = check_model(three_layers(), "mse", X, Y, directions=1, max_rows=50, seed=3)
    b = check_model(three_layers(), "mse", X, Y, directions=1, max_rows=50, seed=3)
    assert a.rows == 50 and a.loss == b.loss
    with pytest.raises(Stopped):
        check_model(three_layers(), "mse", X, Y, should_stop=lambda: True)


def test_the_relative_error_has_a_floor_and_the_thresholds_are_the_usual_ones():
    assert relative_error([1e-12], [0.0], floor=1e-6) == pytest.approx(1e-6)
    assert relative_error([2.0], [1.0], floor=1e-6) == pytest.approx(0.5)
    assert relative_error([np.nan], [1.0], floor=1e-6) == np.inf
    assert [status_of(e) for e in (1e-7, 1.1e-7, 1e-5, 1.1e-5)] == ["green", "amber", "amber", "red"]
