"""While training, the Chain's structure is locked: palette, properties, wiring, drops, edit actions and
undo are off, and a banner on the canvas says so. Zoom, pan, selection and moving blocks still work.

>>> lock = ChainLock(window)     # doctest: +SKIP
>>> lock.set_locked(True)        # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

LOCKED_ACTIONS = ("undo", "redo", "cut", "paste", "duplicate", "delete")


class ChainLock(QObject):
    """Applies and lifts the training lock on a MainWindow's editing surfaces."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.locked = False
        self.banner = QLabel("🔒  Training: the Chain is locked. Stop training to edit it.", window.view)
        self.banner.setObjectName("lockBanner")
        self.banner.setStyleSheet("QLabel#lockBanner { background: rgba(255, 236, 179, 235); color: #5c3c00;"
                                  " border: 1px solid #e0b252; border-radius: 8px; padding: 6px 12px;"
                                  " font-weight: 600; }")
        self.banner.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.banner.hide()
        window.view.installEventFilter(self)
        # QUndoStack re-enables its undo/redo actions on every push (a block move, say): re-disable them
        window.undo_stack.canUndoChanged.connect(self._enforce)
        window.undo_stack.canRedoChanged.connect(self._enforce)

    def set_locked(self, on: bool) -> None:
        self.locked = bool(on)
        w = self.window
        w.palette_panel.setEnabled(not on)
        w.properties.setEnabled(not on)
        w.view.setAcceptDrops(not on)
        w.editor.scene.locked = on
        if on:
            self.banner.show()
            self.banner.raise_()
            self._place()
        else:
            self.banner.hide()
        self._enforce()

    def _enforce(self, *_):
        actions = self.window.actions_by_name
        stack = self.window.undo_stack
        for name in LOCKED_ACTIONS:
            if self.locked:
                actions[name].setEnabled(False)
            elif name == "undo":
                actions[name].setEnabled(stack.canUndo())
            elif name == "redo":
                actions[name].setEnabled(stack.canRedo())
            else:
                actions[name].setEnabled(True)

    def _place(self):
        self.banner.adjustSize()
        view = self.window.view
        self.banner.move(max(8, (view.width() - self.banner.width()) // 2), 10)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Resize and self.banner.isVisible():
            self._place()
        return False
