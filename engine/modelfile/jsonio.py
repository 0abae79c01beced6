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
_INT_LIMIT = 10**MAX_INT_DIGITS
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
    """Check nesting and string lengths of parsed JSON; returns the number of values.

    Iterative, with one iterator per level open: memory grows with the depth, not the size,
    and the path of a value ("layout.nodes[3].x") is written out only for the one at fault.

        >>> check_plain({"a": [1, "two", None]})
        5
        >>> check_plain({"a": [1, {"b": float("nan")}]})
        Traceback (most recent call last):
        ...
        engine.modelfile.archive.FileProblem: model.json.a[1].b is nan, not a finite number
    """
    count = 0
    keys: list = []                 # the keys and indices leading to the value being checked
    levels = [iter(((None, value),))]
    while levels:
        step = next(levels[-1], None)
        if step is None:
            levels.pop()
            if keys:
                keys.pop()
            continue
        key, node = step
        if len(levels) > 1:
            keys[-1] = key
        count += 1
        kind = type(node)  # exact types first: json.loads builds nothing else, and this is the hot loop
        if kind is int:
            if -_INT_LIMIT < node < _INT_LIMIT:
                continue
        elif kind is float:
            if node - node == 0.0:  # finite (inf - inf and nan - nan are nan)
                continue
        elif kind is bool or node is None or kind is str and len(node) <= MAX_STRING:
            continue
        if isinstance(node, (dict, list)) and node and depth + len(levels) > MAX_DEPTH:
            text = _path(where, keys)  # its items would lie deeper than MAX_DEPTH
            raise FileProblem(f"{text if len(text) <= 80 else text[:77] + '...'} is nested more than "
                              f"{MAX_DEPTH} levels deep")
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise FileProblem(f"{_path(where, keys)} has a string of {len(node):,} characters "
                                  f"(at most {MAX_STRING:,})")
        elif isinstance(node, dict):
            for item in node:
                if not isinstance(item, str):
                    raise FileProblem(f"{_path(where, keys)} has a key that is not a string")
                if len(item) > 200:
                    raise FileProblem(f"{_path(where, keys)} has a key of {len(item):,} characters")
            levels.append(iter(node.items()))
            keys.append(None)
        elif isinstance(node, list):
            levels.append(enumerate(node))
            keys.append(None)
        elif isinstance(node, float) and not math.isfinite(node):
            raise FileProblem(f"{_path(where, keys)} is {node}, not a finite number")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= _INT_LIMIT:
            raise FileProblem(f"{_path(where, keys)} is an integer too large for a model file")
        elif node is not None and not isinstance(node, (bool, int, float)):
            raise FileProblem(f"{_path(where, keys)} is a {type(node).__name__}, not plain JSON data")
    if count > MAX_VALUES:
        raise FileProblem(f"model.json holds {count:,} values, more than {MAX_VALUES:,}")
    return count


def _path(where: str, keys: list) -> str:
    """`where` followed by `.key` and `[index]` steps, each key cut to 40 characters."""
    return where + "".join(f"[{k}]" if isinstance(k, int) else f".{k[:40]}" for k in keys)


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
