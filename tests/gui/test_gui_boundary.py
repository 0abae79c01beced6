"""The GUI reaches the engine only through `engine/__init__.py`, and only for names it exports."""
import ast
from pathlib import Path

import engine

GUI = Path(__file__).resolve().parents[2] / "gui"


def engine_imports():
    for path in sorted(GUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "engine":
                for alias in node.names:
                    yield path.relative_to(GUI.parent), node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "engine":
                        yield path.relative_to(GUI.parent), alias.name, None


def test_gui_imports_only_the_engines_public_names():
    exported = set(getattr(engine, "__all__", ()))
    bad = []
    for where, module, name in engine_imports():
        if module != "engine" or name not in exported:
            bad.append(f"{where}: {module}.{name}")
    assert not bad, "\n".join(bad)
