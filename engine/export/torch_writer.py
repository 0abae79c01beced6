'''PyTorch export: one self-contained Python file, the nn.Module with its weights and the training loop.

    >>> import pathlib, tempfile
    >>> from engine import Chain, Dense, tanh, σ
    >>> from engine.export.exportable import Exportable
    >>> ex = Exportable.of(Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, σ, rng=1)),
    ...                    settings={"loss": "binarycrossentropy", "epochs": 20},
    ...                    dataset={"source": "generator", "name": "xor", "params": {"n": 100}})
    >>> text = source(ex, weights=None)
    >>> print(text[text.index("    return nn.Sequential"):text.index("    ]))")].strip())
    return nn.Sequential(OrderedDict([
            ("standardise", Standardise(MODEL_INPUTS)),
            ("layer1", nn.Linear(2, 8, dtype=DTYPE)),    # layer1 Dense(8, tanh)
            ("layer1_tanh", nn.Tanh()),
            ("layer2", nn.Linear(8, 1, dtype=DTYPE)),    # layer2 Dense(1, σ)
            ("layer2_sigmoid", nn.Sigmoid()),

Importing the file builds the global `model` (an nn.Sequential) and loads its weights; running it
trains as Chainboard does (see torch_training.py), alone or under `torchrun`. The first module,
`standardise`, applies the recorded input standardisation (after `features`, the derived inputs of a
model that has them), so `model` takes raw rows; a model without one fits it on its training rows
when it trains, as `chainboard train` does. The data
comes with the file: a generator's code (copied from engine.datasets, so a seed gives the same
points) and its settings, or the CSV file's path and columns. Weights are literals up to
literals.INLINE_LIMIT numbers, else in a `.npz` beside the file.

An activation is one entry of TORCH_MODULES: the torch module of the same formula. A formula becomes a
module class `Formula1`, `Formula2`, ... whose forward runs its steps (formula_source.py).
'''
from __future__ import annotations

import inspect
from pathlib import Path
from pprint import pformat

import numpy as np

from ..datasets import bundled, generators
from ..datasets.csvload import load_csv
from ..datasets.dataset import DataError
from ..nn.activations import LEAKY_SLOPE
from ..nn.optimisers import Adam, optimiser_from_dict
from .exportable import Exportable, ExportError, unsupported
from .formula_source import TORCH, helpers_used, python_function
from .literals import companion_path, inline, npz_bytes, python_weights
from .torch_training import TRAINING

__all__ = ["TORCH_MODULES", "source", "write", "training_settings", "data_source"]

TORCH_MODULES = {
    "identity": "nn.Identity()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leakyrelu": f"nn.LeakyReLU({LEAKY_SLOPE!r})",
    "softmax": "nn.Softmax(dim=-1)",
    "logsoftmax": "nn.LogSoftmax(dim=-1)",
    "elu": "nn.ELU()",
    "gelu": 'nn.GELU(approximate="tanh")',
    "swish": "nn.SiLU()",
    # torch returns x itself above `threshold`; at 40, log1p(e^-40) is below float64's resolution of x
    "softplus": "nn.Softplus(threshold=40.0)",
    "mish": "nn.Mish()",
    "logsigmoid": "nn.LogSigmoid()",
}
"""Activation name -> the torch module's constructor, as source."""

DEFAULTS = {"loss": "mse", "batch_size": 32, "epochs": 100, "seed": 0, "validation": 0.2}
"""What `chainboard train` uses for a setting a model file does not record."""


def training_settings(ex: Exportable) -> dict:
    """The settings the training loop follows: the model's, completed with `chainboard train`'s defaults."""
    settings = {**DEFAULTS, **{k: v for k, v in ex.settings.items() if k in DEFAULTS}}
    try:
        optimiser = optimiser_from_dict(ex.settings["optimiser"]) if "optimiser" in ex.settings else Adam(0.01)
    except (ValueError, TypeError) as error:
        raise ExportError(f"the model's optimiser settings are damaged: {error}") from None
    return {**settings, "optimiser": optimiser.to_dict()}


