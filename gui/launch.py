"""Chainboard's entry point, for `python main.py`, `python -m gui` and the `chainboard` console script.

    chainboard [MODEL] [--screenshot PNG]      the desktop app (gui/app.py)
    chainboard COMMAND ...                     the command line (gui/core/cli): train, info, predict, ...

A first argument that names a sub-command goes to the command line, which never imports Qt;
everything else opens the window.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from .core.cli import COMMANDS  # no Qt on this path

    if argv and argv[0] in COMMANDS:
        from .core.cli import main as cli

        return cli(argv)
    from .app import main as window  # imported late: sub-commands should not pay for Qt

    return window(argv)
