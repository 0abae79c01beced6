"""The language of formula activations: text in, a checked syntax tree out, and back to text.

    >>> tree, title, expression = parse("swish(x) = x * σ(x)")
    >>> tree, title, expression
    (Op('mul', (X, Op('sigmoid', (X,)))), 'swish', 'x * σ(x)')
    >>> unparse(parse("(x*x)  +-x ** 2")[0])
    'x * x + -x ** 2'
    >>> parse("x ^ 2")
    Traceback (most recent call last):
    ...
    engine.nn.formula_syntax.FormulaError: '^' at column 3: use ** for powers (x ** 2)

A formula is one expression in `x`: numbers, + - * / **, unary minus, parentheses, the functions
in FUNCTIONS and the constants e and π, optionally named as `name(x) = ...`. The text is parsed
by Python's `ast` (never evaluated) and every node is checked against an allow-list; anything
else is a FormulaError naming the offending token and its column (counted from 1, in characters).
Length, nesting depth and size are capped before and while parsing, so hostile text costs little.

The tree has three kinds of node: `X` (the variable), `Num` (a number, or e and π by name) and
`Op` (an operation on other nodes: neg, add, sub, mul, div, pow, the functions, the comparisons
lt le gt ge eq ne, and where). Trees are immutable and compare by value.
"""
from __future__ import annotations

import ast
import keyword
import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["FormulaError", "Num", "Op", "X", "parse", "unparse", "constant_value", "uses_x", "FUNCTIONS",
           "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_EXPONENT", "MAX_NUMBER"]

MAX_LENGTH = 500      # characters: a formula is a line, not a program
MAX_DEPTH = 32        # nesting of operations (and of parentheses, checked before parsing)
MAX_NODES = 200       # operations, numbers and x's in one formula
MAX_EXPONENT = 100    # |b| of a constant exponent: x ** 1000 overflows for every |x| > 2
MAX_NUMBER = 1e9      # the largest number a formula may write


class FormulaError(ValueError):
    """A formula that is not allowed: `str(error)` names the token and its column; `.column` (from 1) and
    `.token` say the same for a caller that wants to underline it."""

    def __init__(self, token: str, column: int, why: str):
        self.token, self.column, self.why = token, column, why
        shown = token if len(token) <= 24 else token[:24] + "…"
        super().__init__(f"{shown!r} at column {column}: {why}" if token.strip() else f"at column {column}: {why}")


@dataclass(frozen=True)
class Num:
    """A number; `name` is 'e' or 'π' for those constants (so the text comes back as written)."""
    value: float
    name: str = ""

    def __repr__(self):
        return self.name or repr(self.value)


@dataclass(frozen=True)
class _Var:
    def __repr__(self):
        return "X"


X = _Var()


@dataclass(frozen=True)
class Op:
    op: str
    args: tuple

    def __repr__(self):
        return f"Op({self.op!r}, ({', '.join(map(repr, self.args))}{',' if len(self.args) == 1 else ''}))"


# name in the text -> (operation, number of arguments)
FUNCTIONS = {"exp": ("exp", 1), "log": ("log", 1), "sqrt": ("sqrt", 1), "abs": ("abs", 1), "sin": ("sin", 1),
             "cos": ("cos", 1), "tanh": ("tanh", 1), "σ": ("sigmoid", 1), "sigmoid": ("sigmoid", 1),
             "relu": ("relu", 1), "softplus": ("softplus", 1), "min": ("min", 2), "max": ("max", 2),
             "where": ("where", 3)}
CONSTANTS = {"e": math.e, "π": math.pi, "pi": math.pi}
SPELLING = {"sigmoid": "σ"} | {op: name for name, (op, _) in FUNCTIONS.items() if name not in ("σ", "sigmoid")}
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}
COMPARISONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
ALLOWED = ("x, numbers, + - * / **, parentheses, e, π and " + ", ".join(sorted({n for n in FUNCTIONS if n != "σ"}))
           + ", σ")

_TITLE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]{0,31})\s*\(\s*x\s*\)\s*=(?!=)")
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ +-*/().,<>=!σπ")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORD_HINTS = {"lambda": "lambda is not allowed: a formula is an expression in x",
                  "if": "if/else is not allowed; use where(condition, a, b)", "else": "use where(condition, a, b)",
                  "and": "and/or are not allowed; use where(condition, a, b)", "or": "use where(condition, a, b)",
                  "not": "use where(condition, a, b)", "for": "comprehensions are not allowed",
                  "import": "a formula imports nothing"}
