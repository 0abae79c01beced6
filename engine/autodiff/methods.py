"""Operators and array methods on Tracked, so tracked values read like numpy arrays.

>>> from engine import param
>>> x = param([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
>>> x.transpose((1, 0)).shape, x.sum(axis=np.int64(1)).shape, x.min(), x.astype(np.float32).dtype
((3, 2), (2,), 1.0 (tracked), dtype('float32'))
"""
import numpy as np

from . import elementwise as el, ops, products, reductions as red, shapes
from .tracked import Tracked


def _shape_args(shape):
    """``x.reshape(2, 3)`` and ``x.reshape((2, 3))`` both, as numpy allows."""
    return shape[0] if len(shape) == 1 and np.ndim(shape[0]) else shape


def _install():
    T = Tracked
    T.__add__ = lambda a, b: ops.add(a, b)
    T.__radd__ = lambda a, b: ops.add(b, a)
    T.__sub__ = lambda a, b: ops.sub(a, b)
    T.__rsub__ = lambda a, b: ops.sub(b, a)
    T.__mul__ = lambda a, b: ops.mul(a, b)
    T.__rmul__ = lambda a, b: ops.mul(b, a)
    T.__truediv__ = lambda a, b: ops.div(a, b)
    T.__rtruediv__ = lambda a, b: ops.div(b, a)
    T.__pow__ = lambda a, b: ops.power(a, b)
    T.__rpow__ = lambda a, b: ops.power(b, a)
    T.__matmul__ = lambda a, b: products.matmul(a, b)
    T.__rmatmul__ = lambda a, b: products.matmul(b, a)
    T.__neg__ = lambda a: ops.neg(a)
    T.__pos__ = lambda a: a
    T.__abs__ = lambda a: el.abs_(a)
    T.__getitem__ = lambda a, index: shapes.getitem(a, index)
    T.T = property(lambda a: shapes.transpose(a))
    T.sum = lambda a, axis=None, keepdims=False: red.sum_(a, axis, keepdims)
    T.mean = lambda a, axis=None, keepdims=False: red.mean(a, axis, keepdims)
    T.max = lambda a, axis=None, keepdims=False: red.max_(a, axis, keepdims)
    T.min = lambda a, axis=None, keepdims=False: red.min_(a, axis, keepdims)
    T.prod = lambda a, axis=None, keepdims=False: red.prod(a, axis, keepdims)
    T.var = lambda a, axis=None, ddof=0, keepdims=False: red.var(a, axis, ddof, keepdims)
    T.std = lambda a, axis=None, ddof=0, keepdims=False: red.std(a, axis, ddof, keepdims)
    T.cumsum = lambda a, axis=None: red.cumsum(a, axis)
    T.dot = lambda a, b: products.dot(a, b)
    T.reshape = lambda a, *shape: shapes.reshape(a, _shape_args(shape))
    T.transpose = lambda a, *axes: shapes.transpose(a, _shape_args(axes) if axes else None)
    T.flatten = T.ravel = lambda a: shapes.reshape(a, -1)
    T.repeat = lambda a, repeats, axis=None: shapes.repeat(a, repeats, axis)
    T.astype = lambda a, dtype: shapes.astype(a, dtype)


_install()
