"""The Tape dock: backpropagation for one sample, op by op, and the adjoint flowing along the canvas wires.

>>> add_tape(window)                  # Tools ▸ Tape, and the dock (hidden until asked for)   # doctest: +SKIP
>>> window.tape.sample.setValue(3)    # record row 3 of the training split                   # doctest: +SKIP
>>> window.tape.step_forward()        # F10 steps on, Shift+F10 back                          # doctest: +SKIP

The sample is a row of the training split as the trainer sees it (standardised); a click on the decision-
boundary plot picks the nearest row. engine.analysis.record_tape runs forward and backward on a copy of the
model with the training record's latest weights (one sample: quick, on the GUI thread); the list shows every op,
grouped by block. Stepping reveals values in forward order, then adjoints in backward order, lights up the
block of the op stepped on, and the wires carry ‖∂L/∂activation‖ once the backward sweep has reached them.
While training runs, the wires show the batch mean of that norm instead (tape_live.py); the curvature of
the selected layer is measured when a run pauses or ends.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from engine.analysis import record_tape

from ..canvas.actions import make_action
from ..canvas.overlays import WeightOverlay, WireOverlay
from .common import tool_dock, tools_menu
from .gradcheck import snapshot
from .tape_live import CurvatureBox, LiveAdjoints, LiveWeights
from .tape_tree import TapeTree

NEXT_KEYS, PREVIOUS_KEYS = ("F10",), ("Shift+F10",)
TIP = "Step through backpropagation for one sample: every op of the tape, its value and its adjoint ∂L/∂value"


class TapePanel(QWidget):
    """Sample picker, step buttons, the op list, the curvature box; draws on the canvas through a WireOverlay."""

    def __init__(self, session, editor, parent=None):
        super().__init__(parent)
        self.session, self.editor, self.doc = session, editor, editor.doc
        self.overlay = WireOverlay(editor.scene)
        self.tape = None
        self.cursor = 0          # 0..N: ops computed forward; N..2N: adjoints arrived backward
        self.block_ids: list = []  # canvas block of each Chain layer
        self.input_id = None
        self.rows = None         # (X, Y) of the training split the tape was recorded from
        self._syncing = False
        self._shut = False
        self.sample = QSpinBox()
        self.sample.setPrefix("row ")
        self.sample.setToolTip("Which row of the training split (standardised, as training sees it) to record")
        self.sample.valueChanged.connect(self._row_picked)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("or type features → target (0.5, -1 → 1), then Enter")
        self.typed.setToolTip("Raw feature values (standardised as training does) and the target: a class "
                              "index or name, or the values to fit")
        self.typed.returnPressed.connect(self.record_typed)
        self.typed_sample = None  # (x, y) as the model takes them, while a typed point is shown
        self.record_button = QPushButton("Record")
        self.record_button.setToolTip("Run forward and backward for this sample with the current weights")
        self.record_button.clicked.connect(lambda _=False: self.record())
        self.forward_button = QPushButton("Forward ▸")
        self.forward_button.setToolTip("Compute the next op of the forward pass (F10 steps on either way)")
        self.forward_button.clicked.connect(lambda _=False: self.step_forward())
        self.backward_button = QPushButton("Backward ◂")
        self.backward_button.setToolTip("Pass the adjoint back through the next op of the backward sweep")
        self.backward_button.clicked.connect(lambda _=False: self.step_backward())
        self.next_action = make_action(self, "Next step", self.step_next, NEXT_KEYS)
        self.previous_action = make_action(self, "Previous step", self.step_previous, PREVIOUS_KEYS)
        for action in (self.next_action, self.previous_action):
            action.setShortcutContext(Qt.WindowShortcut)
        self.summary = QLabel("Pick a sample to see its tape.")
        self.summary.setWordWrap(True)
        self.tree = TapeTree()
        self.tree.currentItemChanged.connect(self._tree_selected)
        editor.selection_changed.connect(self._canvas_selected)
        session.finished.connect(self._rerecord)  # the run's weights, once it ends
        session.changed.connect(self._rerecord)   # another model, data or split: the old tape is stale
        session.weights_moved.connect(self._rerecord)  # the landscape's click put other weights in
        self.curvature = CurvatureBox(session, self.doc, self)
        self.live = LiveAdjoints(session, self.doc, self.overlay, self._live_allowed, self)
        self.weights_overlay = WeightOverlay(editor.scene)
        self.show_weights = LiveWeights(session, self.doc, self.weights_overlay, self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample"))
        top.addWidget(self.sample, 1)
        top.addWidget(self.record_button)
        steps = QHBoxLayout()
        steps.addWidget(self.forward_button)
        steps.addWidget(self.backward_button)
        steps.addWidget(self.show_weights)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.typed)
        layout.addLayout(steps)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.curvature)
        self._update_buttons()

    # ---- recording ----
    def record(self) -> bool:
        """Record the tape of the chosen row with the latest weights (False, saying why, when there is none)."""
        taken = snapshot(self.session, self.doc)
        if isinstance(taken, str):
            self.summary.setText(f"⚠ {taken}")
            self.tape = None
            self.tree.clear()
            self.overlay.clear()
            self._update_buttons()
            return False
        model, loss, X, Y = taken
        self.rows = (X, Y)
        if self.sample.maximum() != len(X) - 1:
            self.sample.blockSignals(True)
            self.sample.setMaximum(len(X) - 1)
            self.sample.blockSignals(False)
        x, y = self.typed_sample or (X[self.sample.value()], Y[self.sample.value()])
        self.tape = record_tape(model, loss, x, y)
        chain = self.doc.chain_blocks()
        self.input_id, self.block_ids = chain[0].block_id, [b.block_id for b in chain[1:]]
        names = [f"{i + 1}: {b.label()}" for i, b in enumerate(chain[1:])]
        self.tree.show_tape(self.tape, names)
        self.cursor = 2 * len(self.tape.ops)
        self._show_cursor()
        if self.curvature.layer is None:
            first = next((i for i, b in enumerate(chain[1:]) if b.kind == "dense"), None)
            if first is not None:
                self.curvature.set_layer(first)
        return True

    def compute_now(self) -> bool:
        """What `--screenshot --dock tape` calls before the grab: the chosen row's tape, recorded now."""
        return self.record()

    def _row_picked(self, _row) -> None:
        self.typed_sample = None
        self.record()

    def record_typed(self) -> bool:
        """Record the typed point (False, saying what is wrong with the text, when it cannot be read)."""
        parsed = parse_typed(self.typed.text(), self.session)
        if isinstance(parsed, str):
            self.summary.setText(f"⚠ {parsed}")
            return False
        self.typed_sample = parsed
        return self.record()

    def _rerecord(self, *_) -> None:
        if self.tape is not None and self.session.state == "idle":
            self.record()

    def pick_point(self, x: float, y: float) -> None:
        """A click on the decision-boundary plot (raw features): record the nearest training row."""
        split = self.session.split
        if split is None or split.raw_train.X.shape[1] != 2:
            return
        # rows of raw_train are the rows of train before standardising: the nearest in what the plot shows
        nearest = int(np.argmin(((split.raw_train.X - np.array([x, y])) ** 2).sum(axis=1)))
        if nearest != self.sample.value():
            self.sample.setValue(nearest)  # records through valueChanged
        else:
            self.record()

    # ---- stepping ----
    @property
    def stepping(self) -> bool:
        return self.tape is not None and self.cursor < 2 * len(self.tape.ops)

    def step_forward(self) -> None:
        n = len(self.tape.ops) if self.tape else 0
        if not n or n <= self.cursor < 2 * n:
            return
        self.cursor = 1 if self.cursor == 2 * n else self.cursor + 1  # from the full view: start over
        self._show_cursor()

    def step_backward(self) -> None:
        n = len(self.tape.ops) if self.tape else 0
        if n and n <= self.cursor < 2 * n:
            self.cursor += 1
            self._show_cursor()

    def step_next(self, _=False) -> None:
        if self.tape is None:
            return
        n = len(self.tape.ops)
        self.cursor = 1 if self.cursor >= 2 * n else self.cursor + 1
        self._show_cursor()

    def step_previous(self, _=False) -> None:
        if self.tape is not None and self.cursor > 0:
            self.cursor -= 1
            self._show_cursor()

    def current_op(self):
        """The op the last step reached (None before the first step)."""
        n = len(self.tape.ops)
        if self.cursor == 0:
            return None
        return self.tape.ops[self.cursor - 1] if self.cursor <= n else self.tape.ops[2 * n - self.cursor]

    def _show_cursor(self) -> None:
        n = len(self.tape.ops)
        values, adjoints = min(self.cursor, n), max(self.cursor - n, 0)
        self.tree.reveal(values, adjoints)
        op = self.current_op()
        full = self.cursor == 2 * n
        self._syncing = True
        try:
            if op is not None and not full:
                self.tree.setCurrentItem(self.tree.op_row(op.index))
        finally:
            self._syncing = False
        self.overlay.light_up(None if full or op is None or op.layer is None else self.block_ids[op.layer])
        if self.cursor <= n and not full:  # forward: what each computed block passes on
            self.overlay.show(self._value_norms(values), forward=True)
        else:
            self.overlay.show(self._wire_norms(adjoints))
        self.summary.setText(self._describe(op, full))
        self._update_buttons()

    def _value_norms(self, values: int) -> dict:
        """Block id -> ‖its output‖ for the blocks the forward pass has finished, and the Input's ‖x‖."""
        norms = {self.input_id: float(np.linalg.norm(self.tape.x))} if values else {}
        for layer in range(self.tape.layers):
            out = self.tape.output_of(layer)
            if out is not None and out.index < values:
                norms[self.block_ids[layer]] = float(np.linalg.norm(np.asarray(out.value, dtype=np.float64)))
        return norms

    def _wire_norms(self, adjoints: int) -> dict:
        """Block id -> ‖∂L/∂(its output)‖ for the blocks whose output adjoint the backward sweep has reached."""
        n, norms = len(self.tape.ops), {}
        for layer, norm in enumerate(self.tape.adjoint_norms()):
            out = self.tape.output_of(layer)
            if norm is not None and out.index >= n - adjoints:
                norms[self.block_ids[layer]] = norm
        if adjoints == n:
            norms[self.input_id] = float(np.linalg.norm(self.tape.input_adjoint))
        return norms

    def _describe(self, op, full: bool) -> str:
        t = self.tape
        if full:
            which = "the typed point" if self.typed_sample is not None else f"row {self.sample.value()}"
            return (f"Loss {t.loss:.4g} for {which}: {len(t.ops)} ops. Forward ▸ steps through "
                    f"them, Backward ◂ sends ∂L/∂value back; the wires carry ‖∂L/∂activation‖.")
        if op is None:
            return "Nothing computed yet: Forward ▸ runs the first op."
        where = "the loss" if op.layer is None else f"block {op.layer + 1}"
        if self.cursor <= len(t.ops):
            return f"Forward {self.cursor}/{len(t.ops)}: op {op.index} {op.name} in {where} gives {op.shape or 'a scalar'}."
        left = [f"∂L/∂{name} ‖·‖ {np.linalg.norm(g):.3g}" for name, g in zip(t.param_names, t.grads)
                if op.layer is not None and op.index == t.of_layer(op.layer)[0].index
                and name[1:] == str(op.layer + 1)]
        return (f"Backward {self.cursor - len(t.ops)}/{len(t.ops)}: ∂L/∂(op {op.index} {op.name}) arrives in {where}"
                + (f"; it leaves {', '.join(left)}." if left else "."))

    def _update_buttons(self) -> None:
        n = len(self.tape.ops) if self.tape else 0
        self.forward_button.setEnabled(bool(n) and not n <= self.cursor < 2 * n)
        self.backward_button.setEnabled(bool(n) and n <= self.cursor < 2 * n)

    def _live_allowed(self) -> bool:
        return self.isVisible() and not self.stepping

    # ---- selection both ways ----
    def _tree_selected(self, item, _previous=None) -> None:
        if self._syncing or item is None:
            return
        found, layer = self.tree.layer_of(item)
        if found and layer is not None and layer < len(self.block_ids):
            self._syncing = True
            try:
                self.editor.scene.select_blocks([self.block_ids[layer]])
            finally:
                self._syncing = False
            self.curvature.set_layer(layer)

    def _canvas_selected(self) -> None:
        selected = self.editor.scene.selected_block_ids()
        layers = [b.block_id for b in self.doc.chain_blocks()[1:]]
        if self._syncing or len(selected) != 1 or selected[0] not in layers:
            return
        layer = layers.index(selected[0])
        if self.tape is not None and layers == self.block_ids:
            self._syncing = True
            try:  # the block's ops, all of them
                group = self.tree.groups[layer]
                self.tree.setCurrentItem(group)
                for k in range(group.childCount()):
                    group.child(k).setSelected(True)
            finally:
                self._syncing = False
        self.curvature.set_layer(layer)

    def shutdown(self, ms: int = 5000) -> bool:
        """Disconnect and join background work (the window is closing); a second call only joins."""
        if not self._shut:
            self._shut = True
            self.editor.selection_changed.disconnect(self._canvas_selected)
            self.session.finished.disconnect(self._rerecord)
            self.session.changed.disconnect(self._rerecord)
            self.session.weights_moved.disconnect(self._rerecord)
            self.overlay.detach()
            self.weights_overlay.detach()
            self.show_weights.shutdown()
            self.curvature.detach()
        return self.live.shutdown(ms) & self.curvature.shutdown(ms)


