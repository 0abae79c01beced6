"""The graph side of ONNX import: the single path from the input to the output, read block by block.

    >>> from onnx import TensorProto, helper, numpy_helper
    >>> W = numpy_helper.from_array(np.ones((3, 2)), "W")
    >>> graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["h"], transB=1),
    ...                            helper.make_node("Tanh", ["h"], ["y"])], "g",
    ...                           [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
    ...                           [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 3])], [W])
    >>> import onnx
    >>> walk = Walk(onnx, helper.make_model(graph))
    >>> walk.run()
    >>> [(kind, value[0].shape if kind == "dense" else value) for kind, value in walk.blocks]
    [('dense', (3, 2)), ('act', 'tanh')]

`Walk.blocks` are ("dense", (weight (out, in), bias or None)) and ("act", activation name, or a Formula)
in order (a `chainboard` node calls one of Chainboard's ONNX functions: onnx_functions.py); `Walk.normalisation` the input standardisation when the graph starts with Sub and Div by
constants. Every problem is a FileProblem naming the node; onnx_reader turns them into messages.
"""
from __future__ import annotations

import math

import numpy as np

from ..modelfile.archive import FileProblem
from ..nn.activations import LEAKY_SLOPE
from .onnx_functions import DOMAIN, function_activation

__all__ = ["Walk", "IMPORTED_OPS", "SUPPORTED", "shown", "node_text", "constants"]

MAX_SHOWN = 60                                  # characters of a name from the file shown in a message

IMPORTED_OPS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax",
                "LogSoftmax": "logsoftmax", "LeakyRelu": "leakyrelu", "Identity": "identity", "Elu": "elu",
                "Softplus": "softplus", "Mish": "mish", "Gelu": "gelu"}
"""ONNX activation op -> the engine activation it becomes (Mish from opset 18, Gelu from 20; Elu with alpha 1,
Gelu with approximate="tanh", as the engine's)."""
SUPPORTED = "Gemm, MatMul + Add, " + ", ".join(IMPORTED_OPS) + " and Chainboard's own functions"


