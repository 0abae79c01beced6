"""Every example of "Julia Machine Learning for Slowpokes" (shared/seed), translated to Python."""
import numpy as np
import pytest

from engine.autodiff import Grads
from engine import (Chain, Dense, Tracked, compose, data, gradient, param, params, softmax, update, σ)


def test_taking_gradients_nested():
    f = lambda x: 3 * x**2 + 2 * x + 1  # noqa: E731
    df = lambda x: gradient(f, x, nest=True)[0]  # noqa: E731  df/dx = 6x + 2
    d2f = lambda x: gradient(df, x, nest=True)[0]  # noqa: E731  d²f/dx² = 6
    assert isinstance(df(2), Tracked)
    assert repr(df(2)) == "14.0 (tracked)"
    assert df(2) == 14
    assert repr(d2f(2)) == "6.0 (tracked)"
    assert d2f(2) == 6


def test_gradient_of_several_arguments():
    f = lambda W, b, x: W * x + b  # noqa: E731
    assert gradient(f, 2, 3, 4) == (4, 1, 2)


def test_param_prints_as_tracked():
    assert repr(param(2)) == "2.0 (tracked)"
    assert repr(param(3)) == "3.0 (tracked)"


def test_gradient_with_respect_to_params():
    W = param(2)
    b = param(3)
    f = lambda x: W * x + b  # noqa: E731
    grads = gradient(lambda: f(4), params(W, b))
    assert isinstance(grads, Grads)
    assert grads[W] == 4
    assert grads[b] == 1


def test_simple_linear_regression_step_lowers_the_loss():
    rng = np.random.default_rng(0)
    W = param(rng.random((2, 5)))
    b = param(rng.random(2))

    def predict(x):
        return W @ x + b

    def loss(x, y):
        yhat = predict(x)
        return ((y - yhat) ** 2).sum()

    x, y = rng.random(5), rng.random(2)  # dummy data
    before = float(loss(x, y))
    gs = gradient(lambda: loss(x, y), params(W, b))
    delta = gs[W]
    assert delta.shape == (2, 5)
    update(W, -0.1 * delta)
    after = float(loss(x, y))
    assert after < before


def test_hand_written_layers_give_a_two_element_vector():
    rng = np.random.default_rng(1)
    W1, b1 = param(rng.random((3, 5))), param(rng.random(3))
    W2, b2 = param(rng.random((2, 3))), param(rng.random(2))
    layer1 = lambda x: W1 @ x + b1  # noqa: E731
    layer2 = lambda x: W2 @ x + b2  # noqa: E731
    model = lambda x: layer2(σ(layer1(x)))  # noqa: E731
    assert model(rng.random(5)).shape == (2,)


def test_linear_helper_closure():
    rng = np.random.default_rng(2)

    def linear(n_in, n_out):
        W = param(rng.standard_normal((n_out, n_in)))
        b = param(rng.standard_normal(n_out))
        return lambda x: W @ x + b

    linear1, linear2 = linear(5, 3), linear(3, 2)
    model = lambda x: linear2(σ(linear1(x)))  # noqa: E731
    assert model(rng.random(5)).shape == (2,)


def test_affine_struct_is_the_dense_layer():
    rng = np.random.default_rng(3)

    class Affine:
        def __init__(self, n_in, n_out):
            self.W = param(rng.standard_normal((n_out, n_in)))
            self.b = param(rng.standard_normal(n_out))

        def __call__(self, x):
            return self.W @ x + self.b

    a = Affine(10, 5)
    x = rng.random(10)
    assert a(x).shape == (5,)
    d = Dense.from_arrays(data(a.W), data(a.b))
    np.testing.assert_allclose(data(d(x)), data(a(x)), rtol=1e-12)


def test_stacking_layers_by_hand_and_with_chain():
    layers = [Dense(10, 5, σ, rng=0), Dense(5, 2, rng=1), softmax]

    def model(x):
        for m in layers:
            x = m(x)
        return x

    x = np.random.default_rng(4).random(10)
    assert model(x).shape == (2,)
    model2 = Chain(*layers)
    assert repr(model2) == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"
    out = model2(x)
    assert out.shape == (2,)
    np.testing.assert_allclose(data(out), data(model(x)))
    assert float(data(out).sum()) == pytest.approx(1.0)


def test_composition():
    d1, d2 = Dense(10, 5, σ, rng=0), Dense(5, 2, rng=1)
    m = compose(d2, d1)  # Julia's Dense(5, 2) ∘ Dense(10, 5, σ)
    x = np.random.default_rng(5).random(10)
    assert m(x).shape == (2,)
    np.testing.assert_allclose(data(m(x)), data(d2(d1(x))))


def test_chain_of_plain_functions():
    m = Chain(lambda x: x**2, lambda x: x + 1)
    assert m(5) == 26
