"""The application's bundled files (icons, example models), wherever Chainboard is installed.

    >>> resource("icons", "app.svg").name
    'app.svg'
    >>> sorted(p.name for p in examples())[:2]
    ['circle.chain', 'spiral.chain']

The source tree's `resources/` folder installs as the package `chainboard_resources`
(pyproject.toml maps it), so importlib.resources finds the files in a wheel, an editable install
or, failing both, a plain source checkout.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[2] / "resources"


def root() -> Path:
    """The folder that holds datasets/, examples/ and icons/."""
    try:
        return Path(str(importlib.resources.files("chainboard_resources")))
    except ModuleNotFoundError:  # a source checkout that was never installed
        return SOURCE_TREE


def resource(*parts: str) -> Path:
    """A bundled file: `resource("icons", "relu.svg")`."""
    return root().joinpath(*parts)


def examples() -> list[Path]:
    """The example model files (Help ▸ Examples), by name."""
    return sorted(resource("examples").glob("*.chain"))
