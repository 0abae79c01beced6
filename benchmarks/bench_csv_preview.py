"""The CSV import dialog on wide and padded files: how soon it shows, how soon its preview is ready, and the
longest the GUI thread stalls meanwhile (a 10 ms timer's largest gap), each in a fresh process.

    .venv/bin/python benchmarks/bench_csv_preview.py            # offscreen, ~10 s
    .venv/bin/python benchmarks/bench_csv_preview.py --cases wide-10000

Measured on the 2-core dev machine (load ~2), before (2d92185: the preview read and laid out on the GUI
thread, a QTableWidgetItem per cell) and after (read in a Job, item models):

    case            file      before                       after
    wide-2000       0.4 MB    shown after 5.8 s            shown 0.04 s, ready 0.08 s, longest stall 16 ms
    wide-10000      1.8 MB    shown after 81 s             shown 0.03 s, ready 0.28 s, longest stall 16 ms
    newlines-86MB   86 MB     shown after 0.08 s           shown 0.04 s, ready 0.04 s, longest stall 0 ms
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wide(path: Path, columns: int) -> None:
    rng = random.Random(0)
    with path.open("w") as f:
        f.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        for _ in range(30):
            f.write(",".join(f"{rng.random():.3f}" for _ in range(columns)) + "\n")


def newlines(path: Path) -> None:
    with path.open("w") as f:
        f.write("a,b\n1,2\n" + "\n" * (86 * 1024 * 1024))


CASES = {"wide-2000": lambda p: wide(p, 2000), "wide-10000": lambda p: wide(p, 10_000), "newlines-86MB": newlines}

CHILD = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.panels.csv_import import CsvImportDialog
start = time.perf_counter()
dialog = CsvImportDialog(sys.argv[1])
dialog.show()
app.processEvents()
shown = time.perf_counter() - start
gap, last = [0.0], [time.perf_counter()]
def tick():
    now = time.perf_counter()
    gap[0], last[0] = max(gap[0], now - last[0]), now
timer = QTimer()
timer.timeout.connect(tick)
timer.start(10)
while not dialog.is_ready() and not dialog.message_label.text() and time.perf_counter() - start < 300:
    app.processEvents()
    time.sleep(0.001)
ready = time.perf_counter() - start
print(f"shown {shown:.2f} s, ready {ready:.2f} s, longest stall {gap[0] * 1000:.0f} ms; "
      f"{dialog.preview_caption.text()} {dialog.message_label.text()[:60]}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name in args.cases.split(","):
            path = Path(folder) / f"{name}.csv"
            CASES[name](path)
            done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True)
            out = done.stdout.strip() or done.stderr.strip().splitlines()[-1]
            print(f"{name:<15} {path.stat().st_size / 2**20:6.1f} MB   {out}")


if __name__ == "__main__":
    main()
