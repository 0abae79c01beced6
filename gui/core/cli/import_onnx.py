"""`chainboard import-onnx FILE [--out MODEL.chain]`: an ONNX MLP (torch.onnx, Keras, Chainboard) as a model file.

    >>> default_out("nets/mlp.onnx").as_posix()
    'nets/mlp.chain'

Gemm (or MatMul + Add) layers with Relu, Sigmoid, Tanh, Softmax, LogSoftmax, LeakyRelu or Identity
become a Chain with the file's weights; anything else is refused, naming the first node that is not
part of such a Chain. Needs the optional onnx package (`pip install 'chainboard[onnx]'`).
"""
from __future__ import annotations

from pathlib import Path

from engine import save_model
from engine.export import import_onnx
from engine.modelfile import MODEL_SUFFIX

from .common import EXIT_OK

HELP = "read an ONNX MLP into a Chainboard model file"


def configure(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="an .onnx file")
    parser.add_argument("--out", metavar="MODEL.chain", help="where to save the model (default: FILE as .chain)")


def default_out(path) -> Path:
    return Path(path).with_suffix(MODEL_SUFFIX)


def run(args) -> int:
    loaded = import_onnx(args.file)
    out = Path(args.out) if args.out else default_out(args.file)
    save_model(out, loaded.model, spec=loaded.spec, settings=loaded.settings, dataset=loaded.dataset)
    standardised = " (inputs standardised as the file says)" if loaded.dataset.get("normalisation") else ""
    print(f"imported {args.file}: {loaded.model!r}{standardised}; saved {out}")
    return EXIT_OK
