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
