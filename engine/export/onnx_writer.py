"""ONNX export: the Chain as a graph of Gemm and activation nodes that onnxruntime runs.

    >>> from engine import Chain, Dense, relu, softmax
    >>> from engine.export.exportable import Exportable
    >>> ex = Exportable.of(Chain(Dense(4, 8, relu, rng=0), Dense(8, 3, rng=1), softmax),
    ...                    dataset={"normalisation": {"mean": [0.0] * 4, "std": [2.0] * 4}})
    >>> model = onnx_model(ex)                                           # doctest: +SKIP
    >>> [node.name for node in model.graph.node]                         # doctest: +SKIP
    ['standardise: subtract the mean', 'standardise: divide by the std', 'layer1 Dense(8, relu)', 'layer1 relu',
     'layer2 Dense(3)', 'layer3 softmax']

The input `input` is (batch, features) with a dynamic batch dimension, the output `output` is
(batch, outputs); both in the model's dtype (float64 models export as float64: every op used is
defined for double in opset 17). A recorded standardisation becomes two nodes at the start, Sub
and Div, so the graph takes raw rows. Each Dense is a Gemm (weights (out, in), transB=1) named
after its block, followed by its activation's node. `metadata_props` keep the ChainSpec, feature
and class names, so importing the file gives back the same Chain. onnx.checker passes on every
model written (with shape inference).

An activation is one entry of ACTIVATION_NODES: a function that returns the nodes computing it. Those
onnxruntime has no single float64 op for (elu, gelu, swish, softplus, mish, logsigmoid) and every formula
are one node calling a model-local function of the `chainboard` domain (onnx_functions.py), whose body
is built from ops with float and double kernels.
"""
from __future__ import annotations

import json

import numpy as np

from .._version import __version__
from ..nn.activations import LEAKY_SLOPE
from .exportable import Exportable, need, unsupported
from .onnx_functions import BUILTIN_FORMULAS, DOMAIN, function

__all__ = ["OPSET", "IR_VERSION", "ACTIVATION_NODES", "onnx_model", "write"]

OPSET = 17        # Softmax and LogSoftmax over the last axis, double kernels in onnxruntime for all ops used
IR_VERSION = 8    # the IR version of opset 17: older runtimes read it too
INPUT, OUTPUT = "input", "output"


def _single(op_type: str, **attributes):
    def nodes(helper, x: str, y: str, name: str, dtype):
        return [helper.make_node(op_type, [x], [y], name=name, **attributes)], []
    return nodes


def _call(act_name: str, source: str | None = None):
    """A node calling the local function of a built-in (or of the formula `source`), and that function."""
    def nodes(helper, x: str, y: str, name: str, dtype):
        fn = function(helper, act_name, dtype, source)
        return [helper.make_node(fn.name, [x], [y], name=name, domain=DOMAIN)], [fn]
    return nodes


ACTIVATION_NODES = {
    "identity": _single("Identity"),
    "sigmoid": _single("Sigmoid"),
    "tanh": _single("Tanh"),
    "relu": _single("Relu"),
    "leakyrelu": _single("LeakyRelu", alpha=LEAKY_SLOPE),
    "softmax": _single("Softmax", axis=-1),
    "logsoftmax": _single("LogSoftmax", axis=-1),
} | {name: _call(name) for name in BUILTIN_FORMULAS}
"""Activation name -> nodes(helper, input name, output name, node name, dtype): (NodeProtos, FunctionProtos they
call). A formula's entry is made for it: `_call("formula", its source)`."""


def _metadata(ex: Exportable) -> dict[str, str]:
    found = {"chainboard.spec": json.dumps(ex.spec.to_dict())}
    for key in ("features", "class_names", "task"):
        if ex.dataset.get(key):
            found[f"chainboard.{key}"] = json.dumps(ex.dataset[key])
    return found


