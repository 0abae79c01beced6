"""What `model.json` may contain, version by version, and how older versions migrate.

`make_document` builds the dictionary a save writes; `read_document` checks a parsed one
(format, version, every known key and its type) and returns its parts. Both sides use the
same checks, so nothing that saves can fail to load.

    >>> from engine.nn.spec import ChainSpec, LayerSpec
    >>> spec = ChainSpec(2, (LayerSpec("dense", 1, "sigmoid"),))
    >>> doc = make_document(spec, True, settings={"loss": "mse", "epochs": 3})
    >>> doc["format"], doc["version"], read_document(doc).settings
    ('chainboard', 2, {'loss': 'mse', 'epochs': 3})
    >>> read_document(dict(doc, version=99, requires="2.3"))
    Traceback (most recent call last):
    ...
    engine.modelfile.archive.FileProblem: it was saved by a newer Chainboard in model format 99; it needs Chainboard ≥ 2.3 (this is 0.2.0)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._version import __version__
from .archive import FileProblem
from .jsonio import MAX_STRING, check_plain
from .reference import reference_problem
from ..nn.losses import LOSSES
from ..nn.optimisers import OPTIMISERS, optimiser_from_dict
from ..nn.schedules import SCHEDULES
from ..nn.spec import MAX_FEATURES, ChainSpec

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "APP_VERSION", "MIGRATIONS", "MAX_PARAMS", "MAX_LAYERS",
           "MAX_HISTORY", "Document", "make_document", "read_document", "plain", "history_summary"]

FORMAT_NAME = "chainboard"
FORMAT_VERSION = 2        # bump when model.json or weights.npz change meaning; add a migration
APP_VERSION = __version__  # the Chainboard that writes this format
REQUIRES = "0.2.0"        # the oldest Chainboard that reads what this one writes
MAX_PARAMS = 1 << 24      # 16.7 million numbers (134 MB as float64): far beyond a "small network"
MAX_LAYERS = 1000
MAX_HISTORY = 1000        # points per history list; longer runs are decimated on save
_VERSION_TEXT = re.compile(r"\d{1,4}(\.\d{1,4}){0,3}")

# MIGRATIONS[v] turns a version-v document into a version v+1 one (plain dict in, plain dict out).
# Version 1 is the first format, so there is nothing to migrate yet.
# Version 2 added `optimiser_state` (and its arrays in weights.npz); a version-1 file simply has none.
# `spec.features` (derived inputs, engine.nn.features) is optional within version 2: a file without it has none.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: lambda doc: doc}

# ---- value checks: each takes (value, where) and returns the value or raises FileProblem ----


def _fail(where: str, what: str, value: Any):
    shown = repr(value)
    raise FileProblem(f"{where} must be {what}, not {shown[:60]}{'...' if len(shown) > 60 else ''}")


def _int(lo: int, hi: int):
    def check(value, where):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            _fail(where, f"a whole number from {lo} to {hi}", value)
        return value
    return check


def _number(lo: float, hi: float, *, hi_open=False):
    def check(value, where):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < lo or value > hi or (hi_open and value == hi):
            _fail(where, f"a number from {lo} to {hi}{' (exclusive)' if hi_open else ''}", value)
        return value
    return check


def _text(limit: int = 200):
    def check(value, where):
        if not isinstance(value, str) or len(value) > limit:
            _fail(where, f"text of at most {limit} characters", value)
        return value
    return check


def _choice(*options: str):
    def check(value, where):
        if value not in options or not isinstance(value, str):
            _fail(where, f"one of {', '.join(options)}", value)
        return value
    return check


def _flag(value, where):
    if not isinstance(value, bool):
        _fail(where, "true or false", value)
    return value


def _list_of(item_check, limit: int):
    def check(value, where):
        if not isinstance(value, list) or len(value) > limit:
            _fail(where, f"a list of at most {limit} items", value)
        return [item_check(item, f"{where}[{i}]") for i, item in enumerate(value)]
    return check


def _optional_number(value, where):
    return None if value is None else _number(-math.inf, math.inf)(value, where)


def _scalar(value, where):
    if value is not None and not isinstance(value, (bool, int, float, str)):
        _fail(where, "a number, text, true/false or null", value)
    return value


def _flat(limit: int):
    """An object of up to `limit` entries, any keys, each value a scalar (generator parameters)."""
    def check(value, where):
        if not isinstance(value, dict) or len(value) > limit:
            _fail(where, f"an object of at most {limit} entries", value)
        return _object(value, where, dict.fromkeys(value, _scalar))
    return check


def _object(value, where: str, fields: dict[str, Callable], required=()) -> dict:
    """Check a JSON object whose keys must all be known, then each value."""
    if not isinstance(value, dict):
        _fail(where, "an object", value)
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise FileProblem(f"{where} has unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}; "
                          f"known: {', '.join(fields)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise FileProblem(f"{where} needs {', '.join(map(repr, missing))}")
    return {key: fields[key](item, f"{where}.{key}") for key, item in value.items()}


def _schedule(value, where):
    """A learning-rate schedule (engine.nn.schedules); absent in files before schedules: a constant rate."""
    return _object(value, where, {"kind": _choice(*SCHEDULES), "epochs": _int(1, 10**9), "factor": _number(0, 1),
                                  "floor": _number(0, 1e6)}, required=("kind",))


def _optimiser(value, where):
    fields = {"name": _choice(*OPTIMISERS)} | {k: _number(0, 1e6) for k in ("eta", "rho", "eps", "weight_decay", "l1")}
    fields["beta"] = _list_of(_number(0, 1), 2)
    fields["schedule"] = _schedule
    checked = _object(value, where, fields, required=("name",))
    try:
        optimiser_from_dict(checked)
    except (ValueError, TypeError) as error:
        raise FileProblem(f"{where}: {error}") from None
    return checked


SETTINGS = {
    "loss": _choice(*LOSSES),
    "optimiser": _optimiser,
    "batch_size": _int(1, 10**6),
    "epochs": _int(0, 10**7),
    "seed": _int(0, 2**63 - 1),
    "validation": _number(0, 1, hi_open=True),
    "dtype": _choice("float32", "float64"),
}
MAX_GRADIENT_VALUES = 1 << 20  # numbers in the per-layer gradient table (rows x columns)


def _gradients(value, where):
    """The per-epoch gradient table (engine.training.EpochTable.to_dict): named columns, one row per epoch kept."""
    table = _object(value, where, {"columns": _list_of(_text(200), 4 * MAX_LAYERS),
                                   "epoch": _list_of(_int(0, 10**9), 2 * MAX_HISTORY),
                                   "values": lambda v, w: v}, required=("columns", "epoch", "values"))
    rows, width = table["values"], len(table["columns"])
    if not isinstance(rows, list) or len(rows) != len(table["epoch"]) or len(rows) * width > MAX_GRADIENT_VALUES:
        _fail(f"{where}.values", f"a list of {len(table['epoch'])} rows (at most {MAX_GRADIENT_VALUES:,} numbers)", rows)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width or not all(
                v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)) for v in row):
            _fail(f"{where}.values[{i}]", f"a list of {width} numbers or nulls", row)
    return table


HISTORY_LISTS = ("epoch", "train_loss", "val_loss", "accuracy", "val_accuracy", "grad_norm")
HISTORY = {key: _list_of(_optional_number, MAX_HISTORY) for key in HISTORY_LISTS} | {
    "path": _text(20), "reason": _text(2000), "message": _text(2000), "diverged": _flag, "stopped": _flag,
    "epochs_done": _int(0, 10**9), "steps": _int(0, 10**15), "seconds": _number(0, 1e9),
    "gradients": _gradients,
}
DATASET = {
    "name": _text(), "source": _text(40), "path": _text(MAX_STRING), "task": _choice("classification", "regression"),
    "target": _text(), "n_samples": _int(0, 10**9),
    "params": _flat(32),
    "points": lambda v, w: v,  # drawn data's [[x1, x2, label], ...]: reference_problem checks them
    "features": _list_of(_text(), MAX_FEATURES), "class_names": _list_of(_text(), 10_000),
    "normalisation": lambda v, w: _object(v, w, {"mean": _list_of(_number(-1e300, 1e300), MAX_FEATURES),
                                                 "std": _list_of(_number(1e-300, 1e300), MAX_FEATURES)},
                                          required=("mean", "std")),
}
WRITER = {"app": _text(40), "version": _text(40)}
TOP = ("format", "version", "requires", "writer", "trained", "spec", "settings", "dataset", "history", "layout",
       "optimiser_state")
STATE_ARRAYS = ("optimiser.s1", "optimiser.s2")  # weights.npz members of the optimiser's per-weight state


def _optimiser_state(value, spec: ChainSpec, trained: bool) -> dict:
    """`{"step": t, "arrays": [...]}`: the optimiser's step count, and which of STATE_ARRAYS weights.npz holds
    (each one number per weight, in the Chain's order)."""
    state = _object(value, "optimiser_state", {"step": _int(0, 10**15), "arrays": _list_of(_choice(*STATE_ARRAYS), 2)},
                    required=("step", "arrays"))
    if state["arrays"] and not trained:
        raise FileProblem("optimiser_state has arrays, but the model is an untrained design")
    if len(set(state["arrays"])) != len(state["arrays"]):
        _fail("optimiser_state.arrays", "distinct names", state["arrays"])
    return state


@dataclass
class Document:
    """The checked parts of a model.json."""
    spec: ChainSpec
    trained: bool
    version: int                       # the format version the file was written in
    settings: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    writer: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)   # ChainSpec.problems() of a design (a trained Chain has none)
    optimiser_state: dict = field(default_factory=dict)  # {"step": t, "arrays": [names in weights.npz]} or {}


