"""The training websocket end to end through Starlette's TestClient: every command, the order
and content of what comes back, frames with a history that misses no epoch, divergence sent as
valid JSON, and one error reply per bad message with the socket still usable afterwards."""

from __future__ import annotations

import asyncio
import base64
import time
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.session import Session
from app.settings import Settings
from tests.app.conftest import DIVERGING, SMALL_RUN, Socket, strict_loads

Connect = Callable[[], Socket]


def change(**changes: Any) -> dict[str, Any]:
    return {"type": "configure", "changes": changes}


def frames_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == "frame"]


def history_epochs(frames: list[dict[str, Any]]) -> list[int]:
    return [e for f in frames for e in f["history"]["epoch"]]


def losses(frame: dict[str, Any]) -> list[float]:
    return frame["history"]["train_loss"] + frame["history"]["test_loss"]


def grid_bytes(encoded: dict[str, Any]) -> bytes:
    return zlib.decompress(base64.b64decode(encoded["data"]))


def shapes(frame: dict[str, Any]) -> list[tuple[int, int]]:
    return [(len(w), len(w[0])) for w in frame["weights"]]


def count_points(points: dict[str, Any]) -> tuple[int, int]:
    return len(points["train"]["x"]), len(points["test"]["x"])


# -- starting -------------------------------------------------------------------------------


def test_hello_carries_the_limits_then_the_default_run(client: Any, settings: Settings) -> None:
    sock = Socket(client)
    try:
        hello = sock.receive()
        assert hello["type"] == "hello"
        assert hello["limits"] == settings.limits()
        assert (hello["grid"], hello["thumb"], hello["frame_rate"]) == (20, 5, 30.0)
        network, _, frame, status = sock.take("network", "points", "frame", "status")
        assert network["config"]["dataset"] == "circle" and network["sizes"] == [2, 4, 2, 1]
        assert frame["epoch"] == 0 and status["state"] == "paused"
    finally:
        sock.close()


def test_the_default_frame_on_the_wire_is_at_most_20_kb() -> None:
    with TestClient(create_app(Settings(frame_rate=30, grid=100, thumb=20))) as client:
        sock = Socket(client)
        try:
            sock.receive()
            sock.take("network", "points")
            raw = sock.receive_raw()  # the default run's frame: circle, [4, 2], a 100 x 100 grid
            assert strict_loads(raw["text"])["type"] == "frame"
            assert len(raw["text"]) <= 20_000
        finally:
            sock.close()


def test_start_sends_network_points_frame_status_in_that_order(connect: Connect) -> None:
    sock = connect()
    config = {
        "dataset": "xor",
        "n_points": 200,
        "hidden": [3],
        "features": ["x1", "x2", "x1_x2"],
        "optimizer": {"name": "adam", "lr": 0.01},
    }
    network, points, frame, status = sock.start(config)

    assert network["sizes"] == [3, 3, 1]
    assert network["features"] == ["x1", "x2", "x1_x2"]
    assert (network["problem"], network["n_classes"], network["head"]) == (
        "classification",
        2,
        "bce",
    )
    assert network["config"]["dataset"] == "xor" and network["config"]["hidden"] == [3]
    assert network["config"]["optimizer"] == {"name": "adam", "lr": 0.01}
    assert network["feature_grids"]["n"] == 5
    assert len(grid_bytes(network["feature_grids"])) == 3 * 5 * 5

    assert count_points(points) == (100, 100)
    assert all(len(p) == 2 for p in points["train"]["x"])
    assert set(points["train"]["y"]) | set(points["test"]["y"]) == {0, 1}

    assert frame["epoch"] == 0 and frame["state"] == "paused" and frame["applied"] == 0
    assert frame["history"] == {"epoch": [], "train_loss": [], "test_loss": []}
    assert shapes(frame) == [(3, 3), (3, 1)]
    assert [len(b) for b in frame["biases"]] == [3, 1]
    assert frame["output"]["kind"] == "score" and len(grid_bytes(frame["output"])) == 20 * 20
    assert [len(grid_bytes(g)) for g in frame["neurons"]] == [3 * 5 * 5]
    assert [g["layer"] for g in frame["gradients"]] == [0, 1]
    assert frame["focus"] is None and "activations" not in frame
    assert 0 <= frame["metrics"]["train_accuracy"] <= 1

    assert status == {
        "type": "status",
        "state": "paused",
        "epoch": 0,
        "divergence": None,
        "message": "Paused.",
    }


