"""The eager tape of one sample, laid out: every recorded op in forward order, its value and its adjoint.

>>> from engine import Chain, Dense, tanh
>>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, rng=1))
>>> tape = record_tape(model, "mse", [0.5, -1.0], [0.2])
>>> [(op.index, op.name, op.layer, op.shape) for op in tape.ops]        # doctest: +NORMALIZE_WHITESPACE
[(0, 'linear', 0, (1, 3)), (1, 'tanh', 0, (1, 3)), (2, 'linear', 1, (1, 1)),
 (3, 'sub', None, (1, 1)), (4, 'power', None, (1, 1)), (5, 'sum', None, ()), (6, 'div', None, ())]
>>> tape.ops[2].sources, float(tape.ops[-1].adjoint)                   # ∂L/∂L = 1
(('#1', 'W2', 'b2'), 1.0)

Each op belongs to the Chain layer (0-based, the canvas block after the Input) whose call recorded it;
`layer` None marks the loss. ``adjoint`` is ∂L/∂value for that sample, from one backward sweep over the
very graph the forward pass built; `grads` holds every parameter's gradient in ``params(model)`` order.
The sample runs as a batch of one row, as training runs it; the model is read, never changed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autodiff import Tracked, backprop, param, params
from ..nn import LOSSES


@dataclass
class TapeOp:
    """One recorded call: its position on the tape, what it was, where it came from, value and ∂L/∂value."""
    index: int
    name: str                 # "linear", "tanh", "mul", ...
    layer: int | None         # 0-based Chain layer that recorded it; None for the loss
    sources: tuple            # its tracked inputs: "#k" (op k), "x", "W2"/"b2" (layer 2's parameters)
    value: np.ndarray
    adjoint: np.ndarray

    @property
    def shape(self) -> tuple:
        return tuple(np.shape(self.value))


@dataclass
class Tape:
    """The ops in forward order (parents before children), the loss, ∂L/∂x and each parameter's gradient."""
    ops: list
    loss: float
    x: np.ndarray             # the sample as run: one row
    input_adjoint: np.ndarray
    grads: list               # per parameter, params(model) order
    param_names: list         # "W1", "b1", ... (1-based layer numbers, as the gradient check names them)
    layers: int               # how many layers the Chain has

    def of_layer(self, layer: int | None) -> list:
        """The ops one layer recorded (None: the loss)."""
        return [op for op in self.ops if op.layer == layer]

    def output_of(self, layer: int) -> TapeOp | None:
        """The op whose value leaves `layer` (its last), or None if the layer recorded nothing."""
        ops = self.of_layer(layer)
        return ops[-1] if ops else None

    def adjoint_norms(self) -> list:
        """‖∂L/∂(output of layer i)‖ for each layer (None where it recorded nothing): what the wires carry."""
        norms = []
        for i in range(self.layers):
            op = self.output_of(i)
            norms.append(None if op is None else float(np.linalg.norm(np.asarray(op.adjoint, dtype=np.float64))))
        return norms


def op_name(node: Tracked) -> str:
    """A recorded call's name from its VJP: ``_linear_vjp`` → "linear"."""
    name = getattr(node.vjp, "__name__", type(node.vjp).__name__)
    name = name.strip("_")
    return name[:-4] if name.endswith("_vjp") else name


def _new_nodes(root, seen: set) -> list:
    """Recorded nodes reachable from `root` and not yet in `seen`, parents first (first parent first),
    so a layer's ops come out in the order it made them; iterative, as graphs can be deep."""
    order, stack = [], [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if not isinstance(node, Tracked) or id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents))
    return [n for n in order if not n.is_leaf]


