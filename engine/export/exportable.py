"""What every writer reads: a Chain's blocks as arrays, its input standardisation, its data and training settings.

    >>> from engine import Chain, Dense, tanh, σ
    >>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, σ, rng=1))
    >>> ex = Exportable.of(model, dataset={"normalisation": {"mean": [1.0, 2.0], "std": [2.0, 4.0]}})
    >>> [step.name for step in ex.steps], ex.inputs, ex.outputs, ex.dtype
    (['layer1 Dense(3, tanh)', 'layer2 Dense(1, σ)'], 2, 1, dtype('float64'))
    >>> ex.steps[0].key, ex.steps[0].weight.shape, ex.standardiser.mean.tolist()
    ('layer1', (3, 2), [1.0, 2.0])
    >>> ex.predict([[1.0, 2.0], [3.0, 6.0]]).shape        # raw rows in, as `chainboard predict` takes them
    (2, 1)

`Exportable.of` takes a LoadedModel, a Chain of Dense layers and known activations, or a bare
ChainSpec (a design: its weights are drawn from the settings' seed, as training would start).
A spec's derived input features (engine.nn.features) come along: an export then takes the two raw
columns, computes the derived ones, standardises and runs the Chain, as `predict` does:

    >>> ex = Exportable.of(Chain(Dense(3, 1, rng=0)), features=("x1*x2",))
    >>> ex.inputs, ex.spec.inputs, ex.predict([[2.0, 3.0]]).shape
    (2, 3, (1, 1))

Anything that cannot be exported raises ExportError with the reason.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autodiff.tracked import data, no_grad
from ..datasets.dataset import DataError
from ..datasets.standardise import Standardiser
from ..modelfile.model import LoadedModel
from ..nn.activations import ACTIVATIONS
from ..nn.features import FEATURES, add_features
from ..nn.formula import Formula
from ..nn.layers import Chain, Dense
from ..nn.spec import ChainSpec

__all__ = ["ExportError", "Step", "Exportable", "need", "unsupported"]


class ExportError(ValueError):
    """A model that cannot be exported (or written) in a format; `str(error)` says why."""


def need(package: str, purpose: str):
    """Import an optional package, or say how to install it: `onnx = need("onnx", "ONNX export")`."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ExportError(f"{purpose} needs the {package} package: pip install 'chainboard[onnx]' "
                          f"(or pip install {package})") from None


def unsupported(activation: str, format_name: str) -> ExportError:
    """The error for an activation a writer's table has no entry for yet."""
    return ExportError(f"cannot export the {activation} activation to {format_name} yet")


@dataclass(frozen=True)
class Step:
    """One block of the Chain: a Dense layer (weight (out, in), bias or None, fused activation) or an activation."""
    kind: str
    index: int            # 1-based position in the Chain, as the canvas and messages count
    label: str            # LayerSpec.label(): 'Dense(8, tanh)', 'softmax' (a formula's canonical text)
    activation: str       # canonical name from ACTIVATIONS ("identity" for none), or "formula"
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    formula: Formula | None = None  # the activation of a "formula" step

    @property
    def symbol(self) -> str:
        """How the activation is shown: 'σ', or a formula's name (else its canonical text)."""
        if self.formula is not None:
            return self.formula.title or self.formula.canonical
        return ACTIVATIONS[self.activation].symbol

    @property
    def key(self) -> str:
        """The prefix of this block's tensors in every format: 'layer1' (then 'layer1.weight', 'layer1.bias')."""
        return f"layer{self.index}"

    @property
    def name(self) -> str:
        """What the block is called in exported files: 'layer1 Dense(8, tanh)'."""
        return f"{self.key} {self.label}"


