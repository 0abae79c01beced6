"""ONNX import: an MLP from torch.onnx, Keras (tf2onnx) or Chainboard itself, read into a Chain with its weights.

    >>> loaded = import_onnx("model.onnx")          # a LoadedModel: .spec, .model, .dataset  # doctest: +SKIP
    >>> loaded.model                                                                       # doctest: +SKIP
    Chain(Dense(4 => 8, tanh), Dense(8 => 3), softmax)

What it reads: one float or double input (batch, features) and one output; nodes along a single
path of Gemm (or MatMul, then an Add of a bias) and the activations in IMPORTED_OPS; weights as
initializers or Constant nodes. Sub then Div by constants right at the input are read as the
input standardisation (Chainboard writes it so), returned in `dataset["normalisation"]`. A
Chainboard export's metadata (its ChainSpec, feature and class names) is used when it describes
the graph that was read, so the blocks come back as they were drawn. Anything else is refused
with an OnnxImportError naming the first node it cannot take.

Hardened like model files: the file is size-capped before it is read, parsed without following
external data (any tensor that refers to external data is refused), every count and shape is
capped, weights must be finite, and every problem is one clear message.
"""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import numpy as np

from ..modelfile.archive import FileProblem
from ..modelfile.model import FORMAT_VERSION, LoadedModel, ModelFileError
from ..modelfile.schema import MAX_LAYERS, MAX_PARAMS, make_document
from ..nn.activations import ACTIVATIONS, LEAKY_SLOPE
from ..nn.layers import Chain, Dense
from ..nn.spec import MAX_FEATURES, ChainSpec, LayerSpec
from .exportable import need

__all__ = ["OnnxImportError", "import_onnx", "IMPORTED_OPS", "MAX_ONNX_BYTES"]

MAX_ONNX_BYTES = MAX_PARAMS * 8 + (16 << 20)   # the weights a model file may hold, plus room for the graph
MAX_NODES = 4 * MAX_LAYERS
MAX_SHOWN = 60                                  # characters of a name from the file shown in a message

IMPORTED_OPS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax",
                "LogSoftmax": "logsoftmax", "LeakyRelu": "leakyrelu", "Identity": "identity"}
"""ONNX activation op -> the engine activation it becomes."""
SUPPORTED = "Gemm, MatMul + Add, " + ", ".join(IMPORTED_OPS)


class OnnxImportError(ModelFileError):
    """An ONNX file that cannot be imported: `str(error)` is 'Cannot import PATH: why'."""

    def __init__(self, path, problem: str):
        super().__init__(path, problem, "import")


