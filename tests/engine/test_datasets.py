"""Datasets: sizes, balance, domain, seeding and noise; the split; user points and CSV."""

from contextlib import contextmanager

import numpy as np
import pytest

from engine.datasets import (
    DATASETS,
    DOMAIN,
    Dataset,
    MultiGaussian,
    parse_csv,
    train_test_split,
    validate_points,
)
from engine.errors import ConfigError, DataError

NAMES = DATASETS.names()
CLASSIFIERS = [n for n in NAMES if DATASETS.entry(n).problem == "classification"]
REGRESSIONS = [n for n in NAMES if DATASETS.entry(n).problem == "regression"]


def generate(name: str, seed: int = 0, n: int | None = None, **params):
    return DATASETS.build(name, **params).generate(np.random.default_rng(seed), n)


def variants(name: str) -> list[dict]:
    """The default, plus the extremes of `classes` when the dataset has it."""
    names = {p.name for p in DATASETS.entry(name).params}
    return [{}, {"classes": 2}, {"classes": 6}] if "classes" in names else [{}]


# ---- every dataset --------------------------------------------------------------------------


def test_the_registry_holds_tfp_six_and_ours():
    assert set(NAMES) >= {
        "circle",
        "xor",
        "gauss",
        "spiral",
        "plane",
        "multi_gaussian",
        "moons",
        "checkerboard",
        "spiral_k",
        "blobs",
        "disk_ring",
    }
    assert REGRESSIONS == ["plane", "multi_gaussian"]


@pytest.mark.parametrize("name", NAMES)
def test_catalog_entry(name):
    cls = DATASETS.entry(name)
    assert issubclass(cls, Dataset)
    entry = cls.describe()
    assert entry["problem"] == cls.problem in ("classification", "regression")
    assert entry["n_points"] == (500 if cls.problem == "classification" else 1200)
    assert entry["classes"] == cls().n_classes()
    noise = next(p for p in entry["params"] if p["name"] == "noise")
    assert (noise["kind"], noise["default"], noise["low"], noise["high"]) == ("int", 0, 0, 50)
    assert noise["help"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("noise", [0, 50])
def test_default_size_dtypes_and_domain(name, noise):
    d = DATASETS.build(name, noise=noise)
    x, y = d.generate(np.random.default_rng(1))
    assert x.shape == (d.n_points, 2) and x.dtype == np.float64
    assert y.shape == (d.n_points,)
    assert np.isfinite(x).all()
    assert (x >= DOMAIN[0]).all() and (x <= DOMAIN[1]).all()
    if d.problem == "regression":
        assert y.dtype == np.float64
        assert (np.abs(y) <= 1.0).all()
        assert y.std() > 0.1
    else:
        assert y.dtype == np.int64


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("n", [7, 500, 1001])
def test_classes_are_balanced_without_noise(name, n):
    for params in variants(name):
        d = DATASETS.build(name, **params)
        x, y = d.generate(np.random.default_rng(2), n)
        counts = np.bincount(y, minlength=d.n_classes())
        assert len(x) == len(y) == n
        assert len(counts) == d.n_classes() == params.get("classes", d.n_classes())
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("noise", [0, 30])
def test_same_seed_same_points_other_seed_other_points(name, noise):
    x1, y1 = generate(name, seed=5, noise=noise)
    x2, y2 = generate(name, seed=5, noise=noise)
    x3, _ = generate(name, seed=6, noise=noise)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_generate_shuffles_the_classes(name):
    _, y = generate(name, n=200)
    assert not (np.diff(y) >= 0).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [0, -3, 2.5, True, "10"])
def test_bad_n_is_refused(name, n):
    with pytest.raises(ConfigError, match=r"\.n must be an integer >= 1"):
        generate(name, n=n)


@pytest.mark.parametrize("name", NAMES)
def test_noise_out_of_range_is_refused(name):
    with pytest.raises(ConfigError, match=f"{name}.noise must be an integer in \\[0, 50\\]"):
        DATASETS.build(name, noise=51)


# ---- each dataset's shape and noise ---------------------------------------------------------


def radius(x):
    return np.hypot(x[:, 0], x[:, 1])


def test_circle_labels_follow_the_radius_and_noise_flips_some():
    x, y = generate("circle")
    r = radius(x)
    assert np.array_equal(y, (r < 2.5).astype(np.int64))  # class 1 = TFP's +1 = inside
    assert ((r < 2.5) | ((r >= 3.5) & (r <= 5.0))).all()
    x, y = generate("circle", noise=50)
    flipped = y != (radius(x) < 2.5)
    assert 0.05 < flipped.mean() < 0.5


