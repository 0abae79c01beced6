"""Start the window: `chainboard [MODEL] [--screenshot PNG]` (via gui/launch.py).

>>> main(["--screenshot", "out.png"])   # renders the window offscreen to out.png and returns 0   # doctest: +SKIP

MODEL is a model file (`*.chain`), or a JSON file holding `ChainSpec.to_dict()`. Without --screenshot,
the start also sweeps stray temporaries and offers recovery copies a crash left (gui/files.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from engine import ChainSpec, ModelFileError, load_model
from engine.modelfile import MODEL_SUFFIX

from . import platform_check

SCREENSHOT_SIZE = (1280, 800)


def parse_args(argv: list[str]) -> argparse.Namespace:
    from .core.cli import COMMANDS

    commands = "\n".join(f"  {name:<10} {module.HELP}" for name, module in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="chainboard", description="Build, train and understand small neural networks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"commands (chainboard COMMAND --help for each):\n{commands}")
    parser.add_argument("model", nargs="?", help="a model file to open (.chain, or a ChainSpec as JSON)")
    parser.add_argument("--screenshot", metavar="PNG", help="render the window offscreen to PNG and exit")
    parser.add_argument("--train-epochs", metavar="N", type=int, default=0,
                        help="with --screenshot: train N epochs first, so the plots show a run")
    parser.add_argument("--size", metavar="WxH", type=_size, default=SCREENSHOT_SIZE,
                        help=f"with --screenshot: the window's size (default {SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]})")
    parser.add_argument("--dock", metavar="NAME", help="with --screenshot: raise this dock first (landscape, "
                        "gradients, loss, ...: a word of its title)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="the colour scheme (default: the system's)")
    return parser.parse_args(argv)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size looks like 1024x700, not {text!r}") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"{text} is not a window size")
    return w, h


def load_spec(path: str) -> ChainSpec:
    """Read a ChainSpec from JSON; raises ValueError with the file name on any problem."""
    try:
        return ChainSpec.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: {error}") from None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    loaded = None
    if args.model and not Path(args.model).exists() and not Path(args.model).suffix:
        from .core.cli import COMMANDS

        print(f"chainboard: {args.model!r} is neither a command ({', '.join(COMMANDS)}) nor a model file; "
              "see chainboard --help", file=sys.stderr)
        return 2
    try:
        if args.model and args.model.lower().endswith(MODEL_SUFFIX):
            loaded = load_model(args.model)
        spec = load_spec(args.model) if args.model and loaded is None else None
    except ModelFileError as error:
        print(f"chainboard: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"chainboard: cannot open {error}", file=sys.stderr)
        return 2
    if args.screenshot:
        # Must be decided before the QApplication exists.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if platform_check.wants_xcb() and (packages := platform_check.missing_packages()):
        print(platform_check.message(packages), file=sys.stderr)  # instead of Qt's abort
        return 2
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .style import apply_theme

    if args.screenshot:
        _quiet_offscreen_plugin()
    app = QApplication.instance() or QApplication(["chainboard"])
    app.setApplicationName("Chainboard")
    release_clipboard_on_quit(app)
    apply_theme(app, None if args.theme == "system" else args.theme == "dark")
    window = MainWindow(spec, remember_layout=not args.screenshot)
    if loaded is not None:
        window.files.show_loaded(loaded, Path(args.model).resolve())
    if args.screenshot:
        return save_screenshot(app, window, args.screenshot, args.train_epochs, args.size, args.dock)
    window.show()
    if loaded is not None:
        window.files.recent.add(args.model)
    window.files.sweep_temporaries()
    window.files.offer_recovery()
    return app.exec()


def release_clipboard_on_quit(app) -> None:
    """Clear our own clipboard data before Qt tears down: PySide6 otherwise crashes at exit
    (signal 11) destroying the QMimeData the canvas put there. Other programs' data is left alone."""
    from .canvas.editor import FRAGMENT_MIME

    def release():
        mime = app.clipboard().mimeData()
        if mime is not None and mime.hasFormat(FRAGMENT_MIME):
            app.clipboard().clear()

    app.aboutToQuit.connect(release)


def _quiet_offscreen_plugin() -> None:
    """Drop the offscreen plugin's "This plugin does not support ..." notes; pass everything else on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if not message.startswith("This plugin does not support"):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def find_dock(window, name: str):
    """The window's dock whose title is `name` or holds it as a word ("landscape" finds "Loss landscape");
    None if none does."""
    from PySide6.QtWidgets import QDockWidget

    want = name.strip().lower()
    docks = window.findChildren(QDockWidget)
    for dock in docks:
        if dock.windowTitle().lower() == want:
            return dock
    return next((d for d in docks if want in d.windowTitle().lower().split()), None)


def dock_names(window) -> list[str]:
    from PySide6.QtWidgets import QDockWidget

    return [d.windowTitle() for d in window.findChildren(QDockWidget)]


def save_screenshot(app, window, path: str, train_epochs: int = 0, size=SCREENSHOT_SIZE, dock: str | None = None) -> int:
    """Show `window` at `size`, let it lay out (and train), raise `dock` (a name for `find_dock`), and save it
    as a PNG."""
    raised = find_dock(window, dock) if dock else None
    if dock and raised is None:
        print(f"chainboard: no dock called {dock!r}; the docks are {', '.join(dock_names(window))}", file=sys.stderr)
        window.close()
        return 2
    window.resize(*size)
    window.show()
    for _ in range(3):  # layout and the first fit take a few event-loop turns
        app.processEvents()
    if train_epochs > 0:
        window.training.train_and_wait(train_epochs)
    if raised is not None:
        raised.show()
        raised.raise_()
        ready = getattr(raised.widget(), "compute_now", None)  # a dock that computes in a job: compute it now
        if ready is not None:
            ready()
        for _ in range(3):  # the tab bar and the dock lay out anew over a few turns
            app.processEvents()
    window.view.fit_to_view()
    app.processEvents()
    window.training.plots.clock.force()  # every plot drawn, not only those the clock reached so far
    app.processEvents()
    if not window.grab().save(path, "PNG"):
        print(f"chainboard: could not write {path}", file=sys.stderr)
        return 1
    window.close()
    return 0
