"""The Data group of the training dock: the dataset list (generators and tables), the generator's
knobs, a preview of the points, the validation share, and the hint on fitting the Chain to the data.

>>> data_box = build_data_box(panel)      # sets panel.dataset_box, panel.preview, …  # doctest: +SKIP
>>> show_preview(panel)                   # after panel.dataset changes              # doctest: +SKIP
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton

from engine import datasets

from ..plots.boundary import point_brushes
from .csv_import import import_data
from .training_data import is_table, table_names
from .training_settings import spin

WITH_CLASSES = ("gaussians", "spiral")
DEFAULT_NOISE = {"gaussians": 0.5}


def build_data_box(panel) -> QGroupBox:
    """The Data group; its widgets become the panel's attributes (`dataset_box`, `validation_box`, …)."""
    data_box = QGroupBox("Data")
    form = QFormLayout(data_box)
    panel.dataset_box = QComboBox()
    panel.dataset_box.addItems(list(datasets.GENERATORS) + table_names())
    panel.import_button = QPushButton("Import CSV…")
    panel.import_button.setToolTip("Train on a table of your own (also File ▸ Import Data…)")
    panel.import_button.clicked.connect(lambda: import_data(panel.window(), panel))
    panel.samples_box = spin(20, 20000, 200, 50)
    panel.noise_box = spin(0.0, 3.0, 0.1, 0.05, decimals=2)
    panel.data_seed_box = spin(0, 99999, 0)
    panel.classes_box = spin(2, 8, 3)
    panel.validation_box = spin(0, 90, 20, 5, suffix=" %")
    panel.preview = pg.PlotWidget()
    panel.preview.setFixedHeight(120)
    panel.preview.getPlotItem().setMenuEnabled(False)
    panel.preview.getPlotItem().hideAxis("left")
    panel.preview.getPlotItem().hideAxis("bottom")
    panel.preview_points = pg.ScatterPlotItem(size=4, pen=None)
    panel.preview.addItem(panel.preview_points)
    choice = QHBoxLayout()  # the list and the way to add a table to it, on one row
    choice.setSpacing(4)
    choice.addWidget(panel.dataset_box, 1)
    choice.addWidget(panel.import_button)
    for label, widget in (("Dataset", choice), ("Samples", panel.samples_box),
                          ("Noise", panel.noise_box), ("Seed", panel.data_seed_box),
                          ("Classes", panel.classes_box), ("Validation", panel.validation_box)):
        form.addRow(label, widget)
    form.addRow(panel.preview)
    panel.fit_hint = QLabel()
    panel.fit_hint.setWordWrap(True)
    panel.fit_hint.setObjectName("problem")
    panel.fit_button = QPushButton("Apply to the Chain")
    panel.fit_button.clicked.connect(panel.apply_fit)
    form.addRow(panel.fit_hint)
    form.addRow(panel.fit_button)
    panel.dataset_box.currentTextChanged.connect(panel._dataset_chosen)
    for box in (panel.samples_box, panel.noise_box, panel.data_seed_box, panel.classes_box, panel.validation_box):
        box.valueChanged.connect(lambda _=None: panel._regenerate(apply=True))
    return data_box


def dataset_widgets(panel) -> None:
    """Show the knobs the chosen dataset has: classes for some generators, none for a table."""
    form = panel.classes_box.parentWidget().layout()
    name = panel.dataset_box.currentText()
    form.setRowVisible(panel.classes_box, name in WITH_CLASSES)
    for box in (panel.samples_box, panel.noise_box, panel.data_seed_box):  # a table has no knobs
        form.setRowVisible(box, not is_table(panel, name))


def default_noise(panel, name: str) -> None:
    """Put the noise box at `name`'s default without regenerating the data."""
    panel.noise_box.blockSignals(True)
    panel.noise_box.setValue(DEFAULT_NOISE.get(name, 0.1))
    panel.noise_box.blockSignals(False)


def generate(panel, name: str):
    """The Dataset for the list entry `name`: a table, or the generator with the knobs' values."""
    extra = {"classes": panel.classes_box.value()} if name in WITH_CLASSES else {}
    return datasets.GENERATORS[name](panel.samples_box.value(), panel.noise_box.value(),
                                     panel.data_seed_box.value(), **extra)


def show_preview(panel) -> None:
    ds = panel.dataset
    if ds.n_features >= 2:
        x, y = ds.X[:, 0], ds.X[:, 1]
    else:
        x, y = ds.X[:, 0], ds.y[:, 0] if ds.task == "regression" else ds.y.astype(float)
    panel.preview_points.setData(x, y, brush=point_brushes(ds))
    panel.preview.getPlotItem().autoRange()


def update_hint(panel, fit) -> None:
    """Say what keeps the Chain from fitting the data (`fit` from training_fit.output_fit, or None)."""
    text = ""
    if fit is None:
        text = "Fix the Chain on the canvas before training."
    elif not fit.ok:
        text = fit.text
    inputs = panel.doc.analysis().spec.inputs if fit is not None else None
    if inputs is not None and inputs != panel.dataset.n_features:
        text = (f"The data has {panel.dataset.n_features} feature(s) but the Input takes {inputs}: "
                "Train sets the Input to fit. " + text).strip()
    panel.fit_hint.setText(text)
    panel.fit_hint.setVisible(bool(text))
    panel.fit_button.setVisible(fit is not None and not fit.ok)
