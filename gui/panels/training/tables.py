"""The dataset list's entries: the generators, the bundled tables, and a CSV file brought in by the import
dialog; each becomes a `gui.core.session.DataChoice` the same way.

>>> entries = Entries()
>>> "spiral" in entries.names() and "iris" in entries.names()
True
>>> entries.is_table("iris"), entries.knobs("spiral")
(True, ('n', 'noise', 'seed', 'classes'))
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import DataError, datasets

from ...core.datarefs import open_reference
from ...core.session import DataChoice

WITH_CLASSES = ("gaussians", "spiral")
DEFAULT_NOISE = {"gaussians": 0.5}


@dataclass(frozen=True)
class ImportedData:
    """What the import dialog hands to the training dock."""
    dataset: object           # engine Dataset with feature_names, target_name (raw, not standardised)
    reference: dict           # {"source": "csv", "path", "target", "features", "task"} for model files
    standardise: bool = True
    validation: float = 0.2   # held-out share, 0 <= v < 1
    seed: int = 0             # the split seed (the dock's weight seed, which also splits)

    @property
    def label(self) -> str:
        """The entry in the dataset list."""
        return f"{Path(self.reference.get('path', self.dataset.name)).name} (CSV)"


class Entries:
    """What the dataset list offers, and the DataChoice for each entry."""

    def __init__(self):
        self.imported: ImportedData | None = None
        self._tables: dict = {}  # bundled tables read once: nothing changes a Dataset in place

    def names(self) -> list[str]:
        return [*datasets.GENERATORS, *datasets.TABLES] + ([self.imported.label] if self.imported else [])

    def is_table(self, name: str) -> bool:
        return name in datasets.TABLES or (self.imported is not None and name == self.imported.label)

    def knobs(self, name: str) -> tuple[str, ...]:
        """The generator parameters the entry has boxes for (none for a table)."""
        if self.is_table(name):
            return ()
        return ("n", "noise", "seed") + (("classes",) if name in WITH_CLASSES else ())

    def choice(self, name: str, knobs: dict) -> DataChoice:
        """The DataChoice for list entry `name` (a generator gets the `knobs` it has)."""
        if self.imported is not None and name == self.imported.label:
            data = self.imported
            return DataChoice(name, data.dataset, dict(data.reference), data.standardise)
        if name in datasets.TABLES:
            if name not in self._tables:
                self._tables[name] = datasets.TABLES[name]()
            return DataChoice(name, self._tables[name], {"source": "bundled", "name": name})
        params = {k: knobs[k] for k in self.knobs(name)}
        dataset = datasets.GENERATORS[name](**params)
        return DataChoice(name, dataset, {"source": "generator", "name": name, "params": params})

    def from_reference(self, ref: dict, folder=None) -> tuple[str | None, dict, str]:
        """(list entry, generator knobs, a message) for a model file's data reference; the entry is None when
        the data cannot be rebuilt here (the message says why). A CSV is offered as the imported table."""
        source, name = ref.get("source"), ref.get("name")
        if source == "generator" and name in datasets.GENERATORS:
            return name, dict(ref.get("params") or {}), ""
        if source == "bundled" and name in datasets.TABLES:
            return name, {}, ""
        if source == "csv" and ref.get("path"):
            path = Path(ref["path"])
            full = path if path.is_absolute() or folder is None else Path(folder) / path
            try:
                dataset, _ = open_reference(dict(ref, path=str(full)))
            except DataError as error:
                return None, {}, f"The model's data cannot be read: {error}"
            norm = ref.get("normalisation") or {}
            identity = norm.get("mean") == [0.0] * dataset.n_features and norm.get("std") == [1.0] * dataset.n_features
            reference = {"source": "csv", "path": str(full), "target": dataset.target_name,
                         "features": list(dataset.feature_names), "task": dataset.task}
            self.imported = ImportedData(dataset, reference, standardise=not identity)
            return self.imported.label, {}, ""
        if source:
            return None, {}, (f"This model learnt from {name or ref.get('path') or 'other data'}, which cannot be "
                              "rebuilt here; the data on screen is shown instead.")
        return None, {}, ""
