"""Information: softmax with temperature, entropy / cross-entropy / KL, and the one-peak fits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine.errors import ConfigError, DataError
from engine.information import (
    cross_entropy,
    decompose,
    entropy,
    fit_one_peak,
    gaussian_on,
    kl,
    nll_and_grad,
    normalize,
    softmax,
    support,
    two_peaks,
)
from engine.losses import LOSSES
from tests.gradcheck import check_grad

Z = np.array([2.0, 0.5, -1.0, 3.0, 0.0, -2.5])
TEMPERATURES = [0.1, 0.5, 1.0, 2.0, 10.0]
XS = np.linspace(-6.0, 6.0, 241)
BUMP = 0.5  # the width of each peak of p


def hand_softmax(z: np.ndarray, t: float) -> np.ndarray:
    e = np.exp(z / t)
    return e / e.sum()


def moments(p: np.ndarray, xs: np.ndarray) -> tuple[float, float]:
    mean = float(p @ xs)
    return mean, float(p @ (xs - mean) ** 2)


# ---------------------------------------------------------------------------------------------
# Softmax with temperature


@pytest.mark.parametrize("t", TEMPERATURES)
def test_softmax_is_exp_z_over_t_normalised(t: float) -> None:
    p = softmax(Z, t)
    np.testing.assert_allclose(p, hand_softmax(Z, t), rtol=1e-13, atol=1e-300)
    assert math.isclose(p.sum(), 1.0, rel_tol=1e-15)


def test_softmax_runs_over_the_last_axis() -> None:
    z = np.stack([Z, Z[::-1], 2 * Z])
    p = softmax(z, 0.7)
    for row, zr in zip(p, z, strict=True):
        np.testing.assert_allclose(row, hand_softmax(zr, 0.7), rtol=1e-13)


def test_softmax_temperature_limits_without_warnings() -> None:
    z = np.array([1.0, 3.0, 2.0, 3.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        cold = softmax(z, 1e-320)  # (z - max) / T overflows to -inf: exp gives 0
        hot = softmax(z, 1e300)
        huge = softmax(np.array([1000.0, -1000.0, 999.0]), 1.0)
    np.testing.assert_array_equal(cold, [0.0, 0.5, 0.0, 0.5])  # ties share the mass
    np.testing.assert_allclose(hot, 0.25, rtol=1e-15)
    np.testing.assert_allclose(huge, [1 / (1 + math.exp(-1)), 0.0, 1 / (1 + math.e)], rtol=1e-14)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan, "1", True, None])
def test_temperature_must_be_positive_and_finite(bad: Any) -> None:
    for call in (lambda: softmax(Z, bad), lambda: nll_and_grad(Z, 0, bad)):
        with pytest.raises(ConfigError) as info:
            call()
        assert info.value.field == "temperature"


@pytest.mark.parametrize("t", TEMPERATURES)
@pytest.mark.parametrize("target", [0, 3, 5])
def test_nll_is_the_engines_cross_entropy_on_z_over_t(t: float, target: int) -> None:
    value, grad = nll_and_grad(Z, target, t)
    ce_value, ce_grad = LOSSES.get("cross_entropy")(Z[None, :] / t, np.array([target]))
    assert math.isclose(value, ce_value, rel_tol=1e-13, abs_tol=1e-15)
    np.testing.assert_allclose(grad, ce_grad[0] / t, rtol=1e-12, atol=1e-15)  # chain rule 1/T


@pytest.mark.parametrize("t", TEMPERATURES)
def test_nll_and_grad_against_hand_formulas(t: float) -> None:
    target = 2
    p = hand_softmax(Z, t)
    value, grad = nll_and_grad(Z, target, t)
    assert math.isclose(value, -math.log(p[target]), rel_tol=1e-13)
    expected = p.copy()
    expected[target] -= 1.0
    np.testing.assert_allclose(grad, expected / t, rtol=1e-12, atol=1e-15)
    assert abs(grad.sum()) < 1e-12  # the softmax gradient sums to zero


@pytest.mark.parametrize("t", [0.3, 1.0, 4.0])
def test_nll_gradient_matches_central_differences(t: float) -> None:
    z = Z.copy()
    check_grad(lambda v: nll_and_grad(v, 1, t)[0], z, nll_and_grad(z, 1, t)[1])


def test_nll_at_tiny_temperature_is_its_limit() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        right, right_grad = nll_and_grad(Z, 3, 1e-300)  # the target is the argmax
        wrong, _ = nll_and_grad(Z, 0, 1e-300)
        beyond, _ = nll_and_grad(Z, 0, 1e-320)  # (z - max z) / T overflows
    assert right == 0.0
    np.testing.assert_array_equal(right_grad, 0.0)
    assert math.isclose(wrong, (3.0 - 2.0) / 1e-300, rel_tol=1e-15)  # (max z - z_t) / T
    assert beyond == math.inf


@pytest.mark.parametrize("bad", [-1, 6, 1.0, True, "0"])
def test_target_must_be_a_class_index(bad: Any) -> None:
    with pytest.raises(ConfigError) as info:
        nll_and_grad(Z, bad)
    assert info.value.field == "target"
    assert "[0, 5]" in str(info.value)


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [1.0, math.nan], [math.inf, 0.0]])
def test_logits_must_be_finite_1d(bad: Any) -> None:
    with pytest.raises(DataError) as info:
        nll_and_grad(np.array(bad), 0)
    assert info.value.field == "z"


@pytest.mark.torch
@pytest.mark.parametrize("t", TEMPERATURES)
def test_nll_and_grad_match_torch(t: float) -> None:
    torch = pytest.importorskip("torch")
    zt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.cross_entropy((zt / t)[None, :], torch.tensor([4]))
    (grad,) = torch.autograd.grad(out, zt)
    value, ours = nll_and_grad(Z, 4, t)
    assert math.isclose(value, out.item(), rel_tol=1e-12, abs_tol=1e-15)
    np.testing.assert_allclose(ours, grad.numpy(), rtol=1e-10, atol=1e-15)
    ref = torch.softmax(torch.tensor(Z) / t, dim=0).numpy()
    np.testing.assert_allclose(softmax(Z, t), ref, rtol=1e-12, atol=1e-300)


# ---------------------------------------------------------------------------------------------
# Entropy, cross-entropy and KL


def dirichlet_pairs(n: int = 6, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(4)
    return [(rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k) * 0.5)) for _ in range(n)]


def test_entropy_of_uniform_and_one_hot() -> None:
    for k in (2, 3, 8):
        uniform = np.full(k, 1.0 / k)
        assert math.isclose(entropy(uniform), math.log(k), rel_tol=1e-15)
        assert math.isclose(entropy(uniform, bits=True), math.log2(k), rel_tol=1e-15)
    assert entropy(np.array([0.0, 1.0, 0.0])) == 0.0  # 0 log 0 = 0


def test_zero_outcomes_add_nothing() -> None:
    p = np.array([0.2, 0.0, 0.5, 0.3, 0.0])
    q = np.array([0.1, 0.3, 0.2, 0.2, 0.2])
    nz = p > 0
    assert math.isclose(entropy(p), -np.sum(p[nz] * np.log(p[nz])), rel_tol=1e-15)
    assert math.isclose(cross_entropy(p, q), -np.sum(p[nz] * np.log(q[nz])), rel_tol=1e-15)
    assert math.isclose(kl(p, q), np.sum(p[nz] * np.log(p[nz] / q[nz])), rel_tol=1e-14)


def test_kl_is_infinite_where_q_misses_p() -> None:
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([1.0, 0.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert kl(p, q) == math.inf
        assert cross_entropy(p, q) == math.inf
        assert math.isclose(kl(q, p), math.log(2.0), rel_tol=1e-15)  # q inside p's support
    parts = decompose(p, q)
    assert parts["KL_pq"] == parts["H_pq"] == math.inf
    assert math.isfinite(parts["KL_qp"])


def test_kl_of_identical_distributions_is_exactly_zero() -> None:
    for p, _ in dirichlet_pairs():
        assert kl(p, p) == 0.0


@pytest.mark.parametrize("pair", range(6))
def test_decomposition_identities(pair: int) -> None:
    p, q = dirichlet_pairs()[pair]
    d = decompose(p, q)
    assert math.isclose(d["KL_pq"], d["H_pq"] - d["H_p"], rel_tol=1e-12, abs_tol=1e-14)
    assert math.isclose(d["KL_qp"], d["H_qp"] - d["H_q"], rel_tol=1e-12, abs_tol=1e-14)
    assert d["KL_pq"] > 0 and d["KL_qp"] > 0
    assert d["H_pq"] >= d["H_p"]  # Gibbs' inequality
    assert math.isclose(d["H_p"], -np.sum(p * np.log(p)), rel_tol=1e-14)
    assert math.isclose(d["H_qp"], -np.sum(q * np.log(p)), rel_tol=1e-14)
    bits = decompose(p, q, bits=True)
    for key, nats in d.items():
        assert math.isclose(bits[key], nats / math.log(2.0), rel_tol=1e-15)


def test_kl_is_not_symmetric() -> None:
    p, q = np.array([0.8, 0.1, 0.1]), np.array([0.4, 0.3, 0.3])
    d = decompose(p, q)
    assert math.isclose(d["KL_pq"], 0.8 * math.log(2) + 0.2 * math.log(1 / 3), rel_tol=1e-14)
    assert math.isclose(d["KL_qp"], 0.4 * math.log(0.5) + 0.6 * math.log(3), rel_tol=1e-14)
    assert d["KL_qp"] - d["KL_pq"] > 0.04


def test_kl_equals_the_engines_kl_div_loss() -> None:
    for p, q in dirichlet_pairs():
        value, _ = LOSSES.get("kl_div")(np.log(q)[None, :], p[None, :])  # softmax(log q) = q
        assert math.isclose(kl(p, q), value, rel_tol=1e-12)


@pytest.mark.torch
def test_entropies_match_torch_distributions() -> None:
    torch = pytest.importorskip("torch")
    dist = torch.distributions
    for p, q in dirichlet_pairs():
        cp, cq = dist.Categorical(probs=torch.tensor(p)), dist.Categorical(probs=torch.tensor(q))
        assert math.isclose(entropy(p), cp.entropy().item(), rel_tol=1e-12)
        assert math.isclose(kl(p, q), dist.kl_divergence(cp, cq).item(), rel_tol=1e-10)
        assert math.isclose(kl(q, p), dist.kl_divergence(cq, cp).item(), rel_tol=1e-10)


def test_normalize_turns_bar_heights_into_a_distribution() -> None:
    p = normalize([1, 3, 0, 4])
    np.testing.assert_allclose(p, [0.125, 0.375, 0.0, 0.5], rtol=1e-15)
    assert p.dtype == np.float64
    assert math.isclose(entropy(p), -np.sum(p[p > 0] * np.log(p[p > 0])), rel_tol=1e-15)


@pytest.mark.parametrize("field", ["p", "q"])
@pytest.mark.parametrize(
    "bad", [[0, 0, 0], [1, -1, 2], [1, math.nan], [1, math.inf], [], [[1, 2]], "ab"]
)
def test_normalize_rejects_names_the_field(field: str, bad: Any) -> None:
    with pytest.raises(DataError) as info:
        normalize(bad, field)
    assert info.value.field == field


def test_distributions_are_validated() -> None:
    good = np.array([0.5, 0.5])
    cases = [
        (lambda: entropy(np.array([0.5, 0.6])), "p"),
        (lambda: kl(good, np.array([0.5, 0.4])), "q"),
        (lambda: kl(good, np.array([1 / 3] * 3)), "q"),
        (lambda: cross_entropy(np.array([1.5, -0.5]), good), "p"),
        (lambda: decompose(good, np.array([[0.5, 0.5]])), "q"),
    ]
    for call, field in cases:
        with pytest.raises(DataError) as info:
            call()
        assert info.value.field == field


# ---------------------------------------------------------------------------------------------
# Mode-seeking versus mean-covering


def test_two_peaks_is_a_weighted_mixture_of_bumps() -> None:
    p = two_peaks(XS, -2.0, 2.0, BUMP, 0.3)
    assert math.isclose(p.sum(), 1.0, rel_tol=1e-14)
    mean, var = moments(p, XS)
    assert math.isclose(mean, 0.3 * -2.0 + 0.7 * 2.0, rel_tol=1e-9)
    assert math.isclose(var, BUMP**2 + 0.3 * 0.7 * 16.0, rel_tol=1e-6)
    np.testing.assert_allclose(
        two_peaks(XS, -2, 2, BUMP, 0.5), two_peaks(XS, -2, 2, BUMP, 0.5)[::-1]
    )
    np.testing.assert_allclose(gaussian_on(XS, 1.0, 0.7), two_peaks(XS, 1.0, 3.0, 0.7, 1.0))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"width": 0.0}, "width"),
        ({"width": math.inf}, "width"),
        ({"weight": 1.5}, "weight"),
        ({"weight": -0.1}, "weight"),
        ({"a": math.nan}, "a"),
        ({"b": "2"}, "b"),
    ],
)
def test_two_peaks_validates(kwargs: dict[str, Any], field: str) -> None:
    args = {"a": -2.0, "b": 2.0, "width": BUMP, "weight": 0.5, **kwargs}
    with pytest.raises(ConfigError) as info:
        two_peaks(XS, **args)
    assert info.value.field == field


def test_forward_fit_covers_both_peaks_and_matches_moments() -> None:
    p = two_peaks(XS, -2.0, 2.0, BUMP, 0.5)
    fit = fit_one_peak(p, XS, "forward")
    assert abs(fit["mu"]) < 1e-3
    assert fit["sigma"] > 3 * BUMP  # spread over both peaks
    # For this exponential family the minimiser of KL(p || q) matches p's mean and variance.
    mean_q, var_q = moments(fit["q"], XS)
    mean_p, var_p = moments(p, XS)
    assert abs(mean_q - mean_p) < 1e-3
    assert abs(var_q - var_p) < 1e-3 * var_p
    assert math.isclose(fit["kl"], kl(p, fit["q"]), rel_tol=1e-9)


@pytest.mark.parametrize(("weight", "peak"), [(0.5, None), (0.7, -2.0), (0.3, 2.0)])
def test_reverse_fit_sits_on_one_peak(weight: float, peak: float | None) -> None:
    p = two_peaks(XS, -2.0, 2.0, BUMP, weight)
    fit = fit_one_peak(p, XS, "reverse")
    expected = peak if peak is not None else math.copysign(2.0, fit["mu"])
    assert abs(fit["mu"] - expected) < 0.01  # the heavier peak when there is one
    assert abs(fit["sigma"] - BUMP) < 0.01
    assert math.isclose(fit["kl"], kl(fit["q"], p), rel_tol=1e-9)
    assert fit["kl"] < -math.log(max(weight, 1 - weight)) + 1e-9  # no worse than q = the bump


@pytest.mark.parametrize("weight", [0.5, 0.8])
def test_each_fit_wins_its_own_direction(weight: float) -> None:
    p = two_peaks(XS, -2.0, 2.0, BUMP, weight)
    forward, reverse = fit_one_peak(p, XS, "forward"), fit_one_peak(p, XS, "reverse")
    assert kl(p, forward["q"]) < kl(p, reverse["q"])
    assert kl(reverse["q"], p) < kl(forward["q"], p)


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_fit_is_a_local_minimum_and_deterministic(direction: str) -> None:
    p = two_peaks(XS, -1.5, 2.5, 0.6, 0.4)
    fit = fit_one_peak(p, XS, direction)
    again = fit_one_peak(p, XS, direction)
    assert (fit["mu"], fit["sigma"], fit["kl"]) == (again["mu"], again["sigma"], again["kl"])
    np.testing.assert_array_equal(fit["q"], again["q"])

    def objective(mu: float, sigma: float) -> float:
        q = gaussian_on(XS, mu, sigma)
        return kl(p, q) if direction == "forward" else kl(q, p)

    for dmu, ds in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert objective(fit["mu"] + dmu, fit["sigma"] * (1 + ds)) > fit["kl"]


def test_fit_validates() -> None:
    p = two_peaks(XS, -2.0, 2.0, BUMP, 0.5)
    with pytest.raises(ConfigError) as info:
        fit_one_peak(p, XS, "both")
    assert info.value.field == "direction"
    with pytest.raises(DataError) as info:
        fit_one_peak(p[:-1], XS, "forward")
    assert info.value.field == "p"
    with pytest.raises(DataError) as info:
        fit_one_peak(p, XS[::-1], "forward")
    assert info.value.field == "xs"
    gaps = normalize([1.0, 0.0, 0.0, 0.0, 1.0])  # no Gaussian avoids the zeros in the middle
    with pytest.raises(DataError) as info:
        fit_one_peak(gaps, np.arange(5.0), "reverse")
    assert info.value.field == "p"
    assert math.isfinite(fit_one_peak(gaps, np.arange(5.0), "forward")["kl"])


@pytest.mark.parametrize("bad", [[1.0], [0.0, 0.0], [0.0, 1.0, 0.5], [[0.0, 1.0]], [0, math.nan]])
def test_support_must_increase(bad: Any) -> None:
    with pytest.raises(DataError) as info:
        support(bad)
    assert info.value.field == "xs"
