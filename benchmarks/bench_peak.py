"""Compiled training against the machine's own limit: each spec's throughput as a share of the GEMM peak.

    .venv/bin/python benchmarks/bench_peak.py                       # every spec, f64 and f32, ~1-2 minutes
    .venv/bin/python benchmarks/bench_peak.py --specs mnist --dtypes f64 --rounds 5

Everything runs on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)), in one process, so the
peak and the runs see the same machine. The peak is the best GEMM rate of numpy's BLAS and of the one the
compiled kernels call (scipy-openblas32's) on square matrices. A spec's limit is that peak divided by its flops
per step: forward 2·b·in·out per layer, the weight gradient as much again, and the input gradient as much again for
every layer but the first (no one needs dL/dX). `ours` is `Trainer.fit` on the compiled path with SGD and
shuffling (bench_train's run), torch is PyTorch eager on the same network and data, and JAX's whole-epoch
`lax.scan` is timed when jax is installed (else its column says so). Runs are interleaved, best of `rounds`.

OpenBLAS takes OPENBLAS_CORETYPE from the environment as an order: where a machine sets it (some of ours set
`Haswell` and OPENBLAS_L2_SIZE, for older OpenBLAS builds), an AVX-512 CPU runs AVX2 kernels at ~60% of its own
(dgemm 512², one thread: 56 against 89 GFLOP/s). To measure what a user's machine runs, unset both in the command:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_peak.py --rounds 2

The first line names the kernel OpenBLAS chose, and says when the environment chose it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's and SciPy's OpenBLAS, before they load
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as B  # noqa: E402
from engine.training.blas import blas_name  # noqa: E402

try:
    from jax_scan import run_jax  # sets XLA to one thread before jax loads
except ImportError:  # no jax here: its column says so
    run_jax = None

SPECS = {"toy": "10-5-2 b32", "tiny": "2-16-16-1 b32", "mnist": "784-128-10 b64", "wide": "3x1024 b256"}
CASE_OF = {"toy": "tiny-b32", "tiny": "toy", "mnist": "mnist-size", "wide": "wide"}  # bench_train's names


def gemm_peak(dtype, repeats=10):
    """The best one-thread GEMM rate (flop/s) on 512² and 1024² matrices of numpy's BLAS and the compiled
    kernels' (engine.training.blas: scipy-openblas32's, called here through ctypes as the kernels call it)."""
    rng = np.random.default_rng(0)
    gemm = B.kernels_gemm(dtype)
    best = 0.0
    for n in (512, 1024):
        a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
        c = np.empty_like(a)
        kernels = lambda: gemm(B.ROW_MAJOR, B.PLAIN, B.PLAIN, n, n, n, 1.0, a.ctypes.data, n, b.ctypes.data, n,
                               0.0, c.ctypes.data, n)
        for product in (lambda: a @ b, kernels):
            product()
            for _ in range(repeats):
                t0 = time.perf_counter()
                product()
                best = max(best, 2 * n ** 3 / (time.perf_counter() - t0))
    return best


def flops_per_step(case):
    layers, _, batch, _, _ = B.CASES[case]
    dense = [2 * batch * i * o for i, o, _ in layers]
    return 2 * sum(dense) + sum(dense[1:])  # forward + weight gradients, + input gradients past the first


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--specs", default=",".join(SPECS), help="comma-separated: " + ", ".join(SPECS))
    ap.add_argument("--dtypes", default="f64,f32")
    ap.add_argument("--seconds", type=float, default=0.5, help="time per timed run")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved runs per side; the best counts")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    torch = None if args.no_torch else B.torch
    print(f"# bench_peak: one thread; numpy {np.__version__}, torch {torch.__version__ if torch else '-'}, "
          f"jax {'installed' if run_jax else 'not installed (its column is skipped)'}; {blas_name()}; load "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if "OPENBLAS_CORETYPE" in os.environ:
        print(f"# OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set: that kernel runs, not OpenBLAS's own "
              "choice for this CPU (see the docstring)")
    dtypes = {dt: {"f64": np.float64, "f32": np.float32}[dt] for dt in args.dtypes.split(",")}
    # the peak is measured before and after every spec, and the best of all counts: a busy moment on a
    # shared machine then lowers the peak no more than it lowers the runs (the shares stay conservative)
    peaks = {dt: gemm_peak(dtype) for dt, dtype in dtypes.items()}
    rows = []
    for spec in [s for s in args.specs.split(",") if s]:
        case = CASE_OF[spec]
        data = B.CASES[case][3]()
        for dt, dtype in dtypes.items():
            runs = {"ours": lambda: B.run_ours(case, dtype, args.seconds, data, blas_threads=1)}
            if torch:
                runs["torch"] = lambda: B.run_torch(case, dtype, args.seconds, data, 1)
            if run_jax:
                runs["jax"] = lambda: run_jax(case, dtype, args.seconds, data)
            best = B.best_of(args.rounds, runs)
            rows.append((spec, dt, best["ours"][1], best["torch"][1] if "torch" in best else float("nan"),
                         best["jax"][1] if "jax" in best else None))
            peaks[dt] = max(peaks[dt], gemm_peak(dtype))
    print("GEMM peak, one thread: " + ", ".join(f"{dt} {p / 1e9:.1f} GFLOP/s" for dt, p in peaks.items()) + "\n")
    print("| spec | dtype | ours samples/s | share of peak | torch eager | ours/torch | JAX lax.scan (ours/JAX) | "
          "limit samples/s |\n|---|---|---|---|---|---|---|---|")
    for spec, dt, ours, theirs, scan in rows:
        case = CASE_OF[spec]
        limit = peaks[dt] / flops_per_step(case) * B.CASES[case][2]
        jax_cell = "not installed" if scan is None else f"{scan / 1e3:,.1f} k ({ours / scan:.2f}x)"
        print(f"| {SPECS[spec]} | {dt} | {ours / 1e3:,.1f} k | {100 * ours / limit:.0f} % | {theirs / 1e3:,.1f} k | "
              f"{ours / theirs:.2f}x | {jax_cell} | {limit / 1e3:,.1f} k |")
    print(f"\nload {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
