"""Write the small hostile files of this corpus (models/*.chain, csv/*.csv, formulas/*.txt); the big ones are made by
conftest.py (and, for formulas, by test_formula_corpus.py).

    .venv/bin/python tests/corpus/make_corpus.py        # rewrites models/ and csv/ from scratch

The files are checked in, so the tests read exactly these bytes whatever the writer does later;
this script says how each was made. Each model file is a good small model with one thing
changed; every CSV file holds the word SECRET somewhere that is not the cell at fault, and no
message may show it (a model file may point its data at any file, and messages get shared).
"""
from __future__ import annotations

import io
import json
import shutil
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import numpy as np  # noqa: E402

from engine.modelfile import model_bytes  # noqa: E402
from engine.modelfile.weights import write_weights  # noqa: E402
from engine.nn.activations import relu, sigmoid  # noqa: E402
from engine.nn.layers import Chain, Dense  # noqa: E402

GOOD = model_bytes(Chain(Dense(2, 3, relu, rng=0), Dense(3, 1, sigmoid, rng=1)),
                   settings={"loss": "binarycrossentropy", "epochs": 5}, history={"train_loss": [0.7, 0.6]},
                   dataset={"source": "generator", "name": "xor", "params": {"n": 200, "seed": 0}})
with zipfile.ZipFile(io.BytesIO(GOOD)) as _zf:
    DOC, NPZ = json.loads(_zf.read("model.json")), _zf.read("weights.npz")


