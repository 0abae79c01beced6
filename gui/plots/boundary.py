"""The model's view of the input space: a decision-boundary heatmap over a plane of the inputs with the train
and validation (test) points on top, or the fitted curve over the data for 1-D regression.

>>> plot = BoundaryPlot(session.predict, spec=lambda: session.spec)   # predict(X, weights) -> outputs  # doctest: +SKIP
>>> plot.set_data(train, val)                    # engine Datasets (raw features)                   # doctest: +SKIP
>>> plot.plane_box.setCurrentText("PCA")         # more than two features: or two of them, the rest at their mean  # doctest: +SKIP

With two features the plane is theirs; with more, the person picks two features (the others held at their
mean over the training rows) or the first two principal components (gui/core/projection.py). "Test data"
shows or hides the validation rows, "discretise" draws each class (or band of values) in one flat colour.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.outputs import final_activation, probabilities
from ..core.projection import FeaturePlane, PCAPlane, feature_names
from . import configure
from .theme import themed

GRID = 48  # heatmap resolution per side: 2.3k forward rows, a few milliseconds on the GUI thread
BANDS = 6  # a discretised regression output: this many flat bands from its lowest value to its highest
PLANES = ("two features", "PCA")
CLASS_COLOURS = np.array([(58, 111, 247), (240, 140, 0), (47, 158, 68), (214, 51, 108), (112, 72, 232),
                          (12, 133, 153), (232, 89, 12), (92, 148, 13)], dtype=float)


def class_colours(k: int) -> np.ndarray:
    return CLASS_COLOURS[np.arange(k) % len(CLASS_COLOURS)]


def point_brushes(ds, other=(58, 111, 247)):
    """A brush per sample, its class's colour; one brush object per class, which pyqtgraph renders once
    (a new QBrush per point costs seconds for a table of 50k rows)."""
    if ds.task != "classification":
        return pg.mkBrush(*other)
    k = max(ds.n_classes, 1)
    palette = [pg.mkBrush(*c) for c in class_colours(k).astype(int)]
    return [palette[i] for i in ds.y % k]


def boundary_image(out: np.ndarray, activation: str = "identity", discrete: bool = False) -> np.ndarray:
    """(GRID*GRID, width) model outputs -> an RGB image: the winning class's colour, paler where unsure
    (`discrete`: one flat shade per class, however sure).

    `activation` is how the Chain ends (outputs.final_activation): the outputs become probabilities
    the way the prediction dock reads them - logsoftmax rows exponentiated, logits through softmax.
    """
    probs = np.nan_to_num(probabilities(out, activation))
    k = probs.shape[1]
    winner = probs.argmax(axis=1)
    confidence = probs.max(axis=1) / np.maximum(probs.sum(axis=1), 1e-12)
    strength = np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 1)[:, None] * 0.55
    if discrete:
        strength = np.full_like(strength, 0.45)
    rgb = class_colours(k)[winner] * strength + 255 * (1 - strength)
    return rgb.reshape(GRID, GRID, 3).astype(np.uint8)


class BoundaryPlot(QWidget):
    """Redraws from the record's latest weights through `predict`, at the clock's pace.

    A left click on a 2-D boundary emits `point_clicked(x, y)` in data coordinates and marks the point.
    """

    point_clicked = Signal(float, float)
    min_interval = 0.25  # a forward pass over the whole grid: four times a second is live enough

    def __init__(self, predict, parent=None, spec=None):
        configure()
        super().__init__(parent)
        self.predict = predict  # (X, weights) -> outputs, or None if no model fits
        self.spec = spec        # () -> the ChainSpec `predict` runs (how its outputs end)
        self.plot_widget = themed(pg.PlotWidget())
        item = self.plot_widget.getPlotItem()
        item.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.curve = item.plot([], [], pen=pg.mkPen("#d6336c", width=2.5))
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.6))
        self.val_points = pg.ScatterPlotItem(size=7, symbol="t", pen=pg.mkPen("k", width=0.8))
        item.addItem(self.train_points)
        item.addItem(self.val_points)
        self.marker = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("k", width=2), brush=None)
        item.addItem(self.marker)
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.test_box = QCheckBox("test data")
        self.test_box.setChecked(True)
        self.test_box.setToolTip("Show the validation rows (held out from training) as triangles")
        self.discrete_box = QCheckBox("discretise")
        self.discrete_box.setToolTip("One flat colour per class (or per band of the output), however sure")
        self.plane_box = QComboBox()
        self.plane_box.addItems(PLANES)
        self.plane_box.setToolTip("More than two features: plot two of them (the others at their mean) or the "
                                  "first two principal components")
        self.x_box, self.y_box = QComboBox(), QComboBox()
        for box, axis in ((self.x_box, "across"), (self.y_box, "up")):
            box.setToolTip(f"The feature plotted {axis}")
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(4)
        toggles = QHBoxLayout()
        toggles.setContentsMargins(4, 0, 4, 0)
        toggles.addWidget(self.test_box)
        toggles.addWidget(self.discrete_box)
        toggles.addStretch(1)
        self.plane_row = QWidget()
        planes = QHBoxLayout(self.plane_row)
        planes.setContentsMargins(4, 0, 4, 0)
        planes.addWidget(self.plane_box)
        planes.addWidget(self.x_box, 1)
        planes.addWidget(self.y_box, 1)
        self.plane_row.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(toggles)
        layout.addWidget(self.plane_row)
        layout.addWidget(self.note)
        layout.addWidget(self.plot_widget, 1)
        self.mode = "none"  # "boundary", "curve" or "none"
        self.frames = 0     # redraws that drew a model output (tests look at this)
        self.plane = None   # gui.core.projection plane the boundary is drawn on
        self._rect = QRectF()
        self._grid = None   # model inputs (raw features) at the heatmap's cells, or the curve's x
        self._data = (None, None)
        self._record = None  # the last record drawn: a new plane or toggle redraws at once
        self.test_box.toggled.connect(self.val_points.setVisible)
        self.discrete_box.toggled.connect(lambda _=False: self._again())
        self.plane_box.currentIndexChanged.connect(self._plane_chosen)
        self.x_box.currentIndexChanged.connect(self._plane_chosen)
        self.y_box.currentIndexChanged.connect(self._plane_chosen)

    def _clicked(self, event) -> None:
        vb = self.plot_widget.getPlotItem().vb
        if self.mode != "boundary" or self._data[0].n_features != 2 or event.button() != Qt.LeftButton \
                or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.marker.setData([point.x()], [point.y()])
        self.point_clicked.emit(point.x(), point.y())

    def set_data(self, train, val) -> None:
        """Show a new dataset's points; the model output follows on the next redraw."""
        self.image.clear()
        self.marker.setData([], [])
        self.curve.setData([], [])
        self.frames = 0
        self._data = (train, val)
        k = train.X.shape[1]
        self.plane_row.setVisible(k > 2)
        if k >= 2:
            self.mode = "boundary"
            if k > 2:
                names = feature_names(train)
                for box, index in ((self.x_box, 0), (self.y_box, 1)):
                    box.blockSignals(True)
                    box.clear()
                    box.addItems(names)
                    box.setCurrentIndex(index)
                    box.blockSignals(False)
            self._lay_out_plane()
            self.note.setText("")
        elif train.task == "regression":
            self.mode = "curve"
            allX = np.concatenate([train.X[:, 0], val.X[:, 0]]) if val is not None and len(val) else train.X[:, 0]
            self._grid = np.linspace(allX.min(), allX.max(), 200).reshape(-1, 1)
            self.train_points.setData(train.X[:, 0], train.y[:, 0], brush="#3a6ff7")
            if val is not None and len(val):
                self.val_points.setData(val.X[:, 0], val.y[:, 0], brush="#f08c00")
            else:
                self.val_points.setData([], [])
            self._label_axes("x", "y")
            self.plot_widget.getPlotItem().enableAutoRange()
            self.note.setText("")
        else:
            self.mode = "none"
            self._grid = None
            self.train_points.setData([], [])
            self.val_points.setData([], [])
            self.note.setText("The data has one feature: the decision boundary is drawn for two or more features, "
                              "the fitted curve for 1-D regression.")

    def _plane_chosen(self, _=None) -> None:
        train, _val = self._data
        if self.mode == "boundary" and train is not None and train.n_features > 2:
            self.image.clear()
            self._lay_out_plane()
            self._again()

    def _lay_out_plane(self) -> None:
        """The plane the person chose, the points projected onto it, the heatmap's grid and the view's range."""
        train, val = self._data
        names, k = feature_names(train), train.n_features
        pca = k > 2 and self.plane_box.currentText() == "PCA"
        self.x_box.setEnabled(not pca)
        self.y_box.setEnabled(not pca)
        i, j = (0, 1) if k == 2 else (self.x_box.currentIndex(), self.y_box.currentIndex())
        self.plane = PCAPlane(train.X, names) if pca else FeaturePlane(train.X, max(i, 0), max(j, 0), names)
        shown = [part for part in (train, val) if part is not None and len(part)]
        P = self.plane.to_plane(np.vstack([part.X for part in shown]))
        lo, hi = P.min(axis=0), P.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-6)
        lo, hi = lo - pad, hi + pad
        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        xx, yy = np.meshgrid(gx, gy)  # row-major image: rows are y
        self._grid = self.plane.from_plane(np.column_stack([xx.ravel(), yy.ravel()]))
        self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        self._scatter(self.train_points, train, self.plane)
        self._scatter(self.val_points, val, self.plane)
        self._label_axes(*self.plane.labels)
        self.plot_widget.getPlotItem().setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0)

    def _label_axes(self, bottom: str, left: str) -> None:
        item = self.plot_widget.getPlotItem()
        item.setLabel("bottom", bottom)
        item.setLabel("left", left)

    def _again(self) -> None:
        if self._record is not None:
            self.redraw(self._record)

    @staticmethod
    def _scatter(points: pg.ScatterPlotItem, ds, plane) -> None:
        if ds is None or not len(ds):
            points.setData([], [])
            return
        P = plane.to_plane(ds.X)
        points.setData(P[:, 0], P[:, 1], brush=point_brushes(ds, (90, 90, 90)))

    def redraw(self, record) -> None:
        self._record = record
        if self._grid is None or record.weights is None:
            return
        out = self.predict(self._grid, record.weights)
        if out is None:
            self.image.clear()
            self.curve.setData([], [])
            return
        out = np.asarray(out, dtype=float).reshape(len(self._grid), -1)
        if self.mode == "boundary":
            discrete = self.discrete_box.isChecked()
            image = boundary_image(out, self._activation(), discrete) if record.classify \
                else _regression_image(out, discrete)
            self.image.setImage(image, levels=(0, 255))
            self.image.setRect(self._rect)  # after setImage: a rect set on an empty item scales a 1×1 image
        else:
            self.curve.setData(self._grid[:, 0], np.nan_to_num(out[:, 0]))
        self.frames += 1

    def _activation(self) -> str:
        spec = self.spec() if self.spec is not None else None
        return final_activation(spec) if spec is not None else "identity"


def _regression_image(out: np.ndarray, discrete: bool = False) -> np.ndarray:
    v = np.nan_to_num(out[:, 0])
    t = (v - v.min()) / max(np.ptp(v), 1e-12)
    if discrete:  # BANDS flat bands, the lowest white, the highest the full colour
        t = np.minimum(np.floor(t * BANDS), BANDS - 1) / (BANDS - 1)
    rgb = np.outer(1 - t, [255, 255, 255]) + np.outer(t, CLASS_COLOURS[0])
    return rgb.reshape(GRID, GRID, 3).astype(np.uint8)
