"""`python -m engine.training.build_kernels [--dtypes float64,float32]`: build (or load from the disk cache) the
compiled training kernels, and say how long it took. The Makefile's install step runs it once; the app runs it in a
child process when a run needs kernels that are not built yet (engine/training/warmup.py)."""
from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.training.build_kernels", description=__doc__)
    parser.add_argument("--dtypes", default="float64", help="comma-separated: float64, float32")
    args = parser.parse_args(argv)
    from .compiled import warm_up

    seconds = warm_up(tuple(np.dtype(d) for d in args.dtypes.split(",") if d))
    print(f"compiled training kernels ready ({args.dtypes}) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
