"""ONNX import: an MLP from torch.onnx, Keras (tf2onnx) or Chainboard itself, read into a Chain with its weights.

    >>> import pathlib, tempfile
    >>> from engine import Chain, Dense, tanh, softmax
    >>> from engine.export import export
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.onnx"
    >>> _ = export(Chain(Dense(4, 8, tanh, rng=0), Dense(8, 3, rng=1), softmax), "onnx", path)
    >>> loaded = import_onnx(path)          # a LoadedModel: .spec, .model, .dataset
    >>> loaded.model
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
from ..nn.activations import ACTIVATIONS
from ..nn.layers import Chain, Dense
from ..nn.spec import MAX_FEATURES, ChainSpec, LayerSpec, activation_fields
from .exportable import need
from .onnx_functions import DOMAIN
from .onnx_graph import IMPORTED_OPS, SUPPORTED, Walk, node_text, shown

__all__ = ["OnnxImportError", "import_onnx", "IMPORTED_OPS", "MAX_ONNX_BYTES"]

MAX_ONNX_BYTES = MAX_PARAMS * 8 + (16 << 20)   # the weights a model file may hold, plus room for the graph
MAX_NODES = 4 * MAX_LAYERS

class OnnxImportError(ModelFileError):
    """An ONNX file that cannot be imported: `str(error)` is 'Cannot import PATH: why'."""

    def __init__(self, path, problem: str):
        super().__init__(path, problem, "import")


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
            raise FileProblem(f"tensor {shown(tensor.name)} refers to external data; Chainboard imports only "
                              "self-contained ONNX files")
        if len(tensor.dims) > 2 or any(d < 0 or d > MAX_FEATURES for d in tensor.dims):
            raise FileProblem(f"tensor {shown(tensor.name)} has shape {list(tensor.dims)[:4]}, which no MLP "
                              "weight has")
        total += math.prod(tensor.dims)
        if total > MAX_PARAMS:
            raise FileProblem(f"its weights hold more than the {MAX_PARAMS:,} numbers a model may have")
    if sum(len(f.node) for f in model.functions) > MAX_NODES or len(model.functions) > MAX_LAYERS:
        raise FileProblem(f"its functions have more than the {MAX_NODES:,} nodes an MLP import takes")
    if any(node.domain not in ("", "ai.onnx", DOMAIN) for node in graph.node):
        node = next(node for node in graph.node if node.domain not in ("", "ai.onnx", DOMAIN))
        raise FileProblem(f"node {node_text(node)} is from the operator set {shown(node.domain)}; "
                          f"Chainboard imports {SUPPORTED}")


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
            act = _activation(value)
            specs[-1] = LayerSpec("dense", specs[-1].units, bias=specs[-1].bias, **activation_fields(act))
            blocks[-1].act = act
        else:
            act = _activation(value)
            specs.append(LayerSpec("activation", **activation_fields(act)))
            blocks.append(act)
    if inputs is None:
        raise FileProblem(f"it has no Gemm or MatMul layer; Chainboard imports {SUPPORTED}")
    if len({b.weight.value.dtype for b in blocks if isinstance(b, Dense)}) != 1:
        raise FileProblem("its weights mix float and double")
    return inputs, specs, blocks


def _activation(value):
    """The engine activation of a walked block: a registry name, or a Formula as it is."""
    return ACTIVATIONS[value] if isinstance(value, str) else value


def _declared_features(onnx, walk):
    """The input's feature count if it declares one (after checking it is float or double)."""
    if walk.input.type.tensor_type.elem_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        raise FileProblem(f"its input {shown(walk.input.name)} is not a float or double tensor")
    dims = walk.input.type.tensor_type.shape.dim
    if len(dims) != 2 and walk.input.type.tensor_type.HasField("shape"):
        raise FileProblem(f"its input {shown(walk.input.name)} has {len(dims)} dimensions; an MLP takes "
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
            found.append(("act", layer.activation_fn))
    return found


def _drawn_spec(meta: dict, walk, spec: ChainSpec, blocks):
    """The spec Chainboard's metadata describes, if it is the Chain the graph holds (blocks split as drawn)."""
    try:
        drawn = ChainSpec.from_dict(meta.get("spec"))
    except (ValueError, TypeError):
        return spec, blocks
    read = [("dense", v[0].shape[0], v[1] is not None) if kind == "dense" else ("act", _activation(v))
            for kind, v in walk.blocks]
    if drawn.inputs != spec.inputs or _ops(drawn) != read:
        return spec, blocks
    dense = iter(b for b in blocks if isinstance(b, Dense))
    rebuilt = []
    for layer in drawn.layers:
        if layer.kind == "dense":
            block = next(dense)
            rebuilt.append(Dense.from_arrays(block.weight.value, None if block.bias is None else block.bias.value,
                                             layer.activation_fn))
        else:
            rebuilt.append(layer.activation_fn)
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
    walk = Walk(onnx, model)
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