@dataclass(frozen=True)
class Exportable:
    """A Chain ready to be written: its steps, standardisation, dtype, and what it was trained on and how."""
    spec: ChainSpec
    model: Chain
    steps: tuple[Step, ...]
    standardiser: Standardiser | None
    trained: bool
    settings: dict = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    folder: Path | None = None     # where a relative CSV path in `dataset` is (the model file's folder)

    @classmethod
    def of(cls, source, *, settings=None, dataset=None, folder=None, features=None) -> Exportable:
        """An Exportable from a LoadedModel, a Chain or a ChainSpec (see the module docstring); `features`
        are the derived inputs of a bare Chain (a LoadedModel's or ChainSpec's own are used otherwise)."""
        if features is None:
            spec_of = source.spec if isinstance(source, LoadedModel) else source
            features = spec_of.features if isinstance(spec_of, ChainSpec) else ()
        if isinstance(source, LoadedModel):
            settings = source.settings if settings is None else settings
            dataset = source.dataset if dataset is None else dataset
            folder = Path(source.path).parent if folder is None and source.path else folder
            source = source.model if source.model is not None else source.spec
        settings, dataset = dict(settings or {}), dict(dataset or {})
        trained = not isinstance(source, ChainSpec)
        if isinstance(source, ChainSpec):
            problems = source.problems()
            if problems:
                raise ExportError("cannot export this Chain: " + " ".join(problems))
            dtype = np.float32 if settings.get("dtype") == "float32" else np.float64
            source = source.build(seed=settings.get("seed", 0), dtype=dtype)
        if not isinstance(source, Chain):
            raise ExportError(f"only a Chain can be exported, not a {type(source).__name__}")
        try:
            spec = ChainSpec.from_chain(source)
            spec = ChainSpec(spec.inputs, spec.layers, features)
        except ValueError as error:
            raise ExportError(f"only a Chain of Dense layers and known activations can be exported: {error}") from None
        problems = spec.problems()
        if problems:
            raise ExportError("cannot export this Chain: " + " ".join(problems))
        steps = tuple(_step(i, block, layer) for i, (block, layer) in enumerate(zip(source.layers, spec.layers)))
        dtypes = {w.dtype for s in steps for w in (s.weight, s.bias) if w is not None}
        if len(dtypes) != 1 or not dtypes <= {np.dtype(np.float32), np.dtype(np.float64)}:
            raise ExportError(f"the Chain's weights must all be float32 or all float64, not {sorted(map(str, dtypes))}")
        standardiser = None
        if dataset.get("normalisation"):
            try:
                standardiser = Standardiser.from_dict(dataset["normalisation"])
            except DataError as error:
                raise ExportError(f"the model's input standardisation is damaged: {error}") from None
            if standardiser.n_features != spec.inputs:
                raise ExportError(f"the input standardisation has {standardiser.n_features} features; the Chain "
                                  f"takes {spec.inputs}")
        return cls(spec, source, steps, standardiser, trained, settings, dataset,
                   None if folder is None else Path(folder))

    @property
    def dtype(self) -> np.dtype:
        return next(s.weight.dtype for s in self.steps if s.weight is not None)

    @property
    def inputs(self) -> int:
        """Columns of the raw rows the export takes (the Chain takes `spec.inputs`: derived features too)."""
        return self.spec.data_inputs

    @property
    def features(self) -> tuple[str, ...]:
        """The derived input features computed from the raw rows, in order (names of engine.nn.FEATURES)."""
        return self.spec.features

    def derived(self) -> list:
        """The Feature of each derived input (what every writer renders), in the Input's column order."""
        return [FEATURES[name] for name in self.features]

    @property
    def outputs(self) -> int:
        return self.spec.shapes()[-1]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every tensor by its name in the exports: 'standardise.mean', 'standardise.std' (float64, as the engine
        standardises), 'layer1.weight', 'layer1.bias', ... (the model's dtype)."""
        out = {}
        if self.standardiser is not None:
            out["standardise.mean"] = self.standardiser.mean
            out["standardise.std"] = self.standardiser.std
        for step in self.steps:
            for part in ("weight", "bias"):
                if getattr(step, part) is not None:
                    out[f"{step.key}.{part}"] = getattr(step, part)
        return out

    def predict(self, X) -> np.ndarray:
        """The engine's outputs for rows of raw inputs (standardised first): what every export must reproduce."""
        X = add_features(np.atleast_2d(np.asarray(X, dtype=np.float64)), self.features)
        if self.standardiser is not None:
            X = self.standardiser.transform(X)
        with no_grad():
            return np.asarray(data(self.model(X.astype(self.dtype))))

    def summary(self) -> list[str]:
        """The lines (at most 100 characters) every exported file starts with: what the model is, what it takes
        and what it gives."""
        weights = "trained weights" if self.trained else \
            f"untrained weights (drawn with seed {self.settings.get('seed', 0)}, as training starts)"
        features = self.dataset.get("features")
        named = f" ({', '.join(features)})" if isinstance(features, list) and len(features) <= 20 else ""
        lines = [f"{_chain_text(self.model, self.steps)}, exported by Chainboard with its {weights}, in {self.dtype}."]
        if self.features:
            labels = ", ".join(FEATURES[name].label for name in self.features)
            lines.append(f"Derived inputs: the model computes {labels} from the two raw inputs and takes them after "
                         "the raw ones (before standardising), as TensorFlow Playground's feature toggles do.")
        if self.standardiser is not None:
            lines.append(f"Input: rows of {self.inputs} raw features{named}, the rows `chainboard predict` takes; "
                         "the model first standardises them, (x - mean) / std, with the statistics of its training "
                         "data.")
        else:
            lines.append(f"Input: rows of {self.inputs} features{named}, used as they are (the model records no "
                         "input standardisation).")
        classes = self.dataset.get("class_names")
        what = f" (classes {', '.join(map(str, classes))})" if isinstance(classes, list) and len(classes) <= 20 \
            and self.dataset.get("task") == "classification" else ""
        lines.append(f"Output: {self.outputs} number{'s' if self.outputs != 1 else ''} per row{what}; the Chain ends "
                     f"with {_final_activation(self.steps)}.")
        return [part for line in lines for part in textwrap.wrap(line, 100, break_on_hyphens=False)]


def _step(i: int, block, layer) -> Step:
    if isinstance(block, Dense):
        weight = np.ascontiguousarray(data(block.weight))
        bias = None if block.bias is None else np.ascontiguousarray(data(block.bias))
        for part, value in (("weight", weight), ("bias", bias)):
            if value is not None and not np.isfinite(value).all():
                raise ExportError(f"the {part} of layer {i + 1} ({block!r}) holds NaN or infinite values; "
                                  f"reset or retrain the model before exporting it")
        return Step("dense", i + 1, _label(layer), layer.activation, weight, bias, _formula(layer))
    return Step("activation", i + 1, _label(layer), layer.activation, formula=_formula(layer))


def _formula(layer) -> Formula | None:
    return layer.activation_fn if layer.activation == "formula" else None


def _label(layer) -> str:
    """LayerSpec.label(), with a formula as the engine writes it (its name, else its canonical text): labels go
    into the exported code's comments and node names."""
    f = _formula(layer)
    if f is None:
        return layer.label()
    shown = f.title or f.canonical
    return shown if layer.kind == "activation" else f"Dense({layer.units}, {shown})"


def _chain_text(model, steps) -> str:
    """The Chain's repr with each formula as the engine writes it: the files' comments hold no text the user typed."""
    text = repr(model)
    for f in {step.formula for step in steps if step.formula is not None}:
        text = text.replace(repr(f), f"formula({(f.title + '(x) = ' if f.title else '') + f.canonical!r})")
    return text


def _final_activation(steps) -> str:
    last = None
    for step in steps:
        if step.kind == "dense" or step.activation != "identity":
            last = step
    if last is None or last.activation == "identity":
        return "no activation (raw outputs)"
    return f"the formula {last.formula.canonical}" if last.formula is not None else last.symbol