def _check_spec(value) -> ChainSpec:
    if isinstance(value, dict) and isinstance(value.get("layers"), list) and len(value["layers"]) > MAX_LAYERS:
        raise FileProblem(f"the Chain has {len(value['layers'])} layers, more than {MAX_LAYERS}")
    try:
        spec = ChainSpec.from_dict(value)
    except ValueError as error:
        raise FileProblem(f"the Chain: {error}") from None
    count = spec.param_count()  # Python ints, each size at most MAX_FEATURES: no overflow
    if count > MAX_PARAMS:
        raise FileProblem(f"the Chain has {count:,} parameters, more than the {MAX_PARAMS:,} a model file may hold")
    return spec


def _check_problems(spec: ChainSpec, trained: bool) -> list[str]:
    """The problems the canvas would show for `spec`; with trained weights, there must be none."""
    problems = spec.problems()
    if trained and problems:
        raise FileProblem(f"the Chain it holds weights for has a problem: {problems[0]}")
    if trained and not any(layer.kind == "dense" for layer in spec.layers):
        raise FileProblem("it says the model is trained, but its Chain has no Dense layer, so nothing in it "
                          "has weights")
    return problems


def _check_version(doc) -> int:
    if not isinstance(doc, dict):
        raise FileProblem("model.json is not a JSON object")
    if doc.get("format") != FORMAT_NAME:
        raise FileProblem(f"model.json does not say it is a {FORMAT_NAME} model (format {doc.get('format')!r:.40})")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FileProblem(f"model.json has no valid format version ({version!r:.40})")
    if version > FORMAT_VERSION:
        requires = doc.get("requires")
        # "needs ≥ 0.1.0 (this is 0.1.0)" would make no sense: name a version only when it is newer than this one
        newer = isinstance(requires, str) and _VERSION_TEXT.fullmatch(requires) and \
            _version_tuple(requires) > _version_tuple(APP_VERSION)
        need = f"Chainboard ≥ {requires}" if newer else f"a Chainboard that reads model format {version}"
        raise FileProblem(f"it was saved by a newer Chainboard in model format {version}; it needs {need} "
                          f"(this is {APP_VERSION})")
    return version


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