def _sample(x, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or len(x) != 1:
        raise ValueError(f"record_tape takes one sample (a row of features), got shape {x.shape}")
    return x


def record_tape(model, loss, x, y) -> Tape:
    """Forward and backward on the eager tape for one sample `(x, y)`; `loss` a LOSSES name or ``loss(ŷ, y)``."""
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    ps = list(params(model))
    dtype = ps[0].dtype if ps else np.float64
    leaf = param(_sample(x, dtype))
    target = np.asarray(y, dtype=dtype).reshape(1, -1)
    names = {id(leaf): "x"}
    layers = list(getattr(model, "layers", [model]))
    for i, layer in enumerate(layers):
        for label, attr in (("W", "weight"), ("b", "bias")):
            p = getattr(layer, attr, None)
            if isinstance(p, Tracked):
                names[id(p)] = f"{label}{i + 1}"
        for k, p in enumerate(layer.parameters() if hasattr(layer, "parameters") else []):
            names.setdefault(id(p), f"θ{i + 1}.{k + 1}")
    seen = set(names)
    recorded = []  # (layer, node)
    h = leaf
    for i, layer in enumerate(layers):
        h = layer(h)
        recorded += [(i, node) for node in _new_nodes(h, seen)]
    out = loss_fn(h, target)
    if not isinstance(out, Tracked) or np.size(out.value) != 1:
        raise ValueError("the loss must be a scalar that depends on the model's output")
    recorded += [(None, node) for node in _new_nodes(out, seen)]
    nodes = [node for _, node in recorded]
    raw = backprop(out, np.ones_like(np.asarray(out.value)), nodes + ps + [leaf])
    adjoints = [np.zeros(np.shape(t.value), dtype=np.asarray(t.value).dtype) if g is None else np.array(g)
                for g, t in zip(raw, nodes + ps + [leaf])]
    position = {id(node): k for k, node in enumerate(nodes)}
    ops = []
    for k, ((layer, node), adjoint) in enumerate(zip(recorded, adjoints)):
        sources = tuple(f"#{position[id(p)]}" if id(p) in position else names.get(id(p), "const")
                        for p in node.parents if isinstance(p, Tracked))
        ops.append(TapeOp(k, op_name(node), layer, sources, np.array(node.value), adjoint))
    return Tape(ops, float(out.value), leaf.value, adjoints[-1], adjoints[len(nodes):-1],
                [names.get(id(p), "θ") for p in ps], len(layers))


def batch_adjoint_norms(model, loss, X, Y) -> list:
    """For each layer, the mean over the rows of ‖∂Lᵢ/∂(layer output)ᵢ‖, Lᵢ the loss of sample i alone: what
    `Tape.adjoint_norms` gives for one sample, averaged over a batch in one forward and backward pass.

    >>> from engine import Chain, Dense, tanh
    >>> model = Chain(Dense(2, 3, tanh, rng=0), Dense(3, 1, rng=1))
    >>> [round(n, 6) for n in batch_adjoint_norms(model, "mse", [[0.5, -1.0]], [[0.2]])] == \\
    ...     [round(n, 6) for n in record_tape(model, "mse", [0.5, -1.0], [0.2]).adjoint_norms()]
    True
    """
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    ps = list(params(model))
    dtype = ps[0].dtype if ps else np.float64
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    outputs, h = [], X
    for layer in getattr(model, "layers", [model]):
        h = layer(h)
        outputs.append(h)
    out = loss_fn(h, Y.reshape(len(X), -1))
    tracked = [o for o in outputs if isinstance(o, Tracked)]
    raw = dict(zip(map(id, tracked), backprop(out, np.ones_like(np.asarray(out.value)), tracked)))
    norms = []
    for o in outputs:
        g = raw.get(id(o))
        if g is None:
            norms.append(None)
            continue
        # the batch loss is the mean of the samples' losses: sample i's own adjoint is n times its row
        rows = np.asarray(g, dtype=np.float64).reshape(len(X), -1) * len(X)
        norms.append(float(np.linalg.norm(rows, axis=1).mean()))
    return norms


__all__ = ["record_tape", "batch_adjoint_norms", "Tape", "TapeOp", "op_name"]
