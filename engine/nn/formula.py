"""Formula activations: type f(x) as text, get an Activation whose derivatives come from the tape.

    >>> swish = formula("x * σ(x)", name="swish")
    >>> swish, swish.source
    (formula('swish(x) = x * σ(x)'), 'swish(x) = x * σ(x)')
    >>> round(float(swish(1.0)), 6)
    0.731059
    >>> f, df, d2f = calculus(formula("x ** 3"), [2.0], order=2)
    >>> f.tolist(), df.tolist(), d2f.tolist()
    ([8.0], [12.0], [12.0])
    >>> formula("x.__class__")
    Traceback (most recent call last):
    ...
    engine.nn.formula_syntax.FormulaError: '__class__' at column 3: names with __ are not part of a formula

A Formula works wherever an activation does: `Dense(2, 8, formula("x * σ(x)"))`, Chain, `gradient` with
any `nest` depth (the forward is built from the engine's own ops, so every derivative is on the tape),
model files (which store its text and check it again on load), the compiled trainer (which compiles a
kernel for it, engine.kernels.formula) and every export format.

`lower(tree)` turns the checked tree into a `Program`: straight-line steps with shared parts computed once
and constant parts folded to numbers. Every backend (this tape, the Numba kernels, the ONNX, PyTorch,
NumPy and Julia writers) reads the same steps, so they compute the same function.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from ..autodiff import elementwise as el
from ..autodiff import ops
from ..autodiff.back import gradient
from ..autodiff.reductions import sum_
from ..autodiff.shapes import astype
from ..autodiff.tracked import Tracked, data
from . import activations as A
from .formula_syntax import X, FormulaError, Num, Op, constant_value, parse, unparse

__all__ = ["Formula", "FormulaError", "Program", "formula", "lower", "calculus", "is_formula"]

INPUT = ("x", 0)
"""A step argument: INPUT, ("t", i) the result of step i, or ("c", value) a constant (a float)."""


@dataclass(frozen=True)
class Program:
    """Straight-line code for a formula: `steps[i] = (op, args)` computes t_i; `result` is an argument.

    >>> lower(parse("x * σ(x) + σ(x) * 2")[0]).steps
    (('sigmoid', (('x', 0),)), ('mul', (('x', 0), ('t', 0))), ('mul', (('t', 0), ('c', 2.0))), ('add', (('t', 1), ('t', 2))))
    """
    steps: tuple
    result: tuple

    BOOLEAN = frozenset({"lt", "le", "gt", "ge", "eq", "ne"})
    """Steps whose value is a mask (only where's condition reads them)."""


def lower(tree) -> Program:
    """The Program of a checked tree: common parts once, constant parts folded (in float64)."""
    steps, seen = [], {}

    def visit(node):
        if node is X:
            return INPUT
        value = constant_value(node)
        if value is not None:
            return ("c", value)
        key = (node.op, tuple(visit(a) for a in node.args))
        if key not in seen:
            seen[key] = len(steps)
            steps.append(key)
        return ("t", seen[key])

    result = visit(tree)
    return Program(tuple(steps), result)


# ---- on the tape ----

def _compare(fn):
    return lambda a, b: fn(data(a), data(b))  # a mask: comparisons are not differentiable (Tracker's rule)


TAPE = {"neg": ops.neg, "add": ops.add, "sub": ops.sub, "mul": ops.mul, "div": ops.div, "pow": ops.power,
        "exp": el.exp, "log": el.log, "sqrt": el.sqrt, "abs": el.abs_, "sin": el.sin, "cos": el.cos,
        "tanh": el.tanh, "sigmoid": A.sigmoid, "relu": A.relu, "softplus": A.softplus, "min": ops.minimum,
        "max": ops.maximum, "where": ops.where, "lt": _compare(np.less), "le": _compare(np.less_equal),
        "gt": _compare(np.greater), "ge": _compare(np.greater_equal), "eq": _compare(np.equal),
        "ne": _compare(np.not_equal)}
"""Step op -> the engine op that computes it on plain or tracked values (each with its VJP beside it)."""


def _run(program: Program, x):
    values = []

    def arg(a):
        kind, v = a
        return x if kind == "x" else values[v] if kind == "t" else v  # constants stay Python floats: weak types

    for op, args in program.steps:
        values.append(TAPE[op](*(arg(a) for a in args)))
    return arg(program.result)


# ---- the activation ----

class Formula(A.Activation):
    """An activation typed as text: `formula("x * σ(x)")`. `source` is exactly the text it was made from (with
    its `name(x) =` if any: what a LayerSpec and a model file keep), `expression` the part after the name,
    `title` the name ('' if none), `canonical` the expression as the engine writes it, `program` its steps.
    Formulas of the same text compare and hash equal."""

    def __init__(self, tree, title: str, expression: str, source: str):
        self.tree, self.title, self.expression, self.source = tree, title, expression, source
        self.canonical = unparse(tree)
        self.program = lower(tree)
        super().__init__("formula", title or expression, self._apply, f"{source}: a formula activation")

    def _apply(self, x):
        given = x
        if not isinstance(x, Tracked):
            x = ops.floats(x)
        y = _run(self.program, x)
        dtype = np.asarray(data(x)).dtype
        if np.asarray(data(y)).dtype != dtype:  # where(x > 0, 1, 0) gives float64 numbers for a float32 x
            y = astype(y, dtype)
        return y if isinstance(y, Tracked) else A._like_input(given, y)

    @property
    def digest(self) -> str:
        """A short hash of the canonical text: what compiled kernels and exported functions are named by."""
        return hashlib.sha256(self.canonical.encode("utf-8")).hexdigest()[:16]

    def __eq__(self, other):
        return isinstance(other, Formula) and (self.source == other.source)

    def __hash__(self):
        return hash(("formula", self.source))

    def __repr__(self):
        return f"formula({self.source!r})"


def is_formula(act) -> bool:
    return isinstance(act, Formula)


@functools.lru_cache(maxsize=256)
def _cached(text: str) -> Formula:
    tree, title, expression = parse(text)
    return Formula(tree, title, expression, text)


def formula(text: str, name: str | None = None) -> Formula:
    """The activation `text` describes (FormulaError, a ValueError, if it is not a formula).

    `text` is an expression in x, optionally named as `swish(x) = x * σ(x)`; `name=` names it too.
    """
    if name is not None:
        if not isinstance(name, str) or not name.isidentifier() or not name.isascii() or len(name) > 32:
            raise FormulaError(str(name)[:24], 1, "a formula's name is up to 32 letters, digits and _, starting "
                                                  "with a letter")
        tree, title, expression = parse(text)
        if title and title != name:
            raise FormulaError(title, 1, f"the text names the formula {title}, but name={name!r}")
        text = f"{name}(x) = {expression}"
    return _cached(text)


# ---- f, f′, f″ ----

def calculus(act, xs, order: int = 2) -> list[np.ndarray]:
    """[f(xs), f′(xs), ..., f⁽ᵒʳᵈᵉʳ⁾(xs)] for an elementwise activation, from nested gradients on the tape.

    >>> [d.round(4).tolist() for d in calculus(A.tanh, [0.0, 1.0], order=2)]
    [[0.0, 0.7616], [1.0, 0.42], [-0.0, -0.6397]]
    """
    if not isinstance(order, int) or not 0 <= order <= 8:
        raise ValueError(f"order must be a whole number from 0 to 8, got {order!r}")
    xs = np.asarray(xs, dtype=np.float64)
    fns = [act]
    for _ in range(order):
        fns.append(functools.partial(_derivative, fns[-1]))
    return [np.broadcast_to(np.asarray(data(f(xs)), dtype=np.float64), xs.shape).copy() for f in fns]


def _derivative(f, x):
    """f′ at x for an elementwise f, on the tape (so it can be differentiated again)."""
    return gradient(lambda t: sum_(f(t)), x, nest=True)[0]
