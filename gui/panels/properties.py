"""Properties panel: edit the selected block's parameters (each change one undo step), or, with
nothing selected, see the whole Chain: whether it is valid, its parameter count and its engine repr.

>>> panel = PropertiesPanel(editor)     # doctest: +SKIP
>>> panel.units.setValue(7)             # pushes SetBlockProperties(units=7)   # doctest: +SKIP

A block with an activation (an activation block, or a Dense block's) shows f, f′, f″ from the engine's
nested gradients (formula_field.CalculusPlot); a formula's plot sits under its text. While a model has
weights, the plot carries a histogram of a batch's pre-activations (gui/panels/activity.py feeds it).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QLabel, QSpinBox,
                               QStackedWidget, QVBoxLayout, QWidget)

from engine import ACTIVATIONS, LayerSpec
from engine.analysis import activation_of

from ..canvas import catalog
from ..canvas.editor import CanvasEditor
from .formula_field import CalculusPlot, FormulaField
from .common import fill_with_scroll


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def _wrapping(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class PropertiesPanel(QWidget):
    """Follows the canvas selection; widget edits become commands through the editor."""

    def __init__(self, editor: CanvasEditor, parent=None):
        super().__init__(parent)
        self.editor = editor
        self.block_id: int | None = None
        self._updating = False  # set while we fill widgets from the document: no commands then

        self.pages = QStackedWidget()
        self.pages.addWidget(self._chain_page())
        self.pages.addWidget(self._block_page())
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(12, 4, 12, 12)
        layout.addWidget(self.pages)
        layout.addStretch(1)
        # scrolled: with the f, f′, f″ plot the block page is ~600 pixels tall, more than a 700-pixel window has
        fill_with_scroll(self, inner)

        editor.selection_changed.connect(self.refresh)
        editor.doc.changed.connect(self.refresh)
        self.refresh()

    # ---- building --------------------------------------------------------------------------------

    def _chain_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_title("CHAIN"))
        self.chain_status = _wrapping()
        self.chain_params = QLabel()
        self.chain_repr = _wrapping()
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.Monospace)
        self.chain_repr.setFont(mono)
        self.chain_repr.setTextFormat(Qt.PlainText)
        self.chain_problems = _wrapping()
        self.chain_problems.setObjectName("problem")
        self.chain_hint = _wrapping("Select a block to edit it. Drag blocks from the palette; drag from a "
                                    "block's right port to another's left port to wire them.")
        self.chain_hint.setEnabled(False)
        for widget in (self.chain_status, self.chain_params, self.chain_repr, self.chain_problems,
                       self.chain_hint):
            box.addWidget(widget)
        return page

    def _block_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.block_title = _title("BLOCK")
        box.addWidget(self.block_title)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignLeft)
        self.form = form
        self.units = QSpinBox()
        self.units.setRange(1, LayerSpec.MAX_UNITS)
        self.units.setKeyboardTracking(False)  # one command per committed value, not per digit typed
        self.units.setAccelerated(True)
        self.activation = QComboBox()
        for name in LayerSpec.ACTIVATIONS:
            self.activation.addItem(catalog.palette_entry(name).icon(), catalog.ACTIVATION_TITLES[name], name)
        self.init = QComboBox()
        for name in LayerSpec.INITS:
            self.init.addItem(catalog.INIT_TITLES[name], name)
        self.bias = QCheckBox("learn a bias b")
        self.formula = FormulaField()
        self.calculus = CalculusPlot()
        self.shape = QLabel()
        self.params = QLabel()
        self.units_label = QLabel("Units")
        form.addRow(self.units_label, self.units)
        form.addRow("Activation", self.activation)
        form.addRow("Formula", self.formula)
        form.addRow("f, f′, f″", self.calculus)
        form.addRow("Initialiser", self.init)
        form.addRow("Bias", self.bias)
        form.addRow("Output", self.shape)
        form.addRow("Parameters", self.params)
        box.addLayout(form)
        self.block_problems = _wrapping()
        self.block_problems.setObjectName("problem")
        box.addWidget(self.block_problems)
        self.block_help = _wrapping()
        self.block_help.setEnabled(False)
        box.addWidget(self.block_help)

        self.units.valueChanged.connect(lambda v: self._edit(True, units=int(v)))
        self.activation.currentIndexChanged.connect(
            lambda i: self._edit(False, activation=self.activation.itemData(i)))
        self.formula.committed.connect(lambda text: self._edit(False, formula=text))
        self.init.currentIndexChanged.connect(lambda i: self._edit(False, init=self.init.itemData(i)))
        self.bias.toggled.connect(lambda on: self._edit(False, bias=bool(on)))
        return page

    # ---- following the selection and the document ------------------------------------------------

    def refresh(self) -> None:
        ids = self.editor.scene.selected_block_ids()
        self.block_id = ids[0] if len(ids) == 1 else None
        self._updating = True
        try:
            if self.block_id is None:
                self._show_chain(len(ids))
            else:
                self._show_block(self.editor.doc.block(self.block_id))
        finally:
            self._updating = False

    def _show_chain(self, selected: int) -> None:
        self.pages.setCurrentIndex(0)
        result = self.editor.doc.analysis()
        if result.valid:
            self.chain_status.setText("✓ A valid Chain")
            text = repr(result.spec.build())  # exactly what the engine prints for this Chain
            self.chain_repr.setText(one_layer_a_line(text))
            self.chain_repr.setToolTip(text)
            self.chain_problems.setText("")
        else:
            count = len(result.problems)
            self.chain_status.setText(f"⚠ Not a valid Chain yet: {count} problem{'s' if count != 1 else ''}")
            self.chain_repr.setText("")
            self.chain_problems.setText("<br>".join(f"• {html.escape(p.message)}" for p in result.problems))
        self.chain_params.setText(f"{result.param_count:,} parameters")
        self.chain_hint.setText(f"{selected} blocks selected: select one to edit it." if selected > 1 else
                                "Select a block to edit it. Drag blocks from the palette; drag from a "
                                "block's right port to another's left port to wire them.")

    def _show_block(self, block) -> None:
        self.pages.setCurrentIndex(1)
        result = self.editor.doc.analysis()
        self.block_title.setText(catalog.display_name(block).upper())
        dense, is_input = block.kind == "dense", block.kind == "input"
        self.units_label.setText("Features" if is_input else "Units")
        self.form.setRowVisible(self.units, dense or is_input)
        self.form.setRowVisible(self.init, dense)
        self.form.setRowVisible(self.bias, dense)
        self.form.setRowVisible(self.params, dense)
        self.form.setRowVisible(self.activation, not is_input)
        self.form.setRowVisible(self.formula, not is_input and block.activation == "formula")
        if block.activation == "formula":
            self.formula.show_formula(block.formula)
        plotted = not is_input and block.activation != "formula" and \
            activation_of(ACTIVATIONS.get(block.activation)) is not None
        self.form.setRowVisible(self.calculus, plotted)
        if plotted and self.calculus.act is not ACTIVATIONS[block.activation]:
            self.calculus.show_activation(ACTIVATIONS[block.activation])
        self.units.setValue(block.units)
        self.activation.setCurrentIndex(self.activation.findData(block.activation))
        self.init.setCurrentIndex(self.init.findData(block.init))
        self.bias.setChecked(block.bias)
        size, params = result.sizes.get(block.block_id), result.params.get(block.block_id)
        self.shape.setText(f"(n, {size if size is not None else '?'})")
        self.params.setText(f"{params:,}" if params is not None else "? (wire an input first)")
        problems = result.problems_of_block(block.block_id)
        self.block_problems.setText("<br>".join(f"⚠ {html.escape(p)}" for p in problems))
        key = catalog.icon_key(block)
        self.block_help.setText(catalog.palette_entry(key).tooltip)

    def calculus_plot(self) -> CalculusPlot | None:
        """The f, f′, f″ plot the selected block shows (its formula's, or its activation's), if any."""
        if self.block_id is None or self.pages.currentIndex() != 1:
            return None
        block = self.editor.doc.block(self.block_id)
        if block.kind != "input" and block.activation == "formula":
            return self.formula.calculus
        return self.calculus if self.form.isRowVisible(self.calculus) else None

    def _edit(self, merge: bool, **changes) -> None:
        if self._updating or self.block_id is None:
            return
        self.editor.set_properties(self.block_id, merge=merge, **changes)



def one_layer_a_line(text: str) -> str:
    """Break a Chain repr after its top-level commas, so a narrow panel never splits a layer.

    >>> print(one_layer_a_line("Chain(Dense(10 => 5, σ), softmax)"))
    Chain(Dense(10 => 5, σ),
          softmax)
    """
    indent = " " * (text.find("(") + 1)
    out, depth = [], 0
    for ch in text:
        if ch == " " and out and out[-1] == "\n" + indent:
            continue  # the space after a top-level comma becomes the indent
        out.append(ch)
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 1:
            out.append("\n" + indent)
    return "".join(out)
