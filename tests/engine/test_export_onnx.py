"""ONNX export: valid models (onnx.checker) whose outputs in onnxruntime equal the engine's, raw rows in."""
import dataclasses
import importlib
import json

import numpy as np
import onnx
import pytest

from engine import ChainSpec, LayerSpec, data
from engine.export import Exportable, ExportError, export, export_files
from engine.export.onnx_writer import onnx_model

from export_helpers import EXAMPLE_NAMES, every_activation, example, raw_rows, reference, run_onnx

NORM3 = {"normalisation": {"mean": [1.0, -2.0, 3.0], "std": [2.0, 0.5, 4.0]}}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_run_in_onnxruntime_as_in_the_engine(tmp_path, name):
    loaded = example(name)
    path = export(loaded, "onnx", tmp_path / f"{name}.onnx")[0]
    X = raw_rows(loaded.spec.inputs)
    got = run_onnx(path, X, np.float64)
    assert got.dtype == np.float64 and got.shape == (len(X), loaded.spec.shapes()[-1])
    np.testing.assert_allclose(got, reference(loaded, X), rtol=0, atol=1e-12)
    onnx.checker.check_model(onnx.load(path), full_check=True)


@pytest.mark.parametrize("dtype, atol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("activation", sorted(every_activation()))
def test_every_activation_in_both_dtypes(tmp_path, activation, dtype, atol):
    model = every_activation(dtype)[activation]
    path = export(model, "onnx", tmp_path / "m.onnx", dataset=NORM3)[0]
    X = raw_rows(3)
    got = run_onnx(path, X, dtype)
    assert got.dtype == dtype
    if activation == "leakyrelu" and dtype == np.float64:
        atol = 1e-8  # ONNX attributes are float32: LeakyRelu's slope is 0.01 to 8 digits
    np.testing.assert_allclose(got, reference(model, X, dataset=NORM3), rtol=0, atol=atol)


def test_names_shapes_standardisation_and_metadata(tmp_path):
    loaded = example("spiral")
    model = onnx.load(export(loaded, "onnx", tmp_path / "s.onnx")[0])
    graph = model.graph
    assert [n.name for n in graph.node] == [
        "standardise: subtract the mean", "standardise: divide by the std", "layer1 Dense(16, relu)", "layer1 relu",
        "layer2 Dense(16, relu)", "layer2 relu", "layer3 Dense(3)", "layer4 softmax"]
    assert [n.op_type for n in graph.node] == ["Sub", "Div", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]
    (given,), (out,) = graph.input, graph.output
    assert (given.name, out.name) == ("input", "output")
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert dims(given) == ["batch", 2] and dims(out) == ["batch", 3]  # a dynamic batch dimension
    stats = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    norm = loaded.dataset["normalisation"]
    assert stats["standardise.mean"].tolist() == norm["mean"] and stats["standardise.std"].tolist() == norm["std"]
    assert np.array_equal(stats["layer1.weight"], loaded.model[0].weight.value)  # (out, in), transB=1
    meta = {p.key: p.value for p in model.metadata_props}
    assert ChainSpec.from_dict(json.loads(meta["chainboard.spec"])) == loaded.spec
    assert "standardises them" in " ".join(model.doc_string.split()) and model.producer_name == "Chainboard"


@pytest.mark.parametrize("rows", [1, 7, 300])
def test_any_batch_size_runs(tmp_path, rows):
    loaded = example("tutorial")
    path = export(loaded, "onnx", tmp_path / "t.onnx")[0]
    X = raw_rows(10, n=rows, seed=rows)
    np.testing.assert_allclose(run_onnx(path, X, np.float64), reference(loaded, X), rtol=0, atol=1e-12)


def test_a_design_exports_the_weights_training_starts_from(tmp_path):
    spec = ChainSpec(3, (LayerSpec("dense", 5, "tanh", bias=False), LayerSpec("dense", 2)))
    path = export(spec, "onnx", tmp_path / "d.onnx", settings={"seed": 7})[0]
    X = raw_rows(3)
    np.testing.assert_allclose(run_onnx(path, X, np.float64), data(spec.build(seed=7)(X)), rtol=0, atol=1e-12)
    assert "untrained weights (drawn with seed 7" in " ".join(onnx.load(path).doc_string.split())
    assert len(onnx.load(path).graph.node[0].input) == 2  # no bias: a Gemm of two inputs


def test_without_standardisation_the_graph_starts_with_the_first_layer(tmp_path):
    model = every_activation()["relu"]
    graph = onnx.load(export(model, "onnx", tmp_path / "m.onnx")[0]).graph
    assert graph.node[0].op_type == "Gemm" and graph.node[0].input[0] == "input"


@pytest.mark.parametrize("fmt", ["onnx", "torch", "numpy", "flux"])
def test_an_activation_a_writer_does_not_know_is_refused_by_name(tmp_path, fmt):
    ex = Exportable.of(every_activation()["tanh"])
    odd = dataclasses.replace(ex, steps=(dataclasses.replace(ex.steps[0], activation="cubic"), *ex.steps[1:]))
    writer = importlib.import_module(f"engine.export.{fmt}_writer")
    with pytest.raises(ExportError, match="cannot export the cubic activation to .* yet"):
        writer.write(odd, tmp_path / "m", None)


@pytest.mark.parametrize("source, words", [
    (ChainSpec(2, ()), "no layers"),
    (ChainSpec(2, (LayerSpec("dense", 1, "softmax"),)), "single feature"),
    ("a string", "only a Chain"),
])
def test_what_cannot_be_exported_says_why(tmp_path, source, words):
    with pytest.raises(ExportError, match=words):
        export_files(source, "onnx", tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_non_finite_weights_and_unknown_formats_are_refused(tmp_path):
    model = every_activation()["tanh"]
    with pytest.raises(ExportError, match="unknown export format 'keras'"):
        export(model, "keras", tmp_path / "m")
    model[0].weight.value[0, 0] = np.nan
    with pytest.raises(ExportError, match="layer 1 .* NaN"):
        export(model, "onnx", tmp_path / "m.onnx")


def test_a_write_that_fails_says_why(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ExportError, match="Cannot write .*a-file/x.onnx"):
        export(example("xor"), "onnx", tmp_path / "a-file" / "x.onnx")


def test_the_model_proto_is_checked_before_it_is_written():
    model = onnx_model(Exportable.of(example("circle")))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17 and model.ir_version == 8
