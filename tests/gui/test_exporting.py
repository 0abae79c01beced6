"""File ▸ Export… and File ▸ Import ONNX… driven as a person would: the menu action, the dialog's combo box and
path typed with the keyboard, the Export button clicked; the files checked numerically against their runtimes."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import load_model, params
from engine.export import Exportable, export
from gui import exporting
from gui.core.resources import resource
from gui.exporting import ExportDialog
from gui.main_window import MainWindow

from export_helpers import load_module, raw_rows, run_onnx
from files_helpers import answers, file_dialogs, last_error  # noqa: F401 - fixtures

EXAMPLES = resource("examples")


def open_dialog(qtbot, window) -> ExportDialog:
    window.actions_by_name["export"].trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ExportDialog)), timeout=2000)
    return next(d for d in window.findChildren(ExportDialog) if d.isVisible())


def fill_in(dialog, format_text, path):
    QTest.keyClicks(dialog.format_box, format_text)  # a combo box finds its item by the typed text
    dialog.path_edit.setFocus()
    QTest.keyClick(dialog.path_edit, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(dialog.path_edit, str(path))


def test_a_trained_example_exports_to_onnx_and_the_format_is_remembered(qtbot, window, tmp_path, answers):
    xor = EXAMPLES / "xor.chain"
    assert window.files.open_path(xor, confirmed=True)
    dialog = open_dialog(qtbot, window)
    fill_in(dialog, "ONNX", tmp_path / "xor.onnx")
    QTest.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    X = raw_rows(2)
    expected = Exportable.of(load_model(xor)).predict(X)  # the trained weights, standardising raw rows
    np.testing.assert_allclose(run_onnx(tmp_path / "xor.onnx", X, np.float64), expected, rtol=0, atol=1e-12)
    assert "Exported ONNX model to xor.onnx" in window.statusBar().currentMessage()
    again = open_dialog(qtbot, window)  # the next export starts from the same format and folder
    assert again.chosen_format() == "onnx" and again.path_edit.text() == str(tmp_path / "xor.onnx")
    QTest.keyClicks(again.format_box, "NumPy")
    assert again.path_edit.text() == str(tmp_path / "xor_numpy.py")  # the suggestion follows the format
    again.reject()
    assert answers.unscripted == []


def test_numpy_and_torch_exports_from_the_dialog_predict_what_the_canvas_model_does(qtbot, window, tmp_path):
    model = window.files.contents()[0]  # the design on screen: exported with the weights training starts from
    for text, fmt in (("NumPy", "numpy"), ("PyTorch", "torch")):
        dialog = open_dialog(qtbot, window)
        fill_in(dialog, text, tmp_path / f"tutorial_{fmt}.py")
        assert dialog.chosen_format() == fmt
        QTest.mouseClick(dialog.export_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    X = raw_rows(10)
    settings = window.training.file_contents()["settings"]
    expected = Exportable.of(model, settings=settings).predict(X)
    np.testing.assert_allclose(load_module(tmp_path / "tutorial_numpy.py").predict(X), expected, rtol=0, atol=1e-9)
    torch = pytest.importorskip("torch", reason="torch is not installed: the PyTorch half of this test needs it")
    with torch.no_grad():
        got = load_module(tmp_path / "tutorial_torch.py").model(torch.tensor(X)).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_a_failed_export_says_why_in_the_dialog_and_writes_nothing(qtbot, window, tmp_path):
    (tmp_path / "a-file").write_text("")
    dialog = open_dialog(qtbot, window)
    fill_in(dialog, "Flux", tmp_path / "a-file" / "model.jl")
    QTest.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.isVisible() and "Cannot write" in dialog.problem_label.text()
    dialog.path_edit.clear()
    QTest.mouseClick(dialog.export_button, Qt.LeftButton)
    assert "Choose a file" in dialog.problem_label.text()
    QTest.keyClick(dialog, Qt.Key_Escape)
    assert not dialog.isVisible()


def test_import_onnx_puts_the_chain_and_its_weights_on_the_canvas_unsaved(qtbot, window, tmp_path, answers,
                                                                        file_dialogs):
    spiral = load_model(EXAMPLES / "spiral.chain")
    file_dialogs["open"] = export(spiral, "onnx", tmp_path / "spiral.onnx")[0]
    window.actions_by_name["import_onnx"].trigger()
    assert window.doc.to_spec() == spiral.spec
    for mine, theirs in zip(params(window.training.session.model), params(spiral.model)):
        assert np.array_equal(mine.value, theirs.value)
    assert window.isWindowModified() and window.windowTitle().startswith("Untitled")
    assert "Imported spiral.onnx: its Chain and weights" in window.statusBar().currentMessage()
    assert answers.unscripted == []


def test_a_bad_onnx_file_is_refused_and_the_canvas_is_kept(qtbot, window, tmp_path, answers, file_dialogs):
    before = window.doc.to_spec()
    (tmp_path / "bad.onnx").write_bytes(b"\x00garbage")
    file_dialogs["open"] = tmp_path / "bad.onnx"
    window.actions_by_name["import_onnx"].trigger()
    assert "Cannot import" in last_error() and window.doc.to_spec() == before


def test_without_onnx_the_menu_and_the_dialog_say_how_to_install_it(qtbot, qapp, monkeypatch):
    monkeypatch.setattr(exporting, "unavailable", lambda package="onnx": f"needs the {package} package: "
                                                                         "pip install 'chainboard[onnx]'")
    win = MainWindow()
    qtbot.addWidget(win)
    action = win.actions_by_name["import_onnx"]
    assert not action.isEnabled() and "pip install 'chainboard[onnx]'" in action.text()
    dialog = ExportDialog(win)
    onnx_item = dialog.format_box.model().item(dialog.format_box.findData("onnx"))
    assert not onnx_item.isEnabled() and "pip install" in onnx_item.text()
    assert dialog.chosen_format() != "onnx"
    dialog.deleteLater()
    win.undo_stack.clear()
