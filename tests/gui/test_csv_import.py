"""CSV import through the dialog with real clicks; bad files change nothing; bundled tables in the list;
standardisation statistics round-trip through a model file."""
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QStyle, QStyleOptionViewItem

from engine import Standardiser, load_model, save_model
from engine.datasets import LoadCancelled
from gui import csv_loader
from gui.panels.csv_import import CsvImportDialog

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures

GOOD = """id,length,width,height,kind
1,1.0,0.5,2.0,small
2,1.2,0.4,2.2,small
3,3.1,1.5,0.2,big
4,2.9,1.7,0.4,big
5,2.0,3.0,1.0,round
6,2.1,3.2,1.1,round
7,0.9,0.6,2.1,small
8,3.0,1.6,0.3,big
9,2.2,2.9,0.9,round
10,1.1,0.5,1.9,small
11,3.2,1.4,0.5,big
12,1.9,3.1,1.2,round
"""


def csv_file(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def choose_file(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "CSV files (*.csv *.txt)"))


def shown_dialogs(win):
    return [d for d in win.findChildren(CsvImportDialog) if d.isVisible()]


def shown_dialog(qtbot, win) -> CsvImportDialog:
    """The import dialog once its preview (read in the background) has come."""
    qtbot.waitUntil(lambda: len(shown_dialogs(win)) == 1, timeout=2000)
    dialog = shown_dialogs(win)[0]
    qtbot.waitUntil(lambda: dialog.is_ready() or dialog.message_label.text() != "", timeout=5000)
    return dialog


def toggle_check(table, row):
    """A real click on the check box of the first cell of `row`."""
    index = table.model().index(row, 0)
    option = QStyleOptionViewItem()
    option.rect = table.visualRect(index)
    option.features = QStyleOptionViewItem.HasCheckIndicator | QStyleOptionViewItem.HasDisplay
    option.state = QStyle.State_Enabled
    box = table.style().subElementRect(QStyle.SE_ItemViewItemCheckIndicator, option, table)
    QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, box.center())


def type_into(spin, text):
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key_Tab)  # Return would press the dialog's default button, Import


def test_import_with_real_clicks_then_the_training_panel_trains_on_it(qtbot, monkeypatch, tmp_path, train_window,
                                                                      panel):
    path = csv_file(tmp_path, GOOD)
    choose_file(monkeypatch, path)
    click(panel.data_box.import_button)
    dialog = shown_dialog(qtbot, train_window)
    assert dialog.target() == "kind" and dialog.task() == "classification"
    preview = dialog.preview_table.model()
    assert preview.rowCount() == 12 and preview.columnCount() == 5
    assert dialog.features() == ["id", "length", "width", "height"]
    toggle_check(dialog.columns_table, 0)  # an id is no feature
    assert dialog.features() == ["length", "width", "height"]
    type_into(dialog.validation_box, "25")
    type_into(dialog.seed_box, "3")
    click(dialog.import_button)
    qtbot.waitUntil(lambda: not shown_dialogs(train_window), timeout=5000)

    ds = panel.session.dataset
    assert panel.data_box.dataset_box.currentText() == "table.csv (CSV)"
    assert ds.feature_names == ["length", "width", "height"] and ds.class_names == ["big", "round", "small"]
    assert panel.data_box.validation_box.value() == 25 and panel.settings_box.init_seed_box.value() == 3
    train, _ = ds.split(0.25, seed=3)
    assert panel.session.standardiser == Standardiser.fit(train.X)
    spec = train_window.doc.to_spec()
    assert spec.inputs == 3 and spec.layers[-1].units == 3  # the Input fits; a 3-class output is proposed
    assert panel.settings_box.loss_box.currentText() in ("crossentropy", "logitcrossentropy")
    assert not panel.data_box.samples_box.isVisible() and not panel.data_box.noise_box.isVisible()  # no knobs for a table

    panel.settings_box.epochs_box.setValue(5)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == 5 and len(panel.session.record.loss) == 5


