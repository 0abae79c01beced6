"""Neuron maps on the canvas (View ▸ Neuron maps on the canvas): under each Dense (and activation) block a small
image per unit of what it outputs over the plane of 2-D data, and under the Input one per column (x₁, x₂,
derived ones), as TensorFlow Playground draws them; hovering one shows it enlarged.

>>> overlay = NeuronMapOverlay(scene)                                     # doctest: +SKIP
>>> overlay.show({dense_id: [("unit 1", rgb), ...]})    # block id -> (caption, (n, n, 3) uint8) per map   # doctest: +SKIP
>>> feeder = add_neuron_maps(window)     # the View action, and a RedrawClock client of the training plots  # doctest: +SKIP

The maps come from gui/core/neuron_maps.py (the record's latest weights, at most twice a second while the
toggle is on). Map items take no mouse buttons: clicks and drags reach the canvas underneath.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from engine.nn import feature_labels

from ..core.neuron_maps import FINE, diverging_rgb, session_maps
from .items import _font
from .layout import BLOCK_HEIGHT as H, BLOCK_WIDTH as W

MAP_PX, GAP = 30.0, 4.0   # a map's side on the canvas and the space between maps
PER_ROW = int((W + GAP) // (MAP_PX + GAP))  # as many as fit under a block's width: 4
MAX_MAPS = 32             # per block: eight rows; a wider layer shows its first units and says how many more
BIG_PX = 144.0            # the enlarged map's side
TOP = H + 16.0            # below the block and its gradient badge


def pixmap_of(rgb) -> QPixmap:
    """(n, n, 3) uint8 -> a QPixmap of n×n pixels."""
    h, w, _ = rgb.shape
    image = QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(image.copy())  # copy: the QImage borrows the bytes object's memory


class MapItem(QGraphicsItem):
    """One map: its pixmap drawn MAP_PX square with a thin frame; hover tells the overlay to enlarge it."""

    def __init__(self, overlay, caption: str, pixmap: QPixmap, key: tuple[int, int]):
        super().__init__()
        self.overlay, self.caption, self.pixmap = overlay, caption, pixmap
        self.key = key  # (block id, the map's place under it)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setZValue(3)
        self.setToolTip(caption)

    def boundingRect(self) -> QRectF:
        return QRectF(-1, -1, MAP_PX + 2, MAP_PX + 2)

    def paint(self, painter: QPainter, option, widget=None):
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.drawPixmap(QRectF(0, 0, MAP_PX, MAP_PX), self.pixmap, QRectF(self.pixmap.rect()))
        painter.setPen(QPen(self.overlay.scene.colours.border, 1.0))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(QRectF(0, 0, MAP_PX, MAP_PX))

    def hoverEnterEvent(self, event):
        self.overlay.enlarge(self)

    def hoverLeaveEvent(self, event):
        self.overlay.shrink(self)


class BigMap(QGraphicsItem):
    """The hovered map, BIG_PX square, with its caption underneath; on top of everything."""

    def __init__(self, scene):
        super().__init__()
        self.scene_ref, self.pixmap, self.caption = scene, QPixmap(), ""
        self.source: MapItem | None = None  # the small map shown enlarged
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setVisible(False)

    def show_map(self, item: MapItem, pixmap: QPixmap | None = None) -> None:
        """Show `item` enlarged: `pixmap` (a finer map of the same unit) or the item's own, scaled up."""
        self.prepareGeometryChange()
        self.pixmap, self.caption, self.source = pixmap or item.pixmap, item.caption, item
        self.setPos(item.scenePos() + QPointF(MAP_PX + 8, 0))
        self.setVisible(True)
        self.update()

    def hide_map(self) -> None:
        self.prepareGeometryChange()
        self.source = None  # no size when hidden: the scene's itemsBoundingRect (Fit) counts hidden items too
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return QRectF() if self.source is None else QRectF(-4, -4, BIG_PX + 8, BIG_PX + 28)

    def paint(self, painter: QPainter, option, widget=None):
        c = self.scene_ref.colours
        painter.setPen(QPen(c.border, 1.0))
        painter.setBrush(c.block)
        painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.drawPixmap(QRectF(0, 0, BIG_PX, BIG_PX), self.pixmap, QRectF(self.pixmap.rect()))
        painter.setPen(c.text)
        painter.setFont(_font(11))
        painter.drawText(QRectF(0, BIG_PX + 2, BIG_PX, 20), Qt.AlignCenter, self.caption)


