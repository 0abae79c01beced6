"""The loss landscape's numbers: the grid's centre, picked-weight planes moved by hand, arrows against central
differences, reproducible random directions, projected paths."""
import numpy as np
import pytest

from engine import LOSSES, Chain, Dense, data, datasets, relu, sigmoid, softmax, tanh
from engine.analysis import (gradients_at, landscape, losses_at, parse_directions, random_plane, weight_plane)


def circle_model():
    ds = datasets.circle(200, seed=3)
    model = Chain(Dense(2, 16, relu, rng=0), Dense(16, 16, tanh, rng=1), Dense(16, 1, sigmoid, rng=2))
    return model, ds.X, ds.targets(1)


def three_class_model():
    ds = datasets.spiral(90, seed=1, classes=3)
    model = Chain(Dense(2, 6, tanh, rng=4), Dense(6, ds.n_classes, rng=5), softmax)
    return model, ds.X, ds.targets(ds.n_classes)


def engine_loss(model, name, X, Y):
    return float(LOSSES[name](data(model(X)), Y))


@pytest.mark.parametrize("name", ["binarycrossentropy", "mse"])
def test_grid_centre_is_the_models_loss(name):
    model, X, Y = circle_model()
    view = landscape(model, name, X, Y, random_plane(model, seed=7), span=0.5, resolution=21, arrows=3)
    assert view.loss.shape == (21, 21)
    assert view.loss[10, 10] == pytest.approx(engine_loss(model, name, X, Y), rel=1e-12)
    assert view.centre_loss == pytest.approx(view.loss[10, 10], rel=1e-12)
    assert np.ptp(view.loss) > 0  # the plane does move the loss


@pytest.mark.parametrize("name", ["crossentropy", "logitcrossentropy", "mse"])
def test_per_point_losses_follow_the_engines_losses(name):
    model, X, Y = three_class_model()
    plane = random_plane(model, seed=1)
    got = losses_at(model, name, X, Y, plane, [0.3, -0.6], [0.1, 0.4])
    for k, (a, b) in enumerate([(0.3, 0.1), (-0.6, 0.4)]):
        moved = Chain(*model.layers)
        for p, w in zip(moved.parameters(), plane.at(a, b)):
            p.value = w
        assert got[k] == pytest.approx(engine_loss(moved, name, X, Y), rel=1e-10)
    for p, w in zip(model.parameters(), plane.origin):  # the model is left as it was
        p.value = w


def test_picked_weights_plane_moves_exactly_those_two_weights():
    model, X, Y = circle_model()
    plane = weight_plane(model, "W2[3,4], b3[0]")
    a, b = np.array([0.5, -1.25, 0.0]), np.array([-0.7, 0.3, 2.0])
    got = losses_at(model, "binarycrossentropy", X, Y, plane, a, b)
    W2, b3 = model.layers[1].weight.value, model.layers[2].bias.value
    for k in range(3):
        w_before, b_before = W2[3, 4], b3[0]
        W2[3, 4] += a[k]
        b3[0] += b[k]
        expected = engine_loss(model, "binarycrossentropy", X, Y)
        W2[3, 4], b3[0] = w_before, b_before
        assert got[k] == pytest.approx(expected, rel=1e-12)


def test_a_weight_in_the_first_layer_and_one_in_the_last():
    model, X, Y = three_class_model()
    plane = weight_plane(model, parse_directions("W1[0,1],W2[2,5]"))
    got = float(losses_at(model, "crossentropy", X, Y, plane, 0.8, -0.4))
    model.layers[0].weight.value[0, 1] += 0.8
    model.layers[1].weight.value[2, 5] -= 0.4
    assert got == pytest.approx(engine_loss(model, "crossentropy", X, Y), rel=1e-12)


