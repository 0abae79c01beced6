"""Activation calculus: a selected block with an activation shows f, f′, f″ from the engine with a histogram of a
batch's pre-activations behind them; its badge says what share of them is saturated (or dead, for relu) and
follows training."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import ChainSpec, LayerSpec, relu, tanh
from engine.analysis import plot_range
from gui.main_window import MainWindow
from gui.panels.activity import BATCH

from canvas_helpers import block_centre
from training_helpers import click, wait_state

SPEC = ChainSpec(2, (LayerSpec("dense", 6, "tanh"), LayerSpec("activation", 6, "relu"), LayerSpec("dense", 1),
                     LayerSpec("activation", 1, "sigmoid")))


def open_window(qtbot):
    win = MainWindow(SPEC)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def select(win, block_id):
    win.view.fit_to_view()
    QTest.mouseClick(win.view.viewport(), Qt.LeftButton, Qt.NoModifier, block_centre(win.view, block_id))
    assert win.properties.block_id == block_id


def blocks(win):
    return [b.block_id for b in win.doc.chain_blocks() if b.kind != "input"]


def train(qtbot, win, epochs):
    win.training.settings_box.epochs_box.setValue(epochs)
    click(win.training.controls.start_button)
    wait_state(qtbot, win.training, "idle", timeout=30_000)
    win.training.plots.clock.force()


def by_hand(win):
    """The first layer's pre-activations and the relu's inputs, from the session's weights, by numpy alone."""
    W, b = win.training.session.weights()[:2]
    X = win.training.session.split.train.X[:BATCH]
    z = X @ W.T + b
    return z, np.tanh(z)


def badge(win, block_id):
    return win.editor.scene.block_items[block_id].badge.note


def test_f_prime_and_f_second_shown_are_central_differences_of_f(qtbot):
    win = open_window(qtbot)
    try:
        dense, act_block = blocks(win)[:2]
        for block_id, act in ((dense, tanh), (act_block, relu)):
            select(win, block_id)
            plot = win.properties.calculus_plot()
            assert plot is win.properties.calculus and plot.isVisible()
            f, df, d2f = plot.values()
            h, xs = 1e-5, plot.xs
            np.testing.assert_allclose(f, np.asarray(act(xs)), rtol=1e-13)
            smooth = np.abs(xs) > 2 * h  # relu's kink at 0 (a grid point) has no derivative to compare
            numeric = (np.asarray(act(xs + h)) - np.asarray(act(xs - h))) / (2 * h)
            np.testing.assert_allclose(df[smooth], numeric[smooth], atol=1e-6)
            if act is tanh:  # relu's f″ is 0 but for the kink, which the grid does not hit
                np.testing.assert_allclose(d2f, (1 - np.tanh(xs + h) ** 2 - 1 + np.tanh(xs - h) ** 2) / (2 * h),
                                           atol=1e-6)
        identity_dense = blocks(win)[2]
        select(win, identity_dense)
        assert win.properties.calculus_plot() is None  # an identity Dense has no activation to show
    finally:
        win.training.shutdown()


def test_badges_and_histogram_follow_a_training_run(qtbot):
    win = open_window(qtbot)
    try:
        dense, act_block, _, sigmoid_block = blocks(win)
        assert badge(win, dense) is None and badge(win, act_block) is None  # nothing before training
        seen = []
        for epochs in (5, 40):
            train(qtbot, win, epochs)
            z, relu_in = by_hand(win)
            slope = 1 - np.tanh(z) ** 2  # tanh′ peaks at 1 (at 0, inside every plotted range)
            saturated = f"{100 * np.mean(slope < 0.01):.0f}% sat"
            dead = f"{100 * np.mean(relu_in <= 0):.0f}% dead"
            assert badge(win, dense) == saturated and badge(win, act_block) == dead
            assert badge(win, sigmoid_block) is not None and badge(win, sigmoid_block).endswith("sat")
            assert "‖∇‖" in win.editor.scene.block_items[dense].badge.label()  # beside the gradient's norm
            seen.append(win.training.session.weights()[0].copy())
            select(win, dense)
            counts, edges = win.properties.calculus.histogram()
            expected, expected_edges = np.histogram(z.ravel(), bins=40, range=plot_range(z))
            assert counts.tolist() == expected.tolist() and np.allclose(edges, expected_edges)
            assert counts.sum() == z.size and "pre-activations" in win.properties.calculus.share.text()
            select(win, act_block)
            counts, _ = win.properties.calculus.histogram()
            assert counts.tolist() == np.histogram(relu_in.ravel(), bins=40, range=plot_range(relu_in))[0].tolist()
        assert not np.array_equal(*seen)  # the second run moved the weights the badges were computed from
    finally:
        win.training.shutdown()
