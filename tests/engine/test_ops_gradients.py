"""Every primitive against central differences, first and second order, including broadcasting."""
import numpy as np
import pytest

import engine as E
import engine.math as M
from engine import hook
from engine.autodiff import gradcheck
from engine.autodiff.gradcheck import gradcheck2
from engine.nn import elu, gelu, logσ, mish, softplus, swish

pos = "positive"  # inputs drawn away from zero (log, sqrt, division, fractional powers)
unit = "unit"  # inside (-1, 1): arcsin, arccos, and tan away from its poles

# name, function of the tracked arguments (must return a scalar: reduced with a fixed weighting),
# argument shapes, domain
CASES = [
    ("add broadcast", lambda a, b: a + b, [(3, 4), (4,)], None),
    ("add scalar", lambda a, b: a + b, [(2, 3), ()], None),
    ("sub broadcast", lambda a, b: a - b, [(3, 1), (1, 4)], None),
    ("mul broadcast", lambda a, b: a * b, [(2, 3, 4), (3, 1)], None),
    ("div", lambda a, b: a / b, [(3, 4), (3, 4)], pos),
    ("div broadcast", lambda a, b: a / b, [(4,), (3, 1)], pos),
    ("neg", lambda a: -a, [(5,)], None),
    ("pow const", lambda a: a ** 3, [(4,)], None),
    ("pow square", lambda a: a ** 2, [(2, 3)], None),
    ("pow fractional", lambda a: a ** 1.5, [(4,)], pos),
    ("pow tracked exponent", lambda a, b: a ** b, [(3,), (3,)], pos),
    ("rpow", lambda a: 2.0 ** a, [(3,)], None),
    ("matmul vec vec", lambda a, b: a @ b, [(4,), (4,)], None),
    ("matmul mat vec", lambda a, b: a @ b, [(3, 4), (4,)], None),
    ("matmul vec mat", lambda a, b: a @ b, [(4,), (4, 2)], None),
    ("matmul mat mat", lambda a, b: a @ b, [(3, 4), (4, 2)], None),
    ("matmul batch", lambda a, b: a @ b, [(2, 3, 4), (4, 2)], None),
    ("matmul batch both", lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)], None),
    ("sum all", lambda a: M.sum(a), [(3, 4)], None),
    ("sum axis", lambda a: M.sum(a, axis=0), [(3, 4)], None),
    ("sum keepdims", lambda a: a.sum(axis=-1, keepdims=True) * a, [(3, 4)], None),
    ("mean axis", lambda a: M.mean(a, axis=1), [(3, 4)], None),
    ("prod", lambda a: M.prod(a), [(4,)], None),
    ("prod axis", lambda a: M.prod(a, axis=1), [(2, 3)], None),
    ("max", lambda a: M.max(a), [(5,)], None),
    ("max axis", lambda a: M.max(a, axis=0), [(3, 4)], None),
    ("exp", M.exp, [(3, 2)], None),
    ("log", M.log, [(3, 2)], pos),
    ("sqrt", M.sqrt, [(4,)], pos),
    ("abs", M.abs, [(4,)], pos),
    ("sin", M.sin, [(4,)], None),
    ("cos", M.cos, [(4,)], None),
    ("tanh", E.tanh, [(3, 4)], None),
    ("sigmoid", E.sigmoid, [(3, 4)], None),
    ("relu", E.relu, [(3, 4)], "away"),
    ("leakyrelu", E.leakyrelu, [(3, 4)], "away"),
    ("softmax", E.softmax, [(3, 4)], None),
    ("softmax vector", E.softmax, [(5,)], None),
    ("logsoftmax", E.logsoftmax, [(3, 4)], None),
    ("index", lambda a: a[1], [(3, 4)], None),
    ("slice", lambda a: a[:, 1:3], [(3, 4)], None),
    ("fancy index repeats", lambda a: a[[0, 2, 0]], [(3, 2)], None),
    ("reshape", lambda a: M.reshape(a, (4, 3)) * np.arange(12.0).reshape(4, 3), [(3, 4)], None),
    ("transpose", lambda a: a.T @ np.ones(3), [(3, 4)], None),
    ("transpose axes", lambda a: M.transpose(a, (1, 2, 0)), [(2, 3, 4)], None),
    ("clip", lambda a: M.clip(a, -0.5, 0.5), [(6,)], "away"),
    ("where", lambda a, b: M.where(np.array([True, False, True]), a, b), [(3,), (3,)], None),
    ("dense", lambda W, b, x: E.tanh(x @ W.T + b), [(3, 4), (3,), (5, 4)], None),
    # ---- issue 12: exponents made by other ops ----
    ("pow exponent from op", lambda a: 2.0 ** (3 * a), [(3,)], None),
    ("pow exponent from reduction", lambda a: a ** M.sum(a), [(3,)], pos),
    ("pow exponent from index", lambda a, b: a ** b[0], [(3,), (2,)], pos),
    ("pow integer exponents", lambda a: a ** np.arange(4), [(4,)], None),
    # ---- elementwise ----
    ("expm1", M.expm1, [(3, 2)], None),
    ("log1p", M.log1p, [(4,)], pos),
    ("exp2", M.exp2, [(4,)], None),
    ("log2", M.log2, [(4,)], pos),
    ("log10", M.log10, [(4,)], pos),
    ("tan", M.tan, [(4,)], unit),
    ("tanh elementwise", M.tanh, [(4,)], None),
    ("sinh", M.sinh, [(4,)], None),
    ("cosh", M.cosh, [(4,)], None),
    ("arcsin", M.arcsin, [(4,)], unit),
    ("arccos", M.arccos, [(4,)], unit),
    ("arctan", M.arctan, [(4,)], None),
    ("sign", lambda a: M.sign(a) * a, [(5,)], "away"),
    ("floor", lambda a: M.floor(a * 3) + a, [(5,)], None),
    ("ceil", lambda a: M.ceil(a * 3) * a, [(5,)], None),
    ("round", lambda a: M.round(a * 3) * a, [(5,)], None),
    ("maximum broadcast", lambda a, b: M.maximum(a, b), [(3, 4), (4,)], None),
    ("minimum broadcast", lambda a, b: M.minimum(a, b), [(3, 1), (1, 4)], None),
    ("maximum constant", lambda a: M.maximum(a, 0.2), [(6,)], "away"),
    # ---- reductions ----
    ("min", lambda a: M.min(a), [(5,)], None),
    ("min axis", lambda a: a.min(axis=1), [(3, 4)], None),
    ("var", lambda a: M.var(a), [(5,)], None),
    ("var axis ddof", lambda a: M.var(a, axis=0, ddof=1), [(4, 3)], None),
    ("std", lambda a: M.std(a), [(5,)], None),
    ("std axis keepdims", lambda a: a.std(axis=-1, keepdims=True) * a, [(3, 4)], None),
    ("norm", lambda a: M.norm(a), [(5,)], None),
    ("norm axis", lambda a: M.norm(a, axis=1), [(3, 4)], None),
    ("norm 1", lambda a: M.norm(a, 1), [(5,)], "away"),
    ("norm inf", lambda a: M.norm(a, np.inf, axis=0), [(3, 4)], "away"),
    ("logsumexp", lambda a: M.logsumexp(a), [(5,)], None),
    ("logsumexp axis", lambda a: M.logsumexp(a, axis=0, keepdims=True), [(3, 4)], None),
    ("cumsum", lambda a: M.cumsum(a), [(2, 3)], None),
    ("cumsum axis", lambda a: a.cumsum(axis=1) ** 2, [(2, 3)], None),
    # ---- shapes ----
    ("concatenate", lambda a, b: M.concatenate([a, b], axis=1), [(2, 3), (2, 2)], None),
    ("concatenate flat", lambda a, b: M.concatenate((a, b), axis=None), [(2, 2), (3,)], None),
    ("stack axis 1", lambda a, b: M.stack([a, b], axis=1), [(3,), (3,)], None),
    ("vcat", lambda a, b: M.vcat(a, b), [(2, 3), (1, 3)], None),
    ("hcat vectors", lambda a, b: M.hcat(a, b) @ np.array([[1.0], [-2.0]]), [(3,), (3,)], None),
    ("repeat", lambda a: M.repeat(a, 2, axis=0), [(2, 3)], None),
    ("repeat flat uneven", lambda a: M.repeat(a, [1, 3, 0, 2]), [(2, 2)], None),
    ("tile", lambda a: M.tile(a, (2, 1, 3)), [(2, 2)], None),
    ("transpose tuple method", lambda a: a.transpose((2, 0, 1)), [(2, 3, 4)], None),
    ("broadcast_to", lambda a: M.broadcast_to(a, (3, 4)), [(4,)], None),
    ("flatten", lambda a: a.flatten() ** 2, [(2, 3)], None),
    # ---- products ----
    ("outer", lambda a, b: M.outer(a, b), [(3,), (4,)], None),
    ("dot vectors", lambda a, b: M.dot(a, b), [(4,), (4,)], None),
    ("dot 3-d by matrix", lambda a, b: M.dot(a, b), [(2, 3, 4), (4, 2)], None),
    ("dot 3-d by 3-d", lambda a, b: a.dot(b), [(2, 3, 4), (2, 4, 2)], None),
    ("tensordot int", lambda a, b: M.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 2)], None),
    ("tensordot pairs", lambda a, b: M.tensordot(a, b, ([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)], None),
    ("einsum matmul", lambda a, b: M.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)], None),
    ("einsum batch dot", lambda a, b: M.einsum("bi,bi->b", a, b), [(3, 4), (3, 4)], None),
    ("einsum implicit three", lambda a, b, c: M.einsum("ij,jk,k", a, b, c), [(2, 3), (3, 4), (4,)], None),
    ("einsum summed-out letter", lambda a, b: M.einsum("ij,jk->k", a, b), [(2, 3), (3, 4)], None),
    ("einsum transpose", lambda a: M.einsum("ijk->kji", a), [(2, 3, 4)], None),
    # ---- activations (softmax over any axis; the new ones) ----
    ("softmax axis 0", lambda a: E.softmax(a, axis=0), [(3, 4)], None),
    ("logsoftmax axis 0", lambda a: E.logsoftmax(a, axis=0), [(3, 4)], None),
    ("gelu", gelu, [(3, 4)], None),
    ("swish", swish, [(3, 4)], None),
    ("elu", elu, [(3, 4)], "away"),
    ("softplus", softplus, [(3, 4)], None),
    ("mish", mish, [(3, 4)], None),
    ("logsigmoid", logσ, [(3, 4)], None),
    # ---- numpy's functions on tracked values, and hook ----
    ("np ufuncs", lambda a, b: np.exp(a) * np.sin(b) + np.arctan(a / b) - np.sqrt(np.square(b) + 1), [(3,), (3,)],
     None),
    ("np functions", lambda a: np.sum(np.tanh(a), axis=0) + np.mean(a) * np.max(a) + np.linalg.norm(a),
     [(3, 2)], None),
    ("np shapes", lambda a, b: np.concatenate([np.transpose(a), np.reshape(b, (1, 3))]) @ np.ones(3), [(3, 2), (3,)],
     None),
    ("np where einsum", lambda a, b: np.einsum("i,i->", np.where([True, False, True], a, b), b), [(3,), (3,)], None),
    ("ndarray on the left", lambda a: np.arange(3.0) * a + np.ones(3) @ (a * a), [(3,)], None),
    ("hook that watches", lambda a: hook(lambda g: None, a) * a, [(4,)], None),
    ("hook that passes on", lambda a: M.sin(hook(lambda g: g + 0, a * a)), [(4,)], None),
]


