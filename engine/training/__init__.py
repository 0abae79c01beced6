"""Training: `Trainer.fit` runs epochs of shuffled minibatches on the eager tape or the compiled kernels.

    trainer.py   Trainer: epochs, batching, stop/pause, the NaN guard, progress reports
    history.py   Progress, History, EpochTable
    diagnose.py  advice: what went wrong in a run that did not diverge, and what to change
    split.py     split: the validation split and standardisation training uses
    verdict.py   can_compile: whether a model can take the compiled path (no compiling)
    eager.py     EagerRunner: the tape, in numpy
    compiled.py  trace, CompiledRunner: the compiled path (loads numba)
    warmup.py    KERNELS: the compiled kernels, built in the background
    blas.py      the kernels' BLAS: gemm_address, blas_threads
"""
from .diagnose import advice
from .history import STATS, EpochTable, History, Progress, layer_columns
from .split import Split, split
from .trainer import Trainer
from .verdict import Verdict, can_compile
from .warmup import KERNELS


def warm_up(dtypes=("float64",)):
    """Build (or load from the disk cache) the compiled kernels for `dtypes` and wait; True if all are ready.

    `KERNELS.start(dtype)` does the same without waiting (the Trainer does it itself when it needs them).
    """
    return all(KERNELS.wait(dtype) for dtype in dtypes)


__all__ = ["advice", "Trainer", "History", "Progress", "EpochTable", "STATS", "layer_columns", "Split", "split", "Verdict", "can_compile", "KERNELS", "warm_up"]
