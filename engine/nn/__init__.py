"""Neural-network pieces on the tape: activations, Dense and Chain, losses, optimisers, ChainSpec.

    activations.py  Activation and the ACTIVATIONS registry (σ, tanh, relu, gelu, swish, softmax, ...)
    formula.py      formula("x * σ(x)"): an activation typed as text (formula_syntax.py checks it); calculus()
    layers.py       Dense, Chain, compose, the INITIALISERS registry
    losses.py       mse, crossentropy, logitcrossentropy, binarycrossentropy (LOSSES)
    optimisers.py   Descent, Momentum, Nesterov, RMSProp, Adam (OPTIMISERS) and their numpy rules
    spec.py         ChainSpec, LayerSpec: a Chain as plain data
    features.py     derived inputs of 2-D data (x₁², x₂², x₁x₂, sin x₁, sin x₂) a ChainSpec may name

numpy only: compiled versions of these live in engine.kernels, which builds on this package.
"""
from .activations import (ACTIVATIONS, LEAKY_SLOPE, NORMALISING, Activation, elu, gelu, identity, leakyrelu, logsigmoid,
                          logsoftmax, logσ, mish, relu, sigmoid, silu, softmax, softplus, swish, tanh, σ)
from .formula import Formula, FormulaError, calculus, formula
from .layers import INITIALISERS, Chain, Dense, compose, param_count
from .losses import LOSSES, binarycrossentropy, crossentropy, logitcrossentropy, mse
from .optimisers import OPTIMISERS, Adam, Descent, Momentum, Nesterov, Optimiser, RMSProp, optimiser_from_dict
from .schedules import SCHEDULES, Schedule, schedule_from_dict
from .features import FEATURES, add_features, check_features, dataset_with_features, feature_labels
from .spec import ChainSpec, LayerSpec

__all__ = ["Activation", "ACTIVATIONS", "NORMALISING", "LEAKY_SLOPE", "identity", "sigmoid", "σ", "tanh", "relu",
           "leakyrelu", "elu", "gelu", "swish", "silu", "softplus", "mish", "logsigmoid", "logσ", "softmax", "logsoftmax",
           "formula", "Formula", "FormulaError", "calculus",
           "Dense", "Chain", "compose", "param_count", "INITIALISERS", "LOSSES",
           "mse", "crossentropy", "logitcrossentropy", "binarycrossentropy", "Optimiser", "OPTIMISERS", "Descent",
           "Momentum", "Nesterov", "RMSProp", "Adam", "optimiser_from_dict", "ChainSpec", "LayerSpec",
           "Schedule", "SCHEDULES", "schedule_from_dict",
           "FEATURES", "add_features", "check_features", "dataset_with_features", "feature_labels"]
