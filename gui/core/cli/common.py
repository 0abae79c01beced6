"""What every sub-command shares: its errors, exit codes, argument types and text helpers.

    >>> one_line(ValueError("two\\n lines"))
    'two lines'

Text from a model file or a CSV file (names, paths, messages) reaches a terminal only through
`printable`, so an escape sequence in a dataset name cannot retitle the window or clear it,
and a lone surrogate cannot make printing fail.
"""
from __future__ import annotations

import argparse

PROG = "chainboard"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BUG = 0, 1, 2, 130, 70


class UsageError(Exception):
    """Bad command-line arguments (argparse's complaints land here instead of exiting)."""


class Failure(Exception):
    """A problem the person can fix, reported as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog.split(' ', 1)[-1]}: {message}" if " " in self.prog else message)


def count(text: str) -> int:
    """An argparse type: a whole number from 0 to 10,000,000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 10**7:
        raise argparse.ArgumentTypeError(f"expected 0 to 10000000, got {value}")
    return value


def printable(text) -> str:
    """`text` with every character that is not printable (controls, escape, bidi overrides, lone
    surrogates, line breaks) written as its Python escape.

    >>> printable("iris σ"), printable("a\\x1b]0;owned\\x07b"), printable("\\u202egnp.exe"), printable("\\udc80")
    ('iris σ', 'a\\\\x1b]0;owned\\\\x07b', '\\\\u202egnp.exe', '\\\\udc80')
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def one_line(error) -> str:
    return printable(" ".join(str(error).split())) or type(error).__name__