def test_start_with_play_runs_and_views_choose_what_frames_carry(connect: Connect) -> None:
    sock = connect()
    sock.send(
        {"type": "start", "config": SMALL_RUN, "play": True, "views": ["metrics", "activations"]}
    )
    *_, status = sock.take("network", "points", "frame", "status")
    assert status["state"] == "running"
    frame = sock.until(lambda m: m["type"] == "frame" and m["epoch"] > 0)
    assert set(frame) == {"type", "epoch", "history", "applied", "state", "metrics", "activations"}
    assert [len(a["histogram"]["counts"]) > 0 for a in frame["activations"]] == [True, True]


# -- play, pause, step ----------------------------------------------------------------------


def test_play_streams_frames_whose_histories_miss_no_epoch(sock: Socket) -> None:
    sock.send({"type": "play"})
    assert sock.receive()["type"] == "status" and sock.log[-1]["state"] == "running"
    start = len(sock.log)
    sock.until(lambda m: m["type"] == "frame" and m["epoch"] >= 40)
    frames = frames_in(sock.log[start:])
    epochs = [f["epoch"] for f in frames]
    assert epochs == sorted(set(epochs)) and epochs[0] > 0  # strictly increasing
    assert history_epochs(frames) == list(range(1, epochs[-1] + 1))
    for f in frames:
        assert f["state"] == "running"
        assert len(f["history"]["train_loss"]) == len(f["history"]["epoch"])
        assert all(isinstance(v, float) for v in losses(f))
        if f["history"]["epoch"]:
            assert f["history"]["epoch"][-1] == f["epoch"]


def test_pause_stops_training(sock: Socket) -> None:
    sock.send({"type": "play"})
    sock.until(lambda m: m["type"] == "frame" and m["epoch"] >= 3)
    replies = sock.command({"type": "pause"}, seq=1)
    frame = replies[-1]
    if not any(m["type"] == "status" for m in replies):
        replies.append(sock.until(lambda m: m["type"] == "status"))
    status = next(m for m in replies if m["type"] == "status")
    assert status["state"] == "paused" and frame["state"] == "paused"
    paused_at = frame["epoch"]
    assert status["epoch"] == paused_at
    for seq in (2, 3, 4):  # a few round trips: each answered by one frame, the epoch unmoved
        replies = sock.command({"type": "focus", "layer": None}, seq)
        assert [m["type"] for m in replies] == ["frame"]
        assert replies[0]["epoch"] == paused_at and replies[0]["history"]["epoch"] == []
    assert sock.step(1, seq=5)["epoch"] == paused_at + 1
    history = history_epochs(frames_in(sock.log))
    assert history == list(range(1, paused_at + 2))


def test_step_trains_exactly_that_many_epochs_then_pauses(sock: Socket) -> None:
    replies = sock.command({"type": "step", "epochs": 5}, seq=1)
    assert [m["type"] for m in replies] == ["status", "frame"]
    status, frame = replies
    assert (status["state"], status["epoch"]) == ("paused", 5)
    assert frame["epoch"] == 5 and frame["history"]["epoch"] == [1, 2, 3, 4, 5]
    assert frame["applied"] == 1
    frame = sock.step(5, seq=2)
    assert frame["epoch"] == 10 and frame["history"]["epoch"] == [6, 7, 8, 9, 10]


def test_rewind_replays_the_run_bit_for_bit(connect: Connect) -> None:
    sock = connect()
    run = {**SMALL_RUN, "dropout": 0.1, "batch_size": 7}  # randomness in batches and masks
    _, _, start_frame, _ = sock.start(run)
    first = sock.step(6, seq=1)
    sock.send({"type": "rewind", "seq": 2})
    _, _, frame, status = sock.take("network", "points", "frame", "status")
    assert frame["epoch"] == 0 and frame["history"]["epoch"] == [] and frame["applied"] == 2
    assert status["state"] == "paused" and status["epoch"] == 0
    assert frame["weights"] == start_frame["weights"]
    again = sock.step(6, seq=3)
    assert losses(again) == losses(first)  # exactly: the same floats
    assert len(set(losses(first))) > 6  # and it trained
    assert (again["weights"], again["biases"]) == (first["weights"], first["biases"])


