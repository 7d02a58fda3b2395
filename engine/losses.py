"""Losses on raw outputs (logits): `loss(outputs, targets) -> (mean loss, dLoss/doutputs)`.

Each equals its PyTorch counterpart with reduction "mean" (kl_div: "batchmean"), folds the
output nonlinearity in where torch does (bce: sigmoid, cross_entropy and kl_div: softmax), and
stays finite, without NumPy warnings, for logits of +-1000. `outputs` is always 2-D (N, k);
what `targets` must be is each loss's `info["targets"]`. Inputs are never modified.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from engine.registry import Component, Param, Registry

LOSSES: Registry[Loss] = Registry("loss")


def log_softmax(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log softmax(z), softmax(z)) over rows, shifted by the row max so exp never overflows."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    sums = e.sum(axis=1, keepdims=True)
    return shifted - np.log(sums), e / sums


class Loss(Component):
    """A mean loss and its gradient. `info` holds "formula" (LaTeX), "note" and "targets"."""

    info: ClassVar[dict[str, Any]] = {}

    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """(mean loss, dLoss/doutputs) on raw outputs of shape (N, k)."""
        raise NotImplementedError

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        """The mean loss alone."""
        return self(outputs, targets)[0]


@LOSSES.register
class MSE(Loss):
    name = "mse"
    help = "mean squared error, over every output"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\frac{1}{Nk} \sum_{i,j} (z_{ij} - t_{ij})^2",
        "note": "Regression's loss; on a sigmoid output it stalls when the answer is "
        "confidently wrong.",
        "targets": "real values",
    }

    # L = mean (z - t)^2;  dL/dz = 2 (z - t) / n, n = number of elements
    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        d = outputs - targets.reshape(outputs.shape)
        n = d.size
        return float(np.vdot(d, d)) / n, d * (2.0 / n)

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        d = outputs - targets.reshape(outputs.shape)
        return float(np.vdot(d, d)) / d.size


@LOSSES.register
class BCE(Loss):
    name = "bce"
    help = "sigmoid + binary cross-entropy on logits (torch BCEWithLogitsLoss)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"-\frac{1}{Nk} \sum_{i,j} \left[t \log \sigma(z) + (1 - t) "
        r"\log(1 - \sigma(z))\right]",
        "note": "The standard binary classification loss: its gradient sigma(z) - t never "
        "stalls on confidently wrong answers.",
        "targets": "0/1 labels",
    }

    # L = mean -[t log s + (1-t) log(1-s)], s = sigmoid z
    #   = mean max(z, 0) - z t + log(1 + e^-|z|)   (no overflow; exact for t in {0, 1})
    # dL/dz = (s - t) / n
    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        z, t = outputs, targets.reshape(outputs.shape)
        e = np.exp(-np.abs(z))
        value = float((np.maximum(z, 0.0) - z * t + np.log1p(e)).sum()) / z.size
        r = 1.0 / (1.0 + e)
        s = np.where(z >= 0, r, e * r)  # sigmoid(z) from e = exp(-|z|)
        return value, (s - t) * (1.0 / z.size)

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        z, t = outputs, targets.reshape(outputs.shape)
        terms = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
        return float(terms.sum()) / z.size


@LOSSES.register
class CrossEntropy(Loss):
    name = "cross_entropy"
    help = "softmax + negative log-likelihood of the true class (torch cross_entropy)"
    params = (
        Param(
            "label_smoothing",
            0.0,
            low=0.0,
            high=1.0,
            step=0.01,
            help="target mass spread evenly over all k classes",
        ),
    )
    info: ClassVar[dict[str, Any]] = {
        "formula": r"-\frac{1}{N} \sum_i \sum_c q_{ic} \log \operatorname{softmax}(z_i)_c,\ "
        r"q_i = (1 - \varepsilon)\,\mathrm{onehot}(t_i) + \varepsilon / k",
        "note": "The standard multi-class loss; its gradient is softmax(z) - q. Label "
        "smoothing eps keeps the logits from growing without bound.",
        "targets": "class indices",
    }
    label_smoothing: float

    # L = -mean_i sum_c q_ic log p_ic, p = softmax z, q = (1-eps) onehot(t) + eps/k
    #   = -(1-eps) mean_i log p_i,t_i - eps mean_ic log p_ic
    # dL/dz = (p - q) / N
    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        n, k = outputs.shape
        rows, cols = np.arange(n), targets.reshape(-1).astype(np.intp, copy=False)
        logp, grad = log_softmax(outputs)
        eps = self.label_smoothing
        value = -float(logp[rows, cols].sum()) / n
        if eps:
            value = (1.0 - eps) * value - eps * float(logp.sum()) / logp.size
            grad -= eps / k
        grad[rows, cols] -= 1.0 - eps
        grad *= 1.0 / n
        return value, grad

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        n = outputs.shape[0]
        cols = targets.reshape(-1).astype(np.intp, copy=False)
        logp = log_softmax(outputs)[0]
        value = -float(logp[np.arange(n), cols].sum()) / n
        eps = self.label_smoothing
        return (1.0 - eps) * value - eps * float(logp.sum()) / logp.size if eps else value


@LOSSES.register
class KLDiv(Loss):
    name = "kl_div"
    help = "KL(p || softmax(z)) per row, averaged over the batch (torch kl_div, batchmean)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\frac{1}{N} \sum_i \sum_c p_{ic} \log \frac{p_{ic}}{\operatorname{softmax}"
        r"(z_i)_c}",
        "note": "Cross-entropy against soft targets minus their entropy, so it is 0 at a "
        "perfect fit. Used for distillation and soft labels.",
        "targets": "probability rows",
    }

    # L = (1/N) sum_ic p (log p - log q), q = softmax z, 0 log 0 = 0
    # dL/dz_ij = (q_ij sum_c p_ic - p_ij) / N   (= (q - p)/N when rows of p sum to 1)
    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        p = targets.reshape(outputs.shape)
        logq, q = log_softmax(outputs)
        n = outputs.shape[0]
        value = self._sum(p, logq) / n
        grad = q * p.sum(axis=1, keepdims=True)
        grad -= p
        grad *= 1.0 / n
        return value, grad

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        return self._sum(targets.reshape(outputs.shape), log_softmax(outputs)[0]) / len(outputs)

    @staticmethod
    def _sum(p: np.ndarray, logq: np.ndarray) -> float:
        log_p = np.log(np.where(p > 0, p, 1.0))  # 0 where p = 0, so 0 log 0 -> 0
        return float(np.vdot(p, log_p - logq))


@LOSSES.register
class Hinge(Loss):
    name = "hinge"
    help = "binary margin loss max(0, 1 - s z) with s = 2t - 1 in {-1, +1}"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\frac{1}{N} \sum_i \max(0,\ 1 - s_i z_i),\ s_i = 2 t_i - 1",
        "note": "The SVM loss: zero once a point is on the right side with margin 1, so only "
        "points near the boundary keep training. At the kink s z = 1 the subgradient is -s "
        "(as torch's clamp).",
        "targets": "0/1 labels",
    }

    # L = mean max(0, 1 - s z);  dL/dz = -s / n where 1 - s z >= 0, else 0
    # At the kink 1 - s z = 0 this takes -s/n, the subgradient autograd gives for
    # torch.clamp(1 - s z, min=0) (torch.relu would give 0 there).
    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        s = 2.0 * targets.reshape(outputs.shape) - 1.0
        margin = 1.0 - s * outputs
        n = outputs.size
        value = float(np.maximum(margin, 0.0).sum()) / n
        return value, np.where(margin >= 0.0, s * (-1.0 / n), 0.0)

    def value(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        s = 2.0 * targets.reshape(outputs.shape) - 1.0
        return float(np.maximum(1.0 - s * outputs, 0.0).sum()) / outputs.size
