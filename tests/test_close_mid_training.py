"""Closing the window while training stops the run cleanly and the process exits with code 0."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from engine import ChainSpec, LayerSpec
from gui.main_window import MainWindow

app = QApplication(["chainboard"])
window = MainWindow(ChainSpec(2, (LayerSpec("dense", 16, "tanh"), LayerSpec("dense", 1, "sigmoid"))))
window.show()
panel = window.training
panel.settings_box.epochs_box.setValue(10_000_000)
seen = []

def start():
    panel.controls.start_button.click()

def close():
    seen.append(panel.state)
    seen.append(panel.session.record.epochs)
    window.close()

panel.state_changed.connect(lambda state: state == "running" and QTimer.singleShot(700, close))
QTimer.singleShot(50, start)
QTimer.singleShot(60_000, lambda: app.exit(3))  # a hang is a failure, not a stuck test run
code = app.exec()
print("closed while", seen[0] if seen else "never", "after", seen[1] if seen else 0, "epochs", flush=True)
sys.exit(code)
"""


def test_closing_mid_training_exits_zero():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "closed while running after" in done.stdout
    epochs = int(done.stdout.split("after")[1].split()[0])
    assert epochs > 0, done.stdout
    assert "QThread: Destroyed while thread is still running" not in done.stderr
