"""ONNX functions for the activations ONNX cannot run as one op: formulas, and the built-ins onnxruntime lacks.

    >>> import onnx
    >>> f = function(onnx.helper, "mish", np.float64)
    >>> f.domain, f.name, [n.op_type for n in f.node]
    ('chainboard', 'mish', ['Relu', 'Abs', 'Neg', 'Exp', 'Constant', 'Add', 'Log', 'Add', 'Tanh', 'Mul'])

onnxruntime 1.32 has no float64 kernels for Elu, Softplus or Erf, and Mish and Gelu are not in opset 17, so
these activations (and every formula) are model-local functions in the `chainboard` domain: one node in the
graph, whose body is built from ops with float and double kernels (Exp, Log, Abs, Relu, Tanh, Sigmoid, Where,
Min, Max, Pow, the comparisons and arithmetic). The body is written from the same straight-line Program the
engine's tape runs (engine.nn.formula), the built-ins from a formula of the engine's own forward:
elu as where(x > 0, x, exp(min(x, 0)) - 1), softplus as max(x, 0) + log(1 + e^-|x|), and so on.

`function_activation` reads such a node back: the function must be exactly the one this module writes for
its name (or, for a formula, for the formula its doc_string holds), else the node is refused.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import GELU_C2, GELU_K
from ..nn.formula import Formula, formula
from ..nn.formula_syntax import FormulaError

__all__ = ["DOMAIN", "BUILTIN_FORMULAS", "function", "function_name", "function_activation"]

DOMAIN = "chainboard"
OPSET = 17

BUILTIN_FORMULAS = {
    "elu": "where(x > 0, x, exp(min(x, 0)) - 1)",
    "gelu": f"x * σ({GELU_C2!r} * (x + {GELU_K!r} * x * x * x))",
    "swish": "x * σ(x)",
    "softplus": "softplus(x)",
    "mish": "x * tanh(softplus(x))",
    "logsigmoid": "-softplus(-x)",
}
"""Built-in activations written as ONNX functions, each as a formula of the engine's forward."""

_SINGLE = {"neg": "Neg", "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "exp": "Exp",
           "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "sin": "Sin", "cos": "Cos", "tanh": "Tanh",
           "sigmoid": "Sigmoid", "relu": "Relu", "min": "Min", "max": "Max", "lt": "Less", "le": "LessOrEqual",
           "gt": "Greater", "ge": "GreaterOrEqual", "eq": "Equal", "where": "Where"}


def function_name(act_name: str, source: str | None = None) -> str:
    """The function's name: the activation's, or `formula_<hash>` of a formula."""
    return f"formula_{formula(source).digest}" if source is not None else act_name


class _Body:
    """The nodes of one function body, named t0, t1, ... and c0, c1, ... for constants."""

    def __init__(self, helper, dtype):
        self.helper, self.dtype, self.nodes, self.constants, self.count = helper, np.dtype(dtype), [], {}, 0

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def constant(self, value: float) -> str:
        if value not in self.constants:
            name = f"c{len(self.constants)}"
            tensor = self.helper.make_tensor(name, _elem(self.dtype), [], [value])
            self.nodes.append(self.helper.make_node("Constant", [], [name], value=tensor))
            self.constants[value] = name
        return self.constants[value]

    def node(self, op_type: str, inputs, output: str | None = None) -> str:
        output = output or self.fresh()
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [output]))
        return output

    def softplus(self, a: str, output: str) -> str:
        """max(a, 0) + log(1 + exp(-|a|)), as the engine computes it (ONNX has no log1p: 1 ulp of 1 apart)."""
        positive = self.node("Relu", [a])
        e = self.node("Exp", [self.node("Neg", [self.node("Abs", [a])])])
        log = self.node("Log", [self.node("Add", [e, self.constant(1.0)])])
        return self.node("Add", [positive, log], output)


def _elem(dtype):
    import onnx

    return onnx.TensorProto.DOUBLE if np.dtype(dtype) == np.float64 else onnx.TensorProto.FLOAT


def _formula_of(act_name: str, source: str | None) -> Formula:
    return formula(source if source is not None else BUILTIN_FORMULAS[act_name])


def function(helper, act_name: str, dtype, source: str | None = None):
    """The FunctionProto of a built-in in BUILTIN_FORMULAS (by name), or of the formula `source` (act_name
    "formula"), for models in `dtype`."""
    f = _formula_of(act_name, source)
    body = _Body(helper, dtype)
    names = {}

    def arg(a):
        kind, v = a
        return "x" if kind == "x" else names[v] if kind == "t" else body.constant(v)

    program = f.program
    for i, (op, args) in enumerate(program.steps):
        out = "y" if program.result == ("t", i) else f"t{i}"
        inputs = [arg(a) for a in args]
        if op == "softplus":
            names[i] = body.softplus(inputs[0], out)
        elif op == "ne":
            names[i] = body.node("Not", [body.node("Equal", inputs)], out)
        else:
            names[i] = body.node(_SINGLE[op], inputs, out)
    if program.result[0] != "t":  # the formula x: the identity
        body.node("Identity", ["x"], "y")
    return helper.make_function(DOMAIN, function_name(act_name, source), ["x"], ["y"], body.nodes,
                                opset_imports=[helper.make_opsetid("", OPSET)],
                                doc_string=source if source is not None else f"{act_name}(x) = {f.source}")


def function_activation(onnx, model, node):
    """The activation a `chainboard` node stands for: a built-in's name or a Formula. Raises ValueError (with the
    reason) unless the model defines the function exactly as `function` writes it, in float or double."""
    found = [f for f in model.functions if f.domain == node.domain and f.name == node.op_type]
    if len(found) != 1:
        raise ValueError(f"the model {'defines' if found else 'does not define'} its function "
                         f"{node.op_type[:60]!r}{' more than once' if found else ''}")
    given = found[0]
    if node.op_type.startswith("formula_"):
        try:
            act_name, source = "formula", formula(given.doc_string).source
        except FormulaError as error:
            raise ValueError(f"its formula is refused: {error}") from None
        if function_name("formula", source) != node.op_type:
            raise ValueError("its name is not the hash of its formula")
    elif node.op_type in BUILTIN_FORMULAS:
        act_name, source = node.op_type, None
    else:
        raise ValueError(f"Chainboard has no function {node.op_type[:60]!r}")
    if len(node.input) != 1 or len(node.output) != 1 or node.attribute:
        raise ValueError("it is not called with one input, one output and no attributes")
    raw = given.SerializeToString()
    for dtype in (np.float64, np.float32):
        if function(onnx.helper, act_name, dtype, source).SerializeToString() == raw:
            return formula(source) if source is not None else act_name
    raise ValueError("its body is not the one Chainboard writes for it")