_CHARACTER_HINTS = {
    "^": "use ** for powers (x ** 2)", "#": "comments are not allowed", "\n": "a formula is a single line",
    "\r": "a formula is a single line", "\t": "use spaces, not tabs", "'": "text is not allowed",
    '"': "text is not allowed", "[": "lists and indexing are not allowed", "]": "lists and indexing are not allowed",
    "{": "sets and dicts are not allowed", "}": "sets and dicts are not allowed", ";": "a formula is one expression",
    ":": "a formula is one expression", "\\": "backslashes are not allowed", "%": "% is not allowed; use /",
    "@": "matrix products are not allowed", "&": "use where(...) for conditions", "|": "use where(...) for conditions",
    "~": "~ is not allowed", "×": "use * to multiply", "·": "use * to multiply", "−": "use - (the ASCII minus)",
}


# ---- text -> tree ----

def parse(text) -> tuple[object, str, str]:
    """(tree, title, expression) of a formula text, `title` '' when it has no `name(x) =`; FormulaError if the text
    is not a formula."""
    if not isinstance(text, str):
        raise FormulaError(repr(text)[:24], 1, f"a formula is text, not a {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[MAX_LENGTH:MAX_LENGTH + 10], MAX_LENGTH + 1,
                           f"the formula is {len(text):,} characters long; at most {MAX_LENGTH} are allowed")
    _check_words_and_characters(text)
    title, start = "", 0
    named = _TITLE.match(text)
    if named:
        title, start = named.group(1), named.end()
    expression = text[start:].strip()
    if not expression:
        raise FormulaError(text[:24], 1 if not text else len(text), "the formula is empty: type an expression in x, "
                                                                     "such as x * σ(x)")
    offset = start + (len(text[start:]) - len(text[start:].lstrip()))  # where `expression` starts in `text`
    _check_parentheses(expression, offset)
    tree = _Checker(expression, offset).check()
    return tree, title, expression


def _check_words_and_characters(text: str) -> None:
    """Refuse the first (leftmost) keyword, __name or character a formula never has."""
    bad_word = next((w for w in _WORD.finditer(text) if keyword.iskeyword(w.group()) or w.group().startswith("__")),
                    None)
    bad_char = next((i for i, ch in enumerate(text) if ch not in _PLAIN), None)
    if bad_char is not None and (bad_word is None or bad_char < bad_word.start()):
        ch = text[bad_char]
        raise FormulaError(ch, bad_char + 1, _CHARACTER_HINTS.get(
            ch, f"the character {ch!r} is not allowed; a formula uses {ALLOWED}"))
    if bad_word is not None:
        name = bad_word.group()
        why = _KEYWORD_HINTS.get(name, "Python's keywords and names are not part of a formula" if
                                 keyword.iskeyword(name) else "names with __ are not part of a formula")
        raise FormulaError(name, bad_word.start() + 1, why)


def _check_parentheses(expression: str, offset: int) -> None:
    depth = 0
    for i, ch in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth > MAX_DEPTH:
            raise FormulaError("(", offset + i + 1, f"the formula nests more than {MAX_DEPTH} parentheses deep")


