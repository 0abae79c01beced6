"""Draw data through real clicks on the plot's viewport: points of the chosen class (or value) join the data at
once, Undo point and Clear take them back, training uses them, and a model file brings them back."""
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine import load_model

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def click_at(draw, x, y):
    """A left click on the drawing plot's viewport where the data coordinates (x, y) are."""
    vb = draw.plot.getPlotItem().getViewBox()
    where = draw.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    QTest.mouseClick(draw.plot.viewport(), Qt.LeftButton, Qt.NoModifier, where)


def choose_drawing(qtbot, panel):
    panel.data_box.dataset_box.setCurrentText("Draw data")
    draw = panel.data_box.draw_panel
    assert draw.isVisibleTo(panel.data_box) and not panel.data_box.preview.isVisibleTo(panel.data_box)
    qtbot.waitUntil(lambda: draw.plot.viewport().width() > 50)
    return draw


def test_clicks_add_points_of_the_chosen_class_and_the_session_trains_on_them(qtbot, train_window, panel):
    draw = choose_drawing(qtbot, panel)
    before = panel.session.dataset
    assert panel.session.dataset is before  # nothing drawn yet: the data on screen stays
    clicks = [(-0.6, 0.5, 0), (-0.4, 0.7, 0), (0.5, -0.5, 1), (0.7, -0.3, 1), (0.6, -0.6, 1)]
    for x, y, k in clicks:
        draw.class_box.setCurrentIndex(k)
        click_at(draw, x, y)
    ds = panel.session.dataset
    assert ds.name == "drawn" and len(ds) == 5 and ds.y.tolist() == [k for _, _, k in clicks]
    np.testing.assert_allclose(ds.X, [[x, y] for x, y, _ in clicks], atol=0.02)  # a pixel's worth

    click(draw.undo_button)
    assert len(panel.session.dataset) == 4 and len(draw.points) == 4
    panel.settings_box.epochs_box.setValue(5)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle", timeout=30_000)
    assert panel.session.epochs_done == 5

    click(draw.clear_button)
    assert draw.points == [] and len(panel.session.dataset) == 4  # the last drawing stays until a new point
    click_at(draw, 0.0, 0.0)
    assert len(panel.session.dataset) == 1


def test_a_regression_drawing_uses_the_chosen_value(qtbot, train_window, panel):
    draw = choose_drawing(qtbot, panel)
    draw.task_box.setCurrentText("regression")
    assert draw.value_box.isVisibleTo(draw) and not draw.class_box.isVisibleTo(draw)
    for value, (x, y) in zip((-0.5, 0.25, 1.0), ((-0.5, -0.5), (0.0, 0.3), (0.8, 0.8))):
        draw.value_box.setValue(value)
        click_at(draw, x, y)
    ds = panel.session.dataset
    assert ds.task == "regression" and ds.y[:, 0].tolist() == [-0.5, 0.25, 1.0]


def test_a_model_file_brings_the_drawing_back(qtbot, train_window, panel, tmp_path):
    draw = choose_drawing(qtbot, panel)
    for x, y, k in ((-0.5, 0.5, 0), (0.5, 0.5, 1), (0.0, -0.5, 2)):
        draw.class_box.setCurrentIndex(k)
        click_at(draw, x, y)
    points = [list(p) for p in draw.points]
    path = tmp_path / "drawn.chain"
    assert train_window.files.save_to(path)
    assert load_model(path).dataset["points"] == points

    click(draw.clear_button)  # nothing left of the drawing but the file
    panel.data_box.dataset_box.setCurrentText("circle")
    assert panel.data_box.entries.drawn == []
    assert train_window.files.open_path(path, confirmed=True)
    assert panel.data_box.name() == "Draw data" and draw.points == points
    assert panel.session.dataset.name == "drawn" and len(panel.session.dataset) == 3