def data_source(ex: Exportable) -> dict | None:
    """What the training loop reads: {"source": "generator", "name", "params"}, {"source": "drawn", "task",
    "points"} or {"source": "csv", "path",
    "features", "target", "task", "class_names"}, or None when the model does not say."""
    ref = ex.dataset
    if ref.get("source") == "generator" and ref.get("name") in generators.GENERATORS:
        return {"source": "generator", "name": ref["name"], "params": dict(ref.get("params") or {})}
    if ref.get("source") == "drawn" and isinstance(ref.get("points"), list):
        return {"source": "drawn", "task": ref.get("task"), "points": ref["points"]}
    if ref.get("source") == "bundled" and ref.get("name") in bundled.TABLES:
        table = bundled.TABLES[ref["name"]]()
        return {"source": "csv", "path": str(Path(table.source).resolve()), "features": table.feature_names,
                "target": table.target_name, "task": table.task, "class_names": table.class_names}
    if ref.get("source") == "csv" and ref.get("path"):
        path = Path(ref["path"])
        path = path if path.is_absolute() or ex.folder is None else ex.folder / path
        found = {"source": "csv", "path": str(path.resolve()), "features": ref.get("features"),
                 "target": ref.get("target"), "task": ref.get("task"), "class_names": ref.get("class_names")}
        if None in (found["features"], found["target"], found["task"]) or \
                (found["task"] == "classification" and not found["class_names"]):
            try:  # an older reference without its columns: the file itself says
                table = load_csv(path, ref.get("target", -1), ref.get("features"), task=ref.get("task"))
            except DataError as error:
                raise ExportError(f"the model's data cannot be read for the training loop: {error}") from None
            found.update(features=table.feature_names, target=table.target_name, task=table.task,
                         class_names=table.class_names)
        return found
    return None


def _generator_source(name: str) -> str:
    make = generators.GENERATORS[name]
    parts = [inspect.getsource(f) for f in (generators._class_sizes, generators._finish, make)]
    return ("# ---- the data: Chainboard's generator, copied so that the same seed gives the same points ----\n\n"
            "def Dataset(X, y, **_):  # the arrays are all the training loop needs\n    return X, y\n\n\n"
            + "\n\n".join(parts) + f"\n\nGENERATOR = {make.__name__}\n")


def _formulas(ex: Exportable) -> dict:
    """Each formula of the Chain -> the name of its module class."""
    found = {}
    for step in ex.steps:
        if step.formula is not None:
            found.setdefault(step.formula, f"Formula{len(found) + 1}")
    return found


def _formula_modules(formulas: dict) -> str:
    """The helpers and one nn.Module per formula, forward written from its steps."""
    parts = helpers_used(formulas, "torch")
    for f, name in formulas.items():
        forward = python_function(f, "forward", TORCH).replace("def forward(x):", "def forward(self, x):")
        parts.append(f"class {name}(nn.Module):\n" + "".join(f"    {line}\n" if line else "\n"
                                                                for line in forward.splitlines()))
    return "\n\n".join(parts) + "\n\n" if parts else ""


def _modules(ex: Exportable) -> list[str]:
    lines = ['        ("features", Features()),'] if ex.features else []
    lines.append('        ("standardise", Standardise(MODEL_INPUTS)),')
    formulas = _formulas(ex)
    for step in ex.steps:
        if step.formula is None and step.activation not in TORCH_MODULES:
            raise unsupported(step.activation, "PyTorch")
        act = f"{formulas[step.formula]}()" if step.formula is not None else TORCH_MODULES[step.activation]
        if step.kind == "dense":
            n_out, n_in = step.weight.shape
            bias = "" if step.bias is not None else ", bias=False"
            lines.append(f'        ("{step.key}", nn.Linear({n_in}, {n_out}{bias}, dtype=DTYPE)),    # {step.name}')
            if step.activation != "identity":
                lines.append(f'        ("{step.key}_{step.activation}", {act}),')
        else:
            lines.append(f'        ("{step.key}", {act}),    # {step.name}')
    return lines


def _arrays(ex: Exportable) -> dict:
    arrays = ex.arrays()
    if ex.standardiser is None:  # the module is there all the same: training fits it
        arrays = {"standardise.mean": np.zeros(ex.spec.inputs), "standardise.std": np.ones(ex.spec.inputs), **arrays}
    return arrays


