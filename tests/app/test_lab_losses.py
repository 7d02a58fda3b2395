"""The losses lab's endpoints: every number is the engine's, errors name the field."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.labs.losses import COMPARE
from app.main import create_app
from app.settings import Settings
from engine import TrainConfig, Trainer
from engine.curves import loss_curves
from engine.information import (
    decompose,
    fit_one_peak,
    nll_and_grad,
    normalize,
    softmax,
    two_peaks,
)
from engine.views import metrics
from tests.app.conftest import strict_loads


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client


def post(client: TestClient, path: str, body: dict) -> dict:
    response = client.post(f"/api/losses/{path}", json=body)
    assert response.status_code == 200, response.text
    return strict_loads(response.text)


def test_page_is_served(client: TestClient) -> None:
    page = client.get("/losses")
    assert page.status_code == 200
    assert "/static/js/labs/losses/page.js" in page.text


@pytest.mark.parametrize("temperature", [0.1, 1.0, 7.5])
def test_softmax_equals_the_engine(client: TestClient, temperature: float) -> None:
    z = [2.0, -1.0, 0.5, 3.0]
    got = post(client, "softmax", {"logits": z, "target": 2, "temperature": temperature})
    np.testing.assert_array_equal(got["probs"], softmax(np.array(z), temperature))
    nll, grad = nll_and_grad(np.array(z), 2, temperature)
    assert got["nll"] == nll
    np.testing.assert_array_equal(got["grad"], grad)
    assert sum(got["probs"]) == pytest.approx(1.0)


def test_divergence_equals_the_engine(client: TestClient) -> None:
    p, q = [1, 2, 3, 0], [2, 2, 1, 1]
    got = post(client, "divergence", {"p": p, "q": q})
    want = decompose(normalize(p), normalize(q, "q"))
    for key, value in want.items():
        assert got[key] == (pytest.approx(value, rel=1e-12) if math.isfinite(value) else None)
    assert got["KL_pq"] == pytest.approx(got["H_pq"] - got["H_p"])
    assert got["KL_qp"] is None  # q has mass where p has none: infinite, sent as null
    assert got["unit"] == "nats"
    bits = post(client, "divergence", {"p": p, "q": q, "bits": True})
    assert bits["H_p"] == pytest.approx(got["H_p"] / math.log(2))


def test_fit_equals_the_engine(client: TestClient) -> None:
    body = {"a": -2.5, "b": 1.5, "width": 0.6, "weight": 0.3, "lo": -6, "hi": 6, "points": 121}
    got = post(client, "fit", body)
    xs = np.linspace(-6, 6, 121)
    p = two_peaks(xs, -2.5, 1.5, 0.6, 0.3)
    np.testing.assert_array_equal(got["p"], p)
    for direction in ("forward", "reverse"):
        want = fit_one_peak(p, xs, direction)
        assert got[direction]["mu"] == want["mu"]
        assert got[direction]["sigma"] == want["sigma"]
        np.testing.assert_array_equal(got[direction]["q"], want["q"])
    # Mode-seeking sits on the heavier peak (b = 1.5); mean-covering between the two.
    assert got["reverse"]["mu"] == pytest.approx(1.5, abs=0.1)
    assert -2.5 < got["forward"]["mu"] < 1.5


@pytest.mark.parametrize("target", [0, 1])
def test_binary_equals_the_engine(client: TestClient, target: int) -> None:
    got = post(client, "binary", {"target": target, "lo": -6, "hi": 6, "points": 25})
    want = loss_curves(np.linspace(-6, 6, 25), target)
    for key, value in want.items():
        np.testing.assert_array_equal(got[key], value)


@pytest.mark.parametrize(
    ("path", "body", "loc", "text"),
    [
        ("softmax", {"logits": [1.0] * 7}, ["body", "logits"], "6"),
        ("softmax", {"logits": [1.0]}, ["body", "logits"], "2"),
        ("softmax", {"logits": [1, 2], "temperature": 0}, ["body", "temperature"], "0"),
        ("softmax", {"logits": [1, 2], "target": 2}, ["body"], "target"),
        ("softmax", {"logits": [1, 99]}, ["body"], "logits"),
        ("divergence", {"p": [1, 1], "q": [1, 1, 1]}, ["body"], "q must have"),
        ("divergence", {"p": [0, 0], "q": [1, 1]}, ["body", "p"], "not all zero"),
        ("divergence", {"p": [-1, 2], "q": [1, 1]}, ["body", "p"], "non-negative"),
        ("fit", {"points": 402}, ["body", "points"], "401"),
        ("fit", {"width": 0.1}, ["body", "width"], "0.3"),
        ("binary", {"target": 2}, ["body", "target"], ""),
    ],
)
def test_bad_requests_name_the_field(
    client: TestClient, path: str, body: dict, loc: list, text: str
) -> None:
    response = client.post(f"/api/losses/{path}", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][: len(loc)] == loc
    assert text in detail["msg"]


def test_the_comparison_shows_bce_learning_faster(client: TestClient) -> None:
    lab = client.get("/api/losses/lab").json()
    assert lab["compare"] == COMPARE
    assert set(lab["heads"]) == {"bce", "sigmoid_mse"}
    accuracy = {}
    for head in lab["heads"]:
        trainer = Trainer(TrainConfig().with_changes({**lab["compare"], "output": head}))
        trainer.run(15)
        accuracy[head] = metrics(trainer)["test_accuracy"]
    assert accuracy["bce"] > accuracy["sigmoid_mse"] + 0.1
