"""The compiled path's kernels, built in the background so that nobody waits for them.

    >>> KERNELS.ready("float64") in (True, False)
    True

`KERNELS.start(dtype)` builds the interpreter for one dtype on a daemon thread and returns at once; the
Trainer calls it itself and trains on the eager tape until `KERNELS.ready(dtype)`, then hands over. The
build runs Numba in a child process (`python -m engine.training.build_kernels`), which writes the disk cache, so
the compiler neither holds this process's GIL nor its memory; this process then loads the cached code.
Where no child can be started (a frozen app), it compiles in-process instead.

From a shell (the Makefile's install step does this once):

    python -m engine.training.build_kernels [--dtypes float64,float32]
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time

import numpy as np

__all__ = ["KERNELS", "KernelBuild"]


class KernelBuild:
    """The state of the compiled kernels in this process, per dtype: absent, building, ready or failed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._done: dict[str, threading.Event] = {}
        self._state: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        self._children: list[subprocess.Popen] = []
        atexit.register(self._stop_children)  # closing the app during a cold build must not wait for it

    @staticmethod
    def _key(dtype) -> str:
        return np.dtype(dtype).name

    def state(self, dtype) -> str:
        with self._lock:
            return self._state.get(self._key(dtype), "absent")

    def ready(self, dtype) -> bool:
        return self.state(dtype) == "ready"

    def start(self, dtype, *, in_process: bool = False) -> None:
        """Begin building the kernels for `dtype` (no-op if built or building)."""
        key = self._key(dtype)
        with self._lock:
            if self._state.get(key, "absent") != "absent":
                return
            self._state[key] = "building"
            self._done[key] = threading.Event()
        threading.Thread(target=self._build, args=(key, in_process), name=f"kernels-{key}", daemon=True).start()

    def wait(self, dtype, timeout: float | None = None) -> bool:
        """Start the build if need be and wait for it; True once the kernels are ready."""
        self.start(dtype)
        self._done[self._key(dtype)].wait(timeout)
        return self.ready(dtype)

    def _build(self, key: str, in_process: bool) -> None:
        began = time.perf_counter()
        try:
            if not in_process and not self._in_child(key):
                in_process = True  # no child process here: compile in this one
            from .compiled import warm_up  # loads numba, then the cached (or freshly compiled) kernels

            warm_up((np.dtype(key),))
            state = "ready"
        except Exception as error:  # noqa: BLE001 - the eager path keeps training; the state says why
            self.errors[key] = f"{type(error).__name__}: {error}"
            state = "failed"
        with self._lock:
            self._state[key] = state
            self.seconds[key] = time.perf_counter() - began
        self._done[key].set()

    def _in_child(self, key: str) -> bool:
        """Compile in a child process; False if none could run (then the caller compiles here)."""
        if getattr(sys, "frozen", False) or not sys.executable:
            return False
        try:
            child = subprocess.Popen([sys.executable, "-m", "engine.training.build_kernels", "--dtypes", key],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=dict(os.environ))
        except OSError:
            return False
        self._children.append(child)
        _, err = child.communicate()
        self._children.remove(child)
        if child.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            self.errors[key] = lines[-1] if lines else f"the build exited with code {child.returncode}"
            return False
        return True

    def _stop_children(self) -> None:
        for child in list(self._children):
            child.kill()


KERNELS = KernelBuild()
"""The process's kernel build: the Trainer and the app share it."""
