"""TrainingWorker: runs `Trainer.fit` on a QThread and turns its progress reports into Qt signals.

>>> run = TrainingRun(trainer, dataset, epochs=100, validation=0.2, parent=panel)  # doctest: +SKIP
>>> run.progressed.connect(panel.on_snapshot)    # Snapshot: copies only, ≤ ~30 per second  # doctest: +SKIP
>>> run.finished.connect(panel.on_finished)      # the History, or None if fit raised       # doctest: +SKIP
>>> run.start(); run.pause(); run.resume(); run.stop()                                       # doctest: +SKIP

Stop and pause are flags the trainer polls between chunks of about 20 ms, so both take effect well
within 100 ms. Only copied arrays and floats cross to the GUI thread: the GUI never touches the
model the worker trains. `finished` is emitted from `finally`, so the thread always quits.
The engine's kernels release the GIL, which is what keeps the window smooth meanwhile.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal

from engine.training import Progress, warm_up

MIN_INTERVAL = 0.03  # seconds between progress signals: at most ~30 a second


@dataclass
class Snapshot:
    """One progress report as the GUI sees it: the trainer's Progress and a copy of every weight."""
    progress: Progress
    weights: list  # np.ndarray copies, in `params(model)` order


class TrainingWorker(QObject):
    """Lives on the training thread; `run` trains until done, stopped, diverged or failed."""

    progressed = Signal(object)  # Snapshot
    failed = Signal(str)         # a message for a person (the traceback goes to stderr)
    finished = Signal(object)    # History, or None if fit raised

    def __init__(self, trainer, dataset, epochs: int, validation: float):
        super().__init__()
        self.trainer, self.dataset, self.epochs, self.validation = trainer, dataset, epochs, validation
        self.stop_requested = threading.Event()
        self.pause_requested = threading.Event()
        self._last_emit = -float("inf")
        self._pending: list = []  # finished epochs from reports that were not emitted

    def run(self):
        history = None
        try:
            history = self.trainer.fit(self.dataset, self.epochs, self.validation, on_progress=self._report,
                                       should_stop=self.stop_requested.is_set,
                                       should_pause=self.pause_requested.is_set)
        except Exception as error:  # noqa: BLE001 - any failure becomes a dialog, not a dead thread
            traceback.print_exc()
            self.failed.emit(f"{type(error).__name__}: {error}")
        finally:
            self.finished.emit(history)

    def _report(self, progress: Progress):
        # Called on the training thread. Throttle here too: the GUI must never see more than ~30/s,
        # whatever the trainer's own rate; epochs from skipped reports ride along with the next one.
        self._pending.extend(progress.new_epochs)
        now = time.perf_counter()
        if not progress.final and now - self._last_emit < MIN_INTERVAL:
            return
        progress.new_epochs, self._pending = self._pending, []
        # emit copies: the GUI reads these while the worker keeps training
        weights = [np.array(p.value, copy=True) for p in self.trainer.ps]
        self._last_emit = now
        self.progressed.emit(Snapshot(progress, weights))


class TrainingRun(QObject):
    """A TrainingWorker on its own QThread; relays the worker's signals to the GUI thread."""

    progressed = Signal(object)
    failed = Signal(str)
    finished = Signal(object)

    def __init__(self, trainer, dataset, epochs: int, validation: float, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker(trainer, dataset, epochs, validation)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        queued = Qt.QueuedConnection  # delivered on the GUI thread, in order
        self.worker.progressed.connect(self.progressed, queued)
        self.worker.failed.connect(self.failed, queued)
        self.worker.finished.connect(self._finish, queued)
        self.done = False

    def start(self):
        self.thread.start()

    def stop(self):
        self.worker.pause_requested.clear()
        self.worker.stop_requested.set()

    def pause(self):
        self.worker.pause_requested.set()

    def resume(self):
        self.worker.pause_requested.clear()

    def wait(self, ms: int = 5000) -> bool:
        """Stop and join the thread (closing the window); True if it ended in time."""
        self.stop()
        self.thread.quit()
        return self.thread.wait(ms)

    def _finish(self, history):
        self.thread.quit()
        self.thread.wait()
        self.done = True
        self.finished.emit(history)


class WarmUp:
    """Compiles (or loads from cache) the engine's kernels once per process, on a plain thread.

    `ready()` polls; the GUI checks it before starting a run and shows "preparing…" until it is true.
    """

    _thread: threading.Thread | None = None
    _done = threading.Event()

    @classmethod
    def start(cls):
        if cls._thread is None:
            cls._thread = threading.Thread(target=cls._run, name="numba-warm-up")
            cls._thread.start()

    @classmethod
    def _run(cls):
        try:
            # the window trains float64 models only: compiling float32 too would double the cold wait
            warm_up((np.float64,))
        except Exception:  # noqa: BLE001 - training itself reports the real failure later
            pass
        finally:
            cls._done.set()

    @classmethod
    def ready(cls) -> bool:
        return cls._done.is_set()
