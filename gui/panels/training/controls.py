"""The training dock's controls: Train / Pause-Resume / Step / Stop / Reset weights, the progress bar and the
status line, enabled as the session's state allows.

>>> controls = TrainingControls()
>>> controls.train.connect(dock.start)                      # doctest: +SKIP
>>> controls.show_state("running", can_train=False, has_model=True)   # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


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
    pause = Signal()   # Pause, or Resume when paused
    step = Signal()
    stop = Signal()
    reset = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start_button = QPushButton("Train")
        self.start_button.setObjectName("primary")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one epoch")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Re-initialise the weights with the weight seed")
        for button, signal in ((self.start_button, self.train), (self.pause_button, self.pause),
                               (self.step_button, self.step), (self.stop_button, self.stop),
                               (self.reset_button, self.reset)):
            button.clicked.connect(signal)
        grid = QGridLayout()
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.step_button, 0, 2)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1, 1, 2)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start.")
        self.status.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addWidget(self.progress)
        box.addWidget(self.status)

    def show_state(self, state: str, *, can_train: bool, has_model: bool) -> None:
        idle = state == "idle"
        self.start_button.setEnabled(idle and can_train)
        self.step_button.setEnabled((idle and can_train) or state == "paused")
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.reset_button.setEnabled(idle and has_model)

    def show_run(self, epochs: int) -> None:
        self.progress.setRange(0, max(epochs, 1))
        self.progress.setValue(0)
        self.progress.setFormat(f"starting {epochs} epoch{'s' if epochs != 1 else ''}…")

    def show_progress(self, done: int, total_epochs: int, path: str, samples_per_s: float) -> None:
        self.progress.setValue(min(done, self.progress.maximum()))
        # short enough for a narrow dock (a progress bar cannot wrap or elide); the whole line is the tooltip
        self.progress.setFormat(f"epoch {total_epochs:,} · {compact(samples_per_s)} samples/s · {path}")
        self.progress.setToolTip(f"epoch {total_epochs:,} in all, {done:,} of {self.progress.maximum():,} in this "
                                 f"run, {samples_per_s:,.0f} samples a second, on the {path} path")

    def show_idle(self) -> None:
        self.progress.setFormat(self.progress.format().replace("starting", "ran"))

    def reset_progress(self) -> None:
        self.progress.setValue(0)
        self.progress.setFormat("idle")

    def say(self, text: str) -> None:
        self.status.setText(text)
