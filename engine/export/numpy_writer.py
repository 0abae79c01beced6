'''NumPy export: one Python file with `predict(X)`, depending on nothing but numpy.

    >>> from engine import Chain, Dense, tanh, σ
    >>> from engine.export.exportable import Exportable
    >>> import pathlib, runpy, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.py"
    >>> ex = Exportable.of(Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, σ, rng=1)))
    >>> _ = path.write_text(source(ex, weights=None))
    >>> predict = runpy.run_path(str(path))["predict"]          # what `from model import predict` gets
    >>> predict([0.5, -1.0]).shape, bool(abs(predict([[0.5, -1.0]]) - ex.predict([[0.5, -1.0]])).max() < 1e-12)
    ((1,), True)

The forward pass repeats the engine's formulas operation for operation (the stable two-sided
sigmoid, max-shifted softmax, ...), so the outputs equal the engine's to rounding (tests hold
them to 1e-9). Weights are literals in the file up to literals.INLINE_LIMIT numbers, else in a
`.npz` beside it that the file loads with `allow_pickle=False`.

An activation is one entry of ACTIVATION_SOURCE: the numpy function's source text. A formula becomes a
function `formula_1`, `formula_2`, ... of its steps (formula_source.py).
'''
from __future__ import annotations

from pathlib import Path

from ..nn.activations import GELU_C2, GELU_K, LEAKY_SLOPE
from .exportable import Exportable, unsupported
from .formula_source import NUMPY, helpers_used, python_function
from .literals import companion_path, inline, npz_bytes, python_weights

__all__ = ["ACTIVATION_SOURCE", "source", "write"]

ACTIVATION_SOURCE = {
    "identity": "def identity(x):\n    return x\n",
    "sigmoid": ("def sigmoid(x):\n    e = np.exp(-np.abs(x))  # exp of a non-positive number only: never overflows\n"
                "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))\n"),
    "tanh": "def tanh(x):\n    return np.tanh(x)\n",
    "relu": "def relu(x):\n    return np.where(x > 0, x, 0).astype(x.dtype)\n",
    "leakyrelu": f"def leakyrelu(x, a={LEAKY_SLOPE!r}):\n    return np.where(x > 0, x, x * x.dtype.type(a))\n",
    "softmax": ("def softmax(x):\n    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n"
                "    return e / np.sum(e, axis=-1, keepdims=True)\n"),
    "logsoftmax": ("def logsoftmax(x):\n    shifted = x - np.max(x, axis=-1, keepdims=True)\n"
                   "    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))\n"),
    "elu": "def elu(x):\n    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))\n",
    "gelu": (f"def gelu(x):  # the tanh approximation, as x σ(2√(2/π)(x + 0.044715x³))\n"
             f"    z = {GELU_C2!r} * (x + {GELU_K!r} * x * x * x)\n    e = np.exp(-np.abs(z))\n"
             "    return x * np.where(z >= 0, 1 / (1 + e), e / (1 + e))\n"),
    "swish": ("def swish(x):\n    e = np.exp(-np.abs(x))\n"
              "    return x * np.where(x >= 0, 1 / (1 + e), e / (1 + e))\n"),
    "softplus": "def softplus(x):\n    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))\n",
    "mish": "def mish(x):\n    return x * np.tanh(np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))\n",
    "logsigmoid": "def logsigmoid(x):\n    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))\n",
}
"""Activation name -> the source of a numpy function of that name (the engine's forward formula)."""


def source(ex: Exportable, weights: str | None) -> str:
    """The file's text; `weights` names the companion .npz, or None to inline them."""
    used, formulas = [], {}
    for step in ex.steps:
        if step.formula is not None:
            formulas.setdefault(step.formula, f"formula_{len(formulas) + 1}")
        elif step.activation not in ACTIVATION_SOURCE:
            raise unsupported(step.activation, "NumPy")
        elif step.activation not in used and (step.kind == "activation" or step.activation != "identity"):
            used.append(step.activation)
    functions = [ACTIVATION_SOURCE[name] for name in used] + helpers_used(formulas, "numpy") + \
        [python_function(f, name, NUMPY) for f, name in formulas.items()]
    body = []
    if ex.features:
        columns = ", ".join(_derived(feature) for feature in ex.derived())
        labels = ", ".join(feature.label for feature in ex.derived())
        body.append(f"    X = np.column_stack([X, {columns}])  # the derived inputs {labels}")
    if ex.standardiser is not None:
        body.append('    X = ((X - WEIGHTS["standardise.mean"]) / WEIGHTS["standardise.std"]).astype(DTYPE)'
                    "  # standardise (in float64)")
    else:
        body.append("    X = X.astype(DTYPE)")
    for step in ex.steps:
        if step.kind == "dense":
            bias = f' + WEIGHTS["{step.key}.bias"]' if step.bias is not None else ""
            body.append(f'    X = X @ WEIGHTS["{step.key}.weight"].T{bias}  # {step.name}')
            if step.activation != "identity":
                body.append(f"    X = {_function(step, formulas)}(X)")
        else:
            body.append(f"    X = {_function(step, formulas)}(X)  # {step.name}")
    header = "\n".join(ex.summary())
    return f'''"""{header}

    from model import predict          # with this file saved as model.py
    predict([[...], [...]])            # rows of raw inputs ({ex.inputs} each) -> an (n, {ex.outputs}) array
    predict([...])                     # one row -> ({ex.outputs},)

Needs nothing but numpy. Written by Chainboard's NumPy export.
"""
from pathlib import Path

import numpy as np

DTYPE = np.{ex.dtype}
INPUTS = {ex.inputs}

{python_weights(ex.arrays(), weights)}

{chr(10).join(source + chr(10) for source in functions)}
def predict(X):
    """The model's outputs for raw inputs: rows (n, {ex.inputs}) -> (n, {ex.outputs}); one row ({ex.inputs},) ->
    ({ex.outputs},)."""
    X = np.asarray(X, dtype=np.float64)
    one = X.ndim == 1
    X = np.atleast_2d(X)
    if X.ndim != 2 or X.shape[1] != INPUTS:
        raise ValueError(f"predict takes rows of {{INPUTS}} inputs, not an array of shape {{np.shape(X)}}")
{chr(10).join(body)}
    return X[0] if one else X
'''


def _derived(feature) -> str:
    """A derived input as numpy source, the same operation the engine does (engine.nn.features)."""
    a = f"X[:, {feature.columns[0]}]"
    return f"{a} * X[:, {feature.columns[1]}]" if feature.op == "product" else f"np.sin({a})"


def _function(step, formulas) -> str:
    return formulas[step.formula] if step.formula is not None else step.activation


def write(ex: Exportable, path: Path, inline_limit=None) -> dict:
    """{path: bytes}: the .py file, and the .npz beside it for a large model."""
    arrays = ex.arrays()
    if inline(arrays, inline_limit):
        return {path: source(ex, None).encode()}
    weights = companion_path(path)
    return {path: source(ex, weights.name).encode(), weights: npz_bytes(arrays)}
