"""One forward + backward of small models on the eager tape, against PyTorch eager when importable.

    .venv/bin/python benchmarks/bench_eager.py            # all cases
    .venv/bin/python benchmarks/bench_eager.py --quick    # fewer repeats

PyTorch is a yardstick only, never a dependency: `.venv/bin/pip install torch==2.13.0`.
Both sides run their BLAS on one thread (the machine has two cores, often shared), so the
numbers compare the frameworks rather than the thread pools. The README keeps the last numbers
(784-128-10 batch 1: 117-125 µs against torch's 133-181; batch 64: 491-559 against 755-792).
"""
import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import engine as E  # noqa: E402

CASES = [  # name, layer sizes with activations, batch
    ("tutorial b1", [(10, 5, "sigmoid"), (5, 2, "identity")], 1),
    ("tutorial b32", [(10, 5, "sigmoid"), (5, 2, "identity")], 32),
    ("mlp 784-128-10 b1", [(784, 128, "relu"), (128, 10, "identity")], 1),
    ("mlp 784-128-10 b64", [(784, 128, "relu"), (128, 10, "identity")], 64),
]


def best_time(step, repeats, inner):
    step()  # warm up (Numba loads its cache, torch its kernels)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def ours(layers, batch):
    rng = np.random.default_rng(0)
    model = E.Chain(*[E.Dense(i, o, E.ACTIVATIONS[a], rng=rng) for i, o, a in layers], E.softmax)
    x = rng.standard_normal((batch, layers[0][0]))
    y = np.eye(layers[-1][1])[rng.integers(0, layers[-1][1], batch)]
    ps = E.params(model)

    def step():
        E.gradient(lambda: E.crossentropy(model(x), y), ps)
    return step


def theirs(layers, batch):
    import torch
    torch.manual_seed(0)
    torch.set_num_threads(1)
    acts = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "identity": torch.nn.Identity}
    mods = []
    for i, o, a in layers:
        mods += [torch.nn.Linear(i, o).double(), acts[a]()]
    model = torch.nn.Sequential(*mods, torch.nn.Softmax(dim=-1))
    x = torch.randn(batch, layers[0][0], dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.randint(0, layers[-1][1], (batch,)), layers[-1][1]).double()

    def step():
        model.zero_grad()
        p = model(x)
        loss = -(y * torch.log(p.clamp_min(2.2e-16))).sum() / batch
        loss.backward()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats, inner = (3, 50) if args.quick else (7, 200)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    print(f"BLAS threads: ours {os.environ['OPENBLAS_NUM_THREADS']}, torch 1")
    print(f"{'case':22} {'ours µs/step':>13} {'torch µs/step':>14} {'torch/ours':>11}")
    for name, layers, batch in CASES:
        t_ours = best_time(ours(layers, batch), repeats, inner)
        t_torch = best_time(theirs(layers, batch), repeats, inner) if have_torch else float("nan")
        print(f"{name:22} {t_ours * 1e6:13.1f} {t_torch * 1e6:14.1f} {t_torch / t_ours:10.2f}×")
    if not have_torch:
        print("(torch not importable: .venv/bin/pip install torch==2.13.0 for the comparison)")


if __name__ == "__main__":
    main()
