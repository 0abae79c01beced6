"""The canvas driven like a person would: palette drops, mouse wiring, keys, clipboard, zoom and pan; and what
the main window adds around it (status bar, palette double-click)."""
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDragMoveEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from canvas_helpers import (block_centre, click, drag, drop_mime, empty_spot, in_port, out_port, to_view,
                            wire_middle)
from engine import Chain, Dense, relu, sigmoid, softmax, tanh
from gui.canvas.commands import delete_items
from gui.canvas.document import STARTER_SPEC, TUTORIAL_SPEC
from gui.canvas.layout import GRID


def chain_kinds(doc):
    return [(b.kind, b.units if b.kind != "activation" else b.activation) for b in doc.chain_blocks()]


def ids_by_label(doc):
    return {b.label(): b.block_id for b in doc.blocks()}


def test_a_new_window_starts_with_a_chain_that_fits_its_data(shared_window):
    window = shared_window
    assert window.doc.to_spec() == STARTER_SPEC
    assert repr(window.doc.to_spec().build()) == "Chain(Dense(2 => 8, tanh), Dense(8 => 2), softmax)"
    assert "Valid" in window.validity_label.text()
    assert window.params_label.text() == "42 parameters"
    dock = window.training  # the first dataset fits it: no hint, no red warning, Train ready
    assert dock.session.dataset.n_features == 2 and not dock.data_box.fit_hint.text()
    assert dock.controls.start_button.isEnabled()
    assert window.zoom_label.text() == "Zoom 100%"
    for name in ("file", "edit", "view", "help"):
        assert not window.menus[name].isEmpty()


def test_the_documents_chain_computes_what_a_hand_built_chain_does(shared_window, rng):
    x = rng.standard_normal((4, 2))
    gen = np.random.default_rng(11)
    by_hand = Chain(Dense(2, 8, tanh, rng=gen), Dense(8, 2, rng=gen), softmax)
    np.testing.assert_array_equal(shared_window.doc.to_spec().build(seed=11)(x), by_hand(x))


def shortcut_table(actions):
    return {name: (a.text(), [k.toString() for k in a.shortcuts()], a.isCheckable(), a.isChecked())
            for name, a in actions.items()}


def test_the_main_window_has_the_canvas_edit_actions_the_canvas_tests_use(shared_window, canvas):
    """The canvas tests press keys on a CanvasWindow: its actions must be the main window's, key for key."""
    window_actions = {name: shared_window.actions_by_name[name] for name in canvas.actions_by_name}
    assert shortcut_table(window_actions) == shortcut_table(canvas.actions_by_name)
    assert [a and a.text() for a in shared_window.view.menu_actions] == [a and a.text() for a in
                                                                         canvas.view.menu_actions]
    assert all(window_actions[name] in shared_window.actions() for name in window_actions)  # window-wide keys


def test_the_status_bar_follows_the_canvas(window):
    """Validity, parameter count, zoom and the editor's messages: what the canvas tests read elsewhere."""
    doc, view = window.doc, window.view
    ids = ids_by_label(doc)
    window.editor.set_properties(ids["Dense(2)"], units=3)
    assert window.params_label.text() == f"{10 * 5 + 5 + 5 * 3 + 3} parameters"
    assert window.validity_label.text() == "✓ Valid Chain"
    window.undo_stack.push(delete_items(doc, wire_ids=[doc.find_wire(ids["Dense(2)"], ids["softmax"]).wire_id]))
    assert window.validity_label.text().startswith("⚠ softmax is not connected")
    QTest.keyClick(view, Qt.Key_Plus, Qt.ControlModifier)
    assert window.zoom_label.text() == "Zoom 125%"
    QApplication.clipboard().setText("not blocks")
    QTest.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    assert window.statusBar().currentMessage() == "Nothing to paste: copy some blocks first."


def test_double_click_in_the_palette_appends_to_the_chain(window):
    doc, palette = window.doc, window.palette_panel
    rect = palette.visualItemRect(palette.item_for("dense"))
    # A real double-click is a click, then a double-click event at the same place.
    QTest.mouseClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert chain_kinds(doc)[-1] == ("dense", 8)
    assert len(doc.to_spec().layers) == 4


# ---- the canvas alone (canvas_helpers.CanvasWindow) ----


