"""The block palette: drag a block onto the canvas, or double-click it to append it to the Chain.

>>> palette = BlockPalette()                                   # doctest: +SKIP
>>> palette.block_activated.connect(editor.append)             # doctest: +SKIP
>>> mime = palette.mime_for("relu")   # what a drag of the ReLU entry carries   # doctest: +SKIP
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from .catalog import PALETTE, palette_entry
from .editor import BLOCK_MIME, template_mime

KEY_ROLE = Qt.UserRole + 1  # palette entry key stored on each list item


class BlockPalette(QListWidget):
    """A list of block kinds with icons and tooltips; items are drag sources only."""

    block_activated = Signal(dict)  # a block template, on double-click or Enter

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("palette")
        self.setIconSize(QSize(26, 26))
        self.setSpacing(1)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setDefaultDropAction(Qt.CopyAction)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setMouseTracking(True)  # hover highlight
        section = None
        for entry in PALETTE:
            if entry.section != section:
                section = entry.section
                self.addItem(self._header(section))
            item = QListWidgetItem(entry.icon(), entry.title)
            item.setToolTip(entry.tooltip + "<br><i>Drag onto the canvas, or double-click to append.</i>")
            item.setData(KEY_ROLE, entry.key)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
            self.addItem(item)
        self.itemActivated.connect(self._activate)

    @staticmethod
    def _header(title: str) -> QListWidgetItem:
        header = QListWidgetItem(title.upper())
        header.setFlags(Qt.NoItemFlags)  # a label: not selectable, not draggable
        font = header.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        header.setFont(font)
        return header

    def item_for(self, key: str) -> QListWidgetItem:
        return next(self.item(i) for i in range(self.count()) if self.item(i).data(KEY_ROLE) == key)

    def mime_for(self, key: str) -> QMimeData:
        """The mime data a drag of entry `key` carries (exactly what `startDrag` puts in the QDrag)."""
        return self.mimeData([self.item_for(key)])

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items) -> QMimeData:
        return template_mime(palette_entry(items[0].data(KEY_ROLE)).template)

    def supportedDropActions(self):
        return Qt.CopyAction

    def _activate(self, item: QListWidgetItem):
        self.block_activated.emit(dict(palette_entry(item.data(KEY_ROLE)).template))
