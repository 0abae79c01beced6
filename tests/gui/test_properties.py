"""The properties panel: follows the selection; every edit is one undo step and re-validates at once."""
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from canvas_helpers import block_centre, click, empty_spot


def select(canvas, label):
    block_id = next(b.block_id for b in canvas.doc.blocks() if b.label() == label)
    click(canvas.view, block_centre(canvas.view, block_id))
    return block_id


def type_into(spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key_Return)


def test_nothing_selected_shows_the_chain(canvas):
    panel = canvas.properties
    assert panel.pages.currentIndex() == 0
    assert panel.chain_status.text() == "✓ A valid Chain"
    assert panel.chain_repr.toolTip() == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"
    assert panel.chain_repr.text() == "Chain(Dense(10 => 5, σ),\n      Dense(5 => 2),\n      softmax)"
    assert panel.chain_params.text() == "67 parameters"


def test_dense_units_typed_in_are_one_undo_step(canvas):
    panel, doc = canvas.properties, canvas.doc
    block_id = select(canvas, "Dense(5, σ)")
    assert panel.pages.currentIndex() == 1 and panel.units.value() == 5
    assert panel.activation.currentData() == "sigmoid" and panel.bias.isChecked()
    count = canvas.undo_stack.count()
    type_into(panel.units, "7")
    assert doc.block(block_id).units == 7
    assert canvas.undo_stack.count() == count + 1
    assert panel.params.text() == "77"  # 10 × 7 + 7
    items = {item.block.label(): item for item in canvas.editor.scene.block_items.values()}
    assert items["Dense(2)"].params_text == f"{7 * 2 + 2} params"  # the next layer re-validated too
    assert canvas.editor.scene.block_items[block_id].shape_text == "(n, 7)"
    canvas.undo_stack.undo()
    assert doc.block(block_id).units == 5 and panel.units.value() == 5


def test_spin_box_arrow_steps_merge_into_one_step(canvas):
    panel = canvas.properties
    block_id = select(canvas, "Dense(2)")
    count = canvas.undo_stack.count()
    panel.units.setFocus()
    for _ in range(3):
        QTest.keyClick(panel.units, Qt.Key_Up)
    assert canvas.doc.block(block_id).units == 5
    assert canvas.undo_stack.count() == count + 1
    canvas.undo_stack.undo()
    assert canvas.doc.block(block_id).units == 2


def test_activation_initialiser_and_bias(canvas):
    panel, doc = canvas.properties, canvas.doc
    block_id = select(canvas, "Dense(2)")
    panel.activation.setFocus()
    QTest.keyClick(panel.activation, Qt.Key_Down)  # identity → sigmoid, the next in the list
    assert doc.block(block_id).activation == "sigmoid"
    QTest.mouseClick(panel.bias, Qt.LeftButton)
    assert doc.block(block_id).bias is False
    assert panel.params.text() == "10"  # 5 × 2, no bias
    panel.init.setCurrentIndex(panel.init.findData("he_normal"))
    assert doc.block(block_id).init == "he_normal"
    spec = doc.to_spec()
    assert repr(spec.build()) == "Chain(Dense(10 => 5, σ), Dense(5 => 2, σ), softmax)"
    assert spec.layers[1].bias is False and spec.layers[1].init == "he_normal"
    for _ in range(3):
        canvas.undo_stack.undo()
    assert doc.block(block_id).activation == "identity" and doc.block(block_id).bias
    assert panel.activation.currentData() == "identity" and panel.bias.isChecked()


def test_input_features_and_activation_kind(canvas):
    panel, doc = canvas.properties, canvas.doc
    select(canvas, "Input")
    assert panel.units_label.text() == "Features"
    assert not panel.form.isRowVisible(panel.activation)
    type_into(panel.units, "3")
    assert doc.to_spec().inputs == 3
    select(canvas, "softmax")
    assert not panel.form.isRowVisible(panel.units) and panel.form.isRowVisible(panel.activation)
    panel.activation.setCurrentIndex(panel.activation.findData("relu"))
    assert repr(doc.to_spec().build()) == "Chain(Dense(3 => 5, σ), Dense(5 => 2), relu)"


def test_an_edit_that_makes_a_problem_is_shown_at_once(canvas):
    panel = canvas.properties
    select(canvas, "Dense(2)")
    type_into(panel.units, "1")
    softmax = next(item for item in canvas.editor.scene.block_items.values() if item.block.label() == "softmax")
    assert any("softmax over a single feature" in problem for problem in softmax.problems)  # drawn red at once
    select(canvas, "softmax")
    assert "single feature" in panel.block_problems.text()
    click(canvas.view, empty_spot(canvas.view))  # clear the selection
    assert panel.pages.currentIndex() == 0
    assert panel.chain_status.text().startswith("⚠") and panel.chain_repr.text() == ""


def test_several_blocks_selected_shows_a_hint(canvas):
    canvas.editor.select_all()
    assert canvas.properties.pages.currentIndex() == 0
    assert "4 blocks selected" in canvas.properties.chain_hint.text()


def test_editing_keys_in_the_panel_stay_in_the_panel(canvas):
    """Backspace and Delete edit the spin box text; they must not delete the selected block."""
    panel, doc = canvas.properties, canvas.doc
    block_id = select(canvas, "Dense(5, σ)")
    panel.units.setFocus()
    panel.units.lineEdit().selectAll()
    QTest.keyClick(panel.units, Qt.Key_Backspace)
    QTest.keyClick(panel.units, Qt.Key_Delete)
    QTest.keyClicks(panel.units, "9")
    QTest.keyClick(panel.units, Qt.Key_Return)
    assert doc.has_block(block_id) and doc.block(block_id).units == 9
