"""`chainboard train MODEL`: train a model headless, with a progress bar, and save it atomically.

The first Ctrl-C stops after the current chunk of work and saves what was learnt; a second one
abandons the run.
"""
from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
from pathlib import Path

import numpy as np

from engine import Adam, Standardiser, Trainer, load_model, save_model
from engine.nn import SCHEDULES, Schedule, optimiser_from_dict
from engine.training import advice

from ..datarefs import reference_for
from ..fit import loss_for
from .common import EXIT_OK, PROG, Failure, count, printable
from .info import describe_training
from .model_data import chain_dataset, model_data

HELP = "train a model headless and save it"


def configure(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .chain model file")
    parser.add_argument("--data", metavar="NAME|CSV", help="a generator (spiral, spiral:n=300,classes=3), a "
                        "bundled table (iris) or a CSV file whose last column is the target; default: the "
                        "model's own data")
    parser.add_argument("--epochs", type=count, metavar="N", help="epochs to train (default: the model's setting)")
    parser.add_argument("--l1", type=_penalty, metavar="X", help="L1 penalty: adds X·sign(w) to every gradient")
    parser.add_argument("--l2", type=_penalty, metavar="X", help="L2 penalty (weight decay): adds X·w to every gradient")
    parser.add_argument("--schedule", metavar="KIND[:N]", type=_schedule,
                        help=f"the learning rate's schedule, one of {', '.join(SCHEDULES)}; N epochs set its pace "
                             "(step: halves every N, exponential: halves over each N, cosine: to 0 in N; default 100)")
    parser.add_argument("--out", metavar="PATH", help="where to save (default: over MODEL, atomically)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _penalty(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"a penalty is a number >= 0, got {text!r}")
    return value


def _schedule(text: str) -> Schedule:
    kind, _, pace = text.partition(":")
    try:
        return Schedule(kind.strip(), int(pace) if pace else 100)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error} (e.g. cosine:200)") from None


def with_options(optimiser, args):
    """The model's optimiser with the penalties and schedule given on the command line."""
    fields = optimiser.to_dict()
    if args.l1 is not None:
        fields["l1"] = args.l1
    if args.l2 is not None:
        fields["weight_decay"] = args.l2
    if args.schedule is not None:
        fields["schedule"] = args.schedule.to_dict()
    return optimiser_from_dict(fields)


class ProgressBar:
    """`epoch 12/100 [#####-----] loss 0.1234`: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, epochs: int, stream=None, quiet=False):
        self.epochs, self.stream, self.quiet = epochs, stream or sys.stderr, quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.printed_tenth = -1
        self.drawn = False  # a progress line is on the terminal, to be redrawn in place
        self.path = None

    def __call__(self, progress):
        if self.quiet or self.epochs == 0:
            return
        done = progress.epochs_done / self.epochs
        width = 24
        bar = "#" * int(done * width) + "-" * (width - int(done * width))
        text = f"epoch {progress.epochs_done}/{self.epochs} [{bar}] loss {progress.train_loss:.4g}"
        if math.isfinite(progress.val_loss):
            text += f" val {progress.val_loss:.4g}"
        if math.isfinite(progress.accuracy):
            text += f" accuracy {100 * progress.accuracy:.1f}%"
        if progress.path != self.path:  # say once which path runs, and why the tape does on a fresh machine
            self.path = progress.path
            why = f": {progress.reason}" if progress.reason and progress.path == "eager" else ""
            self.stream.write(("\n" if self.tty and self.drawn else "") +  # off the line drawn in place
                              f"training on the {'compiled kernels' if self.path == 'compiled' else 'eager tape'}"
                              f"{why}\n")
        if self.tty:
            self.stream.write("\r" + text.ljust(90) + ("\n" if progress.final else ""))
            self.drawn = not progress.final
        elif int(done * 10) > self.printed_tenth or progress.final:
            self.printed_tenth = int(done * 10)
            self.stream.write(text + "\n")
        self.stream.flush()


def merge_history(old: dict, new) -> dict:
    """The saved history followed by this run's, epochs numbered on from where the old one ended."""
    start = old.get("epochs_done", len(old.get("train_loss", [])))
    clean = new.to_dict()  # nan -> None, as JSON wants
    merged = {key: list(old.get(key, [])) + clean[key] for key in ("train_loss", "val_loss", "accuracy")}
    old_epochs = old.get("epoch") or list(range(1, len(old.get("train_loss", [])) + 1))
    merged["epoch"] = list(old_epochs) + list(range(start + 1, start + new.epochs_done + 1))
    merged.update(path=new.path, diverged=new.diverged, stopped=new.stopped, message=new.message,
                  epochs_done=start + new.epochs_done, steps=old.get("steps", 0) + new.steps,
                  seconds=old.get("seconds", 0.0) + new.seconds)
    return merged


def run(args) -> int:
    loaded = load_model(args.model)
    if loaded.problems:  # before any data is read: the canvas would refuse to train this too
        raise Failure(f"{args.model}: its Chain has problems, so it cannot be trained: {' '.join(loaded.problems)}")
    if not any(layer.kind == "dense" for layer in loaded.spec.layers):
        raise Failure(f"{args.model}: its Chain has no Dense layer, so nothing in it can learn; add one")
    settings = dict(loaded.settings)
    dataset, ref = model_data(args, loaded)
    out = Path(args.out or args.model)
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):  # say so now, not after training
        why = f"there is no folder {printable(str(out.parent))}" if not out.parent.is_dir() else "its folder is read-only"
        raise Failure(f"cannot save to {printable(str(out))}: {why}; nothing was trained")
    spec = loaded.spec
    learnt_from = chain_dataset(spec, dataset)  # the derived inputs too, if the model has any
    seed, validation = settings.get("seed", 0), settings.get("validation", 0.2)
    dtype = np.float32 if settings.get("dtype") == "float32" else np.float64
    model = loaded.model if loaded.model is not None else spec.build(seed=seed, dtype=dtype)
    norm = loaded.dataset.get("normalisation")
    # the weights expect the statistics they were trained with; a design gets its training split's (the Trainer's)
    standardise = Standardiser.from_dict(norm) if loaded.model is not None and norm else True
    loss = settings.get("loss") or loss_for(spec, dataset)
    optimiser = with_options(optimiser_from_dict(settings["optimiser"]) if "optimiser" in settings else Adam(0.01), args)
    epochs = args.epochs if args.epochs is not None else settings.get("epochs", 100)
    trainer = Trainer(model, loss, optimiser, batch_size=settings.get("batch_size", 32), seed=seed,
                      standardise=standardise)
    if loaded.model is not None and loaded.optimiser_state and settings.get("optimiser") == optimiser.to_dict():
        trainer.set_optimiser_state(loaded.optimiser_state)  # continue Adam where it stopped: no jolt
    if loaded.model is not None:  # the schedule goes on from the epochs the model has trained
        trainer.epoch = int(loaded.history.get("epochs_done", len(loaded.history.get("train_loss", []))))
    stop = threading.Event()
    previous = _install_stop_handler(stop)
    try:
        history = trainer.fit(learnt_from, epochs, validation=validation,
                              on_progress=ProgressBar(epochs, quiet=args.quiet), should_stop=stop.is_set)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    # the model's own epochs setting stays: --epochs is this run's, not the model's
    settings = {"epochs": epochs, **settings, "loss": loss, "optimiser": optimiser.to_dict(),
                "batch_size": trainer.batch_size, "seed": seed, "validation": validation}
    save_model(out, model, spec=spec, settings=settings, layout=loaded.layout,
               history=merge_history(loaded.history, history),
               dataset=reference_for(ref, dataset, trainer.standardiser), optimiser_state=trainer.optimiser_state())
    if history.diverged:
        print(f"{PROG}: {printable(history.message)}", file=sys.stderr)
    elif hint := advice(history, optimiser.eta):
        print(f"{PROG}: {hint}", file=sys.stderr)
    # to_dict turns nan into None (nothing to print); the divergence message went to stderr above
    summary = describe_training({**history.to_dict(), "diverged": False})
    print(f"saved {out}: {summary}{' (stopped early)' if history.stopped else ''}")
    return EXIT_OK


def _install_stop_handler(stop: threading.Event):
    """First Ctrl-C asks training to stop (and save); a second one interrupts for real."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(f"\n{PROG}: stopping after this chunk and saving (Ctrl-C again to abandon)", file=sys.stderr)

    return signal.signal(signal.SIGINT, handler)
