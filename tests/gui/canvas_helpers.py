"""Real input for canvas tests: mouse gestures on the view's viewport and drag-and-drop events."""
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.canvas.layout import BLOCK_HEIGHT, BLOCK_WIDTH


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
