"""The eager path of training: the tape, one minibatch at a time, in plain numpy.

It has the interface of `engine.training.compiled.CompiledRunner` (run, evaluate, grad, grads),
so the Trainer drives both the same way. It needs no compilation: it trains any model at once,
and a compilable Chain trains here while its kernels build. Its optimiser rules compute what the
compiled loops compute, so both paths end on the same weights to rounding.
"""
import math

import numpy as np

from ..autodiff.back import withgradient
from ..autodiff.params import params
from ..autodiff.tracked import Interrupted, interruptible, no_grad
from ..nn.optimisers import ETA, UPDATE_CHUNK, update_arrays

# How a call to `train` ended (the same codes as engine.kernels.interpreter's)
DONE, BAD_LOSS, BAD_WEIGHTS, INTERRUPTED = 0, 1, 2, 3


def count_correct(yhat, y):
    """Samples whose prediction hits the target: argmax for several outputs, > 0.5 for one
    (what `engine.kernels.dense.count_correct` counts on the compiled path)."""
    if yhat.shape[1] == 1:
        return int(np.sum((yhat[:, 0] > 0.5) == (y[:, 0] > 0.5)))
    return int(np.sum(np.argmax(yhat, axis=1) == np.argmax(y, axis=1)))


def _dot(a, b):
    """a · b of two flat float64 slices without BLAS: a BLAS dot wakes its threads for each of the many slices
    (3x slower here, far worse when the cores are busy)."""
    return np.einsum("i,i->", a, b)


