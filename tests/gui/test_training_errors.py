"""Divergence and worker exceptions: a message, finite weights, and an app that stays usable."""
import numpy as np

from engine import Trainer, params

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def test_a_huge_learning_rate_stops_the_run_and_keeps_finite_weights(qtbot, panel):
    panel.data_box.dataset_box.setCurrentText("sine")
    click(panel.data_box.fit_button)  # identity output and mse: nothing bounds the blow-up
    panel.settings_box.optimiser_box.setCurrentText("Descent")
    panel.settings_box.lr_box.setValue(1e6)
    panel.settings_box.epochs_box.setValue(1000)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    box = panel.last_alert
    assert box is not None and box.isVisible() and not box.isModal()
    assert "diverged" in box.text() and "lower learning rate" in box.text()
    assert "diverged" in panel.controls.status.text()
    assert all(np.isfinite(p.value).all() for p in params(panel.session.model))
    assert panel.session.epochs_done < 1000
    box.close()
    panel.settings_box.lr_box.setValue(0.01)  # what the message suggests: the app trains again
    panel.settings_box.epochs_box.setValue(5)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    assert np.isfinite(panel.session.record.loss.ys[-1])


def test_a_worker_exception_shows_the_error_and_leaves_the_app_usable(qtbot, train_window, panel, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(Trainer, "fit", boom)
    click(panel.controls.start_button)
    qtbot.waitUntil(lambda: panel.last_alert is not None and panel.last_alert.isVisible(), timeout=5000)
    wait_state(qtbot, panel, "idle")
    assert "injected failure" in panel.last_alert.text()
    assert panel.controls.start_button.isEnabled() and train_window.palette_panel.isEnabled()
    assert not train_window.lock.banner.isVisible()
    panel.last_alert.close()
    monkeypatch.undo()
    panel.settings_box.epochs_box.setValue(3)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == 3
