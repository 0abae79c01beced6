"""Looking inside a model: checks and views computed from a Chain, its loss and its data.

    gradcheck.py    check_model: the tape's gradients and Hessian-vector products against central differences
    activity.py     pre-activations, their histogram, the share saturated or dead
    curvature.py    curvature: a layer's Hessian diagonal, top eigenvalue, gᵀHg/‖g‖² and what it means for lr
    tape.py         record_tape: one sample's recorded ops in order, each value and its adjoint ∂L/∂value
    landscape.py    the loss over a plane of weights (random filter-normalised or picked), its gradient, a path

>>> from engine import Chain, Dense, σ
>>> check_model(Chain(Dense(1, 2, σ, rng=0)), "mse", [[0.5], [-1.0]], [[1.0, 0.0], [0.0, 1.0]]).status
'green'
>>> weight_plane(Chain(Dense(1, 2, σ, rng=0)), "W1[0,0], b1[1]").labels
('W1[0,0]', 'b1[1]')

numpy and the tape only; it knows nothing of the app.
"""
from .activity import Activity, activation_of, activity, every_preactivation, histogram, plot_range, preactivations
from .curvature import Curvature, curvature
from .gradcheck import GradcheckReport, LayerCheck, Stopped, check_model, status_of
from .landscape import (Landscape, Plane, WeightRef, gradients_at, landscape, losses_at, parse_directions,
                        random_plane, weight_plane)
from .tape import Tape, TapeOp, batch_adjoint_norms, record_tape

__all__ = ["check_model", "GradcheckReport", "LayerCheck", "Stopped", "status_of",
           "Activity", "activation_of", "activity", "histogram", "plot_range", "preactivations", "every_preactivation",
           "record_tape", "batch_adjoint_norms", "Tape", "TapeOp", "curvature", "Curvature",
           "Landscape", "Plane", "WeightRef", "landscape", "losses_at", "gradients_at", "parse_directions",
           "random_plane", "weight_plane"]
