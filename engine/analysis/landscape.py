"""The loss landscape of a Chain: its training loss over a plane of weights through the current ones.

>>> from engine import Chain, Dense, tanh, sigmoid
>>> model = Chain(Dense(2, 4, tanh, rng=0), Dense(4, 1, sigmoid, rng=1))
>>> X = np.random.default_rng(0).standard_normal((50, 2)); Y = (X[:, :1] * X[:, 1:] > 0) * 1.0
>>> plane = random_plane(model, seed=0)                        # Li et al.'s filter-normalised directions
>>> view = landscape(model, "binarycrossentropy", X, Y, plane, span=1.0, resolution=21, arrows=5)
>>> view.loss.shape, view.arrows.shape, view.labels
((21, 21), (5, 5, 2), ('random direction 1', 'random direction 2'))
>>> picked = weight_plane(model, parse_directions("W1[2,0], b2[0]"))   # two weights the user picks
>>> picked.labels
('W1[2,0]', 'b2[0]')

A plane is the current weights θ (its `origin`) and two directions d1, d2 over every parameter; the
point (a, b) is the weights θ + a·d1 + b·d2. `loss[i, j]` is the loss at (alphas[i], betas[j]): the first
axis follows the first direction. Arrows are the gradient of that two-variable function,
(∂L/∂a, ∂L/∂b) = (∇L·d1, ∇L·d2), from the tape. `project` puts weights (an optimiser's path) on the
plane by least squares onto the two directions (exact for picked weights, whose directions are unit
vectors of the weight space).

Fast without compiling: θ + a·d1 + b·d2 is linear in (a, b), so a Dense layer's pre-activation over a
batch of grid points is X·W0ᵀ + a·(X·d1ᵀ) + b·(X·d2ᵀ), three matrix products shared by every point
(the first layer's are shared by all of them; later layers stack the points' rows into one product).
The same forward, with (a, b) tracked, gives every arrow in one backward pass: the points are
independent, so the gradient of the sum of their losses is each point's own gradient.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..autodiff import data, gradient, no_grad, param
from ..autodiff.elementwise import clip, log
from ..autodiff.products import matmul
from ..autodiff.reductions import mean, sum_
from ..autodiff.shapes import reshape
from ..nn import LOSSES, Dense, logsoftmax

CHUNK_ELEMENTS = 1_000_000  # floats in one layer's activations for a chunk of grid points (8 MB)


@dataclass(frozen=True)
class WeightRef:
    """One weight by name: `W2[0,3]` is row 0, column 3 of the second Dense layer's W; `b1[4]` a bias.

    Layers count Dense layers from 1, as the canvas labels them; rows and columns count from 0, as numpy does.
    """
    kind: str         # "W" or "b"
    layer: int        # 1-based Dense layer
    row: int
    col: int = 0      # unused for a bias

    def __str__(self):
        return f"W{self.layer}[{self.row},{self.col}]" if self.kind == "W" else f"b{self.layer}[{self.row}]"


_REF = re.compile(r"\s*(?:(W)(\d+)\[\s*(\d+)\s*,\s*(\d+)\s*\]|(b)(\d+)\[\s*(\d+)\s*\])\s*")


def parse_directions(text: str) -> tuple[WeightRef, WeightRef]:
    """Two weights from text such as ``"W1[2,3],W2[0,1]"``; raises ValueError saying what is wrong.

    >>> parse_directions("W1[2,3], b2[0]")
    (WeightRef(kind='W', layer=1, row=2, col=3), WeightRef(kind='b', layer=2, row=0, col=0))
    """
    parts = [p for p in re.split(r",(?![^\[]*\])", text)]
    refs = []
    for part in parts:
        m = _REF.fullmatch(part)
        if m is None:
            raise ValueError(f"{part.strip()!r} is not a weight: write W<layer>[<row>,<col>] or b<layer>[<row>], "
                             "for example W1[2,3],W2[0,1]")
        if m.group(1):
            refs.append(WeightRef("W", int(m.group(2)), int(m.group(3)), int(m.group(4))))
        else:
            refs.append(WeightRef("b", int(m.group(6)), int(m.group(7))))
    if len(refs) != 2:
        raise ValueError(f"a plane needs two weights, separated by a comma; {text!r} names {len(refs)}")
    return refs[0], refs[1]


@dataclass
class Plane:
    """The weights at the centre and two directions, each a list of arrays in params(model) order."""
    origin: list
    d1: list
    d2: list
    labels: tuple[str, str]

    def at(self, a: float, b: float) -> list:
        """The weights at (a, b): θ + a·d1 + b·d2."""
        return [w + a * u + b * v for w, u, v in zip(self.origin, self.d1, self.d2)]

    def project(self, path) -> np.ndarray:
        """(m, 2) plane coordinates of m weight lists (each in params order), by least squares.

        >>> plane = Plane([np.zeros(2)], [np.array([1.0, 0])], [np.array([1.0, 1])], ("u", "v"))
        >>> plane.project([[np.array([3.0, 2.0])]]).round(12).tolist()
        [[1.0, 2.0]]
        """
        path = list(path)
        if not path:
            return np.zeros((0, 2))
        D = np.stack([_flat(self.d1), _flat(self.d2)], axis=1)              # (P, 2)
        R = np.stack([_flat(w) for w in path]) - _flat(self.origin)        # (m, P)
        coords, *_ = np.linalg.lstsq(D, R.T, rcond=None)
        return coords.T


def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]) if arrays else np.zeros(0)


def _weights(model, weights):
    values = [np.asarray(data(p), dtype=np.float64) for p in model.parameters()] if weights is None else \
        [np.asarray(w, dtype=np.float64) for w in weights]
    shapes = [np.shape(data(p)) for p in model.parameters()]
    if [w.shape for w in values] != shapes:
        raise ValueError(f"the weights have shapes {[w.shape for w in values]}, the model {shapes}")
    return [w.copy() for w in values]


def _dense_slots(model) -> list[tuple[Dense, int, int | None]]:
    """Each Dense layer with the params(model) index of its W and of its b (None without one)."""
    if not hasattr(model, "layers"):
        raise ValueError(f"a loss landscape needs a Chain, not a {type(model).__name__}")
    slots, i = [], 0
    for layer in model.layers:
        if isinstance(layer, Dense):
            slots.append((layer, i, None if layer.bias is None else i + 1))
            i += 1 if layer.bias is None else 2
        elif hasattr(layer, "parameters") and layer.parameters():
            raise ValueError(f"a loss landscape needs Dense layers and activations; {layer!r} has its own weights")
    return slots


def random_plane(model, seed: int = 0, weights=None) -> Plane:
    """Two filter-normalised random directions (Li et al. 2018) through `weights` (default: the model's).

    Each row of a W (one unit's incoming weights, the "filter" of a Dense layer) gets a Gaussian direction
    scaled to that row's norm, so every unit moves in proportion to its own size and the picture does not
    depend on how the weights happen to be scaled. Bias directions are zero, as Li et al. leave biases out:
    the plane moves only the W's. Seeded: the same seed gives the same plane.
    """
    origin = _weights(model, weights)
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(2):
        d = []
        for w in origin:
            if w.ndim != 2:
                d.append(np.zeros_like(w))
                continue
            r = rng.standard_normal(w.shape)
            scale = np.linalg.norm(w, axis=1, keepdims=True) / np.maximum(np.linalg.norm(r, axis=1, keepdims=True),
                                                                         1e-300)
            d.append(r * scale)
        directions.append(d)
    return Plane(origin, directions[0], directions[1], ("random direction 1", "random direction 2"))


def weight_plane(model, refs, weights=None) -> Plane:
    """The plane of two weights (`WeightRef`s, or text for `parse_directions`): (a, b) moves them by a and b."""
    refs = parse_directions(refs) if isinstance(refs, str) else tuple(refs)
    if len(refs) != 2 or refs[0] == refs[1]:
        raise ValueError("a plane needs two different weights")
    origin = _weights(model, weights)
    slots = _dense_slots(model)
    directions = []
    for ref in refs:
        if not 1 <= ref.layer <= len(slots):
            raise ValueError(f"{ref}: the Chain has {len(slots)} Dense layer{'s' if len(slots) != 1 else ''} "
                             f"(W1 to W{len(slots)})")
        layer, wi, bi = slots[ref.layer - 1]
        index = wi if ref.kind == "W" else bi
        if index is None:
            raise ValueError(f"{ref}: Dense layer {ref.layer} has no bias")
        shape = origin[index].shape
        where = (ref.row, ref.col) if ref.kind == "W" else (ref.row,)
        if any(not 0 <= k < n for k, n in zip(where, shape)):
            size = f"{shape[0]}×{shape[1]}" if ref.kind == "W" else f"{shape[0]}"
            raise ValueError(f"{ref} is outside layer {ref.layer}'s {ref.kind}, which is {size} (counting from 0)")
        d = [np.zeros_like(w) for w in origin]
        d[index][where] = 1.0
        directions.append(d)
    return Plane(origin, directions[0], directions[1], (str(refs[0]), str(refs[1])))


# ---- the forward over many points of the plane at once ----

def _per_point_loss(name: str, out, Y):
    """The loss of each point's outputs `out` (G, n, k) against targets Y (n, k), as `engine.nn`'s losses
    define them (a mean over the batch), tracked when `out` is."""
    n = Y.shape[0]
    if name == "mse":
        return mean((out - Y) ** 2, axis=(1, 2))
    if name == "crossentropy":
        return -sum_(Y * log(clip(out, np.finfo(np.float64).eps, None)), axis=(1, 2)) / n
    if name == "logitcrossentropy":
        return -sum_(Y * logsoftmax(out), axis=(1, 2)) / n
    if name == "binarycrossentropy":
        eps = np.finfo(np.float64).eps
        return mean(-Y * log(clip(out, eps, None)) - (1 - Y) * log(clip(1 - out, eps, None)), axis=(1, 2))
    raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")


def _forward(model, plane: Plane, a, b, X):
    """Outputs (G, n, k) of the model at the G points (a[g], b[g]); a and b may be tracked."""
    G = int(np.shape(data(a))[0])
    a3, b3 = reshape(a, (G, 1, 1)), reshape(b, (G, 1, 1))
    slots = {id(layer): (wi, bi) for layer, wi, bi in _dense_slots(model)}
    h = X  # (n, k) until the first layer the plane moves: every point shares those rows; then (G, n, k)
    for layer in model.layers:
        if not isinstance(layer, Dense):
            h = layer(h)
            continue
        wi, bi = slots[id(layer)]
        # each point's own Wᵀ, (G, in, out): cheap to build, and one stacked product does every point's rows
        Wt = _moved(plane.origin[wi].T, a3, plane.d1[wi].T, b3, plane.d2[wi].T)
        z = matmul(h, Wt)
        if bi is not None:
            z = z + _moved(plane.origin[bi], a3, plane.d1[bi], b3, plane.d2[bi])
        h = layer.act(z)
    if np.ndim(data(h)) == 2:  # the plane moved nothing
        h = reshape(h, (1,) + np.shape(data(h))) + np.zeros((G, 1, 1))
    return h


def _moved(w, a3, u, b3, v):
    """w + a·u + b·v per point, leaving out a direction that is zero here (the weight then stays shared)."""
    if np.any(u):
        w = w + a3 * u
    if np.any(v):
        w = w + b3 * v
    return w


def _chunk(model, X) -> int:
    widest = max([X.shape[1]] + [layer.out_features for layer, _, _ in _dense_slots(model)])
    return max(1, CHUNK_ELEMENTS // max(1, X.shape[0] * widest))


def losses_at(model, loss: str, X, Y, plane: Plane, a, b) -> np.ndarray:
    """The training loss at the points (a[k], b[k]) of the plane (any shape; the result has it)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    X, Y = _inputs(X, Y)
    flat_a, flat_b, out = a.ravel(), b.ravel(), np.empty(a.size)
    step = _chunk(model, X)
    with no_grad(), np.errstate(all="ignore"):
        for s in range(0, a.size, step):
            outputs = _forward(model, plane, flat_a[s:s + step], flat_b[s:s + step], X)
            out[s:s + step] = _per_point_loss(loss, outputs, Y)
    return out.reshape(a.shape)


def gradients_at(model, loss: str, X, Y, plane: Plane, a, b) -> np.ndarray:
    """(..., 2): (∂L/∂a, ∂L/∂b) at the points (a[k], b[k]), from the tape in one backward pass per chunk."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    X, Y = _inputs(X, Y)
    flat_a, flat_b, out = a.ravel(), b.ravel(), np.empty((a.size, 2))
    step = max(1, _chunk(model, X) // 4)  # the tape keeps every intermediate for the backward pass
    for s in range(0, a.size, step):
        ta, tb = param(flat_a[s:s + step].copy()), param(flat_b[s:s + step].copy())
        with np.errstate(all="ignore"):
            ga, gb = gradient(lambda u, v: sum_(_per_point_loss(loss, _forward(model, plane, u, v, X), Y)), ta, tb)
        out[s:s + step, 0], out[s:s + step, 1] = ga, gb
    return out.reshape(a.shape + (2,))


def _inputs(X, Y):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"a landscape needs rows of inputs (n, features) and targets (n, outputs), "
                         f"got shapes {X.shape} and {Y.shape}")
    return X, Y


# ---- the picture's numbers ----

@dataclass
class Landscape:
    """What the picture draws: `loss[i, j]` at (alphas[i], betas[j]) and the gradient arrows on a coarser grid,
    `arrows[i, j]` = (∂L/∂a, ∂L/∂b) at (arrow_alphas[i], arrow_betas[j])."""
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    arrow_alphas: np.ndarray
    arrow_betas: np.ndarray
    arrows: np.ndarray
    centre_loss: float
    labels: tuple[str, str]
    plane: Plane


def landscape(model, loss: str, X, Y, plane: Plane, span: float = 1.0, resolution: int = 41,
              arrows: int = 11) -> Landscape:
    """The loss over [-span, span]² at resolution × resolution points, and arrows at arrows × arrows points."""
    if not (np.isfinite(span) and span > 0):
        raise ValueError(f"the span must be a positive number, got {span!r}")
    if not 2 <= int(resolution) <= 401:
        raise ValueError(f"the resolution must be between 2 and 401 points a side, got {resolution!r}")
    if not 0 <= int(arrows) <= 101:
        raise ValueError(f"arrows must be between 0 and 101 a side, got {arrows!r}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    axis = np.linspace(-span, span, int(resolution))
    A, B = np.meshgrid(axis, axis, indexing="ij")
    grid = losses_at(model, loss, X, Y, plane, A, B)
    coarse = np.linspace(-span, span, int(arrows)) if arrows else np.zeros(0)
    CA, CB = np.meshgrid(coarse, coarse, indexing="ij")
    field = gradients_at(model, loss, X, Y, plane, CA, CB) if arrows else np.zeros((0, 0, 2))
    centre = float(losses_at(model, loss, X, Y, plane, 0.0, 0.0))
    return Landscape(axis, axis.copy(), grid, coarse, coarse.copy(), field, centre, plane.labels, plane)


__all__ = ["Plane", "WeightRef", "Landscape", "parse_directions", "random_plane", "weight_plane", "landscape",
           "losses_at", "gradients_at"]
