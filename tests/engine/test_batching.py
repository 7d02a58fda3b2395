"""Batch sizes compared: one start for every trainer, counted and timed epochs, and the spread
of mini-batch gradients around the full-batch gradient (unbiased, shrinking as 1/B)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine.batching import (
    FULL_BATCH,
    Tracked,
    batch_gradient,
    compare_batch_sizes,
    gradient_spread,
)
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.trainer import Status, Trainer
from tests.engine.test_trainer import DIVERGING
from tests.gradcheck import projected_check

SIZES = [1, 10, 40, FULL_BATCH]


def config(**changes: Any) -> TrainConfig:
    return TrainConfig().with_changes(changes)  # circle: 250 training points


@pytest.fixture(scope="module")
def spread_trainer() -> Trainer:
    """A network a few epochs into training (a gradient that is neither tiny nor initial)."""
    trainer = Trainer(config(hidden=[5, 3], optimizer={"name": "sgd", "lr": 0.1}))
    trainer.run(3)
    return trainer


# -- one start, several batch sizes ----------------------------------------------------------


def test_every_batch_size_starts_from_the_same_weights_and_data() -> None:
    trainers = compare_batch_sizes(config(), SIZES)
    n = len(trainers[0].f_train)
    assert n == 250
    assert [t.config.batch_size for t in trainers] == [1, 10, 40, n]
    first = trainers[0]
    for other in trainers[1:]:
        assert np.array_equal(other.model.flat, first.model.flat)
        assert np.array_equal(other.f_train, first.f_train)
        assert np.array_equal(other.t_train, first.t_train)
    for trainer in trainers:
        trainer.step_epoch()
    flats = [t.model.flat for t in trainers]
    assert all(not np.array_equal(a, b) for i, a in enumerate(flats) for b in flats[i + 1 :])


def test_only_the_batch_size_differs() -> None:
    base = config(dataset="spiral", hidden=[6], optimizer={"name": "adam", "lr": 0.01})
    for trainer in compare_batch_sizes(base, [7, 30]):
        assert trainer.config == base.with_changes({"batch_size": trainer.config.batch_size})


@pytest.mark.parametrize(
    ("sizes", "message"),
    [([], "batch_sizes must be at least one"), ([10, -3], "batch_size must be an integer in")],
)
def test_bad_batch_sizes_are_refused(sizes: list[int], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        compare_batch_sizes(config(), sizes)


# -- tracked epochs --------------------------------------------------------------------------


def test_tracked_epochs_count_examples_updates_and_time() -> None:
    runs = [Tracked(t) for t in compare_batch_sizes(config(), [10, 40, FULL_BATCH])]
    for run in runs:
        assert run.records[0].epoch == 0 and run.records[0].examples == 0
        assert run.run(3) == run.records[1:]
    for run, updates_per_epoch in zip(runs, [25, 7, 1], strict=True):
        records, history = run.records, run.trainer.history
        assert [r.epoch for r in records] == [0, 1, 2, 3]
        assert [r.examples for r in records] == [0, 250, 500, 750]
        assert [r.updates for r in records] == [0, *(updates_per_epoch * k for k in (1, 2, 3))]
        assert [r.loss for r in records[1:]] == [e.train_loss for e in history]
        assert [r.test_loss for r in records[1:]] == [e.test_loss for e in history]
        assert all(r.seconds > 0 for r in records[1:])
        assert records[-1].elapsed == pytest.approx(sum(r.seconds for r in records))
    assert len({run.records[0].loss for run in runs}) == 1  # one start for all
    assert len({run.records[1].loss for run in runs}) == 3


def test_tracked_reset_rewinds_and_counts_again() -> None:
    run = Tracked(compare_batch_sizes(config(), [10])[0])
    run.run(2)
    first = [r.loss for r in run.records]
    run.reset()
    assert len(run.records) == 1 and run.trainer.epoch == 0
    run.run(2)
    assert [r.loss for r in run.records] == first and run.records[-1].examples == 500


def test_tracked_stops_recording_on_divergence() -> None:
    run = Tracked(Trainer(TrainConfig().with_changes(DIVERGING)))
    assert run.step_epoch() is None
    assert run.trainer.status is Status.DIVERGED and len(run.records) == 1
    assert run.run(3) == []


# -- the spread of mini-batch gradients ------------------------------------------------------


def test_the_full_gradient_is_the_gradient_of_the_eval_loss(spread_trainer: Trainer) -> None:
    trainer = spread_trainer
    model = trainer.model
    g = batch_gradient(trainer, slice(None))
    flat = model.flat

    def loss(values: np.ndarray) -> float:
        saved = flat.copy()
        flat[...] = values
        value = model.loss(trainer.f_train, trainer.t_train)
        flat[...] = saved
        return value

    rng = np.random.default_rng(0)
    for _ in range(3):
        projected_check(loss, flat.copy(), g, rng, rtol=1e-6)


def test_the_regularizer_is_part_of_the_gradient() -> None:
    plain = Trainer(config(hidden=[3]))
    l2 = Trainer(config(hidden=[3], regularization="l2", reg_rate=0.5))
    diff = batch_gradient(l2, slice(None)) - batch_gradient(plain, slice(None))
    model = l2.model
    expected = np.zeros_like(diff)
    offset = 0
    for key, array in model.params.items():
        if key in model.weight_keys:
            expected[offset : offset + array.size] = 0.5 * array.ravel()  # d/dw ½ r Σ w² = r w
        offset += array.size
    np.testing.assert_allclose(diff, expected, atol=1e-15)


def test_mini_batch_gradients_are_unbiased(spread_trainer: Trainer) -> None:
    out = gradient_spread(spread_trainer, 10, 2000, np.random.default_rng(1))
    g = batch_gradient(spread_trainer, slice(None))
    assert out["norm"] == pytest.approx(np.linalg.norm(g))
    # E|mean - g|² = variance / samples; a 10% error of one batch would be ~50x more
    assert out["mean_error"] ** 2 < 3 * out["variance"] / 2000
    assert out["mean_error"] < 0.1 * out["norm"] < math.sqrt(out["variance"])
    np.testing.assert_allclose(out["mean"], out["full"], atol=3 * math.sqrt(out["variance"] / 2000))


def test_variance_shrinks_as_one_over_the_batch_size(spread_trainer: Trainer) -> None:
    trainer = spread_trainer
    n = len(trainer.f_train)
    rng = np.random.default_rng(2)
    small, large = (gradient_spread(trainer, b, 400, rng)["variance"] for b in (10, 40))
    assert 2.0 < small / large < 8.0  # 4 x (n - 10) / (n - 40) = 4.6 for n = 250
    # Exactly: Var(mean of B of n rows, no repeats) = (n - B) / (B (n - 1)) σ², σ² the
    # per-row gradients' variance about g.
    g = batch_gradient(trainer, slice(None))
    rows = np.array([batch_gradient(trainer, np.array([i])) for i in range(n)])
    sigma2 = np.mean(np.sum((rows - g) ** 2, axis=1))
    for b, measured in ((10, small), (40, large)):
        assert measured == pytest.approx((n - b) / (b * (n - 1)) * sigma2, rel=0.2)


def test_the_full_batch_has_no_spread(spread_trainer: Trainer) -> None:
    n = len(spread_trainer.f_train)
    out = gradient_spread(spread_trainer, n, 5, np.random.default_rng(3))
    assert out["variance"] == 0.0
    assert np.array_equal(out["points"], np.tile(out["full"], (5, 1)))
    assert out["mean_error"] < 1e-15 * n
    u, v = out["u"], out["v"]  # no spread to follow: v is still a unit vector ⊥ u
    assert v @ v == pytest.approx(1.0) and abs(u @ v) < 1e-15


def test_the_axes_are_orthonormal_and_v_is_the_widest_spread(spread_trainer: Trainer) -> None:
    trainer = spread_trainer
    out = gradient_spread(trainer, 5, 50, np.random.default_rng(4))
    u, v = out["u"], out["v"]
    assert u @ u == pytest.approx(1.0) and v @ v == pytest.approx(1.0)
    assert abs(u @ v) < 1e-12
    np.testing.assert_allclose(out["full"], [out["norm"], 0.0], atol=1e-12)
    # the same batches again, by hand: the points are their projections onto (u, v)
    rng, n = np.random.default_rng(4), len(trainer.f_train)
    grads = np.array(
        [batch_gradient(trainer, np.sort(rng.choice(n, 5, replace=False))) for _ in range(50)]
    )
    np.testing.assert_allclose(out["points"], grads @ np.column_stack([u, v]), atol=1e-12)
    g = batch_gradient(trainer, slice(None))
    across = (grads - g) - np.outer((grads - g) @ u, u)
    spread_v = np.sum((across @ v) ** 2)
    assert spread_v == pytest.approx(np.linalg.svd(across, compute_uv=False)[0] ** 2)
    others = np.random.default_rng(5).standard_normal((20, u.size))
    others -= np.outer(others @ u, u)
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    assert np.all(np.sum((across @ others.T) ** 2, axis=0) < spread_v)


def test_the_spread_draws_nothing_from_the_trainer() -> None:
    """Eval mode: dropout draws no mask, so the run goes on exactly as its untouched twin."""
    noisy = {"dropout": 0.3, "hidden": [5, 3], "batch_size": 7}
    probed, twin = Trainer(config(**noisy)), Trainer(config(**noisy))
    probed.run(2)
    twin.run(2)
    out = gradient_spread(probed, 10, 20, np.random.default_rng(6))
    again = gradient_spread(probed, 10, 20, np.random.default_rng(6))
    assert all(np.array_equal(out[k], again[k]) for k in ("points", "u", "v"))  # seeded
    assert np.array_equal(probed.model.flat, twin.model.flat)
    probed.run(2)
    twin.run(2)
    assert np.array_equal(probed.model.flat, twin.model.flat)


@pytest.mark.parametrize(
    ("batch_size", "samples", "message"),
    [
        (0, 10, r"batch_size must be an integer in \[1, 250\]"),
        (251, 10, r"batch_size must be an integer in \[1, 250\]"),
        (10, 0, "samples must be an integer >= 1"),
    ],
)
def test_bad_spread_requests_are_refused(batch_size: int, samples: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        gradient_spread(Trainer(config()), batch_size, samples, np.random.default_rng(0))
