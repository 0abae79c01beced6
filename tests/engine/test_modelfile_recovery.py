"""Recovery copies for autosave: written beside nothing of the user's, found after a crash."""
import json
import os
import subprocess
import sys

from engine.nn.activations import relu
from engine.nn.layers import Chain, Dense
from gui.core.recovery import RecoverySlot, data_folder, find_recoveries, recovery_folder


def test_the_data_folder_can_be_pointed_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINBOARD_DATA_DIR", str(tmp_path))
    assert data_folder() == tmp_path and recovery_folder() == tmp_path / "recovery"
    monkeypatch.delenv("CHAINBOARD_DATA_DIR")
    assert data_folder().name.lower() == "chainboard"


def test_a_slot_saves_finds_and_discards(tmp_path):
    model = Chain(Dense(2, 3, relu, rng=0))
    slot = RecoverySlot(tmp_path, document="/home/ada/xor.chain")
    slot.save(model, layout={"zoom": 2.0})
    assert find_recoveries(tmp_path) == []  # this process is alive: its copy is not a crash's
    (found,) = find_recoveries(tmp_path, include_running=True)
    assert found.document == "/home/ada/xor.chain" and found.pid == os.getpid()
    assert found.load().layout == {"zoom": 2.0}
    slot.discard()
    slot.discard()  # twice is fine
    assert list(tmp_path.iterdir()) == []


def test_a_crashed_sessions_copy_is_offered_newest_first(tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from gui.core.recovery import RecoverySlot; "
            "from engine.nn.spec import ChainSpec, LayerSpec; "
            "RecoverySlot(sys.argv[1], document=None).save(ChainSpec(2, (LayerSpec('dense', 1),)))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code, str(tmp_path), root], check=True)  # it exits: a "crash"
    newer = RecoverySlot(tmp_path, document="b.chain", session="later")
    newer.save(Chain(Dense(2, 1, rng=0)))
    (newer.sidecar).write_text(json.dumps({"document": "b.chain", "pid": -1, "saved": 4e9}))
    found = find_recoveries(tmp_path)
    assert [r.document for r in found] == ["b.chain", None]
    found[1].discard()
    assert [r.document for r in find_recoveries(tmp_path)] == ["b.chain"]


def test_damaged_sidecars_do_not_hide_a_copy(tmp_path):
    slot = RecoverySlot(tmp_path, session="x")
    slot.save(Chain(Dense(2, 1, rng=0)))
    slot.sidecar.write_bytes(b"\xff not json")
    (found,) = find_recoveries(tmp_path)
    assert found.document is None and found.path == slot.path
