"""Looking inside a model: checks and views computed from a Chain, its loss and its data.

    landscape.py    the loss over a plane of weights (random filter-normalised or picked), its gradient, a path

>>> from engine import Chain, Dense, tanh
>>> weight_plane(Chain(Dense(1, 2, tanh, rng=0)), "W1[0,0], b1[1]").labels
('W1[0,0]', 'b1[1]')

numpy and the tape only; it knows nothing of the app.
"""
from .landscape import (Landscape, Plane, WeightRef, gradients_at, landscape, losses_at, parse_directions,
                        random_plane, weight_plane)

__all__ = ["Landscape", "Plane", "WeightRef", "landscape", "losses_at", "gradients_at", "parse_directions",
           "random_plane", "weight_plane"]
