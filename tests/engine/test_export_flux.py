"""The Flux.jl export, read back as a Flux user's Julia would read it (no Julia here): the Chain's text, and weights
that equal the model's, (out, in) as Flux stores them."""
import re

import numpy as np
import pytest

from engine import ChainSpec, LayerSpec
from engine.export import export

from export_helpers import EXAMPLE_NAMES, every_activation, example

LITERAL = re.compile(r"(reshape\()?(Float32|Float64)\[(.*?)\](, (\d+), 1\))?$")


def julia_array(text):
    """A typed Julia array literal (as the writer makes them) as a numpy array of that type."""
    match = LITERAL.fullmatch(text.strip())
    assert match, text[:80]
    dtype = np.float32 if match.group(2) == "Float32" else np.float64
    body = match.group(3)
    if match.group(1):  # reshape(Float64[a, b, ...], n, 1): one column
        return np.array([float(v) for v in body.split(", ")], dtype=dtype).reshape(-1, 1)
    if ";" in body or (" " in body and "," not in body):  # a matrix: rows split by ';', entries by spaces
        return np.array([[float(v) for v in row.split()] for row in body.split("; ")], dtype=dtype)
    return np.array([float(v) for v in body.split(", ")], dtype=dtype)


def read_flux(text):
    """(the Chain's lines, {"model[i].weight": array, ...}, {"input_mean": array, ...})."""
    chain = re.search(r"model = (?:f64\()?Chain\(\n(.*?)\n\)\)?\n", text, re.S).group(1)
    steps = [line.split("#")[0].strip().rstrip(",") for line in chain.splitlines()]
    weights = dict(re.findall(r"^(model\[\d+\]\.(?:weight|bias)) \.= (.*)$", text, re.M))
    consts = dict(re.findall(r"^const (\w+) = (.*)$", text, re.M))
    return steps, {k: julia_array(v) for k, v in weights.items()}, {k: julia_array(v) for k, v in consts.items()}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_chain_and_its_weights_read_back(tmp_path, name):
    loaded = example(name)
    text = export(loaded, "flux", tmp_path / "m.jl")[0].read_text()
    steps, weights, consts = read_flux(text)
    expected = repr(loaded.model)[len("Chain("):-1]
    assert ", ".join(steps[1:]) == expected  # Flux's own spelling: Dense(2 => 8, tanh), σ, softmax
    assert steps[0] == "standardise" and text.startswith("# Chain(") and "using Flux" in text
    offset = 2  # Julia counts from 1, and the standardisation comes first
    for i, block in enumerate(loaded.model.layers):
        if hasattr(block, "weight"):
            assert np.array_equal(weights[f"model[{i + offset}].weight"], block.weight.value)
            assert np.array_equal(weights[f"model[{i + offset}].bias"], block.bias.value)
    norm = loaded.dataset["normalisation"]
    assert consts["input_mean"].tolist() == norm["mean"] and consts["input_std"].tolist() == norm["std"]
    assert "model = f64(Chain(" in text  # float64 weights stay float64 in Flux


@pytest.mark.parametrize("activation, flux", [("sigmoid", "σ"), ("tanh", "tanh"), ("relu", "relu"),
                                              ("leakyrelu", "leakyrelu"), ("softmax", "softmax"),
                                              ("logsoftmax", "logsoftmax"), ("identity", "identity"),
                                              ("elu", "elu"), ("gelu", "gelu"), ("swish", "swish"),
                                              ("softplus", "softplus"), ("mish", "mish"), ("logsigmoid", "logσ")])
def test_every_activation_has_its_flux_name(tmp_path, activation, flux):
    model = every_activation(np.float32)[activation]
    text = export(model, "flux", tmp_path / "m.jl")[0].read_text()
    steps, weights, _ = read_flux(text)
    dense = "Dense(3 => 6)" if activation == "identity" else f"Dense(3 => 6, {flux})"
    assert steps == [dense, "Dense(6 => 4)", flux]
    assert weights["model[1].weight"].dtype == np.float32 and "f64(" not in text  # Flux's own default: Float32
    assert np.array_equal(weights["model[1].weight"], model[0].weight.value)


def test_no_bias_one_input_column_and_a_design(tmp_path):
    spec = ChainSpec(1, (LayerSpec("dense", 3, "tanh", bias=False), LayerSpec("dense", 1)))
    text = export(spec, "flux", tmp_path / "d.jl", settings={"seed": 2})[0].read_text()
    steps, weights, _ = read_flux(text)
    assert steps == ["Dense(1 => 3, tanh, bias=false)", "Dense(3 => 1)"]
    model = spec.build(seed=2)
    assert weights["model[1].weight"].shape == (3, 1)  # reshape(...): a one-column literal is still a matrix
    assert np.array_equal(weights["model[1].weight"], model[0].weight.value)
    assert "model[1].bias" not in weights and "untrained weights" in text


def test_large_models_read_their_weights_with_npz(tmp_path):
    loaded = example("spiral")
    written = export(loaded, "flux", tmp_path / "big.jl", inline_limit=10)
    assert [p.name for p in written] == ["big.jl", "big.npz"]
    text = written[0].read_text()
    assert 'npzread(joinpath(@__DIR__, "big.npz"))' in text and 'model[2].weight .= weights["layer1.weight"]' in text
    with np.load(written[1], allow_pickle=False) as stored:
        assert np.array_equal(stored["layer1.weight"], loaded.model[0].weight.value)