def _shown(text) -> str:
    text = str(text)
    return repr(text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…")


def _node_text(node) -> str:
    return f"{_shown(node.name)} ({node.op_type})" if node.name else f"a {node.op_type} node"


# ---- reading the file ----

def _parse(onnx, raw: bytes):
    model = onnx.ModelProto()
    try:
        model.ParseFromString(raw)
    except Exception as error:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise FileProblem(f"it is not an ONNX model ({type(error).__name__}: {error})") from None
    if not model.HasField("graph") or not model.graph.output:
        raise FileProblem("it is not an ONNX model (it has no graph with an output)")
    return model


def _tensors(model):
    """Every TensorProto in the graph and in Constant nodes: none may live in external data."""
    yield from model.graph.initializer
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors


def _check_caps(onnx, model) -> None:
    graph = model.graph
    if len(graph.node) > MAX_NODES:
        raise FileProblem(f"its graph has {len(graph.node):,} nodes, more than the {MAX_NODES:,} an MLP import takes")
    total = 0
    for tensor in _tensors(model):
        if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
            raise FileProblem(f"tensor {_shown(tensor.name)} refers to external data; Chainboard imports only "
                              "self-contained ONNX files")
        if len(tensor.dims) > 2 or any(d < 0 or d > MAX_FEATURES for d in tensor.dims):
            raise FileProblem(f"tensor {_shown(tensor.name)} has shape {list(tensor.dims)[:4]}, which no MLP "
                              "weight has")
        total += math.prod(tensor.dims)
        if total > MAX_PARAMS:
            raise FileProblem(f"its weights hold more than the {MAX_PARAMS:,} numbers a model may have")
    if any(node.domain not in ("", "ai.onnx") for node in graph.node):
        node = next(node for node in graph.node if node.domain not in ("", "ai.onnx"))
        raise FileProblem(f"node {_node_text(node)} is from the operator set {_shown(node.domain)}; "
                          f"Chainboard imports {SUPPORTED}")


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


def _constants(onnx, model) -> dict[str, object]:
    """Initializers and Constant nodes' values by name (the tensors, converted when used)."""
    found = {tensor.name: tensor for tensor in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            values = [a.t for a in node.attribute if a.name == "value" and a.HasField("t")]
            if len(values) != 1 or len(node.output) != 1 or len(node.attribute) != 1:
                raise FileProblem(f"node {_node_text(node)} is a Constant Chainboard cannot read (only 'value' "
                                  "tensors)")
            found[node.output[0]] = values[0]
    return found


# ---- walking the graph ----

class _Walk:
    """The single path from the input to the output, block by block."""

    def __init__(self, onnx, model):
        self.onnx, self.graph = onnx, model.graph
        self.constants = _constants(onnx, model)
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
            raise FileProblem(f"node {_node_text(node)} takes {_shown(name)} as its {what}, which is not a constant; "
                              f"Chainboard imports {SUPPORTED}")
        return _array(self.onnx, self.constants[name], f"the {what} of node {_node_text(node)}")

    def data_input(self, node, current: str) -> list[str]:
        """The node's other inputs, after checking it continues the path from `current`."""
        inputs = [i for i in node.input]
        if current not in inputs or len(node.output) != 1:
            raise FileProblem(f"node {_node_text(node)} does not continue the Chain from the one before it; "
                              f"Chainboard imports a single path of {SUPPORTED}")
        inputs.remove(current)
        if current in inputs:
            raise FileProblem(f"node {_node_text(node)} uses its input twice; Chainboard imports {SUPPORTED}")
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
                raise FileProblem(f"node {_node_text(node)} multiplies a weight by the data; Chainboard imports "
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
            elif node.op_type in IMPORTED_OPS and not others:
                self.blocks.append(("act", self._activation(node)))
            else:
                raise FileProblem(f"node {_node_text(node)} is not part of an MLP Chainboard can import "
                                  f"({SUPPORTED})")
            current, i = node.output[0], i + 1
        if current != self.output:
            raise FileProblem(f"the graph's output {_shown(self.output)} is not the end of the Chain of its nodes")

    def _standardisation(self, current: str, i: int) -> int:
        """Sub(input, mean) then Div(·, std) as the first two nodes: the input standardisation."""
        if len(self.nodes) < 3 or [n.op_type for n in self.nodes[:2]] != ["Sub", "Div"]:
            return i
        sub, div = self.nodes[:2]
        mean_name = self.data_input(sub, current)
        std_name = self.data_input(div, sub.output[0])
        if list(sub.input).index(current) != 0 or list(div.input).index(sub.output[0]) != 0 or \
                len(mean_name) != 1 or len(std_name) != 1:
            raise FileProblem(f"nodes {_node_text(sub)} and {_node_text(div)} are not an input standardisation "
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
            raise FileProblem(f"node {_node_text(node)} transposes its input (transA); Chainboard imports Gemm "
                              "with samples as rows")
        if not others:
            raise FileProblem(f"node {_node_text(node)} has no weight")
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
            raise FileProblem(f"node {_node_text(node)} has slope {a['alpha']:g}; Chainboard's leakyrelu has slope "
                              f"{LEAKY_SLOPE}")
        if node.op_type in ("Softmax", "LogSoftmax") and a.get("axis", -1) not in (-1, 1):
            raise FileProblem(f"node {_node_text(node)} works over axis {a['axis']}; Chainboard's {node.op_type} "
                              "is over the features")
        return IMPORTED_OPS[node.op_type]


def _dense(weight, bias, node):
    """(weight (out, in), bias (out,) or None), checked."""
    if weight is None or weight.ndim != 2:
        raise FileProblem(f"node {_node_text(node)} needs a 2-D weight matrix")
    if bias is not None:
        if bias.size == 1 and weight.shape[0] > 1:
            bias = np.full(weight.shape[0], bias.reshape(-1)[0], dtype=bias.dtype)
        bias = bias.reshape(-1)
        if bias.shape != (weight.shape[0],):
            raise FileProblem(f"node {_node_text(node)} adds a bias of {bias.size} numbers to "
                              f"{weight.shape[0]} outputs")
    return np.ascontiguousarray(weight), bias


# ---- into a Chain ----

def _layers(walk) -> tuple[int, list[LayerSpec], list]:
    """(inputs, layer specs, engine blocks): an activation right after a Dense goes into it, as Flux draws it."""
    specs, blocks, size, inputs = [], [], None, None
    for kind, value in walk.blocks:
        if kind == "dense":
            weight, bias = value
            if size is not None and weight.shape[1] != size:
                raise FileProblem(f"a weight of shape {weight.shape} (out, in) follows a layer with {size} outputs")
            inputs = weight.shape[1] if inputs is None else inputs
            size = weight.shape[0]
            if bias is not None and bias.dtype != weight.dtype:
                bias = bias.astype(weight.dtype)
            blocks.append(Dense.from_arrays(weight, bias))
            specs.append(LayerSpec("dense", size, bias=bias is not None))
        elif specs and specs[-1].kind == "dense" and specs[-1].activation == "identity" and value != "identity":
            specs[-1] = LayerSpec("dense", specs[-1].units, value, specs[-1].bias)
            blocks[-1].act = ACTIVATIONS[value]
        else:
            specs.append(LayerSpec("activation", activation=value))
            blocks.append(ACTIVATIONS[value])
    if inputs is None:
        raise FileProblem(f"it has no Gemm or MatMul layer; Chainboard imports {SUPPORTED}")
    if len({b.weight.value.dtype for b in blocks if isinstance(b, Dense)}) != 1:
        raise FileProblem("its weights mix float and double")
    return inputs, specs, blocks


def _declared_features(onnx, walk):
    """The input's feature count if it declares one (after checking it is float or double)."""
    if walk.input.type.tensor_type.elem_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        raise FileProblem(f"its input {_shown(walk.input.name)} is not a float or double tensor")
    dims = walk.input.type.tensor_type.shape.dim
    if len(dims) != 2 and walk.input.type.tensor_type.HasField("shape"):
        raise FileProblem(f"its input {_shown(walk.input.name)} has {len(dims)} dimensions; an MLP takes "
                          "(batch, features)")
    return dims[1].dim_value if len(dims) == 2 and dims[1].HasField("dim_value") else None


def _metadata(model) -> dict:
    found = {}
    for prop in model.metadata_props:
        # protobuf hands back bytes for a string field that is not UTF-8: damage, ignored like any other
        if isinstance(prop.key, str) and isinstance(prop.value, str) and prop.key.startswith("chainboard.") \
                and len(prop.value) <= 1 << 20:
            try:
                found[prop.key.removeprefix("chainboard.")] = json.loads(prop.value)
            except ValueError:
                continue  # someone else's damaged metadata is no reason to refuse the graph
    return found


def _ops(spec: ChainSpec) -> list[tuple]:
    """The spec as the graph holds it: each Dense, then its activation as a node of its own."""
    found = []
    for layer in spec.layers:
        if layer.kind == "dense":
            found.append(("dense", layer.units, layer.bias))
        if layer.kind == "activation" or layer.activation != "identity":
            found.append(("act", layer.activation))
    return found


def _drawn_spec(meta: dict, walk, spec: ChainSpec, blocks):
    """The spec Chainboard's metadata describes, if it is the Chain the graph holds (blocks split as drawn)."""
    try:
        drawn = ChainSpec.from_dict(meta.get("spec"))
    except (ValueError, TypeError):
        return spec, blocks
    read = [("dense", v[0].shape[0], v[1] is not None) if kind == "dense" else ("act", v) for kind, v in walk.blocks]
    if drawn.inputs != spec.inputs or _ops(drawn) != read:
        return spec, blocks
    dense = iter(b for b in blocks if isinstance(b, Dense))
    rebuilt = []
    for layer in drawn.layers:
        if layer.kind == "dense":
            block = next(dense)
            rebuilt.append(Dense.from_arrays(block.weight.value, None if block.bias is None else block.bias.value,
                                             ACTIVATIONS[layer.activation]))
        else:
            rebuilt.append(ACTIVATIONS[layer.activation])
    return drawn, rebuilt


def _dataset(meta: dict, normalisation) -> dict:
    out = {}
    if meta.get("task") in ("classification", "regression"):
        out["task"] = meta["task"]
    for key in ("features", "class_names"):
        if isinstance(meta.get(key), list) and all(isinstance(v, str) for v in meta[key]):
            out[key] = meta[key]
    if normalisation is not None:
        out["normalisation"] = normalisation
    return out


def _read(path: Path) -> LoadedModel:
    onnx = need("onnx", "ONNX import")
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem("it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("it is not a regular file")
    if info.st_size > MAX_ONNX_BYTES:
        raise FileProblem(f"it is {info.st_size:,} bytes, more than an MLP import takes ({MAX_ONNX_BYTES:,})")
    with open(path, "rb") as f:
        raw = f.read(MAX_ONNX_BYTES + 1)
    if len(raw) > MAX_ONNX_BYTES:
        raise FileProblem(f"it is more than {MAX_ONNX_BYTES:,} bytes, more than an MLP import takes")
    model = _parse(onnx, raw)
    _check_caps(onnx, model)
    walk = _Walk(onnx, model)
    walk.run()
    inputs, layers, blocks = _layers(walk)
    declared = _declared_features(onnx, walk)
    if declared and declared != inputs:
        raise FileProblem(f"its input declares {declared} features but the first layer takes {inputs}")
    if walk.normalisation is not None and len(walk.normalisation["mean"]) != inputs:
        raise FileProblem(f"its input standardisation has {len(walk.normalisation['mean'])} features; the first "
                          f"layer takes {inputs}")
    spec = ChainSpec(inputs, tuple(layers))
    meta = _metadata(model)
    spec, blocks = _drawn_spec(meta, walk, spec, blocks)
    problems = spec.problems()
    if problems:
        raise FileProblem("the Chain it holds has problems: " + " ".join(problems))
    dataset = _dataset(meta, walk.normalisation)
    try:
        make_document(spec, True, dataset=dataset)  # what a save would refuse is refused now
    except (FileProblem, TypeError) as error:
        raise FileProblem(f"it cannot become a Chainboard model: {error}") from None
    model = Chain(*blocks)
    settings = {"dtype": "float32"} if model.parameters()[0].value.dtype == np.float32 else {}
    return LoadedModel(str(path), model, spec, True, FORMAT_VERSION, settings=settings, dataset=dataset)


def import_onnx(path) -> LoadedModel:
    """Read the ONNX MLP at `path` into a LoadedModel (trained, no settings); raises OnnxImportError.

    `dataset` holds the input standardisation when the file has one (so `chainboard predict` and the
    exports take raw rows as before), and a Chainboard export's feature names, class names and task.
    """
    path = Path(os.fspath(path))
    try:
        return _read(path)
    except FileProblem as problem:
        raise OnnxImportError(path, str(problem)) from None
    except FileNotFoundError:
        raise OnnxImportError(path, "there is no such file") from None
    except PermissionError:
        raise OnnxImportError(path, "permission denied") from None
    except OSError as error:
        raise OnnxImportError(path, f"it could not be read ({error.strerror or error})") from None
    except MemoryError:
        raise OnnxImportError(path, "there is not enough memory to read it") from None
    except OnnxImportError:
        raise
    except Exception as error:  # noqa: BLE001 - a user gets a message, never a crash; the fuzz test hunts these
        raise OnnxImportError(path, f"it could not be read (internal error, please report it: "
                                    f"{type(error).__name__}: {error})") from error
