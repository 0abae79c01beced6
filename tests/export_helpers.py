"""Shared pieces for the export tests: models with every activation, raw input rows, and the runtimes that
run each export (onnxruntime, the written Python files)."""
import importlib.util
import itertools
from pathlib import Path

import numpy as np

from engine import ACTIVATIONS, Chain, Dense, load_model
from engine.export import Exportable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"
EXAMPLE_NAMES = ("circle", "spiral", "tutorial", "xor")
_loaded = itertools.count()


def example(name):
    return load_model(EXAMPLES / f"{name}.chain")


def every_activation(dtype=np.float64):
    """Chains that use each registry activation, fused in a Dense and as a block of its own."""
    chains = {}
    for i, (name, act) in enumerate(ACTIVATIONS.items()):
        chains[name] = Chain(Dense(3, 6, act, rng=i, dtype=dtype), Dense(6, 4, rng=i + 100, dtype=dtype), act)
    return chains


def raw_rows(n_features, n=25, seed=0):
    """Raw input rows of a spread that standardisation changes (and saturating units see)."""
    return np.random.default_rng(seed).normal(2.0, 5.0, size=(n, n_features))


def reference(source, X, **kwargs):
    return Exportable.of(source, **kwargs).predict(X)


def run_onnx(path, X, dtype):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: np.asarray(X, dtype=dtype)})[0]


def load_module(path):
    """Import a written .py file as a module of its own (each under a new name: no caching between tests)."""
    spec = importlib.util.spec_from_file_location(f"exported_{next(_loaded)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
