"""Curves: binary losses against hand formulas, and every activation's saturated / dead regions."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.curves import activation_curves, loss_curves
from engine.errors import ConfigError, DataError
from engine.losses import LOSSES
from engine.views import SATURATION
from tests.gradcheck import numeric_grad

NAMES = ACTIVATIONS.names()
XS = np.linspace(-6.0, 6.0, 601)
Z = np.concatenate([np.linspace(-10.0, 10.0, 81), [-30.0, -1e-9, 0.0, 1e-9, 30.0]])


def other_config(name: str) -> dict[str, Any]:
    """A non-default setting of every parameter: the middle of its bounds."""
    return {p.name: (p.low + p.high) / 2 for p in ACTIVATIONS.entry(name).params}


CASES = [(n, {}) for n in NAMES] + [(n, other_config(n)) for n in NAMES if other_config(n)]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v:g}' for k, v in c.items()) or 'default'}" for n, c in CASES]


def sigma(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # the logistic sigmoid, written out again
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# ---------------------------------------------------------------------------------------------
# BCE versus MSE through a sigmoid


@pytest.mark.parametrize("t", [0, 1])
def test_loss_curves_match_hand_formulas(t: int) -> None:
    c = loss_curves(Z, t)
    s = sigma(Z)
    np.testing.assert_array_equal(c["z"], Z)
    np.testing.assert_allclose(c["prob"], s, rtol=1e-12, atol=1e-300)
    # BCE = -[t log s + (1 - t) log(1 - s)] = log(1 + e^-z) (t = 1), log(1 + e^z) (t = 0)
    bce = np.logaddexp(0.0, -Z if t else Z)
    np.testing.assert_allclose(c["bce"], bce, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(c["dbce"], s - t, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(c["mse"], (s - t) ** 2, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(c["dmse"], 2 * (s - t) * s * (1 - s), rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("t", [0, 1])
def test_loss_gradients_match_central_differences(t: int) -> None:
    z = np.linspace(-6.0, 6.0, 13)
    c = loss_curves(z, t)
    for key in ("bce", "mse"):
        numeric = numeric_grad(lambda v, k=key: float(loss_curves(v, t)[k].sum()), z.copy())
        np.testing.assert_allclose(c["d" + key], numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("t", [0, 1])
def test_per_example_values_average_to_the_registry_loss(t: int) -> None:
    c = loss_curves(Z, t)
    targets = np.full((Z.size, 1), float(t))
    bce, dbce = LOSSES.get("bce")(Z.reshape(-1, 1), targets)
    mse, _ = LOSSES.get("mse")(c["prob"].reshape(-1, 1), targets)
    assert math.isclose(c["bce"].mean(), bce, rel_tol=1e-12)
    assert math.isclose(c["mse"].mean(), mse, rel_tol=1e-12)
    np.testing.assert_allclose(c["dbce"], dbce.ravel() * Z.size, rtol=1e-12, atol=1e-15)


def test_mse_stalls_on_confidently_wrong_answers_and_bce_does_not() -> None:
    for z, t in [(-10.0, 1), (10.0, 0)]:
        c = loss_curves(np.array([z]), t)
        e = math.exp(-10.0)  # 1 - sigmoid(10) = sigmoid(-10) ≈ e^-10
        assert abs(c["dbce"][0]) > 0.9999  # ≈ ∓1: full push back
        assert abs(c["dmse"][0]) < 1e-4  # ≈ ∓2 e^-10 ≈ 9.1e-5: almost none
        assert math.isclose(abs(c["dmse"][0]), 2 * e / (1 + e) ** 3, rel_tol=1e-12)
        assert c["mse"][0] > 0.999  # while the loss itself is near its maximum
    wrong = loss_curves(np.array([-10.0, -2.0, 0.0]), 1)
    assert abs(wrong["dmse"][0]) < abs(wrong["dmse"][1])  # more wrong, less gradient


@pytest.mark.parametrize(("bad", "field"), [(2, "target"), (True, "target"), (0.5, "target")])
def test_loss_curves_validate_the_target(bad: Any, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        loss_curves(Z, bad)
    assert info.value.field == field


@pytest.mark.parametrize("bad", [[], [[0.0, 1.0]], [0.0, math.nan], ["a"]])
def test_loss_curves_validate_the_logits(bad: Any) -> None:
    with pytest.raises(DataError) as info:
        loss_curves(bad, 1)
    assert info.value.field == "logits"


# ---------------------------------------------------------------------------------------------
# Activations: saturated and dead regions


def in_any(x: np.ndarray, intervals: list[list[float]]) -> np.ndarray:
    inside = np.zeros(x.shape, dtype=bool)
    for a, b in intervals:
        inside |= (x >= a) & (x <= b)
    return inside


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_curves_are_the_activation(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    c = activation_curves(name, config, XS)
    np.testing.assert_array_equal(c["x"], XS)
    np.testing.assert_array_equal(c["y"], act.forward(XS))
    np.testing.assert_array_equal(c["dy"], act.derivative(XS))
    assert c["threshold"] == SATURATION * c["peak"]
    assert c["peak"] >= np.abs(c["dy"]).max() * (1 - 1e-6)  # the largest slope, on [-10, 10]


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_intervals_are_sorted_disjoint_and_inside(name: str, config: dict[str, Any]) -> None:
    c = activation_curves(name, config, XS)
    for key in ("saturated", "dead"):
        flat = [x for interval in c[key] for x in interval]
        assert all(len(interval) == 2 for interval in c[key])
        assert all(isinstance(x, float) for x in flat)
        assert flat == sorted(flat)  # sorted, each [x0 <= x1], and disjoint ...
        assert all(b < a for (_, b), (a, _) in itertools.pairwise(c[key]))
        assert all(XS[0] <= x <= XS[-1] for x in flat)  # ... inside the plotted range
    both = sorted(c["saturated"] + c["dead"])
    assert all(b <= a for (_, b), (a, _) in itertools.pairwise(both))


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_intervals_hold_exactly_where_the_slope_says(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    c = activation_curves(name, config, XS)
    probe = np.linspace(XS[0], XS[-1], 6007)  # between and on the samples
    slope = np.abs(act.derivative(probe))
    saturated = (slope != 0) & (slope < c["threshold"])
    np.testing.assert_array_equal(in_any(probe, c["saturated"]), saturated)
    np.testing.assert_array_equal(in_any(probe, c["dead"]), slope == 0)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_interval_edges_are_exact_to_one_float(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    c = activation_curves(name, config, XS)
    tests = {
        "saturated": lambda s: (s != 0) & (s < c["threshold"]),
        "dead": lambda s: s == 0,
    }
    for key, holds in tests.items():
        for a, b in c[key]:
            for edge, outward in ((a, -np.inf), (b, np.inf)):
                if edge in (XS[0], XS[-1]):
                    continue
                pair = np.array([edge, np.nextafter(edge, outward)])
                inside, outside = holds(np.abs(act.derivative(pair)))
                assert inside and not outside, (key, edge)


def test_relu_is_dead_up_to_and_including_zero() -> None:
    for xs in (XS, np.linspace(-5.0, 5.0, 100), np.array([-1.0, 3.0])):  # 0 a sample or not
        c = activation_curves("relu", {}, xs)
        assert c["dead"] == [[xs[0], 0.0]]
        assert c["saturated"] == []


def test_sigmoid_and_tanh_saturate_in_both_tails() -> None:
    # sigmoid: s (1 - s) = 0.05 / 4 at s = (1 - sqrt(1 - 0.05)) / 2; tanh: 1 - tanh^2 = 0.05
    s = (1.0 - math.sqrt(1.0 - SATURATION)) / 2.0
    for name, edge in [("sigmoid", -math.log(s / (1 - s))), ("tanh", math.atanh(math.sqrt(0.95)))]:
        c = activation_curves(name, {}, XS)
        assert c["dead"] == []
        (a0, b0), (a1, b1) = c["saturated"]
        assert (a0, b1) == (XS[0], XS[-1])
        assert math.isclose(-b0, edge, rel_tol=1e-12) and math.isclose(a1, edge, rel_tol=1e-12)
    assert 4.35 < -math.log(s / (1 - s)) < 4.36 and 2.17 < math.atanh(math.sqrt(0.95)) < 2.18


def test_other_known_regions() -> None:
    assert activation_curves("linear", {}, XS)["saturated"] == []
    assert activation_curves("linear", {}, XS)["dead"] == []
    elu = activation_curves("elu", {"alpha": 1.0}, XS)["saturated"]
    assert len(elu) == 1 and elu[0][0] == XS[0]
    assert math.isclose(elu[0][1], math.log(SATURATION), rel_tol=1e-12)  # e^x = 0.05
    flat = activation_curves("leaky_relu", {"slope": 0.0}, XS)
    assert flat["dead"] == [[XS[0], 0.0]] and flat["saturated"] == []
    leaky = activation_curves("leaky_relu", {"slope": 0.01}, XS)  # slope 1% < 5% of 1
    assert leaky["saturated"] == [[XS[0], 0.0]] and leaky["dead"] == []
    assert activation_curves("leaky_relu", {"slope": 0.2}, XS)["saturated"] == []


def test_gelu_has_a_flat_band_around_its_minimum() -> None:
    gelu = ACTIVATIONS.get("gelu")
    c = activation_curves("gelu", {}, XS)
    (tail_start, _), (a, b) = c["saturated"]
    assert tail_start == XS[0]
    assert gelu.derivative(np.array([a]))[0] < 0 < gelu.derivative(np.array([b]))[0]
    assert -0.91 < a < -0.75 < b < -0.6  # gelu's minimum is at x ≈ -0.7518


def test_activation_curves_validate() -> None:
    with pytest.raises(ConfigError) as info:
        activation_curves("nope", {}, XS)
    assert info.value.field == "activation"
    with pytest.raises(ConfigError) as info:
        activation_curves("leaky_relu", {"slope": 5.0}, XS)
    assert info.value.field == "leaky_relu.slope"
    with pytest.raises(DataError) as info:
        activation_curves("relu", {}, XS[::-1])
    assert info.value.field == "xs"
