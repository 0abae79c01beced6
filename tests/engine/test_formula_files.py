"""Formula activations in specs, model files and the command line (issue 16): a formula is stored as its text,
checked again on load; a file with a bad formula is refused with ModelFileError, and the strict spec reader
refuses a formula text anywhere it does not belong."""
import json
import re
import zipfile

import numpy as np
import pytest

from engine import Chain, ChainSpec, Dense, LayerSpec, formula, load_model, save_model
from engine.modelfile import ModelFileError
from gui.core import cli

SWISH = "swish(x) = x * σ(x)"


def model():
    return Chain(Dense(2, 4, formula(SWISH), rng=0), Dense(4, 3, rng=1), formula("where(x > 0, x, 0.1 * x)"))


def test_a_trained_chain_with_formulas_saves_and_loads_as_itself(tmp_path):
    original = model()
    save_model(tmp_path / "f.chain", original, settings={"loss": "mse"})
    loaded = load_model(tmp_path / "f.chain")
    assert repr(loaded.model) == repr(original) and loaded.spec == ChainSpec.from_chain(original)
    X = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(loaded.model(X), original(X))
    with zipfile.ZipFile(tmp_path / "f.chain") as zf:
        layers = json.loads(zf.read("model.json"))["spec"]["layers"]
    assert layers[0]["activation"] == "formula" and layers[0]["formula"] == SWISH  # the text, as typed
    assert layers[2] == {"kind": "activation", "activation": "formula", "formula": "where(x > 0, x, 0.1 * x)"}


def test_the_text_is_kept_as_typed_so_the_canvas_spec_saves_with_its_model(tmp_path):
    spec = ChainSpec(2, (LayerSpec("dense", 3, "formula", formula=" swish(x)=x*σ( x) "), LayerSpec("dense", 1)))
    trained = spec.build(seed=1)
    assert trained[0].act.source == " swish(x)=x*σ( x) " and ChainSpec.from_chain(trained) == spec
    save_model(tmp_path / "s.chain", trained, spec=spec)  # as the window saves: its spec, and the trained Chain
    assert load_model(tmp_path / "s.chain").spec == spec


def test_a_design_with_a_formula_saves_and_builds(tmp_path):
    spec = ChainSpec(3, (LayerSpec("dense", 5, "formula", formula="x ** 3 / (1 + x * x)"), LayerSpec("dense", 1)))
    save_model(tmp_path / "d.chain", spec)
    loaded = load_model(tmp_path / "d.chain")
    assert loaded.spec == spec and loaded.model is None and not loaded.problems
    assert repr(spec.build(seed=0)) == "Chain(Dense(3 => 5, formula('x ** 3 / (1 + x * x)')), Dense(5 => 1))"
    assert spec.layers[0].label() == "Dense(5, x ** 3 / (1 + x * x))"
    assert LayerSpec("activation", activation="formula", formula=SWISH).label() == "swish"


@pytest.mark.parametrize("layer, words", [
    ({"kind": "dense", "units": 2, "activation": "formula"}, "the formula is empty"),
    ({"kind": "dense", "units": 2, "activation": "relu", "formula": "x"}, "only a formula activation has a formula"),
    ({"kind": "activation", "activation": "formula", "formula": ["x"]}, "a formula is text, not list"),
    ({"kind": "activation", "activation": "formula", "formula": "x", "name": "f"}, "unknown key(s) 'name'"),
    ({"kind": "activation", "activation": "formula", "formula": "open('/etc/passwd')"}, "text is not allowed"),
])
def test_the_spec_reader_stays_strict(layer, words):
    with pytest.raises(ValueError, match=f"layer 1: .*{re.escape(words)}"):
        ChainSpec.from_dict({"inputs": 2, "layers": [layer]})


def test_a_file_with_a_bad_formula_is_refused_and_nothing_runs(tmp_path):
    save_model(tmp_path / "ok.chain", model())
    with zipfile.ZipFile(tmp_path / "ok.chain") as zf:
        doc, weights = json.loads(zf.read("model.json")), zf.read("weights.npz")
    doc["spec"]["layers"][0]["formula"] = "__import__('os').system('touch owned')"
    with zipfile.ZipFile(tmp_path / "bad.chain", "w") as zf:
        zf.writestr("model.json", json.dumps(doc))
        zf.writestr("weights.npz", weights)
    with pytest.raises(ModelFileError, match="layer 1: its formula is refused: '__import__' at column 1"):
        load_model(tmp_path / "bad.chain")
    assert not (tmp_path / "owned").exists()


def test_the_command_line_shows_formulas(tmp_path, capsys):
    save_model(tmp_path / "f.chain", model())
    assert cli.main(["info", str(tmp_path / "f.chain")]) == 0
    out = capsys.readouterr().out
    assert "Dense(2 => 4, swish)" in out and "where(x > 0, x, 0.1 * x)" in out


def test_the_command_line_trains_a_design_with_formulas_and_saves_them(tmp_path, capsys):
    spec = ChainSpec(2, (LayerSpec("dense", 6, "formula", formula=SWISH), LayerSpec("dense", 2),
                         LayerSpec("activation", activation="softmax")))
    save_model(tmp_path / "design.chain", spec, settings={"seed": 3, "epochs": 3})
    assert cli.main(["train", str(tmp_path / "design.chain"), "--data", "circle:n=80", "--quiet"]) == 0
    loaded = load_model(tmp_path / "design.chain")
    assert loaded.trained and loaded.spec == spec and loaded.history["epochs_done"] == 3
    assert loaded.history["train_loss"][-1] < loaded.history["train_loss"][0]
    assert "formula('swish(x) = x * σ(x)')" in repr(loaded.model)
