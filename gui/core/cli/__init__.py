"""Chainboard's command line: train, inspect and use model files without a window.

    chainboard train MODEL [--data NAME|CSV] [--epochs N] [--out PATH]
    chainboard info MODEL
    chainboard predict MODEL INPUT.csv
    chainboard export MODEL --format onnx|torch|numpy|flux [--out PATH]
    chainboard import-onnx FILE [--out MODEL.chain]
    chainboard gradcheck MODEL [--data NAME|CSV]
    chainboard landscape MODEL --out PNG [--data D] [--directions random|W1[2,3],W2[0,1]] [--span S]
    python -m gui.core.cli info resources/examples/xor.chain        (the same, without the launcher)

Each sub-command is a module here with `HELP`, `configure(parser)` and `run(args) -> exit code`;
`COMMANDS` lists them, and the launcher (gui/launch.py) dispatches to them. Bad arguments and bad
files print one line on stderr and exit non-zero (2 for usage, 1 for files and data, 130 when
interrupted before anything was saved); never a traceback.

No Qt here, nor anywhere this imports: it runs on machines without a display.
"""
from __future__ import annotations

import sys

from . import export, gradcheck, import_onnx, info, landscape, predict, train
from .common import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, PROG, Failure, Parser, UsageError, \
    one_line

COMMANDS = {"train": train, "info": info, "predict": predict, "export": export, "import-onnx": import_onnx,
            "gradcheck": gradcheck, "landscape": landscape}


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Train, inspect and use Chainboard model files.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, module in COMMANDS.items():
        module.configure(commands.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv=None) -> int:
    """Run a command; returns the exit code (see the module docstring)."""
    from engine import DataError, ModelFileError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"{PROG}: error: {one_line(error)} (see {PROG} --help)", file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command].run(args)
    except (ModelFileError, DataError, Failure) as error:
        print(f"{PROG} {args.command}: {one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except (ValueError, TypeError) as error:  # the engine refusing a combination (loss vs outputs, ...)
        print(f"{PROG} {args.command}: {one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `predict ... | head`: the reader left, which is fine
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - a bug of ours, still one line rather than a traceback
        print(f"{PROG} {args.command}: internal error ({type(error).__name__}: {one_line(error)}); "
              f"please report it", file=sys.stderr)
        return EXIT_BUG


__all__ = ["COMMANDS", "build_parser", "main", "Failure", "UsageError"]
