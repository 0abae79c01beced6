"""Flux.jl export: Julia code that rebuilds the Chain in today's Flux, with its weights.

    >>> from engine import Chain, Dense, tanh, σ, softmax
    >>> from engine.export.exportable import Exportable
    >>> text = source(Exportable.of(Chain(Dense(4, 8, tanh, rng=0), Dense(8, 3, rng=1), softmax)), weights=None)
    >>> print(text[text.index("model = "):text.index("# trained")].strip())
    model = f64(Chain(
        Dense(4 => 8, tanh),    # layer1 Dense(8, tanh)
        Dense(8 => 3),          # layer2 Dense(3)
        softmax,                # layer3 softmax
    ))

Flux stores a Dense weight as (out, in), as the engine does, and takes one sample per column: a
batch is (features, batch), so rows X go in as `permutedims(X)`. Weights are typed literals
(`Float64[...]`, exact) up to literals.INLINE_LIMIT numbers, else read from a `.npz` beside the
file with NPZ.jl. A recorded input standardisation is the Chain's first step, so the model
takes raw inputs. float64 models are wrapped in `f64` (Flux makes Float32 layers by default).

An activation is one entry of FLUX_ACTIVATIONS: the Flux (NNlib) function of the same formula. A formula
becomes a Julia function `formula_1`, ... of one number, with a method that broadcasts it over an array (so it
serves as a Dense layer's activation and as a block of the Chain), written from its steps (formula_source.py).
"""
from __future__ import annotations

from pathlib import Path

from .exportable import Exportable, unsupported
from .formula_source import julia_function
from .literals import companion_path, inline, julia_literal, npz_bytes

__all__ = ["FLUX_ACTIVATIONS", "source", "write"]

FLUX_ACTIVATIONS = {
    "identity": "identity",
    "sigmoid": "σ",
    "tanh": "tanh",
    "relu": "relu",
    "leakyrelu": "leakyrelu",     # NNlib's default slope is 0.01, as the engine's
    "softmax": "softmax",         # over dims=1: the features of each sample (column)
    "logsoftmax": "logsoftmax",
    "elu": "elu",                 # α = 1, NNlib's default
    "gelu": "gelu",               # NNlib's gelu is the tanh approximation (gelu_tanh), as the engine's
    "swish": "swish",
    "softplus": "softplus",
    "mish": "mish",
    "logsigmoid": "logσ",
}
"""Activation name -> the Flux function."""


def _formulas(ex: Exportable) -> dict:
    """Each formula of the Chain -> its Julia function's name."""
    found = {}
    for step in ex.steps:
        if step.formula is not None:
            found.setdefault(step.formula, f"formula_{len(found) + 1}")
    return found


def _chain_lines(ex: Exportable) -> list[str]:
    lines = [("derived,", "the derived inputs: " + ", ".join(f.label for f in ex.derived()))] if ex.features else []
    if ex.standardiser is not None:
        lines.append(("standardise,", "the recorded input standardisation"))
    formulas = _formulas(ex)
    for step in ex.steps:
        if step.formula is None and step.activation not in FLUX_ACTIVATIONS:
            raise unsupported(step.activation, "Flux")
        act = formulas[step.formula] if step.formula is not None else FLUX_ACTIVATIONS[step.activation]
        if step.kind == "dense":
            n_in = step.weight.shape[1]
            extra = "" if step.bias is not None else ", bias=false"
            suffix = "" if step.activation == "identity" else f", {act}"
            lines.append((f"Dense({n_in} => {step.weight.shape[0]}{suffix}{extra}),", step.name))
        else:
            lines.append((f"{act},", step.name))
    width = max(len(code) for code, _ in lines) + 4
    return [f"    {code:<{width}}# {comment}" for code, comment in lines]


def _assignments(ex: Exportable, weights: str | None) -> list[str]:
    """Julia lines that put the weights into `model`, layer by layer."""
    offset = (ex.standardiser is not None) + bool(ex.features)
    out = []
    for step in ex.steps:
        if step.kind != "dense":
            continue
        at = f"model[{step.index + offset}]"
        for part in ("weight", "bias"):
            value = getattr(step, part)
            if value is None:
                continue
            literal = f'weights["{step.key}.{part}"]' if weights else julia_literal(value)
            out.append(f"{at}.{part} .= {literal}")
    return out


def _standardise(ex: Exportable, weights: str | None) -> list[str]:
    if ex.standardiser is None:
        return []
    kind = "Float32" if str(ex.dtype) == "float32" else "Float64"
    mean, std = ("weights[\"standardise.mean\"]", "weights[\"standardise.std\"]") if weights else \
        (julia_literal(ex.standardiser.mean), julia_literal(ex.standardiser.std))
    return ["# the training data's statistics: the model takes raw inputs, as `chainboard predict` does",
            f"const input_mean = {mean}", f"const input_std = {std}",
            f"standardise(x) = {kind}.((x .- input_mean) ./ input_std)", ""]


def _derived(ex: Exportable) -> list[str]:
    """`derived(x)`: a sample per column, the raw rows first, then each derived input (as engine.nn.features)."""
    if not ex.features:
        return []
    def row(feature):
        a = f"x[{feature.columns[0] + 1}:{feature.columns[0] + 1}, :]"
        return f"{a} .* x[{feature.columns[1] + 1}:{feature.columns[1] + 1}, :]" if feature.op == "product" \
            else f"sin.({a})"
    return ["# the derived inputs, computed from the two raw ones before standardising",
            f"derived(x) = vcat(x, {', '.join(row(f) for f in ex.derived())})", ""]


def source(ex: Exportable, weights: str | None) -> str:
    """The .jl text; `weights` names the companion .npz, or None to write the weights as literals."""
    chain = _chain_lines(ex)
    opening = "model = f64(Chain(" if str(ex.dtype) == "float64" else "model = Chain("
    closing = "))" if str(ex.dtype) == "float64" else ")"
    summary = "\n".join(f"# {line}" for line in ex.summary())
    loading = ["using NPZ", f'weights = npzread(joinpath(@__DIR__, "{weights}"))', ""] if weights else []
    return "\n".join([
        summary,
        "#",
        "# Use it from Julia (Flux takes one sample per column):",
        "#     include(\"model.jl\")".ljust(41) + "# with this file saved as model.jl: defines `model`",
        f"#     model(rand({ex.inputs}))".ljust(41) + f"# one sample of {ex.inputs} raw inputs -> {ex.outputs} outputs",
        "#     model(permutedims(X))".ljust(41) + "# rows X (n, features) -> (outputs, n)",
        "#",
        "# Written by Chainboard's Flux export.",
        "using Flux",
        *loading,
        *_derived(ex),
        *_standardise(ex, weights),
        *[julia_function(f, name) for f, name in _formulas(ex).items()],
        opening,
        *chain,
        closing,
        "",
        "# trained weights, (out, in) as Flux stores them" if ex.trained else
        "# the untrained weights Chainboard would start training from, (out, in) as Flux stores them",
        *_assignments(ex, weights),
        "",
    ])


def write(ex: Exportable, path: Path, inline_limit=None) -> dict:
    """{path: bytes}: the .jl file, and the .npz beside it for a large model."""
    arrays = ex.arrays()
    if inline(arrays, inline_limit):
        return {path: source(ex, None).encode()}
    weights = companion_path(path)
    return {path: source(ex, weights.name).encode(), weights: npz_bytes(arrays)}
