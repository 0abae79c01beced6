"""The docstrings show use; make sure what they show is true."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import engine

MODULES = sorted(m.name for m in pkgutil.iter_modules(engine.__path__))


@pytest.mark.parametrize("name", ["__init__"] + MODULES)
def test_docstring_examples(name):
    module = engine if name == "__init__" else importlib.import_module(f"engine.{name}")
    globs = {"np": np, **{k: getattr(engine, k) for k in engine.__all__}, **vars(module)}
    failures, _ = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                  verbose=False)
    assert failures == 0
