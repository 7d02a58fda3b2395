"""The losses lab (templates/losses.html): softmax with temperature, entropy, cross-entropy and
KL both ways, the one-peak fit, and BCE against squared error for a binary classifier.

Endpoints (every number comes from engine.information and engine.curves):

    POST /api/losses/softmax      probabilities, NLL of the true class, gradient on each logit
    POST /api/losses/divergence   H(p), H(p, q), KL(p || q) and the reverse direction
    POST /api/losses/fit          a two-peak p and the one-peak q that each KL direction fits
    POST /api/losses/binary       BCE and MSE-through-a-sigmoid and their gradients per logit
    GET  /api/losses/lab          the side-by-side training comparison's config

Infinite values (a q that misses part of p's support) are sent as null; the page shows ∞.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Response
from pydantic import Field, model_validator

from app.labs import Lab
from app.responses import Strict, engine_errors, json_response
from engine.curves import loss_curves
from engine.information import (
    decompose,
    fit_one_peak,
    nll_and_grad,
    normalize,
    softmax,
    two_peaks,
)

LAB = Lab(
    name="losses",
    title="Losses",
    path="/losses",
    template="losses.html",
    summary="Softmax, cross-entropy and KL you can drag, and why BCE beats squared error.",
    order=11,
)

router = APIRouter(prefix="/api/losses", tags=["losses"])

MAX_CLASSES = 6
MAX_OUTCOMES = 12  # bars of p and q
MAX_POINTS = 401  # support points of the fit and the binary curves
LOGIT = 50.0  # |logit| bound
SPAN = 50.0  # |x| bound of a support


class SoftmaxRequest(Strict):
    logits: list[float] = Field(min_length=2, max_length=MAX_CLASSES)
    target: int = Field(0, ge=0, lt=MAX_CLASSES)
    temperature: float = Field(1.0, gt=0, le=100)

    @model_validator(mode="after")
    def _fits(self) -> SoftmaxRequest:
        if any(abs(z) > LOGIT for z in self.logits):
            raise ValueError(f"logits must lie in [-{LOGIT:g}, {LOGIT:g}]")
        if self.target >= len(self.logits):
            raise ValueError(f"target must be a class index below {len(self.logits)}")
        return self


@router.post("/softmax", summary="softmax(z / T), -log p_target and its gradient on z")
def softmax_view(request: SoftmaxRequest) -> Response:
    z = np.array(request.logits)
    with engine_errors():
        probs = softmax(z, request.temperature)
        nll, grad = nll_and_grad(z, request.target, request.temperature)
    return json_response({"probs": probs, "nll": nll, "grad": grad})


class DivergenceRequest(Strict):
    p: list[float] = Field(min_length=2, max_length=MAX_OUTCOMES)
    q: list[float] = Field(min_length=2, max_length=MAX_OUTCOMES)
    bits: bool = False

    @model_validator(mode="after")
    def _same_size(self) -> DivergenceRequest:
        if len(self.p) != len(self.q):
            raise ValueError(f"q must have as many bars as p ({len(self.p)}), got {len(self.q)}")
        return self


@router.post("/divergence", summary="Entropy, cross-entropy and KL of two bar charts")
def divergence(request: DivergenceRequest) -> Response:
    with engine_errors():
        p, q = normalize(request.p, "p"), normalize(request.q, "q")
        parts = decompose(p, q, bits=request.bits)
    return json_response({"p": p, "q": q, "unit": "bits" if request.bits else "nats", **parts})


class FitRequest(Strict):
    a: float = Field(-2.0, ge=-SPAN, le=SPAN, description="centre of p's first peak")
    b: float = Field(2.0, ge=-SPAN, le=SPAN, description="centre of p's second peak")
    width: float = Field(0.7, ge=0.3, le=10, description="std of each peak")
    weight: float = Field(0.5, ge=0, le=1, description="mass of the first peak")
    lo: float = Field(-6.0, ge=-SPAN, le=SPAN)
    hi: float = Field(6.0, ge=-SPAN, le=SPAN)
    points: int = Field(161, ge=11, le=MAX_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> FitRequest:
        if not self.lo < self.hi:
            raise ValueError(f"lo must be below hi, got lo={self.lo}, hi={self.hi}")
        return self


@router.post("/fit", summary="One-peak q fitted to a two-peak p under each direction of KL")
def fit(request: FitRequest) -> Response:
    xs = np.linspace(request.lo, request.hi, request.points)
    with engine_errors():
        p = two_peaks(xs, request.a, request.b, request.width, request.weight)
        fits = {d: fit_one_peak(p, xs, d) for d in ("forward", "reverse")}
    return json_response({"x": xs, "p": p, **fits})


class BinaryRequest(Strict):
    target: Literal[0, 1] = 1
    lo: float = Field(-8.0, ge=-LOGIT, le=LOGIT)
    hi: float = Field(8.0, ge=-LOGIT, le=LOGIT)
    points: int = Field(MAX_POINTS, ge=2, le=MAX_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> BinaryRequest:
        if not self.lo < self.hi:
            raise ValueError(f"lo must be below hi, got lo={self.lo}, hi={self.hi}")
        return self


@router.post("/binary", summary="BCE and MSE through a sigmoid, and their gradients, per logit")
def binary(request: BinaryRequest) -> Response:
    with engine_errors():
        curves = loss_curves(np.linspace(request.lo, request.hi, request.points), request.target)
    return json_response(curves)


COMPARE = {
    "dataset": {"name": "circle", "noise": 0},
    "hidden": [8, 8],
    "activation": "tanh",
    "init": {"name": "normal", "mean": 0.0, "std": 3.0},
    "optimizer": {"name": "sgd", "lr": 0.1},
    "batch_size": 10,
    "data_seed": 1,
    "init_seed": 1,
}
HEADS = {"bce": "binary cross-entropy", "sigmoid_mse": "squared error through a sigmoid"}


@router.get("/lab", summary="The side-by-side training comparison")
def lab() -> dict[str, Any]:
    return {
        "compare": COMPARE,
        "heads": HEADS,
        "max_classes": MAX_CLASSES,
        "max_outcomes": MAX_OUTCOMES,
        "max_points": MAX_POINTS,
    }
