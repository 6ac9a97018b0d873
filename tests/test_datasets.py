"""Toy datasets: shapes, balance, determinism, the split, noise-free geometry and validation."""

import math

import numpy as np
import pytest

from adadelta.problems.datasets import (
    BOUNDS,
    DATASETS,
    Dataset,
    make_dataset,
)

KEYS = list(DATASETS)
CLASSIFICATION = [key for key, spec in DATASETS.items() if spec.task == "classification"]


def _all_points(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([data.x_train, data.x_test]), np.concatenate([data.y_train, data.y_test])


def test_the_six_datasets_are_declared():
    assert KEYS == ["circles", "xor", "two_gaussians", "spiral", "moons", "plane"]
    for key, spec in DATASETS.items():
        assert spec.key == key
        assert spec.title and spec.description and spec.noise_help
        assert spec.task in ("classification", "regression")
    assert DATASETS["plane"].task == "regression"
    assert set(CLASSIFICATION) == set(KEYS) - {"plane"}


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("n_points", "test_fraction"), [(50, 0.1), (301, 0.5), (2000, 0.9)])
def test_shapes_dtypes_and_split_sizes(key, n_points, test_fraction):
    data = make_dataset(key, n_points=n_points, noise=0.2, test_fraction=test_fraction, seed=3)
    n_test = math.floor(n_points * test_fraction + 0.5)
    assert data.x_train.shape == (n_points - n_test, 2)
    assert data.y_train.shape == (n_points - n_test,)
    assert data.x_test.shape == (n_test, 2)
    assert data.y_test.shape == (n_test,)
    for array in data[:4]:
        assert array.dtype == np.float32
        assert np.all(np.isfinite(array))
    assert data.name == key
    assert data.task == DATASETS[key].task
    assert data.bounds == BOUNDS == ((-6.0, 6.0), (-6.0, 6.0))


@pytest.mark.parametrize("key", KEYS)
def test_without_noise_every_point_lies_in_the_plotted_plane(key):
    x, _ = _all_points(make_dataset(key, n_points=2000, seed=1))
    (xmin, xmax), (ymin, ymax) = BOUNDS
    assert np.all((x[:, 0] >= xmin) & (x[:, 0] <= xmax))
    assert np.all((x[:, 1] >= ymin) & (x[:, 1] <= ymax))


@pytest.mark.parametrize("key", CLASSIFICATION)
def test_labels_are_zero_or_one_and_balanced_in_both_sets(key):
    for n_points in (51, 500):
        data = make_dataset(key, n_points=n_points, noise=0.0, test_fraction=0.3, seed=7)
        y = np.concatenate([data.y_train, data.y_test])
        assert set(np.unique(y)) == {0.0, 1.0}
        assert abs(int(y.sum()) - n_points / 2) <= 0.5  # the odd point goes to one class
        # The split is stratified: each set keeps the balance up to rounding.
        for labels in (data.y_train, data.y_test):
            assert abs(labels.sum() - labels.size / 2) <= 1.0


@pytest.mark.parametrize("key", ["xor", "two_gaussians", "spiral", "moons"])
def test_noise_keeps_the_balance(key):
    _, y = _all_points(make_dataset(key, n_points=2000, noise=0.5, seed=2))
    assert abs(y.mean() - 0.5) < 0.03


def test_circle_label_noise_flips_more_inner_than_outer_labels():
    # Playground decides the label at a jittered copy of the point: the inner disk (r < 2.5) is
    # smaller than the jitter (±5·noise), so label 1 gets rarer as noise grows. A fact of the
    # definition, not a bug: the sampling itself stays half inner, half outer.
    shares = [
        _all_points(make_dataset("circles", n_points=2000, noise=noise, seed=2))[1].mean()
        for noise in (0.0, 0.25, 0.5)
    ]
    assert shares[0] == 0.5
    assert shares[0] > shares[1] > shares[2] > 0.25
    x, _ = _all_points(make_dataset("circles", n_points=2000, noise=0.5, seed=2))
    radius = np.linalg.norm(x, axis=1)
    assert np.sum(radius < 2.5) == 1000


def test_regression_plane_label_without_noise():
    x, y = _all_points(make_dataset("plane", n_points=1000, seed=4))
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 12.0, atol=1e-6)
    assert y.min() >= -1.0 and y.max() <= 1.0
    assert y.min() < -0.8 and y.max() > 0.8  # it spans the range


def test_regression_plane_noise_perturbs_the_label_not_the_points():
    clean = make_dataset("plane", n_points=1000, noise=0.0, seed=4)
    noisy = make_dataset("plane", n_points=1000, noise=0.5, seed=4)
    x, y = _all_points(noisy)
    residual = y - (x[:, 0] + x[:, 1]) / 12.0
    assert 0.05 < np.std(residual) < 0.3
    assert np.max(np.abs(residual)) <= 0.5 + 1e-6  # |jitter_x + jitter_y| / 12 <= 6/12
    assert np.abs(x).max() <= 6.0
    assert not np.array_equal(clean.y_train, noisy.y_train)


@pytest.mark.parametrize("key", KEYS)
def test_same_seed_same_data_other_seed_other_data(key):
    a = make_dataset(key, n_points=200, noise=0.1, test_fraction=0.4, seed=11)
    b = make_dataset(key, n_points=200, noise=0.1, test_fraction=0.4, seed=11)
    c = make_dataset(key, n_points=200, noise=0.1, test_fraction=0.4, seed=12)
    for left, right in zip(a[:4], b[:4]):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("key", KEYS)
def test_the_split_partitions_the_points(key):
    data = make_dataset(key, n_points=400, noise=0.3, test_fraction=0.25, seed=5)
    x = np.concatenate([data.x_train, data.x_test])
    assert len(np.unique(x, axis=0)) == 400  # with noise, no two points coincide
    train = {tuple(p) for p in data.x_train}
    assert not any(tuple(p) in train for p in data.x_test)


