"""Formula activations in every export (issue 16): each format writes the formula as code in its language, and
the code computes what the engine computes (onnxruntime, the written NumPy and PyTorch files); an ONNX export
imports back as the same Chain, and a tampered function is refused."""
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from engine import Chain, Dense, formula
from engine.export import OnnxImportError, export, import_onnx
from engine.export.onnx_functions import function

from export_helpers import load_module, raw_rows, reference, run_onnx

NORM3 = {"normalisation": {"mean": [1.0, -2.0, 3.0], "std": [2.0, 0.5, 4.0]}}
FORMULAS = ["swish(x) = x*σ(x)", "x * tanh(softplus(x))", "where(x > 0, x, 0.1 * (exp(x) - 1))",
            "max(x, 0.5 * x) + min(x, 0) ** 2 - abs(x) / 3", "x ** 3 / (1 + x * x)",
            "sqrt(x * x + 1) - 1 + sin(x) * cos(x) + relu(x) * e - π", "where(x != 0, x, 1) + where(x <= -1, 2, x)"]


def model_with(i, dtype):
    """A Chain with formula i fused into a Dense layer and the next formula as a block of its own."""
    return Chain(Dense(3, 6, formula(FORMULAS[i]), rng=i, dtype=dtype), Dense(6, 4, rng=i + 100, dtype=dtype),
                 formula(FORMULAS[(i + 1) % len(FORMULAS)]))


CASES = [(i, dtype) for i in range(len(FORMULAS)) for dtype in (np.float64, np.float32)]
IDS = [f"{i}-{np.dtype(d).name}" for i, d in CASES]


def close(got, expected, dtype, atol64=1e-9):
    """float64 to `atol64`; float32 to its rounding (these formulas reach values of 100 and more)."""
    if dtype == np.float64:
        np.testing.assert_allclose(got, expected, rtol=0, atol=atol64)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("i, dtype", CASES, ids=IDS)
def test_numpy_export_computes_the_formulas(tmp_path, i, dtype):
    model = model_with(i, dtype)
    module = load_module(export(model, "numpy", tmp_path / "m.py", dataset=NORM3)[0])
    X = raw_rows(3)
    got = module.predict(X)
    assert got.dtype == dtype
    close(got, reference(model, X, dataset=NORM3), dtype)


@pytest.mark.parametrize("i, dtype", CASES, ids=IDS)
def test_torch_export_computes_the_formulas(tmp_path, i, dtype):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    model = model_with(i, dtype)
    module = load_module(export(model, "torch", tmp_path / "m.py", dataset=NORM3)[0])
    X = raw_rows(3)
    with torch.no_grad():
        got = module.model(torch.tensor(X)).numpy()
    assert got.dtype == dtype
    close(got, reference(model, X, dataset=NORM3), dtype)


@pytest.mark.parametrize("i, dtype", CASES, ids=IDS)
def test_onnx_export_runs_the_formulas_in_onnxruntime_and_imports_back(tmp_path, i, dtype):
    model = model_with(i, dtype)
    path = export(model, "onnx", tmp_path / "m.onnx", dataset=NORM3)[0]
    X = raw_rows(3)
    got = run_onnx(path, X, dtype)
    assert got.dtype == dtype
    close(got, reference(model, X, dataset=NORM3), dtype, atol64=1e-12)
    back = import_onnx(path)
    assert repr(back.model) == repr(model)  # the formulas as they were typed
    np.testing.assert_array_equal(reference(back, X), reference(model, X, dataset=NORM3))
    onnx.checker.check_model(onnx.load(path), full_check=True)


def test_each_formula_is_one_node_calling_a_local_function(tmp_path):
    model = Chain(Dense(2, 3, formula("x * σ(x)"), rng=0), Dense(3, 3, formula("x * σ(x)"), rng=1),
                  formula("relu(x) ** 2"))
    graph_model = onnx.load(export(model, "onnx", tmp_path / "m.onnx")[0])
    calls = [n for n in graph_model.graph.node if n.domain == "chainboard"]
    assert [n.name for n in calls] == ["layer1 x * σ(x)", "layer2 x * σ(x)", "layer3 relu(x) ** 2"]
    assert len(graph_model.functions) == 2  # one function per formula, however often it is used
    assert {f.doc_string for f in graph_model.functions} == {"x * σ(x)", "relu(x) ** 2"}


