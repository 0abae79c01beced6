"""Reverse-mode sweeps: backprop over the recorded graph, and gradient/jacobian/hessian on top.

There is no global tape: the graph hangs off the output, and `backprop` walks it in reverse
topological order. With ``nest=True`` it runs the VJPs on the tracked nodes themselves, so every
operation of the backward pass is recorded too and gradients can be differentiated again:

>>> f = lambda x: 3 * x**2 + 2 * x + 1
>>> df = lambda x: gradient(f, x, nest=True)[0]
>>> df(2)
14.0 (tracked)
>>> gradient(df, 2, nest=True)[0]
6.0 (tracked)

`hook` (Tracker's) lets a function see or change the gradient flowing back through a value.
"""
import numpy as np

from .params import Grads, Params
from .tracked import Interrupted, Tracked, data, no_grad, param, stop_flag, track


def _topological(root, target_ids):
    """Nodes that reach a target, parents before children, and the ids of those nodes.

    A depth-first walk without recursion (graphs can be deep): each stack entry is a node and an
    iterator over its inputs, resumed where it left off; a node is placed once every input is
    placed, and kept if it is a target or one of its inputs was kept. This runs on every step.
    """
    order, relevant = [], set()
    visited = {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, inputs = stack[-1]
        for p in inputs:
            if isinstance(p, Tracked) and id(p) not in visited:
                visited.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:  # every input is placed
            stack.pop()
            key = id(node)
            keep = key in target_ids
            if not keep:
                for p in node.parents:  # a loop, not any(...): a generator per node costs as much as the walk
                    if isinstance(p, Tracked) and id(p) in relevant:
                        keep = True
                        break
            if keep:
                relevant.add(key)
                order.append(node)
    return order, relevant


def backprop(out, seed, targets, nest=False):
    """Gradients of ``sum(seed * out)`` with respect to each target node; None where none flows.

    Without `nest` the VJPs see plain arrays and run with recording off (fast: the ops they call
    skip the tape at once); with it they see the tracked nodes, so the sweep itself is recorded
    and its results can be differentiated again.
    """
    target_ids = {id(t) for t in targets}
    order, relevant = _topological(out, target_ids)
    if nest:
        found = _sweep(order, relevant, target_ids, out, seed, nest)
    else:
        with no_grad():
            found = _sweep(order, relevant, target_ids, out, seed, nest)
    return [found.get(id(t)) for t in targets]


def _sweep(order, relevant, target_ids, out, seed, nest):
    """Run the VJPs from `out` back, children before parents; the adjoint of each target, by id."""
    grads = {id(out): seed}
    found = {}
    flag = stop_flag()
    for node in reversed(order):
        if flag is not None and flag[0]:  # inside interruptible(): a stop lands between two VJPs
            raise Interrupted("asked to stop")
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in target_ids:
            found[id(node)] = g
        vjp = node.vjp
        if vjp is None:
            continue
        parents = node.parents
        kwargs = node.kwargs or {}
        if getattr(vjp, "selective", False):  # it can skip the products nobody needs
            kwargs = {**kwargs, "needs": tuple([isinstance(p, Tracked) and id(p) in relevant for p in parents])}
        if nest:
            parent_grads = vjp(g, node, *parents, **kwargs)
        else:
            parent_grads = vjp(g, node.value, *[p.value if isinstance(p, Tracked) else p for p in parents],
                               **kwargs)
        for p, pg in zip(parents, parent_grads):
            if pg is None or not isinstance(p, Tracked) or id(p) not in relevant:
                continue
            prev = grads.get(id(p))
            grads[id(p)] = pg if prev is None else prev + pg
    return found


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
    if g.dtype != like.dtype:  # a float32 input gets a float32 gradient, even where float64 constants met it
        g = g.astype(like.dtype)
    return g[()] if g.ndim == 0 else g


def _own(grads):
    """Each gradient a writable array of its own: a sweep may hand back a read-only broadcast view,
    or the same array to two inputs (x + y), and ``g *= 0.5`` must change only that gradient."""
    seen = set()
    out = []
    for g in grads:
        if isinstance(g, np.ndarray) and (not g.flags.writeable or not g.flags.owndata or id(g) in seen):
            g = g.copy()
        seen.add(id(g))
        out.append(g)
    return out


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
        value = np.asarray(out.value)
        seed = np.ones(value.shape, value.dtype)
        raw = backprop(out, seed, targets, nest=nest)
    else:
        raw = [None] * len(targets)
    grads = [_finish(g, t, nest) for g, t in zip(raw, targets)]
    if not nest:
        grads = _own(grads)
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
        from .shapes import reshape, stack  # deferred: shapes builds on the tracked values
        return reshape(stack(rows, axis=0), oshape + xshape)
    return np.array(rows, dtype=node.dtype).reshape(oshape + xshape)


def hessian(f, x):
    """The Hessian of the scalar ``f`` at ``x``: the Jacobian of its (nested) gradient.

    >>> hessian(lambda v: (v**3).sum(), [1.0, 2.0]).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacobian(lambda v: gradient(f, v, nest=True)[0], x)


def hook(f, x):
    """`x` unchanged, but the gradient flowing back through it becomes ``f(gradient)`` (Tracker's hook).

    `f` sees the adjoint arriving at `x` (tracked inside a ``nest=True`` sweep) and returns the one
    to pass on, of the same shape; returning None passes it on unchanged, so ``hook(print, x)``
    shows it.

    >>> float(gradient(lambda x: hook(lambda g: -g, x) * 3, 1.0)[0])  # reverse the sign
    -3.0
    >>> seen = []
    >>> _ = gradient(lambda x: (hook(seen.append, x * 2) ** 2).sum(), [1.0, 2.0])
    >>> seen[0].tolist()  # d(y²)/dy at y = 2x
    [4.0, 8.0]
    """
    if not callable(f):
        raise TypeError(f"hook(f, x) takes the function first, got {type(f).__name__}")
    return track(data(x), (x,), _hook_vjp, {"f": f})


def _hook_vjp(g, out, x, f):
    changed = f(g)
    if changed is None:
        return (g,)
    if np.shape(data(changed)) != np.shape(data(g)):
        raise ValueError(f"the function given to hook returned shape {np.shape(data(changed))} for a "
                         f"gradient of shape {np.shape(data(g))}; it must keep the shape")
    return (changed,)