def test_xor_labels_follow_the_sign_of_the_product_and_noise_flips_some():
    x, y = generate("xor")
    assert np.array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(np.int64))
    assert (np.abs(x) >= 0.3).all() and (np.abs(x) <= 5.3).all()  # pushed off the axes
    x, y = generate("xor", noise=50)
    assert 0.05 < (y != (x[:, 0] * x[:, 1] >= 0)).mean() < 0.5


def test_gauss_blobs_sit_at_plus_minus_two_and_widen_with_noise():
    spreads = []
    for noise in (0, 25, 50):
        x, y = generate("gauss", noise=noise, n=4000)
        assert np.allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.15)
        assert np.allclose(x[y == 0].mean(axis=0), [-2, -2], atol=0.15)
        spreads.append(x[y == 1].std())
    assert spreads[0] == pytest.approx(np.sqrt(0.5), rel=0.05)  # TFP: variance 0.5 .. 4
    assert spreads[0] < spreads[1] < spreads[2]
    assert spreads[1] == pytest.approx(np.sqrt(0.5 + 7 * 0.25), rel=0.05)


def test_spiral_noise_jitters_points_but_keeps_labels():
    x0, y0 = generate("spiral")
    x5, y5 = generate("spiral", noise=50)
    assert np.array_equal(np.sort(y0), np.sort(y5))
    assert radius(x0).max() < 5.0
    assert not np.allclose(np.sort(radius(x0)), np.sort(radius(x5)))
    # class 1 is TFP's arm at angle 0 (x = r sin t, y = r cos t); class 0 is offset by pi
    # the outermost point of an arm of 250 is i = 249: r = 5 i / 250, t = 1.75 * 2 pi i / 250
    r, t = 5 * 249 / 250, 1.75 * 2 * np.pi * 249 / 250
    outer1 = x0[np.argmax(np.where(y0 == 1, radius(x0), 0))]
    outer0 = x0[np.argmax(np.where(y0 == 0, radius(x0), 0))]
    assert np.allclose(outer1, [r * np.sin(t), r * np.cos(t)])
    assert np.allclose(outer0, [-r * np.sin(t), -r * np.cos(t)])


def test_spiral_k_with_two_classes_is_the_spiral_relabelled():
    xs, ys = generate("spiral", n=100)
    xk, yk = generate("spiral_k", n=100, classes=2)
    assert np.allclose(np.sort(xs, axis=0), np.sort(xk, axis=0))
    assert np.array_equal(np.sort(ys), np.sort(yk))


def test_plane_targets_are_the_scaled_sum_and_noise_perturbs_them():
    x, y = generate("plane")
    assert np.allclose(y, x.sum(axis=1) / 12)
    x, y = generate("plane", noise=50)
    assert not np.allclose(y, x.sum(axis=1) / 12)
    assert (np.abs(y) <= 1).all()


def test_multi_gaussian_peaks_at_its_signed_centres():
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    assert np.array_equal(MultiGaussian.target(centres), [1, -1, 1, -1, 1, -1])
    assert MultiGaussian.target(np.array([[-4.0, 1.5], [6.0, 0.0]])) == pytest.approx([0.5, 0])
    x, y = generate("multi_gaussian")
    assert np.array_equal(y, MultiGaussian.target(x))
    x, y = generate("multi_gaussian", noise=50)
    assert not np.allclose(y, MultiGaussian.target(x))


def moon_distances(x, y):
    """Each point's distance from its own unit arc, in unit-moon coordinates."""
    unit = x / 3.3 + [0.5, 0.25]
    upper = np.abs(np.hypot(unit[:, 0], unit[:, 1]) - 1)
    lower = np.abs(np.hypot(unit[:, 0] - 1, unit[:, 1] - 0.5) - 1)
    return np.where(y == 0, upper, lower), unit


def test_moons_are_two_arcs_that_jitter_with_noise():
    x, y = generate("moons")
    distance, unit = moon_distances(x, y)
    assert np.allclose(distance, 0)
    assert (unit[y == 0, 1] >= 0).all() and (unit[y == 1, 1] <= 0.5).all()
    distance, _ = moon_distances(*generate("moons", noise=50))
    assert distance.mean() > 0.1


@pytest.mark.parametrize("cells", [2, 4, 8])
def test_checkerboard_labels_follow_the_cells_and_noise_flips_some(cells):
    x, y = generate("checkerboard", cells=cells)
    width = 10 / cells
    expected = np.floor((x + 5) / width).astype(int).sum(axis=1) % 2
    assert np.array_equal(y, expected)
    assert (np.abs(x) <= 5).all()
    x, y = generate("checkerboard", cells=cells, noise=50)
    expected = np.floor((x + 5) / width).astype(int).sum(axis=1) % 2
    assert 0.05 < (y != expected).mean() < 0.5


