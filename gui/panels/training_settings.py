"""The Training group of the training dock: loss, optimiser, learning rate, batch size, epochs, and an
Advanced fold with Adam's betas and the weight seed.

>>> train_box = build_settings(panel)      # sets panel.loss_box, panel.lr_box, …  # doctest: +SKIP
>>> make_optimiser(panel).to_dict()["name"]                                     # doctest: +SKIP
'Adam'
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox, QToolButton, QWidget

from engine import LOSSES, OPTIMISERS, Adam


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


def build_settings(panel) -> QGroupBox:
    """The Training group; its boxes become the panel's attributes (`loss_box`, `init_seed_box`, …)."""
    train_box = QGroupBox("Training")
    tform = QFormLayout(train_box)
    panel.loss_box = QComboBox()
    panel.loss_box.addItems(list(LOSSES))
    panel.optimiser_box = QComboBox()
    panel.optimiser_box.addItems(list(OPTIMISERS))
    panel.optimiser_box.setCurrentText("Adam")
    panel.lr_box = spin(0.00001, 1e6, 0.01, 0.001, decimals=5)
    panel.batch_box = spin(1, 100000, 32, 8)
    panel.epochs_box = spin(1, 10_000_000, 300, 50)
    for label, widget in (("Loss", panel.loss_box), ("Optimiser", panel.optimiser_box),
                          ("Learning rate", panel.lr_box), ("Batch size", panel.batch_box),
                          ("Epochs", panel.epochs_box)):
        tform.addRow(label, widget)
    panel.advanced_toggle = QToolButton()
    panel.advanced_toggle.setText("Advanced")
    panel.advanced_toggle.setCheckable(True)
    panel.advanced_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    panel.advanced_toggle.setArrowType(Qt.RightArrow)
    panel.advanced_toggle.setStyleSheet("QToolButton { border: none; }")
    panel.advanced = QWidget()
    aform = QFormLayout(panel.advanced)
    aform.setContentsMargins(12, 0, 0, 0)
    panel.beta1_box = spin(0.0, 0.99999, 0.9, 0.01, decimals=5)
    panel.beta2_box = spin(0.0, 0.99999, 0.999, 0.001, decimals=5)
    panel.init_seed_box = spin(0, 99999, 0)
    aform.addRow("Adam β₁", panel.beta1_box)
    aform.addRow("Adam β₂", panel.beta2_box)
    aform.addRow("Weight seed", panel.init_seed_box)
    # the seed also draws the validation split: re-split when it changes, not on every Train
    panel.init_seed_box.valueChanged.connect(lambda _=None: panel._split())
    panel.advanced.setVisible(False)
    panel.advanced_toggle.toggled.connect(lambda open_: fold(panel, open_))
    tform.addRow(panel.advanced_toggle)
    tform.addRow(panel.advanced)
    panel.optimiser_box.currentTextChanged.connect(lambda name: optimiser_chosen(panel, name))
    return train_box


def fold(panel, open_: bool) -> None:
    panel.advanced.setVisible(open_)
    panel.advanced_toggle.setArrowType(Qt.DownArrow if open_ else Qt.RightArrow)


def optimiser_chosen(panel, name: str) -> None:
    panel.beta1_box.setEnabled(name == "Adam")
    panel.beta2_box.setEnabled(name == "Adam")


def make_optimiser(panel):
    name, lr = panel.optimiser_box.currentText(), panel.lr_box.value()
    return Adam(lr, (panel.beta1_box.value(), panel.beta2_box.value())) if name == "Adam" else OPTIMISERS[name](lr)
