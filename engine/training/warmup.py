"""The compiled path's kernels, built in the background so that nobody waits for them.

    >>> KERNELS.ready("float64") in (True, False)
    True

`KERNELS.start(dtype)` builds the interpreter for one dtype on a daemon thread and returns at once; the
Trainer calls it itself and trains on the eager tape until `KERNELS.ready(dtype)`, then hands over. The
build runs Numba in a child process (`python -m engine.training.build_kernels`), which writes the disk cache, so
the compiler neither holds this process's GIL nor its memory; this process then loads the cached code.
Where no child can be started (a frozen app), it compiles in-process instead.

A Chain with formula activations needs their kernels too (engine.kernels.formula: about a second each, once
per formula and dtype): `start(dtype, formulas)` builds those the same way, and `formulas_ready(dtype, formulas)`
is true once every one of them is built and loaded.

From a shell (the Makefile's install step does this once):

    python -m engine.training.build_kernels [--dtypes float64,float32]
"""
from __future__ import annotations

import atexit
import json
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

    @staticmethod
    def _formula_key(dtype, f) -> str:
        return f"{np.dtype(dtype).name}:formula:{f.digest}"

    def _keys(self, dtype, formulas) -> list[str]:
        """The interpreter's key, then each formula's (once: formulas of one canonical text share kernels)."""
        return list(dict.fromkeys([self._key(dtype)] + [self._formula_key(dtype, f) for f in formulas]))

    def state(self, dtype) -> str:
        with self._lock:
            return self._state.get(self._key(dtype), "absent")

    def ready(self, dtype) -> bool:
        """Whether the interpreter for `dtype` is built and loaded."""
        return self.state(dtype) == "ready"

    def formulas_ready(self, dtype, formulas) -> bool:
        """Whether the kernels of each of `formulas` (for `dtype`) are built and loaded."""
        with self._lock:
            return all(self._state.get(self._formula_key(dtype, f)) == "ready" for f in formulas)

    def why(self, dtype, formulas=()) -> str | None:
        """What went wrong with a failed build of these kernels, if one did."""
        return next((self.errors[key] for key in self._keys(dtype, formulas) if key in self.errors), None)

    def start(self, dtype, formulas=(), *, in_process: bool = False) -> None:
        """Begin building the kernels for `dtype` and `formulas` (no-op for what is built or building)."""
        key = self._key(dtype)
        with self._lock:
            claimed = [k for k in self._keys(dtype, formulas) if self._state.get(k, "absent") == "absent"]
            for k in claimed:
                self._state[k] = "building"
                self._done[k] = threading.Event()
        if key in claimed:
            threading.Thread(target=self._build, args=(key, in_process), name=f"kernels-{key}", daemon=True).start()
        wanted = list({self._formula_key(dtype, f): f for f in formulas if self._formula_key(dtype, f) in claimed}
                      .values())
        if wanted:
            threading.Thread(target=self._build_formulas, args=(key, wanted, in_process),
                             name=f"kernels-{key}-formulas", daemon=True).start()

    def wait(self, dtype, timeout: float | None = None, formulas=()) -> bool:
        """Start the build if need be and wait for it; True once the kernels are ready."""
        self.start(dtype, formulas)
        deadline = None if timeout is None else time.monotonic() + timeout
        for key in self._keys(dtype, formulas):
            self._done[key].wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.ready(dtype) and self.formulas_ready(dtype, formulas)

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

    def _build_formulas(self, key: str, formulas: list, in_process: bool) -> None:
        """Build (in a child) and load (here) the kernels of `formulas` for dtype `key`."""
        began = time.perf_counter()
        keys = [self._formula_key(key, f) for f in formulas]
        try:
            sources = json.dumps([f.source for f in formulas])
            if not in_process:
                self._in_child(keys[0], key, sources)  # where no child can run, kernels() below compiles here
            from ..kernels.formula import kernels  # loads numba, then the cached (or freshly compiled) kernels

            for f in formulas:
                kernels(f, np.dtype(key))
            state = "ready"
        except Exception as error:  # noqa: BLE001 - the eager path keeps training; the state says why
            for k in keys:
                self.errors[k] = f"{type(error).__name__}: {error}"
            state = "failed"
        with self._lock:
            for k in keys:
                self._state[k] = state
                self.seconds[k] = time.perf_counter() - began
        for k in keys:
            self._done[k].set()

    def _in_child(self, key: str, dtype: str | None = None, formulas: str | None = None) -> bool:
        """Compile in a child process (the interpreter for dtype `key`, or the JSON list of `formulas` for `dtype`);
        False if none could run (then the caller compiles here). Errors are noted under `key`."""
        if getattr(sys, "frozen", False) or not sys.executable:
            return False
        command = [sys.executable, "-m", "engine.training.build_kernels", "--dtypes", dtype or key]
        try:
            child = subprocess.Popen(command + (["--formulas"] if formulas is not None else []),
                                     stdin=subprocess.PIPE if formulas is not None else subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
        except OSError:
            return False
        self._children.append(child)
        _, err = child.communicate(None if formulas is None else formulas.encode("utf-8"))
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
