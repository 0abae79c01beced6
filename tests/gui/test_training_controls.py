"""Train, Pause/Resume, Step, Stop and Reset through real clicks; the Chain is locked while training."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import params
from gui.worker import WarmUp

from canvas_helpers import drag, in_port, out_port
from training_helpers import TANH_NET, click, panel, settled, train_window, wait_state  # noqa: F401 - fixtures


def weights(model):
    return [p.value.copy() for p in params(model)]


def test_start_pause_resume_step_stop(qtbot, train_window, panel):
    panel.epochs_box.setValue(10_000_000)  # far more than the test will wait for
    assert [b.isEnabled() for b in (panel.start_button, panel.pause_button, panel.step_button,
                                    panel.stop_button, panel.reset_button)] == [True, False, True, False, True]
    click(panel.start_button)
    wait_state(qtbot, panel, "running")
    qtbot.waitUntil(lambda: panel.record.epochs >= 3, timeout=5000)
    assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()

    click(panel.pause_button)
    assert panel.state == "paused" and panel.pause_button.text() == "Resume"
    steps = settled(qtbot, lambda: panel.trainer.t)  # the step counter stops moving...
    qtbot.wait(300)
    assert panel.trainer.t == steps, "a paused run kept training"  # ...and stays put
    version = panel.record.version

    click(panel.pause_button)  # Resume
    assert panel.state == "running"
    qtbot.waitUntil(lambda: panel.record.version > version, timeout=3000)

    click(panel.pause_button)
    done_before = panel.record.epochs
    click(panel.step_button)  # while paused: end this run, then train exactly one epoch
    wait_state(qtbot, panel, "idle")
    assert panel.epochs_done >= done_before
    qtbot.waitUntil(lambda: panel.record.epochs == panel.epochs_done, timeout=3000)

    before = panel.epochs_done
    click(panel.step_button)  # from idle: one epoch
    wait_state(qtbot, panel, "idle")
    assert panel.epochs_done == before + 1

    click(panel.start_button)
    wait_state(qtbot, panel, "running")
    click(panel.stop_button)
    wait_state(qtbot, panel, "idle", timeout=2000)
    assert panel.training_run is None
    assert "Stopped" in panel.status.text()


def test_training_continues_from_the_kept_weights_and_reset_reinitialises(qtbot, panel):
    fresh = weights(TANH_NET.build(0))
    panel.epochs_box.setValue(20)
    click(panel.start_button)
    wait_state(qtbot, panel, "idle")
    trained = weights(panel.model)
    assert panel.epochs_done == 20 and not all(np.array_equal(a, b) for a, b in zip(trained, fresh))
    click(panel.start_button)
    wait_state(qtbot, panel, "idle")
    assert panel.epochs_done == 40 and panel.record.epochs == 40  # the plot's epochs run on
    click(panel.reset_button)
    assert panel.epochs_done == 0 and len(panel.record.loss) == 0
    assert all(np.array_equal(a, b) for a, b in zip(weights(panel.model), fresh))


def test_the_chain_is_locked_while_training(qtbot, train_window, panel):
    win, doc = train_window, train_window.doc
    win.editor.set_properties(doc.chain_blocks()[1].block_id, units=9)  # something to undo
    panel.epochs_box.setValue(10_000_000)
    click(panel.start_button)
    wait_state(qtbot, panel, "running")
    undo = win.actions_by_name["undo"]
    assert win.chain_lock.banner.isVisible()
    assert not win.palette_panel.isEnabled() and not win.properties.isEnabled()
    assert not undo.isEnabled() and not win.actions_by_name["delete"].isEnabled()
    assert not panel.settings[0].isEnabled()  # data and settings too
    state = doc.state()
    win.view.reset_zoom()
    blocks = doc.chain_blocks()
    drag(win.view, out_port(win.view, blocks[2].block_id), in_port(win.view, blocks[0].block_id))
    QTest.keyClick(win.view, Qt.Key_Z, Qt.ControlModifier)
    assert doc.state() == state, "a structural edit got through the lock"
    click(panel.stop_button)
    wait_state(qtbot, panel, "idle")
    assert not win.chain_lock.banner.isVisible() and win.palette_panel.isEnabled() and undo.isEnabled()


def test_train_before_the_kernels_are_ready_shows_preparing(qtbot, panel, monkeypatch):
    monkeypatch.setattr(WarmUp, "ready", classmethod(lambda cls: False))
    panel.epochs_box.setValue(5)
    click(panel.start_button)
    assert panel.state == "preparing" and "preparing" in panel.progress.format()
    assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    qtbot.wait(100)
    assert panel.state == "preparing"
    monkeypatch.undo()
    wait_state(qtbot, panel, "idle")
    assert panel.epochs_done == 5


def test_choosing_a_dataset_fits_the_input_and_proposes_the_output(qtbot, train_window, panel):
    doc, stack = train_window.doc, train_window.undo_stack
    panel.dataset_box.setCurrentText("sine")  # 1 feature, regression: Dense(1, σ) can train but badly
    assert doc.chain_blocks()[0].units == 1
    assert panel.loss_box.currentText() == "mse"
    assert panel.fit_button.isVisible() and "Regression" in panel.fit_hint.text()
    assert doc.chain_blocks()[-1].activation == "sigmoid"  # proposed, not imposed
    click(panel.fit_button)
    assert doc.chain_blocks()[-1].activation == "identity" and not panel.fit_button.isVisible()
    stack.undo()
    assert doc.chain_blocks()[-1].activation == "sigmoid"

    panel.dataset_box.setCurrentText("gaussians")
    panel.classes_box.setValue(3)  # one output cannot separate three classes: the Chain is changed
    last = doc.chain_blocks()
    assert (last[0].units, last[-1].units, last[-1].activation) == (2, 3, "softmax")
    assert panel.loss_box.currentText() == "crossentropy"
    click(panel.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.epochs_done == 1
    stack.undo()  # the output change is one undo step
    assert doc.chain_blocks()[-1].units == 1
