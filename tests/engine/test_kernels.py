"""The shared kernels against numpy's libm: the vectorising exp/tanh/sigmoid stay within a few ulp."""
import numpy as np

from engine.kernels import activations as K
from engine.kernels.fastmath import exp_nonpos


def ulps(a, b):
    ok = np.isfinite(b) & (b != 0)
    return np.abs(a - b)[ok] / np.spacing(np.abs(b[ok]))


def reference_sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def reference_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sweep(rng):
    return np.concatenate([rng.normal(0, 1, 20000), rng.normal(0, 30, 5000), rng.uniform(-0.7, 0.7, 5000),
                           rng.uniform(-1e-9, 1e-9, 100), [0.0, -0.0, 0.625, -0.625, 709.0, -745.0, -800.0, 800.0,
                                                           np.inf, -np.inf]]).reshape(-1, 2)


def test_vectorising_activations_match_libm_to_a_few_ulp(rng):
    x = sweep(rng)
    finite_rows = x[np.isfinite(x).all(axis=1)]  # softmax of a row holding inf is NaN by definition
    for kernel, reference, inputs, bound in [(K.tanh2d, np.tanh, x, 4), (K.sigmoid2d, reference_sigmoid, x, 2),
                                             (K.softmax2d, reference_softmax, finite_rows, 2)]:
        out = np.empty_like(inputs)
        kernel(inputs, out)
        expected = reference(inputs)
        assert ulps(out, expected).max() <= bound, kernel.__name__
        special = ~np.isfinite(expected) | (expected == 0)
        assert np.array_equal(out[special], expected[special], equal_nan=True)


def test_nan_reaches_the_output(rng):
    nan = np.full((1, 2), np.nan)
    for kernel in (K.tanh2d, K.sigmoid2d, K.softmax2d, K.logsoftmax2d):
        out = np.zeros((1, 2))
        kernel(nan, out)
        assert np.isnan(out).all(), kernel.__name__  # NaN must reach the loss, so the NaN guard sees it


def test_exp_of_non_positive_numbers_within_one_ulp(rng):
    x = -np.abs(sweep(rng)[:, 0])
    e = np.array([exp_nonpos(v) for v in x])
    assert ulps(e, np.exp(x)).max() <= 1


def test_float32_kernels_agree_with_float64(rng):
    x = rng.normal(0, 3, (64, 5))
    for kernel in (K.tanh2d, K.sigmoid2d, K.softmax2d, K.logsoftmax2d):
        out64, out32 = np.empty_like(x), np.empty(x.shape, np.float32)
        kernel(x, out64)
        kernel(x.astype(np.float32), out32)
        np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-6)


def test_every_activation_in_the_registry_has_kernels_that_match_the_tape(rng):
    """The compiled trainer computes each activation (and its VJP) as the eager tape's numpy version does."""
    from engine import gradient
    from engine.nn.activations import ACTIVATIONS, LEAKY_SLOPE

    x = rng.normal(0, 2, (16, 5))
    g = rng.normal(0, 1, x.shape)
    for name, act in ACTIVATIONS.items():
        code = K.CODES[name]
        y = np.empty_like(x)
        assert K.forward(code, x, LEAKY_SLOPE, y), f"{name} has no compiled kernel"
        np.testing.assert_allclose(y, np.asarray(act(x)), rtol=1e-13, atol=1e-15, err_msg=name)
        gx = np.empty_like(x)
        K.backward(code, g, x, y, LEAKY_SLOPE, gx)
        (expected,) = gradient(lambda v: (act(v) * g).sum(), x)
        np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=1e-14, err_msg=name)
