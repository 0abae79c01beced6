"""The Qt-free layer of the application: everything the window does that needs no display.

The command line runs on it alone; the Qt layer (the rest of gui/) observes it. Nothing here
imports PySide6 or pyqtgraph (an import-linter contract in pyproject.toml holds that).

    cli.py        `chainboard train | info | predict ...`
    datarefs.py   the data a model file refers to, rebuilt into a Dataset
    fit.py        does a Chain fit the data: its output, and the loss to train it with
    outputs.py    what a Chain's outputs mean (class probabilities)
    recovery.py   recovery copies in the per-user data folder
    resources.py  the bundled icons and example models
"""