# cases that multiply by float64 constants: numpy promotes their float32 results to float64
FLOAT64_CONSTANTS = {"reshape", "pow integer exponents", "hcat vectors", "transpose", "np shapes",
                     "ndarray on the left"}


def sample(shapes, domain, seed):
    rng = np.random.default_rng(seed)
    args = []
    for shape in shapes:
        x = rng.uniform(-1.5, 1.5, size=shape)
        if domain == pos:
            x = rng.uniform(0.5, 2.0, size=shape)
        elif domain == unit:
            x = rng.uniform(-0.9, 0.9, size=shape)
        elif domain == "away":  # keep clear of kinks, where central differences straddle them
            x = np.sign(x) * (np.abs(x) + 0.1) if np.ndim(x) else x
            x = np.where(np.abs(np.abs(x) - 0.5) < 0.05, x + 0.2, x)
        args.append(np.asarray(x, dtype=np.float64))
    return args


def scalarised(f, seed=99):
    """Reduce an op's output with fixed random weights, so the check sees every output element."""
    def g(*args):
        out = f(*args)
        w = np.random.default_rng(seed).standard_normal(np.shape(E.data(out)))
        return M.sum(out * w)
    return g


@pytest.mark.parametrize("name,f,shapes,domain", CASES, ids=[c[0] for c in CASES])
def test_first_order(name, f, shapes, domain):
    assert gradcheck(scalarised(f), *sample(shapes, domain, seed=len(name)))


