"""File commands through shortcuts and menus: save, revert, open, round trips, the modified mark,
questions before work is lost, Recent Files, bad files, examples and drops."""
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl

from engine import load_model, params
from gui.canvas.commands import MoveBlocks, delete_items
from gui.canvas.document import TUTORIAL_SPEC
from gui.core.resources import resource

EXAMPLES = resource("examples")

from canvas_helpers import drop_mime
from files_helpers import answers, file_dialogs, last_error, press, shape  # noqa: F401 - fixtures

XOR = EXAMPLES / "xor.chain"


def dense_id(doc, units=2):
    return next(b.block_id for b in doc.blocks() if b.kind == "dense" and b.units == units)


def edit(window, units=7):
    window.editor.set_properties(dense_id(window.doc), units=units)


def test_save_edit_revert(window, tmp_path, answers, file_dialogs):
    files = window.files
    assert window.windowTitle() == "Untitled[*] — Chainboard" and not window.isWindowModified()
    edit(window)
    assert window.isWindowModified()
    file_dialogs["save"] = tmp_path / "mine"  # the suffix is added
    press(window, Qt.Key_S)
    assert (tmp_path / "mine.chain").is_file() and files.path == tmp_path / "mine.chain"
    assert window.windowTitle() == "mine.chain[*] — Chainboard" and not window.isWindowModified()
    saved = shape(window.doc)

    window.editor.set_properties(dense_id(window.doc, 7), units=3)
    window.undo_stack.push(MoveBlocks(window.doc, {window.doc.chain_blocks()[0].block_id: ((0, 0), (40, 80))}))
    assert window.isWindowModified() and files.file_actions["revert"].isEnabled()
    answers.will("ask_revert", False)
    files.file_actions["revert"].trigger()
    assert shape(window.doc) != saved  # kept: the user said no
    answers.will("ask_revert", True)
    files.file_actions["revert"].trigger()
    assert shape(window.doc) == saved
    assert window.undo_stack.count() == 0 and not window.isWindowModified()
    assert not files.file_actions["revert"].isEnabled()
    press(window, Qt.Key_S)  # Save now writes to the file without asking
    assert file_dialogs["asked"] == [("save", "Untitled.chain")]
    assert answers.unscripted == []


def test_round_trip_restores_blocks_and_positions(window, tmp_path, answers, file_dialogs):
    edit(window, 4)
    first = window.doc.chain_blocks()[0].block_id
    window.undo_stack.push(MoveBlocks(window.doc, {first: ((0, 0), (-60, 120))}))
    window.editor.set_properties(dense_id(window.doc, 5), activation="tanh", bias=False, init="he_normal")
    before = shape(window.doc)
    assert window.files.save_to(tmp_path / "m.chain")

    press(window, Qt.Key_N)  # New: an empty canvas (an Input alone), nothing to ask (all saved)
    assert [b.kind for b in window.doc.blocks()] == ["input"] and window.files.path is None
    file_dialogs["open"] = tmp_path / "m.chain"
    press(window, Qt.Key_O)
    assert shape(window.doc) == before
    assert window.undo_stack.count() == 0 and not window.isWindowModified()
    assert answers.asked == []
    assert answers.unscripted == []


def test_trained_weights_go_through_the_training_hook(window, tmp_path, monkeypatch, answers):
    trained = TUTORIAL_SPEC.build(3)
    monkeypatch.setattr(window.training, "file_contents", lambda: {"model": trained, "settings": {"epochs": 12},
                                                               "history": {"train_loss": [0.9, 0.5]}},
                        raising=False)
    restored = []
    monkeypatch.setattr(window.training, "restore_file", restored.append)
    assert window.files.save_to(tmp_path / "t.chain")
    loaded = load_model(tmp_path / "t.chain")
    assert loaded.trained and loaded.settings["epochs"] == 12 and loaded.spec == TUTORIAL_SPEC
    assert window.files.open_path(tmp_path / "t.chain")
    (back,) = restored
    for a, b in zip(params(back.model), params(trained), strict=True):
        assert np.array_equal(a.value, b.value)
    assert back.history["train_loss"] == [0.9, 0.5]

    window.training.state_changed.emit("running")  # a run ends: its weights are unsaved work
    window.training.state_changed.emit("idle")
    assert window.isWindowModified()
    answers.will("ask_save_changes", "discard")
    assert window.close() and answers.unscripted == []


