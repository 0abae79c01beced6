"""Kill a process while it saves, over and over: the model file is always a whole model.

Each trial starts a process that saves two models alternately over the same file as fast as
it can, kills it (SIGKILL: no cleanup runs) at a random moment, then checks that the file
loads and is exactly one of the two models, and that only temporaries were left beside it.
"""
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.nn.activations import relu
from engine.nn.layers import Chain, Dense
from engine.modelfile import load_model, sweep_stray_temporaries
from engine.modelfile.atomic import is_temporary

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 40
AT_ONCE = 4  # processes started together: each spends most of its life importing numpy and numba

SAVER = """
import sys
sys.path.insert(0, sys.argv[2])
from engine.nn.activations import relu
from engine.nn.layers import Chain, Dense
from engine.modelfile import save_model

def model(k):  # ~4000 weights: big enough that a save takes a moment, so kills land inside one
    return Chain(Dense(64, 60, relu, rng=k), Dense(60, 4, rng=k + 1))

models = [model(1), model(2)]
save_model(sys.argv[1], models[0], settings={"seed": 1})
print("ready", flush=True)
i = 0
while True:
    i += 1
    save_model(sys.argv[1], models[i % 2], settings={"seed": 1 + i % 2}, history={"train_loss": [0.5] * (i % 900)})
"""


def model(k):
    return Chain(Dense(64, 60, relu, rng=k), Dense(60, 4, rng=k + 1))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killing_a_saving_process_never_leaves_a_broken_file(tmp_path):
    expected = {seed: [p.value.tobytes() for p in model(seed).parameters()] for seed in (1, 2)}
    rng = random.Random(7)
    leftovers = 0
    for batch in range(TRIALS // AT_ONCE):
        trials = []
        for k in range(AT_ONCE):
            folder = tmp_path / f"trial{batch}-{k}"
            folder.mkdir()
            target = folder / "model.chain"
            proc = subprocess.Popen([sys.executable, "-c", SAVER, str(target), str(ROOT)],
                                    stdout=subprocess.PIPE, text=True)
            trials.append((proc, folder, target))
        for proc, folder, target in trials:
            assert proc.stdout.readline().strip() == "ready", "the saving process did not start"
            time.sleep(rng.uniform(0.0, 0.04))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stdout.close()
            loaded = load_model(target)
            seed = loaded.settings["seed"]
            assert [p.value.tobytes() for p in loaded.model.parameters()] == expected[seed]
            others = [p for p in folder.iterdir() if p != target]
            assert all(is_temporary(p) for p in others), others
            leftovers += len(others)
            assert sorted(sweep_stray_temporaries(folder)) == sorted(others)  # their writer is gone
            assert list(folder.iterdir()) == [target]
    print(f"{TRIALS} kills, {leftovers} left a temporary behind (killed mid-save)")
