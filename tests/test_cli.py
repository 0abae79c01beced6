"""The command line: real processes for exit codes and clean stderr, in-process calls for the rest."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.modelfile import load_model
from gui.core import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"


def run(*args, cwd=ROOT):
    """`python -m gui.core.cli ARGS` as a user would run it: (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "gui.core.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def one_clean_line(stderr):
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def xor_copy(tmp_path):
    shutil.copy(EXAMPLES / "xor.chain", tmp_path / "xor.chain")
    return tmp_path / "xor.chain"


# ---- real processes ----

def test_info_prints_chain_shapes_parameters_and_training():
    code, out, err = run("info", EXAMPLES / "spiral.chain")
    assert code == 0 and err == ""
    loaded = load_model(EXAMPLES / "spiral.chain")
    assert repr(loaded.model) in out
    assert f"parameters: {loaded.spec.param_count():,}" in out
    assert "Dense(16 => 3)" in out and "spiral (generated" in out
    assert f"{loaded.history['epochs_done']} epochs" in out


def test_train_saves_a_longer_history_to_out(xor_copy, tmp_path):
    before = load_model(xor_copy)
    code, out, err = run("train", xor_copy, "--epochs", 3, "--out", tmp_path / "more.chain")
    assert code == 0, err
    assert "epoch 3/3" in err and "Traceback" not in err  # the progress bar (not a terminal: lines)
    after = load_model(tmp_path / "more.chain")
    assert after.history["epochs_done"] == before.history["epochs_done"] + 3
    assert after.history["epoch"][-1] == before.history["epochs_done"] + 3
    assert after.settings["epochs"] == before.settings["epochs"] and after.layout == before.layout  # --epochs: this run's
    assert load_model(xor_copy).history == before.history  # --out: the original is untouched
    assert f"saved {tmp_path / 'more.chain'}" in out


def test_predict_prints_a_row_per_input(tmp_path):
    code, out, err = run("predict", EXAMPLES / "tutorial.chain", EXAMPLES / "tutorial.csv")
    assert code == 0, err
    lines = out.strip().splitlines()
    rows = (EXAMPLES / "tutorial.csv").read_text().strip().splitlines()
    assert lines[0] == "prediction,p(first),p(second)" and len(lines) == len(rows)
    truth = [r.rsplit(",", 1)[1] for r in rows[1:]]
    right = sum(line.split(",")[0] == t for line, t in zip(lines[1:], truth))
    assert right / len(truth) >= 0.85


@pytest.mark.parametrize("args, code, words", [
    ((), 2, "required: COMMAND"),
    (("frobnicate",), 2, "invalid choice"),
    (("info",), 2, "required: MODEL"),
    (("train", "x.chain", "--epochs", "many"), 2, "whole number"),
    (("info", "missing.chain"), 1, "no such file"),
    (("info", EXAMPLES / "tutorial.csv"), 1, "not a zip archive"),
    (("predict", EXAMPLES / "xor.chain", EXAMPLES / "tutorial.csv"), 1, "takes 2 inputs"),
    (("train", EXAMPLES / "xor.chain", "--data", "iris", "--out", "unused.chain"), 1, "2 inputs but the data has 4"),
])
def test_mistakes_give_one_line_and_an_exit_code(args, code, words):
    got, out, err = run(*args)
    assert got == code
    assert words in one_clean_line(err) and out == ""


def test_the_command_line_never_imports_qt(tmp_path):
    code = ("import sys; from gui.core import cli; assert cli.main(['info', sys.argv[1]]) == 0; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "xor.chain")], cwd=ROOT, check=True,
                   capture_output=True, timeout=60)


def test_main_py_dispatches_the_commands():
    done = subprocess.run([sys.executable, "main.py", "info", str(EXAMPLES / "xor.chain")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Chain(Dense(2 => 8, tanh), Dense(8 => 1, σ))" in done.stdout


# ---- in process (fast) ----

def call(capsys, *args):
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b""), "not a zip archive"),
    (lambda p: p.write_bytes((EXAMPLES / "xor.chain").read_bytes()[:-30]), "Cannot open"),
    (lambda p: p.mkdir(), "folder"),
])
def test_bad_model_files_are_one_line(tmp_path, capsys, make, words):
    make(tmp_path / "bad.chain")
    for command in (["info"], ["train"], ["predict"]):
        extra = [EXAMPLES / "tutorial.csv"] if command == ["predict"] else []
        code, out, err = call(capsys, *command, tmp_path / "bad.chain", *extra)
        assert code == 1 and words in one_clean_line(err) and str(tmp_path / "bad.chain") in err