def test_a_broken_training_hook_still_saves_the_design(window, tmp_path, monkeypatch, answers):
    monkeypatch.setattr(window.training, "file_contents", lambda: 1 / 0, raising=False)
    assert window.files.save_to(tmp_path / "d.chain")
    assert not load_model(tmp_path / "d.chain").trained
    assert answers.unscripted == []


def test_new_forgets_what_was_trained(window, tmp_path, answers, file_dialogs):
    panel = window.training
    panel.session.epochs_done = 7  # as if trained
    panel.session.record.loss.append(1, 0.5)
    press(window, Qt.Key_N)
    assert not panel.session.trained() and panel.session.model is None and len(panel.session.record.loss) == 0
    assert "re-initialised" not in panel.controls.status.text()  # nothing stale from before
    assert answers.unscripted == []


def test_refused_training_state_still_saves_the_design(window, tmp_path, monkeypatch, answers):
    other = TUTORIAL_SPEC.__class__(3, TUTORIAL_SPEC.layers).build(0)  # weights for another Input size
    monkeypatch.setattr(window.training, "file_contents", lambda: {"model": other}, raising=False)
    edit(window)
    assert window.files.save_to(tmp_path / "d.chain")
    assert "not what training learnt" in last_error()
    loaded = load_model(tmp_path / "d.chain")
    assert not loaded.trained and loaded.spec == window.doc.to_spec()
    assert window.undo_stack.isClean() and window.isWindowModified()  # the weights are still unsaved
    assert window.files.autosave()  # recovery copies fall back the same way
    assert answers.unscripted == []


def test_title_follows_the_undo_stack(window, tmp_path, answers):
    edit(window)
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert not window.isWindowModified()
    window.undo_stack.redo()
    assert window.files.save_to(tmp_path / "a.chain") and not window.isWindowModified()
    window.undo_stack.undo()  # back past the save: modified again
    assert window.isWindowModified() and window.windowTitle() == "a.chain[*] — Chainboard"
    assert answers.unscripted == []


def test_close_new_and_open_ask_about_unsaved_changes(window, tmp_path, answers, file_dialogs):
    edit(window)
    edited = shape(window.doc)
    answers.will("ask_save_changes", "cancel")
    assert not window.close() and window.isVisible()
    answers.will("ask_save_changes", "cancel")
    press(window, Qt.Key_N)
    answers.will("ask_save_changes", "cancel")
    press(window, Qt.Key_O)
    assert shape(window.doc) == edited and file_dialogs["asked"] == []  # Open stopped before its dialog

    answers.will("ask_save_changes", "save")
    file_dialogs["save"] = ""  # ... then cancel the Save As dialog: nothing closes
    assert not window.close() and window.isVisible()
    answers.will("ask_save_changes", "save")
    file_dialogs["save"] = tmp_path / "kept.chain"
    assert window.close()
    assert load_model(tmp_path / "kept.chain").spec == window.doc.to_spec()
    assert answers.asked.count("ask_save_changes") == 5
    assert answers.unscripted == []


def test_discard_closes_and_a_running_training_is_stopped_first(window, monkeypatch, answers):
    edit(window)
    panel = window.training
    monkeypatch.setattr(panel.session, "state", "running")
    stopped = []
    monkeypatch.setattr(panel, "stop", lambda: (stopped.append(1), setattr(panel.session, "state", "idle")))
    answers.will("ask_stop_training", False)
    assert not window.close() and not stopped
    answers.will("ask_stop_training", True)
    answers.will("ask_save_changes", "discard")
    assert window.close() and stopped == [1]
    assert answers.asked == ["ask_stop_training", "ask_stop_training", "ask_save_changes"]
    assert answers.unscripted == []


