"""The Gradient check dock: per layer, the engine's ∂L/∂W, ∂L/∂b and Hessian-vector products against
central differences, worst relative error first and second order, cells coloured green / amber / red.

>>> add_gradient_check(window)        # Tools ▸ Gradient check, a toolbar button and the dock  # doctest: +SKIP
>>> window.gradcheck.run()            # check the current model on the current data, off the GUI thread  # doctest: +SKIP

The check runs on a copy: the Chain on the canvas rebuilt with the training record's latest weights
(what a running fit last reported), on the training split as the trainer sees it (the Chain's derived inputs
too, standardised: `TrainingSession.chain_training_data`), so it
can run while training goes on. engine.analysis.check_model does the work in a gui.jobs.Job.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.analysis import Stopped, check_model, status_of

from ..canvas.actions import make_action
from ..jobs import Job
from .common import tool_dock, tools_menu

COLUMNS = ("Layer", "", "1st order", "2nd order")  # two rows a layer: W, then b
STATUS_COLOURS = {"green": "#12b76a", "amber": "#f79009", "red": "#f04438"}
TIP = ("Compare the engine's gradients with central differences for every weight and bias, and its second "
       "derivatives (Hessian-vector products) along random directions: green ≤ 1e-7, amber ≤ 1e-5, red worse")


def snapshot(session, doc):
    """(model, loss, X, Y) to check, copied on the GUI thread, or a reason (str) why there is none."""
    analysis = doc.analysis()
    if not analysis.valid or session.spec is None or analysis.spec != session.spec:
        return "The Chain has problems: fix them on the canvas first."
    train = session.chain_training_data()  # with the Chain's derived inputs, standardised
    if isinstance(train, str):
        return train
    model = session.spec.build(session.settings.seed)
    weights = session.record.weights or session.weights()
    parameters = model.parameters()
    if len(weights) != len(parameters):
        return "The weights are being rebuilt; try again in a moment."
    for p, w in zip(parameters, weights):
        p.value = np.array(w, dtype=np.float64)
    try:
        Y = train.targets(session.spec.shapes()[-1])
    except ValueError as error:  # DataError is one: outputs that cannot take this data's targets
        return str(error)
    return model, session.settings.loss, np.array(train.X, dtype=np.float64), Y


class GradcheckPanel(QWidget):
    """The table and a Check button; `run()` starts a check of what the session holds now."""

    def __init__(self, session, doc, parent=None):
        super().__init__(parent)
        self.session, self.doc = session, doc
        self.job = None
        self.report = None
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip(TIP)
        self.check_button.clicked.connect(self._clicked)
        self.summary = QLabel("Check the engine's derivatives for the current model and data.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setMinimumSectionSize(24)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.check_button, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def run(self) -> bool:
        """Start a check (False, saying why, when there is nothing to check or one is running)."""
        if self.job is not None:
            return False
        taken = snapshot(self.session, self.doc)
        if isinstance(taken, str):
            self.summary.setText(f"⚠ {taken}")
            return False
        model, loss, X, Y = taken

        def work(context):  # on the worker: only the copies above
            try:
                return check_model(model, loss, X, Y, should_stop=context.should_stop)
            except Stopped:
                return None

        count = sum(p.value.size for p in model.parameters())
        self.summary.setText(f"Checking {count:,} weights and biases on {min(len(X), 256)} samples…")
        self.check_button.setText("Stop")
        self.job = Job(work, name="gradcheck", parent=self)
        self.job.succeeded.connect(self._show)
        self.job.failed.connect(lambda text: self.summary.setText(f"⚠ The check failed: {text}"))
        self.job.finished.connect(self._finished)
        self.job.start()
        return True

    def _clicked(self):
        if self.job is None:
            self.run()
        else:  # a big model takes two loss evaluations per weight: let a person give up
            self.job.stop()
            self.summary.setText("Stopped; the table shows the last check.")

    def _finished(self):
        self.job.deleteLater()
        self.job = None
        self.check_button.setText("Check")

    def _show(self, report):
        if report is None:
            return
        self.report = report
        self.table.clearSpans()
        self.table.setRowCount(2 * len(report.layers))
        for k, row in enumerate(report.layers):
            self._cell(2 * k, 0, f"{row.name}\n{row.status}", row.status)
            self.table.setSpan(2 * k, 0, 2, 1)
            for r, label in enumerate(("W", "b"), start=2 * k):
                self._cell(r, 1, label)
                for c, value in enumerate((row.first.get(label), row.second.get(label)), start=2):
                    self._cell(r, c, "—" if value is None else f"{value:.1e}",
                               None if value is None else status_of(value))
        worst = {"green": "every layer agrees with central differences",
                 "amber": "some derivatives are only roughly right",
                 "red": "some derivatives are wrong"}[report.status]
        self.summary.setText(f"{worst.capitalize()} (loss {report.loss:.4g}, {report.rows} samples, "
                             f"{report.directions} random directions for the second order).")

    def cell_status(self, layer: int, label: str, order: int) -> tuple[str, str]:
        """(text, colour name) of a layer's (0-based) W or b cell, first or second order: what a person reads."""
        item = self.table.item(2 * layer + ("W", "b").index(label), 1 + order)
        return item.text(), item.background().color().name()

    def _cell(self, row, column, text, status=None):
        item = QTableWidgetItem(text)
        item.setTextAlignment((Qt.AlignLeft if column < 2 else Qt.AlignRight) | Qt.AlignVCenter)
        if status is not None:
            item.setBackground(QBrush(QColor(STATUS_COLOURS[status])))
            item.setForeground(QBrush(QColor("#ffffff")))
            item.setToolTip(f"{status}: ≤ 1e-7 green, ≤ 1e-5 amber, worse red")
        self.table.setItem(row, column, item)

    def shutdown(self, ms: int = 5000) -> bool:
        """Stop a running check and join its thread (the window is closing)."""
        return self.job is None or self.job.wait(ms)


def add_gradient_check(window) -> QDockWidget:
    """The dock (hidden until asked for), Tools ▸ Gradient check and its toolbar button on `window`."""
    panel = GradcheckPanel(window.training.session, window.doc, window)
    dock = tool_dock(window, panel, "Gradient check", "gradient_check_dock")

    def open_and_run(_=False):
        dock.show()
        dock.raise_()
        panel.run()

    action = make_action(window, "&Gradient Check", open_and_run, icon_name="gradcheck", tip=TIP)
    window.actions_by_name["gradient_check"] = action
    tools_menu(window).addAction(action)
    window.toolbar.addSeparator()
    window.toolbar.addAction(action)
    window.menus["view"].addAction(dock.toggleViewAction())
    window.gradcheck = panel
    window.gradcheck_dock = dock
    return dock
