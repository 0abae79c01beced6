"""Derived input features (x₁², x₂², x₁x₂, sin x₁, sin x₂): part of the model, so the spec, the model file and
every export carry them, and each export computes them from raw rows exactly as the engine does."""
import json
import zipfile

import numpy as np
import pytest

from engine import Chain, ChainSpec, Dense, LayerSpec, ModelFileError, load_model, save_model, tanh
from engine.datasets import xor
from engine.export import export
from engine.nn.features import FEATURES, add_features, check_features, dataset_with_features

from export_helpers import EXAMPLES, load_module, run_onnx

ALL = tuple(FEATURES)
NORM = {"normalisation": {"mean": [0.5, -1.0, 2.0, 3.0, 1.0, 0.1, -0.2], "std": [2.0, 3.0, 4.0, 9.0, 6.0, 0.7, 0.8]}}


def by_hand(X):
    """The derived columns written out from their definitions, independently of engine.nn.features."""
    a, b = X[:, 0], X[:, 1]
    return np.column_stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)])


def rows(n=30, seed=0):
    return np.random.default_rng(seed).normal(0.5, 3.0, size=(n, 2))


def test_add_features_appends_the_chosen_columns_in_canonical_order():
    X = rows()
    np.testing.assert_array_equal(add_features(X, ALL), by_hand(X))
    np.testing.assert_array_equal(add_features(X, ("sin(x2)", "x1^2")), by_hand(X)[:, [0, 1, 2, 6]])
    np.testing.assert_array_equal(add_features(X, ()), X)
    assert dataset_with_features(xor(10), ("x1*x2",)).n_features == 3


@pytest.mark.parametrize("bad, words", [(["x3^2"], "unknown derived feature"), (["x1^2", "x1^2"], "twice"),
                                        ("x1^2", "a list"), ([7], "unknown derived feature")])
def test_bad_feature_names_are_refused_by_name(bad, words):
    with pytest.raises(ValueError, match=words):
        check_features(bad)


def test_add_features_needs_two_raw_columns():
    with pytest.raises(ValueError, match="2 raw inputs"):
        add_features(np.zeros((4, 3)), ("x1^2",))


def test_the_spec_counts_derived_inputs_and_says_when_the_input_does_not():
    spec = ChainSpec(4, (LayerSpec("dense", 3, "tanh"), LayerSpec("dense", 1)), ("sin(x1)", "x1*x2"))
    assert spec.features == ("x1*x2", "sin(x1)") and spec.data_inputs == 2 and spec.problems() == []
    assert ChainSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    wrong = ChainSpec(2, spec.layers, ("x1^2",))
    assert any("needs 3 features" in p for p in wrong.problems())
    assert "features" not in ChainSpec(2, spec.layers).to_dict()  # files without them look as before


def _trained(tmp_path, features=ALL, dtype=np.float64):
    spec = ChainSpec(2 + len(features), (LayerSpec("dense", 5, "tanh"), LayerSpec("dense", 2)), features)
    model = spec.build(seed=3, dtype=dtype)
    norm = {"normalisation": {k: v[:spec.inputs] for k, v in NORM["normalisation"].items()}}
    path = tmp_path / "featured.chain"
    save_model(path, model, spec=spec, dataset=norm, settings={"dtype": np.dtype(dtype).name})
    return load_model(path), model, norm["normalisation"]


def _engine(model, norm, X, cols=slice(None)):
    Z = (by_hand(X)[:, cols] - np.array(norm["mean"])) / np.array(norm["std"])
    return np.asarray(model(Z.astype(model.layers[0].weight.value.dtype)).value)


def test_a_model_file_keeps_its_features(tmp_path):
    loaded, model, norm = _trained(tmp_path)
    assert loaded.spec.features == ALL and loaded.spec.inputs == 7
    with zipfile.ZipFile(tmp_path / "featured.chain") as archive:
        assert json.loads(archive.read("model.json"))["spec"]["features"] == list(ALL)


@pytest.mark.parametrize("name", ["circle", "xor", "tutorial"])
def test_files_saved_before_features_load_without_any(name):
    assert load_model(EXAMPLES / f"{name}.chain").spec.features == ()


@pytest.mark.parametrize("features, words", [(["x1^3"], "unknown derived feature"), ("x1^2", "a list"),
                                             (["x1^2"], "needs 3 features")])
