"""The Model output dock's toggles (test data, discretise) and planes for data of more than two features (two
features, the rest at their mean, or PCA), and the Data table dock (each row's prediction and loss, sortable),
driven by clicks and key presses and checked against the engine's numbers."""
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine import LOSSES, data
from gui.core.outputs import final_activation, probabilities
from gui.plots.boundary import BANDS, class_colours

from training_helpers import click, panel, settled, train_window, wait_state  # noqa: F401 - fixtures


def train(qtbot, panel, epochs):
    panel.settings_box.epochs_box.setValue(epochs)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running", "idle")
    wait_state(qtbot, panel, "idle", timeout=30_000)
    panel.plots.clock.force()


def choose_dataset(qtbot, panel, name):
    box = panel.data_box.dataset_box
    box.setFocus()
    while box.currentText() != name:  # the keyboard, down the list
        QTest.keyClick(box, Qt.Key_Down)
    qtbot.waitUntil(lambda: panel.session.data.label.startswith(name), timeout=3000)


def winners(session, X):
    out = np.asarray(session.predict(X), dtype=np.float64)
    return probabilities(out, final_activation(session.spec)).argmax(axis=1)


def test_test_data_and_discretise_toggles(qtbot, panel):
    plot = panel.plots.boundary_plot
    train(qtbot, panel, 30)
    assert plot.val_points.isVisible() and len(plot.val_points.data) == len(panel.session.split.raw_val)
    click(plot.test_box)
    assert not plot.val_points.isVisible() and plot.train_points.isVisible()
    click(plot.test_box)
    assert plot.val_points.isVisible()

    frames = plot.frames
    click(plot.discrete_box)  # redraws at once, one flat shade per class
    assert plot.frames == frames + 1
    pixels = plot.image.image.reshape(-1, 3).astype(float)
    k = 2
    shades = np.round(class_colours(k) * 0.45 + 255 * 0.55).astype(int)
    expected = shades[winners(panel.session, plot._grid)]
    assert np.abs(pixels - expected).max() <= 1
    click(plot.discrete_box)
    assert len(np.unique(plot.image.image.reshape(-1, 3), axis=0)) > 2 * k  # shaded by how sure again


def test_more_than_two_features_pick_two_or_pca(qtbot, panel):
    choose_dataset(qtbot, panel, "iris")
    s, plot = panel.session, panel.plots.boundary_plot
    train(qtbot, panel, 40)
    assert plot.mode == "boundary" and plot.plane_row.isVisible() and plot.frames > 0
    train_X = s.split.raw_train.X
    # features 1 and 2 at first; the keyboard moves the up-axis to feature 4
    plot.y_box.setFocus()
    QTest.keyClick(plot.y_box, Qt.Key_Down)
    QTest.keyClick(plot.y_box, Qt.Key_Down)
    assert (plot.x_box.currentIndex(), plot.y_box.currentIndex()) == (0, 3)
    xs, ys = plot.train_points.getData()
    np.testing.assert_allclose(np.column_stack([xs, ys]), train_X[:, [0, 3]])
    np.testing.assert_allclose(plot._grid[:, [1, 2]], np.broadcast_to(train_X.mean(axis=0)[[1, 2]], (len(plot._grid), 2)))
    assert plot.plot_widget.getPlotItem().getAxis("left").labelText == s.dataset.feature_names[3]
    drawn = classes_drawn(plot.image.image, 3)
    sure = drawn >= 0
    assert sure.mean() > 0.5 and np.array_equal(drawn[sure], winners(s, plot._grid)[sure])

    plot.plane_box.setFocus()
    QTest.keyClick(plot.plane_box, Qt.Key_Down)  # PCA
    assert plot.plane_box.currentText() == "PCA" and not plot.x_box.isEnabled()
    z = (train_X - train_X.mean(axis=0)) / train_X.std(axis=0)
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    xs, ys = plot.train_points.getData()
    shown = np.column_stack([xs, ys])
    for c in range(2):  # the projection onto each principal component, up to its sign
        expected = z @ vt[c]
        assert np.allclose(shown[:, c], expected) or np.allclose(shown[:, c], -expected)
    # the heatmap's inputs lie on the plane through the mean spanned by the two components
    back = (plot._grid - train_X.mean(axis=0)) / train_X.std(axis=0)
    residual = back - (back @ vt[:2].T) @ vt[:2]
    assert np.abs(residual).max() < 1e-9
    drawn = classes_drawn(plot.image.image, 3)
    sure = drawn >= 0
    assert np.array_equal(drawn[sure], winners(s, plot._grid)[sure])


