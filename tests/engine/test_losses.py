"""Losses: every registered one against central differences, PyTorch and huge logits."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.losses import LOSSES, Loss, log_softmax
from tests.gradcheck import check_grad

NAMES = LOSSES.names()
Case = tuple[np.ndarray, np.ndarray]


def _mse(rng: np.random.Generator, n: int, k: int) -> Case:
    return rng.standard_normal((n, k)), rng.standard_normal((n, k))


def _bce(rng: np.random.Generator, n: int, k: int) -> Case:
    t = rng.uniform(0.0, 1.0, (n, k))
    t.flat[::3] = rng.integers(0, 2, t.flat[::3].size)  # exact 0/1 labels too
    return rng.standard_normal((n, k)), t


def _cross_entropy(rng: np.random.Generator, n: int, k: int) -> Case:
    return rng.standard_normal((n, k)), rng.integers(0, k, n)


def _kl_div(rng: np.random.Generator, n: int, k: int) -> Case:
    p = rng.dirichlet(np.ones(k), n)
    p[0] = 0.0
    p[0, 1] = 1.0  # a one-hot row: 0 log 0 terms
    return rng.standard_normal((n, k)), p


def _hinge(rng: np.random.Generator, n: int, k: int) -> Case:
    t = rng.integers(0, 2, (n, 1)).astype(np.float64)
    z = rng.uniform(-3.0, 3.0, (n, 1))
    s = 2 * t - 1
    z = np.where(np.abs(1 - s * z) < 1e-2, z + 0.1, z)  # away from the kink
    return z, t


MAKERS: dict[str, Callable[[np.random.Generator, int, int], Case]] = {
    "mse": _mse,
    "bce": _bce,
    "cross_entropy": _cross_entropy,
    "kl_div": _kl_div,
    "hinge": _hinge,
}


def make_case(name: str, seed: int = 0, n: int = 7, k: int = 4) -> Case:
    """Valid (outputs, targets) for the loss `name`."""
    assert name in MAKERS, f"add a case maker for the loss {name!r}"
    return MAKERS[name](np.random.default_rng(seed), n, k)


def other_config(name: str) -> dict[str, Any]:
    """A non-default setting of every parameter: the middle of its bounds."""
    return {p.name: (p.low + p.high) / 2 for p in LOSSES.entry(name).params}


CASES = [(n, {}) for n in NAMES] + [(n, other_config(n)) for n in NAMES if other_config(n)]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v:g}' for k, v in c.items()) or 'default'}" for n, c in CASES]


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_gradient_matches_central_differences(name: str, config: dict[str, Any]) -> None:
    loss = LOSSES.build(name, **config)
    for seed in range(3):
        z, t = make_case(name, seed)
        value, grad = loss(z, t)
        assert isinstance(value, float)
        assert grad.shape == z.shape
        check_grad(lambda o, t=t: loss.value(o, t), z, grad, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_value_equals_call(name: str, config: dict[str, Any]) -> None:
    loss = LOSSES.build(name, **config)
    z, t = make_case(name, 1)
    assert loss.value(z, t) == pytest.approx(loss(z, t)[0], rel=1e-14, abs=1e-15)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_finite_and_quiet_for_huge_logits(name: str, config: dict[str, Any]) -> None:
    loss = LOSSES.build(name, **config)
    for seed in range(4):
        z, t = make_case(name, seed)
        rng = np.random.default_rng(seed)
        for huge in (np.full(z.shape, 1000.0), np.full(z.shape, -1000.0)):
            z_huge = np.where(rng.random(z.shape) < 0.5, huge, rng.choice([-1000.0, 0.0], z.shape))
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                value, grad = loss(z_huge, t)
                again = loss.value(z_huge, t)
            assert math.isfinite(value) and value >= 0.0 and again == pytest.approx(value)
            assert np.all(np.isfinite(grad)) and grad.shape == z.shape


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name: str) -> None:
    loss = LOSSES.get(name)
    z, t = make_case(name, 2)
    z0, t0 = z.copy(), t.copy()
    loss(z, t)
    loss.value(z, t)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(t, t0)


@pytest.mark.parametrize("name", NAMES)
def test_catalog_entry_has_formula_note_and_targets(name: str) -> None:
    entry = next(e for e in LOSSES.catalog() if e["name"] == name)
    for key in ("formula", "note", "targets", "help"):
        assert isinstance(entry[key], str) and entry[key], (name, key)
    assert entry["targets"] in ("class indices", "0/1 labels", "real values", "probability rows")
    json.dumps(entry)
    assert issubclass(LOSSES.entry(name), Loss)


def test_registered_names() -> None:
    assert NAMES == ["mse", "bce", "cross_entropy", "kl_div", "hinge"]


@pytest.mark.parametrize("value", [-0.1, 1.5, float("inf"), "0.1", None])
def test_bad_label_smoothing_names_the_field(value: Any) -> None:
    with pytest.raises(ConfigError, match=r"cross_entropy\.label_smoothing") as err:
        LOSSES.build("cross_entropy", label_smoothing=value)
    assert err.value.field == "cross_entropy.label_smoothing"
    with pytest.raises(ConfigError, match=r"mse\.label_smoothing"):
        LOSSES.build("mse", label_smoothing=0.1)


# --- hand values ------------------------------------------------------------------------------


def test_mse_hand_value() -> None:
    value, grad = LOSSES.get("mse")(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
    assert value == 2.5
    np.testing.assert_array_equal(grad, [[1.0, 2.0]])  # 2 (z - t) / 2


def test_bce_hand_value() -> None:
    value, grad = LOSSES.get("bce")(np.zeros((4, 1)), np.array([[0.0], [1.0], [1.0], [0.0]]))
    assert value == pytest.approx(math.log(2), rel=1e-15)
    np.testing.assert_allclose(grad, [[0.125], [-0.125], [-0.125], [0.125]], rtol=1e-15)
    assert LOSSES.get("bce").value(np.array([[1000.0]]), np.array([[0.0]])) == 1000.0


@pytest.mark.parametrize("k", [2, 3, 10])
def test_cross_entropy_of_zero_logits_is_log_k(k: int) -> None:
    value, grad = LOSSES.get("cross_entropy")(np.zeros((3, k)), np.array([0, 1, 1]))
    assert value == pytest.approx(math.log(k), rel=1e-15)
    assert grad[0, 0] == pytest.approx((1 / k - 1) / 3) and grad[0, 1] == pytest.approx(1 / k / 3)
    smooth = LOSSES.build("cross_entropy", label_smoothing=0.3)
    assert smooth.value(np.zeros((3, k)), np.array([0, 1, 1])) == pytest.approx(math.log(k))


def test_cross_entropy_accepts_column_and_float_labels() -> None:
    z, t = make_case("cross_entropy", 3)
    loss = LOSSES.get("cross_entropy")
    value, grad = loss(z, t)
    value2, grad2 = loss(z, t.reshape(-1, 1).astype(np.float64))
    assert value == value2
    np.testing.assert_array_equal(grad, grad2)


def test_kl_div_hand_values() -> None:
    loss = LOSSES.get("kl_div")
    uniform = np.full((2, 4), 0.25)
    assert loss.value(np.zeros((2, 4)), uniform) == pytest.approx(0.0, abs=1e-15)
    one_hot = np.eye(4)[[1, 3]]
    assert loss.value(np.zeros((2, 4)), one_hot) == pytest.approx(math.log(4), rel=1e-15)
    z = np.random.default_rng(0).standard_normal((2, 4))
    assert loss.value(z, np.exp(log_softmax(z)[0])) == pytest.approx(0.0, abs=1e-15)


def test_hinge_hand_values_and_kink() -> None:
    loss = LOSSES.get("hinge")
    t = np.array([[1.0], [0.0], [1.0], [0.0]])
    value, grad = loss(np.zeros((4, 1)), t)
    assert value == 1.0
    np.testing.assert_array_equal(grad, [[-0.25], [0.25], [-0.25], [0.25]])
    # Right side with margin > 1: no loss, no gradient. At the kink s z = 1: -s / n.
    value, grad = loss(np.array([[2.0], [-2.0], [1.0], [-1.0]]), t)
    assert value == 0.0
    np.testing.assert_array_equal(grad, [[0.0], [0.0], [-0.25], [0.25]])


def test_log_softmax_is_stable() -> None:
    logp, p = log_softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_array_equal(logp, [[0.0, -1000.0, -2000.0]])
    np.testing.assert_array_equal(p, [[1.0, 0.0, 0.0]])


# --- PyTorch ----------------------------------------------------------------------------------


def torch_loss(name: str, config: dict[str, Any]) -> Callable[[Any, Any], Any]:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    table: dict[str, Callable[[Any, Any], Any]] = {
        "mse": f.mse_loss,
        "bce": f.binary_cross_entropy_with_logits,
        "cross_entropy": lambda z, t: f.cross_entropy(
            z, t.long(), label_smoothing=config.get("label_smoothing", 0.0)
        ),
        "kl_div": lambda z, p: f.kl_div(f.log_softmax(z, dim=1), p, reduction="batchmean"),
        "hinge": lambda z, t: torch.clamp(1 - (2 * t - 1) * z, min=0).mean(),
    }
    assert name in table, f"add {name!r} to the PyTorch table"
    return table[name]


def torch_value_and_grad(
    name: str, config: dict[str, Any], z: np.ndarray, t: np.ndarray
) -> tuple[float, np.ndarray]:
    torch = pytest.importorskip("torch")
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = torch_loss(name, config)(zt, torch.tensor(t))
    (grad,) = torch.autograd.grad(out, zt)
    return float(out.detach()), grad.numpy()


@pytest.mark.torch
@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_matches_torch(name: str, config: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    loss = LOSSES.build(name, **config)
    for seed in range(5):
        z, t = make_case(name, seed, n=9, k=5)
        z = z * (1 + 10 * seed)  # from moderate to saturated logits
        if seed == 4:
            z.flat[::2] = 1000.0
            z.flat[1::3] = -1000.0
        ref_value, ref_grad = torch_value_and_grad(name, config, z, t)
        value, grad = loss(z, t)
        assert value == pytest.approx(ref_value, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.torch
def test_hinge_kink_matches_torch_clamp() -> None:
    z = np.array([[1.0], [-1.0], [0.5], [3.0]])
    t = np.array([[1.0], [0.0], [1.0], [1.0]])
    ref_value, ref_grad = torch_value_and_grad("hinge", {}, z, t)
    value, grad = LOSSES.get("hinge")(z, t)
    assert value == ref_value
    np.testing.assert_array_equal(grad, ref_grad)
