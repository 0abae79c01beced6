"""The real question boxes of gui/dialogs.py: each button gives its answer; offscreen, nobody is asked."""
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.core.recovery import Recovery
from gui import dialogs


def click_later(label: str):
    """Click the button called `label` on the question box once it shows (exec() blocks the test)."""
    def attempt():
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        buttons = [b for box in boxes for b in box.buttons() if b.text().replace("&", "") == label]
        if buttons:
            buttons[0].click()
        else:
            QTimer.singleShot(10, attempt)
    QTimer.singleShot(0, attempt)


@pytest.fixture
def someone_answers(monkeypatch):
    monkeypatch.setattr(dialogs, "_nobody_can_answer", lambda: False)


@pytest.mark.parametrize("label, answer", [("Save", "save"), ("Discard", "discard"), ("Cancel", "cancel")])
def test_save_changes_buttons(qapp, someone_answers, label, answer):
    click_later(label)
    assert dialogs.ask_save_changes(None, "m.chain") == answer


def test_other_questions(qapp, someone_answers, tmp_path):
    click_later("Yes")
    assert dialogs.ask_stop_training(None) is True
    click_later("Cancel")
    assert dialogs.ask_revert(None, "m.chain") is False
    found = Recovery(tmp_path / "s.chain", None, time.time(), 1)
    for label, answer in (("Restore", "restore"), ("Discard", "discard"), ("Later", "later")):
        click_later(label)
        assert dialogs.ask_restore(None, found) == answer


def test_offscreen_questions_answer_their_harmless_default(qapp, tmp_path):
    assert dialogs._nobody_can_answer()
    assert dialogs.ask_save_changes(None, "m.chain") == "discard"
    assert dialogs.ask_restore(None, Recovery(tmp_path / "s.chain", None, 0.0, 1)) == "later"


def test_errors_do_not_block_and_replace_each_other(qapp):
    first = dialogs.show_error(None, "Cannot open model", "one")
    second = dialogs.show_error(None, "Cannot open model", "two")
    assert dialogs.last_message is second and second.isVisible() and not first.isVisible()
    second.close()