def test_a_file_with_bad_features_is_refused(tmp_path, features, words):
    loaded, _, _ = _trained(tmp_path)
    with zipfile.ZipFile(tmp_path / "featured.chain") as archive:
        doc, weights = json.loads(archive.read("model.json")), archive.read("weights.npz")
    doc["spec"]["features"] = features
    bad = tmp_path / "bad.chain"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("model.json", json.dumps(doc))
        archive.writestr("weights.npz", weights)
    with pytest.raises(ModelFileError, match=words):
        load_model(bad)


def test_numpy_export_computes_the_features(tmp_path):
    loaded, model, norm = _trained(tmp_path)
    module = load_module(export(loaded, "numpy", tmp_path / "m.py")[0])
    X = rows()
    np.testing.assert_allclose(module.predict(X), _engine(model, norm, X), rtol=0, atol=1e-9)
    assert module.INPUTS == 2


@pytest.mark.parametrize("dtype, atol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_onnx_export_computes_the_features_as_graph_ops(tmp_path, dtype, atol):
    pytest.importorskip("onnxruntime")
    import onnx

    loaded, model, norm = _trained(tmp_path, dtype=dtype)
    path = export(loaded, "onnx", tmp_path / "m.onnx")[0]
    ops = [node.op_type for node in onnx.load(str(path)).graph.node]
    assert ops[:ops.index("Concat") + 1].count("Mul") == 3 and ops.count("Sin") == 2
    X = rows()
    np.testing.assert_allclose(run_onnx(path, X, dtype), _engine(model, norm, X), rtol=0, atol=atol)


def test_onnx_with_some_features_and_no_standardisation(tmp_path):
    pytest.importorskip("onnxruntime")
    spec = ChainSpec(3, (LayerSpec("dense", 2, "tanh"),), ("x2^2",))
    model = spec.build(seed=1)
    save_model(tmp_path / "f.chain", model, spec=spec)
    path = export(load_model(tmp_path / "f.chain"), "onnx", tmp_path / "m.onnx")[0]
    X = rows()
    want = np.asarray(model(by_hand(X)[:, [0, 1, 3]]).value)
    np.testing.assert_allclose(run_onnx(path, X, np.float64), want, rtol=0, atol=1e-12)


def test_torch_export_computes_the_features(tmp_path):
    torch = pytest.importorskip("torch")
    loaded, model, norm = _trained(tmp_path)
    module = load_module(export(loaded, "torch", tmp_path / "m.py")[0])
    X = rows()
    with torch.no_grad():
        got = module.model(torch.tensor(X)).numpy()
    np.testing.assert_allclose(got, _engine(model, norm, X), rtol=0, atol=1e-9)


def test_torch_training_loop_fits_statistics_of_the_derived_inputs(tmp_path):
    torch = pytest.importorskip("torch")
    spec = ChainSpec(4, (LayerSpec("dense", 3, "tanh"), LayerSpec("dense", 1, "sigmoid")), ("x1^2", "x2^2"))
    path = export(spec, "torch", tmp_path / "m.py", settings={"loss": "binarycrossentropy", "epochs": 2},
                  dataset={"source": "generator", "name": "circle", "params": {"n": 60}})[0]
    module = load_module(path)
    module.train(epochs=2, report=lambda line: None)
    data = module.GENERATOR(n=60)[0]
    train_rows, _ = module.split(60, 0.2, 0)
    Z = by_hand(data[train_rows])[:, [0, 1, 2, 3]]
    np.testing.assert_allclose(module.model.standardise.mean.numpy(), Z.mean(axis=0), rtol=1e-12)
    assert torch.isfinite(module.model(torch.tensor(data))).all()


def test_flux_export_has_the_features_first(tmp_path):
    loaded, _, _ = _trained(tmp_path, features=("x1*x2", "sin(x2)"))
    text = export(loaded, "flux", tmp_path / "m.jl")[0].read_text()
    assert "derived(x) = vcat(x, x[1:1, :] .* x[2:2, :], sin.(x[2:2, :]))" in text
    chain = text[text.index("model = f64(Chain("):]
    assert chain.index("derived,") < chain.index("standardise,") < chain.index("Dense(4 => 5, tanh)")
    assert "model[3].weight .=" in text and "model[4].weight .=" in text  # after derived and standardise


def test_a_bare_chain_exports_with_features_given():
    from engine.export import Exportable

    model = Chain(Dense(3, 1, tanh, rng=0))
    X = rows()
    got = Exportable.of(model, features=("x1*x2",)).predict(X)
    np.testing.assert_allclose(got, np.asarray(model(by_hand(X)[:, [0, 1, 4]]).value), rtol=0, atol=1e-15)
