"""File commands for a MainWindow: New, Open…, Open Recent, Save, Save As…, Revert, Help ▸ Examples,
opening a dropped `.chain` file, the modified mark in the title, Save/Discard/Cancel before work is
lost, and recovery copies (autosaves in the per-user data folder, offered again after a crash).

>>> files = DocumentFiles(window)             # MainWindow makes one; it adds itself to window.menus  # doctest: +SKIP
>>> files.open_path("resources/examples/xor.chain")                                                   # doctest: +SKIP
>>> files.save_to("/tmp/mine.chain")          # True, or False after showing why not                 # doctest: +SKIP

Dirty tracking is the undo stack's clean state: a save marks it clean, a load resets it. A load
rebuilds the document in place (one reset, no undo history), so the scene, properties and training
panel keep following the same Document. Questions go through gui/dialogs.py, so tests replace them.

What training learnt comes from the `training` object given (the training dock), which has:

    state, state_changed(str)      "idle" when no run is going
    progressed()                   a run's weights changed (worth a recovery copy)
    weights_moved()                weights were put in by hand while idle (unsaved work, as a run's are)
    stop(), document_replaced()    the latter after New or Open: forget the last document's training
    file_contents() -> dict        save_model keyword arguments: {"model": trained Chain, "settings": {...},
                                   "history": dict, "dataset": reference_for(...)}; every key optional
    restore_file(loaded)           after a file is loaded and the canvas rebuilt: weights, settings, data
Without one (training=None), saving keeps the design alone (ChainSpec and canvas layout).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu
from shiboken6 import isValid

from engine import ModelFileError, load_model, save_model
from engine.modelfile import MODEL_SUFFIX, sweep_stray_temporaries

from . import dialogs, recent
from .canvas.document import EMPTY_SPEC, Document
from .core.recovery import RecoverySlot, find_recoveries
from .core.resources import examples

AUTOSAVE_SECONDS = 3.0  # after a change, at most this long until the recovery copy has it
AUTOSAVE_ENV = "CHAINBOARD_AUTOSAVE_SECONDS"  # overrides the setting (tests, slow disks)
AUTOSAVE_SPACING = 20   # a copy waits at least this many times as long as the last one took to write


def autosave_seconds(settings=None) -> float:
    """The delay from a change to its recovery copy: $CHAINBOARD_AUTOSAVE_SECONDS, else the setting
    `autosave/seconds` (QSettings), else AUTOSAVE_SECONDS."""
    for raw in (os.environ.get(AUTOSAVE_ENV), settings.value("autosave/seconds") if settings is not None else None):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue
        if 0 < value < 24 * 3600:
            return value
    return AUTOSAVE_SECONDS
FILE_FILTER = f"Chainboard models (*{MODEL_SUFFIX});;All files (*)"
RUNNING = ("running", "paused", "stopping")  # training states that end in a finished run


class DocumentFiles(QObject):
    """Owns the window's file: its path, the file actions and menus, closing, drops and autosave."""

    def __init__(self, window, training=None):
        super().__init__(window)
        self.window, self.training = window, training
        self.path: Path | None = None
        self.example: str | None = None  # the example shown, until saved under a name of one's own
        self.recent = recent.RecentFiles(recent.settings_store())
        self.slot: RecoverySlot | None = None  # made at the first autosave
        self.trained_unsaved = False
        self._training_state = "idle"
        self._released = False  # the user let this window close (discarded or saved)
        # a change starts the clock (if it is not running already), so a stream of edits or a training run is
        # saved every few seconds too, and nothing waits long for its copy
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_delay = autosave_seconds(recent.settings_store())
        self.autosave_timer.setInterval(int(self.autosave_delay * 1000))
        self.autosave_timer.timeout.connect(self._autosave_if_modified)
        self._save_cost = 0.0
        window.doc.changed.connect(self.changed)
        window.undo_stack.cleanChanged.connect(self._update_title)
        self._make_actions()
        self._make_menus()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.view.viewport().installEventFilter(self)  # the canvas takes drops of its own: see ours first
        if training is not None:
            training.state_changed.connect(self._training_state_changed)
            training.progressed.connect(self.changed)
            training.weights_moved.connect(self._weights_moved)
        self._update_title()

    # ---- actions and menus -----------------------------------------------------------------------

    def _make_actions(self):
        self.file_actions: dict[str, QAction] = {}
        for name, text, slot, keys, tip in (
                ("new", "&New", self.new, [QKeySequence.New], "Start a new model"),
                ("open", "&Open…", self.open, [QKeySequence.Open], "Open a model file"),
                ("save", "&Save", self.save, [QKeySequence.Save], "Save the model"),
                ("save_as", "Save &As…", self.save_as, [QKeySequence("Ctrl+Shift+S")],
                 "Save the model under another name"),
                ("revert", "&Revert", self.revert, [], "Throw away the changes since the last save")):
            action = QAction(text, self.window)
            action.setShortcuts(keys)
            action.setStatusTip(tip)
            action.triggered.connect(lambda _=False, slot=slot: slot())
            self.window.addAction(action)  # shortcuts work even when the menu bar is hidden
            self.window.actions_by_name[name] = action
            self.file_actions[name] = action

    def _make_menus(self):
        menu = self.window.menus["file"]
        first = menu.actions()[0] if menu.actions() else None
        self.recent_menu = QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(lambda: self.recent.fill(self.recent_menu, self.open_path))
        for item in ("new", "open", self.recent_menu, "", "save", "save_as", "revert", ""):
            if isinstance(item, QMenu):
                menu.insertMenu(first, item)
            elif item:
                menu.insertAction(first, self.file_actions[item])
            else:
                menu.insertSeparator(first)
        self.examples_menu = QMenu("&Examples", self.window)
        for path in examples():
            action = self.examples_menu.addAction(path.stem.capitalize())
            action.setStatusTip(f"Open the {path.stem} example")
            action.triggered.connect(lambda _=False, p=path: self.open_path(p, example=True))
        help_menu = self.window.menus["help"]
        help_first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertMenu(help_first, self.examples_menu)
        help_menu.insertSeparator(help_first)

    # ---- state -----------------------------------------------------------------------------------

    def is_modified(self) -> bool:
        return not self.window.undo_stack.isClean() or self.trained_unsaved

    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return f"{self.example} (example)" if self.example else "Untitled"

    def _update_title(self, *_):
        if not isValid(self.window):
            return  # torn down without a close: its undo stack still emits as it dies
        self.window.setWindowTitle(f"{self.display_name()}[*] — Chainboard")
        self.window.setWindowModified(self.is_modified())
        self.file_actions["revert"].setEnabled(self.path is not None and self.is_modified())

    def _say(self, text: str):
        self.window.statusBar().showMessage(text, 5000)

    # ---- the commands ----------------------------------------------------------------------------

    def new(self) -> bool:
        if not self.may_replace():
            return False
        self._show(EMPTY_SPEC, None, None)  # an Input alone: the palette is where a Chain starts
        return True

    def open(self) -> bool:
        """Open… : ask for a file (after Save/Discard/Cancel) and open it."""
        if not self.may_replace():
            return False
        folder = str(self.path.parent) if self.path is not None else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open model", folder, FILE_FILTER)
        return bool(path) and self.open_path(path, confirmed=True)

    def open_path(self, path, *, confirmed: bool = False, example: bool = False, remember: bool = True) -> bool:
        """Open the model file at `path`; on a bad file, say why and keep the current document."""
        if not confirmed and not self.may_replace():
            return False
        try:
            loaded = load_model(path)
        except ModelFileError as error:
            dialogs.show_error(self.window, "Cannot open model", str(error))
            return False
        self.show_loaded(loaded, None if example else Path(path), example=Path(path).stem if example else None)
        if remember and not example:
            self.recent.add(path)
            sweep_stray_temporaries(Path(path).parent)
        self._say(f"Opened {Path(path).name}")
        return True

    def show_loaded(self, loaded, path: Path | None, *, example: str | None = None) -> None:
        """Put a LoadedModel on the canvas as an unmodified document saved at `path`."""
        self._show(loaded.spec, loaded.layout, path, example)
        if self.training is not None:
            self.training.restore_file(loaded)

    def save(self) -> bool:
        return self.save_as() if self.path is None else self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = self.path or Path(f"{self.example or 'Untitled'}{MODEL_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save model as", str(suggested), FILE_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += MODEL_SUFFIX
        return self.save_to(path)

    def save_to(self, path) -> bool:
        """Save to `path` and make it this window's file; on failure say why, and stay modified."""
        path = Path(path)
        try:
            refused = self._write(lambda model, **kwargs: save_model(path, model, **kwargs))
        except ValueError as error:  # the Chain on the canvas is not finished (ModelFileError is not one)
            dialogs.show_error(self.window, "Cannot save model",
                               f"Cannot save {path.name}: the Chain has problems. {error}")
            return False
        except ModelFileError as error:
            dialogs.show_error(self.window, "Cannot save model", str(error))
            return False
        self.path, self.example, self.trained_unsaved = path, None, refused is not None
        self.window.undo_stack.setClean()
        self.recent.add(path)
        sweep_stray_temporaries(path.parent)  # what an earlier save killed half-way left beside this one
        if refused is None:
            self._discard_recovery()
            self._say(f"Saved {path.name}")
        else:  # the design is safe; what training learnt is still unsaved work
            dialogs.show_error(self.window, "Saved the design only",
                               f"Saved the Chain and its layout to {path.name}, but not what training learnt: "
                               f"{refused}")
        self._update_title()
        return True

    def revert(self) -> bool:
        """Reload the file from disk, throwing away the changes since it was saved."""
        if self.path is None:
            return False
        if self.is_modified() and not dialogs.ask_revert(self.window, self.display_name()):
            return False
        return self._stop_training() and self.open_path(self.path, confirmed=True, remember=False)

    # ---- replacing and closing -------------------------------------------------------------------

    def may_replace(self) -> bool:
        """True when the document may be replaced or closed: stop a running training first, then
        Save / Discard / Cancel if there are unsaved changes."""
        if not self._stop_training():
            return False
        if not self.is_modified():
            return True
        answer = dialogs.ask_save_changes(self.window, self.display_name())
        return self.save() if answer == "save" else answer == "discard"

    def _show(self, spec, layout, path: Path | None, example: str | None = None) -> None:
        fresh = Document.from_file(spec, layout)
        stack = self.window.undo_stack
        stack.clear()  # commands refer to blocks of the old document
        self.window.doc.reset(fresh.blocks(), fresh.wires())
        stack.setClean()
        self.path, self.example, self.trained_unsaved = path, example, False
        if self.training is not None:
            self.training.document_replaced()  # the same architecture again must not keep the last model's weights
        self._discard_recovery()
        self._update_title()
        self.window.view.fit_to_view()

    def _disconnect(self):
        for signal, slot in ((self.window.undo_stack.cleanChanged, self._update_title),
                             (self.training.state_changed if self.training is not None else None,
                              self._training_state_changed),
                             (self.training.weights_moved if self.training is not None else None,
                              self._weights_moved)):
            if signal is None:
                continue
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already disconnected
                pass

    def eventFilter(self, watched, event):  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Close and watched is self.window:
            if not self._released and not self.may_replace():
                event.ignore()
                return True
            self._released = True  # a second close (application quit) must not ask again
            self.autosave_timer.stop()
            self._discard_recovery()
            self._disconnect()  # the window goes: nothing may call back into it during teardown
            return False  # on to the window's own closeEvent
        if kind == QEvent.Show and watched is self.window:
            self._released = False
        elif kind in (QEvent.DragEnter, QEvent.DragMove) and dropped_model(event.mimeData()):
            event.acceptProposedAction()
            return True
        elif kind == QEvent.Drop and (path := dropped_model(event.mimeData())):
            event.acceptProposedAction()
            # open after the drop returns: a question or error box inside a drop handler would stall the drag
            QTimer.singleShot(0, self, lambda: self.open_path(path))
            return True
        return False

    # ---- training --------------------------------------------------------------------------------

    def _stop_training(self) -> bool:
        """True unless training is running and the user keeps it running (or it would not stop: then say so)."""
        training = self.training
        if training is None or training.state == "idle":
            return True
        if not dialogs.ask_stop_training(self.window, training.state_changed):
            return False
        if training.state == "idle":
            return True  # the run finished while the question was up
        training.stop()
        deadline = time.monotonic() + 10
        while training.state != "idle" and time.monotonic() < deadline:  # it stops within a chunk's operation
            QCoreApplication.processEvents()
            time.sleep(0.005)
        if training.state != "idle":
            dialogs.show_error(self.window, "Training did not stop",
                               "The training run did not stop within 10 seconds; try again in a moment.")
        return training.state == "idle"

    def _training_snapshot(self) -> dict:
        if self.training is None:
            return {}
        try:
            return dict(self.training.file_contents() or {})
        except Exception as error:  # noqa: BLE001 - a broken hook must not cost the design (or crash a close)
            self._say(f"What training learnt could not be saved: {error}")
            return {}

    def _training_state_changed(self, state: str):
        was, self._training_state = self._training_state, state
        if state == "idle" and was in RUNNING:
            if self._training_snapshot().get("model") is not None:
                self.trained_unsaved = True  # new weights are unsaved work too
                self._update_title()
            self._autosave_if_modified()

    def _weights_moved(self):
        if self._training_snapshot().get("model") is not None:
            self.trained_unsaved = True
            self._update_title()
        self.changed()  # a recovery copy soon, as for a run

    def _write(self, save) -> str | None:
        """Call `save(model, **kwargs)` with everything; if what training adds is refused, save the
        design alone and return why (a trained-state problem must not cost the user the Chain)."""
        model, kwargs = self.contents()
        try:
            save(model, **kwargs)
            return None
        except ModelFileError as error:
            if set(kwargs) == {"layout"}:
                raise
            save(self.window.doc.to_spec(), layout=kwargs["layout"])
            return error.problem

    def changed(self, *_):
        """Something worth a recovery copy changed: write one within the autosave delay."""
        if not self.autosave_timer.isActive() and not self._released:
            self.autosave_timer.start(int(1000 * max(self.autosave_delay, AUTOSAVE_SPACING * self._save_cost)))

    def contents(self):
        """(model, save_model keyword arguments) for what is on screen; an unfinished design too (its file keeps
        the canvas as it is, and the Chain as far as it is wired)."""
        spec = self.window.doc.design_spec()
        kwargs = {"layout": self.window.doc.layout()}
        snapshot = self._training_snapshot()
        trained = snapshot.pop("model", None)
        kwargs.update({k: v for k, v in snapshot.items() if k in ("settings", "history", "dataset", "optimiser_state")})
        if trained is None:
            return spec, kwargs
        return trained, dict(kwargs, spec=spec)

    # ---- recovery copies ---------------------------------------------------------------------------

    def autosave(self) -> bool:
        """Write the recovery copy now (never over the user's file); False if it could not be written."""
        if self.slot is None:
            self.slot = RecoverySlot()
        self.slot.document = None if self.path is None else str(self.path)
        began = time.perf_counter()
        try:
            self._write(self.slot.save)
            self._save_cost = time.perf_counter() - began
        except ValueError:
            return False  # an unfinished Chain cannot be written yet; the next autosave tries again
        except (ModelFileError, OSError) as error:
            self._say(f"Autosave failed: {error}")
            return False
        return True

    def _autosave_if_modified(self):
        if self.is_modified():
            self.autosave()

    def _discard_recovery(self):
        if self.slot is not None:
            self.slot.discard()

    def offer_recovery(self) -> bool:
        """At start: offer the recovery copies crashed sessions left, newest first. True if one was restored."""
        for found in find_recoveries():
            answer = dialogs.ask_restore(self.window, found)
            if answer == "later":
                return False
            if answer == "restore":
                if not self.may_replace():
                    return False
                try:
                    loaded = found.load()
                except ModelFileError as error:
                    dialogs.show_error(self.window, "Cannot restore", str(error))
                    found.discard()  # it can never be restored; do not offer it again
                    continue
                self.show_loaded(loaded, Path(found.document) if found.document else None)
                self.window.undo_stack.resetClean()  # restored work is unsaved until saved
                self.autosave()  # our own copy first, then the crashed session's may go
                found.discard()
                self._say("Restored unsaved work: save it to keep it.")
                return True
            found.discard()
        return False

    def sweep_temporaries(self) -> None:
        """At start: remove what interrupted saves left next to recent files (find_recoveries sweeps its own).
        Saves and opens sweep their folder again, autosaves the recovery folder (RecoverySlot.save)."""
        for folder in {str(Path(p).parent) for p in self.recent.paths()}:
            sweep_stray_temporaries(folder)


def dropped_model(mime) -> str | None:
    """The first local `.chain` file in dragged mime data, or None."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(MODEL_SUFFIX):
            return url.toLocalFile()
    return None
