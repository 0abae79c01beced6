"""Python's cycle collector runs on whichever thread happens to be allocating when a threshold is
crossed: the numba warm-up thread, or a training worker. If it frees a Qt object there, Qt deletes a
GUI-thread object from the wrong thread ("Timers cannot be started from another thread", then a
segfault in the event loop). So cycles are collected on the GUI thread only, from a timer, as
pyqtgraph recommends (pyqtgraph.util.garbage_collector).

>>> collect_on_gui_thread()      # idempotent; MainWindow calls it   # doctest: +SKIP
"""
from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector

_collector: GarbageCollector | None = None


def collect_on_gui_thread(interval: float = 1.0) -> GarbageCollector:
    """Turn off automatic collection and collect every `interval` seconds on the GUI thread (once per process)."""
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=interval)
    return _collector
