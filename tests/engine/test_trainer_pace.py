"""Slow motion (Trainer.set_pace) and a hold after a number of minibatch steps (Trainer.hold_after_steps):
the same training as at full speed, seen step by step."""
import threading

import numpy as np
import pytest

from engine import datasets, params
from engine.nn.activations import sigmoid, tanh
from engine.nn.layers import Chain, Dense
from engine.nn.optimisers import Adam
from engine.training import Trainer


def trainer(compiled, **kw):
    model = Chain(Dense(2, 6, tanh, rng=0), Dense(6, 1, sigmoid, rng=1))
    return Trainer(model, "binarycrossentropy", Adam(0.05), batch_size=16, seed=3, compiled=compiled, **kw)


DATA = datasets.xor(80, seed=1)  # 64 training rows: 4 steps an epoch


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_slow_motion_reports_every_step_and_trains_as_full_speed_does(compiled):
    fast, slow = trainer(compiled), trainer(compiled)
    slow.set_pace(30)  # 30 steps a second: slower than one report each 30 ms
    reports = []
    fast.fit(DATA, 3)
    history = slow.fit(DATA, 3, on_progress=reports.append)
    assert history.steps == 12 and history.epochs_done == 3
    steps = [(p.epoch - 1) * p.steps_per_epoch + p.step for p in reports if not p.final]
    assert steps == list(range(1, 13))  # one report after each step, in order
    for a, b in zip(params(fast.model), params(slow.model)):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-12)
    slow.set_pace(None)
    assert slow._pace is None


def test_a_hold_after_steps_pauses_the_fit_there_and_a_release_goes_on():
    tr = trainer(False)
    tr.set_pace(500)
    tr.hold_after_steps(5)
    held = threading.Event()
    seen = []

    def report(p):
        seen.append(tr.history.steps)
        if tr.history.steps == 5:
            held.set()

    result = {}
    worker = threading.Thread(target=lambda: result.update(h=tr.fit(DATA, 4, on_progress=report)))
    worker.start()
    assert held.wait(20)
    for _ in range(5):  # it stays at step 5 while held
        worker.join(0.05)
        assert tr.history.steps == 5 and worker.is_alive()
    tr.hold_after_steps(None)
    worker.join(20)
    assert not worker.is_alive() and result["h"].steps == 16 and result["h"].epochs_done == 4


def test_an_interrupt_wakes_a_slow_step_and_stop_lands():
    tr = trainer(False)
    tr.set_pace(0.5)  # one step every two seconds
    stop = threading.Event()
    result = {}
    worker = threading.Thread(target=lambda: result.update(h=tr.fit(DATA, 100, should_stop=stop.is_set)))
    worker.start()
    worker.join(0.3)
    stop.set()
    tr.interrupt()
    worker.join(1.5)  # well before the next step was due
    assert not worker.is_alive() and result["h"].stopped and result["h"].steps == 1
