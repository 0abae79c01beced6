"""Model files: what was saved comes back, bit for bit; saves are atomic; versions migrate."""
import errno
import io
import json
import os
import re
import secrets
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.modelfile import schema as modelfile_schema
from engine.nn.activations import ACTIVATIONS, relu, sigmoid, softmax, tanh
from engine.datasets import xor
from engine.nn.layers import Chain, Dense
from engine.modelfile import (FORMAT_VERSION, ModelFileError, load_model, model_bytes, save_model,
                              sweep_stray_temporaries)
from engine.modelfile.archive import write_archive
from engine.modelfile.atomic import HOST, TEMP_SUFFIX, atomic_write, is_temporary, our_temporaries
from engine.modelfile.schema import MAX_HISTORY
from engine.nn.optimisers import Adam
from engine.nn.spec import ChainSpec, LayerSpec
from engine.datasets.standardise import Standardiser
from engine.training import Trainer


def small_model(seed=0):
    return Chain(Dense(2, 3, relu, rng=seed), Dense(3, 1, sigmoid, rng=seed + 1))


def weights_of(model):
    return [(p.value.dtype, p.value.shape, p.value.tobytes()) for p in model.parameters()]


# ---- random architectures and weights, float32 and float64 ----

ACTS = sorted(ACTIVATIONS)