@pytest.mark.parametrize("name,f,shapes,domain", CASES, ids=[c[0] for c in CASES])
def test_second_order(name, f, shapes, domain):
    assert gradcheck2(scalarised(f), *sample(shapes, domain, seed=len(name) + 1))


def test_third_order_of_a_scalar_function():
    f = lambda x: M.sin(x) * x**3  # noqa: E731
    d = lambda g: (lambda x: E.gradient(g, x, nest=True)[0])  # noqa: E731
    x = 0.7
    expected = (6 - 9 * x**2) * np.sin(x) + (18 * x - x**3) * np.cos(x)  # d³/dx³ of x³ sin x
    assert float(d(d(d(f)))(x)) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name,f,shapes,domain", CASES, ids=[c[0] for c in CASES])
def test_float32_stays_float32_and_agrees_with_float64(name, f, shapes, domain):
    args64 = sample(shapes, domain, seed=len(name))
    args32 = [a.astype(np.float32) for a in args64]

    def weighted(*args):
        out = f(*args)
        w = np.random.default_rng(99).standard_normal(np.shape(E.data(out))).astype(np.float32)
        return M.sum(out * w)

    out = E.data(f(*[E.param(a) for a in args32]))
    assert out.dtype == np.float32 or name in FLOAT64_CONSTANTS, out.dtype
    grads32 = E.gradient(weighted, *args32)
    grads64 = E.gradient(weighted, *args64)
    for g32, g64 in zip(grads32, grads64):
        assert np.asarray(g32).dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-4 * max(1.0, float(np.max(np.abs(g64)))))