def test_recent_files_keep_ten_and_drop_missing(window, tmp_path, answers):
    files = window.files
    paths = [tmp_path / f"m{i:02}.chain" for i in range(12)]
    for path in paths:
        assert files.save_to(path)
    menu = files.recent_menu
    menu.aboutToShow.emit()
    names = [a.text().split(None, 1)[1] for a in menu.actions() if a.text().startswith("&")][:-1]
    assert names == [p.name for p in reversed(paths)][:10]
    paths[11].unlink()
    paths[5].unlink()
    menu.aboutToShow.emit()
    listed = [a.toolTip() for a in menu.actions() if a.toolTip().endswith(".chain")]
    assert listed == [str(p) for p in reversed(paths[2:]) if p.exists()] and len(listed) == 8
    assert files.recent.paths() == listed  # the missing ones are forgotten, not just hidden

    edit(window)
    answers.will("ask_save_changes", "discard")
    next(a for a in menu.actions() if a.toolTip() == str(paths[3])).trigger()
    assert files.path == paths[3] and not window.isWindowModified()
    assert files.recent.paths()[0] == str(paths[3])
    assert answers.unscripted == []


def test_a_bad_file_shows_why_and_keeps_the_document(window, tmp_path, answers, file_dialogs):
    edit(window)
    before, count = shape(window.doc), window.undo_stack.count()
    bad = tmp_path / "bad.chain"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    file_dialogs["open"] = bad
    answers.will("ask_save_changes", "discard")
    press(window, Qt.Key_O)
    message = last_error()
    assert "bad.chain" in message and "zip" in message
    assert shape(window.doc) == before and window.undo_stack.count() == count and window.isWindowModified()
    assert window.files.path is None and str(bad) not in window.files.recent.paths()
    assert answers.unscripted == []


def test_save_errors_are_shown_and_the_document_stays_modified(window, tmp_path, answers):
    edit(window)
    assert not window.files.save_to(tmp_path / "no such folder" / "m.chain")
    assert "m.chain" in last_error() and window.isWindowModified() and window.files.path is None
    assert answers.unscripted == []


def test_an_unfinished_design_saves_and_reopens_as_it_was(window, tmp_path, answers):
    window.undo_stack.push(delete_items(window.doc, wire_ids=[window.doc.wires()[0].wire_id]))  # a broken Chain

    def canvas(doc):  # every block (not only the Chain's) and how many wires
        return sorted((b.kind, b.units, b.activation, b.x, b.y) for b in doc.blocks()), len(doc.wires())
    before = canvas(window.doc)
    assert window.files.save_to(tmp_path / "m.chain") and not window.isWindowModified()
    loaded = load_model(tmp_path / "m.chain")
    assert loaded.model is None and loaded.problems  # a design, with the canvas's problems
    assert window.files.open_path(tmp_path / "m.chain", confirmed=True)
    assert canvas(window.doc) == before
    assert answers.unscripted == []


def test_examples_open_from_the_help_menu_and_save_elsewhere(window, tmp_path, answers, file_dialogs):
    menu = window.files.examples_menu
    assert [a.text() for a in menu.actions()] == ["Circle", "Spiral", "Tutorial", "Xor"]
    next(a for a in menu.actions() if a.text() == "Xor").trigger()
    assert window.doc.to_spec() == load_model(XOR).spec
    assert window.windowTitle() == "xor (example)[*] — Chainboard" and not window.isWindowModified()
    file_dialogs["save"] = tmp_path / "my-xor.chain"
    press(window, Qt.Key_S)  # never over the bundled example: Save asks for a name
    assert file_dialogs["asked"] == [("save", "xor.chain")] and window.files.path == tmp_path / "my-xor.chain"
    file_dialogs["save"] = tmp_path / "copy.chain"
    press(window, Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)  # Save As…
    assert file_dialogs["asked"][-1] == ("save", str(tmp_path / "my-xor.chain"))
    assert window.files.path == tmp_path / "copy.chain" and (tmp_path / "my-xor.chain").is_file()
    assert answers.unscripted == []


def test_dropping_a_model_file_on_the_window_opens_it(window, qtbot, answers):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(XOR))])
    assert drop_mime(window.view, mime, QPoint(200, 200))  # on the canvas
    qtbot.waitUntil(lambda: window.files.path == XOR, timeout=2000)
    assert window.doc.to_spec() == load_model(XOR).spec and not window.isWindowModified()

    text = QMimeData()
    text.setUrls([QUrl.fromLocalFile(str(Path(__file__)))])
    assert not drop_mime(window.view, text, QPoint(200, 200))  # not a model: refused
    assert answers.unscripted == []
