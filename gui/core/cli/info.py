"""`chainboard info MODEL`: a model's Chain, its shapes and parameters, its data, settings and training.

    >>> describe_training({"epochs_done": 3, "train_loss": [0.9, 0.5, 0.25]})
    '3 epochs, train loss 0.25'

A design whose Chain has problems is described with them, as the canvas shows them. Every line
goes through `printable`: names and messages in a model file are anyone's text.
"""
from __future__ import annotations

from pathlib import Path

from engine import load_model

from .common import EXIT_OK, printable

HELP = "show a model's Chain, shapes, parameters and training"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file")


def _last_value(history: dict, key: str):
    values = [v for v in history.get(key, []) if v is not None]
    return values[-1] if values else None


def describe_data(ref: dict) -> str:
    source, name = ref.get("source", ""), ref.get("name") or Path(ref.get("path", "")).name or "?"
    if source == "generator":
        params = ", ".join(f"{k}={v}" for k, v in ref.get("params", {}).items())
        text = f"{name} (generated{': ' + params if params else ''})"
    elif source == "drawn":
        text = f"{len(ref.get('points') or [])} drawn points ({ref.get('task', 'classification')})"
    elif source == "csv":
        text = f"{ref.get('path')} (CSV, target {ref.get('target', 'last column')!r})"
    else:
        text = f"{name} ({source or 'unknown source'})"
    if ref.get("normalisation"):
        text += ", inputs standardised"
    return text


def describe_training(history: dict) -> str:
    epochs = history.get("epochs_done", len(history.get("train_loss", [])))
    parts = [f"{epochs} epochs" + (f" ({history['path']} path)" if history.get("path") else "")]
    for key, label in (("train_loss", "train loss"), ("val_loss", "validation loss")):
        value = _last_value(history, key)
        if value is not None:
            parts.append(f"{label} {value:.4g}")
    accuracy = _last_value(history, "accuracy")
    if accuracy is not None:
        parts.append(f"accuracy {100 * accuracy:.1f}%")
    text = ", ".join(parts)
    if history.get("diverged") and history.get("message"):
        text += f"\n  {printable(history['message'])}"  # the one line break is ours
    return text


def run(args) -> int:
    loaded = load_model(args.model)
    spec, out = loaded.spec, []
    writer = loaded.writer.get("version", "?")
    out.append(f"{args.model}: Chainboard model (format {loaded.version}, written by Chainboard {writer})")
    out.append(repr(loaded.model) if loaded.model is not None else "(a design without trained weights)")
    out.append(f"  {'layer':<6}{'block':<24}{'output':>8}{'parameters':>12}")
    out.append(f"  {'input':<6}{'':<24}{spec.inputs:>8}{'':>12}")
    size = spec.inputs
    for i, (layer, width) in enumerate(zip(spec.layers, spec.shapes())):
        block = (f"Dense({size} => {width}" + ("" if layer.activation == "identity" else
                                               f", {layer.symbol}") + ")"
                 if layer.kind == "dense" else layer.label())
        out.append(f"  {i + 1:<6}{block:<24}{width:>8}{layer.param_count(size) or '':>12}")
        size = width
    dtype = loaded.model.parameters()[0].value.dtype if loaded.model is not None and loaded.model.parameters() else None
    out.append(f"parameters: {spec.param_count():,}" + (f" ({dtype})" if dtype is not None else ""))
    if loaded.dataset:
        out.append(f"data: {describe_data(loaded.dataset)}")
    s = loaded.settings
    if s:
        items = [f"loss {s['loss']}" if "loss" in s else "",
                 _optimiser_text(s["optimiser"]) if "optimiser" in s else "",
                 f"batch size {s['batch_size']}" if "batch_size" in s else "",
                 f"{s['epochs']} epochs" if "epochs" in s else "", f"seed {s['seed']}" if "seed" in s else ""]
        out.append("settings: " + ", ".join(filter(None, items)))
    out.extend(("training: " + (describe_training(loaded.history) if loaded.history.get("train_loss")
                                else "not trained yet")).split("\n"))
    if loaded.problems:
        out.append("problems (the Chain cannot be trained until they are fixed):")
        out.extend(f"  {problem}" for problem in loaded.problems)
    print("\n".join(map(printable, out)))
    return EXIT_OK


def _optimiser_text(d: dict) -> str:
    rest = ", ".join(f"{k}={v}" for k, v in d.items() if k != "name")
    return f"{d.get('name')}({rest})"
