"""Runs other than a network through the same session (app/runs.py): the optimizer race, and
view options. The session's machinery is shared; only what it runs differs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app import frames
from app.runs import RaceRun
from app.settings import Settings
from engine.race import Race
from tests.app.conftest import Socket

RACE = {
    "surface": {"name": "quadratic", "condition": 10},
    "racers": [{"id": "gd", "name": "sgd", "lr": 0.05}, {"id": "adam", "name": "adam", "lr": 0.1}],
    "start": [-4.0, 3.0],
}


def start_race(sock: Socket, config: dict[str, Any] = RACE) -> dict[str, Any]:
    sock.send({"type": "start", "run": "race", "config": config})
    surface, frame, status = sock.take("surface", "frame", "status")
    assert status["state"] == "paused" and frame["epoch"] == 0
    return surface


def test_a_race_starts_with_its_surface_and_a_frame(connect: Callable[[], Socket]) -> None:
    sock = connect()
    surface = start_race(sock)
    assert surface["surface"]["name"] == "quadratic" and surface["start"] == [-4.0, 3.0]
    assert [r["id"] for r in surface["racers"]] == ["gd", "adam"]
    z = np.array(surface["contour"]["z"])
    assert z.shape == (len(surface["contour"]["y"]), len(surface["contour"]["x"]))
    assert float(z.min()) >= 0.0  # the quadratic bowl's minimum is 0


def test_race_steps_match_the_engine_race(connect: Callable[[], Socket]) -> None:
    sock = connect()
    start_race(sock)
    frame = sock.step(5, seq=1)
    race = frame["race"]
    assert frame["epoch"] == 5 and race["step"] == 5
    reference = Race(RACE["surface"], RACE["racers"], RACE["start"])
    reference.run(5)
    got = np.array([r["position"] for r in race["readout"]])
    np.testing.assert_allclose(got, reference.positions, rtol=1e-12)
    # the trails hold the points after the previous frame (steps 1..5: start was sent before)
    assert [len(t["x"]) for t in race["trails"]] == [5, 5]
    assert race["theory"][0]["gd_lr_max"] == 2 / 10  # 2 / largest eigenvalue
    assert race["theory"][1] is None  # no closed form for adam


def test_a_racer_changes_live(connect: Callable[[], Socket]) -> None:
    sock = connect()
    start_race(sock)
    sock.step(3, seq=1)
    sock.command({"type": "configure", "changes": {"racer": {"index": 0, "lr": 0.15}}}, seq=2)
    frame = sock.step(1, seq=3)
    reference = Race(RACE["surface"], RACE["racers"], RACE["start"])
    reference.run(3)
    reference.configure_racer(0, lr=0.15)
    reference.run(1)
    got = frame["race"]["readout"][0]["position"]
    np.testing.assert_allclose(got, reference.positions[0], rtol=1e-12)
    # the slowest eigen-direction sets the rate: max over λ in {1, 10} of |1 - lr λ|
    assert frame["race"]["theory"][0]["gd_rate"] == max(abs(1 - 0.15), abs(1 - 0.15 * 10))


def test_network_commands_are_refused_in_a_race(connect: Callable[[], Socket]) -> None:
    sock = connect()
    start_race(sock)
    for command in (
        {"type": "set_weight", "layer": 0, "source": 0, "target": 0, "value": 1.0},
        {"type": "regenerate"},
        {"type": "export"},
        {"type": "focus", "layer": 0},
    ):
        error = sock.error(command)
        assert error["field"] == "run" and error["request"] == command["type"]
    assert sock.step(1, seq=1)["race"]["step"] == 1  # the race lives on


def test_views_must_fit_the_run(connect: Callable[[], Socket]) -> None:
    sock = connect()
    error = sock.error({"type": "start", "run": "race", "config": RACE, "views": ["output"]})
    assert error["field"] == "views" and "race" in error["message"]
    error = sock.error({"type": "start", "config": {}, "views": ["race"]})
    assert error["field"] == "views"
    error = sock.error({"type": "start", "run": "tournament", "config": {}})
    assert error["field"] == "run"


def test_bad_race_configs_name_the_field(connect: Callable[[], Socket]) -> None:
    sock = connect()
    cases = {
        "surface.name": {**RACE, "surface": "volcano"},
        "racers": {**RACE, "racers": []},
        "noise": {**RACE, "noise": -1},
        "colour": {**RACE, "colour": "red"},
    }
    for field, config in cases.items():
        error = sock.error({"type": "start", "run": "race", "config": config})
        assert error["field"] == field, error


def test_view_options_reach_the_views_and_bad_ones_are_refused(
    connect: Callable[[], Socket],
) -> None:
    seen: list[dict[str, Any]] = []

    def probe(ctx: frames.FrameContext) -> Any:
        seen.append(dict(ctx.options))
        if ctx.options.get("probe") == "bad":
            from engine.errors import ConfigError

            raise ConfigError("probe", "bad", "'good'")
        return ctx.options.get("probe")

    frames.view("probe_for_test")(probe)
    try:
        sock = connect()
        sock.send({"type": "start", "config": {}, "views": ["probe_for_test"],
                   "options": {"probe": "good"}})  # fmt: skip
        frame = sock.take("network", "points", "frame", "status")[2]
        assert frame["probe_for_test"] == "good"
        error = sock.error({"type": "view_options", "options": {"probe": "bad"}})
        assert error["field"] == "probe"
        frames_after = sock.command({"type": "view_options", "options": {"other": 1}}, seq=4)
        assert frames_after[-1]["probe_for_test"] == "good"  # the bad option was not kept
        assert seen[-1] == {"probe": "good", "other": 1}
    finally:
        del frames.VIEWS["probe_for_test"], frames.VIEW_RUNS["probe_for_test"]


def test_race_run_reset_replays_the_same_noise() -> None:
    run = RaceRun({**RACE, "noise": 0.5, "seed": 7}, Settings())
    for _ in range(10):
        run.step()
    first = run.race.positions.copy()
    run.reset()
    for _ in range(10):
        run.step()
    assert np.array_equal(run.race.positions, first)


def test_moving_the_start_restarts_the_streamed_history(connect: Callable[[], Socket]) -> None:
    sock = connect()
    start_race(sock)
    sock.step(4, seq=1)
    frame = sock.command({"type": "configure", "changes": {"start": [2.0, 2.0]}}, seq=2)[-1]
    race = frame["race"]
    assert race["step"] == 0
    # the restart frame carries the new start as step 0 of every trail
    assert [(t["x"], t["y"]) for t in race["trails"]] == [([2.0], [2.0])] * 2
    frame = sock.step(2, seq=3)
    assert [len(t["x"]) for t in frame["race"]["trails"]] == [2, 2]


def test_history_since_indexes_from_the_end_and_survives_trimming(
    monkeypatch: Any,
) -> None:
    import engine.trainer

    monkeypatch.setattr(engine.trainer, "HISTORY", 5)
    from app.runs import TrainerRun

    run = TrainerRun({"n_points": 40}, Settings())
    for _ in range(12):
        run.step()
    kept = [e.epoch for e in run.trainer.history]
    assert kept[-1] == 12 and len(kept) <= 10 and kept == list(range(kept[0], 13))
    assert run.history_since(9)["epoch"] == [10, 11, 12]
    assert run.history_since(12)["epoch"] == []
    assert run.history_since(-1)["epoch"] == kept  # older epochs were trimmed: what is kept
    losses = {e.epoch: e.train_loss for e in run.trainer.history}
    assert run.history_since(10)["train_loss"] == [losses[11], losses[12]]