def shown(text) -> str:
    text = str(text)
    return repr(text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…")


def node_text(node) -> str:
    return f"{shown(node.name)} ({node.op_type})" if node.name else f"a {node.op_type} node"


def _array(onnx, tensor, what: str) -> np.ndarray:
    if tensor.data_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        raise FileProblem(f"{what} is not float or double (ONNX type {tensor.data_type})")
    try:
        value = onnx.numpy_helper.to_array(tensor)
    except Exception as error:  # noqa: BLE001 - a tensor whose data does not match its shape
        raise FileProblem(f"{what} is damaged ({type(error).__name__}: {error})") from None
    if value.size != math.prod(tensor.dims):
        raise FileProblem(f"{what} holds {value.size} numbers for shape {list(tensor.dims)}")
    if not np.isfinite(value).all():
        raise FileProblem(f"{what} holds NaN or infinite values")
    return np.array(value, dtype=np.float64 if tensor.data_type == onnx.TensorProto.DOUBLE else np.float32)


def constants(onnx, model) -> dict[str, object]:
    """Initializers and Constant nodes' values by name (the tensors, converted when used)."""
    found = {tensor.name: tensor for tensor in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            values = [a.t for a in node.attribute if a.name == "value" and a.HasField("t")]
            if len(values) != 1 or len(node.output) != 1 or len(node.attribute) != 1:
                raise FileProblem(f"node {node_text(node)} is a Constant Chainboard cannot read (only 'value' "
                                  "tensors)")
            found[node.output[0]] = values[0]
    return found


class Walk:
    """The single path from the input to the output, block by block."""

    def __init__(self, onnx, model):
        self.onnx, self.model, self.graph = onnx, model, model.graph
        self.constants = constants(onnx, model)
        inputs = [v for v in self.graph.input if v.name not in self.constants]
        if len(inputs) != 1 or len(self.graph.output) != 1:
            raise FileProblem(f"it has {len(inputs)} inputs and {len(self.graph.output)} outputs; an MLP has one of "
                              "each")
        self.input, self.output = inputs[0], self.graph.output[0].name
        self.nodes = [n for n in self.graph.node if n.op_type != "Constant"]
        self.blocks: list[tuple[str, object]] = []   # ("dense", (W (out, in), b)) or ("act", name)
        self.normalisation = None

    def const(self, name: str, node, what: str) -> np.ndarray:
        if name not in self.constants:
            raise FileProblem(f"node {node_text(node)} takes {shown(name)} as its {what}, which is not a constant; "
                              f"Chainboard imports {SUPPORTED}")
        return _array(self.onnx, self.constants[name], f"the {what} of node {node_text(node)}")

    def data_input(self, node, current: str) -> list[str]:
        """The node's other inputs, after checking it continues the path from `current`."""
        inputs = [i for i in node.input]
        if current not in inputs or len(node.output) != 1:
            raise FileProblem(f"node {node_text(node)} does not continue the Chain from the one before it; "
                              f"Chainboard imports a single path of {SUPPORTED}")
        inputs.remove(current)
        if current in inputs:
            raise FileProblem(f"node {node_text(node)} uses its input twice; Chainboard imports {SUPPORTED}")
        return inputs

    def attributes(self, node) -> dict:
        helper = self.onnx.helper
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def run(self) -> None:
        current, i = self.input.name, 0
        i = self._standardisation(current, i)
        current = self.nodes[i - 1].output[0] if i else current
        while i < len(self.nodes):
            node = self.nodes[i]
            others = self.data_input(node, current)
            if node.op_type in ("Gemm", "MatMul") and node.input[0] != current:
                raise FileProblem(f"node {node_text(node)} multiplies a weight by the data; Chainboard imports "
                                  "layers with samples as rows (data first)")
            if node.op_type == "Gemm":
                self.blocks.append(("dense", self._gemm(node, others)))
            elif node.op_type == "MatMul":
                weight = self.const(others[0], node, "weight").T if others else None
                bias = None
                following = self.nodes[i + 1] if i + 1 < len(self.nodes) else None
                if following is not None and following.op_type == "Add" and node.output[0] in following.input:
                    bias_names = self.data_input(following, node.output[0])
                    bias = self.const(bias_names[0], following, "bias") if len(bias_names) == 1 else None
                    node, i = following, i + 1
                self.blocks.append(("dense", _dense(weight, bias, node)))
            elif node.domain == DOMAIN and not others:
                try:
                    self.blocks.append(("act", function_activation(self.onnx, self.model, node)))
                except ValueError as error:
                    raise FileProblem(f"node {node_text(node)} calls a Chainboard function, but {error}") from None
            elif node.op_type in IMPORTED_OPS and not others and node.domain in ("", "ai.onnx"):
                self.blocks.append(("act", self._activation(node)))
            else:
                raise FileProblem(f"node {node_text(node)} is not part of an MLP Chainboard can import "
                                  f"({SUPPORTED})")
            current, i = node.output[0], i + 1
        if current != self.output:
            raise FileProblem(f"the graph's output {shown(self.output)} is not the end of the Chain of its nodes")

    def _standardisation(self, current: str, i: int) -> int:
        """Sub(input, mean) then Div(·, std) as the first two nodes: the input standardisation."""
        if len(self.nodes) < 3 or [n.op_type for n in self.nodes[:2]] != ["Sub", "Div"]:
            return i
        sub, div = self.nodes[:2]
        mean_name = self.data_input(sub, current)
        std_name = self.data_input(div, sub.output[0])
        if list(sub.input).index(current) != 0 or list(div.input).index(sub.output[0]) != 0 or \
                len(mean_name) != 1 or len(std_name) != 1:
            raise FileProblem(f"nodes {node_text(sub)} and {node_text(div)} are not an input standardisation "
                              "(x - mean) / std")
        mean = self.const(mean_name[0], sub, "mean").reshape(-1)
        std = self.const(std_name[0], div, "standard deviation").reshape(-1)
        if mean.shape != std.shape or not (std > 0).all():
            raise FileProblem("the input standardisation needs one mean and one positive std per feature")
        self.normalisation = {"mean": mean.astype(np.float64).tolist(), "std": std.astype(np.float64).tolist()}
        return 2

    def _gemm(self, node, others):
        a = self.attributes(node)
        if a.get("transA", 0):
            raise FileProblem(f"node {node_text(node)} transposes its input (transA); Chainboard imports Gemm "
                              "with samples as rows")
        if not others:
            raise FileProblem(f"node {node_text(node)} has no weight")
        weight = self.const(others[0], node, "weight")
        weight = weight if a.get("transB", 0) else weight.T
        bias = self.const(others[1], node, "bias") if len(others) > 1 and others[1] else None
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        weight = weight if alpha == 1 else weight * weight.dtype.type(alpha)
        bias = bias if bias is None or beta == 1 else bias * bias.dtype.type(beta)
        return _dense(weight, bias, node)

    def _activation(self, node) -> str:
        a = self.attributes(node)
        if node.op_type == "LeakyRelu" and not math.isclose(a.get("alpha", 0.01), LEAKY_SLOPE, rel_tol=1e-6):
            raise FileProblem(f"node {node_text(node)} has slope {a['alpha']:g}; Chainboard's leakyrelu has slope "
                              f"{LEAKY_SLOPE}")
        if node.op_type in ("Softmax", "LogSoftmax") and a.get("axis", -1) not in (-1, 1):
            raise FileProblem(f"node {node_text(node)} works over axis {a['axis']}; Chainboard's {node.op_type} "
                              "is over the features")
        if node.op_type == "Elu" and float(a.get("alpha", 1.0)) != 1.0:
            raise FileProblem(f"node {node_text(node)} has alpha {a['alpha']:g}; Chainboard's elu has alpha 1")
        if node.op_type == "Gelu" and a.get("approximate", b"none") not in ("tanh", b"tanh"):
            raise FileProblem(f"node {node_text(node)} is the exact (erf) GELU; Chainboard's gelu is the tanh "
                              "approximation")
        return IMPORTED_OPS[node.op_type]


def _dense(weight, bias, node):
    """(weight (out, in), bias (out,) or None), checked."""
    if weight is None or weight.ndim != 2:
        raise FileProblem(f"node {node_text(node)} needs a 2-D weight matrix")
    if bias is not None:
        if bias.size == 1 and weight.shape[0] > 1:
            bias = np.full(weight.shape[0], bias.reshape(-1)[0], dtype=bias.dtype)
        bias = bias.reshape(-1)
        if bias.shape != (weight.shape[0],):
            raise FileProblem(f"node {node_text(node)} adds a bias of {bias.size} numbers to "
                              f"{weight.shape[0]} outputs")
    return np.ascontiguousarray(weight), bias