def test_the_file_menu_opens_the_dialog_and_standardisation_can_be_off(qtbot, monkeypatch, tmp_path,
                                                                       train_window, panel):
    choose_file(monkeypatch, csv_file(tmp_path, GOOD))
    train_window.actions_by_name["import_data"].trigger()
    dialog = shown_dialog(qtbot, train_window)
    QTest.mouseClick(dialog.standardise_box, Qt.LeftButton)
    assert not dialog.standardise_box.isChecked()
    click(dialog.import_button)
    qtbot.waitUntil(lambda: not shown_dialogs(train_window), timeout=5000)
    k = panel.session.dataset.n_features
    assert panel.session.standardiser == Standardiser(np.zeros(k), np.ones(k))


BAD = [  # (file contents, what the message must say besides the file name)
    ("", ["the file is empty"]),
    ("a,b,y\n", ["line 1", "no data rows"]),
    ("a,b,y\n1,2,0\n3,4\n5,6,1\n", ["line 3", "2 cells"]),
    ("a,b,y\n1,2,0\n3,4,1\n5,six,0\n7,8,1\n", ["line 4", "column 2 'b'", "'six'"]),
    ("a,b,y\n1,2,0\n3,nan,1\n5,6,0\n", ["line 3", "'nan'", "not a finite number"]),
    ("a,b,y\n1,2,0\n3,inf,1\n5,6,0\n", ["line 3", "'inf'"]),
    ("a,b,y\n1,2,0\n3,1e309,1\n5,6,0\n", ["line 3", "'1e309'", "overflows"]),
    ("a,b,y\n1,2,0\n3,1_000,1\n5,6,0\n", ["line 3", "'1_000'"]),
    ("a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n", ["line 2", "column 2 'b'", "same value 5"]),
    ("a,b,y\n1,2,1\n3,4,1\n5,6,1\n7,8,1\n", ["column 3 'y'", "single class"]),
    (b"a,b,y\n1,2,0\n3,\xff4,1\n", ["line 3", "not UTF-8", "0xff"]),
    ("a,b,y\n" + "1,2,0\n3,4,1\n" * 10, ["larger than the 64 bytes limit"]),
]


@pytest.mark.parametrize("contents, expected", BAD, ids=["empty", "header-only", "ragged", "text-cell", "nan",
                                                         "inf", "1e309", "1_000", "constant", "one-class",
                                                         "not-utf8", "too-big"])
def test_a_bad_file_shows_where_and_changes_nothing(qtbot, monkeypatch, tmp_path, train_window, panel, contents,
                                                    expected):
    monkeypatch.setattr(csv_loader, "MAX_BYTES", 64)
    path = csv_file(tmp_path, contents, "bad.csv")
    spec, steps, dataset, name = train_window.doc.to_spec(), train_window.undo_stack.count(), panel.session.dataset, \
        panel.data_box.dataset_box.currentText()
    choose_file(monkeypatch, path)
    train_window.actions_by_name["import_data"].trigger()
    dialog = shown_dialog(qtbot, train_window)
    if dialog.import_button.isEnabled():  # the preview was fine: the problem shows when the whole file loads
        click(dialog.import_button)
        qtbot.waitUntil(lambda: dialog.load is None, timeout=5000)
    message = dialog.message_label.text()
    assert dialog.isVisible() and dialog.message_label.isVisible()
    assert "bad.csv" in message and all(part in message for part in expected), message
    assert train_window.doc.to_spec() == spec and train_window.undo_stack.count() == steps
    assert panel.session.dataset is dataset and panel.data_box.dataset_box.currentText() == name
    click(dialog.cancel_button)
    assert not shown_dialogs(train_window)
    assert panel.session.dataset is dataset


