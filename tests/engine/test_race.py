"""Races: exact reproducibility, seeded noise per racer, divergence as a status, live changes,
the readout, and the quadratic's theory against what the engine's SGD measurably does."""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.optimizers import OPTIMIZERS
from engine.race import (
    LIMIT,
    TRAIL,
    Race,
    RacerStatus,
    measured_rate,
    sgd_spectral_radius,
    theory,
)
from engine.surfaces import SURFACES, Surface

FIELD = [
    {"id": "gd", "name": "sgd", "lr": 0.05},
    {"id": "hb", "name": "sgd", "lr": 0.02, "momentum": 0.9},
    {"id": "adam", "name": "adam", "lr": 0.1},
    {"id": "rms", "name": "rmsprop", "lr": 0.01, "centered": True},
]


def trails(race: Race) -> list[np.ndarray]:
    return [np.column_stack(r.since()) for r in race.racers]  # (m, 3): x, y, loss


def same_trails(a: Race, b: Race) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(trails(a), trails(b), strict=True))


# -- reproducibility and noise ---------------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES.names())
def test_two_seeded_races_are_identical(surface: str) -> None:
    a, b = (Race(surface, FIELD, noise=0.5, seed=7) for _ in range(2))
    a.run(60)
    b.run(60)
    assert same_trails(a, b)
    assert np.array_equal(a.positions, b.positions) and a.readout() == b.readout()
    assert all(len(t) == r.step + 1 for t, r in zip(trails(a), a.racers, strict=True))
    assert a.steps == 60 and len({t[-1, 0] for t in trails(a)}) == 4  # they went apart


def test_another_seed_gives_other_noise_and_no_noise_none() -> None:
    base = Race("himmelblau", FIELD, noise=0.5, seed=7)
    other = Race("himmelblau", FIELD, noise=0.5, seed=8)
    quiet = Race("himmelblau", FIELD, noise=0.0, seed=7)
    quiet_other = Race("himmelblau", FIELD, noise=0.0, seed=8)
    for race in (base, other, quiet, quiet_other):
        race.run(20)
    assert not np.array_equal(base.positions, other.positions)
    assert not np.array_equal(base.positions, quiet.positions)
    assert same_trails(quiet, quiet_other)  # without noise the seed plays no part


def test_the_first_step_adds_the_racers_documented_noise() -> None:
    surface = SURFACES.get("quadratic")
    race = Race(surface, [{"id": "r1", "name": "sgd", "lr": 0.1}], noise=2.0, seed=3)
    race.step()
    start = np.array(surface.start)
    xi = np.random.default_rng(np.random.SeedSequence([3, *b"r1"])).standard_normal(2)
    expected = start - 0.1 * (surface.gradient(start) + 2.0 * xi)
    assert np.array_equal(race.positions[0], expected)


def test_adding_a_racer_leaves_the_others_noise_unchanged() -> None:
    alone = Race("rosenbrock", FIELD[:2], noise=1.0, seed=5)
    crowd = Race("rosenbrock", [FIELD[3], *FIELD[:2], FIELD[2]], noise=1.0, seed=5)
    alone.run(50)
    crowd.run(50)
    for racer in alone.racers:
        twin = crowd.racers[crowd.index(racer.id)]
        assert np.array_equal(np.column_stack(racer.since()), np.column_stack(twin.since()))


def test_noise_streams_stay_aligned_when_the_noise_changes() -> None:
    """ξ_t is drawn every step: noise switched on at step 10 adds the same ξ_10 as a race with
    noise from the start would (the difference is only the scale of the earlier draws)."""
    late = Race("quadratic", [{"id": "a", "name": "sgd", "lr": 0.1}], noise=0.0, seed=2)
    late.run(10)
    late.set_noise(1.0)
    late.run(5)
    xi = np.random.default_rng(np.random.SeedSequence([2, *b"a"])).standard_normal((15, 2))
    surface, p = late.surface, np.array(late.surface.start)
    for t in range(15):
        p = p - 0.1 * (surface.gradient(p) + (1.0 if t >= 10 else 0.0) * xi[t])
    np.testing.assert_allclose(late.positions[0], p, rtol=1e-13, atol=1e-15)


def test_reset_replays_the_race_exactly() -> None:
    race = Race("beale", FIELD, noise=0.3, seed=11)
    race.run(40)
    first = trails(race)
    race.reset()
    assert race.steps == 0 and all(r.step == 0 for r in race.racers)
    assert np.array_equal(race.positions, np.tile(race.start, (4, 1)))
    race.run(40)
    assert all(np.array_equal(x, y) for x, y in zip(first, trails(race), strict=True))


