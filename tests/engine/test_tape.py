"""engine.analysis.record_tape: each op's adjoint against central differences of the loss with respect to that
intermediate value, the order of the tape, and the gradients against `gradient`'s."""
import numpy as np
import pytest

from engine import Chain, Dense, formula, gradient, params, relu, softmax, tanh
from engine.analysis import record_tape
from engine.analysis.tape import op_name
from engine.autodiff import Tracked, param
from engine.nn import LOSSES

CASES = {
    "tanh, mse": (lambda: Chain(Dense(2, 3, tanh, rng=0), Dense(3, 2, rng=1)), "mse", [0.4, -1.3], [0.5, -0.2]),
    "swish, softmax, crossentropy": (lambda: Chain(Dense(3, 4, formula("x * σ(x)"), rng=2), Dense(4, 3, rng=3),
                                                   softmax), "crossentropy", [1.0, -0.5, 0.3], [0.0, 1.0, 0.0]),
    "relu, logitcrossentropy": (lambda: Chain(Dense(2, 5, relu, rng=4), Dense(5, 2, rng=5)), "logitcrossentropy",
                                [0.7, 0.9], [1.0, 0.0]),
}


class Creations:
    """Watches Tracked.__init__: lists the nodes made, and adds `delta` to the value of the `nudge`-th one, so the
    rest of the forward pass computes from the perturbed intermediate value."""

    def __init__(self, monkeypatch, nudge=None, delta=None):
        self.made, original = [], Tracked.__init__

        def init(node, value, *args, **kwargs):
            if nudge is not None and len(self.made) == nudge:
                value = value + delta
            original(node, value, *args, **kwargs)
            self.made.append(node)
        monkeypatch.setattr(Tracked, "__init__", init)


def run_loss(model, loss, x, y, monkeypatch, nudge=None, delta=None):
    leaf = param(np.asarray(x, dtype=np.float64)[None, :])
    with monkeypatch.context() as patch:
        seen = Creations(patch, nudge, delta)
        value = LOSSES[loss](model(leaf), np.asarray(y, dtype=np.float64)[None, :])
    return float(value.value), seen.made


@pytest.mark.parametrize("case", CASES)
def test_every_adjoint_is_the_central_difference_of_the_loss_in_that_value(case, monkeypatch):
    make, loss, x, y = CASES[case]
    model = make()
    tape = record_tape(model, loss, x, y)
    value, made = run_loss(model, loss, x, y, monkeypatch)
    recorded = [node for node in made if not node.is_leaf]
    # the tape lists the ops in the very order the forward pass made them
    assert [op.name for op in tape.ops] == [op_name(node) for node in recorded]
    assert value == pytest.approx(tape.loss, rel=1e-12)
    rng, h = np.random.default_rng(0), 1e-6
    for op, node in zip(tape.ops, recorded):
        np.testing.assert_array_equal(op.value, node.value)
        direction = rng.standard_normal(op.shape)
        k = next(i for i, n in enumerate(made) if n is node)
        ahead, _ = run_loss(model, loss, x, y, monkeypatch, k, h * direction)
        behind, _ = run_loss(model, loss, x, y, monkeypatch, k, -h * direction)
        numeric = (ahead - behind) / (2 * h)
        assert float((op.adjoint * direction).sum()) == pytest.approx(numeric, rel=1e-6, abs=1e-8), (op.index, op.name)


@pytest.mark.parametrize("case", CASES)
def test_ops_come_parents_first_grouped_by_layer_and_the_loss_last(case):
    make, loss, x, y = CASES[case]
    model = make()
    tape = record_tape(model, loss, x, y)
    for op in tape.ops:
        assert all(int(s[1:]) < op.index for s in op.sources if s.startswith("#"))
    layers = [len(model) if op.layer is None else op.layer for op in tape.ops]
    assert layers == sorted(layers) and set(layers) == set(range(len(model) + 1))
    assert tape.ops[0].sources[:1] == ("x",) and tape.ops[-1].shape == ()
    assert float(tape.ops[-1].adjoint) == 1.0


@pytest.mark.parametrize("case", CASES)
def test_parameter_and_input_gradients_equal_gradients(case):
    make, loss, x, y = CASES[case]
    model = make()
    tape = record_tape(model, loss, x, y)
    X, Y = np.asarray(x, dtype=np.float64)[None, :], np.asarray(y, dtype=np.float64)[None, :]
    grads = gradient(lambda: LOSSES[loss](model(X), Y), params(model))
    assert len(tape.grads) == len(params(model)) == len(tape.param_names)
    for p, g in zip(params(model), tape.grads):
        np.testing.assert_allclose(g, grads[p], rtol=1e-12, atol=1e-15)
    (gx,) = gradient(lambda v: LOSSES[loss](model(v), Y), X)
    np.testing.assert_allclose(tape.input_adjoint, gx, rtol=1e-12, atol=1e-15)
    norms = tape.adjoint_norms()
    assert norms[-1] == pytest.approx(float(np.linalg.norm(tape.output_of(len(model) - 1).adjoint)))


def test_float32_model_runs_in_float32_and_a_batch_is_refused():
    model = Chain(Dense(2, 2, tanh, rng=0, dtype=np.float32))
    tape = record_tape(model, "mse", [1.0, 2.0], [0.0, 1.0])
    assert {op.value.dtype for op in tape.ops if op.value.ndim} == {np.dtype(np.float32)}
    assert tape.param_names == ["W1", "b1"]
    with pytest.raises(ValueError, match="one sample"):
        record_tape(model, "mse", [[1.0, 2.0], [3.0, 4.0]], [0.0, 1.0])


@pytest.mark.parametrize("case", CASES)
def test_batch_adjoint_norms_are_the_mean_of_each_samples_own(case):
    from engine.analysis import batch_adjoint_norms
    make, loss, x, y = CASES[case]
    model = make()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((7, len(x)))
    Y = np.eye(len(y))[rng.integers(0, len(y), 7)] if loss != "mse" else rng.standard_normal((7, len(y)))
    per_sample = np.array([record_tape(model, loss, X[i], Y[i]).adjoint_norms() for i in range(7)])
    np.testing.assert_allclose(batch_adjoint_norms(model, loss, X, Y), per_sample.mean(axis=0), rtol=1e-10)
