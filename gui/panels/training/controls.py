"""The training dock's controls: Train / Play / Pause-Resume / Step / Stop / Reset weights, the speed (slow
motion to full speed) and what a Step is, the progress bar and the status line, enabled as the session's
state allows.

>>> controls = TrainingControls()
>>> controls.train.connect(dock.start)                      # doctest: +SKIP
>>> controls.pace_changed.connect(session.set_pace)         # steps a second, or None for full speed  # doctest: +SKIP
>>> controls.show_state("running", can_train=False, has_model=True)   # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

# The speed slider's stops, in minibatch steps a second; past the last one, full speed (no pacing at all).
PACES = (1, 2, 4, 8, 15, 30, 60, 125, 250, 500, 1000, 2500, 5000)
SLOW_MOTION = 30  # at most this many steps a second: a report after every step, so a Step may be one minibatch


def compact(n: float) -> str:
    """A count in three digits or so: 950, 19.8k, 1.42M.

    >>> compact(950), compact(19_771), compact(1_421_558)
    ('950', '19.8k', '1.42M')
    """
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.3g}{suffix}"
    return f"{n:.0f}"


class TrainingControls(QWidget):
    """Buttons that say what the person wants (signals), and what the session is doing (show_*)."""

    train = Signal()
    play = Signal()    # train until stopped
    pause = Signal()   # Pause, or Resume when paused
    step = Signal()
    stop = Signal()
    reset = Signal()
    pace_changed = Signal(object)  # steps a second (float), or None for full speed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start_button = QPushButton("Train")
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip("Train the epochs the Training settings say")
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Train until Stop (Pause pauses): no epoch limit")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one epoch")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Re-initialise the weights with the weight seed")
        for button, signal in ((self.start_button, self.train), (self.play_button, self.play),
                               (self.pause_button, self.pause),
                               (self.step_button, self.step), (self.stop_button, self.stop),
                               (self.reset_button, self.reset)):
            button.clicked.connect(signal)
        grid = QGridLayout()
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.play_button, 0, 1)
        grid.addWidget(self.pause_button, 0, 2)
        grid.addWidget(self.step_button, 1, 0)
        grid.addWidget(self.stop_button, 1, 1)
        grid.addWidget(self.reset_button, 1, 2)
        self.speed_slider = QSlider(Qt.Horizontal)
        self.speed_slider.setRange(0, len(PACES))  # the last position: full speed
        self.speed_slider.setValue(len(PACES))
        self.speed_slider.setPageStep(2)
        self.speed_slider.setToolTip("From slow motion (a step a second, every plot redrawn each step) to full speed")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance("5000 steps/s"))
        self.minibatch_box = QCheckBox("Step = one minibatch")
        self.minibatch_box.setToolTip(f"In slow motion (at most {SLOW_MOTION} steps/s) Step trains one minibatch")
        speed = QHBoxLayout()
        speed.addWidget(QLabel("Speed"))
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        self.speed_slider.valueChanged.connect(self._speed_moved)
        self.minibatch_box.toggled.connect(self._show_step_unit)
        self._endless = False
        self._speed_moved(self.speed_slider.value())
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start.")
        self.status.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addLayout(speed)
        box.addWidget(self.minibatch_box)
        box.addWidget(self.progress)
        box.addWidget(self.status)

    def pace(self) -> float | None:
        """The speed chosen: minibatch steps a second, or None for full speed."""
        i = self.speed_slider.value()
        return float(PACES[i]) if i < len(PACES) else None

    def slow_motion(self) -> bool:
        pace = self.pace()
        return pace is not None and pace <= SLOW_MOTION

    def steps_by_minibatch(self) -> bool:
        """Whether Step trains one minibatch (in slow motion, when asked) rather than one epoch."""
        return self.slow_motion() and self.minibatch_box.isChecked()

    def _speed_moved(self, _=None) -> None:
        pace = self.pace()
        self.speed_label.setText("full speed" if pace is None else f"{pace:g} steps/s")
        self.minibatch_box.setEnabled(self.slow_motion())
        self._show_step_unit()
        self.pace_changed.emit(pace)

    def _show_step_unit(self, _=None) -> None:
        self.step_button.setToolTip("Train one minibatch" if self.steps_by_minibatch() else "Train one epoch")

    def show_state(self, state: str, *, can_train: bool, has_model: bool) -> None:
        idle = state == "idle"
        self.start_button.setEnabled(idle and can_train)
        self.play_button.setEnabled(idle and can_train)
        self.step_button.setEnabled((idle and can_train) or state == "paused")
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.reset_button.setEnabled(idle and has_model)

    def show_run(self, epochs: int | None) -> None:
        """A run of `epochs` epochs starts (None: until stopped, the bar then only counts)."""
        self._endless = epochs is None
        self.progress.setRange(0, max(epochs or 1, 1))
        self.progress.setValue(0)
        self.progress.setFormat("starting until stopped…" if epochs is None else
                                f"starting {epochs} epoch{'s' if epochs != 1 else ''}…")

    def show_progress(self, done: int, total_epochs: int, path: str, samples_per_s: float) -> None:
        self.progress.setValue(0 if self._endless else min(done, self.progress.maximum()))
        # short enough for a narrow dock (a progress bar cannot wrap or elide); the whole line is the tooltip
        self.progress.setFormat(f"epoch {total_epochs:,} · {compact(samples_per_s)} samples/s · {path}")
        of = "" if self._endless else f" of {self.progress.maximum():,}"
        self.progress.setToolTip(f"epoch {total_epochs:,} in all, {done:,}{of} in this run, {samples_per_s:,.0f} "
                                 f"samples a second, on the {path} path")

    def show_idle(self) -> None:
        self.progress.setFormat(self.progress.format().replace("starting", "ran"))

    def reset_progress(self) -> None:
        self.progress.setValue(0)
        self.progress.setFormat("idle")

    def say(self, text: str) -> None:
        self.status.setText(text)
