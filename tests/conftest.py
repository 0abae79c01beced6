"""Test settings shared by the whole suite: Qt renders offscreen, randomness is seeded per test."""
import os

# Must happen before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded generator, so every test that draws random numbers is reproducible."""
    return np.random.default_rng(1234)
