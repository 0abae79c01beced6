"""The Training group of the training dock: loss, optimiser, learning rate, batch size, epochs, and an
Advanced fold with Adam's betas and the weight seed.

>>> box = SettingsBox()
>>> box.changed.connect(lambda: session.set_settings(box.settings(session.settings)))   # doctest: +SKIP
>>> box.settings(Settings()).optimiser                                                     # doctest: +SKIP
'Adam'
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox, QToolButton, QWidget

from engine import LOSSES, OPTIMISERS


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
        for box in (self.lr_box, self.batch_box, self.epochs_box, self.beta1_box, self.beta2_box, self.init_seed_box):
            box.valueChanged.connect(lambda _=None: self.changed.emit())

    def settings(self, base):
        """`base` (a gui.core.session.Settings) with what the boxes show."""
        return replace(base, loss=self.loss_box.currentText(), optimiser=self.optimiser_box.currentText(),
                       lr=self.lr_box.value(), beta1=self.beta1_box.value(), beta2=self.beta2_box.value(),
                       batch_size=self.batch_box.value(), epochs=self.epochs_box.value(),
                       seed=self.init_seed_box.value())

    def show_settings(self, s) -> None:
        """Show `s` without emitting `changed`."""
        boxes = (self.loss_box, self.optimiser_box, self.lr_box, self.beta1_box, self.beta2_box, self.batch_box,
                 self.epochs_box, self.init_seed_box)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.loss_box.setCurrentText(s.loss)
            self.optimiser_box.setCurrentText(s.optimiser)
            for box, value in ((self.lr_box, s.lr), (self.beta1_box, s.beta1), (self.beta2_box, s.beta2),
                               (self.batch_box, s.batch_size), (self.epochs_box, s.epochs),
                               (self.init_seed_box, s.seed)):
                box.setValue(value)
        finally:
            for box in boxes:
                box.blockSignals(False)
        self._optimiser_chosen(s.optimiser)

    def _fold(self, open_: bool) -> None:
        self.advanced.setVisible(open_)
        self.advanced_toggle.setArrowType(Qt.DownArrow if open_ else Qt.RightArrow)

    def _optimiser_chosen(self, name: str) -> None:
        self.beta1_box.setEnabled(name == "Adam")
        self.beta2_box.setEnabled(name == "Adam")
