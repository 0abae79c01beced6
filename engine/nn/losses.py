"""Loss functions in Flux's argument order, ``loss(ŷ, y)``, each a mean over the batch.

Rows are samples; a single sample may be a vector. Probabilities are clamped to ``[eps, 1]``
before the log, so a saturated softmax gives a large but finite loss and gradient.

>>> import numpy as np
>>> float(mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
2.0
>>> bool(np.isfinite(crossentropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))))
True
"""
import numpy as np

from ..autodiff.elementwise import clip, log
from ..autodiff.reductions import mean, sum_
from ..autodiff.shapes import _shape
from ..autodiff.tracked import data
from .activations import logsoftmax


def _batch(yhat):
    shape = _shape(yhat)
    return shape[0] if len(shape) > 1 else 1


def _eps(yhat):
    return float(np.finfo(np.asarray(data(yhat)).dtype if np.asarray(data(yhat)).dtype.kind == "f"
                          else np.float64).eps)


def _check(name, yhat, y):
    a, b = _shape(yhat), _shape(y)
    if a != b:
        raise ValueError(f"{name}: prediction shape {a} and target shape {b} differ")


def mse(yhat, y):
    """Mean squared error over all elements."""
    _check("mse", yhat, y)
    return mean((yhat - y) ** 2)


def crossentropy(yhat, y):
    """``-sum(y * log(ŷ)) / batch`` for probabilities ŷ (after softmax) and one-hot y."""
    _check("crossentropy", yhat, y)
    return -sum_(y * log(clip(yhat, _eps(yhat), None))) / _batch(yhat)


def logitcrossentropy(z, y):
    """Cross-entropy on logits, ``-sum(y * logsoftmax(z)) / batch``: the stable pairing."""
    _check("logitcrossentropy", z, y)
    return -sum_(y * logsoftmax(z)) / _batch(z)


def binarycrossentropy(yhat, y):
    """``mean(-y log ŷ - (1 - y) log(1 - ŷ))`` for probabilities ŷ (after σ)."""
    _check("binarycrossentropy", yhat, y)
    eps = _eps(yhat)
    return mean(-y * log(clip(yhat, eps, None)) - (1 - y) * log(clip(1 - yhat, eps, None)))


LOSSES = {f.__name__: f for f in (mse, crossentropy, logitcrossentropy, binarycrossentropy)}
