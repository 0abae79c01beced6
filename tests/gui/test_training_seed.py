"""The weight seed, typed into its box between runs, reaches the Trainer: it shuffles and splits with
the seed the panel shows (and splits its own validation set with)."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def type_into(box, text):
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key_Return)  # the box reports a finished edit, not each keystroke


def test_a_new_seed_between_runs_gives_a_trainer_with_that_seed(qtbot, panel):
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    first = panel.session.trainer()
    assert first.seed == 0
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.trainer() is first, "unchanged settings should keep the Trainer (and its shuffling)"

    click(panel.settings_box.advanced_toggle)
    assert panel.settings_box.init_seed_box.isVisible()
    type_into(panel.settings_box.init_seed_box, "7")
    assert panel.settings_box.init_seed_box.value() == 7
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.trainer() is not first and panel.session.trainer().seed == 7
    held_out = panel.session.dataset.split(panel.data_box.validation_box.value() / 100, seed=panel.session.trainer().seed)[1]
    assert np.array_equal(held_out.X, panel.session.split.raw_val.X), "the Trainer and the panel split differently"
