"""`chainboard predict MODEL INPUT.csv`: the model's predictions for the rows of a CSV file, as CSV.

Classifiers print the predicted class and every class's probability; regressors the outputs.
Names from the model file are written as cells a spreadsheet shows as text (`spreadsheet_cell`),
quoted as CSV needs.
"""
from __future__ import annotations

import csv
import re
import sys

import numpy as np

from engine import Standardiser, data, load_model, no_grad
from engine.datasets import read_inputs
from engine.nn import add_features

from ..outputs import final_activation, probabilities
from .common import EXIT_OK, Failure, printable

HELP = "print a model's predictions for the rows of a CSV file"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file with trained weights")
    parser.add_argument("inputs", metavar="INPUT.csv", help="a CSV file with a header row")


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
FORMULA_START = ("=", "+", "-", "@")


def spreadsheet_cell(text) -> str:
    """A name as a CSV cell that a spreadsheet shows, never runs: a leading =, +, - or @ (unless
    the cell is a plain number, like the class "-1") gets a ' before it; controls are escaped.

    >>> spreadsheet_cell('=HYPERLINK("http://x","y")'), spreadsheet_cell("-1"), spreadsheet_cell("cat")
    ('\\'=HYPERLINK("http://x","y")', '-1', 'cat')
    """
    text = printable(text)
    if text.startswith(FORMULA_START) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def run(args) -> int:
    loaded = load_model(args.model)
    if loaded.model is None:
        problems = f" (and its Chain has problems: {' '.join(loaded.problems)})" if loaded.problems else ""
        raise Failure(f"{args.model} holds a design without trained weights; train it first{problems}")
    ref = loaded.dataset
    spec = loaded.spec
    names = ref.get("features")
    X = read_inputs(args.inputs, spec.data_inputs, names[:spec.data_inputs] if names else names)
    X = add_features(X, spec.features)  # the model's derived inputs, from the raw columns
    if ref.get("normalisation"):
        X = Standardiser.from_dict(ref["normalisation"]).transform(X)
    with no_grad():
        Y = np.asarray(data(loaded.model(X.astype(loaded.model.parameters()[0].value.dtype))), dtype=np.float64)
    last = final_activation(loaded.spec)
    classify = ref.get("task") == "classification" or (not ref.get("task") and last in ("softmax", "logsoftmax",
                                                                                         "sigmoid"))
    rows = []
    if classify:
        P = probabilities(Y, last)  # logits and log-probabilities too: probabilities for people
        names = [spreadsheet_cell(n) for n in ref.get("class_names") or []][:P.shape[1]]
        names += [str(k) for k in range(len(names), P.shape[1])]
        rows.append(["prediction"] + [f"p({n})" for n in names])
        rows.extend([names[int(row.argmax())]] + [f"{p:.6g}" for p in row] for row in P)
    else:
        target = ref.get("target") if Y.shape[1] == 1 and isinstance(ref.get("target"), str) else None
        rows.append([spreadsheet_cell(target)] if target else [f"output{k + 1}" for k in range(Y.shape[1])])
        rows.extend([f"{v:.6g}" for v in row] for row in Y)
    csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
    return EXIT_OK
