"""CSV import: every bad file is refused with file, line, column and value; good files load right."""
import json
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from engine.datasets.csvread import is_number
from engine.datasets.bundled import TABLES as BUNDLED, table_path
from engine.datasets.csvload import (MAX_CLASSES, CsvError, LoadCancelled, load_csv,
                            preview_csv)
from engine.datasets import DataError, Dataset
from engine.datasets.standardise import Standardiser

GOOD = "x1,x2,label\n0.5,1,a\n1.5,2,b\n2.5,3,a\n3.5,4,b\n"


def write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))  # exact bytes: no newline translation
    else:
        path.write_bytes(content)
    return path


def refused(path, target="label", *fragments, line=None, column=None, value=None, **kwargs):
    """Load `path`, expect CsvError; check its fields and that the message shows each of them."""
    with pytest.raises(CsvError) as info:
        load_csv(path, target, **kwargs)
    err = info.value
    message = str(err)
    assert isinstance(err, DataError)
    assert message.startswith(path.name + ", ") or message.startswith(path.name + ":"), message
    if line is not None:
        assert err.line == line and f"line {line}" in message, message
    if column is not None:
        assert err.column == column and repr(column) in message, message
    if value is not None:
        assert err.value == value and (repr(value) in message or str(value) in message), message
    for fragment in fragments:
        assert fragment in message, message
    return err


# ---- bad files --------------------------------------------------------------------------

def test_empty_file(tmp_path):
    refused(write(tmp_path, ""), "label", "empty", line=1)


def test_only_blank_lines(tmp_path):
    refused(write(tmp_path, "\n\n  \n"), "label", "blank", line=1)


def test_header_only(tmp_path):
    err = refused(write(tmp_path, "x1,x2,label\n\n"), "label", "no data rows", line=1)
    assert err.value is None and "x1" not in str(err)  # the header was fine: no need to echo it


@pytest.mark.parametrize("row, cells", [("9,9\n", 2), ("9,9,a,extra\n", 4)])
def test_ragged_row(tmp_path, row, cells):
    err = refused(write(tmp_path, GOOD + row), "label", f"has {cells} cells", "3 columns", line=6)
    assert err.column is None and err.value is None and "9,9" not in str(err)  # no whole rows in messages


@pytest.mark.parametrize("token, why", [
    ("abc", "is not a number"),
    ("nan", "not a finite number"),
    ("NaN", "not a finite number"),
    ("inf", "not a finite number"),
    ("-inf", "not a finite number"),
    ("Infinity", "not a finite number"),
    ("1e309", "overflows"),
    ("-1e309", "overflows"),
    ("1_000", "not a plain decimal"),
    ("١٢", "not a plain decimal"),  # Arabic-Indic digits: float() takes them
    ("0x10", "is not a number"),
    ('"1,5"', "is not a number"),
    ("", "is empty"),
    ("   ", "is empty"),
])
def test_bad_number_in_feature_column(tmp_path, token, why):
    path = write(tmp_path, f"x1,x2,label\n0.5,1,a\n1.5,{token},b\n2.5,3,a\n")
    value = token.strip('"') if token.startswith('"') else token
    refused(path, "label", why, line=3, column="x2", value=value)
    assert "column 2 'x2'" in str(pytest.raises(CsvError, load_csv, path, "label").value)


