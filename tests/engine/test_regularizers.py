"""Regularizers: known values, gradients by central differences, in-place accumulation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.regularizers import REGULARIZERS
from tests.gradcheck import check_grad

W = np.array([[1.0, -2.0], [0.0, 3.0]])


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_add_grad_is_rate_times_the_penalty_gradient(name: str) -> None:
    reg = REGULARIZERS.get(name)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((5, 3))  # no exact zeros: every penalty is differentiable here
    start = rng.standard_normal((5, 3))
    grad = start.copy()
    reg.add_grad(w, grad, 0.7)
    check_grad(lambda v: 0.7 * reg.penalty(v), w, grad - start)  # added to, not overwritten


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_catalog_entry_has_formula_and_note(name: str) -> None:
    entry = REGULARIZERS.entry(name).describe()
    assert entry["params"] == []  # the rate is a trainer setting
    assert entry["formula"] and entry["note"] and entry["help"]


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_rate_zero_leaves_grad_untouched(name: str) -> None:
    grad = np.ones_like(W)
    REGULARIZERS.get(name).add_grad(W, grad, 0.0)
    np.testing.assert_array_equal(grad, np.ones_like(W))


@pytest.mark.parametrize(
    ("name", "penalty", "grad"),
    [
        ("none", 0.0, np.zeros((2, 2))),
        ("l1", 6.0, 0.5 * np.array([[1.0, -1.0], [0.0, 1.0]])),  # subgradient 0 at w = 0
        ("l2", 7.0, 0.5 * W),
    ],
)
def test_known_values(name: str, penalty: float, grad: np.ndarray) -> None:
    reg = REGULARIZERS.get(name)
    assert reg.penalty(W) == penalty
    out = np.zeros_like(W)
    same = out
    reg.add_grad(W, out, 0.5)
    assert out is same
    np.testing.assert_array_equal(out, grad)


def test_l2_grad_is_rate_times_w_as_torch_weight_decay() -> None:
    w = np.random.default_rng(1).standard_normal((4, 3))
    grad = np.zeros_like(w)
    REGULARIZERS.get("l2").add_grad(w, grad, 3e-3)
    np.testing.assert_array_equal(grad, 3e-3 * w)


def test_penalties_work_on_non_contiguous_views() -> None:
    w = np.arange(12.0).reshape(3, 4) - 6.0
    assert REGULARIZERS.get("l2").penalty(w.T) == 0.5 * float(np.sum(w * w))
    assert REGULARIZERS.get("l1").penalty(w[:, ::2]) == float(np.sum(np.abs(w[:, ::2])))
