"""Data to train on: the `Dataset` container, seeded generators, CSV tables, bundled tables, standardisation.

    >>> from engine import datasets
    >>> datasets.spiral(300, classes=3)
    Dataset('spiral', 300 samples, 2 features, 3 classes)
    >>> sorted(datasets.GENERATORS)[:3], sorted(datasets.TABLES)
    (['circle', 'gaussians', 'moons'], ['cars', 'iris'])

    dataset.py      Dataset, DataError, one_hot: what training reads
    generators.py   circle, xor, gaussians, spiral, moons, quadratic, sine, plane, multi_gaussian
    csvread.py      strict streaming CSV records and numbers (under csvload)
    csvload.py      load_csv, preview_csv, read_inputs (rows to predict on)
    bundled.py      iris, cars
    drawn.py        drawn_dataset, drawn_points: 2-D points drawn by hand, as model files keep them
    standardise.py  Standardiser
"""
from .bundled import TABLES, cars, iris
from .csvload import CsvPreview, load_csv, preview_csv, read_inputs
from .csvread import CsvError, LoadCancelled
from .dataset import DataError, Dataset, one_hot
from .drawn import DRAWN_CLASSES, MAX_DRAWN, drawn_dataset, drawn_points, points_problem
from .generators import GENERATORS, circle, gaussians, moons, multi_gaussian, plane, quadratic, sine, spiral, xor
from .standardise import Standardiser

__all__ = ["Dataset", "DataError", "one_hot", "GENERATORS", "circle", "xor", "gaussians", "spiral", "moons",
           "quadratic", "sine", "plane", "multi_gaussian", "TABLES", "iris", "cars", "load_csv", "preview_csv", "read_inputs", "CsvPreview", "CsvError",
           "LoadCancelled", "Standardiser", "drawn_dataset", "drawn_points", "points_problem", "MAX_DRAWN",
           "DRAWN_CLASSES"]
