"""Fixtures for canvas tests: a shown main window with the tutorial model, and ways to reach into it."""
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from gui import recent
from gui.main_window import MainWindow
from gui.style import apply_theme

HERE = Path(__file__).resolve().parent
# The offscreen platform plugin says "This plugin does not support propagateSizeHints()" (or raise(),
# or grabbing the keyboard) when windows, docks and popups appear: its limits, not our warnings.
OFFSCREEN_NOISE = r"^This plugin does not support "


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def user_folders(tmp_path_factory, monkeypatch):
    """Recovery copies and Recent Files of GUI tests go to a temporary folder, not the user's own."""
    folder = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("CHAINBOARD_DATA_DIR", str(folder / "data"))
    monkeypatch.setattr(recent, "settings_store", lambda: QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
    return folder


@pytest.fixture
def window(qtbot, qapp):
    apply_theme(qapp, dark=False)
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()  # window-level shortcuts (Delete, Ctrl+Z, ...) need the active window
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None, timeout=2000)
    win.view.reset_zoom()  # tests compute points at 100%
    win.view.setFocus()
    yield win
    win.undo_stack.clear()  # commands hold the document; let them go before the window
    QGuiApplication.clipboard().clear()  # PySide6 crashes at exit destroying our QMimeData (see gui/app.py)


@pytest.fixture
def view(window):
    return window.view


@pytest.fixture
def editor(window):
    return window.editor


@pytest.fixture
def doc(window):
    return window.doc
