"""The Training group of the training dock: loss, optimiser, learning rate, batch size, epochs, regularisation
(L1, L2), the learning rate's schedule with the rate now in use, and an Advanced fold with Adam's betas and the
weight seed.

>>> box = SettingsBox()
>>> box.changed.connect(lambda: session.set_settings(box.settings(session.settings)))   # doctest: +SKIP
>>> box.settings(Settings()).optimiser                                                     # doctest: +SKIP
'Adam'
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QToolButton,
                               QWidget)

from engine import LOSSES, OPTIMISERS
from engine.nn import SCHEDULES

# what a schedule's epochs mean, per kind (engine.nn.schedules)
PACE = {"constant": "", "step": "the rate halves every N epochs",
        "exponential": "the rate halves over each N epochs, smoothly", "cosine": "the rate falls along a cosine to 0 in N epochs"}


def spin(lo, hi, value, step=1, decimals=None, suffix=""):
    box = QSpinBox() if decimals is None else QDoubleSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # one change per finished edit, not per keystroke
    return box


class SettingsBox(QGroupBox):
    """How to train. Emits `changed` after any edit the person makes."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        form = QFormLayout(self)
        self.loss_box = QComboBox()
        self.loss_box.addItems(list(LOSSES))
        self.optimiser_box = QComboBox()
        self.optimiser_box.addItems(list(OPTIMISERS))
        self.optimiser_box.setCurrentText("Adam")
        self.lr_box = spin(0.00001, 1e6, 0.01, 0.001, decimals=5)
        self.batch_box = spin(1, 100000, 32, 8)
        self.epochs_box = spin(1, 10_000_000, 300, 50)
        for label, widget in (("Loss", self.loss_box), ("Optimiser", self.optimiser_box),
                              ("Learning rate", self.lr_box), ("Batch size", self.batch_box),
                              ("Epochs", self.epochs_box)):
            form.addRow(label, widget)
        self._regularisation_rows(form)
        self._schedule_rows(form)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.RightArrow)
        self.advanced_toggle.setStyleSheet("QToolButton { border: none; }")
        self.advanced = QWidget()
        aform = QFormLayout(self.advanced)
        aform.setContentsMargins(12, 0, 0, 0)
        self.beta1_box = spin(0.0, 0.99999, 0.9, 0.01, decimals=5)
        self.beta2_box = spin(0.0, 0.99999, 0.999, 0.001, decimals=5)
        self.init_seed_box = spin(0, 99999, 0)
        self.init_seed_box.setToolTip("Draws the weights, the validation split and the shuffling")
        aform.addRow("Adam β₁", self.beta1_box)
        aform.addRow("Adam β₂", self.beta2_box)
        aform.addRow("Weight seed", self.init_seed_box)
        self.advanced.setVisible(False)
        self.advanced_toggle.toggled.connect(self._fold)
        form.addRow(self.advanced_toggle)
        form.addRow(self.advanced)
        self.optimiser_box.currentTextChanged.connect(self._optimiser_chosen)
        for combo in (self.loss_box, self.optimiser_box):
            combo.currentTextChanged.connect(lambda _=None: self.changed.emit())
        for box in (self.lr_box, self.batch_box, self.epochs_box, self.beta1_box, self.beta2_box, self.init_seed_box,
                    self.l1_box, self.l2_box, self.schedule_epochs_box):
            box.valueChanged.connect(lambda _=None: self.changed.emit())
        self.schedule_box.currentTextChanged.connect(self._schedule_chosen)
        self.schedule_box.currentTextChanged.connect(lambda _=None: self.changed.emit())
        self._schedule_chosen(self.schedule_box.currentText())

    def _regularisation_rows(self, form: QFormLayout) -> None:
        self.l1_box = spin(0.0, 100.0, 0.0, 0.0001, decimals=5)
        self.l1_box.setToolTip("L1: adds l1·sign(w) to every gradient, pulling weights to exactly 0")
        self.l2_box = spin(0.0, 100.0, 0.0, 0.0001, decimals=5)
        self.l2_box.setToolTip("L2 (weight decay): adds l2·w to every gradient, shrinking large weights")
        form.addRow("L1 penalty", self.l1_box)
        form.addRow("L2 penalty", self.l2_box)

    def _schedule_rows(self, form: QFormLayout) -> None:
        self.schedule_box = QComboBox()
        self.schedule_box.addItems(list(SCHEDULES))
        self.schedule_box.setToolTip("How the learning rate changes from epoch to epoch")
        self.schedule_epochs_box = spin(1, 10_000_000, 100, 10, suffix=" epochs")
        self.rate_label = QLabel()
        self.rate_label.setToolTip("The learning rate of the epoch being trained (or the next one)")
        form.addRow("Rate schedule", self.schedule_box)
        form.addRow("Schedule pace", self.schedule_epochs_box)
        form.addRow("Rate now", self.rate_label)
        self.show_rate(self.lr_box.value())

    def show_rate(self, rate: float) -> None:
        """Show the learning rate in use now (the schedule's, at the current epoch)."""
        self.rate_label.setText(f"{rate:.4g}")

    def settings(self, base):
        """`base` (a gui.core.session.Settings) with what the boxes show."""
        return replace(base, loss=self.loss_box.currentText(), optimiser=self.optimiser_box.currentText(),
                       lr=self.lr_box.value(), beta1=self.beta1_box.value(), beta2=self.beta2_box.value(),
                       batch_size=self.batch_box.value(), epochs=self.epochs_box.value(),
                       seed=self.init_seed_box.value(), l1=self.l1_box.value(), l2=self.l2_box.value(),
                       schedule=self.schedule_box.currentText(), schedule_epochs=self.schedule_epochs_box.value())

    def show_settings(self, s) -> None:
        """Show `s` without emitting `changed`."""
        boxes = (self.loss_box, self.optimiser_box, self.lr_box, self.beta1_box, self.beta2_box, self.batch_box,
                 self.epochs_box, self.init_seed_box, self.l1_box, self.l2_box, self.schedule_box,
                 self.schedule_epochs_box)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.loss_box.setCurrentText(s.loss)
            self.optimiser_box.setCurrentText(s.optimiser)
            for box, value in ((self.lr_box, s.lr), (self.beta1_box, s.beta1), (self.beta2_box, s.beta2),
                               (self.batch_box, s.batch_size), (self.epochs_box, s.epochs),
                               (self.init_seed_box, s.seed), (self.l1_box, s.l1), (self.l2_box, s.l2),
                               (self.schedule_epochs_box, s.schedule_epochs)):
                box.setValue(value)
            self.schedule_box.setCurrentText(s.schedule)
        finally:
            for box in boxes:
                box.blockSignals(False)
        self._optimiser_chosen(s.optimiser)
        self._schedule_chosen(s.schedule)

    def _fold(self, open_: bool) -> None:
        self.advanced.setVisible(open_)
        self.advanced_toggle.setArrowType(Qt.DownArrow if open_ else Qt.RightArrow)

    def _optimiser_chosen(self, name: str) -> None:
        self.beta1_box.setEnabled(name == "Adam")
        self.beta2_box.setEnabled(name == "Adam")

    def _schedule_chosen(self, kind: str) -> None:
        self.schedule_epochs_box.setEnabled(kind != "constant")
        self.schedule_epochs_box.setToolTip(f"N: {PACE[kind]}" if PACE[kind] else "A constant rate has no pace")