def test_set_start_restarts_every_racer_there() -> None:
    race = Race("himmelblau", FIELD, seed=1)
    race.run(10)
    race.set_start((1.5, -0.5))
    assert race.start == (1.5, -0.5) and race.steps == 0
    assert np.array_equal(race.positions, np.tile([1.5, -0.5], (4, 1)))
    assert all(len(r.history) == 1 for r in race.racers)
    fresh = Race("himmelblau", FIELD, start=(1.5, -0.5), seed=1)
    race.run(10)
    fresh.run(10)
    assert same_trails(race, fresh)  # optimizer state was dropped too


# -- divergence ------------------------------------------------------------------------------


class LogSurface(Surface):
    """f = log(x) + y²: NaN once x < 0 (a non-finite loss without leaving the box)."""

    name = "log_test"
    domain = (0.0, 2.0, -1.0, 1.0)
    start = (1.0, 0.5)
    minimum_value: ClassVar[float] = -math.inf

    def value(self, p: np.ndarray) -> np.ndarray:
        return np.log(p[..., 0]) + p[..., 1] ** 2

    def gradient(self, p: np.ndarray) -> np.ndarray:
        return np.stack([1.0 / p[..., 0], 2.0 * p[..., 1]], axis=-1)


def test_too_large_a_step_diverges_quietly_and_stops() -> None:
    racers = [{"id": "wild", "name": "sgd", "lr": 0.5}, {"id": "calm", "name": "sgd", "lr": 0.1}]
    race = Race(SURFACES.build("quadratic", condition=10), racers)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        race.run(100)
    wild, calm = race.racers
    assert wild.status is RacerStatus.DIVERGED and calm.status is RacerStatus.RUNNING
    # |1 - 0.5 * 10| = 4 per step along y: |y| = 2 * 4^t passes 1e6 at t = 10
    assert wild.step == 9 and calm.step == 100
    x, y, loss = wild.history[-1]
    assert np.array_equal(wild.p, [x, y]) and np.abs(wild.p).max() <= LIMIT
    assert wild.loss == loss and math.isfinite(loss)
    assert wild.optimizer.state == {}
    assert race.readout()[0]["status"] == "diverged"
    race.run(5)
    assert wild.step == 9  # a diverged racer stays put


