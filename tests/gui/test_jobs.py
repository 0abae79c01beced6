"""The one background-job helper: reports arrive in order on the GUI thread, exactly one of succeeded/failed
comes and then finished, stop and pause reach the work (and its interrupt hook), and a training run through
it carries copies of the weights."""
import threading

import numpy as np
import pytest

from engine import Adam, Trainer, datasets
from gui.jobs import Job

from training_helpers import TANH_NET, settled


def collect(qtbot, job):
    got = {"reports": [], "ok": [], "failed": [], "finished": [], "threads": set()}
    job.progressed.connect(lambda x: (got["reports"].append(x), got["threads"].add(threading.get_ident())))
    job.succeeded.connect(got["ok"].append)
    job.failed.connect(got["failed"].append)
    job.finished.connect(lambda: got["finished"].append(len(got["ok"]) + len(got["failed"])))
    job.start()
    qtbot.waitUntil(lambda: bool(got["finished"]), timeout=10_000)
    return got


def test_reports_arrive_in_order_on_the_gui_thread_then_the_result(qtbot):
    def work(context):
        for i in range(2000):
            context.report(i)
        return "done"
    got = collect(qtbot, Job(work))
    assert got["reports"] == list(range(2000)) and got["threads"] == {threading.get_ident()}
    assert got["ok"] == ["done"] and not got["failed"] and got["finished"] == [1]  # finished comes after the result


def test_an_exception_is_a_message_and_finished_still_comes(qtbot, capsys):
    def work(context):
        raise KeyError("bad")
    got = collect(qtbot, Job(work))
    assert got["failed"] == ["KeyError: 'bad'"] and not got["ok"] and got["finished"] == [1]
    assert "Traceback" in capsys.readouterr().err


def test_finished_comes_even_when_a_receiver_of_the_result_raises(qtbot):
    job = Job(lambda context: 1)
    finished = []

    def broken(_):
        raise RuntimeError("a broken slot")
    job.succeeded.connect(broken)
    job.finished.connect(lambda: finished.append(True))
    with qtbot.capture_exceptions() as raised:
        job.start()
        qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    assert not job.running and "a broken slot" in str(raised[0][1])


@pytest.mark.parametrize("action", ["stop", "pause"])
def test_stop_and_pause_reach_a_training_run_and_its_interrupt(qtbot, action):
    trainer = Trainer(TANH_NET.build(0), "binarycrossentropy", Adam(0.01), report_weights=True)
    interrupts = []

    def interrupt():
        interrupts.append(True)
        trainer.interrupt()

    job = Job(lambda c: trainer.fit(datasets.circle(400), 10_000_000, 0.2, on_progress=c.report,
                                    should_stop=c.should_stop, should_pause=c.should_pause), interrupt=interrupt)
    reports, results = [], []
    job.progressed.connect(reports.append)
    job.succeeded.connect(results.append)
    job.start()
    qtbot.waitUntil(lambda: len(reports) >= 2, timeout=5000)
    if action == "pause":
        job.pause()
        steps = settled(qtbot, lambda: trainer.t)
        qtbot.wait(300)
        assert trainer.t == steps, "a paused run kept training"
    job.stop()  # a paused run still stops
    qtbot.waitUntil(lambda: bool(results), timeout=2000)
    assert results[0].stopped and interrupts
    last = reports[-1].weights
    for w, p in zip(last, trainer.ps):  # copies: the GUI reads them while the worker trains on
        assert not np.shares_memory(w, p.value)
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in last]),
                                  np.concatenate([p.value.ravel() for p in trainer.ps]))
