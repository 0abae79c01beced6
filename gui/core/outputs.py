"""What a Chain's outputs mean: class probabilities however the Chain ends. Plain numpy, no Qt, so the
command line, the prediction dock and the decision-boundary plot read outputs the same way.

>>> import numpy as np
>>> probabilities(np.log([[0.25, 0.75]]), "logsoftmax").round(2)
array([[0.25, 0.75]])
>>> probabilities(np.array([[0.0]]), "identity")                  # one logit: sigmoid of it
array([[0.5, 0.5]])
"""
from __future__ import annotations

import numpy as np


def probabilities(out: np.ndarray, activation: str) -> np.ndarray:
    """Model outputs (n, width) -> class probabilities (n, classes), however the Chain ends.

    One sigmoid unit gives P(class 1); softmax rows are probabilities already; logsoftmax rows are
    their logarithms; anything else is read as logits (what logitcrossentropy trains).
    """
    out = np.asarray(out, dtype=np.float64)
    with np.errstate(all="ignore"):
        if out.shape[1] == 1:
            p = np.clip(out, 0, 1) if activation == "sigmoid" else 1 / (1 + np.exp(-out))
            return np.hstack([1 - p, p])
        if activation == "softmax":
            return out
        if activation == "logsoftmax":
            return np.exp(out)
        z = np.exp(out - out.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


def final_activation(spec) -> str:
    """The activation the Chain's output leaves through: the last Dense's, or a block after it."""
    act = "identity"
    for layer in spec.layers:
        if layer.kind == "dense":
            act = layer.activation
        elif layer.activation != "identity":
            act = layer.activation
    return act
