"""Chainboard's entry point.

    python main.py [MODEL] [--screenshot PNG]     the desktop app (see gui/app.py)
    python main.py train|info|predict ...         the command line (see gui/cli.py)

Sub-commands (train, info, predict, ...) register a function taking the remaining arguments and
returning an exit code in COMMANDS; everything else opens the GUI.
"""
from __future__ import annotations

import sys
from typing import Callable

def _cli(name: str, rest: list[str]) -> int:
    from gui.cli import main as cli  # no Qt on this path

    return cli([name, *rest])


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    name: (lambda rest, name=name: _cli(name, rest)) for name in ("train", "info", "predict")
}


def dispatch(argv: list[str]) -> tuple[Callable[[list[str]], int], list[str]]:
    """The function that handles `argv`, and the arguments it gets."""
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]], argv[1:]
    from gui.app import main as gui_main  # imported late: sub-commands should not pay for Qt

    return gui_main, argv


def main(argv: list[str] | None = None) -> int:
    handler, rest = dispatch(sys.argv[1:] if argv is None else argv)
    return handler(rest)


if __name__ == "__main__":
    sys.exit(main())