def test_a_long_load_shows_progress_and_can_be_stopped(qtbot, monkeypatch, tmp_path, train_window, panel):
    def slow_load(path, target, features=None, *, on_progress=None, should_stop=None, **kwargs):
        on_progress(0.0)
        while not should_stop():
            on_progress(0.4)
            time.sleep(0.005)
        raise LoadCancelled("stopped")

    monkeypatch.setattr(csv_loader, "load_csv", slow_load)
    choose_file(monkeypatch, csv_file(tmp_path, GOOD))
    click(panel.data_box.import_button)
    dialog = shown_dialog(qtbot, train_window)
    dataset = panel.session.dataset
    click(dialog.import_button)
    qtbot.waitUntil(lambda: dialog.progress.value() == 40, timeout=3000)
    assert dialog.progress.isVisible() and not dialog.import_button.isEnabled()
    assert dialog.cancel_button.text() == "Stop"
    click(dialog.cancel_button)
    qtbot.waitUntil(lambda: dialog.load is None, timeout=3000)
    assert dialog.isVisible() and "cancelled" in dialog.message_label.text()
    assert dialog.import_button.isEnabled() and panel.session.dataset is dataset
    click(dialog.cancel_button)
    assert not shown_dialogs(train_window)

    click(panel.data_box.import_button)  # Escape while loading: the load stops, the dialog closes, nothing changes
    dialog = shown_dialog(qtbot, train_window)
    click(dialog.import_button)
    qtbot.waitUntil(lambda: dialog.progress.value() == 40, timeout=3000)
    QTest.keyClick(dialog, Qt.Key_Escape)
    assert not shown_dialogs(train_window)
    qtbot.wait(50)  # the loader's last signals arrive at a closed dialog
    assert panel.session.dataset is dataset


def test_bundled_tables_are_in_the_dataset_list(qtbot, train_window, panel):
    panel.data_box.dataset_box.setCurrentText("iris")
    assert panel.session.dataset.n_features == 4 and panel.session.dataset.class_names == ["setosa", "versicolor", "virginica"]
    assert train_window.doc.to_spec().inputs == 4
    assert not panel.data_box.noise_box.isVisible()
    panel.data_box.dataset_box.setCurrentText("cars")
    assert panel.session.dataset.task == "regression" and train_window.doc.to_spec().inputs == 1
    panel.data_box.dataset_box.setCurrentText("spiral")
    assert panel.data_box.noise_box.isVisible() and panel.data_box.classes_box.isVisible()


def test_standardisation_statistics_round_trip_through_a_model_file(qtbot, monkeypatch, tmp_path, train_window,
                                                                    panel):
    path = csv_file(tmp_path, GOOD)
    choose_file(monkeypatch, path)
    click(panel.data_box.import_button)
    dialog = shown_dialog(qtbot, train_window)
    click(dialog.import_button)
    qtbot.waitUntil(lambda: not shown_dialogs(train_window), timeout=5000)
    panel.settings_box.epochs_box.setValue(3)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")

    model_path = tmp_path / "m.chain"
    save_model(model_path, **train_window.training.file_contents())
    loaded = load_model(model_path)
    ref = loaded.dataset
    assert ref["source"] == "csv" and ref["path"] == str(path.resolve()) and ref["target"] == "kind"
    assert ref["features"] == ["id", "length", "width", "height"] and ref["task"] == "classification"
    assert Standardiser.from_dict(ref["normalisation"]) == panel.session.standardiser

    saved = panel.session.standardiser
    panel.data_box.dataset_box.setCurrentText("iris")  # something else on screen, then open the model file
    assert train_window.files.open_path(model_path, confirmed=True)
    assert panel.data_box.dataset_box.currentText() == "table.csv (CSV)" and panel.session.dataset.target_name == "kind"
    assert panel.session.standardiser == saved and panel.session.epochs_done == 3

    path.unlink()  # the table has gone: the model still opens, on data the dock can make, and says so
    panel.data_box.dataset_box.setCurrentText("iris")
    said = []
    panel.message.connect(said.append)
    assert train_window.files.open_path(model_path, confirmed=True)
    assert panel.data_box.dataset_box.currentText() == "iris"
    assert any("cannot be read" in text and "table.csv" in text for text in said), said


