"""Every primitive against central differences, first and second order, including broadcasting."""
import numpy as np
import pytest

import engine as E
import engine.math as M
from engine.autodiff import gradcheck
from engine.autodiff.gradcheck import gradcheck2

pos = "positive"  # inputs drawn away from zero (log, sqrt, division, fractional powers)

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
]


def sample(shapes, domain, seed):
    rng = np.random.default_rng(seed)
    args = []
    for shape in shapes:
        x = rng.uniform(-1.5, 1.5, size=shape)
        if domain == pos:
            x = rng.uniform(0.5, 2.0, size=shape)
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
