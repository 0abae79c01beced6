"""Regularisation and the learning-rate schedule, set in the Training group with the keyboard, reach the
session's Trainer; the group shows the scheduled rate as the epochs go by, and a model file keeps the settings."""
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.nn import Schedule
from gui.core.session import Settings
from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def type_into(box, text):
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key_Return)  # the box reports a finished edit, not each keystroke


def choose(combo, text):
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        QTest.keyClick(combo, Qt.Key_Down)
    assert combo.currentText() == text


def test_a_step_schedule_and_penalties_typed_in_reach_the_trainer_and_the_rate_shown_follows(qtbot, panel):
    box = panel.settings_box
    assert not box.schedule_epochs_box.isEnabled()  # a constant rate has no pace
    type_into(box.lr_box, "0.02")
    choose(box.schedule_box, "step")
    assert box.schedule_epochs_box.isEnabled()
    type_into(box.schedule_epochs_box, "2")
    type_into(box.l1_box, "0.001")
    type_into(box.l2_box, "0.01")
    assert box.rate_label.text() == "0.02"

    click(panel.controls.step_button)  # one epoch
    wait_state(qtbot, panel, "idle")
    trainer = panel.session.trainer()
    opt = trainer.optimiser
    assert (opt.eta, opt.l1, opt.weight_decay) == (0.02, 0.001, 0.01)
    assert opt.schedule == Schedule("step", epochs=2, factor=0.5)
    assert box.rate_label.text() == "0.02"  # epoch 2 still runs at the base rate
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.trainer() is trainer and trainer.epoch == 2
    assert box.rate_label.text() == "0.01"  # the third epoch runs at half the rate

    saved = panel.session.settings.to_model_file()
    assert saved["optimiser"]["schedule"] == {"kind": "step", "epochs": 2, "factor": 0.5}
    assert Settings().from_model_file(saved) == panel.session.settings