def test_a_non_finite_loss_is_divergence() -> None:
    race = Race(LogSurface(), [{"name": "sgd", "lr": 2.0}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        race.run(3)
    racer = race.racers[0]
    assert racer.status is RacerStatus.DIVERGED and racer.step == 0
    assert np.array_equal(racer.p, LogSurface.start)


def test_changing_a_diverged_racer_resumes_it() -> None:
    race = Race("quadratic", [{"name": "sgd", "lr": 0.5}])
    race.run(20)
    assert race.racers[0].status is RacerStatus.DIVERGED
    race.configure_racer(0, lr=0.05)
    race.run(200)
    racer = race.racers[0]
    assert racer.status is RacerStatus.RUNNING and racer.step == 209
    assert racer.loss < 1e-3


# -- live changes ----------------------------------------------------------------------------


def test_a_live_change_alters_the_trajectory_from_that_step_on() -> None:
    a, b = (Race("rosenbrock", FIELD, noise=0.2, seed=4) for _ in range(2))
    a.run(25)
    b.run(25)
    b.configure_racer("adam", lr=0.01)
    a.run(25)
    b.run(25)
    changed = b.index("adam")
    for i, (ta, tb) in enumerate(zip(trails(a), trails(b), strict=True)):
        assert np.array_equal(ta[:26], tb[:26])  # the same until the change
        if i == changed:
            assert not np.any(np.all(ta[26:] == tb[26:], axis=1))  # every later step moved
        else:
            assert np.array_equal(ta, tb)


def test_a_live_change_keeps_the_optimizer_state() -> None:
    """The race's racer equals a hand loop with one optimizer whose lr is set mid-way."""
    surface = SURFACES.get("beale")
    race = Race(surface, [{"name": "adam", "lr": 0.05}])
    opt = OPTIMIZERS.build("adam", lr=0.05)
    p = np.array(surface.start)
    for t in range(30):
        if t == 15:
            race.configure_racer(0, lr=0.2, beta1=0.5)
            opt.set(lr=0.2, beta1=0.5)
        race.step()
        opt.step({"p": p}, {"p": surface.gradient(p)})
    assert np.array_equal(race.positions[0], p)


def test_switching_optimizer_by_name_starts_fresh() -> None:
    race = Race("quadratic", [{"id": "x", "name": "sgd", "lr": 0.05, "momentum": 0.9}])
    race.run(5)
    race.configure_racer("x", name="adam", lr=0.1)
    racer = race.racers[0]
    assert racer.optimizer.name == "adam" and racer.optimizer.lr == 0.1
    assert racer.optimizer.state == {} and racer.label == "adam"
    race.run(3)
    assert racer.optimizer.state["p"]["t"] == 3


def test_bad_changes_change_nothing() -> None:
    race = Race("quadratic", FIELD)
    with pytest.raises(ConfigError, match=r"sgd.lr must be a number in \[1e-05, 10\], got 50"):
        race.configure_racer("gd", lr=50)
    assert race.racers[0].optimizer.lr == 0.05
    with pytest.raises(ConfigError, match="racer must be an index below 4 or an id"):
        race.configure_racer("nobody", lr=0.1)
    with pytest.raises(ConfigError, match="racer must be"):
        race.configure_racer(True, lr=0.1)
    with pytest.raises(ConfigError, match="noise must be"):
        race.set_noise(-1.0)
    with pytest.raises(ConfigError, match="start must be two finite numbers"):
        race.set_start((math.nan, 0.0))
    with pytest.raises(ConfigError, match="start must be"):
        race.set_start((1.0, 2.0, 3.0))
    assert race.noise == 0.0 and race.start == SURFACES.get("quadratic").start


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"surface": "sphere"}, "surface.name must be one of quadratic"),
        ({"racers": [{"name": "adam", "lr": 50}]}, r"racers\[0\].lr must be a number"),
        ({"racers": [{"name": "adam", "colour": 1}]}, r"racers\[0\].colour must be a known"),
        ({"racers": ["adam", {"id": "0", "name": "sgd"}]}, r"racers\[1\].id must be unique"),
        ({"racers": [{"id": "", "name": "sgd"}]}, r"racers\[0\].id must be a non-empty"),
        ({"tolerance": 0.0}, r"tolerance must be a number in \[1e-12, 1\]"),
        ({"seed": -1}, "seed must be an integer"),
        ({"start": (2e6, 0.0)}, "start must be two finite numbers"),
    ],
)
def test_bad_races_are_refused(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"surface": "quadratic", "racers": ["sgd"], **kwargs}
    with pytest.raises(ConfigError, match=message):
        Race(**args)


# -- reading ---------------------------------------------------------------------------------


def test_readout_reports_distance_gap_and_the_step_within_tolerance() -> None:
    racers = [{"name": "sgd", "lr": 0.01}, {"name": "adam", "lr": 0.1}, "adagrad"]
    race = Race("himmelblau", racers, tolerance=1e-4)
    race.run(300)
    minima = np.array(race.surface.minima())
    for row, racer in zip(race.readout(), race.racers, strict=True):
        assert row["id"] == racer.id and row["step"] == racer.step == 300
        assert row["loss"] == racer.loss == row["gap"]
        assert row["distance"] == pytest.approx(np.linalg.norm(minima - racer.p, axis=1).min())
        losses = racer.losses()
        below = np.flatnonzero(losses < 1e-4)
        assert row["steps_to_tolerance"] == (int(below[0]) if len(below) else None)
    arrived = [row["steps_to_tolerance"] for row in race.readout()]
    assert arrived[0] is not None and arrived[2] is None  # gd arrives, adagrad does not


def test_readout_on_the_saddle_has_no_gap_or_distance() -> None:
    race = Race("saddle", ["sgd"])
    race.run(200)
    (row,) = race.readout()
    assert row["gap"] is None and row["distance"] is None and row["steps_to_tolerance"] is None
    assert row["loss"] < 0


def test_trails_are_bounded_and_since_returns_what_is_new() -> None:
    race = Race("quadratic", [{"name": "sgd", "lr": 0.01}])
    race.run(TRAIL + 10)
    racer = race.racers[0]
    (trail,) = race.trails
    assert trail.shape == (TRAIL, 2) and racer.step == TRAIL + 10
    assert np.array_equal(trail[-1], racer.p)
    points, losses = racer.since(TRAIL + 7)
    assert points.shape == (3, 2) and np.array_equal(points, trail[-3:])
    assert np.array_equal(losses, racer.losses()[-3:])
    assert racer.since(racer.step)[0].shape == (0, 2)
    assert len(racer.since(0)[0]) == TRAIL  # older steps are gone


