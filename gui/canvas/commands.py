"""QUndoCommands: the only code that changes a Document. One user edit is one command.

>>> stack.push(add_blocks(doc, [block], text="Add Dense"))          # doctest: +SKIP
>>> stack.push(MoveBlocks(doc, {block_id: ((0, 0), (40, 0))}, drag=7))  # doctest: +SKIP

Commands capture everything they remove when they are made, so undo restores the document exactly,
ids included. Never give a command an attribute named after a Qt method (`id`, `text`): QUndoStack
calls the virtual `id()` and an int attribute in its place crashes the second push.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from .document import Block, Document, Wire

MOVE_COMMAND_ID = 1001  # QUndoCommand.id() values: commands of one id may merge
PROPERTY_COMMAND_ID = 1002


class EditGraph(QUndoCommand):
    """Add and remove blocks and wires in one step; wires touching a removed block go with it."""

    def __init__(self, doc: Document, text: str, *, add_blocks=(), add_wires=(), remove_blocks=(),
                 remove_wires=()):
        super().__init__(text)
        self.doc = doc
        self.added_blocks: list[Block] = list(add_blocks)
        self.added_wires: list[Wire] = list(add_wires)
        gone_blocks = set(remove_blocks)
        gone_wires = set(remove_wires) | {w.wire_id for b in gone_blocks for w in doc.wires_of(b)}
        self.removed_blocks: list[Block] = [doc.block(i) for i in sorted(gone_blocks)]
        self.removed_wires: list[Wire] = [doc.wire(i) for i in sorted(gone_wires)]

    def is_empty(self) -> bool:
        return not (self.added_blocks or self.added_wires or self.removed_blocks or self.removed_wires)

    def redo(self):
        with self.doc.batch():
            for wire in self.removed_wires:
                self.doc.remove_wire(wire.wire_id)
            for block in self.removed_blocks:
                self.doc.remove_block(block.block_id)
            for block in self.added_blocks:
                self.doc.add_block(block)
            for wire in self.added_wires:
                self.doc.add_wire(wire)

    def undo(self):
        with self.doc.batch():
            for wire in reversed(self.added_wires):
                self.doc.remove_wire(wire.wire_id)
            for block in reversed(self.added_blocks):
                self.doc.remove_block(block.block_id)
            for block in self.removed_blocks:
                self.doc.add_block(block)
            for wire in self.removed_wires:
                self.doc.add_wire(wire)


def add_blocks(doc: Document, blocks, wires=(), text: str | None = None) -> EditGraph:
    """Drop, paste or duplicate: new blocks (and the wires among them)."""
    blocks = list(blocks)
    if text is None:
        text = f"Add {blocks[0].label()}" if len(blocks) == 1 else f"Add {len(blocks)} blocks"
    return EditGraph(doc, text, add_blocks=blocks, add_wires=wires)


def delete_items(doc: Document, block_ids=(), wire_ids=(), text: str = "Delete") -> EditGraph:
    """Delete blocks (with their wires) and wires."""
    return EditGraph(doc, text, remove_blocks=block_ids, remove_wires=wire_ids)


def connect(doc: Document, source: int, target: int) -> EditGraph:
    """A wire from `source`'s output port to `target`'s input port."""
    text = f"Wire {doc.block(source).label()} → {doc.block(target).label()}"
    return EditGraph(doc, text, add_wires=[Wire(doc.new_id(), source, target)])


def insert_on_wire(doc: Document, wire_id: int, block: Block) -> EditGraph:
    """Put a new block in the middle of a wire: a → b becomes a → block → b."""
    old = doc.wire(wire_id)
    wires = [Wire(doc.new_id(), old.source, block.block_id), Wire(doc.new_id(), block.block_id, old.target)]
    return EditGraph(doc, f"Insert {block.label()}", add_blocks=[block], add_wires=wires,
                     remove_wires=[wire_id])


def append_block(doc: Document, block: Block, after: int | None) -> EditGraph:
    """Add a block at the end of the Chain, wired from block `after` (if any)."""
    wires = [Wire(doc.new_id(), after, block.block_id)] if after is not None else []
    return EditGraph(doc, f"Append {block.label()}", add_blocks=[block], add_wires=wires)


class MoveBlocks(QUndoCommand):
    """Move blocks: {block_id: ((old_x, old_y), (new_x, new_y))}.

    Commands with the same `drag` number merge, so a whole mouse drag of several blocks is one undo step.
    """

    def __init__(self, doc: Document, moves: dict, drag: int | None = None, text: str = "Move"):
        super().__init__(text if len(moves) == 1 else f"{text} {len(moves)} blocks")
        self.doc = doc
        self.moves = {i: (tuple(old), tuple(new)) for i, (old, new) in moves.items()}
        self.drag = drag

    def id(self) -> int:  # noqa: A003 - a Qt override, not an attribute
        return MOVE_COMMAND_ID if self.drag is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not isinstance(other, MoveBlocks) or other.drag != self.drag or self.drag is None:
            return False
        for block_id, (old, new) in other.moves.items():
            self.moves[block_id] = (self.moves.get(block_id, (old, new))[0], new)
        # A drag that ends where it began leaves nothing to undo.
        self.setObsolete(all(old == new for old, new in self.moves.values()))
        return True

    def _apply(self, which: int):
        with self.doc.batch():
            for block_id, ends in self.moves.items():
                self.doc.move_block(block_id, *ends[which])

    def redo(self):
        self._apply(1)

    def undo(self):
        self._apply(0)


class SetBlockProperties(QUndoCommand):
    """Change a block's parameters (units, activation, bias, init, or an Input's feature count).

    With `merge=True` (spin boxes), successive edits of the same field of the same block are one step.
    """

    def __init__(self, doc: Document, block_id: int, *, merge: bool = False, **changes):
        super().__init__()
        old = doc.block(block_id)
        self.doc = doc
        self.block_id = block_id
        self.before = old
        self.after = old.replace(**changes)
        self.fields = tuple(sorted(changes))
        self.merge = merge
        self.setText(f"Change {old.label()} {', '.join(self.fields)}")

    def id(self) -> int:  # noqa: A003 - a Qt override, not an attribute
        return PROPERTY_COMMAND_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not (isinstance(other, SetBlockProperties) and other.merge and self.merge
                and other.block_id == self.block_id and other.fields == self.fields):
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)
        return True

    def redo(self):
        self.doc.replace_block(self.after)

    def undo(self):
        self.doc.replace_block(self.before)
