"""Strict, streaming reading of CSV files: UTF-8 lines, records with line numbers, checked numbers.

This is the layer under `csvload.py`; it knows nothing of features or targets.

    >>> is_number("-1.5e3"), is_number(" 2. "), is_number("1_000"), is_number("nan"), is_number("١")
    (True, True, False, False, False)
    >>> range_problem("1e309"), range_problem("1e-400")[:28], range_problem("2.5")
    ("'1e309' is too large: it overflows a 64-bit float to infinity", "'1e-400' is too small: it un", None)

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

__all__ = ["CsvError", "LoadCancelled", "DEFAULT_MAX_BYTES", "MAX_COLUMNS", "is_number", "range_problem",
           "has_control", "describe_bad_number", "RecordReader", "check_header"]

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Files larger than this are refused before reading (the app holds the whole table in memory)."""
MAX_COLUMNS = 10_000
"""More columns than this is not a table a small network learns from (and splitting them costs)."""
MAX_RECORD_BYTES = 2 * 1024 * 1024
"""The longest row: 10,000 columns of 200 characters. Longer lines are refused before they are split."""
BLOCK = 1 << 20
"""Bytes read at a time; `should_stop` is polled between blocks."""
_BLANK_RUN = re.compile(rb"[ \t\r\n]*\n")  # one class, no groups: a group repeated a million times is slow

# Plain decimal: optional sign, digits with an optional point (or a leading point), optional
# exponent; ASCII digits only ([0-9], since \d also matches Arabic-Indic and other digits that
# float() accepts). Spaces and tabs around the number are allowed: hand-written files have them.
_NUM = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*"
NUMBER = re.compile(_NUM)
# A whole column joined by "\n", checked in one C-speed match. Linear time: _NUM cannot contain
# "\n", so each repetition is pinned between separators.
NUMBER_LINES = re.compile(rf"(?:{_NUM}\n)*{_NUM}")
# A number that means zero: float() gives 0.0 for these, and for them only unless it underflows.
_ZERO = r"[ \t]*[+-]?(?:0+(?:\.0*)?|\.0+)(?:[eE][+-]?[0-9]+)?[ \t]*"
ZERO_LINES = re.compile(rf"(?:{_ZERO}\n)*{_ZERO}")


def is_number(text):
    """True when `text` is a plain finite-looking decimal number (overflow is checked later)."""
    return NUMBER.fullmatch(text) is not None


def range_problem(cell):
    """Why the number `cell` does not fit a 64-bit float (overflow or underflow), or None."""
    value = float(cell)
    if value in (float("inf"), float("-inf")):
        return f"{show(cell)} is too large: it overflows a 64-bit float to infinity"
    if value == 0.0 and ZERO_LINES.fullmatch(cell) is None:
        return f"{show(cell)} is too small: it underflows a 64-bit float to 0 (write 0 if 0 is meant)"
    return None


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
        raise CsvError(path, f"the first row looks like data, not a header (its first cell is {show(names[0])}); "
                       "add a first line naming the columns", line=line, column_index=0, value=names[0])
    return names


