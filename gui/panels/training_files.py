"""What the training dock puts into a model file, and takes back out of one.

The file commands (gui/files.py) call the window's `training_snapshot()` when saving and
`restore_training(loaded)` after opening; the main window hands both to these functions.

>>> snapshot(panel)["settings"]["optimiser"]["name"]        # doctest: +SKIP
'Adam'
>>> restore(panel, load_model("resources/examples/spiral.chain"))   # weights, settings, data, history  # doctest: +SKIP
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine import DataError, Standardiser, datasets, params

from .training_data import data_reference, table_from_reference
from .training_dataset import dataset_widgets
from .training_settings import make_optimiser, optimiser_chosen


def _settings(panel) -> dict:
    return {"loss": panel.loss_box.currentText(), "optimiser": make_optimiser(panel).to_dict(),
            "batch_size": panel.batch_box.value(), "epochs": panel.epochs_box.value(),
            "seed": panel.init_seed_box.value(), "validation": panel.validation_box.value() / 100}


def _history(record) -> dict:
    epochs, train = record.loss.arrays()
    out = {"epoch": [int(e) for e in epochs], "train_loss": [float(v) for v in train], "epochs_done": record.epochs}
    for key, series in (("val_loss", record.val_loss), ("accuracy", record.accuracy)):
        if len(series) == len(record.loss):  # kept in step with the training loss
            out[key] = [float(v) for v in series.ys]
    return out


def snapshot(panel) -> dict:
    """save_model keyword arguments: settings always, the data when the Chain takes it, and the trained
    model, its data statistics and history once trained."""
    out = {"settings": _settings(panel)}
    result = panel.doc.analysis()
    fits = result.valid and result.spec.inputs == panel.dataset.n_features
    trained = fits and panel.model is not None and panel.epochs_done > 0 and result.spec == panel.model_spec
    if fits:
        out["dataset"] = data_reference(panel, with_statistics=trained)
    if not trained:
        return out
    # copies, never the live model: an autosave may come while the worker is writing its weights
    weights = panel._weights() if panel.state == "idle" else panel.record.weights
    model = panel.model_spec.build(panel.init_seed_box.value())
    for p, w in zip(params(model), weights):
        np.copyto(p.value, w)
    out.update(model=model, history=_history(panel.record))
    return out


def restore(panel, loaded) -> None:
    """Put a loaded model's settings, data, weights and history into the panel (after the canvas was rebuilt)."""
    s = loaded.settings or {}
    boxes = [panel.loss_box, panel.optimiser_box, panel.lr_box, panel.beta1_box, panel.beta2_box, panel.batch_box,
             panel.epochs_box, panel.init_seed_box, panel.validation_box, panel.dataset_box, panel.samples_box,
             panel.noise_box, panel.data_seed_box, panel.classes_box]
    for box in boxes:
        box.blockSignals(True)
    try:
        if s.get("loss") in [panel.loss_box.itemText(i) for i in range(panel.loss_box.count())]:
            panel.loss_box.setCurrentText(s["loss"])
        opt = s.get("optimiser") or {}
        if opt.get("name"):
            panel.optimiser_box.setCurrentText(opt["name"])
            panel.lr_box.setValue(float(opt.get("eta", panel.lr_box.value())))
            beta = opt.get("beta") or (panel.beta1_box.value(), panel.beta2_box.value())
            panel.beta1_box.setValue(float(beta[0]))
            panel.beta2_box.setValue(float(beta[1]))
        for box, key, scale in ((panel.batch_box, "batch_size", 1), (panel.epochs_box, "epochs", 1),
                                (panel.init_seed_box, "seed", 1), (panel.validation_box, "validation", 100)):
            if isinstance(s.get(key), (int, float)):
                box.setValue(type(box.value())(round(s[key] * scale)))
        ref = loaded.dataset or {}
        known = ref.get("source") == "generator" and ref.get("name") in datasets.GENERATORS
        table = None if known else table_from_reference(panel, ref, Path(loaded.path).parent if loaded.path else None)
        if table is not None:  # a bundled table or the CSV file the model learnt from
            panel.dataset_box.setCurrentText(table)
            known = True
        elif known:
            knobs = ref.get("params") or {}
            panel.dataset_box.setCurrentText(ref["name"])
            for box, key in ((panel.samples_box, "n"), (panel.noise_box, "noise"), (panel.data_seed_box, "seed"),
                             (panel.classes_box, "classes")):
                if isinstance(knobs.get(key), (int, float)):
                    box.setValue(type(box.value())(knobs[key]))
    finally:
        for box in boxes:
            box.blockSignals(False)
    optimiser_chosen(panel, panel.optimiser_box.currentText())
    dataset_widgets(panel)
    panel._regenerate(apply=False)
    if ref.get("source") and not known:
        panel._say(f"This model learnt from {ref.get('name') or ref.get('path') or 'other data'}; the Training "
                   "dock offers the built-in generators, so its data is shown instead.")
    result = panel.doc.analysis()
    if result.valid and result.spec != panel.model_spec:
        panel._new_model(result.spec)
    if loaded.model is None or not result.valid:
        return
    for p, q in zip(params(panel.model), params(loaded.model)):
        np.copyto(p.value, q.value)
    norm = ref.get("normalisation")
    if norm and known:
        try:  # the weights expect these statistics
            panel.standardiser, panel.standardiser_fixed = Standardiser.from_dict(norm), True
        except DataError:
            pass
    panel.trainer = None
    _restore_history(panel.record, loaded.history or {})
    panel.epochs_done = panel.record.epochs
    panel.record.set_weights(panel._weights())
    panel._split()
    panel._say(f"Loaded trained weights ({panel.epochs_done} epochs): Train continues from them.")


def _restore_history(record, history: dict) -> None:
    train = history.get("train_loss") or []
    epochs = history.get("epoch") or list(range(1, len(train) + 1))
    for key, series in (("train_loss", record.loss), ("val_loss", record.val_loss), ("accuracy", record.accuracy)):
        for epoch, value in zip(epochs, history.get(key) or []):
            if isinstance(value, (int, float)) and math.isfinite(value) and epoch is not None:
                series.append(epoch, value)
    done = history.get("epochs_done")
    record.epochs = int(done) if isinstance(done, int) else int(epochs[-1]) if epochs and epochs[-1] else 0
    record.version += 1
