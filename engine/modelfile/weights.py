"""`weights.npz`: a model's arrays as an npz archive, read without trusting a byte of it.

Writing gives an ordinary npz (`np.load(..., allow_pickle=False)` opens it). Reading takes the
names and shapes the Chain's spec expects, and checks the inner archive's members and every
.npy header (version, dtype, order, shape) before reading a single array byte; it then reads
exactly the bytes the shape needs, and checks that the values are finite.

    >>> import numpy as np
    >>> data = write_weights({"layer0.weight": np.ones((2, 3)), "layer0.bias": np.zeros(2)})
    >>> arrays = read_weights(data, {"layer0.weight": (2, 3), "layer0.bias": (2,)})
    >>> arrays["layer0.weight"].shape, arrays["layer0.bias"].dtype
    ((2, 3), dtype('float64'))
    >>> read_weights(data, {"layer0.weight": (3, 2), "layer0.bias": (2,)})
    Traceback (most recent call last):
    ...
    engine.modelfile.archive.FileProblem: weights.npz: 'layer0.weight' has shape (2, 3); the Chain needs (3, 2)
"""
from __future__ import annotations

import io
import math

import numpy as np

from .archive import FileProblem, damage_guard, open_checked, write_archive

__all__ = ["write_weights", "read_weights", "DTYPES", "MAX_HEADER"]

DTYPES = ("<f4", "<f8")   # float32 and float64, little-endian whatever machine wrote them
MAX_HEADER = 1024         # numpy writes ~128 bytes for a 2-D float array
MAX_RATIO = 100.0         # write_weights stores its members; real weights barely compress anyway
# What numpy's header parser raises on a header it cannot make sense of, besides ValueError
# (`'descr': ('|u1',)` is an IndexError inside numpy): the header is damaged, not our code.
HEADER_DAMAGE = (IndexError, TypeError, KeyError, AttributeError, SyntaxError, MemoryError)
NPY_VERSIONS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def write_weights(arrays: dict[str, np.ndarray]) -> bytes:
    """An npz archive (stored, not deflated: weights barely compress) of float32/float64 arrays."""
    members = []
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.str.lstrip("<>=|") not in ("f4", "f8"):
            raise ValueError(f"{name} is {array.dtype}; model weights are float32 or float64")
        little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        buf = io.BytesIO()
        np.lib.format.write_array(buf, little, version=(1, 0), allow_pickle=False)
        members.append((f"{name}.npy", buf.getvalue(), False))
    out = io.BytesIO()
    write_archive(out, members)
    return out.getvalue()


def _nbytes(shape: tuple[int, ...], itemsize: int) -> int:
    return math.prod(shape) * itemsize  # Python ints: no overflow, whatever the header claims


def _read_array(f, name: str, shape: tuple[int, ...]) -> np.ndarray:
    with damage_guard(f"weights.npz: {name!r}"):
        version = np.lib.format.read_magic(f)
        if version not in NPY_VERSIONS:
            raise FileProblem(f"weights.npz: {name!r} is a .npy version {version}; expected 1.0 or 2.0")
        try:
            found_shape, fortran, dtype = NPY_VERSIONS[version](f, max_header_size=MAX_HEADER)
        except HEADER_DAMAGE as error:
            raise FileProblem(f"weights.npz: {name!r} has a .npy header numpy cannot read "
                              f"({type(error).__name__})") from None
    if dtype.str not in DTYPES:
        raise FileProblem(f"weights.npz: {name!r} holds {dtype.str!r} values; only little-endian "
                          f"float32 or float64 are allowed")
    if fortran and len(found_shape) > 1:
        raise FileProblem(f"weights.npz: {name!r} is in Fortran order; Chainboard writes C order")
    if tuple(found_shape) != shape:
        raise FileProblem(f"weights.npz: {name!r} has shape {tuple(found_shape)}; the Chain needs {shape}")
    size = _nbytes(shape, dtype.itemsize)
    with damage_guard(f"weights.npz: {name!r}"):
        raw = f.read(size)
        extra = f.read(1)  # also makes zipfile reach the end and check the CRC
    if len(raw) != size:
        raise FileProblem(f"weights.npz: {name!r} is cut short ({len(raw)} of {size} bytes)")
    if extra:
        raise FileProblem(f"weights.npz: {name!r} has bytes after its array")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape)
    if not np.isfinite(array).all():
        raise FileProblem(f"weights.npz: {name!r} holds NaN or infinite values")
    return array


def read_weights(data: bytes, shapes: dict[str, tuple[int, ...]], *, stored_bytes: int | None = None,
                 ratio_floor: int = 1 << 16) -> dict[str, np.ndarray]:
    """The arrays named in `shapes`, each checked against its shape (read-only float arrays).

    Each member may declare at most what its shape needs as float64, and expand at most
    MAX_RATIO times. `stored_bytes` is what the archive takes in the model file (compressed
    there, perhaps): all members together may expand to at most MAX_RATIO times that (or
    `ratio_floor` bytes), so compressing twice does not multiply the two ratios.
    Anything else in the archive, or anything missing, wrong or damaged, raises FileProblem.
    """
    caps = {f"{name}.npy": MAX_HEADER + 16 + _nbytes(shape, 8) for name, shape in shapes.items()}
    try:
        zf = open_checked(io.BytesIO(data), caps, max_total=sum(caps.values()), max_ratio=MAX_RATIO,
                          ratio_floor=ratio_floor)
    except FileProblem as problem:
        raise FileProblem(f"weights.npz: {problem}") from None
    stored = len(data) if stored_bytes is None else stored_bytes
    expanded = sum(info.file_size for info in zf.infolist())
    if expanded > MAX_RATIO * max(stored, ratio_floor):
        zf.close()
        raise FileProblem(f"weights.npz: its arrays expand to {expanded:,} bytes from {stored:,} in the file, "
                          f"more than {MAX_RATIO:.0f} times (a zip bomb?)")
    arrays = {}
    with zf:
        for name, shape in shapes.items():
            with damage_guard(f"weights.npz: {name!r}"):
                f = zf.open(f"{name}.npy")
            with f:
                arrays[name] = _read_array(f, name, tuple(shape))
    return arrays
