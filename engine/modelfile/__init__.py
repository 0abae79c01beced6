"""Model files (`*.chain`): a Chain with its settings, data reference, layout and history, saved atomically
and loaded trusting nothing.

    >>> from engine.modelfile import MODEL_SUFFIX
    >>> MODEL_SUFFIX
    '.chain'

    model.py     save_model, load_model, LoadedModel, ModelFileError
    schema.py    what model.json may hold, version by version
    reference.py what its dataset reference may say (reference_problem)
    archive.py   zip containers read defensively; jsonio.py strict JSON; weights.py the arrays
    atomic.py    atomic replacement and the sweep of what interrupted saves left
"""
from .atomic import atomic_write, sweep_stray_temporaries
from .model import FORMAT_VERSION, MODEL_SUFFIX, LoadedModel, ModelFileError, load_model, model_bytes, save_model
from .reference import reference_problem

__all__ = ["save_model", "load_model", "LoadedModel", "ModelFileError", "MODEL_SUFFIX", "FORMAT_VERSION",
           "model_bytes", "atomic_write", "sweep_stray_temporaries", "reference_problem"]
