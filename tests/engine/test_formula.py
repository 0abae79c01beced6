"""Formula activations on the tape (issue 16): known derivatives, first and second order, against their analytic
forms and central differences; any nest depth; the built-ins they spell; parsing, its errors, and the text back."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.math as em
from engine import Chain, Dense, formula, gradcheck, gradient
from engine.nn import ACTIVATIONS, FormulaError, calculus
from engine.nn.formula import lower
from engine.nn.formula_syntax import X, Num, Op, constant_value, parse, unparse

XS = np.concatenate([np.linspace(-6, 6, 61), [-0.3, 1e-3, 0.7, 2.5]])


def sig(x):
    return 1 / (1 + np.exp(-x))


def swish_d(x):
    s = sig(x)
    return s + x * s * (1 - s), s * (1 - s) * (2 + x * (1 - 2 * s))


def softplus_d(x):
    s = sig(x)
    return s, s * (1 - s)


def mish_d(x):
    s, t = sig(x), np.tanh(np.log1p(np.exp(x)))
    sech2 = 1 - t * t
    return t + x * sech2 * s, 2 * sech2 * s + x * (-2 * t * sech2 * s * s + sech2 * s * (1 - s))


C, K = math.sqrt(2 / math.pi), 0.044715


def gelu_d(x):
    u, du, d2u = C * (x + K * x ** 3), C * (1 + 3 * K * x * x), 6 * C * K * x
    t = np.tanh(u)
    sech2 = 1 - t * t
    return 0.5 * (1 + t) + 0.5 * x * sech2 * du, sech2 * du + 0.5 * x * sech2 * (d2u - 2 * t * du * du)


KNOWN = {  # text -> (f, (f', f''))
    "x * σ(x)": (lambda x: x * sig(x), swish_d),
    "x * tanh(softplus(x))": (lambda x: x * np.tanh(np.log1p(np.exp(x))), mish_d),
    "0.5 * x * (1 + tanh(sqrt(2 / π) * (x + 0.044715 * x ** 3)))":
        (lambda x: 0.5 * x * (1 + np.tanh(C * (x + K * x ** 3))), gelu_d),
    "softplus(x)": (lambda x: np.log1p(np.exp(x)), softplus_d),
    "x ** 3": (lambda x: x ** 3, lambda x: (3 * x * x, 6 * x)),
}


def central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("text", KNOWN)
def test_known_formulas_have_their_analytic_derivatives(text):
    f, derivatives = KNOWN[text]
    value, d1, d2 = calculus(formula(text), XS, order=2)
    a1, a2 = derivatives(XS)
    np.testing.assert_allclose(value, f(XS), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d1, a1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d2, a2, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("text", KNOWN)
def test_known_formulas_agree_with_central_differences_first_and_second_order(text):
    act = formula(text)
    f = lambda x: np.asarray(act(x))  # noqa: E731
    d1 = lambda x: calculus(act, x, order=1)[1]  # noqa: E731
    np.testing.assert_allclose(calculus(act, XS, 1)[1], central(f, XS), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(calculus(act, XS, 2)[2], central(d1, XS), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("text, builtin", [("x * σ(x)", "swish"), ("x * tanh(softplus(x))", "mish"),
                                           ("softplus(x)", "softplus"), ("-softplus(-x)", "logsigmoid"),
                                           ("where(x > 0, x, exp(x) - 1)", "elu"), ("max(x, 0)", "relu"),
                                           ("x * σ(1.5957691216057308 * (x + 0.044715 * x * x * x))", "gelu")])
def test_a_formula_computes_what_the_builtin_it_spells_computes(text, builtin):
    xs = XS[XS != 0]  # relu's derivative at 0: the built-in takes 0, max(x, 0) splits the tie
    ours, theirs = calculus(formula(text), xs, 2), calculus(ACTIVATIONS[builtin], xs, 2)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


def test_any_nest_depth():
    f = formula("exp(2 * x) + x ** 4")
    x = 0.5
    d = f
    for order in range(1, 6):
        d = (lambda g: lambda t: gradient(g, t, nest=True)[0])(d)
        expected = 2 ** order * math.exp(2 * x) + [4 * x ** 3, 12 * x * x, 24 * x, 24, 0][order - 1]
        assert float(d(x)) == pytest.approx(expected, rel=1e-12)


def test_in_a_chain_gradients_check_against_central_differences():
    act1, act2 = formula("swish(x) = x * σ(x)"), formula("where(x > 0, x, 0.1 * x) + 0.01 * sin(x)")
    rng = np.random.default_rng(0)
    X, W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(5, 2))
    assert gradcheck(lambda a, b: em.sum(act2(em.matmul(act1(em.matmul(X, a)), b)) ** 2), W1, W2)
    model = Chain(Dense(3, 5, act1, rng=0), Dense(5, 2, rng=1), act2)  # the same blocks in a Chain run
    assert model(X).shape == (4, 2)


def test_float32_stays_float32_and_numbers_come_back_as_numbers():
    f = formula("where(x > 0, 1, 2) * x + 0.5")
    assert f(np.float32([1, -2])).dtype == np.float32
    assert formula("where(x > 0, 1, 2)")(np.float32([1, -2])).dtype == np.float32
    assert isinstance(f(2.0), float | np.floating) and float(f(2.0)) == 2.5
    assert f([1.0, -1.0]).tolist() == [1.5, -1.5]


def test_names_and_equality():
    a, b = formula("x * σ(x)", name="swish"), formula("swish(x) = x * σ(x)")
    assert a == b and hash(a) == hash(b) and a is b  # the same text, once
    assert (a.title, a.expression, a.source, a.symbol) == ("swish", "x * σ(x)", "swish(x) = x * σ(x)", "swish")
    assert formula("x*σ(x)") != a and formula("x*σ(x)").digest == a.digest  # the same kernels
    assert repr(Dense(2, 3, a, rng=0)) == "Dense(2 => 3, formula('swish(x) = x * σ(x)'))"
    with pytest.raises(FormulaError, match="names the formula swish, but name='f'"):
        formula("swish(x) = x", name="f")
    with pytest.raises(FormulaError, match="name is up to 32 letters"):
        formula("x", name="two words")


@pytest.mark.parametrize("text, token, column", [
    ("x +", "+", 3), ("exp(x", "(x", 4), ("x y", "y", 3), ("σ(x) = 3", "= 3", 6), ("foo(x)", "foo", 1),
    ("swish(x) = x.real", ".real", 13), ("where(x, 1, 2)", "x", 7), ("where(0 < x < 1, 1, 2)", "0 < x < 1", 7),
    ("x < 1", "x < 1", 1), ("min(x)", "min", 1), ("exp", "exp", 1), ("σ(σ(x)) ** 200", "200", 12),
    ("  x @ 2", "@", 5), ("x * -  ", "-", 5), ("f(x) =   ", "", 9),
])
def test_errors_name_the_token_and_its_column(text, token, column):
    with pytest.raises(FormulaError) as caught:
        formula(text)
    assert (caught.value.token.strip()[:len(token)], caught.value.column) == (token, column), str(caught.value)


@pytest.mark.parametrize("text", ["x", "-x", "--x", "x ** 2 ** x", "(x ** 2) ** x", "(-x) ** 2", "-x ** 2",
                                  "2 ** -x", "x - (x - 1)", "x / (2 * x)", "x / 2 * x", "e * π - x",
                                  "where(x >= 0, max(x, 1e-08), min(x, -0.5))", "σ(x) * tanh(x) / (1 + abs(x))"])
def test_the_canonical_text_parses_to_the_same_tree(text):
    tree = parse(text)[0]
    assert parse(unparse(tree))[0] == tree
    assert unparse(parse(unparse(tree))[0]) == unparse(tree)


_ATOMS = st.sampled_from(["x", "x", "2", "0.5", "e", "π"])


def _expressions():
    def extend(inner):
        unary = st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["exp", "tanh", "σ", "relu", "softplus", "abs",
                                                                     "sin", "-"]), inner)
        binary = st.builds(lambda a, op, b: f"({a}) {op} ({b})", inner, st.sampled_from("+-*/"), inner)
        choose = st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), inner, inner)
        where = st.builds(lambda a, op, b, c: f"where({a} {op} 0, {b}, {c})", inner,
                          st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), inner, inner)
        return unary | binary | choose | where
    return st.recursive(_ATOMS, extend, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(_expressions())
def test_generated_formulas_round_trip_and_run_as_they_read(text):
    try:
        tree = parse(text + " + 0 * x")[0]
    except FormulaError as error:
        assert "whatever x is" in str(error) or "does not depend on x" in str(error)  # log(0), where(2 < 0, ...)
        return
    assert parse(unparse(tree))[0] == tree
    xs = np.array([-2.0, -0.5, 0.0, 0.25, 3.0])
    with np.errstate(all="ignore"):
        direct = np.array([_evaluate(tree, v) for v in xs])
        np.testing.assert_allclose(np.asarray(formula(text + " + 0 * x")(xs)), direct, rtol=1e-12, equal_nan=True)


def _evaluate(tree, v):
    """The tree's value at one number, read off the tree itself (not its Program): the lowering must keep it."""
    return constant_value(_substitute(tree, v))


def _substitute(tree, v):
    if tree is X:
        return Num(v)
    return tree if isinstance(tree, Num) else Op(tree.op, tuple(_substitute(a, v) for a in tree.args))


def test_lowering_shares_common_parts_and_folds_constants():
    program = lower(parse("σ(x) * x + σ(x) * (2 ** 3 - π)")[0])
    ops = [op for op, _ in program.steps]
    assert ops.count("sigmoid") == 1 and "pow" not in ops
    assert ("c", 8 - math.pi) in program.steps[-2][1]


def test_calculus_of_builtins_and_its_order():
    value, d1 = calculus(ACTIVATIONS["tanh"], [0.0], order=1)
    assert (value.tolist(), d1.tolist()) == ([0.0], [1.0])
    assert len(calculus(formula("x ** 2"), [1.0, 2.0], order=4)) == 5
    assert calculus(formula("x ** 2"), [3.0], order=3)[3].tolist() == [0.0]  # no derivative left: zeros
    with pytest.raises(ValueError, match="order must be a whole number from 0 to 8"):
        calculus(formula("x"), [1.0], order=9)
