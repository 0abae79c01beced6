"""Graphics items that draw the document: blocks with ports, wires, and the live rubber-band wire.

Items only draw. They hold a copy of what to show (set by the scene from the document and its
analysis) and never change the document; the scene turns mouse gestures into commands.

>>> item = BlockItem(block, colours)          # doctest: +SKIP
>>> item.show_state(block, size=5, params=55, problems=[])   # doctest: +SKIP
"""
from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem

from . import catalog
from .document import Block
from .layout import BLOCK_HEIGHT as H, BLOCK_WIDTH as W

HEADER = 26.0
PORT_RADIUS = 6.0
RADIUS = 10.0  # corner radius of a block
GRAD_VANISHING, GRAD_EXPLODING = 1e-5, 1e2  # gradient-norm badge colours change beyond these

_renderers: dict[str, QSvgRenderer] = {}


def _renderer(key: str) -> QSvgRenderer:
    # One renderer per icon, shared: SVG stays crisp at every zoom level, unlike a cached pixmap.
    if key not in _renderers:
        _renderers[key] = QSvgRenderer(str(catalog.ICONS / f"{key}.svg"))
    return _renderers[key]


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(int(pixels))
    font.setBold(bold)
    return font


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A smooth S-curve leaving `start` to the right and entering `end` from the left."""
    bend = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path = QPainterPath(start)
    path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
    return path


class PortItem(QGraphicsEllipseItem):
    """An input ("in") or output ("out") port on the side of a block; the start and end of wires."""

    def __init__(self, block_item: BlockItem, port_kind: str):
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, block_item)
        self.block_id = block_item.block_id
        self.port_kind = port_kind
        self.setPos(0.0 if port_kind == "in" else W, H / 2)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        self.setZValue(1)
        self.setToolTip("Drag to another block's input to wire them" if port_kind == "out"
                        else "Drag from here to an output to wire them")
        self._mark = "idle"
        self._hover = False

    def set_mark(self, mark: str) -> None:
        """'idle', 'accept' (a valid wiring target) or 'refuse' (an invalid one)."""
        self._mark = mark
        self.update()

    def hoverEnterEvent(self, event):
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event):
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option, widget=None):
        colours = self.parentItem().colours
        fill = {"accept": colours.accept, "refuse": colours.error}.get(self._mark, colours.block)
        ring = self.parentItem().accent if self._mark == "idle" else fill
        r = PORT_RADIUS + (1.5 if self._hover or self._mark != "idle" else 0.0)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(ring, 2.0))
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(0, 0), r - 1, r - 1)

    def boundingRect(self) -> QRectF:
        r = PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        # Easier to grab than it looks: a 12 px circle is a small target for a mouse.
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path


class BlockItem(QGraphicsItem):
    """A block: coloured header with icon and title, its settings, output shape and parameter count."""

    def __init__(self, block: Block, colours):
        super().__init__()
        self.block_id = block.block_id
        self.colours = colours
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        # painted once into a pixmap until it changes: a badge or a wire repainted over it while training
        # blits the block instead of redrawing its shadow, icon and text (its own update() refreshes it)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.in_port = PortItem(self, "in") if block.has_input_port else None
        self.out_port = PortItem(self, "out")
        self.block = block
        self.shape_text = ""
        self.params_text = ""
        self.problems: list[str] = []
        self.accent = catalog.kind_colour(block)
        self.badge = GradientBadge(self)  # the size of ∂L/∂(this block's parameters), after training starts
        self.show_state(block, None, None, [])

    def show_state(self, block: Block, size: int | None, params: int | None, problems: list[str]) -> None:
        """Show `block` with its inferred output size, parameter count and problems."""
        self.prepareGeometryChange()
        self.block = block
        self.accent = catalog.kind_colour(block)
        self.setPos(block.x, block.y)
        self.shape_text = f"(n, {size if size is not None else '?'})"
        if block.kind == "dense":
            self.params_text = f"{params:,} params" if params is not None else "? params"
        else:
            self.params_text = ""
        self.problems = list(problems)
        # escaped: a formula's detail holds < and > (where(x < 0, ...)), which rich text would read as tags
        tip = (f"<b>{html.escape(catalog.display_name(block))}</b> · {html.escape(catalog.detail(block))}"
               f"<br>output {self.shape_text}")
        if problems:
            tip += "".join(f"<br><span style='color:{self.colours.error.name()}'>⚠ {p}</span>" for p in problems)
        self.setToolTip(tip)
        self.update()

    @property
    def gradient(self) -> float | None:
        return self.badge.value

    def show_gradient(self, norm: float | None) -> None:
        """Show (or, with None, hide) a badge with the size of this block's parameter gradient."""
        self.badge.set_value(norm)

    def show_activity(self, text: str | None) -> None:
        """Add to the badge (or, with None, take off) the share of the activation's inputs saturated or dead."""
        self.badge.set_note(text)

    def in_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(0.0, H / 2))

    def out_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(W, H / 2))

    def boundingRect(self) -> QRectF:
        return QRectF(-8, -12, W + 22, H + 22)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, W, H), RADIUS, RADIUS)
        return path

    def paint(self, painter: QPainter, option, widget=None):
        c = self.colours
        painter.setRenderHint(QPainter.Antialiasing)
        body = QRectF(0, 0, W, H)
        for grow, offset in ((3.0, 3.0), (1.5, 1.5)):  # a soft two-step shadow, cheaper than an effect
            painter.setPen(Qt.NoPen)
            painter.setBrush(c.shadow)
            painter.drawRoundedRect(body.adjusted(-grow, -grow + offset, grow, grow + offset),
                                    RADIUS + grow, RADIUS + grow)
        outline = QPainterPath()
        outline.addRoundedRect(body, RADIUS, RADIUS)
        painter.fillPath(outline, c.block)
        painter.save()
        painter.setClipPath(outline)
        painter.fillRect(QRectF(0, 0, W, HEADER), self.accent)
        painter.restore()
        _renderer(catalog.icon_key(self.block)).render(painter, QRectF(6, 4, 18, 18))

        painter.setPen(Qt.white)
        painter.setFont(_font(12.5, bold=True))
        painter.drawText(QRectF(28, 0, W - 34, HEADER), Qt.AlignVCenter | Qt.AlignLeft,
                         catalog.display_name(self.block))
        painter.setPen(c.text)
        font = _font(12)
        painter.setFont(font)
        # Elide rather than clip: a long formula or a huge size must not run past the edge.
        detail = QFontMetricsF(font).elidedText(catalog.detail(self.block), Qt.ElideRight, W - 20)
        painter.drawText(QRectF(10, HEADER + 4, W - 20, 20), Qt.AlignVCenter | Qt.AlignLeft, detail)
        painter.setPen(c.muted)
        painter.setFont(_font(11))
        footer = QRectF(10, H - 24, W - 20, 18)
        painter.drawText(footer, Qt.AlignVCenter | Qt.AlignLeft, self.shape_text)
        painter.drawText(footer, Qt.AlignVCenter | Qt.AlignRight, self.params_text)

        if self.problems:
            painter.setPen(QPen(c.error, 2.0))
        else:
            painter.setPen(QPen(c.border, 1.0))
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(body, RADIUS, RADIUS)
        if self.isSelected():
            painter.setPen(QPen(c.highlight, 2.5))
            painter.drawRoundedRect(body.adjusted(-4, -4, 4, 4), RADIUS + 4, RADIUS + 4)
        if self.problems:
            self._paint_badge(painter)

    def _paint_badge(self, painter: QPainter):
        centre = QPointF(W - 2, -2)
        painter.setPen(QPen(self.colours.block, 2.0))
        painter.setBrush(self.colours.error)
        painter.drawEllipse(centre, 9, 9)
        painter.setPen(Qt.white)
        painter.setFont(_font(12, bold=True))
        painter.drawText(QRectF(centre.x() - 9, centre.y() - 9, 18, 18), Qt.AlignCenter, "!")


