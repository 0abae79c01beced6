"""Overlays on the canvas that the Tape dock draws: a number carried by each wire (‖∂L/∂activation‖ of the
block it leaves), shown by the wire's thickness, colour and a small label, and a glow around one block
(WireOverlay); on request, a Dense block's weights as strands on the wire into it (WeightOverlay).

>>> overlay = WireOverlay(scene)                                                           # doctest: +SKIP
>>> overlay.show({input_id: 0.8, dense_id: 0.05})   # block id -> the size of what leaves it   # doctest: +SKIP
>>> overlay.light_up(dense_id)                      # the block being stepped                   # doctest: +SKIP
>>> overlay.clear()                                                                              # doctest: +SKIP

Overlay items sit on top of the wires and take no mouse buttons: the canvas works as before underneath.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsSimpleTextItem

from .items import GRAD_EXPLODING, GRAD_VANISHING, _font, wire_path

VANISHING, HEALTHY, EXPLODING = QColor("#1c7ed6"), QColor("#2f9e44"), QColor("#e03131")  # as the badges


def colour_of(norm: float) -> QColor:
    """Blue where the adjoint vanishes, red where it explodes, green between (the gradient badges' colours)."""
    return VANISHING if norm < GRAD_VANISHING else EXPLODING if norm > GRAD_EXPLODING else HEALTHY


def width_of(norm: float, biggest: float) -> float:
    """2 px for nothing up to 11 px for the biggest value on the canvas, on a log scale over six decades."""
    if not norm > 0 or not biggest > 0:
        return 2.0
    share = 1.0 + math.log10(norm / biggest) / 6.0
    return 2.0 + 9.0 * min(max(share, 0.0), 1.0)


class WireOverlay:
    """Draws values on the wires of a CanvasScene (keyed by the block a wire leaves) and a glow on one block."""

    def __init__(self, scene):
        self.scene = scene
        self.values: dict[int, float] = {}
        self.forward = False
        self.lit: int | None = None
        self._paths: dict[int, QGraphicsPathItem] = {}
        self._labels: dict[int, QGraphicsSimpleTextItem] = {}
        self._glow = QGraphicsPathItem()
        self._glow.setZValue(0.9)  # behind the block (z 1): a halo around it
        self._glow.setPen(QPen(QColor(255, 196, 0, 200), 7.0))
        self._glow.setAcceptedMouseButtons(Qt.NoButton)
        self._glow.setVisible(False)
        scene.addItem(self._glow)
        scene.doc.changed.connect(self.redraw)
        scene.doc.block_moved.connect(self.redraw)

    def detach(self) -> None:
        """Disconnect from the document (before the dock or scene goes)."""
        for signal in (self.scene.doc.changed, self.scene.doc.block_moved):
            signal.disconnect(self.redraw)

    def show(self, values: dict, forward: bool = False) -> None:
        """Show `values` (block id -> a float ≥ 0) on the wires leaving those blocks; other wires go plain.
        `forward` values are activations, not adjoints: thin grey wires with a ‖a‖ label, no gradient colours."""
        self.values = {k: float(v) for k, v in values.items() if v is not None}
        self.forward = forward
        self.redraw()

    def light_up(self, block_id: int | None) -> None:
        self.lit = block_id
        self.redraw()

    def clear(self) -> None:
        self.values, self.lit, self.forward = {}, None, False
        self.redraw()

    def wire_value(self, wire_id: int) -> float | None:
        """What the overlay shows on a wire now (None: nothing)."""
        return self.values.get(self.scene.doc.wire(wire_id).source) if wire_id in self._paths else None

    def label_of(self, wire_id: int) -> str | None:
        label = self._labels.get(wire_id)
        return None if label is None else label.text()

    def width_of_wire(self, wire_id: int) -> float | None:
        item = self._paths.get(wire_id)
        return None if item is None else item.pen().widthF()

    def redraw(self) -> None:
        doc, scene = self.scene.doc, self.scene
        shown = {w.wire_id: self.values[w.source] for w in doc.wires() if w.source in self.values}
        for wire_id in set(self._paths) - set(shown):
            scene.removeItem(self._paths.pop(wire_id))
            scene.removeItem(self._labels.pop(wire_id))
        biggest = max(shown.values(), default=0.0)
        for wire_id, norm in shown.items():
            path, label = self._items_for(wire_id)
            wire_path = scene.wire_items[wire_id].path()
            path.setPath(wire_path)
            colour = QColor(self.scene.colours.muted if self.forward else colour_of(norm))
            colour.setAlpha(170)
            width = 3.0 if self.forward else width_of(norm, biggest)
            path.setPen(QPen(colour, width, Qt.SolidLine, Qt.RoundCap))
            label.setText(f"‖a‖ {norm:.2g}" if self.forward else f"{norm:.2g}")
            middle = wire_path.pointAtPercent(0.5)
            box = label.boundingRect()
            label.setPos(middle - QPointF(box.width() / 2, box.height() + 6))
        block = scene.block_items.get(self.lit) if self.lit is not None else None
        self._glow.setVisible(block is not None)
        if block is not None:
            outline = QPainterPath()
            outline.addRoundedRect(block.mapRectToScene(block.shape().boundingRect()).adjusted(-3, -3, 3, 3), 13, 13)
            self._glow.setPath(outline)

    def _items_for(self, wire_id: int):
        if wire_id not in self._paths:
            path = QGraphicsPathItem()
            path.setZValue(0.5)  # over the wire (z 0), under the blocks (z 1)
            path.setAcceptedMouseButtons(Qt.NoButton)
            label = QGraphicsSimpleTextItem()
            label.setFont(_font(11, bold=True))
            label.setBrush(self.scene.colours.text)
            label.setZValue(0.6)
            label.setAcceptedMouseButtons(Qt.NoButton)
            self.scene.addItem(path)
            self.scene.addItem(label)
            self._paths[wire_id], self._labels[wire_id] = path, label
        return self._paths[wire_id], self._labels[wire_id]


MAX_STRANDS = 64  # per wire: the biggest weights; more would be a grey smear
POSITIVE, NEGATIVE = QColor("#f08c00"), QColor("#1c7ed6")  # TF Playground's colours for a weight's sign


class WeightOverlay:
    """Each weight of a Dense block as a strand on the wire into it, from input i to unit j: thickness by |w|,
    orange when positive, blue when negative (TF Playground's links, on our wires).

    >>> weights = WeightOverlay(scene)                              # doctest: +SKIP
    >>> weights.show({dense_id: W})   # block id -> its weight (out, in)   # doctest: +SKIP
    """

    def __init__(self, scene):
        self.scene = scene
        self.weights: dict = {}
        self._items: dict[int, list] = {}  # wire id -> [(i, j, w, QGraphicsPathItem)]
        scene.doc.changed.connect(self.redraw)
        scene.doc.block_moved.connect(self.redraw)

    def detach(self) -> None:
        for signal in (self.scene.doc.changed, self.scene.doc.block_moved):
            signal.disconnect(self.redraw)

    def show(self, weights: dict) -> None:
        self.weights = dict(weights)
        self.redraw()

    def clear(self) -> None:
        self.show({})

    def strands(self, wire_id: int) -> list:
        """(input i, unit j, weight, pen width) of each strand drawn on a wire."""
        return [(i, j, w, item.pen().widthF()) for i, j, w, item in self._items.get(wire_id, [])]

    def redraw(self) -> None:
        for items in self._items.values():
            for *_, item in items:
                self.scene.removeItem(item)
        self._items = {}
        for wire in self.scene.doc.wires():
            W = self.weights.get(wire.target)
            if W is None or wire.source not in self.scene.block_items or wire.target not in self.scene.block_items:
                continue
            W = np.asarray(W, dtype=np.float64)
            flat = np.abs(W).ravel()
            chosen = np.argsort(-flat, kind="stable")[:MAX_STRANDS]
            biggest = float(flat[chosen[0]]) if len(chosen) and np.isfinite(flat[chosen[0]]) else 0.0
            start = self.scene.block_items[wire.source].out_anchor()
            end = self.scene.block_items[wire.target].in_anchor()
            out_units, in_units = W.shape
            items = []
            for k in chosen:
                j, i = divmod(int(k), in_units)
                w = float(W[j, i])
                item = QGraphicsPathItem(wire_path(start + QPointF(0, _spread(i, in_units)),
                                                   end + QPointF(0, _spread(j, out_units))))
                colour = QColor(POSITIVE if w > 0 else NEGATIVE)
                colour.setAlpha(200)
                width = 0.5 + 4.5 * abs(w) / biggest if biggest > 0 and np.isfinite(w) else 0.5
                item.setPen(QPen(colour, width, Qt.SolidLine, Qt.RoundCap))
                item.setZValue(0.4)
                item.setAcceptedMouseButtons(Qt.NoButton)
                self.scene.addItem(item)
                items.append((i, j, w, item))
            self._items[wire.wire_id] = items


def _spread(k: int, count: int, half: float = 26.0) -> float:
    """Where strand end k of `count` meets a block's side: spread over ±`half` px around the port."""
    return 0.0 if count == 1 else -half + 2 * half * k / (count - 1)
