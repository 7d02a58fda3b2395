"""Two-dimensional datasets: TensorFlow Playground's six and a few more, seeded, in [-6, 6]^2.

Labels. TF Playground labels its two classes +1 and -1; we use class indices:
class 1 = TFP's +1, class 0 = TFP's -1. Regression targets are floats in [-1, 1].

Noise. Every dataset has `noise`, an integer percent 0..50 as on TFP's slider; s = noise / 100
in [0, 0.5] is the `noise` argument of TFP's generators (src/dataset.ts). What it does depends
on the dataset and is said in each one's help: flip labels near the boundary (the label is
decided on a perturbed copy of the point), jitter the points, or widen the blobs.

Sizes. Points are split evenly between classes (counts differ by at most 1); with label-flip
noise the flipped labels are the noise. `generate` shuffles, so the classes are interleaved.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from engine.errors import ConfigError, DataError
from engine.registry import Component, Param, Registry

DOMAIN = (-6.0, 6.0)
PROBLEMS = ("classification", "regression")
TAU = 2.0 * math.pi


def _noise(help: str) -> Param:
    return Param("noise", 0, low=0, high=50, step=1, help=help)


def _classes(help: str) -> Param:
    return Param("classes", 3, low=2, high=6, step=1, help=help)


class Dataset(Component):
    """A seeded 2-D point set. Subclasses implement `_sample(rng, n)` (points in class order)."""

    problem: ClassVar[str] = "classification"
    n_points: ClassVar[int] = 500  # TFP: 500 for classification, 1200 for regression

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        classes = {p.name: p.default for p in cls.params}.get("classes", 2)
        cls.info = {
            **cls.__dict__.get("info", {}),
            "problem": cls.problem,
            "n_points": cls.n_points,
            "classes": classes if cls.problem == "classification" else 0,
        }

    @property
    def _s(self) -> float:
        """TFP's noise level: the percent as a fraction in [0, 0.5]."""
        return self.noise / 100.0

    def n_classes(self) -> int:
        """2 for binary sets, the `classes` param for k-class ones, 0 for regression."""
        if self.problem == "regression":
            return 0
        return getattr(self, "classes", 2)

    def generate(
        self, rng: np.random.Generator, n: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """X float64 (n, 2); y int64 class indices 0..k-1 for classification, float64 in
        [-1, 1] for regression. Shuffled; the same rng state gives the same points."""
        if n is None:
            n = self.n_points
        elif isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ConfigError(f"{self.name}.n", n, "an integer >= 1")
        x, y = self._sample(rng, int(n))
        order = rng.permutation(len(y))
        return x[order], y[order]

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


DATASETS: Registry[Dataset] = Registry("dataset")


# ---- helpers --------------------------------------------------------------------------------


def _sizes(n: int, k: int) -> list[int]:
    """n split into k class counts differing by at most 1."""
    return [n // k + (j < n % k) for j in range(k)]


def _labels(sizes: Sequence[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points (r sin a, r cos a), TFP's convention."""
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)


def _inside(x: np.ndarray) -> np.ndarray:
    lo, hi = DOMAIN
    return np.all((x >= lo) & (x <= hi), axis=1)


def _gaussian_inside(rng: np.random.Generator, centers: np.ndarray, sd: float) -> np.ndarray:
    """centers + N(0, sd^2) per coordinate, truncated to the domain: a point that lands
    outside is redrawn around its centre (clipped only after 100 tries, never in practice)."""
    x = centers + rng.normal(0.0, sd, centers.shape)
    for _ in range(100):
        out = ~_inside(x)
        if not out.any():
            return x
        x[out] = centers[out] + rng.normal(0.0, sd, (int(out.sum()), 2))
    return np.clip(x, *DOMAIN)


def _tfp_variance(s: float) -> float:
    """TFP's gauss: variance linear in noise, 0.5 at s = 0 up to 4 at s = 0.5."""
    return 0.5 + 7.0 * s


def _spirals(
    rng: np.random.Generator, sizes: Sequence[int], deltas: Sequence[float], s: float
) -> np.ndarray:
    """TFP's spiral arms: point i of m has r = 5 i/m and angle 1.75 * 2 pi i/m + delta,
    then jitters by U(-1, 1) * s on each coordinate."""
    arms = []
    for m, delta in zip(sizes, deltas, strict=True):
        f = np.arange(m) / m
        arms.append(_polar(5.0 * f, 1.75 * TAU * f + delta))
    x = np.concatenate(arms)
    return x + rng.uniform(-1.0, 1.0, x.shape) * s


# ---- TensorFlow Playground's six ------------------------------------------------------------


@DATASETS.register
class Circle(Dataset):
    name = "circle"
    help = "A disc (class 1, r < 2.5) inside a ring (class 0, 3.5 < r < 5)."
    params = (
        _noise(
            "flips labels near the circle r = 2.5: the label is decided on the point moved "
            "by up to 5 * noise% in x and y"
        ),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        ring, disc = _sizes(n, 2)
        # TFP draws r uniformly (not uniformly in area): denser near the centre.
        r = np.concatenate([rng.uniform(3.5, 5.0, ring), rng.uniform(0.0, 2.5, disc)])
        x = _polar(r, rng.uniform(0.0, TAU, n))
        moved = x + rng.uniform(-5.0, 5.0, x.shape) * self._s
        y = (np.hypot(moved[:, 0], moved[:, 1]) < 2.5).astype(np.int64)  # 1 inside
        return x, y


@DATASETS.register
class Xor(Dataset):
    name = "xor"
    help = "Four quadrants: class 1 where x1 * x2 >= 0, class 0 where the signs differ."
    params = (
        _noise(
            "flips labels near the axes: the label is decided on the point moved by up to "
            "5 * noise% in x and y"
        ),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        # TFP: each coordinate U(-5, 5) pushed 0.3 away from 0. Here the magnitudes are drawn
        # the same way and the signs are chosen so the classes are exactly balanced.
        label = _labels(_sizes(n, 2))
        magnitude = rng.uniform(0.0, 5.0, (n, 2)) + 0.3
        sign1 = rng.integers(0, 2, n) * 2 - 1
        sign2 = sign1 * (2 * label - 1)  # same sign for class 1, opposite for class 0
        x = magnitude * np.stack([sign1, sign2], axis=1)
        moved = x + rng.uniform(-5.0, 5.0, x.shape) * self._s
        y = (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)
        return x, y


@DATASETS.register
class Gauss(Dataset):
    name = "gauss"
    help = "Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2)."
    params = (
        _noise(
            "widens the blobs: variance 0.5 at 0% growing linearly to 4 at 50% (as TF Playground)"
        ),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = _labels(_sizes(n, 2))
        centers = np.array([[-2.0, -2.0], [2.0, 2.0]])[y]
        return _gaussian_inside(rng, centers, math.sqrt(_tfp_variance(self._s))), y


@DATASETS.register
class Spiral(Dataset):
    name = "spiral"
    help = "Two interleaved spiral arms (radius 0 to 5, 1.75 turns); class 0's is offset by pi."
    params = (_noise("jitters the points: each coordinate moves by up to noise% / 100 * 1"),)

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        sizes = _sizes(n, 2)
        return _spirals(rng, sizes, (math.pi, 0.0), self._s), _labels(sizes)


@DATASETS.register
class Plane(Dataset):
    name = "plane"
    help = "Regression on a tilted plane: target (x1 + x2) / 12, in [-1, 1]."
    problem = "regression"
    n_points = 1200
    params = (
        _noise(
            "perturbs the targets: each is taken at the point moved by up to 6 * noise% in "
            "x and y (then clipped to [-1, 1])"
        ),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        # TFP scales (x + y) by 1/10 without clamping (targets reach +-1.2 in the corners);
        # 1/12 keeps the noise-free plane exactly linear and inside [-1, 1].
        x = rng.uniform(-6.0, 6.0, (n, 2))
        moved = x + rng.uniform(-6.0, 6.0, x.shape) * self._s
        return x, np.clip(moved.sum(axis=1) / 12.0, -1.0, 1.0)


@DATASETS.register
class MultiGaussian(Dataset):
    name = "multi_gaussian"
    help = "Regression on six signed bumps in two rows (x1 = -4, 0, 4; x2 = +-2.5)."
    problem = "regression"
    n_points = 1200
    params = (
        _noise(
            "perturbs the targets: each is taken at the point moved by up to 6 * noise% in x and y"
        ),
    )
    # (centre x1, centre x2, sign), as TFP.
    BUMPS: ClassVar[np.ndarray] = np.array(
        [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(-6.0, 6.0, (n, 2))
        moved = x + rng.uniform(-6.0, 6.0, x.shape) * self._s
        return x, self.target(moved)

    @classmethod
    def target(cls, x: np.ndarray) -> np.ndarray:
        """Bump j is sign_j * max(0, 1 - d_j / 2) at distance d_j from its centre; the target
        is the bump largest in absolute value (the first on ties, 0 far from all)."""
        d = np.hypot(x[:, None, 0] - cls.BUMPS[:, 0], x[:, None, 1] - cls.BUMPS[:, 1])
        bumps = cls.BUMPS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
        return bumps[np.arange(len(x)), np.argmax(np.abs(bumps), axis=1)]


# ---- beyond TF Playground -------------------------------------------------------------------


@DATASETS.register
class Moons(Dataset):
    name = "moons"
    help = "Two interleaving half circles (class 0 above, class 1 below), about 10 x 5 wide."
    params = (_noise("jitters the points: Gaussian with standard deviation noise% / 50"),)
    SCALE: ClassVar[float] = 3.3  # unit moons span 3 x 1.5 -> about 9.9 x 5

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        upper, lower = _sizes(n, 2)
        t = rng.uniform(0.0, math.pi, n)
        c, s = np.cos(t), np.sin(t)
        # upper moon (cos t, sin t); lower (1 - cos t, 1/2 - sin t); centred on (1/2, 1/4)
        unit = np.where(
            (np.arange(n) < upper)[:, None],
            np.stack([c, s], axis=1),
            np.stack([1.0 - c, 0.5 - s], axis=1),
        )
        centers = (unit - [0.5, 0.25]) * self.SCALE
        return _gaussian_inside(rng, centers, self.noise / 50.0), _labels([upper, lower])


@DATASETS.register
class Checkerboard(Dataset):
    name = "checkerboard"
    help = "A checkerboard on [-5, 5]^2; the cell holding (-5, -5) is class 0."
    params = (
        Param("cells", 4, low=2, high=8, step=1, help="cells per side (2 is xor)"),
        _noise(
            "flips labels near cell edges: the label is decided on the point moved by up to "
            "noise% of a cell width in x and y"
        ),
    )
    HALF: ClassVar[float] = 5.0

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        width = 2.0 * self.HALF / self.cells
        grid = np.stack(np.divmod(np.arange(self.cells**2), self.cells), axis=1)
        parity = grid.sum(axis=1) % 2
        sizes = _sizes(n, 2)
        # balanced: each class picks its cells uniformly among the cells of its colour
        cells = np.concatenate(
            [rng.choice(grid[parity == k], size) for k, size in enumerate(sizes)]
        )
        x = -self.HALF + (cells + rng.uniform(0.0, 1.0, (n, 2))) * width
        moved = x + rng.uniform(-width, width, x.shape) * self._s
        return x, self.label(moved, width)

    def label(self, x: np.ndarray, width: float) -> np.ndarray:
        """(floor((x1 + 5) / w) + floor((x2 + 5) / w)) mod 2."""
        cell = np.floor((x + self.HALF) / width).astype(np.int64)
        return cell.sum(axis=1) % 2


@DATASETS.register
class SpiralK(Dataset):
    name = "spiral_k"
    help = "k interleaved spiral arms like TFP's spiral, arm j offset by 2 pi j / k."
    params = (
        _classes("number of arms (classes)"),
        _noise("jitters the points: each coordinate moves by up to noise% / 100 * 1"),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        sizes = _sizes(n, self.classes)
        deltas = [TAU * j / self.classes for j in range(self.classes)]
        return _spirals(rng, sizes, deltas, self._s), _labels(sizes)


@DATASETS.register
class Blobs(Dataset):
    name = "blobs"
    help = "k Gaussian blobs on a circle of radius 3.5, blob j at angle pi/4 + 2 pi j / k."
    params = (
        _classes("number of blobs (classes)"),
        _noise("widens the blobs: variance 0.5 at 0% growing linearly to 4 at 50% (as gauss)"),
    )

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = _labels(_sizes(n, self.classes))
        angle = math.pi / 4 + TAU * np.arange(self.classes) / self.classes
        centers = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)[y]
        return _gaussian_inside(rng, centers, math.sqrt(_tfp_variance(self._s))), y


@DATASETS.register
class DiskRing(Dataset):
    name = "disk_ring"
    help = (
        "A disk (class 1, r < 2) inside a ring (class 0, 3.5 < r < 5), uniform in area: "
        "two hidden units cannot separate it."
    )
    params = (_noise("jitters the points: Gaussian with standard deviation noise% / 100"),)

    def _sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        ring, disk = _sizes(n, 2)
        # uniform in area: r = sqrt(U(r0^2, r1^2))
        r2 = np.concatenate([rng.uniform(3.5**2, 5.0**2, ring), rng.uniform(0.0, 2.0**2, disk)])
        centers = _polar(np.sqrt(r2), rng.uniform(0.0, TAU, n))
        return _gaussian_inside(rng, centers, self._s), _labels([ring, disk])


# ---- splitting ------------------------------------------------------------------------------


def train_test_split(
    x: np.ndarray, y: np.ndarray, train_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle, then the first floor(n * train_ratio) points train and the rest test (as TFP)."""
    if (
        isinstance(train_ratio, bool)
        or not isinstance(train_ratio, int | float)
        or not 0.1 <= train_ratio <= 0.9
    ):
        raise ConfigError("train_ratio", train_ratio, "a number in [0.1, 0.9]")
    order = rng.permutation(len(y))
    k = math.floor(len(y) * train_ratio + 1e-9)  # 1e-9: 0.29 * 100 is 28.999...
    train, test = order[:k], order[k:]
    return x[train], y[train], x[test], y[test]


# ---- user-given points ----------------------------------------------------------------------

PAIRS = "a list of [x1, x2] pairs"


def _fail(field: str, value: Any, expected: str, index: int | None = None) -> DataError:
    """A DataError; with `index` (the offending point) the message names the point, and
    `err.index` / `err.plain` let parse_csv name the line instead."""
    where = "" if index is None else f" (point {index} is not)"
    err = DataError(field, value, expected + where)
    err.index, err.plain = index, expected  # type: ignore[attr-defined]
    return err


def _numeric(value: Any, field: str, ndim: int, expected: str) -> np.ndarray:
    """`value` as a numeric array of `ndim` dimensions (bools and strings refused)."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists
        raise _fail(field, value, expected) from None
    if arr.shape[:1] == (0,):  # [] has shape (0,): leave "no points" to the count check
        return arr.reshape((0, 2)[:ndim]).astype(np.float64)
    if arr.ndim != ndim or (ndim == 2 and arr.shape[1] != 2):
        raise _fail(field, value, expected)
    if arr.dtype.kind not in "iuf":
        raise _fail(field, value, f"numbers ({expected})")
    return arr


def _first(bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


def validate_points(
    x: Any, y: Any, problem: str, n_classes: int, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """User-given points (lists or arrays) as clean arrays: x float64 (n, 2), y int64 class
    indices (classification) or float64 targets in [-1, 1] (regression). Raises DataError."""
    if problem not in PROBLEMS:
        raise ConfigError("problem", problem, "one of " + ", ".join(repr(p) for p in PROBLEMS))
    if problem == "classification" and n_classes < 2:
        raise ConfigError("n_classes", n_classes, "an integer >= 2 for classification")
    xs = np.array(_numeric(x, "points.x", 2, PAIRS), dtype=np.float64)
    ys = np.array(_numeric(y, "points.y", 1, "a list of labels"), dtype=np.float64)
    if len(xs) != len(ys):
        raise _fail("points", (len(xs), len(ys)), "as many labels (y) as points (x)")
    if len(xs) == 0:
        raise _fail("points", 0, "at least 1 point")
    if len(xs) > max_points:
        raise _fail("points", len(xs), f"at most {max_points} points")
    _check_x(xs)
    if problem == "classification":
        return xs, _check_classes(ys, n_classes)
    return xs, _check_targets(ys)


def _check_x(xs: np.ndarray) -> None:
    finite = np.isfinite(xs).all(axis=1)
    if not finite.all():
        i = _first(~finite)
        raise _fail("points.x", xs[i].tolist(), "finite numbers", i)
    lo, hi = DOMAIN
    outside = ~_inside(xs)
    if outside.any():
        i = _first(outside)
        raise _fail("points.x", xs[i].tolist(), f"coordinates in [{lo:g}, {hi:g}]", i)


def _check_classes(ys: np.ndarray, n_classes: int) -> np.ndarray:
    bad = ~(np.isfinite(ys) & (ys == np.round(ys)) & (ys >= 0) & (ys < n_classes))
    if bad.any():
        i = _first(bad)
        expected = f"integer class labels 0..{n_classes - 1}"
        raise _fail("points.y", ys[i].item(), expected, i)
    return ys.astype(np.int64)


def _check_targets(ys: np.ndarray) -> np.ndarray:
    bad = ~(np.isfinite(ys) & (np.abs(ys) <= 1.0))
    if bad.any():
        i = _first(bad)
        raise _fail("points.y", ys[i].item(), "targets in [-1, 1]", i)
    return ys


# ---- CSV upload -----------------------------------------------------------------------------

HEADERS = (("x1", "x2", "label"), ("x", "y", "label"))
CSV_COLUMNS = "3 columns x1,x2,label"


def _csv_error(line: int, value: Any, expected: str) -> DataError:
    """DataError with field "csv" whose message names the line: "csv line 7: must be ..."."""
    err = DataError("csv", value, expected)
    err.line = line  # type: ignore[attr-defined]
    err.args = (f"csv line {line}: {err.args[0].removeprefix('csv ')}",)
    return err


def _columns(first: list[str], line: int) -> list[int] | None:
    """Column order from a header row (no cell a number), or None when the row is data."""
    names = [c.strip().lower() for c in first]
    if any(_is_number(c) for c in names):
        return None
    for known in HEADERS:
        if sorted(names) == sorted(known):
            return [names.index(k) for k in known]
    raise _csv_error(line, ",".join(first), "a header x1,x2,label or x,y,label (or none)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_csv(
    text: str, problem: str, n_classes: int, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points from CSV text: rows x1,x2,label with an optional header (x1,x2,label or
    x,y,label, any column order); blank lines are skipped. Validated like validate_points;
    errors are DataError(field "csv") naming the line."""
    # one csv.reader per line, so an unclosed quote cannot swallow the next line's number
    lines = text.removeprefix("\ufeff").splitlines()
    rows = [(number, next(csv.reader([line]))) for number, line in enumerate(lines, 1)]
    rows = [(number, cells) for number, cells in rows if any(c.strip() for c in cells)]
    order = [0, 1, 2]
    if rows and (header := _columns(rows[0][1], rows[0][0])) is not None:
        order, rows = header, rows[1:]
    if not rows:
        raise DataError("csv", 0, "at least 1 data row")
    if len(rows) > max_points:
        raise DataError("csv", len(rows), f"at most {max_points} data rows")
    values = np.empty((len(rows), 3))
    for i, (number, cells) in enumerate(rows):
        if len(cells) != 3:
            raise _csv_error(number, ",".join(cells), CSV_COLUMNS)
        try:
            values[i] = [float(cells[j]) for j in order]
        except ValueError:
            raise _csv_error(number, ",".join(cells), CSV_COLUMNS + " of numbers") from None
    try:
        return validate_points(values[:, :2], values[:, 2], problem, n_classes, max_points)
    except DataError as err:
        index = getattr(err, "index", None)
        if index is None:
            raise
        raise _csv_error(rows[index][0], ",".join(rows[index][1]), err.plain) from None
