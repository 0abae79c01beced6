"""The hostile formula corpus (issue 16): every text in formulas/ (made by make_corpus.py) and the big ones
made here is refused with a FormulaError naming the offending token and its column, at every door a formula
comes in by (engine.formula, a LayerSpec, a Chain spec's dict), in little memory and with no side effect:
nothing imported, no file written, no builtin changed. How long a refusal takes is in
benchmarks/bench_formula.py, not here."""
import builtins
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from engine import ChainSpec, LayerSpec, formula
from engine.nn import FormulaError

HERE = Path(__file__).resolve().parent

FORMULAS = {  # file -> what its message must say
    "attribute.txt": "'.real' at column 4: attributes are not allowed",
    "big-exponent.txt": "'1000' at column 6: an exponent of 1000 is more than 100",
    "caret-power.txt": "'^' at column 3: use ** for powers",
    "comment.txt": "'#' at column 4: comments are not allowed",
    "complex-number.txt": "'1j' at column 5: only numbers",
    "dunder-attribute.txt": "'__class__' at column 3",
    "eval-call.txt": "'eval' at column 1: unknown function",
    "floor-division.txt": "'//' at column 3",
    "fullwidth-x.txt": "at column 1: the character 'ｘ' is not allowed",
    "generator-expression.txt": "'for' at column 7: comprehensions are not allowed",
    "huge-exponent.txt": "'99999999999' at column 6",
    "huge-number.txt": "'1e400' at column 5",
    "import.txt": "'__import__' at column 1",
    "keyword-argument.txt": "'x=1' at column 3: σ takes no named arguments",
    "lambda.txt": "'lambda' at column 2: lambda is not allowed",
    "list-comprehension.txt": "'[' at column 1: lists and indexing are not allowed",
    "no-x.txt": "at column 1: the formula does not use x",
    "nul-character.txt": "at column 2: the character '\\x00' is not allowed",
    "parentheses-40-deep.txt": "'(' at column 66: the formula nests more than 32 parentheses deep",
    "power-tower.txt": "at column 6: this part is inf whatever x is",
    "right-to-left-override.txt": "at column 2: the character '\\u202e' is not allowed",
    "starred-argument.txt": "'*x' at column 5: * arguments are not allowed",
    "string.txt": "at column 5: text is not allowed",
    "subscript.txt": "'[' at column 2: lists and indexing are not allowed",
    "sum-of-241.txt": "at column 1: the formula nests more than 32 operations deep",
    "true.txt": "'True' at column 1",
    "two-statements.txt": "';' at column 2: a formula is one expression",
    "unary-minus-400-deep.txt": "at column 33: the formula nests more than 32 operations deep",
    "unknown-name.txt": "'os' at column 1: unknown name",
    "walrus.txt": "':' at column 4: a formula is one expression",
}

GENERATED = {  # too big to check in: name -> (text, what the message must say)
    "nested-10000-deep": ("(" * 10_000 + "x" + ")" * 10_000, "the formula is 20,001 characters long"),
    "one-megabyte": ("x*" * (1 << 19), "the formula is 1,048,576 characters long; at most 500"),
    "one-megabyte-of-σ": ("σ(" * (1 << 19), "column 501: the formula is 1,048,576 characters long"),
}


def corpus():
    for name in sorted(FORMULAS):
        yield name, (HERE / "formulas" / name).read_text(encoding="utf-8"), FORMULAS[name]
    for name, (text, words) in GENERATED.items():
        yield name, text, words


CASES = list(corpus())


def test_every_formula_file_has_an_expectation():
    assert {p.name for p in (HERE / "formulas").iterdir()} == set(FORMULAS)
    assert len(FORMULAS) >= 25


def side_effects(folder: Path):
    """What a refusal must not change: the modules imported, the folder's files, the builtins."""
    return set(sys.modules), sorted(os.listdir(folder)), dict(vars(builtins))


@pytest.mark.parametrize("name, text, words", CASES, ids=[c[0] for c in CASES])
def test_each_hostile_formula_is_refused_by_name_and_column_without_side_effects(tmp_path, monkeypatch, name, text,
                                                                                  words):
    monkeypatch.chdir(tmp_path)
    before = side_effects(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(FormulaError) as caught:
            formula(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert words in message, message
    assert "\n" not in message and len(message) < 400 and caught.value.column >= 1
    assert peak < 1 << 20, f"peak {peak / 1024:.0f} KB"
    assert side_effects(tmp_path) == before


@pytest.mark.parametrize("name, text, words", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_every_way_in_refuses_the_same_way(name, text, words):
    with pytest.raises(ValueError, match="column"):
        LayerSpec("activation", activation="formula", formula=text)
    with pytest.raises(ValueError, match="layer 1: its formula is refused: .*column"):
        ChainSpec.from_dict({"inputs": 2, "layers": [{"kind": "dense", "units": 1, "activation": "formula",
                                                      "formula": text}]})
