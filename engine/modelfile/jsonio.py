"""Strict, bounded JSON for model files.

`parse_json` refuses what `json.loads` would let through: NaN and Infinity constants, numbers
too large for a float, huge integers, duplicate keys, deep nesting, too many values, long
strings, and bytes that are not UTF-8. Its limits are checked before Python objects are built
where that is possible (size, value count) and right after otherwise.

    >>> parse_json(b'{"a": [1, 2.5, null]}')
    {'a': [1, 2.5, None]}
    >>> parse_json(b'{"loss": NaN}')
    Traceback (most recent call last):
    ...
    engine.modelfile.archive.FileProblem: model.json: NaN is not a number JSON allows
    >>> dump_json({"a": [1, 2.5]})
    b'{\\n "a": [1, 2.5]\\n}'
"""
from __future__ import annotations

import json
import math
import re

from .archive import FileProblem, damage_guard

__all__ = ["parse_json", "dump_json", "check_plain", "MAX_JSON_BYTES", "MAX_DEPTH", "MAX_VALUES",
           "MAX_STRING"]

MAX_JSON_BYTES = 2 << 20   # a model with a long history and a big canvas is ~100 KB
MAX_DEPTH = 32             # the deepest part of a model file is ~6 levels
MAX_VALUES = 200_000       # numbers, strings, lists and objects in the whole document
MAX_STRING = 10_000        # characters in one string (paths, names, messages)
MAX_INT_DIGITS = 20        # beyond 2**64 an integer in a model file is a mistake or an attack
_INLINE_LIST = re.compile(r"\[\s+([^\[\]{}\"]*?)\s+\]")


def _reject_constant(name: str):
    raise FileProblem(f"model.json: {name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise FileProblem(f"model.json: the number {text[:30]} is too large")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise FileProblem(f"model.json: the integer {text[:30]}... is too large")
    return int(text)


def _unique_keys(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise FileProblem(f"model.json: the key {key[:80]!r} appears twice in one object")
            seen.add(key)
    return obj


def check_plain(value, where: str = "model.json", depth: int = 0) -> int:
    """Check nesting and string lengths of parsed JSON; returns the number of values (iterative)."""
    count = 0
    stack = [(value, depth, where)]
    while stack:
        node, level, path = stack.pop()
        count += 1
        if level > MAX_DEPTH:
            where = path if len(path) <= 80 else path[:77] + "..."
            raise FileProblem(f"{where} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise FileProblem(f"{path} has a string of {len(node):,} characters (at most {MAX_STRING:,})")
        elif isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    raise FileProblem(f"{path} has a key that is not a string")
                if len(key) > 200:
                    raise FileProblem(f"{path} has a key of {len(key):,} characters")
                stack.append((item, level + 1, f"{path}.{key[:40]}"))
        elif isinstance(node, list):
            stack.extend((item, level + 1, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise FileProblem(f"{path} is {node}, not a finite number")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= 10**MAX_INT_DIGITS:
            raise FileProblem(f"{path} is an integer too large for a model file")
        elif node is not None and not isinstance(node, (bool, int, float)):
            raise FileProblem(f"{path} is a {type(node).__name__}, not plain JSON data")
    if count > MAX_VALUES:
        raise FileProblem(f"model.json holds {count:,} values, more than {MAX_VALUES:,}")
    return count


def parse_json(data: bytes):
    """Parse model.json's bytes under every limit above; any problem raises FileProblem."""
    if len(data) > MAX_JSON_BYTES:
        raise FileProblem(f"model.json is {len(data):,} bytes, more than {MAX_JSON_BYTES:,}")
    # Each value after the first needs a comma or a colon, so this bounds the objects built.
    if data.count(b",") + data.count(b":") > MAX_VALUES:
        raise FileProblem(f"model.json holds more than {MAX_VALUES:,} values")
    with damage_guard("model.json"):
        text = data.decode("utf-8")
        # A RecursionError from very deep nesting arrives long before memory matters.
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                           parse_int=_bounded_int, object_pairs_hook=_unique_keys)
    check_plain(value)
    return value


def dump_json(value) -> bytes:
    """Readable, stable JSON: one key per line, short number lists on one line."""
    # ASCII with \u escapes: any Python string (even a lone surrogate) survives the round trip
    text = json.dumps(value, indent=1, ensure_ascii=True, allow_nan=False)
    # Lists of numbers (history, positions, statistics) one per line would triple the file.
    text = _INLINE_LIST.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    return text.encode("ascii")
