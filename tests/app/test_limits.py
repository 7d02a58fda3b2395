"""The server's limits: configs, points and uploads within the settings, and the number of
sessions: one too many is told why and closed with 1013, and a closed one frees its place."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.limits import LimitError, check_config, check_points_room, check_size
from app.settings import Settings
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.trainer import Trainer
from tests.app.conftest import Socket


def config(**changes: Any) -> TrainConfig:
    return TrainConfig().with_changes(changes)


def test_a_limit_error_is_a_config_error_naming_the_field() -> None:
    error = LimitError("hidden", [1, 2], "at most 1 hidden layers")
    assert isinstance(error, ConfigError) and error.field == "hidden"
    assert str(error) == "hidden must be at most 1 hidden layers, got [1, 2]"


def test_a_config_at_every_limit_passes(settings: Settings) -> None:
    check_config(config(hidden=[8, 8, 8], batch_size=50, n_points=600), settings)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"hidden": [2, 2, 2, 2]}, "hidden", "at most 3 hidden layers"),
        ({"hidden": [8, 9]}, "hidden[1]", "at most 8 neurons"),
        ({"batch_size": 51}, "batch_size", "at most 50"),
        ({"n_points": 601}, "n_points", "at most 600 points"),
        ({"dataset": "plane"}, "n_points", "at most 600 points"),  # its own 1200 points
    ],
)
def test_a_config_over_a_limit_is_refused(
    settings: Settings, changes: dict[str, Any], field: str, expected: str
) -> None:
    with pytest.raises(LimitError) as caught:
        check_config(config(**changes), settings)
    assert caught.value.field == field and expected in str(caught.value)


def test_points_are_refused_past_max_points(settings: Settings) -> None:
    trainer = Trainer(config(n_points=590))
    check_points_room(trainer, 10, settings)
    with pytest.raises(LimitError) as caught:
        check_points_room(trainer, 11, settings)
    assert caught.value.field == "points"
    assert "at most 10 more (limit 600)" in str(caught.value)


def test_sizes_are_counted_in_bytes(settings: Settings) -> None:
    check_size("csv", "x" * 4096, settings)
    check_size("csv", b"x" * 4096, settings)
    with pytest.raises(LimitError) as caught:
        check_size("csv", "é" * 2049, settings)  # 4098 bytes in 2049 characters
    assert caught.value.field == "csv" and "4098 bytes" in str(caught.value)


# -- sessions -------------------------------------------------------------------------------


def test_one_session_too_many_is_told_why_and_closed_with_1013(
    client: TestClient, connect: Any
) -> None:
    first, second = connect(), connect()
    third = Socket(client)
    try:
        error = third.receive()
        assert (error["type"], error["field"], error["request"]) == ("error", "session", None)
        assert "2 sessions at most" in error["message"]
        closed = third.receive_raw()
        assert closed["type"] == "websocket.close" and closed["code"] == 1013
        assert "NNP_MAX_SESSIONS" in closed["reason"]
    finally:
        third.close()
    assert first.step(1, seq=1)["epoch"] == 1 and second.step(1, seq=1)["epoch"] == 1


def test_a_closed_session_frees_its_place_within_a_second(
    app: FastAPI, client: TestClient, connect: Any
) -> None:
    first, second = connect(), connect()
    first.send({"type": "play"})
    first.until(lambda m: m["type"] == "frame" and m["epoch"] > 0)
    assert len(app.state.sessions.active) == 2
    first.close()  # while training
    deadline = time.monotonic() + 1.0
    while len(app.state.sessions.active) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(app.state.sessions.active) == 1
    third = connect()  # hello and the default run: it was admitted
    assert third.step(1, seq=1)["epoch"] == 1
    assert second.step(1, seq=1)["epoch"] == 1
