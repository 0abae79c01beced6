"""The decision boundary reads a Chain's outputs as the prediction dock does (gui.core.outputs): a Chain
ending in logsoftmax, or in a plain Dense trained as logits, colours each grid point by its real
argmax class - not one colour because log-probabilities (or all-negative logits) were clipped at 0."""
from types import SimpleNamespace

import numpy as np
import pytest

from engine import ChainSpec, LayerSpec, data, datasets, no_grad, params
from gui.core.outputs import final_activation, probabilities
from gui.plots.boundary import GRID, BoundaryPlot, class_colours

from training_helpers import panel, train_window  # noqa: F401 - fixtures

LOGSOFTMAX = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 3),
                           LayerSpec("activation", activation="logsoftmax")))
LOGITS = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 3)))


def model_and_weights(spec, bias_shift=0.0):
    model = spec.build(0)
    rng = np.random.default_rng(7)
    weights = [rng.normal(0, 3, p.value.shape) for p in params(model)]
    weights[-1] += bias_shift  # the last Dense's bias
    return model, weights


def predictor(model):
    def predict(X, weights):
        for p, w in zip(params(model), weights):
            np.copyto(p.value, w)
        with no_grad():
            return data(model(X))
    return predict


def classes_drawn(image: np.ndarray, k: int) -> np.ndarray:
    """Each pixel's class: the colour it is a paler shade of; -1 where it is (nearly) white."""
    pale = 255.0 - image.reshape(-1, 3).astype(float)
    directions = 255.0 - class_colours(k)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    drawn = (pale @ directions.T).argmax(axis=1)
    drawn[np.linalg.norm(pale, axis=1) < 8] = -1
    return drawn


@pytest.mark.parametrize("spec, shift", [(LOGSOFTMAX, 0.0), (LOGITS, -40.0)], ids=["logsoftmax", "negative-logits"])
def test_the_boundary_colours_the_argmax_class(qtbot, spec, shift):
    model, weights = model_and_weights(spec, shift)
    plot = BoundaryPlot(predictor(model), spec=lambda: spec)
    qtbot.addWidget(plot)
    ds = datasets.circle(200)
    plot.set_data(ds, None)
    plot.redraw(SimpleNamespace(weights=weights, classify=True))
    assert plot.frames == 1
    image = plot.image.image
    assert image.shape == (GRID, GRID, 3)

    out = np.asarray(predictor(model)(plot._grid, weights), dtype=np.float64)
    if spec is LOGITS:
        assert (out < 0).all()  # all negative: clipping at 0 would have tied every class
    expected = probabilities(out, final_activation(spec)).argmax(axis=1)
    assert len(set(expected)) > 1
    drawn = classes_drawn(image, 3)
    sure = drawn >= 0
    assert sure.mean() > 0.5
    assert len(set(drawn[sure])) > 1  # more than one class colour
    assert np.array_equal(drawn[sure], expected[sure])


def test_the_training_dock_boundary_knows_how_the_chain_ends(panel):
    assert panel.plots.boundary_plot.spec() is panel.session.spec
    assert panel.plots.boundary_plot._activation() == final_activation(panel.session.spec) == "sigmoid"
