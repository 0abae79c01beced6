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

An activation is one entry of ACTIVATION_NODES: a function that returns the nodes computing it.
"""
from __future__ import annotations

import json

import numpy as np

from .._version import __version__
from ..nn.activations import ACTIVATIONS, LEAKY_SLOPE
from .exportable import Exportable, need, unsupported

__all__ = ["OPSET", "IR_VERSION", "ACTIVATION_NODES", "onnx_model", "write"]

OPSET = 17        # Softmax and LogSoftmax over the last axis, double kernels in onnxruntime for all ops used
IR_VERSION = 8    # the IR version of opset 17: older runtimes read it too
INPUT, OUTPUT = "input", "output"


def _single(op_type: str, **attributes):
    def nodes(helper, x: str, y: str, name: str):
        return [helper.make_node(op_type, [x], [y], name=name, **attributes)]
    return nodes


ACTIVATION_NODES = {
    "identity": _single("Identity"),
    "sigmoid": _single("Sigmoid"),
    "tanh": _single("Tanh"),
    "relu": _single("Relu"),
    "leakyrelu": _single("LeakyRelu", alpha=LEAKY_SLOPE),
    "softmax": _single("Softmax", axis=-1),
    "logsoftmax": _single("LogSoftmax", axis=-1),
}
"""Activation name -> nodes(helper, input name, output name, node name): a list of NodeProto."""


def _metadata(ex: Exportable) -> dict[str, str]:
    found = {"chainboard.spec": json.dumps(ex.spec.to_dict())}
    for key in ("features", "class_names", "task"):
        if ex.dataset.get(key):
            found[f"chainboard.{key}"] = json.dumps(ex.dataset[key])
    return found


def onnx_model(ex: Exportable):
    """The checked ModelProto for `ex` (needs the onnx package)."""
    onnx = need("onnx", "ONNX export")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    for step in ex.steps:
        if step.activation not in ACTIVATION_NODES:
            raise unsupported(step.activation, "ONNX")
    elem = onnx.TensorProto.DOUBLE if ex.dtype == np.float64 else onnx.TensorProto.FLOAT
    arrays = {name: value.astype(ex.dtype) for name, value in ex.arrays().items()}  # one type for every op
    nodes, x = [], INPUT
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
            name = f"{step.key} {ACTIVATIONS[step.activation].symbol}"
        else:
            name = step.name
        nodes += ACTIVATION_NODES[step.activation](helper, x, f"{step.key}.out", name)
        x = f"{step.key}.out"
    nodes[-1].output[0] = OUTPUT  # the last value is the graph's output, whichever node made it
    graph = helper.make_graph(
        nodes, "chainboard", [helper.make_tensor_value_info(INPUT, elem, ["batch", ex.inputs])],
        [helper.make_tensor_value_info(OUTPUT, elem, ["batch", ex.outputs])],
        [numpy_helper.from_array(value, name) for name, value in arrays.items()])
    graph.doc_string = "\n".join(ex.summary())
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="Chainboard", producer_version=__version__)
    model.doc_string = graph.doc_string
    helper.set_model_props(model, _metadata(ex))
    onnx.checker.check_model(model, full_check=True)
    return model


def write(ex: Exportable, path, inline_limit=None) -> dict:
    """{path: bytes} of the export (an ONNX file always holds its weights; `inline_limit` does not apply)."""
    return {path: onnx_model(ex).SerializeToString()}