def test_reset_with_a_new_seed_draws_new_weights(sock: Socket) -> None:
    initial = sock.log[-2]  # the start's frame: weights from init seed 1
    assert initial["type"] == "frame" and initial["epoch"] == 0
    sock.step(3, seq=1)
    sock.send({"type": "reset", "init_seed": 7})
    network, _, frame, status = sock.take("network", "points", "frame", "status")
    assert network["config"]["init_seed"] == 7
    assert frame["epoch"] == 0 and (status["state"], status["epoch"]) == ("paused", 0)
    assert shapes(frame) == shapes(initial) and frame["weights"] != initial["weights"]
    sock.send({"type": "reset", "init_seed": 1})
    _, _, back, _ = sock.take("network", "points", "frame", "status")
    assert back["weights"] == initial["weights"]
    sock.step(2, seq=2)
    sock.send({"type": "reset"})  # no seed: the current one again
    _, _, same, _ = sock.take("network", "points", "frame", "status")
    assert same["weights"] == initial["weights"]


def test_regenerate_draws_new_points_and_keeps_the_weights(sock: Socket) -> None:
    before = sock.log[-3]
    assert before["type"] == "points"
    trained = sock.step(3, seq=1)
    replies = sock.command({"type": "regenerate", "data_seed": 5}, seq=2)
    assert [m["type"] for m in replies] == ["points", "frame"]
    points, frame = replies
    assert count_points(points) == count_points(before)
    assert points["train"]["x"] != before["train"]["x"]
    assert frame["epoch"] == 3 and frame["weights"] == trained["weights"]


# -- live changes and edits -----------------------------------------------------------------


def test_a_learning_rate_change_is_live_while_running(sock: Socket) -> None:
    sock.send({"type": "play"})
    before = sock.until(lambda m: m["type"] == "frame" and m["epoch"] >= 5)
    start = len(sock.log)
    replies = sock.command(change(optimizer={"name": "sgd", "lr": 0.1}), seq=1)
    applied = replies[-1]
    assert applied["applied"] == 1 and applied["epoch"] >= before["epoch"]  # not reset
    assert not [m for m in replies if m["type"] in ("network", "points", "error")]
    later = sock.until(lambda m: m["type"] == "frame" and m["epoch"] >= applied["epoch"] + 5)
    assert later["applied"] == 1
    sock.command({"type": "pause"}, seq=2)
    assert history_epochs(frames_in(sock.log)) == list(range(1, sock.log[-1]["epoch"] + 1))
    assert len(frames_in(sock.log[start:])) >= 2
    sock.send({"type": "export"})
    exported = sock.until(lambda m: m["type"] == "export")
    assert exported["state"]["config"]["optimizer"] == {"name": "sgd", "lr": 0.1}


def test_a_live_change_keeps_the_weights(sock: Socket) -> None:
    trained = sock.step(3, seq=1)
    replies = sock.command(change(batch_size=20), seq=2)
    assert [m["type"] for m in replies] == ["frame"]
    assert replies[0]["epoch"] == 3 and replies[0]["weights"] == trained["weights"]
    assert sock.step(1, seq=3)["history"]["epoch"] == [4]


def test_a_hidden_layer_change_rebuilds_the_network(sock: Socket) -> None:
    sock.step(3, seq=1)
    replies = sock.command(change(hidden=[5]), seq=2)
    assert [m["type"] for m in replies] == ["network", "points", "frame"]
    network, _, frame = replies
    assert network["sizes"] == [2, 5, 1] and network["config"]["hidden"] == [5]
    assert frame["epoch"] == 0 and shapes(frame) == [(2, 5), (5, 1)]
    assert sock.step(2, seq=3)["history"]["epoch"] == [1, 2]