def test_circles_without_noise_inner_disk_and_outer_ring():
    x, y = _all_points(make_dataset("circles", n_points=2000, seed=0))
    radius = np.linalg.norm(x, axis=1)
    assert np.all(radius[y == 1] < 2.5)
    assert np.all((radius[y == 0] > 3.5 - 1e-5) & (radius[y == 0] <= 5.0 + 1e-5))


def test_xor_without_noise_label_is_the_sign_of_the_product():
    x, y = _all_points(make_dataset("xor", n_points=2000, seed=0))
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(np.float32))
    assert np.all(np.abs(x) >= 0.3 - 1e-6) and np.all(np.abs(x) <= 5.3 + 1e-6)


def test_two_gaussians_centres_and_spread():
    for noise, variance in ((0.0, 0.5), (0.25, 2.25), (0.5, 4.0)):
        x, y = _all_points(make_dataset("two_gaussians", n_points=2000, noise=noise, seed=0))
        for label, centre in ((1.0, 2.0), (0.0, -2.0)):
            cloud = x[y == label]
            np.testing.assert_allclose(cloud.mean(axis=0), [centre, centre], atol=0.2)
            np.testing.assert_allclose(cloud.var(axis=0), [variance, variance], rtol=0.15)
    # Without noise the clouds are separated by the line x + y = 0 (4σ away from each centre).
    x, y = _all_points(make_dataset("two_gaussians", n_points=2000, seed=0))
    np.testing.assert_array_equal(y, (x.sum(axis=1) > 0).astype(np.float32))


def test_spiral_without_noise_follows_the_two_arms():
    x, y = _all_points(make_dataset("spiral", n_points=1000, seed=0))
    radius = np.linalg.norm(x, axis=1)
    assert radius.max() < 5.0
    # On an arm, t = 1.75·2π·r/5 (+π for label 0) and x = r·sin t, y = r·cos t.
    angle = 1.75 * 2.0 * np.pi * radius / 5.0 + np.where(y == 0, np.pi, 0.0)
    expected = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    np.testing.assert_allclose(x, expected, atol=1e-4)


@pytest.mark.parametrize(("key", "bound"), [("spiral", 1.0), ("moons", None)])
def test_position_noise_moves_each_point_as_documented(key, bound):
    # The noise draws are made at every noise level and labels do not depend on them, so the
    # same seed gives the same points in the same order, each moved by its own noise.
    clean = make_dataset(key, n_points=1000, noise=0.0, seed=0)
    noisy = make_dataset(key, n_points=1000, noise=0.5, seed=0)
    np.testing.assert_array_equal(clean.y_train, noisy.y_train)
    shift = noisy.x_train - clean.x_train
    if bound is not None:  # spiral: uniform in ±noise per coordinate
        assert np.abs(shift).max() <= 0.5 * bound + 1e-5
        assert np.abs(shift).max() > 0.45 * bound
    else:  # moons: Gaussian with σ = noise in make_moons units, 10/3 of that here
        np.testing.assert_allclose(shift.std(axis=0), [0.5 * 10 / 3] * 2, rtol=0.1)


def test_moons_without_noise_are_scaled_make_moons():
    x, y = _all_points(make_dataset("moons", n_points=1000, seed=0))
    # Undo the centring and scaling: back on sklearn's unit half circles.
    u = x / (10.0 / 3.0) + np.array([0.5, 0.25])
    upper, lower = u[y == 0], u[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(lower - np.array([1.0, 0.5]), axis=1), 1.0, atol=1e-5)
    assert np.all(upper[:, 1] >= -1e-6) and np.all(lower[:, 1] <= 0.5 + 1e-6)
    np.testing.assert_allclose([x[:, 0].min(), x[:, 0].max()], [-5.0, 5.0], atol=1e-5)
    np.testing.assert_allclose([x[:, 1].min(), x[:, 1].max()], [-2.5, 2.5], atol=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "swiss_roll"}, "Argument `name` must be one of circles, xor"),
        ({"n_points": 49}, "`n_points` must be an integer in [50, 2000]. Received: n_points=49"),
        ({"n_points": 2001}, "Received: n_points=2001"),
        ({"n_points": 100.0}, "Argument `n_points` must be an integer"),
        ({"n_points": True}, "Received: n_points=True"),
        ({"noise": -0.1}, "Argument `noise` must be a number in [0, 0.5]. Received: noise=-0.1"),
        ({"noise": 0.6}, "Received: noise=0.6"),
        ({"noise": float("nan")}, "Received: noise=nan"),
        ({"noise": "0.1"}, "Received: noise='0.1'"),
        ({"test_fraction": 0.05}, "Argument `test_fraction` must be a number in [0.1, 0.9]"),
        ({"test_fraction": 0.95}, "Received: test_fraction=0.95"),
        ({"seed": -1}, "Argument `seed` must be an integer >= 0. Received: seed=-1"),
        ({"seed": 1.5}, "Received: seed=1.5"),
    ],
)  # fmt: skip
def test_invalid_arguments_raise_naming_argument_value_and_range(kwargs, message):
    kwargs = {"name": "circles", **kwargs}
    with pytest.raises(ValueError) as info:
        make_dataset(**kwargs)
    assert message in str(info.value)


def test_range_ends_are_accepted():
    make_dataset("xor", n_points=50, noise=0.0, test_fraction=0.1, seed=0)
    make_dataset("xor", n_points=2000, noise=0.5, test_fraction=0.9, seed=2**40)
    make_dataset("xor", n_points=np.int64(60), noise=np.float32(0.5), test_fraction=0.5)
