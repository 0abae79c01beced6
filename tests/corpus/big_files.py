"""The corpus files too big to check in, written on demand (seeded: always the same bytes).

`BIG` maps each file name to the function that writes it; conftest.py makes them once a session.
"""
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from make_corpus import DOC, GOOD, archive

MB = 1 << 20


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=(1, 0))
    return buf.getvalue()


def _trained(inputs: int, units: int, npz: bytes, method=zipfile.ZIP_STORED) -> bytes:
    doc = dict(DOC, spec={"inputs": inputs, "layers": [{"kind": "dense", "units": units}]}, dataset={})
    return archive([("model.json", json.dumps(doc).encode()), ("weights.npz", npz)], method=method)


def zeros_before_the_archive(path: Path) -> None:
    """130 MB of zeros (a sparse file: no disk used), then a good model file."""
    with open(path, "wb") as f:
        f.seek(130 * MB)
        f.write(GOOD)


def npy_deflated_978_times(path: Path) -> None:
    """A 4000 => 4000 Dense layer of (nearly all) zeros: 128 MB of weights in a 160 KB file."""
    weight = np.zeros((4000, 4000))
    weight.flat[::9000] = 1.0
    npz = archive([("layer0.weight.npy", _npy(weight)), ("layer0.bias.npy", _npy(np.zeros(4000)))],
                  method=zipfile.ZIP_DEFLATED)
    path.write_bytes(_trained(4000, 4000, npz))


def weights_deflated_twice(path: Path) -> None:
    """A 1000 => 1000 layer repeating 3500 random numbers: ~93x deflated inside weights.npz and ~3x again
    outside it, each under the 100x limit for one member, together ~290x (8 MB from 28 KB)."""
    weight = np.resize(np.random.default_rng(0).random(3500), (1000, 1000))
    npz = archive([("layer0.weight.npy", _npy(weight)), ("layer0.bias.npy", _npy(np.zeros(1000)))],
                  method=zipfile.ZIP_DEFLATED, level=9)
    path.write_bytes(_trained(1000, 1000, npz, method=zipfile.ZIP_DEFLATED))


def nested_layout(path: Path) -> None:
    """29 objects with 40-character keys nested around a list of 190,000 zeros, as the layout (383 KB).
    A valid design: its check used to cost +246 MB (a 1.2 KB path string per value)."""
    value = [0] * 190_000
    for _ in range(29):
        value = {"k" * 40: value}
    doc = dict(DOC, trained=False, layout=value)
    path.write_bytes(archive([("model.json", json.dumps(doc).encode()), ("weights.npz", archive([]))]))


def wide_header(path: Path) -> None:
    """A 17 MB header line naming 2,000,000 columns."""
    path.write_text(",".join(f"c{i}" for i in range(2_000_000)) + "\n", encoding="ascii")


def header_of_10001_columns(path: Path) -> None:
    path.write_text(",".join(f"c{i}" for i in range(10_001)) + "\n" + ",".join(["1"] * 10_001) + "\n",
                    encoding="ascii")


def blank_lines(path: Path) -> None:
    """8 MB of empty and white lines (LF and CRLF): eight of the reader's blocks."""
    with open(path, "wb") as f:
        for _ in range(8):
            f.write(b"\n \r\n\t\n" * (MB // 6))


def a_3_mb_row(path: Path) -> None:
    """A header, then one row of 3 MB: a quoted cell holding 'SECRET' and commas."""
    path.write_bytes(b"x1,x2,label\n1,2,a\n3,4,\"" + b"SECRET," * (3 * MB // 7) + b"\"\n")


BIG = {
    "zeros-before-the-archive.chain": zeros_before_the_archive,
    "npy-deflated-978-times.chain": npy_deflated_978_times,
    "weights-deflated-twice.chain": weights_deflated_twice,
    "nested-layout.chain": nested_layout,
    "wide-header.csv": wide_header,
    "header-of-10001-columns.csv": header_of_10001_columns,
    "blank-lines.csv": blank_lines,
    "a-3-mb-row.csv": a_3_mb_row,
}
