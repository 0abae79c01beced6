"""Products that sum over shared axes: matmul and the Dense layer's `linear`, each beside its VJP,
and outer, dot, tensordot and einsum, which numpy users reach for.

`outer`, `dot` and `tensordot` are built from transposes, reshapes and one matrix product, so
their gradients (of every order) come from those; `einsum`'s VJP is another einsum.

>>> from engine import gradient
>>> [g.tolist() for g in gradient(lambda a, b: dot(a, b), [1.0, 2.0], [3.0, 4.0])]
[[3.0, 4.0], [1.0, 2.0]]
>>> einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).tolist()
[3.0, 7.0]
"""
import numpy as np

from .shapes import _ndim, _shape, broadcast_to, reshape, sum_to, swapaxes, transpose
from .reductions import sum_
from .tracked import armed, check_interrupt, data, selective, track

BLOCK_MACS = 1 << 27  # multiply-adds per piece of a product a stop can land between (~30 ms on one core)


def _product(a, b):
    """``np.matmul(a, b)`` of plain arrays. Inside `interruptible` (a training run), a big 2-D product is
    computed a block of output columns (or rows) at a time, with a look at the stop flag between blocks: one
    4096-wide layer's product would otherwise hold a stop for a quarter of a second or more. The split runs
    along the side whose other operand is smaller, so only that one is read again per block."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.ndim == 2 and b.ndim == 2):
        return np.matmul(a, b)
    (n, k), m = a.shape, b.shape[1]
    if not armed() or n * k * m <= BLOCK_MACS:
        # np.dot for matrices: the same product, but always through BLAS; np.matmul loops itself over an
        # outer product (inner size 1, a single sample's weight gradient), 5x slower for a 128 x 784 one
        return np.dot(a, b)
    out = np.empty((n, m), np.result_type(a, b))
    by_columns = a.size <= b.size  # re-read a (the smaller) for each block of b's columns
    width = max(1, BLOCK_MACS // (n * k if by_columns else k * m))
    for lo in range(0, m if by_columns else n, width):
        check_interrupt()
        part = slice(lo, lo + width)
        if by_columns:
            np.matmul(a, b[:, part], out=out[:, part])
        else:
            np.matmul(a[part], b, out=out[part])
    return out


def matmul(a, b):
    """``a @ b`` for vectors, matrices and batches of matrices (numpy semantics)."""
    sa, sb = _shape(a), _shape(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul needs arrays, not scalars: shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not fit (inner sizes "
                         f"{sa[-1]} and {sb[-2 if len(sb) > 1 else 0]} differ)")
    if len(sa) == 1 and len(sb) == 1:
        return sum_(a * b)
    if len(sa) == 1:
        return reshape(_matmul(reshape(a, (1, sa[0])), b), sb[:-2] + sb[-1:])
    if len(sb) == 1:
        return reshape(_matmul(a, reshape(b, (sb[0], 1))), sa[:-1])
    return _matmul(a, b)


def _matmul(a, b):
    return track(_product(data(a), data(b)), (a, b), _matmul_vjp)


@selective
def _matmul_vjp(g, out, a, b, needs=(True, True)):
    return (sum_to(_matmul(g, swapaxes(b)), _shape(a)) if needs[0] else None,
            sum_to(_matmul(swapaxes(a), g), _shape(b)) if needs[1] else None)


def linear(x, W, b=None):
    """The Dense layer's affine map ``x @ W.T + b`` as one tape node (x is (in,) or (n, in))."""
    xv, Wv = data(x), data(W)
    y = _product(xv, Wv.T) if _ndim(xv) == 2 else xv @ Wv.T
    if b is not None:
        y = y + data(b)
    return track(y, (x, W, b), _linear_vjp)


@selective
def _linear_vjp(g, out, x, W, b, needs=(True, True, True)):
    vector = len(_shape(x)) == 1
    gx = gW = gb = None
    if needs[0]:
        gx = matmul(g, W) if vector else _matmul(g, W)
    if needs[1]:
        gW = reshape(g, (-1, 1)) * reshape(x, (1, -1)) if vector else _matmul(swapaxes(g), x)
    if needs[2] and b is not None:
        gb = g if vector else sum_(g, axis=0)
    return gx, gW, gb


def outer(a, b):
    """Every product ``a[i] * b[j]`` as a matrix (inputs are flattened first, as numpy does).

    >>> outer([1.0, 2.0], [1.0, 10.0]).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def dot(a, b):
    """numpy's dot: a product for numbers, the inner product of vectors, matmul for matrices, and in
    general the sum over the last axis of `a` and the second-to-last of `b`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    return tensordot(a, b, ([_ndim(a) - 1], [max(_ndim(b) - 2, 0)]))