def test_drop_from_palette_adds_a_block_where_it_lands(canvas, view, doc):
    before = doc.state()
    point = empty_spot(view)
    centre = view.mapToScene(point)  # before the drop: the view may scroll to show what was dropped
    assert drop_mime(view, canvas.palette_panel.mime_for("relu"), point)
    (new,) = [b for b in doc.blocks() if b.activation == "relu"]
    assert abs(new.x + 70 - centre.x()) <= GRID and abs(new.y + 40 - centre.y()) <= GRID
    assert new.x % GRID == 0 and new.y % GRID == 0  # snapped
    assert view.editor.scene.selected_block_ids() == [new.block_id]
    assert "relu is not connected to the Input" in " ".join(view.editor.scene.block_items[new.block_id].problems)
    canvas.undo_stack.undo()
    assert doc.state() == before


def test_drop_refuses_data_that_is_not_a_block(view, doc):
    before = doc.state()
    mime = QMimeData()
    mime.setText("relu")
    assert not drop_mime(view, mime, empty_spot(view))
    bad = QMimeData()
    bad.setData("application/x-chainboard-block", b'{"kind": "conv"}')
    assert not drop_mime(view, bad, empty_spot(view))
    assert doc.state() == before


def test_drop_on_a_wire_inserts_the_block_there(canvas, view, doc):
    ids = ids_by_label(doc)
    wire = doc.find_wire(ids["Dense(5, σ)"], ids["Dense(2)"])
    assert drop_mime(view, canvas.palette_panel.mime_for("relu"), wire_middle(view, wire.wire_id))
    assert chain_kinds(doc) == [("input", 10), ("dense", 5), ("activation", "relu"), ("dense", 2),
                                ("activation", "softmax")]
    assert repr(doc.to_spec().build()) == "Chain(Dense(10 => 5, σ), relu, Dense(5 => 2), softmax)"
    canvas.undo_stack.undo()
    assert doc.to_spec() == TUTORIAL_SPEC and doc.has_wire(wire.wire_id)


def test_drag_over_a_wire_highlights_it(canvas, view, doc):
    wire_id = doc.wires()[0].wire_id
    point = wire_middle(view, wire_id)
    mime = canvas.palette_panel.mime_for("tanh")
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton,
                                                            Qt.NoModifier))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point, Qt.CopyAction, mime, Qt.LeftButton,
                                                           Qt.NoModifier))
    assert view.editor.scene.wire_items[wire_id].drop_target
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(empty_spot(view), Qt.CopyAction, mime,
                                                           Qt.LeftButton, Qt.NoModifier))
    assert not view.editor.scene.wire_items[wire_id].drop_target


def test_wire_two_blocks_by_mouse_with_a_rubber_band(canvas, view, doc):
    ids = ids_by_label(doc)
    a, b = ids["Dense(2)"], ids["softmax"]
    wire = doc.find_wire(a, b)
    click(view, wire_middle(view, wire.wire_id))
    QTest.keyClick(view, Qt.Key_Delete)
    assert doc.find_wire(a, b) is None and not doc.analysis().valid

    seen = {}

    def look():
        scene = view.editor.scene
        seen["rubber"] = scene._wiring is not None and not scene._wiring[1].path().isEmpty()
        seen["mark"] = scene.block_items[b].in_port._mark

    drag(view, out_port(view, a), in_port(view, b), during=look)
    assert seen == {"rubber": True, "mark": "accept"}
    assert doc.find_wire(a, b) is not None
    assert doc.to_spec() == TUTORIAL_SPEC
    assert view.editor.scene._wiring is None  # the rubber band is gone
    assert canvas.undo_stack.undoText().startswith("Wire")


def test_wiring_from_an_input_port_to_an_output_port_works_too(view, doc):
    ids = ids_by_label(doc)
    a, b = ids["Dense(2)"], ids["softmax"]
    view.editor.undo_stack.push(delete_items(doc, wire_ids=[doc.find_wire(a, b).wire_id]))
    drag(view, in_port(view, b), block_centre(view, a))  # ending anywhere on a block means its free port
    assert doc.find_wire(a, b) is not None


@pytest.mark.parametrize("case", ["itself", "output to output", "into the input block", "again"])
def test_an_invalid_wire_is_refused_visibly(canvas, view, doc, case):
    ids = ids_by_label(doc)
    dense5, dense2, inp = ids["Dense(5, σ)"], ids["Dense(2)"], ids["Input"]
    start, end, port = {
        "itself": (out_port(view, dense5), in_port(view, dense5), ("in", dense5)),
        "output to output": (out_port(view, dense5), out_port(view, dense2), ("out", dense2)),
        "into the input block": (out_port(view, dense2), block_centre(view, inp), ("out", inp)),
        "again": (out_port(view, dense5), in_port(view, dense2), ("in", dense2)),
    }[case]
    before, count = doc.state(), canvas.undo_stack.count()
    marks = {}

    def look():
        item = view.editor.scene.block_items[port[1]]
        marks["mark"] = (item.in_port if port[0] == "in" else item.out_port)._mark
        marks["refused_colour"] = view.editor.scene._wiring[1].pen().color() == view.editor.scene.colours.error

    drag(view, start, end, during=look)
    assert marks == {"mark": "refuse", "refused_colour": True}
    assert doc.state() == before and canvas.undo_stack.count() == count
    assert canvas.messages[-1].startswith("Wire refused")