@pytest.mark.parametrize("make, name, directions", [
    (circle_model, "binarycrossentropy", None),
    (circle_model, "binarycrossentropy", "W1[5,0],W3[0,2]"),
    (three_class_model, "crossentropy", None),
])
def test_arrows_match_central_differences_of_the_grid_loss(make, name, directions):
    model, X, Y = make()
    plane = random_plane(model, seed=2) if directions is None else weight_plane(model, directions)
    view = landscape(model, name, X, Y, plane, span=0.8, resolution=5, arrows=5)
    h = 1e-5
    for i, a in enumerate(view.arrow_alphas):
        for j, b in enumerate(view.arrow_betas):
            da = (losses_at(model, name, X, Y, plane, a + h, b) - losses_at(model, name, X, Y, plane, a - h, b)) / (2 * h)
            db = (losses_at(model, name, X, Y, plane, a, b + h) - losses_at(model, name, X, Y, plane, a, b - h)) / (2 * h)
            assert view.arrows[i, j] == pytest.approx([da, db], rel=1e-5, abs=1e-8)


def test_one_arrow_is_the_full_gradient_dotted_with_the_directions():
    from engine import gradient, params
    model, X, Y = circle_model()
    plane = random_plane(model, seed=5)
    grads = gradient(lambda: LOSSES["mse"](model(X), Y), params(model))
    full = [grads[p] for p in model.parameters()]
    expected = [sum(float(np.sum(g * d)) for g, d in zip(full, ds)) for ds in (plane.d1, plane.d2)]
    assert gradients_at(model, "mse", X, Y, plane, 0.0, 0.0) == pytest.approx(expected, rel=1e-9)


def test_random_directions_are_seeded_and_filter_normalised():
    model, _, _ = circle_model()
    first, again, other = random_plane(model, seed=4), random_plane(model, seed=4), random_plane(model, seed=5)
    for u, v in zip(first.d1 + first.d2, again.d1 + again.d2):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(first.d1[0], other.d1[0])
    for w, d in zip(first.origin, first.d1):
        if w.ndim == 2:  # every row (one unit's incoming weights) as long as the weight's own row
            np.testing.assert_allclose(np.linalg.norm(d, axis=1), np.linalg.norm(w, axis=1), rtol=1e-12)
        else:
            assert not d.any()  # biases stay put


def test_path_projects_onto_the_plane():
    model, _, _ = circle_model()
    plane = random_plane(model, seed=0)
    coords = np.array([[0.0, 0.0], [0.25, -0.5], [1.0, 2.0]])
    off_plane = [w + 1e-3 for w in plane.origin]
    path = [plane.at(a, b) for a, b in coords] + [off_plane]
    got = plane.project(path)
    np.testing.assert_allclose(got[:3], coords, atol=1e-12)
    assert np.all(np.abs(got[3]) < 0.05)  # a small move off the plane lands near its centre
    picked = weight_plane(model, "W1[0,0],W1[0,1]")
    moved = [w.copy() for w in picked.origin]
    moved[0][0, 0] += 0.3
    moved[0][0, 1] -= 0.2
    moved[1][0] += 5.0  # a bias outside the plane does not count
    np.testing.assert_allclose(picked.project([moved]), [[0.3, -0.2]], atol=1e-12)


@pytest.mark.parametrize("text, message", [
    ("W1[2,3]", "names 1"),
    ("W1[2,3],W2[0,1],W3[0,0]", "names 3"),
    ("W1(2,3),W2[0,1]", "not a weight"),
    ("W0[0,0],W1[0,0]", "W1 to W3"),
    ("W9[0,0],W1[0,0]", "W1 to W3"),
    ("W1[16,0],W1[0,0]", "outside layer 1's W, which is 16×2"),
    ("b2[16],W1[0,0]", "outside"),
    ("W1[1,1],W1[1,1]", "two different weights"),
])
def test_bad_directions_are_refused_with_a_reason(text, message):
    model, _, _ = circle_model()
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        weight_plane(model, text)


def test_bad_grid_settings_are_refused():
    model, X, Y = circle_model()
    plane = random_plane(model)
    for kwargs, message in (({"span": 0}, "span"), ({"resolution": 1}, "resolution"), ({"arrows": -1}, "arrows")):
        with pytest.raises(ValueError, match=message):
            landscape(model, "mse", X, Y, plane, **kwargs)
    with pytest.raises(ValueError, match="unknown loss"):
        landscape(model, "hinge", X, Y, plane)
    with pytest.raises(ValueError, match="shapes"):
        landscape(model, "mse", X, Y[:10], plane)
