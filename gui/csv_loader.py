"""Loading a CSV file in the background (a gui/jobs.py Job), so a big table never freezes the window.

>>> job = load_job(path, "species", ["sepal_length", "petal_width"], task="classification", parent=dialog)
>>> job.progressed.connect(bar.setValue)       # percent, 0..100, at most ~30 a second  # doctest: +SKIP
>>> job.succeeded.connect(use)                 # the Dataset, or None if it was cancelled  # doctest: +SKIP
>>> job.failed.connect(show)                   # CsvError's located message             # doctest: +SKIP
>>> job.start(); job.stop()                    # stop: cancels within a few thousand rows # doctest: +SKIP

The engine does the reading; this only carries it across threads.
"""
from __future__ import annotations

import time

from engine import load_csv
from engine.datasets import LoadCancelled

from .jobs import Job

MAX_BYTES = 100 * 1024 * 1024  # the engine's default cap; tests lower it
MIN_INTERVAL = 0.03            # seconds between progress reports


def load_job(path, target, features=None, *, task=None, max_bytes=None, parent=None) -> Job:
    """A Job that loads `load_csv(path, target, features, task=task)`; not started."""
    cap = MAX_BYTES if max_bytes is None else max_bytes

    def work(context):
        last = [-float("inf")]

        def progress(fraction: float):
            now = time.perf_counter()
            if fraction >= 1.0 or now - last[0] >= MIN_INTERVAL:
                last[0] = now
                context.report(int(round(100 * fraction)))
        try:
            return load_csv(path, target, features, task=task, max_bytes=cap, on_progress=progress,
                            should_stop=context.should_stop)
        except LoadCancelled:
            return None
    return Job(work, name="csv-load", parent=parent)
