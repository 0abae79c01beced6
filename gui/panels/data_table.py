"""The Data table dock: every row of the current dataset with the model's prediction and the row's loss,
sortable by any column (click "loss" twice: the worst-fitted rows first).

>>> panel = DataTablePanel(dock.session, dock.plots.clock)   # follows the session's data and weights  # doctest: +SKIP
>>> panel.model.table.loss                                    # gui.core.rows.RowTable: what is listed    # doctest: +SKIP

It refreshes when a run pauses or ends, and at most once a second while one runs (a forward pass over the
whole dataset each time). An item model, not a QTableWidget: the view asks only for the cells it shows,
and sorting is one numpy argsort.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QVBoxLayout, QWidget

from ..core.rows import RowTable

# Looked up once: each `Qt.X` costs PySide6 about 5 µs, and a view calls data() for every visible cell and role.
DISPLAY, TOOLTIP, ALIGNMENT, BACKGROUND = Qt.DisplayRole, Qt.ToolTipRole, Qt.TextAlignmentRole, Qt.BackgroundRole
HORIZONTAL, ASCENDING = Qt.Horizontal, Qt.AscendingOrder
RIGHT, LEFT = int(Qt.AlignRight | Qt.AlignVCenter), int(Qt.AlignLeft | Qt.AlignVCenter)
TEST_TINT = QColor(240, 140, 0, 36)


class RowsModel(QAbstractTableModel):
    """split | # | loss | prediction | target | the features, over a RowTable, in the order last sorted (the loss
    first: in a narrow dock it is what is looked for)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table: RowTable | None = None
        self.order = np.zeros(0, dtype=np.int64)  # shown row -> table row
        self.sorted_by: tuple[int, object] | None = None
        self.headers: list[str] = []

    def set_table(self, table: RowTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self.headers = [] if table is None else ["split", "#", "loss", "prediction", table.target_name, *table.names]
        self.order = np.arange(0 if table is None else len(table))
        if self.sorted_by is not None:
            self._sort(*self.sorted_by)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=DISPLAY):
        t, row, col = self.table, int(self.order[index.row()]), index.column()
        if role == DISPLAY or role == TOOLTIP:
            return self._text(t, row, col)
        if role == ALIGNMENT:
            return LEFT if col == 0 else RIGHT
        if role == BACKGROUND and t.part[row] == "test":
            return QBrush(TEST_TINT)
        return None

    def _text(self, t, row, col):
        if col == 0:
            return t.part[row]
        if col == 1:
            return str(t.index[row])
        if col == 2:
            return f"{t.loss[row]:.4g}" if np.isfinite(t.loss[row]) else ""
        if col == 3:
            return t.predicted[row]
        if col == 4:
            return t.target[row]
        return f"{t.X[row, col - 5]:.4g}"

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY:
            return self.headers[section] if orientation == HORIZONTAL else None
        return None

    def sort(self, column, order=ASCENDING):  # Qt's call when a header is clicked
        if self.table is None or not 0 <= column < len(self.headers):
            return
        self.beginResetModel()
        self.sorted_by = (column, order)
        self._sort(column, order)
        self.endResetModel()

    def _sort(self, column, order):
        keys = self._keys(column) if order == ASCENDING else -self._keys(column)
        self.order = np.argsort(np.where(np.isnan(keys), np.inf, keys), kind="stable")  # no value (nan): last

    def _keys(self, column) -> np.ndarray:
        t = self.table
        if column >= 5:
            return t.X[:, column - 5].astype(np.float64)
        return ((t.part == "test").astype(np.float64), t.index.astype(np.float64), t.loss, t.predicted_key,
                t.target_key)[column]

    def shown_losses(self) -> np.ndarray:
        """The loss column top to bottom, as the view lists it (tests read it)."""
        return np.zeros(0) if self.table is None else self.table.loss[self.order]


class DataTablePanel(QWidget):
    """A RedrawClock client of the training session, refreshed when a run pauses or ends."""

    min_interval = 1.0  # a forward pass over every row: once a second while a run goes

    def __init__(self, session, clock, parent=None):
        super().__init__(parent)
        self.session = session
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = RowsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, ASCENDING)  # listed as the data is, until a click
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setDefaultSectionSize(self.fontMetrics().horizontalAdvance("0.000000") + 12)
        self.view.horizontalHeader().setMinimumSectionSize(self.fontMetrics().horizontalAdvance("test") + 16)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        session.state_changed.connect(self._state_changed)
        session.changed.connect(self.refresh)
        clock.add(self)
        self.refresh()

    def redraw(self, record) -> None:  # the clock's call: new weights, throttled
        self.refresh()

    def showEvent(self, event):  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()

    def _state_changed(self, state: str) -> None:
        if state in ("paused", "idle"):
            self.refresh()

    def refresh(self) -> None:
        if not self.isVisible():
            return  # a hidden table costs nothing; showing it refreshes it
        table = RowTable.of(self.session)
        self.model.set_table(table)
        self.summary.setText(_summary(table))


def _summary(table: RowTable | None) -> str:
    if table is None:
        return "Choose a dataset to list its rows."
    n_test = int((table.part == "test").sum())
    text = f"{len(table):,} rows: {len(table) - n_test:,} train, {n_test:,} test (tinted)."
    means = [f"{name} {table.loss[table.part == name].mean():.4g}" for name in ("train", "test")
             if np.isfinite(table.loss[table.part == name]).any()]
    if means:
        text += " Mean loss: " + ", ".join(means) + ". Sort by loss to find the worst-fitted rows."
    return text