class GradientBadge(QGraphicsItem):
    """A pill on a block's lower edge with the norm of its parameter gradient, e.g. "‖∇‖ 3e-02".

    Its own item, so a new value repaints only the pill, not the block (it changes while training).
    """

    RECT = QRectF(W / 2 - 46, H - 9, 92, 18)

    def __init__(self, block_item: BlockItem):
        super().__init__(block_item)
        self.value: float | None = None
        self.note: str | None = None  # "30% dead", "12% sat": the activation's share (gui/panels/activity.py)
        self.rect = self.RECT
        self.setZValue(2)
        self.setVisible(False)
        self.setToolTip("Size of the gradient of the loss with respect to this block's weights and bias: "
                        "blue when it vanishes, red when it explodes; then the share of a batch's inputs to its "
                        "activation that are saturated (|f′| below 1% of its peak) or dead (relu, at or below 0)")

    def set_value(self, value: float | None) -> None:
        if value != self.value:
            self.value = value
            self._relayout()

    def set_note(self, note: str | None) -> None:
        if note != self.note:
            self.note = note
            self._relayout()

    def label(self) -> str:
        """What the pill says: "‖∇‖ 3e-02", "40% dead" or both."""
        return " · ".join(t for t in (None if self.value is None else f"‖∇‖ {self.value:.0e}", self.note) if t)

    def _relayout(self) -> None:
        width = max(self.RECT.width(), QFontMetricsF(_font(11, bold=True)).horizontalAdvance(self.label()) + 16)
        width = 8 * -(-width // 8)  # in steps of 8 px: a new number of the same length moves no geometry
        if width != self.rect.width():  # a geometry change re-indexes the scene: only when the pill grows or shrinks
            self.prepareGeometryChange()
            self.rect = QRectF(W / 2 - width / 2, self.RECT.top(), width, self.RECT.height())
        self.setVisible(self.value is not None or self.note is not None)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None):
        # vanishing in blue, exploding in red: where along the Chain the gradient dies or blows up
        g = self.value
        if g is None and self.note is None:
            return
        colour = QColor("#5b6474") if g is None else QColor("#1c7ed6") if g < GRAD_VANISHING \
            else QColor("#e03131") if g > GRAD_EXPLODING else QColor("#2f9e44")
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(self.parentItem().colours.block, 1.5))
        painter.setBrush(colour)
        painter.drawRoundedRect(self.rect, 9, 9)
        painter.setPen(Qt.white)
        painter.setFont(_font(11, bold=True))
        painter.drawText(self.rect, Qt.AlignCenter, self.label())