def test_first_bad_cell_in_reading_order_is_reported(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,x\n3,oops,y\nnan,4,x\n")
    refused(path, "label", line=3, column="b", value="oops")


def test_bad_cell_far_into_the_file_names_its_line(tmp_path):
    rows = [f"{i},{i % 7},{'ab'[i % 2]}" for i in range(10000)]
    rows[9000] = "9000,1e999,a"
    path = write(tmp_path, "x1,x2,label\n" + "\n\n".join(rows[:5000]) + "\n" + "\n".join(rows[5000:]) + "\n")
    # 4999 blank lines interleave the first half; line numbers must still be physical lines
    refused(path, "label", "overflows", line=1 + 2 * 5000 - 1 + 4000 + 1, column="x2", value="1e999")


def test_quoted_cell_spanning_lines_is_not_a_number(tmp_path):
    path = write(tmp_path, 'x1,x2,label\n1,2,a\n3,"4\n5",b\n6,7,a\n')
    refused(path, "label", "not a number", line=4, column="x2", value="4\n5")


def test_constant_feature_column(tmp_path):
    path = write(tmp_path, "x1,x2,label\n0.5,7,a\n1.5,7.0,b\n2.5,7e0,a\n")
    refused(path, "label", "same value 7 on every row", "lines 2-4", line=2, column="x2", value="7")


def test_target_with_one_class(tmp_path):
    path = write(tmp_path, "x1,x2,label\n0.5,1,a\n1.5,2,a\n2.5,3,a\n")
    refused(path, "label", "single class", line=2, column="label", value="a")


def test_target_with_one_numeric_class(tmp_path):
    path = write(tmp_path, "x,y\n1,1\n2,1.0\n3,1\n")
    refused(path, "y", "single class", line=2, column="y", value="1", task="classification")


@pytest.mark.parametrize("token, why", [("nan", "not a finite"), ("inf", "not a finite"), ("", "is empty"),
                                        ("1e400", "overflows"), ("1_0", "not a plain decimal")])
def test_bad_target_cells(tmp_path, token, why):
    path = write(tmp_path, f"x,y\n1,0.5\n2,{token}\n3,2.5\n4,3.5\n")
    refused(path, "y", why, line=3, column="y", value=token)


def test_regression_target_with_a_word(tmp_path):
    path = write(tmp_path, "x,y\n1,0.5\n2,1.5\n3,n/a\n4,3.5\n")
    refused(path, "y", "not a number", line=4, column="y", value="n/a")  # inferred: mostly numbers
    refused(path, "y", "not a number", line=4, column="y", value="n/a", task="regression")
    ds = load_csv(path, "y", task="classification")  # but the user may insist
    assert ds.class_names == ["0.5", "1.5", "3.5", "n/a"]


def test_constant_regression_target(tmp_path):
    refused(write(tmp_path, "x,y\n1,2.5\n2,2.5\n3,2.5\n"), "y", "same value 2.5", line=2, column="y", value="2.5",
            task="regression")


def test_too_many_classes(tmp_path):
    rows = "".join(f"{i},c{i}\n" for i in range(MAX_CLASSES + 1))
    refused(write(tmp_path, "x,y\n" + rows), "y", f"{MAX_CLASSES + 1} different values", column="y")


def test_single_data_row(tmp_path):
    refused(write(tmp_path, "x1,x2,label\n1,2,a\n"), "label", "single data row", line=2, column="label", value="a")


def test_not_utf8(tmp_path):
    content = "x1,x2,label\n0.5,1,a\n1.5,2,caf\xe9\n".encode("latin-1")
    err = refused(write(tmp_path, content), "label", "not UTF-8", "byte 0xe9", "byte offset 29",
                  "save the file as UTF-8", line=3, column="label")
    assert err.value == b"\xe9"


def test_utf16_gets_a_hint(tmp_path):
    err = refused(write(tmp_path, GOOD.encode("utf-16")), "label", "UTF-16", "byte offset 0", line=1)
    assert err.value == b"\xff"


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    ds = load_csv(write(tmp_path, "\ufeff" + GOOD), "label")
    assert ds.feature_names == ["x1", "x2"]


def test_size_cap(tmp_path):
    path = write(tmp_path, GOOD)
    refused(path, "label", "larger than the 20 bytes limit", max_bytes=20)
    with pytest.raises(CsvError, match="limit"):
        preview_csv(path, max_bytes=20)
    assert len(load_csv(path, "label", max_bytes=len(GOOD))) == 4


def test_duplicate_header_names(tmp_path):
    path = write(tmp_path, "x1,x1,label\n1,2,a\n3,4,b\n")
    refused(path, "label", "columns 1 and 2", line=1, column="x1", value="x1")
    with pytest.raises(CsvError, match="unique"):
        preview_csv(path)


def test_unnamed_column(tmp_path):
    refused(write(tmp_path, ",x,label\n0,1,a\n1,2,b\n"), "label", "no name", "index=False", line=1)


def test_missing_header(tmp_path):
    err = refused(write(tmp_path, "1,2,3\n4,5,6\n"), 2, "looks like data", line=1, value="1")
    assert "2" not in str(err).split(":", 1)[1]  # the first cell, not the whole row


@pytest.mark.parametrize("target, features, what, choices", [
    ("species", None, "no target column 'species'", "the columns are 'x1', 'x2', 'label'"),
    ("label", ["x1", "x3"], "no feature column 'x3'", "the columns are 'x1', 'x2', 'label'"),
    (5, None, "no target column 5", "3 columns (0 to 2)"),
    ("label", [0, -4], "no feature column -4", "3 columns (0 to 2)"),
])
def test_unknown_columns_list_the_choices(tmp_path, target, features, what, choices):
    refused(write(tmp_path, GOOD), target, what, choices, line=1, features=features)


def test_target_among_features_and_repeated_features(tmp_path):
    path = write(tmp_path, GOOD)
    refused(path, "label", "cannot also be a feature", line=1, column="label", features=["x1", "label"])
    refused(path, "label", "listed twice", line=1, column="x1", features=["x1", 0])


def test_semicolon_file_gets_a_hint(tmp_path):
    refused(write(tmp_path, "x1;x2;label\n1;2;a\n"), 0, "delimiter", line=1)


@pytest.mark.parametrize("content, fragment, line", [
    ('x1,x2,label\n1,2,"a"b\n3,4,c\n', "malformed CSV", 2),
    ('x1,x2,label\n1,2,"a\n3,4,c\n', "starts on line 2", 3),  # the quote never closes
])
def test_malformed_csv(tmp_path, content, fragment, line):
    refused(write(tmp_path, content), "label", fragment, line=line)


def test_control_characters(tmp_path):
    refused(write(tmp_path, "x1,x2,label\n1,2\0,a\n3,4,b\n"), "label", "not a number", line=2, column="x2",
            value="2\0")
    refused(write(tmp_path, "x1,x2,label\n1,2,a\0\n3,4,b\n"), "label", "control character", line=2,
            column="label", value="a\0")
    refused(write(tmp_path, 'x1,x2,label\n1,2,"a\nb"\n3,4,b\n'), "label", "control character", line=3,
            column="label", value="a\nb")
    refused(write(tmp_path, "x1,x\x1b2,label\n1,2,a\n3,4,b\n"), "label", "control character", line=1,
            value="x\x1b2")


def test_old_mac_line_ends(tmp_path):
    refused(write(tmp_path, "x,y,label\r1,2,a\r3,4,b\r"), "label", "carriage return", "old Mac", line=1)


def test_missing_file_directory_and_fifo(tmp_path):
    refused(tmp_path / "nowhere.csv", "label", "cannot open")
    refused(tmp_path, "label", "not a regular file")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(fifo, "label", "not a regular file")  # and no hang: open() on a FIFO would block


def test_errors_survive_pickling(tmp_path):
    with pytest.raises(CsvError) as info:
        load_csv(write(tmp_path, "x1,x2,label\n1,nan,a\n2,3,b\n"), "label")
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value) and (copy.line, copy.column, copy.value) == (2, "x2", "nan")