def _derived_nodes(helper, ex: Exportable, nodes: list, arrays: dict, numpy_helper) -> str:
    """Gather each raw column once, compute every derived input (Mul or Sin), Concat them after the raw columns;
    returns the name of the widened input. The column indices are int64 initialisers `features.column<i>`."""
    columns = sorted({i for feature in ex.derived() for i in feature.columns})
    for i in columns:
        arrays[f"features.column{i}"] = np.array([i], dtype=np.int64)
        nodes.append(helper.make_node("Gather", [INPUT, f"features.column{i}"], [f"x{i + 1}"], axis=1,
                                      name=f"features: x{i + 1}"))
    made = []
    for name, feature in zip(ex.features, ex.derived()):
        a = f"x{feature.columns[0] + 1}"
        if feature.op == "product":
            operands, op = [a, f"x{feature.columns[1] + 1}"], "Mul"
        else:
            operands, op = [a], "Sin"
        nodes.append(helper.make_node(op, operands, [f"features.{name}"], name=f"features: {feature.label}"))
        made.append(f"features.{name}")
    nodes.append(helper.make_node("Concat", [INPUT] + made, ["features"], axis=1,
                                  name="features: the raw inputs, then the derived ones"))
    return "features"


def onnx_model(ex: Exportable):
    """The checked ModelProto for `ex` (needs the onnx package)."""
    onnx = need("onnx", "ONNX export")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    for step in ex.steps:
        if step.activation not in ACTIVATION_NODES and step.formula is None:
            raise unsupported(step.activation, "ONNX")
    elem = onnx.TensorProto.DOUBLE if ex.dtype == np.float64 else onnx.TensorProto.FLOAT
    arrays = {name: value.astype(ex.dtype) for name, value in ex.arrays().items()}  # one type for every op
    nodes, x, functions = [], INPUT, {}
    if ex.features:
        x = _derived_nodes(helper, ex, nodes, arrays, numpy_helper)
    if ex.standardiser is not None:
        nodes.append(helper.make_node("Sub", [x, "standardise.mean"], ["centred"],
                                      name="standardise: subtract the mean"))
        nodes.append(helper.make_node("Div", ["centred", "standardise.std"], ["standardised"],
                                      name="standardise: divide by the std"))
        x = "standardised"
    for step in ex.steps:
        if step.kind == "dense":
            operands = [x, f"{step.key}.weight"] + ([f"{step.key}.bias"] if step.bias is not None else [])
            nodes.append(helper.make_node("Gemm", operands, [f"{step.key}.linear"], name=step.name, transB=1))
            x = f"{step.key}.linear"
            if step.activation == "identity":
                continue
            name = f"{step.key} {step.symbol}"
        else:
            name = step.name
        make = _call("formula", step.formula.source) if step.formula is not None else \
            ACTIVATION_NODES[step.activation]
        made, called = make(helper, x, f"{step.key}.out", name, ex.dtype)
        nodes += made
        functions.update((fn.name, fn) for fn in called)
        x = f"{step.key}.out"
    nodes[-1].output[0] = OUTPUT  # the last value is the graph's output, whichever node made it
    graph = helper.make_graph(
        nodes, "chainboard", [helper.make_tensor_value_info(INPUT, elem, ["batch", ex.inputs])],
        [helper.make_tensor_value_info(OUTPUT, elem, ["batch", ex.outputs])],
        [numpy_helper.from_array(value, name) for name, value in arrays.items()])
    graph.doc_string = "\n".join(ex.summary())
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid(DOMAIN, 1)] if functions else [])
    model = helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION, functions=list(functions.values()),
                              producer_name="Chainboard", producer_version=__version__)
    model.doc_string = graph.doc_string
    helper.set_model_props(model, _metadata(ex))
    onnx.checker.check_model(model, full_check=True)
    return model


def write(ex: Exportable, path, inline_limit=None) -> dict:
    """{path: bytes} of the export (an ONNX file always holds its weights; `inline_limit` does not apply)."""
    return {path: onnx_model(ex).SerializeToString()}
