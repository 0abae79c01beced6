"""Fitting the Chain on the canvas to the data: the Input's feature count, and the output a
`gui.core.fit.OutputFit` proposes, each as one undo step.

>>> set_input_features(window.editor, 4)     # True: the Input now takes 4 features   # doctest: +SKIP
>>> set_input_features(window.editor, 2, ("x1^2",))   # x₁, x₂ and x₁²: 3 inputs        # doctest: +SKIP
>>> apply_output(window.editor, fit)         # the last Dense and activation as proposed  # doctest: +SKIP

Choosing a dataset sets the Input's feature count. The output is only *proposed* (a hint with an
Apply button) unless the Chain cannot train on the data at all.
"""
from __future__ import annotations

from engine.nn import check_features

from ...canvas.commands import delete_items
from ...core.fit import OutputFit


def input_block(editor):
    """The canvas's one Input block, or None (none, or several)."""
    inputs = [b for b in editor.doc.blocks() if b.kind == "input"]
    return inputs[0] if len(inputs) == 1 else None


def set_input_features(editor, n_features: int, derived: tuple | None = None) -> bool:
    """Give the Input block `n_features` raw features and the `derived` inputs computed from them (one undo step;
    by default those it has, for 2-D data, else none); False if already so or there is no Input."""
    block = input_block(editor)
    if block is None:
        return False
    if derived is None:
        derived = block.features
    derived = check_features(derived) if n_features == 2 else ()  # derived features are defined for 2-D data only
    units = n_features + len(derived)
    if block.units == units and block.features == derived:
        return False
    editor.set_properties(block.block_id, units=units, features=derived)
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
