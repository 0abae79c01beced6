"""What a new user hit in a first hour (issue 17): each defect, driven as they drove it, with real input."""
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest

from canvas_helpers import drop_mime, wire_middle
from files_helpers import answers  # noqa: F401 - fixture
from gui.canvas.catalog import palette_entry
from gui.canvas.layout import BLOCK_HEIGHT, BLOCK_WIDTH


def block_rects(doc):
    return {b.block_id: QRectF(b.x, b.y, BLOCK_WIDTH, BLOCK_HEIGHT) for b in doc.blocks()}


def overlapping(doc):
    rects = list(block_rects(doc).items())
    return [(a, b) for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1:] if ra.intersects(rb)]


def in_sight(view, block_id):
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    return visible.contains(block_rects(view.editor.doc)[block_id])


# ---- 2: Fit to View ----------------------------------------------------------------------------------

def test_fit_to_view_shows_the_chain_at_a_useful_zoom(canvas, view, doc):
    for _ in range(6):
        QTest.keyClick(view, Qt.Key_Minus, Qt.ControlModifier)
    assert view.zoom() < 0.4
    QTest.keyClick(view, Qt.Key_0, Qt.ControlModifier)  # Ctrl+0
    assert view.zoom() > 0.5  # it used to land on 20 % whatever the Chain
    assert all(in_sight(view, b.block_id) for b in doc.blocks())
    canvas.actions_by_name["fit"].trigger()  # the menu and toolbar take the same action
    assert view.zoom() > 0.5


# ---- 12: new blocks go to free space, and the view follows them ------------------------------------------

def test_paste_and_duplicate_land_on_free_space(canvas, view, doc):
    canvas.editor.scene.select_blocks([doc.chain_blocks()[1].block_id])
    for key in (Qt.Key_C, Qt.Key_V, Qt.Key_V, Qt.Key_D):  # copy, paste twice, duplicate
        QTest.keyClick(view, key, Qt.ControlModifier)
        assert not overlapping(doc), f"Ctrl+{chr(key)} put a block on top of another"
        assert all(in_sight(view, i) for i in canvas.editor.scene.selected_block_ids())


def test_a_drop_on_a_wire_and_a_drop_on_a_block_do_not_cover_blocks(canvas, view, doc):
    first_wire = doc.wires()[0]
    point = wire_middle(view, first_wire.wire_id)
    drop_mime(view, canvas.palette_panel.mime_for("relu"), point)  # onto the wire: inserted there
    assert len(doc.chain_blocks()) == 5 and not overlapping(doc)
    target = doc.chain_blocks()[2]
    centre = view.mapFromScene(QPointF(target.x + BLOCK_WIDTH / 2, target.y + BLOCK_HEIGHT / 2))
    drop_mime(view, canvas.palette_panel.mime_for("tanh"), centre)  # right onto a block: beside it instead
    assert len(doc.blocks()) == 6 and not overlapping(doc)


def test_a_palette_double_click_appends_where_there_is_room_and_shows_it(window):
    doc, view, palette = window.doc, window.view, window.palette_panel
    window.view.set_zoom(2.0)  # zoomed in: the end of the Chain is out of sight
    for _ in range(3):
        item = palette.item_for("relu")
        palette.scrollToItem(item)
        rect = palette.visualItemRect(item)
        QTest.mouseClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
        QTest.mouseDClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
        last = doc.chain_blocks()[-1]
        assert last.activation == "relu" and in_sight(view, last.block_id)
    assert not overlapping(doc)


def test_auto_arrange_keeps_the_whole_chain_in_sight(window):
    doc, view = window.doc, window.view
    for _ in range(4):
        window.editor.append(palette_entry("dense").template)
    view.set_zoom(1.25)
    QTest.keyClick(view, Qt.Key_L, Qt.ControlModifier)
    assert all(in_sight(view, b.block_id) for b in doc.chain_blocks())


# ---- 5: a crash loses seconds, and an unfinished design comes back as it was ----------------------------

def test_an_unfinished_design_is_autosaved_within_seconds_and_restored_as_it_was(qtbot, window, answers):
    import json

    from engine import load_model
    from gui.core.recovery import find_recoveries
    from gui.main_window import MainWindow

    from canvas_helpers import empty_spot

    window.files.autosave_delay = 0.2
    point = empty_spot(window.view)
    drop_mime(window.view, window.palette_panel.mime_for("tanh"), point)  # a block not wired to anything yet
    assert not window.doc.analysis().valid
    dropped = [(b.kind, b.activation, b.x, b.y) for b in window.doc.blocks()]
    qtbot.waitUntil(lambda: len(find_recoveries(include_running=True)) == 1, timeout=3000)
    (copy,) = find_recoveries(include_running=True)
    loaded = load_model(copy.path)
    assert loaded.model is None and loaded.layout["canvas"]["blocks"]

    sidecar = copy.path.with_suffix(".json")  # the session that wrote it crashed: its process is gone
    sidecar.write_text(json.dumps(dict(json.loads(sidecar.read_text()), pid=2**31 - 1)))
    restored = MainWindow()  # the next session
    qtbot.addWidget(restored)
    answers.will("ask_restore", "restore")
    assert restored.files.offer_recovery()
    assert sorted((b.kind, b.activation, b.x, b.y) for b in restored.doc.blocks()) == sorted(dropped)
    assert restored.isWindowModified()
    restored.undo_stack.clear()
    assert answers.unscripted == []


