"""The engine is a plain library: it must never import Qt, pyqtgraph or the GUI."""
import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"
FORBIDDEN = {"PySide6", "pyqtgraph", "gui", "shiboken6", "PyQt5", "PyQt6"}


def imported_roots(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_module_imports_no_gui(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [(name, line) for name, line in imported_roots(tree) if name in FORBIDDEN]
    assert not bad, f"{path.name} imports {bad}"


def test_checker_catches_a_forbidden_import():
    tree = ast.parse("import os\nfrom PySide6.QtCore import Signal\n")
    assert ("PySide6", 2) in list(imported_roots(tree))