def test_positions_and_losses_are_per_racer() -> None:
    race = Race("rastrigin", FIELD)
    race.run(3)
    assert race.positions.shape == (4, 2) and race.losses.shape == (4,)
    np.testing.assert_array_equal(race.losses, race.surface.value(race.positions))


# -- theory on the quadratic -----------------------------------------------------------------

QUADRATIC_CASES = [
    # (condition, angle, lr, momentum, dampening, nesterov)
    (10.0, 0.0, 0.1, 0.0, 0.0, False),
    (10.0, 30.0, 0.19, 0.0, 0.0, False),  # close to 2 / λ_max: the stiff axis is slowest
    (10.0, 0.0, 0.15, 0.5, 0.0, False),
    (10.0, -45.0, 0.05, 0.9, 0.0, False),  # complex roots: rate √β
    (100.0, 20.0, 0.015, 0.8, 0.0, False),
    (100.0, 0.0, 0.01, 0.5, 0.0, True),
    (30.0, 60.0, 0.05, 0.7, 0.3, False),
]


@pytest.mark.parametrize(("condition", "angle", "lr", "beta", "tau", "nesterov"), QUADRATIC_CASES)
def test_measured_rate_matches_theory(
    condition: float, angle: float, lr: float, beta: float, tau: float, nesterov: bool
) -> None:
    surface = SURFACES.build("quadratic", condition=condition, angle=angle)
    spec = {"name": "sgd", "lr": lr, "momentum": beta, "dampening": tau, "nesterov": nesterov}
    race = Race(surface, [spec])
    race.run(400)
    predicted = theory(surface, lr, beta, tau, nesterov)["momentum_rate"]
    assert race.measured_rate(0) == pytest.approx(predicted, rel=0.01)


@pytest.mark.torch
def test_the_race_is_torch_sgd_on_the_quadratic() -> None:
    torch = pytest.importorskip("torch")
    surface = SURFACES.build("quadratic", condition=50, angle=20)
    race = Race(surface, [{"name": "sgd", "lr": 0.02, "momentum": 0.8}])
    race.run(50)
    p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(surface.hessian)
    opt = torch.optim.SGD([p], lr=0.02, momentum=0.8)
    for _ in range(50):
        opt.zero_grad()
        (0.5 * p @ h @ p).backward()
        opt.step()
    np.testing.assert_allclose(race.positions[0], p.detach().numpy(), rtol=1e-10, atol=1e-12)


def companion_radius(lam: float, lr: float, beta: float) -> float:
    """Heavy ball's companion matrix [[1 - ηλ + β, -β], [1, 0]] (Goh, Distill 2017)."""
    m = np.array([[1.0 - lr * lam + beta, -beta], [1.0, 0.0]])
    return float(np.abs(np.linalg.eigvals(m)).max())


def test_momentum_rate_is_the_heavy_ball_companion_radius() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        lam, lr, beta = 10 ** rng.uniform(0, 3), 10 ** rng.uniform(-4, 0), rng.uniform(0, 0.99)
        sgd = OPTIMIZERS.build("sgd", lr=lr, momentum=beta)
        ours = sgd_spectral_radius(np.array([lam]), sgd)[0]
        assert ours == pytest.approx(companion_radius(lam, lr, beta), rel=1e-9, abs=1e-12)
        t, disc = 1.0 + beta - lr * lam, (1.0 + beta - lr * lam) ** 2 - 4 * beta
        closed = math.sqrt(beta) if disc < 0 else (abs(t) + math.sqrt(disc)) / 2
        assert ours == pytest.approx(closed, rel=1e-9, abs=1e-12)


