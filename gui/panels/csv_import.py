"""The CSV import dialog: preview a table, choose feature and target columns, the task, standardisation
and the validation split, then load it in the background and hand it to the training dock.

>>> dialog = import_data(window, window.training)   # the training dock; asks for a file, then shows the dialog  # doctest: +SKIP
>>> dialog.imported.connect(...)                     # ImportedData, once the whole file has loaded  # doctest: +SKIP

A bad file changes nothing: the engine's message (file, line, column, value) appears in the
dialog, which stays open so another choice of columns can be tried.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from engine import DataError
from engine.datasets import preview_csv
from engine.training import split

from .. import csv_loader
from ..csv_loader import load_job
from ..jobs import Job
from .training.tables import ImportedData

PREVIEW_ROWS = 20      # shown in the table
INFER_ROWS = 500       # read to guess the task and which columns hold numbers
MAX_INFERRED_CLASSES = 10
TARGET_TINT = QColor(58, 111, 247, 40)


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def guess_task(cells: list[str]) -> str:
    """The engine's rule on a sample: text labels, or a few distinct whole numbers, mean classification."""
    values = [_number(c) for c in cells]
    if not cells or any(v is None for v in values):
        return "classification"
    distinct = set(values)
    few = len(distinct) <= MAX_INFERRED_CLASSES and 2 * len(distinct) <= len(values)
    return "classification" if few and all(v == int(v) for v in distinct) else "regression"


def mostly_numbers(cells: list[str]) -> bool:
    """A column offered as a feature by default: at least half its sampled cells are numbers.

    A stray bad cell in a numeric column keeps it checked, so loading names that cell.
    """
    return not cells or 2 * sum(_number(c) is not None for c in cells) >= len(cells)


