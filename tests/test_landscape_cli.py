"""`chainboard landscape`: the PNG it writes (decoded and measured), its numbers, and the arguments it refuses;
the small PNG writer it uses."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import LOSSES, Standardiser, data, load_model
from engine.training import split
from gui.core import cli
from gui.core.cli.png import decode_png, encode_png, png_size
from gui.core.datarefs import open_reference

ROOT = Path(__file__).resolve().parent.parent
CIRCLE = ROOT / "resources" / "examples" / "circle.chain"


def test_png_round_trip_keeps_every_pixel():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 13, 3), dtype=np.uint8)
    data_ = encode_png(rgb)
    assert png_size(data_) == (13, 7)
    np.testing.assert_array_equal(decode_png(data_), rgb)
    with pytest.raises(ValueError, match="height, width, 3"):
        encode_png(np.zeros((4, 4)))
    damaged = bytearray(data_)
    damaged[40] ^= 0xFF
    with pytest.raises(ValueError, match="damaged"):
        decode_png(bytes(damaged))


def test_writes_a_picture_of_the_requested_size(tmp_path, capsys):
    out = tmp_path / "circle.png"
    assert cli.main(["landscape", str(CIRCLE), "--out", str(out), "--size", "200", "--resolution", "21"]) == 0
    picture = decode_png(out.read_bytes())
    assert picture.shape == (200, 200, 3)
    assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 50  # a heatmap, not a blank
    printed = capsys.readouterr().out
    # the loss it reports at the weights is the model's own on its training split
    loaded = load_model(CIRCLE)
    dataset, _ = open_reference(loaded.dataset, CIRCLE.parent)
    train = split(dataset, loaded.settings.get("validation", 0.2), loaded.settings.get("seed", 0),
                  Standardiser.from_dict(loaded.dataset["normalisation"])).train
    loss = float(LOSSES[loaded.settings["loss"]](data(loaded.model(train.X)), train.targets(1)))
    assert f"at the weights {loss:.4g}" in printed


def test_picked_weights_and_a_span(tmp_path):
    out = tmp_path / "picked.png"
    assert cli.main(["landscape", str(CIRCLE), "--out", str(out), "--directions", "W1[0,0], b2[0]",
                     "--span", "2", "--size", "96", "--arrows", "0"]) == 0
    assert png_size(out.read_bytes()) == (96, 96)


@pytest.mark.parametrize("args, message", [
    (["--directions", "W1[0]"], "not a weight"),
    (["--directions", "W1[0,0]"], "names 1"),
    (["--directions", "W7[0,0],W1[0,1]"], "W1 to W"),
    (["--directions", "W1[99,0],W1[0,1]"], "outside layer 1"),
    (["--span", "-1"], "--span"),
    (["--resolution", "1"], "--resolution"),
])
def test_bad_arguments_exit_2_with_one_clear_line(tmp_path, args, message):
    out = tmp_path / "x.png"
    done = subprocess.run([sys.executable, "-m", "gui.core.cli", "landscape", str(CIRCLE), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert not out.exists()


def test_a_missing_folder_is_refused_before_any_work(tmp_path, capsys):
    assert cli.main(["landscape", str(CIRCLE), "--out", str(tmp_path / "nowhere" / "x.png")]) == 1
    assert "no folder" in capsys.readouterr().err
