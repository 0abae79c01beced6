"""engine.analysis.curvature against finite differences: the Hessian's diagonal and top eigenvalue from
differences of tape gradients, the curvature along g from second differences of the loss itself."""
import numpy as np
import pytest

from engine import Chain, Dense, gradient, params, relu, softmax, tanh
from engine.analysis.curvature import curvature
from engine.nn import LOSSES

rng = np.random.default_rng(0)
X = rng.standard_normal((30, 2))
CASES = {
    "tanh, mse": (lambda: Chain(Dense(2, 4, tanh, rng=0), Dense(4, 1, rng=1)), "mse", X, X[:, :1] * X[:, 1:]),
    "relu, softmax": (lambda: Chain(Dense(2, 3, relu, rng=2), Dense(3, 2, rng=3), softmax), "crossentropy", X,
                      np.eye(2)[(X[:, 0] > X[:, 1]).astype(int)]),
}


def layer_setup(case, layer):
    make, loss, X_, Y_ = CASES[case]
    model = make()
    ps = list(params(model.layers[layer]))
    sizes = [p.size for p in ps]

    def flat_gradient(w):
        saved = [p.value for p in ps]
        for p, part in zip(ps, np.split(w, np.cumsum(sizes)[:-1])):
            p.value = part.reshape(p.shape)
        try:
            grads = gradient(lambda: LOSSES[loss](model(X_), Y_), params(*ps))
            return np.concatenate([np.ravel(grads[p]) for p in ps])
        finally:
            for p, v in zip(ps, saved):
                p.value = v

    def flat_loss(w):
        saved = [p.value for p in ps]
        for p, part in zip(ps, np.split(w, np.cumsum(sizes)[:-1])):
            p.value = part.reshape(p.shape)
        try:
            return float(LOSSES[loss](model(X_), Y_))
        finally:
            for p, v in zip(ps, saved):
                p.value = v
    w0 = np.concatenate([np.ravel(p.value) for p in ps])
    return model, loss, X_, Y_, w0, flat_gradient, flat_loss


def numeric_hessian(flat_gradient, w0, h=1e-5):
    rows = []
    for k in range(len(w0)):
        e = np.zeros_like(w0)
        e[k] = h
        rows.append((flat_gradient(w0 + e) - flat_gradient(w0 - e)) / (2 * h))
    H = np.array(rows)
    return (H + H.T) / 2


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("layer", [0, 1])
def test_diagonal_and_top_eigenvalue_match_the_finite_difference_hessian(case, layer):
    model, loss, X_, Y_, w0, flat_gradient, _ = layer_setup(case, layer)
    H = numeric_hessian(flat_gradient, w0)
    c = curvature(model, loss, X_, Y_, layer, iterations=300)
    diag = np.concatenate([np.ravel(c.diagonal["W"]), np.ravel(c.diagonal["b"])])
    np.testing.assert_allclose(diag, np.diag(H), rtol=1e-5, atol=1e-7)
    eigenvalues = np.linalg.eigvalsh(H)
    top = eigenvalues[np.argmax(np.abs(eigenvalues))]
    assert c.top_eigenvalue == pytest.approx(top, rel=1e-4, abs=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_curvature_along_the_gradient_is_the_second_difference_of_the_loss(case):
    model, loss, X_, Y_, w0, flat_gradient, flat_loss = layer_setup(case, 0)
    g = flat_gradient(w0)
    c = curvature(model, loss, X_, Y_, 0)
    h = 1e-4 / np.linalg.norm(g)
    second = (flat_loss(w0 + h * g) - 2 * flat_loss(w0) + flat_loss(w0 - h * g)) / (h * h * (g @ g))
    assert c.along_gradient == pytest.approx(second, rel=1e-4, abs=1e-6)
    assert c.gradient_norm == pytest.approx(np.linalg.norm(g))
    # the weights are read, never changed
    np.testing.assert_array_equal(np.concatenate([np.ravel(p.value) for p in params(model.layers[0])]), w0)


def test_reading_big_layers_and_layers_without_weights():
    make, loss, X_, Y_ = CASES["relu, softmax"]
    model = make()
    c = curvature(model, loss, X_, Y_, 0, exact_limit=4)
    assert c.diagonal is None and np.isfinite(c.top_eigenvalue)
    limit = c.largest_stable_rate
    assert limit == pytest.approx(2 / c.along_gradient)
    assert c.reading(limit * 1.5).endswith("overshoots") and c.reading(limit / 2).endswith("is below")
    with pytest.raises(ValueError, match="layer 3 has no weights"):
        curvature(model, loss, X_, Y_, 2)
