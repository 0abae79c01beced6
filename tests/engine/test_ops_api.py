"""The new ops as a user calls them: hook, numpy-style signatures and their clear errors, safe
gradients at the awkward points (norm at 0, logsumexp far out), dtypes."""
import numpy as np
import pytest

import engine as E
import engine.math as M
from engine import data, gradient, hessian, hook, param


# ---- hook (Tracker's) ----

def test_hook_reverses_the_gradient_of_what_it_wraps_only():
    ga, gb = gradient(lambda a, b: hook(lambda g: -g, a) * b + a * b, 2.0, 3.0)
    assert (ga, gb) == (0.0, 4.0)  # a's two paths: -3 through the hook, +3 beside it


def test_hook_sees_the_adjoint_and_can_scale_it():
    seen = []
    g = gradient(lambda x: M.sum(hook(lambda g: seen.append(data(g).copy()) or g * 0.5, x) ** 2),
                 np.array([1.0, -2.0]))[0]
    np.testing.assert_array_equal(seen[0], [2.0, -4.0])
    np.testing.assert_array_equal(g, [1.0, -2.0])


def test_hook_works_in_nested_gradients():
    # The inner sweep gives 2 * 3y² through the hook; the outer sweep passes through the hook node
    # again (it is on the path from x), so it doubles once more: 2 * 2 * 6x, as in Tracker.
    d2 = gradient(lambda x: gradient(lambda y: hook(lambda g: 2 * g, y) ** 3, x, nest=True)[0], 1.5)[0]
    assert d2 == pytest.approx(2 * 2 * 6 * 1.5)


def test_hook_refuses_a_function_that_changes_the_shape():
    with pytest.raises(ValueError, match="must keep the shape"):
        gradient(lambda x: M.sum(hook(lambda g: g.sum(), x)), np.ones(3))
    with pytest.raises(TypeError, match="function first"):
        hook(np.ones(3), lambda g: g)


def test_hook_is_a_top_level_name():
    assert "hook" in E.__all__ and E.hook is hook


# ---- safe points ----

def test_norm_gradient_is_zero_at_zero_and_its_hessian_right_elsewhere():
    np.testing.assert_array_equal(gradient(lambda v: M.norm(v), np.zeros(3))[0], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gradient(lambda v: M.sum(M.norm(v, axis=1)), np.zeros((2, 2)))[0], 0.0)
    x = np.array([1.0, -2.0, 2.0])
    n = np.linalg.norm(x)
    np.testing.assert_allclose(hessian(lambda v: M.norm(v), x), (np.eye(3) - np.outer(x, x) / n**2) / n, rtol=1e-12)


def test_logsumexp_is_stable_far_out_and_its_gradient_is_softmax():
    x = np.array([1000.0, 1000.0, -1000.0])
    assert float(M.logsumexp(x)) == pytest.approx(1000 + np.log(2))
    np.testing.assert_allclose(gradient(lambda v: M.logsumexp(v), x)[0], [0.5, 0.5, 0.0])
    assert float(M.logsumexp(np.full(2, -np.inf))) == -np.inf
    p = np.exp(x - M.logsumexp(x))
    np.testing.assert_allclose(hessian(lambda v: M.logsumexp(v), x), np.diag(p) - np.outer(p, p), atol=1e-12)


def test_ties_split_the_gradient_in_min_and_maximum():
    np.testing.assert_array_equal(gradient(lambda v: M.min(v), np.array([1.0, 3.0, 1.0]))[0], [0.5, 0.0, 0.5])
    ga, gb = gradient(lambda a, b: M.sum(M.minimum(a, b)), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(ga, [0.5, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 1.0])


def test_the_piecewise_constant_functions_pass_no_gradient():
    for f in (M.sign, M.floor, M.ceil, M.round):
        np.testing.assert_array_equal(gradient(lambda v: M.sum(f(v)), np.array([0.3, -1.7]))[0], [0.0, 0.0])


# ---- signatures and errors ----

def test_softmax_over_a_chosen_axis():
    x = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    np.testing.assert_allclose(data(E.softmax(x, axis=0)).sum(axis=0), 1.0)
    np.testing.assert_allclose(data(E.softmax(x, axis=0)), data(E.softmax(x.T)).T, rtol=1e-15)
    np.testing.assert_allclose(data(E.logsoftmax(x, axis=0)), np.log(data(E.softmax(x, axis=0))), rtol=1e-14)
    assert M.softmax is E.softmax
    with pytest.raises(TypeError, match="Flux's dims=1 .* is axis=-1"):
        E.softmax(x, dims=1)


def test_joining_takes_a_list_as_numpy_does():
    with pytest.raises(TypeError, match=r"stack\(\[a, b\], axis=0\)"):
        M.stack(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="list of arrays"):
        M.concatenate(param(np.ones((2, 2))))
    with pytest.raises(ValueError, match="at least one"):
        M.concatenate([])
    with pytest.raises(ValueError, match="use stack for numbers"):
        M.concatenate([1.0, 2.0])


def test_vcat_and_hcat_follow_julia():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    assert data(M.vcat(a, b)).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert data(M.hcat(a, b)).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert data(M.hcat(1.0, 2.0)).tolist() == [[1.0, 2.0]]
    assert data(M.vcat(np.ones((1, 2)), np.zeros((2, 2)))).shape == (3, 2)


def test_einsum_says_what_it_cannot_do():
    A = np.ones((2, 2))
    with pytest.raises(ValueError, match="traces and diagonals"):
        M.einsum("ii->i", A)
    with pytest.raises(ValueError, match=r"'\.\.\.' is not supported"):
        M.einsum("...i->i", A)
    with pytest.raises(ValueError, match="names 2 operands, but 1"):
        M.einsum("ij,jk->ik", A)
    with pytest.raises(ValueError, match="'j' is 2 long in one operand and 3"):
        M.einsum("ij,jk->ik", A, np.ones((3, 2)))
    with pytest.raises(TypeError, match="subscripts as a string first"):
        M.einsum(A, "ij->i")


def test_tensordot_and_matmul_name_the_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match="do not pair up"):
        M.tensordot(np.ones((2, 3)), np.ones((2, 3)), 1)


def test_astype_moves_between_float_types_and_the_gradient_comes_back_in_the_input_type():
    g = gradient(lambda v: M.sum(M.astype(v, np.float32) * 2), np.ones(3))[0]
    assert g.dtype == np.float64 and g.tolist() == [2.0, 2.0, 2.0]
    assert param(np.ones(2)).astype(np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="not a float type"):
        M.astype(param(np.ones(2)), np.int64)


def test_clip_bounds_are_constants_and_say_so():
    with pytest.raises(TypeError, match=r"maximum\(minimum\(x, hi\), lo\)"):
        M.clip(param(np.ones(2)), param(0.0), 1.0)


def test_norm_orders():
    x = np.array([3.0, -4.0])
    assert [float(M.norm(x, o)) for o in (1, 2, np.inf, None, "fro")] == [7.0, 5.0, 4.0, 5.0, 5.0]
    with pytest.raises(ValueError, match="ord=3"):
        M.norm(x, 3)
