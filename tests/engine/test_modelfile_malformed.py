"""Bad model files: a corpus of malformed files, each refused quickly, cheaply and clearly;
and random damage to a good file, which either changes nothing or is refused.

Files are built here byte by byte (`raw_zip`), so the corpus can hold what zipfile would never
write: lying sizes, duplicate and traversal names, unknown methods, bombs.
"""
import io
import json
import pickle
import random
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from engine.nn.activations import relu, sigmoid
from engine.nn.layers import Chain, Dense
from engine.modelfile import ModelFileError, load_model, model_bytes

MB = 1 << 20
PEAK_LIMIT = 16 * MB   # "no large allocations": far below what any bomb here would expand to

# ---- building zips by hand ----


def entry(name, payload, method=8, **override):
    """A zip member: name (str or bytes), payload (uncompressed), method 0 stored / 8 deflated."""
    if method == 8:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = packer.compress(payload) + packer.flush()
    else:
        data = payload
    e = {"name": name.encode() if isinstance(name, str) else name, "data": data, "method": method,
         "crc": zlib.crc32(payload), "csize": len(data), "usize": len(payload), "flags": 0}
    e.update(override)
    return e


def raw_zip(entries, *, count=None, disk=0, extra_directory=0, zip64=False, comment=b""):
    out, directory = bytearray(), bytearray()
    for e in entries:
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, e["flags"], e["method"], 0, 0x21, e["crc"],
                           e["csize"], e["usize"], len(e["name"]), 0) + e["name"] + e["data"]
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, e["flags"], e["method"], 0, 0x21, e["crc"],
                                 e["csize"], e["usize"], len(e["name"]), 0, 0, 0, 0, 0o644 << 16, offset) + e["name"]
    start = len(out)
    out += directory
    if zip64:
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, len(out), 1)
    n = len(entries) if count is None else count
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", disk, 0, n, n, len(directory) + extra_directory, start,
                       len(comment)) + comment
    return bytes(out)


def streamed_entry(name, chunk, repeat, declared=None):
    """A deflated member of `chunk * repeat` bytes, compressed without ever holding it whole."""
    packer, crc, parts = zlib.compressobj(1, zlib.DEFLATED, -15), 0, []
    for _ in range(repeat):
        parts.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(packer.flush())
    data = b"".join(parts)
    return {"name": name.encode(), "data": data, "method": 8, "crc": crc, "csize": len(data),
            "usize": len(chunk) * repeat if declared is None else declared, "flags": 0}


# ---- a good file, taken apart ----

MODEL = Chain(Dense(2, 3, relu, rng=0), Dense(3, 1, sigmoid, rng=1))
GOOD = model_bytes(MODEL, settings={"loss": "binarycrossentropy", "epochs": 5},
                   history={"train_loss": [0.7, 0.6, 0.5]}, layout={"zoom": 1.0},
                   dataset={"source": "generator", "name": "xor", "normalisation": {"mean": [0, 0], "std": [1, 1]}})
with zipfile.ZipFile(io.BytesIO(GOOD)) as _zf:
    GOOD_JSON, GOOD_NPZ = _zf.read("model.json"), _zf.read("weights.npz")
GOOD_DOC = json.loads(GOOD_JSON)
with zipfile.ZipFile(io.BytesIO(GOOD_NPZ)) as _zf:
    GOOD_NPY = {name[:-4]: _zf.read(name) for name in _zf.namelist()}


def model_file(json_bytes=GOOD_JSON, npz=GOOD_NPZ, method=8):
    return raw_zip([entry("model.json", json_bytes, method), entry("weights.npz", npz, method=0)])


def with_doc(**changes):
    doc = dict(GOOD_DOC)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return model_file(json.dumps(doc).encode())


def with_json_text(old, new):
    """model.json with `old` replaced by `new`, stored (not deflated) so that bombs get past the
    compression-ratio check and reach the JSON parser's own limits."""
    text = GOOD_JSON.decode()
    assert old in text
    return model_file(text.replace(old, new, 1).encode(), method=0)


def npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), version=(1, 0), allow_pickle=isinstance(array, np.ndarray)
                              and array.dtype == object)
    return buf.getvalue()


def npy_header(header: str, body=b"", version=b"\x01\x00"):
    text = header.encode("latin1")
    return b"\x93NUMPY" + version + struct.pack("<H", len(text)) + text + body


def with_arrays(**replace):
    """The good weights with some .npy members replaced (bytes) or removed (None)."""
    members = dict(GOOD_NPY)
    for name, value in replace.items():
        name = name.replace("__", ".")
        if value is None:
            members.pop(name)
        else:
            members[name] = value
    npz = raw_zip([entry(f"{name}.npy", data, method=0) for name, data in members.items()])
    return model_file(npz=npz)