def test_the_target_and_the_task_can_be_changed(qtbot, tmp_path):
    dialog = CsvImportDialog(csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.is_ready, timeout=5000)
    got = []
    dialog.imported.connect(got.append)
    dialog.target_box.setFocus()
    QTest.keyClicks(dialog.target_box, "width")
    assert dialog.target() == "width" and dialog.task() == "regression"  # 12 distinct decimals
    assert dialog.features() == ["id", "length", "height"]  # "kind" holds words: not offered as a feature
    columns = dialog.columns_table.model()
    assert not columns.flags(columns.index(2, 0)) & Qt.ItemIsEnabled  # the target is no feature
    dialog.task_box.setFocus()
    QTest.keyClicks(dialog.task_box, "c")  # classification after all
    assert dialog.task() == "classification"
    QTest.keyClick(dialog.target_box, Qt.Key_Down)  # the next column, height
    assert dialog.target() == "height" and dialog.task() == "classification"  # a choice of the person's own is kept
    assert dialog.features() == ["id", "length", "width"]  # the former target is a feature again
    click(dialog.import_button)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0].dataset.task == "classification" and got[0].dataset.target_name == "height"
    assert got[0].reference["task"] == "classification"


def test_a_big_file_loads_in_the_background_with_progress(qtbot, monkeypatch, tmp_path, train_window, panel):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60_000, 2))
    rows = "\n".join(f"{a:.5f},{b:.5f},{int(a * b > 0)}" for a, b in X)
    choose_file(monkeypatch, csv_file(tmp_path, "a,b,same_sign\n" + rows + "\n", "big.csv"))
    train_window.actions_by_name["import_data"].trigger()
    dialog = shown_dialog(qtbot, train_window)
    seen = []
    dialog.progress.valueChanged.connect(seen.append)
    click(dialog.import_button)
    assert dialog.load is not None and dialog.load.thread.isRunning()  # the window's event loop is free
    qtbot.waitUntil(lambda: not shown_dialogs(train_window), timeout=10_000)
    assert len(panel.session.dataset) == 60_000 and panel.session.dataset.class_names == ["0", "1"]
    assert seen and seen[-1] == 100


def test_the_preview_is_read_in_the_background_and_a_wide_table_opens_whole(qtbot, tmp_path):
    columns = 10_000  # the reader's cap: a dialog that laid a widget item out per cell took 81 s for this
    header = ",".join(f"c{i}" for i in range(columns - 1)) + ",label"
    rows = [",".join(str((r * 7 + c) % 10) for c in range(columns - 1)) + f",{'ab'[r % 2]}" for r in range(25)]
    dialog = CsvImportDialog(csv_file(tmp_path, "\n".join([header] + rows) + "\n"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.is_ready() and dialog.preview_caption.text() == "Reading the first rows…"
    assert not dialog.import_button.isEnabled() and not dialog.choices.isEnabled()
    qtbot.waitUntil(dialog.is_ready, timeout=20000)
    assert dialog.preview_caption.text().startswith("First 20 rows · 10000 columns")
    assert dialog.preview_table.model().columnCount() == columns and dialog.target() == "label"
    assert len(dialog.features()) == columns - 1 and dialog.import_button.isEnabled()
    toggle_check(dialog.columns_table, 0)
    assert dialog.features()[0] == "c1"


def test_a_short_table_says_every_row_is_shown(qtbot, tmp_path):
    dialog = CsvImportDialog(csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.is_ready, timeout=5000)
    assert dialog.preview_caption.text().startswith("All 12 rows · 5 columns")


def test_closing_while_the_preview_is_read_stops_it_and_shows_nothing(qtbot, tmp_path):
    dialog = CsvImportDialog(csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    got = []
    dialog.preview_ready.connect(lambda: got.append(1))
    dialog.show()
    QTest.keyClick(dialog, Qt.Key_Escape)
    assert dialog.reading is None and not dialog.isVisible()
    qtbot.wait(200)  # a result on its way is dropped
    assert got == [] and not dialog.is_ready()
