"""Layers, losses, numerical stability at ±1000, float32 end to end, and the error messages."""
import numpy as np
import pytest

import engine as E
from engine import (Chain, Dense, binarycrossentropy, crossentropy, data, gradcheck, gradient, logitcrossentropy,
                    mse, param, params, softmax, σ)

BIG = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])


def test_dense_shapes_and_repr():
    d = Dense(10, 5, σ, rng=0)
    assert d.weight.shape == (5, 10) and d.bias.shape == (5,)
    assert repr(d) == "Dense(10 => 5, σ)"
    assert d(np.ones(10)).shape == (5,)
    assert d(np.ones((7, 10))).shape == (7, 5)
    assert d(np.ones((2, 7, 10))).shape == (2, 7, 5)
    assert repr(Dense(5, 2, bias=False)) == "Dense(5 => 2)" and Dense(5, 2, bias=False).bias is None


def test_dense_is_seeded():
    np.testing.assert_array_equal(data(Dense(4, 3, rng=7).weight), data(Dense(4, 3, rng=7).weight))
    assert not np.array_equal(data(Dense(4, 3, rng=7).weight), data(Dense(4, 3, rng=8).weight))


def test_chain_repr_params_and_slicing():
    m = Chain(Dense(10, 5, σ, rng=0), Dense(5, 2, rng=1), softmax)
    assert repr(m) == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"
    assert len(params(m)) == 4 and E.nn.param_count(m) == 10 * 5 + 5 + 5 * 2 + 2
    assert repr(m[:2]) == "Chain(Dense(10 => 5, σ), Dense(5 => 2))"
    out = m(np.random.default_rng(0).random((3, 10)))
    np.testing.assert_allclose(data(out).sum(axis=1), 1.0)


def test_chain_of_functions_repr_uses_names():
    def square(x):
        return x**2
    assert repr(Chain(square, E.relu)) == "Chain(square, relu)"


def test_shape_mismatch_names_both_shapes_and_layer():
    with pytest.raises(ValueError, match=r"Dense\(10 => 5, σ\).*10 features.*\(3, 7\)"):
        Dense(10, 5, σ)(np.ones((3, 7)))
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5,\)"):
        param(np.ones((3, 4))) @ np.ones(5)
    with pytest.raises(ValueError, match="prediction shape"):
        mse(np.ones(3), np.ones(4))


def test_gradient_of_non_scalar_says_so():
    with pytest.raises(ValueError, match="returns a scalar.*shape \\(3,\\).*jacobian"):
        gradient(lambda x: x * 2, np.ones(3))


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match="positive whole number"):
        Dense(0, 3)
    with pytest.raises(ValueError, match="unknown initialiser"):
        Dense(2, 3, init="nope")
    with pytest.raises(TypeError, match="not something callable"):
        Chain(Dense(2, 3), 5)


@pytest.mark.parametrize("f", [E.softmax, E.logsoftmax, E.sigmoid, E.tanh])
def test_activations_are_finite_at_plus_minus_1000(f):
    x = param(BIG)
    y = f(x)
    assert np.all(np.isfinite(data(y)))
    g = gradient(lambda v: E.sum(f(v) * np.arange(6.0).reshape(2, 3)), BIG)[0]
    assert np.all(np.isfinite(g))


