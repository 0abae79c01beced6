"""The layers hold: the engine is a library that never imports the app or Qt, numba loads only on first
compiled use, the GUI uses only the engine's public names, and the import-linter contracts pass."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parent.parent
QT = {"PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6"}
PUBLIC_NAMESPACES = ("engine", "engine.autodiff", "engine.nn", "engine.training", "engine.datasets", "engine.modelfile",
                     "engine.math", "engine.export", "engine.analysis")


def imports(path: Path):
    """(module, name or None, line) for every import in a file, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno


def test_imports_finds_absolute_imports_of_both_forms():
    tree_file = ROOT / "tests" / "test_architecture.py"
    found = {(module, name) for module, name, _ in imports(tree_file)}
    assert ("ast", None) in found and ("pathlib", "Path") in found


ENGINE_FILES = sorted((ROOT / "engine").rglob("*.py"))


def test_the_engine_tree_is_all_seen():
    assert len(ENGINE_FILES) > 30 and any(p.parent.name == "kernels" for p in ENGINE_FILES)


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_modules_import_no_qt_and_no_app(path):
    bad = [(m, line) for m, _, line in imports(path) if m.split(".")[0] in QT | {"gui", "main"}]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_gui_uses_only_the_engines_public_names():
    bad = []
    for path in sorted((ROOT / "gui").rglob("*.py")):
        for module, name, line in imports(path):
            if module.split(".")[0] != "engine":
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            if module not in PUBLIC_NAMESPACES:
                bad.append(f"{where}: {module} is not a public namespace")
            elif name is not None and name not in sys.modules.get(module, __import__(module, fromlist=["*"])).__all__:
                bad.append(f"{where}: {module}.{name} is not public")
    assert not bad, "\n".join(bad)


def test_the_library_surface_is_small_and_holds_no_app_plumbing():
    assert len(engine.__all__) <= 60
    assert all(hasattr(engine, name) for name in engine.__all__)
    assert {"param", "params", "gradient", "update", "Dense", "Chain", "σ", "softmax"} <= set(engine.__all__)
    plumbing = {"recovery", "Recovery", "RecoverySlot", "data_from_argument", "open_reference", "read_inputs",
                "sweep_stray_temporaries", "BUNDLED", "APP_VERSION"}
    assert not plumbing & set(engine.__all__)
    for namespace in PUBLIC_NAMESPACES:
        module = __import__(namespace, fromlist=["*"])
        assert all(hasattr(module, name) for name in module.__all__), namespace


def test_the_engine_loads_numba_only_for_compiled_work(tmp_path):
    code = f"""
import sys
import numpy as np
import engine
from engine import Chain, Dense, Adam, Trainer, tanh, σ, datasets, save_model, load_model, gradient
assert "numba" not in sys.modules and "scipy" not in sys.modules, "import engine loaded numba"
model = Chain(Dense(2, 4, tanh, rng=0), Dense(4, 1, σ, rng=1))
save_model(r"{tmp_path / 'm.chain'}", model, settings={{"loss": "mse"}})
load_model(r"{tmp_path / 'm.chain'}")
gradient(lambda x: (x ** 3).sum(), np.ones(3))
Trainer(model, "mse", Adam(0.01), compiled=False).fit(datasets.xor(40), epochs=2)
import gui.core.cli, gui.core.datarefs, gui.core.recovery
assert "numba" not in sys.modules, "the eager path or a model file loaded numba"
Trainer(model, "mse", Adam(0.01), compiled=True).fit(datasets.xor(40), epochs=1)
assert "numba" in sys.modules
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", done.stdout)
    assert kept and int(kept.group(1)) >= 4, done.stdout
