"""The import dialog's two tables as item models: the preview of the first rows, and the columns to choose.

    >>> preview = PreviewModel(facts, shown_rows=20)      # facts: gui.core.csv_columns.ColumnFacts  # doctest: +SKIP
    >>> columns = ColumnsModel(facts)                     # a check box per column: the features       # doctest: +SKIP
    >>> columns.set_target(4); columns.features()         # the target is never a feature             # doctest: +SKIP

Models, not QTableWidgets: a view asks only for the cells it shows, so a table of 10,000 columns opens at
once (one QTableWidgetItem per cell took 81 s to lay out).
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..core.csv_columns import ColumnFacts, number

TARGET_TINT = QColor(58, 111, 247, 40)
# Looked up once: each `Qt.X` costs PySide6 about 5 µs, and a view calls data() for every visible cell and role.
DISPLAY, TOOLTIP, ALIGNMENT, BACKGROUND, CHECK = (Qt.DisplayRole, Qt.ToolTipRole, Qt.TextAlignmentRole,
                                                  Qt.BackgroundRole, Qt.CheckStateRole)
HORIZONTAL, CHECKED, UNCHECKED = Qt.Horizontal, Qt.Checked, Qt.Unchecked
RIGHT, LEFT = int(Qt.AlignRight | Qt.AlignVCenter), int(Qt.AlignLeft | Qt.AlignVCenter)
CHECKABLE, ENABLED, NOTHING = Qt.ItemIsEnabled | Qt.ItemIsUserCheckable, Qt.ItemIsEnabled, Qt.NoItemFlags


class PreviewModel(QAbstractTableModel):
    """The first `shown_rows` rows, numbers right-aligned, the target column tinted."""

    def __init__(self, facts: ColumnFacts, shown_rows: int, parent=None):
        super().__init__(parent)
        self.facts = facts
        self.rows = facts.rows[:shown_rows]
        self.target = -1

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.facts.names)

    def data(self, index, role=DISPLAY):
        cell = self.rows[index.row()][index.column()]
        if role == DISPLAY or role == TOOLTIP:
            return cell
        if role == ALIGNMENT:
            return RIGHT if number(cell) is not None else LEFT
        if role == BACKGROUND and index.column() == self.target:
            return QBrush(TARGET_TINT)
        return None

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY:
            return self.facts.names[section] if orientation == HORIZONTAL else str(section + 1)
        return None

    def set_target(self, column: int) -> None:
        old, self.target = self.target, column
        for c in (old, column):
            if 0 <= c < self.columnCount() and self.rows:
                self.dataChanged.emit(self.index(0, c), self.index(len(self.rows) - 1, c), [BACKGROUND])


class ColumnsModel(QAbstractTableModel):
    """Feature | Values: a check box per column (numbers checked at first); the target's row is disabled."""

    HEADERS = ("Feature", "Values")

    def __init__(self, facts: ColumnFacts, parent=None):
        super().__init__(parent)
        self.facts = facts
        self.checked = list(facts.numeric)
        self.target = -1

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.facts.names)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else 2

    def data(self, index, role=DISPLAY):
        row, col = index.row(), index.column()
        if role == DISPLAY:
            return self.facts.names[row] if col == 0 else self.facts.samples[row]
        if role == CHECK and col == 0:
            return CHECKED if self.checked[row] and row != self.target else UNCHECKED
        if role == TOOLTIP and row == self.target:
            return "the target column"
        return None

    def flags(self, index):
        if index.column() == 0 and index.row() != self.target:
            return CHECKABLE
        return ENABLED if index.column() == 1 else NOTHING

    def setData(self, index, value, role=Qt.EditRole):  # noqa: N802
        if role != CHECK or index.column() != 0 or index.row() == self.target:
            return False
        self.checked[index.row()] = Qt.CheckState(value) == CHECKED
        self.dataChanged.emit(index, index, [CHECK])
        return True

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY and orientation == HORIZONTAL:
            return self.HEADERS[section]
        return None

    def set_target(self, row: int) -> None:
        """`row` becomes the target (never a feature); the former target is proposed again as its numbers say."""
        old, self.target = self.target, row
        if 0 <= old < len(self.checked):
            self.checked[old] = self.facts.numeric[old]
        for r in (old, row):
            if 0 <= r < self.rowCount():
                self.dataChanged.emit(self.index(r, 0), self.index(r, 1))

    def features(self) -> list[str]:
        return [name for i, name in enumerate(self.facts.names) if self.checked[i] and i != self.target]
