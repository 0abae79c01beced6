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
from ..autodiff.tracked import no_grad
from ..nn.optimisers import update_arrays

# How a call to `train` ended (the same codes as engine.kernels.interpreter's)
DONE, BAD_LOSS, BAD_WEIGHTS, INTERRUPTED = 0, 1, 2, 3


def count_correct(yhat, y):
    """Samples whose prediction hits the target: argmax for several outputs, > 0.5 for one
    (what `engine.kernels.dense.count_correct` counts on the compiled path)."""
    if yhat.shape[1] == 1:
        return int(np.sum((yhat[:, 0] > 0.5) == (y[:, 0] > 0.5)))
    return int(np.sum(np.argmax(yhat, axis=1) == np.argmax(y, axis=1)))


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
        self.before = np.zeros(n, dtype=dtype)    # the parameters before an epoch's last step
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

    def canonical(self, flat):
        """A flat array of this runner's in the Trainer's layout (the same one)."""
        return flat

    def train(self, X, Y, perms, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control):
        """As `engine.kernels.interpreter.train`: steps across epochs, validation and STATS at each epoch's end.
        Returns (steps completed, how it ended)."""
        # overflow shows up as an inf/NaN loss, which the trainer reports as divergence
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._train(X, Y, perms, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control)

    def _train(self, X, Y, perms, step0, nsteps, opt_kind, hp, t0, Xv, Yv, losses, epochs, stats, control):
        batch, n = self.batch, len(X)
        steps = -(-n // batch)
        for s in range(nsteps):
            if control[0]:
                return s, INTERRUPTED
            epoch, step = divmod(step0 + s, steps)
            rows = perms[epoch, step * batch:(step + 1) * batch]
            xb, yb = X[rows], Y[rows]
            value, grads = withgradient(lambda: self.loss(self.model(xb), yb), params(self.ps))
            losses[s] = float(value)
            if not math.isfinite(losses[s]):
                return s, BAD_LOSS
            last = step == steps - 1
            if last:
                self.save_weights(self.before)
            for p, off in zip(self.ps, self.offsets):
                k = p.value.size
                g = self.grads[off:off + k]
                g[:] = np.reshape(grads[p], -1)
                update_arrays(opt_kind, p.value.reshape(-1), g, self.s1[off:off + k] if self.s1.size else self.s1,
                              self.s2[off:off + k] if self.s2.size else self.s2, hp, t0 + s + 1)
            if last:
                record_stats(self.layers, self.save_weights(np.empty_like(self.before)), self.grads, self.before,
                             self.previous, stats[epoch])
                if not all(np.isfinite(p.value).all() for p in self.ps):
                    return s + 1, BAD_WEIGHTS
                if len(Xv):
                    epochs[epoch] = self.evaluate(Xv, Yv)
            if step == steps - 2 or steps == 1:
                self.previous[:] = self.grads
        return nsteps, DONE

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


def record_stats(layers, params_now, grads, before, previous, out):
    """Per layer: ‖gW‖, ‖gb‖, ‖Δθ‖/‖θ‖ and cos(g, g₋₁), as the compiled kernel records them (history.STATS)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, (lo, mid, hi) in enumerate(layers):
            g, prev = grads[lo:hi].astype(np.float64), previous[lo:hi].astype(np.float64)
            size = float(np.dot(before[lo:hi], before[lo:hi]))
            step = params_now[lo:hi].astype(np.float64) - before[lo:hi]
            gg, pp = float(np.dot(g, g)), float(np.dot(prev, prev))
            out[i] = (math.sqrt(np.dot(g[:mid - lo], g[:mid - lo])), math.sqrt(np.dot(g[mid - lo:], g[mid - lo:])),
                      math.sqrt(np.dot(step, step) / size) if size > 0 else math.nan,
                      float(np.dot(g, prev)) / math.sqrt(gg * pp) if gg > 0 and pp > 0 else math.nan)
