"""JAX's fastest plain training loop for bench_peak: a whole epoch as one jitted `lax.scan` over minibatches.

    >>> run_jax("toy", np.float64, 0.5, bench_train.CASES["toy"][3]())   # (steps/s, samples/s)

The same network, loss, SGD and per-epoch shuffle as `bench_train.run_ours`: the shuffle is drawn with numpy
each epoch and the gather of each minibatch happens inside the compiled epoch, as ours happens inside its
kernel. XLA runs on one core (see below). Import this module only where jax is
installed: `bench_peak` does, and otherwise says the column is skipped.
"""
from __future__ import annotations

import os
import time

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
# Those flags alone still left XLA 0.10 on 1.86 cores (CPU time over wall time, the 3x1024 case). Its thread
# pools are made with the CPU client and inherit the creating thread's affinity: make them on one core, then
# give this thread its cores back (ours and torch's runs are one thread each by their own settings).
_CORES = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
if _CORES:
    os.sched_setaffinity(0, {min(_CORES)})
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import bench_train as B  # noqa: E402

jax.config.update("jax_enable_x64", True)  # float64 models; float32 arrays stay float32
jax.block_until_ready(jax.jit(lambda v: v * 2)(jnp.ones(4)))  # the CPU client and its pools, now
if _CORES:
    os.sched_setaffinity(0, _CORES)
ACTS = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, None: lambda z: z}


def _init(layers, dtype, seed=0):
    """Uniform ±1/√in weights (torch.nn.Linear's), one (W, b) pair per layer."""
    rng = np.random.default_rng(seed)
    params = []
    for i, o, _ in layers:
        bound = 1 / np.sqrt(i)
        params.append((jnp.asarray(rng.uniform(-bound, bound, (i, o)).astype(dtype)),
                       jnp.asarray(rng.uniform(-bound, bound, o).astype(dtype))))
    return params


def _epoch_function(layers, loss, batch, eps):
    acts = [ACTS[a] for _, _, a in layers]

    def forward(params, x):
        for (W, b), act in zip(params, acts):
            x = act(x @ W + b)
        return jax.nn.softmax(x, axis=-1) if loss == "softmax-crossentropy" else x

    def batch_loss(params, x, y):
        out = forward(params, x)
        if loss == "mse":
            return jnp.mean((out - y) ** 2)
        return -jnp.sum(y * jnp.log(jnp.maximum(out, eps))) / x.shape[0]  # Flux's crossentropy, as ours

    def epoch(params, X, Y, rows, lr):
        def step(params, idx):
            grads = jax.grad(batch_loss)(params, X[idx], Y[idx])
            return jax.tree.map(lambda p, g: p - lr * g, params, grads), None
        params, _ = jax.lax.scan(step, params, rows)
        return params

    return jax.jit(epoch, donate_argnums=0)


def run_jax(case, dtype, seconds, data):
    """(steps/s, samples/s) of whole-epoch scans for `seconds` (at least one epoch), after a compiling epoch."""
    layers, loss, batch, _, epochs = B.CASES[case]
    width = layers[-1][1]
    X = jnp.asarray(data.X.astype(dtype))
    Y = jnp.asarray(data.targets(width, dtype))
    n = len(data.X) // batch * batch  # lax.scan wants equal minibatches: the last partial one is left out
    epoch = _epoch_function(layers, loss, batch, float(np.finfo(dtype).eps))
    lr = jnp.asarray(B.LR, dtype)
    gen = np.random.default_rng(0)

    def rows():
        return jnp.asarray(gen.permutation(len(data.X))[:n].reshape(-1, batch))

    params = jax.block_until_ready(epoch(_init(layers, dtype), X, Y, rows(), lr))  # compiles
    done, start = 0, time.perf_counter()
    while done == 0 or (not epochs and time.perf_counter() - start < seconds) or (epochs and done < epochs):
        params = epoch(params, X, Y, rows(), lr)
        jax.block_until_ready(params)
        done += 1
    elapsed = time.perf_counter() - start
    return done * n / batch / elapsed, done * n / elapsed
