"""ONNX import: MLPs as torch.onnx and Keras write them, and Chainboard's own exports, come back as Chains with their
weights; everything else is refused with one clear message (a fuzz test hunts for anything else)."""
import warnings

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from onnx import TensorProto, helper, numpy_helper

from engine import ChainSpec, LayerSpec, data, load_model, save_model
from engine.export import OnnxImportError, export, import_onnx
from engine.export import onnx_reader
from engine.modelfile import ModelFileError

from export_helpers import EXAMPLE_NAMES, every_activation, example, raw_rows, reference, run_onnx


def outputs(loaded, X):
    return reference(loaded, X)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_an_export_comes_back_as_the_same_chain_with_the_same_outputs(tmp_path, name):
    loaded = example(name)
    back = import_onnx(export(loaded, "onnx", tmp_path / "m.onnx")[0])
    assert back.spec == loaded.spec and repr(back.model) == repr(loaded.model)  # blocks as they were drawn
    assert back.dataset["normalisation"] == loaded.dataset["normalisation"]
    assert back.dataset["class_names"] == loaded.dataset["class_names"] and back.trained
    X = raw_rows(loaded.spec.inputs)
    np.testing.assert_array_equal(outputs(back, X), outputs(loaded, X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", sorted(every_activation()))
def test_every_activation_round_trips(tmp_path, activation, dtype):
    model = every_activation(dtype)[activation]
    back = import_onnx(export(model, "onnx", tmp_path / "m.onnx")[0])
    X = raw_rows(3)
    np.testing.assert_array_equal(outputs(back, X), outputs(model, X))
    assert back.model[0].weight.value.dtype == dtype
    assert back.settings == ({"dtype": "float32"} if dtype == np.float32 else {})


def test_an_import_saves_as_a_model_file_that_predicts_the_same(tmp_path):
    loaded = example("tutorial")
    back = import_onnx(export(loaded, "onnx", tmp_path / "t.onnx")[0])
    save_model(tmp_path / "t.chain", back.model, spec=back.spec, settings=back.settings, dataset=back.dataset)
    again = load_model(tmp_path / "t.chain")
    X = raw_rows(10)
    np.testing.assert_array_equal(outputs(again, X), outputs(loaded, X))


def graph_model(nodes, initializers, n_in=4, n_out=3, elem=TensorProto.FLOAT, opset=13, inputs=None):
    """A hand-made ModelProto: one input `x` (batch, n_in), one output `y`."""
    graph = helper.make_graph(nodes, "g", inputs or [helper.make_tensor_value_info("x", elem, ["N", n_in])],
                              [helper.make_tensor_value_info("y", elem, ["N", n_out])],
                              [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def keras_style(rng, dtype=np.float32):
    """MatMul with (in, out) weights, then Add of the bias, then the activation: what tf2onnx writes for Dense."""
    W1, b1 = rng.normal(size=(4, 8)).astype(dtype), rng.normal(size=8).astype(dtype)
    W2, b2 = rng.normal(size=(8, 3)).astype(dtype), rng.normal(size=3).astype(dtype)
    nodes = [helper.make_node("MatMul", ["x", "dense/kernel"], ["h0"], name="dense/MatMul"),
             helper.make_node("Add", ["dense/bias", "h0"], ["h1"], name="dense/BiasAdd"),  # either order
             helper.make_node("Relu", ["h1"], ["h2"], name="dense/Relu"),
             helper.make_node("MatMul", ["h2", "dense_1/kernel"], ["h3"], name="dense_1/MatMul"),
             helper.make_node("Add", ["h3", "dense_1/bias"], ["h4"], name="dense_1/BiasAdd"),
             helper.make_node("Softmax", ["h4"], ["y"], name="dense_1/Softmax", axis=1)]
    inits = {"dense/kernel": W1, "dense/bias": b1, "dense_1/kernel": W2, "dense_1/bias": b2}
    return graph_model(nodes, inits), inits


def save(tmp_path, model, name="m.onnx"):
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return path


def test_a_keras_style_matmul_add_graph_imports(tmp_path, rng):
    model, w = keras_style(rng)
    path = save(tmp_path, model)
    loaded = import_onnx(path)
    assert loaded.spec == ChainSpec(4, (LayerSpec("dense", 8, "relu"), LayerSpec("dense", 3, "softmax")))
    assert np.array_equal(loaded.model[0].weight.value, w["dense/kernel"].T)  # (out, in) as the engine keeps it
    X = rng.normal(size=(9, 4)).astype(np.float32)
    np.testing.assert_allclose(data(loaded.model(X)), run_onnx(path, X, np.float32), rtol=0, atol=1e-6)


def test_gemm_without_transposition_with_alpha_beta_and_no_bias(tmp_path, rng):
    W1 = rng.normal(size=(4, 5))  # transB=0: (in, out)
    b1 = rng.normal(size=(1, 5))  # a (1, out) bias broadcasts
    W2 = rng.normal(size=(2, 5))
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], alpha=0.5, beta=2.0),
             helper.make_node("Tanh", ["h"], ["t"]),
             helper.make_node("Gemm", ["t", "W2"], ["y"], transB=1)]
    path = save(tmp_path, graph_model(nodes, {"W1": W1, "b1": b1, "W2": W2}, n_out=2, elem=TensorProto.DOUBLE))
    loaded = import_onnx(path)
    assert loaded.spec == ChainSpec(4, (LayerSpec("dense", 5, "tanh"), LayerSpec("dense", 2, bias=False)))
    X = rng.normal(size=(6, 4))
    np.testing.assert_allclose(data(loaded.model(X)), run_onnx(path, X, np.float64), rtol=0, atol=1e-12)


def test_constant_nodes_and_identity_nodes_are_read(tmp_path, rng):
    W = rng.normal(size=(3, 4))
    nodes = [helper.make_node("Constant", [], ["W"], value=numpy_helper.from_array(W)),
             helper.make_node("Identity", ["x"], ["x1"]),
             helper.make_node("Gemm", ["x1", "W"], ["h"], transB=1),
             helper.make_node("LeakyRelu", ["h"], ["y"], alpha=0.01)]
    loaded = import_onnx(save(tmp_path, graph_model(nodes, {}, elem=TensorProto.DOUBLE)))
    assert [layer.label() for layer in loaded.spec.layers] == ["identity", "Dense(3, leakyrelu)"]


def test_a_torch_model_exported_with_torch_onnx_imports(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed: the torch.onnx import test needs it")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 6), torch.nn.LeakyReLU(),
                              torch.nn.Linear(6, 3), torch.nn.LogSoftmax(dim=1)).double()
    X = torch.randn(5, 4, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(net, (X,), tmp_path / "t.onnx", input_names=["x"], output_names=["y"], dynamo=False,
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    loaded = import_onnx(tmp_path / "t.onnx")
    assert repr(loaded.model) == "Chain(Dense(4 => 8, tanh), Dense(8 => 6, leakyrelu), Dense(6 => 3, logsoftmax))"
    np.testing.assert_allclose(data(loaded.model(X.numpy())), net(X).detach().numpy(), rtol=0, atol=1e-12)


def bad_graph(rng, op):
    W = rng.normal(size=(3, 4)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="first", transB=1),
             helper.make_node(op, ["h"], ["y"], name="the odd one")]
    return graph_model(nodes, {"W": W})


@pytest.mark.parametrize("make, words", [
    (lambda rng: bad_graph(rng, "Selu"), "node 'the odd one' (Selu) is not part of an MLP"),
    (lambda rng: bad_graph(rng, "Conv"), "node 'the odd one' (Conv)"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["h"], transB=1),
                              helper.make_node("LeakyRelu", ["h"], ["y"], name="lr", alpha=0.2)],
                             {"W": rng.normal(size=(3, 4)).astype(np.float32)}), "slope 0.2"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)],
                             {"W": rng.normal(size=(3, 4)).astype(np.float32)},
                             inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4]),
                                     helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 4])]),
     "2 inputs"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)],
                             {"W": rng.normal(size=(3, 4)).astype(np.int32)}), "not float or double"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)],
                             {"W": rng.normal(size=(3, 5)).astype(np.float32)}), "declares 4 features"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "x"], ["y"], transB=1)], {}), "uses its input twice"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "V"], ["y"], transB=1)], {}), "not a constant"),
    (lambda rng: graph_model([helper.make_node("Relu", ["x"], ["y"])], {}, n_out=4), "no Gemm or MatMul"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["h"], transB=1),
                              helper.make_node("Softmax", ["h"], ["s"]), helper.make_node("Softmax", ["s"], ["y"])],
                             {"W": rng.normal(size=(3, 4)).astype(np.float32)}), "has problems"),
    (lambda rng: graph_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1, domain="com.example")],
                             {"W": rng.normal(size=(3, 4)).astype(np.float32)}), "operator set 'com.example'"),
])
def test_what_is_not_an_mlp_is_refused_naming_the_node(tmp_path, rng, make, words):
    with pytest.raises(OnnxImportError) as caught:
        import_onnx(save(tmp_path, make(rng)))
    assert words in str(caught.value) and str(caught.value).startswith(f"Cannot import {tmp_path / 'm.onnx'}: ")


