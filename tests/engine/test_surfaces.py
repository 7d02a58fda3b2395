"""Surfaces: every registered one against central differences, its marked minima, its
vectorised evaluation and its catalog entry; the quadratic's Hessian."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.surfaces import SURFACES, Surface, contour_grid
from tests.gradcheck import numeric_grad

NAMES = SURFACES.names()


def other_config(name: str) -> dict[str, Any]:
    """A non-default setting of every parameter: a third of the way through its bounds."""
    return {p.name: p.low + (p.high - p.low) / 3 for p in SURFACES.entry(name).params}


CASES = [(n, {}) for n in NAMES] + [(n, other_config(n)) for n in NAMES if other_config(n)]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v:g}' for k, v in c.items()) or 'default'}" for n, c in CASES]


def random_points(surface: Surface, rng: np.random.Generator, k: int = 8) -> np.ndarray:
    xmin, xmax, ymin, ymax = surface.domain
    return np.column_stack([rng.uniform(xmin, xmax, k), rng.uniform(ymin, ymax, k)])


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_gradient_matches_central_differences(name: str, config: dict[str, Any]) -> None:
    surface = SURFACES.build(name, **config)
    for p in random_points(surface, np.random.default_rng(0)):
        numeric = numeric_grad(lambda q: float(surface.value(q)), p.copy())
        # Rounding in f(p ± ε) costs about |f| 1e-16 / 1e-6 in each difference.
        atol = 1e-7 * (1.0 + abs(float(surface.value(p))))
        np.testing.assert_allclose(surface.gradient(p), numeric, rtol=1e-6, atol=atol)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_value_and_gradient_are_vectorised(name: str, config: dict[str, Any]) -> None:
    surface = SURFACES.build(name, **config)
    points = random_points(surface, np.random.default_rng(1), 12).reshape(3, 4, 2)
    values, grads = surface.value(points), surface.gradient(points)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 2)
    for index in np.ndindex(3, 4):
        assert values[index] == surface.value(points[index])
        assert np.array_equal(grads[index], surface.gradient(points[index]))


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_a_new_array(name: str) -> None:
    surface = SURFACES.get(name)
    p = np.array(surface.start)
    g = surface.gradient(p)
    g += 1.0  # the race adds noise in place
    assert np.array_equal(p, surface.start)
    assert not np.shares_memory(surface.gradient(p), g)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_marked_minima_have_the_minimum_value_and_zero_gradient(
    name: str, config: dict[str, Any]
) -> None:
    surface = SURFACES.build(name, **config)
    for m in surface.minima():
        p = np.array(m)
        assert abs(float(surface.value(p)) - surface.minimum_value) <= 1e-10
        np.testing.assert_allclose(surface.gradient(p), 0.0, atol=1e-11)  # to float64
        # a minimum, not a saddle: every point on a small ring around it is higher
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = p + 1e-3 * np.column_stack([np.cos(angles), np.sin(angles)])
        assert np.all(surface.value(ring) > surface.minimum_value)


@pytest.mark.parametrize("name", NAMES)
def test_start_and_minima_lie_in_the_domain(name: str) -> None:
    surface = SURFACES.get(name)
    xmin, xmax, ymin, ymax = surface.domain
    assert xmin < xmax and ymin < ymax
    for x, y in [surface.start, *surface.minima()]:
        assert xmin <= x <= xmax and ymin <= y <= ymax
    assert surface.start not in surface.minima()


@pytest.mark.parametrize("name", NAMES)
def test_catalog_entry_is_json_ready(name: str) -> None:
    entry = SURFACES.entry(name).describe()
    text = json.dumps(entry, allow_nan=False)  # -inf would not be JSON
    assert json.loads(text)["name"] == name
    assert {"formula", "log_scale", "note", "domain", "start", "minima"} <= entry.keys()
    assert isinstance(entry["log_scale"], bool) and entry["formula"] and entry["note"]


def test_the_minima_of_the_test_functions() -> None:
    assert SURFACES.get("rosenbrock").minima() == [(1.0, 1.0)]
    assert SURFACES.get("beale").minima() == [(3.0, 0.5)]
    assert SURFACES.get("rastrigin").minima() == [(0.0, 0.0)]
    himmelblau = SURFACES.get("himmelblau").minima()
    assert len(himmelblau) == 4 and (3.0, 2.0) in himmelblau
    assert len({(round(x, 6), round(y, 6)) for x, y in himmelblau}) == 4


def test_the_saddle_has_no_minimum() -> None:
    saddle = SURFACES.get("saddle")
    assert saddle.minima() == [] and saddle.minimum_value == -math.inf
    assert SURFACES.entry("saddle").describe()["minimum_value"] is None
    origin = np.zeros(2)
    assert saddle.value(origin) == 0.0 and np.array_equal(saddle.gradient(origin), [0.0, 0.0])
    assert saddle.value(np.array([0.0, 100.0])) == -10_000.0  # unbounded below along y
    assert "no minimum" in saddle.info["note"].lower()


def test_known_values() -> None:
    p = np.array([1.0, 2.0])
    assert SURFACES.build("quadratic", condition=100).value(p) == 0.5 * (1 + 100 * 4)
    assert SURFACES.get("rosenbrock").value(p) == 0 + 100 * (2 - 1) ** 2
    assert SURFACES.get("himmelblau").value(p) == (1 + 2 - 11) ** 2 + (1 + 4 - 7) ** 2
    assert SURFACES.get("beale").value(p) == 2.5**2 + 5.25**2 + 9.625**2
    assert SURFACES.get("saddle").value(p) == -3.0
    assert SURFACES.get("rastrigin").value(p) == pytest.approx(20 + 1 - 10 + 4 - 10, abs=1e-12)


@pytest.mark.parametrize("angle", [0.0, 30.0, -75.0])
@pytest.mark.parametrize("condition", [1.0, 10.0, 1000.0])
def test_quadratic_hessian_has_the_stated_eigenvalues(condition: float, angle: float) -> None:
    q = SURFACES.build("quadratic", condition=condition, angle=angle)
    assert q.hessian_eigenvalues() == (1.0, condition)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [1.0, condition], rtol=1e-12)
    # the slow axis (λ = 1) points along the angle
    a = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    np.testing.assert_allclose(q.hessian @ a, a, atol=1e-12)


def test_quadratic_set_changes_the_surface_live() -> None:
    q = SURFACES.get("quadratic")
    p = np.array([0.0, 1.0])
    assert q.value(p) == 5.0
    q.set(condition=100.0)
    assert q.value(p) == 50.0 and q.hessian_eigenvalues() == (1.0, 100.0)
    with pytest.raises(ConfigError, match=r"quadratic.condition must be a number in \[1, 1000\]"):
        q.set(condition=5000)
    assert q.condition == 100.0


def test_contour_grid_runs_along_x_in_rows_from_the_bottom() -> None:
    surface = SURFACES.get("rosenbrock")
    xs, ys, z = contour_grid(surface, 41)
    xmin, xmax, ymin, ymax = surface.domain
    assert z.shape == (41, 41)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (xmin, xmax, ymin, ymax)
    i, j = 7, 30
    assert z[i, j] == surface.value(np.array([xs[j], ys[i]]))
    assert np.isfinite(z).all()
    row, col = np.unravel_index(np.argmin(z), z.shape)  # the lowest cell is by (1, 1)
    assert abs(xs[col] - 1.0) <= 0.1 and abs(ys[row] - 1.0) <= 0.1
