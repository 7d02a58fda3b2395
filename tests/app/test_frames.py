"""What the server sends: JSON without NaN, grids quantized to bytes within one step, the class
byte 40 * class + level, every registered view, and the size of a default frame."""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np
import pytest

from app import frames
from app.runs import TrainerRun
from app.settings import Settings
from engine.config import TrainConfig
from engine.trainer import Trainer
from tests.app.conftest import DIVERGING, strict_loads

STEP = 1 / 127.5  # one quantization step of a unit scale


def unpack(data: str) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(data)), dtype=np.uint8)


def dequantize(b: np.ndarray, scale: float = 1.0) -> np.ndarray:
    return (b / 127.5 - 1.0) * scale


def make(**changes: Any) -> Trainer:
    return Trainer(TrainConfig().with_changes({"n_points": 100, **changes}))


# -- JSON -----------------------------------------------------------------------------------


def test_to_json_sends_non_finite_numbers_as_null() -> None:
    message = {"a": math.nan, "b": [1.5, math.inf, (-math.inf, 2)], "c": {"d": np.float64("nan")}}
    text = frames.to_json(message)
    assert strict_loads(text) == {"a": None, "b": [1.5, None, [None, 2]], "c": {"d": None}}
    assert " " not in text  # compact


def test_to_json_leaves_finite_messages_alone() -> None:
    message = {"type": "frame", "x": [0.1, -2, 1e300], "ok": True, "none": None, "s": "NaN"}
    assert frames.to_json(message) == json.dumps(message, separators=(",", ":"))


# -- grids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 3.0, 0.25])
def test_quantize_round_trips_within_one_step(scale: float) -> None:
    values = np.linspace(-scale, scale, 2001)
    b = frames.quantize(values, scale)
    assert b.dtype == np.uint8 and (b.min(), b.max()) == (0, 255)
    error = np.abs(dequantize(b, scale) - values)
    assert error.max() <= STEP * scale / 2 + 1e-12  # half a step: rounding to the nearest


def test_quantize_clips_and_maps_non_finite_values() -> None:
    b = frames.quantize(np.array([-5.0, 5.0, -np.inf, np.inf, np.nan, 0.0]))
    assert b.tolist() == [0, 255, 0, 255, 128, 128]


def test_pack_is_deflate_then_base64() -> None:
    raw = np.arange(256, dtype=np.uint8).repeat(3)
    assert unpack(frames.pack(raw)).tolist() == raw.tolist()


def test_score_output_round_trips() -> None:
    rng = np.random.default_rng(0)
    output = rng.uniform(-1, 1, (10, 10))
    encoded = frames.encode_output(output)
    assert (encoded["kind"], encoded["n"]) == ("score", 10)
    back = dequantize(unpack(encoded["data"])).reshape(10, 10)
    assert np.abs(back - output).max() <= STEP


def test_class_output_is_40_times_class_plus_level() -> None:
    third = 1 / 3
    output = np.array(
        [
            [[third, third, third], [0.1, 0.8, 0.1]],
            [[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]],
        ]
    )
    encoded = frames.encode_output(output)
    assert (encoded["kind"], encoded["n"]) == ("class", 2)
    # uncertain class 0; class 1 at (0.8 - 1/3) / (2/3) = 0.7 -> 27; sure class 2 -> 39;
    # a tie goes to the first class, at (0.5 - 1/3) / (2/3) = 0.25 -> 10
    assert unpack(encoded["data"]).tolist() == [0, 40 + 27, 80 + 39, 10]


