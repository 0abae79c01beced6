"""Shared pieces for the file-command tests: scripted answers to questions and file dialogs, and
what a document looks like once ids are set aside."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from gui import dialogs



DEFAULTS = {"ask_save_changes": "discard", "ask_stop_training": True, "ask_revert": True, "ask_restore": "later"}


class Answers:
    """Scripted answers to the questions in gui/dialogs.py. An unscripted question gets the harmless
    default and is noted in `unscripted` (tests assert it stays empty)."""

    def __init__(self, monkeypatch):
        self.asked: list[str] = []
        self.unscripted: list[str] = []
        self.script: dict[str, list] = {}
        for name in ("ask_save_changes", "ask_stop_training", "ask_revert", "ask_restore"):
            monkeypatch.setattr(dialogs, name, self._answerer(name))
        monkeypatch.setattr(dialogs, "last_message", None)

    def _answerer(self, name):
        def answer(*_args):
            if not self.script.get(name):  # (pytest-qt closes the window before fixtures end: no raising here)
                self.unscripted.append(name)
                return DEFAULTS[name]
            self.asked.append(name)
            return self.script[name].pop(0)
        return answer

    def will(self, name: str, *replies):
        self.script.setdefault(name, []).extend(replies)


@pytest.fixture
def answers(monkeypatch):
    return Answers(monkeypatch)


@pytest.fixture
def file_dialogs(monkeypatch):
    """`file_dialogs["save"]` / `["open"]`: the path the next Save As… / Open… dialog returns."""
    chosen = {"save": "", "open": "", "asked": []}

    def save(parent, caption, start, filters):
        chosen["asked"].append(("save", start))
        return str(chosen["save"]), filters

    def open_(parent, caption, start, filters):
        chosen["asked"].append(("open", start))
        return str(chosen["open"]), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_))
    return chosen


def press(window, key, modifiers=Qt.ControlModifier):
    """A shortcut pressed on the canvas, as a person would."""
    QTest.keyClick(window.view, key, modifiers)


def shape(doc):
    """The document without ids: kind, parameters and position of each block along the Chain."""
    return [(b.kind, b.units, b.activation, b.bias, b.init, b.x, b.y) for b in doc.chain_blocks()]


def last_error() -> str:
    box = dialogs.last_message
    assert box is not None and box.isVisible(), "no error was shown"
    text = box.text()
    box.close()
    return text
