"""Input features: values on known points, catalog entries, transform's shape, order and checks."""

import time

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.features import DEFAULT_FEATURES, FEATURES, Feature, transform

NAMES = FEATURES.names()
POINTS = np.array([[0.0, 0.0], [1.0, -2.0], [-3.0, 0.5], [np.pi / 2, -np.pi]])
# What each feature gives on POINTS, worked by hand.
EXPECTED = {
    "x1": [0, 1, -3, np.pi / 2],
    "x2": [0, -2, 0.5, -np.pi],
    "x1_sq": [0, 1, 9, np.pi**2 / 4],
    "x2_sq": [0, 4, 0.25, np.pi**2],
    "x1_x2": [0, -2, -1.5, -(np.pi**2) / 2],
    "sin_x1": [0, np.sin(1), np.sin(-3), 1],
    "sin_x2": [0, np.sin(-2), np.sin(0.5), 0],
}


def test_the_seven_tfp_features_in_order():
    assert NAMES[:7] == ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    assert DEFAULT_FEATURES == ("x1", "x2")


@pytest.mark.parametrize("name", NAMES)
def test_feature_values_on_known_points(name):
    feature = FEATURES.get(name)
    assert isinstance(feature, Feature)
    out = feature(POINTS)
    assert out.shape == (len(POINTS),)
    assert np.allclose(out, EXPECTED[name], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_feature_catalog_entry(name):
    entry = FEATURES.entry(name).describe()
    assert entry["name"] == name and entry["help"]
    assert entry["label"] and entry["formula"]
    assert "x_" in entry["formula"] and "X" in entry["label"]


@pytest.mark.parametrize("name", NAMES)
def test_transform_matches_each_feature(name):
    out = transform(POINTS, [name])
    assert out.shape == (len(POINTS), 1) and out.dtype == np.float64
    assert np.array_equal(out[:, 0], FEATURES.get(name)(POINTS))


def test_transform_keeps_the_given_order():
    names = ["sin_x2", "x1", "x1_x2"]
    out = transform(POINTS, names)
    assert out.shape == (4, 3)
    for j, name in enumerate(names):
        assert np.allclose(out[:, j], EXPECTED[name], rtol=0, atol=1e-15)
    expected = np.stack([EXPECTED[n] for n in NAMES], axis=1)
    assert np.allclose(transform(POINTS, NAMES), expected, rtol=0, atol=1e-15)


def test_default_features_are_the_points():
    x = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    assert np.array_equal(transform(x, DEFAULT_FEATURES), x)
    assert transform(x, ("x1",)).flags.c_contiguous


def test_transform_accepts_lists_of_points():
    assert transform([[1, 2]], ["x1_x2", "x2_sq"]).tolist() == [[2.0, 4.0]]


@pytest.mark.parametrize(
    ("names", "words"),
    [
        ([], "at least one feature"),
        ((), "at least one feature"),
        (["x1", "x3"], "one of x1, x2"),
        (["X1"], "one of x1, x2"),
        ([1], "one of x1, x2"),
        (["x1", "x2", "x1"], "each feature at most once"),
        ("x1", "a list of feature names"),
        (None, "a list of feature names"),
    ],
)
def test_bad_feature_lists_are_refused(names, words):
    with pytest.raises(ConfigError) as info:
        transform(POINTS, names)
    assert info.value.field == "features"
    assert str(info.value).startswith("features must be")
    assert words in str(info.value)


def test_transform_of_a_100_by_100_grid_is_fast():
    axis = np.linspace(-6, 6, 100)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    transform(grid, NAMES)  # warm up
    start = time.perf_counter()
    for _ in range(20):
        out = transform(grid, NAMES)
    per_call = (time.perf_counter() - start) / 20
    assert out.shape == (10_000, len(NAMES))
    assert per_call < 0.01, f"{per_call * 1e3:.2f} ms per 10,000-point transform"
