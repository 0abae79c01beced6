"""Chainboard's command line: train, inspect and use model files without a window.

    python main.py train MODEL [--data NAME|CSV] [--epochs N] [--out PATH]
    python main.py info MODEL
    python main.py predict MODEL INPUT.csv
    python -m gui.cli info resources/examples/xor.chain        (the same, without main.py)

Bad arguments and bad files print one line on stderr and exit non-zero (2 for usage, 1 for
files and data, 130 when interrupted before anything was saved); never a traceback. The first
Ctrl-C during `train` stops after the current chunk of work and saves what was learnt.

No Qt here, nor anywhere this imports: it runs on machines without a display.
"""
from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from pathlib import Path

from .outputs import final_activation, probabilities

COMMANDS = ("train", "info", "predict")
PROG = "chainboard"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BUG = 0, 1, 2, 130, 70


class UsageError(Exception):
    """Bad command-line arguments (argparse's complaints land here instead of exiting)."""


class Failure(Exception):
    """A problem the person can fix, reported as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog.split(' ', 1)[-1]}: {message}" if " " in self.prog else message)


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 10**7:
        raise argparse.ArgumentTypeError(f"expected 0 to 10000000, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Train, inspect and use Chainboard model files.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    train = commands.add_parser("train", help="train a model headless and save it")
    train.add_argument("model", metavar="MODEL", help="a .chain model file")
    train.add_argument("--data", metavar="NAME|CSV", help="a generator (spiral, spiral:n=300,classes=3), a "
                       "bundled table (iris) or a CSV file whose last column is the target; default: the "
                       "model's own data")
    train.add_argument("--epochs", type=_positive, metavar="N", help="epochs to train (default: the model's setting)")
    train.add_argument("--out", metavar="PATH", help="where to save (default: over MODEL, atomically)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    info = commands.add_parser("info", help="show a model's Chain, shapes, parameters and training")
    info.add_argument("model", metavar="MODEL")
    predict = commands.add_parser("predict", help="print a model's predictions for the rows of a CSV file")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("inputs", metavar="INPUT.csv", help="a CSV file with a header row")
    return parser


# ---- info ----

def _last_value(history: dict, key: str):
    values = [v for v in history.get(key, []) if v is not None]
    return values[-1] if values else None


def describe_data(ref: dict) -> str:
    source, name = ref.get("source", ""), ref.get("name") or Path(ref.get("path", "")).name or "?"
    if source == "generator":
        params = ", ".join(f"{k}={v}" for k, v in ref.get("params", {}).items())
        text = f"{name} (generated{': ' + params if params else ''})"
    elif source == "csv":
        text = f"{ref.get('path')} (CSV, target {ref.get('target', 'last column')!r})"
    else:
        text = f"{name} ({source or 'unknown source'})"
    if ref.get("normalisation"):
        text += ", inputs standardised"
    return text


def describe_training(history: dict) -> str:
    epochs = history.get("epochs_done", len(history.get("train_loss", [])))
    parts = [f"{epochs} epochs" + (f" ({history['path']} path)" if history.get("path") else "")]
    for key, label in (("train_loss", "train loss"), ("val_loss", "validation loss")):
        value = _last_value(history, key)
        if value is not None:
            parts.append(f"{label} {value:.4g}")
    accuracy = _last_value(history, "accuracy")
    if accuracy is not None:
        parts.append(f"accuracy {100 * accuracy:.1f}%")
    text = ", ".join(parts)
    if history.get("diverged") and history.get("message"):
        text += f"\n  {history['message']}"
    return text


def cmd_info(args) -> int:
    from engine import load_model

    loaded = load_model(args.model)
    spec, out = loaded.spec, []
    writer = loaded.writer.get("version", "?")
    out.append(f"{args.model}: Chainboard model (format {loaded.version}, written by Chainboard {writer})")
    out.append(repr(loaded.model) if loaded.model is not None else "(a design without trained weights)")
    out.append(f"  {'layer':<6}{'block':<24}{'output':>8}{'parameters':>12}")
    out.append(f"  {'input':<6}{'':<24}{spec.inputs:>8}{'':>12}")
    size = spec.inputs
    for i, (layer, width) in enumerate(zip(spec.layers, spec.shapes())):
        block = (f"Dense({size} => {width}" + ("" if layer.activation == "identity" else
                                               f", {layer.SYMBOLS[layer.activation]}") + ")"
                 if layer.kind == "dense" else layer.label())
        out.append(f"  {i + 1:<6}{block:<24}{width:>8}{layer.param_count(size) or '':>12}")
        size = width
    dtype = loaded.model.parameters()[0].value.dtype if loaded.model is not None and loaded.model.parameters() else None
    out.append(f"parameters: {spec.param_count():,}" + (f" ({dtype})" if dtype is not None else ""))
    if loaded.dataset:
        out.append(f"data: {describe_data(loaded.dataset)}")
    s = loaded.settings
    if s:
        items = [f"loss {s['loss']}" if "loss" in s else "",
                 _optimiser_text(s["optimiser"]) if "optimiser" in s else "",
                 f"batch size {s['batch_size']}" if "batch_size" in s else "",
                 f"{s['epochs']} epochs" if "epochs" in s else "", f"seed {s['seed']}" if "seed" in s else ""]
        out.append("settings: " + ", ".join(filter(None, items)))
    out.append("training: " + (describe_training(loaded.history) if loaded.history.get("train_loss")
                               else "not trained yet"))
    print("\n".join(out))
    return EXIT_OK


def _optimiser_text(d: dict) -> str:
    rest = ", ".join(f"{k}={v}" for k, v in d.items() if k != "name")
    return f"{d.get('name')}({rest})"


# ---- predict ----

def cmd_predict(args) -> int:
    import numpy as np
    from engine import Standardiser, data, load_model, no_grad, read_inputs

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


# ---- train ----

class ProgressBar:
    """`epoch 12/100 [#####-----] loss 0.1234`: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, epochs: int, stream=None, quiet=False):
        self.epochs, self.stream, self.quiet = epochs, stream or sys.stderr, quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.printed_tenth = -1

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
        if self.tty:
            self.stream.write("\r" + text.ljust(90) + ("\n" if progress.final else ""))
        elif int(done * 10) > self.printed_tenth or progress.final:
            self.printed_tenth = int(done * 10)
            self.stream.write(text + "\n")
        self.stream.flush()


