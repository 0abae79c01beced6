"""Datasets: generators reproducible from their seed, splits disjoint and seeded, targets right."""
import numpy as np
import pytest

from engine import datasets as D
from engine.datasets import DataError, Dataset, GENERATORS, one_hot


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_is_reproducible_from_its_seed(name):
    gen = GENERATORS[name]
    a, b, c = gen(n=50, seed=3), gen(n=50, seed=3), gen(n=50, seed=4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert len(a) == 50 and a.X.dtype == np.float64 and np.isfinite(a.X).all()


@pytest.mark.parametrize("name", ["circle", "xor", "gaussians", "spiral", "moons"])
def test_classification_generators_give_balanced_int_labels(name):
    ds = GENERATORS[name](n=101, seed=0)
    assert ds.task == "classification" and ds.y.dtype == np.int64
    assert ds.n_features == 2 and ds.n_classes == 2
    counts = np.bincount(ds.y)
    assert counts.min() >= 101 * 0.3  # no class is starved


@pytest.mark.parametrize("name", ["quadratic", "sine", "plane", "multi-gaussian"])
def test_regression_generators_give_column_targets(name):
    ds = GENERATORS[name](n=40, seed=0)
    assert ds.task == "regression" and ds.y.shape == (40, 1) and ds.n_classes == 0 and ds.n_outputs == 1


def test_plane_is_tf_playgrounds_tilted_plane():
    ds = D.plane(n=60, noise=0.0, seed=1)
    assert ds.n_features == 2 and np.abs(ds.X).max() <= 1
    np.testing.assert_allclose(ds.y[:, 0], 0.6 * (ds.X[:, 0] + ds.X[:, 1]))
    noisy = D.plane(n=60, noise=0.3, seed=1)
    assert np.array_equal(noisy.X, ds.X) and not np.allclose(noisy.y, ds.y)  # noise moves targets, not points


def test_multi_gaussian_bumps_alternate_in_sign():
    ds = D.multi_gaussian(n=3000, noise=0.0, seed=2)
    near = lambda cx, cy: np.hypot(ds.X[:, 0] - cx, ds.X[:, 1] - cy) < 0.05
    assert (ds.y[near(-2 / 3, 5 / 12), 0] > 0.8).all() and (ds.y[near(0, 5 / 12), 0] < -0.8).all()
    assert (ds.y[near(0, -5 / 12), 0] > 0.8).all() and (ds.y[near(2 / 3, -5 / 12), 0] < -0.8).all()
    assert np.abs(ds.y).max() <= 1 and (ds.y[near(-1, 0), 0] == 0).all()  # far from every bump: flat


def test_noise_knob_moves_the_points():
    quiet, loud = D.moons(n=80, noise=0.0, seed=1), D.moons(n=80, noise=0.5, seed=1)
    assert np.array_equal(quiet.y, loud.y)
    assert not np.allclose(quiet.X, loud.X)


def test_quadratic_follows_the_tutorials_polynomial():
    ds = D.quadratic(n=30, noise=0.0, seed=2, a=3.0, b=-2.0, c=1.0)
    t = ds.X[:, 0]
    np.testing.assert_allclose(ds.y[:, 0], 3 * t**2 - 2 * t + 1)


def test_spiral_with_k_classes():
    ds = D.spiral(n=90, classes=3, seed=0)
    assert ds.n_classes == 3 and np.bincount(ds.y).tolist() == [30, 30, 30]


def test_split_is_disjoint_complete_and_seeded():
    ds = D.circle(n=100, seed=0)
    ds.X[:, 0] += np.arange(100) * 10.0  # make every row identifiable
    train, val = ds.split(validation=0.2, seed=7)
    again_train, again_val = ds.split(validation=0.2, seed=7)
    other_train, _ = ds.split(validation=0.2, seed=8)
    assert (len(train), len(val)) == (80, 20)
    a, b = set(train.X[:, 0]), set(val.X[:, 0])
    assert not a & b and a | b == set(ds.X[:, 0])
    assert np.array_equal(train.X, again_train.X) and np.array_equal(val.y, again_val.y)
    assert not np.array_equal(train.X, other_train.X)


def test_split_edges():
    ds = D.xor(n=3, seed=0)
    train, val = ds.split(validation=0.01)
    assert (len(train), len(val)) == (2, 1)  # a requested split keeps at least one sample
    train, val = ds.split(validation=0.0)
    assert (len(train), len(val)) == (3, 0)
    with pytest.raises(DataError):
        ds.split(validation=1.0)


def test_one_hot_and_targets():
    assert one_hot([0, 2], 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    ds = Dataset([[0.0], [1.0], [2.0]], [1, 0, 1])
    assert ds.targets(1).tolist() == [[1.0], [0.0], [1.0]]  # one sigmoid output: the label itself
    assert ds.targets(2, np.float32).dtype == np.float32
    assert ds.targets(2).tolist() == [[0, 1], [1, 0], [0, 1]]
    with pytest.raises(DataError):
        D.spiral(n=9, classes=3).targets(1)


def test_dataset_rejects_bad_data():
    with pytest.raises(DataError, match="samples"):
        Dataset(np.zeros((3, 2)), [0, 1])
    with pytest.raises(DataError, match="NaN"):
        Dataset([[np.nan]], [0])
    with pytest.raises(DataError, match="whole numbers"):
        Dataset([[0.0]], [0.5])
    with pytest.raises(DataError, match="task"):
        Dataset([[0.0]], [0], task="ranking")
    assert issubclass(DataError, ValueError)


def test_repr_names_the_data():
    assert repr(D.circle(n=10)) == "Dataset('circle', 10 samples, 2 features, 2 classes)"
    assert repr(D.sine(n=5)) == "Dataset('sine', 5 samples, 1 feature, 1 output)"


def test_feature_names_survive_split_and_standardising(tmp_path):
    from engine import Standardiser
    path = tmp_path / "t.csv"
    path.write_text("height,weight,kind\n" + "".join(f"{i},{(i * 7) % 5},{'ab'[i % 2]}\n" for i in range(20)))
    ds = D.load_csv(path, "kind")
    train, val = ds.split(0.25, seed=1)
    assert train.feature_names == val.feature_names == ["height", "weight"]
    assert val.target_name == "kind" and val.source == str(path)
    standard = Standardiser.fit(train.X).apply(train)
    assert standard.feature_labels() == ["height", "weight"]
    assert D.circle(10).feature_labels() == ["x1", "x2"]