def test_bad_task_argument(tmp_path):
    with pytest.raises(ValueError, match="task"):
        load_csv(write(tmp_path, GOOD), "label", task="clustering")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-.eE_ \tnaifINFx\u0661", max_size=8))
def test_the_number_pattern_accepts_only_what_float_reads_as_a_number(text):
    if is_number(text):
        value = float(text)  # never raises
        assert value == value  # never NaN; infinity only by overflow, which load_csv refuses
        assert "_" not in text and not any(c in text for c in "naifINx\u0661")


# ---- good files -------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from("ab")),
                min_size=2, max_size=30))
def test_floats_round_trip_exactly(rows):
    rows = rows + [(1.0, "a"), (2.0, "b")]  # never constant, never one class
    with tempfile.TemporaryDirectory() as folder:  # not tmp_path: hypothesis reruns the body
        path = Path(folder) / "floats.csv"
        path.write_text("x,label\n" + "".join(f"{x!r},{lab}\n" for x, lab in rows), encoding="utf-8")
        ds = load_csv(path, "label")
    assert ds.X[:, 0].tolist() == [x for x, _ in rows]  # bit-exact, -0.0 and subnormals included
    assert np.array_equal(np.signbit(ds.X[:, 0]), np.signbit([x for x, _ in rows]))