def migrate(doc: dict, version: int) -> dict:
    """Bring a version-`version` document up to FORMAT_VERSION, one step at a time."""
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise FileProblem(f"model format {version} cannot be read by this Chainboard")
        doc = step(dict(doc))
        version += 1
        doc["version"] = version
    return doc


def read_document(doc) -> Document:
    """Check a parsed model.json (migrating older versions) and return its parts."""
    version = _check_version(doc)
    doc = migrate(doc, version)
    unknown = sorted(set(doc) - set(TOP))
    if unknown:
        raise FileProblem(f"model.json has unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}")
    for key in ("spec", "trained"):
        if key not in doc:
            raise FileProblem(f"model.json has no {key!r}")
    spec = _check_spec(doc["spec"])
    parts = Document(spec, _flag(doc["trained"], "trained"), version)
    parts.settings = _object(doc.get("settings", {}), "settings", SETTINGS)
    parts.dataset = _object(doc.get("dataset", {}), "dataset", DATASET)
    parts.history = _object(doc.get("history", {}), "history", HISTORY)
    parts.writer = _object(doc.get("writer", {}), "writer", WRITER)
    if "requires" in doc:
        _text(40)(doc["requires"], "requires")
    layout = doc.get("layout", {})
    if not isinstance(layout, dict):
        _fail("layout", "an object", layout)
    check_plain(layout, "layout")
    parts.layout = layout
    problem = reference_problem(parts.dataset)
    if problem:
        raise FileProblem(f"dataset: {problem}")
    parts.problems = _check_problems(spec, parts.trained)
    if "optimiser_state" in doc:
        parts.optimiser_state = _optimiser_state(doc["optimiser_state"], spec, parts.trained)
    norm = parts.dataset.get("normalisation")
    if norm and not len(norm["mean"]) == len(norm["std"]) == spec.inputs:
        raise FileProblem(f"dataset.normalisation has {len(norm['mean'])} means and {len(norm['std'])} "
                          f"deviations; the Chain has {spec.inputs} inputs")
    return parts


