"""The canvas without the rest of the main window, and real input for canvas tests: mouse gestures on
the view's viewport and drag-and-drop events."""
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from gui.canvas.actions import canvas_actions
from gui.canvas.document import TUTORIAL_SPEC, Document
from gui.canvas.editor import CanvasEditor
from gui.canvas.layout import BLOCK_HEIGHT, BLOCK_WIDTH
from gui.canvas.palette import BlockPalette
from gui.canvas.view import CanvasView
from gui.panels.properties import PropertiesPanel

VIEW_SIZE = (788, 428)  # the canvas's size in a new 1280 × 800 main window: tests compute points for it


class CanvasWindow(QWidget):
    """The canvas as the main window builds it - document, undo stack, editor, view, block palette,
    properties panel and the edit actions with their shortcuts (gui.canvas.actions) - but none of the
    training docks, whose plots take most of a main window's build time. Attributes are named as on
    MainWindow; `messages` collects what the main window would show in its status bar."""

    def __init__(self, spec=TUTORIAL_SPEC):
        super().__init__()
        self.undo_stack = QUndoStack(self)
        self.doc = Document.from_spec(spec, parent=self)
        self.editor = CanvasEditor(self.doc, self.undo_stack, parent=self)
        self.view = CanvasView(self.editor, self)
        self.view.setFixedSize(*VIEW_SIZE)
        self.palette_panel = BlockPalette()  # a drag source here: double-click wiring is the main window's
        self.palette_panel.setFixedWidth(190)
        self.properties = PropertiesPanel(self.editor)
        self.properties.setFixedWidth(270)
        self.actions_by_name = canvas_actions(self, self.editor, self.view)
        self.messages: list[str] = []
        self.editor.message.connect(self._note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.palette_panel, self.view, self.properties):
            layout.addWidget(widget)

    def release(self):
        """Before closing: let go of the undo history (its commands hold the document) and the messages."""
        self.editor.message.disconnect(self._note)
        self.undo_stack.clear()

    def _note(self, text: str):
        self.messages.append(text)


def to_view(view, scene_point) -> QPoint:
    return view.mapFromScene(scene_point)


def block_centre(view, block_id) -> QPoint:
    item = view.editor.scene.block_items[block_id]
    return to_view(view, item.mapToScene(QPointF(BLOCK_WIDTH / 2, BLOCK_HEIGHT / 2 + 10)))


def out_port(view, block_id) -> QPoint:
    return to_view(view, view.editor.scene.block_items[block_id].out_anchor())


def in_port(view, block_id) -> QPoint:
    return to_view(view, view.editor.scene.block_items[block_id].in_anchor())


def wire_middle(view, wire_id) -> QPoint:
    path = view.editor.scene.wire_items[wire_id].path()
    return to_view(view, path.pointAtPercent(0.5))


def click(view, point, modifier=Qt.NoModifier):
    QTest.mouseClick(view.viewport(), Qt.LeftButton, modifier, point)


def drag(view, start, end, button=Qt.LeftButton, modifier=Qt.NoModifier, steps=4, during=None):
    """Press at `start`, move in `steps` to `end`, release; `during()` runs before the release."""
    vp = view.viewport()
    QTest.mousePress(vp, button, modifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, start + (end - start) * (i / steps))
    if during is not None:
        during()
    QTest.mouseRelease(vp, button, modifier, end)


def drop_mime(view, mime, point, leave_before_drop=False) -> bool:
    """Send the enter/move/drop sequence a real drag would, to the viewport; True if the drop was accepted."""
    vp = view.viewport()
    enter = QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, move)
    if not move.isAccepted():
        return False
    event = QDropEvent(QPointF(point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, event)
    return event.isAccepted()


def empty_spot(view) -> QPoint:
    """A viewport point well below the tutorial row, where nothing is drawn."""
    return to_view(view, QPointF(BLOCK_WIDTH, BLOCK_HEIGHT * 3))
