"""What an activation does to the data: its pre-activations for a batch, their histogram, and the share
that is saturated (|f′| < 1% of its largest value over the plotted range) or dead (relu: z ≤ 0).

>>> from engine import Chain, Dense, relu, tanh
>>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 2, relu, rng=1))
>>> X = np.random.default_rng(0).standard_normal((50, 2))
>>> z = preactivations(model, X, 1)          # what relu sees in the second layer: (50, 2)
>>> z.shape, activity(relu, z).kind
((50, 2), 'dead')
>>> round(activity(relu, z).share, 2) == round(float((z <= 0).mean()), 2)
True

f′ comes from the engine's nested gradients (engine.nn.calculus), never from a hand-written formula,
so a formula activation is measured as exactly as a built-in one.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..autodiff import data, no_grad
from ..autodiff.products import linear
from ..nn import NORMALISING, Activation, Dense, calculus, identity

SPAN = 4.0            # the plot's range is at least [-SPAN, SPAN]
SATURATED = 0.01      # |f′| below this share of its largest value over the range counts as saturated
DEAD = ("relu",)      # activations whose flat side is exactly zero: there a unit is dead, not saturated


@dataclass(frozen=True)
class Activity:
    """The share (0..1) of a batch's pre-activations that are `kind` ("saturated" or "dead")."""
    kind: str
    share: float

    def badge(self) -> str:
        """The badge's words: '12% sat' or '40% dead'."""
        return f"{100 * self.share:.0f}% {'dead' if self.kind == 'dead' else 'sat'}"


def activation_of(layer):
    """The elementwise activation a Chain layer applies (a Dense's or the layer itself), or None for
    identity, softmax-like ones (not elementwise) and anything else."""
    act = layer.act if isinstance(layer, Dense) else layer
    if not isinstance(act, Activation) or act is identity or act.name in NORMALISING:
        return None
    return act


def preactivations(model, X, index: int) -> np.ndarray:
    """The numbers the activation of Chain layer `index` (0-based) is applied to, for inputs `X`:
    a Dense layer's ``x @ W.T + b``, or an activation layer's input."""
    layers = list(model.layers)
    with no_grad(), np.errstate(all="ignore"):
        x = np.asarray(X, dtype=np.float64)
        for layer in layers[:index]:
            x = data(layer(x))
        layer = layers[index]
        if isinstance(layer, Dense):
            x = data(linear(x, layer.weight, layer.bias))
    return np.asarray(x, dtype=np.float64)


def every_preactivation(model, X) -> dict:
    """{Chain index: pre-activations} for every layer with an elementwise activation, in one forward pass.

    >>> from engine import Chain, Dense, relu, softmax
    >>> sorted(every_preactivation(Chain(Dense(2, 3, relu, rng=0), Dense(3, 2, rng=0), softmax), np.ones((4, 2))))
    [0]
    """
    out = {}
    with no_grad(), np.errstate(all="ignore"):
        x = np.asarray(X, dtype=np.float64)
        for index, layer in enumerate(model.layers):
            if activation_of(layer) is not None:
                z = data(linear(x, layer.weight, layer.bias)) if isinstance(layer, Dense) else x
                out[index] = np.asarray(z, dtype=np.float64)
            x = data(layer(x))
    return out


def plot_range(z) -> tuple[float, float]:
    """[-r, r] covering the pre-activations (at least ±SPAN, at most ±50: beyond, everything is flat)."""
    z = np.asarray(z)
    finite = z[np.isfinite(z)]
    r = float(np.max(np.abs(finite))) if finite.size else SPAN
    r = min(max(SPAN, float(np.ceil(r))), 50.0)
    return -r, r


def histogram(z, bins: int = 40, span=None):
    """(counts, edges) of the finite pre-activations over `span` (default plot_range), as numpy counts."""
    z = np.asarray(z, dtype=np.float64).ravel()
    lo, hi = plot_range(z) if span is None else span
    return np.histogram(z[np.isfinite(z)], bins=bins, range=(lo, hi))


def activity(act, z, span=None) -> Activity:
    """The share of `z` where `act` is dead (relu) or saturated, its f′ from nested gradients."""
    z = np.asarray(z, dtype=np.float64).ravel()
    if getattr(act, "name", None) in DEAD:
        return Activity("dead", float(np.mean(z <= 0)) if z.size else 0.0)
    lo, hi = plot_range(z) if span is None else span
    with np.errstate(all="ignore"):
        peak = _peak_slope(act, float(lo), float(hi))
        slopes = np.abs(calculus(act, z, order=1)[1]) if z.size else z
    if not np.isfinite(peak) or peak == 0 or z.size == 0:
        return Activity("saturated", 0.0)
    return Activity("saturated", float(np.mean(slopes < SATURATED * peak)))


@functools.lru_cache(maxsize=64)
def _peak_slope(act, lo: float, hi: float) -> float:
    """max |f′| over [lo, hi] on 401 points (the same for every batch: the live views ask it twice a second)."""
    return float(np.nanmax(np.abs(calculus(act, np.linspace(lo, hi, 401), order=1)[1])))


__all__ = ["Activity", "activation_of", "preactivations", "every_preactivation", "plot_range", "histogram", "activity", "SATURATED"]
