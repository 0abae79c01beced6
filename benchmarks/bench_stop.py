"""How long Stop takes to reach a running fit, whatever the model's size (issue: a 2→4096→4096→1 Chain with
batch = all rows took 31.7 s to stop).

    .venv/bin/python benchmarks/bench_stop.py                      # eager and compiled, width 4096
    .venv/bin/python benchmarks/bench_stop.py --path eager --width 2048 --rounds 5
    .venv/bin/python benchmarks/bench_stop.py --path compiled --rows 4096 --rounds 6

Each round starts `Trainer.fit` on a worker thread (Adam, one minibatch of all `--rows` rows an epoch), waits a
random delay (seeded) so the stop lands anywhere in a step, then does what the window's Stop does
(`should_stop` true, `interrupt()`) and times until `fit` returns. The first fit of each path is a warm-up
(kernels loaded, BLAS threads started) and is not counted.

Last measured (2-core machine shared with other work, load ~2; `--rounds 6`): eager median 9 ms, worst 81 ms
(was 1.5–5.5 s: the tape now looks at the flag per operation and splits big products into ~30 ms blocks);
compiled (load ~4, `--path compiled --rounds 6`, then `--rows 4096 --rounds 5/6`), before and after big BLAS
products were split into row blocks with a look at the stop flag between them (engine.kernels.dense `_dot`):
    256 rows:  median 363 / 150 ms, worst 1448 / 249 ms  ->  median 67 / 78 ms, worst 240 / 293 ms (two runs)
    4096 rows: median 457 ms, worst 5687 ms  ->  median 92 ms, worst 97 ms
A 4096-row step costs ~12% more split (3.4-3.7 s -> 3.8-4.2 s); 256 rows the same (510-913 ms -> 523-939 ms).
What is left is the optimiser's update and the epoch's bookkeeping over 16.8M weights (not interruptible: a
step is whole or not taken) and the trainer's copies of the weights after the kernel returns.
"""
from __future__ import annotations

import argparse
import statistics
import threading
import time

import numpy as np

from engine import Adam, Chain, Dense, datasets, tanh
from engine.training import Trainer


def one_stop(trainer, data, delay):
    stop = threading.Event()
    done = {}

    def work():
        trainer.fit(data, epochs=1_000_000, validation=0.0, should_stop=stop.is_set)
        done["at"] = time.perf_counter()

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(delay)
    pressed = time.perf_counter()
    stop.set()
    trainer.interrupt()
    worker.join()
    return done["at"] - pressed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("eager", "compiled", "both"), default="both")
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=256, help="rows of data, all in one minibatch")
    args = parser.parse_args()
    data = datasets.circle(args.rows, seed=0)
    rng = np.random.default_rng(0)
    for path in (("eager", "compiled") if args.path == "both" else (args.path,)):
        model = Chain(Dense(2, args.width, tanh, rng=0), Dense(args.width, args.width, tanh, rng=1),
                      Dense(args.width, 1, rng=2))
        trainer = Trainer(model, "mse", Adam(1e-4), batch_size=args.rows, compiled=path == "compiled")
        one_stop(trainer, data, 0.5)  # warm-up
        times = [one_stop(trainer, data, float(rng.uniform(0.3, 1.5))) for _ in range(args.rounds)]
        ms = sorted(1000 * t for t in times)
        print(f"{path:9s} width {args.width}, {args.rows} rows: stop reached in median {statistics.median(ms):.0f} ms, "
              f"worst {ms[-1]:.0f} ms over {len(ms)} stops")


if __name__ == "__main__":
    main()
