"""Tools ▸ Gradient Check: a click on the toolbar button checks the current model on the current data in the
background and fills the table, a layer per two rows (W, b), first and second order, coloured."""
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import engine.autodiff.elementwise as el
from engine.analysis import check_model
import gui.panels.gradcheck as panel_module
from gui.panels.gradcheck import STATUS_COLOURS, snapshot
from training_helpers import click, train_window, wait_state  # noqa: F401  (fixtures)


def click_toolbar(win):
    button = win.toolbar.widgetForAction(win.actions_by_name["gradient_check"])
    assert button is not None and button.isVisible()
    QTest.mouseClick(button, Qt.LeftButton)


def wait_checked(qtbot, win):
    qtbot.waitUntil(lambda: win.gradcheck.job is None and win.gradcheck.report is not None, timeout=20_000)
    return win.gradcheck.report


def test_the_toolbar_button_opens_the_dock_and_shows_the_engines_check(qtbot, train_window):
    win = train_window
    panel = win.training
    panel.settings_box.epochs_box.setValue(15)
    click(panel.controls.start_button)  # trained weights, not the seed's
    wait_state(qtbot, panel, "idle")
    assert not win.gradcheck_dock.isVisible()
    click_toolbar(win)
    assert win.gradcheck_dock.isVisible()
    report = wait_checked(qtbot, win)
    model, loss, X, Y = snapshot(panel.session, win.doc)
    for p, w in zip(model.parameters(), panel.session.weights()):
        assert np.array_equal(p.value, w)  # what was checked: the trained model, on the training split
    expected = check_model(model, loss, X, Y)
    assert [row.name for row in report.layers] == [row.name for row in expected.layers] == \
        ["1 Dense(2 => 8, tanh)", "2 Dense(8 => 1, σ)"]
    table = win.gradcheck.table
    assert table.rowCount() == 4
    for k, row in enumerate(expected.layers):
        assert table.item(2 * k, 0).text().endswith("green")
        for label in ("W", "b"):
            for order, errors in ((1, row.first), (2, row.second)):
                text, colour = win.gradcheck.cell_status(k, label, order)
                assert text == f"{errors[label]:.1e}" and colour == STATUS_COLOURS["green"]
    assert "agrees with central differences" in win.gradcheck.summary.text()


def test_a_wrong_derivative_shows_red_in_its_layer(qtbot, train_window, monkeypatch):
    win = train_window
    monkeypatch.setattr(el, "_tanh_vjp", lambda g, out, x: (g * (1 - out * out) * 1.01,))
    QTest.mouseClick(win.gradcheck.check_button, Qt.LeftButton)  # the dock's own button, dock hidden or not
    report = wait_checked(qtbot, win)
    assert report.layers[0].status == "red"
    text, colour = win.gradcheck.cell_status(0, "W", 1)
    assert colour == STATUS_COLOURS["red"] and float(text) > 1e-5
    assert win.gradcheck.cell_status(1, "W", 1)[1] == STATUS_COLOURS["green"]  # ∂L/∂W of the σ layer: no tanh
    assert "wrong" in win.gradcheck.summary.text()


def test_a_chain_with_problems_is_not_checked_and_says_why(qtbot, train_window):
    win = train_window
    win.actions_by_name["select_all"].trigger()  # Edit ▸ Select All, Edit ▸ Delete: no Chain left
    win.actions_by_name["delete"].trigger()
    assert not win.doc.analysis().valid
    click_toolbar(win)
    assert win.gradcheck.job is None and "problems" in win.gradcheck.summary.text()


def test_stop_ends_a_running_check_and_keeps_the_last_table(qtbot, train_window, monkeypatch):
    win = train_window
    started = []

    def slow_check(*args, should_stop, **kwargs):  # a big model's check: stops only when asked
        started.append(True)
        while not should_stop():
            time.sleep(0.01)
        raise panel_module.Stopped

    monkeypatch.setattr(panel_module, "check_model", slow_check)
    button = win.gradcheck.check_button
    QTest.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(started))
    assert button.text() == "Stop" and win.gradcheck.job is not None
    QTest.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: win.gradcheck.job is None, timeout=5000)
    assert button.text() == "Check" and win.gradcheck.report is None and "Stopped" in win.gradcheck.summary.text()
