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
# Modules that show no examples yet (packages' __init__ and a few others). Any other module without one
# fails: a docstring that lost its examples (or had them all turned into +SKIP) would pass unseen.
WITHOUT_EXAMPLES = {"engine._version", "engine.autodiff", "engine.kernels", "engine.nn", "engine.training",
                    "gui.core", "gui.core.cli",
                    "engine.kernels.dense", "engine.kernels.interpreter", "engine.kernels.optimisers",
                    "engine.training.eager", "engine.training.build_kernels", "gui.core.cli.predict", "gui.core.cli.train"}


def test_every_module_is_found():
    assert {"engine.nn.spec", "engine.kernels.interpreter", "engine.modelfile.schema", "gui.core.fit"} <= set(MODULES)
    assert WITHOUT_EXAMPLES <= set(MODULES)  # no stale names: a module that goes leaves the list too


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    globs = {"np": np, **{k: getattr(engine, k) for k in engine.__all__}, **vars(module)}
    failures, attempted = doctest.testmod(module, globs=globs, verbose=False,
                                          optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    assert attempted > 0 or name in WITHOUT_EXAMPLES, f"{name} shows no example of its use"
