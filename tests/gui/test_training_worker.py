"""The worker on its own: signals are throttled, carry copies, and finished always comes."""
import time

import numpy as np
import pytest

from engine import Adam, Trainer, datasets
from engine.training import Progress
from gui.worker import MIN_INTERVAL, TrainingRun

from training_helpers import TANH_NET, settled


class FloodingTrainer:
    """Reports far faster than 30 a second, then ends (or raises)."""

    def __init__(self, reports, fail=False):
        self.reports, self.fail = reports, fail
        self.ps = list(TANH_NET.build(0).parameters()) if hasattr(TANH_NET.build(0), "parameters") else []

    def fit(self, dataset, epochs, validation, on_progress, should_stop, should_pause):
        for i in range(self.reports):
            on_progress(Progress(1, i, self.reports, i, 0.5, float("nan"), float("nan"), [0.1], 1.0, 0,
                                 [(i + 1, 0.5, 0.5, 0.5)], None, i == self.reports - 1))
        if self.fail:
            raise ValueError("bad data")
        return "history"


def collect(qtbot, run):
    got = {"snapshots": [], "failed": [], "finished": []}
    run.progressed.connect(got["snapshots"].append)
    run.failed.connect(got["failed"].append)
    run.finished.connect(got["finished"].append)
    run.start()
    qtbot.waitUntil(lambda: bool(got["finished"]), timeout=5000)
    return got


def test_progress_signals_are_throttled_and_keep_every_epoch(qtbot):
    began = time.perf_counter()
    got = collect(qtbot, TrainingRun(FloodingTrainer(20_000), None, 1, 0.2))
    elapsed = time.perf_counter() - began
    assert got["finished"] == ["history"] and not got["failed"]
    assert len(got["snapshots"]) <= 2 + elapsed / MIN_INTERVAL
    epochs = [e[0] for s in got["snapshots"] for e in s.progress.new_epochs]
    assert epochs == list(range(1, 20_001))  # epochs of skipped reports ride along
    assert got["snapshots"][-1].progress.final


def test_an_exception_is_reported_and_finished_still_comes(qtbot, capsys):
    got = collect(qtbot, TrainingRun(FloodingTrainer(3, fail=True), None, 1, 0.2))
    assert got["failed"] == ["ValueError: bad data"] and got["finished"] == [None]
    assert "Traceback" in capsys.readouterr().err


def test_snapshots_carry_copies_of_the_weights(qtbot):
    model = TANH_NET.build(0)
    trainer = Trainer(model, "binarycrossentropy", Adam(0.01))
    got = collect(qtbot, TrainingRun(trainer, datasets.circle(100), 3, 0.2))
    last = got["snapshots"][-1].weights
    for w, p in zip(last, trainer.ps):
        assert np.array_equal(w, p.value) and w is not p.value and not np.shares_memory(w, p.value)


@pytest.mark.parametrize("action", ["stop", "pause"])
def test_stop_and_pause_take_effect_between_chunks(qtbot, action):
    trainer = Trainer(TANH_NET.build(0), "binarycrossentropy", Adam(0.01))
    run = TrainingRun(trainer, datasets.circle(400), 10_000_000, 0.2)
    snaps, finished = [], []
    run.progressed.connect(snaps.append)
    run.finished.connect(finished.append)
    run.start()
    qtbot.waitUntil(lambda: len(snaps) >= 2, timeout=5000)
    if action == "stop":
        run.stop()
        qtbot.waitUntil(lambda: bool(finished), timeout=2000)
        assert finished[0].stopped
    else:
        run.pause()
        steps = settled(qtbot, lambda: trainer.t)  # the pause lands after the current chunk
        qtbot.wait(300)
        assert trainer.t == steps, "a paused run kept training"
        run.stop()  # a paused run still stops
        qtbot.waitUntil(lambda: bool(finished), timeout=2000)
