"""Central-difference gradients: the referee for every op, used by the tests and the app.

>>> import numpy as np
>>> numeric_gradient(lambda x: (x**2).sum(), np.array([1.0, -2.0])).round(6).tolist()
[2.0, -4.0]
>>> gradcheck(lambda x: (x**3).sum(), np.array([0.5, 2.0]))
True
"""
import numpy as np

from .back import gradient
from .tracked import data


def numeric_gradient(f, x, eps=1e-6):
    """∂f/∂x by central differences, ``(f(x + h) - f(x - h)) / 2h`` one element at a time (float64)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + eps
        hi = float(data(f(x.copy())))
        x[i] = old - eps
        lo = float(data(f(x.copy())))
        x[i] = old
        grad[i] = (hi - lo) / (2 * eps)
    return grad


def gradcheck(f, *args, eps=1e-6, rtol=1e-5, atol=1e-6):
    """True when the tape's gradient of scalar `f` matches central differences for every argument.

    Raises AssertionError naming the argument and the worst element otherwise.
    """
    args = [np.array(a, dtype=np.float64) for a in args]
    analytic = gradient(f, *args)
    for k, (a, g) in enumerate(zip(args, analytic)):
        def f_k(xk, k=k):
            return f(*args[:k], xk, *args[k + 1:])
        numeric = numeric_gradient(f_k, a, eps)
        g = np.asarray(g, dtype=np.float64)
        if not np.allclose(g, numeric, rtol=rtol, atol=atol):
            worst = np.unravel_index(np.argmax(np.abs(g - numeric)), np.shape(g)) if np.ndim(g) else ()
            raise AssertionError(f"gradient of argument {k} differs at {worst}: "
                                 f"tape {np.asarray(g)[worst]!r}, central difference {numeric[worst]!r}")
    return True


def gradcheck2(f, *args, eps=1e-5, rtol=1e-4, atol=1e-5):
    """Second order: the nested gradient of `f` (w.r.t. each argument) against central differences
    of the first-order tape gradient, i.e. the Hessian's rows, checked through its VJP."""
    args = [np.array(a, dtype=np.float64) for a in args]
    for k in range(len(args)):
        def g_k(*xs, k=k):
            # a random fixed projection keeps the second-order function scalar
            first = gradient(f, *xs, nest=True)[k]
            weights = np.random.default_rng(k).standard_normal(np.shape(data(first)))
            return (first * weights).sum()
        gradcheck(g_k, *args, eps=eps, rtol=rtol, atol=atol)
    return True
