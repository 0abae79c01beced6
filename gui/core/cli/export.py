"""`chainboard export MODEL --format onnx|torch|numpy|flux [--out PATH]`: the model in another framework's terms.

    >>> default_out("models/xor.chain", "torch").as_posix()
    'models/xor_torch.py'

ONNX needs the optional onnx package (`pip install 'chainboard[onnx]'`); the other formats need
nothing. A design without trained weights exports the weights its training would start from.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from engine import load_model
from engine.export import FORMATS, export

from ..fit import loss_for
from .common import EXIT_OK

HELP = "export a model to ONNX, PyTorch, NumPy or Flux.jl"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file")
    parser.add_argument("--format", required=True, choices=list(FORMATS),
                        help="onnx: an ONNX model; torch: an nn.Module and its training loop (runs under torchrun); "
                             "numpy: a predict(X) function; flux: a Flux.jl Chain")
    parser.add_argument("--out", metavar="PATH", help="the file to write (default: beside MODEL, named for the format)")


def default_out(model, fmt: str) -> Path:
    """`xor.chain` -> xor.onnx, xor_torch.py, xor_numpy.py, xor.jl."""
    model = Path(model)
    stem = model.stem if fmt in ("onnx", "flux") else f"{model.stem}_{fmt}"
    return model.with_name(stem + FORMATS[fmt].suffix)


def run(args) -> int:
    loaded = load_model(args.model)
    settings = dict(loaded.settings)
    if "loss" not in settings and loaded.dataset.get("task"):  # a design saved without settings: train's choice
        settings["loss"] = loss_for(loaded.spec, SimpleNamespace(task=loaded.dataset["task"]))
    out = Path(args.out) if args.out else default_out(args.model, args.format)
    written = export(loaded, args.format, out, settings=settings)
    also = f" (weights in {', '.join(p.name for p in written[1:])})" if len(written) > 1 else ""
    print(f"exported {args.model} to {out} ({FORMATS[args.format].label}){also}")
    return EXIT_OK
