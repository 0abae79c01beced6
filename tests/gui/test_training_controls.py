"""Train, Pause/Resume, Step, Stop and Reset through real clicks; the Chain is locked while training."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import params
from engine.training import KERNELS

from canvas_helpers import drag, in_port, out_port
from training_helpers import TANH_NET, click, panel, settled, train_window, wait_state  # noqa: F401 - fixtures


def weights(model):
    return [p.value.copy() for p in params(model)]


def test_start_pause_resume_step_stop(qtbot, train_window, panel):
    panel.settings_box.epochs_box.setValue(10_000_000)  # far more than the test will wait for
    assert [b.isEnabled() for b in (panel.controls.start_button, panel.controls.pause_button, panel.controls.step_button,
                                    panel.controls.stop_button, panel.controls.reset_button)] == [True, False, True, False, True]
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running")
    qtbot.waitUntil(lambda: panel.session.record.epochs >= 3, timeout=5000)
    assert not panel.controls.start_button.isEnabled() and panel.controls.stop_button.isEnabled()

    click(panel.controls.pause_button)
    assert panel.state == "paused" and panel.controls.pause_button.text() == "Resume"
    steps = settled(qtbot, lambda: panel.session.trainer().t)  # the step counter stops moving...
    qtbot.wait(300)
    assert panel.session.trainer().t == steps, "a paused run kept training"  # ...and stays put
    version = panel.session.record.version

    click(panel.controls.pause_button)  # Resume
    assert panel.state == "running"
    qtbot.waitUntil(lambda: panel.session.record.version > version, timeout=3000)

    click(panel.controls.pause_button)
    settled(qtbot, lambda: panel.session.trainer().t)
    done_before = panel.session.trainer().history.epochs_done
    for more in (1, 2):  # while paused: exactly one more epoch of this run each time, and still paused
        click(panel.controls.step_button)
        qtbot.waitUntil(lambda: panel.state == "paused" and panel.session.trainer().history.epochs_done
                        == done_before + more, timeout=5000)
        settled(qtbot, lambda: panel.session.trainer().t)
        assert panel.session.trainer().history.epochs_done == done_before + more
        assert panel.controls.pause_button.text() == "Resume" and panel.controls.stop_button.isEnabled()
    click(panel.controls.pause_button)  # Resume goes on from there
    wait_state(qtbot, panel, "running")
    qtbot.waitUntil(lambda: panel.session.trainer().history.epochs_done > done_before + 3, timeout=5000)
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")

    before = panel.session.epochs_done
    click(panel.controls.step_button)  # from idle: one epoch
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == before + 1

    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running")
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle", timeout=2000)
    assert panel.job is None
    assert "Stopped" in panel.controls.status.text()


def test_training_continues_from_the_kept_weights_and_reset_reinitialises(qtbot, panel):
    fresh = weights(TANH_NET.build(0))
    panel.settings_box.epochs_box.setValue(20)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    trained = weights(panel.session.model)
    assert panel.session.epochs_done == 20 and not all(np.array_equal(a, b) for a, b in zip(trained, fresh))
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == 40 and panel.session.record.epochs == 40  # the plot's epochs run on
    click(panel.controls.reset_button)
    assert panel.session.epochs_done == 0 and len(panel.session.record.loss) == 0
    assert all(np.array_equal(a, b) for a, b in zip(weights(panel.session.model), fresh))


def test_the_chain_is_locked_while_training(qtbot, train_window, panel):
    win, doc = train_window, train_window.doc
    win.editor.set_properties(doc.chain_blocks()[1].block_id, units=9)  # something to undo
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running")
    undo = win.actions_by_name["undo"]
    assert win.lock.banner.isVisible()
    assert not win.palette_panel.isEnabled() and not win.properties.isEnabled()
    assert not undo.isEnabled() and not win.actions_by_name["delete"].isEnabled()
    assert not panel.data_box.isEnabled() and not panel.settings_box.isEnabled()  # data and settings too
    state = doc.state()
    win.view.reset_zoom()
    blocks = doc.chain_blocks()
    drag(win.view, out_port(win.view, blocks[2].block_id), in_port(win.view, blocks[0].block_id))
    QTest.keyClick(win.view, Qt.Key_Z, Qt.ControlModifier)
    assert doc.state() == state, "a structural edit got through the lock"
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")
    assert not win.lock.banner.isVisible() and win.palette_panel.isEnabled() and undo.isEnabled()


def test_train_starts_at_once_on_the_tape_and_hands_over_to_the_kernels(qtbot, panel, monkeypatch):
    """A fresh machine: the kernels are not built yet. Train starts anyway, says why it runs on the tape, and
    carries on compiled the moment they are ready."""
    assert KERNELS.wait("float64")
    monkeypatch.setattr(KERNELS, "ready", lambda dtype: False)
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    assert panel.state == "running"
    qtbot.waitUntil(lambda: panel.session.last_progress is not None, timeout=3000)
    assert "eager" in panel.controls.progress.format()
    assert "being built" in panel.session.last_progress.reason
    monkeypatch.undo()
    qtbot.waitUntil(lambda: panel.session.last_progress.path == "compiled", timeout=5000)
    assert "compiled" in panel.controls.progress.format()
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.trainer().history.switched_at > 0


def test_choosing_a_dataset_fits_the_input_and_proposes_the_output(qtbot, train_window, panel):
    doc, stack = train_window.doc, train_window.undo_stack
    panel.data_box.dataset_box.setCurrentText("sine")  # 1 feature, regression: Dense(1, σ) can train but badly
    assert doc.chain_blocks()[0].units == 1
    assert panel.settings_box.loss_box.currentText() == "mse"
    assert panel.data_box.fit_button.isVisible() and "Regression" in panel.data_box.fit_hint.text()
    assert doc.chain_blocks()[-1].activation == "sigmoid"  # proposed, not imposed
    click(panel.data_box.fit_button)
    assert doc.chain_blocks()[-1].activation == "identity" and not panel.data_box.fit_button.isVisible()
    stack.undo()
    assert doc.chain_blocks()[-1].activation == "sigmoid"

    panel.data_box.dataset_box.setCurrentText("gaussians")
    panel.data_box.classes_box.setValue(3)  # one output cannot separate three classes: the Chain is changed
    last = doc.chain_blocks()
    assert (last[0].units, last[-1].units, last[-1].activation) == (2, 3, "softmax")
    assert panel.settings_box.loss_box.currentText() == "crossentropy"
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == 1
    stack.undo()  # the output change is one undo step
    assert doc.chain_blocks()[-1].units == 1
