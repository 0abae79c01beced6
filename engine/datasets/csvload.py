"""Bring your own data: load a CSV table as a `Dataset`, strictly.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("x,y,label\\n0,1,a\\n1,0,b\\n1,1,a\\n0,0,b\\n")
    >>> load_csv(path, "label")
    Dataset('t', 4 samples, 2 features, 2 classes)

`load_csv(path, target)` picks the target column by name (or 0-based index, negative counts
from the end) and uses every other column as a feature unless `features` says otherwise. The
task is inferred - text labels, or a few distinct whole numbers, mean classification - and
`task=` overrides it. Anything wrong with the file raises `CsvError` (a `DataError`) naming the
file, line, column and value; nothing half-loaded is ever returned.

For big files, run it on a worker thread with `on_progress(fraction)` and `should_stop()`;
stopping raises `LoadCancelled`. `preview_csv` shows the first rows quickly for a dialog: it
reads at most PREVIEW_BYTES, and can be stopped too. A table has at most MAX_COLUMNS columns
(wider ones are refused before their lines are split), and messages show at most the one cell
at fault: a model file may point its data at any file, and messages get shared.
"""
from __future__ import annotations

import itertools
from array import array
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .csvread import (DEFAULT_MAX_BYTES, MAX_COLUMNS, NUMBER_LINES, ZERO_LINES, CsvError, LoadCancelled,
                      RecordReader, check_header, describe_bad_number, has_control, is_number, range_problem, show)
from .dataset import Dataset

__all__ = ["load_csv", "preview_csv", "read_inputs", "CsvPreview", "CsvError", "LoadCancelled", "DEFAULT_MAX_BYTES",
           "MAX_COLUMNS", "MAX_CLASSES", "PREVIEW_BYTES"]

MAX_CLASSES = 100
"""More distinct labels than this is almost always a wrong target column (an id, a float)."""
MAX_INFERRED_CLASSES = 10
"""A numeric target is inferred as class labels only with at most this many distinct whole numbers."""
CHUNK_ROWS = 4096
"""Rows converted at a time: amortises the checks, bounds memory, paces progress and stop checks."""
PREVIEW_BYTES = 4 * 1024 * 1024
"""The most `preview_csv` reads by default: its rows come from the first 4 MB of the file."""
LISTED_COLUMNS = 20
"""Column names an unknown-column message lists; a wide header is not worth a screenful."""


# ---- columns ---------------------------------------------------------------------------

def _resolve(path, names, which, role):
    """A column given by name or index -> its 0-based index; unknown ones list the choices."""
    if isinstance(which, (int, np.integer)) and not isinstance(which, bool):
        i = int(which)
        if not -len(names) <= i < len(names):
            raise CsvError(path, f"there is no {role} column {i}: the file has {len(names)} columns "
                           f"(0 to {len(names) - 1})", line=1, value=i)
        return i % len(names)
    if isinstance(which, str):
        if which not in names:
            listed = ", ".join(show(n) for n in names[:LISTED_COLUMNS])
            more = f" and {len(names) - LISTED_COLUMNS:,} more" if len(names) > LISTED_COLUMNS else ""
            raise CsvError(path, f"there is no {role} column {show(which)}; the columns are {listed}{more}",
                           line=1, value=which)
        return names.index(which)
    raise CsvError(path, f"a {role} column is a name or an index, not {show(which)}", value=which)


def _check_width(path, names):
    """A table to learn from has a feature and a target column at least."""
    if len(names) < 2:
        # Its one "name" is the file's first line, which we do not echo: a model file may point
        # at any file (say /etc/passwd), and messages get shared.
        hint = " (is it separated by ';' or tabs? pass delimiter=)" if any(d in names[0] for d in ";\t|") else ""
        raise CsvError(path, f"the first line holds a single column, so this is not a table of features and a "
                       f"target{hint}", line=1)


def _choose_columns(path, names, target, features):
    t = _resolve(path, names, target, "target")
    if features is None:
        feats = [i for i in range(len(names)) if i != t]
    else:
        if isinstance(features, (str, int, np.integer)):
            features = [features]  # one column given bare
        feats = [_resolve(path, names, f, "feature") for f in features]
        for k, i in enumerate(feats):
            if i == t:
                raise CsvError(path, "the target column cannot also be a feature", line=1, column=names[i],
                               column_index=i, value=names[i])
            if i in feats[:k]:
                raise CsvError(path, "this column is listed twice among the features", line=1,
                               column=names[i], column_index=i, value=names[i])
    if not feats:  # only when `features` is an empty list: every other column would be one
        raise CsvError(path, "no feature columns are left besides the target", line=1, column=names[t],
                       column_index=t, value=names[t])
    return t, feats


