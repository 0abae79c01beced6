"""Differentiable maths on arrays and tracked values, in numpy's names: `import engine.math as em`.

    >>> import engine.math as em
    >>> from engine import gradient
    >>> float(gradient(lambda x: em.sum(em.exp(x)), [0.0, 0.0])[0][0])
    1.0
    >>> gradient(lambda x: em.logsumexp(x), [0.0, 0.0])[0].tolist()
    [0.5, 0.5]

The elementwise functions, reductions, shapes and products a model is written with; every one
has its VJP beside its forward in engine.autodiff and works with `gradient(..., nest=True)`.
numpy's own functions (``np.sum(x)``, ``np.exp(x)``) run these on tracked values too.

    elementwise  exp log sqrt expm1 log1p exp2 log2 log10 sin cos tan tanh sinh cosh arcsin arccos
                 arctan abs sign floor ceil round clip maximum minimum where
    reductions   sum mean max min prod var std norm logsumexp cumsum
    shapes       reshape transpose broadcast_to stack concatenate vcat hcat repeat tile astype
    products     matmul outer dot tensordot einsum
    activations  softmax logsoftmax (over any axis: softmax(x, axis=0), Flux's dims)
"""
from .autodiff.elementwise import (abs_ as abs, arccos, arcsin, arctan, ceil, clip, cos, cosh, exp, exp2, expm1,
                                   floor, log, log1p, log2, log10, round_ as round, sign, sin, sinh, sqrt, tan, tanh)
from .autodiff.ops import maximum, minimum, where
from .autodiff.products import dot, einsum, matmul, outer, tensordot
from .autodiff.reductions import (cumsum, logsumexp, max_ as max, mean, min_ as min, norm, prod, std, sum_ as sum,
                                  var)
from .autodiff.shapes import astype, broadcast_to, concatenate, hcat, repeat, reshape, stack, tile, transpose, vcat
from .nn.activations import logsoftmax, softmax

__all__ = ["exp", "log", "sqrt", "expm1", "log1p", "exp2", "log2", "log10", "sin", "cos", "tan", "tanh", "sinh",
           "cosh", "arcsin", "arccos", "arctan", "abs", "sign", "floor", "ceil", "round", "clip", "maximum", "minimum",
           "where", "sum", "mean", "max", "min", "prod", "var", "std", "norm", "logsumexp", "cumsum", "reshape",
           "transpose", "broadcast_to", "stack", "concatenate", "vcat", "hcat", "repeat", "tile", "astype", "matmul",
           "outer", "dot", "tensordot", "einsum", "softmax", "logsoftmax"]
