"""engine.analysis.activity: pre-activations, their histogram and the share saturated or dead."""
import numpy as np
import pytest

from engine import ACTIVATIONS, Chain, Dense, formula, relu, softmax, tanh, σ
from engine.analysis import activation_of, activity, every_preactivation, histogram, plot_range, preactivations
from engine.nn import calculus


def model_and_data():
    X = np.random.default_rng(0).standard_normal((80, 2)) * 2
    return Chain(Dense(2, 6, tanh, rng=0), relu, Dense(6, 3, σ, rng=1), softmax), X


def test_preactivations_are_the_layer_inputs_computed_by_hand():
    model, X = model_and_data()
    d1, _, d2, _ = model.layers
    z1 = X @ d1.weight.value.T + d1.bias.value
    np.testing.assert_allclose(preactivations(model, X, 0), z1, rtol=1e-13)
    np.testing.assert_allclose(preactivations(model, X, 1), np.tanh(z1), rtol=1e-13)   # relu's input
    z2 = np.maximum(np.tanh(z1), 0) @ d2.weight.value.T + d2.bias.value
    np.testing.assert_allclose(preactivations(model, X, 2), z2, rtol=1e-13)


def test_the_histogram_counts_are_numpys_on_the_same_preactivations():
    model, X = model_and_data()
    d1 = model.layers[0]
    z = X @ d1.weight.value.T + d1.bias.value
    counts, edges = histogram(preactivations(model, X, 0), bins=30)
    lo, hi = plot_range(z)
    expected, expected_edges = np.histogram(z.ravel(), bins=30, range=(lo, hi))
    assert counts.tolist() == expected.tolist() and np.allclose(edges, expected_edges)
    assert counts.sum() == z.size and lo <= z.min() and z.max() <= hi


def test_relu_counts_the_dead_and_smooth_ones_the_saturated():
    z = np.array([-3.0, -0.0, 0.0, 0.5, 2.0])
    assert activity(relu, z).kind == "dead" and activity(relu, z).share == pytest.approx(3 / 5)
    # tanh′ = 1 - tanh²: below 1% of its peak (1 at 0) beyond |z| ≈ 2.99
    z = np.array([-6.0, -3.5, -1.0, 0.0, 2.0, 3.2])
    a = activity(tanh, z, span=(-4, 4))
    assert a.kind == "saturated" and a.share == pytest.approx(3 / 6) and a.badge() == "50% sat"
    assert activity(σ, np.zeros(10)).share == 0.0


def test_the_saturation_threshold_follows_the_engines_derivative():
    z = np.linspace(-8, 8, 1001)
    slope = 1 - np.tanh(z) ** 2   # by hand, only to check the engine's nested gradient picks the same points
    assert activity(tanh, z, span=(-8, 8)).share == pytest.approx(float(np.mean(slope < 0.01)), abs=1e-9)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in ("softmax", "logsoftmax")])
def test_f_prime_and_f_second_are_central_differences_of_f(name):
    act = ACTIVATIONS[name]
    xs = np.linspace(-3.7, 3.9, 41)  # no kink at a sample point: relu and leakyrelu are fine here
    f, df, d2f = calculus(act, xs, order=2)
    h = 1e-5
    f_of = lambda x: calculus(act, x, order=0)[0]    # noqa: E731
    df_of = lambda x: calculus(act, x, order=1)[1]   # noqa: E731
    np.testing.assert_allclose(df, (f_of(xs + h) - f_of(xs - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(d2f, (df_of(xs + h) - df_of(xs - h)) / (2 * h), rtol=1e-5, atol=1e-7)


def test_which_layers_have_an_elementwise_activation():
    swish = formula("x * σ(x)")
    model = Chain(Dense(2, 3, rng=0), Dense(3, 3, swish, rng=0), tanh, Dense(3, 2, rng=0), softmax)
    assert [activation_of(layer) for layer in model.layers] == [None, swish, tanh, None, None]


def test_one_pass_gives_every_activations_preactivations():
    model, X = model_and_data()
    every = every_preactivation(model, X)
    assert sorted(every) == [0, 1, 2]  # tanh Dense, relu, σ Dense; softmax is not elementwise
    for index, z in every.items():
        np.testing.assert_array_equal(z, preactivations(model, X, index))
