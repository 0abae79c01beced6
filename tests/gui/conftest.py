"""Fixtures for GUI tests.

- `canvas`: the canvas with its palette, properties panel and edit shortcuts, in a small shown window
  (canvas_helpers.CanvasWindow) - for tests of the canvas itself. `view` and `doc` are its parts.
- `editor`: a CanvasEditor on the tutorial document, with its undo stack and scene, and no widgets.
- `window`: a shown main window of its own - for tests of what the main window adds (status bar,
  menus, file commands, docks) or that change it.
- `shared_window`: one main window per test module for tests that only look at a new window; a test
  that changes it fails.
"""
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtTest import QTest

from canvas_helpers import CanvasWindow
from gui import recent
from gui.canvas.document import TUTORIAL_SPEC, Document
from gui.canvas.editor import CanvasEditor
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


def keep_user_folders_apart(monkeypatch, folder: Path):
    """Recovery copies and Recent Files go to `folder`, not the user's own."""
    monkeypatch.setenv("CHAINBOARD_DATA_DIR", str(folder / "data"))
    monkeypatch.setattr(recent, "settings_store", lambda: QSettings(str(folder / "settings.ini"), QSettings.IniFormat))


@pytest.fixture(autouse=True)
def user_folders(tmp_path_factory, monkeypatch):
    """Recovery copies and Recent Files of GUI tests go to a temporary folder, not the user's own."""
    folder = tmp_path_factory.mktemp("user")
    keep_user_folders_apart(monkeypatch, folder)
    return folder


@pytest.fixture(scope="session")
def theme(qapp):
    """The light theme, set once: setting a style sheet re-polishes every widget there is."""
    apply_theme(qapp, dark=False)


def show_active(widget):
    """Show `widget` and make its window the active one: window shortcuts (Delete, Ctrl+Z, ...) need that."""
    widget.show()
    assert QTest.qWaitForWindowExposed(widget)
    widget.activateWindow()
    assert QTest.qWaitForWindowActive(widget) and QGuiApplication.focusWindow() is widget.windowHandle()


@pytest.fixture
def canvas(request, qtbot, theme):
    assert "window" not in request.fixturenames, "a test has either a canvas (and its view, doc) or a window"
    win = CanvasWindow()
    qtbot.addWidget(win, before_close_func=CanvasWindow.release)
    show_active(win)
    win.view.fit_to_view()  # what the main window does when it is first shown
    win.view.reset_zoom()  # tests compute points at 100%
    win.view.setFocus()
    yield win
    QGuiApplication.clipboard().clear()  # PySide6 crashes at exit destroying our QMimeData (see gui/app.py)


@pytest.fixture
def view(canvas):
    return canvas.view


@pytest.fixture
def doc(canvas):
    return canvas.doc


@pytest.fixture
def editor(qapp):
    """The tutorial document in an editor and its scene, with an undo stack, and no window."""
    stack = QUndoStack()
    editor = CanvasEditor(Document.from_spec(TUTORIAL_SPEC), stack)
    yield editor
    stack.clear()  # commands hold the document; let them go before the editor
    QGuiApplication.clipboard().clear()


def _release_window(win):
    win.undo_stack.clear()  # commands hold the document; let them go before the window


@pytest.fixture
def window(qtbot, theme):
    """A main window with the tutorial's Chain (Input 10 → Dense 5 σ → Dense 2 → softmax): tests compute points
    and counts for it. A window as a new user first sees it is `shared_window`."""
    win = MainWindow(TUTORIAL_SPEC)
    qtbot.addWidget(win, before_close_func=_release_window)
    show_active(win)
    win.view.reset_zoom()  # tests compute points at 100%
    win.view.setFocus()
    yield win
    QGuiApplication.clipboard().clear()  # PySide6 crashes at exit destroying our QMimeData (see gui/app.py)


@pytest.fixture(scope="module")
def _module_window(tmp_path_factory, theme):
    with pytest.MonkeyPatch.context() as monkeypatch:  # the autouse user_folders covers single tests only
        keep_user_folders_apart(monkeypatch, tmp_path_factory.mktemp("user"))
        win = MainWindow()
        show_active(win)
        win.view.reset_zoom()
        yield win
        _release_window(win)
        win.close()
        win.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


@pytest.fixture
def shared_window(_module_window):
    """A new main window that this module's tests share; they may look, and fail if they change it."""
    win = _module_window
    before = (win.doc.state(), win.undo_stack.count(), win.view.zoom(), win.editor.scene.selected_block_ids())
    yield win
    after = (win.doc.state(), win.undo_stack.count(), win.view.zoom(), win.editor.scene.selected_block_ids())
    assert after == before, "a test changed the shared window: give it a `window` of its own"
