"""`chainboard gradcheck MODEL [--data D]`: are the engine's derivatives right for this model?

Prints a row per layer: the worst relative error of ∂L/∂W and ∂L/∂b against central differences
(first order) and of Hessian-vector products against differences of gradients (second order),
and green / amber / red (≤ 1e-7, ≤ 1e-5, worse). Exits 0 when no layer is red, 1 when one is, and
2 when the model or the data cannot be used (one line saying why).

    >>> from engine import ChainSpec, LayerSpec, datasets
    >>> spec = ChainSpec(2, (LayerSpec("dense", 3, "tanh"), LayerSpec("dense", 1)))
    >>> X, Y = model_inputs(spec, datasets.circle(40), None)
    >>> X.shape, Y.shape, round(float(X.mean()), 12) == 0.0
    ((40, 2), (40, 1), True)
"""
from __future__ import annotations

import sys

from engine import DataError, ModelFileError, Standardiser, load_model
from engine.analysis import check_model

from ..fit import loss_for
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROG, Failure, count, one_line, printable
from .model_data import chain_dataset, model_data

HELP = "check a model's gradients (and second derivatives) against central differences"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file (a design is checked at its seed's weights)")
    parser.add_argument("--data", metavar="NAME|CSV", help="a generator, a bundled table or a CSV file; default: "
                        "the model's own data")
    parser.add_argument("--directions", type=count, default=4, metavar="N",
                        help="random directions for the second order (default 4)")
    parser.add_argument("--rows", type=count, default=256, metavar="N", help="at most this many samples (default 256)")


def model_inputs(spec, dataset, normalisation):
    """(X, Y) as the model sees them: inputs standardised by the model's own statistics (or, for a
    design, the data's), targets shaped for its outputs."""
    dataset = chain_dataset(spec, dataset)
    standardiser = Standardiser.from_dict(normalisation) if normalisation else Standardiser.fit(dataset.X)
    return standardiser.transform(dataset.X), dataset.targets(spec.shapes()[-1])


def run(args) -> int:
    try:
        report = _check(args)
    except (ModelFileError, DataError, Failure, ValueError) as error:
        # bad input is 2 here: 1 means a layer's derivatives are wrong
        print(f"{PROG} gradcheck: {one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    print(printable(f"{args.model}: loss {report.loss:.6g} on {report.rows} samples, "
                    f"{report.directions} directions for the second order, step {report.eps:g}"))
    print("\n".join(map(printable, report.table().split("\n"))))
    red = [row.name for row in report.layers if row.status == "red"]
    if red:
        print(f"{PROG} gradcheck: wrong derivatives in {', '.join(map(printable, red))}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _check(args):
    loaded = load_model(args.model)
    if loaded.problems:
        raise Failure(f"{args.model}: its Chain has problems: {' '.join(loaded.problems)}")
    spec = loaded.spec
    if not any(layer.kind == "dense" for layer in spec.layers):
        raise Failure(f"{args.model}: its Chain has no Dense layer, so it has no gradients to check")
    dataset, _ = model_data(args, loaded)
    trained = loaded.model is not None
    model = loaded.model if trained else spec.build(seed=loaded.settings.get("seed", 0))
    X, Y = model_inputs(spec, dataset, loaded.dataset.get("normalisation") if trained else None)
    loss = loaded.settings.get("loss") or loss_for(spec, dataset)
    if args.rows == 0:
        raise Failure("--rows must be at least 1")
    return check_model(model, loss, X, Y, directions=args.directions, max_rows=args.rows)