def _tampered(path, change):
    model = onnx.load(path)
    change(model.functions[0])
    path.write_bytes(model.SerializeToString())
    return path


@pytest.mark.parametrize("change, words", [
    (lambda f: f.node[-1].CopyFrom(helper.make_node("Add", ["x", "x"], ["y"])),
     "its body is not the one Chainboard writes for it"),
    (lambda f: setattr(f, "doc_string", "__import__('os')"), "its formula is refused: '__import__' at column 1"),
    (lambda f: setattr(f, "doc_string", "x * x"), "its name is not the hash of its formula"),
    (lambda f: setattr(f, "name", "formula_0000"), "does not define its function"),
])
def test_a_tampered_formula_function_is_refused(tmp_path, change, words):
    path = export(Chain(Dense(2, 3, formula("x * σ(x)"), rng=0)), "onnx", tmp_path / "m.onnx")[0]
    with pytest.raises(OnnxImportError, match=re.escape(words)):
        import_onnx(_tampered(path, change))


def test_builtins_are_functions_too_and_bodies_are_exact():
    for name in ("elu", "gelu", "swish", "softplus", "mish", "logsigmoid"):
        f64, f32 = function(helper, name, np.float64), function(helper, name, np.float32)
        constants = [n for n in f64.node if n.op_type == "Constant"]
        assert f64.name == name and f64.doc_string.startswith(f"{name}(x) = ")
        assert (f64.SerializeToString() != f32.SerializeToString()) == bool(constants)  # constants have a type


def test_flux_writes_julia_functions_of_the_canonical_text(tmp_path):
    model = Chain(Dense(2, 3, formula("swish(x)=x*σ(x)"), rng=0), Dense(3, 1, rng=1), formula("where(x>0,x,0)"))
    text = export(model, "flux", tmp_path / "m.jl")[0].read_text()
    assert "# swish(x) = x * σ(x)\nfunction formula_1(x::T) where {T<:Real}" in text
    assert "formula_2(x::AbstractArray) = formula_2.(x)" in text and "ifelse(t0, x, zero(T))" in text
    assert "Dense(2 => 3, formula_1)," in text and "    formula_2," in text


def test_only_the_canonical_text_reaches_code(tmp_path):
    """What the user typed (spacing and all) goes into no exported code: comments hold the engine's own text."""
    model = Chain(Dense(2, 3, formula("x*σ(   x )"), rng=0), Dense(3, 1, rng=1))
    for fmt, name in (("numpy", "m.py"), ("torch", "t.py"), ("flux", "m.jl")):
        text = export(model, fmt, tmp_path / name)[0].read_text()
        assert "σ(   x )" not in text and "x * σ(x)" in text, fmt


def _graph(op, opset, **attributes):
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["h"], transB=1), helper.make_node(op, ["h"], ["y"], name="act",
                                                                                          **attributes)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
                              [numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "W"),
                               numpy_helper.from_array(rng.normal(size=4).astype(np.float32), "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


@pytest.mark.parametrize("op, opset, attributes, name", [("Elu", 17, {}, "elu"), ("Softplus", 17, {}, "softplus"),
                                                         ("Mish", 18, {}, "mish"),
                                                         ("Gelu", 20, {"approximate": "tanh"}, "gelu")])
def test_onnx_ops_of_the_new_activations_import_as_them(tmp_path, op, opset, attributes, name):
    path = tmp_path / "m.onnx"
    path.write_bytes(_graph(op, opset, **attributes).SerializeToString())
    loaded = import_onnx(path)
    assert repr(loaded.model) == f"Chain(Dense(3 => 4, {name}))"
    X = raw_rows(3)
    np.testing.assert_allclose(reference(loaded, X), run_onnx(path, X, np.float32), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op, opset, attributes, words", [
    ("Elu", 17, {"alpha": 0.5}, "has alpha 0.5; Chainboard's elu has alpha 1"),
    ("Gelu", 20, {}, "is the exact (erf) GELU; Chainboard's gelu is the tanh approximation")])
def test_onnx_ops_with_other_parameters_are_refused(tmp_path, op, opset, attributes, words):
    path = tmp_path / "m.onnx"
    path.write_bytes(_graph(op, opset, **attributes).SerializeToString())
    with pytest.raises(OnnxImportError, match=re.escape(words)):
        import_onnx(path)
