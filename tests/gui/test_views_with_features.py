"""The analysis views with derived inputs on (x₁², sin x₂ ticked in the Data box with real clicks, then a short
run): Gradient Check, Tape, the Loss landscape, the activity badges, the Data table and the Prediction dock each
compute on the columns the Chain takes, checked against the engine on `dataset_with_features(...)` split and
standardised as training does; and a click on the landscape that moves the weights marks the document modified."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import LOSSES, data, load_model, no_grad
from engine.analysis import check_model, every_preactivation, histogram, record_tape
from engine.nn import add_features, dataset_with_features
from engine.training import split
from gui.panels.activity import BATCH
from gui.panels.gradcheck import snapshot
from gui.panels.tape_tree import format_array
from training_helpers import click, click_plane, panel, train_window, wait_state  # noqa: F401 - fixtures

NAMES = ("x1^2", "sin(x2)")  # the Chain takes x₁, x₂, x₁², sin x₂


def tick(panel, name):
    box = panel.data_box.feature_boxes[name]
    assert box.isVisibleTo(panel.data_box) and box.isEnabled()
    QTest.mouseClick(box, Qt.LeftButton)


def train(qtbot, panel, epochs):
    panel.settings_box.epochs_box.setValue(epochs)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle", timeout=60_000)


@pytest.fixture
def featured(qtbot, train_window, panel):
    """The window with x₁² and sin x₂ ticked on circle data, after 5 epochs."""
    panel.data_box.dataset_box.setCurrentText("circle")
    for name in NAMES:
        tick(panel, name)
    assert panel.session.spec.features == NAMES and panel.session.spec.inputs == 4
    train(qtbot, panel, 5)
    assert panel.session.epochs_done == 5
    return train_window


def expected_split(session):
    """The split the Chain learns from, made here from the raw data: derived columns, then standardised."""
    return split(dataset_with_features(session.dataset, NAMES), session.settings.validation, session.settings.seed,
                 True)


def engine_out(session, rows):
    """The trained (idle) model's outputs for rows as the Chain takes them."""
    with no_grad():
        return np.asarray(data(session.model(rows)), dtype=np.float64)


def chain_rows(session, raw):
    return expected_split(session).standardiser.transform(add_features(raw, NAMES))


