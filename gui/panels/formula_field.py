"""f, f′, f″ of an activation, plotted from the engine's nested gradients, with a histogram of the
pre-activations a batch feeds it behind the curves; and the formula field that types a new activation.

>>> plot = CalculusPlot()                        # doctest: +SKIP
>>> plot.show_activation(engine.tanh)            # f, f′, f″ over [-4, 4] (engine.nn.calculus)     # doctest: +SKIP
>>> plot.show_histogram(counts, edges, "12% saturated")   # a batch's pre-activations, in grey       # doctest: +SKIP
>>> field = FormulaField()                       # doctest: +SKIP
>>> field.committed.connect(lambda text: editor.set_properties(block_id, formula=text))   # doctest: +SKIP

As a formula's text is typed, its plot follows (the same CalculusPlot) and a text that is not a formula
shows why, naming the column; Enter (or leaving the field) commits a valid text, which the panel turns
into one undo step. An invalid text commits nothing: the Chain stays as it was.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from engine import formula
from engine.nn import FormulaError, calculus

from ..plots import configure
from ..plots.theme import themed

XS = np.linspace(-4.0, 4.0, 161)
CURVES = (("f", "#3a6ff7"), ("f′", "#f08c00"), ("f″", "#2f9e44"))
HISTOGRAM_BRUSH = (128, 128, 128, 70)


class CalculusPlot(QWidget):
    """f, f′, f″ of one activation over a range, and (optionally) a histogram of its inputs behind them."""

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        self.act = None
        self.xs = XS
        self.plot = themed(pg.PlotWidget())
        self.plot.setMinimumHeight(150)
        self.plot.setMaximumHeight(220)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.addLegend(offset=(6, 6))
        # the histogram on a view box of its own, linked in x: counts never squash the curves' scale
        self.counts_box = pg.ViewBox(enableMouse=False)
        item.scene().addItem(self.counts_box)
        self.counts_box.setXLink(item)
        self.counts_box.setZValue(-10)
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=HISTOGRAM_BRUSH, pen=None)
        self.counts_box.addItem(self.bars)
        item.vb.sigResized.connect(self._sync_boxes)
        self.curves = [item.plot([], [], pen=pg.mkPen(colour, width=1.6), name=name) for name, colour in CURVES]
        self.share = QLabel()
        self.share.setObjectName("calculusShare")
        self.share.setWordWrap(True)
        # a fixed height of two lines: a new share several times a minute must not re-layout the panel
        self.share.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.share.setFixedHeight(2 * self.share.fontMetrics().lineSpacing() + 4)
        self.share.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.share)

    def _sync_boxes(self, *_):
        vb = self.plot.getPlotItem().vb
        self.counts_box.setGeometry(vb.sceneBoundingRect())
        self.counts_box.linkedViewChanged(vb, self.counts_box.XAxis)

    def show_activation(self, act, span=(-4.0, 4.0)) -> None:
        """Plot `act`'s f, f′, f″ over `span` (NaN and infinities drawn as gaps)."""
        self.act = act
        self.xs = XS if tuple(span) == (-4.0, 4.0) else np.linspace(span[0], span[1], 161)
        with np.errstate(all="ignore"):  # log(x) left of 0 and the like: NaN there, drawn as a gap
            values = calculus(act, self.xs, order=2)
        for curve, ys in zip(self.curves, values):
            curve.setData(self.xs, np.where(np.isfinite(ys), ys, np.nan), connect="finite")

    def clear(self) -> None:
        self.act = None
        for curve in self.curves:
            curve.setData([], [])
        self.clear_histogram()

    def show_histogram(self, counts, edges, text: str = "") -> None:
        """A batch's pre-activations behind the curves (the curves follow the histogram's range)."""
        span = (float(edges[0]), float(edges[-1]))
        if self.act is not None and not np.allclose(span, (self.xs[0], self.xs[-1])):
            self.show_activation(self.act, span)
        shown, shown_edges = self.histogram()
        if not (np.array_equal(shown, counts) and np.array_equal(shown_edges, edges)):  # unchanged: no repaint
            self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
            self.counts_box.setYRange(0, max(float(np.max(counts, initial=0)), 1.0) * 1.1, padding=0)
        if text != self.share.text():
            self.share.setText(text)
        self.share.setVisible(bool(text))

    def clear_histogram(self) -> None:
        self.bars.setOpts(x0=[], x1=[], height=[])
        self.share.setText("")
        self.share.setVisible(False)
        if self.act is not None and (self.xs[0], self.xs[-1]) != (-4.0, 4.0):
            self.show_activation(self.act)

    def histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(counts, edges) the bars show now (empty when none)."""
        opts = self.bars.opts
        x0, x1 = np.asarray(opts.get("x0") if opts.get("x0") is not None else []), opts.get("x1")
        counts = np.asarray(opts.get("height") if opts.get("height") is not None else [])
        edges = np.append(x0, np.asarray(x1)[-1:]) if len(x0) else x0
        return counts, edges

    def values(self) -> list[np.ndarray]:
        """What the curves show now: [f, f′, f″] on `xs` (empty while there is no activation)."""
        return [np.asarray(curve.getData()[1] if curve.getData()[1] is not None else []) for curve in self.curves]


class FormulaField(QWidget):
    """A formula's text field; `committed(text)` carries a text that is a formula, when editing ends."""

    committed = Signal(str)

    def __init__(self, parent=None):
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
        self.calculus = CalculusPlot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.calculus)
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
            self.calculus.clear()
            return None
        self.problem.setText("")
        self.calculus.show_activation(act)
        return act

    def values(self) -> list[np.ndarray]:
        """What the curves show now: [f, f′, f″] on XS (empty while the text is not a formula)."""
        return self.calculus.values()

    def _finish(self) -> None:
        text = self.edit.text()
        if self.preview(text) is not None:
            self.edit.setModified(False)  # applied: the block's text (an undo, say) may show here again
            self.committed.emit(text)
