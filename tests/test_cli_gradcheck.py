"""`chainboard gradcheck`: a table per layer, exit 0 when right, 1 when a layer is red, 2 on bad input."""
import subprocess
import sys
from pathlib import Path

import pytest

import engine.autodiff.elementwise as el
from engine.modelfile import load_model
from gui.core import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"


def run(*args):
    done = subprocess.run([sys.executable, "-m", "gui.core.cli", "gradcheck", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def rows(out):
    """{layer name: [W 1st, b 1st, W 2nd, b 2nd, status]} from the printed table."""
    table = {}
    for line in out.splitlines()[2:]:
        *name, w1, b1, w2, b2, status = line.split()
        table[" ".join(name)] = [float(w1), float(b1), float(w2), float(b2), status]
    return table


def test_a_right_model_prints_every_layer_green_and_exits_0():
    code, out, err = run(EXAMPLES / "xor.chain")
    assert code == 0 and err == ""
    loaded = load_model(EXAMPLES / "xor.chain")
    table = rows(out)
    dense = [layer for layer in loaded.model.layers if hasattr(layer, "weight")]
    assert len(table) == len(dense)
    for (name, cells), layer in zip(table.items(), dense):
        assert repr(layer) in name and cells[-1] == "green"
        assert all(0 <= e <= 1e-7 for e in cells[:4])
    assert "on 200 samples" in out.splitlines()[0]


def test_other_data_is_taken_from_data(tmp_path):
    code, out, err = run(EXAMPLES / "xor.chain", "--data", "circle:n=50", "--rows", 30)
    assert code == 0, err
    assert "on 30 samples" in out


@pytest.mark.parametrize("args,says", [
    (("missing.chain",), "no such file"),
    ((EXAMPLES / "xor.chain", "--data", "iris"), "takes 2 inputs but the data has 4"),
    ((EXAMPLES / "xor.chain", "--data", "nonsense"), "neither a dataset name"),
    ((EXAMPLES / "xor.chain", "--directions", "many"), "expected a whole number"),
])
def test_bad_input_exits_2_with_one_clear_line(args, says):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and says in err


def test_a_red_layer_exits_1_and_names_it(monkeypatch, capsys):
    # the xor model's first layer is Dense(2 => 8, tanh): a wrong tanh derivative is that layer's
    monkeypatch.setattr(el, "_tanh_vjp", lambda g, out, x: (g * (1 - out * out) * 1.01,))
    code = cli.main(["gradcheck", str(EXAMPLES / "xor.chain"), "--directions", "1"])
    out, err = capsys.readouterr()
    table = rows(out)
    first, second = table.values()
    assert code == 1 and first[-1] == "red" and first[0] > 1e-5
    assert second[0] <= 1e-7  # the output layer's ∂L/∂W never passes through the tanh
    assert "wrong derivatives in 1 Dense(2 => 8, tanh)" in err


def test_a_model_with_derived_features_is_checked_and_drawn_on_the_columns_it_takes(tmp_path):
    """gradcheck and landscape compared the Chain's input count with the raw data's and refused a model with
    x₁², x₂², x₁x₂ ("the model takes 5 inputs but the data has 2 features")."""
    from engine.modelfile import save_model
    from engine.nn.spec import ChainSpec, LayerSpec
    spec = ChainSpec(5, (LayerSpec("dense", 6, "tanh"), LayerSpec("dense", 1, "sigmoid")), ("x1^2", "x2^2", "x1*x2"))
    design = tmp_path / "design.chain"
    save_model(design, spec, settings={"seed": 1, "epochs": 3})
    assert cli.main(["train", str(design), "--data", "circle:n=100", "--quiet"]) == 0
    code, out, err = run(design)
    assert code == 0 and err == "", err
    assert all(cells[-1] == "green" for cells in rows(out).values())
    picture = tmp_path / "plane.png"
    done = subprocess.run([sys.executable, "-m", "gui.core.cli", "landscape", str(design), "--out", str(picture),
                           "--resolution", "9"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and picture.stat().st_size > 0, done.stderr
