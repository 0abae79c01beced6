"""The application exits with code 0, even with our blocks on the clipboard (a PySide6 teardown hazard)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["CHAINBOARD_DATA_DIR"] = sys.argv[1]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from gui import app as chainboard

    def copy_then_close():
        window = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow"
                      or type(w).__name__ == "MainWindow")
        window.editor.scene.select_blocks([b.block_id for b in window.doc.blocks()])
        window.editor.copy()
        window.undo_stack.setClean()  # nothing unsaved: closing asks no question
        window.close()

    app = QApplication(["chainboard"])
    QTimer.singleShot(300, copy_then_close)
    sys.exit(chainboard.main([]))
    """
)


def test_exit_code_is_zero_after_copying_blocks(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
