"""While training, the Chain's structure is locked: the given editing widgets and actions are off, new wires
and drops are refused, and a banner on the canvas says so. Zoom, pan, selection and moving blocks still work.

>>> lock = ChainLock(view, scene, undo_stack, undo, redo, other_actions, [palette, properties])   # doctest: +SKIP
>>> lock.set_locked(True)                                                       # doctest: +SKIP
>>> lock.release()                    # before teardown: its slots must not outlive what they switch  # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget
from shiboken6 import isValid

from ..style import icon

LOCKED_ACTIONS = ("cut", "paste", "duplicate", "delete")  # besides undo and redo, which follow their stack


class LockBanner(QWidget):
    """A padlock icon and a line of text over the top of the canvas (an icon: not every machine has an emoji font)."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("lockBanner")
        self.setAttribute(Qt.WA_StyledBackground)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setStyleSheet("QWidget#lockBanner { background: rgba(255, 236, 179, 235); border: 1px solid #e0b252;"
                           " border-radius: 8px; } QLabel { color: #5c3c00; font-weight: 600; background: none; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 5, 12, 5)
        row.setSpacing(6)
        self.padlock = QLabel()
        self.padlock.setPixmap(icon("lock").pixmap(16, 16))
        self.words = QLabel("Training: the Chain is locked. Stop training to edit it.")
        row.addWidget(self.padlock)
        row.addWidget(self.words)
        self.hide()


class ChainLock(QObject):
    """Applies and lifts the training lock on the editing surfaces it is given."""

    def __init__(self, view, scene, undo_stack, undo, redo, actions, widgets):
        super().__init__(view)
        self.view, self.scene, self.undo_stack = view, scene, undo_stack
        self.undo, self.redo, self.actions, self.widgets = undo, redo, list(actions), list(widgets)
        self.locked = False
        self.banner = LockBanner(view)
        view.installEventFilter(self)
        # QUndoStack re-enables its undo/redo actions on every push (a block move, say): re-disable them
        undo_stack.canUndoChanged.connect(self._enforce)
        undo_stack.canRedoChanged.connect(self._enforce)

    def set_locked(self, on: bool) -> None:
        self.locked = bool(on)
        for widget in self.widgets:
            widget.setEnabled(not on)
        self.view.setAcceptDrops(not on)
        self.scene.locked = on
        self.banner.setVisible(on)
        if on:
            self.banner.raise_()
            self._place()
        self._enforce()

    def release(self) -> None:
        """Disconnect from the undo stack and the view (the window is closing)."""
        for signal in (self.undo_stack.canUndoChanged, self.undo_stack.canRedoChanged):
            try:
                signal.disconnect(self._enforce)
            except (RuntimeError, TypeError):
                pass
        self.view.removeEventFilter(self)

    def _enforce(self, *_):
        if not isValid(self.undo_stack) or not isValid(self.undo):
            return  # the window is being torn down without a close (its stack emits as it dies)
        for action in self.actions:
            action.setEnabled(not self.locked)
        self.undo.setEnabled(not self.locked and self.undo_stack.canUndo())
        self.redo.setEnabled(not self.locked and self.undo_stack.canRedo())

    def _place(self):
        self.banner.adjustSize()
        self.banner.move(max(8, (self.view.width() - self.banner.width()) // 2), 10)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Resize and self.banner.isVisible():
            self._place()
        return False
