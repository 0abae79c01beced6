"""Model files (`*.chain`): save a Chain with everything around it, and load it back safely.

    >>> import tempfile, pathlib
    >>> from engine.nn.layers import Chain, Dense
    >>> from engine.nn.activations import relu, sigmoid
    >>> model = Chain(Dense(2, 4, relu, rng=0), Dense(4, 1, sigmoid, rng=1))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.chain"
    >>> save_model(path, model, settings={"loss": "binarycrossentropy", "epochs": 20},
    ...            history={"train_loss": [0.7, 0.5, 0.4]})
    >>> loaded = load_model(path)
    >>> loaded.model, loaded.settings["epochs"], loaded.history["train_loss"]
    (Chain(Dense(2 => 4, relu), Dense(4 => 1, σ)), 20, [0.7, 0.5, 0.4])
    >>> bool((loaded.model[0].weight.value == model[0].weight.value).all())
    True
    >>> path.write_bytes(b"not a model") and load_model(path)
    Traceback (most recent call last):
    ...
    engine.modelfile.model.ModelFileError: Cannot open .../demo.chain: it is not a zip archive (no end-of-archive record)

The file is a zip archive of exactly two members: `model.json` (format name and version, the
ChainSpec, canvas layout, training settings, dataset reference with normalisation statistics,
and a loss-history summary; see schema.py) and `weights.npz` (the arrays,
named `layer{i}.weight` and `layer{i}.bias` after the Chain's layer index i).

Saving is atomic (atomic.py) and reads its own result back before it replaces
the old file. Loading trusts nothing: sizes are capped before anything is read, member names
must match exactly, JSON is strict and bounded, weights must have the dtypes and shapes the
spec implies and be finite. Nothing here uses pickle, eval, exec or imports by name. Every
problem is a `ModelFileError` that names the file and says what is wrong.
"""
from __future__ import annotations

import io
import math
import os
import stat
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .archive import FileProblem, damage_guard, open_checked, read_member, write_archive
from .atomic import atomic_write, sweep_stray_temporaries
from .jsonio import MAX_JSON_BYTES, dump_json, parse_json
from .schema import (APP_VERSION, FORMAT_VERSION, MAX_PARAMS, STATE_ARRAYS, Document, make_document,
                     read_document)
from .weights import MAX_HEADER, read_weights, write_weights
from ..autodiff.tracked import data
from ..nn.layers import Chain, Dense
from ..nn.spec import ChainSpec

__all__ = ["save_model", "load_model", "LoadedModel", "ModelFileError", "FORMAT_VERSION", "APP_VERSION",
           "sweep_stray_temporaries", "weight_shapes", "MODEL_SUFFIX"]

MODEL_SUFFIX = ".chain"
MODEL_JSON, WEIGHTS = "model.json", "weights.npz"
_ZIP_OVERHEAD = 1024  # per member: local header, directory entry, a long name
MAX_WEIGHTS_BYTES = MAX_PARAMS * 8 + 4096 * (MAX_HEADER + _ZIP_OVERHEAD)
MAX_FILE_BYTES = MAX_WEIGHTS_BYTES + MAX_JSON_BYTES + 4 * _ZIP_OVERHEAD
MAX_RATIO, RATIO_FLOOR = 100.0, 1 << 16   # members over 64 KB may expand at most 100 times
SAFE_RATIO = MAX_RATIO / 2


class ModelFileError(Exception):
    """A model file could not be saved or loaded. `str(error)` names the file and says why;
    `.path` is the file and `.problem` just the reason."""

    def __init__(self, path, problem: str, action: str = "open"):
        self.path, self.problem, self.action = str(path), problem, action
        super().__init__(f"Cannot {action} {path}: {problem}")


@dataclass(frozen=True)
class LoadedModel:
    """What `load_model` returns. `model` is the trained Chain, or None when the file holds only
    a design (`trained` false); `version` is the format version the file was written in.
    `problems` are the design's problems as the canvas shows them (`ChainSpec.problems()`): a
    design may be unfinished, but a file with trained weights and problems is refused."""
    path: str
    model: object
    spec: ChainSpec
    trained: bool
    version: int
    settings: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    writer: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    optimiser_state: dict = field(default_factory=dict)  # {"step": t, "s1": array, "s2": array} or {}


def weight_shapes(spec: ChainSpec) -> dict[str, tuple[int, ...]]:
    """The arrays weights.npz holds for `spec`, in Chain order, with their shapes.

    >>> from engine.nn.spec import LayerSpec
    >>> weight_shapes(ChainSpec(3, (LayerSpec("dense", 2, bias=False), LayerSpec("activation", activation="relu"),
    ...                              LayerSpec("dense", 1))))
    {'layer0.weight': (2, 3), 'layer2.weight': (1, 2), 'layer2.bias': (1,)}
    """
    shapes, size = {}, spec.inputs
    for i, layer in enumerate(spec.layers):
        if layer.kind == "dense":
            shapes[f"layer{i}.weight"] = (layer.units, size)
            if layer.bias:
                shapes[f"layer{i}.bias"] = (layer.units,)
            size = layer.units
    return shapes


