"""Tables in the training dock: the bundled ones (Iris, cars) and a CSV file brought in by the import
dialog, offered in the dataset list beside the generators and used exactly like them.

>>> use_imported(panel, ImportedData(dataset, reference, standardise=True, validation=0.2, seed=0))  # doctest: +SKIP
>>> panel.dataset_box.currentText()                                                                # doctest: +SKIP
'measurements.csv (CSV)'
>>> data_reference(panel)       # what a model file records: the CSV's path, columns, task, statistics  # doctest: +SKIP

A table has no knobs (samples, noise, seed); the validation share and the split seed are the
panel's own boxes, which the import dialog sets.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from engine import DataError, Standardiser
from engine.datasets import TABLES

from ..core.datarefs import open_reference, reference_for

_bundled: dict = {}


@dataclass
class ImportedData:
    """What the import dialog hands to the training dock."""
    dataset: object           # engine Dataset with feature_names, target_name (raw, not standardised)
    reference: dict           # {"source": "csv", "path", "target", "features", "task"} for model files
    standardise: bool = True
    validation: float = 0.2   # held-out share, 0 <= v < 1
    seed: int = 0             # the split seed (the training dock's weight seed, which also splits)

    @property
    def label(self) -> str:
        """The entry in the dataset list."""
        return f"{Path(self.reference.get('path', self.dataset.name)).name} (CSV)"

    def standardiser(self) -> Standardiser:
        """Statistics of the training split (the same split training makes), or none at all."""
        train = self.dataset.split(self.validation, seed=self.seed)[0]  # with no validation: all of it
        return fitted_standardiser(train.X, self.standardise)


def fitted_standardiser(X, standardise: bool = True) -> Standardiser:
    """Standardiser.fit(X), or one that changes nothing when standardisation is off."""
    if standardise:
        return Standardiser.fit(X)
    k = np.asarray(X).shape[1]
    return Standardiser(np.zeros(k), np.ones(k))


def table_names() -> list[str]:
    return list(TABLES)


def imported(panel) -> ImportedData | None:
    return getattr(panel, "imported", None)


def is_table(panel, name: str) -> bool:
    data = imported(panel)
    return name in TABLES or (data is not None and name == data.label)


def table_dataset(panel, name: str):
    """The Dataset for a table entry of the list, or None for a generator."""
    data = imported(panel)
    if data is not None and name == data.label:
        return data.dataset
    if name in TABLES:
        if name not in _bundled:  # read each file once; nothing changes a Dataset in place
            _bundled[name] = TABLES[name]()
        return _bundled[name]
    return None


def standardise_on(panel) -> bool:
    """False only for an imported table whose import said not to standardise."""
    data = imported(panel)
    return not (data is not None and panel.dataset_box.currentText() == data.label and not data.standardise)


def add_imported(panel, data: ImportedData) -> None:
    """Offer `data` in the dataset list, replacing an earlier import; does not choose it."""
    box = panel.dataset_box
    old = imported(panel)
    blocked = box.blockSignals(True)
    try:
        if old is not None and box.findText(old.label) >= 0:
            box.removeItem(box.findText(old.label))
        panel.imported = data
        box.addItem(data.label)
        box.setItemData(box.count() - 1, data.reference.get("path", ""), Qt.ToolTipRole)
    finally:
        box.blockSignals(blocked)


def use_imported(panel, data: ImportedData) -> None:
    """Offer `data` in the dataset list, take its split, and choose it.

    Choosing it goes through the panel's own path for a newly chosen dataset: the Input takes the
    table's feature count and a fitting output and loss are proposed, as for a generator.
    """
    add_imported(panel, data)
    boxes = (panel.dataset_box, panel.validation_box, panel.init_seed_box)
    for b in boxes:
        b.blockSignals(True)
    try:
        panel.validation_box.setValue(int(round(data.validation * 100)))
        panel.init_seed_box.setValue(int(data.seed))
        panel.dataset_box.setCurrentText(data.label)
    finally:
        for b in boxes:
            b.blockSignals(False)
    panel._dataset_chosen(data.label)
    panel.message.emit(f"Training on {data.label}: {len(data.dataset)} rows, {data.dataset.n_features} feature(s), "
                       f"{data.dataset.task}.")


def table_from_reference(panel, ref: dict, folder=None) -> str | None:
    """The list entry for a model file's bundled or CSV data (offering the CSV), or None if there is none.

    A CSV that cannot be read (moved, changed) gives None and a message; a relative path is looked up
    in `folder`, the model file's folder.
    """
    if ref.get("source") == "bundled" and ref.get("name") in TABLES:
        return ref["name"]
    if ref.get("source") != "csv" or not ref.get("path"):
        return None
    path = Path(ref["path"])
    full = path if path.is_absolute() or folder is None else Path(folder) / path
    try:
        dataset, _ = open_reference(dict(ref, path=str(full)))
    except DataError as error:
        panel.message.emit(f"The model's data cannot be read: {error}")
        return None
    norm = ref.get("normalisation") or {}
    identity = norm.get("mean") == [0.0] * dataset.n_features and norm.get("std") == [1.0] * dataset.n_features
    reference = {"source": "csv", "path": str(full), "target": dataset.target_name,
                 "features": list(dataset.feature_names), "task": dataset.task}
    add_imported(panel, ImportedData(dataset, reference, standardise=not identity,
                                     validation=panel.validation_box.value() / 100, seed=panel.init_seed_box.value()))
    return panel.imported.label


def data_reference(panel, with_statistics: bool = True) -> dict:
    """The model file's `dataset` entry for what the panel trains on (with the standardisation statistics:
    they belong to trained weights; a design alone is standardised afresh when it trains)."""
    name = panel.dataset_box.currentText()
    data = imported(panel)
    if data is not None and name == data.label:
        ref = dict(data.reference)
    elif name in TABLES:
        ref = {"source": "bundled", "name": name}
    else:
        knobs = {"n": panel.samples_box.value(), "noise": panel.noise_box.value(), "seed": panel.data_seed_box.value()}
        if name in ("gaussians", "spiral"):
            knobs["classes"] = panel.classes_box.value()
        ref = {"source": "generator", "name": name, "params": knobs}
    return reference_for(ref, panel.dataset, panel.standardiser if with_statistics else None)
