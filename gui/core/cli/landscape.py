"""`chainboard landscape MODEL --out PNG`: the model's loss landscape as a picture, for slides and notes.

    chainboard landscape resources/examples/circle.chain --out circle.png
    chainboard landscape MODEL --out x.png --directions "W1[2,3],W2[0,1]" --span 2 --resolution 61

The training loss (the model file's loss, on its training split, standardised as it was trained) over a
plane through the model's weights: two filter-normalised random directions (`--directions random`, seeded
by `--seed`) or two weights; colour is log₁₀ of the loss, with contour lines, arrows downhill and a cross at
the current weights (gui/core/landscape_picture.py). The PNG is written by a small zlib writer (png.py),
not Qt: the command line runs where there is no display and never imports Qt.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine import Standardiser, load_model
from engine.analysis import landscape, parse_directions, random_plane, weight_plane
from engine.training import split

from ..fit import loss_for
from ..landscape_picture import render
from .common import EXIT_OK, EXIT_USAGE, PROG, Failure, printable
from .model_data import chain_dataset, model_data
from .png import write_png

HELP = "draw a model's loss landscape around its weights into a PNG file"


def _directions(text: str):
    """An argparse type: "random", or two weights for `engine.analysis.parse_directions`.

    >>> _directions("random"), [str(ref) for ref in _directions("W1[2,3],b2[0]")]
    ('random', ['W1[2,3]', 'b2[0]'])
    """
    if text.strip().lower() == "random":
        return "random"
    try:
        return parse_directions(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _number(low, high, kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {'whole ' if kind is int else ''}number, got {text!r}") \
                from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low} to {high}, got {text}")
        return value
    return parse


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file")
    parser.add_argument("--out", metavar="PNG", required=True, help="the picture to write")
    parser.add_argument("--data", metavar="NAME|CSV", help="a generator, a bundled table or a CSV file "
                        "(default: the model's own data)")
    parser.add_argument("--directions", type=_directions, default="random", metavar="random|W1[2,3],W2[0,1]",
                        help="two filter-normalised random directions (default), or two weights: W<layer>[row,col] "
                             "or b<layer>[row], layers counted from 1, rows and columns from 0")
    parser.add_argument("--span", type=_number(1e-6, 1e6, float), default=1.0,
                        help="how far each way the plane reaches (default 1)")
    parser.add_argument("--resolution", type=_number(2, 401, int), default=41, help="points a side (default 41)")
    parser.add_argument("--arrows", type=_number(0, 101, int), default=11, help="arrows a side, 0 for none (11)")
    parser.add_argument("--seed", type=_number(0, 2**32 - 1, int), default=0, help="the random directions' seed")
    parser.add_argument("--size", type=_number(64, 4096, int), default=600, help="the picture's side in pixels")


def run(args) -> int:
    loaded = load_model(args.model)
    if loaded.spec is None or loaded.problems:
        raise Failure(f"{args.model}: its Chain has problems: {' '.join(loaded.problems)}")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise Failure(f"cannot write {printable(str(out))}: there is no folder {printable(str(out.parent))}")
    settings = loaded.settings or {}
    dataset, _ = model_data(args, loaded)
    spec = loaded.spec
    dataset = chain_dataset(spec, dataset)
    model = loaded.model if loaded.model is not None else spec.build(seed=settings.get("seed", 0))
    norm = (loaded.dataset or {}).get("normalisation")
    scaler = Standardiser.from_dict(norm) if loaded.model is not None and norm else True
    train = split(dataset, settings.get("validation", 0.2), settings.get("seed", 0), scaler).train
    width = spec.shapes()[-1]  # the Chain's outputs: the targets take that shape
    loss = settings.get("loss") or loss_for(spec, dataset)
    try:
        plane = random_plane(model, seed=args.seed) if args.directions == "random" else \
            weight_plane(model, args.directions)
    except ValueError as error:  # a weight the Chain does not have: the argument is wrong, not the file
        print(f"{PROG} landscape: error: --directions: {error}", file=sys.stderr)
        return EXIT_USAGE
    view = landscape(model, loss, train.X, train.targets(width), plane, args.span, args.resolution, args.arrows)
    write_png(out, render(view, size=args.size))
    print(f"{printable(str(out))}: {loss} over {view.labels[0]} × {view.labels[1]}, ±{args.span:g}, "
          f"{args.resolution}×{args.resolution}; at the weights {view.centre_loss:.4g}, "
          f"lowest {float(view.loss.min()):.4g}")
    return EXIT_OK