# ---- saving ----

def _same_architecture(a: ChainSpec, b: ChainSpec) -> bool:
    # Initialisers cannot be read off weights, so they do not count.
    plain = lambda s: [replace(layer, init="glorot_uniform") for layer in s.layers]  # noqa: E731
    return a.inputs == b.inputs and plain(a) == plain(b)


def _spec_and_arrays(model, spec: ChainSpec | None):
    """(spec, arrays or None) for a Chain of known blocks, or for a bare ChainSpec (a design)."""
    if isinstance(model, ChainSpec):
        if spec is not None and spec != model:
            raise FileProblem("spec= differs from the ChainSpec given as the model")
        return model, None
    try:
        found = ChainSpec.from_chain(model)
    except ValueError as error:
        raise FileProblem(f"only a Chain of Dense layers and known activations can be saved: {error}") from None
    if spec is not None and not _same_architecture(spec, found):
        raise FileProblem("spec= describes another architecture than the model")
    arrays = {}
    for i, block in enumerate(model.layers):
        if isinstance(block, Dense):
            for part in ("weight", "bias"):
                if getattr(block, part) is not None:
                    value = np.asarray(data(getattr(block, part)))
                    if not np.isfinite(value).all():
                        raise FileProblem(f"the {part} of layer {i + 1} ({block!r}) holds NaN or infinite values; "
                                          f"reset or retrain the model before saving its weights")
                    arrays[f"layer{i}.{part}"] = value
    return spec or found, arrays


def _state_arrays(state, spec: ChainSpec, arrays) -> tuple[dict | None, dict]:
    """(optimiser_state for model.json, its arrays for weights.npz) from `{"step", "s1", "s2"}`."""
    if not state or arrays is None:
        return None, {}
    n = spec.param_count()
    out = {}
    for key, name in (("s1", STATE_ARRAYS[0]), ("s2", STATE_ARRAYS[1])):
        value = state.get(key)
        if value is None or np.size(value) == 0:
            continue
        value = np.asarray(value)
        if value.shape != (n,) or value.dtype.kind != "f" or not np.isfinite(value).all():
            raise FileProblem(f"the optimiser's state {key} must be {n} finite numbers, one per weight")
        out[name] = value
    step = state.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 0:
        raise FileProblem(f"the optimiser's step count must be a whole number >= 0, not {step!r}")
    return {"step": int(step), "arrays": list(out)}, out


def model_bytes(model, *, spec=None, settings=None, layout=None, history=None, dataset=None,
                optimiser_state=None) -> bytes:
    """The bytes of a model file, without writing it anywhere (raises FileProblem or TypeError)."""
    spec, arrays = _spec_and_arrays(model, spec)
    state, state_arrays = _state_arrays(optimiser_state, spec, arrays)
    if arrays is not None:
        arrays = {**arrays, **state_arrays}
    doc = make_document(spec, arrays is not None, settings=settings, layout=layout, history=history,
                        dataset=dataset, optimiser_state=state)
    text = dump_json(doc)
    # Deflate unless the result would look like a bomb to the loader (a long run of repeats)
    deflate = len(text) <= RATIO_FLOOR or len(text) < SAFE_RATIO * len(zlib.compress(text))
    out = io.BytesIO()
    write_archive(out, [(MODEL_JSON, text, deflate), (WEIGHTS, write_weights(arrays or {}), False)])
    return out.getvalue()


def save_model(path, model, *, spec=None, settings=None, layout=None, history=None, dataset=None,
               optimiser_state=None) -> None:
    """Save `model` (a Chain of Dense layers and activations, or a bare ChainSpec) to `path`, atomically.

    `optimiser_state` is what engine.Trainer.optimiser_state() gives, `{"step": t, "s1": ..., "s2": ...}`:
    with it, training continues where it stopped (Adam's moments and bias correction) after a load.

    `settings`, `layout` and `dataset` are plain data (dicts of numbers, text, lists; numpy
    values and objects with `to_dict()`, such as optimisers, are converted); `history` is a dict
    or an engine.training.History. Pass `spec=` to keep the canvas's ChainSpec (initialisers
    included) when it describes the same architecture as `model`. On any failure the previous
    file is untouched and ModelFileError says why. A successful save also removes what earlier,
    interrupted saves of the same file left behind (temporaries whose writing process is gone).
    """
    shown = path = Path(os.fspath(path))
    if "\0" in str(path):
        raise ModelFileError(str(path).replace("\0", "\\0"), "the file name holds a NUL character, which no "
                             "file name can", "save")
    if path.is_symlink():  # replace the file the link points to, not the link itself
        path = Path(os.path.realpath(path))
    existed = path.exists()
    try:
        content = model_bytes(model, spec=spec, settings=settings, layout=layout, history=history,
                              dataset=dataset, optimiser_state=optimiser_state)
    except (FileProblem, TypeError) as error:
        raise ModelFileError(shown, str(error), "save") from None
    try:
        atomic_write(path, content, check=lambda temp: _load(temp, shown))
    except ModelFileError as error:  # the read-back failed: the disk did not keep what we wrote
        raise ModelFileError(shown, f"the saved copy did not read back ({error.problem}); "
                                   f"{'the previous file is unchanged' if existed else 'nothing was saved'}",
                             "save") from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelFileError(shown, f"{reason}; {'the previous file is unchanged' if existed else 'nothing was saved'}",
                             "save") from error
    sweep_stray_temporaries(path.parent, target=path)  # what an earlier, interrupted save of this file left