def test_external_data_is_never_followed(tmp_path, rng):
    model, _ = keras_style(rng)
    secret = tmp_path / "elsewhere.bin"
    secret.write_bytes(b"\0" * 4 * 32)
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    tensor.external_data.add(key="location", value=str(secret))
    with pytest.raises(OnnxImportError, match="refers to external data"):
        import_onnx(save(tmp_path, model))


def test_size_caps_come_before_reading(tmp_path, rng, monkeypatch):
    model, _ = keras_style(rng)
    path = save(tmp_path, model)
    monkeypatch.setattr(onnx_reader, "MAX_ONNX_BYTES", 100)
    with pytest.raises(OnnxImportError, match="more than an MLP import takes"):
        import_onnx(path)
    monkeypatch.setattr(onnx_reader, "MAX_ONNX_BYTES", 1 << 20)
    monkeypatch.setattr(onnx_reader, "MAX_PARAMS", 10)
    with pytest.raises(OnnxImportError, match="more than the 10 numbers"):
        import_onnx(path)


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b"not onnx at all"), "not an ONNX model"),
    (lambda p: p.write_bytes(b""), "not an ONNX model"),
    (lambda p: p.mkdir(), "folder"),
])
def test_files_that_are_not_onnx_are_one_message(tmp_path, make, words):
    make(tmp_path / "m.onnx")
    with pytest.raises(OnnxImportError, match=words):
        import_onnx(tmp_path / "m.onnx")
    with pytest.raises(ModelFileError, match="no such file"):  # an OnnxImportError is a ModelFileError
        import_onnx(tmp_path / "missing.onnx")


