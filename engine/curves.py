"""Curves the activations and losses pages draw, computed by the engine's own components.

`loss_curves`: BCE and MSE-through-a-sigmoid, and their gradients, as functions of one logit:
why squared error stalls on confidently wrong answers and cross-entropy does not.
`activation_curves`: an activation, its derivative, and where that derivative vanishes
(saturated: 0 < |f'| < SATURATION x peak, as `views.activation_stats` counts it) or is exactly 0
(dead). Region edges are exact to one float64 step (bisection on the floats themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.errors import ConfigError, DataError
from engine.information import support
from engine.losses import LOSSES
from engine.views import SATURATION, peak_slope

_BCE = LOSSES.get("bce")
_MSE = LOSSES.get("mse")
_SIGMOID = ACTIVATIONS.get("sigmoid")

# ---------------------------------------------------------------------------------------------
# Binary losses as functions of the logit


def loss_curves(logits: Any, target: int) -> dict[str, np.ndarray]:
    """Per logit z (one binary example with label t = `target`):

        "bce"  = -[t log s + (1 - t) log(1 - s)], s = sigmoid(z)   "dbce" = s - t
        "mse"  = (s - t)^2                                          "dmse" = 2 (s - t) s (1 - s)

    and "z" and "prob" = s. The registries' losses return the mean over a batch, so each logit
    is passed as its own batch of one: the values are exactly the per-example ones. The MSE
    gradient goes back through the sigmoid by its own backward (the chain rule, as in training).
    """
    expected = "a 1-D array of finite logits"
    try:
        z = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("logits", logits, expected) from None
    if z.ndim != 1 or z.size < 1 or not np.isfinite(z).all():
        raise DataError("logits", logits, expected)
    if isinstance(target, bool) or target not in (0, 1):
        raise ConfigError("target", target, "0 or 1")
    rows = z.reshape(-1, 1)  # one example per row
    t = np.full((1, 1), float(target))
    s = _SIGMOID.forward(rows)
    bce, dbce, mse, dmse_ds = (np.empty(z.size) for _ in range(4))
    for i in range(z.size):
        bce[i], g = _BCE(rows[i : i + 1], t)
        dbce[i] = g[0, 0]
        mse[i], g = _MSE(s[i : i + 1], t)
        dmse_ds[i] = g[0, 0]
    dmse = _SIGMOID.backward(rows, s, dmse_ds.reshape(-1, 1))  # dL/dz = dL/ds s (1 - s)
    return {"z": z, "prob": s.ravel(), "bce": bce, "dbce": dbce, "mse": mse, "dmse": dmse.ravel()}


# ---------------------------------------------------------------------------------------------
# Activations: the curve, its slope, and where the slope vanishes


def activation_curves(name: str, params: dict[str, Any], xs: Any) -> dict[str, Any]:
    """{"x", "y", "dy"} on the points xs, "peak" (the largest |f'|, as views measures it),
    "threshold" = SATURATION x peak, and two lists of closed intervals [x0, x1] inside
    [xs[0], xs[-1]], sorted and disjoint:

        "saturated": where 0 < |f'(x)| < threshold      "dead": where f'(x) == 0 exactly

    A region is found from the samples xs (one narrower than their spacing can be missed);
    its edges between samples are then exact to one float64 step. relu: dead = [[xs[0], 0]],
    closed at 0 because relu'(0) = 0 (as torch).
    """
    act = ACTIVATIONS.build(name, **params)
    x = support(xs)
    dy = act.derivative(x)
    peak = peak_slope(act)
    threshold = SATURATION * peak
    dead, saturated = _slope_tests(act, threshold)
    return {
        "x": x,
        "y": act.forward(x),
        "dy": dy,
        "peak": peak,
        "threshold": threshold,
        "saturated": _intervals(x, saturated(x), saturated),
        "dead": _intervals(x, dead(x), dead),
    }


Test = Callable[[np.ndarray], np.ndarray]


def _slope_tests(act: Activation, threshold: float) -> tuple[Test, Test]:
    def dead(x: np.ndarray) -> np.ndarray:
        return act.derivative(x) == 0.0

    def saturated(x: np.ndarray) -> np.ndarray:
        slope = np.abs(act.derivative(x))
        return (slope != 0.0) & (slope < threshold)

    return dead, saturated


def _intervals(x: np.ndarray, inside: np.ndarray, test: Test) -> list[list[float]]:
    """The runs of True in `inside` as [x0, x1]; an edge between a sample inside and the next
    sample outside is moved to the last float for which `test` holds."""
    edges = np.diff(inside.astype(np.int8))
    starts = np.flatnonzero(edges == 1) + 1  # first sample of a run (not the first point)
    ends = np.flatnonzero(edges == -1)  # last sample of a run (not the last point)
    left = _last_inside(x[starts], x[starts - 1], test)
    right = _last_inside(x[ends], x[ends + 1], test)
    lefts = ([x[0]] if inside[0] else []) + left.tolist()
    rights = right.tolist() + ([x[-1]] if inside[-1] else [])
    return [[float(a), float(b)] for a, b in zip(lefts, rights, strict=True)]


_MAGNITUDE = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def _last_inside(inside: np.ndarray, outside: np.ndarray, test: Test) -> np.ndarray:
    """Bisect each pair (inside, outside) down to adjacent floats, keeping `test` true on the
    inside end. Floats are bisected as ordered integers, so 64 halvings always suffice."""
    a, b = _to_ordered(inside), _to_ordered(outside)
    for _ in range(64):
        mid = a // 2 + b // 2 + (a % 2 + b % 2) // 2  # floor((a + b) / 2) without overflow
        if ((mid == a) | (mid == b)).all():  # every pair is two adjacent floats
            break
        ok = test(_from_ordered(mid))
        a, b = np.where(ok, mid, a), np.where(ok, b, mid)
    return _from_ordered(a)


def _to_ordered(x: np.ndarray) -> np.ndarray:
    """float64 -> int64, increasing with x (both zeros -> 0): the sign-magnitude bits, signed."""
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    return np.where(bits < 0, -(bits & _MAGNITUDE), bits)


def _from_ordered(k: np.ndarray) -> np.ndarray:
    magnitude = np.ascontiguousarray(np.abs(k)).view(np.float64)
    return np.where(k < 0, -magnitude, magnitude)