def archive(members, method=zipfile.ZIP_STORED, comment=b"", level=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            zf.writestr(info, data, compresslevel=level)
        zf.comment = comment
    return out.getvalue()


def model(doc=None, npz=NPZ) -> bytes:
    return archive([("model.json", json.dumps(DOC if doc is None else doc).encode()), ("weights.npz", npz)])


def with_data(**ref) -> bytes:
    return model(dict(DOC, dataset=ref))


def trained_spec(layers, arrays) -> bytes:
    return model(dict(DOC, spec={"inputs": 2, "layers": layers}), write_weights(arrays))


def shifted(data: bytes, prefix: bytes) -> bytes:
    """`prefix` + the archive, its offsets moved to match (what `zip -A` does to a self-extractor)."""
    out = bytearray(prefix + data)
    end = out.rfind(b"PK\x05\x06")
    count, size, start = struct.unpack_from("<HLL", out, end + 10)
    struct.pack_into("<L", out, end + 16, start + len(prefix))
    at = start + len(prefix)
    for _ in range(count):
        offset = struct.unpack_from("<L", out, at + 42)[0]
        struct.pack_into("<L", out, at + 42, offset + len(prefix))
        name, extra, note = struct.unpack_from("<3H", out, at + 28)
        at += 46 + name + extra + note
    return bytes(out)


def stray_between(data: bytes, junk: bytes) -> bytes:
    """`junk` between the first member and the second, the directory moved to match."""
    second = data.index(b"PK\x03\x04", 4)
    moved = data[:second] + junk + data[second:]
    out = bytearray(moved)
    end = out.rfind(b"PK\x05\x06")
    count, size, start = struct.unpack_from("<HLL", out, end + 10)
    struct.pack_into("<L", out, end + 16, start + len(junk))
    at = start + len(junk)
    for _ in range(count):
        offset = struct.unpack_from("<L", out, at + 42)[0]
        if offset >= second:
            struct.pack_into("<L", out, at + 42, offset + len(junk))
        name, extra, note = struct.unpack_from("<3H", out, at + 28)
        at += 46 + name + extra + note
    return bytes(out)


def npy_with_header(header: str, body: bytes) -> bytes:
    text = header.encode("latin1")
    text += b" " * ((-len(text) - 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body


def weights_with(name: str, npy: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(NPZ)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = npy
    return archive(members.items())


DENSE_1 = {"layer0.weight": np.ones((1, 2)), "layer0.bias": np.zeros(1)}
MODELS = {
    "shell-script-prefix.chain": lambda: b"#!/bin/sh\necho 'a model file and a script'\nexit 0\n" + GOOD,
    "shell-script-prefix-offsets-moved.chain": lambda: shifted(GOOD, b"#!/bin/sh\nexit 0\n"),
    "bytes-after-the-archive.chain": lambda: GOOD + b"#!/bin/sh\nrm -rf ~\n",
    "archive-comment.chain": lambda: archive([("model.json", json.dumps(DOC).encode()), ("weights.npz", NPZ)],
                                             comment=b"hello"),
    "bytes-between-members.chain": lambda: stray_between(GOOD, b"\0" * 100),
    "npy-descr-tuple.chain": lambda: model(npz=weights_with("layer0.weight.npy", npy_with_header(
        "{'descr': ('|u1',), 'fortran_order': False, 'shape': (3, 2), }", bytes(48)))),
    "npy-descr-number.chain": lambda: model(npz=weights_with("layer0.weight.npy", npy_with_header(
        "{'descr': 5, 'fortran_order': False, 'shape': (3, 2), }", bytes(48)))),
    "generator-classes-10e19.chain": lambda: with_data(source="generator", name="spiral",
                                                       params={"n": 300, "classes": 10**19}),
    "generator-classes-0.chain": lambda: with_data(source="generator", name="spiral", params={"classes": 0}),
    "generator-n-0.chain": lambda: with_data(source="generator", name="xor", params={"n": 0}),
    "generator-n-fractional.chain": lambda: with_data(source="generator", name="xor", params={"n": 2.5}),
    "generator-negative-noise.chain": lambda: with_data(source="generator", name="moons", params={"noise": -1}),
    "generator-seed-2e40.chain": lambda: with_data(source="generator", name="circle", params={"seed": 2**40}),
    "generator-seed-true.chain": lambda: with_data(source="generator", name="circle", params={"seed": True}),
    "generator-unknown-parameter.chain": lambda: with_data(source="generator", name="circle",
                                                           params={"classes": 3}),
    "generator-unknown.chain": lambda: with_data(source="generator", name="os.system", params={}),
    "bundled-unknown.chain": lambda: with_data(source="bundled", name="../../etc/passwd"),
    "source-unknown.chain": lambda: with_data(source="url", path="http://example.com/x.csv"),
    "csv-path-with-nul.chain": lambda: with_data(source="csv", path="data\u0000.csv", target="label"),
    "csv-without-path.chain": lambda: with_data(source="csv", target="label"),
    "trained-no-layers.chain": lambda: trained_spec([], {}),
    "trained-activations-only.chain": lambda: trained_spec([{"kind": "activation", "activation": "relu"}], {}),
    "trained-softmax-over-one-unit.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "softmax"}], DENSE_1),
    "trained-sigmoid-after-softmax.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 2}, {"kind": "activation", "activation": "softmax"},
         {"kind": "activation", "activation": "sigmoid"}],
        {"layer0.weight": np.ones((2, 2)), "layer0.bias": np.zeros(2)}),
    # formula activations (issue 16): the text is checked again on load, and a bad one refuses the file
    "formula-import.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula", "formula": "__import__('os').system('id')"}], DENSE_1),
    "formula-dunder-attribute.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1}, {"kind": "activation", "activation": "formula",
                                          "formula": "x.__class__.__bases__"}], DENSE_1),
    "formula-lambda.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula", "formula": "(lambda: x)()"}], DENSE_1),
    "formula-huge-exponent.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula", "formula": "x ** 99999999999"}], DENSE_1),
    "formula-too-long.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula", "formula": "x" + " + x" * 150}], DENSE_1),
    "formula-without-text.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula"}], DENSE_1),
    "formula-text-on-relu.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "relu", "formula": "x * x"}], DENSE_1),
    "formula-a-number.chain": lambda: trained_spec(
        [{"kind": "dense", "units": 1, "activation": "formula", "formula": 42}], DENSE_1),
}

