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


def count_correct(yhat, y):
    """Samples whose prediction hits the target: argmax for several outputs, > 0.5 for one
    (what `engine.kernels.dense.count_correct` counts on the compiled path)."""
    if yhat.shape[1] == 1:
        return int(np.sum((yhat[:, 0] > 0.5) == (y[:, 0] > 0.5)))
    return int(np.sum(np.argmax(yhat, axis=1) == np.argmax(y, axis=1)))


class EagerRunner:
    """The tape path: one `withgradient` per minibatch, the optimiser rule per parameter."""

    compiled = False

    def __init__(self, model, loss, ps, offsets, batch):
        self.model, self.loss, self.ps, self.offsets, self.batch = model, loss, ps, offsets, batch
        self.grads = np.zeros(sum(p.value.size for p in ps), dtype=ps[0].value.dtype)  # compiled layout

    def run(self, X, Y, perm, step0, nsteps, s1, s2, opt_kind, hp, t0, losses):
        # overflow shows up as an inf/NaN loss, which the trainer reports as divergence
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._run(X, Y, perm, step0, nsteps, s1, s2, opt_kind, hp, t0, losses)

    def _run(self, X, Y, perm, step0, nsteps, s1, s2, opt_kind, hp, t0, losses):
        batch = self.batch
        for s in range(nsteps):
            rows = perm[(step0 + s) * batch:(step0 + s + 1) * batch]
            xb, yb = X[rows], Y[rows]
            value, grads = withgradient(lambda: self.loss(self.model(xb), yb), params(self.ps))
            losses[s] = float(value)
            if not math.isfinite(losses[s]):
                return s, True
            for p, off in zip(self.ps, self.offsets):
                n = p.value.size
                g = self.grads[off:off + n]
                g[:] = np.reshape(grads[p], -1)
                update_arrays(opt_kind, p.value.reshape(-1), g, s1[off:off + n] if s1.size else s1,
                             s2[off:off + n] if s2.size else s2, hp, t0 + s + 1)
        return nsteps, all(np.isfinite(p.value).all() for p in self.ps)

    def grad(self, i):
        """A copy of parameter i's latest gradient, shaped like it."""
        p, off = self.ps[i], self.offsets[i]
        return self.grads[off:off + p.value.size].reshape(p.value.shape).copy()

    def evaluate(self, X, Y):
        with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            yhat = np.asarray(self.model(X))
            value = float(self.loss(yhat, Y))
        return value, int(count_correct(np.ascontiguousarray(yhat.reshape(len(X), -1)), Y))
