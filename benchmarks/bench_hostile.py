"""What hostile inputs cost: the cases issue 18 timed, each in a fresh process (wall time, peak traced memory).

    .venv/bin/python benchmarks/bench_hostile.py                  # every case, about a minute (3 before the fixes)
    .venv/bin/python benchmarks/bench_hostile.py --cases csv-blank-lines,json-nested

Each case writes its file in a temporary folder; a child process imports the engine, makes the
one call, times it, then makes it again under tracemalloc for the peak of Python memory (not
timed: tracing slows Python code down). The outcome is "ok" or the exception's first words.

Measured on the 2-core dev machine (shared with other agents, load ~2), before (a7e61ea) and after:

    case              file     before                 after
    csv-wide-header   16 MB    4.09 s   336 MB        0.01 s   6.0 MB   refused: more than 10,000 columns
    csv-blank-lines   90 MB   33.2 s      0 MB        0.62 s   2.0 MB   refused: only blank lines
    preview-wide      32 MB    0.14 s    16 MB        0.09 s    17 MB   10,000 columns: 20 rows previewed
    preview-newlines  86 MB   62.4 s      0 MB        0.04 s   2.0 MB   refused: 4 MB read, all blank
    load-newlines     86 MB   32.3 s      0 MB        0.55 s   2.0 MB   loads (the table after the blanks)
    json-nested      0.4 MB    0.61 s   244 MB        0.25 s   2.7 MB   loads
    npy-900x         0.2 MB    0.53 s   245 MB        0.01 s   0.3 MB   refused: expands 978 times

(The issue's own numbers, on another machine: 13.6 s / 394 MB for the wide header, 69 s for the
blank lines, 1.3 s / +246 MB for the nested layout, 259 MB for the deflated .npy.)
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1 << 20


# ---- the files ----

def csv_wide_header(folder: Path) -> Path:
    """A 17 MB one-line header naming 2,000,000 columns."""
    path = folder / "wide-header.csv"
    with open(path, "w", encoding="ascii") as f:
        f.write(",".join(f"c{i}" for i in range(2_000_000)) + "\n")
    return path


def csv_blank_lines(folder: Path) -> Path:
    """90 MB of empty lines."""
    path = folder / "blank-lines.csv"
    with open(path, "wb") as f:
        for _ in range(90):
            f.write(b"\n" * MB)
    return path


def csv_wide_table(folder: Path) -> Path:
    """10,000 columns, 200 rows (~14 MB)."""
    path = folder / "wide-table.csv"
    with open(path, "w", encoding="ascii") as f:
        f.write(",".join(f"c{i}" for i in range(10_000)) + "\n")
        row = ",".join(str(i % 97 / 7) for i in range(10_000)) + "\n"
        f.writelines(row for _ in range(200))
    return path


def csv_newlines_then_table(folder: Path) -> Path:
    """86 MB of newlines, then a small table."""
    path = folder / "newlines.csv"
    with open(path, "wb") as f:
        for _ in range(86):
            f.write(b"\n" * MB)
        f.write(b"x,y,label\n1,2,a\n3,4,b\n")
    return path


def _zip(members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            zf.writestr(info, data)
    return out.getvalue()


def _model_file(doc: dict, npz: bytes, json_method=zipfile.ZIP_STORED) -> bytes:
    return _zip([("model.json", json.dumps(doc).encode(), json_method), ("weights.npz", npz, zipfile.ZIP_STORED)])


def _design_doc(**parts) -> dict:
    return {"format": "chainboard", "version": 1, "trained": False,
            "spec": {"inputs": 2, "layers": [{"kind": "dense", "units": 1}]}, **parts}


def json_nested(folder: Path) -> Path:
    """29 nested objects around a list of 190,000 zeros, as the canvas layout (~383 KB)."""
    value = [0] * 190_000
    for _ in range(29):
        value = {"k" * 40: value}
    path = folder / "nested.chain"
    path.write_bytes(_model_file(_design_doc(layout=value), _zip([])))
    return path


def npy_900x(folder: Path) -> Path:
    """A trained 4000 => 4000 Dense layer whose weight .npy is deflated about 900 times."""
    import numpy as np
    weight = np.zeros((4000, 4000))
    weight.flat[::9000] = 1.0  # a little variety keeps deflate just under 1000x
    buf = io.BytesIO()
    np.lib.format.write_array(buf, weight, version=(1, 0))
    npy = buf.getvalue()
    bias = io.BytesIO()
    np.lib.format.write_array(bias, np.zeros(4000), version=(1, 0))
    npz = _zip([("layer0.weight.npy", npy, zipfile.ZIP_DEFLATED), ("layer0.bias.npy", bias.getvalue(),
                                                                   zipfile.ZIP_STORED)])
    ratio = len(npy) / len(zlib.compress(npy))
    doc = dict(_design_doc(), trained=True, spec={"inputs": 4000, "layers": [{"kind": "dense", "units": 4000}]})
    path = folder / f"npy-{ratio:.0f}x.chain"
    path.write_bytes(_model_file(doc, npz))
    return path


# ---- the cases: (file maker, the call the child makes on the file) ----

CASES = {
    "csv-wide-header": (csv_wide_header, "from engine.datasets import load_csv; load_csv(PATH, 'label')"),
    "csv-blank-lines": (csv_blank_lines, "from engine.datasets import load_csv; load_csv(PATH, 'label')"),
    "preview-wide": (csv_wide_table, "from engine.datasets import preview_csv; preview_csv(PATH, rows=20)"),
    "preview-newlines": (csv_newlines_then_table, "from engine.datasets import preview_csv; preview_csv(PATH)"),
    "load-newlines": (csv_newlines_then_table, "from engine.datasets import load_csv; load_csv(PATH, 'label')"),
    "json-nested": (json_nested, "from engine.modelfile import load_model; load_model(PATH)"),
    "npy-900x": (npy_900x, "from engine.modelfile import load_model; load_model(PATH)"),
}

# Run twice: once timed, once under tracemalloc (which slows Python code down, so it is not timed).
CHILD = """
import sys, time, tracemalloc
sys.path.insert(0, {root!r})
import numpy, engine, engine.datasets, engine.modelfile
PATH = {path!r}
def call():
    try:
        {call}
        return "ok"
    except Exception as error:
        return type(error).__name__ + ": " + " ".join(str(error).split())[:100]
began = time.perf_counter()
outcome = call()
seconds = time.perf_counter() - began
tracemalloc.start()
call()
peak = tracemalloc.get_traced_memory()[1]
print(seconds, peak, outcome, sep="\\t")
"""


def run_case(name: str, folder: Path) -> tuple[float, int, str, int]:
    make, call = CASES[name]
    path = make(folder)
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path), call=call)],
                          capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise SystemExit(f"{name}: the child failed:\n{done.stderr}")
    seconds, peak, outcome = done.stdout.strip().split("\t", 2)
    size = path.stat().st_size
    path.unlink()
    return float(seconds), int(peak) / MB, outcome, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    args = parser.parse_args()
    names = [n for n in args.cases.split(",") if n]
    unknown = set(names) - set(CASES)
    if unknown:
        raise SystemExit(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    print(f"{'case':<18}{'file':>9}{'seconds':>9}{'peak MB':>9}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            seconds, peak, outcome, size = run_case(name, Path(folder))
            print(f"{name:<18}{size / MB:>7.1f}MB{seconds:>9.2f}{peak:>9.1f}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
