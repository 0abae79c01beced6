"""Every kind of edit, undone and redone: the document comes back exactly, and the scene follows it."""
import pytest
from PySide6.QtCore import QPointF

from gui.canvas.commands import MoveBlocks, connect, delete_items
from gui.canvas.document import TUTORIAL_SPEC, Document
from gui.canvas.layout import BLOCK_WIDTH


def ids(doc):
    return {b.label(): b.block_id for b in doc.blocks()}


def select(editor, *labels):
    editor.scene.select_blocks([ids(editor.doc)[label] for label in labels])


def middle_of_first_wire(editor):
    return editor.scene.wire_items[editor.doc.wires()[0].wire_id].path().pointAtPercent(0.5)


OPERATIONS = {
    "drop": lambda ed: ed.drop({"kind": "activation", "activation": "tanh"}, QPointF(100, 300)),
    "drop on wire": lambda ed: ed.drop({"kind": "dense", "units": 3}, middle_of_first_wire(ed)),
    "append": lambda ed: ed.append({"kind": "dense", "units": 4}),
    "delete block": lambda ed: (select(ed, "Dense(2)"), ed.delete_selection()),
    "delete wire": lambda ed: ed.undo_stack.push(delete_items(ed.doc, wire_ids=[ed.doc.wires()[1].wire_id])),
    "connect": lambda ed: ed.undo_stack.push(connect(ed.doc, ids(ed.doc)["Input"], ids(ed.doc)["softmax"])),
    "paste": lambda ed: (select(ed, "Input", "Dense(5, σ)"), ed.copy(), ed.paste()),
    "duplicate": lambda ed: (select(ed, "softmax"), ed.duplicate()),
    "cut": lambda ed: (select(ed, "Dense(5, σ)"), ed.cut()),
    "nudge": lambda ed: (select(ed, "Input", "softmax"), ed.nudge(20, -40)),
    "arrange": lambda ed: (ed.undo_stack.push(MoveBlocks(ed.doc, {1: ((0, 0), (13, 250))})), ed.arrange()),
    "units": lambda ed: ed.set_properties(ids(ed.doc)["Dense(2)"], units=9),
    "activation": lambda ed: ed.set_properties(ids(ed.doc)["softmax"], activation="logsoftmax"),
    "bias and init": lambda ed: ed.set_properties(ids(ed.doc)["Dense(2)"], bias=False, init="he_normal"),
    "input features": lambda ed: ed.set_properties(ids(ed.doc)["Input"], units=3, merge=True),
}


def assert_scene_matches(editor):
    scene, doc = editor.scene, editor.doc
    assert set(scene.block_items) == {b.block_id for b in doc.blocks()}
    assert set(scene.wire_items) == {w.wire_id for w in doc.wires()}
    for block in doc.blocks():
        item = scene.block_items[block.block_id]
        assert (item.pos().x(), item.pos().y()) == (block.x, block.y) and item.block == block
    for wire in doc.wires():
        path = scene.wire_items[wire.wire_id].path()
        assert path.pointAtPercent(0) == scene.block_items[wire.source].out_anchor()
        assert path.pointAtPercent(1) == scene.block_items[wire.target].in_anchor()


@pytest.mark.parametrize("name", OPERATIONS)
def test_undo_and_redo_restore_the_document_exactly(editor, name):
    stack = editor.undo_stack
    OPERATIONS[name](editor)
    before_last = stack.index() - 1
    stack.setIndex(before_last)  # state just before the operation's own step
    before = editor.doc.state()
    stack.redo()
    after = editor.doc.state()
    assert after != before
    assert_scene_matches(editor)
    for _ in range(2):
        stack.undo()
        assert editor.doc.state() == before
        assert_scene_matches(editor)
        stack.redo()
        assert editor.doc.state() == after
        assert_scene_matches(editor)


def test_a_drag_that_returns_to_its_start_leaves_no_undo_step(editor):
    doc, stack = editor.doc, editor.undo_stack
    count = stack.count()
    stack.push(MoveBlocks(doc, {1: ((0, 0), (40, 0))}, drag=99))
    stack.push(MoveBlocks(doc, {1: ((0, 0), (0, 0))}, drag=99))
    assert stack.count() == count and (doc.block(1).x, doc.block(1).y) == (0, 0)


def test_spin_box_steps_merge_but_different_fields_do_not(editor):
    stack = editor.undo_stack
    dense = ids(editor.doc)["Dense(2)"]
    count = stack.count()
    for units in (3, 4, 5):
        editor.set_properties(dense, merge=True, units=units)
    editor.set_properties(dense, activation="relu")
    assert stack.count() == count + 2
    stack.undo()
    stack.undo()
    assert editor.doc.block(dense).units == 2


def test_document_from_spec_round_trips(qapp):
    spec = TUTORIAL_SPEC
    doc = Document.from_spec(spec)
    assert doc.to_spec() == spec
    assert [b.x for b in doc.chain_blocks()] == [0, BLOCK_WIDTH + 60, 2 * (BLOCK_WIDTH + 60), 3 * (BLOCK_WIDTH + 60)]


def test_layout_round_trips_and_bad_layouts_fall_back_to_a_row(qapp):
    doc = Document.from_spec(TUTORIAL_SPEC, layout={"positions": [[0, 0], [220, 40], [440, 0], [660, 40]]})
    assert [(b.x, b.y) for b in doc.chain_blocks()] == [(0, 0), (220, 40), (440, 0), (660, 40)]
    again = Document.from_spec(doc.to_spec(), layout=doc.layout())
    assert again.state() == doc.state()
    for bad in ({"positions": [[0, 0]]}, {"positions": "x"}, {"positions": [[0, "a"]] * 4}, [], None,
                {"positions": [[1e300, 0]] * 4}):
        assert [b.y for b in Document.from_spec(TUTORIAL_SPEC, layout=bad).chain_blocks()] == [0, 0, 0, 0]
