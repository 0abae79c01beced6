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


def test_a_run_that_fails_midway_keeps_and_saves_what_it_learnt(qtbot, train_window, panel, monkeypatch, tmp_path):
    """Issue 18.5: ~10,000 epochs changed the weights before a failure, yet epochs_done stayed 0, the
    document was not modified and Save wrote the design only."""
    from engine import load_model
    from engine.training import trainer as trainer_module
    chunk, calls = trainer_module._Run._chunk, {"n": 0}

    def failing(self, runner):
        calls["n"] += 1
        if calls["n"] == 6:  # five chunks have trained
            raise RuntimeError("injected failure midway")
        return chunk(self, runner)

    monkeypatch.setattr(trainer_module._Run, "_chunk", failing)
    before = [p.value.copy() for p in params(panel.session.model)]
    panel.settings_box.epochs_box.setValue(10_000_000)
    click(panel.controls.start_button)
    qtbot.waitUntil(lambda: panel.last_alert is not None and panel.last_alert.isVisible(), timeout=10_000)
    wait_state(qtbot, panel, "idle")
    panel.last_alert.close()
    done = panel.session.epochs_done
    learnt = [p.value.copy() for p in params(panel.session.model)]
    assert done > 0 and any(not np.array_equal(a, b) for a, b in zip(before, learnt))
    assert train_window.files.is_modified()
    path = tmp_path / "failed.chain"
    assert train_window.files.save_to(path)
    loaded = load_model(str(path))
    assert loaded.trained and loaded.history["epochs_done"] == done
    for saved, live in zip(params(loaded.model), learnt):
        assert np.array_equal(saved.value, live)


def test_an_error_in_the_slot_that_ends_a_run_still_leaves_the_dock_idle(qtbot, train_window, panel, monkeypatch):
    """Issue 18.14: an exception while reporting the result wedged the dock ("running" forever, Stop and Close
    raised, the window could not close)."""
    def broken_report(history):
        raise RuntimeError("injected failure in the report")

    monkeypatch.setattr(panel, "_report", broken_report)
    panel.settings_box.epochs_box.setValue(5)
    with qtbot.capture_exceptions() as raised:
        click(panel.controls.start_button)
        wait_state(qtbot, panel, "idle")
    assert any("injected failure in the report" in str(e[1]) for e in raised)
    assert panel.controls.start_button.isEnabled() and not train_window.lock.banner.isVisible()
    monkeypatch.undo()
    click(panel.controls.start_button)  # it trains again
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == 10
    assert train_window.files._stop_training()  # nothing running: closing is not refused
