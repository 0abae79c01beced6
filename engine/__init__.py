"""Chainboard's engine: Tracker-style automatic differentiation, layers, losses and training.

The public API, and nothing else; the GUI imports only these names.

>>> from engine import gradient
>>> f = lambda x: 3 * x**2 + 2 * x + 1
>>> df = lambda x: gradient(f, x, nest=True)[0]
>>> df(2)
14.0 (tracked)
"""
from .numba_cache import use_versioned_cache

use_versioned_cache()  # before any kernel module defines a cached function

from .tracked import Tracked, data, no_grad, param  # noqa: E402  (the cache folder must come first)
from .params import Grads, Params, params, update
from .back import gradient, hessian, jacobian, withgradient
from .ops import matmul, max_ as max, mean, prod, reshape, sum_ as sum, transpose, where
from .mathops import abs_ as abs, clip, cos, exp, log, sin, sqrt
from .activations import ACTIVATIONS, Activation, identity, leakyrelu, logsoftmax, relu, sigmoid, softmax, tanh, σ
from .layers import INITIALISERS, Chain, Dense, compose, param_count
from .losses import LOSSES, binarycrossentropy, crossentropy, logitcrossentropy, mse
from .gradcheck import gradcheck, numeric_gradient
from .spec import ChainSpec, LayerSpec
from .optimisers import OPTIMISERS, Adam, Descent, Momentum, Nesterov, Optimiser, RMSProp, optimiser_from_dict
from .training import History, Progress, Trainer
from .compiled import can_compile, warm_up
from . import datasets
from .datasets import DataError, Dataset
from .csvdata import BUNDLED, CsvError, CsvPreview, LoadCancelled, load_csv, preview_csv
from .standardise import Standardiser
from .modelfile import (APP_VERSION, FORMAT_VERSION, MODEL_SUFFIX, LoadedModel, ModelFileError, load_model, save_model,
                        sweep_stray_temporaries)
from .modelfile_data import data_from_argument, open_reference, read_inputs, reference_for
from .recovery import Recovery, RecoverySlot, data_folder, find_recoveries, recovery_folder

__all__ = [
    "Grads", "Params", "Tracked", "data", "gradient", "hessian", "jacobian", "no_grad", "param", "params",
    "update", "withgradient",
    "abs", "clip", "cos", "exp", "log", "matmul", "max", "mean", "prod", "reshape", "sin", "sqrt", "sum",
    "transpose", "where",
    "ACTIVATIONS", "Activation", "identity", "leakyrelu", "logsoftmax", "relu", "sigmoid", "softmax", "tanh", "σ",
    "INITIALISERS", "Chain", "Dense", "compose", "param_count",
    "LOSSES", "binarycrossentropy", "crossentropy", "logitcrossentropy", "mse",
    "gradcheck", "numeric_gradient",
    "ChainSpec", "LayerSpec",
    "OPTIMISERS", "Adam", "Descent", "Momentum", "Nesterov", "Optimiser", "RMSProp", "optimiser_from_dict",
    "History", "Progress", "Trainer", "can_compile", "warm_up",
    "datasets", "DataError", "Dataset",
    "BUNDLED", "CsvError", "CsvPreview", "LoadCancelled", "load_csv", "preview_csv", "Standardiser",
    "APP_VERSION", "FORMAT_VERSION", "MODEL_SUFFIX", "LoadedModel", "ModelFileError", "load_model", "save_model",
    "sweep_stray_temporaries",
    "data_from_argument", "open_reference", "read_inputs", "reference_for",
    "Recovery", "RecoverySlot", "data_folder", "find_recoveries", "recovery_folder",
]
