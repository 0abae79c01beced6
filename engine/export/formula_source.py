'''Formula activations as code in the export languages: NumPy and PyTorch functions, Julia for Flux.

    >>> from engine.nn.formula import formula
    >>> print(python_function(formula("swish(x) = x * σ(x)"), "formula_1", NUMPY))
    def formula_1(x):
        """swish(x) = x * σ(x)"""
        t0 = _sigmoid(x)
        t1 = x * t0
        return np.asarray(t1, dtype=x.dtype)
    <BLANKLINE>
    >>> print(julia_function(formula("where(x > 0, x, 0.1 * x)"), "formula_1"))
    # where(x > 0, x, 0.1 * x)
    function formula_1(x::T) where {T<:Real}
        t0 = x > zero(T)
        t1 = T(0.1) * x
        t2 = ifelse(t0, x, t1)
        return t2
    end
    formula_1(x::AbstractArray) = formula_1.(x)
    <BLANKLINE>

Each writes the formula's Program (engine.nn.formula) step by step, as the tape runs it, so the exports
compute what the engine computes (the NumPy and PyTorch ones to rounding; Julia with its own libm). The
docstrings and comments hold the formula's canonical text, which the engine writes from the checked tree
(only numbers, x, the operators and the allowed names: nothing the user typed goes into code).
`HELPERS` are the stable σ, relu and softplus each language needs, written once per file.
'''
from __future__ import annotations

__all__ = ["NUMPY", "TORCH", "HELPERS", "python_function", "julia_function", "helpers_used"]

_ARITHMETIC = {"neg": "-{0}", "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
               "pow": "{0} ** {1}", "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}",
               "eq": "{0} == {1}", "ne": "{0} != {1}"}

NUMPY = _ARITHMETIC | {
    "exp": "np.exp({0})", "log": "np.log({0})", "sqrt": "np.sqrt({0})", "abs": "np.abs({0})", "sin": "np.sin({0})",
    "cos": "np.cos({0})", "tanh": "np.tanh({0})", "sigmoid": "_sigmoid({0})", "relu": "_relu({0})",
    "softplus": "_softplus({0})", "min": "np.minimum({0}, {1})", "max": "np.maximum({0}, {1})",
    "where": "np.where({0}, {1}, {2})", "return": "np.asarray({0}, dtype=x.dtype)", "const": "{0}"}
"""Step op -> NumPy expression of its arguments (as the engine's tape computes it)."""

TORCH = _ARITHMETIC | {
    "exp": "torch.exp({0})", "log": "torch.log({0})", "sqrt": "torch.sqrt({0})", "abs": "torch.abs({0})",
    "sin": "torch.sin({0})", "cos": "torch.cos({0})", "tanh": "torch.tanh({0})", "sigmoid": "torch.sigmoid({0})",
    "relu": "torch.relu({0})", "softplus": "_softplus({0})", "min": "torch.minimum({0}, {1})",
    "max": "torch.maximum({0}, {1})", "where": "torch.where({0}, {1}, {2})", "return": "{0}.to(x.dtype)",
    "const": "x.new_tensor({0})"}
"""Step op -> PyTorch expression; "const" wraps a number where an op needs a tensor (min, max, where)."""
_TENSOR_ARGS = {"min", "max", "where"}

HELPERS = {
    "numpy": {
        "sigmoid": ("def _sigmoid(x):\n    e = np.exp(-np.abs(x))  # exp of a non-positive number only: never overflows\n"
                    "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))\n"),
        "relu": "def _relu(x):\n    return np.where(x > 0, x, 0).astype(x.dtype)\n",
        "softplus": "def _softplus(x):\n    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))\n",
    },
    "torch": {
        "softplus": "def _softplus(x):\n    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))\n",
    },
}
"""Language -> step op -> the source of the helper its expression calls."""


def helpers_used(formulas, language: str) -> list[str]:
    """The helpers' sources `formulas` need in `language`, each once, in HELPERS order."""
    ops = {op for f in formulas for op, _ in f.program.steps}
    return [source for op, source in HELPERS[language].items() if op in ops]


def _number(value: float) -> str:
    text = repr(float(value))
    return f"({text})" if value < 0 else text


def python_function(f, name: str, table: dict) -> str:
    """`def name(x): ...` computing formula `f` with `table`'s spelling (NUMPY or TORCH)."""
    lines = [f"def {name}(x):", f'    """{f.title + "(x) = " if f.title else ""}{f.canonical}"""']

    def arg(a, op):
        kind, v = a
        if kind == "c":
            return table["const"].format(_number(v)) if op in _TENSOR_ARGS else _number(v)
        return "x" if kind == "x" else f"t{v}"

    for i, (op, args) in enumerate(f.program.steps):
        lines.append(f"    t{i} = {table[op].format(*(arg(a, op) for a in args))}")
    lines.append(f"    return {table['return'].format(arg(f.program.result, 'return'))}")
    return "\n".join(lines) + "\n"


JULIA = {"neg": "-{0}", "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
         "pow": "{0} ^ {1}", "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}",
         "eq": "{0} == {1}", "ne": "{0} != {1}", "exp": "exp({0})", "log": "log({0})", "sqrt": "sqrt({0})",
         "abs": "abs({0})", "sin": "sin({0})", "cos": "cos({0})", "tanh": "tanh({0})", "sigmoid": "σ({0})",
         "relu": "relu({0})", "softplus": "softplus({0})", "min": "min({0}, {1})", "max": "max({0}, {1})",
         "where": "ifelse({0}, {1}, {2})"}
"""Step op -> Julia (NNlib's σ, relu and softplus; ifelse for where)."""


def julia_function(f, name: str) -> str:
    """A Julia function of one number (and its broadcast over an array, for a Chain block of its own).
    Numbers are converted to the argument's type, so a Float32 model stays Float32."""
    lines = [f"# {f.title + '(x) = ' if f.title else ''}{f.canonical}",
             f"function {name}(x::T) where {{T<:Real}}"]

    def arg(a):
        kind, v = a
        if kind == "c":
            return "zero(T)" if v == 0 else "one(T)" if v == 1 else f"T({_number(v)})"
        return "x" if kind == "x" else f"t{v}"

    for i, (op, args) in enumerate(f.program.steps):
        parts = [arg(a) for a in args]
        if op == "pow" and args[1][0] == "c" and float(args[1][1]).is_integer():
            parts[1] = str(int(args[1][1]))  # x ^ 3 is defined for negative x too; x ^ 3.0 may not be
        lines.append(f"    t{i} = {JULIA[op].format(*parts)}")
    lines += [f"    return {arg(f.program.result)}", "end", f"{name}(x::AbstractArray) = {name}.(x)"]
    return "\n".join(lines) + "\n"
