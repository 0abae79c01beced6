"""Loads a CSV file on a QThread, so a big table never freezes the window.

>>> load = CsvLoad(path, "species", ["sepal_length", "petal_width"], task="classification", parent=dialog)
>>> load.progressed.connect(bar.setValue)       # percent, 0..100, at most ~30 a second  # doctest: +SKIP
>>> load.loaded.connect(use)                    # the Dataset                            # doctest: +SKIP
>>> load.failed.connect(show)                   # CsvError's located message             # doctest: +SKIP
>>> load.start(); load.cancel()                 # cancel: `cancelled` instead            # doctest: +SKIP

Exactly one of `loaded`, `failed`, `cancelled` follows `start()`, on the GUI thread, and then
`finished`. The engine does the reading; this only carries it across threads.
"""
from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QObject, Qt, QThread, Signal

from engine import DataError, load_csv
from engine.datasets import LoadCancelled
from .gc_guard import collect_on_gui_thread

MAX_BYTES = 100 * 1024 * 1024  # the engine's default cap; tests lower it
MIN_INTERVAL = 0.03            # seconds between progress signals


class _Worker(QObject):
    progressed = Signal(int)
    done = Signal(str, object)  # ("loaded", Dataset) | ("failed", message) | ("cancelled", None)

    def __init__(self, path, target, features, task, max_bytes):
        super().__init__()
        self.args = (path, target, features, task, max_bytes)
        self.stop_requested = threading.Event()
        self._last = -float("inf")

    def run(self):
        path, target, features, task, max_bytes = self.args
        outcome, payload = "failed", "the file could not be loaded"
        try:
            dataset = load_csv(path, target, features, task=task, max_bytes=max_bytes,
                               on_progress=self._progress, should_stop=self.stop_requested.is_set)
            outcome, payload = "loaded", dataset
        except LoadCancelled:
            outcome, payload = "cancelled", None
        except DataError as error:  # CsvError included: its message names file, line, column, value
            outcome, payload = "failed", str(error)
        except Exception as error:  # noqa: BLE001 - any failure becomes a message, not a dead thread
            traceback.print_exc()
            outcome, payload = "failed", f"{type(error).__name__}: {error}"
        finally:
            self.done.emit(outcome, payload)

    def _progress(self, fraction: float):
        now = time.perf_counter()
        if fraction >= 1.0 or now - self._last >= MIN_INTERVAL:
            self._last = now
            self.progressed.emit(int(round(100 * fraction)))


class CsvLoad(QObject):
    """One background load of `load_csv(path, target, features, task=task)`."""

    progressed = Signal(int)     # percent
    loaded = Signal(object)      # Dataset
    failed = Signal(str)         # a message for a person
    cancelled = Signal()
    finished = Signal()

    def __init__(self, path, target, features=None, *, task=None, max_bytes=None, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("csv-load")
        self.worker = _Worker(path, target, features, task, MAX_BYTES if max_bytes is None else max_bytes)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        queued = Qt.QueuedConnection  # delivered on the GUI thread, in order
        self.worker.progressed.connect(self.progressed, queued)
        self.worker.done.connect(self._done, queued)

    def start(self):
        # Python must collect garbage on the GUI thread only: the loader's allocations would
        # otherwise trigger a collection on its thread, destroying unreachable Qt objects there.
        collect_on_gui_thread()
        self.thread.start()

    def cancel(self):
        """Ask the loader to stop; it does so within a few thousand rows."""
        self.worker.stop_requested.set()

    def wait(self, ms: int = 5000) -> bool:
        """Cancel and join the thread (the dialog is closing); True if it ended in time."""
        self.cancel()
        self.thread.quit()
        return self.thread.wait(ms)

    def _done(self, outcome: str, payload):
        self.thread.quit()
        self.thread.wait()
        if outcome == "loaded":
            self.loaded.emit(payload)
        elif outcome == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(payload)
        self.finished.emit()
