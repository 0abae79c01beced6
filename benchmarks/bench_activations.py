"""The compiled trainer's activation kernels: forward and VJP time per call on one (rows, units) batch.

    .venv/bin/python benchmarks/bench_activations.py                  # every registry activation, 256x64
    .venv/bin/python benchmarks/bench_activations.py --shape 32x16 gelu mish

Numbers are the best of several repeats, in microseconds, float64. relu is the floor (a compare
per element); tanh and σ use the vectorising exp of engine/kernels/fastmath.py, as do the smooth
activations, and softplus, mish and logσ its log1p.

Last measured on the 2-core dev machine (shared with other jobs: runs vary by up to 2x), 256x64
float64, µs forward / VJP, best of several runs:

    relu 2.8/4.0   leakyrelu 3.1/4.3   tanh 34/4.0   σ 25/4.1   softmax 83/15   logsoftmax 330/52
    elu 72/40      gelu 51/78          swish 54/68   softplus 90/27   mish 236/146   logσ 76/48
    (softplus, mish and logσ on libm's log1p instead of fastmath's: 1000/61, 2100/1190, 960/48)
"""
import argparse
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.kernels import activations as K  # noqa: E402
from engine.nn.activations import ACTIVATIONS, LEAKY_SLOPE  # noqa: E402


def best_us(call, number=200, repeat=7):
    call()  # compile or load the cache
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=[n for n in ACTIVATIONS if n != "identity"])
    parser.add_argument("--shape", default="256x64", help="ROWSxUNITS")
    args = parser.parse_args(argv)
    rows, units = (int(n) for n in args.shape.split("x"))
    x = np.random.default_rng(0).normal(0, 2, (rows, units))
    g, y, gx = np.ones_like(x), np.empty_like(x), np.empty_like(x)
    print(f"activation   forward µs   VJP µs   ({rows}x{units} float64)")
    for name in args.names:
        code = K.CODES[name]
        forward = best_us(lambda: K.forward(code, x, LEAKY_SLOPE, y))
        backward = best_us(lambda: K.backward(code, g, x, y, LEAKY_SLOPE, gx))
        print(f"{name:11s} {forward:10.1f} {backward:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