def test_softmax_and_logsoftmax_values_at_extremes():
    np.testing.assert_allclose(data(E.softmax(BIG[0])), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(data(E.logsoftmax(BIG[0])), [0.0, -2000.0, -1000.0])
    assert float(E.sigmoid(-1000.0)) == 0.0 and float(E.sigmoid(1000.0)) == 1.0


@pytest.mark.parametrize("loss,head", [(crossentropy, E.softmax), (logitcrossentropy, E.identity),
                                       (binarycrossentropy, E.sigmoid), (mse, E.identity)])
def test_losses_are_finite_with_gradients_at_extremes(loss, head):
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    value, (g,) = E.withgradient(lambda z: loss(head(z), y), BIG)
    assert np.isfinite(value) and np.all(np.isfinite(g))


def test_loss_values_match_their_formulas():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert float(crossentropy(p, y)) == pytest.approx(-(y * np.log(p)).sum() / 4)
    assert float(logitcrossentropy(z, y)) == pytest.approx(-(y * np.log(p)).sum() / 4)
    q = 1 / (1 + np.exp(-z))
    assert float(binarycrossentropy(q, y)) == pytest.approx(np.mean(-y * np.log(q) - (1 - y) * np.log(1 - q)))
    assert float(mse(z, y)) == pytest.approx(np.mean((z - y) ** 2))


@pytest.mark.parametrize("loss,head", [(crossentropy, E.softmax), (logitcrossentropy, E.identity),
                                       (binarycrossentropy, E.sigmoid), (mse, E.tanh)])
def test_loss_gradients_against_central_differences(loss, head):
    y = np.eye(3)[[0, 2]]
    assert gradcheck(lambda z: loss(head(z), y), np.random.default_rng(1).standard_normal((2, 3)))


def test_float32_end_to_end():
    m = Chain(Dense(3, 4, E.tanh, rng=0, dtype=np.float32), Dense(4, 2, rng=1, dtype=np.float32), softmax)
    x = np.random.default_rng(0).random((5, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]
    assert data(m(x)).dtype == np.float32
    ps = params(m)
    grads = gradient(lambda: crossentropy(m(x), y), ps)
    for p in ps:
        assert grads[p].dtype == np.float32
        E.update(p, -0.1 * grads[p])
        assert p.dtype == np.float32


def test_update_is_in_place_and_checks_shape():
    W = param(np.ones((2, 2)))
    before = W.value
    E.update(W, np.full((2, 2), 0.5))
    assert W.value is before and np.all(W.value == 1.5)
    with pytest.raises(ValueError, match="does not fit"):
        E.update(W, np.ones(3))


def test_grads_lookup_of_foreign_value_is_clear():
    W, b = param(1.0), param(2.0)
    grads = gradient(lambda: W * 3, params(W))
    assert grads[W] == 3
    with pytest.raises(KeyError, match="not among the params"):
        grads[b]


def test_unused_argument_has_zero_gradient():
    assert gradient(lambda x, y: x * 2, 1.0, 5.0) == (2.0, 0.0)


def test_no_grad_records_nothing():
    W = param(np.ones(3))
    with E.no_grad():
        assert isinstance(W * 2, np.ndarray)
    assert isinstance(W * 2, E.Tracked)


def test_tracked_behaves_like_an_array():
    x = param(np.arange(6.0).reshape(2, 3))
    assert x.T.shape == (3, 2) and x.reshape(3, 2).shape == (3, 2) and float(x.sum()) == 15.0
    assert float(x.mean()) == 2.5 and list(x.max(axis=1).value) == [2.0, 5.0]
    assert np.all((x > 2) == (np.arange(6).reshape(2, 3) > 2))
    assert [float(r.sum()) for r in x] == [3.0, 12.0]


def test_backward_skips_the_input_gradient_of_a_dense_layer_on_data(monkeypatch):
    from engine.autodiff import products as module
    layer = Dense(4, 3, rng=0)
    x = np.random.default_rng(0).standard_normal((5, 4))
    products = []
    real = module._matmul
    monkeypatch.setattr(module, "_matmul", lambda a, b: products.append(np.shape(data(a))) or real(a, b))
    grads = gradient(lambda: E.sum(layer(x)), params(layer))
    assert products == [(3, 5)]  # only g.T @ x for the weight; no g @ W for the data
    np.testing.assert_allclose(grads[layer.weight], np.ones((3, 5)) @ x)
    (gx,) = gradient(lambda v: E.sum(layer(v)), x)  # when the input is differentiated, it is computed
    np.testing.assert_allclose(gx, np.ones((5, 3)) @ data(layer.weight))
