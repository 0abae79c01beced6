"""The NumPy export: one file with predict(X), needing nothing but numpy, equal to the engine to 1e-9."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine.export import export

from export_helpers import EXAMPLES, EXAMPLE_NAMES, ROOT, every_activation, example, load_module, raw_rows, reference

NORM3 = {"normalisation": {"mean": [1.0, -2.0, 3.0], "std": [2.0, 0.5, 4.0]}}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_numpy_predict_equals_the_engine(tmp_path, name):
    loaded = example(name)
    module = load_module(export(loaded, "numpy", tmp_path / "m.py")[0])
    X = raw_rows(loaded.spec.inputs)
    np.testing.assert_allclose(module.predict(X), reference(loaded, X), rtol=0, atol=1e-9)
    np.testing.assert_allclose(module.predict(X[0]), reference(loaded, X[:1])[0], rtol=0, atol=1e-9)  # one row
    assert "raw features" in " ".join(module.__doc__.split()) and "standardises" in module.__doc__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", sorted(every_activation()))
def test_numpy_every_activation_both_dtypes(tmp_path, activation, dtype):
    model = every_activation(dtype)[activation]
    module = load_module(export(model, "numpy", tmp_path / "m.py", dataset=NORM3)[0])
    X = raw_rows(3)
    got = module.predict(X)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, reference(model, X, dataset=NORM3), rtol=0, atol=1e-9)


def test_numpy_large_models_keep_their_weights_beside_the_file(tmp_path):
    loaded = example("spiral")
    written = export(loaded, "numpy", tmp_path / "big.py", inline_limit=10)
    assert [p.name for p in written] == ["big.py", "big.npz"]
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for p in written:  # the pair works wherever it goes together
        shutil.move(p, moved / p.name)
    module = load_module(moved / "big.py")
    X = raw_rows(2)
    np.testing.assert_allclose(module.predict(X), reference(loaded, X), rtol=0, atol=1e-9)
    assert "np.array(" not in (moved / "big.py").read_text().split("def predict")[0]


def test_numpy_file_needs_nothing_but_numpy(tmp_path):
    path = export(example("tutorial"), "numpy", tmp_path / "t.py")[0]
    code = (f"import sys, runpy; p = runpy.run_path({str(path)!r})['predict']; print(p([[0.5] * 10]).shape); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('engine', 'torch', 'onnx', 'gui')]")
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "(1, 2)", done.stderr


def test_numpy_predict_refuses_the_wrong_width(tmp_path):
    module = load_module(export(example("xor"), "numpy", tmp_path / "x.py")[0])
    with pytest.raises(ValueError, match="rows of 2 inputs"):
        module.predict([[1.0, 2.0, 3.0]])


def test_exporting_loads_neither_numba_nor_the_optional_packages(tmp_path):
    code = f"""
import sys
from engine import load_model
from engine.export import export
loaded = load_model({str(EXAMPLES / 'xor.chain')!r})
for fmt in ("numpy", "torch", "flux"):
    export(loaded, fmt, {str(tmp_path)!r} + "/m_" + fmt + ".txt")
bad = [m for m in sys.modules if m.split(".")[0] in ("numba", "torch", "onnx", "onnxruntime", "PySide6")]
assert not bad, bad
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
