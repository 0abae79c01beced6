"""Shared pieces for the training tests: a window with a small tanh net, and real clicks on its buttons."""
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine import ChainSpec, LayerSpec
from gui.main_window import MainWindow
from gui.style import apply_theme

TANH_NET = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 1, "sigmoid")))


def click(button):
    assert button.isEnabled(), f"{button.text()} is disabled"
    QTest.mouseClick(button, Qt.LeftButton)


def wait_state(qtbot, panel, *states, timeout=10_000):
    qtbot.waitUntil(lambda: panel.state in states, timeout=timeout)


def settled(qtbot, read, every=100, timeout=3000):
    """The value of `read()` once two reads `every` ms apart agree (a pause takes a chunk to land)."""
    seen = [read()]

    def still():
        qtbot.wait(every)
        seen.append(read())
        return seen[-1] == seen[-2]

    qtbot.waitUntil(still, timeout=timeout)
    return seen[-1]


def recompute(qtbot, landscape):
    """Press the Loss landscape dock's Recompute and wait for the new plane; its view."""
    before = landscape.computed
    qtbot.waitUntil(lambda: landscape.job is None, timeout=10_000)  # a first look may already be computing
    click(landscape.button)
    qtbot.waitUntil(lambda: landscape.computed > before and landscape.job is None, timeout=20_000)
    return landscape.plot.view


def click_plane(qtbot, landscape, a, b):
    """A left click at (a, b) of the landscape's plane, on its viewport; the (a, b) the plot reports."""
    plot = landscape.plot
    at = plot.plot_widget.mapFromScene(plot.plot_widget.getPlotItem().vb.mapViewToScene(QPointF(a, b)))
    with qtbot.waitSignal(plot.point_clicked, timeout=2000) as signal:
        QTest.mouseClick(plot.plot_widget.viewport(), Qt.LeftButton, Qt.NoModifier, at)
    return signal.args


@pytest.fixture
def train_window(qtbot, qapp):
    apply_theme(qapp, dark=False)
    win = MainWindow(TANH_NET)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    assert win.training.shutdown(), "the training thread did not end"
    if win.training.last_alert is not None:
        win.training.last_alert.close()
    win.undo_stack.clear()


@pytest.fixture
def panel(train_window):
    return train_window.training