# ---- numbers ---------------------------------------------------------------------------

def _convert(path, names, feats, rows, lines):
    """A chunk of feature cells (row tuples) -> float array, or CsvError at the first bad cell."""
    n, k = len(rows), len(feats)
    columns = list(zip(*rows))
    out = np.empty((n, k), dtype=np.float64)
    bad = None  # (row, column) of the first bad cell in reading order
    for j, col in enumerate(columns):
        joined = "\n".join(col)
        # a quoted cell may itself hold "\n": then the count check sends us to the slow path
        if NUMBER_LINES.fullmatch(joined) is None or joined.count("\n") != n - 1:
            r = next(r for r, cell in enumerate(col) if not is_number(cell) or "\n" in cell)
            bad = min(bad, (r, j)) if bad else (r, j)
            continue
        out[:, j] = np.fromiter(map(float, col), dtype=np.float64, count=n)
    if bad:
        r, j = bad
        cell = columns[j][r]
        problem = describe_bad_number(cell)
        if problem.endswith("is not a number"):  # text, not a mangled number: likely a label column
            problem += "; feature columns must hold numbers (leave this column out of the features)"
        raise CsvError(path, problem, line=lines[r], column=names[feats[j]], column_index=feats[j], value=cell)
    # "1e309" matches the pattern but overflows to infinity, "1e-400" underflows to 0.0
    out_of_range = ~np.isfinite(out)
    for j, col in enumerate(columns):
        zeros = np.flatnonzero(out[:, j] == 0.0).tolist()
        if zeros and ZERO_LINES.fullmatch("\n".join([col[r] for r in zeros])) is None:
            out_of_range[zeros, j] = [range_problem(col[r]) is not None for r in zeros]
    if out_of_range.any():
        r, j = np.argwhere(out_of_range)[0]  # row-major: the first in reading order
        cell = columns[j][r]
        raise CsvError(path, range_problem(cell), line=lines[r], column=names[feats[j]], column_index=feats[j],
                       value=cell)
    return out


def _check_constant(path, names, feats, X, lines):
    same = np.flatnonzero((X == X[0]).all(axis=0))  # no arithmetic: ptp overflows on ±1e308
    if same.size:
        j = int(same[0])
        cell = X[0, j]
        raise CsvError(path, f"has the same value {cell:g} on every row (lines {lines[0]}-{lines[-1]}); "
                       "a constant column carries no information: leave it out of the features",
                       line=lines[0], column=names[feats[j]], column_index=feats[j], value=f"{cell:g}")


# ---- targets ---------------------------------------------------------------------------

def _read_target(path, name, index, cells, lines):
    """Each target cell -> a float (numbers) or a str (labels); refuses empty and odd tokens."""
    keys = []
    for r, cell in enumerate(cells):
        text = cell.strip(" \t")
        if not text or has_control(text):
            problem = "is empty; every row needs a target" if not text else \
                f"{show(cell)} holds a control character (a line break, NUL, ...); labels must be plain text"
            raise CsvError(path, "the target " + problem, line=lines[r], column=name, column_index=index,
                           value=cell)
        if is_number(text):
            problem = range_problem(text)
            if problem:
                raise CsvError(path, "the target " + problem, line=lines[r], column=name, column_index=index,
                               value=cell)
            keys.append(float(text))
            continue
        try:
            float(text)  # "nan", "inf", "1_000", ... : refused even as labels, they mean trouble
        except ValueError:
            keys.append(text)
            continue
        raise CsvError(path, "the target " + describe_bad_number(cell), line=lines[r], column=name,
                       column_index=index, value=cell)
    return keys


def _first_text(keys):
    return next(r for r, k in enumerate(keys) if isinstance(k, str))


