"""The activations lab's endpoints, its page and its presets: numbers equal the engine's."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.labs.activations import PRESETS
from app.main import create_app
from app.settings import Settings
from engine import TrainConfig, Trainer
from engine.activations import ACTIVATIONS
from engine.curves import activation_curves
from engine.views import GUIDE_UPDATE_RATIO, SATURATION, activation_stats, layer_gradients
from tests.app.conftest import strict_loads


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client


def test_page_is_served_and_in_the_navigation(client: TestClient) -> None:
    page = client.get("/activations")
    assert page.status_code == 200
    assert "/static/js/labs/activations/page.js" in page.text
    assert 'href="/activations"' in client.get("/").text


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_curves_equal_the_engine(client: TestClient, name: str) -> None:
    response = client.post(
        "/api/activations/curves",
        json={"activations": [{"name": name}], "lo": -5, "hi": 4, "points": 91},
    )
    assert response.status_code == 200
    body = strict_loads(response.text)
    want = activation_curves(name, {}, np.linspace(-5, 4, 91))
    got = body["curves"][0]
    assert got["name"] == name
    for key in ("x", "y", "dy"):
        np.testing.assert_array_equal(got[key], want[key])
    assert got["saturated"] == want["saturated"]
    assert got["dead"] == want["dead"]
    assert got["threshold"] == want["threshold"]
    assert body["saturation"] == SATURATION


def test_parameters_reach_the_engine(client: TestClient) -> None:
    body = client.post(
        "/api/activations/curves",
        json={"activations": [{"name": "leaky_relu", "params": {"slope": 0.3}}, {"name": "relu"}]},
    ).json()
    leaky, relu = body["curves"]
    assert leaky["dy"][0] == pytest.approx(0.3)  # x = -6: the slope below zero
    assert leaky["dead"] == []  # a leaky unit never dies
    assert relu["dead"] == [[-6.0, 0.0]]
    assert len(leaky["x"]) == 401


@pytest.mark.parametrize(
    ("body", "loc", "text"),
    [
        ({"activations": [{"name": "swoosh"}]}, ["body", "activations", 0, "name"], "swoosh"),
        (
            {"activations": [{"name": "elu", "params": {"alpha": 50}}]},
            ["body", "activations", 0, "params", "elu", "alpha"],
            "alpha must be",
        ),
        (
            {"activations": [{"name": "elu", "params": {"gamma": 1}}]},
            ["body", "activations", 0, "params"],
            "gamma",
        ),
        ({"activations": [{"name": "relu"}], "points": 402}, ["body", "points"], "401"),
        ({"activations": [{"name": "relu"}] * 13}, ["body", "activations"], "12"),
        ({"activations": []}, ["body", "activations"], "1"),
        ({"activations": [{"name": "relu"}], "lo": 2, "hi": 1}, ["body"], "lo must be below hi"),
        ({"activations": [{"name": "relu"}], "extra": 1}, ["body", "extra"], "Extra"),
    ],
)
def test_bad_requests_name_the_field(client: TestClient, body: dict, loc: list, text: str) -> None:
    response = client.post("/api/activations/curves", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][: len(loc)] == loc
    assert text in detail["msg"]


def test_lab_document(client: TestClient) -> None:
    lab = client.get("/api/activations/lab").json()
    assert lab["guide_update_ratio"] == GUIDE_UPDATE_RATIO
    assert lab["saturation"] == SATURATION
    assert lab["depth"] == {"low": 2, "high": 30}
    keys = [p["key"] for p in lab["presets"]]
    assert keys == ["vanishing", "healthy", "saturated", "dying", "no_norm", "batch_norm"]


def _trained(key: str, epochs: int) -> Trainer:
    config = next(p["config"] for p in PRESETS if p["key"] == key)
    trainer = Trainer(TrainConfig().with_changes(config))
    trainer.run(epochs)
    return trainer


def test_presets_teach_their_lessons() -> None:
    """Each preset shows what its lesson says, in the engine's own numbers."""
    vanishing = layer_gradients(_trained("vanishing", 0))
    healthy = layer_gradients(_trained("healthy", 0))
    # Sigmoid at depth 20: the first layer's gradient is orders of magnitude below the last's.
    assert vanishing[0]["grad_norm"] < 1e-3 * vanishing[-2]["grad_norm"]
    # Relu with He init: within an order of magnitude.
    assert healthy[0]["grad_norm"] > 0.1 * healthy[-2]["grad_norm"]
    saturated = activation_stats(_trained("saturated", 5))
    assert np.mean([s["saturated"] for s in saturated]) > 0.5
    dying = _trained("dying", 20)
    assert max(s["dead"] for s in activation_stats(dying)) > 0.2
    plain = _trained("no_norm", 30)
    normed = _trained("batch_norm", 30)
    assert layer_gradients(normed)[0]["grad_norm"] > 1e3 * layer_gradients(plain)[0]["grad_norm"]
    assert normed.history[-1].train_loss < plain.history[-1].train_loss


def test_presets_fit_the_default_limits(client: TestClient) -> None:
    limits = client.get("/api/catalog").json()["limits"]
    for preset in PRESETS:
        hidden = preset["config"]["hidden"]
        assert len(hidden) <= limits["max_layers"]
        assert max(hidden) <= limits["max_neurons"]


def test_a_deep_run_streams_gradients_and_activations(client: TestClient) -> None:
    """The page's websocket start: the frame carries one gradient entry per Dense layer and
    one activation entry per hidden layer, equal to the engine's on the same config."""
    config = next(p["config"] for p in PRESETS if p["key"] == "vanishing")
    with client.websocket_connect("/ws/train") as ws:
        assert strict_loads(ws.receive_text())["type"] == "hello"
        for _ in range(4):
            ws.receive_text()  # the default run's network, points, frame, status
        ws.send_json(
            {"type": "start", "config": config, "views": ["metrics", "gradients", "activations"]}
        )
        messages = [strict_loads(ws.receive_text()) for _ in range(4)]
    frame = next(m for m in messages if m["type"] == "frame")
    assert set(frame) >= {"gradients", "activations", "metrics"}
    assert "output" not in frame
    want = Trainer(TrainConfig().with_changes(config))
    assert len(frame["gradients"]) == 21
    assert len(frame["activations"]) == 20
    for got, ref in zip(frame["gradients"], layer_gradients(want), strict=True):
        assert got["grad_norm"] == pytest.approx(ref["grad_norm"], rel=1e-9)
    stats = activation_stats(want)
    assert frame["activations"][0]["histogram"]["counts"] == stats[0]["histogram"]["counts"]
