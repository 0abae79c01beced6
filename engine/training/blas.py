"""The BLAS the compiled kernels call, found once per process: its GEMM addresses and its thread count.

    >>> gemm_address("float64") > 0                # cblas_dgemm, called by address from the kernels
    True
    >>> with blas_threads(1):                      # large layers' products on one thread for the block
    ...     pass

The library is scipy-openblas32's OpenBLAS (a dependency): a newer OpenBLAS than the one inside SciPy's wheels,
and measurably faster on the products a small network makes (an mnist-size step on one thread, the two
libraries timed in one process: float32 ~20% faster, float64 ~4%). Where that package is missing, SciPy's own
OpenBLAS serves. Both export the row-major `cblas_?gemm` with a `scipy_` prefix. ctypes only: no numba here, so
the Trainer can set threads up whichever path runs.
"""
import contextlib
import ctypes
import functools
from pathlib import Path

__all__ = ["gemm_address", "blas_threads", "blas_name"]

_PREFIXES = ("scipy_", "")  # scipy-openblas and SciPy's OpenBLAS rename every symbol; a plain build does not


def _candidates():
    """Library files to try, best first."""
    try:
        import scipy_openblas32
        yield Path(scipy_openblas32.get_lib_dir()) / scipy_openblas32.get_library(fullname=True)
    except ImportError:
        pass
    try:
        import scipy  # a dependency: its wheels carry an OpenBLAS
        yield from sorted((Path(scipy.__file__).parent.parent / "scipy.libs").glob("*openblas*"))
    except ImportError:
        pass


@functools.lru_cache(maxsize=1)
def _library():
    """(ctypes handle, symbol prefix, path) of the first library with cblas_dgemm and cblas_sgemm."""
    for path in _candidates():
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for prefix in _PREFIXES:
            if all(hasattr(lib, f"{prefix}cblas_{t}gemm") for t in "ds"):
                return lib, prefix, path
    raise RuntimeError("compiled training needs an OpenBLAS: pip install scipy-openblas32 (no BLAS library with "
                       "cblas_dgemm was found in scipy-openblas32 or SciPy)")


def gemm_address(dtype) -> int:
    """The address of the library's row-major `cblas_dgemm` (float64) or `cblas_sgemm` (float32)."""
    import numpy as np
    lib, prefix, _ = _library()
    letter = {np.dtype(np.float64): "d", np.dtype(np.float32): "s"}[np.dtype(dtype)]
    return ctypes.cast(getattr(lib, f"{prefix}cblas_{letter}gemm"), ctypes.c_void_p).value


def blas_name() -> str:
    """The library's own description (OpenBLAS's version and the kernel it chose), for benchmarks."""
    lib, prefix, path = _library()
    config = getattr(lib, f"{prefix}openblas_get_config", None)
    if config is None:
        return path.name
    config.restype = ctypes.c_char_p
    return config().decode()


@functools.lru_cache(maxsize=1)
def _openblas_threads():
    """(get, set) for the thread count of the kernels' OpenBLAS; None where it has no such calls."""
    try:
        lib, prefix, _ = _library()
    except RuntimeError:
        return None
    get = getattr(lib, prefix + "openblas_get_num_threads", None)
    put = getattr(lib, prefix + "openblas_set_num_threads", None)
    return (get, put) if get is not None and put is not None else None


@contextlib.contextmanager
def blas_threads(n):
    """Run the block with the kernels' BLAS on `n` threads (None: leave it as it is).

    OpenBLAS threads busy-wait for each other: when another busy thread (a GUI, another
    process) takes one of two cores, a two-thread product can stall for milliseconds. One
    thread keeps training steady there. A no-op where the BLAS cannot be reached.
    """
    found = _openblas_threads() if n is not None else None
    if found is None:
        yield
        return
    get, put = found
    before = get()
    put(int(n))
    try:
        yield
    finally:
        put(before)
