"""`chainboard predict MODEL INPUT.csv`: the model's predictions for the rows of a CSV file, as CSV.

Classifiers print the predicted class and every class's probability; regressors the outputs.
"""
from __future__ import annotations

import numpy as np

from engine import Standardiser, data, load_model, no_grad
from engine.datasets import read_inputs

from ..outputs import final_activation, probabilities
from .common import EXIT_OK, Failure

HELP = "print a model's predictions for the rows of a CSV file"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file with trained weights")
    parser.add_argument("inputs", metavar="INPUT.csv", help="a CSV file with a header row")


def run(args) -> int:
    loaded = load_model(args.model)
    if loaded.model is None:
        raise Failure(f"{args.model} holds a design without trained weights; train it first")
    ref = loaded.dataset
    X = read_inputs(args.inputs, loaded.spec.inputs, ref.get("features"))
    if ref.get("normalisation"):
        X = Standardiser.from_dict(ref["normalisation"]).transform(X)
    with no_grad():
        Y = np.asarray(data(loaded.model(X.astype(loaded.model.parameters()[0].value.dtype))), dtype=np.float64)
    last = final_activation(loaded.spec)
    classify = ref.get("task") == "classification" or (not ref.get("task") and last in ("softmax", "logsoftmax",
                                                                                         "sigmoid"))
    lines = []
    if classify:
        P = probabilities(Y, last)  # logits and log-probabilities too: probabilities for people
        names = list(ref.get("class_names") or [str(k) for k in range(P.shape[1])])
        names += [str(k) for k in range(len(names), P.shape[1])]
        lines.append(",".join(["prediction"] + [f"p({n})" for n in names[:P.shape[1]]]))
        for row in P:
            lines.append(",".join([names[int(row.argmax())]] + [f"{p:.6g}" for p in row]))
    else:
        target = ref.get("target") if Y.shape[1] == 1 and isinstance(ref.get("target"), str) else None
        lines.append(",".join([target] if target else [f"output{k + 1}" for k in range(Y.shape[1])]))
        lines.extend(",".join(f"{v:.6g}" for v in row) for row in Y)
    print("\n".join(lines))
    return EXIT_OK
