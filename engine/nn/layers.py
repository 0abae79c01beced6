"""Layers: Dense and Chain, plain callables with honest reprs, as in Flux.

>>> model = Chain(Dense(10, 5, σ, rng=0), Dense(5, 2, rng=1), softmax)
>>> model
Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)
>>> model(np.ones(10)).shape, model(np.ones((3, 10))).shape
((2,), (3, 2))
>>> Chain(lambda x: x**2, lambda x: x + 1)(5)
26
"""
import numpy as np

from ..autodiff.products import linear
from ..autodiff.shapes import _shape, reshape
from ..autodiff.tracked import param
from .activations import Activation, identity


# ---- initialisers: (rng, out, in, dtype) -> array of shape (out, in) ----

def glorot_uniform(rng, fan_out, fan_in, dtype=np.float64):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in)).astype(dtype)


def glorot_normal(rng, fan_out, fan_in, dtype=np.float64):
    return (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def he_uniform(rng, fan_out, fan_in, dtype=np.float64):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_out, fan_in)).astype(dtype)


def he_normal(rng, fan_out, fan_in, dtype=np.float64):
    return (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).astype(dtype)


def zeros(rng, fan_out, fan_in, dtype=np.float64):
    return np.zeros((fan_out, fan_in), dtype=dtype)


INITIALISERS = {f.__name__: f for f in (glorot_uniform, glorot_normal, he_uniform, he_normal, zeros)}


def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{what} must be a positive whole number, got {value!r}")
    return int(value)


class Dense:
    """A fully connected layer: ``act(x @ W.T + b)`` with weight ``(out, in)`` and bias ``(out,)``.

    Accepts one sample ``(in,)`` or a batch ``(n, in)`` (rows are samples).

    >>> d = Dense(2, 3, relu, rng=0)
    >>> d.weight.shape, d.bias.shape, d
    ((3, 2), (3,), Dense(2 => 3, relu))
    """

    def __init__(self, in_features, out_features, act=identity, *, init=glorot_uniform, bias=True,
                 rng=None, dtype=np.float64):
        self.in_features = _positive_int(in_features, "Dense input size")
        self.out_features = _positive_int(out_features, "Dense output size")
        if isinstance(init, str):
            if init not in INITIALISERS:
                raise ValueError(f"unknown initialiser {init!r}; choose one of {', '.join(INITIALISERS)}")
            init = INITIALISERS[init]
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.weight = param(init(rng, self.out_features, self.in_features, np.dtype(dtype)))
        self.bias = param(np.zeros(self.out_features, dtype=dtype)) if bias else None
        self.act = act

    @classmethod
    def from_arrays(cls, weight, bias=None, act=identity):
        """A Dense layer around given arrays (copied): ``Dense.from_arrays(W, b, σ)``."""
        weight = np.asarray(weight)
        if weight.ndim != 2:
            raise ValueError(f"Dense weight must be 2-D (out, in), got shape {weight.shape}")
        layer = cls.__new__(cls)
        layer.out_features, layer.in_features = weight.shape
        layer.weight = param(weight)
        layer.bias = None if bias is None else param(bias)
        if layer.bias is not None and layer.bias.shape != (layer.out_features,):
            raise ValueError(f"Dense bias must have shape ({layer.out_features},), got {layer.bias.shape}")
        layer.act = act
        return layer

    def parameters(self):
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def __call__(self, x):
        shape = _shape(x)
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(f"{self!r} expects inputs with {self.in_features} features on the last axis, "
                             f"got shape {shape}")
        if len(shape) > 2:  # a batch of batches: flatten to rows, then restore
            y = linear(reshape(x, (-1, self.in_features)), self.weight, self.bias)
            return self.act(reshape(y, shape[:-1] + (self.out_features,)))
        return self.act(linear(x, self.weight, self.bias))

    def __repr__(self):
        act = "" if self.act is identity else f", {_callable_name(self.act)}"
        return f"Dense({self.in_features} => {self.out_features}{act})"


def _callable_name(f):
    if isinstance(f, Dense | Chain | Activation):
        return repr(f)
    return getattr(f, "__name__", type(f).__name__)


class Chain:
    """Layers (or any callables) applied in order: ``Chain(f, g)(x) == g(f(x))``.

    >>> Chain(Dense(10, 5, σ, rng=0), Dense(5, 2, rng=0), softmax)
    Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Chain layer {i + 1} is a {type(layer).__name__}, not something callable")
        self.layers = tuple(layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        found = []
        for layer in self.layers:
            if hasattr(layer, "parameters"):
                found.extend(layer.parameters())
        return found

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, i):
        return Chain(*self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __repr__(self):
        return f"Chain({', '.join(_callable_name(layer) for layer in self.layers)})"


def compose(*fs):
    """Function composition, right to left as in maths: ``compose(f, g)(x) == f(g(x))``.

    >>> compose(Dense(5, 2, rng=0), Dense(10, 5, σ, rng=0))
    Chain(Dense(10 => 5, σ), Dense(5 => 2))
    """
    return Chain(*reversed(fs))


def param_count(model):
    """How many numbers a model learns."""
    return sum(int(np.size(p.value)) for p in (model.parameters() if hasattr(model, "parameters") else []))


__all__ = ["Dense", "Chain", "compose", "param_count", "INITIALISERS"]
