"""How many threads Numba's BLAS (SciPy's OpenBLAS) uses while a Trainer runs.

    >>> with blas_threads(1):      # large layers' products on one thread for the block
    ...     pass

ctypes only: no numba here, so the Trainer can set it up whichever path runs.
"""
import contextlib
import ctypes
import functools
from pathlib import Path

__all__ = ["blas_threads"]


@functools.lru_cache(maxsize=1)
def _openblas_threads():
    """(get, set) for the thread count of SciPy's OpenBLAS, the BLAS behind Numba's np.dot;
    None where SciPy links another BLAS (Accelerate, MKL) or the library is not found."""
    try:
        import scipy  # a dependency, but only this helper needs it
        for path in sorted((Path(scipy.__file__).parent.parent / "scipy.libs").glob("*openblas*")):
            lib = ctypes.CDLL(str(path))  # already loaded: this only gets a handle
            for prefix in ("scipy_openblas", "openblas"):
                get = getattr(lib, prefix + "_get_num_threads", None)
                put = getattr(lib, prefix + "_set_num_threads", None)
                if get is not None and put is not None:
                    return get, put
    except (ImportError, OSError):
        pass
    return None


@contextlib.contextmanager
def blas_threads(n):
    """Run the block with Numba's BLAS on `n` threads (None: leave it as it is).

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
