"""Output heads: loss gradients by central differences, label encoding, scores, PyTorch parity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.heads import HEADS, PROBLEMS, Head, default_head
from engine.losses import LOSSES
from tests.gradcheck import check_grad

ROWS, CLASSES = 12, 3
HEAD_NAMES = HEADS.names()


def _classes(head: Head) -> int:
    return CLASSES if head.problem == "multiclass" else 2


def _labels(head: Head, rng: np.random.Generator, n: int = ROWS) -> np.ndarray:
    """Raw labels as a dataset gives them: class indices, or regression targets in [-1, 1]."""
    if head.problem == "regression":
        return rng.uniform(-1.0, 1.0, n)
    return rng.integers(0, _classes(head), n)


def _case(name: str, seed: int = 0) -> tuple[Head, np.ndarray, np.ndarray, np.ndarray]:
    """(head, raw outputs z, raw labels y, encoded targets t) with z away from any kink."""
    rng = np.random.default_rng(seed)
    head = HEADS.get(name)
    y = _labels(head, rng)
    z = rng.normal(0.0, 1.5, (ROWS, head.n_outputs(_classes(head))))
    return head, z, y, head.encode(y)


def test_every_head_declares_a_known_problem_loss_and_activation() -> None:
    for name in HEAD_NAMES:
        entry = HEADS.entry(name).describe()
        assert entry["problem"] in PROBLEMS
        assert entry["loss"] in LOSSES
        head = HEADS.get(name)
        assert head.loss.name == entry["loss"] and head.activation.name == entry["activation"]


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_loss_gradient_matches_central_differences(name: str) -> None:
    head, z, _, t = _case(name)
    value, grad = head.loss_and_grad(z, t)
    assert grad.shape == z.shape
    check_grad(lambda zz: head.loss_and_grad(zz, t)[0], z, grad, rtol=1e-6, atol=1e-9)
    assert value == pytest.approx(head.loss_value(z, t), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_loss_is_the_loss_of_the_output(name: str) -> None:
    head, z, _, t = _case(name, seed=1)
    a = head.output(z)
    assert a.shape == z.shape
    assert head.loss_value(z, t) == pytest.approx(head.loss.value(a, t), rel=1e-14)
    if head.activation.name == "linear":
        assert a is z


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_loss_is_finite_for_huge_outputs(name: str) -> None:
    head, _, _, t = _case(name, seed=2)
    z = np.full((ROWS, head.n_outputs(_classes(head))), 1000.0)
    z[::2] *= -1.0
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = head.loss_and_grad(z, t)
        score = head.score(z)
    assert np.isfinite(value) and np.isfinite(grad).all() and np.isfinite(score).all()


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_a_perfect_answer_has_the_lowest_loss(name: str) -> None:
    """Outputs far on the right side give less loss than outputs on the wrong side."""
    head, _, y, t = _case(name, seed=3)
    k = head.n_outputs(_classes(head))
    if head.problem == "regression":
        right, wrong = y.reshape(-1, 1), -y.reshape(-1, 1) + 3.0
    elif head.problem == "multiclass":
        right = 8.0 * np.eye(k)[y] - 4.0
        wrong = -right
    else:
        right = (8.0 * y - 4.0).reshape(-1, 1).astype(np.float64)
        wrong = -right
    assert head.loss_value(right, t) < 0.05 < head.loss_value(wrong, t)
    if head.problem != "regression":
        np.testing.assert_array_equal(head.classify(right), y)
        np.testing.assert_array_equal(head.classify(wrong) == y, np.zeros(ROWS, dtype=bool))


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_encoding(name: str) -> None:
    head, _, y, t = _case(name)
    if head.name == "tanh_mse":  # TF Playground's labels -1/+1
        np.testing.assert_array_equal(t, (2.0 * y - 1.0).reshape(-1, 1))
    elif head.problem == "multiclass":
        assert t.dtype == np.int64 and t.shape == (ROWS,)
        np.testing.assert_array_equal(t, y)
    else:
        assert t.dtype == np.float64 and t.shape == (ROWS, 1)
        np.testing.assert_array_equal(t[:, 0], y)


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_score_and_classify_agree(name: str) -> None:
    head, z, _, _ = _case(name, seed=4)
    score = head.score(z)
    if head.problem == "regression":
        np.testing.assert_array_equal(score, z[:, 0])
        with pytest.raises(TypeError):
            head.classify(z)
    elif head.problem == "multiclass":
        assert score.shape == z.shape
        np.testing.assert_allclose(score.sum(axis=1), 1.0, rtol=1e-14)
        np.testing.assert_array_equal(np.argmax(score, axis=1), head.classify(z))
    else:  # binary: a score in [-1, 1], positive exactly where class 1 is predicted
        assert score.shape == (ROWS,)
        assert np.all(np.abs(score) <= 1.0)
        np.testing.assert_array_equal(score > 0, head.classify(z) == 1)
        np.testing.assert_array_equal(head.classify(z), (z[:, 0] > 0).astype(np.int64))


def test_binary_scores_are_probabilities_mapped_to_minus_one_one() -> None:
    z = np.array([[-2.0], [0.0], [0.5], [3.0]])
    p = 1.0 / (1.0 + np.exp(-z[:, 0]))
    for name in ("bce", "sigmoid_mse"):
        np.testing.assert_allclose(HEADS.get(name).score(z), 2.0 * p - 1.0, rtol=1e-14)
    np.testing.assert_allclose(HEADS.get("tanh_mse").score(z), np.tanh(z[:, 0]), rtol=1e-15)
    np.testing.assert_array_equal(HEADS.get("hinge").score(z), [-1.0, 0.0, 0.5, 1.0])


def test_outputs_and_default_heads() -> None:
    assert HEADS.get("softmax_ce").n_outputs(5) == 5
    assert all(HEADS.get(n).n_outputs(5) == 1 for n in HEAD_NAMES if n != "softmax_ce")
    assert default_head("classification", 2) == "bce"
    assert default_head("classification", 3) == "softmax_ce"
    assert default_head("regression", 0) == "mse"


def test_hand_computed_losses() -> None:
    z = np.array([[0.0], [2.0]])
    y = np.array([1, 0])
    bce = HEADS.get("bce")
    assert bce.loss_value(z, bce.encode(y)) == pytest.approx(
        0.5 * (np.log(2.0) + np.log1p(np.exp(2.0))), rel=1e-14
    )
    tanh_mse = HEADS.get("tanh_mse")  # mean over points of (tanh z - s)^2, s = +1 / -1
    expected = 0.5 * ((0.0 - 1.0) ** 2 + (np.tanh(2.0) + 1.0) ** 2)
    assert tanh_mse.loss_value(z, tanh_mse.encode(y)) == pytest.approx(expected, rel=1e-14)
    hinge = HEADS.get("hinge")  # max(0, 1 - 0) and max(0, 1 + 2)
    assert hinge.loss_value(z, hinge.encode(y)) == pytest.approx(2.0, rel=1e-15)


# -- PyTorch -----------------------------------------------------------------------------------


def torch_head_losses(torch: Any) -> dict[str, Callable[[Any, Any], Any]]:
    """Each head's loss in torch on raw outputs z (N, k) and raw labels y (float64; int64 for
    a multi-class head): shared with the model and trainer tests."""
    f = torch.nn.functional
    return {
        "bce": lambda z, y: f.binary_cross_entropy_with_logits(z[:, 0], y),
        "tanh_mse": lambda z, y: f.mse_loss(torch.tanh(z[:, 0]), 2 * y - 1),
        "sigmoid_mse": lambda z, y: f.mse_loss(torch.sigmoid(z[:, 0]), y),
        "hinge": lambda z, y: torch.clamp(1 - (2 * y - 1) * z[:, 0], min=0).mean(),
        "softmax_ce": lambda z, y: f.cross_entropy(z, y),
        "mse": lambda z, y: f.mse_loss(z[:, 0], y),
    }


@pytest.mark.torch
def test_every_head_has_a_torch_reference() -> None:
    torch = pytest.importorskip("torch")
    assert set(torch_head_losses(torch)) == set(HEAD_NAMES)


@pytest.mark.torch
@pytest.mark.parametrize("name", HEAD_NAMES)
def test_loss_and_grad_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    head, z, y, t = _case(name, seed=5)
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(y, dtype=torch.int64 if head.problem == "multiclass" else torch.float64)
    expected = torch_head_losses(torch)[name](zt, yt)
    expected.backward()
    value, grad = head.loss_and_grad(z, t)
    assert value == pytest.approx(expected.item(), rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-10, atol=1e-14)
