"""The questions and messages of the file commands, as plain functions that tests can replace.

>>> answer = ask_save_changes(window, "xor.chain")     # "save", "discard" or "cancel"   # doctest: +SKIP
>>> show_error(window, "Cannot open", str(error))      # non-modal: returns at once         # doctest: +SKIP

Questions block (they use `QMessageBox.exec`), so tests monkeypatch them: `monkeypatch.setattr(dialogs,
"ask_save_changes", lambda *a: "cancel")`. On a platform where nobody can see a dialog (offscreen,
minimal: screenshots, test runs), an unpatched question answers its harmless default at once instead
of waiting forever. Errors are shown non-modally; `last_message` holds the latest box for tests.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

last_message: QMessageBox | None = None  # the latest error box (tests read its text and close it)


def _nobody_can_answer() -> bool:
    return QGuiApplication.platformName() in ("offscreen", "minimal")


def _ask(parent, icon, title: str, text: str, buttons, default, informative: str = "", answered_by=None):
    """`answered_by`: (a signal, a function of its arguments giving the answer or None): a question that
    events answer meanwhile closes with that answer instead of staying up."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setDefaultButton(default)
    if informative:
        box.setInformativeText(informative)
    box.setWindowModality(Qt.WindowModal)
    if answered_by is None:
        return box.exec()
    signal, answer_for = answered_by

    def settle(*args):
        answer = answer_for(*args)
        if answer is not None:
            box.done(answer)
    signal.connect(settle)
    try:
        return box.exec()
    finally:
        signal.disconnect(settle)


def ask_save_changes(parent, name: str) -> str:
    """Save / Discard / Cancel for unsaved changes to the document called `name`."""
    if _nobody_can_answer():
        return "discard"
    buttons = QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel
    answer = _ask(parent, QMessageBox.Warning, "Unsaved changes", f"Save the changes to {name}?", buttons,
                  QMessageBox.Save, "Your changes will be lost if you don't save them.")
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(QMessageBox.StandardButton(answer),
                                                                           "cancel")


def ask_stop_training(parent, state_changed=None) -> bool:
    """Whether to stop the running training (so the window can close or load another model). With the
    training's `state_changed` signal, the question goes away by itself if the run ends meanwhile."""
    if _nobody_can_answer():
        return True
    ended = None if state_changed is None else (state_changed, lambda state: QMessageBox.Yes if state == "idle" else None)
    answer = _ask(parent, QMessageBox.Question, "Training is running", "Stop training first?",
                  QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Yes,
                  "Training must stop before the model is closed or replaced. The weights learnt so far are kept.",
                  answered_by=ended)
    return QMessageBox.StandardButton(answer) == QMessageBox.Yes


def ask_revert(parent, name: str) -> bool:
    """Whether to throw away the unsaved changes and reload `name` from disk."""
    if _nobody_can_answer():
        return True
    answer = _ask(parent, QMessageBox.Question, "Revert", f"Discard your changes and reload {name}?",
                  QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
    return QMessageBox.StandardButton(answer) == QMessageBox.Yes


def ask_restore(parent, recovery) -> str:
    """"restore", "discard" or "later" for a recovery copy a crashed session left behind."""
    if _nobody_can_answer():
        return "later"
    name = recovery.document or "an unsaved model"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(recovery.saved))
    box = QMessageBox(QMessageBox.Question, "Recover unsaved work",
                      f"Chainboard did not close properly. A recovery copy of {name} from {when} was kept.",
                      QMessageBox.NoButton, parent)
    box.setInformativeText("Restore it? Restored work stays unsaved until you save it.")
    restore = box.addButton("Restore", QMessageBox.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.DestructiveRole)
    box.addButton("Later", QMessageBox.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    return {restore: "restore", discard: "discard"}.get(box.clickedButton(), "later")


def show_error(parent, title: str, text: str) -> QMessageBox:
    """A non-modal error box: returns at once; the app stays usable."""
    global last_message
    if last_message is not None:
        try:
            last_message.close()
            last_message.deleteLater()
        except RuntimeError:  # its parent (a closed window) already deleted it
            pass
    box = QMessageBox(QMessageBox.Critical, title, text, QMessageBox.Ok, parent)
    box.setWindowModality(Qt.NonModal)
    last_message = box
    box.show()
    return box