class _Checker:
    """Python's ast of the expression, turned into a tree node by node, refusing what is not allowed."""

    def __init__(self, expression: str, offset: int):
        self.text, self.offset, self.nodes = expression, offset, 0

    def check(self):
        try:
            module = ast.parse(self.text, mode="eval")
        except SyntaxError as error:
            message = error.msg or "invalid syntax"
            if not error.offset or error.offset > len(self.text):  # the parser ran off the end
                column, message = len(self.text), f"the formula ends too early ({message})"
            else:
                column = error.offset
                lone = self.text[column - 1] == "=" and self.text[column - 2:column + 1].count("=") == 1
                message = "a name goes first, as swish(x) = ..., and == compares" if lone \
                    else f"this is not a formula ({message})"
            raise FormulaError(self.text[column - 1:column + 9], self.offset + column, message) from None
        except (RecursionError, MemoryError, ValueError) as error:  # pathological input the parser gives up on
            raise FormulaError(self.text[:10], self.offset + 1, f"the formula is too complex ({type(error).__name__})"
                               ) from None
        tree, _ = self.convert(module.body, 1)
        if not uses_x(tree):
            raise FormulaError(self.text, self.offset + 1, "the formula does not use x")
        return tree

    # ---- positions ----
    def column(self, node) -> int:
        """The 1-based character column of an ast node in the whole text (ast counts UTF-8 bytes)."""
        return self.offset + self._char_index(node.col_offset) + 1

    def _char_index(self, byte_offset: int) -> int:
        return len(self.text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))

    def token(self, node) -> str:
        start = self._char_index(node.col_offset)
        end = self._char_index(node.end_col_offset) if node.end_col_offset is not None else start + 1
        return self.text[start:end]

    def fail(self, node, why: str, token: str | None = None, column: int | None = None):
        raise FormulaError(self.token(node) if token is None else token, self.column(node) if column is None
                           else column, why)

    def _operator_at(self, left, right) -> tuple[str, int]:
        """The operator text between two operands, and its column."""
        lo, hi = self._char_index(left.end_col_offset), self._char_index(right.col_offset)
        between = self.text[lo:hi]
        stripped = between.lstrip(" )")
        start = lo + len(between) - len(stripped)
        return stripped.rstrip(" (").strip() or between.strip(), self.offset + start + 1

    # ---- nodes ----
    def convert(self, node, depth: int):
        """(tree, constant value or None) of an ast node."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(node, f"the formula has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            self.fail(node, f"the formula nests more than {MAX_DEPTH} operations deep")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return self.op("neg", [node.operand], depth, node)
            self.fail(node, "only unary minus is allowed here", token=self.token(node)[:3].strip() or "not")
        if isinstance(node, ast.BinOp):
            if type(node.op) in _BINARY:
                tree, value = self.op(_BINARY[type(node.op)], [node.left, node.right], depth, node)
                if tree.op == "pow":
                    self.exponent(node.right, tree.args[1])
                return tree, value
            token, column = self._operator_at(node.left, node.right)
            hint = "use / to divide" if token == "//" else "the operators are + - * / **"
            raise FormulaError(token, column, f"{token} is not allowed; {hint}")
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare):
            self.fail(node, "a comparison can only be the condition of where(condition, a, b)")
        self.refuse(node)

    def refuse(self, node):
        kind = type(node).__name__
        if isinstance(node, ast.Attribute):
            lo = self._char_index(node.end_col_offset) - len(node.attr) - 1
            raise FormulaError("." + node.attr, self.offset + lo + 1, "attributes are not allowed")
        if isinstance(node, ast.Lambda):
            self.fail(node, "lambda is not allowed: a formula is an expression in x", token="lambda")
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            self.fail(node, "comprehensions are not allowed")
        if isinstance(node, ast.BoolOp):
            self.fail(node, "and/or are not allowed; use where(condition, a, b)")
        if isinstance(node, ast.IfExp):
            self.fail(node, "if/else is not allowed; use where(condition, a, b)")
        self.fail(node, f"{kind} is not allowed; a formula uses {ALLOWED}")

    def number(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(node, "only numbers are allowed here")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not number <= MAX_NUMBER:
            self.fail(node, f"numbers in a formula are at most {MAX_NUMBER:g}")
        return Num(number), number

    def name(self, node):
        if node.id == "x":
            return X, None
        if node.id in CONSTANTS:
            return Num(CONSTANTS[node.id], "π" if node.id == "pi" else node.id), CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            self.fail(node, f"{node.id} is a function: call it, as {node.id}(x)")
        self.fail(node, f"unknown name; a formula uses {ALLOWED}")

    def op(self, op: str, operands, depth: int, node):
        converted = [self.convert(arg, depth + 1) for arg in operands]
        tree = Op(op, tuple(t for t, _ in converted))
        if any(v is None for _, v in converted):
            return tree, None
        value = constant_value(tree)
        if not math.isfinite(value):
            self.fail(node, f"this part is {value} whatever x is")
        return tree, value

    def exponent(self, node, tree):
        value = constant_value(tree)
        if value is not None and abs(value) > MAX_EXPONENT:
            self.fail(node, f"an exponent of {value:g} is more than {MAX_EXPONENT} in size: the power overflows "
                            "for all but tiny x")

    def call(self, node, depth: int):
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                self.refuse(func)
            self.fail(func, "only the formula functions can be called")
        if func.id not in FUNCTIONS:
            self.fail(func, f"unknown function; a formula uses {ALLOWED}")
        if node.keywords:
            self.fail(node.keywords[0], f"{func.id} takes no named arguments")
        op, arity = FUNCTIONS[func.id]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(arg, "* arguments are not allowed")
        if len(node.args) != arity:
            self.fail(func, f"{func.id} takes {arity} argument{'s' if arity > 1 else ''}, not {len(node.args)}")
        if op != "where":
            return self.op(op, node.args, depth, node)
        condition = node.args[0]
        if not isinstance(condition, ast.Compare):
            self.fail(condition, "where's first argument is a comparison, such as x > 0")
        if len(condition.ops) != 1:
            self.fail(condition, "compare two things at a time (0 < x < 1 is where(x > 0, where(x < 1, ...), ...))")
        if type(condition.ops[0]) not in _COMPARE:
            self.fail(condition, "the comparisons are < <= > >= == !=")
        self.nodes += 1
        cond, _ = self.op(_COMPARE[type(condition.ops[0])], [condition.left, condition.comparators[0]], depth + 1,
                          condition)
        if not uses_x(cond):
            self.fail(condition, "the condition does not depend on x")
        a, b = (self.convert(arg, depth + 1)[0] for arg in node.args[1:])
        return Op("where", (cond, a, b)), None


# ---- values of constant parts ----

def uses_x(tree) -> bool:
    return tree is X or isinstance(tree, Op) and any(uses_x(a) for a in tree.args)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))


# relu as the engine computes it (NaN gives 0), so a folded part equals the unfolded one
_VALUES = {"neg": np.negative, "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
           "pow": np.power, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin,
           "cos": np.cos, "tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda v: np.where(v > 0, v, 0.0),
           "softplus": lambda v: np.logaddexp(0.0, v), "min": np.minimum, "max": np.maximum,
           "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "eq": np.equal,
           "ne": np.not_equal, "where": np.where}


def constant_value(tree) -> float | None:
    """The value of a part that does not use x (in float64; inf or nan where it has none), else None.

    >>> constant_value(parse("2 ** 3 * x")[0].args[0]), constant_value(parse("x + 1")[0])
    (8.0, None)
    """
    if tree is X:
        return None
    if isinstance(tree, Num):
        return tree.value
    values = [constant_value(a) for a in tree.args]
    if any(v is None for v in values):
        return None
    with np.errstate(all="ignore"):
        return float(_VALUES[tree.op](*(np.float64(v) for v in values)))


# ---- tree -> text ----

_PRECEDENCE = {"add": 10, "sub": 10, "mul": 20, "div": 20, "neg": 30, "pow": 40}


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def unparse(tree) -> str:
    """The canonical text of a tree: the fewest parentheses, one space around binary operators; `parse` gives the
    same tree back."""
    return _text(tree)[0]


def _text(tree) -> tuple[str, int]:
    """(text, precedence) of a node: atoms and calls bind tightest (100)."""
    if tree is X:
        return "x", 100
    if isinstance(tree, Num):
        return tree.name or _number(tree.value), 100
    op, args = tree.op, tree.args
    if op == "neg":
        inner, prec = _text(args[0])
        return "-" + (inner if prec >= 30 else f"({inner})"), 30
    if op in _OPERATORS:
        mine = _PRECEDENCE[op]
        (left, lp), (right, rp) = _text(args[0]), _text(args[1])
        if op == "pow":  # right-associative; its left operand must be an atom, its right may be unary
            left = left if lp > mine else f"({left})"
            right = right if rp >= 30 else f"({right})"
        else:
            left = left if lp >= mine else f"({left})"
            right = right if rp > mine else f"({right})"
        return f"{left} {_OPERATORS[op]} {right}", mine
    if op in COMPARISONS:
        return f"{_text(args[0])[0]} {COMPARISONS[op]} {_text(args[1])[0]}", 5
    return f"{SPELLING[op]}({', '.join(_text(a)[0] for a in args)})", 100
