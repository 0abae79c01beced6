"""Tracked values, the tape, and reverse-mode sweeps: gradient, jacobian, hessian, param/params/Grads.

A `Tracked` wraps a numpy value and remembers the call that made it: its inputs (`parents`) and the
vector-Jacobian product of that call (`vjp`). There is no global tape: the graph hangs off the
output, and a backward sweep walks it in reverse topological order.

With ``nest=True`` the sweep runs the VJPs on the tracked nodes themselves, so every operation of
the backward pass is recorded too and gradients can be differentiated again (to any order):

>>> f = lambda x: 3 * x**2 + 2 * x + 1
>>> df = lambda x: gradient(f, x, nest=True)[0]
>>> df(2)
14.0 (tracked)
>>> gradient(df, 2, nest=True)[0]
6.0 (tracked)
"""
import threading
from contextlib import contextmanager

import numpy as np

_state = threading.local()  # the recording flag: the only mutable state of the engine


def is_recording():
    return getattr(_state, "recording", True)


@contextmanager
def no_grad():
    """Run plain numpy inside: operations on tracked values record nothing and return arrays.

    >>> W = param([1.0, 2.0])
    >>> with no_grad():
    ...     type(W * 2).__name__
    'ndarray'
    """
    before = is_recording()
    _state.recording = False
    try:
        yield
    finally:
        _state.recording = before


