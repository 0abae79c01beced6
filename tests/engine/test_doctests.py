"""The docstrings show use; make sure what they show is true (every module of the engine and of gui.core)."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import engine
import gui.core


def walk(package):
    yield package.__name__
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        yield info.name


MODULES = sorted({*walk(engine), *walk(gui.core)} - {"gui.core.cli.__main__"})


def test_every_module_is_found():
    assert {"engine.nn.spec", "engine.kernels.interpreter", "engine.modelfile.schema", "gui.core.fit"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    globs = {"np": np, **{k: getattr(engine, k) for k in engine.__all__}, **vars(module)}
    failures, _ = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                  verbose=False)
    assert failures == 0