@pytest.mark.parametrize("k", [2, 3, 6])
def test_class_bytes_decode_to_class_and_confidence(k: int) -> None:
    rng = np.random.default_rng(k)
    logits = rng.normal(0, 3, (12, 12, k))
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    b = unpack(frames.encode_output(probs)["data"]).reshape(12, 12).astype(int)
    assert np.array_equal(b // frames.CLASS_LEVELS, probs.argmax(axis=2))
    confidence = (probs.max(axis=2) - 1 / k) / (1 - 1 / k)
    level = b % frames.CLASS_LEVELS
    assert np.abs(level / (frames.CLASS_LEVELS - 1) - confidence).max() <= 0.5 / 39 + 1e-12


def test_grids_share_a_scale_of_at_least_one() -> None:
    grids = np.linspace(-3, 3, 2 * 4 * 4).reshape(2, 4, 4)
    encoded = frames.encode_grids(grids)
    assert (encoded["n"], encoded["scale"]) == (4, 3.0)
    back = dequantize(unpack(encoded["data"]), 3.0).reshape(2, 4, 4)
    assert np.abs(back - grids).max() <= 3.0 * STEP
    assert frames.encode_grids(grids / 10)["scale"] == 1.0
    assert frames.encode_grids(np.full((1, 2, 2), np.inf))["scale"] == 1.0


# -- frames and views -----------------------------------------------------------------------


def context(trainer: Trainer, grid: int = 20, thumb: int = 5, **kw: Any) -> frames.FrameContext:
    return frames.FrameContext(TrainerRun(trainer, Settings()), grid, thumb, **kw)


NETWORK_VIEWS = frames.views_for("trainer")


def test_a_frame_carries_the_history_since_the_last_one() -> None:
    trainer = make()
    trainer.run(5)
    msg = frames.frame(context(trainer, since=2), ("weights",))
    assert set(msg) == {"type", "epoch", "history", "weights"}
    assert msg["epoch"] == 5 and msg["history"]["epoch"] == [3, 4, 5]
    assert msg["history"]["train_loss"] == [e.train_loss for e in trainer.history[2:]]
    assert frames.frame(context(trainer, since=5), ())["history"]["epoch"] == []


def test_the_output_and_neuron_views_share_one_grid_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = frames.network_grids
    monkeypatch.setattr(frames, "network_grids", lambda *a: calls.append(a) or real(*a))
    frames.frame(context(make()), frames.DEFAULT_VIEWS)
    assert len(calls) == 1


def test_a_view_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="metrics"):
        frames.view("metrics")(lambda ctx: None)
    assert set(frames.DEFAULT_VIEWS) <= set(frames.VIEWS)
    assert "activations" in frames.VIEWS and "activations" not in frames.DEFAULT_VIEWS


@pytest.mark.parametrize("name", NETWORK_VIEWS)
def test_every_view_is_valid_json(name: str) -> None:
    trainer = make(hidden=[3, 2], dataset="blobs")  # three classes
    trainer.run(2)
    msg = frames.frame(context(trainer, focus=(1, 1)), (name,))
    value = strict_loads(frames.to_json(msg))[name]
    assert value is not None


VIEWS_OF_A_DIVERGED_RUN = NETWORK_VIEWS


@pytest.mark.parametrize("name", VIEWS_OF_A_DIVERGED_RUN)
def test_every_view_of_a_diverged_run_is_valid_json(name: str) -> None:
    trainer = make(**DIVERGING)
    trainer.run(10)
    assert trainer.status == "diverged"
    msg = frames.frame(context(trainer, focus=(0, 0)), (name,))
    strict_loads(frames.to_json(msg))


def test_overflowing_norms_arrive_as_null() -> None:
    trainer = make()
    trainer.set_weight(0, 0, 0, 1e300)
    trainer.set_weight(0, 1, 0, 1e300)
    msg = frames.frame(context(trainer), ("gradients", "output"))
    assert math.isinf(msg["gradients"][0]["weight_norm"])
    sent = strict_loads(frames.to_json(msg))
    assert sent["gradients"][0]["weight_norm"] is None
    assert len(unpack(sent["output"]["data"])) == 400


# -- network and points ---------------------------------------------------------------------


def test_the_network_message_describes_the_model() -> None:
    trainer = make(dataset="blobs", hidden=[5], features=["x1", "x2", "sin_x1"])
    msg = strict_loads(frames.to_json(frames.network(trainer, 5)))
    assert msg["sizes"] == [3, 5, 3] and msg["features"] == ["x1", "x2", "sin_x1"]
    assert (msg["problem"], msg["n_classes"], msg["head"], msg["source"]) == (
        "classification",
        3,
        "softmax_ce",
        "blobs",
    )
    assert msg["config"]["hidden"] == [5] and msg["config"]["features"] == msg["features"]
    assert TrainConfig().with_changes(msg["config"]) == trainer.config  # the config round-trips
    assert len(unpack(msg["feature_grids"]["data"])) == 3 * 5 * 5


def test_the_points_message_holds_both_splits() -> None:
    trainer = make()
    msg = frames.points(trainer)
    assert len(msg["train"]["x"]) == len(trainer.data.x_train) == 50
    assert len(msg["test"]["y"]) == len(trainer.data.y_test) == 50
    assert msg["train"]["x"][0] == np.round(trainer.data.x_train[0], 4).tolist()


# -- size -----------------------------------------------------------------------------------


@pytest.mark.parametrize("epochs", [0, 50])
@pytest.mark.parametrize("focus", [None, (0, 0)], ids=["no focus", "focus"])
def test_a_default_frame_is_at_most_20_kb(epochs: int, focus: tuple[int, int] | None) -> None:
    s = Settings()
    trainer = Trainer(TrainConfig())  # circle, [4, 2]
    trainer.run(epochs)
    ctx = context(trainer, s.grid, s.thumb, focus=focus, since=max(epochs - 1, -1))
    text = frames.to_json(frames.frame(ctx, frames.DEFAULT_VIEWS))
    assert len(text) <= 20_000
