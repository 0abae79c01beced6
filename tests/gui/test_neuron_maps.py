"""View ▸ Neuron maps on the canvas: a map per Input column and per Dense unit under its block, equal to the
Chain's activations worked out by hand on the same grid; real clicks on the menu show and hide them, hovering
one enlarges it, and data that is not 2-D gets none, with the reason on the toggle."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.canvas.neuron_items import BIG_PX, MAP_PX, MAX_MAPS
from gui.core.neuron_maps import FINE, GRID, PAD, session_maps

from training_helpers import click, panel, train_window, wait_state  # noqa: F401 - fixtures


def click_menu(qtbot, win, key, action):
    """Open the menu `key` with a click on the menu bar, then click `action` in it."""
    bar, menu = win.menuBar(), win.menus[key]
    QTest.mouseClick(bar, Qt.LeftButton, pos=bar.actionGeometry(menu.menuAction()).center())
    qtbot.waitUntil(menu.isVisible)
    QTest.mouseClick(menu, Qt.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible())


def train(qtbot, panel, epochs=20):
    panel.settings_box.epochs_box.setValue(epochs)
    click(panel.controls.start_button)
    wait_state(qtbot, panel, "running", "idle")
    wait_state(qtbot, panel, "idle", timeout=30_000)


def by_hand_grid(X, n=GRID):
    """The grid the maps are drawn on, written out: the data's range and a tenth more each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    lo, hi = lo - PAD * (hi - lo), hi + PAD * (hi - lo)
    return np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_the_maps_are_each_units_activation_over_the_data_plane(qtbot, train_window, panel):
    panel.data_box.dataset_box.setCurrentText("circle")
    train(qtbot, panel)
    s = panel.session
    maps = session_maps(s)
    W1, b1, W2, b2 = s.record.weights
    gx, gy = by_hand_grid(s.dataset.X)
    hidden = np.empty((8, GRID, GRID))
    out = np.empty((1, GRID, GRID))
    for row, y in enumerate(gy):  # rows of a map go up the y axis, columns along x
        for column, x in enumerate(gx):
            z = s.standardiser.transform(np.array([[x, y]]))[0]
            h = np.tanh(W1 @ z + b1)
            hidden[:, row, column] = h
            out[:, row, column] = sigmoid(W2 @ h + b2)
    np.testing.assert_allclose(maps.layers[0], hidden, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(maps.layers[1], out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(maps.inputs[0], np.tile(gx, (GRID, 1)))   # the Input's maps: x₁ and x₂ themselves
    np.testing.assert_allclose(maps.inputs[1], np.tile(gy[:, None], (1, GRID)))


def test_with_derived_features_the_plane_stays_raw_and_the_input_shows_each_feature(qtbot, train_window, panel):
    panel.data_box.dataset_box.setCurrentText("circle")
    QTest.mouseClick(panel.data_box.feature_boxes["x1*x2"], Qt.LeftButton)
    train(qtbot, panel, epochs=5)
    s = panel.session
    maps = session_maps(s)
    gx, gy = by_hand_grid(s.dataset.X)
    xx, yy = np.meshgrid(gx, gy)
    assert maps.inputs.shape == (3, GRID, GRID)
    np.testing.assert_allclose(maps.inputs[2], xx * yy)
    W1, b1, *_ = s.record.weights
    Z = s.standardiser.transform(np.column_stack([xx.ravel(), yy.ravel(), (xx * yy).ravel()]))
    np.testing.assert_allclose(maps.layers[0], np.tanh(Z @ W1.T + b1).T.reshape(8, GRID, GRID), rtol=1e-10, atol=1e-12)


def test_the_view_menu_toggle_draws_maps_under_the_blocks_and_hover_enlarges_one(qtbot, train_window, panel):
    win = train_window
    panel.data_box.dataset_box.setCurrentText("circle")
    train(qtbot, panel, epochs=10)
    action, feeder = win.actions_by_name["neuron_maps"], win.neuron_maps
    assert not action.isChecked() and action.isEnabled()
    chain = win.doc.chain_blocks()
    overlay = feeder.overlay
    assert all(overlay.items_of(b.block_id) == [] for b in chain)  # off by default

    win.activateWindow()
    assert QTest.qWaitForWindowActive(win)
    click_menu(qtbot, win, "view", action)
    assert action.isChecked()
    assert [len(overlay.items_of(b.block_id)) for b in chain] == [2, 8, 1]
    # the first unit's picture is its map: orange where it is positive, blue where negative
    unit = overlay.items_of(chain[1].block_id)[0]
    values = session_maps(panel.session).layers[0][0]
    image = unit.pixmap.toImage()
    for row, column in ((0, 0), (GRID - 1, GRID - 1), (GRID // 2, 3)):
        colour = image.pixelColor(column, GRID - 1 - row)  # the screen's rows go down, the map's go up y
        if abs(values[row, column]) > 1e-3:
            assert (colour.red() > colour.blue()) == (values[row, column] > 0)
    for item in overlay.items_of(chain[1].block_id):  # under its block, inside the block's width
        block = win.editor.scene.block_items[chain[1].block_id].sceneBoundingRect()
        box = item.sceneBoundingRect()
        assert box.top() > block.bottom() - 12 and block.left() <= box.left() and box.right() <= block.right()

    # hover: the map shows enlarged beside itself; moving away hides it again
    win.view.centerOn(unit)
    viewport = win.view.viewport()
    QTest.mouseMove(viewport, win.view.mapFromScene(unit.sceneBoundingRect().center()))
    qtbot.waitUntil(overlay.big.isVisible)
    assert overlay.big.source is unit and overlay.big.caption == "Dense(8, tanh) · unit 1"
    big = overlay.big.sceneBoundingRect()
    assert big.width() >= BIG_PX > 4 * MAP_PX and big.left() > unit.sceneBoundingRect().right()
    # enlarged, the unit is drawn on a finer grid: FINE cells a side, the same unit's values
    fine = session_maps(panel.session, n=FINE).layers[0][0]
    image = overlay.big.pixmap.toImage()
    assert (image.width(), image.height()) == (FINE, FINE)
    for row, column in ((0, 0), (FINE - 1, 5), (FINE // 2, FINE // 3)):
        colour = image.pixelColor(column, FINE - 1 - row)
        if abs(fine[row, column]) > 1e-3:
            assert (colour.red() > colour.blue()) == (fine[row, column] > 0)
    QTest.mouseMove(viewport, win.view.mapFromScene(win.editor.scene.block_items[chain[0].block_id]
                                                    .sceneBoundingRect().center()))
    qtbot.waitUntil(lambda: not overlay.big.isVisible())

    click_menu(qtbot, win, "view", action)  # off: every map goes
    assert not action.isChecked()
    assert all(overlay.items_of(b.block_id) == [] for b in chain)


def test_the_maps_follow_training_through_the_clock(qtbot, train_window, panel):
    win = train_window
    panel.data_box.dataset_box.setCurrentText("circle")
    win.actions_by_name["neuron_maps"].setChecked(True)
    overlay = win.neuron_maps.overlay
    dense = win.doc.chain_blocks()[1].block_id
    before = overlay.items_of(dense)[0].pixmap.toImage()
    train(qtbot, panel, epochs=200)
    qtbot.waitUntil(lambda: overlay.items_of(dense)[0].pixmap.toImage() != before, timeout=5000)
    np.testing.assert_array_equal(overlay.maps[dense][0][1].shape, (GRID, GRID, 3))


def test_data_with_four_features_shows_no_maps_and_says_why(qtbot, train_window, panel):
    win = train_window
    action = win.actions_by_name["neuron_maps"]
    panel.data_box.dataset_box.setCurrentText("circle")
    action.setChecked(True)
    assert win.neuron_maps.overlay.maps
    panel.data_box.dataset_box.setCurrentText("iris")
    assert panel.session.dataset.n_features == 4
    assert not action.isEnabled()
    assert "2-D data" in action.toolTip() and "4 features" in action.toolTip()
    assert "2-D data only" in action.text()
    assert "4 features" in win.neuron_maps.reason
    assert win.neuron_maps.overlay.maps == {}
    assert all(win.neuron_maps.overlay.items_of(b.block_id) == [] for b in win.doc.chain_blocks())
    assert "4 features" in session_maps(panel.session)
    panel.data_box.dataset_box.setCurrentText("circle")  # back to 2-D: the maps return
    assert action.isEnabled() and "2-D" not in action.text()
    qtbot.waitUntil(lambda: win.neuron_maps.overlay.maps != {}, timeout=3000)
    assert win.neuron_maps.reason == ""


def test_an_activation_block_gets_maps_of_what_it_outputs(qtbot, train_window, panel):
    win = train_window
    panel.data_box.dataset_box.setCurrentText("circle")
    win.actions_by_name["neuron_maps"].setChecked(True)
    palette = win.palette_panel
    item = palette.item_for("tanh")  # a double-click on the palette appends a Tanh block after Dense(1, σ)
    palette.scrollToItem(item)
    rect = palette.visualItemRect(item)
    QTest.mouseClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert panel.session.spec.layers[-1].activation == "tanh"
    maps = session_maps(panel.session)
    np.testing.assert_allclose(maps.layers[2], np.tanh(maps.layers[1]), rtol=1e-12)
    chain = win.doc.chain_blocks()
    qtbot.waitUntil(lambda: [len(win.neuron_maps.overlay.items_of(b.block_id)) for b in chain] == [2, 8, 1, 1])
    assert win.neuron_maps.overlay.items_of(chain[3].block_id)[0].caption == "tanh · unit 1"


def test_a_wide_layer_shows_its_first_maps_and_says_how_many_more(qtbot, train_window):
    overlay = train_window.neuron_maps.overlay
    dense = train_window.doc.chain_blocks()[1].block_id
    rgb = np.zeros((GRID, GRID, 3), dtype=np.uint8)
    overlay.show({dense: [(f"unit {k + 1}", rgb) for k in range(MAX_MAPS + 8)]})
    assert len(overlay.items_of(dense)) == MAX_MAPS and overlay.more_of(dense).text() == "+8 more"
    last = overlay.items_of(dense)[-1].sceneBoundingRect()
    assert overlay.more_of(dense).sceneBoundingRect().top() > last.top()  # under the last row
    overlay.clear()
    assert overlay.items_of(dense) == [] and overlay.more_of(dense) is None