def test_blobs_sit_on_a_circle_and_widen_with_noise():
    for k in (2, 3, 6):
        x, y = generate("blobs", classes=k, n=3000)
        means = np.array([x[y == j].mean(axis=0) for j in range(k)])
        assert np.allclose(radius(means), 3.5, atol=0.15)
    x0, y0 = generate("blobs", n=3000)
    x5, y5 = generate("blobs", n=3000, noise=50)
    assert x5[y5 == 0].std(axis=0).min() > 2 * x0[y0 == 0].std(axis=0).max()


def test_disk_ring_has_a_clear_gap_that_noise_blurs():
    x, y = generate("disk_ring")
    r = radius(x)
    assert r[y == 1].max() <= 2.0 and r[y == 0].min() >= 3.5 and r[y == 0].max() <= 5.0
    x, y = generate("disk_ring", noise=50)
    r = radius(x)
    assert r[y == 1].max() > 2.0 or r[y == 0].min() < 3.5


# ---- split ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ratio", "n_train"), [(0.5, 50), (0.1, 10), (0.9, 90), (0.29, 29)])
def test_split_sizes_and_partition(ratio, n_train):
    x = np.arange(200.0).reshape(100, 2)
    y = np.arange(100)
    xtr, ytr, xte, yte = train_test_split(x, y, ratio, np.random.default_rng(0))
    n_test = 100 - n_train
    assert (len(xtr), len(ytr), len(xte), len(yte)) == (n_train, n_train, n_test, n_test)
    assert np.array_equal(np.sort(np.concatenate([ytr, yte])), y)  # a partition
    assert np.array_equal(xtr[:, 0], 2 * ytr) and np.array_equal(xte[:, 0], 2 * yte)
    assert not np.array_equal(ytr, np.sort(ytr))  # shuffled


def test_split_is_seeded():
    x, y = generate("circle")
    a = train_test_split(x, y, 0.5, np.random.default_rng(3))
    b = train_test_split(x, y, 0.5, np.random.default_rng(3))
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize("ratio", [0.0, 0.05, 0.95, 1.0, float("nan"), "0.5", True])
def test_split_ratio_outside_range_is_refused(ratio):
    with pytest.raises(ConfigError, match=r"train_ratio must be a number in \[0.1, 0.9\]"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), ratio, np.random.default_rng(0))


# ---- user points ----------------------------------------------------------------------------


def points(x, y, problem="classification", n_classes=2, max_points=10):
    return validate_points(x, y, problem, n_classes, max_points)


def test_good_classification_points_round_trip():
    x, y = points([[1, 2.5], [-6, 6], [0.0, -1]], [0, 1, 1])
    assert x.dtype == np.float64 and x.shape == (3, 2)
    assert np.array_equal(x, [[1, 2.5], [-6, 6], [0, -1]])
    assert y.dtype == np.int64 and np.array_equal(y, [0, 1, 1])
    x, y = points(np.array([[1.0, 2.0]]), np.array([2.0]), n_classes=3)
    assert y.dtype == np.int64 and y.tolist() == [2]


def test_good_regression_points_round_trip():
    x, y = points([[1, 2], [3, 4]], [-1, 0.25], problem="regression", n_classes=0)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert y.dtype == np.float64 and y.tolist() == [-1.0, 0.25]


def test_returned_arrays_are_copies():
    x_in, y_in = np.array([[1.0, 2.0]]), np.array([0])
    x, y = points(x_in, y_in)
    x[0, 0], y[0] = 5, 1
    assert x_in[0, 0] == 1 and y_in[0] == 0


@contextmanager
def raises(field: str, *words: str):
    """pytest.raises for a DataError on `field` whose message starts with the field and holds
    each of `words`."""
    with pytest.raises(DataError) as info:
        yield info
    message = str(info.value)
    assert info.value.field == field
    assert message.startswith((field + " ", field + ":")), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("x", [[1, 2], [[1, 2, 3]], [[1], [2]], [[1, 2], [3]], 5, [[[1, 2]]], None])
def test_x_of_wrong_shape(x):
    with raises("points.x", "[x1, x2] pairs"):
        points(x, [0])


@pytest.mark.parametrize("x", [[["a", 1]], [[None, 1]], [[True, False]], [["1", "2"]]])
def test_x_not_numeric(x):
    with raises("points.x", "numbers"):
        points(x, [0])


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_x_not_finite(bad):
    with raises("points.x", "finite", "point 1"):
        points([[0, 0], [1, bad]], [0, 1])


