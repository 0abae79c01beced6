"""The Formula… block (issue 16): dropped from the palette onto a wire it joins the Chain; its properties show
the text with a live plot of f, f′, f″ from the engine; typing a formula and pressing Enter is one undo step,
and a bad formula shows its problem beside the field and changes nothing."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtTest import QTest

from engine import formula
from engine.nn import calculus
from gui.canvas import catalog
from gui.panels.formula_field import XS

from canvas_helpers import block_centre, click, drop_mime, wire_middle


def ids_by_label(doc):
    return {b.label(): b.block_id for b in doc.blocks()}


def add_formula_block(canvas, view, doc):
    """Drop the palette's Formula… entry on the wire after Dense(5, σ); returns the new block's id."""
    ids = ids_by_label(doc)
    wire = doc.find_wire(ids["Dense(5, σ)"], ids["Dense(2)"])
    assert drop_mime(view, canvas.palette_panel.mime_for("formula"), wire_middle(view, wire.wire_id))
    (new,) = [b for b in doc.blocks() if b.activation == "formula"]
    return new.block_id


def retype(field, text):
    """Select the field's text and type `text` over it, as a person would, then press Enter."""
    edit = field.edit
    click_into(edit)
    edit.selectAll()
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key_Return)


def click_into(widget):
    QTest.mouseClick(widget, Qt.LeftButton)
    widget.setFocus()


def test_the_palette_entry_has_its_icon_and_words():
    entry = catalog.palette_entry("formula")
    assert QSvgRenderer(str(catalog.ICONS / "formula.svg")).isValid()
    assert entry.title == "Formula…" and entry.template["formula"] == catalog.DEFAULT_FORMULA
    assert "where(condition, a, b)" in entry.tooltip


def test_a_formula_block_joins_the_chain_and_plots_its_derivatives(canvas, view, doc):
    block_id = add_formula_block(canvas, view, doc)
    assert repr(doc.to_spec().build()) == "Chain(Dense(10 => 5, σ), formula('x * σ(x)'), Dense(5 => 2), softmax)"
    click(view, block_centre(view, block_id))
    panel = canvas.properties
    field = panel.formula
    assert panel.pages.currentIndex() == 1 and field.isVisibleTo(panel) and field.edit.text() == "x * σ(x)"
    expected = calculus(formula("x * σ(x)"), XS, order=2)
    for shown, wanted in zip(field.values(), expected):
        np.testing.assert_allclose(shown, wanted, rtol=1e-12)
    item = canvas.editor.scene.block_items[block_id]
    assert catalog.display_name(item.block) == "Formula" and catalog.detail(item.block) == "x * σ(x)"


def test_typing_a_formula_is_one_undo_step_and_the_chain_changes(canvas, view, doc):
    block_id = add_formula_block(canvas, view, doc)
    click(view, block_centre(view, block_id))
    field, count = canvas.properties.formula, canvas.undo_stack.count()
    retype(field, "mish(x) = x*tanh(softplus(x))")
    assert doc.block(block_id).formula == "mish(x) = x*tanh(softplus(x))"
    assert canvas.undo_stack.count() == count + 1
    assert "formula('mish(x) = x*tanh(softplus(x))')" in repr(doc.to_spec().build())
    assert canvas.properties.block_title.text() == "MISH"  # the block is called by its formula's name
    expected = calculus(formula("x * tanh(softplus(x))"), XS, order=2)
    for shown, wanted in zip(field.values(), expected):
        np.testing.assert_allclose(shown, wanted, rtol=1e-12)
    canvas.undo_stack.undo()
    assert doc.block(block_id).formula == "x * σ(x)" and field.edit.text() == "x * σ(x)"


def test_a_bad_formula_shows_its_problem_and_changes_nothing(canvas, view, doc):
    block_id = add_formula_block(canvas, view, doc)
    click(view, block_centre(view, block_id))
    field = canvas.properties.formula
    before, count = doc.state(), canvas.undo_stack.count()
    retype(field, "x.real + 1")
    assert field.problem.text() == "⚠ '.real' at column 2: attributes are not allowed"
    assert all(len(v) == 0 for v in field.values())  # nothing plotted for what is not a formula
    assert doc.state() == before and canvas.undo_stack.count() == count
    QTest.keyClick(field.edit, Qt.Key_Backspace)  # the live preview follows every key
    field.edit.selectAll()
    QTest.keyClicks(field.edit, "x ^ 2")
    assert "use ** for powers" in field.problem.text() and doc.state() == before
    field.edit.selectAll()
    QTest.keyClicks(field.edit, "x ** 2")
    assert field.problem.text() == "" and doc.state() == before  # previewed, not yet applied
    QTest.keyClick(field.edit, Qt.Key_Return)
    assert doc.block(block_id).formula == "x ** 2" and canvas.undo_stack.count() == count + 1


def test_a_dense_layer_can_take_a_formula_activation(canvas, view, doc):
    block_id = ids_by_label(doc)["Dense(2)"]
    click(view, block_centre(view, block_id))
    panel = canvas.properties
    assert not panel.formula.isVisibleTo(panel)
    panel.activation.setCurrentIndex(panel.activation.findData("formula"))
    assert (doc.block(block_id).activation, doc.block(block_id).formula) == ("formula", catalog.DEFAULT_FORMULA)
    assert panel.formula.isVisibleTo(panel)
    retype(panel.formula, "where(x > 0, x, 0.1 * x)")
    assert repr(doc.to_spec().build()) == \
        "Chain(Dense(10 => 5, σ), Dense(5 => 2, formula('where(x > 0, x, 0.1 * x)')), softmax)"
    panel.activation.setCurrentIndex(panel.activation.findData("relu"))
    assert (doc.block(block_id).activation, doc.block(block_id).formula) == ("relu", "")
    canvas.undo_stack.undo()
    canvas.editor.set_properties(block_id, units=2, activation="tanh")  # as the Training dock's output fit does
    assert (doc.block(block_id).activation, doc.block(block_id).formula) == ("tanh", "") and doc.analysis().spec
    for _ in range(3):
        canvas.undo_stack.undo()
    assert (doc.block(block_id).activation, doc.block(block_id).formula) == ("identity", "")


def test_the_block_shows_comparisons_as_text(canvas, view, doc):
    block_id = add_formula_block(canvas, view, doc)
    click(view, block_centre(view, block_id))
    retype(canvas.properties.formula, "where(x<0, 0.1*x, x)")
    item = canvas.editor.scene.block_items[block_id]
    assert catalog.detail(item.block) == "where(x < 0, 0.1 * x, x)"
    assert "where(x &lt; 0, 0.1 * x, x)" in item.toolTip()  # escaped: rich text would read "<0, ..." as a tag