class Tracked:
    """A value that records how it was computed, so gradients can flow back to its leaves.

    `value` is the numpy data; `parents` the inputs of the call that made it (tracked or not);
    `vjp(g, out, *parents, **kwargs)` returns one gradient per parent. Leaves have no `vjp`.
    Operators (+ - * / ** @, indexing, .sum() ...) are installed by `engine.ops`.
    """

    __slots__ = ("value", "parents", "vjp", "kwargs", "__weakref__")
    __array_ufunc__ = None  # make numpy defer: ndarray * Tracked calls Tracked.__rmul__
    __hash__ = object.__hash__  # identity: parameters are dictionary keys (Grads)

    def __init__(self, value, parents=(), vjp=None, kwargs=None):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.kwargs = kwargs

    @property
    def is_leaf(self):
        return self.vjp is None

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return np.ndim(self.value)

    @property
    def size(self):
        return np.size(self.value)

    def __len__(self):
        return len(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        if np.ndim(self.value) == 0:
            return f"{float(self.value)} (tracked)"
        return f"{np.array_repr(np.asarray(self.value))} (tracked)"

    __str__ = __repr__

    # comparisons look at the data and are not differentiable, as in Tracker.jl
    def __eq__(self, other):
        return self.value == data(other)

    def __ne__(self, other):
        return self.value != data(other)

    def __lt__(self, other):
        return self.value < data(other)

    def __le__(self, other):
        return self.value <= data(other)

    def __gt__(self, other):
        return self.value > data(other)

    def __ge__(self, other):
        return self.value >= data(other)


def data(x):
    """The plain value of `x`, with tracking stripped (anything else passes through)."""
    return x.value if isinstance(x, Tracked) else x


def _as_float_array(x):
    x = np.array(x, copy=True)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    if x.dtype.kind in "biuf":
        return x.astype(np.float64)
    raise TypeError(f"param needs numbers, got an array of {x.dtype}")


def param(x):
    """A tracked leaf holding a copy of `x` (float64 unless `x` is float32).

    >>> W = param(2); W
    2.0 (tracked)
    """
    return Tracked(_as_float_array(data(x)))


def track(forward_value, parents, vjp, kwargs=None):
    """Record a call on the tape if any input is tracked (and recording is on); else return the value."""
    if is_recording():
        for p in parents:
            if isinstance(p, Tracked):
                return Tracked(forward_value, parents, vjp, kwargs)
    return forward_value


# ---- parameters and their gradients ----

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


# ---- the backward sweep ----

def _topological(root, target_ids):
    """Nodes that reach a target, parents before children (iterative: graphs can be deep)."""
    order, relevant, visited = [], set(), set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            if id(node) in target_ids or any(id(p) in relevant for p in node.parents
                                             if isinstance(p, Tracked)):
                relevant.add(id(node))
                order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for p in node.parents:
            if isinstance(p, Tracked) and id(p) not in visited:
                stack.append((p, False))
    return order, relevant


def backprop(out, seed, targets, nest=False):
    """Gradients of ``sum(seed * out)`` with respect to each target node; None where none flows.

    Without `nest` the VJPs see plain arrays (fast); with it they see the tracked nodes, so the
    sweep itself is recorded and its results can be differentiated again.
    """
    target_ids = {id(t) for t in targets}
    order, relevant = _topological(out, target_ids)
    grads = {id(out): seed}
    found = {}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in target_ids:
            found[id(node)] = g
        if node.vjp is None:
            continue
        if nest:
            parent_grads = node.vjp(g, node, *node.parents, **(node.kwargs or {}))
        else:
            parent_grads = node.vjp(g, node.value, *(data(p) for p in node.parents), **(node.kwargs or {}))
        for p, pg in zip(node.parents, parent_grads):
            if pg is None or not isinstance(p, Tracked) or id(p) not in relevant:
                continue
            prev = grads.get(id(p))
            grads[id(p)] = pg if prev is None else prev + pg
    return [found.get(id(t)) for t in targets]


def _identity_vjp(g, out, x):
    return (g,)


def _fresh(x):
    """A new node to differentiate with respect to: a leaf for plain values, or, inside a nested
    gradient, an identity node over the outer tracked value (so inner and outer stay apart)."""
    if isinstance(x, Tracked):
        return Tracked(x.value, (x,), _identity_vjp)
    return param(x)


def _finish(g, like, nest):
    """Shape a raw sweep result as the user sees it: zeros where nothing flowed; tracked if nested."""
    if g is None:
        g = np.zeros(np.shape(like.value), dtype=like.dtype)
    if nest:
        return g if isinstance(g, Tracked) else Tracked(np.asarray(g))
    g = np.asarray(data(g))
    return g[()] if g.ndim == 0 else g


def _scalar_output(out, fname):
    if isinstance(out, Tracked):
        size = out.size
    else:
        size = np.size(out)
    if size != 1:
        raise ValueError(f"gradient needs a function that returns a scalar, but {fname} returned shape "
                         f"{np.shape(data(out))}; use jacobian() for vector outputs, or sum() the output")


def _name(f):
    return getattr(f, "__name__", type(f).__name__)


def _run(f, args):
    if len(args) == 1 and isinstance(args[0], Params):
        return f(), list(args[0]), True
    nodes = [_fresh(a) for a in args]
    return f(*nodes), nodes, False


def withgradient(f, *args, nest=False):
    """The value of ``f(*args)`` and its gradients, from one forward and one backward pass.

    >>> value, (g,) = withgradient(lambda x: x**2, 3.0)
    >>> float(value), float(g)
    (9.0, 6.0)
    """
    out, targets, by_params = _run(f, args)
    _scalar_output(out, _name(f))
    if isinstance(out, Tracked):
        seed = np.ones_like(np.asarray(out.value))
        raw = backprop(out, seed, targets, nest=nest)
    else:
        raw = [None] * len(targets)
    grads = [_finish(g, t, nest) for g, t in zip(raw, targets)]
    value = out if nest else data(out)
    if by_params:
        return value, Grads(zip(targets, grads))
    return value, tuple(grads)


def gradient(f, *args, nest=False):
    """Gradients of the scalar ``f(*args)``: a tuple, one per argument.

    ``gradient(lambda: loss(x, y), params(W, b))`` returns `Grads` instead, indexed by parameter.

    >>> gradient(lambda W, b, x: W * x + b, 2, 3, 4)
    (np.float64(4.0), np.float64(1.0), np.float64(2.0))
    """
    return withgradient(f, *args, nest=nest)[1]


def jacobian(f, x, nest=False):
    """The Jacobian of ``f`` at ``x``, shaped ``f(x).shape + x.shape``.

    >>> jacobian(lambda v: v * 2, [1.0, 2.0]).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    node = _fresh(x)
    out = f(node)
    xshape = node.shape
    oshape = np.shape(data(out))
    rows = []
    for index in np.ndindex(*oshape):
        if isinstance(out, Tracked):
            seed = np.zeros(oshape, dtype=np.asarray(out.value).dtype)
            seed[index] = 1
            (g,) = backprop(out, seed, [node], nest=nest)
        else:
            g = None
        rows.append(_finish(g, node, nest))
    if nest:
        from .ops import stack, reshape  # deferred: ops builds on this module
        return reshape(stack(*rows, axis=0), oshape + xshape)
    return np.array(rows, dtype=node.dtype).reshape(oshape + xshape)


def hessian(f, x):
    """The Hessian of the scalar ``f`` at ``x``: the Jacobian of its (nested) gradient.

    >>> hessian(lambda v: (v**3).sum(), [1.0, 2.0]).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacobian(lambda v: gradient(f, v, nest=True)[0], x)