def parse_typed(text: str, session):
    """``"0.5, -1 → 1"`` as (x, y) the model takes (x standardised, y as training targets), or what is wrong."""
    dataset, spec, split = session.dataset, session.spec, session.split
    if dataset is None or spec is None or split is None:
        return "Choose a dataset and a valid Chain first."
    for arrow in ("→", "->", ";"):
        if arrow in text:
            features, target = text.split(arrow, 1)
            break
    else:
        return "Type the features, an arrow and the target: 0.5, -1 → 1"
    try:
        x = np.array([float(v) for v in features.replace(",", " ").split()], dtype=np.float64)
    except ValueError:
        return f"The features must be numbers: {features.strip()!r}"
    if len(x) != dataset.n_features:
        return f"The data has {dataset.n_features} features; {len(x)} were typed."
    rows = session.chain_rows(x[None, :])  # the Chain's derived inputs too, standardised
    if rows is None:
        return f"The Chain takes {spec.inputs} inputs, not this data's {dataset.n_features} features."
    x = rows[0]
    width, target = spec.shapes()[-1], target.strip()
    if dataset.task == "regression":
        try:
            y = np.array([float(v) for v in target.replace(",", " ").split()], dtype=np.float64)
        except ValueError:
            return f"The target must be numbers: {target!r}"
        return (x, y) if len(y) == width else f"The model has {width} outputs; {len(y)} target values were typed."
    names = list(dataset.class_names)
    label = names.index(target) if target in names else int(target) if target.isdigit() else -1
    if not 0 <= label < dataset.n_classes:
        return f"The target must be a class: {', '.join(names)} (or 0 to {dataset.n_classes - 1})."
    return x, (np.array([float(label)]) if width == 1 else np.eye(width)[label])


def add_tape(window) -> QDockWidget:
    """The dock (hidden until asked for) and Tools ▸ Tape on `window`."""
    panel = TapePanel(window.training.session, window.editor, window)
    dock = tool_dock(window, panel, "Tape", "tape_dock")
    window.training.plots.boundary_plot.point_clicked.connect(panel.pick_point)

    def open_and_record(_=False):
        dock.show()
        dock.raise_()
        window.resizeDocks([dock], [400], Qt.Horizontal)  # four columns of numbers want the room
        panel.record()

    action = make_action(window, "&Tape", open_and_record, tip=TIP)
    window.actions_by_name["tape"] = action
    tools_menu(window).addAction(action)
    window.menus["view"].addAction(dock.toggleViewAction())
    window.tape, window.tape_dock = panel, dock
    return dock
