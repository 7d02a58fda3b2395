"""The optimizers lab (app/labs/optimizers.py): its page, the `gradient_spread` view against
engine.batching.gradient_spread, and what the page relies on from the race and the batch-size
comparison (seeded races replay exactly; sessions from the same seeds start from the same
weights)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.labs import LABS
from app.labs.optimizers import SPREAD_OPTIONS, spread_options
from engine.batching import gradient_spread
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.race import Race
from engine.trainer import Trainer
from tests.app.conftest import SMALL_RUN, Socket

SIX = [
    {"id": "a", "name": "sgd", "lr": 0.05},
    {"id": "b", "name": "sgd", "lr": 0.05, "momentum": 0.9},
    {"id": "c", "name": "adagrad", "lr": 0.5},
    {"id": "d", "name": "rmsprop", "lr": 0.05},
    {"id": "e", "name": "adam", "lr": 0.1},
    {"id": "f", "name": "adamw", "lr": 0.1},
]
RACE = {"surface": {"name": "beale"}, "racers": SIX, "start": [1.0, 1.5], "noise": 0.5, "seed": 7}
SPREAD = {"spread_batch": 10, "spread_samples": 50, "spread_seed": 3}


def test_the_lab_is_registered_and_its_page_is_served(client: TestClient) -> None:
    lab = LABS["optimizers"]
    assert lab.path == "/optimizers" and lab.template == "optimizers.html"
    page = client.get("/optimizers")
    assert page.status_code == 200
    assert "/static/js/labs/optimizers/main.js" in page.text
    assert 'aria-label="Play"' in page.text and "Why Momentum Really Works" in page.text
    nav = client.get("/api/catalog").json()
    assert "gradient_spread" in nav["views"] and nav["views"]["gradient_spread"] == ["trainer"]


@pytest.mark.parametrize("path", ["main.js", "arena.js", "contour.js", "network.js", "spread.js"])
def test_the_page_modules_are_served(client: TestClient, path: str) -> None:
    response = client.get(f"/static/js/labs/optimizers/{path}")
    assert response.status_code == 200
    assert "import" in response.text or "export" in response.text


# ---- the gradient_spread view ---------------------------------------------------------------


def start_with_spread(sock: Socket, options: dict[str, Any]) -> dict[str, Any]:
    sock.send({"type": "start", "config": SMALL_RUN, "views": ["metrics", "gradient_spread"],
               "options": options})  # fmt: skip
    return sock.take("network", "points", "frame", "status")[2]


def test_the_spread_view_is_the_engines_gradient_spread(connect: Callable[[], Socket]) -> None:
    sock = connect()
    frame = start_with_spread(sock, SPREAD)
    sock.command({"type": "step", "epochs": 3}, seq=1)
    frame = sock.log[-1]
    spread = frame["gradient_spread"]
    # The same trainer, three epochs, the same rng: the engine's numbers exactly.
    trainer = Trainer(TrainConfig().with_changes(SMALL_RUN))
    trainer.run(3)
    rng = np.random.default_rng([SPREAD["spread_seed"], 3])
    want = gradient_spread(trainer, SPREAD["spread_batch"], SPREAD["spread_samples"], rng)
    assert spread["epoch"] == 3 and spread["batch_size"] == 10 and spread["samples"] == 50
    assert spread["n_train"] == 100
    np.testing.assert_allclose(spread["points"], np.round(want["points"], 6), atol=1e-12)
    np.testing.assert_allclose(spread["full"], [want["norm"], 0.0], atol=1e-6)
    assert spread["norm"] == pytest.approx(want["norm"], rel=1e-12)
    assert spread["variance"] == pytest.approx(want["variance"], rel=1e-12)


def test_the_spread_leaves_training_unchanged(connect: Callable[[], Socket]) -> None:
    """Its draws come from its own generator: a run with the view trains bit for bit as one
    without it."""
    with_view, without = connect(), connect()
    start_with_spread(with_view, SPREAD)
    without.start(SMALL_RUN)
    a = with_view.step(5, seq=1)
    b = without.step(5, seq=1)
    assert a["history"]["train_loss"] == b["history"]["train_loss"]
    assert a["metrics"]["train_loss"] == b["metrics"]["train_loss"]


def test_a_full_batch_shows_no_spread(connect: Callable[[], Socket]) -> None:
    sock = connect()
    frame = start_with_spread(sock, {**SPREAD, "spread_batch": 100})  # n_train = 100
    points = np.array(frame["gradient_spread"]["points"])
    np.testing.assert_allclose(
        points, np.tile(frame["gradient_spread"]["full"], (50, 1)), atol=1e-6
    )
    assert frame["gradient_spread"]["variance"] == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"spread_batch": 0}, "spread_batch"),
        ({"spread_batch": 101}, "spread_batch"),  # more than the 100 training points
        ({"spread_samples": 1}, "spread_samples"),
        ({"spread_samples": "many"}, "spread_samples"),
        ({"spread_seed": -1}, "spread_seed"),
        ({"spread_batch": True}, "spread_batch"),
    ],
)
def test_bad_spread_options_are_refused_by_name(
    connect: Callable[[], Socket], options: dict[str, Any], field: str
) -> None:
    sock = connect()
    start_with_spread(sock, SPREAD)
    error = sock.error({"type": "view_options", "options": options})
    assert error["field"] == field and field in error["message"]
    # the session keeps its options: the next frame still shows batches of 10
    assert sock.step(1, seq=1)["gradient_spread"]["batch_size"] == 10


def test_spread_options_defaults_and_whole_floats() -> None:
    assert spread_options({}) == {k: v[0] for k, v in SPREAD_OPTIONS.items()}
    assert spread_options({"spread_batch": 5.0})["spread_batch"] == 5
    with pytest.raises(ConfigError, match="spread_batch"):
        spread_options({"spread_batch": 5.5})


def test_the_spread_is_refused_in_a_race(connect: Callable[[], Socket]) -> None:
    sock = connect()
    error = sock.error({"type": "start", "run": "race", "config": {}, "views": ["gradient_spread"]})
    assert error["field"] == "views"


# ---- what the page relies on ------------------------------------------------------------------


def race_frames(sock: Socket, steps: int) -> dict[str, Any]:
    sock.send({"type": "start", "run": "race", "config": RACE, "views": ["race"]})
    sock.take("surface", "frame", "status")
    return sock.step(steps, seq=1)["race"]


def test_a_seeded_noisy_race_of_six_replays_exactly(connect: Callable[[], Socket]) -> None:
    first, second = race_frames(connect(), 40), race_frames(connect(), 40)
    assert first["trails"] == second["trails"] and first["readout"] == second["readout"]
    reference = Race(RACE["surface"], SIX, RACE["start"], RACE["noise"], RACE["seed"])
    reference.run(40)
    for trail, racer in zip(first["trails"], reference.racers, strict=True):
        points, losses = racer.since(0)  # the start (step 0) came in the start's frame
        np.testing.assert_allclose(trail["x"], np.round(points[:, 0], 6), atol=0)
        assert trail["loss"] == losses.tolist()


def test_batch_sessions_start_from_the_same_weights(connect: Callable[[], Socket]) -> None:
    """The page opens one session per batch size with one config: same data, same weights,
    so their losses at epoch 0 agree exactly and part once they train."""
    starts, after = set(), set()
    for batch in (50, 10, 1):  # 50: the test app's largest batch
        sock = connect()
        start = sock.start({**SMALL_RUN, "batch_size": batch})[2]
        assert start["epoch"] == 0
        starts.add(start["metrics"]["train_loss"])
        after.add(sock.step(1, seq=1)["history"]["train_loss"][-1])
        sock.close()  # the test app allows two sessions
    assert len(starts) == 1 and len(after) == 3