# ---- loading ----

def _build(spec: ChainSpec, arrays: dict[str, np.ndarray]):
    blocks = []
    for i, layer in enumerate(spec.layers):
        act = layer.activation_fn  # a registry activation, or the Formula of its (checked) text
        if layer.kind == "dense":
            blocks.append(Dense.from_arrays(arrays[f"layer{i}.weight"], arrays.get(f"layer{i}.bias"), act))
        else:
            blocks.append(act)
    return Chain(*blocks)


def _read(f) -> tuple[Document, dict[str, np.ndarray]]:
    caps = {MODEL_JSON: MAX_JSON_BYTES, WEIGHTS: MAX_WEIGHTS_BYTES}
    zf = open_checked(f, caps, max_total=MAX_FILE_BYTES, max_ratio=MAX_RATIO, ratio_floor=RATIO_FLOOR)
    with zf:
        infos = {info.filename: info for info in zf.infolist()}
        # model.json first: the spec it holds says how large weights.npz may be
        with damage_guard("model.json"):
            doc = read_document(parse_json(read_member(zf, infos[MODEL_JSON], MAX_JSON_BYTES)))
        shapes = weight_shapes(doc.spec) if doc.trained else {}
        shapes.update({name: (doc.spec.param_count(),) for name in doc.optimiser_state.get("arrays", ())})
        cap = sum(math.prod(s) * 8 + MAX_HEADER + _ZIP_OVERHEAD for s in shapes.values()) + _ZIP_OVERHEAD
        if not doc.trained and infos[WEIGHTS].file_size > _ZIP_OVERHEAD:
            raise FileProblem("model.json says the model is an untrained design, yet weights.npz holds data")
        if infos[WEIGHTS].file_size > cap:
            raise FileProblem(f"weights.npz declares {infos[WEIGHTS].file_size:,} bytes; the Chain's weights "
                              f"need at most {cap:,}")
        with damage_guard("weights.npz"):
            raw = read_member(zf, infos[WEIGHTS], cap)
    return doc, read_weights(raw, shapes, stored_bytes=infos[WEIGHTS].compress_size, ratio_floor=RATIO_FLOOR)


def _load(path: Path, shown) -> LoadedModel:
    """Load `path`, naming `shown` in errors (they differ when a save checks its temporary file)."""
    if "\0" in str(path):
        raise ModelFileError(str(shown).replace("\0", "\\0"), "the file name holds a NUL character, which no "
                             "file name can")
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("it is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise FileProblem(f"it is {info.st_size:,} bytes, more than a model file may be ({MAX_FILE_BYTES:,})")
        with open(path, "rb") as f:
            doc, arrays = _read(f)
        model = _build(doc.spec, arrays) if doc.trained else None
    except FileProblem as problem:
        raise ModelFileError(shown, str(problem)) from None
    except FileNotFoundError:
        raise ModelFileError(shown, "there is no such file") from None
    except PermissionError:
        raise ModelFileError(shown, "permission denied") from None
    except OSError as error:
        raise ModelFileError(shown, f"it could not be read ({error.strerror or error})") from None
    except MemoryError:
        raise ModelFileError(shown, "there is not enough memory to load it") from None
    except Exception as error:  # noqa: BLE001 - a user must get a message, never a crash; tests hunt these
        raise ModelFileError(shown, f"it could not be read (internal error, please report it: "
                                   f"{type(error).__name__}: {error})") from error
    parts = vars(doc)
    if doc.optimiser_state:  # the step count, and the state arrays read from weights.npz
        parts["optimiser_state"] = {"step": doc.optimiser_state["step"],
                                    **{name.split(".")[1]: arrays[name] for name in doc.optimiser_state["arrays"]}}
    return LoadedModel(str(shown), model, **parts)  # the same fields, plus the path and the model


def load_model(path) -> LoadedModel:
    """Load a model file; any problem with it raises ModelFileError (see the module docstring)."""
    path = Path(os.fspath(path))
    return _load(path, path)
