"""Chainboard's engine: Tracker-style automatic differentiation, layers, losses and training.

The public API, and nothing else; the GUI imports only these names.

>>> from engine import gradient
>>> f = lambda x: 3 * x**2 + 2 * x + 1
>>> df = lambda x: gradient(f, x, nest=True)[0]
>>> df(2)
14.0 (tracked)
"""
from .tracked import Tracked, data, no_grad, param
from .params import Grads, Params, params, update
from .back import gradient, hessian, jacobian, withgradient
from .ops import matmul, max_ as max, mean, prod, reshape, sum_ as sum, transpose, where
from .mathops import abs_ as abs, clip, cos, exp, log, sin, sqrt
from .activations import ACTIVATIONS, Activation, identity, leakyrelu, logsoftmax, relu, sigmoid, softmax, tanh, σ
from .layers import INITIALISERS, Chain, Dense, compose, param_count
from .losses import LOSSES, binarycrossentropy, crossentropy, logitcrossentropy, mse
from .gradcheck import gradcheck, numeric_gradient

__all__ = [
    "Grads", "Params", "Tracked", "data", "gradient", "hessian", "jacobian", "no_grad", "param", "params",
    "update", "withgradient",
    "abs", "clip", "cos", "exp", "log", "matmul", "max", "mean", "prod", "reshape", "sin", "sqrt", "sum",
    "transpose", "where",
    "ACTIVATIONS", "Activation", "identity", "leakyrelu", "logsoftmax", "relu", "sigmoid", "softmax", "tanh", "σ",
    "INITIALISERS", "Chain", "Dense", "compose", "param_count",
    "LOSSES", "binarycrossentropy", "crossentropy", "logitcrossentropy", "mse",
    "gradcheck", "numeric_gradient",
]
