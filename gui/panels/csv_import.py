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
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QTableView, QVBoxLayout, QWidget)

from engine.datasets import DataError
from engine.training import split

from ..core.csv_columns import guess_task
from ..csv_loader import load_job, preview_job
from ..jobs import Job
from .csv_tables import ColumnsModel, PreviewModel
from .training.tables import ImportedData

PREVIEW_ROWS = 20      # shown in the table
INFER_ROWS = 500       # read to guess the task and which columns hold numbers
SIZED_COLUMNS = 40     # preview columns sized to their contents; the rest keep the default width


class CsvImportDialog(QDialog):
    """Preview, choices, and a background load; emits `imported(ImportedData)` and accepts on success.

    The preview is read in the background too (`preview_ready` when it has come, `is_ready()`); until
    then the choices wait and Cancel stops the read."""

    imported = Signal(object)  # ImportedData
    preview_ready = Signal()

    def __init__(self, path, *, validation: float = 0.2, seed: int = 0, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import data — {self.path.name}")
        self.setObjectName("csv_import")
        self.load: Job | None = None
        self.reading: Job | None = None
        self.result_data: ImportedData | None = None
        self.names: list[str] = []
        self.facts = None
        self.columns: ColumnsModel | None = None
        self._task_guessed = True
        self._build(validation, seed)
        self.resize(860, 560)
        self._read_preview()

    # ---- building ----------------------------------------------------------------------------------

    def _build(self, validation: float, seed: int):
        self.file_label = QLabel(str(self.path))
        self.file_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.file_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # long paths must not widen us
        self.preview_table = QTableView()
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.verticalHeader().setDefaultSectionSize(22)
        self.preview_table.setFocusPolicy(Qt.NoFocus)
        self.preview_table.horizontalHeader().setDefaultSectionSize(96)
        self.preview_table.horizontalHeader().setStretchLastSection(True)  # the last column is never cut off
        self.preview_caption = QLabel()
        self.preview_caption.setObjectName("sectionTitle")

        self.columns_table = QTableView()
        self.columns_table.verticalHeader().setVisible(False)
        self.columns_table.verticalHeader().setDefaultSectionSize(24)
        self.columns_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.columns_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.columns_table.horizontalHeader().setResizeContentsPrecision(200)  # 10,000 rows are not all measured
        self.columns_table.horizontalHeader().setStretchLastSection(True)

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
        self.preview_caption.setText("Reading the first rows…")
        self.choices.setEnabled(False)
        self.import_button.setEnabled(False)
        self.reading = preview_job(self.path, INFER_ROWS, parent=self)
        self.reading.succeeded.connect(self._show_preview)
        self.reading.failed.connect(self._preview_failed)
        self.reading.finished.connect(self._preview_ended)
        self.reading.start()

    def _preview_failed(self, text: str):
        self.show_problem(text)
        self.preview_caption.setText("No preview")

    def _preview_ended(self):
        reading, self.reading = self.reading, None
        if reading is not None:
            reading.deleteLater()

    def _show_preview(self, result):
        if result is None:  # stopped: the dialog is going
            return
        head, self.facts = result
        self.names = list(head.header)
        shown = min(len(head.rows), PREVIEW_ROWS)
        size = f"{head.size / 1024:.0f} KB" if head.size >= 1024 else f"{head.size} bytes"
        rows = f"All {shown} rows" if head.complete and shown == len(head.rows) else f"First {shown} rows"
        self.preview_caption.setText(f"{rows} · {len(self.names)} columns · {size}")
        self.preview_table.setModel(PreviewModel(self.facts, PREVIEW_ROWS, self.preview_table))
        self._size_preview_columns()
        self.columns = ColumnsModel(self.facts, self.columns_table)
        self.columns_table.setModel(self.columns)
        self.columns_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.columns.dataChanged.connect(self._features_changed)
        self.target_box.blockSignals(True)
        self.target_box.addItems(self.names)
        self.target_box.blockSignals(False)
        self.choices.setEnabled(True)
        self.target_box.setCurrentIndex(len(self.names) - 1)  # the engine's default: the last column
        self._target_chosen(len(self.names) - 1)
        self.preview_ready.emit()

    def _size_preview_columns(self):
        """The first columns as wide as their contents (within 64..180 px); measuring them all would not pay."""
        header, metrics = self.preview_table.horizontalHeader(), self.preview_table.fontMetrics()
        rows = self.facts.rows[:PREVIEW_ROWS]
        for c, name in enumerate(self.names[:SIZED_COLUMNS]):
            widest = max([metrics.horizontalAdvance(name)] + [metrics.horizontalAdvance(r[c]) for r in rows])
            header.resizeSection(c, min(max(widest + 24, 64), 180))

    def is_ready(self) -> bool:
        return self.columns is not None

    def _target_chosen(self, index: int):
        if index < 0 or self.columns is None:
            return
        self.columns.set_target(index)
        self.preview_table.model().set_target(index)
        if self._task_guessed:
            self.task_box.setCurrentText(guess_task(self.facts.column(index)))
            self.task_note.setText(f"inferred from {len(self.facts.rows)} rows" if self.facts.rows else "")
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
        return self.columns.features() if self.columns is not None else []

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

    def done(self, code):  # noqa: D401 - Qt override: closing (Esc, the title bar) stops a read or load first
        if self.reading is not None:
            reading, self.reading = self.reading, None
            reading.succeeded.disconnect(self._show_preview)  # a preview on its way is for nobody now
            reading.stop()
            reading.wait()
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
