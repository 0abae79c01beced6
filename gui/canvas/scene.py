"""The canvas scene: keeps one item per block and wire in step with the document, and turns mouse
gestures (drag blocks, drag a wire from port to port) into undo commands.

>>> scene = CanvasScene(doc, undo_stack, parent=editor)     # doctest: +SKIP
>>> scene.analysed.connect(status_bar.show_analysis)        # doctest: +SKIP
"""
from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QTransform
from PySide6.QtWidgets import QApplication, QGraphicsScene

from ..style import CanvasColours
from .commands import MoveBlocks, connect
from .document import Document
from .items import BlockItem, PortItem, RubberWire, WireItem, wire_path
from .layout import GRID, snap

SCENE_EXTENT = 20_000.0  # a large fixed scene rect: panning is never stopped by an edge
LOCKED = "The Chain is locked while it trains: stop training to change it."


class CanvasScene(QGraphicsScene):
    """Draws a Document and handles block dragging and wiring; everything else lives in the editor."""

    analysed = Signal(object)  # the document's Analysis, after every change
    message = Signal(str)  # short feedback for the status bar, e.g. why a wire was refused

    def __init__(self, doc: Document, undo_stack, parent=None):
        super().__init__(parent)  # keep a parent: an orphan scene is collected and addItem then crashes
        self.doc = doc
        self.undo_stack = undo_stack
        self.snap_to_grid = True
        self.colours = CanvasColours.from_palette(QApplication.palette())
        self.block_items: dict[int, BlockItem] = {}
        self.wire_items: dict[int, WireItem] = {}
        self._drag_numbers = itertools.count(1)
        self._drag = None  # (drag number, press point, {block_id: start (x, y)}, anchor block id)
        self._wiring = None  # (PortItem the wire starts at, RubberWire)
        self._marked_port: PortItem | None = None
        self.locked = False  # set by the training lock: no new wires then
        self.setSceneRect(-SCENE_EXTENT / 2, -SCENE_EXTENT / 2, SCENE_EXTENT, SCENE_EXTENT)
        self.setItemIndexMethod(QGraphicsScene.NoIndex)  # few items, many moves: the BSP tree only costs

        doc.block_added.connect(self._add_block_item)
        doc.block_removed.connect(self._remove_block_item)
        doc.block_changed.connect(self._refresh_block)
        doc.block_moved.connect(self._refresh_block)
        doc.wire_added.connect(self._add_wire_item)
        doc.wire_removed.connect(self._remove_wire_item)
        doc.changed.connect(self.refresh_analysis)
        for block in doc.blocks():
            self._add_block_item(block.block_id)
        for wire in doc.wires():
            self._add_wire_item(wire.wire_id)
        self.refresh_analysis()

    # ---- reading the selection -------------------------------------------------------------------

    def selected_block_ids(self) -> list[int]:
        return sorted(i.block_id for i in self.selectedItems() if isinstance(i, BlockItem))

    def selected_wire_ids(self) -> list[int]:
        return sorted(i.wire_id for i in self.selectedItems() if isinstance(i, WireItem))

    def select_blocks(self, block_ids) -> None:
        self.clearSelection()
        for block_id in block_ids:
            if block_id in self.block_items:
                self.block_items[block_id].setSelected(True)

    def wire_at(self, point: QPointF) -> int | None:
        """The wire under a scene point, if any (used to insert a dropped block)."""
        for item in self.items(point, Qt.IntersectsItemShape, Qt.DescendingOrder, QTransform()):
            if isinstance(item, WireItem):
                return item.wire_id
            if isinstance(item, (BlockItem, PortItem)):
                return None
        return None

    # ---- following the document ------------------------------------------------------------------

    def _add_block_item(self, block_id: int):
        item = BlockItem(self.doc.block(block_id), self.colours)
        self.block_items[block_id] = item
        self.addItem(item)

    def _remove_block_item(self, block_id: int):
        item = self.block_items.pop(block_id)
        if self._drag and block_id in self._drag[2]:
            self._drag = None
        self.removeItem(item)

    def _refresh_block(self, block_id: int):
        item = self.block_items[block_id]
        result = self.doc.analysis()
        item.show_state(self.doc.block(block_id), result.sizes.get(block_id), result.params.get(block_id),
                        result.problems_of_block(block_id))
        for wire in self.doc.wires_of(block_id):
            self._place_wire(wire.wire_id)

    def _add_wire_item(self, wire_id: int):
        item = WireItem(wire_id, self.colours)
        self.wire_items[wire_id] = item
        self.addItem(item)
        self._place_wire(wire_id)

    def _remove_wire_item(self, wire_id: int):
        self.removeItem(self.wire_items.pop(wire_id))

    def _place_wire(self, wire_id: int):
        wire = self.doc.wire(wire_id)
        self.wire_items[wire_id].set_ends(self.block_items[wire.source].out_anchor(),
                                          self.block_items[wire.target].in_anchor())

    def refresh_analysis(self):
        """Re-validate and redraw every mark; the document is small, so all of it is cheap."""
        result = self.doc.analysis()
        for block_id in self.block_items:
            self._refresh_block(block_id)
        for wire_id, item in self.wire_items.items():
            item.show_problems(result.problems_of_wire(wire_id))
        self.analysed.emit(result)

    def show_gradients(self, norms: dict) -> None:
        """Badge each block with the norm of its parameters' gradient (block id -> norm; others cleared)."""
        for block_id, item in self.block_items.items():
            item.show_gradient(norms.get(block_id))

    def drawBackground(self, painter: QPainter, rect: QRectF):
        painter.fillRect(rect, self.colours.background)
        scale = painter.worldTransform().m11()
        step = GRID if scale >= 0.6 else GRID * 4  # fewer dots when zoomed out, or they become a grey wash
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        points = [QPointF(x, y) for x in _frange(left, rect.right(), step) for y in _frange(top, rect.bottom(), step)]
        pen = painter.pen()
        pen.setColor(self.colours.grid)
        pen.setWidthF(max(1.6, 1.6 / scale) if scale < 1 else 1.6)
        pen.setCapStyle(Qt.RoundCap)
        painter.setPen(pen)
        painter.drawPoints(points)

    # ---- gestures: drag blocks, draw wires -------------------------------------------------------

    def mousePressEvent(self, event):
        item = self.itemAt(event.scenePos(), QTransform())
        if event.button() == Qt.LeftButton and isinstance(item, PortItem) and self.locked:
            self.message.emit(LOCKED)
            event.accept()
            return
        if event.button() == Qt.LeftButton and isinstance(item, PortItem):
            rubber = RubberWire(self.colours)
            self.addItem(rubber)
            self._wiring = (item, rubber)
            self._update_wiring(event.scenePos())
            event.accept()
            return
        super().mousePressEvent(event)
        block_item = item.parentItem() if isinstance(item, PortItem) else item
        if event.button() == Qt.LeftButton and isinstance(block_item, BlockItem) and block_item.isSelected():
            starts = {i: (self.doc.block(i).x, self.doc.block(i).y) for i in self.selected_block_ids()}
            self._drag = (next(self._drag_numbers), event.scenePos(), starts, block_item.block_id)

    def mouseMoveEvent(self, event):
        if self._wiring:
            self._update_wiring(event.scenePos())
            event.accept()
            return
        if self._drag and event.buttons() & Qt.LeftButton:
            self._drag_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._wiring and event.button() == Qt.LeftButton:
            self._finish_wiring(event.scenePos())
            event.accept()
            return
        self._drag = None
        super().mouseReleaseEvent(event)

    def _drag_to(self, point: QPointF):
        number, pressed, starts, anchor = self._drag
        delta = point - pressed
        ax, ay = starts[anchor]
        # Snap the block under the mouse; the others keep their offsets from it.
        nx, ny = snap(ax + delta.x(), ay + delta.y()) if self.snap_to_grid else (ax + delta.x(), ay + delta.y())
        dx, dy = nx - ax, ny - ay
        moves = {i: ((x, y), (x + dx, y + dy)) for i, (x, y) in starts.items() if self.doc.has_block(i)}
        current = {i: (self.doc.block(i).x, self.doc.block(i).y) for i in moves}
        if any(current[i] != new for i, (_, new) in moves.items()):
            self.undo_stack.push(MoveBlocks(self.doc, moves, drag=number))

    def _target_port(self, point: QPointF) -> PortItem | None:
        for item in self.items(point, Qt.IntersectsItemShape, Qt.DescendingOrder, QTransform()):
            if isinstance(item, PortItem):
                return item
            if isinstance(item, BlockItem):
                # Dropping anywhere on a block means its free port: the wire's natural end.
                start = self._wiring[0]
                port = item.in_port if start.port_kind == "out" else item.out_port
                return port or item.out_port  # an Input has no input port: refuse on its output
        return None

    def refusal(self, start: PortItem, target: PortItem) -> str | None:
        """Why a wire from `start` to `target` cannot be made, or None if it can."""
        if target is None:
            return "Drop the wire on another block's port."
        if target.block_id == start.block_id:
            return "A block cannot feed itself."
        if target.port_kind == start.port_kind and self.doc.block(target.block_id).kind == "input":
            return "An Input block takes no wires in: it is where the Chain starts."
        if target.port_kind == start.port_kind:
            return "Wire an output port (right) to an input port (left)."
        source, dest = (start, target) if start.port_kind == "out" else (target, start)
        if self.doc.find_wire(source.block_id, dest.block_id) is not None:
            return "These blocks are already wired."
        return None

    def _update_wiring(self, point: QPointF):
        start, rubber = self._wiring
        target = self._target_port(point)
        refused = target is not None and self.refusal(start, target) is not None
        if self._marked_port is not None and self._marked_port is not target:
            self._marked_port.set_mark("idle")
        self._marked_port = target
        if target is not None:
            target.set_mark("refuse" if refused else "accept")
        end = target.scenePos() if target is not None and not refused else point
        a, b = (start.scenePos(), end) if start.port_kind == "out" else (end, start.scenePos())
        rubber.setPath(wire_path(a, b))
        rubber.set_refused(refused)

    def _finish_wiring(self, point: QPointF):
        start, rubber = self._wiring
        target = self._target_port(point)
        self._wiring = None
        if self._marked_port is not None:
            self._marked_port.set_mark("idle")
            self._marked_port = None
        self.removeItem(rubber)
        if target is None:
            return  # let go on empty canvas: simply cancelled
        reason = self.refusal(start, target)
        if reason:
            self.message.emit(f"Wire refused: {reason}")
            return
        source, dest = (start, target) if start.port_kind == "out" else (target, start)
        self.undo_stack.push(connect(self.doc, source.block_id, dest.block_id))


def _frange(start: float, stop: float, step: float):
    value = start
    while value <= stop:
        yield value
        value += step
