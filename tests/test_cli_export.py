"""`chainboard export` and `chainboard import-onnx`: the files they write, and one clear line for every mistake."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import ChainSpec, LayerSpec, load_model, save_model
from engine.export import Exportable
from gui.core import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"


def run(*args, cwd=ROOT):
    done = subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout, done.stderr


def call(capsys, *args):
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_clean_line(stderr):
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_export_then_import_onnx_through_main_py_gives_the_same_predictions(tmp_path):
    code, out, err = run("export", EXAMPLES / "tutorial.chain", "--format", "onnx", "--out", tmp_path / "t.onnx")
    assert code == 0 and err == "" and f"to {tmp_path / 't.onnx'}" in out
    code, out, err = run("import-onnx", tmp_path / "t.onnx", "--out", tmp_path / "t.chain")
    assert code == 0 and err == "" and "Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)" in out
    # `chainboard predict` on the imported model prints what it prints for the original
    original = run("predict", EXAMPLES / "tutorial.chain", EXAMPLES / "tutorial.csv")
    imported = run("predict", tmp_path / "t.chain", EXAMPLES / "tutorial.csv")
    assert original[0] == imported[0] == 0 and original[1] == imported[1]


@pytest.mark.parametrize("fmt, name", [("onnx", "xor.onnx"), ("torch", "xor_torch.py"), ("numpy", "xor_numpy.py"),
                                       ("flux", "xor.jl")])
def test_each_format_is_written_beside_the_model_by_default(tmp_path, capsys, fmt, name):
    model = tmp_path / "xor.chain"
    model.write_bytes((EXAMPLES / "xor.chain").read_bytes())
    code, out, err = call(capsys, "export", model, "--format", fmt)
    assert code == 0 and err == "" and (tmp_path / name).is_file()


def test_a_design_without_settings_exports_with_the_loss_train_would_pick(tmp_path, capsys):
    spec = ChainSpec(2, (LayerSpec("dense", 4, "tanh"), LayerSpec("dense", 1, "sigmoid")))
    save_model(tmp_path / "d.chain", spec, dataset={"source": "generator", "name": "xor", "task": "classification"})
    code, _, err = call(capsys, "export", tmp_path / "d.chain", "--format", "torch", "--out", tmp_path / "d.py")
    assert code == 0, err
    assert "'loss': 'binarycrossentropy'" in (tmp_path / "d.py").read_text()


def test_import_onnx_keeps_the_standardisation_in_the_model_file(tmp_path, capsys):
    call(capsys, "export", EXAMPLES / "spiral.chain", "--format", "onnx", "--out", tmp_path / "s.onnx")
    code, out, err = call(capsys, "import-onnx", tmp_path / "s.onnx")
    assert code == 0 and "inputs standardised" in out and (tmp_path / "s.chain").is_file()
    back, original = load_model(tmp_path / "s.chain"), load_model(EXAMPLES / "spiral.chain")
    assert back.dataset["normalisation"] == original.dataset["normalisation"]
    X = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_array_equal(Exportable.of(back).predict(X), Exportable.of(original).predict(X))


@pytest.mark.parametrize("args, code, words", [
    (("export", EXAMPLES / "xor.chain"), 2, "required: --format"),
    (("export", EXAMPLES / "xor.chain", "--format", "keras"), 2, "invalid choice: 'keras'"),
    (("export", "missing.chain", "--format", "onnx"), 1, "no such file"),
    (("export", EXAMPLES / "xor.chain", "--format", "onnx", "--out", EXAMPLES / "xor.chain" / "x.onnx"), 1,
     "Cannot write"),
    (("import-onnx",), 2, "required: FILE"),
    (("import-onnx", EXAMPLES / "tutorial.csv", "--out", "unused.chain"), 1, "not an ONNX model"),
    (("import-onnx", "missing.onnx"), 1, "no such file"),
])
def test_mistakes_give_one_line_and_an_exit_code(args, code, words):
    got, out, err = run(*args)
    assert got == code and out == ""
    assert words in one_clean_line(err)
    assert not (ROOT / "unused.chain").exists()


def test_an_unsupported_onnx_graph_names_its_first_odd_node(tmp_path, capsys):
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((3, 2), np.float32), "W")
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["h"], transB=1),
                               helper.make_node("Selu", ["h"], ["y"], name="selu_1")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [weight])
    (tmp_path / "selu.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    code, out, err = call(capsys, "import-onnx", tmp_path / "selu.onnx")
    assert code == 1 and "node 'selu_1' (Selu)" in one_clean_line(err) and not (tmp_path / "selu.chain").exists()
