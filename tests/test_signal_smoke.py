"""PySide6 6.12.0 on Python 3.11 aborts after ~100 signal emissions; make sure ours doesn't."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import QObject, Signal, QCoreApplication

    class Emitter(QObject):
        ticked = Signal(int, float, object)

    app = QCoreApplication([])
    emitter = Emitter()
    seen = []
    emitter.ticked.connect(lambda i, x, arr: seen.append(i))
    for i in range(10_000):
        emitter.ticked.emit(i, float(i), np.zeros(3))
    assert len(seen) == 10_000, len(seen)
    print("emitted", len(seen))
    """
)


def test_ten_thousand_signal_emissions_do_not_crash():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "emitted 10000" in done.stdout