def test_set_weight_and_set_bias_show_in_the_next_frame(sock: Socket) -> None:
    replies = sock.command(
        {"type": "set_weight", "layer": 0, "source": 1, "target": 2, "value": 1.25}, seq=1
    )
    assert [m["type"] for m in replies] == ["frame"]
    assert replies[0]["weights"][0][1][2] == 1.25
    frame = sock.command({"type": "set_bias", "layer": 2, "neuron": 0, "value": -0.5}, seq=2)[-1]
    assert frame["biases"][2] == [-0.5] and frame["weights"][0][1][2] == 1.25


def test_add_points_grows_the_chosen_split(sock: Socket) -> None:
    train, test = count_points(sock.log[-3])
    replies = sock.command(
        {"type": "add_points", "points": [[1, 1], [2, -2]], "labels": [0, 1]}, seq=1
    )
    assert [m["type"] for m in replies] == ["points", "frame"]
    points = replies[0]
    assert count_points(points) == (train + 2, test)
    assert points["train"]["x"][-2:] == [[1, 1], [2, -2]] and points["train"]["y"][-2:] == [0, 1]
    points = sock.command(
        {"type": "add_points", "points": [[0, 3]], "labels": [1], "split": "test"}, seq=2
    )[0]
    assert count_points(points) == (train + 2, test + 1)


# -- uploads, export and import -------------------------------------------------------------


def csv_text(labels: list[Any], header: bool = True) -> str:
    rows = [f"{-5 + 0.3 * i:.2f},{(i % 7) - 3},{label}" for i, label in enumerate(labels)]
    return "\n".join((["x1,x2,label"] if header else []) + rows)


def test_an_upload_with_three_classes_makes_a_classification(sock: Socket) -> None:
    sock.send({"type": "upload_csv", "text": csv_text([i % 3 for i in range(30)])})
    network, points, frame, status = sock.take("network", "points", "frame", "status")
    assert (network["problem"], network["n_classes"], network["head"]) == (
        "classification",
        3,
        "softmax_ce",
    )
    assert network["sizes"] == [2, 4, 2, 3] and network["source"] == "custom"
    assert sum(count_points(points)) == 30 and points["n_classes"] == 3
    assert frame["output"]["kind"] == "class" and status["state"] == "paused"
    assert sock.step(2, seq=1)["history"]["epoch"] == [1, 2]


def test_an_upload_of_numbers_makes_a_regression(sock: Socket) -> None:
    sock.send(
        {
            "type": "upload_csv",
            "text": csv_text([round(i / 40 - 0.4, 3) for i in range(30)], header=False),
        }
    )
    network, points, frame, _ = sock.take("network", "points", "frame", "status")
    assert (network["problem"], network["n_classes"], network["head"]) == ("regression", 0, "mse")
    assert network["sizes"][-1] == 1 and points["problem"] == "regression"
    assert frame["output"]["kind"] == "score"


BAD_UPLOADS = {
    "empty": "",
    "two columns": "1,2\n3,4",
    "a word": "x1,x2,label\n1,2,cat\n3,4,1",
    "one class": "0,0,0\n1,1,0\n2,2,0",
    "outside the domain": "9,0,1\n0,0,0",
    "a label that is neither a class nor in [-1, 1]": "0,0,7\n1,1,0",
    "over max_upload_bytes": "0,0,1\n" * 700,  # 4200 bytes; the message itself is allowed
}