def test_theory_of_gradient_descent() -> None:
    q = SURFACES.build("quadratic", condition=10)
    out = theory(q, 0.1)
    assert out["eigenvalues"] == [1.0, 10.0] and out["condition"] == 10.0
    assert out["gd_rate"] == pytest.approx(0.9)  # max(|1 - 0.1|, |1 - 1|)
    assert out["momentum_rate"] == pytest.approx(out["gd_rate"], rel=1e-12)  # β = 0 is GD
    assert out["gd_lr_max"] == pytest.approx(0.2) == out["momentum_lr_max"]
    assert out["gd_optimal_lr"] == pytest.approx(2 / 11)
    assert out["gd_optimal_rate"] == pytest.approx(9 / 11)
    assert theory(q, out["gd_optimal_lr"])["gd_rate"] == pytest.approx(9 / 11)
    assert theory(q, 0.2 * 0.999)["gd_rate"] < 1 < theory(q, 0.2 * 1.001)["gd_rate"]


def test_theory_of_momentum() -> None:
    q = SURFACES.build("quadratic", condition=100)
    out = theory(q, 0.01, 0.9)
    assert out["momentum_rate"] == pytest.approx(math.sqrt(0.9))  # complex roots for both λ
    assert out["momentum_lr_max"] == pytest.approx(2 * 1.9 / 100)
    assert out["momentum_optimal_rate"] == pytest.approx(9 / 11)  # (√κ - 1) / (√κ + 1)
    assert out["momentum_optimal_beta"] == pytest.approx((9 / 11) ** 2)
    assert out["momentum_optimal_lr"] == pytest.approx((2 / 11) ** 2)
    best = theory(q, out["momentum_optimal_lr"], out["momentum_optimal_beta"])
    assert best["momentum_rate"] == pytest.approx(9 / 11, rel=1e-6)  # a double root
    assert best["momentum_rate"] < best["gd_optimal_rate"] == pytest.approx(99 / 101)
    lr_max = out["momentum_lr_max"]
    assert theory(q, lr_max * 0.999, 0.9)["momentum_rate"] < 1
    assert theory(q, lr_max * 1.001, 0.9)["momentum_rate"] > 1
    nesterov = theory(q, 0.01, 0.5, nesterov=True)
    assert nesterov["momentum_lr_max"] == pytest.approx(2 * 1.5 / (2.0 * 100))
    assert theory(q, nesterov["momentum_lr_max"] * 0.999, 0.5, nesterov=True)["momentum_rate"] < 1
    assert theory(q, nesterov["momentum_lr_max"] * 1.001, 0.5, nesterov=True)["momentum_rate"] > 1
    assert theory(q, 0.01, 0.5, dampening=1.0)["momentum_lr_max"] is None


def test_sgd_just_past_the_theoretical_limit_diverges_in_the_race() -> None:
    q = SURFACES.build("quadratic", condition=10)
    limit = theory(q, 0.1)["gd_lr_max"]
    race = Race(q, [{"name": "sgd", "lr": limit * 0.98}, {"name": "sgd", "lr": limit * 1.05}])
    race.run(1000)  # |1 - 1.05 * 2| = 1.1 a step: y leaves ±1e6 by step 140
    assert [r.status for r in race.racers] == [RacerStatus.RUNNING, RacerStatus.DIVERGED]


def test_theory_needs_a_quadratic_and_valid_settings() -> None:
    with pytest.raises(ConfigError, match="surface must be a surface with a constant Hessian"):
        theory(SURFACES.get("rosenbrock"), 0.1)
    with pytest.raises(ConfigError, match=r"sgd\.momentum must be"):
        theory(SURFACES.get("quadratic"), 0.1, 1.5)
    with pytest.raises(ConfigError, match=r"sgd\.nesterov"):
        theory(SURFACES.get("quadratic"), 0.1, 0.0, nesterov=True)


def test_measured_rate_of_known_sequences() -> None:
    steps = np.arange(300)
    distances = 3.0 * 0.8**steps
    assert measured_rate(0.5 * distances**2) == pytest.approx(0.8, rel=1e-12)
    offset = 0.5 * distances[:40] ** 2 + 2.0  # gaps from 4.5 to 1e-8: rounding stays small
    assert measured_rate(offset, minimum_value=2.0) == pytest.approx(0.8, rel=1e-6)
    oscillating = (0.9**steps * np.cos(0.7 * steps)) ** 2  # momentum's spiral: zeros included
    assert measured_rate(oscillating) == pytest.approx(0.9, rel=0.01)
    reached = np.concatenate([0.5 ** steps[:50], np.zeros(20)])  # exact 0 once arrived
    assert measured_rate(reached, window=30) == pytest.approx(0.5**0.5, rel=1e-9)
    assert measured_rate([1.0, 0.5]) is None
    assert measured_rate([0.0, 0.0, 0.0, 0.0]) is None