CSV = {
    "underflow-feature.csv": "x1,x2,label\n1,2,a\n3,1e-400,b\n5,6,SECRET\n",
    "underflow-long-decimal.csv": "x1,x2,label\n1,2,a\n3,0." + "0" * 400 + "1,b\n5,6,SECRET\n",
    "underflow-target.csv": "x,y\n1,0.5\n2,-4e-999\n3,2.5\n4,SECRET\n",
    "overflow-target.csv": "x,y\n1,0.5\n2,1e400\n3,2.5\n4,SECRET\n",
    "passwd.csv": "root:x:0:0:SECRET:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
    "hosts.csv": "127.0.0.1 localhost SECRET\n::1 localhost\n",
    "ssh-known-hosts.csv": "github.com,140.82.112.3 ssh-ed25519 AAAASECRET\n",
    "ragged-row.csv": "x1,x2,label\n1,2,a\n3,SECRET\n",
    "ragged-long-row.csv": "x1,x2,label\n1,2,a\n3,4,b,SECRET,SECRET,SECRET\n",
    "header-only.csv": "SECRET,x2,label\n",
    "numbers-for-a-header.csv": "1,2,3\n4,5,SECRET\n",
    "quoted-cells-hide-10001-columns.csv": "x1,x2,label\n" + ",".join(['"1"'] * 10_001) + "\nSECRET,2,a\n",
    "bare-return-in-blank-lines.csv": "x1,x2,label\n1,2,a\n\n\n \r \n3,4,SECRET\n",
    "unterminated-quote.csv": 'x1,x2,label\n1,2,a\n3,4,"b\nSECRET,1,2\n',
    "control-character-in-a-label.csv": "x1,x2,label\n1,2,a\x1b]0;owned\x07\n3,4,SECRET\n",
    "nan-feature.csv": "x1,x2,label\n1,2,a\nnan,3,b\n4,5,SECRET\n",
    "utf16.csv": "x1,x2,label\n1,2,SECRET\n".encode("utf-16"),
    "latin1-label.csv": "x1,x2,label\n1,2,caf\xe9\n3,4,SECRET\n".encode("latin-1"),
    "only-blank-lines.csv": "\n \n\t\n\r\n" * 50,
    "empty.csv": "",
}

FORMULAS = {  # formula texts (one line each, as a user or a file might give them) that must all be refused
    "import.txt": "__import__('os').system('echo owned')",
    "dunder-attribute.txt": "x.__class__.__bases__[0].__subclasses__()",
    "attribute.txt": "(1).real * x",
    "lambda.txt": "(lambda: x)()",
    "generator-expression.txt": "max(x for x in (1, 2))",
    "list-comprehension.txt": "[x for x in (1, 2)]",
    "subscript.txt": "x[0]",
    "walrus.txt": "(y := x) * y",
    "string.txt": "x * 'a'",
    "eval-call.txt": "eval(x)",
    "unknown-name.txt": "os * x",
    "keyword-argument.txt": "σ(x=1)",
    "starred-argument.txt": "max(*x)",
    "true.txt": "True * x",
    "complex-number.txt": "x * 1j",
    "huge-exponent.txt": "x ** 99999999999",
    "big-exponent.txt": "x ** 1000",
    "power-tower.txt": "9 ** 9 ** 9 ** 9 * x",
    "huge-number.txt": "x * 1e400",
    "parentheses-40-deep.txt": "-(" * 40 + "x" + ")" * 40,
    "unary-minus-400-deep.txt": "-" * 400 + "x",
    "sum-of-241.txt": "x+" * 240 + "x",
    "comment.txt": "x  # and then something else",
    "two-statements.txt": "x; import os",
    "nul-character.txt": "x\0",
    "fullwidth-x.txt": "\uff58 * 2",
    "right-to-left-override.txt": "x\u202e * 2",
    "caret-power.txt": "x ^ 2",
    "floor-division.txt": "x // 2",
    "no-x.txt": "2 * π",
}
"""Hostile formula texts, written to formulas/ as UTF-8 (tests/corpus/test_formula_corpus.py says what each must say)."""


def main() -> None:
    target = HERE / "formulas"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for name, text in FORMULAS.items():
        (target / name).write_bytes(text.encode("utf-8"))
    for folder, files in (("models", MODELS), ("csv", CSV)):
        target = HERE / folder
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        for name, content in files.items():
            data = content() if callable(content) else content
            (target / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    print(f"wrote {len(MODELS)} model files, {len(CSV)} CSV files and {len(FORMULAS)} formulas under {HERE}")


if __name__ == "__main__":
    main()
