"""Draw data, as Orange's Paint Data: click on the plot to add a point of the chosen class (or, for regression,
of the chosen value); Undo point and Clear take points back. The Data group shows it for its "Draw data" entry.

>>> panel = DrawPanel()
>>> panel.drawn.connect(dock.data_changed)          # after every point added or taken   # doctest: +SKIP
>>> panel.points, panel.task()                      # ([[x1, x2, label], ...], "classification")

The points are plain lists, what a model file keeps (engine.datasets.drawn checks them when it loads).
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.datasets import DRAWN_CLASSES, MAX_DRAWN

from ..plots.boundary import class_colours
from ..plots.theme import themed
from .training.settings_box import spin

TASKS = ("classification", "regression")
EXTENT = 1.2  # the plot shows [-1.2, 1.2]², the square our generators fill


class DrawPanel(QWidget):
    """A clickable plot of the drawn points, the class (or value) a click adds, Undo point and Clear."""

    drawn = Signal()  # points were added or taken back, or the task changed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points: list[list[float]] = []
        self.task_box = QComboBox()
        self.task_box.addItems(TASKS)
        self.class_box = QComboBox()
        for k, colour in enumerate(class_colours(DRAWN_CLASSES).astype(int)):
            self.class_box.addItem(f"class {k}")
            self.class_box.setItemData(k, pg.mkColor(*colour), Qt.DecorationRole)
        self.value_box = spin(-1.0, 1.0, 1.0, 0.1, decimals=2)
        self.value_box.setToolTip("The target value of the points a click adds")
        self.undo_button = QPushButton("Undo point")
        self.clear_button = QPushButton("Clear")
        self.count_label = QLabel()
        self.plot = themed(pg.PlotWidget())
        self.plot.setFixedHeight(220)
        self.plot.setToolTip("Click to add a point of the chosen class (or value)")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(False, False)  # a click draws; it never pans or zooms
        item.hideButtons()
        item.setRange(xRange=(-EXTENT, EXTENT), yRange=(-EXTENT, EXTENT), padding=0)
        self.scatter = pg.ScatterPlotItem(size=8, pen=pg.mkPen(40, 40, 40, 120))
        self.plot.addItem(self.scatter)

        choose = QHBoxLayout()
        choose.setContentsMargins(0, 0, 0, 0)
        for widget in (self.task_box, self.class_box, self.value_box):
            choose.addWidget(widget)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(choose)
        layout.addWidget(self.plot)
        layout.addLayout(actions)

        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.task_box.currentTextChanged.connect(self._task_changed)
        self.undo_button.clicked.connect(self.undo_point)
        self.clear_button.clicked.connect(self.clear)
        self._show()

    # ---- reading ----
    def task(self) -> str:
        return self.task_box.currentText()

    def label(self) -> float:
        """What a click adds: the chosen class, or the chosen value."""
        return self.class_box.currentIndex() if self.task() == "classification" else self.value_box.value()

    # ---- changing ----
    def set_points(self, points, task: str) -> None:
        """Show `points` (a model file's, already checked) without emitting `drawn`."""
        blocked = self.task_box.blockSignals(True)
        self.task_box.setCurrentText(task)
        self.task_box.blockSignals(blocked)
        self.points = [list(p) for p in points]
        self._show()

    def add_point(self, x: float, y: float) -> None:
        if len(self.points) >= MAX_DRAWN:
            self.count_label.setText(f"{MAX_DRAWN:,} points: the most a drawing holds")
            return
        self.points.append([float(x), float(y), self.label()])
        self._changed()

    def undo_point(self) -> None:
        if self.points:
            self.points.pop()
            self._changed()

    def clear(self) -> None:
        if self.points:
            self.points = []
            self._changed()

    # ---- internals ----
    def _clicked(self, event) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        if event.button() != Qt.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.add_point(point.x(), point.y())

    def _task_changed(self, task: str) -> None:
        # a class index is no value, nor a value a class: a drawing is of one kind
        self.points = []
        self._changed()

    def _changed(self) -> None:
        self._show()
        self.drawn.emit()

    def _show(self) -> None:
        classify = self.task() == "classification"
        self.class_box.setVisible(classify)
        self.value_box.setVisible(not classify)
        n = len(self.points)
        self.count_label.setText(f"{n} point{'s' if n != 1 else ''}" if n else "Click on the plot to add points")
        self.undo_button.setEnabled(bool(n))
        self.clear_button.setEnabled(bool(n))
        if not n:
            self.scatter.setData([], [])
            return
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        if classify:
            palette = [pg.mkBrush(*c) for c in class_colours(DRAWN_CLASSES).astype(int)]
            brushes = [palette[int(p[2])] for p in self.points]
        else:  # blue for -1 through white to orange for +1, as the regression image colours values
            brushes = [pg.mkBrush(_value_colour(p[2])) for p in self.points]
        self.scatter.setData(xs, ys, brush=brushes)


def _value_colour(v: float):
    t = (max(-1.0, min(1.0, v)) + 1) / 2
    low, high = (58, 111, 247), (240, 140, 0)
    return tuple(int(a + (b - a) * t) for a, b in zip(low, high))
