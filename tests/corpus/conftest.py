"""Fixtures for the corpus: `corpus_file(name)` gives the path of a corpus file by name, a checked-in
one (models/, csv/) copied into a fresh folder of its own, or one of big_files.BIG, written there.
The folder holds only that file, so a test can see that loading it left nothing behind.
"""
import shutil
from pathlib import Path

import pytest

from big_files import BIG, zeros_before_the_archive

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def big_files(tmp_path_factory):
    """Each BIG file, written on first use and kept for the session."""
    folder, made = tmp_path_factory.mktemp("big-corpus"), {}

    def get(name: str) -> Path:
        if name not in made:
            made[name] = folder / name
            BIG[name](made[name])
        return made[name]
    return get


@pytest.fixture
def corpus_file(tmp_path, big_files):
    """The corpus file `name` alone in a fresh folder."""
    def get(name: str) -> Path:
        target = tmp_path / name
        if name == "zeros-before-the-archive.chain":
            zeros_before_the_archive(target)  # instant, and a copy would fill the sparse file in
        elif name in BIG:
            shutil.copyfile(big_files(name), target)
        else:
            shutil.copyfile(HERE / ("models" if name.endswith(".chain") else "csv") / name, target)
        return target
    return get