def _features_source(ex: Exportable) -> str:
    """`derived(x)` (the derived inputs after the raw ones, in float64, as the engine computes them) and the
    module `Features` that applies it; the identity for a model without derived inputs."""
    def column(feature):
        a = f"x[:, {feature.columns[0]}:{feature.columns[0] + 1}]"
        return f"{a} * x[:, {feature.columns[1]}:{feature.columns[1] + 1}]" if feature.op == "product" \
            else f"torch.sin({a})"
    labels = ", ".join(feature.label for feature in ex.derived()) or "none"
    body = f"torch.cat([x, {', '.join(column(f) for f in ex.derived())}], 1)" if ex.features else "x"
    return f'''def derived(x):
    """Raw rows (a float64 tensor) -> the Chain's inputs: the raw columns, then the derived ones ({labels})."""
    return {body}


class Features(nn.Module):
    """The derived inputs, computed in float64 from the raw rows."""

    def forward(self, x):
        return derived(x.to(torch.float64))


'''


def source(ex: Exportable, weights: str | None) -> str:
    """The file's text; `weights` names the companion .npz, or None to inline them."""
    settings, data = training_settings(ex), data_source(ex)
    optimiser = settings["optimiser"]
    shown = ", ".join(f"{k}={v}" for k, v in optimiser.items() if k != "name")
    header = "\n".join(ex.summary())
    generator = _generator_source(data["name"]) if data and data["source"] == "generator" else ""
    return f'''"""{header}

    from model import model            # with this file saved as model.py: an nn.Module, weights loaded
    model(torch.tensor([[...]], dtype=torch.{ex.dtype}))    # rows of raw inputs -> (n, {ex.outputs})

Run it to train as Chainboard does (the same data, split, standardisation, loss, optimiser, minibatches and
seed), starting from these weights: {settings["epochs"]} epochs of {optimiser["name"]}({shown}) on {settings["loss"]},
batches of {settings["batch_size"]}.

    python model.py [--epochs N] [--data CSV] [--out trained.pt]
    torchrun --standalone --nproc_per_node=4 model.py      # DistributedDataParallel: gloo on CPUs, nccl on GPUs

Each process takes its share of every minibatch and the gradients are averaged, so N processes take the steps
one does. Written by Chainboard's PyTorch export; needs torch and numpy.
"""
import argparse
import math
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn

DTYPE = torch.{ex.dtype}
INPUTS, OUTPUTS = {ex.inputs}, {ex.outputs}
MODEL_INPUTS = {ex.spec.inputs}  # what the Chain's first layer takes: the raw inputs and any derived ones
SETTINGS = {pformat(settings, width=110)}
DATA = {pformat(data, width=110)}
STANDARDISED = {ex.standardiser is not None}  # the weights bring the input standardisation (else training fits it)


class Standardise(nn.Module):
    """(x - mean) / std in float64, with the training data's statistics, then the model's dtype."""

    def __init__(self, features):
        super().__init__()
        self.register_buffer("mean", torch.zeros(features, dtype=torch.float64))
        self.register_buffer("std", torch.ones(features, dtype=torch.float64))

    def forward(self, x):
        return ((x.to(torch.float64) - self.mean) / self.std).to(DTYPE)


{_features_source(ex)}{_formula_modules(_formulas(ex))}def build():
    """The Chain as an nn.Sequential, with fresh weights (`load` gives it the exported ones)."""
    return nn.Sequential(OrderedDict([
{chr(10).join(_modules(ex))}
    ]))


# the state dict, as numbers
{python_weights(_arrays(ex), weights)}

def load(module, weights=WEIGHTS):
    """Put `weights` (a state dict of arrays) into `module`."""
    module.load_state_dict({{name: torch.from_numpy(np.asarray(value)) for name, value in weights.items()}})
    return module


model = load(build())
{generator}{TRAINING}'''


def write(ex: Exportable, path: Path, inline_limit=None) -> dict:
    """{path: bytes}: the .py file, and the .npz beside it for a large model."""
    arrays = _arrays(ex)
    if inline(arrays, inline_limit):
        return {path: source(ex, None).encode()}
    weights = companion_path(path)
    return {path: source(ex, weights.name).encode(), weights: npz_bytes(arrays)}
