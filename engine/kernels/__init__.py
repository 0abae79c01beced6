"""Every Numba function of the engine: the compiled trainer's kernels and its interpreter.

Importing this package (which the first compiled use does) imports numba and chooses the cache
folder (`cache.py`) before any cached kernel is defined; the rest of the engine never imports it,
so `import engine` stays quick.

    fastmath.py      vectorisable exp, expm1, tanh, σ for the loops below
    views.py         matrix and flat views of buffers, without Numba's reshape helper
    activations.py   activation kernels and their VJPs on 2-D arrays
    gemm.py          cblas_?gemm by its address (engine.training.blas finds the library)
    dense.py         Dense forward/backward (loops or BLAS), the fused descent step, losses and their seeds
    optimisers.py    the update rules as loops
    interpreter.py   train / evaluate: one function runs any traced Chain
"""
from .cache import use_versioned_cache

CACHE_FOLDER = use_versioned_cache()