def test_the_autosave_delay_is_a_setting_with_an_environment_override(monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from gui.files import AUTOSAVE_SECONDS, autosave_seconds
    store = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    assert autosave_seconds(store) == AUTOSAVE_SECONDS
    store.setValue("autosave/seconds", 10)
    assert autosave_seconds(store) == 10
    monkeypatch.setenv("CHAINBOARD_AUTOSAVE_SECONDS", "0.5")
    assert autosave_seconds(store) == 0.5
    monkeypatch.setenv("CHAINBOARD_AUTOSAVE_SECONDS", "soon")
    assert autosave_seconds(store) == 10  # a bad value is ignored, not a crash


# ---- 6: continuing training does not jolt the model ------------------------------------------------------

def test_training_an_opened_model_continues_its_optimiser(qtbot, window, tmp_path, answers):
    from engine import load_model
    from gui.core.resources import resource

    from training_helpers import click, wait_state

    assert window.files.open_path(resource("examples") / "spiral.chain")
    dock = window.training
    before = list(dock.session.record.loss.ys)
    dock.settings_box.epochs_box.setValue(20)
    click(dock.controls.start_button)
    wait_state(qtbot, dock, "idle")
    after = dock.session.record.loss.ys[len(before):]
    assert len(after) == 20 and max(after) < 3 * before[-1]  # a fresh Adam jumped to ~50x the last loss here
    assert dock.session.trainer().t == load_model(resource("examples") / "spiral.chain").optimiser_state["step"] \
        + 20 * 8
    assert window.files.save_to(tmp_path / "more.chain")
    assert load_model(tmp_path / "more.chain").optimiser_state["step"] == dock.session.trainer().t
    assert answers.unscripted == []


# ---- 7: a learning rate that breaks training says so, and what to change -----------------------------------

def test_a_huge_learning_rate_that_kills_the_gradients_is_explained(qtbot, window):
    from training_helpers import click, wait_state

    dock = window.training
    dock.data_box.dataset_box.setCurrentText("circle")
    dock.settings_box.lr_box.setValue(100)
    dock.settings_box.epochs_box.setValue(300)
    click(dock.controls.start_button)
    wait_state(qtbot, dock, "idle", timeout=30_000)
    box = dock.last_alert
    assert box is not None and box.isVisible() and not box.isModal()
    assert "vanished" in box.text() and "lower learning rate than eta=100" in box.text()
    assert "vanished" in dock.controls.status.text()
    box.close()


# ---- 1, 9: plots fit their axes again after a long run; log scale is the loss's alone ----------------------

def test_after_a_long_run_and_a_reset_the_plots_fit_the_new_run(qtbot, window):
    from training_helpers import click, wait_state

    dock = window.training
    loss_vb = dock.plots.loss_plot.plot_widget.getPlotItem().vb
    norm_vb = dock.plots.norm_plot.plot_widget.getPlotItem().vb
    record = dock.session.record
    for epoch in range(1, 450_001, 7):  # what a 450,000-epoch run leaves in the record
        record.loss.append(epoch, 1.0 / epoch)
        record.gradients.add(epoch, np.full(len(record.gradients.columns), 1e-3))
    record.version += 1
    dock.plots.clock.force()
    loss_vb.setXRange(100_000, 450_000)  # as a person zooming about would leave it (autorange off)
    click(dock.controls.reset_button)
    dock.settings_box.epochs_box.setValue(300)
    click(dock.controls.start_button)
    wait_state(qtbot, dock, "idle", timeout=30_000)
    dock.plots.clock.force()

    def fits(vb):  # the new run fills the plot (auto-range settles when the view next paints)
        (x0, x1), _ = vb.viewRange()
        return -50 <= x0 <= 10 and 250 <= x1 <= 400
    for vb in (loss_vb, norm_vb):
        qtbot.waitUntil(lambda: fits(vb), timeout=3000)


def test_log_scale_is_for_the_loss_axis_only(window):
    plot = window.training.plots.loss_plot
    plot.log_scale.setChecked(True)
    item = plot.plot_widget.getPlotItem()
    assert item.getAxis("left").logMode and not item.getAxis("right").logMode
    assert item.getAxis("left").style["maxTextLevel"] == 0  # decades labelled, not the ticks between
    plot.log_scale.setChecked(False)
    assert not item.getAxis("left").logMode


# ---- 14: at 1024 x 700 the controls stay in sight; the window comes back as it was left ------------------

def test_at_1024_by_700_train_and_the_progress_are_in_sight(qtbot, window):
    window.resize(1024, 700)
    qtbot.wait(50)
    dock = window.training
    for widget in (dock.controls.start_button, dock.controls.stop_button, dock.controls.progress):
        top_left = widget.mapTo(dock, widget.rect().topLeft())
        bottom = top_left.y() + widget.height()
        assert widget.isVisible() and 0 <= top_left.y() and bottom <= dock.height(), widget


def test_the_window_size_and_docks_are_remembered(qtbot, tmp_path):
    from gui.main_window import MainWindow

    first = MainWindow(remember_layout=True)
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 590)  # within the offscreen screen (800 x 600): a restore fits the window to a screen
    first.plot_docks[1].hide()  # the Gradients dock
    qtbot.wait(20)
    first.undo_stack.clear()
    first.close()
    again = MainWindow(remember_layout=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.wait(20)
    assert (again.width(), again.height()) == (760, 590)
    assert not again.plot_docks[1].isVisible() and again.plot_docks[0].isVisible()
    again.undo_stack.clear()


# ---- 11: nothing stale ------------------------------------------------------------------------------------

def test_messages_and_views_do_not_outlive_what_they_were_about(qtbot, window):
    from training_helpers import click, wait_state

    dock = window.training
    click(dock.controls.reset_button)
    assert "re-initialised" in dock.controls.status.text()
    dense = next(b for b in window.doc.blocks() if b.kind == "dense" and b.units == 2)
    window.editor.set_properties(dense.block_id, units=3)  # another architecture: another model
    assert "re-initialised" not in dock.controls.status.text() and "Chain changed" in dock.controls.status.text()
    assert window.prediction.result_label.text() == "Train the model to see its predictions."

    window.undo_stack.push(__import__("gui.canvas.commands", fromlist=["delete_items"]).delete_items(
        window.doc, [dense.block_id]))  # a layer deleted: the Chain is broken for now
    window.training.plots.clock.force()
    assert dock.plots.norm_plot.names.text() == "" and not dock.session.record.layer_names  # no deleted layers shown

    window.undo_stack.undo()
    dock.settings_box.epochs_box.setValue(5)
    click(dock.controls.start_button)
    wait_state(qtbot, dock, "idle")
    assert " 0 samples/s" not in dock.controls.progress.format()


def test_the_stop_training_question_goes_away_when_the_run_ends_behind_it(qtbot, window, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui import dialogs

    monkeypatch.setattr(dialogs, "_nobody_can_answer", lambda: False)
    dock = window.training
    shown = []

    def finish_behind_it():
        box = QApplication.activeModalWidget()
        shown.append(isinstance(box, QMessageBox) and box.text() == "Stop training first?")
        dock.session.state = "idle"
        dock.state_changed.emit("idle")  # the run ends while the question is up
    dock.session.state = "running"
    QTimer.singleShot(100, finish_behind_it)
    assert dialogs.ask_stop_training(window, dock.state_changed) is True  # answered by the run itself
    assert shown == [True] and QApplication.activeModalWidget() is None


def test_at_1024_by_700_every_dock_fits_and_no_stray_tab_bar_covers_a_plot(qtbot):
    """With the landscape, data table and gradient check docks the window's minimum grew past 1024 × 700
    (1192 × 697: the landscape's one-row controls and the Properties' f, f′, f″ plot), the Loss plot was left 70
    pixels wide, the Data table tab came up instead of Training, and Qt left a stale copy of a tab bar across the
    Model output plot."""
    from PySide6.QtWidgets import QTabBar
    from gui.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 1024 and minimum.height() <= 700
    assert window.size().toTuple() == (1024, 700)
    loss, gradients, output = window.plot_docks
    assert loss.width() >= 150 and gradients.width() >= 150 and output.width() >= 150
    assert not window.training_dock.visibleRegion().isEmpty()  # Training is the tab in sight
    bars = [bar for bar in window.findChildren(QTabBar) if bar.isVisible() and bar.count()]
    for bar in bars:
        for dock in (loss, gradients, output, window.landscape_dock):
            if dock.isVisible() and not dock.visibleRegion().isEmpty():
                assert not bar.geometry().intersects(dock.geometry()), (bar.tabText(0), dock.windowTitle())
    window.undo_stack.clear()
