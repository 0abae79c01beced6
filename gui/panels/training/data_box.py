"""The Data group of the training dock: the dataset list (generators and tables), the generator's knobs, the
derived input features of 2-D data (x₁², x₂², x₁x₂, sin x₁, sin x₂, as TensorFlow Playground's toggles), a
preview of the points, the validation share, and the hint on fitting the Chain to the data.

>>> box = DataBox()
>>> box.changed.connect(dock.data_changed)        # any choice the person makes          # doctest: +SKIP
>>> box.choice()                                  # a gui.core.session.DataChoice          # doctest: +SKIP
>>> box.feature_boxes["x1^2"].click(); box.derived()    # ('x1^2',): the dock gives the Input them  # doctest: +SKIP
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton)

from engine.nn import FEATURES

from ...plots.boundary import point_brushes
from ...plots.theme import themed
from ..draw_data import DrawPanel
from .settings_box import spin
from .tables import DEFAULT_NOISE, DRAW, Entries, ImportedData


class DataBox(QGroupBox):
    """What to train on. Emits `changed` when the person picks another dataset or turns a knob."""

    changed = Signal()
    validation_changed = Signal(float)
    apply_requested = Signal()   # "Apply to the Chain"
    import_requested = Signal()  # "Import CSV…"
    features_toggled = Signal()  # a derived-feature box was ticked or cleared (read `derived()`)

    def __init__(self, parent=None):
        super().__init__("Data", parent)
        self.entries = Entries()
        form = self.form = QFormLayout(self)
        self.dataset_box = QComboBox()
        self.dataset_box.addItems(self.entries.names())
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Train on a table of your own (also File ▸ Import Data…)")
        self.import_button.clicked.connect(self.import_requested)
        self.samples_box = spin(20, 20000, 200, 50)
        self.noise_box = spin(0.0, 3.0, 0.1, 0.05, decimals=2)
        self.data_seed_box = spin(0, 99999, 0)
        self.classes_box = spin(2, 8, 3)
        self.validation_box = spin(0, 90, 20, 5, suffix=" %")
        self.features_row = QGridLayout()  # three a row: the dock stays as narrow as the other groups
        self.features_row.setContentsMargins(0, 0, 0, 0)
        self.features_row.setHorizontalSpacing(8)
        self.feature_boxes = {}
        for i, (name, feature) in enumerate(FEATURES.items()):
            box = self.feature_boxes[name] = QCheckBox(feature.label)
            box.setObjectName(f"feature {name}")
            box.setToolTip(f"Give the Chain {feature.label} as one more input, computed from x₁ and x₂ "
                           "(the Input grows by one; Ctrl+Z undoes)")
            box.toggled.connect(lambda _=None: self.features_toggled.emit())
            self.features_row.addWidget(box, i // 3, i % 3)
        self.features_row.setColumnStretch(3, 1)
        self.preview = themed(pg.PlotWidget())
        self.preview.setFixedHeight(120)
        item = self.preview.getPlotItem()
        item.setMenuEnabled(False)
        item.hideAxis("left")
        item.hideAxis("bottom")
        self.preview_points = pg.ScatterPlotItem(size=4, pen=None)
        self.preview.addItem(self.preview_points)
        # the list gets the whole width (a table's name, "iris.csv (CSV)", must not be cut); the way to add a
        # table to it right under it
        adding = QHBoxLayout()
        adding.setContentsMargins(0, 0, 0, 0)
        adding.addStretch(1)
        adding.addWidget(self.import_button)
        for label, widget in (("Dataset", self.dataset_box), ("", adding), ("Samples", self.samples_box),
                              ("Noise", self.noise_box),
                              ("Seed", self.data_seed_box), ("Classes", self.classes_box),
                              ("Validation", self.validation_box), ("Features", self.features_row)):
            form.addRow(label, widget)
        form.addRow(self.preview)
        self.draw_panel = DrawPanel()  # in place of the preview while "Draw data" is chosen
        self.draw_panel.drawn.connect(self._drawn)
        form.addRow(self.draw_panel)
        self.fit_hint = QLabel()
        self.fit_hint.setWordWrap(True)
        self.fit_hint.setObjectName("problem")
        self.fit_button = QPushButton("Apply to the Chain")
        self.fit_button.clicked.connect(self.apply_requested)
        form.addRow(self.fit_hint)
        form.addRow(self.fit_button)
        self.dataset_box.currentTextChanged.connect(self._entry_chosen)
        for box in (self.samples_box, self.noise_box, self.data_seed_box, self.classes_box):
            box.valueChanged.connect(lambda _=None: self.changed.emit())
        self.validation_box.valueChanged.connect(lambda v: self.validation_changed.emit(v / 100))
        self._show_knobs()

    # ---- reading ----
    @property
    def imported(self) -> ImportedData | None:
        return self.entries.imported

    def name(self) -> str:
        return self.dataset_box.currentText()

    def knobs(self) -> dict:
        return {"n": self.samples_box.value(), "noise": self.noise_box.value(), "seed": self.data_seed_box.value(),
                "classes": self.classes_box.value()}

    def choice(self):
        """The DataChoice for what the boxes show (None while "Draw data" has no points)."""
        return self.entries.choice(self.name(), self.knobs())

    def derived(self) -> tuple[str, ...]:
        """The derived features ticked, in the Input's order (engine.nn.FEATURES names)."""
        return tuple(name for name, box in self.feature_boxes.items() if box.isChecked())

    # ---- writing, without emitting `changed` ----
    def select(self, name: str, knobs: dict | None = None, validation: float | None = None) -> None:
        boxes = (self.dataset_box, self.samples_box, self.noise_box, self.data_seed_box, self.classes_box,
                 self.validation_box)
        for box in boxes:
            box.blockSignals(True)
        try:
            if self.dataset_box.currentText() != name:
                self._default_noise(name)
            self.dataset_box.setCurrentText(name)
            for key, box in (("n", self.samples_box), ("noise", self.noise_box), ("seed", self.data_seed_box),
                             ("classes", self.classes_box)):
                if isinstance((knobs or {}).get(key), (int, float)):
                    box.setValue(type(box.value())(knobs[key]))
            if validation is not None:
                self.validation_box.setValue(int(round(validation * 100)))
        finally:
            for box in boxes:
                box.blockSignals(False)
        self._show_knobs()

    def offer(self, data: ImportedData) -> None:
        """Put an imported table in the list, replacing an earlier one; does not choose it."""
        box = self.dataset_box
        blocked = box.blockSignals(True)
        try:
            old = self.entries.imported
            if old is not None and box.findText(old.label) >= 0:
                box.removeItem(box.findText(old.label))
            self.entries.imported = data
            box.addItem(data.label)
            box.setItemData(box.count() - 1, data.reference.get("path", ""), Qt.ToolTipRole)
        finally:
            box.blockSignals(blocked)

    def sync_entries(self) -> None:
        """After `entries` learnt a table from a model file: list it."""
        if self.entries.imported is not None and self.dataset_box.findText(self.entries.imported.label) < 0:
            self.offer(self.entries.imported)
        self.draw_panel.set_points(self.entries.drawn, self.entries.drawn_task)

    def show_features(self, derived, available: bool) -> None:
        """Tick the boxes of the Input's `derived` features (without `features_toggled`); the row is there only
        when they can apply (`available`: 2-D data)."""
        for name, box in self.feature_boxes.items():
            blocked = box.blockSignals(True)
            box.setChecked(name in derived)
            box.blockSignals(blocked)
        self.form.setRowVisible(self.features_row, available)

    def show_preview(self, dataset) -> None:
        if dataset.n_features >= 2:
            x, y = dataset.X[:, 0], dataset.X[:, 1]
        else:
            x = dataset.X[:, 0]
            y = dataset.y[:, 0] if dataset.task == "regression" else dataset.y.astype(float)
        self.preview_points.setData(x, y, brush=point_brushes(dataset))
        self.preview.getPlotItem().autoRange()

    def show_hint(self, text: str, can_apply: bool) -> None:
        self.fit_hint.setText(text)
        self.fit_hint.setVisible(bool(text))
        self.fit_button.setVisible(can_apply)

    # ---- internals ----
    def _drawn(self) -> None:
        self.entries.drawn, self.entries.drawn_task = [list(p) for p in self.draw_panel.points], self.draw_panel.task()
        self.changed.emit()

    def _entry_chosen(self, name: str) -> None:
        self._default_noise(name)
        self._show_knobs()
        self.changed.emit()

    def _default_noise(self, name: str) -> None:
        blocked = self.noise_box.blockSignals(True)
        self.noise_box.setValue(DEFAULT_NOISE.get(name, 0.1))
        self.noise_box.blockSignals(blocked)

    def _show_knobs(self) -> None:
        knobs = self.entries.knobs(self.name())
        for key, box in (("n", self.samples_box), ("noise", self.noise_box), ("seed", self.data_seed_box),
                         ("classes", self.classes_box)):
            self.form.setRowVisible(box, key in knobs)
        drawing = self.name() == DRAW
        self.form.setRowVisible(self.draw_panel, drawing)
        self.form.setRowVisible(self.preview, not drawing)