@st.composite
def chains(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    size = draw(st.integers(1, 5))
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            units = draw(st.integers(1, 5))
            elements = st.floats(width=np.dtype(dtype).itemsize * 8, allow_nan=False, allow_infinity=False)
            weight = draw(hnp.arrays(dtype, (units, size), elements=elements))
            bias = draw(st.none() | hnp.arrays(dtype, (units,), elements=elements))
            blocks.append(Dense.from_arrays(weight, bias, ACTIVATIONS[draw(st.sampled_from(ACTS))]))
            size = units
        else:
            blocks.append(ACTIVATIONS[draw(st.sampled_from(ACTS))])
    if not any(isinstance(b, Dense) for b in blocks):  # a Chain needs a Dense to know its inputs
        blocks.append(Dense.from_arrays(np.zeros((1, size), dtype)))
    return Chain(*blocks)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("roundtrip")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_chains_come_back_bit_identical(folder, model):
    path = folder / "random.chain"
    problems = ChainSpec.from_chain(model).problems()
    if problems:  # softmax over one unit, σ after softmax: trained weights for such a Chain are refused
        with pytest.raises(ModelFileError, match="has a problem: " + re.escape(problems[0])):
            save_model(path, model)
        return
    save_model(path, model)
    loaded = load_model(path)
    assert loaded.trained and loaded.spec == ChainSpec.from_chain(model)
    assert repr(loaded.model) == repr(model)
    assert weights_of(loaded.model) == weights_of(model)  # dtype, shape and every bit (-0.0, subnormals)
    assert all(a is b for a, b in zip(loaded.model.layers, model.layers) if not isinstance(a, Dense))


def test_everything_around_the_model_comes_back(tmp_path):
    data = xor(60, seed=1)
    standardiser = Standardiser.fit(data.X)
    model = small_model()
    history = Trainer(model, "binarycrossentropy", Adam(0.05), batch_size=16).fit(standardiser.apply(data), 4)
    layout = {"blocks": [{"block_id": 1, "kind": "input", "x": 0.0, "y": -20.5, "units": 2}],
              "wires": [], "view": {"zoom": 1.25, "centre": [10, 20]}, "note": "Ünïcode σ ✓ \ud800"}
    settings_ = {"loss": "binarycrossentropy", "optimiser": Adam(0.05), "batch_size": np.int64(16),
                 "epochs": 4, "seed": 0, "validation": 0.2, "dtype": "float64"}
    dataset = {"source": "generator", "name": "xor", "params": {"n": 60, "seed": 1}, "task": "classification",
               "class_names": ["0", "1"], "normalisation": standardiser}
    path = tmp_path / "full.chain"
    save_model(path, model, settings=settings_, layout=layout, history=history, dataset=dataset)
    loaded = load_model(path)
    assert loaded.layout == layout
    assert loaded.settings == dict(settings_, optimiser=Adam(0.05).to_dict(), batch_size=16)
    assert loaded.dataset == dict(dataset, normalisation=standardiser.to_dict())
    assert loaded.history["train_loss"] == history.train_loss
    assert loaded.history["accuracy"] == history.accuracy
    assert loaded.history["epochs_done"] == history.epochs_done == 4
    assert loaded.version == FORMAT_VERSION and loaded.writer["app"] == "Chainboard"
    assert weights_of(loaded.model) == weights_of(model)


def test_a_design_without_weights_round_trips(tmp_path):
    spec = ChainSpec(4, (LayerSpec("dense", 3, "tanh", init="he_normal"), LayerSpec("activation", activation="relu")))
    save_model(tmp_path / "design.chain", spec, layout={"zoom": 2})
    loaded = load_model(tmp_path / "design.chain")
    assert loaded.model is None and not loaded.trained and loaded.spec == spec


def test_spec_keeps_initialisers_and_must_match_the_model(tmp_path):
    spec = ChainSpec(2, (LayerSpec("dense", 3, "relu", init="he_uniform"), LayerSpec("dense", 1, "sigmoid")))
    save_model(tmp_path / "a.chain", small_model(), spec=spec)
    assert load_model(tmp_path / "a.chain").spec == spec
    other = ChainSpec(2, (LayerSpec("dense", 4, "relu"), LayerSpec("dense", 1, "sigmoid")))
    with pytest.raises(ModelFileError, match="another architecture"):
        save_model(tmp_path / "b.chain", small_model(), spec=other)


def test_the_file_is_a_plain_zip_of_json_and_npz(tmp_path):
    save_model(tmp_path / "m.chain", small_model(), settings={"loss": "mse"})
    with zipfile.ZipFile(tmp_path / "m.chain") as zf:
        assert zf.namelist() == ["model.json", "weights.npz"]
        doc = json.loads(zf.read("model.json"))
        with np.load(io.BytesIO(zf.read("weights.npz")), allow_pickle=False) as npz:
            assert sorted(npz.files) == ["layer0.bias", "layer0.weight", "layer1.bias", "layer1.weight"]
            assert npz["layer0.weight"].shape == (3, 2)
    assert doc["format"] == "chainboard" and doc["version"] == FORMAT_VERSION
    assert doc["spec"] == ChainSpec.from_chain(small_model()).to_dict()


def test_saving_twice_gives_the_same_bytes():
    assert model_bytes(small_model(), settings={"seed": 3}) == model_bytes(small_model(), settings={"seed": 3})


def test_long_histories_are_thinned_and_keep_their_ends(tmp_path):
    n = 5 * MAX_HISTORY + 3
    losses = list(np.linspace(2.0, 0.1, n))
    losses[7] = float("nan")
    save_model(tmp_path / "h.chain", small_model(), history={"train_loss": losses, "val_loss": []})
    history = load_model(tmp_path / "h.chain").history
    assert len(history["train_loss"]) == len(history["epoch"]) <= MAX_HISTORY
    assert history["epoch"][0] == 1 and history["epoch"][-1] == n
    assert history["train_loss"][0] == losses[0] and history["train_loss"][-1] == losses[-1]
    assert history["val_loss"] == []
    assert all(losses[e - 1] == v for e, v in zip(history["epoch"], history["train_loss"]) if v is not None)


# ---- what cannot be saved is refused before the old file is touched ----

@pytest.mark.parametrize("kwargs, message", [
    ({"model": Chain(Dense(2, 2, rng=0), lambda x: x * 2)}, "only a Chain"),
    ({"model": Chain(Dense(2, 2, lambda x: x, rng=0))}, "only a Chain"),
    ({"settings": {"learning_rate": 0.1}}, "unknown key"),
    ({"settings": {"loss": "hinge"}}, "settings.loss"),
    ({"settings": {"epochs": float("nan")}}, "settings.epochs"),
    ({"layout": {"item": object()}}, "cannot hold"),
    ({"layout": {"x": float("inf")}}, "finite"),
    ({"history": {"train_loss": ["a"]}}, "numbers"),
    ({"dataset": {"normalisation": {"mean": [0.0], "std": [1.0]}}}, "normalisation"),
])
def test_unsaveable_input_leaves_the_old_file_alone(tmp_path, kwargs, message):
    path = tmp_path / "keep.chain"
    save_model(path, small_model())
    before = path.read_bytes()
    kwargs = dict(kwargs)
    with pytest.raises(ModelFileError, match=message) as error:
        save_model(path, kwargs.pop("model", small_model()), **kwargs)
    assert str(path) in str(error.value) and error.value.action == "save"
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.chain"]


def test_non_finite_weights_are_refused_with_advice(tmp_path):
    model = small_model()
    model[0].weight.value[0, 0] = np.nan
    with pytest.raises(ModelFileError, match="NaN or infinite.*retrain"):
        save_model(tmp_path / "nan.chain", model)
    assert not os.listdir(tmp_path)


# ---- atomic saves ----

@pytest.mark.parametrize("broken", ["fsync", "replace", "write"])
def test_a_failing_save_keeps_the_old_file_and_removes_its_temporary(tmp_path, monkeypatch, broken):
    path = tmp_path / "model.chain"
    save_model(path, small_model(0))
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if broken == "write":
        monkeypatch.setattr("engine.modelfile.atomic.os.fdopen", lambda *a, **k: _FullFile(*a, **k))
    else:
        monkeypatch.setattr(os, broken, disk_full)
    with pytest.raises(ModelFileError, match="No space left on device; the previous file is unchanged"):
        save_model(path, small_model(1))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.chain"]


class _FullFile(io.FileIO):
    """A file on a full disk: writes fail."""
    def __init__(self, fd, mode):
        super().__init__(fd, "wb")

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_save_that_does_not_read_back_is_not_kept(tmp_path, monkeypatch):
    path = tmp_path / "model.chain"
    save_model(path, small_model(0))
    before = path.read_bytes()
    real_fsync = os.fsync

    def forgetful_disk(fd):  # the disk says it synced, but a byte in the middle rotted
        os.pwrite(fd, b"\xff", os.fstat(fd).st_size // 2)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", forgetful_disk)
    with pytest.raises(ModelFileError, match="did not read back"):
        save_model(path, small_model(1))
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.chain"]


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(ModelFileError, match="nothing was saved"):
        save_model(tmp_path / "nowhere" / "m.chain", small_model())


def test_saving_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "m.chain"
    save_model(path, small_model())
    os.chmod(path, 0o640)
    save_model(path, small_model(3))
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.fixture(scope="module")
def gone_pid():
    """The pid of a process that has finished (on this machine)."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def temporary(folder, target, owner):
    return folder / f".{target}.{owner}.{secrets.token_hex(8)}{TEMP_SUFFIX}"


def test_sweep_removes_only_temporaries_whose_writer_is_gone(tmp_path, gone_pid):
    gone = temporary(tmp_path, "model.chain", f"{HOST}-{gone_pid}")
    keep = [temporary(tmp_path, "model.chain", f"{HOST}-{os.getppid()}"),    # a live process: a save in progress
            temporary(tmp_path, "model.chain", f"{HOST}-{os.getpid()}"),     # this one, but not in its list
            temporary(tmp_path, "model.chain", f"{'0' * 8}-{gone_pid}"),     # another machine (a shared folder)
            tmp_path / "model.chain", tmp_path / ".hidden", tmp_path / f"x{TEMP_SUFFIX}",
            tmp_path / f".model.chain.{'ab' * 8}{TEMP_SUFFIX}"]              # no owner in the name
    for p in [gone, *keep]:
        p.write_bytes(b"x")
    (folder := temporary(tmp_path, "dir", f"{HOST}-{gone_pid}")).mkdir()
    assert is_temporary(gone) and is_temporary(folder) and not is_temporary(keep[-1])
    assert sweep_stray_temporaries(tmp_path) == [gone]
    assert sorted(tmp_path.iterdir()) == sorted([folder, *keep])
    assert sweep_stray_temporaries(tmp_path / "missing") == []


def test_a_temporary_this_process_could_not_remove_is_listed_and_swept_later(tmp_path, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied")

    def check(temp):
        assert our_temporaries() == [Path(os.path.abspath(temp))]  # listed while it is written
        monkeypatch.setattr(os, "unlink", refuse)
        raise OSError("the disk did not keep it")

    with pytest.raises(OSError, match="did not keep it"):
        atomic_write(tmp_path / "m.chain", b"data", check=check)
    monkeypatch.undo()
    [left] = list(tmp_path.iterdir())
    assert our_temporaries() == [Path(os.path.abspath(left))]
    assert sweep_stray_temporaries(tmp_path / "elsewhere") == [] and left.exists()
    assert sweep_stray_temporaries(tmp_path) == [left] and our_temporaries() == []
    assert list(tmp_path.iterdir()) == []


# ---- versions ----

def _write_doc(path, doc, weights=b"PK\x05\x06" + bytes(18)):
    with open(path, "wb") as f:
        write_archive(f, [("model.json", json.dumps(doc).encode(), True), ("weights.npz", weights, False)])


def test_a_newer_file_says_which_chainboard_it_needs(tmp_path):
    doc = {"format": "chainboard", "version": FORMAT_VERSION + 1, "requires": "7.1", "new_key": {}}
    _write_doc(tmp_path / "new.chain", doc)
    with pytest.raises(ModelFileError, match="needs Chainboard ≥ 7.1"):
        load_model(tmp_path / "new.chain")


def test_older_versions_are_migrated_step_by_step(tmp_path, monkeypatch):
    # Pretend the format moved on to version 2, which renamed "chain" to "spec".
    def rename(doc):
        doc["spec"] = doc.pop("chain")
        return doc

    monkeypatch.setattr(modelfile_schema, "FORMAT_VERSION", 2)
    monkeypatch.setattr(modelfile_schema, "MIGRATIONS", {1: rename})
    old = {"format": "chainboard", "version": 1, "trained": False,
           "chain": {"inputs": 3, "layers": [{"kind": "dense", "units": 2}]}}
    _write_doc(tmp_path / "old.chain", old)
    loaded = load_model(tmp_path / "old.chain")
    assert loaded.version == 1 and loaded.spec == ChainSpec(3, (LayerSpec("dense", 2),))
    monkeypatch.setattr(modelfile_schema, "MIGRATIONS", {})
    with pytest.raises(ModelFileError, match="format 1 cannot be read"):
        load_model(tmp_path / "old.chain")


def test_modules_hold_no_pickle_eval_exec_or_dynamic_import():
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    paths = [*(root / "engine" / "modelfile").glob("*.py"), *(root / "engine" / "datasets").glob("*.py"),
             root / "gui" / "core" / "recovery.py", root / "gui" / "core" / "datarefs.py"]
    assert len(paths) > 10
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))
        builtins = {n.id for n in nodes if isinstance(n, ast.Name)} & {"eval", "exec", "compile", "__import__"}
        # importlib.resources reads package files; importlib itself could import code by name
        modules = {a.name for n in nodes if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in nodes if isinstance(n, ast.ImportFrom) and n.module}
        modules = {m if m == "importlib.resources" else m.split(".")[0] for m in modules}
        pickling = {k.arg for n in nodes if isinstance(n, ast.Call) for k in n.keywords
                    if k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant) and k.value.value is False)}
        assert not builtins, (path.name, builtins)
        assert not modules & {"pickle", "marshal", "shelve", "importlib", "dill", "cloudpickle"}, path.name
        assert not pickling, path.name


def test_softmax_and_tanh_blocks_are_the_engine_singletons(tmp_path):
    save_model(tmp_path / "s.chain", Chain(Dense(2, 2, tanh, rng=0), softmax))
    loaded = load_model(tmp_path / "s.chain").model
    assert loaded[1] is softmax and loaded[0].act is tanh


def test_a_very_repetitive_document_is_stored_so_it_still_loads(tmp_path):
    layout = {"blocks": [{"kind": "dense", "x": 0.0, "y": 0.0}] * 3000}  # deflates ~300 times
    save_model(tmp_path / "r.chain", small_model(), layout=layout)
    assert load_model(tmp_path / "r.chain").layout == layout
    with zipfile.ZipFile(tmp_path / "r.chain") as zf:
        assert zf.getinfo("model.json").compress_type == zipfile.ZIP_STORED


def test_saving_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    (tmp_path / "real").mkdir()
    save_model(tmp_path / "real" / "m.chain", small_model(0))
    (tmp_path / "link.chain").symlink_to(tmp_path / "real" / "m.chain")
    save_model(tmp_path / "link.chain", small_model(5))
    assert (tmp_path / "link.chain").is_symlink()
    assert weights_of(load_model(tmp_path / "real" / "m.chain").model) == weights_of(small_model(5))


def test_a_save_sweeps_what_interrupted_saves_of_the_same_file_left(tmp_path, gone_pid):
    mine, theirs = (temporary(tmp_path, name, f"{HOST}-{gone_pid}") for name in ("m.chain", "other.chain"))
    for p in (mine, theirs):
        p.write_bytes(b"half a model")
    save_model(tmp_path / "m.chain", small_model())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.chain", theirs.name])


@pytest.mark.parametrize("name", ["elu", "gelu", "swish", "softplus", "mish", "logsigmoid"])
def test_the_newer_activations_save_and_load_by_name(tmp_path, name):
    act = ACTIVATIONS[name]
    model = Chain(Dense(3, 4, act, rng=0), act, Dense(4, 2, rng=1))
    save_model(tmp_path / f"{name}.chain", model)
    loaded = load_model(tmp_path / f"{name}.chain")
    assert loaded.model.layers[0].act is act and loaded.model.layers[1] is act
    assert [layer.activation for layer in loaded.spec.layers] == [name, name, "identity"]
    x = np.random.default_rng(2).standard_normal((5, 3))
    np.testing.assert_array_equal(loaded.model(x).value, model(x).value)