def layer0_weight(array):
    return with_arrays(layer0__weight=npy(array))


W0 = MODEL[0].weight.value


class Evil:
    def __reduce__(self):
        return (print, ("pickle ran",))


def deep(n):
    return "[" * n + "]" * n


CORPUS = {
    # not a zip, or a broken one
    "empty file": lambda: b"",
    "text": lambda: b"this is not a model file\n",
    "random bytes": lambda: random.Random(1).randbytes(10_000),
    "truncated in half": lambda: GOOD[:len(GOOD) // 2],
    "last byte cut": lambda: GOOD[:-1],
    "only a local header": lambda: b"PK\x03\x04" + bytes(26),
    "empty zip": lambda: raw_zip([]),
    "whole file is a pickle": lambda: pickle.dumps(Evil()),
    "end record says 65535 members": lambda: raw_zip([entry("model.json", GOOD_JSON)], count=65535),
    "directory declared 100 MB": lambda: model_file()[:-22] + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, 100 * MB, 0, 0),
    "multi-disk archive": lambda: raw_zip([entry("model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)], disk=1),
    "zip64 locator": lambda: raw_zip([entry("model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)], zip64=True),
    # members
    "no weights.npz": lambda: raw_zip([entry("model.json", GOOD_JSON)]),
    "no model.json": lambda: raw_zip([entry("weights.npz", GOOD_NPZ)]),
    "an extra member": lambda: raw_zip([entry("model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ),
                                        entry("readme.txt", b"hi")]),
    "model.json twice": lambda: raw_zip([entry("model.json", GOOD_JSON), entry("model.json", GOOD_JSON)]),
    "model.json twice and weights": lambda: raw_zip([entry("model.json", GOOD_JSON), entry("model.json", b"{}"),
                                                     entry("weights.npz", GOOD_NPZ)]),
    "path traversal ../": lambda: raw_zip([entry("../model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)]),
    "absolute path": lambda: raw_zip([entry("/model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)]),
    "member in a folder": lambda: raw_zip([entry("x/../model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)]),
    "backslash traversal": lambda: raw_zip([entry("..\\model.json", GOOD_JSON), entry("weights.npz", GOOD_NPZ)]),
    "NUL in a name": lambda: raw_zip([entry(b"model.json\x00.exe", GOOD_JSON), entry("weights.npz", GOOD_NPZ)]),
    "encrypted member": lambda: raw_zip([entry("model.json", GOOD_JSON, flags=1), entry("weights.npz", GOOD_NPZ)]),
    "bzip2 member": lambda: raw_zip([entry("model.json", GOOD_JSON, method=12), entry("weights.npz", GOOD_NPZ)]),
    "unknown method 99": lambda: raw_zip([entry("model.json", GOOD_JSON, method=99), entry("weights.npz", GOOD_NPZ)]),
    "stored sizes disagree": lambda: raw_zip([entry("model.json", GOOD_JSON, method=0, usize=10),
                                              entry("weights.npz", GOOD_NPZ, method=0)]),
    "bad CRC": lambda: raw_zip([entry("model.json", GOOD_JSON, crc=1), entry("weights.npz", GOOD_NPZ, method=0)]),
    # bombs
    "zip bomb: 64 MB of spaces as model.json": lambda: raw_zip([streamed_entry("model.json", b" " * MB, 64),
                                                                entry("weights.npz", GOOD_NPZ, method=0)]),
    "zip bomb: 120 MB of zeros as weights.npz": lambda: raw_zip([entry("model.json", GOOD_JSON),
                                                                 streamed_entry("weights.npz", bytes(MB), 120)]),
    "zip bomb with a lying size": lambda: raw_zip([streamed_entry("model.json", b" " * MB, 64, declared=1000),
                                                   entry("weights.npz", GOOD_NPZ, method=0)]),
    "bomb inside weights.npz": lambda: model_file(npz=raw_zip(
        [streamed_entry(f"{n}.npy", bytes(MB), 32) for n in GOOD_NPY])),
    # JSON
    "model.json is not JSON": lambda: model_file(b"hello"),
    "model.json is empty": lambda: model_file(b""),
    "model.json is a pickle": lambda: model_file(pickle.dumps(Evil())),
    "model.json is not UTF-8": lambda: model_file(GOOD_JSON.replace(b'"chainboard"', b'"chainb\xf6ard"')),
    "model.json is UTF-16": lambda: model_file(GOOD_JSON.decode().encode("utf-16")),
    "model.json has a byte-order mark": lambda: model_file(b"\xef\xbb\xbf" + GOOD_JSON),
    "model.json has trailing garbage": lambda: model_file(GOOD_JSON + b" x"),
    "model.json is a list": lambda: model_file(b"[1, 2]"),
    "NaN constant": lambda: with_json_text('"train_loss": [0.7', '"train_loss": [NaN'),
    "Infinity constant": lambda: with_json_text('"epochs": 5', '"epochs": Infinity'),
    "-Infinity constant": lambda: with_json_text('"zoom": 1.0', '"zoom": -Infinity'),
    "number too large for a float": lambda: with_json_text('"zoom": 1.0', '"zoom": 1e999'),
    "a 5000-digit integer": lambda: with_json_text('"zoom": 1.0', '"zoom": ' + "9" * 5000),
    "JSON bomb: 200000 nested lists": lambda: with_json_text('"zoom": 1.0', '"zoom": ' + deep(200_000)),
    "JSON bomb: 40 nested lists": lambda: with_json_text('"zoom": 1.0', '"zoom": ' + deep(40)),
    "JSON bomb: a million values": lambda: with_json_text('"zoom": 1.0', '"zoom": [' + "0," * 1_000_000 + "0]"),
    "JSON bomb: 150000 keys": lambda: with_json_text(
        '"zoom": 1.0', '"zoom": {' + ",".join(f'"{i}":0' for i in range(150_000)) + "}"),
    "JSON bomb: 3 MB of whitespace": lambda: model_file(GOOD_JSON + b" " * (3 * MB)),
    "a 50000-character string": lambda: with_json_text('"zoom": 1.0', '"zoom": "' + "x" * 50_000 + '"'),
    "duplicate keys": lambda: with_json_text('"trained": true', '"trained": true, "trained": false'),
    # schema
    "wrong format name": lambda: with_doc(format="tensorflow"),
    "no format": lambda: with_doc(format=None),
    "no version": lambda: with_doc(version=None),
    "version as text": lambda: with_doc(version="1"),
    "version 0": lambda: with_doc(version=0),
    "version true": lambda: with_doc(version=True),
    "newer version": lambda: with_doc(version=99, requires="9.9"),
    "unknown top-level key": lambda: with_doc(extra=1),
    "no spec": lambda: with_doc(spec=None),
    "trained as text": lambda: with_doc(trained="yes"),
    "unknown settings key": lambda: with_doc(settings={"learning_rate": 0.1}),
    "unknown optimiser": lambda: with_doc(settings={"optimiser": {"name": "SGDW"}}),
    "negative learning rate": lambda: with_doc(settings={"optimiser": {"name": "Adam", "eta": -1}}),
    "unknown layer kind": lambda: with_doc(spec={"inputs": 2, "layers": [{"kind": "conv2d", "units": 3}]}),
    "zero units": lambda: with_doc(spec={"inputs": 2, "layers": [{"kind": "dense", "units": 0}]}),
    "fractional units": lambda: with_doc(spec={"inputs": 2, "layers": [{"kind": "dense", "units": 2.5}]}),
    "units true": lambda: with_doc(spec={"inputs": 2, "layers": [{"kind": "dense", "units": True}]}),
    "unknown activation": lambda: with_doc(spec={"inputs": 2, "layers": [{"kind": "activation",
                                                                          "activation": "os.system"}]}),
    "a trillion parameters": lambda: with_doc(spec={"inputs": 1_000_000, "layers": [
        {"kind": "dense", "units": 1_000_000}]}),
    "5000 layers": lambda: with_json_text('"layers": [', '"layers": [' + '{"kind": "activation", '
                                          '"activation": "relu"}, ' * 5000),
    "layout is a list": lambda: with_doc(layout=[1, 2]),
    "normalisation of the wrong length": lambda: with_doc(dataset={"normalisation": {"mean": [0], "std": [1]}}),
    "zero standard deviation": lambda: with_doc(dataset={"normalisation": {"mean": [0, 0], "std": [1, 0]}}),
    "history far too long": lambda: with_doc(history={"train_loss": [0.5] * 5000}),
    "trained but no weights": lambda: model_file(npz=raw_zip([])),
    "design but with weights": lambda: with_doc(trained=False),
    # weights
    "weights.npz is a pickle": lambda: model_file(npz=pickle.dumps({"layer0.weight": Evil()})),
    "weights.npz is a bare .npy": lambda: model_file(npz=npy(W0)),
    "weights transposed": lambda: layer0_weight(W0.T.copy()),
    "weights as int64": lambda: layer0_weight(W0.astype(np.int64)),
    "weights as float16": lambda: layer0_weight(W0.astype(np.float16)),
    "weights as complex": lambda: layer0_weight(W0.astype(np.complex128)),
    "weights big-endian": lambda: layer0_weight(W0.astype(">f8")),
    "weights structured dtype": lambda: layer0_weight(np.zeros((3, 2), dtype=[("a", "<f8")])),
    "object array with a pickle": lambda: layer0_weight(np.array([[Evil(), 1], [2, 3], [4, 5]], dtype=object)),
    "weights in Fortran order": lambda: layer0_weight(np.asfortranarray(W0)),
    "a NaN weight": lambda: layer0_weight(np.where(np.arange(6).reshape(3, 2) == 4, np.nan, W0)),
    "an infinite weight": lambda: layer0_weight(np.where(np.arange(6).reshape(3, 2) == 1, -np.inf, W0)),
    "a missing bias": lambda: with_arrays(layer1__bias=None),
    "an extra array": lambda: with_arrays(layer9__weight=npy(W0)),
    "a misnamed array": lambda: with_arrays(layer0__weight=None, **{"layer0__Weight": npy(W0)}),
    "huge declared shape": lambda: layer0_weight_header("{'descr': '<f8', 'fortran_order': False, "
                                                        "'shape': (1000000000000, 1000000000000), }"),
    "negative shape": lambda: layer0_weight_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 2), }"),
    "header is code": lambda: layer0_weight_header("__import__('os').system('echo pwned')"),
    "header too long": lambda: layer0_weight_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), "
                                                    "'pad': '" + "x" * 5000 + "'}"),
    "array cut short": lambda: with_arrays(layer0__weight=npy(W0)[:-8]),
    "bytes after the array": lambda: with_arrays(layer0__weight=npy(W0) + b"\0" * 8),
    "bad .npy magic": lambda: with_arrays(layer0__weight=b"\x93NUMPX" + npy(W0)[6:]),
    ".npy version 3.0": lambda: with_arrays(layer0__weight=npy_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", W0.tobytes(), version=b"\x03\x00")),
    "inner archive with a traversal name": lambda: model_file(npz=raw_zip(
        [entry(f"../{n}.npy", d, method=0) for n, d in GOOD_NPY.items()])),
}


def layer0_weight_header(header):
    return with_arrays(layer0__weight=npy_header(header, W0.tobytes()))


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", list(CORPUS))
def test_each_malformed_file_is_refused_cheaply(tmp_path, name):
    path = tmp_path / "bad.chain"
    path.write_bytes(CORPUS[name]())
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as error:
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(error.value)
    assert message.startswith(f"Cannot open {path}: ") and len(message) < 600 and "\n" not in message
    assert "internal error" not in message, message  # the catch-all fired: a check is missing
    assert peak < PEAK_LIMIT, f"{name}: peak {peak / MB:.1f} MB"  # (time: benchmarks/bench_hostile.py)


def test_a_newer_file_names_the_version_needed(tmp_path):
    (tmp_path / "new.chain").write_bytes(CORPUS["newer version"]())
    with pytest.raises(ModelFileError, match="needs Chainboard ≥ 9.9"):
        load_model(tmp_path / "new.chain")


def test_folders_fifos_and_missing_files_are_refused(tmp_path):
    import os
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)
    with pytest.raises(ModelFileError, match="no such file"):
        load_model(tmp_path / "missing.chain")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.chain")
        with pytest.raises(ModelFileError, match="not a regular file"):
            load_model(tmp_path / "fifo.chain")


def test_the_pieces_of_the_corpus_are_right(tmp_path):
    """The hand-built good file loads: so every refusal above is about the one thing changed."""
    (tmp_path / "good.chain").write_bytes(model_file())
    loaded = load_model(tmp_path / "good.chain")
    assert [p.value.tobytes() for p in loaded.model.parameters()] == [p.value.tobytes() for p in MODEL.parameters()]
    (tmp_path / "good2.chain").write_bytes(with_arrays())
    load_model(tmp_path / "good2.chain")


# ---- random damage ----

def same(a, b):
    return (a.spec == b.spec and a.settings == b.settings and a.layout == b.layout and a.dataset == b.dataset
            and a.history == b.history and [p.value.tobytes() for p in a.model.parameters()]
            == [p.value.tobytes() for p in b.model.parameters()])


def refused_or_identical(path, data, reference):
    path.write_bytes(data)
    try:
        loaded = load_model(path)
    except ModelFileError as error:
        assert "internal error" not in str(error), str(error)
        return "refused"
    assert same(loaded, reference)
    return "identical"


def test_single_byte_changes_and_truncations_never_load_something_else(tmp_path):
    path = tmp_path / "damaged.chain"
    path.write_bytes(GOOD)
    reference = load_model(path)
    rng = random.Random(2024)
    outcomes = []
    for _ in range(600):
        data = bytearray(GOOD)
        at = rng.randrange(len(data))
        data[at] ^= rng.randrange(1, 256)
        outcomes.append(refused_or_identical(path, bytes(data), reference))
    for cut in sorted(set(range(0, len(GOOD), max(1, len(GOOD) // 150))) | set(range(len(GOOD) - 40, len(GOOD)))):
        outcomes.append(refused_or_identical(path, GOOD[:cut], reference))
    assert outcomes.count("refused") > len(outcomes) // 2  # the damage mostly mattered, and was caught


@pytest.mark.parametrize("part", ["model.json", "weights.npz"])
def test_damage_inside_the_members_with_valid_checksums_is_handled(tmp_path, part):
    """Change bytes inside one member and rebuild the archive around it (so outer CRCs pass):
    loading must either work or raise ModelFileError, never anything else."""
    path = tmp_path / "inner.chain"
    rng = random.Random(part)
    original = GOOD_JSON if part == "model.json" else GOOD_NPZ
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.choice([1, 1, 2, 3])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(model_file(bytes(data)) if part == "model.json" else model_file(npz=bytes(data)))
        try:
            loaded = load_model(path)
        except ModelFileError as error:
            assert "internal error" not in str(error), str(error)
            continue
        if loaded.model is not None:  # whatever loaded is self-consistent
            for layer, spec in zip(loaded.model.layers, loaded.spec.layers):
                if spec.kind == "dense":
                    assert layer.weight.shape[0] == spec.units and np.isfinite(layer.weight.value).all()


# ---- the rules issue 18 added (tests/corpus holds a file for each) ----

def test_an_archive_written_to_a_stream_with_data_descriptors_still_loads(tmp_path):
    """zipfile writes sizes after the data when it cannot seek; such members still lie end to end."""
    class Stream(io.RawIOBase):
        def __init__(self):
            self.parts = []

        def writable(self):
            return True

        def write(self, data):
            self.parts.append(bytes(data))
            return len(data)

    stream = Stream()
    with zipfile.ZipFile(stream, "w") as zf:
        zf.writestr("model.json", GOOD_JSON)
        zf.writestr("weights.npz", GOOD_NPZ)
    data = b"".join(stream.parts)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(info.flag_bits & 0x8 for info in zf.infolist())
    (tmp_path / "streamed.chain").write_bytes(data)
    assert load_model(tmp_path / "streamed.chain").spec == load_model_bytes(tmp_path, GOOD).spec


def load_model_bytes(folder, data):
    (folder / "good.chain").write_bytes(data)
    return load_model(folder / "good.chain")


@pytest.mark.parametrize("layers, problem", [
    ([], "no layers"),
    ([{"kind": "dense", "units": 1, "activation": "softmax"}], "softmax over a single feature"),
    ([{"kind": "dense", "units": 3}, {"kind": "activation", "activation": "softmax"},
      {"kind": "activation", "activation": "sigmoid"}], "σ after softmax"),
])
def test_a_design_with_problems_loads_and_carries_them(tmp_path, layers, problem):
    from engine.nn.spec import ChainSpec
    def chain_file(trained):
        doc = dict(GOOD_DOC, trained=trained, spec={"inputs": 2, "layers": layers})
        return model_file(json.dumps(doc).encode(), raw_zip([]))

    path = tmp_path / "design.chain"
    path.write_bytes(chain_file(trained=False))
    loaded = load_model(path)
    assert loaded.model is None and loaded.problems == ChainSpec.from_dict({"inputs": 2, "layers": layers}).problems()
    assert any(problem in p for p in loaded.problems)
    path.write_bytes(chain_file(trained=True))  # the weights do not matter: the Chain is refused first
    with pytest.raises(ModelFileError, match="has a problem: .*" + problem):
        load_model(path)


def test_good_files_have_no_problems(tmp_path):
    assert load_model_bytes(tmp_path, GOOD).problems == []


def test_every_generator_parameter_has_a_range():
    """Otherwise a model file naming it could never load."""
    import inspect
    from engine.datasets import GENERATORS
    from engine.modelfile.reference import GENERATOR_PARAMS
    for name, make in GENERATORS.items():
        assert set(inspect.signature(make).parameters) <= set(GENERATOR_PARAMS), name
