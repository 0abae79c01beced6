"""Reverse-mode automatic differentiation in the manner of Flux's Tracker: values record a tape.

    tracked.py      Tracked, param, data, no_grad, track (recording a call)
    params.py       Params, Grads, params, update
    back.py         backprop, gradient, withgradient, jacobian, hessian
    ops.py          arithmetic, matmul, shapes, indexing, reductions: each forward beside its VJP
    elementwise.py  exp, log, sqrt, abs, sin, cos, clip
    gradcheck.py    central differences, first and second order

numpy only; it knows nothing of layers, training or files.
"""
from .back import backprop, gradient, hessian, jacobian, withgradient
from .gradcheck import gradcheck, gradcheck2, numeric_gradient
from .params import Grads, Params, params, update
from .tracked import Tracked, data, no_grad, param, track

__all__ = ["Tracked", "param", "data", "no_grad", "track", "Params", "Grads", "params", "update", "backprop",
           "gradient", "withgradient", "jacobian", "hessian", "gradcheck", "gradcheck2", "numeric_gradient"]
