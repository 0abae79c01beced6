"""What each kind of block is called, what it computes, and how it looks: one table for palette,
canvas and properties panel.

>>> [entry.key for entry in PALETTE][:3]
['input', 'dense', 'sigmoid']
>>> display_name(Block(1, "activation", activation="sigmoid"))
'Sigmoid σ'
>>> block = Block(1, "activation", activation="formula", formula="swish(x) = x*σ(x)")
>>> display_name(block), detail(block)
('swish', 'x * σ(x)')
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QIcon

from engine import formula
from engine.nn import FEATURES

from ..core.resources import resource
from .document import Block

ICONS = resource("icons")

# Hues chosen to stay distinct for the common colour-vision deficiencies and readable with white text.
KIND_COLOURS = {"input": "#0e9384", "dense": "#4a63d8", "activation": "#d97706"}
NORMALISING_COLOUR = "#c2417d"  # softmax and logsoftmax end a classifier: give them their own hue

ACTIVATION_TITLES = {"identity": "Identity", "sigmoid": "Sigmoid σ", "tanh": "Tanh", "relu": "ReLU",
                     "leakyrelu": "Leaky ReLU", "elu": "ELU", "gelu": "GELU", "swish": "Swish (SiLU)",
                     "softplus": "Softplus", "mish": "Mish", "logsigmoid": "Log-sigmoid logσ",
                     "softmax": "Softmax", "logsoftmax": "Log-softmax", "formula": "Formula"}
FORMULAS = {"identity": "x ↦ x", "sigmoid": "1 / (1 + e⁻ˣ)", "tanh": "(eˣ−e⁻ˣ)/(eˣ+e⁻ˣ)",
            "relu": "max(0, x)", "leakyrelu": "max(0.01x, x)", "elu": "x > 0 ? x : eˣ − 1",
            "gelu": "≈ x·Φ(x), tanh form", "swish": "x·σ(x)", "softplus": "log(1 + eˣ)",
            "mish": "x·tanh(softplus(x))", "logsigmoid": "log σ(x) = −softplus(−x)",
            "softmax": "eˣⁱ / Σ eˣʲ", "logsoftmax": "xᵢ − log Σ eˣʲ", "formula": "f(x), as you type it"}
DEFAULT_FORMULA = "x * σ(x)"  # what a new Formula block starts with: a formula that trains well
INIT_TITLES = {"glorot_uniform": "Glorot uniform", "glorot_normal": "Glorot normal",
               "he_uniform": "He uniform", "he_normal": "He normal", "zeros": "Zeros"}


@dataclass(frozen=True)
class PaletteEntry:
    key: str  # icon file stem and a stable name for tests
    title: str
    template: dict  # Block fields without id and position
    tooltip: str
    section: str = "Activations"  # palette heading

    def icon(self) -> QIcon:
        return QIcon(str(ICONS / f"{self.key}.svg"))


def _activation(name: str, what: str) -> PaletteEntry:
    return PaletteEntry(name, ACTIVATION_TITLES[name], {"kind": "activation", "activation": name},
                        f"<b>{ACTIVATION_TITLES[name]}</b>: {FORMULAS[name]}<br>{what}<br>"
                        "Applied to every feature; the shape does not change.")


PALETTE = (
    PaletteEntry("input", "Input", {"kind": "input", "units": 2},
                 "<b>Input</b>: where a batch of samples enters, shape (n, features).<br>"
                 "Set the number of features in the properties panel.", "Input"),
    PaletteEntry("dense", "Dense", {"kind": "dense", "units": 8},
                 "<b>Dense</b>: y = act(x·Wᵀ + b), every input joined to every output.<br>"
                 "Weights W (out × in) and bias b are learned; choose the output size and an optional "
                 "activation in the properties panel.", "Layers"),
    _activation("sigmoid", "Squashes each value into (0, 1); the classic choice for a yes/no output."),
    _activation("tanh", "Squashes each value into (−1, 1), centred on zero."),
    _activation("relu", "Keeps positives, zeroes negatives: cheap and the usual hidden-layer choice."),
    _activation("leakyrelu", "Like ReLU, but lets a small slope (0.01) through for negatives."),
    _activation("elu", "Like ReLU for positives; negatives curve smoothly down to −1."),
    _activation("gelu", "A smooth ReLU that dips slightly below zero (the tanh approximation, as in Flux)."),
    _activation("swish", "x times its own sigmoid: smooth, like GELU."),
    _activation("softplus", "A smooth ReLU that is always positive."),
    _activation("mish", "x·tanh(softplus(x)): smooth and non-monotonic, like Swish."),
    _activation("logsigmoid", "The log of the sigmoid, computed stably; never above zero."),
    _activation("softmax", "Turns a row of scores into probabilities that sum to 1; ends a classifier."),
    _activation("logsoftmax", "The log of softmax, computed stably; pair it with a log-likelihood loss."),
    _activation("identity", "Passes values through unchanged."),
    PaletteEntry("formula", "Formula…", {"kind": "activation", "activation": "formula", "formula": DEFAULT_FORMULA},
                 "<b>Formula</b>: an activation you type, such as x * σ(x) or where(x &gt; 0, x, 0.1 * x).<br>"
                 "Numbers, + − * / **, exp, log, sqrt, abs, sin, cos, tanh, σ, relu, softplus, min, max, "
                 "where(condition, a, b), e and π; name it as swish(x) = ....<br>"
                 "Its derivatives come from the engine; the properties panel plots f, f′ and f″.", "Your own"),
)


def palette_entry(key: str) -> PaletteEntry:
    return next(entry for entry in PALETTE if entry.key == key)


def display_name(block: Block) -> str:
    """The title drawn on a block."""
    if block.kind == "activation" and block.activation == "formula":
        return formula(block.formula).title or ACTIVATION_TITLES["formula"]
    if block.kind == "activation":
        return ACTIVATION_TITLES[block.activation]
    return block.kind.capitalize()


def detail(block: Block) -> str:
    """The block's one-line summary of its own settings."""
    if block.kind == "input" and block.features:  # x₁, x₂ and the derived inputs the Data group ticked
        derived = ", ".join(FEATURES[name].label for name in block.features)
        return f"x₁, x₂, {derived}" if len(derived) <= 12 else f"x₁, x₂ + {len(block.features)} derived"
    if block.kind == "input":
        return f"{block.units} feature{'s' if block.units != 1 else ''}"
    if block.kind == "activation" and block.activation == "formula":
        return formula(block.formula).canonical
    if block.kind == "activation":
        return FORMULAS[block.activation]
    parts = [f"{block.units} unit{'s' if block.units != 1 else ''}"]
    if block.activation != "identity":
        parts.append(block.layer_spec().symbol)
    if not block.bias:
        parts.append("no bias")
    return " · ".join(parts)


def kind_colour(block: Block) -> QColor:
    if block.kind == "activation" and block.activation in ("softmax", "logsoftmax"):
        return QColor(NORMALISING_COLOUR)
    return QColor(KIND_COLOURS[block.kind])


def icon_key(block: Block) -> str:
    return block.activation if block.kind == "activation" else block.kind
