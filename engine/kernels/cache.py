"""Where Numba keeps compiled kernels: a writable folder per version of the kernel sources.

Numba checks only the file that defines a function to see whether its cached machine code is
stale, but our kernels call and inline each other across files (`fastmath` into `activations`
into the interpreter), and they compile in constants from the registries in `engine/nn` (the
activation and loss codes are their registries' order, optimiser settings are names there).
So the cache lives in a folder named by a hash of every source in `engine/kernels/` and of those
`engine/nn` modules: a change in any of them compiles afresh instead of running old code.

The base folder is `$NUMBA_CACHE_DIR` when set, else the per-user cache folder (platformdirs);
`engine/kernels/__init__.py` chooses it when the first kernel module is imported, before any
`@njit(cache=True)` function is defined. Importing the rest of the engine never gets here.

>>> folder = use_versioned_cache()
>>> folder.name.startswith("kernels-")
True
"""
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import numba
import platformdirs

KERNELS = Path(__file__).resolve().parent
COMPILED_IN = ("activations.py", "losses.py", "optimisers.py")  # the engine/nn modules kernels import from
STALE_AFTER_DAYS = 30  # other versions' folders unused this long are removed by prune_stale()


def hashed_sources() -> list[Path]:
    """Every file whose contents compiled kernels depend on: the kernels, and what they compile in."""
    kernels = [path for path in sorted(KERNELS.glob("*.py")) if path.name != "cache.py"]
    return kernels + [KERNELS.parent / "nn" / name for name in COMPILED_IN]


def source_hash() -> str:
    """A short hash of the kernel sources, the registries they compile in, and Numba's version."""
    digest = hashlib.sha256()
    for path in hashed_sources():
        digest.update(f"{path.parent.name}/{path.name}".encode())
        digest.update(path.read_bytes())
    digest.update(numba.__version__.encode())
    return digest.hexdigest()[:16]


def _base() -> Path:
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    return Path(explicit) if explicit else Path(platformdirs.user_cache_dir("chainboard", appauthor=False)) / "numba"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        return True
    except OSError:
        return False


def use_versioned_cache() -> Path:
    """Point Numba at `<base>/kernels-<hash>` (idempotent) and return that folder."""
    folder = _base() / f"kernels-{source_hash()}"
    if not _writable(folder):  # a read-only home: a temporary folder still caches within the session
        folder = Path(tempfile.gettempdir()) / f"chainboard-numba-{os.getuid() if hasattr(os, 'getuid') else 0}" \
            / folder.name
        folder.mkdir(parents=True, exist_ok=True)
    numba.config.CACHE_DIR = str(folder)
    os.utime(folder)  # marks it in use, for prune_stale() in other versions
    return folder


def prune_stale(folder: Path | None = None) -> list[Path]:
    """Remove the caches of other kernel versions that nobody has used for a while; returns them.

    Called from `engine.training.warm_up` (an explicit, background step), never on import.
    """
    folder = Path(numba.config.CACHE_DIR) if folder is None else folder
    cutoff = time.time() - STALE_AFTER_DAYS * 86400
    removed = []
    for sibling in folder.parent.glob("kernels-*"):
        try:
            if sibling != folder and sibling.stat().st_mtime < cutoff:
                shutil.rmtree(sibling, ignore_errors=True)
                removed.append(sibling)
        except OSError:
            pass
    return removed