def test_text_labels_are_sorted_class_names(tmp_path):
    ds = load_csv(write(tmp_path, "x1,x2,label\n1,5,dog\n2,6,cat\n3,7,emu\n4,9,cat\n"), "label")
    assert isinstance(ds, Dataset)
    assert ds.task == "classification" and ds.class_names == ["cat", "dog", "emu"]
    assert ds.y.tolist() == [1, 0, 2, 0]
    assert ds.X.shape == (4, 2) and ds.X.dtype == np.float64
    assert ds.feature_names == ["x1", "x2"] and ds.target_name == "label" and ds.name == "data"


def test_few_whole_numbers_are_classes(tmp_path):
    rows = "".join(f"{i},{i * i % 5},{[2, 0, 1][i % 3]}{'.0' if i % 2 else ''}\n" for i in range(12))
    ds = load_csv(write(tmp_path, "a,b,kind\n" + rows), "kind")
    assert ds.task == "classification" and ds.class_names == ["0", "1", "2"]  # "1.0" and "1" are one class
    assert ds.y.tolist() == [[2, 0, 1][i % 3] for i in range(12)]


def test_many_distinct_numbers_are_regression(tmp_path):
    rows = "".join(f"{i},{(i * 37) % 101}\n" for i in range(40))
    ds = load_csv(write(tmp_path, "x,y\n" + rows), "y")
    assert ds.task == "regression" and ds.y.shape == (40, 1) and ds.class_names is None
    assert ds.y[3, 0] == 111 % 101