def _targets(path, name, index, keys, lines, task):
    """(y, task, class_names) from the target keys; infers the task when `task` is None."""
    n_text = sum(isinstance(k, str) for k in keys)
    if n_text == 0:
        values = np.asarray(keys, dtype=np.float64)
        if task is None:
            distinct = np.unique(values)
            few = distinct.size <= MAX_INFERRED_CLASSES and 2 * distinct.size <= values.size
            task = "classification" if few and np.all(distinct == np.round(distinct)) else "regression"
        if task == "regression":
            if (values == values[0]).all():
                raise CsvError(path, f"the target has the same value {values[0]:g} on every row (lines "
                               f"{lines[0]}-{lines[-1]}); there is nothing to learn", line=lines[0],
                               column=name, column_index=index, value=f"{values[0]:g}")
            return values.reshape(-1, 1), task, None
    elif task == "regression" or (task is None and n_text < len(keys) - n_text):
        # a mostly numeric column with a few words in it is a typo, not a set of labels
        r = _first_text(keys)
        raise CsvError(path, f"the target {show(keys[r])} is not a number; a regression target must be all "
                       "numbers (or choose classification)", line=lines[r], column=name, column_index=index,
                       value=keys[r])
    # classification: numbers sort numerically first, then text labels alphabetically
    classes = sorted(set(keys), key=lambda k: (1, 0.0, k) if isinstance(k, str) else (0, k, ""))
    if len(classes) < 2:
        raise CsvError(path, f"the target has a single class {show(_label(classes[0]))} on every row (lines "
                       f"{lines[0]}-{lines[-1]}); classification needs at least two", line=lines[0],
                       column=name, column_index=index, value=_label(classes[0]))
    if len(classes) > MAX_CLASSES:
        raise CsvError(path, f"the target has {len(classes)} different values, more than {MAX_CLASSES} classes; "
                       "is it the right column (or a regression target)?", line=lines[0], column=name,
                       column_index=index, value=_label(keys[0]))
    lookup = {k: i for i, k in enumerate(classes)}
    y = np.fromiter((lookup[k] for k in keys), dtype=np.int64, count=len(keys))
    return y, "classification", [_label(k) for k in classes]


def _label(key):
    """A class name: text as is; whole numbers without ".0" ("1.0" and "1" are one class)."""
    if isinstance(key, str):
        return key
    return str(int(key)) if key == int(key) else repr(key)


# ---- public ----------------------------------------------------------------------------

def load_csv(path, target, features=None, *, task=None, delimiter=",", max_bytes=DEFAULT_MAX_BYTES,
             on_progress=None, should_stop=None):
    """Read a CSV file with a header row into a `Dataset` (`.feature_names`, `.target_name` set).

    `target` and `features` are column names or 0-based indices; features default to every
    other column. `task` is "classification", "regression" or None (inferred). Text labels and
    numeric labels become class indices in sorted order, names kept in `class_names`.
    `on_progress(fraction)` is called as the file is read (0.0 first, 1.0 last);
    `should_stop()` is polled before each megabyte is read and every few thousand rows, and
    stops the load with `LoadCancelled`. Raises `CsvError` naming file, line, column and value;
    a message shows at most the one cell at fault, never whole rows of the file.
    """
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be 'classification', 'regression' or None, not {task!r}")
    path = Path(path)
    with RecordReader(path, max_bytes=max_bytes, delimiter=delimiter, should_stop=should_stop) as reader:
        records = iter(reader)
        header_line, header = _first_record(path, reader, records)
        names = reader.names = check_header(path, header_line, header)
        width = len(names)
        _check_width(path, names)
        # The first row before the columns: a message listing the header's names is for a file
        # that looks like a table (a header and a row as wide), not for any file at all.
        first = next(records, None)
        if first is None:
            raise CsvError(path, "the file has a header but no data rows", line=header_line)
        if len(first[1]) != width:
            raise _ragged(path, first[0], first[1], width)
        t, feats = _choose_columns(path, names, target, features)
        if on_progress is not None:
            on_progress(0.0)
        chunks, rows, target_cells, lines = [], [], [], array("q")
        for line, cells in itertools.chain([first], records):
            if len(cells) != width:
                raise _ragged(path, line, cells, width)
            rows.append([cells[i] for i in feats])
            target_cells.append(cells[t])
            lines.append(line)
            if len(rows) == CHUNK_ROWS:
                chunks.append(_convert(path, names, feats, rows, lines[-len(rows):]))
                rows = []
                if should_stop is not None and should_stop():
                    raise LoadCancelled(f"loading {path.name} was stopped")
                if on_progress is not None:
                    on_progress(min(reader.bytes_read / max(reader.size, 1), 0.99))
        if rows:
            chunks.append(_convert(path, names, feats, rows, lines[-len(rows):]))
    if len(lines) < 2:
        raise CsvError(path, "the file has a single data row; learning needs at least two", line=lines[0],
                       column=names[t], column_index=t, value=target_cells[0])
    X = np.concatenate(chunks)
    _check_constant(path, names, feats, X, lines)
    keys = _read_target(path, names[t], t, target_cells, lines)
    y, task, class_names = _targets(path, names[t], t, keys, lines, task)
    dataset = Dataset(X, y, task=task, class_names=class_names, name=path.stem,
                      feature_names=[names[i] for i in feats], target_name=names[t], source=str(path))
    if on_progress is not None:
        on_progress(1.0)
    return dataset