@pytest.mark.parametrize("rows, words", [
    ("a,b\n1,2\n3,x\n", "line 3, column 2 'b'"),
    ("a,b\n1,2\n3\n", "line 3"),
    ("a,b\n1,nan\n", "finite"),
    ("1,2\n3,4\n", "header"),
    ("a,b\n", "no rows"),
])
def test_bad_input_csv_is_located(tmp_path, capsys, rows, words):
    (tmp_path / "in.csv").write_text(rows)
    code, out, err = call(capsys, "predict", EXAMPLES / "xor.chain", tmp_path / "in.csv")
    assert code == 1 and words in one_clean_line(err)


def test_predict_takes_feature_columns_by_name(tmp_path, capsys):
    rows = [line.split(",") for line in (EXAMPLES / "tutorial.csv").read_text().splitlines()[:6]]
    shuffled = [["note"] + row[::-1] for row in rows]  # extra column, target first, features reversed
    (tmp_path / "in.csv").write_text("\n".join(",".join(row) for row in shuffled) + "\n")
    code, out, err = call(capsys, "predict", EXAMPLES / "tutorial.chain", tmp_path / "in.csv")
    assert code == 0, err
    code, plain, err = call(capsys, "predict", EXAMPLES / "tutorial.chain", EXAMPLES / "tutorial.csv")
    assert out.splitlines() == plain.splitlines()[:6]


@pytest.mark.parametrize("dropped", [0, 3, 9])
def test_predict_names_the_feature_column_a_file_lacks(tmp_path, capsys, dropped):
    rows = [line.split(",") for line in (EXAMPLES / "tutorial.csv").read_text().splitlines()[:6]]
    missing = rows[0][dropped]
    (tmp_path / "in.csv").write_text("\n".join(",".join(c for k, c in enumerate(row) if k != dropped)
                                            for row in rows) + "\n")
    code, out, err = call(capsys, "predict", EXAMPLES / "tutorial.chain", tmp_path / "in.csv")
    assert code == 1 and out == ""
    assert f"no column '{missing}'" in err and "larger_half" not in err, err


@pytest.mark.parametrize("data, words", [
    ("nosuchdata", "neither a dataset name"),
    ("spiral:n", "look like n=300"),
    ("spiral:colour=3", "no parameter 'colour'"),
    ("spiral:n=0", "1 to"),
])
def test_bad_data_arguments(xor_copy, capsys, data, words):
    code, out, err = call(capsys, "train", xor_copy, "--data", data, "--epochs", 1)
    assert code == 1 and words in one_clean_line(err)


def test_train_a_design_from_scratch_on_named_data(tmp_path, capsys):
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(2, (LayerSpec("dense", 6, "tanh"), LayerSpec("dense", 2), LayerSpec("activation",
                                                                                           activation="softmax")))
    save_model(tmp_path / "design.chain", spec, settings={"seed": 3, "epochs": 2})
    code, out, err = call(capsys, "train", tmp_path / "design.chain", "--data", "circle:n=80", "--quiet")
    assert code == 0 and err == ""
    loaded = load_model(tmp_path / "design.chain")
    assert loaded.trained and loaded.settings["loss"] == "crossentropy" and loaded.history["epochs_done"] == 2
    assert loaded.dataset["params"] == {"n": 80} and len(loaded.dataset["normalisation"]["mean"]) == 2
    code, out, err = call(capsys, "info", tmp_path / "design.chain")
    assert code == 0 and "circle (generated: n=80), inputs standardised" in out