def test_task_can_be_overridden(tmp_path):
    path = write(tmp_path, "x,y\n1,0\n2,1\n3,0\n4,1\n5,2\n6,2\n")
    assert load_csv(path, "y").task == "classification"
    ds = load_csv(path, "y", task="regression")
    assert ds.task == "regression" and ds.y.ravel().tolist() == [0, 1, 0, 1, 2, 2]
    many = write(tmp_path, "x,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(8)), "many.csv")
    assert load_csv(many, "y").task == "regression"
    ds = load_csv(many, "y", task="classification")
    assert ds.n_classes == 8 and ds.class_names[:3] == ["0", "0.5", "1"]


def test_mixed_labels_sort_numbers_first(tmp_path):
    ds = load_csv(write(tmp_path, "x,y\n1,b\n2,10\n3,9\n4,a\n5,b\n"), "y")
    assert ds.class_names == ["9", "10", "a", "b"] and ds.y.tolist() == [3, 1, 0, 2, 3]


def test_choosing_columns_by_name_and_index(tmp_path):
    path = write(tmp_path, "a,b,c,d\n1,2,3,x\n4,6,5,y\n7,8,1,x\n")
    ds = load_csv(path, -1, features=["c", 0])
    assert ds.feature_names == ["c", "a"] and ds.X.tolist() == [[3, 1], [5, 4], [1, 7]]
    assert load_csv(path, "d", features="b").X.ravel().tolist() == [2, 6, 8]
    # unused columns are not read as numbers: text there is fine
    ds = load_csv(write(tmp_path, "id,v,w,t\nann,1,2,0.5\nbob,2,1,1.5\n", "ids.csv"), "t", features=["v", "w"])
    assert ds.X.tolist() == [[1, 2], [2, 1]]


def test_lenient_about_layout_strict_about_numbers(tmp_path):
    content = "\ufeff x1 , x2 ,\tlabel\r\n +1.5 , .5, a\r\n\r\n-2.,5E-1,\"b\"\r\n3e2,\t7 ,a \r\n\r\n\r\n"
    ds = load_csv(write(tmp_path, content), "label")
    assert ds.feature_names == ["x1", "x2"] and ds.class_names == ["a", "b"]
    assert ds.X.tolist() == [[1.5, 0.5], [-2.0, 0.5], [300.0, 7.0]] and ds.y.tolist() == [0, 1, 0]


def test_preview(tmp_path):
    rows = "".join(f"{i},{i + 1},{'ab'[i % 2]}\n" for i in range(50))
    preview = preview_csv(write(tmp_path, "x1,x2,label\n" + rows), rows=5)
    assert preview.header == ["x1", "x2", "label"]
    assert preview.rows == [["0", "1", "a"], ["1", "2", "b"], ["2", "3", "a"], ["3", "4", "b"], ["4", "5", "a"]]
    assert preview.size == len("x1,x2,label\n" + rows)
    assert preview_csv(write(tmp_path, "x,y\n", "head.csv")).rows == []
    with pytest.raises(CsvError, match="empty"):
        preview_csv(write(tmp_path, "", "empty.csv"))
    with pytest.raises(CsvError, match="line 3"):
        preview_csv(write(tmp_path, "x,y\n1,2\n3\n", "ragged.csv"))


def test_preview_reads_only_the_head(tmp_path):
    # bad bytes far down the file: preview never gets there, load does
    head = "x1,x2,label\n" + "".join(f"{i},{i % 3},a\n" for i in range(100))
    path = write(tmp_path, head.encode() + b"1,2,\xff\n")
    assert len(preview_csv(path, rows=20).rows) == 20
    refused(path, "label", "not UTF-8", line=102)


# ---- standardisation --------------------------------------------------------------------

def test_standardiser_round_trip(rng):
    X = rng.normal(loc=[5.0, -300.0, 0.01], scale=[2.0, 50.0, 0.001], size=(200, 3))
    s = Standardiser.fit(X)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(s.inverse(Z), X, rtol=1e-12)
    np.testing.assert_allclose(s.transform(X[0]), Z[0])  # one sample works too
    restored = Standardiser.from_dict(json.loads(json.dumps(s.to_dict())))
    assert restored == s and restored is not s  # exact: JSON floats round-trip
    assert all(type(v) is float for v in s.to_dict()["mean"] + s.to_dict()["std"])


def test_standardiser_fits_on_training_split_only():
    ds = BUNDLED["iris"]()
    train, val = ds.split(validation=0.2, seed=0)
    s = Standardiser.fit(train.X)
    train_z, val_z = s.apply(train), s.apply(val)
    np.testing.assert_allclose(train_z.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(val_z.X, (val.X - train.X.mean(0)) / train.X.std(0))
    assert val_z.class_names == ds.class_names and val_z.y.tolist() == val.y.tolist()


def test_standardiser_guards():
    s = Standardiser.fit([[1.0, 4.0], [1.0, 6.0]])
    assert s.std.tolist() == [1.0, 1.0] and s.transform([1.0, 5.0]).tolist() == [0.0, 0.0]
    assert s.transform(np.ones((2, 2), np.float32)).dtype == np.float32
    with pytest.raises(DataError, match="2 features"):
        s.transform(np.ones((3, 3)))
    for bad in [{"mean": [0.0]}, {"mean": [0.0], "std": [0.0]}, {"mean": [0.0], "std": ["1"]},
                {"mean": [0.0, 1.0], "std": [1.0]}, {"mean": [float("nan")], "std": [1.0]}, [1, 2],
                {"mean": [True], "std": [1.0]}, {"mean": [], "std": []}, {"mean": [0.0], "std": [1.0], "x": 1}]:
        with pytest.raises(DataError):
            Standardiser.from_dict(bad)
    with pytest.raises(DataError):
        Standardiser.fit([[1.0, np.inf]])
    with pytest.raises(DataError, match="too large"):
        Standardiser.fit([[1.7e308], [-1.7e308]])


# ---- bundled data -----------------------------------------------------------------------

def test_iris():
    ds = BUNDLED["iris"]()
    assert ds.X.shape == (150, 4) and ds.task == "classification"
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    # Fisher's published per-species means: a typo in the table would move them
    means = np.array([ds.X[ds.y == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(means, [[5.006, 3.428, 1.462, 0.246], [5.936, 2.770, 4.260, 1.326],
                                       [6.588, 2.974, 5.552, 2.026]], atol=1e-12)
    np.testing.assert_allclose(ds.X.std(axis=0, ddof=1), [0.8280661, 0.4358663, 1.7652982, 0.7622377], atol=1e-7)


def test_cars():
    ds = BUNDLED["cars"]()
    assert ds.X.shape == (50, 1) and ds.y.shape == (50, 1) and ds.task == "regression"
    A = np.column_stack([np.ones(50), ds.X[:, 0]])
    coef = np.linalg.lstsq(A, ds.y[:, 0], rcond=None)[0]
    np.testing.assert_allclose(coef, [-17.5791, 3.9324], atol=5e-5)  # R: lm(dist ~ speed, cars)


def test_bundled_files_are_where_the_engine_looks():
    assert sorted(BUNDLED) == ["cars", "iris"]
    assert table_path("iris.csv").is_file() and table_path("README.md").is_file()


# ---- big files --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """~5 MB: 8 features, text labels."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60000, 8))
    labels = np.array(["red", "green", "blue"])[rng.integers(0, 3, len(X))]
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(f"f{i}" for i in range(8)) + ",colour\n")
        f.writelines(",".join(f"{v:.6f}" for v in row) + f",{lab}\n" for row, lab in zip(X, labels))
    return path, np.round(X, 6), labels


def test_big_file_loads_with_progress(big_csv):
    path, X, labels = big_csv
    assert path.stat().st_size > 4_500_000
    seen = []
    ds = load_csv(path, "colour", on_progress=seen.append, should_stop=lambda: False)
    assert ds.X.shape == (60000, 8) and ds.class_names == ["blue", "green", "red"]
    np.testing.assert_array_equal(ds.X, X)
    assert [ds.class_names[k] for k in ds.y[:5]] == labels[:5].tolist()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) > 10
    assert all(a <= b for a, b in zip(seen, seen[1:])) and all(0 <= f <= 1 for f in seen)


def test_big_file_load_can_be_stopped(big_csv):
    path, _, _ = big_csv
    seen = []
    with pytest.raises(LoadCancelled):
        load_csv(path, "colour", on_progress=seen.append, should_stop=lambda: len(seen) >= 3)
    assert 3 <= len(seen) < 6 and seen[-1] < 0.5


# ---- hostile files (issue 18; the corpus in tests/corpus holds more) ---------------------------

def test_a_nul_in_the_path_is_a_csv_error(tmp_path):
    for call in (lambda: load_csv("a\0b.csv", "label"), lambda: preview_csv(tmp_path / "a\0b.csv")):
        with pytest.raises(CsvError, match="NUL character"):
            call()


def test_ten_thousand_columns_load_and_one_more_is_refused_before_splitting(tmp_path):
    def table(columns):
        return "".join(",".join(f"{row * columns + c}" if row else f"c{c}" for c in range(columns)) + "\n"
                       for row in range(3))
    ds = load_csv(write(tmp_path, table(10_000)), -1)
    assert ds.X.shape == (2, 9_999) and preview_csv(tmp_path / "data.csv").header[-1] == "c9999"
    refused(write(tmp_path, table(10_001)), "c0", "header names 10,001 columns", "at most 10,000", line=1)
    # a quoted row hides its delimiters from the count before splitting: the count after catches it
    quoted = "a,b,label\n" + ",".join(['"1,2"'] * 10_001) + "\n"
    refused(write(tmp_path, quoted), "label", "this row has 10,001 cells", line=2)


def test_commas_inside_quotes_do_not_count_as_columns(tmp_path):
    cells = '"' + "," * 20_000 + '"'
    ds = load_csv(write(tmp_path, f"x,label\n1,{cells}\n2,b\n"), "label", task="classification")
    assert ds.class_names == ["," * 20_000, "b"]


def test_a_row_longer_than_two_megabytes_is_refused_unsplit(tmp_path):
    path = write(tmp_path, "x1,x2,label\n1,2,a\n" + "9," * (1024 * 1024 + 1) + "a\n")
    refused(path, "label", "more than 1,048,5", "columns", line=3)  # quote-free: it counts what it read
    path = write(tmp_path, 'x1,x2,label\n1,2,a\n1,2,"' + "a" * (2 * 1024 * 1024) + '"\n')
    refused(path, "label", "longer than the 2.0 MB", line=3)


@pytest.mark.parametrize("blank", ["\n", "\r\n", " \t\n", "  \r\n"])
def test_long_runs_of_blank_lines_keep_line_numbers_right(tmp_path, blank):
    run = blank * (3 * (1 << 20) // len(blank))  # three of the reader's blocks
    path = write(tmp_path, "x1,x2,label\n" + run + "1,2,a\n" + run + "3,4,b\n" + run + "5,nan,a\n" + run)
    n = run.count("\n")
    refused(path, "label", "not a finite number", line=1 + n + 1 + n + 1 + n + 1, column="x2")
    with pytest.raises(CsvError, match="only blank lines"):
        load_csv(write(tmp_path, run, "blank.csv"), "label")


def test_a_bare_carriage_return_in_a_blank_run_is_still_found(tmp_path):
    refused(write(tmp_path, "x1,x2,label\n1,2,a\n\n\n\n \r \n\n3,4,b\n"), "label", "carriage return", line=6)


@pytest.mark.parametrize("cell, line", [("1e-400", 3), ("-2.5E-330", 3), ("0." + "0" * 330 + "1", 3)])
def test_numbers_that_underflow_to_zero_are_refused(tmp_path, cell, line):
    path = write(tmp_path, f"x1,x2,label\n0,0.0,a\n1e-300,{cell},b\n-0e999,.0,a\n")
    err = refused(path, "label", "too small", "underflows a 64-bit float to 0", line=line, column="x2")
    assert err.value == cell
    err = refused(write(tmp_path, f"x,y\n1,1.5\n2,{cell}\n3,2.5\n", "t.csv"), "y", "the target", "underflows",
                  line=line, column="y", task="regression")
    assert err.value == cell
    zeros = "x1,x2,label\n0,-0.0e-999,a\n4.9e-324,+.000e5,b\n1,1,a\n"
    ok = load_csv(write(tmp_path, zeros, "zeros.csv"), "label")
    assert ok.X.tolist() == [[0.0, 0.0], [5e-324, 0.0], [1, 1]]  # zeros of any spelling, and subnormals, are fine


def test_unknown_column_messages_list_at_most_twenty_names(tmp_path):
    header = ",".join(f"c{i}" for i in range(500))
    err = refused(write(tmp_path, f"{header}\n{header.replace('c', '')}\n"), "label", "'c19' and 480 more")
    assert "'c20'" not in str(err)


def test_preview_reads_at_most_max_read_bytes(tmp_path):
    rows = "".join(f"{i},{i % 3},a\n" for i in range(100_000))
    path = write(tmp_path, "x1,x2,label\n" + rows)
    head = preview_csv(path, rows=10**6, max_read=64 * 1024)
    assert 5_000 < len(head.rows) < 8_000 and not head.complete  # whole rows only: the cut one is dropped
    assert head.rows[-1] == [str(len(head.rows) - 1), str((len(head.rows) - 1) % 3), "a"]
    assert preview_csv(path, rows=10).complete is False and preview_csv(path, rows=10**6).complete  # < 4 MB
    small = write(tmp_path, "x,y\n1,2\n", "small.csv")
    assert preview_csv(small).complete and preview_csv(small, max_read=8).complete
    assert preview_csv(small, max_read=6) == (["x", "y"], [], 8, False)  # "1," was cut: no row
    with pytest.raises(CsvError, match="the first 1.0 MB hold only blank lines"):
        preview_csv(write(tmp_path, "\n" * (2 << 20) + "x,y\n1,2\n", "late.csv"), max_read=1 << 20)


def test_preview_and_load_stop_when_asked_even_in_a_run_of_blank_lines(tmp_path):
    path = write(tmp_path, "x1,x2,label\n" + "\n" * (8 << 20) + "1,2,a\n3,4,b\n")
    asked = []
    for call in (lambda stop: load_csv(path, "label", should_stop=stop), lambda stop: preview_csv(
            path, max_read=16 << 20, should_stop=stop)):
        asked.clear()
        with pytest.raises(LoadCancelled):
            call(lambda: asked.append(1) or len(asked) > 2)
        assert len(asked) == 3  # one question per megabyte read: the third said stop
