"""The mnist-size step against a bare loop of the BLAS calls it makes: how much of the step is ours.

    .venv/bin/python benchmarks/bench_blas_floor.py                 # float64, ~15 s
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_blas_floor.py --dtype f32

A 784-128-10 step at batch 64 is two big products: the first layer's forward x @ W (64×784 by 784×128) and its
weight gradient with plain Descent's update riding in it, W = W - η·xᵀg (one GEMM with beta 1, as
`engine.kernels.dense.descent_step` calls it). This times those two calls through the same OpenBLAS entry the
kernels use (`engine.training.blas.gemm_address`), with each step's minibatch gathered from a 60,000-row array
by a fresh permutation, as training does, so the operands come from memory as they do in a real step. Beside it,
the compiled `Trainer.fit` on the same spec (bench_train's run, which adds the small layer, softmax, the loss and
everything else). One thread; the best of `rounds` for each row.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads its OpenBLAS
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as B  # noqa: E402
from engine.training.blas import blas_name  # noqa: E402

BATCH, N_IN, N_HIDDEN, ROWS = 64, 784, 128, 60000


def bare_loop(dtype, steps, gather, forward, update):
    """µs per step of the chosen parts: gather a minibatch, x @ W, W -= η·xᵀg."""
    cblas = B.kernels_gemm(dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((ROWS, N_IN)).astype(dtype)
    W = (rng.standard_normal((N_IN, N_HIDDEN)) * 0.01).astype(dtype)  # stored (in, out), as the first layer's
    g = rng.standard_normal((BATCH, N_HIDDEN)).astype(dtype)
    x, h = np.empty((BATCH, N_IN), dtype), np.empty((BATCH, N_HIDDEN), dtype)
    order = rng.permutation(ROWS)
    start = time.perf_counter()
    for s in range(steps):
        lo = s * BATCH % (ROWS - BATCH)
        if gather:
            np.take(X, order[lo:lo + BATCH], axis=0, out=x)
        if forward:
            cblas(B.ROW_MAJOR, B.PLAIN, B.PLAIN, BATCH, N_HIDDEN, N_IN, 1.0, x.ctypes.data, N_IN, W.ctypes.data,
                  N_HIDDEN, 0.0, h.ctypes.data, N_HIDDEN)
        if update:
            cblas(B.ROW_MAJOR, B.TRANSPOSED, B.PLAIN, N_IN, N_HIDDEN, BATCH, -B.LR, x.ctypes.data, N_IN,
                  g.ctypes.data, N_HIDDEN, 1.0, W.ctypes.data, N_HIDDEN)
    return (time.perf_counter() - start) / steps * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dtype", choices=("f64", "f32"), default="f64")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    dtype = {"f64": np.float64, "f32": np.float32}[args.dtype]
    print(f"# bench_blas_floor: {args.dtype}, one thread; {blas_name()}"
          + (f"; OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} set" if "OPENBLAS_CORETYPE" in os.environ else ""))
    parts = {"gather": (1, 0, 0), "x @ W": (0, 1, 0), "W -= η·xᵀg": (0, 0, 1), "both products": (0, 1, 1),
             "gather + both products": (1, 1, 1)}
    for name, chosen in parts.items():
        best = min(bare_loop(dtype, 900, *chosen) for _ in range(args.rounds))
        print(f"{name:28s} {best:7.1f} µs/step")
    data = B.CASES["mnist-size"][3]()
    steps_per_s = max(B.run_ours("mnist-size", dtype, 0, data, blas_threads=1)[0]  # one whole epoch: no clock
                      for _ in range(args.rounds))
    print(f"{'Trainer.fit (compiled)':28s} {1e6 / steps_per_s:7.1f} µs/step")


if __name__ == "__main__":
    main()
