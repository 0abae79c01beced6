"""The application exits with code 0, even with our blocks on the clipboard (a PySide6 teardown hazard)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from gui import app as chainboard
    from gui.canvas.editor import FRAGMENT_MIME
    from gui.main_window import MainWindow

    copied = []

    def copy_then_close():
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window.editor.scene.select_blocks([b.block_id for b in window.doc.blocks()])
        copied.append(window.editor.copy() and QApplication.clipboard().mimeData().hasFormat(FRAGMENT_MIME))
        window.undo_stack.setClean()  # nothing unsaved: closing asks no question
        window.close()

    app = QApplication(["chainboard"])
    QTimer.singleShot(300, copy_then_close)
    code = chainboard.main([])
    print("our blocks were on the clipboard:", copied == [True], flush=True)
    sys.exit(code)  # the crash this guards against comes after, when Qt and Python tear down
    """
)


def test_exit_code_is_zero_after_copying_blocks(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHAINBOARD_DATA_DIR=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))  # its Recent Files and recovery copies: not the user's
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env)
    assert "our blocks were on the clipboard: True" in done.stdout, done.stdout + done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