class _Lines:
    """The decoded physical lines of a binary file, for `csv.reader`, counting lines and bytes.

    Reading bytes and decoding line by line lets a decoding error name its line and byte
    offset exactly (0x0A never occurs inside a UTF-8 multi-byte sequence, so splitting on it
    first is safe), and gives the byte count that progress reports need. The file is read a
    block at a time; between blocks `should_stop` is polled, so stopping never waits for more
    than one block's work. At the start of a record, runs of blank lines are skipped in one
    C-speed match, and a line is refused before `csv` splits it when it is longer than a row
    may be or (holding no quote) has more cells than `max_columns`: splitting a 17 MB header
    into 2 million strings is what would cost the time and memory.
    """

    def __init__(self, file, path, limit, *, delimiter, max_columns, max_read=None, should_stop=None):
        self.file, self.path, self.limit, self.should_stop = file, path, limit, should_stop
        self.delimiter, self.max_columns = delimiter.encode("utf-8"), max_columns
        self.max_read = limit + 1 if max_read is None else max_read  # bytes we may take from the file
        self.names = None
        self.line = 0               # physical lines consumed, blank ones included
        self.bytes = 0              # bytes consumed
        self.record_start = True    # set by RecordReader before each record; the next line starts one
        self.record_line = 1        # the first line of the record being read
        self.record_bytes = 0
        self.cut = False            # reading stopped at max_read, before the end of the file
        self._buffer, self._at, self._read, self._eof = b"", 0, 0, False

    def __iter__(self):
        return self

    def __next__(self):
        if self.record_start:
            self._skip_blank_lines()
        raw = self._raw_line()
        if not raw:
            raise StopIteration
        start = self.bytes
        self.bytes += len(raw)
        self.line += 1
        if self.record_start:
            self.record_start, self.record_line, self.record_bytes = False, self.line, 0
            if b'"' not in raw:  # no quoting: the delimiters are exactly the cell boundaries
                self._check_width(raw.count(self.delimiter) + 1)
        self.record_bytes += len(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self._decode_error(raw, start, e) from None
        if self.line == 1 and text.startswith("\ufeff"):
            text = text[1:]  # the byte-order mark Excel writes at the start of "CSV UTF-8" files
        return text

    def _fill(self) -> bool:
        """Read another block onto what is left of the buffer; False at the end of what we may read."""
        if self._eof:
            return False
        if self.should_stop is not None and self.should_stop():
            raise LoadCancelled(f"reading {self.path.name} was stopped")
        block = self.file.read(min(BLOCK, self.max_read - self._read))
        self._read += len(block)
        if self._read > self.limit:  # the file grew past the cap while we read it
            raise CsvError(self.path, f"the file is larger than the {_mb(self.limit)} limit for CSV files",
                           line=self.line + 1)
        if not block:
            self._eof = True
            self.cut = self._read >= self.max_read and bool(self.file.read(1))
            return False
        self._buffer = self._buffer[self._at:] + block
        self._at = 0
        return True

    def _skip_blank_lines(self) -> None:
        """Consume whole blank lines (spaces, tabs and line ends) at the start of a record."""
        buffer = self._buffer
        while True:
            match = _BLANK_RUN.match(buffer, self._at)
            if match is not None:
                end = match.end()
                if buffer.count(b"\r", self._at, end) != buffer.count(b"\r\n", self._at, end):
                    end = self._before_bare_return(end)  # csv refuses that line: let it say so
                self.line += buffer.count(b"\n", self._at, end)
                self.bytes += end - self._at
                self._at = end
                if end < match.end():
                    return
            if self._at < len(buffer) or not self._fill():
                return  # something that is not a blank line, or perhaps one cut by the block's end
            buffer = self._buffer

    def _before_bare_return(self, end: int) -> int:
        """Where the line holding the first "\\r" not followed by "\\n" (before `end`) starts."""
        at = self._buffer.find(b"\r", self._at, end)
        while self._buffer[at + 1:at + 2] == b"\n":
            at = self._buffer.find(b"\r", at + 1, end)
        return self._buffer.rfind(b"\n", self._at, at) + 1 or self._at

    def _raw_line(self) -> bytes:
        """The next physical line with its b"\\n" (without one at the end of the file); b"" when done."""
        while True:
            end = self._buffer.find(b"\n", self._at)
            if end >= 0:
                raw, self._at = self._buffer[self._at:end + 1], end + 1
                break
            if self.record_bytes + len(self._buffer) - self._at > MAX_RECORD_BYTES:
                raw, self._at = self._buffer[self._at:], len(self._buffer)
                break  # too long already: refused below without reading the rest of it
            if not self._fill():
                raw, self._at = self._buffer[self._at:], len(self._buffer)
                if self.cut:  # the end of the bytes we may read, not of the line: not a line at all
                    return b""
                break
        if self.record_bytes + len(raw) > MAX_RECORD_BYTES:
            line = self.line + 1
            if self.record_start and b'"' not in raw:
                self._check_width(raw.count(self.delimiter) + 1, line=line, complete=False)
            raise CsvError(self.path, f"this line is longer than the {_mb(MAX_RECORD_BYTES)} one row of a "
                           "table may take (is this a CSV file?)", line=line)
        return raw

    def _check_width(self, cells: int, *, line=None, complete=True) -> None:
        if cells > self.max_columns:
            more = "" if complete else "more than "
            what = f"the header names {more}{cells:,} columns" if self.names is None else \
                f"this row has {more}{cells:,} cells"
            raise CsvError(self.path, f"{what}; a table may have at most {self.max_columns:,} columns",
                           line=self.line if line is None else line)

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
    file, a file over `max_bytes`, bad UTF-8, broken quoting, more than `max_columns` cells -
    raises `CsvError`; `should_stop()`, polled before each block of the file is read, stops it
    with `LoadCancelled`. With `max_read`, reading ends quietly after that many bytes (the
    record they cut is dropped, and `cut` is true): a preview reads no more than it shows.
    """

    def __init__(self, path, *, max_bytes=DEFAULT_MAX_BYTES, delimiter=",", max_columns=MAX_COLUMNS,
                 max_read=None, should_stop=None):
        self.path = _checked_path(path)
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
        self._lines = _Lines(self._file, self.path, max_bytes, delimiter=delimiter, max_columns=max_columns,
                             max_read=max_read, should_stop=should_stop)
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

    @property
    def cut(self):
        """True when reading stopped at `max_read` bytes with more of the file unread."""
        return self._lines.cut

    def __iter__(self):
        reader, lines = self._reader, self._lines
        while True:
            lines.record_start = True
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:  # broken quoting, a bare "\r", a field over csv's size limit
                if lines.cut:
                    return  # the record max_read cut in two, not a broken one
                why = str(e)
                if "new-line character" in why:  # csv's own advice ("universal-newline mode") helps nobody
                    why = ("a carriage return (\\r) inside an unquoted cell; if the whole file ends its lines "
                           "with \\r alone (old Mac format), save it with ordinary line ends")
                start = lines.record_line
                where = f" (in the record that starts on line {start})" if start < lines.line else ""
                raise CsvError(self.path, f"malformed CSV: {why}{where}", line=lines.line) from None
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line; trailing ones are everywhere
            lines._check_width(len(cells))  # quoted cells hide their delimiters from the first check
            yield lines.line, cells

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _checked_path(path) -> Path:
    """`path` as a Path, refusing the NUL character no file system allows in a name."""
    path = Path(path)
    if "\0" in str(path):
        raise CsvError(Path(str(path).replace("\0", "\\0")), "the file name holds a NUL character (\\0), "
                       "which no file name can")
    return path
