"""The Tape dock's list: a group per canvas block (and one for the loss), an op per row with its shape, value and
adjoint ∂L/∂value, then the gradient the block leaves on its W and b. Cells show numbers and a heat colour.

>>> tree = TapeTree()                                      # doctest: +SKIP
>>> tree.show_tape(tape, ["2: Dense(8, tanh)", ...])     # one name per Chain layer         # doctest: +SKIP
>>> tree.reveal(values=3, adjoints=0)                    # ops 0-2 computed, no adjoint yet  # doctest: +SKIP

Rows keep the op's index (`op_row(k)`), so a test reads exactly what a person sees.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem)

COLUMNS = ("op", "shape", "value", "∂L/∂value")
HIDDEN = "·"  # not computed yet at this step
SHOWN = 6     # values a cell lists before it gives the norm instead
ARRAY = Qt.UserRole + 1  # a cell's array, for its heatmap
STRIP, CELL = 32, 4      # a heatmap's widest strip and widest cell, in pixels


def format_array(a) -> str:
    """A value as a person reads it: a number, a short row of numbers, or its norm (its heatmap shows the rest).

    >>> format_array(np.float64(0.25)), format_array(np.array([[1.0, -2.5e-4]]))
    ('0.25', '[1 -0.00025]')
    >>> format_array(np.arange(12.0))
    '‖22.5‖'
    """
    a = np.asarray(a, dtype=np.float64)
    if a.size == 1:
        return f"{float(a.ravel()[0]):.4g}"
    if a.size <= SHOWN:
        return "[" + " ".join(f"{v:.3g}" for v in a.ravel()) + "]"
    return f"‖{float(np.linalg.norm(a)):.3g}‖"


def heat(a) -> QColor:
    """A cell's background: blue for a negative mean, red for a positive one, paler the smaller it is."""
    a = np.asarray(a, dtype=np.float64)
    m = float(a.mean()) if a.size else 0.0
    strength = min(abs(m) / (float(np.abs(a).max()) or 1.0), 1.0) if np.isfinite(m) else 1.0
    base = QColor("#e03131") if m > 0 else QColor("#1c7ed6")
    base.setAlpha(int(25 + 70 * strength))
    return base


def cell_colour(v: float, biggest: float) -> QColor:
    """One element of a heatmap: red for positive, blue for negative, stronger the bigger against `biggest`."""
    colour = QColor("#e03131") if v > 0 else QColor("#1c7ed6")
    colour.setAlpha(int(255 * min(abs(v) / biggest, 1.0)) if biggest > 0 and np.isfinite(v) else 255)
    return colour


class HeatmapDelegate(QStyledItemDelegate):
    """Draws an array cell as a strip of coloured elements (its rows stacked) before its text."""

    def paint(self, painter: QPainter, option, index):
        values = index.data(ARRAY)
        if values is None or np.size(values) <= 1:
            return super().paint(painter, option, index)
        a = np.atleast_2d(np.asarray(values, dtype=np.float64))
        a = a.reshape(-1, a.shape[-1])[: STRIP // 3, : STRIP // 2]  # a corner of a big matrix: cheap to paint
        rows, columns = a.shape
        width = max(min(CELL, STRIP / columns), 2.0)
        strip = QRectF(option.rect.left() + 3, option.rect.top() + 2, width * columns, option.rect.height() - 4)
        option.rect.setLeft(int(strip.right()) + 4)
        super().paint(painter, option, index)
        biggest = float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0))
        height = strip.height() / rows
        painter.save()
        for r in range(rows):
            for c in range(columns):
                painter.fillRect(QRectF(strip.left() + c * width, strip.top() + r * height, width, height),
                                 cell_colour(a[r, c], biggest))
        painter.restore()


class TapeTree(QTreeWidget):
    """Groups (a block, then the loss) of op rows; `reveal` hides what a step has not reached yet."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)  # a block's ops, selected from the canvas
        self.setUniformRowHeights(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.heatmaps = HeatmapDelegate(self)
        for column in (2, 3):
            self.setItemDelegateForColumn(column, self.heatmaps)
        self.tape = None
        self.groups: dict = {}      # layer (None: the loss) -> group item
        self._op_rows: list = []
        self._grad_rows: list = []  # (param index, row): ∂L/∂W shown once the block's first op has its adjoint

    def show_tape(self, tape, layer_names: list) -> None:
        self.clear()
        self.tape, self.groups, self._op_rows, self._grad_rows = tape, {}, [], []
        for layer in list(range(tape.layers)) + [None]:
            ops = tape.of_layer(layer)
            name = "Loss" if layer is None else layer_names[layer]
            group = QTreeWidgetItem(self, [name, "", "", ""])
            group.setData(0, Qt.UserRole, ("layer", layer))
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.groups[layer] = group
            for op in ops:
                row = QTreeWidgetItem(group, [f"{op.index} {op.name}({','.join(op.sources)})",
                                              "×".join(map(str, op.shape)) or "scalar", "", ""])
                row.setData(0, Qt.UserRole, ("op", op.index))
                row.setToolTip(0, f"op {op.index} on the tape: {op.name} of {', '.join(op.sources)}")
                self._op_rows.append(row)
            for k, name in enumerate(tape.param_names):
                if layer is not None and name[1:] == str(layer + 1):
                    row = QTreeWidgetItem(group, [f"∂L/∂{name}", "×".join(map(str, np.shape(tape.grads[k]))),
                                                  "", ""])
                    row.setData(0, Qt.UserRole, ("grad", k))
                    row.setToolTip(0, f"the gradient the backward sweep leaves on {name}")
                    self._grad_rows.append((k, layer, row))
        self.expandAll()
        self.reveal(len(tape.ops), len(tape.ops))

    def op_row(self, index: int) -> QTreeWidgetItem:
        return self._op_rows[index]

    def grad_row(self, name: str) -> QTreeWidgetItem:
        return next(row for k, _, row in self._grad_rows if self.tape.param_names[k] == name)

    def reveal(self, values: int, adjoints: int) -> None:
        """Show the values of the first `values` ops and the adjoints of the last `adjoints` (as the sweeps
        reach them); a block's parameter gradients appear with the adjoint of its first op."""
        n = len(self.tape.ops)
        for op, row in zip(self.tape.ops, self._op_rows):
            self._cell(row, 2, op.value, op.index < values)
            self._cell(row, 3, op.adjoint, op.index >= n - adjoints)
        for k, layer, row in self._grad_rows:
            first = self.tape.of_layer(layer)
            reached = bool(first) and first[0].index >= n - adjoints
            self._cell(row, 3, self.tape.grads[k], reached)

    @staticmethod
    def _cell(row, column, value, shown):
        row.setText(column, format_array(value) if shown else HIDDEN)
        row.setData(column, ARRAY, np.asarray(value) if shown else None)
        row.setBackground(column, QBrush(heat(value)) if shown and np.size(value) == 1 else QBrush())
        row.setToolTip(column, np.array2string(np.asarray(value), precision=4, threshold=64) if shown else "")

    def layer_of(self, item) -> tuple[bool, int | None]:
        """(True, layer) for a group or a row under it; (False, None) for nothing."""
        while item is not None and item.parent() is not None:
            item = item.parent()
        if item is None:
            return False, None
        return True, item.data(0, Qt.UserRole)[1]
