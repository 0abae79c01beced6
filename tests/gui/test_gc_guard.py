"""Cycles are collected on the GUI thread only (a collection on a worker thread deletes Qt objects there)."""
import gc

from gui.gc_guard import collect_on_gui_thread


def test_a_window_turns_automatic_collection_off_and_collects_on_a_timer(window, qtbot):
    assert not gc.isenabled()
    collector = collect_on_gui_thread()
    assert collector is collect_on_gui_thread() and collector.timer.isActive()
    assert collector.timer.thread() == window.thread()  # the GUI thread's timer: collections run there
