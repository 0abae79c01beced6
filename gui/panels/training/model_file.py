"""What the training dock puts into a model file, and takes back out of one.

>>> file_contents(dock)["settings"]["optimiser"]["name"]                    # doctest: +SKIP
'Adam'
>>> restore(dock, load_model("resources/examples/spiral.chain"))            # weights, settings, data, history  # doctest: +SKIP

gui/files.py calls these through the dock (TrainingDock.file_contents / restore_file).
"""
from __future__ import annotations

from pathlib import Path


def file_contents(dock) -> dict:
    """save_model keyword arguments for the session: settings, data, and the trained model once trained."""
    result = dock.doc.analysis()
    return dock.session.file_contents(result.spec if result.valid else None)


def restore(dock, loaded) -> None:
    """Put a loaded model's settings, data, weights and history into the dock (after the canvas was rebuilt)."""
    session, box = dock.session, dock.data_box
    folder = Path(loaded.path).parent if loaded.path else None
    entry, knobs, problem = box.entries.from_reference(loaded.dataset or {}, folder)
    box.sync_entries()
    settings = session.settings.from_model_file(loaded.settings or {})
    dock.settings_box.show_settings(settings)
    if entry is not None:
        box.select(entry, knobs, validation=settings.validation)
    else:
        box.select(box.name(), validation=settings.validation)
    session.restore(loaded, box.choice() if entry is not None else None)
    if problem:
        dock.message.emit(problem)
        dock.controls.say(problem)
    elif loaded.model is not None and session.trained():
        text = f"Loaded trained weights ({session.epochs_done} epochs): Train continues from them."
        dock.controls.say(text)
        dock.message.emit(text)
