"""Does the Chain fit the data? Its output size and activation, and the loss to train it with.

>>> from engine import ChainSpec, LayerSpec, datasets
>>> spec = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 3, "tanh")))
>>> fit = output_fit(spec, datasets.circle(50))
>>> fit.ok, fit.trainable, fit.loss, fit.proposed_loss, fit.units, fit.activation
(False, True, 'mse', 'crossentropy', 2, 'softmax')

The one rule that picks a loss: the window and the command line both ask it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .outputs import final_activation


@dataclass(frozen=True)
class OutputFit:
    ok: bool              # the Chain's output already suits the data
    trainable: bool       # the engine could train it as it is (perhaps badly)
    loss: str             # the loss for the Chain as it is
    proposed_loss: str    # the loss once the proposal below is applied (== loss when ok)
    units: int = 0        # proposed last Dense size and activation (when not ok)
    activation: str = "identity"
    text: str = ""        # the proposal, for a person


def _output(spec):
    """(last Dense units, the Chain's final activation) or None without a Dense layer."""
    dense = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
    if not dense:
        return None
    return spec.layers[dense[-1]].units, final_activation(spec)


def loss_for(spec, dataset) -> str:
    """The loss that suits the Chain's output as it is, for this data.

    >>> from engine import ChainSpec, LayerSpec, datasets
    >>> loss_for(ChainSpec(2, (LayerSpec("dense", 1),)), datasets.circle(20))   # one raw output
    'mse'
    """
    out = _output(spec)
    if out is None or dataset.task == "regression":
        return "mse"
    units, act = out
    if act == "softmax":
        return "crossentropy"
    if act == "sigmoid" and units == 1:
        return "binarycrossentropy"
    # logits (and log-probabilities: logsoftmax of a logsoftmax is itself) train with logitcrossentropy
    return "logitcrossentropy" if units > 1 and act in ("identity", "logsoftmax") else "mse"


def output_fit(spec, dataset) -> OutputFit:
    """How the Chain's output suits `dataset`, and what would suit it if it does not."""
    out = _output(spec)
    if out is None:
        return OutputFit(False, False, "mse", "mse", text="Add a Dense layer: the Chain has no output layer.")
    units, act = out
    loss = loss_for(spec, dataset)
    if dataset.task == "classification":
        k = dataset.n_classes
        ok = (k == 2 and units == 1 and act == "sigmoid") or (units == k and act in ("softmax", "logsoftmax",
                                                                                     "identity"))
        if ok:
            return OutputFit(True, True, loss, loss)
        trainable = (units == 1 and k == 2) or units >= k
        if k == 2 and units == 1:
            return OutputFit(False, trainable, loss, "binarycrossentropy", 1, "sigmoid",
                             "Two classes with one output: end with σ and train with binarycrossentropy.")
        return OutputFit(False, trainable, loss, "crossentropy", k, "softmax",
                         f"{k} classes: end with Dense({k}) and softmax, and train with crossentropy.")
    m = dataset.n_outputs
    if units == m and act in ("identity", "tanh", "relu", "leakyrelu"):
        return OutputFit(True, True, "mse", "mse")
    return OutputFit(False, units == m, "mse", "mse", m, "identity",
                     f"Regression: end with Dense({m}) and no activation, and train with mse.")
