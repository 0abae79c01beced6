"""Regenerate the example models in resources/examples/ (trained with the engine, seeded).

    .venv/bin/python benchmarks/make_examples.py            # writes resources/examples/*.chain
    .venv/bin/python benchmarks/make_examples.py OUT_DIR    # somewhere else (the tests do this)

Each example is trained headless exactly as `python main.py train` would train it, so the
settings saved with it reproduce it. The tutorial's model (Input 10 → Dense 5 σ → Dense 2 →
softmax) learns a small task of its own, kept next to it as tutorial.csv: which half of ten
numbers has the larger sum.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.modelfile import load_model, save_model  # noqa: E402
from gui.core.datarefs import open_reference, reference_for  # noqa: E402
from engine.nn.optimisers import optimiser_from_dict  # noqa: E402
from engine.nn.spec import ChainSpec, LayerSpec  # noqa: E402
from engine.training import Trainer  # noqa: E402

PITCH_X = 200.0  # the canvas's tidy-row spacing (gui/canvas/layout.py)


def dense(units, act="identity"):
    return LayerSpec("dense", units, act)


def act(name):
    return LayerSpec("activation", activation=name)


EXAMPLES = {
    "tutorial": dict(spec=ChainSpec(10, (dense(5, "sigmoid"), dense(2), act("softmax"))),
                     data={"source": "csv", "path": "tutorial.csv", "target": "larger_half"},
                     loss="crossentropy", optimiser={"name": "Adam", "eta": 0.05}, epochs=150),
    "xor": dict(spec=ChainSpec(2, (dense(8, "tanh"), dense(1, "sigmoid"))),
                data={"source": "generator", "name": "xor", "params": {"n": 200, "noise": 0.1, "seed": 0}},
                loss="binarycrossentropy", optimiser={"name": "Adam", "eta": 0.05}, epochs=150),
    "circle": dict(spec=ChainSpec(2, (dense(8, "relu"), dense(1, "sigmoid"))),
                   data={"source": "generator", "name": "circle", "params": {"n": 200, "noise": 0.05, "seed": 0}},
                   loss="binarycrossentropy", optimiser={"name": "Adam", "eta": 0.05}, epochs=150),
    "spiral": dict(spec=ChainSpec(2, (dense(16, "relu"), dense(16, "relu"), dense(3), act("softmax"))),
                   data={"source": "generator", "name": "spiral",
                         "params": {"n": 300, "noise": 0.1, "seed": 0, "classes": 3}},
                   loss="crossentropy", optimiser={"name": "Adam", "eta": 0.02}, epochs=400),
}


def tutorial_csv(path: Path, n=200, seed=0) -> None:
    """Ten numbers in [0, 1) per row; the label says which half (first five, last five) sums larger."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(n, 10)).round(3)
    label = np.where(X[:, :5].sum(axis=1) > X[:, 5:].sum(axis=1), "first", "second")
    lines = [",".join([f"x{i + 1}" for i in range(10)] + ["larger_half"])]
    lines += [",".join([f"{v:.3f}" for v in row] + [c]) for row, c in zip(X, label)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def layout_for(spec: ChainSpec) -> dict:
    """Canvas positions as Document.layout() keeps them: the Chain's blocks, Input first, in a tidy row."""
    return {"positions": [[i * PITCH_X, 0.0] for i in range(len(spec.layers) + 1)]}


def make(name: str, folder: Path, seed: int = 0) -> Path:
    recipe = EXAMPLES[name]
    spec, validation, batch_size = recipe["spec"], 0.2, 32
    dataset, ref = open_reference(recipe["data"], folder)
    model = spec.build(seed=seed)
    optimiser = optimiser_from_dict(recipe["optimiser"])
    # compiled: the same bytes on every run (a hand-over from the tape mid-run would round differently)
    trainer = Trainer(model, recipe["loss"], optimiser, batch_size=batch_size, seed=seed, standardise=True,
                      compiled=True)
    history = trainer.fit(dataset, recipe["epochs"], validation=validation)
    settings = {"loss": recipe["loss"], "optimiser": optimiser.to_dict(), "batch_size": batch_size,
                "epochs": recipe["epochs"], "seed": seed, "validation": validation}
    path = folder / f"{name}.chain"
    # History.to_dict() leaves out the wall-clock seconds, so regenerating gives the same bytes
    save_model(path, model, spec=spec, settings=settings, layout=layout_for(spec), history=history.to_dict(),
               dataset=reference_for(ref, dataset, trainer.standardiser), optimiser_state=trainer.optimiser_state())
    return path


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "resources" / "examples"
    folder.mkdir(parents=True, exist_ok=True)
    tutorial_csv(folder / "tutorial.csv")
    for name in EXAMPLES:
        path = make(name, folder)
        history = load_model(path).history
        print(f"{path.name:16} {path.stat().st_size:6} bytes  final accuracy {history['accuracy'][-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
