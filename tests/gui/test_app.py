"""The entry point: sub-command dispatch, arguments, opening a model, and --screenshot."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gui import app, launch
from gui.core import cli

ROOT = Path(__file__).resolve().parents[2]


def test_sub_commands_are_dispatched_before_the_gui(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "main", lambda argv: seen.append(("cli", argv)) or 7)
    monkeypatch.setattr(app, "main", lambda argv: seen.append(("window", argv)) or 3)
    assert launch.main(["info", "model.chain", "-v"]) == 7
    assert launch.main(["model.json", "--screenshot", "x.png"]) == 3
    assert seen == [("cli", ["info", "model.chain", "-v"]), ("window", ["model.json", "--screenshot", "x.png"])]


def test_help_lists_every_command_and_a_typo_is_not_taken_for_a_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        app.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(f"  {name} " in out for name in cli.COMMANDS) and "--screenshot" in out
    assert app.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "'frobnicate' is neither a command" in err and "cannot open" not in err


def test_gui_arguments():
    args = app.parse_args(["m.json", "--screenshot", "out.png"])
    assert (args.model, args.screenshot) == ("m.json", "out.png")
    assert app.parse_args([]).model is None


def test_a_bad_model_file_is_reported_with_its_name(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": 2, "layers": [{"kind": "conv"}]}))
    assert app.main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "unknown layer kind" in err
    with pytest.raises(ValueError, match="missing.json"):
        app.load_spec(str(tmp_path / "missing.json"))


def test_screenshot_renders_the_window_offscreen(tmp_path):
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"inputs": 2, "layers": [{"kind": "dense", "units": 8, "activation": "relu"},
                                                         {"kind": "dense", "units": 1, "activation": "sigmoid"}]}))
    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), str(model)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == app.SCREENSHOT_SIZE
    sampled = {image.pixel(x, y) for x in range(0, image.width(), 32) for y in range(0, image.height(), 32)}
    assert len(sampled) > 20  # drawn: docks, blocks and plots, not one flat colour
