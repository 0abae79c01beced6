"""`python -m engine.training.build_kernels [--dtypes float64,float32] [--formulas]`: build (or load from the disk
cache) the compiled training kernels, and say how long it took. The Makefile's install step runs it once; the app
runs it in a child process when a run needs kernels that are not built yet (engine/training/warmup.py). With
`--formulas` it builds, instead of the interpreter, the kernels of the formula activations given as a JSON list of
their texts on stdin (each checked again here: engine.nn.formula)."""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.training.build_kernels", description=__doc__)
    parser.add_argument("--dtypes", default="float64", help="comma-separated: float64, float32")
    parser.add_argument("--formulas", action="store_true", help="build the kernels of the formulas on stdin")
    args = parser.parse_args(argv)
    dtypes = tuple(np.dtype(d) for d in args.dtypes.split(",") if d)
    if args.formulas:
        from ..kernels.formula import kernels
        from ..nn.formula import formula

        began = time.perf_counter()
        texts = json.loads(sys.stdin.read())
        for text in texts:
            for dtype in dtypes:
                kernels(formula(text), dtype)
        print(f"{len(texts)} formula kernels ready ({args.dtypes}) in {time.perf_counter() - began:.1f} s")
        return 0
    from .compiled import warm_up

    seconds = warm_up(dtypes)
    print(f"compiled training kernels ready ({args.dtypes}) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
