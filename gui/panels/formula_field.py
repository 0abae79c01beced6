"""The formula field of the properties panel: the text, its problem right below it, and a live plot of f, f′, f″.

>>> field = FormulaField()                  # doctest: +SKIP
>>> field.committed.connect(lambda text: editor.set_properties(block_id, formula=text))   # doctest: +SKIP

As the text is typed, the plot follows it (the engine's own nested gradients, engine.nn.calculus) and a text
that is not a formula shows why, naming the column; Enter (or leaving the field) commits a valid text, which
the panel turns into one undo step. An invalid text commits nothing: the Chain stays as it was.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from engine import formula
from engine.nn import FormulaError, calculus

from ..plots import configure

XS = np.linspace(-4.0, 4.0, 161)
CURVES = (("f", "#3a6ff7"), ("f′", "#f08c00"), ("f″", "#2f9e44"))


class FormulaField(QWidget):
    """A formula's text field; `committed(text)` carries a text that is a formula, when editing ends."""

    committed = Signal(str)

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName("formulaText")
        self.edit.setPlaceholderText("an expression in x, such as x * σ(x)")
        self.edit.setToolTip("Numbers, + - * / **, exp, log, sqrt, abs, sin, cos, tanh, σ, relu, softplus, "
                             "min, max, where(condition, a, b), e and π. Name it as swish(x) = ... . "
                             "Enter applies it.")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.Monospace)
        self.edit.setFont(mono)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.addLegend(offset=(6, 6))
        self.curves = [item.plot([], [], pen=pg.mkPen(colour, width=1.6), name=name) for name, colour in CURVES]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.plot)
        self.edit.textEdited.connect(self.preview)
        self.edit.editingFinished.connect(self._finish)

    def show_formula(self, text: str) -> None:
        """Show a block's formula (an edit in progress is left alone)."""
        if not (self.edit.hasFocus() and self.edit.isModified()):
            self.edit.setText(text)
        self.preview(self.edit.text())

    def preview(self, text: str):
        """Plot `text`'s f, f′, f″ (or say why it is not a formula); returns the Formula or None."""
        try:
            act = formula(text)
        except FormulaError as error:
            self.problem.setText(f"⚠ {error}")
            for curve in self.curves:
                curve.setData([], [])
            return None
        self.problem.setText("")
        with np.errstate(all="ignore"):  # log(x) left of 0 and the like: NaN there, drawn as a gap
            values = calculus(act, XS, order=2)
        for curve, ys in zip(self.curves, values):
            ys = np.where(np.isfinite(ys), ys, np.nan)
            curve.setData(XS, ys, connect="finite")
        return act

    def values(self) -> list[np.ndarray]:
        """What the curves show now: [f, f′, f″] on XS (empty while the text is not a formula)."""
        return [np.asarray(curve.getData()[1] if curve.getData()[1] is not None else []) for curve in self.curves]

    def _finish(self) -> None:
        text = self.edit.text()
        if self.preview(text) is not None:
            self.edit.setModified(False)  # applied: the block's text (an undo, say) may show here again
            self.committed.emit(text)
