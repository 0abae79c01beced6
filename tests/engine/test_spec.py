"""ChainSpec / LayerSpec: shapes, validation, strict dicts, and building the same Chain as by hand."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Chain, Dense, identity, relu, sigmoid, softmax
from engine.nn.spec import ACTIVATION_NAMES, INIT_NAMES, ChainSpec, LayerSpec

TUTORIAL = ChainSpec(10, (LayerSpec("dense", 5, "sigmoid"), LayerSpec("dense", 2),
                          LayerSpec("activation", activation="softmax")))


def dense(units, act="identity", **kw):
    return LayerSpec("dense", units, act, **kw)


def act(name):
    return LayerSpec("activation", activation=name)


def test_tutorial_shapes_params_and_repr():
    assert TUTORIAL.shapes() == [5, 2, 2]
    assert TUTORIAL.param_count() == 10 * 5 + 5 + 5 * 2 + 2
    assert TUTORIAL.problems() == []
    assert repr(TUTORIAL.build()) == "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)"


def test_build_computes_what_a_hand_built_chain_computes(rng):
    x = rng.standard_normal((7, 10))
    by_hand_rng = np.random.default_rng(3)  # build() draws the layers' weights in order from one generator
    by_hand = Chain(Dense(10, 5, sigmoid, rng=by_hand_rng), Dense(5, 2, rng=by_hand_rng), softmax)
    built = TUTORIAL.build(seed=3)
    np.testing.assert_array_equal(built(x), by_hand(x))
    for a, b in zip(built.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_build_options_bias_init_dtype_and_seed():
    spec = ChainSpec(3, (dense(4, "relu", bias=False, init="zeros"), dense(1)))
    chain = spec.build(seed=1, dtype=np.float32)
    first = chain.layers[0]
    assert first.bias is None and first.act is relu and not np.any(first.weight.value)
    assert chain.layers[1].weight.dtype == np.float32
    assert spec.param_count() == 3 * 4 + 4 * 1 + 1 == sum(p.value.size for p in chain.parameters())
    assert repr(spec.build(seed=5)) == repr(chain)
    np.testing.assert_array_equal(spec.build(seed=9)[1].weight.value, spec.build(seed=9)[1].weight.value)
    assert not np.array_equal(spec.build(seed=9)[1].weight.value, spec.build(seed=10)[1].weight.value)


def test_build_refuses_a_spec_with_problems():
    with pytest.raises(ValueError, match="cannot build"):
        ChainSpec(2, ()).build()


@pytest.mark.parametrize("spec, where, words", [
    (ChainSpec(0, (dense(2),)), None, "input needs between 1"),
    (ChainSpec(4, ()), None, "no layers"),
    (ChainSpec(4, (dense(0),)), 0, "needs between 1"),
    (ChainSpec(4, (dense(None),)), 0, "needs between 1"),
    (ChainSpec(4, (dense(3), act("softmax"), act("relu"))), 2, "relu after softmax makes no sense"),
    (ChainSpec(4, (dense(3, "softmax"), act("sigmoid"))), 1, "σ after softmax"),
    (ChainSpec(4, (dense(3, "logsoftmax"), act("tanh"))), 1, "tanh after logsoftmax"),
    (ChainSpec(4, (dense(1), act("softmax"))), 1, "softmax over a single feature"),
    (ChainSpec(4, (dense(1, "logsoftmax"),)), 0, "logsoftmax over a single feature"),
])
def test_every_problem_is_found_and_located(spec, where, words):
    located = spec.layer_problems()
    assert len(located) == 1, located
    assert located[0][0] == where
    assert words in located[0][1]
    assert spec.problems() == [located[0][1]]


def test_identity_after_softmax_and_dense_after_softmax_are_fine():
    assert ChainSpec(4, (dense(3), act("softmax"), act("identity"))).problems() == []
    assert ChainSpec(4, (dense(3, "softmax"), dense(2))).problems() == []


def test_layer_names_are_checked_on_construction():
    for bad in (dict(kind="conv"), dict(kind="dense", activation="swiglu"), dict(kind="dense", init="ones")):
        with pytest.raises(ValueError, match="unknown"):
            LayerSpec(**bad)


def test_dict_round_trip_and_json():
    d = TUTORIAL.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["layers"][0] == {"kind": "dense", "units": 5, "activation": "sigmoid", "bias": True,
                              "init": "glorot_uniform"}
    assert ChainSpec.from_dict(d) == TUTORIAL


layer_specs = st.one_of(
    st.builds(LayerSpec, st.just("dense"), st.integers(1, 64), st.sampled_from(ACTIVATION_NAMES),
              st.booleans(), st.sampled_from(INIT_NAMES)),
    st.builds(lambda a: LayerSpec("activation", activation=a), st.sampled_from(ACTIVATION_NAMES)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64), st.lists(layer_specs, max_size=6))
def test_any_spec_survives_a_dict_round_trip(inputs, layers):
    spec = ChainSpec(inputs, tuple(layers))
    assert ChainSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize("d, words", [
    ([], "must be an object"),
    ({"layers": []}, "needs 'inputs'"),
    ({"inputs": 2, "layers": [], "name": "x"}, "unknown key"),
    ({"inputs": 0, "layers": []}, "inputs must be between"),
    ({"inputs": 2.0, "layers": []}, "whole number"),
    ({"inputs": True, "layers": []}, "whole number"),
    ({"inputs": 2, "layers": {}}, "must be a list"),
    ({"inputs": 2, "layers": [{"kind": "conv"}]}, "layer 1: unknown layer kind"),
    ({"inputs": 2, "layers": [{"kind": "dense"}]}, "needs 'units'"),
    ({"inputs": 2, "layers": [{"kind": "dense", "units": 10**9}]}, "units must be between"),
    ({"inputs": 2, "layers": [{"kind": "dense", "units": 3, "bias": "yes"}]}, "'bias' must be true or false"),
    ({"inputs": 2, "layers": [{"kind": "dense", "units": 3, "init": "ones"}]}, "unknown initialiser"),
    ({"inputs": 2, "layers": [{"kind": "dense", "units": 3, "weights": []}]}, "unknown key"),
    ({"inputs": 2, "layers": [{"kind": "activation", "units": 3, "activation": "relu"}]}, "unknown key"),
    ({"inputs": 2, "layers": [{"kind": "activation"}]}, "needs an 'activation'"),
    ({"inputs": 2, "layers": [{"kind": "dense", "units": 2}, {"kind": "activation", "activation": "swiglu"}]},
     "layer 2: unknown activation"),
    ({"inputs": 2, "layers": ["relu"]}, "layer 1: a layer must be an object"),
])
def test_from_dict_is_strict(d, words):
    with pytest.raises(ValueError, match=words):
        ChainSpec.from_dict(d)


def test_from_chain_inverts_build():
    spec = ChainSpec(3, (dense(8, "relu"), act("tanh"), dense(2, bias=False), act("logsoftmax")))
    assert ChainSpec.from_chain(spec.build()) == spec
    assert ChainSpec.from_chain(Chain(Dense(10, 5, sigmoid, rng=0), Dense(5, 2, rng=0), softmax)) == TUTORIAL
    assert ChainSpec.from_chain(Chain(Dense(2, 2, identity, rng=0))).layers == (dense(2),)


@pytest.mark.parametrize("chain, words", [
    (Chain(Dense(2, 3, rng=0), lambda x: x * 2), "not a Dense layer or a known activation"),
    (Chain(Dense(2, 3, lambda x: x, rng=0)), "not one of the known activations"),
    (Chain(Dense(2, 3, rng=0), Dense(4, 1, rng=0)), "expects 4 features but the layer before gives 3"),
    (Chain(relu, softmax), "at least one Dense layer"),
    (Chain(), "at least one Dense layer"),
])
def test_from_chain_refuses_what_a_spec_cannot_say(chain, words):
    with pytest.raises(ValueError, match=words):
        ChainSpec.from_chain(chain)
