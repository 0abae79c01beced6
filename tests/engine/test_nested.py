"""Hessians and nested derivatives over arrays, against analytic values (Tracker.jl #120, #148)."""
import numpy as np
import pytest

import engine as E
from engine import data, gradient, hessian, jacobian, param


def test_hessian_of_prod_matches_analytic_including_zeros():
    # Tracker.jl #120: the Hessian of prod was wrong. H[i, j] = prod of all but i and j, 0 on the diagonal.
    for x in ([1.0, 2.0, 3.0, 4.0], [0.0, 2.0, 3.0, 0.5], [0.0, 0.0, 3.0, 2.0]):
        x = np.array(x)
        expected = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                if i != j:
                    expected[i, j] = np.prod(np.delete(x, [i, j]))
        np.testing.assert_allclose(hessian(lambda v: E.math.prod(v), x), expected, atol=1e-12)


def test_gradient_of_prod_at_zero():
    g = gradient(lambda v: E.math.prod(v), np.array([0.0, 2.0, 5.0]))[0]
    np.testing.assert_allclose(g, [10.0, 0.0, 0.0])


def test_nested_derivative_of_an_array_function():
    # Tracker.jl #148: nested gradients through array functions failed.
    # f(x) = sum(sin(x) * x**2); the gradient of the gradient's sum is sum of the Hessian's rows.
    f = lambda v: E.sum(E.math.sin(v) * v**2)  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    g2 = gradient(lambda v: E.sum(gradient(f, v, nest=True)[0]), x)[0]
    expected = 2 * np.sin(x) + 4 * x * np.cos(x) - x**2 * np.sin(x)  # diagonal Hessian
    np.testing.assert_allclose(g2, expected, rtol=1e-12)


def test_hessian_of_quadratic_form_is_symmetric_part():
    A = np.random.default_rng(0).standard_normal((4, 4))
    x = np.random.default_rng(1).standard_normal(4)
    np.testing.assert_allclose(hessian(lambda v: v @ (A @ v), x), A + A.T, rtol=1e-12)


def test_hessian_of_logsumexp_via_logsoftmax():
    # lse(x) = x_0 - logsoftmax(x)_0; its Hessian is diag(p) - p p^T with p = softmax(x)
    x = np.array([0.5, -1.0, 2.0])
    p = np.exp(x) / np.exp(x).sum()
    H = hessian(lambda v: v[0] - E.logsoftmax(v)[0], x)
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), atol=1e-12)


def test_hessian_through_a_dense_layer():
    W = np.array([[1.0, -2.0], [0.5, 0.3]])
    b = np.array([0.1, -0.2])
    f = lambda x: E.sum(E.tanh(x @ W.T + b))  # noqa: E731
    x = np.array([0.2, -0.4])
    y = np.tanh(W @ x + b)
    expected = W.T @ np.diag(-2 * y * (1 - y**2)) @ W
    np.testing.assert_allclose(hessian(f, x), expected, rtol=1e-10)


def test_jacobian_of_softmax():
    x = np.array([1.0, 2.0, 0.5])
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(jacobian(E.softmax, x), np.diag(p) - np.outer(p, p), atol=1e-12)


def test_jacobian_nested_is_tracked_and_differentiable():
    J = jacobian(lambda v: v**2, param([1.0, 3.0]), nest=True)
    assert isinstance(J, E.Tracked)
    np.testing.assert_allclose(data(J), np.diag([2.0, 6.0]))


def test_mixed_partials_with_several_arguments():
    f = lambda x, y: x**2 * y**3  # noqa: E731
    dfdx = lambda x, y: gradient(f, x, y, nest=True)[0]  # noqa: E731  2 x y^3
    d2 = gradient(dfdx, 2.0, 3.0)  # (2 y^3, 6 x y^2)
    assert d2 == pytest.approx((54.0, 108.0))


def test_inner_and_outer_variables_stay_apart():
    # Perturbation confusion: d/dx [ x * d/dy (x + y) ] at y = 1 is 1, not 2.
    outer = gradient(lambda x: x * gradient(lambda y: x + y, 1.0, nest=True)[0], 1.0)[0]
    assert outer == pytest.approx(1.0)


def test_hessian_with_params_nested():
    W = param(np.array([1.0, 2.0]))
    grads = gradient(lambda: E.sum(W**3), E.params(W), nest=True)
    g = grads[W]
    assert isinstance(g, E.Tracked)
    np.testing.assert_allclose(data(g), [3.0, 12.0])
