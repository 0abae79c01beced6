"""The properties panel: follows the selection; every edit is one undo step and re-validates at once."""
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from canvas_helpers import block_centre, click, empty_spot


def select(window, label):
    block_id = next(b.block_id for b in window.doc.blocks() if b.label() == label)
    click(window.view, block_centre(window.view, block_id))
    return block_id


def type_into(spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key_Return)


def test_nothing_selected_shows_the_chain(window):
    panel = window.properties
    assert panel.pages.currentIndex() == 0
    assert panel.chain_status.text() == "✓ A valid Chain"
    assert panel.chain_repr.toolTip() == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"
    assert panel.chain_repr.text() == "Chain(Dense(10 => 5, σ),\n      Dense(5 => 2),\n      softmax)"
    assert panel.chain_params.text() == "67 parameters"


def test_dense_units_typed_in_are_one_undo_step(window):
    panel, doc = window.properties, window.doc
    block_id = select(window, "Dense(5, σ)")
    assert panel.pages.currentIndex() == 1 and panel.units.value() == 5
    assert panel.activation.currentData() == "sigmoid" and panel.bias.isChecked()
    count = window.undo_stack.count()
    type_into(panel.units, "7")
    assert doc.block(block_id).units == 7
    assert window.undo_stack.count() == count + 1
    assert panel.params.text() == "77"  # 10 × 7 + 7
    assert window.params_label.text() == f"{77 + 7 * 2 + 2} parameters"
    assert window.editor.scene.block_items[block_id].shape_text == "(n, 7)"
    window.undo_stack.undo()
    assert doc.block(block_id).units == 5 and panel.units.value() == 5


def test_spin_box_arrow_steps_merge_into_one_step(window):
    panel = window.properties
    block_id = select(window, "Dense(2)")
    count = window.undo_stack.count()
    panel.units.setFocus()
    for _ in range(3):
        QTest.keyClick(panel.units, Qt.Key_Up)
    assert window.doc.block(block_id).units == 5
    assert window.undo_stack.count() == count + 1
    window.undo_stack.undo()
    assert window.doc.block(block_id).units == 2


def test_activation_initialiser_and_bias(window):
    panel, doc = window.properties, window.doc
    block_id = select(window, "Dense(2)")
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
        window.undo_stack.undo()
    assert doc.block(block_id).activation == "identity" and doc.block(block_id).bias
    assert panel.activation.currentData() == "identity" and panel.bias.isChecked()


def test_input_features_and_activation_kind(window):
    panel, doc = window.properties, window.doc
    select(window, "Input")
    assert panel.units_label.text() == "Features"
    assert not panel.form.isRowVisible(panel.activation)
    type_into(panel.units, "3")
    assert doc.to_spec().inputs == 3
    select(window, "softmax")
    assert not panel.form.isRowVisible(panel.units) and panel.form.isRowVisible(panel.activation)
    panel.activation.setCurrentIndex(panel.activation.findData("relu"))
    assert repr(doc.to_spec().build()) == "Chain(Dense(3 => 5, σ), Dense(5 => 2), relu)"


def test_an_edit_that_makes_a_problem_is_shown_at_once(window):
    panel = window.properties
    select(window, "Dense(2)")
    type_into(panel.units, "1")
    assert "softmax over a single feature" in window.validity_label.text()
    select(window, "softmax")
    assert "single feature" in panel.block_problems.text()
    click(window.view, empty_spot(window.view))  # clear the selection
    assert panel.pages.currentIndex() == 0
    assert panel.chain_status.text().startswith("⚠") and panel.chain_repr.text() == ""


def test_several_blocks_selected_shows_a_hint(window):
    window.editor.select_all()
    assert window.properties.pages.currentIndex() == 0
    assert "4 blocks selected" in window.properties.chain_hint.text()


def test_editing_keys_in_the_panel_stay_in_the_panel(window):
    """Backspace and Delete edit the spin box text; they must not delete the selected block."""
    panel, doc = window.properties, window.doc
    block_id = select(window, "Dense(5, σ)")
    panel.units.setFocus()
    panel.units.lineEdit().selectAll()
    QTest.keyClick(panel.units, Qt.Key_Backspace)
    QTest.keyClick(panel.units, Qt.Key_Delete)
    QTest.keyClicks(panel.units, "9")
    QTest.keyClick(panel.units, Qt.Key_Return)
    assert doc.has_block(block_id) and doc.block(block_id).units == 9
