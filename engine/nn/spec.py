"""ChainSpec and LayerSpec: a Chain described as plain data, with shape inference and validation.

The canvas edits a ChainSpec, model files store one, and `build` turns one into an engine Chain:

>>> spec = ChainSpec(10, (LayerSpec("dense", 5, "sigmoid"), LayerSpec("dense", 2),
...                       LayerSpec("activation", activation="softmax")))
>>> spec.shapes(), spec.param_count(), spec.problems()
([5, 2, 2], 67, [])
>>> spec.to_dict()["layers"][2]
{'kind': 'activation', 'activation': 'softmax'}
>>> repr(spec.build(seed=0))                                  # doctest: +SKIP
'Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)'

Names come from the registries (`ACTIVATIONS`, `INITIALISERS`): there is one list of each. Besides
the registry's names, an activation may be "formula", with its text in `formula` (engine.nn.formula),
checked when the LayerSpec is made:

>>> LayerSpec("dense", 4, "formula", formula="swish(x) = x * σ(x)").to_dict()["formula"]
'swish(x) = x * σ(x)'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .activations import ACTIVATIONS, NORMALISING, Activation
from .features import DATA_INPUTS, check_features
from .formula import Formula, formula
from .formula_syntax import FormulaError
from .layers import INITIALISERS, Chain, Dense

ACTIVATION_NAMES = tuple(ACTIVATIONS)  # canonical names, in palette order
FORMULA = "formula"  # the activation whose function is the LayerSpec's `formula` text
ACTIVATION_CHOICES = ACTIVATION_NAMES + (FORMULA,)
ACTIVATION_SYMBOLS = {name: act.symbol for name, act in ACTIVATIONS.items()}  # what an engine repr shows
INIT_NAMES = tuple(INITIALISERS)
KINDS = ("dense", "activation")
MAX_FEATURES = 1_000_000  # a size beyond this is a typo, not a small network


def _check_choice(what: str, value: Any, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(choices)}")


def _check_size(what: str, value: Any) -> int:
    # bool is an int subclass, and True would silently mean "1 feature"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if not 1 <= value <= MAX_FEATURES:
        raise ValueError(f"{what} must be between 1 and {MAX_FEATURES}, got {value}")
    return int(value)


@dataclass(frozen=True)
class LayerSpec:
    """One step of a Chain: a Dense layer (with an optional fused activation) or an activation block.

    >>> LayerSpec("dense", 5, "sigmoid").label()
    'Dense(5, σ)'
    >>> LayerSpec("activation", activation="relu").label()
    'relu'
    """

    kind: str
    units: int | None = None
    activation: str = "identity"
    bias: bool = True
    init: str = "glorot_uniform"
    formula: str = ""  # the text of a "formula" activation, e.g. "x * σ(x)"; "" for the others

    ACTIVATIONS: ClassVar[tuple[str, ...]] = ACTIVATION_CHOICES
    INITS: ClassVar[tuple[str, ...]] = INIT_NAMES
    SYMBOLS: ClassVar[dict[str, str]] = ACTIVATION_SYMBOLS
    MAX_UNITS: ClassVar[int] = MAX_FEATURES

    def __post_init__(self):
        # Names are checked here because a typo in one is never a state worth drawing;
        # sizes are left to ChainSpec.problems(), which can say where the bad size is.
        _check_choice("layer kind", self.kind, KINDS)
        _check_choice("activation", self.activation, ACTIVATION_CHOICES)
        _check_choice("initialiser", self.init, INIT_NAMES)
        if not isinstance(self.formula, str):
            raise ValueError(f"a formula is text, not {type(self.formula).__name__}")
        if self.activation == FORMULA:
            formula(self.formula)  # FormulaError (a ValueError) names what is wrong, and where
        elif self.formula:
            raise ValueError(f"only a formula activation has a formula text, not {self.activation}")

    @property
    def activation_fn(self) -> Activation:
        """The engine activation: the registry's, or the Formula of the text."""
        return formula(self.formula) if self.activation == FORMULA else ACTIVATIONS[self.activation]

    @property
    def symbol(self) -> str:
        """How the activation is shown: 'σ', or a formula's name (else its text)."""
        return self.activation_fn.symbol

    def label(self) -> str:
        """A short name for the layer, as the canvas and error messages show it."""
        symbol = self.symbol
        if self.kind == "activation":
            return symbol
        return f"Dense({self.units})" if self.activation == "identity" else f"Dense({self.units}, {symbol})"

    def param_count(self, in_features: int) -> int:
        """Weights plus biases this layer holds when fed `in_features` features."""
        if self.kind != "dense" or not self.units:
            return 0
        return in_features * self.units + (self.units if self.bias else 0)

    def to_dict(self) -> dict:
        text = {"formula": self.formula} if self.activation == FORMULA else {}
        if self.kind == "activation":
            return {"kind": "activation", "activation": self.activation, **text}
        return {"kind": "dense", "units": self.units, "activation": self.activation, **text,
                "bias": self.bias, "init": self.init}

    @classmethod
    def from_dict(cls, d: Any) -> LayerSpec:
        """Strict inverse of `to_dict`: unknown keys, kinds or names and bad sizes raise ValueError."""
        if not isinstance(d, dict):
            raise ValueError(f"a layer must be an object, got {type(d).__name__}")
        kind = d.get("kind")
        _check_choice("layer kind", kind, KINDS)
        allowed = {"kind", "activation", "formula"} | ({"units", "bias", "init"} if kind == "dense" else set())
        extra = sorted(set(d) - allowed, key=str)
        if extra:
            raise ValueError(f"unknown key(s) {', '.join(map(repr, extra))} in a {kind} layer")
        if kind == "activation":
            if "activation" not in d:
                raise ValueError("an activation layer needs an 'activation' name")
            return cls("activation", activation=d["activation"], formula=d.get("formula", ""))
        if "units" not in d:
            raise ValueError("a dense layer needs 'units'")
        bias = d.get("bias", True)
        if not isinstance(bias, bool):
            raise ValueError(f"'bias' must be true or false, got {bias!r}")
        return cls("dense", _check_size("units", d["units"]), d.get("activation", "identity"),
                   bias, d.get("init", "glorot_uniform"), d.get("formula", ""))


