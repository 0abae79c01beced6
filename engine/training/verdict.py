"""Can a model train on the compiled path? `can_compile(model, loss)` answers without compiling anything.

    >>> from engine.nn.layers import Chain, Dense
    >>> from engine.nn.activations import tanh, sigmoid
    >>> model = Chain(Dense(2, 8, tanh, rng=0), Dense(8, 1, sigmoid, rng=1))
    >>> bool(can_compile(model, "mse"))
    True
    >>> can_compile(Chain(lambda x: x * 2), "mse").reason
    'layer 1 (<lambda>) is a Python function; only Dense layers and activations compile'
    >>> from engine.nn.formula import formula
    >>> can_compile(Chain(Dense(2, 4, formula("x * σ(x)"), rng=0)), "mse").formulas
    (formula('x * σ(x)'),)

A Chain with formula activations compiles too, once each formula's kernels are built: `Verdict.formulas`
lists them for the kernel build (engine.training.warmup).

numpy only: the Trainer asks this before it decides whether the kernels are needed at all.
"""
import numpy as np

from ..nn.activations import ACTIVATIONS, Activation
from ..nn.formula import is_formula
from ..nn.layers import Chain, Dense
from ..nn.losses import LOSSES

__all__ = ["Verdict", "can_compile", "loss_name", "flatten", "name_of"]


class Verdict:
    """Truthy when the model compiles; `.reason` says why not; `.formulas` the formula activations whose kernels
    the compiled path needs (each once, in Chain order)."""

    def __init__(self, ok, reason="", formulas=()):
        self.ok, self.reason, self.formulas = ok, reason, tuple(formulas)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "Verdict(True)" if self.ok else f"Verdict(False, {self.reason!r})"


def loss_name(loss):
    """The canonical name of a known loss (a name or one of engine.nn.losses' functions), else None."""
    if isinstance(loss, str):
        return loss if loss in LOSSES else None
    for name, fn in LOSSES.items():
        if fn is loss:
            return name
    return None


def flatten(model):
    """A Chain's blocks with nested Chains inlined; a bare Dense counts as a one-block Chain."""
    if isinstance(model, Dense):
        return [model]
    out = []
    for layer in model.layers:
        out.extend(flatten(layer) if isinstance(layer, Chain) else [layer])
    return out


def _block_problem(i, block):
    if isinstance(block, Dense):
        if not _known_activation(block.act):
            return f"layer {i} ({block!r}) has activation {name_of(block.act)}, which does not compile"
        return None
    if _known_activation(block):
        return None
    return f"layer {i} ({name_of(block)}) is a Python function; only Dense layers and activations compile"


def name_of(f):
    return getattr(f, "__name__", type(f).__name__)


def _known_activation(f):
    return is_formula(f) or isinstance(f, Activation) and ACTIVATIONS.get(f.name) is f


def can_compile(model, loss):
    """Whether `model` with `loss` can run on the compiled path (a `Verdict`, truthy if so)."""
    if not isinstance(model, Chain | Dense):
        return Verdict(False, f"the model is a {type(model).__name__}, not a Chain")
    if loss_name(loss) is None:
        return Verdict(False, f"loss {name_of(loss)} is not one of {', '.join(LOSSES)}")
    blocks = flatten(model)
    for i, block in enumerate(blocks, 1):
        problem = _block_problem(i, block)
        if problem:
            return Verdict(False, problem)
    dense = [b for b in blocks if isinstance(b, Dense)]
    if len({id(b) for b in dense}) != len(dense):
        return Verdict(False, "a Dense layer appears twice (shared weights train on the eager path)")
    if not dense:
        return Verdict(False, "the Chain has no Dense layer to train")
    for a, b in zip(dense, dense[1:]):
        if a.out_features != b.in_features:
            return Verdict(False, f"{a!r} feeds {b!r}: sizes do not fit")
    dtypes = {p.value.dtype for p in model.parameters()}
    if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
        return Verdict(False, "parameters must all be float32 or all float64")
    acts = [b.act if isinstance(b, Dense) else b for b in blocks]
    return Verdict(True, formulas=dict.fromkeys(a for a in acts if is_formula(a)))