def _tensordot_axes(axes, na, nb):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(na - n, na)), list(range(n))
    left, right = axes
    left = [left] if np.ndim(left) == 0 else list(left)
    right = [right] if np.ndim(right) == 0 else list(right)
    return [int(i) % na for i in left], [int(i) % nb for i in right]


def tensordot(a, b, axes=2):
    """Sum products over `axes` of `a` and `b`, as numpy's tensordot: an int n pairs a's last n axes
    with b's first n; a pair of lists names them. The result has a's other axes, then b's.

    >>> tensordot(np.ones((2, 3, 4)), np.ones((4, 3, 5)), ([1, 2], [1, 0])).shape
    (2, 5)
    """
    sa, sb = _shape(a), _shape(b)
    left, right = _tensordot_axes(axes, len(sa), len(sb))
    if len(left) != len(right) or any(sa[i] != sb[j] for i, j in zip(left, right)):
        raise ValueError(f"tensordot: axes {left} of shape {sa} and {right} of shape {sb} do not pair up")
    free_a = [i for i in range(len(sa)) if i not in left]
    free_b = [j for j in range(len(sb)) if j not in right]
    k = int(np.prod([sa[i] for i in left]))
    a2 = reshape(_moved(a, free_a + left), (-1, k))
    b2 = reshape(_moved(b, right + free_b), (k, -1))
    return reshape(_matmul(a2, b2), tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))


def _moved(x, order):
    return x if order == list(range(len(order))) else transpose(x, order)


# ---- einsum ----

def einsum(subscripts, *operands):
    """numpy's einsum for sums of products, e.g. ``"ij,jk->ik"``, ``"bi,bi->b"``, ``"i,j->ij"``.

    Each operand's letters must differ (no traces or diagonals such as ``"ii->"``) and ``...`` is
    not supported; a letter that appears in one operand only is summed over, as in numpy.
    """
    inputs, output = _parse_einsum(subscripts, [_shape(x) for x in operands])
    spec = ",".join(inputs) + "->" + output
    value = np.einsum(spec, *(data(x) for x in operands))
    return track(value, operands, _einsum_vjp, {"inputs": inputs, "output": output})


def _parse_einsum(subscripts, shapes):
    if not isinstance(subscripts, str):
        raise TypeError("einsum takes its subscripts as a string first, e.g. einsum('ij,j->i', A, x)")
    text = subscripts.replace(" ", "")
    if "." in text:
        raise ValueError("einsum: '...' is not supported on the tape; write every axis as a letter")
    inputs, arrow, output = text.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(inputs)} operands, but {len(shapes)} were given")
    letters = "".join(inputs)
    if not arrow:  # numpy's implicit output: the letters used once, in alphabetical order
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes = {}
    for k, (subs, shape) in enumerate(zip(inputs, shapes), 1):
        if not subs.isalpha() and subs:
            raise ValueError(f"einsum: operand {k}'s subscripts {subs!r} must be letters")
        if len(subs) != len(shape):
            raise ValueError(f"einsum: operand {k} has {len(shape)} dimensions but subscripts {subs!r}")
        if len(set(subs)) != len(subs):
            raise ValueError(f"einsum: a letter repeats within operand {k} ({subs!r}): traces and diagonals "
                             "are not differentiable here; index them out first")
        for c, n in zip(subs, shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: '{c}' is {sizes[c]} long in one operand and {n} in another")
    if len(set(output)) != len(output) or not set(output) <= set(letters):
        raise ValueError(f"einsum: output {output!r} must use each input letter at most once")
    return inputs, output


@selective
def _einsum_vjp(g, out, *operands, inputs, output, needs=None):
    grads = []
    for i, x in enumerate(operands):
        if needs is not None and not needs[i]:
            grads.append(None)
            continue
        # the gradient of operand i: contract g with every other operand onto i's letters
        others = [j for j in range(len(operands)) if j != i]
        present = set(output).union(*(inputs[j] for j in others))
        target = "".join(c for c in inputs[i] if c in present)
        spec = ",".join([output] + [inputs[j] for j in others]) + "->" + target
        gi = einsum(spec, g, *(operands[j] for j in others))
        # letters of operand i found nowhere else were summed in the forward pass: spread back over them
        shape = _shape(x)
        kept = tuple(n if c in present else 1 for c, n in zip(inputs[i], shape))
        grads.append(broadcast_to(reshape(gi, kept), shape))
    return tuple(grads)
