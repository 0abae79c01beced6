"""The PyTorch export: the written nn.Module predicts what the engine predicts, and the file trains as Chainboard
trains, in one process and under torchrun with DistributedDataParallel (2 processes, gloo, CPU)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine import ChainSpec, LayerSpec, Standardiser, Trainer, params, save_model
from engine.datasets import GENERATORS
from engine.export import export
from engine.nn import optimiser_from_dict
from gui.core.datarefs import open_reference

from export_helpers import EXAMPLES, EXAMPLE_NAMES, every_activation, example, load_module, raw_rows, reference

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0): the PyTorch "
                                            "export's tests need it")

NORM3 = {"normalisation": {"mean": [1.0, -2.0, 3.0], "std": [2.0, 0.5, 4.0]}}


# ---- the module ----

@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_torch_module_equals_the_engine(tmp_path, name):
    loaded = example(name)
    module = load_module(export(loaded, "torch", tmp_path / "m.py")[0])
    X = raw_rows(loaded.spec.inputs)
    with torch.no_grad():
        got = module.model(torch.tensor(X)).numpy()
    np.testing.assert_allclose(got, reference(loaded, X), rtol=0, atol=1e-9)
    assert isinstance(module.model, torch.nn.Module) and "torchrun" in module.__doc__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", sorted(every_activation()))
def test_torch_every_activation_both_dtypes(tmp_path, activation, dtype):
    model = every_activation(dtype)[activation]
    module = load_module(export(model, "torch", tmp_path / "m.py", dataset=NORM3)[0])
    X = raw_rows(3)
    with torch.no_grad():
        got = module.model(torch.tensor(X)).numpy()
    assert got.dtype == dtype
    np.testing.assert_allclose(got, reference(model, X, dataset=NORM3), rtol=0, atol=1e-9 if dtype == np.float64
                               else 1e-5)


def test_torch_state_dict_names_follow_the_chain(tmp_path):
    module = load_module(export(example("spiral"), "torch", tmp_path / "m.py", inline_limit=0)[0])
    assert list(module.model.state_dict()) == [
        "standardise.mean", "standardise.std", "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias",
        "layer3.weight", "layer3.bias"]
    assert (tmp_path / "m.npz").is_file()


# ---- training as Chainboard trains ----

def chainboard_train(loaded, epochs):
    """What `chainboard train MODEL --epochs N` does to a trained model (gui/core/cli/train.py)."""
    dataset, _ = open_reference(loaded.dataset, EXAMPLES)
    settings = loaded.settings
    trainer = Trainer(loaded.model, settings["loss"], optimiser_from_dict(settings["optimiser"]),
                      batch_size=settings["batch_size"], seed=settings["seed"])
    return trainer.fit(Standardiser.from_dict(loaded.dataset["normalisation"]).apply(dataset), epochs,
                       validation=settings["validation"])


@pytest.mark.parametrize("name", ["xor", "spiral", "tutorial"])  # a generator, three classes, a CSV file
def test_the_torch_training_loop_takes_chainboards_steps(tmp_path, name):
    loaded = example(name)
    module = load_module(export(loaded, "torch", tmp_path / "m.py")[0])
    history = module.train(epochs=4, report=lambda *_: None)
    ours = chainboard_train(loaded, 4)
    np.testing.assert_allclose(history["train_loss"], ours.train_loss, rtol=1e-9)
    np.testing.assert_allclose(history["val_loss"], ours.val_loss, rtol=1e-9)
    assert history["accuracy"] == ours.accuracy
    state = module.model.state_dict()
    for p, key in zip(params(loaded.model), [k for k in state if k.startswith("layer")]):
        np.testing.assert_allclose(state[key].numpy(), p.value, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_the_torch_file_makes_the_generators_data(tmp_path, name):
    params = {"n": 60, "noise": 0.2, "seed": 3}
    ref = {"source": "generator", "name": name, "params": params}
    module = load_module(export(ChainSpec(2 if name not in ("quadratic", "sine") else 1, (LayerSpec("dense", 1),)),
                                "torch", tmp_path / "m.py", dataset=ref)[0])
    X, y = module.load_data()
    dataset, _ = open_reference(ref)
    assert np.array_equal(X, dataset.X) and np.array_equal(y, dataset.y)


def test_the_torch_file_reads_a_csv_and_a_bundled_table_as_chainboard_does(tmp_path):
    loaded = example("tutorial")
    module = load_module(export(loaded, "torch", tmp_path / "m.py")[0])
    X, y = module.load_data()
    dataset, _ = open_reference(loaded.dataset, EXAMPLES)
    assert np.array_equal(X, dataset.X) and np.array_equal(y, dataset.y)
    iris = {"source": "bundled", "name": "iris"}
    module = load_module(export(ChainSpec(4, (LayerSpec("dense", 3, "softmax"),)), "torch", tmp_path / "i.py",
                                dataset=iris)[0])
    X, y = module.load_data()
    dataset, _ = open_reference(iris)
    assert np.array_equal(X, dataset.X) and np.array_equal(y, dataset.y)


def test_a_design_trains_from_the_weights_chainboard_would_start_from(tmp_path):
    spec = ChainSpec(2, (LayerSpec("dense", 6, "tanh"), LayerSpec("dense", 1, "sigmoid")))
    settings = {"loss": "binarycrossentropy", "optimiser": {"name": "Momentum", "eta": 0.1, "rho": 0.9,
                                                            "weight_decay": 0.001},
                "batch_size": 16, "epochs": 3, "seed": 5, "validation": 0.25}
    ref = {"source": "generator", "name": "moons", "params": {"n": 90, "seed": 1}}
    save_model(tmp_path / "d.chain", spec, settings=settings, dataset=ref)
    module = load_module(export(spec, "torch", tmp_path / "d.py", settings=settings, dataset=ref)[0])
    history = module.train(report=lambda *_: None)
    # chainboard train on the design: fresh weights from the seed, statistics from the training split
    dataset, _ = open_reference(ref)
    model = spec.build(seed=5)
    standardiser = Standardiser.fit(dataset.split(0.25, seed=5)[0].X)
    ours = Trainer(model, "binarycrossentropy", optimiser_from_dict(settings["optimiser"]), batch_size=16,
                   seed=5).fit(standardiser.apply(dataset), 3, validation=0.25)
    np.testing.assert_allclose(history["train_loss"], ours.train_loss, rtol=1e-9)
    np.testing.assert_allclose(module.model.standardise.mean.numpy(), standardiser.mean, rtol=0, atol=1e-15)


@pytest.mark.parametrize("optimiser", [{"name": "Descent", "eta": 0.3}, {"name": "Nesterov", "eta": 0.05},
                                       {"name": "RMSProp", "eta": 0.01, "weight_decay": 0.01},
                                       {"name": "Adam", "eta": 0.02, "l1": 0.001,
                                        "schedule": {"kind": "step", "epochs": 1, "factor": 0.5}},
                                       {"name": "Descent", "eta": 0.3, "schedule": {"kind": "cosine", "epochs": 2}},
                                       {"name": "Momentum", "eta": 0.05, "l1": 0.01, "weight_decay": 0.01,
                                        "schedule": {"kind": "exponential", "epochs": 2, "factor": 0.3}}])
def test_every_optimiser_takes_the_engines_steps(tmp_path, optimiser):
    loaded = example("circle")
    settings = dict(loaded.settings, optimiser=optimiser_from_dict(optimiser).to_dict(), loss="mse")
    module = load_module(export(loaded, "torch", tmp_path / "c.py", settings=settings)[0])
    history = module.train(epochs=3, report=lambda *_: None)
    ours = chainboard_train(type(loaded)(**{**vars(loaded), "settings": settings}), 3)
    np.testing.assert_allclose(history["train_loss"], ours.train_loss, rtol=1e-9)


def test_torchrun_two_processes_take_the_steps_one_takes(tmp_path):
    path = export(example("spiral"), "torch", tmp_path / "spiral_torch.py")[0]
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    assert torchrun, "torchrun comes with torch"
    env = dict(os.environ, OMP_NUM_THREADS="1")  # the same threads for both runs
    runs = {}
    for name, launcher in (("one", [sys.executable]), ("two", [torchrun, "--standalone", "--nproc_per_node=2"])):
        done = subprocess.run([*launcher, str(path), "--epochs", "2", "--out", str(tmp_path / f"{name}.pt")],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
        runs[name] = done.stdout
    one, two = (torch.load(tmp_path / f"{name}.pt", weights_only=True) for name in ("one", "two"))
    assert list(one) == list(two)
    for key in one:  # each process took half of every minibatch; the averaged gradients are the whole batch's
        np.testing.assert_allclose(two[key].numpy(), one[key].numpy(), rtol=0, atol=1e-9)
    last = lambda out: next(line for line in out.splitlines() if line.startswith("epoch 2/2"))  # noqa: E731
    assert last(runs["one"]) == last(runs["two"])
