"""The palette offers every activation of the engine's registry, each with its own icon, and a
double-click on any of them (scrolled to, as a person would) appends that block to the Chain."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtTest import QTest

from engine import ACTIVATIONS
from gui.canvas import catalog
from gui.canvas.document import Block

NEW = ("elu", "gelu", "swish", "softplus", "mish", "logsigmoid")


def test_every_registry_activation_has_an_entry_an_icon_and_words():
    keys = [entry.key for entry in catalog.PALETTE if entry.template["kind"] == "activation"]
    assert sorted(keys) == sorted([*ACTIVATIONS, "formula"])  # and the Formula… block (tests/gui/test_formula_block.py)
    icons = set()
    for name in ACTIVATIONS:
        renderer = QSvgRenderer(str(catalog.ICONS / f"{name}.svg"))
        assert renderer.isValid(), name
        icons.add((catalog.ICONS / f"{name}.svg").read_bytes())
        block = Block(1, "activation", activation=name)
        assert catalog.display_name(block) and catalog.detail(block) == catalog.FORMULAS[name]
        assert catalog.ACTIVATION_TITLES[name] in catalog.palette_entry(name).tooltip
    assert len(icons) == len(ACTIVATIONS)  # no two activations share a picture


@pytest.mark.parametrize("name", NEW)
def test_double_clicking_a_new_activation_appends_it_to_the_chain(window, name):
    doc = window.doc
    palette = window.palette_panel
    item = palette.item_for(name)
    palette.scrollToItem(item)
    rect = palette.visualItemRect(item)
    assert palette.viewport().rect().contains(rect.center())
    QTest.mouseClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    last = doc.chain_blocks()[-1]
    assert (last.kind, last.activation) == ("activation", name)
    assert f"{ACTIVATIONS[name].symbol} after softmax" in window.validity_label.text()  # the tutorial ends in softmax
    window.undo_stack.undo()
    assert "Valid" in window.validity_label.text()