def test_non_finite_weights_are_refused(tmp_path, rng):
    model, w = keras_style(rng)
    model.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.full(8, np.inf, np.float32), "dense/bias"))
    with pytest.raises(OnnxImportError, match="NaN or infinite"):
        import_onnx(save(tmp_path, model))


def test_damaged_chainboard_metadata_falls_back_to_the_graph(tmp_path):
    loaded = example("spiral")
    model = onnx.load(export(loaded, "onnx", tmp_path / "s.onnx")[0])
    for prop in model.metadata_props:
        if prop.key == "chainboard.spec":
            prop.value = '{"inputs": 2, "layers": "nonsense"'
    back = import_onnx(save(tmp_path, model))
    assert repr(back.model) == "Chain(Dense(2 => 16, relu), Dense(16 => 16, relu), Dense(16 => 3, softmax))"
    X = raw_rows(2)
    np.testing.assert_array_equal(outputs(back, X), outputs(loaded, X))


EXPORTED = {}


def exported_bytes(tmp_path_factory):
    if not EXPORTED:
        folder = tmp_path_factory.mktemp("fuzz")
        EXPORTED["bytes"] = export(example("spiral"), "onnx", folder / "s.onnx")[0].read_bytes()
    return EXPORTED["bytes"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_damaged_files_give_a_message_or_a_working_chain(tmp_path_factory, tmp_path, data):
    raw = bytearray(exported_bytes(tmp_path_factory))
    how = data.draw(st.sampled_from(["flip", "truncate", "insert", "overwrite"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if how == "flip":
        raw[at] ^= 1 << data.draw(st.integers(0, 7))
    elif how == "truncate":
        del raw[at:]
    elif how == "insert":
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    else:
        chunk = data.draw(st.binary(min_size=1, max_size=64))
        raw[at:at + len(chunk)] = chunk
    path = tmp_path / "fuzzed.onnx"
    path.write_bytes(bytes(raw))
    try:
        loaded = import_onnx(path)
    except OnnxImportError as error:
        assert "internal error" not in str(error), str(error)
        return
    with np.errstate(all="ignore"):  # a flipped exponent bit makes a weight huge, yet finite: still a Chain
        out = reference(loaded, raw_rows(loaded.spec.inputs, n=3))
    assert out.shape == (3, loaded.spec.shapes()[-1])  # what imports is a Chain that runs


LAYER_OPS = ["Gemm", "Gemm (in, out)", "MatMul + Add", "MatMul", "Relu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
             "LeakyRelu", "Identity", "Selu", "Exp"]


def random_graph(draw_ops, rng):
    """A graph of the drawn layers on a single path, float64, widths chosen so that it always runs."""
    nodes, inits, x, width = [], {}, "x", 3
    for i, op in enumerate(draw_ops):
        out = f"v{i}"
        if op.startswith("Gemm") or op.startswith("MatMul"):
            units = int(rng.integers(1, 5))
            W = rng.normal(size=(units, width))
            if op == "Gemm":
                inits[f"W{i}"], inits[f"b{i}"] = W, rng.normal(size=units)
                nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"b{i}"], [out], transB=1))
            elif op == "Gemm (in, out)":
                inits[f"W{i}"] = W.T
                nodes.append(helper.make_node("Gemm", [x, f"W{i}"], [out]))
            else:
                inits[f"W{i}"] = W.T
                nodes.append(helper.make_node("MatMul", [x, f"W{i}"], [out if op == "MatMul" else f"m{i}"]))
                if op == "MatMul + Add":
                    inits[f"b{i}"] = rng.normal(size=units)
                    nodes.append(helper.make_node("Add", [f"m{i}", f"b{i}"], [out]))
            width = units
        else:
            attrs = {"axis": -1} if op in ("Softmax", "LogSoftmax") else {"alpha": 0.01} if op == "LeakyRelu" else {}
            nodes.append(helper.make_node(op, [x], [out], **attrs))
        x = out
    nodes[-1].output[0] = "y"
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", width])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.sampled_from(LAYER_OPS), min_size=1, max_size=6), seed=st.integers(0, 1000))
def test_fuzz_whatever_imports_computes_what_onnxruntime_computes(tmp_path, ops, seed):
    rng = np.random.default_rng(seed)
    path = save(tmp_path, random_graph(ops, rng))
    try:
        loaded = import_onnx(path)
    except OnnxImportError as error:
        assert "internal error" not in str(error), str(error)
        assert {"Selu", "Exp"} & set(ops) or "problems" in str(error) or "no Gemm" in str(error), str(error)
        return
    X = rng.normal(size=(4, 3))
    # rtol: an ONNX attribute is a float32, so onnxruntime's LeakyRelu slope is 0.01 to 8 digits
    np.testing.assert_allclose(data(loaded.model(X)), run_onnx(path, X, np.float64), rtol=1e-6, atol=1e-9)