class EagerRunner:
    """The tape path: one `withgradient` per minibatch, the optimiser rule per parameter.

    It trains the model's own parameters in place and keeps the optimiser state in the Trainer's flat
    layout (`s1`, `s2` are views into it), so handing over to the compiled path needs no conversion.
    """

    compiled = False

    def __init__(self, model, loss, ps, offsets, batch, layers):
        self.model, self.loss, self.ps, self.offsets, self.batch = model, loss, ps, offsets, batch
        self.layers = layers  # (lo, mid, hi) per trainable layer: its first leaf (W) in [lo, mid)
        n = sum(p.value.size for p in ps)
        dtype = ps[0].value.dtype
        self.grads = np.zeros(n, dtype=dtype)
        self.previous = np.zeros(n, dtype=dtype)  # the gradient of the step before it
        self.s1 = self.s2 = None

    # ---- the interface the Trainer drives (see engine.training.compiled.CompiledRunner) ----
    def begin(self, s1, s2):
        self.s1, self.s2 = s1, s2  # the Trainer's own arrays: nothing to convert

    def end(self, s1, s2):
        pass

    def load(self):
        pass  # the tape trains the model's parameters themselves

    store = load

    def save_weights(self, out):
        for p, off in zip(self.ps, self.offsets):
            out[off:off + p.value.size] = p.value.reshape(-1)
        return out

    def restore_weights(self, flat):
        for p, off in zip(self.ps, self.offsets):
            np.copyto(p.value, flat[off:off + p.value.size].reshape(p.value.shape))

    def latest_grads(self):
        """The last step's gradient, flat (the Trainer's layout)."""
        return self.grads

    def canonical(self, flat):
        """A flat array of this runner's in the Trainer's layout (the same one)."""
        return flat

    def train(self, X, Y, perms, rates, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control):
        """As `engine.kernels.interpreter.train`: steps across epochs, validation and STATS at each epoch's end.
        Returns (steps completed, how it ended)."""
        # overflow shows up as an inf/NaN loss, which the trainer reports as divergence
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._train(X, Y, perms, rates, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats,
                               control)

    def _train(self, X, Y, perms, rates, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control):
        batch, n = self.batch, len(X)
        hp = np.array(hp, dtype=np.float64)  # ours: its rate is set per epoch
        steps = -(-n // batch)
        for s in range(nsteps):
            if control[0]:
                return s, INTERRUPTED
            epoch, step = divmod(step0 + s, steps)
            rows = perms[epoch, step * batch:(step + 1) * batch]
            xb, yb = X[rows], Y[rows]
            try:  # a big model's one step can take seconds: a stop lands between two of its operations
                with interruptible(control):
                    value, grads = withgradient(lambda: self.loss(self.model(xb), yb), params(self.ps))
            except Interrupted:
                return s, INTERRUPTED  # before the update: the weights are those of the last whole step
            losses[s] = float(value)
            if not math.isfinite(losses[s]):
                return s, BAD_LOSS
            if control[0]:  # the gradients are in but nothing has changed yet: the step is not taken
                return s, INTERRUPTED
            last = step == steps - 1
            hp[ETA] = rates[epoch]
            finite = self._update(grads, opt_kind, hp, t0 + s + 1, stats[epoch] if last else None,
                                  keep_previous=step == steps - 2 or steps == 1)
            if last:
                if not finite:
                    return s + 1, BAD_WEIGHTS
                if len(Xv):
                    epochs[epoch] = self.evaluate(Xv, Yv)
        return nsteps, DONE

    def _update(self, grads, opt_kind, hp, t, stats_row, keep_previous) -> bool:
        """The optimiser's step for every parameter, a slice at a time (UPDATE_CHUNK elements: each slice's
        temporaries stay in cache, and a model of millions of weights is read once, not six times). On an
        epoch's last step `stats_row` gets each layer's STATS from the same pass (as the compiled kernel
        records them: ‖gW‖, ‖gb‖, ‖Δθ‖/‖θ‖, cos(g, g₋₁), summed in float64) and the result says whether
        every weight is finite. `keep_previous`: this gradient is the one the next epoch's cosine needs."""
        sums = np.zeros((len(self.ps), 5))  # per parameter: g·g, g·g₋₁, g₋₁·g₋₁, θ·θ, Δθ·Δθ
        finite = True
        for i, (p, off) in enumerate(zip(self.ps, self.offsets)):
            flat, source = p.value.reshape(-1), np.reshape(grads[p], -1)
            for lo in range(0, flat.size, UPDATE_CHUNK):
                part, whole = slice(lo, lo + UPDATE_CHUNK), slice(off + lo, off + min(lo + UPDATE_CHUNK, flat.size))
                g, prev = self.grads[whole], self.previous[whole]
                g[:] = source[part]
                if stats_row is not None:
                    before = flat[part].astype(np.float64)
                update_arrays(opt_kind, flat[part], g, self.s1[whole] if self.s1.size else self.s1,
                              self.s2[whole] if self.s2.size else self.s2, hp, t)
                if stats_row is not None:
                    g64, prev64 = g.astype(np.float64, copy=False), prev.astype(np.float64, copy=False)
                    step = flat[part] - before
                    sums[i] += (_dot(g64, g64), _dot(g64, prev64), _dot(prev64, prev64),
                                _dot(before, before), _dot(step, step))
                    finite = finite and bool(np.isfinite(flat[part]).all())
                if keep_previous:
                    prev[:] = g
        if stats_row is not None:
            self._layer_stats(sums, stats_row)
        return finite

    def _layer_stats(self, sums, out):
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, (lo, mid, hi) in enumerate(self.layers):
                mine = [i for i, off in enumerate(self.offsets) if lo <= off < hi]
                weights = [i for i in mine if self.offsets[i] < mid]
                gg, gp, pp, size, moved = sums[mine].sum(axis=0)
                out[k] = (math.sqrt(sums[weights, 0].sum()), math.sqrt(sums[mine, 0].sum() - sums[weights, 0].sum()),
                          math.sqrt(moved / size) if size > 0 else math.nan,
                          gp / math.sqrt(gg * pp) if gg > 0 and pp > 0 else math.nan)

    def weight_copies(self):
        return [p.value.copy() for p in self.ps]

    def grad(self, i):
        """A copy of parameter i's latest gradient, shaped like it."""
        p, off = self.ps[i], self.offsets[i]
        return self.grads[off:off + p.value.size].reshape(p.value.shape).copy()

    def evaluate(self, X, Y):
        """(mean loss, correct predictions) on X, Y with the current weights."""
        with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            yhat = np.asarray(self.model(X))
            value = float(self.loss(yhat, Y))
        return value, int(count_correct(np.ascontiguousarray(yhat.reshape(len(X), -1)), Y))
