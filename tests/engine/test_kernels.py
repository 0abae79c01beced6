"""The shared kernels against numpy's libm: the vectorising exp/tanh/sigmoid stay within a few ulp."""
import numpy as np

from engine.kernels import activations as K
from engine.kernels.fastmath import exp_nonpos, expm1_nonpos


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
    for kernel, reference, inputs, bound in [(K.tanh2d, np.tanh, x, 3), (K.sigmoid2d, reference_sigmoid, x, 2),
                                             (K.softmax2d, reference_softmax, finite_rows, 2)]:
        out = np.empty_like(inputs)
        kernel(inputs, out)
        expected = reference(inputs)
        assert ulps(out, expected).max() <= bound, kernel.__name__
        special = ~np.isfinite(expected) | (expected == 0)
        assert np.array_equal(out[special], expected[special], equal_nan=True)


def test_nan_reaches_the_output(rng):
    nan = np.full((1, 2), np.nan)
    for kernel in (K.tanh2d, K.sigmoid2d, K.softmax2d, K.logsoftmax2d, K.gelu2d, K.swish2d, K.elu2d, K.softplus2d,
                   K.mish2d, K.logsigmoid2d):
        out = np.zeros((1, 2))
        kernel(nan, out)
        assert np.isnan(out).all(), kernel.__name__  # NaN must reach the loss, so the NaN guard sees it


def test_exp_of_non_positive_numbers_within_one_ulp(rng):
    x = -np.abs(sweep(rng)[:, 0])
    e = np.array([exp_nonpos(v) for v in x])
    assert ulps(e, np.exp(x)).max() <= 1


def test_expm1_of_non_positive_numbers_within_one_ulp_even_next_to_zero(rng):
    # tanh and elu rest on it: tiny arguments must keep their digits (exp(x) - 1 would cancel them all)
    x = -np.concatenate([np.abs(sweep(rng)[:, 0]), rng.uniform(0, 1e-8, 500), [5e-324, 1e-300, 40.0, 800.0]])
    e = np.array([expm1_nonpos(v) for v in x])
    assert ulps(e, np.expm1(x)).max() <= 1
    assert np.isnan(expm1_nonpos(np.nan)) and expm1_nonpos(-np.inf) == -1.0


def test_log1p_on_the_unit_interval_within_one_ulp(rng):
    from numba import njit

    from engine.kernels.fastmath import log1p_unit

    @njit
    def run(u, out):
        for i in range(u.size):
            out[i] = log1p_unit(u[i])

    u = np.concatenate([rng.uniform(0, 1, 50000), np.exp(-rng.uniform(0, 745, 20000)),
                        [0.0, 1.0, 5e-324, 1e-300, np.sqrt(2) - 1, np.nextafter(np.sqrt(2) - 1, 0)]])
    out = np.empty_like(u)
    run(u, out)
    assert ulps(out, np.log1p(u)).max() <= 1
    assert out[u == 0].tolist() == [0.0]


def test_float32_kernels_agree_with_float64(rng):
    x = rng.normal(0, 3, (64, 5))
    for kernel in (K.tanh2d, K.sigmoid2d, K.softmax2d, K.logsoftmax2d, K.gelu2d, K.swish2d, K.elu2d, K.softplus2d,
                   K.mish2d, K.logsigmoid2d):
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


def test_the_cache_hash_covers_every_module_the_kernels_compile_in():
    """Numba bakes imported globals (activation codes are the registry's order) into cached machine code
    and checks only the defining file for staleness: a module the kernels import from but the cache
    folder's hash ignored would, once edited, leave stale codes running."""
    import ast

    from engine.kernels import cache

    hashed = {p.resolve() for p in cache.hashed_sources()}
    engine_dir = cache.KERNELS.parent
    imported = set()
    for path in cache.KERNELS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                base = cache.KERNELS if node.level == 1 else engine_dir
                module = base.joinpath(*(node.module or "").split("."))
                imported.add((module.with_suffix(".py") if not module.is_dir() else module / "__init__.py").resolve())
    imported.discard((cache.KERNELS / "cache.py").resolve())
    assert any(p.parent.name == "nn" for p in imported)
    assert imported <= hashed, sorted(str(p) for p in imported - hashed)


def test_new_activation_kernels_stay_finite_and_match_the_tape_far_out():
    from engine import gradient
    from engine.nn.activations import ACTIVATIONS

    x = np.concatenate([np.linspace(-40, 40, 321), [-700.0, 700.0, 0.0, -0.0, 1e-300]]).reshape(-1, 1)
    g = np.ones_like(x)
    for name in ("elu", "gelu", "swish", "softplus", "mish", "logsigmoid"):
        act, code = ACTIVATIONS[name], K.CODES[name]
        y, gx = np.empty_like(x), np.empty_like(x)
        K.forward(code, x, 0.0, y)
        K.backward(code, g, x, y, 0.0, gx)
        (expected,) = gradient(lambda v: (act(v) * g).sum(), x)
        assert np.isfinite(y).all() and np.isfinite(gx).all(), name
        np.testing.assert_allclose(y, np.asarray(act(x)), rtol=1e-13, atol=1e-300, err_msg=name)
        np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=1e-15, err_msg=name)
