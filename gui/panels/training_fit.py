"""Does the Chain fit the data? The input size, the output size and activation, and the loss.

>>> from engine import ChainSpec, LayerSpec, datasets
>>> spec = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 3, "tanh")))
>>> fit = output_fit(spec, datasets.circle(50))
>>> fit.ok, fit.trainable, fit.loss, fit.units, fit.activation
(False, False, 'binarycrossentropy', 1, 'sigmoid')

Choosing a dataset sets the Input's feature count (one undoable command). The output is only
*proposed* (a hint with an Apply button) unless the Chain cannot train on the data at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..canvas.commands import delete_items
from ..outputs import final_activation


@dataclass(frozen=True)
class OutputFit:
    ok: bool              # the Chain's output already suits the data (with `loss`)
    trainable: bool       # the engine could train it as it is (perhaps badly)
    loss: str             # the loss to use: for the Chain as it is if ok, else for the proposal
    units: int = 0        # proposed last Dense size and activation (when not ok)
    activation: str = "identity"
    text: str = ""        # the proposal, for a person


def _output(spec):
    """(last Dense units, the Chain's final activation) or None without a Dense layer."""
    dense = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
    if not dense:
        return None
    return spec.layers[dense[-1]].units, final_activation(spec)


def output_fit(spec, dataset) -> OutputFit:
    out = _output(spec)
    if out is None:
        return OutputFit(False, False, "mse", text="Add a Dense layer: the Chain has no output layer.")
    units, act = out
    if dataset.task == "classification":
        k = dataset.n_classes
        if k == 2 and units == 1 and act == "sigmoid":
            return OutputFit(True, True, "binarycrossentropy")
        if units == k and act == "softmax":
            return OutputFit(True, True, "crossentropy")
        if units == k and act == "identity":
            return OutputFit(True, True, "logitcrossentropy")
        trainable = (units == 1 and k == 2) or units >= k
        if k == 2 and units == 1:
            return OutputFit(False, trainable, "binarycrossentropy", 1, "sigmoid",
                             "Two classes with one output: end with σ and train with binarycrossentropy.")
        return OutputFit(False, trainable, "crossentropy", k, "softmax",
                         f"{k} classes: end with Dense({k}) and softmax, and train with crossentropy.")
    m = dataset.n_outputs
    if units == m and act in ("identity", "tanh", "relu", "leakyrelu"):
        return OutputFit(True, True, "mse")
    return OutputFit(False, units == m, "mse", m, "identity",
                     f"Regression: end with Dense({m}) and no activation, and train with mse.")


def set_input_features(editor, n_features: int) -> bool:
    """Give the Input block `n_features` (one undo step); False if already so or there is no Input."""
    inputs = [b for b in editor.doc.blocks() if b.kind == "input"]
    if len(inputs) != 1 or inputs[0].units == n_features:
        return False
    editor.set_properties(inputs[0].block_id, units=n_features)
    return True


def apply_output(editor, fit: OutputFit) -> None:
    """Reshape the Chain's end as `fit` proposes, as one undo step."""
    order = editor.doc.chain_blocks()
    dense = [b for b in order if b.kind == "dense"]
    if not dense or fit.ok:
        return
    last = dense[-1]
    trailing = order[order.index(last) + 1:]
    stack = editor.undo_stack
    stack.beginMacro(f"Fit the output to the data: Dense({fit.units}, {fit.activation})")
    try:
        if len(trailing) == 1 and trailing[0].activation == fit.activation != "identity":
            editor.set_properties(last.block_id, units=fit.units, activation="identity")
        else:
            editor.set_properties(last.block_id, units=fit.units, activation=fit.activation)
            if trailing:
                stack.push(delete_items(editor.doc, [b.block_id for b in trailing]))
    finally:
        stack.endMacro()