def classes_drawn(image, k):
    pale = 255.0 - image.reshape(-1, 3).astype(float)
    directions = 255.0 - class_colours(k)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    drawn = (pale @ directions.T).argmax(axis=1)
    drawn[np.linalg.norm(pale, axis=1) < 8] = -1
    return drawn


def header_click(view, column):
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(x, header.height() // 2))


def test_data_table_lists_each_rows_prediction_and_loss_and_sorts_the_worst_first(qtbot, train_window, panel):
    win = train_window
    win.data_table_dock.raise_()
    qtbot.waitUntil(win.data_table.isVisible, timeout=3000)
    train(qtbot, panel, 25)
    s, table_model = panel.session, win.data_table.model
    t = table_model.table
    raw = s.split
    X = np.vstack([raw.raw_train.X, raw.raw_val.X])
    assert table_model.rowCount() == len(s.dataset) == len(X)
    np.testing.assert_array_equal(t.X, X)
    out = np.asarray(s.predict(X), dtype=np.float64)
    targets = np.vstack([raw.raw_train.targets(out.shape[1]), raw.raw_val.targets(out.shape[1])])
    loss = LOSSES[s.settings.loss]
    engine = np.array([float(data(loss(out[i:i + 1], targets[i:i + 1]))) for i in range(len(X))])
    np.testing.assert_allclose(t.loss, engine, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t.loss.mean(), float(data(loss(out, targets))), rtol=1e-9)
    column = 2
    assert table_model.headerData(column, Qt.Horizontal) == "loss"

    view = win.data_table.view
    header_click(view, column)
    header_click(view, column)  # the second click: descending, the worst-fitted rows first
    shown = table_model.shown_losses()
    assert shown[0] == engine.max() and np.all(np.diff(shown) <= 0)
    top = view.model().index(0, column)
    assert view.model().data(top) == f"{engine.max():.4g}"
    worst = int(np.argmax(engine))
    names = s.dataset.class_names
    predicted = view.model().data(view.model().index(0, column + 1))
    assert predicted.startswith(str(names[winners(s, X[worst:worst + 1])[0]]))
    assert view.model().data(view.model().index(0, 0)) == ("train" if worst < len(raw.raw_train) else "test")

    # while a run goes the table waits; when it pauses it shows the weights it paused at
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running")
    qtbot.waitUntil(lambda: s.record.epochs > 40, timeout=10_000)
    click(panel.controls.pause_button)
    settled(qtbot, lambda: s.record.version, every=300)  # the last report of the run so far has come
    out = np.asarray(s.predict(X), dtype=np.float64)
    expected = np.array([float(data(loss(out[i:i + 1], targets[i:i + 1]))) for i in range(len(X))])
    qtbot.waitUntil(lambda: np.allclose(np.sort(table_model.table.loss), np.sort(expected)), timeout=3000)
    assert np.all(np.diff(table_model.shown_losses()) <= 0)  # still sorted as the person asked
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")


def test_a_discretised_regression_surface_has_flat_bands():
    from gui.plots.boundary import _regression_image

    v = np.linspace(-1, 3, 48 * 48).reshape(-1, 1)
    image = _regression_image(v, discrete=True).reshape(-1, 3)
    assert len(np.unique(image, axis=0)) == BANDS
