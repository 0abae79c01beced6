"""The data a command runs a model file on: `--data` if given, else the data the file refers to, checked
against the Chain's raw inputs and widened by its derived features, as training does.

    >>> dataset, ref = model_data(args, loaded)        # the rows as the file or --data gives them  # doctest: +SKIP
    >>> from engine import ChainSpec, LayerSpec, datasets
    >>> spec = ChainSpec(3, (LayerSpec("dense", 1, "sigmoid"),), ("x1*x2",))
    >>> chain_dataset(spec, datasets.circle(10)).n_features   # x1, x2 and x1*x2: the columns the Chain takes
    3
"""
from __future__ import annotations

from pathlib import Path

from engine import DataError
from engine.nn import dataset_with_features

from ..datarefs import data_from_argument, describe_sources, open_reference
from .common import Failure


def model_data(args, loaded):
    """(dataset, reference) for `args.data`, or the data `loaded` (a LoadedModel read from `args.model`)
    learns from; Failure saying to pass --data when there is none."""
    if args.data:
        return data_from_argument(args.data)
    if (loaded.dataset or {}).get("source"):
        try:
            return open_reference(loaded.dataset, Path(args.model).parent)
        except DataError as error:
            raise Failure(f"{error}; pass --data with {describe_sources()}") from None
    raise Failure(f"{args.model} does not say which data it learns from; pass --data with {describe_sources()}")


def chain_dataset(spec, dataset):
    """`dataset` with the columns `spec`'s Chain takes: its raw features, then its derived ones."""
    if dataset.n_features != spec.data_inputs:
        raise Failure(f"the model takes {spec.data_inputs} inputs but the data has {dataset.n_features} features")
    return dataset_with_features(dataset, spec.features)