def test_delete_key_removes_the_selected_block_and_its_wires(view, doc):
    before = doc.state()
    dense5 = ids_by_label(doc)["Dense(5, σ)"]
    click(view, block_centre(view, dense5))
    assert view.editor.scene.selected_block_ids() == [dense5]
    QTest.keyClick(view, Qt.Key_Delete)
    assert not doc.has_block(dense5) and len(doc.wires()) == 1
    QTest.keyClick(view, Qt.Key_Z, Qt.ControlModifier)
    assert doc.state() == before
    QTest.keyClick(view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert not doc.has_block(dense5)


def test_select_by_click_ctrl_click_rubber_band_and_ctrl_a(view, doc):
    scene = view.editor.scene
    ids = ids_by_label(doc)
    click(view, block_centre(view, ids["Input"]))
    click(view, block_centre(view, ids["Dense(2)"]), Qt.ControlModifier)
    assert scene.selected_block_ids() == sorted([ids["Input"], ids["Dense(2)"]])
    click(view, empty_spot(view))
    assert scene.selected_block_ids() == []
    # rubber band from below-left of the Input to the middle of the second Dense
    drag(view, to_view(view, QPointF(-30, 150)), block_centre(view, ids["Dense(5, σ)"]))
    assert scene.selected_block_ids() == sorted([ids["Input"], ids["Dense(5, σ)"]])
    QTest.keyClick(view, Qt.Key_A, Qt.ControlModifier)
    assert scene.selected_block_ids() == sorted(b.block_id for b in doc.blocks())
    assert len(scene.selected_wire_ids()) == 3


def test_dragging_several_blocks_is_one_undo_step(canvas, view, doc):
    ids = ids_by_label(doc)
    a, b = ids["Input"], ids["softmax"]
    click(view, block_centre(view, a))
    click(view, block_centre(view, b), Qt.ControlModifier)
    before, count = doc.state(), canvas.undo_stack.count()
    start = block_centre(view, a)
    drag(view, start, start + QPoint(63, 118), steps=6)
    assert (doc.block(a).x, doc.block(a).y) == (60.0, 120.0)  # snapped to the grid
    assert (doc.block(b).x, doc.block(b).y) == (3 * 200.0 + 60.0, 120.0)
    assert canvas.undo_stack.count() == count + 1
    assert set(view.editor.scene.selected_block_ids()) == {a, b}  # a drag keeps the selection
    canvas.undo_stack.undo()
    assert doc.state() == before


def test_arrow_keys_nudge_the_selection(canvas, view, doc):
    block_id = ids_by_label(doc)["Dense(2)"]
    click(view, block_centre(view, block_id))
    x, y = doc.block(block_id).x, doc.block(block_id).y
    QTest.keyClick(view, Qt.Key_Right)
    QTest.keyClick(view, Qt.Key_Down)
    QTest.keyClick(view, Qt.Key_Left, Qt.ShiftModifier)
    assert (doc.block(block_id).x, doc.block(block_id).y) == (x + GRID - 1, y + GRID)
    canvas.undo_stack.undo()
    assert (doc.block(block_id).x, doc.block(block_id).y) == (x + GRID, y + GRID)


def test_copy_paste_cut_and_duplicate(canvas, view, doc):
    ids = ids_by_label(doc)
    both = sorted([ids["Dense(5, σ)"], ids["Dense(2)"]])
    click(view, block_centre(view, both[0]))
    click(view, block_centre(view, both[1]), Qt.ControlModifier)
    QTest.keyClick(view, Qt.Key_C, Qt.ControlModifier)
    before = doc.state()
    QTest.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    pasted = view.editor.scene.selected_block_ids()
    assert len(pasted) == 2 and not set(pasted) & set(both)
    copies = [doc.block(i) for i in pasted]
    assert [(c.units, c.activation) for c in copies] == [(5, "sigmoid"), (2, "identity")]
    dx, dy = copies[0].x - doc.block(both[0]).x, copies[0].y - doc.block(both[0]).y
    assert dx == dy > 0 and dx % (2 * GRID) == 0  # moved down-right, just clear of the originals
    assert all(not (abs(c.x - b.x) < 140 and abs(c.y - b.y) < 80) for c in copies for b in doc.blocks()
               if b.block_id not in pasted)
    assert doc.find_wire(*pasted) is not None  # the wire between them came along
    canvas.undo_stack.undo()
    assert doc.state() == before

    click(view, block_centre(view, both[0]))
    click(view, block_centre(view, both[1]), Qt.ControlModifier)
    QTest.keyClick(view, Qt.Key_D, Qt.ControlModifier)
    assert len(doc.blocks()) == 6
    canvas.undo_stack.undo()
    click(view, block_centre(view, ids["softmax"]))
    QTest.keyClick(view, Qt.Key_X, Qt.ControlModifier)
    assert not doc.has_block(ids["softmax"])
    QTest.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    assert [b.activation for b in doc.blocks() if b.kind == "activation"] == ["softmax"]


def test_paste_of_foreign_clipboard_is_refused_politely(canvas, view, doc):
    QApplication.clipboard().setText("not blocks")
    before = doc.state()
    QTest.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    assert doc.state() == before
    assert canvas.messages == ["Nothing to paste: copy some blocks first."]


def test_zoom_with_keys_wheel_and_fit(view, qtbot):
    with qtbot.waitSignal(view.zoom_changed, check_params_cb=lambda z: z == pytest.approx(1.25)):
        QTest.keyClick(view, Qt.Key_Plus, Qt.ControlModifier)
    assert view.zoom() == pytest.approx(1.25)
    QTest.keyClick(view, Qt.Key_Minus, Qt.ControlModifier)
    QTest.keyClick(view, Qt.Key_Minus, Qt.ControlModifier)
    assert view.zoom() == pytest.approx(0.8)
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt.NoButton,
                        Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() == pytest.approx(0.8 * 1.15 ** 2)
    for _ in range(30):
        QTest.keyClick(view, Qt.Key_Minus, Qt.ControlModifier)
    assert view.zoom() == pytest.approx(0.2)  # clamped
    QTest.keyClick(view, Qt.Key_0, Qt.ControlModifier)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.scene().itemsBoundingRect())