class WireItem(QGraphicsPathItem):
    """A wire between two blocks; red when part of a problem, highlighted as a drop target."""

    def __init__(self, wire_id: int, colours):
        super().__init__()
        self.wire_id = wire_id
        self.colours = colours
        self.problems: list[str] = []
        self.drop_target = False
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        self.setPath(wire_path(start, end))

    def show_problems(self, problems: list[str]) -> None:
        self.problems = list(problems)
        self.setToolTip("<br>".join(f"⚠ {p}" for p in problems))
        self.update()

    def set_drop_target(self, on: bool) -> None:
        self.drop_target = on
        self.update()

    def shape(self) -> QPainterPath:
        # A generous hit area, so a 2 px curve is easy to click and to drop onto.
        stroker = QPainterPathStroker()
        stroker.setWidth(14)
        return stroker.createStroke(self.path())

    def boundingRect(self) -> QRectF:
        return self.path().boundingRect().adjusted(-8, -8, 8, 8)

    def paint(self, painter: QPainter, option, widget=None):
        c = self.colours
        painter.setRenderHint(QPainter.Antialiasing)
        if self.drop_target or self.isSelected():
            painter.setPen(QPen(c.highlight, 4.0 if self.drop_target else 3.0, Qt.SolidLine, Qt.RoundCap))
        elif self.problems:
            painter.setPen(QPen(c.error, 2.5, Qt.DashLine, Qt.RoundCap))
        else:
            painter.setPen(QPen(c.wire, 2.2, Qt.SolidLine, Qt.RoundCap))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self.path())


class RubberWire(QGraphicsPathItem):
    """The wire that follows the mouse while wiring; red while over a target that would be refused."""

    def __init__(self, colours):
        super().__init__()
        self.colours = colours
        self.setZValue(3)
        self.set_refused(False)

    def set_refused(self, refused: bool) -> None:
        colour = self.colours.error if refused else self.colours.highlight
        self.setPen(QPen(colour, 2.5, Qt.DashLine, Qt.RoundCap))
        self.setBrush(QBrush(Qt.NoBrush))
