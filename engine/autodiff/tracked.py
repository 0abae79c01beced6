"""Tracked values: numbers and arrays that record the call that made them (the tape).

A `Tracked` wraps a numpy value and remembers the call that made it: its inputs (`parents`) and the
vector-Jacobian product of that call (`vjp`). Parameters live in `params.py`, the backward
sweeps in `back.py`, the differentiable operations in `elementwise.py`, `shapes.py`, `ops.py`,
`reductions.py` and `products.py`; `methods.py` gives Tracked its operators and `interop.py` lets
numpy's own functions (``np.sum(x)``, ``np.exp(x)``) run the engine's.

>>> x = param(3.0); x
3.0 (tracked)
>>> x.is_leaf, data(x * 2)
(True, np.float64(6.0))
"""
import threading
from contextlib import contextmanager

import numpy as np


class _ThreadState(threading.local):
    """The recording flag and the stop flag of one thread: the only mutable state of the engine.
    Class attributes are each new thread's defaults, so reading them is a plain attribute lookup
    (track() reads both on every operation)."""
    recording = True
    stop = None


_state = _ThreadState()


def is_recording():
    return _state.recording


class Interrupted(Exception):
    """Raised inside `interruptible(flag)` once the flag is set: the computation was asked to stop."""


@contextmanager
def interruptible(flag):
    """Inside, every recorded operation and every node of a backward sweep first looks at `flag[0]` (an array
    or list another thread may set) and raises `Interrupted` when it is non-zero: a stop lands within one
    operation however long the whole forward and backward pass takes.

    >>> stop = [0]
    >>> W = param([1.0, 2.0])
    >>> with interruptible(stop):
    ...     y = W * 2
    ...     stop[0] = 1
    ...     W + 1
    Traceback (most recent call last):
    ...
    engine.autodiff.tracked.Interrupted: asked to stop
    """
    before = _state.stop
    _state.stop = flag
    try:
        yield
    finally:
        _state.stop = before


def armed() -> bool:
    """Whether this thread runs inside `interruptible` (so long work should look at the flag now and then)."""
    return _state.stop is not None


def stop_flag():
    """The innermost `interruptible` flag of this thread, or None: a loop that runs many small steps reads it
    once and looks at ``flag[0]`` each step (what check_interrupt does, without its lookups)."""
    return _state.stop


def check_interrupt():
    """Raise `Interrupted` if the innermost `interruptible` flag of this thread is set."""
    flag = _state.stop
    if flag is not None and flag[0]:
        raise Interrupted("asked to stop")


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
    Operators (+ - * / ** @, indexing, .sum() ...) are installed by `methods.py`, numpy's
    protocols (``__array_ufunc__``, ``__array_function__``) by `interop.py`.
    """

    __slots__ = ("value", "parents", "vjp", "kwargs", "__weakref__")
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


def selective(vjp):
    """Mark a VJP that takes `needs` (one bool per input) and skips gradients nobody asked for:
    a Dense layer's input gradient is a whole matrix product, wasted on the data itself, and the
    exponent of ``x ** 2`` is a constant. `backprop` passes ``needs`` (True for a tracked input
    that leads to a target); called any other way, a selective VJP computes every gradient."""
    vjp.selective = True
    return vjp


def track(forward_value, parents, vjp, kwargs=None):
    """Record a call on the tape if any input is tracked (and recording is on); else return the value."""
    state = _state  # is_recording() and check_interrupt(), inlined: this runs for every operation
    if state.recording:
        flag = state.stop
        if flag is not None and flag[0]:
            raise Interrupted("asked to stop")
        for p in parents:
            if isinstance(p, Tracked):
                return Tracked(forward_value, parents, vjp, kwargs)
    return forward_value