@dataclass(frozen=True)
class ChainSpec:
    """A Chain as data: the number of input features and the layers in order.

    >>> spec = ChainSpec(2, (LayerSpec("dense", 8, "relu"), LayerSpec("dense", 1)))
    >>> spec.shapes(), spec.param_count()
    ([8, 1], 33)
    >>> ChainSpec.from_dict(spec.to_dict()) == spec
    True

    `features` names derived inputs (engine.nn.features) computed from 2-D data; `inputs` counts them too:

    >>> ChainSpec(4, spec.layers, features=("x1*x2", "x1^2")).features   # kept in FEATURES order
    ('x1^2', 'x1*x2')
    """

    inputs: int
    layers: tuple[LayerSpec, ...] = ()
    features: tuple[str, ...] = ()

    def __post_init__(self):
        # Accept a list for convenience but store a tuple, so specs stay hashable and comparable.
        if not isinstance(self.layers, tuple):
            object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "features", check_features(self.features))

    @property
    def data_inputs(self) -> int:
        """Columns of the raw rows the model takes: `inputs` less the derived features computed from them."""
        return DATA_INPUTS if self.features else self.inputs

    def shapes(self) -> list[int]:
        """Feature size after each layer (a batch of n samples has shape (n, size))."""
        sizes, size = [], self.inputs
        for layer in self.layers:
            if layer.kind == "dense":
                size = layer.units
            sizes.append(size)
        return sizes

    def param_count(self) -> int:
        """Total number of trainable numbers, weights and biases."""
        sizes = [self.inputs] + self.shapes()
        return sum(layer.param_count(n_in or 0) for layer, n_in in zip(self.layers, sizes))

    def layer_problems(self) -> list[tuple[int | None, str]]:
        """Problems as (layer index, message); index None means the inputs or the Chain as a whole."""
        found: list[tuple[int | None, str]] = []
        if not _is_size(self.inputs):
            found.append((None, f"The input needs between 1 and {MAX_FEATURES} features, not {self.inputs!r}."))
        if self.features and self.inputs != DATA_INPUTS + len(self.features):
            found.append((None, f"The Input takes x₁, x₂ and {len(self.features)} derived feature"
                                f"{'s' if len(self.features) != 1 else ''}, so it needs "
                                f"{DATA_INPUTS + len(self.features)} features, not {self.inputs!r}."))
        if not self.layers:
            found.append((None, "The Chain has no layers: add a Dense layer after the Input."))
        previous = None  # activation that produced the current output, if any
        for i, layer in enumerate(self.layers):
            if layer.kind == "dense":
                if not _is_size(layer.units):
                    found.append((i, f"{layer.label()} needs between 1 and {MAX_FEATURES} units."))
                previous = layer.activation
                continue
            if previous in NORMALISING and layer.activation != "identity":
                found.append((i, f"{layer.symbol} after {previous} makes no sense: "
                                 f"{previous} already gives the Chain's output; remove one of them."))
            previous = layer.activation if layer.activation != "identity" else previous
        # Softmax over a single feature is always 1: a classic slip with a one-unit output layer.
        size = self.inputs
        for i, layer in enumerate(self.layers):
            size = layer.units if layer.kind == "dense" else size
            if layer.activation in NORMALISING and size == 1:
                found.append((i, f"{layer.activation} over a single feature always gives "
                                 f"{'1' if layer.activation == 'softmax' else '0'}; use σ, or more units."))
        return found

    def problems(self) -> list[str]:
        """Human-readable problems; an empty list means the spec builds a working Chain."""
        return [message for _, message in self.layer_problems()]

    def to_dict(self) -> dict:
        """Plain, JSON-able data: `ChainSpec.from_dict(spec.to_dict()) == spec`."""
        derived = {"features": list(self.features)} if self.features else {}  # absent in files without them
        return {"inputs": self.inputs, "layers": [layer.to_dict() for layer in self.layers], **derived}

    @classmethod
    def from_dict(cls, d: Any) -> ChainSpec:
        """Build a spec from `to_dict` output, refusing anything unexpected with a ValueError."""
        if not isinstance(d, dict):
            raise ValueError(f"a Chain spec must be an object, got {type(d).__name__}")
        extra = sorted(set(d) - {"inputs", "layers", "features"}, key=str)
        if extra:
            raise ValueError(f"unknown key(s) {', '.join(map(repr, extra))} in a Chain spec")
        if "inputs" not in d:
            raise ValueError("a Chain spec needs 'inputs', the number of input features")
        layers = d.get("layers", [])
        if not isinstance(layers, list):
            raise ValueError(f"'layers' must be a list, got {type(layers).__name__}")
        parsed = []
        for i, layer in enumerate(layers):
            try:
                parsed.append(LayerSpec.from_dict(layer))
            except FormulaError as error:
                raise ValueError(f"layer {i + 1}: its formula is refused: {error}") from None
            except ValueError as error:
                raise ValueError(f"layer {i + 1}: {error}") from None
        return cls(_check_size("inputs", d["inputs"]), tuple(parsed), d.get("features", ()))

    def build(self, seed: int = 0, dtype=np.float64):
        """A fresh engine Chain with weights drawn from `seed`; raises ValueError if the spec has problems."""
        problems = self.problems()
        if problems:
            raise ValueError("cannot build this Chain: " + " ".join(problems))
        rng = np.random.default_rng(seed)
        blocks, size = [], self.inputs
        for layer in self.layers:
            if layer.kind == "dense":
                blocks.append(Dense(size, layer.units, layer.activation_fn,
                                    init=INITIALISERS[layer.init], bias=layer.bias, rng=rng, dtype=dtype))
                size = layer.units
            else:
                blocks.append(layer.activation_fn)
        return Chain(*blocks)

    @classmethod
    def from_chain(cls, chain) -> ChainSpec:
        """The spec of a Chain made of Dense layers and known activations (the inverse of `build`).

        Initialisers are not recoverable from weights, so Dense layers get the default one.
        """
        layers, inputs, size = [], None, None
        for i, block in enumerate(getattr(chain, "layers", ())):
            if isinstance(block, Dense):
                if size is not None and block.in_features != size:
                    raise ValueError(f"layer {i + 1}, {block!r}, expects {block.in_features} features "
                                     f"but the layer before gives {size}")
                inputs = block.in_features if inputs is None else inputs
                size = block.out_features
                layers.append(LayerSpec("dense", block.out_features, bias=block.bias is not None,
                                        **activation_fields(block.act, i)))
            elif isinstance(block, Activation):
                layers.append(LayerSpec("activation", **activation_fields(block, i)))
            else:
                raise ValueError(f"layer {i + 1}, {block!r}, is not a Dense layer or a known activation")
        if inputs is None:
            raise ValueError("a Chain spec needs at least one Dense layer to know its input size")
        return cls(inputs, tuple(layers))


def _is_size(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1 <= value <= MAX_FEATURES


def activation_fields(act, index: int = 0) -> dict:
    """The LayerSpec fields of an engine activation: {"activation": name}, and a formula's text.

    >>> activation_fields(formula("x * σ(x)"))
    {'activation': 'formula', 'formula': 'x * σ(x)'}
    """
    # Compare by identity too: a look-alike Activation (say a leakyrelu with another slope)
    # would not rebuild into the same Chain.
    if isinstance(act, Formula):
        return {"activation": FORMULA, "formula": act.source}
    name = getattr(act, "name", None)
    if isinstance(act, Activation) and ACTIVATIONS.get(name) is act:
        return {"activation": name}
    raise ValueError(f"layer {index + 1} uses {act!r}, which is not one of the known activations "
                     f"({', '.join(ACTIVATION_NAMES)})")
