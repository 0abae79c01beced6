"""Live validation: every problem a canvas can have, found, located on blocks and wires, and drawn red."""
import re

import pytest
from PySide6.QtGui import QUndoStack

from gui.canvas.commands import connect, delete_items
from gui.canvas.document import Block, Document, Wire
from gui.canvas.editor import CanvasEditor


def make(blocks, wires=()):
    """A document from compact block tuples (id, kind, units[, activation]) and (source, target) wires."""
    doc = Document()
    made = [Block(i, kind, x=100.0 * i, units=units, activation=act[0] if act else "identity")
            for i, kind, units, *act in blocks]
    doc.reset(made, [Wire(100 + n, a, b) for n, (a, b) in enumerate(wires)])
    return doc


I10, D5, D3, D1 = (1, "input", 10), (2, "dense", 5), (3, "dense", 3), (4, "dense", 1)
SOFTMAX, RELU = (5, "activation", 1, "softmax"), (6, "activation", 1, "relu")

CASES = {
    # name: (blocks, wires, words in the message, blocks marked, wires marked)
    "empty canvas": ([], [], "canvas is empty", (), ()),
    "no input": ([D5], [], "no Input block", (), ()),
    "two inputs": ([I10, (7, "input", 2), D5], [(1, 2)], "one Input, but the canvas has 2", (1, 7), ()),
    "branch": ([I10, D5, D3], [(1, 2), (1, 3)], "Input feeds 2 blocks", (1,), (100, 101)),
    "merge": ([I10, D5, D3], [(1, 2), (2, 3), (1, 3)], "Dense(3) takes input from 2 blocks", (3,), (101, 102)),
    "cycle": ([I10, D5, D3], [(1, 2), (2, 3), (3, 2)], "wired in a loop", (2, 3), (101, 102)),
    "dangling block": ([I10, D5, D3], [(1, 2)], "Dense(3) is not connected to the Input", (3,), ()),
    "no layers": ([I10], [], "no layers", (1,), ()),
    "softmax over one feature": ([I10, D1, SOFTMAX], [(1, 4), (4, 5)], "softmax over a single feature", (5,),
                                 (101,)),
    "activation after softmax": ([I10, D3, SOFTMAX, RELU], [(1, 3), (3, 5), (5, 6)], "relu after softmax",
                                 (6,), (102,)),
}


@pytest.mark.parametrize("name", CASES)
def test_each_problem_is_found_and_marked(qapp, name):
    blocks, wires, words, marked_blocks, marked_wires = CASES[name]
    doc = make(blocks, wires)
    result = doc.analysis()
    assert not result.valid and result.spec is None
    (problem,) = [p for p in result.problems if words in p.message]
    assert set(problem.block_ids) == set(marked_blocks)
    assert set(problem.wire_ids) == set(marked_wires)
    with pytest.raises(ValueError, match=re.escape(words)):
        doc.to_spec()

    editor = CanvasEditor(doc, QUndoStack())  # the scene draws the marks
    for block_id in marked_blocks:
        item = editor.scene.block_items[block_id]
        assert problem.message in item.problems and words in item.toolTip()
    for wire_id in marked_wires:
        assert problem.message in editor.scene.wire_items[wire_id].problems


def test_a_valid_canvas_has_no_marks_and_the_right_sizes(qapp):
    doc = make([I10, D5, RELU, D1], [(1, 2), (2, 6), (6, 4)])
    result = doc.analysis()
    assert result.valid and result.problems == []
    assert result.sizes == {1: 10, 2: 5, 6: 5, 4: 1}
    assert result.params == {2: 55, 4: 6} and result.param_count == 61
    editor = CanvasEditor(doc, QUndoStack())
    assert not any(item.problems for item in editor.scene.block_items.values())
    assert editor.scene.block_items[6].shape_text == "(n, 5)"
    assert editor.scene.block_items[2].params_text == "55 params"


def test_sizes_are_shown_even_on_a_broken_canvas(qapp):
    doc = make([I10, D5, D3, RELU], [(1, 2), (1, 3), (3, 6)])  # a branch at the Input
    result = doc.analysis()
    assert not result.valid
    assert result.sizes[6] == 3 and result.params[3] == 33
    editor = CanvasEditor(doc, QUndoStack())
    assert editor.scene.block_items[6].shape_text == "(n, 3)"


def test_a_fix_clears_the_marks_at_once(window):
    """The marks on the canvas and the main window's status bar follow each edit."""
    doc = window.doc
    ids = {b.label(): b.block_id for b in doc.blocks()}
    wire = doc.find_wire(ids["Dense(2)"], ids["softmax"])
    window.undo_stack.push(delete_items(doc, wire_ids=[wire.wire_id]))
    scene = window.editor.scene
    assert scene.block_items[ids["softmax"]].problems
    assert window.validity_label.text().startswith("⚠ softmax is not connected")
    assert window.params_label.text() == "67 parameters"
    window.undo_stack.push(connect(doc, ids["Dense(2)"], ids["softmax"]))
    assert not scene.block_items[ids["softmax"]].problems
    assert window.validity_label.text() == "✓ Valid Chain"