def test_help_is_not_an_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0 and "train" in capsys.readouterr().out


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_stops_training_and_saves_what_was_learnt(xor_copy):
    import signal
    before = load_model(xor_copy).history["epochs_done"]
    proc = subprocess.Popen([sys.executable, "-m", "gui.core.cli", "train", str(xor_copy), "--epochs", "10000000"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stderr.readline()]
    while lines[-1].startswith("training on the "):  # it says which path runs (and when it changes)
        lines.append(proc.stderr.readline())
    assert len(lines) > 1 and lines[-1].startswith("epoch "), lines  # training has begun
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err and "stopped early" in out
    learnt = int(re.search(r"saved .*: (\d+) epochs", out).group(1))  # this run's, as the summary says
    after = load_model(xor_copy).history
    assert after["stopped"] and after["epochs_done"] == before + learnt


def test_train_without_validation_prints_no_nan(tmp_path, capsys):
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(2, (LayerSpec("dense", 4, "tanh"), LayerSpec("dense", 1, "sigmoid")))
    save_model(tmp_path / "d.chain", spec, settings={"seed": 1, "epochs": 2, "validation": 0.0})
    code, out, err = call(capsys, "train", tmp_path / "d.chain", "--data", "xor:n=40", "--quiet")
    assert code == 0 and err == ""
    assert "nan" not in out and "validation loss" not in out and "train loss" in out
    assert load_model(tmp_path / "d.chain").history["val_loss"] == [None, None]


# ---- hostile model files and data (issue 18) ----

def design(tmp_path, layers, **parts):
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(2, tuple(LayerSpec(**layer) for layer in layers))
    save_model(tmp_path / "design.chain", spec, **parts)
    return tmp_path / "design.chain"


SOFTMAX_OF_ONE = [{"kind": "dense", "units": 1, "activation": "softmax"}]


def test_info_describes_a_design_with_problems_and_train_and_predict_refuse_it(tmp_path, capsys):
    path = design(tmp_path, SOFTMAX_OF_ONE, dataset={"source": "generator", "name": "xor"})
    code, out, err = call(capsys, "info", path)
    assert code == 0 and err == ""
    assert "problems (the Chain cannot be trained until they are fixed):\n  softmax over a single feature" in out
    for command in (["train", path], ["predict", path, EXAMPLES / "tutorial.csv"]):
        code, out, err = call(capsys, *command)
        assert code == 1 and out == "" and "softmax over a single feature always gives 1" in one_clean_line(err)


def test_train_refuses_a_chain_without_a_dense_layer_before_reading_data(tmp_path, capsys):
    path = design(tmp_path, [{"kind": "activation", "activation": "relu"}])
    code, out, err = call(capsys, "train", path, "--data", tmp_path / "no such data.csv")
    assert code == 1 and "no Dense layer" in one_clean_line(err)


def test_info_escapes_what_a_model_file_says_and_survives_a_lone_surrogate(tmp_path):
    path = design(tmp_path, [{"kind": "dense", "units": 1, "activation": "sigmoid"}],
                  dataset={"source": "csv", "path": "\x1b]0;owned\x07data\udc80.csv", "target": "y\x1b[2J"},
                  history={"train_loss": [float("nan")], "diverged": True, "message": "gone\x1b[2J\u202e"})
    code, out, err = run("info", path)  # a real process: its stdout is strict UTF-8
    assert code == 0 and err == ""
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b]0;owned\\x07data\\udc80.csv" in out
    assert "\\x1b[2J" in out and "\\u202e" in out


def test_predict_writes_names_a_spreadsheet_shows_and_never_runs(tmp_path):
    from engine.modelfile import save_model
    tutorial = load_model(EXAMPLES / "tutorial.chain")
    names = ['=HYPERLINK("http://example.com","click")', "a,b"]
    save_model(tmp_path / "evil.chain", tutorial.model, spec=tutorial.spec, settings=tutorial.settings,
               dataset=dict(tutorial.dataset, class_names=names))
    code, out, err = run("predict", tmp_path / "evil.chain", EXAMPLES / "tutorial.csv")
    assert code == 0, err
    import csv
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["prediction", "p('=HYPERLINK(\"http://example.com\",\"click\"))", "p(a,b)"]
    assert {row[0] for row in rows[1:]} <= {"'" + names[0], "a,b"} and not any(r[0].startswith("=") for r in rows)


def test_a_model_pointing_at_a_system_file_does_not_print_it(tmp_path, capsys):
    passwd = ROOT / "tests" / "corpus" / "csv" / "passwd.csv"  # what /etc/passwd looks like
    path = design(tmp_path, [{"kind": "dense", "units": 1}], dataset={"source": "csv", "path": str(passwd),
                                                                      "target": "label"})
    code, out, err = call(capsys, "train", path)
    line = one_clean_line(err)
    assert code == 1 and "single column" in line and "root" not in line and "SECRET" not in line


@pytest.mark.parametrize("data, words", [
    ("spiral:classes=0", "classes must be a whole number from 2 to 100, not 0"),
    ("spiral:classes=10000000000000000000", "classes must be a whole number from 2 to 100"),
    ("circle:seed=5000000000", "seed must be a whole number from 0 to 2,147,483,647"),
    ("xor:n=2.5", "n must be a whole number"),
])
def test_generator_parameters_are_checked_as_a_model_file_would_be(xor_copy, capsys, data, words):
    code, out, err = call(capsys, "train", xor_copy, "--data", data, "--epochs", 1)
    assert code == 1 and words in one_clean_line(err)


