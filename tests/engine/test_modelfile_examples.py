"""The example models in resources/examples: they load, they learnt their data, and the script
that makes them still works."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from engine import data, no_grad
from engine.modelfile import load_model
from gui.core.datarefs import open_reference
from engine.datasets.standardise import Standardiser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
NAMES = ["tutorial", "xor", "circle", "spiral"]


def accuracy(loaded, folder):
    dataset, _ = open_reference(loaded.dataset, folder)
    X = Standardiser.from_dict(loaded.dataset["normalisation"]).transform(dataset.X)
    with no_grad():
        Y = np.asarray(data(loaded.model(X)))
    predicted = (Y[:, 0] > 0.5).astype(int) if Y.shape[1] == 1 else Y.argmax(axis=1)
    return float((predicted == dataset.y).mean())


@pytest.mark.parametrize("name", NAMES)
def test_each_example_loads_and_has_learnt_its_data(name):
    path = EXAMPLES / f"{name}.chain"
    assert path.stat().st_size < 64 * 1024  # small enough to ship (weights, optimiser state, a gradient table)
    loaded = load_model(path)
    assert loaded.trained and loaded.history["epochs_done"] == loaded.settings["epochs"]
    assert len(loaded.layout["positions"]) == len(loaded.spec.layers) + 1  # Input, then each layer
    assert accuracy(loaded, EXAMPLES) >= 0.85


def test_the_tutorial_example_is_the_tutorials_chain():
    assert repr(load_model(EXAMPLES / "tutorial.chain").model) == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"


def test_the_spiral_example_has_three_classes():
    loaded = load_model(EXAMPLES / "spiral.chain")
    assert loaded.spec.shapes()[-1] == 3 and len(loaded.dataset["class_names"]) == 3


def test_the_script_regenerates_an_example(tmp_path):
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "benchmarks" / "make_examples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.tutorial_csv(tmp_path / "tutorial.csv")
    assert (tmp_path / "tutorial.csv").read_bytes() == (EXAMPLES / "tutorial.csv").read_bytes()
    made, shipped = load_model(script.make("xor", tmp_path)), load_model(EXAMPLES / "xor.chain")
    assert (made.spec, made.settings, made.dataset, made.layout) == \
        (shipped.spec, shipped.settings, shipped.dataset, shipped.layout)
    assert accuracy(made, tmp_path) >= 0.85
