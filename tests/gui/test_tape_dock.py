"""Tools ▸ Tape: pick a sample, read its ops, step through the forward pass and the backward sweep with F10 and
Shift+F10, and see the adjoint on the wires; the lists are checked against the engine's own tape."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.analysis import curvature, record_tape
from gui.panels.gradcheck import snapshot
from gui.panels.tape_live import CURVATURE_ROWS, LIVE_INTERVAL_MS, _rows
from gui.panels.tape_tree import HIDDEN, format_array
from training_helpers import click, click_plane, recompute, train_window, wait_state  # noqa: F401  (fixtures)


@pytest.fixture
def win(qtbot, train_window):
    train_window.activateWindow()
    assert QTest.qWaitForWindowActive(train_window)
    action = next(a for a in train_window.menus["tools"].actions() if a.text() == "&Tape")
    action.trigger()
    assert train_window.tape_dock.isVisible() and train_window.tape.tape is not None
    yield train_window
    train_window.tape.overlay.clear()


def engine_tape(win, row):
    model, loss, X, Y = snapshot(win.training.session, win.doc)
    return record_tape(model, loss, X[row], Y[row])


def cells(panel, column):
    return [panel.tree.op_row(k).text(column) for k in range(len(panel.tape.ops))]


def test_a_picked_row_lists_every_op_with_the_engines_values_and_adjoints(qtbot, win):
    panel = win.tape
    panel.sample.setFocus()
    QTest.keyClick(panel.sample, Qt.Key_Up)  # row 0 -> row 1
    QTest.keyClick(panel.sample, Qt.Key_Up)
    assert panel.sample.value() == 2
    expected = engine_tape(win, 2)
    assert [op.name for op in panel.tape.ops] == [op.name for op in expected.ops]
    assert cells(panel, 2) == [format_array(op.value) for op in expected.ops]
    assert cells(panel, 3) == [format_array(op.adjoint) for op in expected.ops]
    # grouped by canvas block: the Dense blocks in Chain order, then the loss
    groups = [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]
    assert groups == ["1: Dense(8, tanh)", "2: Dense(1, σ)", "Loss"]
    assert panel.tree.grad_row("W1").text(3) == format_array(expected.grads[0])
    assert f"{expected.loss:.4g}" in panel.summary.text()
    # the wires carry ‖∂L/∂activation‖ of the block they leave
    chain = win.doc.chain_blocks()
    wire = win.doc.find_wire(chain[1].block_id, chain[2].block_id)
    assert panel.overlay.wire_value(wire.wire_id) == pytest.approx(expected.adjoint_norms()[0])
    first = win.doc.find_wire(chain[0].block_id, chain[1].block_id)
    assert panel.overlay.wire_value(first.wire_id) == pytest.approx(np.linalg.norm(expected.input_adjoint))
    assert panel.overlay.label_of(wire.wire_id) == f"{expected.adjoint_norms()[0]:.2g}"


def test_step_keys_walk_forward_then_back_and_light_up_each_block(qtbot, win):
    panel = win.tape
    tape, n = panel.tape, len(panel.tape.ops)
    chain = win.doc.chain_blocks()
    blocks = [b.block_id for b in chain[1:]]
    QTest.keyClick(win, Qt.Key_F10)
    assert cells(panel, 2)[0] == format_array(tape.ops[0].value) and cells(panel, 2)[1:] == [HIDDEN] * (n - 1)
    assert cells(panel, 3) == [HIDDEN] * n and panel.overlay.lit == blocks[0]
    # forward: the Input's wire carries ‖x‖; block 1 has not finished, so its wire carries nothing yet
    assert panel.overlay.forward and set(panel.overlay.values) == {chain[0].block_id}
    out = tape.output_of(0).index
    while panel.cursor <= out:
        QTest.keyClick(win, Qt.Key_F10)
    wire = win.doc.find_wire(blocks[0], blocks[1]).wire_id
    assert panel.overlay.wire_value(wire) == pytest.approx(np.linalg.norm(tape.ops[out].value))
    assert panel.overlay.label_of(wire) == f"‖a‖ {np.linalg.norm(tape.ops[out].value):.2g}"
    while panel.cursor > 1:
        QTest.keyClick(win, Qt.Key_F10, Qt.ShiftModifier)
    for _ in range(n - 1):
        QTest.keyClick(win, Qt.Key_F10)
    assert HIDDEN not in cells(panel, 2) and cells(panel, 3) == [HIDDEN] * n
    assert not panel.forward_button.isEnabled() and panel.backward_button.isEnabled()
    click(panel.backward_button)  # the loss's last op: ∂L/∂L = 1
    assert cells(panel, 3)[-1] == "1" and cells(panel, 3)[:-1] == [HIDDEN] * (n - 1)
    assert not panel.overlay.forward
    assert panel.overlay.lit is None  # the loss is no block
    last = tape.output_of(len(blocks) - 1).index
    while panel.current_op().index > last:
        QTest.keyClick(win, Qt.Key_F10)
    assert panel.overlay.lit == blocks[-1] and cells(panel, 3)[last] == format_array(tape.ops[last].adjoint)
    assert panel.tree.grad_row("W2").text(3) == HIDDEN  # the block's W gets its gradient from its first op
    first = tape.of_layer(len(blocks) - 1)[0].index
    while panel.current_op().index > first:
        QTest.keyClick(win, Qt.Key_F10)
    assert panel.tree.grad_row("W2").text(3) == format_array(tape.grads[2])
    assert "∂L/∂W2" in panel.summary.text()
    QTest.keyClick(win, Qt.Key_F10, Qt.ShiftModifier)  # one step back: the gradient on W2 is gone again
    assert panel.tree.grad_row("W2").text(3) == HIDDEN
    while panel.stepping:
        QTest.keyClick(win, Qt.Key_F10)
    wire = win.doc.find_wire(blocks[0], blocks[1])
    assert panel.overlay.wire_value(wire.wire_id) == pytest.approx(tape.adjoint_norms()[0])
    assert cells(panel, 3) == [format_array(op.adjoint) for op in tape.ops]


def test_selecting_a_block_selects_its_ops_and_the_reverse(qtbot, win):
    panel, view = win.tape, win.view
    chain = win.doc.chain_blocks()
    item = win.editor.scene.block_items[chain[2].block_id]
    QTest.mouseClick(view.viewport(), Qt.LeftButton, pos=view.mapFromScene(item.sceneBoundingRect().center()))
    assert win.editor.scene.selected_block_ids() == [chain[2].block_id]
    assert panel.tree.currentItem() is panel.tree.groups[1]
    selected = {item.text(0) for item in panel.tree.selectedItems()}
    assert {panel.tree.op_row(op.index).text(0) for op in panel.tape.of_layer(1)} <= selected
    assert panel.tree.op_row(0).text(0) not in selected
    row = panel.tree.op_row(0)
    panel.tree.scrollToItem(row)
    QTest.mouseClick(panel.tree.viewport(), Qt.LeftButton, pos=panel.tree.visualItemRect(row).center())
    assert win.editor.scene.selected_block_ids() == [chain[1].block_id]


def test_a_click_on_the_boundary_plot_or_typed_values_pick_the_sample(qtbot, win):
    split = win.training.session.split
    raw = split.raw_train.X[7]
    win.training.plots.boundary_plot.point_clicked.emit(float(raw[0]) + 1e-9, float(raw[1]))
    assert win.tape.sample.value() == 7
    assert cells(win.tape, 3) == [format_array(op.adjoint) for op in engine_tape(win, 7).ops]
    typed_features_and_target_are_recorded_as_training_would_see_them(win)


def test_curvature_of_the_selected_layer_matches_the_engine(qtbot, win):
    panel = win.tape
    row = panel.tree.groups[0]
    QTest.mouseClick(panel.tree.viewport(), Qt.LeftButton, pos=panel.tree.visualItemRect(row).center())
    click(panel.curvature.button)
    qtbot.waitUntil(lambda: panel.curvature.job is None and panel.curvature.result is not None, timeout=20_000)
    model, loss, X, Y = snapshot(win.training.session, win.doc)
    expected = curvature(model, loss, *_rows(X, Y, CURVATURE_ROWS), 0)
    got = panel.curvature.result
    assert got.layer == 0 and got.along_gradient == pytest.approx(expected.along_gradient, rel=1e-9)
    np.testing.assert_allclose(got.diagonal["W"], expected.diagonal["W"], rtol=1e-9)
    assert f"{expected.top_eigenvalue:.3g}" in panel.curvature.label.text()
    assert "overshoots when lr > 2/curvature" in panel.curvature.label.text()


def test_while_training_the_wires_show_the_batch_mean_adjoint(qtbot, win):
    panel = win.tape
    training = win.training
    training.settings_box.epochs_box.setValue(100_000)
    click(training.controls.start_button)
    wait_state(qtbot, training, "running")
    panel.overlay.clear()
    qtbot.waitUntil(lambda: bool(panel.live.norms), timeout=10_000)
    chain = win.doc.chain_blocks()
    assert set(panel.live.norms) == {chain[1].block_id, chain[2].block_id}
    wire = win.doc.find_wire(chain[1].block_id, chain[2].block_id)
    assert panel.overlay.wire_value(wire.wire_id) == panel.live.norms[chain[1].block_id] > 0
    click(training.controls.stop_button)
    wait_state(qtbot, training, "idle")
    qtbot.waitUntil(lambda: panel.live.job is None, timeout=10_000)
    shown = dict(panel.live.norms)
    qtbot.wait(3 * LIVE_INTERVAL_MS)  # idle: no more measurements, the last numbers stay
    assert panel.live.job is None and panel.live.norms == shown


def test_a_finished_run_and_a_broken_chain_refresh_the_tape(qtbot, win):
    panel, training = win.tape, win.training
    before = cells(panel, 3)
    training.settings_box.epochs_box.setValue(5)
    click(training.controls.start_button)
    wait_state(qtbot, training, "idle")
    model, loss, X, Y = snapshot(training.session, win.doc)
    for p, w in zip(model.parameters(), training.session.weights()):
        assert np.array_equal(p.value, w)  # the tape now reads the trained weights
    assert cells(panel, 3) == [format_array(op.adjoint) for op in engine_tape(win, 0).ops] != before
    win.actions_by_name["select_all"].trigger()
    win.actions_by_name["delete"].trigger()
    assert panel.tape is None and panel.tree.topLevelItemCount() == 0 and "problems" in panel.summary.text()
    assert panel.overlay.values == {}


def test_weights_on_wires_follow_the_record(qtbot, win):
    panel, training = win.tape, win.training
    box = panel.show_weights
    QTest.mouseClick(box, Qt.LeftButton, pos=box.rect().center())
    assert box.isChecked()
    chain = win.doc.chain_blocks()
    into_second = win.doc.find_wire(chain[1].block_id, chain[2].block_id).wire_id
    into_first = win.doc.find_wire(chain[0].block_id, chain[1].block_id).wire_id

    def check():
        W1, W2 = training.session.record.weights[0], training.session.record.weights[2]
        strands = panel.weights_overlay.strands(into_second)
        assert sorted((i, j, w) for i, j, w, _ in strands) == [(i, 0, W2[0, i]) for i in range(8)]
        widest = max(strands, key=lambda s: s[3])
        assert abs(widest[2]) == np.abs(W2).max() and widest[3] == pytest.approx(5.0)
        assert len(panel.weights_overlay.strands(into_first)) == W1.size == 16
    check()
    before = [s[2] for s in panel.weights_overlay.strands(into_second)]
    training.settings_box.epochs_box.setValue(5)
    click(training.controls.start_button)
    wait_state(qtbot, training, "idle")
    qtbot.waitUntil(lambda: [s[2] for s in panel.weights_overlay.strands(into_second)] != before, timeout=5000)
    check()
    QTest.mouseClick(box, Qt.LeftButton, pos=box.rect().center())
    assert panel.weights_overlay.strands(into_second) == []


def test_curvature_is_measured_again_when_training_pauses(qtbot, win):
    panel, training = win.tape, win.training
    assert panel.curvature.layer == 0 and panel.curvature.result is None  # the first Dense layer, by default
    training.settings_box.epochs_box.setValue(100_000)
    click(training.controls.start_button)
    wait_state(qtbot, training, "running")
    click(training.controls.pause_button)
    wait_state(qtbot, training, "paused")
    qtbot.waitUntil(lambda: panel.curvature.job is None and panel.curvature.result is not None, timeout=20_000)
    # (the numbers themselves are checked against the engine above; a pause may land a report after it)
    assert panel.curvature.result.layer == 0 and np.isfinite(panel.curvature.result.along_gradient)
    assert "overshoots when lr > 2/curvature" in panel.curvature.label.text()
    click(training.controls.stop_button)
    wait_state(qtbot, training, "idle")
    qtbot.waitUntil(lambda: panel.curvature.job is None, timeout=20_000)


def typed_features_and_target_are_recorded_as_training_would_see_them(win):
    """Typed text picks the sample instead, standardised as training does; bad text is refused, nothing lost."""
    panel = win.tape
    session = win.training.session
    QTest.mouseClick(panel.typed, Qt.LeftButton)
    QTest.keyClicks(panel.typed, "0.5, -1 -> 1")  # what a keyboard types; the placeholder shows →
    QTest.keyClick(panel.typed, Qt.Key_Return)
    model, loss, X, Y = snapshot(session, win.doc)
    x = session.split.standardiser.transform(np.array([[0.5, -1.0]]))[0]
    expected = record_tape(model, loss, x, [1.0])
    assert cells(panel, 3) == [format_array(op.adjoint) for op in expected.ops]
    assert "typed point" in panel.summary.text()
    panel.typed.clear()
    QTest.keyClicks(panel.typed, "0.5 -> 1")
    QTest.keyClick(panel.typed, Qt.Key_Return)
    assert "2 features; 1 were typed" in panel.summary.text()
    assert cells(panel, 3) == [format_array(op.adjoint) for op in expected.ops]  # nothing lost
    QTest.keyClick(panel.sample, Qt.Key_Up)  # back to the rows of the data
    assert panel.typed_sample is None and f"row {panel.sample.value()}" in panel.summary.text()
    from gui.panels.tape import parse_typed
    x, y = parse_typed("0.5 -1 → 1", session)  # the arrow as pasted
    assert np.array_equal(x, session.split.standardiser.transform(np.array([[0.5, -1.0]]))[0]) and list(y) == [1.0]
    assert "must be a class" in parse_typed("0.5, -1 -> 7", session)
    assert "must be numbers" in parse_typed("a, b -> 1", session)


def test_shutting_down_twice_is_harmless(qtbot, win):
    assert win.tape.shutdown() and win.tape.shutdown()
    before = win.tape.tree.currentItem()
    win.editor.scene.select_blocks([win.doc.chain_blocks()[2].block_id])  # the dock no longer follows the canvas
    assert win.tape.tree.currentItem() is before


def test_a_screenshot_of_the_tape_dock_shows_a_recorded_tape(qtbot, qapp, train_window, tmp_path):
    """`main.py --screenshot PNG --dock tape` drew "Pick a sample to see its tape": the dock records first."""
    from gui.app import save_screenshot
    seen = {}
    original = train_window.grab
    train_window.grab = lambda: (seen.update(tape=train_window.tape.tape, rows=train_window.tape.tree.topLevelItemCount()),
                                 original())[1]
    assert save_screenshot(qapp, train_window, str(tmp_path / "tape.png"), dock="tape") == 0
    assert seen["tape"] is not None and seen["rows"] > 0
    model, loss, X, Y = snapshot(train_window.training.session, train_window.doc)
    expected = record_tape(model, loss, X[0], Y[0])
    assert np.allclose(seen["tape"].ops[-1].value, expected.ops[-1].value)


def test_a_click_on_the_loss_landscape_measures_the_curvature_again(qtbot, win):
    """The landscape's click puts other weights in: the Curvature box measures them (or, hidden, says its
    numbers are stale), and what it then shows is the engine's curvature at the moved weights."""
    box, session = win.tape.curvature, win.training.session

    def engine_curvature():
        model, loss, X, Y = snapshot(session, win.doc)
        return curvature(model, loss, *_rows(X, Y, CURVATURE_ROWS), 0)

    click(box.button)
    qtbot.waitUntil(lambda: box.job is None and box.result is not None, timeout=20_000)
    win.landscape_dock.show()
    landscape = win.landscape
    qtbot.waitUntil(lambda: landscape.isVisible(), timeout=2000)
    recompute(qtbot, landscape)  # a plane to click on
    before = box.result

    assert box.isVisible()  # both docks are shown: the box measures the moved weights at once
    click_plane(qtbot, landscape, 0.4, -0.3)
    qtbot.waitUntil(lambda: box.job is None and box.result is not before, timeout=20_000)
    expected = engine_curvature()
    assert box.result.along_gradient == pytest.approx(expected.along_gradient, rel=1e-9)
    assert box.result.along_gradient != pytest.approx(before.along_gradient, rel=1e-6)
    assert f"{expected.top_eigenvalue:.3g}" in box.label.text()

    win.tape_dock.hide()  # hidden, it only says its numbers are stale
    click_plane(qtbot, landscape, -0.3, 0.2)
    assert box.job is None and box.result is None and "The weights moved" in box.label.text()
    win.tape_dock.show()
    click(box.button)
    qtbot.waitUntil(lambda: box.job is None and box.result is not None, timeout=20_000)
    assert box.result.along_gradient == pytest.approx(engine_curvature().along_gradient, rel=1e-9)
