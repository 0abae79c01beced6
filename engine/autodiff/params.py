"""Parameters and their gradients: `params` collects leaves, `Grads` maps each to its gradient.

>>> W, b = param(2), param(3)
>>> ps = params(W, b)
>>> len(ps), W in ps
(2, True)
>>> _ = update(W, 0.5); W
2.5 (tracked)
"""
import numpy as np

from .tracked import Tracked, data


class Params:
    """An ordered collection of tracked leaves, unique by identity.

    >>> W, b = param(2), param(3)
    >>> len(params(W, b, W))
    2
    """

    def __init__(self, items=()):
        self._items = {}
        for p in items:
            self.add(p)

    def add(self, p):
        if not isinstance(p, Tracked):
            raise TypeError(f"params holds tracked values, got {type(p).__name__}; wrap it with param()")
        self._items.setdefault(id(p), p)

    def __iter__(self):
        return iter(self._items.values())

    def __len__(self):
        return len(self._items)

    def __contains__(self, p):
        return id(p) in self._items

    def __repr__(self):
        return f"Params([{', '.join(str(p.shape) for p in self)}])"


def params(*xs):
    """Collect parameters: tracked leaves, models (anything with `.parameters()`), or lists of them."""
    out = Params()

    def visit(x):
        if isinstance(x, Tracked):
            out.add(x)
        elif isinstance(x, Params | list | tuple):
            for item in x:
                visit(item)
        elif hasattr(x, "parameters"):
            for item in x.parameters():
                visit(item)
        else:
            raise TypeError(f"params() cannot collect parameters from {type(x).__name__}")

    for x in xs:
        visit(x)
    return out


class Grads:
    """Gradients indexed by the parameter object itself: ``grads[W]``."""

    def __init__(self, pairs):
        self._pairs = {id(p): (p, g) for p, g in pairs}

    def __getitem__(self, p):
        try:
            return self._pairs[id(p)][1]
        except KeyError:
            raise KeyError(f"no gradient for this value: it was not among the params ({p!r})") from None

    def __contains__(self, p):
        return id(p) in self._pairs

    def __iter__(self):
        return (p for p, _ in self._pairs.values())

    def __len__(self):
        return len(self._pairs)

    def items(self):
        return list(self._pairs.values())

    def values(self):
        return [g for _, g in self._pairs.values()]

    def __repr__(self):
        return f"Grads({len(self)} params)"


def update(p, delta):
    """Add `delta` to parameter `p` in place (Flux's ``update!``): ``update(W, -0.1 * grads[W])``."""
    if not isinstance(p, Tracked) or not p.is_leaf:
        raise TypeError("update() changes a parameter made with param(), in place")
    delta = np.asarray(data(delta))
    try:
        fits = np.broadcast_shapes(delta.shape, p.shape) == p.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"update: delta of shape {delta.shape} does not fit parameter of shape {p.shape}")
    np.add(p.value, delta, out=p.value, casting="same_kind")
    return p
