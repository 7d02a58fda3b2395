"""What the pages draw, computed on demand from a trainer (nothing here changes the run).

Grids cover the domain [-6, 6]^2 with cell centres; row i of a grid is the i-th y value from
the bottom, column j the j-th x value from the left (Plotly's heatmap convention).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from engine.activations import Activation
from engine.datasets import DOMAIN
from engine.features import transform
from engine.trainer import Trainer

SATURATION = 0.05  # a unit is saturated where |f'(x)| < 5% of the activation's peak slope
GUIDE_UPDATE_RATIO = 1e-3  # the rule-of-thumb update-to-weight ratio (Karpathy, CS231n)


@lru_cache(maxsize=8)
def grid_points(n: int, lo: float = DOMAIN[0], hi: float = DOMAIN[1]) -> np.ndarray:
    """(n*n, 2) cell centres, row-major from the bottom-left corner. Read-only."""
    axis = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    xx, yy = np.meshgrid(axis, axis)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    points.flags.writeable = False
    return points


def grid_axis(n: int) -> np.ndarray:
    return grid_points(n)[:n, 0]


@lru_cache(maxsize=16)
def _grid_features(features: tuple[str, ...], n: int) -> np.ndarray:
    f = transform(grid_points(n), features)
    f.flags.writeable = False
    return f


def network_grids(trainer: Trainer, n: int = 100, coarse: int = 20) -> dict[str, Any]:
    """The output over an n x n grid and every hidden neuron's output block-averaged to coarse.

    "output": (n, n) scores (binary: in [-1, 1]; regression: the value) or, multi-class,
    (n, n, k) probabilities; "neurons": per hidden layer, (width, coarse, coarse).
    """
    if n % coarse:
        raise ValueError(f"coarse ({coarse}) must divide n ({n})")
    x = _grid_features(trainer.config.features, n)
    model = trainer.model
    neurons = []
    for layer in model.layers:
        x = layer.forward(x, False)
        if layer in model.act_layers:
            neurons.append(_block_mean(x, n, coarse))
    score = model.head.score(x)
    shape = (n, n) if score.ndim == 1 else (n, n, score.shape[1])
    return {"output": score.reshape(shape), "neurons": neurons}


def neuron_grid(trainer: Trainer, layer: int, neuron: int, n: int = 100) -> np.ndarray:
    """One hidden neuron's output over the full n x n grid (the enlarged view on hover)."""
    x = _grid_features(trainer.config.features, n)
    model = trainer.model
    target = model.act_layers[layer]
    for lay in model.layers:
        x = lay.forward(x, False)
        if lay is target:
            return x[:, neuron].reshape(n, n)
    raise IndexError(layer)


def feature_grids(features: tuple[str, ...], coarse: int = 20) -> np.ndarray:
    """(n_features, coarse, coarse): each input feature over the plane."""
    f = _grid_features(tuple(features), coarse)
    return f.T.reshape(len(features), coarse, coarse)


def _block_mean(values: np.ndarray, n: int, coarse: int) -> np.ndarray:
    """(n*n, w) grid values -> (w, coarse, coarse) means over square blocks."""
    b = n // coarse
    w = values.shape[1]
    return values.reshape(coarse, b, coarse, b, w).mean(axis=(1, 3)).transpose(2, 0, 1)


def metrics(trainer: Trainer) -> dict[str, Any]:
    """Losses, and accuracy and a confusion matrix (classification) or R^2 (regression)."""
    model, d = trainer.model, trainer.data
    out: dict[str, Any] = {"epoch": trainer.epoch, "status": trainer.status.value}
    z_train, z_test = model.forward(trainer.f_train), model.forward(trainer.f_test)
    out["train_loss"] = model.head.loss_value(z_train, trainer.t_train)
    out["test_loss"] = (
        model.head.loss_value(z_test, trainer.t_test) if len(z_test) else float("nan")
    )
    if d.problem == "regression":
        out["train_r2"] = _r2(model.head.score(z_train), d.y_train)
        out["test_r2"] = _r2(model.head.score(z_test), d.y_test)
        return out
    pred_train, pred_test = model.head.classify(z_train), model.head.classify(z_test)
    out["train_accuracy"] = float(np.mean(pred_train == d.y_train)) if len(z_train) else None
    out["test_accuracy"] = float(np.mean(pred_test == d.y_test)) if len(z_test) else None
    k = d.n_classes
    confusion = np.zeros((k, k), dtype=np.int64)  # rows: true class, columns: predicted
    np.add.at(confusion, (d.y_test, pred_test), 1)
    out["confusion"] = confusion.tolist()
    return out


def _r2(pred: np.ndarray, y: np.ndarray) -> float | None:
    if len(y) < 2:
        return None
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss_tot if ss_tot > 0 else None


def layer_gradients(trainer: Trainer) -> list[dict[str, float]]:
    """Per Dense layer: the full-batch gradient norms at the current weights (eval mode, so no
    randomness is drawn), the weight norm, and the last step's update-to-weight ratio."""
    model = trainer.model
    z = model.forward(trainer.f_train)
    _, dz = model.head.loss_and_grad(z, trainer.t_train)
    model.backward(dz)
    out = []
    for i, dense in enumerate(model.dense):
        w = dense.params["weight"]
        key = model.weight_keys[i]
        before = trainer.before_last_step.get(key)
        w_norm = float(np.linalg.norm(w))
        ratio = (
            float(np.linalg.norm(w - before)) / w_norm if before is not None and w_norm else None
        )
        out.append(
            {
                "layer": i,
                "grad_norm": float(np.linalg.norm(dense.grads["weight"])),
                "bias_grad_norm": float(np.linalg.norm(dense.grads["bias"])),
                "weight_norm": w_norm,
                "update_ratio": ratio,
            }
        )
    return out


def activation_stats(trainer: Trainer, bins: int = 40) -> list[dict[str, Any]]:
    """Per hidden layer, on the training points: mean and std of the outputs, the fraction of
    saturated entries, the fraction of dead units, and a histogram of the pre-activations."""
    blocks = trainer.model.trace(trainer.f_train)[:-1]
    out = []
    for block, layer in zip(blocks, trainer.model.act_layers, strict=True):
        pre, post = block["pre"], block["post"]
        slope = np.abs(layer.act.derivative(pre))
        peak = peak_slope(layer.act)
        zero = slope == 0
        finite = pre[np.isfinite(pre)]  # a diverging run can hold inf; count what is finite
        counts, edges = np.histogram(finite if finite.size else np.zeros(1), bins=bins)
        out.append(
            {
                "mean": float(post.mean()),
                "std": float(post.std()),
                "saturated": float(np.mean(~zero & (slope < SATURATION * peak))),
                "zero_slope": float(np.mean(zero)),
                "dead": float(np.mean(zero.all(axis=0))),
                "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
            }
        )
    return out


def peak_slope(act: Activation) -> float:
    probe = np.linspace(-10, 10, 2001)
    return float(np.max(np.abs(act.derivative(probe)))) or 1.0


def representations(trainer: Trainer, split: str = "train") -> list[dict[str, np.ndarray]]:
    """Each layer's view of the data points: Model.trace on the train or test features."""
    f = trainer.f_train if split == "train" else trainer.f_test
    return trainer.model.trace(f)
