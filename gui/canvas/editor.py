"""CanvasEditor: the canvas's edit operations (drop, append, delete, clipboard, nudge, arrange,
properties), each pushed as one undo command. Menus, the view, the palette and tests call these.

>>> editor = CanvasEditor(Document.from_spec(TUTORIAL_SPEC), QUndoStack(), parent=window)  # doctest: +SKIP
>>> editor.append({"kind": "activation", "activation": "relu"})    # doctest: +SKIP
>>> editor.undo_stack.undo()                                          # doctest: +SKIP
"""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QObject, QPointF, QRectF, Signal
from PySide6.QtGui import QGuiApplication

from .catalog import DEFAULT_FORMULA
from .commands import MoveBlocks, SetBlockProperties, add_blocks, append_block, delete_items, insert_on_wire
from .document import Block, Document, block_from_template
from .layout import BLOCK_HEIGHT, BLOCK_WIDTH, PITCH_X, arranged_positions, free_offset, free_position, snap
from .scene import CanvasScene

BLOCK_MIME = "application/x-chainboard-block"  # one palette block template, as JSON
FRAGMENT_MIME = "application/x-chainboard-fragment"  # copied blocks and wires, as JSON


def template_mime(template: dict) -> QMimeData:
    """Mime data for dragging a block template (what the palette puts in a QDrag)."""
    mime = QMimeData()
    mime.setData(BLOCK_MIME, json.dumps(template).encode("utf-8"))
    return mime


def template_from_mime(mime: QMimeData) -> dict | None:
    """The block template in dragged mime data, or None if it holds none (or garbage)."""
    if not mime.hasFormat(BLOCK_MIME):
        return None
    try:
        template = json.loads(bytes(mime.data(BLOCK_MIME)).decode("utf-8"))
        block_from_template(template, 0, 0.0, 0.0)  # validate without keeping
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return template


