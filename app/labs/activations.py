"""The activations lab (templates/activations.html): every activation with its derivative, and
gradient flow through a deep network while it trains.

Endpoints (every number comes from the engine):

    POST /api/activations/curves   engine.curves.activation_curves for up to 12 activations
    GET  /api/activations/lab      the presets, the saturation threshold, the update-ratio guide

The training side needs no endpoint of its own: the page opens a trainer session on the
websocket with the views "metrics", "gradients" and "activations".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Response
from pydantic import Field, field_validator, model_validator

from app.labs import Lab
from app.responses import Strict, engine_errors, json_response
from engine.activations import ACTIVATIONS
from engine.curves import activation_curves
from engine.views import GUIDE_UPDATE_RATIO, SATURATION

LAB = Lab(
    name="activations",
    title="Activations",
    path="/activations",
    template="activations.html",
    summary="Every activation with its slope, then the gradients it lets through a deep net.",
    order=10,
)

router = APIRouter(prefix="/api/activations", tags=["activations"])

MAX_CURVES = 12  # activations overlaid at once (the registry has 12)
MAX_POINTS = 401  # samples per curve
X_BOUND = 50.0  # |x| of the plotted range
DEPTH = (2, 30)  # the gradient-flow net's hidden layers (the server's max_layers may cut it)


class ActivationSpec(Strict):
    name: str = Field(description="an activation's registered name")
    params: dict[str, float] = Field(default_factory=dict, max_length=4)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in ACTIVATIONS:
            raise ValueError(f"must be one of {', '.join(ACTIVATIONS.names())}, got {name!r}")
        return name


class CurvesRequest(Strict):
    activations: list[ActivationSpec] = Field(min_length=1, max_length=MAX_CURVES)
    lo: float = Field(-6.0, ge=-X_BOUND, le=X_BOUND)
    hi: float = Field(6.0, ge=-X_BOUND, le=X_BOUND)
    points: int = Field(MAX_POINTS, ge=2, le=MAX_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> CurvesRequest:
        if not self.lo < self.hi:
            raise ValueError(f"lo must be below hi, got lo={self.lo}, hi={self.hi}")
        return self


@router.post("/curves", summary="Activations, their derivatives, saturated and dead regions")
def curves(request: CurvesRequest) -> Response:
    xs = np.linspace(request.lo, request.hi, request.points)
    out = []
    for i, spec in enumerate(request.activations):
        with engine_errors("activations", i, "params"):
            curve = activation_curves(spec.name, spec.params, xs)
        out.append({"name": spec.name, "params": spec.params, **curve})
    return json_response({"saturation": SATURATION, "curves": out})


def _preset(key: str, title: str, lesson: str, **config: Any) -> dict[str, Any]:
    base = {
        "dataset": {"name": "circle", "noise": 0},
        "hidden": [16] * 20,
        "activation": "relu",
        "init": "he_normal",
        "norm": "none",
        "optimizer": {"name": "sgd", "lr": 0.03},
        "batch_size": 10,
        "data_seed": 1,
        "init_seed": 1,
    }
    return {"key": key, "title": title, "lesson": lesson, "config": {**base, **config}}


NORMAL_1 = {"name": "normal", "mean": 0.0, "std": 1.0}
PRESETS = [
    _preset(
        "vanishing",
        "Vanishing (sigmoid)",
        "Sigmoid's slope is at most 1/4, and normal(0, 1) weights push units toward its flat "
        "tails: 20 layers multiply the gradient down by orders of magnitude before it reaches "
        "the first layer, which then barely learns.",
        activation="sigmoid",
        init=NORMAL_1,
    ),
    _preset(
        "healthy",
        "Healthy (relu + He)",
        "He initialisation keeps the variance of relu activations constant through depth, so "
        "every layer gets a gradient of the same order and the net trains.",
    ),
    _preset(
        "saturated",
        "Saturated (tanh, large init)",
        "Weights of std 3 drive nearly every tanh unit into its flat tails: the histograms pile "
        "up at the edges, outside the derivative's bump, and the slopes there are near zero.",
        hidden=[16] * 10,
        activation="tanh",
        init={"name": "normal", "mean": 0.0, "std": 3.0},
    ),
    _preset(
        "dying",
        "Dying units (relu, large lr)",
        "A learning rate of 0.5 throws relu units' inputs negative for every point: their slope "
        "is then exactly 0, they never recover, and whole layers go dead.",
        hidden=[16] * 10,
        optimizer={"name": "sgd", "lr": 0.5},
    ),
    _preset(
        "no_norm",
        "Deep net, no norm",
        "The vanishing sigmoid net again, to compare with batch norm: compare the gradient "
        "heatmap's first rows.",
        activation="sigmoid",
        init=NORMAL_1,
    ),
    _preset(
        "batch_norm",
        "Same net + batch norm",
        "Batch norm re-centres and re-scales every layer's pre-activations on each mini-batch, "
        "keeping them in sigmoid's sloped middle: the same net now trains. (The first frame "
        "looks like the net without norm: gradients are measured in evaluation mode, with the "
        "running statistics, which start at mean 0 and variance 1.)",
        activation="sigmoid",
        init=NORMAL_1,
        norm="batch_norm",
    ),
]


@router.get("/lab", summary="Presets and the thresholds the page draws")
def lab() -> dict[str, Any]:
    return {
        "saturation": SATURATION,
        "guide_update_ratio": GUIDE_UPDATE_RATIO,
        "depth": {"low": DEPTH[0], "high": DEPTH[1]},
        "presets": PRESETS,
    }