def default_loss(spec, dataset) -> str:
    last = final_activation(spec)
    if dataset.task == "regression":
        return "mse"
    if last == "softmax":
        return "crossentropy"
    if last == "sigmoid" and spec.shapes()[-1] == 1:
        return "binarycrossentropy"
    return "logitcrossentropy" if spec.shapes()[-1] > 1 else "mse"


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


def cmd_train(args) -> int:
    import numpy as np
    from engine import (Adam, Standardiser, Trainer, data_from_argument, load_model, open_reference,
                        optimiser_from_dict, reference_for, save_model)

    loaded = load_model(args.model)
    settings = dict(loaded.settings)
    if args.data:
        dataset, ref = data_from_argument(args.data)
    elif loaded.dataset.get("source"):
        dataset, ref = open_reference(loaded.dataset, Path(args.model).parent)
    else:
        raise Failure(f"{args.model} does not say which data it learns from; pass --data NAME|CSV")
    spec = loaded.spec
    if dataset.n_features != spec.inputs:
        raise Failure(f"the model takes {spec.inputs} inputs but the data has {dataset.n_features} features")
    seed, validation = settings.get("seed", 0), settings.get("validation", 0.2)
    dtype = np.float32 if settings.get("dtype") == "float32" else np.float64
    model = loaded.model if loaded.model is not None else spec.build(seed=seed, dtype=dtype)
    norm = loaded.dataset.get("normalisation")
    if loaded.model is not None and norm:
        standardiser = Standardiser.from_dict(norm)  # the weights expect these statistics
    else:  # fitted on the training part only, split exactly as the trainer will split
        part = dataset.split(validation, seed=seed)[0]  # with no validation: all of it
        standardiser = Standardiser.fit(part.X)
    loss = settings.get("loss") or default_loss(spec, dataset)
    optimiser = optimiser_from_dict(settings["optimiser"]) if "optimiser" in settings else Adam(0.01)
    epochs = args.epochs if args.epochs is not None else settings.get("epochs", 100)
    trainer = Trainer(model, loss, optimiser, batch_size=settings.get("batch_size", 32), seed=seed)
    stop = threading.Event()
    previous = _install_stop_handler(stop)
    try:
        history = trainer.fit(standardiser.apply(dataset), epochs, validation=validation,
                              on_progress=ProgressBar(epochs, quiet=args.quiet), should_stop=stop.is_set)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    settings.update(loss=loss, optimiser=optimiser.to_dict(), batch_size=trainer.batch_size, epochs=epochs,
                    seed=seed, validation=validation)
    out = args.out or args.model
    save_model(out, model, spec=spec, settings=settings, layout=loaded.layout,
               history=merge_history(loaded.history, history), dataset=reference_for(ref, dataset, standardiser))
    if history.diverged:
        print(f"{PROG}: {history.message}", file=sys.stderr)
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


# ---- entry ----

def _one_line(error) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None) -> int:
    """Run a command; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"{PROG}: error: {_one_line(error)} (see {PROG} --help)", file=sys.stderr)
        return EXIT_USAGE
    from engine import DataError, ModelFileError

    run = {"train": cmd_train, "info": cmd_info, "predict": cmd_predict}[args.command]
    try:
        return run(args)
    except (ModelFileError, DataError, Failure) as error:
        print(f"{PROG} {args.command}: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except (ValueError, TypeError) as error:  # the engine refusing a combination (loss vs outputs, ...)
        print(f"{PROG} {args.command}: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `predict ... | head`: the reader left, which is fine
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - a bug of ours, still one line rather than a traceback
        print(f"{PROG} {args.command}: internal error ({type(error).__name__}: {_one_line(error)}); "
              f"please report it", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
