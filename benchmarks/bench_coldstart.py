"""The first minute on a fresh machine: how long each first thing takes with an empty Numba cache.

    .venv/bin/python benchmarks/bench_coldstart.py            # cold (an empty cache folder), then warm
    .venv/bin/python benchmarks/bench_coldstart.py --rounds 3

Each row is a fresh process (`NUMBA_CACHE_DIR` an empty temporary folder for "cold", the same folder again for
"warm"), timed from the moment it is started:

    import engine          `import engine` (never loads numba)
    window visible         the main window shown (offscreen)
    Train → first point    pressing Train until the first progress report reaches the window
    Train → compiled       until a report says the compiled path runs (the kernels were built meanwhile)
    CLI first report       `chainboard train xor.chain` until its first progress line

Last measured (2-core machine, shared with other work, load ~3; `--rounds 1`):

    (see README.md, "Benchmarks")
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IMPORT = "import time; t = time.perf_counter(); import engine; print(time.perf_counter() - t)"

WINDOW = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from gui.main_window import MainWindow
from engine import ChainSpec, LayerSpec
app = QApplication(["chainboard"])
window = MainWindow(ChainSpec(2, (LayerSpec("dense", 16, "tanh"), LayerSpec("dense", 1, "sigmoid"))))
window.show()
app.processEvents()
print("visible", flush=True)
dock = window.training
dock.settings_box.epochs_box.setValue(10_000_000)
marks = {}
def seen(progress):
    now = time.perf_counter()
    marks.setdefault("first", now)
    if progress.path == "compiled":
        marks.setdefault("compiled", now)
dock.session.progressed.connect(seen)
pressed = time.perf_counter()
dock.start()
deadline = pressed + float(sys.argv[1])
while "compiled" not in marks and time.perf_counter() < deadline:
    app.processEvents()
    time.sleep(0.002)
print("first", marks.get("first", float("nan")) - pressed, flush=True)
print("compiled", marks.get("compiled", float("nan")) - pressed, flush=True)
dock.stop()
window.close()
"""


def timed_lines(args, env, timeout):
    """Start a process; return {first word of a line: seconds since the start} for each line it prints."""
    began = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = {}
    try:
        for line in proc.stdout:
            words = line.split()
            if words:
                seen[words[0]] = (time.perf_counter() - began, words[1:])
        proc.wait(timeout)
    finally:
        proc.kill()
    return seen


def cli_first_report(env, model, timeout):
    """Seconds from starting `chainboard train` to its first progress line (on stderr)."""
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gui.core.cli", "train", str(model), "--epochs", "100000",
                             "--out", str(model.with_name("out.chain"))], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # first the line saying which path trains, then the progress lines
            if line.startswith("epoch"):
                return time.perf_counter() - began
        return float("nan")
    finally:
        proc.kill()
        proc.wait(timeout)


def one_round(cache, label):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", IMPORT], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    imported = float(out.stdout.split()[0])
    marks = timed_lines([sys.executable, "-c", WINDOW, "180"], env, 240)
    visible = marks.get("visible", (float("nan"),))[0]
    first = float(marks.get("first", (0, ["nan"]))[1][0])
    compiled = float(marks.get("compiled", (0, ["nan"]))[1][0])
    with tempfile.TemporaryDirectory() as work:
        model = Path(work) / "xor.chain"
        shutil.copy(ROOT / "resources" / "examples" / "xor.chain", model)
        cli = cli_first_report(env, model, 60)
    print(f"{label:<6} {imported:>13.2f} {visible:>15.2f} {first:>20.2f} {compiled:>18.2f} {cli:>17.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(f"# bench_coldstart: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; seconds\n")
    print(f"{'cache':<6} {'import engine':>13} {'window visible':>15} {'Train → first point':>20} "
          f"{'Train → compiled':>18} {'CLI first report':>17}")
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            one_round(cache, "cold")
            one_round(cache, "warm")


if __name__ == "__main__":
    main()
