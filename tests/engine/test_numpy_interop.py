"""numpy's own functions on tracked values, as an autograd user writes them: each either runs the
engine's differentiable version (same numbers as numpy, gradients on the tape) or raises a
TypeError that names what to use; nothing comes back silently off the tape."""
import numpy as np
import pytest

import engine as E
from engine import data, gradient, param
from engine.autodiff import interop, numeric_gradient


@pytest.fixture
def x(rng):
    return rng.uniform(0.2, 0.9, (3, 4))


@pytest.mark.parametrize("ufunc", sorted(interop.UFUNCS, key=lambda u: u.__name__), ids=lambda u: u.__name__)
def test_every_mapped_ufunc_computes_what_numpy_does_and_records(ufunc, x):
    args = (x,) if ufunc.nin == 1 else (x, x[::-1] + 0.5)
    if ufunc is np.matmul:
        args = (x, x.T)
    out = ufunc(*(param(a) for a in args))
    assert isinstance(out, E.Tracked), ufunc.__name__
    np.testing.assert_allclose(data(out), ufunc(*args), rtol=1e-15)


CALLS = [
    (np.sum, lambda v: np.sum(v, axis=0)), (np.mean, lambda v: np.mean(v, 1, keepdims=True)),
    (np.max, lambda v: np.max(v)), (np.amax, lambda v: np.amax(v, axis=0)), (np.min, lambda v: np.min(v, axis=1)),
    (np.amin, lambda v: np.amin(v)), (np.prod, lambda v: np.prod(v, axis=0)), (np.var, lambda v: np.var(v, ddof=1)),
    (np.std, lambda v: np.std(v, axis=0)), (np.cumsum, lambda v: np.cumsum(v, axis=1)),
    (np.linalg.norm, lambda v: np.linalg.norm(v)), (np.reshape, lambda v: np.reshape(v, (2, 6))),
    (np.transpose, lambda v: np.transpose(v)), (np.concatenate, lambda v: np.concatenate([v, v * 2], axis=1)),
    (np.stack, lambda v: np.stack([v, v], axis=-1)), (np.where, lambda v: np.where(v > 0.5, v, -v)),
    (np.clip, lambda v: np.clip(v, 0.3, 0.7)), (np.round, lambda v: np.round(v, 1) * v),
    (np.around, lambda v: np.around(v) + v), (np.ravel, lambda v: np.ravel(v)), (np.repeat, lambda v: np.repeat(v, 2)),
    (np.tile, lambda v: np.tile(v, 2)), (np.broadcast_to, lambda v: np.broadcast_to(v, (2, 3, 4))),
    (np.astype, lambda v: np.astype(v, np.float32)), (np.outer, lambda v: np.outer(v[0], v[1])),
    (np.dot, lambda v: np.dot(v, v.T)), (np.tensordot, lambda v: np.tensordot(v, v, axes=([0], [0]))),
    (np.einsum, lambda v: np.einsum("ij,ij->j", v, v)),
]


def test_the_calls_cover_every_mapped_function():
    assert {f for f, _ in CALLS} == set(interop.FUNCTIONS)


@pytest.mark.parametrize("func,call", CALLS, ids=[f.__name__ for f, _ in CALLS])
def test_every_mapped_function_computes_what_numpy_does_and_differentiates(func, call, x):
    out = call(param(x))
    assert isinstance(out, E.Tracked), func.__name__
    np.testing.assert_allclose(data(out), call(x), rtol=1e-6 if func is np.astype else 1e-14)
    f = lambda v: E.sum(call(v) * np.cos(np.arange(np.size(call(x))).reshape(np.shape(call(x)))))  # noqa: E731
    if func is not np.astype:  # float32 rounding is not a derivative
        np.testing.assert_allclose(gradient(f, x)[0], numeric_gradient(f, x), rtol=1e-6, atol=1e-8)


def test_functions_that_only_look_run_on_the_numbers(x):
    v = param(x)
    assert np.shape(v) == (3, 4) and np.ndim(v) == 2 and np.size(v) == 12
    assert np.argmax(v) == np.argmax(x) and np.allclose(v, x) and np.isclose(v, x).all()
    zeros = np.zeros_like(v)
    assert type(zeros) is np.ndarray and zeros.shape == (3, 4)
    below = np.full((3, 4), 0.5) < v
    assert type(below) is np.ndarray and below.dtype == bool
    assert type(np.isfinite(v)) is np.ndarray


def test_a_numpy_function_without_a_differentiable_version_says_what_to_do(x):
    v = param(x)
    with pytest.raises(TypeError, match=r"numpy.linalg.svd has no differentiable version.*engine.data\(x\)"):
        np.linalg.svd(v)
    with pytest.raises(TypeError, match=r"numpy.vstack .*use engine.math.concatenate or engine.math.vcat"):
        np.vstack([v, v])
    with pytest.raises(TypeError, match=r"numpy.fabs .*use engine.math.abs"):
        np.fabs(v)
    with pytest.raises(TypeError, match=r"numpy.add.reduce .*use engine.math.sum"):
        np.add.reduce(v)
    with pytest.raises(TypeError, match="numpy.arctan2 has no differentiable version"):
        np.arctan2(v, v)


def test_writing_a_tracked_result_into_an_array_is_refused_clearly(x):
    a = np.ones((3, 4))
    with pytest.raises(TypeError, match=r"cannot write a tracked result into a numpy array.*y = y \+ x"):
        a += param(x)
    np.testing.assert_array_equal(a, 1.0)  # nothing was written


def test_unsupported_options_name_the_engine_function(x):
    with pytest.raises(TypeError, match=r"numpy.sum on a tracked value runs engine.math.sum\(x, axis=None"):
        np.sum(param(x), dtype=np.float32)
    with pytest.raises(TypeError, match="takes no options"):
        np.exp(param(x), dtype=np.float32)
    with pytest.raises(TypeError, match="operator norm"):
        np.linalg.norm(param(x), 2)
    assert float(np.linalg.norm(param(x), 2, axis=1)[0]) == pytest.approx(np.linalg.norm(x[0]))


def test_autograd_style_code_runs_unchanged():
    # HIPS autograd's README example, with `import numpy as np` instead of `autograd.numpy`
    def tanh(v):
        y = np.exp(-2.0 * v)
        return (1.0 - y) / (1.0 + y)

    d = lambda f: (lambda v: gradient(f, v, nest=True)[0])  # noqa: E731
    assert float(d(tanh)(1.0)) == pytest.approx(1 - np.tanh(1.0) ** 2, rel=1e-12)
    assert float(d(d(tanh))(1.0)) == pytest.approx(-2 * np.tanh(1.0) * (1 - np.tanh(1.0) ** 2), rel=1e-10)

    def logistic_loss(w, X, y):
        p = 0.5 * (np.tanh(np.dot(X, w)) + 1)
        return -np.sum(np.log(p * y + (1 - p) * (1 - y)))

    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((5, 3)), np.array([1.0, 0, 1, 1, 0]), rng.standard_normal(3)
    np.testing.assert_allclose(gradient(logistic_loss, w, X, y)[0],
                               numeric_gradient(lambda v: logistic_loss(v, X, y), w), rtol=1e-7)
