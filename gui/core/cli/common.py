"""What every sub-command shares: its errors, exit codes, argument types and text helpers.

    >>> one_line(ValueError("two\\n lines"))
    'two lines'
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


def one_line(error) -> str:
    return " ".join(str(error).split()) or type(error).__name__
