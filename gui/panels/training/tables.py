"""The dataset list's entries: the generators, the bundled tables, the points drawn by hand ("Draw data"), and
a CSV file brought in by the import dialog; each becomes a `gui.core.session.DataChoice` the same way.

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
from engine.datasets import drawn_dataset

from ...core.datarefs import open_reference
from ...core.session import DataChoice

WITH_CLASSES = ("gaussians", "spiral")
DRAW = "Draw data"  # the entry whose points a person clicks on the plot (gui/panels/draw_data.py)
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
        self.drawn: list = []                 # the drawn points, [[x1, x2, label], ...]
        self.drawn_task = "classification"
        self._tables: dict = {}  # bundled tables read once: nothing changes a Dataset in place

    def names(self) -> list[str]:
        return [*datasets.GENERATORS, *datasets.TABLES, DRAW] + ([self.imported.label] if self.imported else [])

    def is_table(self, name: str) -> bool:
        return name in datasets.TABLES or (self.imported is not None and name == self.imported.label)

    def knobs(self, name: str) -> tuple[str, ...]:
        """The generator parameters the entry has boxes for (none for a table)."""
        if self.is_table(name) or name == DRAW:
            return ()
        return ("n", "noise", "seed") + (("classes",) if name in WITH_CLASSES else ())

    def choice(self, name: str, knobs: dict) -> DataChoice | None:
        """The DataChoice for list entry `name` (a generator gets the `knobs` it has); None for a drawing without
        points yet."""
        if name == DRAW:
            if not self.drawn:
                return None
            points = [list(p) for p in self.drawn]
            return DataChoice(name, drawn_dataset(points, self.drawn_task),
                              {"source": "drawn", "name": "drawn", "task": self.drawn_task, "points": points})
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
        if source == "drawn":  # load_model checked the points
            self.drawn, self.drawn_task = [list(p) for p in ref.get("points") or []], ref.get("task")
            return DRAW, {}, ""
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
