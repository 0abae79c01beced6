"""An endless run (Play, gui/core/endless.py) on a worker thread, without Qt: its fits add up to one run, its
reports count from the run's start, and a Step's hold that lands exactly where one fit ends holds the next."""
import threading

import pytest

from engine import ChainSpec, LayerSpec, datasets
from gui.core import endless
from gui.core.session import Context, DataChoice, Settings, TrainingSession


class Recording(Context):
    def __init__(self):
        self.stop = threading.Event()
        self.reports = []

    def should_stop(self):
        return self.stop.is_set()

    def report(self, progress):
        self.reports.append(progress)


@pytest.fixture
def session(monkeypatch):
    monkeypatch.setattr(endless, "SEGMENT", 5)
    s = TrainingSession()
    s.set_data(DataChoice("xor", datasets.xor(40), {"source": "generator", "name": "xor", "params": {}}))
    s.set_spec(ChainSpec(2, (LayerSpec("dense", 4, "tanh"), LayerSpec("dense", 1, "sigmoid"))))
    s.set_settings(Settings(loss="binarycrossentropy", batch_size=8))
    return s


def run(session, context, hold):
    work = session.begin(None)
    session.hold_after(hold)
    result = {}
    worker = threading.Thread(target=lambda: result.update(history=work(context)))
    worker.start()
    return worker, result


def test_a_hold_at_the_end_of_a_fit_holds_the_next_one(session):
    context = Recording()
    worker, result = run(session, context, 10)  # two fits of five epochs: the hold is where the second ends
    while session.epochs_in_run() < 10 and worker.is_alive():
        worker.join(0.01)
    for _ in range(5):  # held at 10 epochs, not 15 when the third fit began
        worker.join(0.05)
        assert session.epochs_in_run() == 10 and worker.is_alive()
    session.hold_after(12)
    while session.epochs_in_run() < 12 and worker.is_alive():
        worker.join(0.01)
    worker.join(0.2)
    assert session.epochs_in_run() == 12
    context.stop.set()
    worker.join(20)
    history = result["history"]
    session.finish(history)
    assert session.epochs_done == history.epochs_done == 12
    epochs = [e for p in context.reports for e, *_ in p.new_epochs]
    assert epochs == list(range(1, 13))  # counted from the run's start across three fits, none twice
