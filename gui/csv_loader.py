"""Loading and previewing a CSV file in the background (gui/jobs.py Jobs), so a big table never freezes
the window.

>>> job = preview_job(path, rows=500, parent=dialog)  # succeeded: (CsvPreview, ColumnFacts) or None  # doctest: +SKIP

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
from engine.datasets import LoadCancelled, preview_csv

from .core.csv_columns import column_facts

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


def preview_job(path, rows: int, *, max_bytes=None, parent=None) -> Job:
    """A Job that reads the header and first `rows` rows (`preview_csv`: a few megabytes at most) and works
    out what each column holds (`column_facts`); not started. Stopping it ends the read within a megabyte."""
    cap = MAX_BYTES if max_bytes is None else max_bytes

    def work(context):
        try:
            head = preview_csv(path, rows=rows, max_bytes=cap, should_stop=context.should_stop)
        except LoadCancelled:
            return None
        return None if context.should_stop() else (head, column_facts(head))
    return Job(work, name="csv-preview", parent=parent)
