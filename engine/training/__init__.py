"""Training: `Trainer.fit` runs epochs of shuffled minibatches on the eager tape or the compiled kernels.

    trainer.py   Trainer: epochs, batching, stop/pause, the NaN guard, progress reports
    history.py   Progress, History
    verdict.py   can_compile: whether a model can take the compiled path (no compiling)
    eager.py     EagerRunner: the tape, in numpy
    compiled.py  trace, CompiledRunner, warm_up: the compiled path (loads numba)
    blas.py      blas_threads
"""
from .history import History, Progress
from .trainer import Trainer
from .verdict import Verdict, can_compile


def warm_up(dtypes=None):
    """Compile (or load from the disk cache) the compiled path's kernels; returns the seconds it took.

    Call it on a worker thread at start, so the first compiled run does not wait. Loads numba.
    """
    import numpy as np

    from .compiled import warm_up as compile_kernels

    return compile_kernels((np.float64, np.float32) if dtypes is None else dtypes)


__all__ = ["Trainer", "History", "Progress", "Verdict", "can_compile", "warm_up"]
