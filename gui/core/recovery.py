"""Recovery copies: autosaves kept in the per-user data folder, never over the user's own file.

The GUI keeps one `RecoverySlot` per window. While the document has unsaved changes it calls
`slot.save(...)` (same arguments as `save_model`) every few minutes and after each run; a clean
save or close calls `slot.discard()`. At start, `find_recoveries()` lists the copies a crashed
session left behind, newest first, and `Recovery.discard()` removes one once restored or refused.

    >>> import tempfile
    >>> from engine import ChainSpec, LayerSpec
    >>> folder = tempfile.mkdtemp()
    >>> slot = RecoverySlot(folder, document="/home/ada/xor.chain", session="test")
    >>> slot.save(ChainSpec(2, (LayerSpec("dense", 1),)), layout={"zoom": 1.0})
    >>> [(r.document, r.path.name) for r in find_recoveries(folder, include_running=True)]
    [('/home/ada/xor.chain', 'test.chain')]
    >>> slot.discard(); find_recoveries(folder, include_running=True)
    []

Pure Python (no Qt), so it is tested without a display.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine import load_model, save_model
from engine.modelfile import atomic_write, sweep_stray_temporaries

__all__ = ["data_folder", "recovery_folder", "RecoverySlot", "Recovery", "find_recoveries"]

ENV_OVERRIDE = "CHAINBOARD_DATA_DIR"  # tests and portable installs point this elsewhere
MAX_SIDECAR = 64 << 10


def data_folder() -> Path:
    """The per-user data folder: $CHAINBOARD_DATA_DIR, else the platform's usual place (platformdirs:
    %LOCALAPPDATA%\\Chainboard, ~/Library/Application Support/Chainboard, $XDG_DATA_HOME/chainboard)."""
    if os.environ.get(ENV_OVERRIDE):
        return Path(os.environ[ENV_OVERRIDE])
    return Path(platformdirs.user_data_dir("chainboard", appauthor=False))


def recovery_folder() -> Path:
    return data_folder() / "recovery"


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (POSIX only; elsewhere assume not, so copies are offered)."""
    if os.name != "posix" or pid <= 0:
        return False  # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # it exists, it just belongs to someone else
    except OSError:
        return False
    return True


class RecoverySlot:
    """Where one window's recovery copy lives: `<folder>/<session>.chain` plus a small
    `<session>.json` saying which document it belongs to and which process wrote it."""

    def __init__(self, folder=None, *, document=None, session: str | None = None):
        self.folder = Path(folder) if folder is not None else recovery_folder()
        self.document = None if document is None else str(document)
        # pid plus start time: unique among running windows, and tells a crashed session's copy apart
        self.session = session or f"{os.getpid()}-{time.time_ns()}"
        self.path = self.folder / f"{self.session}.chain"
        self.sidecar = self.folder / f"{self.session}.json"

    def save(self, model, **save_kwargs) -> None:
        """Write the recovery copy (atomically, like any save), then sweep the folder of temporaries that a
        killed autosave (of any window) left; raises ModelFileError or OSError."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_model(self.path, model, **save_kwargs)
        about = {"document": self.document, "pid": os.getpid(), "saved": time.time()}
        atomic_write(self.sidecar, json.dumps(about).encode("utf-8"))
        sweep_stray_temporaries(self.folder)

    def discard(self) -> None:
        """Remove the copy (after a clean save or close); missing files are fine."""
        for path in (self.path, self.sidecar):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


@dataclass(frozen=True)
class Recovery:
    """A recovery copy found at start: `path` to pass to load_model, the `document` it was
    made for (None if never saved), when it was `saved` (seconds since the epoch) and by `pid`."""
    path: Path
    document: str | None
    saved: float
    pid: int

    def load(self):
        return load_model(self.path)

    def discard(self) -> None:
        RecoverySlot(self.path.parent, session=self.path.stem).discard()


def _read_sidecar(path: Path) -> dict | None:
    try:
        if path.stat().st_size > MAX_SIDECAR:
            return None
        about = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return about if isinstance(about, dict) else None


def find_recoveries(folder=None, *, include_running: bool = False) -> list[Recovery]:
    """Recovery copies in `folder`, newest first; copies of sessions still running are left out.

    Also sweeps temporaries that a crash during an autosave left behind.
    """
    folder = Path(folder) if folder is not None else recovery_folder()
    sweep_stray_temporaries(folder)
    found = []
    try:
        candidates = sorted(folder.glob("*.chain"))
    except OSError:
        return found
    for path in candidates:
        about = _read_sidecar(path.with_suffix(".json")) or {}
        document = about.get("document")
        pid = about.get("pid")
        pid = pid if isinstance(pid, int) and not isinstance(pid, bool) else -1
        saved = about.get("saved")
        if not isinstance(saved, (int, float)) or isinstance(saved, bool):
            try:
                saved = path.stat().st_mtime
            except OSError:
                continue
        if not include_running and _alive(pid):  # (a reused pid only delays the offer)
            continue
        found.append(Recovery(path, document if isinstance(document, str) else None, float(saved), pid))
    return sorted(found, key=lambda r: r.saved, reverse=True)
