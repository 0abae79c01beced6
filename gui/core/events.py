"""A tiny observer for the Qt-free app layer: `event.connect(callback)`, `event.emit(*args)`.

    >>> changed = Event()
    >>> seen = []
    >>> changed.connect(seen.append)
    >>> changed.emit(3); seen
    [3]
    >>> changed.disconnect(seen.append); changed.emit(4); seen
    [3]

Callbacks run on the thread that emits, at once and in the order they connected. The session emits
only on the thread that owns it (the window's GUI thread); background work reaches it through the Qt
layer's jobs (gui/jobs.py), which deliver results on that thread.
"""
from __future__ import annotations

from typing import Callable


class Event:
    """A list of callbacks to call with the same arguments."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks = [c for c in self._callbacks if c != callback]

    def disconnect_all(self) -> None:
        self._callbacks = []

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)