def test_pan_with_middle_drag_and_space_drag(view):
    start = view.mapToScene(view.viewport().rect().center())
    drag(view, QPoint(300, 300), QPoint(200, 250), button=Qt.MiddleButton)
    moved = view.mapToScene(view.viewport().rect().center())
    assert (moved - start).toPoint() == QPoint(100, 50)
    QTest.keyPress(view, Qt.Key_Space)
    drag(view, QPoint(300, 300), QPoint(350, 300))
    QTest.keyRelease(view, Qt.Key_Space)
    assert (view.mapToScene(view.viewport().rect().center()) - moved).toPoint() == QPoint(-50, 0)
    assert view.editor.scene.selected_block_ids() == []  # panning is not a rubber band


def test_auto_arrange_makes_a_tidy_row_in_one_step(canvas, view, doc):
    ids = ids_by_label(doc)
    click(view, block_centre(view, ids["Dense(2)"]))
    for _ in range(3):
        QTest.keyClick(view, Qt.Key_Down)
    before = doc.state()
    QTest.keyClick(view, Qt.Key_L, Qt.ControlModifier)
    ys = {b.y for b in doc.chain_blocks()}
    xs = [b.x for b in doc.chain_blocks()]
    assert len(ys) == 1 and xs == sorted(xs) and len(set(np.diff(xs))) == 1
    canvas.undo_stack.undo()
    assert doc.state() == before


def test_snap_to_grid_can_be_turned_off(canvas, view, doc):
    canvas.actions_by_name["snap"].trigger()
    assert not view.editor.snap_to_grid
    assert drop_mime(view, canvas.palette_panel.mime_for("tanh"), empty_spot(view) + QPoint(7, 3))
    (new,) = [b for b in doc.blocks() if b.activation == "tanh"]
    assert (new.x % GRID, new.y % GRID) != (0, 0)


def test_context_menu_offers_the_edit_actions(view, doc):
    seen = []
    poll = QTimer()  # menu.exec() blocks: close the menu from the event loop once it is up

    def close_menu():
        menu = QApplication.activePopupWidget()
        if menu is not None:
            poll.stop()
            seen.extend(a.text() for a in menu.actions() if a.text())
            menu.close()

    poll.timeout.connect(close_menu)
    poll.start(10)
    point = block_centre(view, ids_by_label(doc)["Dense(2)"])
    event = QContextMenuEvent(QContextMenuEvent.Mouse, point, view.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.viewport(), event)
    assert "&Delete" in seen and "&Copy" in seen
    assert view.editor.scene.selected_block_ids() == [ids_by_label(doc)["Dense(2)"]]
