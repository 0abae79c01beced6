"""A run's count of epochs and steps, and where it pauses by itself, across the fits of an endless run (Play).

>>> counter = RunCounter(trainer)                                  # doctest: +SKIP
>>> history = endless(trainer, dataset, 0.2, context, counter)     # until stopped, on a worker thread  # doctest: +SKIP
>>> counter.done()                                                 # (epochs, steps) since the run began  # doctest: +SKIP
>>> RunHistory.of(History(train_loss=[0.5, 0.4]), before=20_000).epochs_done  # the third fit, two epochs in
20002

A fit's History keeps a few numbers per epoch, and at full speed a small Chain trains tens of thousands of
epochs a second: a run that never ends is cut into fits of SEGMENT epochs, one after another (the Trainer
keeps the weights, the optimiser state and the shuffling from one to the next). What they report is
shifted to count from the run's start, and a Step's hold is carried from one fit into the next.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace

from engine.training import History, Progress

SEGMENT = 20_000  # epochs per fit of an endless run: its History stays under a few MB


@dataclass
class RunHistory(History):
    """The last fit's History of a run, counting the epochs of the fits before it."""
    before: int = 0

    @property
    def epochs_done(self):
        return self.before + len(self.train_loss)

    @classmethod
    def of(cls, history: History, before: int) -> RunHistory:
        return cls(**{f.name: getattr(history, f.name) for f in fields(History)}, before=before)


def shifted(p: Progress, epochs: int) -> Progress:
    """`p` of a fit that began `epochs` epochs into the run, counted from the run's start."""
    if not epochs:
        return p
    stats = None
    if p.new_stats is not None:
        stats = p.new_stats.copy()
        stats[:, 0] += epochs
    return replace(p, epoch=p.epoch + epochs, epochs_done=p.epochs_done + epochs, new_stats=stats,
                   new_epochs=[(e + epochs, *rest) for e, *rest in p.new_epochs])


class RunCounter:
    """Epochs and steps of the finished fits of this run, and the run's hold (Step while paused) counted from
    its start, set on the trainer in the running fit's terms. One lock: the GUI thread sets holds while the
    worker moves from one fit to the next."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.lock = threading.Lock()
        self.epochs = self.steps = 0
        self.hold: tuple[int | None, int | None] = (None, None)  # (epochs, steps) from the run's start

    def done(self) -> tuple[int, int]:
        """(epochs, steps) the run has finished so far (read live: reports lag behind)."""
        with self.lock:
            h = self.trainer.history
            return self.epochs + (h.epochs_done if h else 0), self.steps + (h.steps if h else 0)

    def hold_after(self, epochs: int | None = None, steps: int | None = None) -> None:
        """Pause once the run has finished `epochs` epochs, or taken `steps` steps (None, None: no hold)."""
        with self.lock:
            self.hold = (epochs, steps)
            self._apply()

    def fit_ended(self, history: History) -> None:
        with self.lock:
            self.epochs += history.epochs_done
            self.steps += history.steps
            self.trainer.history = None  # until the next fit's: done() must not count this one twice
            self._apply()

    def _apply(self):
        epochs, steps = self.hold
        self.trainer.hold_after(None if epochs is None else max(epochs - self.epochs, 0))
        self.trainer.hold_after_steps(None if steps is None else max(steps - self.steps, 0))


def endless(trainer, dataset, validation, context, counter: RunCounter) -> History:
    """Fits of SEGMENT epochs until stopped (or diverged): the run's History (a RunHistory of the last fit)."""
    while True:
        before = counter.epochs
        history = trainer.fit(dataset, SEGMENT, validation, on_progress=lambda p: context.report(shifted(p, before)),
                              should_stop=context.should_stop, should_pause=context.should_pause)
        if history.stopped or history.diverged or history.epochs_done < SEGMENT:
            return RunHistory.of(history, before)
        counter.fit_ended(history)
