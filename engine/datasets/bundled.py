"""The tables that come with Chainboard: Fisher's Iris and Ezekiel's cars.

    >>> iris()
    Dataset('iris', 150 samples, 4 features, 3 classes)
    >>> iris().class_names, iris().feature_names[:2]
    (['setosa', 'versicolor', 'virginica'], ['sepal_length', 'sepal_width'])
    >>> TABLES["cars"]().task
    'regression'

The files are the installed package data `chainboard_resources/datasets/*.csv` (the source
tree's `resources/datasets/`, see its README.md), found with importlib.resources.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

from .csvload import load_csv

__all__ = ["TABLES", "iris", "cars", "table_path"]


def table_path(name: str):
    """The bundled CSV file `name` (e.g. "iris.csv") as a Traversable."""
    try:
        return importlib.resources.files("chainboard_resources") / "datasets" / name
    except ModuleNotFoundError:  # a source checkout that was never installed
        return Path(__file__).resolve().parents[2] / "resources" / "datasets" / name


def _load(name: str, target: str, task: str):
    with importlib.resources.as_file(table_path(name)) as path:
        return load_csv(path, target, task=task)


def iris():
    """Fisher's Iris (1936): 150 flowers, 4 measurements in cm, 3 species of 50 (classification)."""
    return _load("iris.csv", "species", "classification")


def cars():
    """Ezekiel's cars (1930): stopping distance in feet against speed in mph, 50 cars (regression)."""
    return _load("cars.csv", "stopping_distance_ft", "regression")


TABLES = {"iris": iris, "cars": cars}
"""Bundled tables by name, each a function returning a fresh `Dataset`."""
