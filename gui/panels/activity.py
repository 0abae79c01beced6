"""Activation calculus, live: each activation's share of saturated or dead inputs on its block's badge,
and the selected block's pre-activation histogram behind its f, f′, f″ in the properties panel.

>>> add_block_activity(window)        # a RedrawClock client of the training plots  # doctest: +SKIP

A redraw (at most twice a second, whenever the training record moves: a report, a finished run, a
reset) rebuilds the Chain on a display copy with the record's latest weights and runs a fixed batch of
the training split (standardised, as the trainer sees it) through it: engine.analysis gives each
activation's pre-activations, their histogram and the share. Selecting another block redraws at once.
"""
from __future__ import annotations

import numpy as np

from engine.analysis import activation_of, activity, every_preactivation, histogram

BATCH = 256  # rows of the training split the views look at (the first ones of a seeded shuffle)
MAX_VALUES = 50_000  # a wide layer's pre-activations are thinned to this many (evenly): the GUI thread stays light


class BlockActivity:
    """Badges and the selected block's histogram, from the session's record (a RedrawClock client)."""

    min_interval = 0.5  # repainting the canvas is costly; the badges change slowly

    def __init__(self, session, doc, scene, properties):
        self.session, self.doc, self.scene, self.properties = session, doc, scene, properties
        self._model, self._spec = None, None
        self.shares: dict[int, object] = {}       # block id -> engine.analysis.Activity, as last drawn
        self.histograms: dict[int, tuple] = {}    # block id -> (counts, edges), as last computed

    def isVisible(self):  # noqa: N802 - the clock's duck type
        return True

    def redraw(self, record=None):
        self.shares, self.histograms = self._measure(self.session.record if record is None else record)
        for block_id, item in self.scene.block_items.items():
            share = self.shares.get(block_id)
            item.show_activity(None if share is None else share.badge())
        self.show_selected()

    def show_selected(self):
        """The selected block's histogram in the properties panel's plot (cleared without one)."""
        plot = self.properties.calculus_plot()
        if plot is None:
            return
        block_id = self.properties.block_id
        if block_id in self.histograms:
            counts, edges = self.histograms[block_id]
            share = self.shares[block_id]
            plot.show_histogram(counts, edges, f"{100 * share.share:.0f}% {share.kind} · {int(counts.sum())} "
                                               "pre-activations (grey)")
            plot.share.setToolTip("dead: relu's input at or below 0" if share.kind == "dead" else
                                  "saturated: |f′| below 1% of its peak over the plotted range")
        else:
            plot.clear_histogram()

    def _measure(self, record):
        session = self.session
        analysis = self.doc.analysis()
        if not analysis.valid or session.spec is None or analysis.spec != session.spec or session.split is None:
            return {}, {}
        if not record.weights or not (len(record.loss) or session.trained()):
            return {}, {}  # the badges appear with training, as the gradient's do
        model = self._display(session.spec, record.weights)
        if model is None:
            return {}, {}
        X = session.split.train.X[:BATCH]
        if X.shape[1] != session.spec.inputs:
            return {}, {}  # other data chosen, the Input not yet fitted to it
        blocks = [b.block_id for b in self.doc.chain_blocks() if b.kind != "input"]
        if len(blocks) != len(model.layers):
            return {}, {}
        shares, histograms = {}, {}
        for index, z in every_preactivation(model, X).items():
            block_id, act = blocks[index], activation_of(model.layers[index])
            if z.size > MAX_VALUES:
                z = z.ravel()[::-(-z.size // MAX_VALUES)]
            if not np.isfinite(z).all():
                continue  # a diverged run: no share to speak of
            histograms[block_id] = histogram(z)
            shares[block_id] = activity(act, z, span=(histograms[block_id][1][0], histograms[block_id][1][-1]))
        return shares, histograms

    def _display(self, spec, weights):
        """The display copy of the Chain with `weights` (rebuilt when the spec changes)."""
        if spec != self._spec:
            self._spec, self._model = spec, spec.build()
        parameters = self._model.parameters()
        if len(parameters) != len(weights) or any(p.value.shape != w.shape for p, w in zip(parameters, weights)):
            return None
        for p, w in zip(parameters, weights):
            p.value = np.asarray(w, dtype=np.float64)
        return self._model


def add_block_activity(window) -> BlockActivity:
    """Feed `window`'s canvas badges and properties panel from its training session."""
    feeder = BlockActivity(window.training.session, window.doc, window.editor.scene, window.properties)
    window.training.plots.clock.add(feeder)
    window.editor.selection_changed.connect(feeder.show_selected)
    window.block_activity = feeder
    return feeder