class NeuronMapOverlay:
    """Draws maps under blocks of a CanvasScene and keeps them there as blocks move."""

    def __init__(self, scene):
        self.scene = scene
        self.maps: dict[int, list] = {}           # block id -> [(caption, rgb)] as shown
        self._items: dict[int, list[MapItem]] = {}
        self._more: dict[int, QGraphicsSimpleTextItem] = {}
        self.big = BigMap(scene)
        self.detail = None  # (block id, k) -> a finer (m, m, 3) map to enlarge, or None: the small one, scaled
        scene.addItem(self.big)
        scene.doc.changed.connect(self.place)
        scene.doc.block_moved.connect(self.place)

    def detach(self) -> None:
        for signal in (self.scene.doc.changed, self.scene.doc.block_moved):
            signal.disconnect(self.place)

    def show(self, maps: dict) -> None:
        """Show `maps` (block id -> [(caption, (n, n, 3) uint8)]); blocks not named lose theirs."""
        if {b: len(e) for b, e in maps.items()} == {b: len(e) for b, e in self.maps.items()}:
            self._repaint(maps)  # the same layers as drawn (a training step): new pixels, no new items
            return
        self.clear()
        self.maps = {block_id: list(entries) for block_id, entries in maps.items()}
        for block_id, entries in self.maps.items():
            self._items[block_id] = [MapItem(self, caption, pixmap_of(rgb), (block_id, k))
                                     for k, (caption, rgb) in enumerate(entries[:MAX_MAPS])]
            for item in self._items[block_id]:
                self.scene.addItem(item)
            if len(entries) > MAX_MAPS:
                more = QGraphicsSimpleTextItem(f"+{len(entries) - MAX_MAPS} more")
                more.setFont(_font(11))
                more.setBrush(self.scene.colours.muted)
                more.setAcceptedMouseButtons(Qt.NoButton)
                self.scene.addItem(more)
                self._more[block_id] = more
        self.place()

    def _repaint(self, maps: dict) -> None:
        self.maps = {block_id: list(entries) for block_id, entries in maps.items()}
        for block_id, entries in self.maps.items():
            for item, (caption, rgb) in zip(self._items[block_id], entries):
                item.caption, item.pixmap = caption, pixmap_of(rgb)
                item.setToolTip(caption)
                item.update()
        if self.big.isVisible() and self.big.source is not None:
            self.enlarge(self.big.source)

    def clear(self) -> None:
        for item in [i for items in self._items.values() for i in items] + list(self._more.values()):
            self.scene.removeItem(item)
        self.maps, self._items, self._more = {}, {}, {}
        self.big.hide_map()

    def items_of(self, block_id: int) -> list[MapItem]:
        return list(self._items.get(block_id, []))

    def more_of(self, block_id: int):
        """The "+N more" label under a block whose maps did not all fit, or None."""
        return self._more.get(block_id)

    def place(self, *_) -> None:
        """Put each block's maps in rows of PER_ROW under it (and drop those of blocks that went)."""
        for block_id in [b for b in self._items if b not in self.scene.block_items]:
            for item in self._items.pop(block_id):
                if self.big.source is item:
                    self.big.hide_map()
                self.scene.removeItem(item)
            if block_id in self._more:
                self.scene.removeItem(self._more.pop(block_id))
        step = MAP_PX + GAP
        for block_id, items in self._items.items():
            corner = self.scene.block_items[block_id].mapToScene(QPointF(0, 0))
            row_width = min(len(items), PER_ROW) * step - GAP
            left = corner.x() + (W - row_width) / 2
            for k, item in enumerate(items):
                row, column = divmod(k, PER_ROW)
                item.setPos(left + column * step, corner.y() + TOP + row * step)
            if block_id in self._more:
                rows = -(-len(items) // PER_ROW)
                self._more[block_id].setPos(left, corner.y() + TOP + rows * step)

    def enlarge(self, item: MapItem) -> None:
        fine = self.detail(item.key) if self.detail is not None else None
        self.big.show_map(item, None if fine is None else pixmap_of(fine))

    def shrink(self, item: MapItem) -> None:
        if self.big.source is item:
            self.big.hide_map()


TOGGLE_TEXT = "Neuron &maps on the canvas"
TOGGLE_TIP = "Under each block, what every unit outputs over the plane of the data (and under the Input, " \
             "each input feature): blue positive, orange negative. Hover a map to enlarge it."


class NeuronMapFeeder:
    """Computes the maps from the session's record and hands them to the overlay (a RedrawClock client that
    draws only while `on`)."""

    min_interval = 0.5  # a forward pass per layer over 576 cells and new pixmaps: twice a second is live enough

    def __init__(self, session, doc, overlay, action: QAction):
        self.session, self.doc, self.overlay, self.action = session, doc, overlay, action
        self.on = False
        self.reason = ""  # why no maps are drawn ("" when they are)
        self.message = lambda text: None  # where a new reason goes (the window's status bar)
        self._drawn = None   # (weights, {block id: None for the Input or its Chain layer index}) last drawn
        self._fine = None    # NeuronMaps at FINE cells for the map under the mouse, with those weights
        overlay.detail = self._detail
        action.toggled.connect(self.set_on)
        session.changed.connect(self._data_changed)
        self._data_changed()

    def detach(self) -> None:
        self.session.changed.disconnect(self._data_changed)
        self.overlay.detach()

    def isVisible(self):  # noqa: N802 - the clock's duck type
        return self.on

    def set_on(self, on: bool) -> None:
        self.on = on
        self.redraw() if on else self.overlay.clear()

    def _data_changed(self) -> None:
        ds = self.session.dataset
        flat = ds is not None and ds.n_features != 2
        self.action.setEnabled(not flat)
        self.action.setText(TOGGLE_TEXT + (" (2-D data only)" if flat else ""))  # a disabled item shows no tip
        self.action.setToolTip(f"Off: neuron maps need 2-D data, and {self.session.data.label} has "
                               f"{ds.n_features} features" if flat else TOGGLE_TIP)
        self.action.setStatusTip(self.action.toolTip())
        if self.on:
            self.redraw()

    def redraw(self, record=None) -> None:
        analysis, spec = self.doc.analysis(), self.session.spec
        if not self.action.isEnabled() or not analysis.valid or spec is None or analysis.spec != spec:
            self._none(self.action.toolTip() if not self.action.isEnabled() else
                       "No neuron maps: the Chain has problems.")
            return
        weights = (self.session.record if record is None else record).weights or self.session.weights()
        maps = session_maps(self.session, weights)
        if isinstance(maps, str):
            self._none(maps)
            return
        self.reason = ""
        blocks = self.doc.chain_blocks()
        self._drawn = (weights, {b.block_id: i - 1 if i else None for i, b in enumerate(blocks)})
        self._fine = None  # new weights: a finer map is computed again when one is enlarged
        labels = feature_labels(spec.features)
        shown = {blocks[0].block_id: [(f"Input · {label}", rgb) for label, rgb in
                                      zip(labels, diverging_rgb(maps.inputs))]}
        for index, layer_maps in maps.layers.items():
            name = spec.layers[index].label()
            shown[blocks[index + 1].block_id] = [(f"{name} · unit {j + 1}", rgb)
                                                 for j, rgb in enumerate(diverging_rgb(layer_maps))]
        self.overlay.show(shown)


    def _none(self, reason: str) -> None:
        if reason != self.reason:
            self.message(reason)
        self.reason = reason
        self.overlay.clear()

    def _detail(self, key):
        """The map at `key` (block id, unit) over FINE×FINE cells, with the weights last drawn (computed once a
        redraw, when a map is first enlarged)."""
        if self._drawn is None:
            return None
        weights, places = self._drawn
        if self._fine is None:
            fine = session_maps(self.session, weights, n=FINE)
            self._fine = None if isinstance(fine, str) else fine
        block_id, k = key
        fine, place = self._fine, places.get(block_id, -1)
        if fine is None or place == -1:
            return None
        stack = fine.inputs if place is None else fine.layers.get(place)
        return None if stack is None or k >= len(stack) else diverging_rgb(stack[k])


def add_neuron_maps(window) -> NeuronMapFeeder:
    """View ▸ Neuron maps on the canvas (off by default), fed by `window`'s training clock."""
    action = QAction(TOGGLE_TEXT, window)
    action.setCheckable(True)
    window.actions_by_name["neuron_maps"] = action
    window.menus["view"].addAction(action)
    feeder = NeuronMapFeeder(window.training.session, window.doc, NeuronMapOverlay(window.editor.scene), action)
    feeder.message = lambda text: window.statusBar().showMessage(text, 6000)
    window.training.plots.clock.add(feeder)
    window.neuron_maps = feeder
    return feeder
