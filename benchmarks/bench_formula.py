"""Formula activations (issue 16): what refusing hostile text costs, what a formula's kernels cost to build and
to load, and how a formula runs against the built-in it spells, on the tape and compiled.

    .venv/bin/python benchmarks/bench_formula.py                # all three tables
    .venv/bin/python benchmarks/bench_formula.py --skip-build   # without the (slow) fresh kernel build

Numbers are best of several repeats. "build" compiles a formula's two cfuncs from scratch in a fresh cache
folder, in a child process as the app does (numba's import included); "load" is the first formula a process
takes from the disk cache, and "next" another one after it.

Last measured on the 2-core dev machine (shared with other jobs: runs vary by up to 2x):

    refusing 32 hostile texts: median 4.4 µs, worst 403 µs (sum-of-241.txt), the 1 MB text 2.1 µs
    kernels of a new formula, fresh cache (every kernel compiles, in a child): 2.2 s, the next formula 1.1 s
    the same from the disk cache: first 1.3 s (numba's import included), next 14 ms
    256x64 float64, µs forward / VJP      compiled built-in   compiled formula   tape built-in     tape formula
        swish     x * σ(x)                       46 / 57            46 / 55            62 / 420           68 / 81
        mish      x * tanh(softplus(x))         245 / 273          260 / 280           87 / 434           92 / 367
        softplus  softplus(x)                    95 / 52            76 / 52            51 / 268           54 / 328
        gelu      x * σ(1.5957691216057308       31 / 67            30 / 53            81 / 247           99 / 222

A formula's kernels run as fast as the built-in's (the same fastmath σ, tanh and softplus, inlined). On the
tape, "VJP" is a gradient's time less the forward's: the built-ins' VJPs are written in tracked ops (so their
second derivatives are right), a formula's is the chain of its ops' own VJPs.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import gradient  # noqa: E402
from engine.math import sum as total  # noqa: E402
from engine.nn import ACTIVATIONS, FormulaError, formula  # noqa: E402

PAIRS = {"swish": "x * σ(x)", "mish": "x * tanh(softplus(x))", "softplus": "softplus(x)",
         "gelu": "x * σ(1.5957691216057308 * (x + 0.044715 * x * x * x))"}


def best(call, number, repeat=5):
    call()
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number


def hostile():
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/corpus/formulas").iterdir())}
    texts["nested-10000-deep"] = "(" * 10_000 + "x" + ")" * 10_000
    texts["one-megabyte"] = "x*" * (1 << 19)

    def refuse(text):
        try:
            formula(text)
        except FormulaError:
            return
        raise AssertionError(f"accepted {text[:40]!r}")

    times = {name: best(lambda t=text: refuse(t), number=200) * 1e6 for name, text in texts.items()}
    worst = max(times, key=times.get)
    print(f"refusing {len(times)} hostile texts: median {np.median(list(times.values())):.1f} µs, "
          f"worst {times[worst]:.1f} µs ({worst}), the 1 MB text {times['one-megabyte']:.1f} µs")


CHILD = """
import sys, time
began = time.perf_counter()
import numpy as np
from engine.kernels.formula import kernels
from engine.nn import formula
kernels(formula(sys.argv[1]), np.float64)
first = time.perf_counter() - began
began = time.perf_counter()
kernels(formula(sys.argv[2]), np.float64)
print(f"{first:.3f} {time.perf_counter() - began:.3f}")
"""


def build_and_load(skip_build):
    folder = tempfile.mkdtemp(prefix="chainboard-bench-formula-")
    env = {**os.environ, "NUMBA_CACHE_DIR": folder, "PYTHONPATH": str(ROOT)}
    run = lambda a, b: subprocess.run([sys.executable, "-c", CHILD, a, b], env=env, capture_output=True,  # noqa
                                      text=True, check=True).stdout.split()
    if skip_build:
        print("kernel build: skipped")
        return
    fresh = run("x * σ(x) + 0.125", "x * tanh(softplus(x)) + 0.125")
    again = run("x * σ(x) + 0.125", "x * tanh(softplus(x)) + 0.125")
    print(f"kernels of a new formula, fresh cache (every kernel compiles, in a child): {float(fresh[0]):.2f} s, "
          f"the next formula {float(fresh[1]):.2f} s")
    print(f"the same from the disk cache: first {float(again[0]):.2f} s (numba's import included), "
          f"next {float(again[1]) * 1e3:.0f} ms")


def speed(rows=256, units=64):
    from engine.kernels import activations as K
    from engine.kernels.formula import kernels

    x = np.random.default_rng(0).normal(0, 2, (rows, units))
    g, y, gx = np.ones_like(x), np.empty_like(x), np.empty_like(x)
    print(f"{rows}x{units} float64, µs forward / VJP      compiled built-in   compiled formula   "
          "tape built-in     tape formula")
    for name, text in PAIRS.items():
        f, builtin = formula(text), ACTIVATIONS[name]
        fw, bw = kernels(f, np.float64)
        table = np.array([fw.address, bw.address], dtype=np.int64)
        code = K.CODES[name]
        cells = [best(lambda: K.forward(code, x, 0.0, y), 200), best(lambda: K.backward(code, g, x, y, 0.0, gx), 200),
                 best(lambda: K.forward(K.FORMULA, x, 0.0, y, table), 200),
                 best(lambda: K.backward(K.FORMULA, g, x, y, 0.0, gx, table), 200)]
        for act in (builtin, f):
            cells.append(best(lambda a=act: a(x), 20))
            cells.append(best(lambda a=act: gradient(lambda t: total(a(t)), x), 20) - cells[-1])
        us = [c * 1e6 for c in cells]
        print(f"    {name:9s} {text[:24]:24s}  {us[0]:7.0f} / {us[1]:<7.0f}  {us[2]:7.0f} / {us[3]:<7.0f}  "
              f"{us[4]:7.0f} / {us[5]:<7.0f}  {us[6]:7.0f} / {us[7]:<7.0f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="leave out the fresh kernel build")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    hostile()
    build_and_load(args.skip_build)
    speed()
    print(f"({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
