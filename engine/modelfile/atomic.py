"""Atomic file replacement, and the sweep of temporaries a crash left behind.

`atomic_write(path, data, check)` writes `data` to a temporary file in `path`'s folder,
flushes and fsyncs it, lets `check(temporary_path)` read it back, and only then renames it
over `path` (`os.replace` is atomic on POSIX and Windows). If anything fails the temporary file
is removed and `path` is exactly as it was.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.chain", b"new")
    >>> (folder / "a.chain").read_bytes(), sorted(p.name for p in folder.iterdir())
    (b'new', ['a.chain'])
    >>> sweep_stray_temporaries(folder)
    []

Temporaries are named `.<target name>.<16 hex digits>.chain-tmp`, so that
`sweep_stray_temporaries(folder)` can find (only) them after a crash.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "sweep_stray_temporaries", "is_temporary", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".chain-tmp"
_TEMP_NAME = re.compile(r"\..*\.[0-9a-f]{16}" + re.escape(TEMP_SUFFIX), re.S)
_NAME_PART = 100  # keeps the temporary's name under every file system's 255-byte limit


def is_temporary(path) -> bool:
    """Whether `path` is named like one of atomic_write's temporary files."""
    return bool(_TEMP_NAME.fullmatch(Path(path).name))


def _create_temporary(path: Path) -> tuple[Path, int]:
    for _ in range(100):
        temp = path.with_name(f".{path.name[:_NAME_PART]}.{secrets.token_hex(8)}{TEMP_SUFFIX}")
        try:
            # 0o666 and O_EXCL: the umask applies as for any new file, and we never reuse a name
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name next to {path}")


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders, and does not need to.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data: bytes, check: Callable[[Path], object] | None = None) -> None:
    """Replace `path` with `data` all at once, or not at all (then the error propagates)."""
    path = Path(os.fspath(path))
    temp, fd = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:  # keep the permissions someone gave the file they are overwriting
            os.chmod(temp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        if check is not None:
            check(temp)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_folder(path.parent)


def sweep_stray_temporaries(folder, min_age: float = 60.0, target=None) -> list[Path]:
    """Remove temporaries older than `min_age` seconds from `folder` (only those of the file
    named `target`, if given); return what was removed.

    The age limit spares a save in progress in another Chainboard window or process.
    Errors (a vanished file, no permission) are skipped: sweeping is a courtesy, not a duty.
    """
    prefix = "" if target is None else f".{Path(target).name[:_NAME_PART]}."
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temporary(entry.name) or not entry.name.startswith(prefix):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= min_age:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
