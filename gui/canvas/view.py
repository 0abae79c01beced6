"""The canvas view: zoom (wheel, keys, fit), pan (middle drag or space+drag), palette drops,
arrow-key nudges and the context menu.

>>> view = CanvasView(editor)          # doctest: +SKIP
>>> view.zoom_changed.connect(lambda z: print(f"{z:.0%}"))   # doctest: +SKIP
>>> view.fit_to_view()                 # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QGraphicsView, QMenu

from .editor import CanvasEditor, template_from_mime
from .layout import GRID

MIN_ZOOM, MAX_ZOOM = 0.2, 3.0
ZOOM_STEP = 1.25


class CanvasView(QGraphicsView):
    """Shows the editor's scene; `menu_actions` (set by the main window) fill the context menu."""

    zoom_changed = Signal(float)

    def __init__(self, editor: CanvasEditor, parent=None):
        super().__init__(editor.scene, parent)
        self.editor = editor
        self.menu_actions: list = []  # QActions, None for a separator
        self._pan_from: QPointF | None = None
        self._space_down = False
        self._drop_wire: int | None = None
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setFrameShape(QFrame.NoFrame)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        editor.placed.connect(self.bring_into_view)

    # ---- zoom ------------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor_mouse: bool = False) -> None:
        """Zoom to `factor` (1.0 is 100%), clamped to the allowed range."""
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        if abs(factor - self.zoom()) < 1e-9:
            return
        old = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse if anchor_mouse
                                     else QGraphicsView.AnchorViewCenter)
        self.scale(factor / self.zoom(), factor / self.zoom())
        self.setTransformationAnchor(old)
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def fit_to_view(self, max_zoom: float = 1.25) -> None:
        """Show every block, with a margin, never zooming in past `max_zoom`."""
        items = self.scene().itemsBoundingRect()
        if items.isEmpty():
            self.reset_zoom()
            self.centerOn(0, 0)
            return
        margin = 3 * GRID
        area = items.adjusted(-margin, -margin, margin, margin)
        view = self.viewport().rect()
        factor = min(view.width() / area.width(), view.height() / area.height(), max_zoom)
        self.set_zoom(factor)
        self.centerOn(area.center())

    def bring_into_view(self, rect) -> None:
        """Scroll (or, if it is too big, zoom out) so that scene `rect` - blocks just placed - is in sight."""
        margin = 2 * GRID
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        wanted = rect.adjusted(-margin, -margin, margin, margin)
        if visible.contains(wanted):
            return
        if wanted.width() > visible.width() or wanted.height() > visible.height():
            self.fit_to_view()
        else:
            self.ensureVisible(wanted, 0, 0)

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * (1.15 ** steps), anchor_mouse=True)
        event.accept()

    # ---- pan -------------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space_down):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            h, v = self.horizontalScrollBar(), self.verticalScrollBar()
            h.setValue(h.value() - round(delta.x()))
            v.setValue(v.value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._pan_from is not None and event.button() in (Qt.MiddleButton, Qt.LeftButton):
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space_down else Qt.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- keys ------------------------------------------------------------------------------------

    def keyPressEvent(self, event):
        arrows = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}
        if event.key() in arrows and self.editor.scene.selected_block_ids():
            # A grid step keeps snapped blocks on the grid; Shift moves one pixel for fine placement.
            step = 1.0 if event.modifiers() & Qt.ShiftModifier else GRID
            dx, dy = arrows[event.key()]
            self.editor.nudge(dx * step, dy * step)
            event.accept()
            return
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().setCursor(Qt.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ---- drops from the palette ------------------------------------------------------------------
    # Handled here rather than in the scene: the scene would refuse a drop that lands on no item.

    def dragEnterEvent(self, event):
        if template_from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        template = template_from_mime(event.mimeData())
        if template is None:
            event.ignore()
            return
        wire = self.editor.scene.wire_at(self.mapToScene(event.position().toPoint()))
        self._mark_drop_wire(wire if template.get("kind") != "input" else None)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event):
        self._mark_drop_wire(None)
        event.accept()

    def dropEvent(self, event):
        self._mark_drop_wire(None)
        template = template_from_mime(event.mimeData())
        if template is None:
            event.ignore()
            return
        self.editor.drop(template, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    def _mark_drop_wire(self, wire_id: int | None) -> None:
        items = self.editor.scene.wire_items
        if self._drop_wire is not None and self._drop_wire in items:
            items[self._drop_wire].set_drop_target(False)
        self._drop_wire = wire_id
        if wire_id is not None:
            items[wire_id].set_drop_target(True)

    # ---- context menu ----------------------------------------------------------------------------

    def contextMenuEvent(self, event):
        item = self.itemAt(event.pos())
        target = item.parentItem() if item is not None and item.parentItem() is not None else item
        if target is not None and target.flags() & target.GraphicsItemFlag.ItemIsSelectable \
                and not target.isSelected():
            self.scene().clearSelection()
            target.setSelected(True)
        menu = QMenu(self)
        for action in self.menu_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        if not menu.isEmpty():
            menu.exec(event.globalPos())
