"""The Loss landscape dock, driven as a person does: Recompute, Train, clicks on the plane and on the Gradients
dock's W heatmap; checked against the session's model and engine.analysis."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine import LOSSES, data
from engine.analysis import losses_at
from gui.panels.landscape import PICKED
from training_helpers import click, click_plane, panel, recompute, train_window, wait_state  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


def session_loss(session, weights=None):
    model = session.spec.build(session.settings.seed)
    for p, w in zip(model.parameters(), weights if weights is not None else session.weights()):
        p.value = np.array(w)
    train = session.split.train
    return float(LOSSES[session.settings.loss](data(model(train.X)), train.targets(session.spec.shapes()[-1])))


@pytest.fixture
def landscape(qtbot, train_window):
    train_window.landscape_dock.show()
    train_window.landscape_dock.raise_()
    qtbot.waitUntil(lambda: train_window.landscape.isVisible(), timeout=2000)
    return train_window.landscape


def train(qtbot, panel, epochs):
    panel.start(epochs)
    wait_state(qtbot, panel, "idle", timeout=60_000)


def test_the_view_menu_shows_the_dock(train_window):
    names = [a.text() for a in train_window.menus["view"].actions()]
    assert "Loss landscape" in names


def test_recompute_draws_the_models_loss_at_the_centre(qtbot, landscape, panel):
    view = recompute(qtbot, landscape)
    assert view.loss.shape == (41, 41) and view.labels == ("random direction 1", "random direction 2")
    assert view.centre_loss == pytest.approx(session_loss(panel.session), rel=1e-9)
    image = landscape.plot.image
    for i, j in ((0, 40), (40, 0), (10, 30), (20, 20)):  # the pixel drawn at (a, b) shows log10 of the loss there
        pixel = image.mapFromView(QPointF(view.alphas[i], view.betas[j]))
        assert image.image[int(pixel.y()), int(pixel.x())] == pytest.approx(np.log10(view.loss[i, j]), rel=1e-12)
    assert f"{view.centre_loss:.4g}" in landscape.status.text()


def test_the_path_grows_while_training_and_ends_at_the_weights(qtbot, landscape, panel):
    view = recompute(qtbot, landscape)
    train(qtbot, panel, 30)
    qtbot.waitUntil(lambda: len(landscape.plot.path_shown) > 3, timeout=5000)
    landscape.redraw(panel.session.record)
    end = view.plane.project([panel.session.weights()])[0]
    assert landscape.plot.path_shown[-1] == pytest.approx(end, abs=1e-9)
    assert np.hypot(*end) > 0  # training moved the weights away from the centre


def test_a_click_on_the_plane_moves_the_weights_and_train_continues_from_them(qtbot, landscape, panel):
    view = recompute(qtbot, landscape)
    a, b = click_plane(qtbot, landscape, 0.4, -0.3)
    assert (a, b) == pytest.approx((0.4, -0.3), abs=0.05)
    moved = view.plane.at(a, b)
    for w, m in zip(panel.session.weights(), moved):
        np.testing.assert_allclose(w, m, rtol=1e-12)
    assert session_loss(panel.session) == pytest.approx(
        float(losses_at(panel.session.spec.build(0), panel.session.settings.loss, panel.session.split.train.X,
                        panel.session.split.train.targets(1), view.plane, a, b)), rel=1e-9)
    assert landscape.plot.path_shown[-1] == pytest.approx([a, b], abs=1e-9)
    train(qtbot, panel, 1)  # the run starts from the moved weights: one epoch stays near them
    after = view.plane.project([panel.session.weights()])[0]
    assert np.hypot(after[0] - a, after[1] - b) < 0.5


def test_clicks_on_the_w_heatmap_pick_the_plane_of_two_weights(qtbot, train_window, landscape, panel):
    dense = panel.plots.canvas_gradients.layer_blocks
    train_window.editor.scene.select_blocks(dense[:1])  # the Gradients dock shows layer 1's W (8 × 2)
    layer_plot = panel.plots.layer_plot
    train_window.plot_docks[1].raise_()
    panel.plots.clock.force()
    qtbot.waitUntil(lambda: layer_plot.shown.get("W") is not None, timeout=3000)
    for row, col in ((5, 1), (2, 0)):
        vb = layer_plot.w_plot.getPlotItem().vb
        centre = QPointF(col + 0.5, row + 0.5)  # the image's x is W's column
        # the view fits the new image once the event loop has run
        qtbot.waitUntil(lambda: vb.sceneBoundingRect().contains(layer_plot.w_image.mapToScene(centre)), timeout=3000)
        at = layer_plot.w_plot.mapFromScene(layer_plot.w_image.mapToScene(centre))
        QTest.mouseClick(layer_plot.w_plot.viewport(), Qt.LeftButton, Qt.NoModifier, at)
    assert landscape.directions.currentText() == PICKED
    assert (str(landscape.first.ref()), str(landscape.second.ref())) == ("W1[5,1]", "W1[2,0]")
    train_window.landscape_dock.raise_()
    view = recompute(qtbot, landscape)
    assert view.labels == ("W1[5,1]", "W1[2,0]")
    k = len(view.alphas) - 1  # the corner (span, span): both weights moved by the span
    weights = [w.copy() for w in panel.session.weights()]
    weights[0][5, 1] += view.alphas[k]
    weights[0][2, 0] += view.betas[k]
    assert view.loss[k, k] == pytest.approx(session_loss(panel.session, weights), rel=1e-9)


def test_a_weight_the_chain_lacks_is_refused_in_the_status(qtbot, landscape):
    landscape.directions.setCurrentText(PICKED)
    landscape.first.set_ref(1, 7, 1)
    landscape.second.set_ref(9, 0, 0)  # the window's net has two Dense layers
    before = landscape.computed
    qtbot.waitUntil(lambda: landscape.job is None, timeout=10_000)
    click(landscape.button)
    qtbot.waitUntil(lambda: "W1 to W2" in landscape.status.text(), timeout=10_000)
    assert landscape.computed == before


def test_screenshot_of_a_named_dock_from_the_command_line(tmp_path):
    out = tmp_path / "gradients.png"
    done = subprocess.run([sys.executable, "main.py", "resources/examples/circle.chain", "--screenshot", str(out),
                           "--size", "1024x700", "--dock", "gradients"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_raises_the_dock_and_draws_it(qtbot, qapp, train_window, tmp_path):
    from gui.app import save_screenshot
    seen = {}
    # what is on screen at the moment of the grab (the window closes after)
    original = train_window.grab
    train_window.grab = lambda: (seen.update(visible=train_window.landscape.isVisible()), original())[1]
    assert save_screenshot(qapp, train_window, str(tmp_path / "x.png"), dock="landscape") == 0
    assert seen["visible"] and train_window.landscape.plot.view is not None
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_refuses_a_dock_it_does_not_have(qtbot, qapp, train_window, tmp_path, capsys):
    from gui.app import find_dock, save_screenshot
    assert find_dock(train_window, "landscape") is train_window.landscape_dock
    assert find_dock(train_window, "Gradients") is train_window.plot_docks[1]
    assert save_screenshot(qapp, train_window, str(tmp_path / "x.png"), dock="nowhere") == 2
    assert "no dock called 'nowhere'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_the_bottom_tab_group_has_one_tab_bar_on_screen(train_window):
    from PySide6.QtWidgets import QTabBar
    groups = [tuple(b.tabText(i) for i in range(b.count())) for b in train_window.findChildren(QTabBar)
              if b.isVisible()]
    assert groups.count(("Model output", "Loss landscape")) == 1


def test_a_recompute_asked_for_during_a_job_starts_nothing_once_the_window_closed(qtbot, landscape, train_window,
                                                                                   monkeypatch):
    # the end of the joined job arrives queued after shutdown: it used to start the asked-for job on a closed
    # window, whose thread then outlived it (the interpreter aborted when the collector deleted it)
    from gui.jobs import Job
    qtbot.waitUntil(lambda: landscape.job is None, timeout=10_000)
    landscape.recompute()
    assert landscape.job is not None
    landscape.recompute()  # while it runs: once more when it ends
    train_window.close()
    started = []
    real_start = Job.start
    monkeypatch.setattr(Job, "start", lambda job: started.append(job) or real_start(job))
    qtbot.wait(300)  # the queued end of the joined job is delivered
    assert started == [] and landscape.job is None
