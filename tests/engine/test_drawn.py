"""Drawn data: the points a person clicked, kept in the model file's data reference and checked like any
hostile input when it loads."""
import json
import zipfile

import numpy as np
import pytest

from engine import ChainSpec, LayerSpec, ModelFileError, load_model, save_model
from engine.datasets import DRAWN_CLASSES, MAX_DRAWN, DataError, drawn_dataset, drawn_points

POINTS = [[0.1, 0.2, 0], [-0.5, 0.4, 1], [0.3, -0.9, 1], [0.8, 0.8, 2]]


def test_points_make_a_dataset_and_come_back():
    ds = drawn_dataset(POINTS, "classification")
    assert ds.n_classes == 3 and ds.y.tolist() == [0, 1, 1, 2] and ds.X[3].tolist() == [0.8, 0.8]
    assert drawn_points(ds) == [[float(a), float(b), c] for a, b, c in POINTS]
    one_class = drawn_dataset([[0.0, 0.0, 0]], "classification")
    assert one_class.n_classes == 2  # a first point: still a two-class problem to draw on
    values = drawn_dataset([[0.0, 1.0, -0.25], [1.0, 0.0, 0.75]], "regression")
    assert values.task == "regression" and values.y[:, 0].tolist() == [-0.25, 0.75]


def test_nothing_drawn_is_said_plainly():
    with pytest.raises(DataError, match="nothing is drawn yet"):
        drawn_dataset([], "classification")


def _saved(tmp_path, points, task="classification"):
    spec = ChainSpec(2, (LayerSpec("dense", 4, "tanh"), LayerSpec("dense", 3), LayerSpec("activation",
                                                                                          activation="softmax")))
    path = tmp_path / "drawn.chain"
    save_model(path, spec, dataset={"source": "drawn", "name": "drawn", "task": task, "points": points})
    return path


def test_a_model_file_keeps_the_drawn_points(tmp_path):
    loaded = load_model(_saved(tmp_path, POINTS))
    assert loaded.dataset["source"] == "drawn" and loaded.dataset["points"] == POINTS


def _rewritten(tmp_path, points, task="classification"):
    path = _saved(tmp_path, POINTS)
    with zipfile.ZipFile(path) as archive:
        doc, weights = json.loads(archive.read("model.json")), archive.read("weights.npz")
    doc["dataset"].update(points=points, task=task)
    bad = tmp_path / "bad.chain"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("model.json", json.dumps(doc))
        archive.writestr("weights.npz", weights)
    return bad


@pytest.mark.parametrize("points, task, words", [
    ("many", "classification", "a list of at most"),
    ([[0.0, 0.0, 0]] * (MAX_DRAWN + 1), "classification", "a list of at most"),
    ([[0.0, 0.0]], "classification", "drawn point 1 must be three finite numbers"),
    ([[0.0, 0.0, 0], [1e308, 0.0, 1]], "classification", "drawn point 2 must be"),
    ([[0.0, True, 0]], "classification", "three finite numbers"),
    ([[0.0, 0.0, 0.5]], "classification", "has class 0.5"),
    ([[0.0, 0.0, DRAWN_CLASSES]], "classification", f"classes are 0 to {DRAWN_CLASSES - 1}"),
    ([[0.0, 0.0, -1]], "classification", "has class -1"),
    ([[0.0, 0.0, {"a": 1}]], "regression", "three finite numbers"),
    ([[0.0, 0.0, 1.0]], "clustering", "must be one of classification, regression"),
])
def test_hostile_points_are_refused_with_a_message(tmp_path, points, task, words):
    with pytest.raises(ModelFileError, match=words):
        load_model(_rewritten(tmp_path, points, task))


def test_the_command_line_trains_on_the_drawn_points(tmp_path, capsys):
    from gui.core import cli

    rng = np.random.default_rng(0)
    points = [[float(a), float(b), int(a > 0) + int(b > 0)] for a, b in rng.uniform(-1, 1, size=(40, 2))]
    path = _saved(tmp_path, points)
    assert cli.main(["train", str(path), "--epochs", "3", "--quiet"]) == 0
    loaded = load_model(path)
    assert loaded.trained and loaded.dataset["points"] == points and loaded.dataset["n_samples"] == 40


def test_the_pytorch_export_trains_on_the_drawn_points(tmp_path):
    torch = pytest.importorskip("torch")
    from engine.export import export

    points = [[0.1 * i - 1, 0.05 * i, i % 3] for i in range(20)]
    path = export(load_model(_saved(tmp_path, points)), "torch", tmp_path / "m.py",
                  settings={"loss": "crossentropy", "epochs": 2})[0]
    from export_helpers import load_module

    module = load_module(path)
    X, y = module.load_data()
    assert X.shape == (20, 2) and y.tolist() == [p[2] for p in points]
    history = module.train(epochs=2, report=lambda line: None)
    assert len(history["train_loss"]) == 2 and all(np.isfinite(history["train_loss"]))
    assert torch.isfinite(module.model(torch.tensor(X))).all()


def test_info_says_how_many_points_were_drawn(tmp_path, capsys):
    from gui.core import cli

    assert cli.main(["info", str(_saved(tmp_path, POINTS))]) == 0
    assert "4 drawn points (classification)" in capsys.readouterr().out