class CsvImportDialog(QDialog):
    """Preview, choices, and a background load; emits `imported(ImportedData)` and accepts on success."""

    imported = Signal(object)  # ImportedData

    def __init__(self, path, *, validation: float = 0.2, seed: int = 0, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import data — {self.path.name}")
        self.setObjectName("csv_import")
        self.load: Job | None = None
        self.result_data: ImportedData | None = None
        self.names: list[str] = []
        self.sample: list[list[str]] = []
        self._task_guessed = True
        self._build(validation, seed)
        self._read_preview()
        self.resize(860, 560)

    # ---- building ----------------------------------------------------------------------------------

    def _build(self, validation: float, seed: int):
        self.file_label = QLabel(str(self.path))
        self.file_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.file_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # long paths must not widen us
        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.verticalHeader().setDefaultSectionSize(22)
        self.preview_table.setFocusPolicy(Qt.NoFocus)
        self.preview_table.horizontalHeader().setDefaultSectionSize(96)
        self.preview_table.horizontalHeader().setStretchLastSection(True)  # the last column is never cut off
        self.preview_caption = QLabel()
        self.preview_caption.setObjectName("sectionTitle")

        self.columns_table = QTableWidget(0, 2)
        self.columns_table.setHorizontalHeaderLabels(["Feature", "Values"])
        self.columns_table.verticalHeader().setVisible(False)
        self.columns_table.verticalHeader().setDefaultSectionSize(24)
        self.columns_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.columns_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.columns_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.columns_table.horizontalHeader().setStretchLastSection(True)
        self.columns_table.itemChanged.connect(self._features_changed)

        self.target_box = QComboBox()
        self.task_box = QComboBox()
        self.task_box.addItems(["classification", "regression"])
        self.task_note = QLabel()
        self.task_note.setObjectName("note")
        self.standardise_box = QCheckBox("Standardise features (mean 0, std 1)")
        self.standardise_box.setChecked(True)
        self.standardise_box.setToolTip("Statistics come from the training split and are saved with the model, "
                                        "so predictions later use the same ones.")
        self.validation_box = QSpinBox()
        self.validation_box.setRange(0, 90)
        self.validation_box.setSingleStep(5)
        self.validation_box.setSuffix(" %")
        self.validation_box.setValue(int(round(validation * 100)))
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99999)
        self.seed_box.setValue(int(seed))
        self.seed_box.setToolTip("Seeds the train/validation split (the Training dock's weight seed).")
        self.target_box.currentIndexChanged.connect(self._target_chosen)
        self.task_box.activated.connect(lambda _=None: setattr(self, "_task_guessed", False))

        choices = QGroupBox("Columns and training")
        form = QFormLayout(choices)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Target", self.target_box)
        task_row = QHBoxLayout()
        task_row.addWidget(self.task_box, 1)
        task_row.addWidget(self.task_note)
        form.addRow("Task", task_row)
        form.addRow(self.columns_table)
        form.addRow(self.standardise_box)
        form.addRow("Validation", self.validation_box)
        form.addRow("Split seed", self.seed_box)

        preview = QWidget()
        pbox = QVBoxLayout(preview)
        pbox.setContentsMargins(0, 0, 0, 0)
        pbox.addWidget(self.preview_caption)
        pbox.addWidget(self.preview_table, 1)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(preview)
        splitter.addWidget(choices)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.message_label = QLabel()
        self.message_label.setObjectName("problem")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message_label.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("loading… %p%")
        self.progress.setVisible(False)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primary")
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.import_button.clicked.connect(self.start_load)
        self.cancel_button.clicked.connect(self._cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.choices = choices

    # ---- preview -----------------------------------------------------------------------------------

    def _read_preview(self):
        try:
            head = preview_csv(self.path, rows=INFER_ROWS, max_bytes=csv_loader.MAX_BYTES)
        except DataError as error:
            self.show_problem(str(error))
            self.choices.setEnabled(False)
            self.import_button.setEnabled(False)
            self.preview_caption.setText("No preview")
            return
        self.names, self.sample = list(head.header), head.rows
        shown = head.rows[:PREVIEW_ROWS]
        size = f"{head.size / 1024:.0f} KB" if head.size >= 1024 else f"{head.size} bytes"
        self.preview_caption.setText(f"First {len(shown)} rows · {len(self.names)} columns · {size}")
        t = self.preview_table
        t.setColumnCount(len(self.names))
        t.setRowCount(len(shown))
        t.setHorizontalHeaderLabels(self.names)
        for r, row in enumerate(shown):
            for c, cell in enumerate(row):
                item = QTableWidgetItem(cell)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter if _number(cell) is not None
                                      else Qt.AlignLeft | Qt.AlignVCenter)
                t.setItem(r, c, item)
        t.resizeColumnsToContents()
        for c in range(t.columnCount()):
            t.setColumnWidth(c, min(max(t.columnWidth(c) + 12, 64), 180))
        self.columns_table.blockSignals(True)
        self.columns_table.setRowCount(len(self.names))
        for i, name in enumerate(self.names):
            cells = self.column_sample(i)
            check = QTableWidgetItem(name)
            check.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            check.setCheckState(Qt.Checked if mostly_numbers(cells) else Qt.Unchecked)
            values = QTableWidgetItem(", ".join(cells[:4]) + (" …" if len(cells) > 4 else ""))
            values.setFlags(Qt.ItemIsEnabled)
            self.columns_table.setItem(i, 0, check)
            self.columns_table.setItem(i, 1, values)
        self.columns_table.blockSignals(False)
        self.target_box.blockSignals(True)
        self.target_box.addItems(self.names)
        self.target_box.blockSignals(False)
        self.target_box.setCurrentIndex(len(self.names) - 1)  # the engine's default: the last column
        self._target_chosen(len(self.names) - 1)

    def column_sample(self, i: int) -> list[str]:
        return [row[i] for row in self.sample if i < len(row)]

    def _target_chosen(self, index: int):
        if index < 0:
            return
        self.columns_table.blockSignals(True)
        for i in range(self.columns_table.rowCount()):
            item = self.columns_table.item(i, 0)
            if i == index:
                item.setCheckState(Qt.Unchecked)
                item.setFlags(Qt.ItemIsUserCheckable)  # disabled: the target is never a feature
                item.setToolTip("the target column")
            else:
                if not item.flags() & Qt.ItemIsEnabled:  # the former target becomes a candidate again
                    item.setCheckState(Qt.Checked if mostly_numbers(self.column_sample(i)) else Qt.Unchecked)
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
                item.setToolTip("")
        self.columns_table.blockSignals(False)
        for r in range(self.preview_table.rowCount()):
            for c in range(self.preview_table.columnCount()):
                item = self.preview_table.item(r, c)
                if item is not None:
                    item.setBackground(QBrush(TARGET_TINT) if c == index else QBrush())
        if self._task_guessed:
            guess = guess_task(self.column_sample(index))
            self.task_box.setCurrentText(guess)
            self.task_note.setText(f"inferred from {len(self.sample)} rows" if self.sample else "")
        self._features_changed()

    def _features_changed(self, *_):
        ok = bool(self.features())
        self.import_button.setEnabled(ok and self.load is None and bool(self.names))
        if not ok and self.names:
            self.show_problem("Choose at least one feature column.")
        elif self.message_label.text() == "Choose at least one feature column.":
            self.show_problem("")

    # ---- choices -----------------------------------------------------------------------------------

    def features(self) -> list[str]:
        return [self.names[i] for i in range(self.columns_table.rowCount())
                if self.columns_table.item(i, 0).checkState() == Qt.Checked and i != self.target_box.currentIndex()]

    def target(self) -> str:
        return self.target_box.currentText()

    def task(self) -> str:
        return self.task_box.currentText()

    def show_problem(self, text: str):
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    # ---- loading -----------------------------------------------------------------------------------

    def start_load(self):
        if self.load is not None or not self.features():
            return
        self.show_problem("")
        self.load = load_job(self.path, self.target(), self.features(), task=self.task(), parent=self)
        self.load.progressed.connect(self.progress.setValue)
        self.load.succeeded.connect(self._loaded)
        self.load.failed.connect(self._failed)
        self.load.finished.connect(self._load_ended)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.choices.setEnabled(False)
        self.import_button.setEnabled(False)
        self.cancel_button.setText("Stop")
        self.load.start()

    def _loaded(self, dataset):
        if dataset is None:
            self.show_problem("Loading was cancelled; nothing was changed.")
            return
        share = self.validation_box.value() / 100
        ref = {"source": "csv", "path": str(self.path.resolve()), "target": dataset.target_name,
               "features": list(dataset.feature_names), "task": dataset.task}
        data = ImportedData(dataset, ref, standardise=self.standardise_box.isChecked(), validation=share,
                            seed=self.seed_box.value())
        try:  # a split that cannot be standardised is refused here, not in the dock
            split(dataset, share, self.seed_box.value(), data.standardise)
        except DataError as error:
            self._failed(f"{self.path.name}: {error}")
            return
        self.result_data = data

    def _failed(self, text: str):
        self.show_problem(text)

    def _load_ended(self):
        load, self.load = self.load, None
        if load is None:  # the dialog was closed meanwhile (see done)
            return
        load.deleteLater()
        self.progress.setVisible(False)
        self.choices.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self._features_changed()
        if self.result_data is not None:
            self.imported.emit(self.result_data)
            self.accept()

    def _cancel(self):
        if self.load is not None:
            self.load.stop()
        else:
            self.reject()

    def done(self, code):  # noqa: D401 - Qt override: closing (Esc, the title bar) stops a load first
        if self.load is not None:
            load, self.load = self.load, None
            load.wait()
            self.result_data = None  # a load that finished meanwhile is not used: the person said no
        super().done(code)


def import_data(parent, dock, path=None) -> CsvImportDialog | None:
    """Ask for a CSV file (unless `path`), then show the import dialog; its result goes to the training `dock`.

    The dialog is window-modal but does not block: it returns at once (tests drive it).
    """
    session = dock.session
    if session.state != "idle":
        session.message.emit("Stop training before importing data.")
        return None
    if path is None:
        previous = dock.data_box.imported
        start = str(Path(previous.reference["path"]).parent) if previous is not None else ""
        path, _ = QFileDialog.getOpenFileName(parent, "Import data", start, "CSV files (*.csv *.txt);;All files (*)")
        if not path:
            return None
    dialog = CsvImportDialog(path, validation=session.settings.validation, seed=session.settings.seed, parent=parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.imported.connect(dock.use_imported)
    dialog.open()
    return dialog
