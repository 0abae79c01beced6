"""Strict, streaming reading of CSV files: UTF-8 lines, records with line numbers, checked numbers.

This is the layer under `csvload.py`; it knows nothing of features or targets.

    >>> is_number("-1.5e3"), is_number(" 2. "), is_number("1_000"), is_number("nan"), is_number("١")
    (True, True, False, False, False)

Why a regular expression and not `float()`: `float()` happily accepts "nan", "inf",
"Infinity", "1_000" and non-ASCII digits, and a table that holds them is almost always
broken (a missing value, a thousands separator, text pasted from elsewhere). We accept plain
decimal numbers only, and say exactly which cell is not one.
"""
from __future__ import annotations

import csv
import os
import re
import stat
from pathlib import Path

from .dataset import DataError

__all__ = ["CsvError", "LoadCancelled", "DEFAULT_MAX_BYTES", "is_number", "has_control", "describe_bad_number",
           "RecordReader", "check_header"]

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Files larger than this are refused before reading (the app holds the whole table in memory)."""

# Plain decimal: optional sign, digits with an optional point (or a leading point), optional
# exponent; ASCII digits only ([0-9], since \d also matches Arabic-Indic and other digits that
# float() accepts). Spaces and tabs around the number are allowed: hand-written files have them.
_NUM = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*"
NUMBER = re.compile(_NUM)
# A whole column joined by "\n", checked in one C-speed match. Linear time: _NUM cannot contain
# "\n", so each repetition is pinned between separators.
NUMBER_LINES = re.compile(rf"(?:{_NUM}\n)*{_NUM}")


def is_number(text):
    """True when `text` is a plain finite-looking decimal number (overflow is checked later)."""
    return NUMBER.fullmatch(text) is not None


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab is fine, NUL and friends are not


def has_control(text):
    """True when `text` holds a control character other than tab (NUL, newline, escape, ...)."""
    return _CONTROL.search(text) is not None


def show(value, limit=40):
    """A value as it appears in messages: quoted, escapes visible, long values cut short."""
    if isinstance(value, bytes):
        return " ".join(f"0x{b:02x}" for b in value)
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def describe_bad_number(cell):
    """Why `cell` is not accepted as a number, as the end of a sentence naming the cell."""
    stripped = cell.strip()
    if not stripped:
        return "is empty; missing values are not supported (fill the cell in or delete the row)"
    try:
        value = float(stripped)
    except ValueError:
        return f"{show(cell)} is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return f"{show(cell)} is not a finite number (NaN and infinity are refused)"
    return f"{show(cell)} is not a plain decimal number like 3.14 or -2e5"


class CsvError(DataError):
    """A problem in a CSV file, located for the person who has to fix it.

    Attributes: `path`, `line` (1-based physical line, or None), `column` (its name, or None),
    `column_index` (0-based, or None), `value` (the offending text, or None), `problem`.
    The message reads "iris.csv, line 12, column 4 'petal_width': 'nan' is not a finite number".
    """

    def __init__(self, path, problem, *, line=None, column=None, column_index=None, value=None):
        self.path, self.problem, self.line, self.value = Path(path), problem, line, value
        self.column, self.column_index = column, column_index
        where = [self.path.name]
        if line is not None:
            where.append(f"line {line}")
        if column_index is not None or column is not None:
            number = f" {column_index + 1}" if column_index is not None else ""
            name = f" {show(column)}" if column else ""
            where.append(f"column{number}{name}")
        if value is not None and show(value) not in problem and str(value) not in problem:
            problem += f" (value {show(value)})"  # every message shows the offending text
        super().__init__(", ".join(where) + ": " + problem)

    def __reduce__(self):  # picklable despite the keyword-only constructor
        return _restore_csv_error, (self.path, self.problem, self.line, self.column, self.column_index,
                                    self.value)


def _restore_csv_error(path, problem, line, column, column_index, value):
    return CsvError(path, problem, line=line, column=column, column_index=column_index, value=value)


class LoadCancelled(Exception):
    """`should_stop()` returned True while a file was loading; nothing was produced."""


def check_header(path, line, cells):
    """Column names from the header record: stripped, non-empty, unique, not all numbers."""
    names = [c.strip(" \t") for c in cells]
    for i, name in enumerate(names):
        if not name:
            raise CsvError(path, "the header gives this column no name (files saved by pandas with "
                           "their index do this: save with index=False, or name the column)",
                           line=line, column_index=i, value=cells[i])
        if has_control(name):
            raise CsvError(path, f"the column name {show(name)} holds a control character", line=line,
                           column_index=i, value=name)
    seen = {}
    for i, name in enumerate(names):
        if name in seen:
            raise CsvError(path, f"the header names two columns {show(name)} (columns {seen[name] + 1} "
                           f"and {i + 1}); column names must be unique", line=line, column=name,
                           column_index=i, value=name)
        seen[name] = i
    if all(is_number(n) for n in names):
        raise CsvError(path, f"the first row {show(','.join(names))} looks like data, not a header; "
                       "add a first line naming the columns", line=line, value=",".join(names))
    return names


class _Lines:
    """The decoded lines of a binary file, counting lines and bytes as they go.

    Reading bytes and decoding line by line lets a decoding error name its line and byte
    offset exactly (0x0A never occurs inside a UTF-8 multi-byte sequence, so splitting on it
    first is safe), and gives the byte count that progress reports need.
    """

    def __init__(self, file, path, limit, names):
        self.file, self.path, self.limit, self.names = file, path, limit, names
        self.line = 0
        self.bytes = 0

    def __iter__(self):
        return self

    def __next__(self):
        # readline with a bound, so a file that grows while we read (or one huge line) cannot
        # take more memory than the cap allows
        raw = self.file.readline(self.limit - self.bytes + 1)
        if not raw:
            raise StopIteration
        start = self.bytes
        self.bytes += len(raw)
        self.line += 1
        if self.bytes > self.limit:
            raise CsvError(self.path, f"the file is larger than the {_mb(self.limit)} limit for CSV files",
                           line=self.line)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self._decode_error(raw, start, e) from None
        if self.line == 1 and text.startswith("\ufeff"):
            text = text[1:]  # the byte-order mark Excel writes at the start of "CSV UTF-8" files
        return text

    def _decode_error(self, raw, start, e):
        bad = raw[e.start:e.end]
        hint = "save the file as UTF-8"
        if start == 0 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = "the file looks like UTF-16; save it as UTF-8"
        column_index = None
        try:  # which column the bad byte falls in: parse the valid part of the line before it
            prefix = raw[:e.start].decode("utf-8")
            column_index = len(next(csv.reader([prefix], strict=True), [""])) - 1 if prefix else 0
            column_index = max(column_index, 0)
        except (csv.Error, UnicodeDecodeError):
            pass
        column = self.names[column_index] if self.names and column_index is not None \
            and column_index < len(self.names) else None
        return CsvError(self.path, f"not UTF-8 text: byte {show(bad)} at byte offset {start + e.start} "
                        f"cannot be decoded ({hint})", line=self.line, column=column,
                        column_index=column_index, value=bad)


def _mb(n):
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


class RecordReader:
    """Records of a CSV file as `(line, cells)`, skipping blank lines; use as a context manager.

    `size` is the file size; `bytes_read` how far reading has got (for progress); set `names`
    once the header is known so later messages can name columns. Every problem - a missing
    file, a file over `max_bytes`, bad UTF-8, broken quoting - raises `CsvError`.
    """

    def __init__(self, path, *, max_bytes=DEFAULT_MAX_BYTES, delimiter=","):
        self.path = Path(path)
        try:
            # before opening: open() on a FIFO blocks until someone writes to it
            if self.path.exists() and not stat.S_ISREG(self.path.stat().st_mode):
                raise CsvError(self.path, "is not a regular file")
            self._file = open(self.path, "rb")
        except OSError as e:
            raise CsvError(self.path, f"cannot open the file: {e.strerror or e}") from e
        try:
            info = os.fstat(self._file.fileno())  # the handle we read, not whatever the path names now
            if not stat.S_ISREG(info.st_mode):
                raise CsvError(self.path, "is not a regular file")
            self.size = info.st_size
            if self.size > max_bytes:
                raise CsvError(self.path, f"the file is {_mb(self.size)}, larger than the {_mb(max_bytes)} "
                               "limit for CSV files", value=self.size)
        except BaseException:
            self._file.close()
            raise
        self._lines = _Lines(self._file, self.path, max_bytes, None)
        self._reader = csv.reader(self._lines, delimiter=delimiter, strict=True)

    @property
    def names(self):
        """Column names, once the caller has read the header; decoding errors use them."""
        return self._lines.names

    @names.setter
    def names(self, names):
        self._lines.names = names

    @property
    def bytes_read(self):
        return self._lines.bytes

    @property
    def line(self):
        return self._lines.line

    def __iter__(self):
        reader, lines = self._reader, self._lines
        while True:
            start = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:  # broken quoting, a bare "\r", a field over csv's size limit
                why = str(e)
                if "new-line character" in why:  # csv's own advice ("universal-newline mode") helps nobody
                    why = ("a carriage return (\\r) inside an unquoted cell; if the whole file ends its lines "
                           "with \\r alone (old Mac format), save it with ordinary line ends")
                where = f" (in the record that starts on line {start})" if start < lines.line else ""
                raise CsvError(self.path, f"malformed CSV: {why}{where}", line=lines.line) from None
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line; trailing ones are everywhere
            yield lines.line, cells

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
