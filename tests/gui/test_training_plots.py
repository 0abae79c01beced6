"""Loss falls on an easy dataset, and every live plot (and the canvas) receives the data."""
import numpy as np
from PySide6.QtWidgets import QApplication

from gui.plots.boundary import GRID
from gui.core.record import Series

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def test_loss_falls_on_the_circle_with_a_tanh_net(qtbot, panel):
    panel.settings_box.epochs_box.setValue(150)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    losses, accuracy = panel.session.record.loss.ys, panel.session.record.accuracy.ys
    assert len(losses) == 150
    assert losses[-1] < 0.6 * losses[0]
    assert accuracy[-1] > 0.85
    assert "150 epochs" in panel.controls.status.text()


def test_plots_receive_data(qtbot, train_window, panel):
    dense = [b.block_id for b in train_window.doc.chain_blocks() if b.kind == "dense"]
    train_window.editor.scene.select_blocks([dense[1]])  # watch the output layer's gradients
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    qtbot.waitUntil(lambda: panel.session.record.epochs >= 5 and panel.plots.layer_plot.shown.get("dW") is not None,
                    timeout=5000)
    qtbot.waitUntil(lambda: panel.plots.boundary_plot.frames >= 2, timeout=3000)  # redrawn live
    x, y = panel.plots.loss_plot.train_curve.getData()
    assert len(x) >= 5 and np.all(np.isfinite(y))
    assert len(panel.plots.loss_plot.val_curve.getData()[0]) >= 5
    assert all(len(curve.getData()[0]) > 0 for curve in panel.plots.norm_plot.curves)
    assert panel.plots.layer_plot.shown["dW"].shape == (1, 8) and panel.plots.layer_plot.shown["db"].shape == (1,)
    assert panel.plots.boundary_plot.image.image.shape == (GRID, GRID, 3)
    items = train_window.editor.scene.block_items
    qtbot.waitUntil(lambda: all(items[b].gradient is not None and items[b].gradient > 0 for b in dense),
                    timeout=3000)  # the canvas badges update twice a second
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")
    panel.plots.loss_plot.log_scale.click()
    QApplication.processEvents()
    click(panel.controls.reset_button)  # a reset clears the plots and the badges
    panel.plots.clock.force()
    assert len(panel.plots.loss_plot.train_curve.getData()[0] or []) == 0
    assert all(items[b].gradient is None for b in dense)


def test_the_fitted_curve_for_one_dimensional_regression(qtbot, panel):
    panel.data_box.dataset_box.setCurrentText("sine")
    click(panel.data_box.fit_button)
    panel.settings_box.epochs_box.setValue(30)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    panel.plots.clock.force()
    assert panel.plots.boundary_plot.mode == "curve"
    x, y = panel.plots.boundary_plot.curve.getData()
    assert len(x) == 200 and np.all(np.isfinite(y))


def test_series_memory_stays_bounded_over_long_runs():
    s = Series()
    for i in range(100_000):
        s.append(i, 1.0 / (i + 1))
    assert Series.CAP // 2 <= len(s) <= Series.CAP
    xs, _ = s.arrays()
    assert xs[0] == 0 and xs[-1] > 90_000 and np.all(np.diff(xs) > 0)  # spread over the whole run


def test_epoch_labels_never_run_into_each_other_in_a_narrow_dock(qtbot):
    """A 450,000-epoch run in a 160-pixel plot read "100000200000300000": each label needs its own room."""
    from PySide6.QtGui import QFontMetrics
    from gui.plots.common import epoch_plot
    widget = epoch_plot("loss")
    qtbot.addWidget(widget)
    widget.resize(160, 200)
    widget.show()
    for span in (1.0, 3000.0, 450_000.0):
        widget.getPlotItem().setXRange(0, span, padding=0)
        QApplication.processEvents()
        axis = widget.getPlotItem().getAxis("bottom")
        size = axis.geometry().width()
        lo, hi = axis.range
        values = [v for spacing, ticks in axis.tickValues(lo, hi, size) for v in ticks]
        labels = axis.tickStrings(values, 1, values[1] - values[0] if len(values) > 1 else 1)
        metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
        assert len(values) >= 1
        assert sum(metrics.horizontalAdvance(s) for s in labels) < size, (span, labels)


def test_gradient_history_has_a_point_every_epoch_and_each_diagnostic_survives_a_reopen(
        qtbot, train_window, panel, tmp_path):
    """Issue 13.1: ‖∂L/∂W‖, ‖∂L/∂b‖, ‖Δθ‖/‖θ‖ and cos(g, g₋₁) per layer, one point per epoch, on whichever path
    ran, chosen from the plot's own list, and the same curves after saving and opening the model again."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from engine.training import STATS
    panel.settings_box.epochs_box.setValue(40)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    plot, record = panel.plots.norm_plot, panel.session.record
    table = record.gradients.values.copy()
    assert len(record.gradients) == 40 and list(record.gradients.epochs) == list(range(1, 41))

    def drawn():
        panel.plots.clock.force()
        return [curve.getData() for curve in plot.curves]

    seen = []
    plot.choice.setFocus()
    for k in range(len(STATS)):  # the keyboard walks the list, as a person would
        if k:
            QTest.keyClick(plot.choice, Qt.Key_Down)
        assert plot.choice.currentIndex() == k
        curves = drawn()
        assert len(curves) == 2
        for layer, (xs, ys) in enumerate(curves):
            column = table[:, layer * len(STATS) + k]
            expected = column if k == 3 else np.log10(column)
            keep = np.isfinite(expected)
            assert np.allclose(xs, np.arange(1, 41)[keep]) and np.allclose(ys, expected[keep])
        seen.append(curves)
    cosines = seen[3][0][1]
    assert np.all(np.abs(cosines) <= 1) and len(cosines) >= 39  # the first epoch has no gradient before it
    ratios = seen[2][0][1]
    assert np.all(ratios < 0)  # a step moves the weights by less than their size

    path = tmp_path / "trained.chain"
    assert train_window.files.save_to(path)
    assert train_window.files.open_path(path, confirmed=True)
    reopened = drawn()
    for (x0, y0), (x1, y1) in zip(seen[3], reopened):  # still the cosine, from the file's table
        assert np.allclose(x0, x1) and np.allclose(y0, y1, atol=1e-5)


def _click_tab(window, title):
    """Click the dock tab called `title`, as a person brings a tabbed dock to the front."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QTabBar

    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible():
                QTest.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                return
    raise AssertionError(f"no visible tab {title!r}")


def test_a_plot_behind_a_tab_waits_and_catches_up_when_brought_to_the_front(qtbot, train_window, panel):
    boundary = panel.plots.boundary_plot
    _click_tab(train_window, "Loss landscape")  # the model output dock goes behind the landscape's tab
    qtbot.waitUntil(lambda: boundary.visibleRegion().isEmpty(), timeout=2000)
    assert boundary.isVisible()  # Qt still calls it visible: the clock must look at what is on screen
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    qtbot.waitUntil(lambda: panel.session.record.epochs >= 20, timeout=5000)
    frames = boundary.frames
    qtbot.wait(600)  # the boundary redraws a few times a second when it can be seen
    assert boundary.frames == frames
    _click_tab(train_window, "Model output")
    qtbot.waitUntil(lambda: boundary.frames > frames, timeout=3000)
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")