class CsvPreview(NamedTuple):
    """The head of a CSV file: `header` names, `rows` of cell strings, file `size` in bytes, and
    `complete`: whether `rows` reached the end of the file (false when the row or byte cap ended it)."""
    header: list
    rows: list
    size: int
    complete: bool = True


def _first_record(path, reader, records):
    """(line, cells) of the header row, or the error an empty file deserves."""
    first = next(records, None)
    if first is None:
        if reader.cut:
            raise CsvError(path, f"the first {reader.bytes_read / (1024 * 1024):.1f} MB hold only blank lines; "
                           "a table starts with a header row", line=reader.line)
        raise CsvError(path, "the file is empty" if reader.size == 0 else "the file holds only blank lines", line=1)
    return first


def _ragged(path, line, cells, width):
    return CsvError(path, f"this row has {len(cells)} cells but the header has {width} columns", line=line)


def preview_csv(path, rows=20, *, delimiter=",", max_bytes=DEFAULT_MAX_BYTES, max_read=PREVIEW_BYTES,
                should_stop=None):
    """The header and first `rows` records as strings, from at most the first `max_read` bytes.

    Fast whatever the file: it reads no further than that (a header wider than `MAX_COLUMNS`
    is refused unread), and `should_stop()`, polled before each megabyte, stops it with
    `LoadCancelled`. Applies the same size, encoding, header and row-length checks as
    `load_csv` to what it reads (raising `CsvError`); a header with no rows under it previews
    as no rows.

        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = path.write_text("x,label\\n" + "".join(f"{i},a\\n" for i in range(100)))
        >>> head = preview_csv(path, rows=3)
        >>> head.header, head.rows, head.complete
        (['x', 'label'], [['0', 'a'], ['1', 'a'], ['2', 'a']], False)
    """
    path = Path(path)
    with RecordReader(path, max_bytes=max_bytes, delimiter=delimiter, max_read=max_read,
                      should_stop=should_stop) as reader:
        records = iter(reader)
        names = reader.names = check_header(path, *_first_record(path, reader, records))
        out, complete = [], True
        for line, cells in records:
            if len(out) >= rows:
                complete = False
                break
            if len(cells) != len(names):
                raise _ragged(path, line, cells, len(names))
            out.append([c.strip(" \t") for c in cells])
        return CsvPreview(names, out, reader.size, complete and not reader.cut)


def _listed(names, most: int = 6) -> str:
    """Column names for a message: quoted, the first few of a long list.

    >>> _listed(["x1"]), _listed([f"x{k}" for k in range(1, 11)])
    ("'x1'", "'x1', 'x2', 'x3', 'x4', 'x5', 'x6' and 4 more")
    """
    shown = ", ".join(show(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def read_inputs(path, n_features: int, feature_names=None) -> np.ndarray:
    """The rows of a CSV file with a header as an (n, n_features) float array.

    With `feature_names` and a header that holds them all, those columns are taken by name
    (so a training table with its target column predicts as is); otherwise the file must have
    exactly `n_features` columns. A header that names some of the model's columns but not all is
    refused naming the missing ones (positions would mean other columns). Cells must be plain
    decimal numbers; errors name the line.
    """
    path = Path(path)
    rows, lines = [], []
    with RecordReader(path) as reader:
        records = iter(reader)
        header_line, header = _first_record(path, reader, records)
        names = reader.names = check_header(path, header_line, header)
        missing = [n for n in feature_names or () if n not in names]
        if feature_names and not missing:
            columns = [names.index(n) for n in feature_names]
        elif missing and len(missing) < len(feature_names):  # the model's own columns, some of them absent
            raise CsvError(path, f"the file has no column {_listed(missing)}; the model was trained on "
                                 f"{_listed(feature_names)}", line=header_line)
        elif len(names) == n_features:
            columns = list(range(n_features))
        else:
            raise CsvError(path, f"the model takes {n_features} inputs but the file has {len(names)} columns",
                           line=header_line)
        for line, cells in records:
            if len(cells) != len(names):
                raise _ragged(path, line, cells, len(names))
            rows.append([cells[i] for i in columns])
            lines.append(line)
    if not rows:
        raise CsvError(path, "the file has a header but no rows to predict", line=1)
    return _convert(path, names, columns, rows, lines)  # the same number rules as load_csv
