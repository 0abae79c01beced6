"""Issue 12's wrong answers, each reproduced as filed and held right: tracked exponents, powers at
zero, writable gradients, numpy-style axis arguments, and no warnings from 0 ** y."""
import numpy as np
import pytest

import engine as E
import engine.math as M
from engine import gradient
from engine.autodiff import gradcheck, numeric_gradient
from engine.autodiff.gradcheck import gradcheck2

LN2 = np.log(2.0)


@pytest.mark.parametrize("f,x,expected", [
    (lambda x: 2.0 ** (3 * x), 0.5, 3 * LN2 * 2.0 ** 1.5),
    (lambda x: np.e ** (2 * x), 0.5, 2 * np.e),
    (lambda x: E.exp(1.0) ** (2 * x), 0.5, 2 * np.e),
], ids=["2**(3x)", "e**(2x)", "exp(1)**(2x)"])
def test_an_exponent_made_by_another_op_gets_its_gradient(f, x, expected):
    (g,) = gradient(f, x)
    assert g == pytest.approx(expected, rel=1e-12)


def test_the_filed_example_gives_the_filed_answer():
    assert gradient(lambda x: 2.0 ** (3 * x), 0.5)[0] == pytest.approx(5.8815, abs=1e-4)  # it was 0.0


@pytest.mark.parametrize("f", [
    lambda v: 2.0 ** v[0],
    lambda v: 2.0 ** M.mean(v),
    lambda v: M.sum(v ** M.sum(v)),
    lambda v: M.sum(v[0] ** v),
], ids=["2**v[0]", "2**mean(v)", "sum(v**sum(v))", "sum(v[0]**v)"])
def test_exponents_from_indexing_and_reductions_match_central_differences(f):
    v = np.array([1.3, 0.8, 1.1])
    np.testing.assert_allclose(gradient(f, v)[0], numeric_gradient(f, v), rtol=1e-7)
    assert gradcheck2(f, v)


def test_x_to_the_sum_of_x_is_not_missing_the_exponent_term():
    x = np.array([1.5, 2.0])
    f = lambda v: M.sum(v ** M.sum(v))  # noqa: E731
    s = x.sum()
    expected = s * x ** (s - 1) + np.sum(x ** s * np.log(x))  # through the base, plus through the exponent
    np.testing.assert_allclose(gradient(f, x)[0], expected, rtol=1e-12)


def test_nested_derivatives_of_x_to_the_y_keep_the_log_term():
    a, b = 1.3, 0.7
    mixed = gradient(lambda a, b: gradient(lambda x, y: x ** y, a, b, nest=True)[0], a, b)[1]
    # d/db (b a^(b-1)) = a^(b-1) + b a^(b-1) ln a
    assert mixed == pytest.approx(a ** (b - 1) * (1 + b * np.log(a)), rel=1e-12)
    assert mixed == pytest.approx(1.094, abs=1e-3)
    assert gradcheck2(lambda x, y: x ** y, a, b)


def test_powers_at_zero_have_finite_gradients():
    assert gradient(lambda x: x ** 0, 0.0) == (0.0,)
    assert gradient(lambda x: x ** 0.0, 0.0) == (0.0,)
    d1 = lambda x: gradient(lambda y: y ** 1, x, nest=True)[0]  # noqa: E731
    assert gradient(d1, 0.0) == (0.0,)  # d²/dx² x at 0
    assert float(d1(0.0)) == 1.0


def test_polynomial_features_differentiate_at_zero():
    w = np.array([0.5, -2.0, 3.0, 7.0])
    model = lambda w, x: M.sum(w * x ** np.arange(4))  # noqa: E731
    gw, gx = gradient(model, w, 0.0)
    np.testing.assert_array_equal(gw, [1.0, 0.0, 0.0, 0.0])
    assert gx == w[1]
    second = gradient(lambda x: gradient(model, w, x, nest=True)[1], 0.0)[0]
    assert second == 2 * w[2]
    assert gradcheck(lambda x: model(w, x), 0.0)


def test_a_tracked_exponent_of_zero_keeps_its_own_derivative():
    # 0 ** 0 gets gradient 0 through the base; elsewhere b = 0 still differentiates b a^(b-1) in b
    a = 1.7
    mixed = gradient(lambda b: gradient(lambda x: x ** b, a, nest=True)[0], 0.0)[0]
    assert mixed == pytest.approx(1 / a, rel=1e-12)  # a^(b-1)(1 + b ln a) at b = 0
    assert gradient(lambda x, y: x ** y, 0.0, 0.0) == (0.0, 0.0)


def test_gradients_are_writable_arrays_of_their_own():
    g = gradient(lambda x: x.sum(), np.ones(3))[0]
    g *= 0.5
    np.testing.assert_array_equal(g, [0.5, 0.5, 0.5])
    ga, gb = gradient(lambda a, b: M.sum((a + b) * 2), np.ones(2), np.ones(2))
    ga *= 10
    np.testing.assert_array_equal(gb, [2.0, 2.0])  # the same array was handed to both
    W = E.param(np.ones((2, 2)))
    grads = gradient(lambda: M.sum(W.reshape(4)), E.params(W))
    grads[W][0, 0] = 5.0
    assert grads[W].flags.writeable


def test_numpy_style_axes_and_permutations():
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    assert E.param(x).transpose((2, 0, 1)).shape == (4, 2, 3)
    assert E.param(x).transpose(2, 0, 1).shape == (4, 2, 3)
    assert gradcheck(lambda v: M.sum(v.transpose((2, 0, 1)) * np.arange(24.0).reshape(4, 2, 3)), x)
    for reduce in (M.sum, M.mean, M.max, M.min, M.prod, M.var, M.std, M.logsumexp):
        out = reduce(E.param(x), axis=np.int64(1))
        assert E.data(out).shape == (2, 4), reduce
    assert E.data(M.sum(E.param(x), axis=(np.int64(0), -1))).shape == (3,)
    assert E.param(x).reshape(np.int64(6), 4).shape == (6, 4)
    with pytest.raises(ValueError, match="out of range"):
        M.sum(E.param(x), axis=3)


def test_zero_to_a_tracked_power_gives_no_warning():
    # pytest runs with filterwarnings=error: a divide-by-zero RuntimeWarning fails this test
    assert gradient(lambda y: 0.0 ** y, 2.0) == (0.0,)
    np.testing.assert_array_equal(gradient(lambda y: M.sum(0.0 ** y), np.array([2.0, 0.5]))[0], [0.0, 0.0])
    np.testing.assert_array_equal(gradient(lambda y: M.sum(np.zeros(2) ** y), np.array([2.0, 0.5]))[0], [0.0, 0.0])