def test_train_says_which_path_runs_and_why(xor_copy, tmp_path, monkeypatch, capsys):
    from engine.training import KERNELS
    monkeypatch.setattr(KERNELS, "ready", lambda dtype: False)  # a fresh machine: the kernels are not built yet
    code, out, err = call(capsys, "train", xor_copy, "--epochs", 3, "--out", tmp_path / "o.chain")
    assert code == 0 and "training on the eager tape: the compiled kernels are still being built" in err
    lines = err.splitlines()
    said = next(i for i, line in enumerate(lines) if line.startswith("training on the eager tape"))
    assert lines[said + 1].startswith("epoch 0/3 ")  # the first progress line at once, not a tenth of the run later


def test_continuing_training_does_not_jolt_the_model_and_keeps_its_epochs_setting(tmp_path, capsys):
    """Adam's moments and step count travel in the model file: a second run picks up where the first stopped,
    so its first loss is not worse than the first run's last (before, a fresh Adam raised 0.101 to 0.124)."""
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 1, "sigmoid")))
    model = tmp_path / "m.chain"
    save_model(model, spec, settings={"seed": 1, "epochs": 7, "loss": "binarycrossentropy",
                                      "optimiser": {"name": "Adam", "eta": 0.05}})
    assert call(capsys, "train", model, "--data", "xor:n=200", "--epochs", 40, "--quiet")[0] == 0
    first = load_model(model)
    assert first.settings["epochs"] == 7  # --epochs was this run's, not the model's
    assert first.optimiser_state["step"] == 40 * 5 and first.optimiser_state["s2"].shape == (33,)
    assert call(capsys, "train", model, "--epochs", 1, "--quiet")[0] == 0
    second = load_model(model)
    assert second.optimiser_state["step"] == first.optimiser_state["step"] + 5  # it carried on counting
    last, next_ = first.history["train_loss"][-1], second.history["train_loss"][-1]
    assert next_ <= last * 1.05


def test_an_output_folder_that_is_not_there_is_said_before_training(xor_copy, tmp_path, capsys):
    code, out, err = call(capsys, "train", xor_copy, "--epochs", 10**6, "--out", tmp_path / "nowhere" / "x.chain")
    assert code == 1 and "there is no folder" in err and "nothing was trained" in err


def test_train_and_predict_apply_the_models_derived_features(tmp_path, capsys):
    import numpy as np

    from engine.export import Exportable
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(5, (LayerSpec("dense", 6, "tanh"), LayerSpec("dense", 1, "sigmoid")), ("x1^2", "x2^2", "x1*x2"))
    save_model(tmp_path / "design.chain", spec, settings={"seed": 1, "epochs": 3})
    code, _, err = call(capsys, "train", tmp_path / "design.chain", "--data", "circle:n=100", "--quiet")
    assert code == 0 and err == ""
    loaded = load_model(tmp_path / "design.chain")
    assert loaded.spec.features == spec.features and loaded.dataset.get("features", ["x1", "x2"]) == ["x1", "x2"]
    assert len(loaded.dataset["normalisation"]["mean"]) == 5  # statistics of the columns the Chain takes
    rows = np.array([[0.1, -0.4], [0.9, 0.8]])
    (tmp_path / "rows.csv").write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    code, out, err = call(capsys, "predict", tmp_path / "design.chain", tmp_path / "rows.csv")
    assert code == 0 and err == ""
    printed = [float(line.split(",")[2]) for line in out.splitlines()[1:]]  # p(1), from two raw columns
    np.testing.assert_allclose(printed, Exportable.of(loaded).predict(rows)[:, 0], rtol=1e-5)


def test_train_takes_penalties_and_a_schedule_and_saves_them(xor_copy, capsys):
    code, out, err = call(capsys, "train", xor_copy, "--epochs", 2, "--quiet", "--l1", "0.001", "--l2", "0.01",
                          "--schedule", "cosine:50")
    assert code == 0, err
    saved = load_model(xor_copy).settings["optimiser"]
    assert (saved["l1"], saved["weight_decay"], saved["schedule"]) == (0.001, 0.01, {"kind": "cosine", "epochs": 50,
                                                                                      "floor": 0.0})
    code, out, err = call(capsys, "train", xor_copy, "--epochs", 1, "--schedule", "linear")
    assert code != 0 and "unknown schedule 'linear'" in err and "Traceback" not in err
