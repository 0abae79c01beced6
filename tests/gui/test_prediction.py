"""The prediction dock shows what the engine computes: model(standardised x), for a row, typed values or a
click on the decision boundary; and a confusion matrix on the validation split after a classification run."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine import data, no_grad

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def engine_outputs(panel, X):
    """What the engine says, computed directly from the training dock's (idle) model."""
    with no_grad():
        return np.asarray(data(panel.session.model(panel.session.standardiser.transform(np.atleast_2d(X)))))


def train(qtbot, panel, epochs):
    panel.settings_box.epochs_box.setValue(epochs)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")


def type_into(widget, text):
    widget.setFocus()
    widget.selectAll()
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key_Return)


@pytest.fixture
def prediction(train_window):
    train_window.prediction_dock.raise_()
    return train_window.prediction


def test_a_row_and_typed_values_predict_as_the_engine_does(qtbot, panel, prediction):
    panel.data_box.dataset_box.setCurrentText("iris")
    train(qtbot, panel, 30)
    ds = panel.session.dataset
    assert [prediction.input_form.labelForField(f).text() for f in prediction.fields] == ds.feature_names

    type_into(prediction.row_box, "57")
    assert [float(f.text()) for f in prediction.fields] == pytest.approx(ds.X[57])
    expected = engine_outputs(panel, ds.X[57])[0]  # the Chain ends in softmax: probabilities
    assert prediction.outputs == pytest.approx(expected, abs=1e-12)
    assert prediction.bars.opts["height"] == pytest.approx(expected, abs=1e-12)
    ticks = prediction.bars_plot.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [name for _, name in ticks] == ds.class_names
    assert ds.class_names[int(np.argmax(expected))] in prediction.result_label.text()
    assert ds.class_names[ds.y[57]] in prediction.actual_label.text()

    x = np.array([6.1, 2.8, 4.7, 1.2])
    for field, value in zip(prediction.fields, x):
        type_into(field, str(value))
    assert prediction.outputs == pytest.approx(engine_outputs(panel, x)[0], abs=1e-12)
    before = prediction.outputs.copy()
    type_into(prediction.fields[0], "nan")
    assert "Type a number" in prediction.result_label.text()
    assert np.array_equal(prediction.outputs, before)


def test_the_confusion_matrix_counts_the_validation_split(qtbot, panel, prediction):
    panel.data_box.dataset_box.setCurrentText("iris")
    assert not prediction.matrix_box.isVisibleTo(prediction)
    train(qtbot, panel, 40)
    val = panel.session.split.raw_val
    predicted = engine_outputs(panel, val.X).argmax(axis=1)
    expected = np.zeros((3, 3), dtype=int)
    for a, p in zip(val.y, predicted):
        expected[a, p] += 1
    assert np.array_equal(prediction.matrix, expected) and prediction.matrix.sum() == len(val)
    table = prediction.matrix_table
    assert prediction.matrix_box.isVisibleTo(prediction)
    assert [table.verticalHeaderItem(r).text() for r in range(3)] == panel.session.dataset.class_names
    assert int(table.item(1, 1).text()) == expected[1, 1]


def test_regression_shows_the_value(qtbot, panel, prediction):
    panel.data_box.dataset_box.setCurrentText("cars")
    click(panel.data_box.fit_button)  # identity output and mse
    train(qtbot, panel, 10)
    type_into(prediction.row_box, "20")
    value = engine_outputs(panel, panel.session.dataset.X[20])[0, 0]
    assert prediction.outputs[0] == pytest.approx(value, abs=1e-12)
    assert f"{value:.5g}" in prediction.result_label.text()
    assert "stopping_distance_ft" in prediction.result_label.text()
    assert not prediction.matrix_box.isVisibleTo(prediction)


def test_a_click_on_the_decision_boundary_predicts_there(qtbot, train_window, panel, prediction):
    train(qtbot, panel, 5)  # the circle: two features
    plot = panel.plots.boundary_plot
    vb = plot.plot_widget.getPlotItem().vb
    target = QPointF(0.3, -0.2)
    at = plot.plot_widget.mapFromScene(vb.mapViewToScene(target))
    QTest.mouseClick(plot.plot_widget.viewport(), Qt.LeftButton, Qt.NoModifier, at)
    qtbot.waitUntil(lambda: "Clicked" in prediction.actual_label.text(), timeout=2000)
    x = np.array([float(f.text()) for f in prediction.fields])
    assert x == pytest.approx([0.3, -0.2], abs=0.03)
    p = engine_outputs(panel, x)[0, 0]  # one sigmoid unit: P(inside)
    assert prediction.outputs == pytest.approx([1 - p, p], abs=1e-6)
    assert plot.marker.data["x"] == pytest.approx([x[0]], abs=1e-3)
