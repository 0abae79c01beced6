"""Play (train until stopped), the speed slider (slow motion to full speed) and a Step of one minibatch, through
real clicks and key presses; what they train is checked against a Trainer run on its own."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import Trainer, params
from gui.core import endless
from gui.panels.training.controls import PACES

from training_helpers import click, panel, settled, train_window, wait_state  # noqa: F401 - fixtures


def set_speed(qtbot, panel, steps_right_of_slowest=None):
    """Home, then Right presses on the speed slider (None: End, full speed)."""
    slider = panel.controls.speed_slider
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key_Home if steps_right_of_slowest is not None else Qt.Key_End)
    for _ in range(steps_right_of_slowest or 0):
        QTest.keyClick(slider, Qt.Key_Right)


def test_play_trains_past_the_epochs_box_across_fits_until_stop(qtbot, panel, monkeypatch):
    monkeypatch.setattr(endless, "SEGMENT", 7)  # many fits in a short run: the count must carry over
    panel.settings_box.epochs_box.setValue(5)
    click(panel.controls.play_button)
    wait_state(qtbot, panel, "running")
    assert not panel.controls.play_button.isEnabled() and panel.controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: panel.session.record.epochs >= 40, timeout=10_000)
    click(panel.controls.pause_button)
    assert panel.state == "paused"
    done = settled(qtbot, panel.session.epochs_in_run)
    for more in (1, 2):  # Step while paused: one more epoch of the run, across a fit's end too
        click(panel.controls.step_button)
        qtbot.waitUntil(lambda: panel.state == "paused" and panel.session.epochs_in_run() == done + more,
                        timeout=5000)
        assert settled(qtbot, panel.session.epochs_in_run) == done + more
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")
    s = panel.session
    assert s.epochs_done == done + 2 > 40 and s.record.epochs == s.epochs_done
    epochs, losses = s.record.loss.arrays()
    # no epoch counted twice or lost between fits (a run past Series.CAP points keeps every stride-th one)
    stride = s.record.loss.stride
    assert epochs[0] == 1 and np.all(np.diff(epochs) == stride) and epochs[-1] > s.epochs_done - stride
    assert "Stopped after" in panel.controls.status.text()


def test_slow_motion_steps_one_minibatch_and_trains_what_the_engine_trains(qtbot, panel):
    set_speed(qtbot, panel, 2)
    assert panel.controls.speed_label.text() == f"{PACES[2]} steps/s" and panel.session.pace == PACES[2]
    assert panel.controls.minibatch_box.isEnabled()
    click(panel.controls.minibatch_box)
    s = panel.session
    frames = panel.plots.boundary_plot.frames
    click(panel.controls.step_button)  # from idle: a run paused after its first minibatch
    qtbot.waitUntil(lambda: panel.state == "paused" and s.steps_in_run() == 1, timeout=5000)
    for more in (2, 3):
        click(panel.controls.step_button)
        qtbot.waitUntil(lambda: panel.state == "paused" and s.record.version and s.steps_in_run() == more,
                        timeout=5000)
    assert settled(qtbot, s.steps_in_run) == 3
    qtbot.waitUntil(lambda: panel.plots.boundary_plot.frames >= frames + 3, timeout=3000)  # a picture per step
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle")

    # the same three steps, by the engine alone
    st = s.settings
    model = s.spec.build(st.seed)
    alone = Trainer(model, st.loss, st.make_optimiser(), batch_size=st.batch_size, seed=st.seed,
                    standardise=s.standardiser)
    alone.hold_after_steps(3)
    alone.fit(s.dataset, 1, st.validation, should_stop=lambda: alone.history.steps >= 3)
    assert alone.t == s.trainer().t == 3
    for mine, theirs in zip(params(s.model), params(model)):
        np.testing.assert_allclose(mine.value, theirs.value, rtol=1e-10, atol=1e-12)


def test_full_speed_is_unpaced_and_a_running_fit_follows_the_slider(qtbot, panel):
    set_speed(qtbot, panel, None)
    assert panel.controls.speed_label.text() == "full speed" and panel.session.pace is None
    assert not panel.controls.minibatch_box.isEnabled() and not panel.controls.steps_by_minibatch()
    click(panel.controls.play_button)
    wait_state(qtbot, panel, "running")
    assert panel.session.trainer()._pace is None
    set_speed(qtbot, panel, 0)  # the slowest: one step a second, taken by the running fit
    assert panel.session.trainer()._pace == PACES[0]
    steps = panel.session.steps_in_run()
    qtbot.wait(300)
    assert panel.session.steps_in_run() <= steps + 1
    click(panel.controls.stop_button)
    wait_state(qtbot, panel, "idle", timeout=3000)
