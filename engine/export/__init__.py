"""Take a model elsewhere: export a Chain to ONNX, PyTorch, NumPy or Flux.jl, and import an ONNX MLP.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, σ, rng=1))
    >>> [p.name for p in export(model, "numpy", folder / "xor.py")]
    ['xor.py']
    >>> sorted(FORMATS)
    ['flux', 'numpy', 'onnx', 'torch']
    >>> FORMATS["flux"].suffix, FORMATS["onnx"].label
    ('.jl', 'ONNX model')

    exportable.py    Exportable: what every writer reads (blocks as arrays, standardisation, data, settings)
    onnx_writer.py   ONNX (needs the onnx package: pip install 'chainboard[onnx]')
    torch_writer.py  one PyTorch file: the nn.Module with its weights, and a training loop that runs under torchrun
    numpy_writer.py  one file with predict(X), needing nothing but numpy
    flux_writer.py   Julia code that rebuilds the Chain in Flux
    onnx_reader.py   import_onnx: an ONNX MLP into a Chain with its weights (onnx_graph.py walks its graph)
    literals.py      exact number literals; the companion .npz for large models

Every export takes raw input rows and applies the model's recorded input standardisation first,
so it predicts on the same rows `chainboard predict` takes.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ..modelfile.atomic import atomic_write
from . import flux_writer, numpy_writer, onnx_writer, torch_writer
from .exportable import Exportable, ExportError
from .onnx_reader import OnnxImportError, import_onnx

__all__ = ["FORMATS", "Format", "export", "export_files", "Exportable", "ExportError", "import_onnx",
           "OnnxImportError", "unavailable", "ONNX_INSTALL"]

ONNX_INSTALL = "pip install 'chainboard[onnx]'"


class Format(NamedTuple):
    """An export format: what it is called, its file suffix, and the writer that makes its files."""
    label: str
    suffix: str
    writer: object
    needs: str = ""     # an optional package the export itself needs


FORMATS = {
    "onnx": Format("ONNX model", ".onnx", onnx_writer, "onnx"),
    "torch": Format("PyTorch module and training script", ".py", torch_writer),
    "numpy": Format("NumPy predict() function", ".py", numpy_writer),
    "flux": Format("Flux.jl Chain", ".jl", flux_writer),
}
"""Format name (as `chainboard export --format` takes it) -> Format."""


def unavailable(package: str = "onnx") -> str:
    """Why ONNX export and import cannot run here ("" when the package is installed), without importing it.

    >>> unavailable("a-package-nobody-has")
    "needs the a-package-nobody-has package: pip install 'chainboard[onnx]'"
    """
    import importlib.util

    return "" if importlib.util.find_spec(package) is not None else f"needs the {package} package: {ONNX_INSTALL}"


def export_files(source, fmt: str, path, *, settings=None, dataset=None, folder=None, inline_limit=None) -> dict:
    """{path: bytes} an export would write, without writing them (see `export`)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ex = Exportable.of(source, settings=settings, dataset=dataset, folder=folder)
    return FORMATS[fmt].writer.write(ex, Path(os.fspath(path)), inline_limit)


def export(source, fmt: str, path, *, settings=None, dataset=None, folder=None, inline_limit=None) -> list[Path]:
    """Export `source` (a LoadedModel, a Chain or a ChainSpec) as `fmt` to `path`; returns the files written.

    `settings` and `dataset` are what a model file records (training settings; the data reference
    with its `normalisation`); a LoadedModel brings its own. `folder` is where a relative CSV path
    in `dataset` is. Weights go inline up to `inline_limit` numbers (literals.INLINE_LIMIT), beyond
    it into a `.npz` beside `path`. Each file is written atomically; ExportError says what went wrong.
    """
    files = export_files(source, fmt, path, settings=settings, dataset=dataset, folder=folder,
                         inline_limit=inline_limit)
    for target, content in sorted(files.items(), key=lambda item: item[0] == Path(os.fspath(path))):
        try:  # companions first: the main file never refers to weights that are not there yet
            atomic_write(target, content)
        except OSError as error:
            raise ExportError(f"Cannot write {target}: {error.strerror or error}") from None
    return list(files)
