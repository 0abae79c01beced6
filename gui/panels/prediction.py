"""Prediction dock: type feature values (or pick a row of the data) and see the trained model's output -
class probabilities as bars, or the regressed value - and, after a classification run, the confusion
matrix on the validation split.

>>> panel = PredictionPanel(dock.session, dock.plots.clock)   # the session's display model, never the live one  # doctest: +SKIP
>>> panel.row_box.setValue(12)                      # fills the inputs from row 12 and predicts       # doctest: +SKIP
>>> panel.outputs                                   # probabilities (classification) or values        # doctest: +SKIP

Weights come from the training record: copies the run reported, or the finished model's, run through
the session's `predict` (its display model, never the live one). Inputs go through the same
Standardiser training used.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QGroupBox, QHeaderView, QLabel, QLineEdit,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.outputs import final_activation, probabilities
from ..plots import configure
from ..plots.boundary import class_colours
from ..plots.theme import themed
from .common import fill_with_scroll

MAX_FIELDS = 64  # a wider table gets no input fields (rows can still be picked)
BAD_FIELD = "QLineEdit { border: 1px solid #d92d20; }"


def confusion(actual: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """(k, k) counts: rows are the actual class, columns the predicted one."""
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (actual.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


def parse_number(text: str) -> float | None:
    """A finite number typed by a person, or None ("nan", "inf", "1_000" and words are refused)."""
    text = text.strip()
    if not text or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


class PredictionPanel(QWidget):
    """A RedrawClock client of the training session: follows its data, weights and state."""

    min_interval = 0.2  # live predictions during training: five a second is plenty

    def __init__(self, session, clock, parent=None):
        configure()
        super().__init__(parent)
        self.session = session
        self.outputs: np.ndarray | None = None   # what the bars / value show (tests read it)
        self.matrix: np.ndarray | None = None    # the confusion matrix shown, or None
        self._dataset = None
        self._build()
        session.state_changed.connect(self._state_changed)
        clock.add(self)
        self.refresh()

    # ---- building ----------------------------------------------------------------------------------

    def _build(self):
        self.title = QLabel()
        self.title.setWordWrap(True)
        input_box = QGroupBox("Input")
        self.input_form = QFormLayout(input_box)
        self.row_box = QSpinBox()
        self.row_box.setKeyboardTracking(False)
        self.row_box.setToolTip("Fill the inputs with a row of the dataset")
        self.row_box.valueChanged.connect(self.use_row)
        self.input_form.addRow("Row", self.row_box)
        self.fields: list[QLineEdit] = []
        self.actual_label = QLabel()
        self.actual_label.setObjectName("note")

        output_box = QGroupBox("Output")
        obox = QVBoxLayout(output_box)
        self.result_label = QLabel("Train the model to see its predictions.")
        self.result_label.setWordWrap(True)
        font = self.result_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.result_label.setFont(font)
        self.bars_plot = themed(pg.PlotWidget())
        self.bars_plot.setFixedHeight(180)
        item = self.bars_plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setYRange(0, 1, padding=0.02)
        item.setLabel("left", "probability")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        item.addItem(self.bars)
        obox.addWidget(self.result_label)
        obox.addWidget(self.bars_plot)

        self.matrix_box = QGroupBox("Confusion matrix (validation)")
        mbox = QVBoxLayout(self.matrix_box)
        self.matrix_note = QLabel()
        self.matrix_note.setWordWrap(True)
        self.matrix_table = QTableWidget()
        self.matrix_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.matrix_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.matrix_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.matrix_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        mbox.addWidget(self.matrix_note)
        mbox.addWidget(self.matrix_table)
        self.matrix_box.setVisible(False)

        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(8, 4, 8, 8)
        box.addWidget(self.title)
        box.addWidget(input_box)
        box.addWidget(self.actual_label)
        box.addWidget(output_box)
        box.addWidget(self.matrix_box)
        box.addStretch(1)
        fill_with_scroll(self, inner)

    def _rebuild_fields(self, dataset):
        for field in self.fields:
            self.input_form.removeRow(field)
        self.fields = []
        k = dataset.n_features
        if k > MAX_FIELDS:
            return
        names = getattr(dataset, "feature_names", None) or [f"x{i + 1}" for i in range(k)]
        for name in names:
            field = QLineEdit()
            field.setObjectName(f"feature_{name}")
            field.setPlaceholderText("a number")
            field.editingFinished.connect(self.predict_inputs)
            self.input_form.addRow(str(name), field)
            self.fields.append(field)

    # ---- following the training dock ---------------------------------------------------------------

    def redraw(self, record) -> None:  # the clock's call: new weights (or a new dataset)
        self.refresh()

    def showEvent(self, event):  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()

    def _state_changed(self, state: str):
        if state == "idle":
            self.refresh()
            self.update_confusion()

    def refresh(self):
        """Follow a new dataset (inputs, row range), then predict the current inputs."""
        ds = self.session.dataset
        if ds is None:
            return
        if ds is not self._dataset:
            self._dataset = ds
            self._rebuild_fields(ds)
            self.row_box.blockSignals(True)
            self.row_box.setRange(0, len(ds) - 1)
            self.row_box.setValue(0)
            self.row_box.blockSignals(False)
            what = f"{ds.n_classes} classes" if ds.task == "classification" else "regression"
            self.title.setText(f"<b>{ds.name or 'data'}</b> · {len(ds)} rows · {ds.n_features} feature(s) · {what}")
            self.matrix = None
            self.matrix_box.setVisible(False)
            self.use_row(0)
            return
        if self.matrix is not None and self.session.epochs_done == 0:  # weights were reset
            self.matrix = None
            self.matrix_box.setVisible(False)
        self.predict_inputs()

    def use_row(self, row: int):
        """Fill the input fields with row `row` of the dataset, show its target, and predict."""
        ds = self._dataset
        if ds is None or not 0 <= row < len(ds):
            return
        for field, value in zip(self.fields, ds.X[row]):
            field.setText(f"{value:.6g}")
        if ds.task == "classification":
            actual = ds.class_names[int(ds.y[row])]
        else:
            actual = ", ".join(f"{v:.6g}" for v in ds.y[row])
        target = getattr(ds, "target_name", None) or "target"
        self.actual_label.setText(f"Row {row}: {target} = {actual}")
        self.predict_at(ds.X[row])

    def predict_inputs(self):
        values = [parse_number(f.text()) for f in self.fields]
        bad = [i for i, v in enumerate(values) if v is None]
        for i, field in enumerate(self.fields):
            style = BAD_FIELD if i in bad else ""
            if field.styleSheet() != style:  # restyling repolishes the field: only when it changes
                field.setStyleSheet(style)
        if not self.fields:
            if self._dataset is not None and len(self._dataset):
                self.predict_at(self._dataset.X[self.row_box.value()])
            return
        if bad:
            self.result_label.setText(f"Type a number for {self.input_form.labelForField(self.fields[bad[0]]).text()}.")
            return
        self.predict_at(np.array(values, dtype=np.float64))

    def predict_point(self, x: float, y: float):
        """A click on the decision-boundary plot: predict at (x, y) (2-D data only)."""
        if len(self.fields) != 2:
            return
        for field, value in zip(self.fields, (x, y)):
            field.setText(f"{value:.4g}")
        self.actual_label.setText(f"Clicked point ({x:.3g}, {y:.3g})")
        self.predict_inputs()  # at the values shown, so what one reads is what was predicted

    # ---- the model ---------------------------------------------------------------------------------

    def model_outputs(self, X: np.ndarray) -> np.ndarray | None:
        """Raw outputs for rows `X` (original units) with the latest weights, or None without a fitting model."""
        s = self.session
        if s.record.weights is None or s.spec is None:
            return None
        out = s.predict(X)
        return None if out is None else np.asarray(out, dtype=np.float64).reshape(len(X), -1)

    def predict_at(self, x: np.ndarray):
        ds = self._dataset
        if ds is not None and not self.session.trained():  # fresh weights predict nothing worth reading
            self.outputs = None
            self.bars.setOpts(x=[], height=[])
            self.bars_plot.setVisible(False)
            self.result_label.setText("Train the model to see its predictions.")
            return
        out = self.model_outputs(x.reshape(1, -1)) if ds is not None else None
        if out is None:
            self.outputs = None
            self.bars.setOpts(x=[], height=[])
            self.result_label.setText("The Chain does not fit this data yet: train it first.")
            return
        if ds.task == "classification":
            probs = probabilities(out, final_activation(self.session.spec))[0]
            self.outputs = probs
            self._show_bars(probs, ds.class_names)
            best = int(np.nanargmax(probs)) if np.isfinite(probs).any() else 0
            self.result_label.setText(f"{_class_name(ds, best)} ({probs[best]:.0%})")
        else:
            self.outputs = out[0]
            self.bars_plot.setVisible(False)
            target = getattr(ds, "target_name", None) or "y"
            self.result_label.setText(f"{target} = " + ", ".join(f"{v:.5g}" for v in out[0]))

    def _show_bars(self, probs: np.ndarray, class_names):
        k = len(probs)
        colours = class_colours(k).astype(int)
        self.bars.setOpts(x=np.arange(k), height=np.nan_to_num(probs), width=0.6,
                          brushes=[pg.mkBrush(*c) for c in colours], pens=[pg.mkPen(None)] * k)
        axis = self.bars_plot.getPlotItem().getAxis("bottom")
        axis.setTicks([[(i, _class_name(self._dataset, i)) for i in range(k)]])
        self.bars_plot.getPlotItem().setXRange(-0.6, k - 0.4, padding=0)
        self.bars_plot.setVisible(True)

    # ---- confusion matrix --------------------------------------------------------------------------

    def update_confusion(self):
        """After a classification run: counts of actual against predicted class on the validation split."""
        s, ds = self.session, self.session.dataset
        val = s.split.raw_val if s.split is not None else None
        if ds is None or ds.task != "classification" or val is None or not len(val) or s.epochs_done == 0:
            self.matrix = None
            self.matrix_box.setVisible(False)
            return
        out = self.model_outputs(val.X)
        if out is None:
            return
        probs = probabilities(out, final_activation(self.session.spec))
        k = max(ds.n_classes, probs.shape[1])
        predicted = np.nan_to_num(probs, nan=-1).argmax(axis=1)
        self.matrix = confusion(val.y, predicted, k)[:ds.n_classes, :]
        self._show_matrix(ds)

    def _show_matrix(self, ds):
        m = self.matrix
        names = [_class_name(ds, i) for i in range(m.shape[1])]
        table = self.matrix_table
        table.setRowCount(m.shape[0])
        table.setColumnCount(m.shape[1])
        table.setHorizontalHeaderLabels(names)
        for c, name in enumerate(names):
            table.horizontalHeaderItem(c).setToolTip(f"predicted {name}")
        table.setVerticalHeaderLabels(names[:m.shape[0]])
        top = max(int(m.max()), 1)
        for r in range(m.shape[0]):
            for c in range(m.shape[1]):
                item = QTableWidgetItem(str(int(m[r, c])))
                item.setTextAlignment(Qt.AlignCenter)
                base = QColor(47, 158, 68) if r == c else QColor(214, 51, 108)
                base.setAlpha(int(30 + 170 * m[r, c] / top) if m[r, c] else 0)
                item.setBackground(QBrush(base))
                table.setItem(r, c, item)
        rows_h = sum(table.rowHeight(r) for r in range(m.shape[0]))
        table.setFixedHeight(rows_h + table.horizontalHeader().sizeHint().height() + 4)
        right = int(np.trace(m))
        self.matrix_note.setText(f"{right} of {int(m.sum())} validation samples right ({right / max(m.sum(), 1):.0%}); "
                                 "rows: actual class, columns: predicted class.")
        self.matrix_box.setVisible(True)


def _class_name(ds, i: int) -> str:
    names = ds.class_names or []
    return str(names[i]) if i < len(names) else f"output {i + 1}"
