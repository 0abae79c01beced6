"""Chainboard's engine: Tracker-style automatic differentiation, layers, losses and training.

>>> from engine import gradient, param, params, update, Dense, Chain, σ, softmax
>>> f = lambda x: 3 * x**2 + 2 * x + 1
>>> df = lambda x: gradient(f, x, nest=True)[0]
>>> df(2), gradient(df, 2, nest=True)[0]
(14.0 (tracked), 6.0 (tracked))
>>> W, b = param(2), param(3)
>>> grads = gradient(lambda: W * 4 + b, params(W, b))
>>> float(grads[W]), float(grads[b])
(4.0, 1.0)
>>> Chain(Dense(10, 5, σ), Dense(5, 2), softmax)
Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)
>>> swish = formula("x * σ(x)", name="swish")      # an activation typed as text, derivatives from the tape
>>> Dense(2, 8, swish)
Dense(2 => 8, formula('swish(x) = x * σ(x)'))

These names are the library; more of it lives in namespaces: `engine.math` (elementwise maths,
reductions, shapes), `engine.datasets`, `engine.nn`, `engine.autodiff`, `engine.training`,
`engine.modelfile`, each listing its public names in `__all__`. `engine.kernels` is the compiled
path's machinery (it loads numba); nothing here imports it, so importing the engine is quick.
"""
from ._version import __version__
from .autodiff import (Tracked, data, gradcheck, gradient, hessian, hook, jacobian, no_grad, param, params, update,
                       withgradient)
from .nn import (ACTIVATIONS, LOSSES, OPTIMISERS, Activation, Adam, Chain, ChainSpec, Dense, Descent, LayerSpec,
                 Momentum, Nesterov, RMSProp, binarycrossentropy, compose, crossentropy, formula, identity, leakyrelu,
                 logitcrossentropy, logsoftmax, mse, relu, sigmoid, softmax, tanh, σ)
from .training import History, Trainer
from . import datasets, math
from .datasets import DataError, Dataset, Standardiser, load_csv
from .math import exp, log, matmul, mean, sum
from .modelfile import ModelFileError, load_model, save_model

__all__ = [
    # the tape (Flux's Tracker)
    "param", "params", "gradient", "update", "data", "withgradient", "jacobian", "hessian", "no_grad", "Tracked",
    "gradcheck", "hook",
    # layers and activations
    "Dense", "Chain", "compose", "σ", "sigmoid", "softmax", "logsoftmax", "tanh", "relu", "leakyrelu", "identity",
    "Activation", "ACTIVATIONS", "ChainSpec", "LayerSpec", "formula",
    # losses and optimisers
    "mse", "crossentropy", "logitcrossentropy", "binarycrossentropy", "LOSSES",
    "Descent", "Momentum", "Nesterov", "RMSProp", "Adam", "OPTIMISERS",
    # training, data, files
    "Trainer", "History", "datasets", "Dataset", "DataError", "load_csv", "Standardiser",
    "save_model", "load_model", "ModelFileError",
    "__version__",
    # maths (more in engine.math)
    "math", "sum", "mean", "exp", "log", "matmul",
]