def test_gradient_check_checks_the_chain_on_its_derived_inputs(qtbot, featured):
    win, session = featured, featured.training.session
    button = win.toolbar.widgetForAction(win.actions_by_name["gradient_check"])
    QTest.mouseClick(button, Qt.LeftButton)
    assert not win.gradcheck.summary.text().startswith("⚠"), win.gradcheck.summary.text()
    qtbot.waitUntil(lambda: win.gradcheck.job is None and win.gradcheck.report is not None, timeout=20_000)
    report = win.gradcheck.report
    train = expected_split(session).train
    model, loss, X, Y = snapshot(session, win.doc)
    np.testing.assert_allclose(X, train.X, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(Y, train.targets(1))
    for p, w in zip(model.parameters(), session.weights()):
        assert np.array_equal(p.value, w)
    expected = check_model(session.model, session.settings.loss, train.X, train.targets(1))
    assert [row.name for row in report.layers] == [row.name for row in expected.layers] == \
        ["1 Dense(4 => 8, tanh)", "2 Dense(8 => 1, σ)"]
    assert report.loss == pytest.approx(expected.loss, rel=1e-12)
    assert report.status == "green" and "agrees with central differences" in win.gradcheck.summary.text()


def test_the_tape_records_a_row_and_a_typed_point_as_the_chain_takes_them(qtbot, featured):
    win, session = featured, featured.training.session
    win.activateWindow()
    assert QTest.qWaitForWindowActive(win)
    next(a for a in win.menus["tools"].actions() if a.text() == "&Tape").trigger()
    panel = win.tape
    assert panel.tape is not None, panel.summary.text()
    panel.sample.setFocus()
    QTest.keyClick(panel.sample, Qt.Key_Up)
    assert panel.sample.value() == 1
    train = expected_split(session).train
    loss, Y = session.settings.loss, train.targets(1)
    want = record_tape(session.model, loss, train.X[1], Y[1])
    assert [format_array(op.adjoint) for op in panel.tape.ops] == [format_array(op.adjoint) for op in want.ops]
    assert panel.tape.loss == pytest.approx(want.loss, rel=1e-12)

    QTest.mouseClick(panel.typed, Qt.LeftButton)
    QTest.keyClicks(panel.typed, "0.5, -1 -> 1")  # two raw values: the Chain's x₁², sin x₂ come from them
    QTest.keyClick(panel.typed, Qt.Key_Return)
    assert "typed point" in panel.summary.text(), panel.summary.text()
    x = chain_rows(session, [[0.5, -1.0]])[0]
    want = record_tape(session.model, loss, x, [1.0])
    assert [format_array(op.value) for op in panel.tape.ops] == [format_array(op.value) for op in want.ops]
    assert panel.tape.loss == pytest.approx(want.loss, rel=1e-12)


def landscape_of(qtbot, win):
    win.landscape_dock.show()
    win.landscape_dock.raise_()
    qtbot.waitUntil(lambda: win.landscape.isVisible(), timeout=2000)
    landscape = win.landscape
    qtbot.waitUntil(lambda: landscape.job is None, timeout=10_000)  # a first look may already be computing
    before = landscape.computed
    click(landscape.button)
    assert "does not take" not in landscape.status.text(), landscape.status.text()
    qtbot.waitUntil(lambda: landscape.computed > before and landscape.job is None, timeout=20_000)
    return landscape


def test_the_landscape_is_the_loss_on_the_derived_inputs(qtbot, featured):
    session = featured.training.session
    view = landscape_of(qtbot, featured).plot.view
    train = expected_split(session).train
    centre = float(LOSSES[session.settings.loss](engine_out(session, train.X), train.targets(1)))
    assert view.centre_loss == pytest.approx(centre, rel=1e-9)


def test_a_click_on_the_landscape_makes_trained_weights_worth_saving_again(qtbot, featured, tmp_path):
    win, session = featured, featured.training.session
    path = tmp_path / "featured.chain"
    assert win.files.save_to(path) and not win.files.is_modified() and not win.isWindowModified()
    landscape = landscape_of(qtbot, win)
    a, b = click_plane(qtbot, landscape, 0.4, -0.3)
    moved = landscape.plot.view.plane.at(a, b)
    assert all(np.allclose(w, m, rtol=1e-12) for w, m in zip(session.weights(), moved))
    assert win.files.is_modified() and win.isWindowModified()  # the title's mark, as after a run
    tape = win.tape
    next(a for a in win.menus["tools"].actions() if a.text() == "&Tape").trigger()
    recorded = tape.tape.loss
    a, b = click_plane(qtbot, landscape, -0.2, 0.3)  # again, with the Tape open: it follows the new weights
    moved = landscape.plot.view.plane.at(a, b)
    train = expected_split(session).train
    model = session.spec.build(session.settings.seed)
    for p, m in zip(model.parameters(), moved):
        p.value = np.array(m)
    row = tape.sample.value()
    want = record_tape(model, session.settings.loss, train.X[row], train.targets(1)[row])
    assert tape.tape.loss == pytest.approx(want.loss, rel=1e-12) and tape.tape.loss != recorded
    assert win.files.save_to(path) and not win.files.is_modified()
    saved = load_model(path).model.parameters()
    assert all(np.array_equal(p.value, m) for p, m in zip(saved, moved))


def test_a_click_on_the_landscape_of_untrained_weights_is_worth_saving(qtbot, train_window, tmp_path):
    win, session = train_window, train_window.training.session
    path = tmp_path / "picked.chain"
    assert win.files.save_to(path) and not win.files.is_modified()
    a, b = click_plane(qtbot, landscape_of(qtbot, win), -0.5, 0.25)
    moved = win.landscape.plot.view.plane.at(a, b)
    assert session.epochs_done == 0 and win.files.is_modified() and win.isWindowModified()
    assert win.files.save_to(path)
    loaded = load_model(path)
    assert loaded.trained and all(np.array_equal(p.value, m) for p, m in zip(loaded.model.parameters(), moved))


def test_the_activity_badges_measure_the_derived_inputs(qtbot, featured):
    win, session = featured, featured.training.session
    feeder = win.block_activity
    feeder.redraw()
    dense = next(b for b in win.doc.chain_blocks() if b.kind == "dense")
    X = expected_split(session).train.X[:BATCH]
    z = every_preactivation(session.model, X)[0]
    counts, edges = histogram(z)
    shown_counts, shown_edges = feeder.histograms[dense.block_id]
    assert shown_counts.tolist() == counts.tolist() and np.allclose(shown_edges, edges, rtol=1e-12)


def test_the_data_table_and_prediction_dock_predict_from_the_derived_inputs(qtbot, featured):
    win, session = featured, featured.training.session
    win.data_table_dock.raise_()
    qtbot.waitUntil(win.data_table.isVisible, timeout=3000)
    win.data_table.refresh()
    table = win.data_table.model.table
    parts = split(session.dataset, session.settings.validation, session.settings.seed)  # the same rows, raw
    raw = np.vstack([parts.raw_train.X, parts.raw_val.X])
    np.testing.assert_array_equal(table.X, raw)  # the table lists the raw columns, as the data has them
    out = engine_out(session, chain_rows(session, raw))
    targets = np.vstack([parts.raw_train.targets(1), parts.raw_val.targets(1)])
    loss = LOSSES[session.settings.loss]
    by_row = np.array([float(data(loss(out[i:i + 1], targets[i:i + 1]))) for i in range(len(raw))])
    np.testing.assert_allclose(table.loss, by_row, rtol=1e-9, atol=1e-12)

    win.prediction_dock.raise_()
    prediction = win.prediction
    prediction.row_box.setFocus()
    prediction.row_box.selectAll()
    QTest.keyClicks(prediction.row_box, "7")
    QTest.keyClick(prediction.row_box, Qt.Key_Return)
    row = session.dataset.X[7]
    want = engine_out(session, chain_rows(session, row[None, :]))[0]
    assert prediction.outputs is not None and np.ravel(prediction.outputs)[-1] == pytest.approx(want[0], abs=1e-12)
