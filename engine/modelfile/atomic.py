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
    >>> sweep_stray_temporaries(folder), our_temporaries()
    ([], [])

Temporaries are named `.<target name>.<host>-<pid>.<16 hex digits>.chain-tmp`: the name says
which process on which machine wrote it. `sweep_stray_temporaries(folder)` removes the ones
whose writer is gone (a process of this machine that no longer runs) and the ones this process
failed to remove itself; it never guesses from a file's age, and never touches a save in
progress (ours, or another live process's) or one written from another machine.
`our_temporaries()` lists the temporaries this process is writing or could not remove.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import stat
import threading
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "sweep_stray_temporaries", "our_temporaries", "is_temporary", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".chain-tmp"
_TEMP_NAME = re.compile(r"\..*\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})\.[0-9a-f]{16}" + re.escape(TEMP_SUFFIX),
                        re.S)
_NAME_PART = 100  # keeps the temporary's name under every file system's 255-byte limit
HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "surrogatepass")).hexdigest()[:8]

_lock = threading.Lock()
_writing: set[Path] = set()     # temporaries a save of this process is writing right now
_abandoned: set[Path] = set()   # ours, left behind because removing them failed


def is_temporary(path) -> bool:
    """Whether `path` is named like one of atomic_write's temporary files."""
    return bool(_TEMP_NAME.fullmatch(Path(path).name))


def our_temporaries() -> list[Path]:
    """The temporaries this process has created and not yet renamed or removed, sorted."""
    with _lock:
        return sorted(_writing | _abandoned)


def _create_temporary(path: Path) -> tuple[Path, int]:
    for _ in range(100):
        temp = path.with_name(f".{path.name[:_NAME_PART]}.{HOST}-{os.getpid()}.{secrets.token_hex(8)}{TEMP_SUFFIX}")
        try:
            # 0o666 and O_EXCL: the umask applies as for any new file, and we never reuse a name
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        with _lock:
            _writing.add(_key(temp))
        return temp, fd
    raise FileExistsError(f"no free temporary file name next to {path}")


def _key(path) -> Path:
    """How the registry knows a temporary, whatever folder spelling the caller used."""
    return Path(os.path.abspath(path))


def _process_gone(pid: int) -> bool:
    """True only when no process `pid` runs on this machine (any doubt: False, keep the file)."""
    if pid == os.getpid():
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate it on Windows: ask the kernel instead
        import ctypes
        kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 87  # ERROR_INVALID_PARAMETER: there is no such process
        code = ctypes.c_ulong()
        try:
            return bool(kernel.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value != 259  # STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False  # alive under another user, or a pid this system cannot have: leave it
    return False


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
        _remove(temp)
        raise
    finally:
        with _lock:
            _writing.discard(_key(temp))
    _fsync_folder(path.parent)


def _remove(temp: Path) -> None:
    """Remove the temporary of a failed save; if that fails, leave it for the next sweep."""
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass
    except OSError:
        with _lock:
            _abandoned.add(_key(temp))


def _stray(path: Path) -> bool:
    """Whether the temporary `path` may go: ours and abandoned, or written here by a process now gone."""
    key = _key(path)
    with _lock:
        if key in _writing:
            return False
        if key in _abandoned:
            return True
    match = _TEMP_NAME.fullmatch(path.name)
    return match["host"] == HOST and _process_gone(int(match["pid"]))


def sweep_stray_temporaries(folder, target=None) -> list[Path]:
    """Remove from `folder` the temporaries nobody will finish (only those of the file named
    `target`, if given); return what was removed.

    A temporary goes when this process abandoned it, or when the process on this machine that
    wrote it no longer runs. Saves in progress, here or in another live process, and
    temporaries written from other machines (a shared folder) are left alone. Errors (a
    vanished file, no permission) are skipped: sweeping is a courtesy, not a duty.
    """
    prefix = "" if target is None else f".{Path(target).name[:_NAME_PART]}."
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temporary(entry.name) or not entry.name.startswith(prefix):
            continue
        path = Path(entry.path)
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode) or not _stray(path):
                continue
        except OSError:
            continue
        try:
            os.unlink(path)
        except OSError:
            continue
        with _lock:
            _abandoned.discard(_key(path))
        removed.append(path)
    return removed
