"""File ▸ Export… and File ▸ Import ONNX…: the model on the canvas to ONNX, PyTorch, NumPy or Flux.jl, and back.

>>> add_export_menu(window)          # MainWindow does this once: two actions in its File menu  # doctest: +SKIP
>>> dialog = export_dialog(window)   # what File ▸ Export… opens (non-blocking: tests fill it in)       # doctest: +SKIP
>>> dialog.format_box.setCurrentIndex(1); dialog.path_edit.setText("/tmp/xor.py"); dialog.accept()  # doctest: +SKIP

Export writes what a save would write (DocumentFiles.contents: the trained model or the design,
its settings and data reference), so the exported model takes the same raw rows as the saved one.
The chosen format and folder are remembered in the settings store (gui/recent.py's), per user.
Without the optional onnx package the ONNX format and Import ONNX… say how to install it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout)

from engine import ModelFileError
from engine.export import FORMATS, ExportError, export, import_onnx, unavailable

from . import dialogs, recent

FORMAT_KEY, FOLDER_KEY = "export/format", "export/folder"
ONNX_FILTER = "ONNX models (*.onnx);;All files (*)"


def _filter(fmt: str) -> str:
    suffix = FORMATS[fmt].suffix
    return f"{FORMATS[fmt].label} (*{suffix});;All files (*)"


def _suggested_name(window, fmt: str) -> str:
    files = window.files
    stem = files.path.stem if files.path is not None else (files.example or "model")
    return (stem if fmt in ("onnx", "flux") else f"{stem}_{fmt}") + FORMATS[fmt].suffix


class ExportDialog(QDialog):
    """A format, a file, Export: the result (or the reason it failed) shows at once."""

    def __init__(self, window):
        super().__init__(window)
        self.main_window = window
        self.settings = recent.settings_store()
        self.setWindowTitle("Export model")
        self.format_box = QComboBox()
        for name, fmt in FORMATS.items():
            missing = unavailable(fmt.needs) if fmt.needs else ""
            self.format_box.addItem(f"{fmt.label} ({fmt.suffix})" + (f" — {missing}" if missing else ""), name)
            if missing:
                self.format_box.model().item(self.format_box.count() - 1).setEnabled(False)
        remembered = self.format_box.findData(self.settings.value(FORMAT_KEY, "onnx"))
        usable = [i for i in range(self.format_box.count()) if self.format_box.model().item(i).isEnabled()]
        self.format_box.setCurrentIndex(remembered if remembered in usable else usable[0])
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("File:", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self._last_suggestion = ""
        self.format_box.currentIndexChanged.connect(self._suggest)
        self._suggest()
        self.resize(520, self.sizeHint().height())

    def chosen_format(self) -> str:
        return self.format_box.currentData()

    def _suggest(self, *_):
        """A file name for the format, in the remembered folder, unless the person typed their own."""
        if self.path_edit.text() and self.path_edit.text() != self._last_suggestion:
            return
        path = self.main_window.files.path
        folder = self.settings.value(FOLDER_KEY, "") or (str(path.parent) if path is not None else str(Path.home()))
        self._last_suggestion = str(Path(folder) / _suggested_name(self.main_window, self.chosen_format()))
        self.path_edit.setText(self._last_suggestion)

    def browse(self):
        fmt = self.chosen_format()
        path, _ = QFileDialog.getSaveFileName(self, "Export model as", self.path_edit.text(), _filter(fmt))
        if path:
            self.path_edit.setText(path if Path(path).suffix else path + FORMATS[fmt].suffix)

    def accept(self):
        """Export; close on success, else say why and stay open (nothing was written)."""
        fmt, text = self.chosen_format(), self.path_edit.text().strip()
        if not text:
            self.problem_label.setText("Choose a file to export to.")
            return
        path = Path(text).expanduser()
        try:
            written = export_contents(self.main_window, fmt, path)
        except (ExportError, ValueError) as error:
            self.problem_label.setText(str(error))
            return
        self.settings.setValue(FORMAT_KEY, fmt)
        self.settings.setValue(FOLDER_KEY, str(path.parent))
        self.settings.sync()
        also = f" (weights in {written[1].name})" if len(written) > 1 else ""
        self.main_window.statusBar().showMessage(f"Exported {FORMATS[fmt].label} to {path.name}{also}", 8000)
        super().accept()


def export_contents(window, fmt: str, path: Path) -> list[Path]:
    """Export what a save would write; ValueError when the Chain on the canvas has problems."""
    files = window.files
    try:
        model, kwargs = files.contents()
    except ValueError as error:
        raise ExportError(f"The Chain has problems: {error}") from None
    return export(model, fmt, path, settings=kwargs.get("settings"), dataset=kwargs.get("dataset"),
                  folder=files.path.parent if files.path is not None else None)


def export_dialog(window) -> ExportDialog:
    """Open the export dialog (window-modal, not blocking) and return it."""
    dialog = ExportDialog(window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog


def import_onnx_file(window, path=None) -> bool:
    """Ask for an .onnx file (unless `path`), then put its Chain and weights on the canvas as an unsaved model."""
    files = window.files
    if not files.may_replace():
        return False
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import ONNX model", "", ONNX_FILTER)
        if not path:
            return False
    try:
        loaded = import_onnx(path)
    except (ModelFileError, ExportError) as error:
        dialogs.show_error(window, "Cannot import ONNX model", str(error))
        return False
    files.show_loaded(loaded, None)
    window.undo_stack.resetClean()  # imported work is unsaved until saved as a model file (the title shows it)
    window.statusBar().showMessage(f"Imported {Path(path).name}: its Chain and weights are on the canvas", 8000)
    return True


def add_export_menu(window) -> dict[str, QAction]:
    """File ▸ Export… and File ▸ Import ONNX…, before the window's Quit; returns the two actions."""
    menu, before = window.menus["file"], window.actions_by_name["quit"]
    export_action = QAction("&Export…", window)
    export_action.setStatusTip("Export the model to ONNX, PyTorch, NumPy or Flux.jl")
    export_action.triggered.connect(lambda _=False: export_dialog(window))
    missing = unavailable("onnx")
    import_action = QAction("Import ONN&X…" + (f" ({missing})" if missing else ""), window)
    import_action.setStatusTip(f"Import ONNX {missing}" if missing else "Read an ONNX MLP onto the canvas")
    import_action.setEnabled(not missing)
    import_action.triggered.connect(lambda _=False: import_onnx_file(window))
    for name, action in (("export", export_action), ("import_onnx", import_action)):
        window.actions_by_name[name] = action
        menu.insertAction(before, action)
    menu.insertSeparator(before)
    return {"export": export_action, "import_onnx": import_action}
