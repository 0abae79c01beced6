"""What the import dialog proposes about a CSV file's columns, from its first rows: which hold numbers
(offered as features), what each looks like, and whether a target column is a class or a value.

    >>> from engine.datasets import CsvPreview
    >>> head = CsvPreview(["id", "size", "kind"], [["1", "2.5", "cat"], ["2", "3.0", "dog"]], 40, True)
    >>> facts = column_facts(head)
    >>> facts.numeric, facts.samples[2]
    ([True, True, False], 'cat, dog')
    >>> guess_task(facts.column(2)), guess_task(facts.column(1)), guess_task(["1", "2", "1", "2"])
    ('classification', 'regression', 'classification')

Computed on the preview's worker thread: for a table of 10,000 columns this is millions of cells, which
the window must not wait for. No Qt.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ColumnFacts", "column_facts", "guess_task", "mostly_numbers", "number", "MAX_INFERRED_CLASSES"]

MAX_INFERRED_CLASSES = 10  # more distinct values than this in a numeric column: a value to regress
SAMPLE_VALUES = 4          # shown beside a column's name


def number(cell: str) -> float | None:
    """The cell as a finite float, or None when it is not one.

    >>> number(" 2.5"), number("cat"), number("nan"), number("")
    (2.5, None, None, None)
    """
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def guess_task(cells: list[str]) -> str:
    """The engine's rule on a sample: text labels, or a few distinct whole numbers, mean classification."""
    values = [number(c) for c in cells]
    if not cells or any(v is None for v in values):
        return "classification"
    distinct = set(values)
    few = len(distinct) <= MAX_INFERRED_CLASSES and 2 * len(distinct) <= len(values)
    return "classification" if few and all(v == int(v) for v in distinct) else "regression"


def mostly_numbers(cells: list[str]) -> bool:
    """A column offered as a feature by default: at least half its sampled cells are numbers.
    A stray bad cell in a numeric column keeps it checked, so loading names that cell.

    >>> mostly_numbers(["1", "2", "x"]), mostly_numbers(["a", "b", "3"]), mostly_numbers([])
    (True, False, True)
    """
    return not cells or 2 * sum(number(c) is not None for c in cells) >= len(cells)


@dataclass(frozen=True)
class ColumnFacts:
    names: list[str]
    rows: list[list[str]]   # the rows read, to guess a chosen target's task
    numeric: list[bool]     # proposed as a feature
    samples: list[str]      # "1.0, 1.2, 3.1, 2.9 …"

    def column(self, i: int) -> list[str]:
        return [row[i] for row in self.rows if i < len(row)]


def column_facts(preview) -> ColumnFacts:
    """The facts about every column of a `CsvPreview` (engine.datasets.preview_csv's result)."""
    names, rows = list(preview.header), preview.rows
    columns = list(zip(*rows)) if rows else [() for _ in names]
    numeric = [mostly_numbers(list(cells)) for cells in columns]
    samples = [", ".join(cells[:SAMPLE_VALUES]) + (" …" if len(cells) > SAMPLE_VALUES else "") for cells in columns]
    return ColumnFacts(names, rows, numeric, samples)