class CanvasEditor(QObject):
    """Owns the document, its undo stack and the scene; one method per user edit."""

    message = Signal(str)
    selection_changed = Signal()
    placed = Signal(object)  # QRectF, in scene coordinates, of blocks just added or moved: the view follows

    def __init__(self, doc: Document, undo_stack, parent: QObject | None = None):
        super().__init__(parent)
        self.doc = doc
        self.undo_stack = undo_stack
        self.scene = CanvasScene(doc, undo_stack, parent=self)
        self.scene.message.connect(self.message)
        # Relayed signal to signal (no Python in between): when the editor is destroyed, Qt cuts this
        # connection before it deletes the scene, whose destructor still emits selectionChanged.
        self.scene.selectionChanged.connect(self.selection_changed)

    @property
    def snap_to_grid(self) -> bool:
        return self.scene.snap_to_grid

    def set_snap_to_grid(self, on: bool) -> None:
        self.scene.snap_to_grid = bool(on)

    def _place(self, x: float, y: float) -> tuple[float, float]:
        return snap(x, y) if self.snap_to_grid else (x, y)

    def _taken(self, ignore=()) -> list[tuple[float, float]]:
        return [(b.x, b.y) for b in self.doc.blocks() if b.block_id not in ignore]

    def _free(self, x: float, y: float) -> tuple[float, float]:
        """(x, y), or the nearest spot where a new block covers no other (then on the grid)."""
        fx, fy = free_position(x, y, self._taken())
        return (fx, fy) if (fx, fy) == (x, y) else self._place(fx, fy)

    def _show(self, ids) -> None:
        """Tell the view where blocks landed, so it can bring them into sight."""
        rect = QRectF()
        for i in ids:
            b = self.doc.block(i)
            rect = rect.united(QRectF(b.x, b.y, BLOCK_WIDTH, BLOCK_HEIGHT))
        if not rect.isEmpty():
            self.placed.emit(rect)

    # ---- adding ----------------------------------------------------------------------------------

    def drop(self, template: dict, point: QPointF) -> int:
        """Drop a palette block centred at scene `point`; on a wire, insert it there. Returns its id."""
        wire_id = self.scene.wire_at(point)
        x, y = self._free(*self._place(point.x() - BLOCK_WIDTH / 2, point.y() - BLOCK_HEIGHT / 2))
        block = block_from_template(template, self.doc.new_id(), x, y)
        if wire_id is not None and block.has_input_port:
            self.undo_stack.push(insert_on_wire(self.doc, wire_id, block))
        else:
            self.undo_stack.push(add_blocks(self.doc, [block]))
        self.scene.select_blocks([block.block_id])
        self._show([block.block_id])
        return block.block_id

    def append(self, template: dict) -> int:
        """Add a block after the end of the Chain (a palette double-click). Returns its id."""
        order = self.doc.analysis().order
        last = self.doc.block(order[-1]) if order else None
        if last is None and self.doc.blocks():
            last_x = max(b.x for b in self.doc.blocks())
            x, y = last_x + PITCH_X, min(b.y for b in self.doc.blocks())
        else:
            x, y = (last.x + PITCH_X, last.y) if last is not None else (0.0, 0.0)
        block = block_from_template(template, self.doc.new_id(), *self._free(*self._place(x, y)))
        after = last.block_id if last is not None and block.has_input_port else None
        self.undo_stack.push(append_block(self.doc, block, after))
        self.scene.select_blocks([block.block_id])
        self._show([block.block_id])
        return block.block_id

    # ---- removing, selecting ---------------------------------------------------------------------

    def delete_selection(self) -> None:
        blocks, wires = self.scene.selected_block_ids(), self.scene.selected_wire_ids()
        if blocks or wires:
            count = len(blocks) + len(wires)
            self.undo_stack.push(delete_items(self.doc, blocks, wires,
                                              "Delete" if count == 1 else f"Delete {count} items"))

    def select_all(self) -> None:
        for item in self.scene.items():
            if item.flags() & item.GraphicsItemFlag.ItemIsSelectable:
                item.setSelected(True)

    # ---- clipboard -------------------------------------------------------------------------------

    def copy(self) -> bool:
        """Copy the selected blocks (and the wires between them); False if nothing is selected."""
        ids = self.scene.selected_block_ids()
        if not ids:
            return False
        text = json.dumps(self.doc.fragment(ids))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def cut(self) -> None:
        if self.copy():
            ids = self.scene.selected_block_ids()
            self.undo_stack.push(delete_items(self.doc, ids, text="Cut"))

    def paste(self) -> list[int]:
        """Paste the clipboard's blocks, each paste a little further down-right. Returns the new ids."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(FRAGMENT_MIME):
            self.message.emit("Nothing to paste: copy some blocks first.")
            return []
        try:
            fragment = json.loads(bytes(mime.data(FRAGMENT_MIME)).decode("utf-8"))
            blocks, wires = self._placed(fragment)
        except (ValueError, UnicodeDecodeError) as error:
            self.message.emit(f"Cannot paste: {error}")
            return []
        return self._push_new(blocks, wires, "Paste")

    def duplicate(self) -> list[int]:
        """Copy and paste the selection in one step, leaving the clipboard alone."""
        ids = self.scene.selected_block_ids()
        if not ids:
            return []
        blocks, wires = self._placed(self.doc.fragment(ids))
        return self._push_new(blocks, wires, "Duplicate")

    def _placed(self, fragment: dict):
        """The fragment's blocks and wires, moved down-right just far enough to cover no other block."""
        group = [(float(b["x"]), float(b["y"])) for b in fragment["blocks"]]
        dx, dy = free_offset(group, self._taken())
        return self.doc.instantiate(fragment, dx, dy)

    def _push_new(self, blocks: list[Block], wires, text: str) -> list[int]:
        if not blocks:
            return []
        self.undo_stack.push(add_blocks(self.doc, blocks, wires, text=text))
        ids = [b.block_id for b in blocks]
        self.scene.select_blocks(ids)
        self._show(ids)
        return ids

    # ---- moving ----------------------------------------------------------------------------------

    def nudge(self, dx: float, dy: float) -> None:
        """Move the selected blocks by (dx, dy) (arrow keys)."""
        ids = self.scene.selected_block_ids()
        if ids:
            moves = {i: ((b.x, b.y), (b.x + dx, b.y + dy)) for i in ids for b in [self.doc.block(i)]}
            self.undo_stack.push(MoveBlocks(self.doc, moves, text="Nudge"))

    def arrange(self) -> None:
        """Auto-arrange: the Chain in a tidy row from its Input, any other blocks below it."""
        blocks = self.doc.blocks()
        if not blocks:
            return
        order = self.doc.analysis().order
        others = sorted((b for b in blocks if b.block_id not in order), key=lambda b: (b.y, b.x))
        x0, y0 = snap(min(b.x for b in blocks), min(b.y for b in blocks))
        target = arranged_positions(order, [b.block_id for b in others], x0, y0)
        moves = {i: ((self.doc.block(i).x, self.doc.block(i).y), xy) for i, xy in target.items()
                 if (self.doc.block(i).x, self.doc.block(i).y) != xy}
        if moves:
            self.undo_stack.push(MoveBlocks(self.doc, moves, text="Auto-arrange"))
        self._show([b.block_id for b in blocks])

    # ---- properties ------------------------------------------------------------------------------

    def set_properties(self, block_id: int, merge: bool = False, **changes) -> None:
        """Change a block's parameters as one undo step (`merge`: fold into the previous same edit).

        A change of activation keeps the formula text consistent: a formula starts from the block's last text
        (or the default one), any other activation has none."""
        block = self.doc.block(block_id)
        if "activation" in changes and "formula" not in changes:
            formula = block.formula or DEFAULT_FORMULA
            changes["formula"] = formula if changes["activation"] == "formula" else ""
        if all(getattr(block, key) == value for key, value in changes.items()):
            return
        self.undo_stack.push(SetBlockProperties(self.doc, block_id, merge=merge, **changes))