@pytest.mark.parametrize("bad", [[6.01, 0], [0, -7], [100, 100]])
def test_x_outside_the_domain(bad):
    with raises("points.x", "[-6, 6]", "point 2"):
        points([[0, 0], [6, -6], bad], [0, 1, 0])


@pytest.mark.parametrize("y", [[[0]], 0, [[0, 1]]])
def test_y_of_wrong_shape(y):
    with raises("points.y", "labels"):
        points([[0, 0]], y)


@pytest.mark.parametrize("y", [["a"], [None], [True]])
def test_y_not_numeric(y):
    with raises("points.y", "numbers"):
        points([[0, 0]], y)


@pytest.mark.parametrize("label", [2, -1, 0.5, float("nan"), 1e9])
def test_classification_labels_out_of_range(label):
    with raises("points.y", "integer class labels 0..1", "point 1"):
        points([[0, 0], [1, 1]], [0, label])


@pytest.mark.parametrize("target", [1.01, -2, float("nan"), float("inf")])
def test_regression_targets_out_of_range(target):
    with raises("points.y", "[-1, 1]", "point 0"):
        points([[0, 0]], [target], problem="regression", n_classes=0)


def test_too_many_points():
    with raises("points", "at most 10 points", "got 11"):
        points([[0, 0]] * 11, [0] * 11)


@pytest.mark.parametrize(("x", "y"), [([], []), (np.zeros((0, 2)), np.zeros(0))])
def test_zero_points(x, y):
    with raises("points", "at least 1 point"):
        points(x, y)


def test_length_mismatch():
    with raises("points", "as many labels", "(2, 1)"):
        points([[0, 0], [1, 1]], [0])


def test_unknown_problem_and_bad_class_count():
    with pytest.raises(ConfigError, match="problem must be one of"):
        points([[0, 0]], [0], problem="ranking")
    with pytest.raises(ConfigError, match="n_classes must be"):
        points([[0, 0]], [0], n_classes=1)


# ---- CSV ------------------------------------------------------------------------------------


def csv(text, problem="classification", n_classes=2, max_points=10):
    return parse_csv(text, problem, n_classes, max_points)


@pytest.mark.parametrize(
    "text",
    [
        "1,2,0\n-3.5,4,1\n",
        "x1,x2,label\n1,2,0\n-3.5,4,1\n",
        "x,y,label\n1,2,0\n\n-3.5,4,1",
        "\ufeffX1, X2, Label\r\n1, 2, 0\r\n-3.5, 4, 1\r\n",
        "label,x2,x1\n0,2,1\n1,4,-3.5\n",
        '"1","2","0"\n-3.5,4,1.0\n',
    ],
)
def test_good_csv_round_trips(text):
    x, y = csv(text)
    assert np.array_equal(x, [[1, 2], [-3.5, 4]]) and x.dtype == np.float64
    assert np.array_equal(y, [0, 1]) and y.dtype == np.int64


def test_good_regression_csv():
    x, y = csv("x1,x2,label\n1,2,0.5\n0,0,-1\n", problem="regression", n_classes=0)
    assert np.array_equal(x, [[1, 2], [0, 0]])
    assert np.array_equal(y, [0.5, -1.0]) and y.dtype == np.float64


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("1,2,0\n1,2\n", 2, "3 columns"),
        ("1,2,0\n1,2,0,4\n", 2, "3 columns"),
        ("1,2,0\n\n1,a,0\n", 3, "of numbers"),
        ("x1,x2,label\n1,2,0\n1,7,0\n", 3, "[-6, 6]"),
        ("x1,x2,label\n1,nan,0\n", 2, "finite"),
        ("1,2,0\n1,2,3\n", 2, "integer class labels 0..1"),
        ("1,2,0\n1,2,0.5\n", 2, "integer class labels 0..1"),
        ("foo,bar,baz\n1,2,0\n", 1, "a header x1,x2,label or x,y,label"),
        ("x1,x2\n1,2\n", 1, "a header"),
        ('1,2,0\n1,"2,0\n1,1,1\n', 2, "3 columns"),
    ],
)
def test_bad_csv_names_the_line(text, line, words):
    with raises("csv", f"csv line {line}: must be", words) as info:
        csv(text)
    assert info.value.line == line


def test_csv_regression_target_out_of_range_names_the_line():
    with raises("csv", "csv line 3:", "[-1, 1]"):
        csv("x,y,label\n0,0,0\n0,0,1.5\n", problem="regression", n_classes=0)


@pytest.mark.parametrize("text", ["", "\n\n", "x1,x2,label\n"])
def test_csv_without_rows(text):
    with raises("csv", "at least 1 data row"):
        csv(text)


def test_csv_with_too_many_rows():
    with raises("csv", "at most 10 data rows", "got 11"):
        csv("0,0,1\n" * 11)
