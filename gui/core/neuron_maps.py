"""Per-neuron output maps, as TensorFlow Playground draws them: over the plane of 2-D data, what every input
column and every unit of each block (Dense, activation) outputs, on a small grid (no Qt).

>>> from engine.nn import ChainSpec, LayerSpec
>>> model = ChainSpec(2, (LayerSpec("dense", 3, "tanh"), LayerSpec("dense", 1))).build(0)
>>> grid = plane_grid(np.array([[0.0, 0.0], [1.0, 2.0]]), n=4)
>>> maps = neuron_maps(model, grid)
>>> maps.inputs.shape, {i: m.shape for i, m in maps.layers.items()}
((2, 4, 4), {0: (3, 4, 4), 1: (1, 4, 4)})
>>> diverging_rgb(maps.inputs[0]).shape        # orange where positive, blue where negative, white at 0
(4, 4, 3)

The grid spans the data's range padded by a tenth each side, as the decision boundary's does; its rows are y
(row 0 the lowest y). With derived features the plane is still the raw x₁, x₂: the features are computed from
the grid's points (engine.nn.add_features) and the Input's maps show them; standardisation follows, as the
trainer's does, before the Chain sees the rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import data, no_grad
from engine.nn import add_features

DATA_INPUTS = 2    # the plane is two raw features (derived ones are defined for 2-D data only)
GRID = 24          # cells per side: 576 forward rows, well under a millisecond per layer
FINE = 64          # cells per side of a map enlarged under the mouse (computed on hover: 4k rows)
PAD = 0.1          # the share of the data's range added each side (the boundary plot's)
# orange where positive, blue where negative: as the weights on the wires, and as the boundary plot, where a
# σ output near 1 is the second class, drawn orange there
POSITIVE = np.array([240.0, 140.0, 0.0])
NEGATIVE = np.array([58.0, 111.0, 247.0])


@dataclass(frozen=True)
class Grid:
    """`points` (n·n, 2) raw rows over the plane, row-major with rows along y; `n` cells per side."""
    points: np.ndarray
    n: int


@dataclass(frozen=True)
class NeuronMaps:
    """`inputs` (columns, n, n): the Input's columns (raw, then derived) at each cell, before standardisation;
    `layers` {Chain layer index: (units, n, n)}: each layer's output - a Dense layer's with its activation
    applied, an activation block's (softmax: each class's probability)."""
    inputs: np.ndarray
    layers: dict


def plane_grid(X, n: int = GRID) -> Grid:
    """An n×n grid over the range of raw 2-D rows `X`, padded as the decision boundary pads it."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != DATA_INPUTS or not len(X):
        raise ValueError(f"neuron maps need rows of {DATA_INPUTS} features, not shape {X.shape}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = PAD * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
    return Grid(np.column_stack([xx.ravel(), yy.ravel()]), n)


def neuron_maps(model, grid: Grid, features=(), transform=None) -> NeuronMaps:
    """Every Input column's and every layer's units' values at the cells of `grid`, for the engine Chain `model`.

    `features`: the ChainSpec's derived features (computed from the raw points); `transform`: rows -> rows the
    Chain takes (the session's standardiser.transform), applied after them.
    """
    n = grid.n
    columns = add_features(grid.points, features)
    x = columns if transform is None else transform(columns)
    layers = {}
    with no_grad(), np.errstate(all="ignore"):
        for index, layer in enumerate(model.layers):
            x = np.asarray(data(layer(x)), dtype=np.float64)
            layers[index] = x.T.reshape(-1, n, n)
    return NeuronMaps(columns.T.reshape(-1, n, n).copy(), layers)


def session_maps(session, weights=None, n: int = GRID):
    """The maps of what `session` trains, with `weights` (default: the record's latest copies), or a reason
    (str) why there are none."""
    spec, ds = session.spec, session.data.dataset if session.data is not None else None
    if spec is None or ds is None:
        return "Choose a dataset and build a valid Chain first."
    if ds.n_features != DATA_INPUTS:
        return (f"Neuron maps are drawn over the plane of 2-D data; {session.data.label} has "
                f"{ds.n_features} features.")
    weights = (session.record.weights or session.weights()) if weights is None else weights
    if spec.inputs != DATA_INPUTS + len(spec.features) or not weights:
        return "The Chain's Input does not fit the data yet."
    model = spec.build(session.settings.seed)
    parameters = model.parameters()
    if len(parameters) != len(weights) or any(p.value.shape != np.shape(w) for p, w in zip(parameters, weights)):
        return "The weights are being rebuilt; try again in a moment."
    for p, w in zip(parameters, weights):
        p.value = np.array(w, dtype=np.float64)
    scaler = session.standardiser
    transform = None if scaler is None or scaler.n_features != spec.inputs else scaler.transform
    return neuron_maps(model, plane_grid(ds.X, n), spec.features, transform)


def diverging_rgb(values) -> np.ndarray:
    """(..., n, n) maps (rows along y, upwards) -> (..., n, n, 3) uint8 for the screen (row 0 at the top): orange
    where positive, blue where negative, white at 0, each map scaled by its own largest |value|.
    A whole layer's stack at once: one numpy pass, not one per unit."""
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isfinite(v), v, 0.0)
    biggest = np.abs(v).max(axis=(-2, -1), keepdims=True, initial=0.0)
    t = np.divide(v, biggest, out=np.zeros_like(v), where=biggest > 0)[..., None]
    rgb = np.where(t >= 0, POSITIVE, NEGATIVE) * np.abs(t) + 255.0 * (1.0 - np.abs(t))
    return np.ascontiguousarray(rgb[..., ::-1, :, :].round().astype(np.uint8))