@pytest.mark.parametrize("text", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_a_bad_upload_is_refused_naming_the_csv(sock: Socket, text: str) -> None:
    error = sock.error({"type": "upload_csv", "text": text})
    assert (error["field"], error["request"]) == ("csv", "upload_csv")
    assert error["message"].startswith("csv ") and "got" in error["message"]
    replies = sock.command({"type": "step"}, seq=1)  # the data and the run are untouched
    assert [m["type"] for m in replies] == ["status", "frame"] and replies[-1]["epoch"] == 1


def test_export_then_import_restores_the_weights_in_a_fresh_session(connect: Connect) -> None:
    first = connect()
    first.start({**SMALL_RUN, "hidden": [3, 3], "activation": "relu"})
    trained = first.step(4, seq=1)
    first.send({"type": "export"})
    state = first.until(lambda m: m["type"] == "export")["state"]
    assert state["version"] == 1 and state["epoch"] == 4
    first.close()

    second = connect()
    second.send({"type": "import", "state": state, "seq": 3})
    network, _, frame, status = second.take("network", "points", "frame", "status")
    assert network["config"]["hidden"] == [3, 3] and network["config"]["activation"] == "relu"
    assert frame["weights"] == trained["weights"] and frame["biases"] == trained["biases"]
    assert frame["epoch"] == 4 and frame["applied"] == 3 and status["state"] == "paused"
    assert second.step(1, seq=4)["history"]["epoch"] == [5]


def labelled(points: dict[str, Any]) -> list[tuple[float, float, float]]:
    pairs = [(*x, y) for s in ("train", "test") for x, y in zip(*points[s].values(), strict=True)]
    return sorted(pairs)


def test_export_then_import_carries_uploaded_points(connect: Connect) -> None:
    first = connect()
    first.send({"type": "upload_csv", "text": csv_text([i % 3 for i in range(30)])})
    _, uploaded, _, _ = first.take("network", "points", "frame", "status")
    first.send({"type": "export"})
    state = first.until(lambda m: m["type"] == "export")["state"]
    first.close()
    second = connect()
    second.send({"type": "import", "state": state})
    network, points, _, _ = second.take("network", "points", "frame", "status")
    assert network["n_classes"] == 3 and network["source"] == "custom"
    assert labelled(points) == labelled(uploaded)  # the same points (the split is drawn again)


# -- focus and speed ------------------------------------------------------------------------


def test_focus_frames_carry_the_neurons_full_size_grid(sock: Socket) -> None:
    frame = sock.command({"type": "focus", "layer": 0, "neuron": 3}, seq=1)[-1]
    focus = frame["focus"]
    assert (focus["layer"], focus["neuron"], focus["n"]) == (0, 3, 20)
    assert focus["scale"] >= 1.0 and len(grid_bytes(focus)) == 20 * 20
    assert sock.step(2, seq=2)["focus"]["neuron"] == 3  # kept on every frame
    assert sock.command({"type": "focus", "layer": None}, seq=3)[-1]["focus"] is None


def test_a_speed_cap_bounds_the_training_rate(sock: Socket) -> None:
    sock.send({"type": "speed", "epochs_per_second": 20})
    sock.send({"type": "play"})
    began, epoch = time.monotonic(), 0
    while time.monotonic() - began < 1.0:
        message = sock.receive()
        if message["type"] == "frame":
            epoch = message["epoch"]
    assert 1 <= epoch < 60  # about 20; uncapped, this run trains hundreds a second
    sock.command({"type": "pause"}, seq=1)
    assert history_epochs(frames_in(sock.log)) == list(range(1, sock.log[-1]["epoch"] + 1))


# -- divergence -----------------------------------------------------------------------------


def test_a_diverging_run_sends_valid_json_and_refuses_play_until_a_change(sock: Socket) -> None:
    sock.start(DIVERGING)
    sock.send({"type": "play"})
    status = sock.until(lambda m: m["type"] == "status" and m["state"] != "running")
    # Socket.receive parsed every message strictly: no NaN or Infinity reached the client
    assert status["state"] == "diverged"
    divergence = status["divergence"]
    assert divergence["epoch"] == status["epoch"] + 1 and divergence["lr"] == 10.0
    assert "loss became" in divergence["reason"]
    assert "learning rate" in divergence["suggestion"]
    assert status["message"].startswith(f"Training diverged at epoch {divergence['epoch']}")
    frame = sock.until(lambda m: m["type"] == "frame" and m["state"] == "diverged")
    norms = [g["weight_norm"] for f in frames_in(sock.log) for g in f["gradients"]]
    assert None in norms  # an overflowed norm arrived as null, not as Infinity

    error = sock.error({"type": "play"})
    assert (error["field"], error["request"]) == ("state", "play")
    assert "diverged" in error["message"]
    assert sock.command({"type": "focus", "layer": None}, seq=1)[-1]["epoch"] == frame["epoch"]

    replies = sock.command(change(optimizer={"name": "sgd", "lr": 0.001}), seq=2)
    assert [(m["type"], m.get("state")) for m in replies] == [
        ("status", "paused"),
        ("frame", "paused"),
    ]
    sock.send({"type": "play"})
    assert sock.until(lambda m: m["type"] in ("status", "error"))["state"] == "running"


# -- errors ---------------------------------------------------------------------------------

BAD_MESSAGES: dict[str, tuple[dict[str, Any] | str, str | None, str | None]] = {
    # id: (message, field, request)
    "malformed JSON": ('{"type": "play"', None, None),
    "a JSON array": ("[1, 2]", None, None),
    "a JSON string": ('"play"', None, None),
    "a NaN value": (
        '{"type": "set_bias", "layer": 0, "neuron": 0, "value": NaN}',
        "value",
        "set_bias",
    ),
    "no type": ({"epochs": 2}, "type", None),
    "an unknown type": ({"type": "fly"}, "type", None),
    "an unknown field": ({"type": "play", "speed": 2}, "speed", "play"),
    "epochs of the wrong type": ({"type": "step", "epochs": "many"}, "epochs", "step"),
    "a layer of the wrong type": (
        {"type": "set_weight", "layer": [0], "source": 0, "target": 0, "value": 1},
        "layer",
        "set_weight",
    ),
    "changes of the wrong type": ({"type": "configure", "changes": [1]}, "changes", "configure"),
    "a point of the wrong type": (
        {"type": "add_points", "points": [[1, "a"]], "labels": [0]},
        "points.0.1",
        "add_points",
    ),
    "an unknown setting": (change(colour="red"), "colour", "configure"),
    "an unknown dataset": (
        {"type": "start", "config": {"dataset": "moon"}},
        "dataset.name",
        "start",
    ),
    "an unknown activation": (change(activation="relux"), "activation.name", "configure"),
    "an unknown optimizer": (change(optimizer={"name": "sgdd"}), "optimizer.name", "configure"),
    "an unknown optimizer parameter": (
        change(optimizer={"name": "sgd", "beta": 0.9}),
        "optimizer.beta",
        "configure",
    ),
    "an unknown view": ({"type": "start", "views": ["everything"]}, "views", "start"),
    "lr out of range": (change(optimizer={"name": "sgd", "lr": 50}), "optimizer.lr", "configure"),
    "batch_size 0": (change(batch_size=0), "batch_size", "configure"),
    "noise 99": (change(dataset={"name": "circle", "noise": 99}), "dataset.noise", "configure"),
    "step 0 epochs": ({"type": "step", "epochs": 0}, "epochs", "step"),
    "a negative seed": ({"type": "regenerate", "data_seed": -1}, "data_seed", "regenerate"),
    "a speed of 0": ({"type": "speed", "epochs_per_second": 0}, "epochs_per_second", "speed"),
    "a split that is neither": (
        {"type": "add_points", "points": [[1, 1]], "labels": [0], "split": "both"},
        "split",
        "add_points",
    ),
    "more layers than max_layers": (change(hidden=[2, 2, 2, 2]), "hidden", "configure"),
    "more neurons than max_neurons": (change(hidden=[4, 9]), "hidden[1]", "configure"),
    "a batch over max_batch_size": (change(batch_size=51), "batch_size", "configure"),
    "more points than max_points": (change(n_points=601), "n_points", "configure"),
    "a start over max_points": (
        {"type": "start", "config": {"dataset": "plane"}},  # 1200 points
        "n_points",
        "start",
    ),
    "a step over max_epochs_per_step": ({"type": "step", "epochs": 51}, "epochs", "step"),
    "points past max_points": (
        {"type": "add_points", "points": [[0, 0]] * 401, "labels": [0] * 401},
        "points",
        "add_points",
    ),
    "a label of no class": (
        {"type": "add_points", "points": [[1, 1]], "labels": [2]},
        "points.y",
        "add_points",
    ),
    "a message over max_message_bytes": (
        {"type": "upload_csv", "text": "0,0,1\n" * 1500},  # 9000 bytes
        None,
        None,
    ),
    "set_weight: no such layer": (
        {"type": "set_weight", "layer": 3, "source": 0, "target": 0, "value": 1},
        "layer",
        "set_weight",
    ),
    "set_weight: no such source": (
        {"type": "set_weight", "layer": 1, "source": 4, "target": 0, "value": 1},
        "source",
        "set_weight",
    ),
    "set_weight: no such target": (
        {"type": "set_weight", "layer": 0, "source": 0, "target": -1, "value": 1},
        "target",
        "set_weight",
    ),
    "set_bias: no such neuron": (
        {"type": "set_bias", "layer": 1, "neuron": 2, "value": 1},
        "neuron",
        "set_bias",
    ),
    "focus: no such layer": ({"type": "focus", "layer": 2}, "layer", "focus"),
    "focus: no such neuron": ({"type": "focus", "layer": 1, "neuron": 2}, "neuron", "focus"),
    "import: a state that is not an object": ({"type": "import", "state": []}, "state", "import"),
    "import: another version": (
        {"type": "import", "state": {"version": 2, "config": {}, "weights": {}}},
        "state.version",
        "import",
    ),
}


@pytest.mark.parametrize(
    ("message", "field", "request_type"), BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys()
)
def test_a_bad_message_gets_an_error_and_the_socket_stays_usable(
    sock: Socket, message: dict[str, Any] | str, field: str | None, request_type: str | None
) -> None:
    weights = sock.step(2, seq=1)["weights"]
    mark = len(sock.log)
    error = sock.error(message)
    assert (error["field"], error["request"]) == (field, request_type)
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    if field is not None:  # it names the field and shows what came
        assert error["message"].startswith(field) and "got" in error["message"]
    # the session kept its state and still answers
    frame = sock.step(1, seq=2)
    assert frame["epoch"] == 3 and frame["history"]["epoch"] == [3]
    assert shapes(frame) == [(len(w), len(w[0])) for w in weights]
    assert [m["type"] for m in sock.log[mark:]] == ["error", "status", "frame"]


def test_a_binary_message_is_read_as_utf8_json(sock: Socket) -> None:
    sock.ws.send_bytes(b'{"type": "step", "seq": 1}')
    assert sock.until(lambda m: m["type"] == "frame")["applied"] == 1
    error = sock.error_after(lambda: sock.ws.send_bytes(b'{"type": "\xff"}'))
    assert error["field"] is None and "UTF-8" in error["message"]
    assert sock.step(1, seq=2)["epoch"] == 2


def test_an_import_of_the_wrong_shape_names_the_weights(connect: Connect) -> None:
    first = connect()
    first.send({"type": "export"})
    state = first.until(lambda m: m["type"] == "export")["state"]
    first.close()
    sock = connect()
    key = sorted(state["weights"])[0]
    bad = {**state, "weights": {**state["weights"], key: [[1.0]]}}
    error = sock.error({"type": "import", "state": bad})
    assert (error["field"], error["request"]) == (f"weights.{key}", "import")
    assert "shape" in error["message"]
    too_deep = {**state, "config": {**state["config"], "hidden": [2, 2, 2, 2]}}
    assert sock.error({"type": "import", "state": too_deep})["field"] == "hidden"
    assert sock.step(1, seq=1)["epoch"] == 1


# -- the writer: a slow client gets fewer frames but every epoch ----------------------------


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(strict_loads(text))


def test_an_unsent_frame_gives_its_place_and_history_to_the_next(settings: Settings) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = RecordingSocket()
        session = Session(ws, settings)  # type: ignore[arg-type]
        session.trainer.run(3)
        session._frame_now()  # epochs 1..3, not sent yet
        session._status()
        session.trainer.run(2)
        session._frame_now()  # replaces it: epochs 1..5, in the first one's place
        writer = asyncio.create_task(session._write())
        while not session.outbox.empty():
            await asyncio.sleep(0)
        session.trainer.run(1)
        session._frame_now()
        session._new_history()  # a new run drops the unsent frame
        session.trainer.reset()
        session._frame_now()
        while not session.outbox.empty():
            await asyncio.sleep(0)
        writer.cancel()
        return ws.sent

    sent = asyncio.run(scenario())
    assert [m["type"] for m in sent] == ["frame", "status", "frame"]
    assert sent[0]["epoch"] == 5 and sent[0]["history"]["epoch"] == [1, 2, 3, 4, 5]
    assert sent[2]["epoch"] == 0 and sent[2]["history"]["epoch"] == []
