"""Quitting the application prints nothing: no traceback from a slot that outlived its widgets (issue 17.4).

Each case runs the application's own start (gui.app: QApplication, the remembered window, the clipboard
release) in a child interpreter, so the teardown under test is the real one at interpreter exit, which a
test inside pytest's long-lived QApplication never reaches. The child presses Train with a real click and
quits the way a user does (the window's close, which asks to stop a running run and answers the offscreen
default, "stop").
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from gui.app import release_clipboard_on_quit
    from gui.main_window import MainWindow

    case, epochs = sys.argv[1], int(sys.argv[2])
    app = QApplication(["chainboard"])
    app.setApplicationName("Chainboard")
    release_clipboard_on_quit(app)
    window = MainWindow(remember_layout=True)
    window.show()
    dock = window.training
    dock.settings_box.epochs_box.setValue(epochs)

    def train():
        QTest.mouseClick(dock.controls.start_button, Qt.LeftButton)
        QTimer.singleShot(50, wait)

    def wait():
        running = dock.session.state != "idle"
        if case == "mid-run" and running and dock.session.record.epochs > 0:
            return quit_now()
        if running or case == "mid-run":
            return QTimer.singleShot(20, wait)
        if case == "after-new":
            window.actions_by_name["new"].trigger()
        QTimer.singleShot(50, quit_now)

    def quit_now():
        print("state at quit:", dock.session.state, flush=True)
        window.close()

    QTimer.singleShot(100, train)
    QTimer.singleShot(120_000, lambda: (print("timed out", flush=True), app.exit(3)))
    code = app.exec()
    print("exit code", code, flush=True)
    sys.exit(code)
""")


@pytest.mark.parametrize("case, epochs", [("finished", 40), ("mid-run", 1_000_000), ("after-new", 40)])
def test_quitting_after_training_prints_no_traceback(tmp_path, case, epochs):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="1")
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, case, str(epochs)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    noise = [line for line in done.stderr.splitlines() if "propagateSizeHints" not in line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exit code 0" in done.stdout and "timed out" not in done.stdout
    assert noise == [], "\n".join(noise)
