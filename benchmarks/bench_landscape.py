"""How long a loss landscape takes: the grid of training losses, the gradient arrows, and both together.

    .venv/bin/python benchmarks/bench_landscape.py                        # circle 200, 2-16-16-1, 41×41
    .venv/bin/python benchmarks/bench_landscape.py --resolution 81 --hidden 64 --rounds 5

The toy problem of issue 13: the circle data (200 samples), a 2-16-16-1 Chain (relu, relu, σ), the binary
cross-entropy over the whole set, two filter-normalised random directions and two picked weights. Each
figure is the median of `--rounds` after one warm-up.

Last measured (2-core machine shared with five other sessions, load ~8.6; `--rounds 5`): random plane 41×41
grid 0.34 s, 11×11 arrows 0.08 s, landscape() 0.41 s; picked weights (W2[3,4], W3[0,1]) grid 0.16 s, arrows
0.015 s, landscape() 0.20 s. Building each point's Wᵀ and one stacked product per layer was ~8× faster than
three shared (G·n, k) products (2.7 s), whose tall-skinny BLAS calls fight over the busy cores.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from engine import Chain, Dense, datasets, relu, sigmoid
from engine.analysis import gradients_at, landscape, losses_at, random_plane, weight_plane


def timed(f, rounds):
    f()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--arrows", type=int, default=11)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ds = datasets.circle(args.samples)
    h = args.hidden
    model = Chain(Dense(2, h, relu, rng=0), Dense(h, h, relu, rng=1), Dense(h, 1, sigmoid, rng=2))
    X, Y = ds.X, ds.targets(1)
    axis = np.linspace(-1, 1, args.resolution)
    A, B = np.meshgrid(axis, axis, indexing="ij")
    coarse = np.linspace(-1, 1, args.arrows)
    CA, CB = np.meshgrid(coarse, coarse, indexing="ij")
    print(f"circle {args.samples} samples, 2-{h}-{h}-1, {args.resolution}×{args.resolution} grid, "
          f"{args.arrows}×{args.arrows} arrows, median of {args.rounds}")
    for name, plane in (("random", random_plane(model, seed=0)), ("picked", weight_plane(model, "W2[3,4],W3[0,1]"))):
        grid = timed(lambda: losses_at(model, "binarycrossentropy", X, Y, plane, A, B), args.rounds)
        arrows = timed(lambda: gradients_at(model, "binarycrossentropy", X, Y, plane, CA, CB), args.rounds)
        both = timed(lambda: landscape(model, "binarycrossentropy", X, Y, plane, 1.0, args.resolution, args.arrows),
                     args.rounds)
        print(f"{name:>7}: grid {grid:.3f} s   arrows {arrows:.3f} s   landscape() {both:.3f} s")


if __name__ == "__main__":
    main()
