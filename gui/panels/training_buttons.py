"""The training dock's controls: Train / Pause-Resume / Step / Stop / Reset weights, the progress bar
and the status line, and which of them (and of the settings) each state of the panel enables.

>>> layout = build_buttons(panel)     # sets panel.start_button, panel.progress, panel.status, …  # doctest: +SKIP
>>> update_buttons(panel)             # after panel.state changes                                # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton


def build_buttons(panel) -> QGridLayout:
    """The buttons' grid; the buttons, `progress` and `status` become the panel's attributes."""
    panel.start_button = QPushButton("Train")
    panel.start_button.setObjectName("primary")
    panel.pause_button = QPushButton("Pause")
    panel.step_button = QPushButton("Step")
    panel.step_button.setToolTip("Train one epoch")
    panel.stop_button = QPushButton("Stop")
    panel.reset_button = QPushButton("Reset weights")
    panel.reset_button.setToolTip("Re-initialise the weights with the weight seed")
    panel.start_button.clicked.connect(lambda: panel.start())
    panel.pause_button.clicked.connect(panel.toggle_pause)
    panel.step_button.clicked.connect(panel.step)
    panel.stop_button.clicked.connect(panel.stop)
    panel.reset_button.clicked.connect(panel.reset_weights)
    buttons = QGridLayout()
    buttons.addWidget(panel.start_button, 0, 0)
    buttons.addWidget(panel.pause_button, 0, 1)
    buttons.addWidget(panel.step_button, 0, 2)
    buttons.addWidget(panel.stop_button, 1, 0)
    buttons.addWidget(panel.reset_button, 1, 1, 1, 2)
    panel.progress = QProgressBar()
    panel.progress.setTextVisible(True)
    panel.progress.setFormat("idle")
    panel.progress.setValue(0)
    panel.status = QLabel("Press Train to start.")
    panel.status.setWordWrap(True)
    return buttons


def update_buttons(panel) -> None:
    s = panel.state
    ready = s == "idle" and panel.doc.analysis().valid and panel.dataset is not None
    panel.start_button.setEnabled(ready)
    panel.step_button.setEnabled(ready or s == "paused")
    panel.pause_button.setEnabled(s in ("running", "paused"))
    panel.pause_button.setText("Resume" if s == "paused" else "Pause")
    panel.stop_button.setEnabled(s in ("preparing", "running", "paused"))
    panel.reset_button.setEnabled(s == "idle" and panel.model is not None)
    for box in panel.settings:
        box.setEnabled(s == "idle")
    panel.fit_button.setEnabled(s == "idle")
