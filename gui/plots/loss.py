"""Loss plot: training and validation loss against epochs (log-scale toggle), and accuracy.

>>> plot = LossPlot()              # doctest: +SKIP
>>> clock.add(plot)                # redraws from the TrainingRecord at most 25 times a second  # doctest: +SKIP
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from . import configure
from .common import epoch_plot

TRAIN_COLOUR, VAL_COLOUR, ACC_COLOUR = "#3a6ff7", "#f08c00", "#2f9e44"


class LossPlot(QWidget):
    """Loss curves on the left axis; accuracy (0–1, classification only) on a right-hand axis."""

    min_interval = 0.2  # seconds between redraws (RedrawClock): a loss curve is live at 5 a second

    def __init__(self, parent=None):
        configure()
        super().__init__(parent)
        self.plot_widget = epoch_plot("loss")
        item = self.plot_widget.getPlotItem()
        # thin pens: wide antialiased paths are what cost
        self.train_curve = item.plot([], [], pen=pg.mkPen(TRAIN_COLOUR, width=1.5), name="train")
        self.val_curve = item.plot([], [], pen=pg.mkPen(VAL_COLOUR, width=1.5), name="validation")
        # accuracy on its own view box, linked in x, so its 0..1 scale never squashes the loss
        self.acc_box = pg.ViewBox()
        item.showAxis("right")
        item.scene().addItem(self.acc_box)
        item.getAxis("right").linkToView(self.acc_box)
        item.getAxis("right").setLabel("validation accuracy")
        self.acc_box.setXLink(item)
        self.acc_box.setYRange(0, 1.02, padding=0)
        self.acc_box.setMouseEnabled(x=False, y=False)
        self.acc_curve = pg.PlotDataItem([], [], pen=pg.mkPen(ACC_COLOUR, width=1))
        self.acc_box.addItem(self.acc_curve)
        # No clip-to-view and no auto-downsampling: the series hold at most 1000 points anyway, and both work
        # from the view's current range, so after a long run auto-range never found a new run's data again
        # (the new curve was a vertical line at the left edge of the old range).
        item.vb.sigResized.connect(self._sync_boxes)

        self.log_scale = QCheckBox("log")
        self.log_scale.setToolTip("Logarithmic loss axis")
        self.log_scale.toggled.connect(self._log_scale)
        self.summary = QLabel("No training yet.")
        self._acc_shown = True
        self._generation = -1
        self.summary.setTextFormat(Qt.RichText)  # the numbers in their curves' colours: no legend to repaint
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 4)  # clear of the accuracy axis's label below the checkbox
        top.setSpacing(8)
        # a fixed size: a new summary many times a second must not re-layout (and repaint) the dock
        self.summary.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        top.addWidget(self.summary, 1)
        top.addWidget(self.log_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)

    def _log_scale(self, on: bool) -> None:
        """The loss axis only: accuracy stays 0..1 on its own axis; decades labelled, not the ticks between them
        (their labels ran into each other)."""
        item = self.plot_widget.getPlotItem()
        item.setLogMode(y=on)
        item.getAxis("right").setLogMode(False)
        item.getAxis("left").setStyle(maxTextLevel=0 if on else 2)

    def _sync_boxes(self):
        item = self.plot_widget.getPlotItem()
        self.acc_box.setGeometry(item.vb.sceneBoundingRect())
        self.acc_box.linkedViewChanged(item.vb, self.acc_box.XAxis)

    def redraw(self, record) -> None:
        if record.generation != self._generation:  # a new record (Reset, another model): fit the axes afresh
            self._generation = record.generation
            self.plot_widget.getPlotItem().enableAutoRange()
        self.train_curve.setData(*record.loss.arrays())
        self.val_curve.setData(*record.val_loss.arrays())
        show_acc = record.classify and len(record.accuracy) > 0
        self.acc_curve.setData(*record.accuracy.arrays()) if show_acc else self.acc_curve.setData([], [])
        if show_acc != self._acc_shown:  # restyling an axis re-lays it out: only on a change
            self._acc_shown = show_acc
            self.plot_widget.getPlotItem().getAxis("right").setStyle(showValues=show_acc)
        if record.loss.ys:
            # the epoch count is on the axis; the line keeps to the numbers so a narrow dock shows them
            text = _coloured(TRAIN_COLOUR, f"train {record.loss.ys[-1]:.3g}")
            if record.val_loss.ys:
                text += f" · {_coloured(VAL_COLOUR, f'val {record.val_loss.ys[-1]:.3g}')}"
            if show_acc:
                text += f" · {_coloured(ACC_COLOUR, f'val accuracy {record.accuracy.ys[-1]:.0%}')}"
            self.summary.setText(text)
            self.summary.setToolTip(text)  # the whole line, when a narrow dock cuts it
        else:
            # the key to the curves, short enough for a narrow dock; the empty plot says there was no run
            self.summary.setText(f"{_coloured(TRAIN_COLOUR, 'train')} · {_coloured(VAL_COLOUR, 'val')} · "
                                 f"{_coloured(ACC_COLOUR, 'val accuracy')}")
            self.summary.setToolTip("No training yet: the curves will be the training loss, the validation loss "
                                    "and the validation accuracy")


def _coloured(colour: str, text: str) -> str:
    return f"<span style='color:{colour}; font-weight:600'>{text}</span>"
