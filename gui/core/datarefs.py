"""The data a model file refers to: its `dataset` reference, rebuilt into a Dataset.

A model file does not carry its data, only a reference that rebuilds it:

    {"source": "generator", "name": "spiral", "params": {"n": 300, "noise": 0.1, "seed": 0, "classes": 3}}
    {"source": "bundled", "name": "iris"}
    {"source": "csv", "path": "tutorial.csv", "target": "label"}   (a relative path is next to the model)

plus what training learnt about it (`task`, `class_names`, `features`, `target`, and the
`normalisation` statistics), which `reference_for` adds.

    >>> ds, ref = data_from_argument("xor")
    >>> ref
    {'source': 'generator', 'name': 'xor', 'params': {}}
    >>> open_reference({"source": "generator", "name": "circle", "params": {"n": 50}})[0]
    Dataset('circle', 50 samples, 2 features, 2 classes)

Generators and bundled tables are looked up in fixed dictionaries, never imported by name.
No Qt: the command line uses this as the window does.
"""
from __future__ import annotations

from pathlib import Path

from engine.datasets import GENERATORS, TABLES, DataError, drawn_dataset, load_csv
from engine.modelfile import reference_problem

__all__ = ["data_from_argument", "open_reference", "reference_for", "describe_sources"]


def open_reference(ref: dict, folder=None):
    """(Dataset, reference) for a model file's dataset reference; a relative CSV path is
    looked up in `folder` (the model file's folder). Raises DataError when it cannot.

    The reference is checked by the rule load_model applies (`reference_problem`: generator
    parameters in range, no NUL in a path), so a command-line `--data` is refused as a model
    file saying the same would be."""
    problem = reference_problem(ref)
    if problem:
        raise DataError(problem)
    source, name = ref.get("source"), ref.get("name")
    params = dict(ref.get("params") or {})
    if source == "generator":
        return GENERATORS[name](**params), {"source": source, "name": name, "params": params}
    if source == "bundled" and name in TABLES:
        return TABLES[name](), {"source": source, "name": name}
    if source == "drawn":
        task, points = ref.get("task"), ref.get("points")
        return drawn_dataset(points, task), {"source": "drawn", "name": "drawn", "task": task, "points": points}
    if source == "csv" and ref.get("path"):
        path = Path(ref["path"])
        full = path if path.is_absolute() or folder is None else Path(folder) / path
        target = ref.get("target", -1)
        features = ref.get("features")
        dataset = load_csv(full, target, features, task=ref.get("task"))
        return dataset, {"source": "csv", "path": str(path), "target": dataset.target_name,
                         "features": list(dataset.feature_names)}
    raise DataError(f"the model's data ({source or 'no source'} {name or ''}) cannot be rebuilt here")


def describe_sources() -> str:
    """What a data argument may name, for messages: generators, bundled tables, a CSV file."""
    return f"a generator name ({', '.join(GENERATORS)}), a bundled table ({', '.join(TABLES)}) or a CSV file"


def data_from_argument(text: str, target=-1):
    """(Dataset, reference) for a command-line `--data` value: a generator or bundled name
    (`spiral`, `iris`), a generator with parameters (`spiral:n=300,classes=3`), or a CSV path
    whose last column (or `target`) is the target."""
    name, _, args = text.partition(":")
    if name in GENERATORS:
        params = {}
        for item in filter(None, args.split(",")):
            key, eq, value = item.partition("=")
            if not eq:
                raise DataError(f"generator parameters look like n=300,noise=0.1, not {item!r}")
            try:
                params[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else float(value)
            except ValueError:
                raise DataError(f"{key.strip()}={value!r} is not a number") from None
        return open_reference({"source": "generator", "name": name, "params": params})
    if name in TABLES and not args:
        return open_reference({"source": "bundled", "name": name})
    path = Path(text)
    if not path.exists():
        raise DataError(f"{text!r} is neither a dataset name ({', '.join([*GENERATORS, *TABLES])}) "
                        f"nor an existing CSV file")
    return open_reference({"source": "csv", "path": str(path.resolve()), "target": target})


def reference_for(ref: dict, dataset, standardiser=None) -> dict:
    """`ref` with what the model learnt about the data, ready for save_model's `dataset=`."""
    out = dict(ref, task=dataset.task, n_samples=len(dataset))
    if dataset.task == "classification":
        out["class_names"] = [str(c) for c in dataset.class_names]
    names = getattr(dataset, "feature_names", None)
    if names:
        out["features"] = [str(n) for n in names]
    if getattr(dataset, "target_name", None):
        out["target"] = str(dataset.target_name)
    if standardiser is not None:
        out["normalisation"] = standardiser.to_dict()
    return out
