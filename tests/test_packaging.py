"""`pip install .` (not editable) gives a working Chainboard outside the source tree: the console script
dispatches every sub-command, and the bundled tables, icons and examples are there."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project installed into a folder of its own (dependencies come from this environment)."""
    target = tmp_path_factory.mktemp("site")
    # a clean copy of the sources: an in-tree build/ folder could hold stale modules
    source = tmp_path_factory.mktemp("source") / "chainboard"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                                 ".pytest_cache", ".hypothesis"))
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return target


def run(installed, *args, cwd):
    env = dict(os.environ, PYTHONPATH=str(installed), QT_QPA_PLATFORM="offscreen")
    script = installed / "bin" / "chainboard"
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_every_package_in_the_tree_is_installed(installed):
    for folder in ("engine", "gui"):
        for init in (ROOT / folder).rglob("__init__.py"):
            assert (installed / init.relative_to(ROOT)).is_file(), f"{init.parent.relative_to(ROOT)} is not installed"
    for resource in ("datasets/iris.csv", "datasets/cars.csv", "icons/relu.svg", "examples/xor.chain"):
        assert (installed / "chainboard_resources" / resource).is_file(), resource


def test_the_console_script_runs_each_command_from_another_folder(installed, tmp_path):
    done = run(installed, "--help", cwd=tmp_path)
    assert done.returncode == 0 and all(f"  {c} " in done.stdout for c in ("train", "info", "predict")), done.stderr
    example = installed / "chainboard_resources" / "examples" / "xor.chain"
    done = run(installed, "info", example, cwd=tmp_path)
    assert done.returncode == 0 and "Chain(Dense(2 => 8, tanh)" in done.stdout, done.stderr
    design = tmp_path / "iris-design.chain"
    make = (f"from engine import ChainSpec, LayerSpec, save_model; save_model(r'{design}', ChainSpec(4, "
            "(LayerSpec('dense', 8, 'tanh'), LayerSpec('dense', 3), LayerSpec('activation', activation='softmax'))))")
    env = dict(os.environ, PYTHONPATH=str(installed))
    subprocess.run([sys.executable, "-c", make], cwd=tmp_path, env=env, check=True, timeout=60)
    done = run(installed, "train", design, "--data", "iris", "--epochs", "2", "--out", tmp_path / "iris.chain",
               "--quiet", cwd=tmp_path)
    assert done.returncode == 0 and "saved" in done.stdout, done.stderr  # it found the bundled table
    done = run(installed, "info", tmp_path / "iris.chain", cwd=tmp_path)
    assert "data: iris (bundled)" in done.stdout and "2 epochs" in done.stdout, done.stdout + done.stderr


def test_the_window_opens_from_the_installed_package(installed, tmp_path):
    done = run(installed, "--screenshot", tmp_path / "shot.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shot.png").stat().st_size > 10_000
