"""Recovery copies (autosave while modified, removed by a clean save or close, offered after a crash),
and opening a model file from the command line."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_model
from engine.modelfile.atomic import HOST
from gui.core.recovery import RecoverySlot, find_recoveries, recovery_folder
from gui import app
from gui.canvas.document import TUTORIAL_SPEC
from gui.core.resources import resource

EXAMPLES = resource("examples")

from files_helpers import answers, last_error  # noqa: F401 - fixtures



def copies():
    return find_recoveries(include_running=True)


def edit(window, units=6):
    dense = next(b.block_id for b in window.doc.blocks() if b.kind == "dense" and b.units == 2)
    window.editor.set_properties(dense, units=units)


def test_autosave_writes_a_recovery_copy_and_a_clean_save_removes_it(window, tmp_path, answers):
    timer = window.files.autosave_timer
    assert not timer.isActive()  # nothing changed yet: no clock running
    timer.timeout.emit()
    assert copies() == []  # nothing unsaved, nothing written
    edit(window)
    assert timer.isActive() and timer.interval() <= 5000  # a change: its copy within seconds
    timer.timeout.emit()
    (copy,) = copies()
    assert copy.document is None and copy.pid == os.getpid()
    assert load_model(copy.path).spec == window.doc.to_spec()
    assert window.files.save_to(tmp_path / "m.chain")
    assert copies() == []

    window.undo_stack.undo()  # modified again, now with a file name
    timer.timeout.emit()
    (copy,) = copies()
    assert copy.document == str(tmp_path / "m.chain")
    assert load_model(tmp_path / "m.chain").spec != load_model(copy.path).spec  # never over the user's file
    answers.will("ask_save_changes", "discard")
    assert window.close() and copies() == []  # closing removes it too
    assert answers.unscripted == []


def test_a_finished_run_autosaves(window, answers):
    edit(window)
    window.training.state_changed.emit("running")
    assert copies() == []
    window.training.state_changed.emit("idle")
    assert len(copies()) == 1
    assert answers.unscripted == []


def crashed_copy(document=None, layout=None) -> Path:
    """A recovery copy as a crashed session leaves it: written by a process that is gone."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    slot = RecoverySlot(recovery_folder(), document=document, session="crashed")
    slot.save(TUTORIAL_SPEC, layout=layout)
    about = json.loads(slot.sidecar.read_text())
    slot.sidecar.write_text(json.dumps(dict(about, pid=int(dead.stdout))))
    return slot.path


def test_restore_is_offered_after_a_crash(window, tmp_path, answers):
    layout = {"positions": [[0, 0], [200, 60], [400, 0], [600, 60]]}
    path = crashed_copy(str(tmp_path / "lost.chain"), layout)
    assert [c.path for c in find_recoveries()] == [path]  # the running tests' own copies are not offered

    answers.will("ask_restore", "later")
    assert not window.files.offer_recovery() and path.exists()
    edit(window)  # unsaved work on screen: Save / Discard / Cancel comes first
    answers.will("ask_restore", "restore")
    answers.will("ask_save_changes", "discard")
    assert window.files.offer_recovery()
    assert [(b.x, b.y) for b in window.doc.chain_blocks()] == [(0, 0), (200, 60), (400, 0), (600, 60)]
    assert window.isWindowModified() and window.windowTitle() == "lost.chain[*] — Chainboard"
    assert not path.exists()  # ours replaces it
    (ours,) = copies()
    assert ours.document == str(tmp_path / "lost.chain") and ours.pid == os.getpid()
    assert window.files.save_to(tmp_path / "lost.chain") and copies() == []
    assert answers.asked == ["ask_restore", "ask_restore", "ask_save_changes"] and answers.unscripted == []


def test_a_refused_or_unreadable_copy_is_removed(window, answers):
    path = crashed_copy()
    answers.will("ask_restore", "discard")
    assert not window.files.offer_recovery() and not path.exists()
    path = crashed_copy()
    path.write_bytes(b"garbage")
    answers.will("ask_restore", "restore")
    assert not window.files.offer_recovery() and not path.exists()
    assert "not a zip" in last_error() and window.doc.to_spec() == TUTORIAL_SPEC
    assert answers.unscripted == []


def test_stray_temporaries_next_to_recent_files_are_swept(window, tmp_path, answers):
    assert window.files.save_to(tmp_path / "m.chain")
    # what a save killed half-way leaves: its name says which process wrote it, here one that cannot exist
    stray = tmp_path / f".m.chain.{HOST}-{2**31 - 1}.0123456789abcdef.chain-tmp"
    stray.write_bytes(b"half a save")
    window.files.sweep_temporaries()
    assert not stray.exists() and (tmp_path / "m.chain").exists()


def stray_in(folder, name="m.chain", pid=2**31 - 1):
    """What a save killed half-way leaves: its name says which process wrote it (by default one that cannot exist)."""
    folder.mkdir(parents=True, exist_ok=True)
    stray = folder / f".{name}.{HOST}-{pid}.0123456789abcdef.chain-tmp"
    stray.write_bytes(b"half a save")
    return stray


def test_every_save_open_and_autosave_sweeps_its_folder(window, tmp_path, answers):
    saved_here, opened_from = tmp_path / "saves", tmp_path / "elsewhere"
    strays = [stray_in(saved_here), stray_in(opened_from, "other.chain")]
    live = stray_in(saved_here, "busy.chain", pid=os.getppid())  # a save another live process is writing
    assert window.files.save_to(saved_here / "m.chain")
    assert not strays[0].exists() and live.exists()
    shutil.copy(EXAMPLES / "xor.chain", opened_from / "other.chain")
    assert window.files.open_path(opened_from / "other.chain", confirmed=True)
    assert not strays[1].exists()
    autosaved = stray_in(recovery_folder(), "autosave.chain")
    dense = next(b.block_id for b in window.doc.blocks() if b.kind == "dense")
    window.editor.set_properties(dense, units=5)
    window.files.autosave_timer.timeout.emit()
    assert copies() and not autosaved.exists()


@pytest.mark.parametrize("name", ["mine.chain", "spec.json"])
def test_main_opens_the_model_file_it_is_given(tmp_path, monkeypatch, name):
    """`chainboard MODEL --screenshot PNG` shows MODEL (a model file, or a ChainSpec as JSON): the window
    it would photograph holds that model. (test_app renders a real screenshot in a process of its own.)"""
    xor = load_model(EXAMPLES / "xor.chain")
    model = tmp_path / name
    if name.endswith(".chain"):
        shutil.copy(EXAMPLES / "xor.chain", model)
    else:
        model.write_text(json.dumps(xor.spec.to_dict()))
    shown = []

    def photograph(qapp, window, path, train_epochs=0, size=None, dock=None):
        shown.append((window.doc.to_spec(), window.doc.layout()["positions"] if name.endswith(".chain") else None,
                      window.files.path, window.isWindowModified()))
        window.undo_stack.clear()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(app, "save_screenshot", photograph)
    assert app.main([str(model), "--screenshot", str(tmp_path / "unused.png")]) == 0
    path = model.resolve() if name.endswith(".chain") else None
    assert shown == [(xor.spec, xor.layout["positions"] if path else None, path, False)]


def test_main_reports_a_bad_model_file(tmp_path, capsys):
    bad = tmp_path / "bad.chain"
    bad.write_text("{}")
    assert app.main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.chain" in err and "zip" in err and "Traceback" not in err
