"""What a model file's `dataset` reference may say, checked before anything is built from it.

A reference rebuilds the data a model learnt from: a generator with its parameters, a bundled
table, or a CSV file's path. `reference_problem` says what is wrong with one (None when it can
be rebuilt in principle: the CSV file itself is not read here), so that `load_model` refuses a
file whose data could never be made, and the app checks a reference the same way before it
generates anything.

    >>> reference_problem({"source": "generator", "name": "spiral", "params": {"n": 300, "classes": 3}}) is None
    True
    >>> reference_problem({"source": "generator", "name": "spiral", "params": {"classes": 10**19}})
    "the spiral generator's classes must be a whole number from 2 to 100, not 10000000000000000000"
    >>> reference_problem({"source": "csv", "path": "a\\0b.csv"})
    'the CSV path holds a NUL character, which no file name can'
"""
from __future__ import annotations

import inspect
import math

from ..datasets.bundled import TABLES
from ..datasets.csvload import MAX_CLASSES
from ..datasets.drawn import points_problem
from ..datasets.generators import GENERATORS

__all__ = ["reference_problem", "generator_problem", "GENERATOR_PARAMS", "MAX_GENERATED", "SOURCES"]

MAX_GENERATED = 1_000_000
SOURCES = ("generator", "bundled", "csv", "drawn")
# (whole number?, lowest, highest) for each parameter the generators take; the seed fits a C int
# because the window shows it in a spin box.
GENERATOR_PARAMS = {
    "n": (True, 1, MAX_GENERATED),
    "noise": (False, 0.0, 100.0),
    "seed": (True, 0, 2**31 - 1),
    "classes": (True, 2, MAX_CLASSES),
    "a": (False, -1e6, 1e6), "b": (False, -1e6, 1e6), "c": (False, -1e6, 1e6),
}


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def generator_problem(name: str, params: dict) -> str | None:
    """What is wrong with generating `name` with `params`, or None."""
    if not isinstance(name, str) or name not in GENERATORS:
        return f"there is no generator {_shown(name)} (there are {', '.join(GENERATORS)})"
    if not isinstance(params, dict):
        return f"the {name} generator's parameters must be an object, not {_shown(params)}"
    allowed = list(inspect.signature(GENERATORS[name]).parameters)
    for key, value in params.items():
        if key not in allowed:
            return f"the {name} generator has no parameter {_shown(key)} (it takes {', '.join(sorted(allowed))})"
        whole, lo, hi = GENERATOR_PARAMS[key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not number or (whole and not isinstance(value, int)) or not lo <= value <= hi:
            kind = "a whole number" if whole else "a number"
            return f"the {name} generator's {key} must be {kind} from {lo:,} to {hi:,}, not {_shown(value)}"
    return None


def reference_problem(ref: dict) -> str | None:
    """What stops `ref` (a model file's `dataset` entry) from rebuilding its data, or None.

    A reference without a `source` says nothing to rebuild, and is fine.
    """
    if not isinstance(ref, dict):
        return f"the data reference must be an object, not {_shown(ref)}"
    source = ref.get("source")
    if source is None:
        return None
    if source not in SOURCES:
        return f"the data source {_shown(source)} is not one of {', '.join(SOURCES)}"
    if source == "generator":
        return generator_problem(ref.get("name"), ref.get("params", {}))
    if source == "drawn":  # the points themselves are in the file: checked as hostile input
        return points_problem(ref.get("points"), ref.get("task"))
    if source == "bundled":
        name = ref.get("name")
        return None if isinstance(name, str) and name in TABLES else f"there is no bundled table {_shown(name)} (there are " \
                                           f"{', '.join(TABLES)})"
    path = ref.get("path")
    if not isinstance(path, str) or not path:
        return "a CSV data reference needs the file's path"
    if "\0" in path:
        return "the CSV path holds a NUL character, which no file name can"
    return None
