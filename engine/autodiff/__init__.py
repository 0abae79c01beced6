"""Reverse-mode automatic differentiation in the manner of Flux's Tracker: values record a tape.

    tracked.py      Tracked, param, data, no_grad, track (recording a call)
    params.py       Params, Grads, params, update
    back.py         backprop, gradient, withgradient, jacobian, hessian, hook
    elementwise.py  exp, log, log1p, sin, tanh, arctan, sign, floor, clip, ...
    shapes.py       broadcasting, reshape, transpose, indexing, stack, concatenate, repeat, tile, astype
    ops.py          arithmetic, powers, where, maximum, minimum
    reductions.py   sum, mean, max, min, prod, var, std, norm, logsumexp, cumsum
    products.py     matmul, linear (the Dense layer's), outer, dot, tensordot, einsum
    methods.py      operators and array methods on Tracked (x + y, x @ W, x.sum(), x.T)
    interop.py      numpy's own functions on tracked values (np.sum(x), np.exp(x))
    gradcheck.py    central differences, first and second order

Each op's forward stands beside its VJP. numpy only; it knows nothing of layers, training or files.
"""
from . import interop, methods  # noqa: F401  (they give Tracked its operators and numpy protocols)
from .back import backprop, gradient, hessian, hook, jacobian, withgradient
from .gradcheck import gradcheck, gradcheck2, numeric_gradient
from .params import Grads, Params, params, update
from .tracked import Tracked, data, no_grad, param, track

__all__ = ["Tracked", "param", "data", "no_grad", "track", "Params", "Grads", "params", "update", "backprop",
           "gradient", "withgradient", "jacobian", "hessian", "hook", "gradcheck", "gradcheck2", "numeric_gradient"]
