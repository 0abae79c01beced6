"""Where Numba keeps compiled kernels: a writable folder per version of the kernel sources.

Numba checks only the file that defines a function to see whether its cached machine code is
stale, but our kernels call and inline each other across files (`fastmath` into `kernels` into
the compiled trainer). So the cache lives in a folder named by a hash of every engine source
that uses Numba: a change in any of them compiles afresh instead of running old code.

The base folder is `$NUMBA_CACHE_DIR` when set, else the per-user cache folder; it must be chosen
before any `@njit(cache=True)` function is defined, which is why `engine/__init__.py` calls
`use_versioned_cache()` first.

>>> folder = use_versioned_cache()
>>> folder.name.startswith("kernels-")
True
"""
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numba

ENGINE = Path(__file__).resolve().parent


STALE_AFTER_DAYS = 30  # other versions' folders unused this long are removed


def source_hash():
    """A short hash of the engine sources that hold Numba code (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(ENGINE.glob("*.py")):
        source = path.read_bytes()
        if b"numba" in source and path.name != "numba_cache.py":
            digest.update(path.name.encode())
            digest.update(source)
    digest.update(numba.__version__.encode())
    return digest.hexdigest()[:16]


def _user_cache_base():
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "chainboard" / "numba"


def _writable(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, delete=True)
        probe.close()
        return True
    except OSError:
        return False


def use_versioned_cache():
    """Point Numba at `<base>/kernels-<hash>` (idempotent) and return that folder."""
    base = Path(os.environ["NUMBA_CACHE_DIR"]) if os.environ.get("NUMBA_CACHE_DIR") else _user_cache_base()
    folder = base / f"kernels-{source_hash()}"
    if not _writable(folder):  # a read-only home: a temporary folder still caches within the session
        folder = Path(tempfile.gettempdir()) / f"chainboard-numba-{os.getuid() if hasattr(os, 'getuid') else 0}" \
            / folder.name
        folder.mkdir(parents=True, exist_ok=True)
    numba.config.CACHE_DIR = str(folder)
    os.utime(folder)  # marks it in use, for _prune_siblings elsewhere
    _prune_siblings(folder)
    return folder


def _prune_siblings(folder):
    """Remove caches of older kernel versions that nobody has used for a while."""
    import shutil
    import time

    cutoff = time.time() - STALE_AFTER_DAYS * 86400
    for sibling in folder.parent.glob("kernels-*"):
        try:
            if sibling != folder and sibling.stat().st_mtime < cutoff:
                shutil.rmtree(sibling, ignore_errors=True)
        except OSError:
            pass
