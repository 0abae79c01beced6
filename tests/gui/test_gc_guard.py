"""Cycles are collected on the GUI thread only (a collection on a worker thread deletes Qt objects there)."""
import gc

import pytest

from gui import gc_guard
from gui.main_window import MainWindow


@pytest.fixture
def fresh_process(monkeypatch):
    """As before the first window of a process: no collector yet, automatic collection on. (Earlier
    tests' windows already turned it off, which would let this test pass without a window doing it.)"""
    was_enabled = gc.isenabled()
    monkeypatch.setattr(gc_guard, "_collector", None)
    gc.enable()
    yield
    if gc_guard._collector is not None:
        gc_guard._collector.timer.stop()
    (gc.enable if was_enabled else gc.disable)()


def test_a_window_turns_automatic_collection_off_and_collects_on_a_timer(fresh_process, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    assert not gc.isenabled()
    collector = gc_guard.collect_on_gui_thread()
    assert collector is gc_guard.collect_on_gui_thread() and collector.timer.isActive()
    assert collector.timer.thread() == window.thread()  # the GUI thread's timer: collections run there
