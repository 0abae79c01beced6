"""Numbers as source text, exact to the last bit, and the companion weights file for large models.

    >>> python_literal(np.array([[0.1, -2.5e-12], [3.0, 4.0]]))
    '[[0.1, -2.5e-12], [3.0, 4.0]]'
    >>> julia_literal(np.array([[1.5, 2.0], [3.0, 4.0]], dtype=np.float32))
    'Float32[1.5 2.0; 3.0 4.0]'
    >>> julia_literal(np.array([[1.0], [2.0]]))                        # one column: still a matrix
    'reshape(Float64[1.0, 2.0], 2, 1)'

`repr` of a Python float is the shortest text that reads back as the same float64, and a float32
value is exactly a float64 one, so the literals lose nothing. Models past INLINE_LIMIT numbers keep
their weights in a `.npz` file beside the exported one (`companion_path`), written by `npz_bytes`.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

__all__ = ["INLINE_LIMIT", "python_literal", "python_weights", "julia_literal", "companion_path", "npz_bytes",
           "inline"]

INLINE_LIMIT = 20_000
"""Numbers a model may have and still carry its weights as literals in the exported file."""


def inline(arrays: dict, limit: int | None = None) -> bool:
    """Whether `arrays` are small enough to write as literals."""
    return sum(a.size for a in arrays.values()) <= (INLINE_LIMIT if limit is None else limit)


def _numbers(values) -> list[str]:
    return [repr(float(v)) for v in values]


def python_literal(array: np.ndarray) -> str:
    """Nested Python lists with exact numbers (rows of a matrix on one line each when printed with `indent`)."""
    if array.ndim == 1:
        return "[" + ", ".join(_numbers(array)) + "]"
    return "[" + ", ".join(python_literal(row) for row in array) + "]"


def python_weights(arrays: dict[str, np.ndarray], companion: str | None) -> str:
    """Python source that defines `WEIGHTS`, a dict of numpy arrays: literals, or loaded from the `companion` .npz.

    >>> print(python_weights({"layer1.bias": np.array([0.5, -1.0])}, None))
    WEIGHTS = {
        'layer1.bias': np.array([0.5, -1.0], dtype=np.float64),
    }
    <BLANKLINE>
    """
    if companion is not None:
        return (f"# the weights are in {companion}, beside this file (arrays named as below)\n"
                f"with np.load(Path(__file__).with_name({companion!r}), allow_pickle=False) as _file:\n"
                "    WEIGHTS = {name: _file[name] for name in _file.files}\n")
    rows = [f"    {name!r}: np.array({python_literal(value)}, dtype=np.{value.dtype}),"
            for name, value in arrays.items()]
    return "WEIGHTS = {\n" + "\n".join(rows) + "\n}\n"


def julia_literal(array: np.ndarray) -> str:
    """A typed Julia array literal: `Float64[1.0, 2.0]` for a vector, `Float64[1.0 2.0; 3.0 4.0]` for a matrix."""
    kind = "Float32" if array.dtype == np.float32 else "Float64"
    if array.ndim == 1:
        return f"{kind}[{', '.join(_numbers(array))}]"
    if array.shape[1] == 1:  # `[1.0; 2.0]` would be a vector
        return f"reshape({kind}[{', '.join(_numbers(array[:, 0]))}], {array.shape[0]}, 1)"
    return f"{kind}[" + "; ".join(" ".join(_numbers(row)) for row in array) + "]"


def companion_path(path) -> Path:
    """Where the weights of an export at `path` go when they are too many to inline: `model.py` -> `model.npz`."""
    return Path(path).with_suffix(".npz")


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed `.npz` (what `np.load(..., allow_pickle=False)` and Julia's NPZ.jl read)."""
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()
