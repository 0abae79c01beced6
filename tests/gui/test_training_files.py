"""What training learnt goes into model files, and comes back: weights, settings, data, history."""
import numpy as np

from engine import load_model, params
from gui.core.resources import resource

EXAMPLES = resource("examples")

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def test_saving_after_training_keeps_weights_settings_data_and_history(qtbot, train_window, panel, tmp_path):
    panel.settings_box.lr_box.setValue(0.02)
    panel.settings_box.epochs_box.setValue(25)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "idle")
    path = tmp_path / "trained.chain"
    assert train_window.files.save_to(path)
    loaded = load_model(str(path))
    assert loaded.trained
    for saved, live in zip(params(loaded.model), params(panel.session.model)):
        assert np.array_equal(saved.value, live.value)
    assert loaded.settings["optimiser"]["name"] == "Adam" and loaded.settings["optimiser"]["eta"] == 0.02
    assert loaded.settings["loss"] == "binarycrossentropy" and loaded.settings["epochs"] == 25
    assert loaded.dataset["name"] == "circle" and loaded.dataset["params"]["n"] == 200
    assert "normalisation" in loaded.dataset
    assert loaded.history["epochs_done"] == 25 and len(loaded.history["train_loss"]) == 25


def test_opening_a_trained_example_restores_it_and_training_continues(qtbot, train_window, panel):
    path = EXAMPLES / "spiral.chain"
    assert train_window.files.open_path(path, confirmed=True)
    loaded = load_model(str(path))
    assert panel.data_box.dataset_box.currentText() == "spiral"
    assert panel.data_box.classes_box.value() == loaded.dataset["params"].get("classes", 3)
    assert panel.settings_box.loss_box.currentText() == loaded.settings["loss"]
    assert panel.session.epochs_done == loaded.history["epochs_done"] > 0
    for mine, theirs in zip(params(panel.session.model), params(loaded.model)):
        assert np.array_equal(mine.value, theirs.value)
    assert panel.session.fixed is not None
    np.testing.assert_allclose(panel.session.standardiser.mean, loaded.dataset["normalisation"]["mean"])
    # the restored weights classify the restored data well: the boundary plot shows a trained model
    out = panel.session.predict(panel.session.dataset.X)
    accuracy = np.mean(out.argmax(axis=1) == panel.session.dataset.y)
    assert accuracy > 0.8
    before = panel.session.epochs_done
    click(panel.controls.step_button)
    wait_state(qtbot, panel, "idle")
    assert panel.session.epochs_done == before + 1 and panel.session.record.epochs == before + 1