# ---- the saving side ----

def plain(value, where: str):
    """`value` as plain JSON data: numpy scalars and arrays become numbers and lists,
    tuples lists, objects with `to_dict()` (optimisers) their dict. Anything else is a TypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, np.ndarray):
        return plain(value.tolist(), where)
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key {key!r} that is not text")
        return {key: plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if callable(getattr(value, "to_dict", None)):
        return plain(value.to_dict(), where)
    raise TypeError(f"{where} is a {type(value).__name__}, which a model file cannot hold")


def _decimate(values: list, keep: np.ndarray | None) -> list:
    clean = [None if v is None or not math.isfinite(v) else float(v) for v in values]
    return clean if keep is None else [clean[i] for i in keep]


def history_summary(history) -> dict:
    """A training history as model.json keeps it: non-finite values become null, and lists
    longer than MAX_HISTORY are thinned to MAX_HISTORY points that keep the first and last,
    with `epoch` saying which epoch each point is.

    `history` is a dict or an object with the attributes of engine.training.History.
    """
    if history is None:
        return {}
    if not isinstance(history, dict):  # a History object: take the attributes the format knows
        history = {key: getattr(history, key) for key in HISTORY if hasattr(history, key)}
    history = plain(history, "history")
    out = {key: value for key, value in history.items() if key not in HISTORY_LISTS}
    lists = {key: history[key] for key in HISTORY_LISTS if isinstance(history.get(key), list)}
    longest = max((len(v) for v in lists.values()), default=0)
    if longest and "epoch" not in lists and longest > MAX_HISTORY:
        lists["epoch"] = list(range(1, longest + 1))
    for key, values in lists.items():
        if len(values) > MAX_HISTORY:  # evenly spaced, first and last always kept
            keep = np.unique(np.linspace(0, len(values) - 1, MAX_HISTORY).round().astype(np.int64))
        else:
            keep = None
        if not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise TypeError(f"history.{key} must hold numbers")
        out[key] = _decimate(values, keep)
        if key == "epoch":
            out[key] = [None if v is None else int(v) for v in out[key]]
    for key in ("stopped", "diverged"):  # History keeps these as plain Python bools anyway
        if key in out and out[key] is not None:
            out[key] = bool(out[key])
    return out


def make_document(spec: ChainSpec, trained: bool, *, settings=None, layout=None, history=None,
                  dataset=None, optimiser_state=None) -> dict:
    """The model.json dictionary for a save; raises TypeError or FileProblem on unsaveable input."""
    doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "requires": REQUIRES,
           "writer": {"app": "Chainboard", "version": APP_VERSION},
           "trained": bool(trained), "spec": spec.to_dict(),
           "settings": plain(settings or {}, "settings"), "dataset": plain(dataset or {}, "dataset"),
           "history": history_summary(history), "layout": plain(layout or {}, "layout")}
    if optimiser_state:
        doc["optimiser_state"] = plain(optimiser_state, "optimiser_state")
    read_document(doc)  # the load-side checks, now: a save must never write what a load refuses
    return doc
