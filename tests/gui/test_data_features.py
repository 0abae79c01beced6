"""The derived-feature toggles of the Data group (x₁², x₂², x₁x₂, sin x₁, sin x₂), through real clicks: the canvas
Input grows with them, each click is one undo step, training and the boundary use them, and a model file keeps
them."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import load_model
from engine.nn import add_features

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def the_input(win):
    return next(b for b in win.doc.blocks() if b.kind == "input")


def tick(panel, name):
    box = panel.data_box.feature_boxes[name]
    assert box.isVisibleTo(panel.data_box) and box.isEnabled()
    QTest.mouseClick(box, Qt.LeftButton)


def test_ticking_features_grows_the_input_and_undo_takes_each_back(qtbot, train_window, panel):
    panel.data_box.dataset_box.setCurrentText("circle")
    tick(panel, "x1^2")
    tick(panel, "x1*x2")
    assert the_input(train_window).units == 4 and the_input(train_window).features == ("x1^2", "x1*x2")
    assert panel.session.spec.features == ("x1^2", "x1*x2") and panel.session.spec.inputs == 4
    assert panel.data_box.derived() == ("x1^2", "x1*x2")

    train_window.undo_stack.undo()  # the second click, alone
    assert the_input(train_window).units == 3 and the_input(train_window).features == ("x1^2",)
    assert panel.data_box.derived() == ("x1^2",)  # the boxes follow the canvas
    tick(panel, "x1^2")  # off again: the plain 2-D Input
    assert the_input(train_window).units == 2 and the_input(train_window).features == ()


def test_a_run_learns_from_the_derived_inputs_and_the_file_keeps_them(qtbot, train_window, panel, tmp_path):
    panel.data_box.dataset_box.setCurrentText("circle")
    for name in ("x1^2", "x2^2"):
        tick(panel, name)
    panel.settings_box.epochs_box.setValue(30)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running", "idle")
    wait_state(qtbot, panel, "idle", timeout=30_000)
    s = panel.session
    assert s.epochs_done == 30 and s.model.layers[0].weight.value.shape == (8, 4)
    assert s.split.raw_train.n_features == 2 and s.split.train.n_features == 4 and s.standardiser.n_features == 4
    # what the boundary plot draws: raw grid points in, the Chain's outputs on x₁, x₂, x₁², x₂² out
    grid = np.array([[0.1, 0.2], [-0.7, 0.5]])
    Z = s.standardiser.transform(add_features(grid, ("x1^2", "x2^2")))
    np.testing.assert_allclose(s.predict(grid), s._display(Z).value)
    assert panel.plots.boundary_plot.mode == "boundary"

    path = tmp_path / "featured.chain"
    assert train_window.files.save_to(path)
    loaded = load_model(path)
    assert loaded.spec.features == ("x1^2", "x2^2") and loaded.trained
    assert len(loaded.dataset["normalisation"]["mean"]) == 4

    panel.data_box.dataset_box.setCurrentText("spiral")  # away, then the file back
    tick(panel, "x1^2")
    assert train_window.files.open_path(path, confirmed=True)
    assert the_input(train_window).features == ("x1^2", "x2^2") and panel.data_box.derived() == ("x1^2", "x2^2")
    assert panel.session.trained() and panel.session.spec.features == ("x1^2", "x2^2")


def test_one_dimensional_data_has_no_feature_toggles(qtbot, train_window, panel):
    panel.data_box.dataset_box.setCurrentText("circle")
    tick(panel, "sin(x1)")
    assert the_input(train_window).units == 3
    panel.data_box.dataset_box.setCurrentText("sine")  # 1 feature: the Input loses its derived ones
    assert the_input(train_window).units == 1 and the_input(train_window).features == ()
    assert not panel.data_box.feature_boxes["sin(x1)"].isVisibleTo(panel.data_box)
