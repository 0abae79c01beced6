"""Differentiable maths on arrays and tracked values, in numpy's names: `import engine.math as em`.

    >>> import engine.math as em
    >>> from engine import gradient
    >>> float(gradient(lambda x: em.sum(em.exp(x)), [0.0, 0.0])[0][0])
    1.0

The elementwise functions and reductions a model is written with; every one has its VJP beside its
forward in engine.autodiff (ops.py, elementwise.py), and works with `gradient(..., nest=True)`.
"""
from .autodiff.elementwise import abs_ as abs, clip, cos, exp, log, sin, sqrt
from .autodiff.ops import matmul, max_ as max, mean, prod, reshape, stack, sum_ as sum, transpose, where

__all__ = ["abs", "clip", "cos", "exp", "log", "sin", "sqrt", "matmul", "max", "mean", "prod", "reshape", "stack",
           "sum", "transpose", "where"]
