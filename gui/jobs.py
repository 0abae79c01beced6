"""Background jobs: one helper for every piece of work that must not run on the GUI thread (a training
run, loading or previewing a CSV file).

>>> job = Job(lambda context: slow_work(context), interrupt=trainer.interrupt, parent=dock)   # doctest: +SKIP
>>> job.progressed.connect(show)      # each context.report(x), delivered on the GUI thread    # doctest: +SKIP
>>> job.succeeded.connect(use)        # the work's return value                                 # doctest: +SKIP
>>> job.failed.connect(say)           # a message for a person (the traceback goes to stderr)   # doctest: +SKIP
>>> job.finished.connect(tidy)        # always, last, once                                      # doctest: +SKIP
>>> job.start(); job.pause(); job.resume(); job.stop()                                           # doctest: +SKIP

The work gets a context with `should_stop()`, `should_pause()` and `report(x)`. Only what it reports and
returns crosses to the GUI thread, queued and in order. `finished` follows `succeeded` or `failed` from the
worker's `finally`, so the thread always quits; a cancelled job still finishes. Python's garbage collector
is switched to the GUI thread first (gui/gc_guard.py): a collection on the worker would delete Qt objects
there.
"""
from __future__ import annotations

import atexit
import threading
import traceback
from typing import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal

from engine import DataError

from .gc_guard import collect_on_gui_thread


# Every started job's thread, until it has finished: Qt aborts the process when a running QThread is destroyed,
# and a job's thread would go with its Job when a window is deleted without closing (the owner never joined it)
_threads: set[QThread] = set()


def _prune() -> None:
    _threads.difference_update([t for t in _threads if t.isFinished()])


@atexit.register
def _join_all() -> None:
    for thread in list(_threads):
        thread.quit()
        thread.wait(10_000)


class _Context:
    """What the work sees of its job (lives on both threads: only Events and a signal)."""

    def __init__(self, worker):
        self._worker = worker
        self.stop_requested = threading.Event()
        self.pause_requested = threading.Event()

    def should_stop(self) -> bool:
        return self.stop_requested.is_set()

    def should_pause(self) -> bool:
        return self.pause_requested.is_set()

    def report(self, value) -> None:
        self._worker.reported.emit(value)


class _Worker(QObject):
    reported = Signal(object)
    done = Signal(bool, object)  # (succeeded, result or message)

    def __init__(self, work: Callable):
        super().__init__()
        self.work = work
        self.context = _Context(self)

    def run(self):
        ok, result = False, "the work ended without a result"
        try:
            result, ok = self.work(self.context), True
        except DataError as error:  # bad data already says where and why: a message, not a bug
            result = str(error)
        except Exception as error:  # noqa: BLE001 - any failure becomes a message, never a dead thread
            traceback.print_exc()  # named, with its traceback, as a bug report needs
            result = f"{type(error).__name__}: {error}"
        finally:
            self.done.emit(ok, result)


class Job(QObject):
    """`work(context)` on a QThread of its own; see the module docstring. `interrupt`, if given, is called
    (from the GUI thread) after a stop or pause request, to cut the work's current chunk short."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, work: Callable, *, interrupt: Callable | None = None, name: str = "job", parent=None):
        super().__init__(parent)
        self.interrupt = interrupt
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = _Worker(work)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        queued = Qt.QueuedConnection  # delivered on this object's (the GUI) thread, in order
        self.worker.reported.connect(self.progressed, queued)
        self.worker.done.connect(self._done, queued)
        # the thread ends when the work does, even if this Job is gone before its queued _done arrives
        self.worker.done.connect(self.thread.quit, Qt.DirectConnection)
        self.running = False

    @property
    def context(self):
        return self.worker.context

    def start(self):
        collect_on_gui_thread()
        self.running = True
        _prune()
        _threads.add(self.thread)
        self.thread.start()

    def stop(self):
        self.context.pause_requested.clear()
        self.context.stop_requested.set()
        self._interrupt()

    def pause(self):
        self.context.pause_requested.set()
        self._interrupt()

    def resume(self):
        self.context.pause_requested.clear()

    def _interrupt(self):
        if self.interrupt is not None:
            self.interrupt()

    def wait(self, ms: int = 5000) -> bool:
        """Stop and join the thread (the window is closing); True if it ended in time."""
        self.stop()
        self.thread.quit()
        return self.thread.wait(ms)

    def _done(self, ok: bool, result):
        self.thread.quit()
        self.thread.wait()
        self.running = False
        try:
            (self.succeeded if ok else self.failed).emit(result)
        finally:  # whatever a receiver does, the job is over for everyone
            self.finished.emit()
