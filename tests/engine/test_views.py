"""Views: grid layout and orientation, values of a hand-set network, block averages, metrics,
gradient norms, activation statistics, and that looking never changes the run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.config import TrainConfig
from engine.datasets import DOMAIN
from engine.trainer import Trainer
from engine.views import (
    activation_stats,
    feature_grids,
    grid_axis,
    grid_points,
    layer_gradients,
    metrics,
    network_grids,
    neuron_grid,
    representations,
)

N, COARSE = 40, 10
CELL = (DOMAIN[1] - DOMAIN[0]) / N


def make(**changes: Any) -> Trainer:
    return Trainer(TrainConfig().with_changes({"n_points": 200, **changes}))


def hand_set(output: str = "auto", dataset: str = "circle") -> Trainer:
    """x1, x2 -> one linear unit h = 2 x1 - x2 + 0.5 -> z = 3 h - 1."""
    trainer = make(hidden=[1], activation="linear", output=output, dataset=dataset)
    trainer.set_weight(0, 0, 0, 2.0)
    trainer.set_weight(0, 1, 0, -1.0)
    trainer.set_bias(0, 0, 0.5)
    trainer.set_weight(1, 0, 0, 3.0)
    trainer.set_bias(1, 0, -1.0)
    return trainer


# -- the grid ---------------------------------------------------------------------------------


def test_grid_points_start_bottom_left_and_run_along_x() -> None:
    points = grid_points(N)
    lo = DOMAIN[0] + CELL / 2
    assert points.shape == (N * N, 2)
    np.testing.assert_allclose(points[0], [lo, lo], rtol=1e-15)  # row 0 is the bottom
    np.testing.assert_allclose(points[1], [lo + CELL, lo], rtol=1e-15)  # column 1: next x
    np.testing.assert_allclose(points[N], [lo, lo + CELL], rtol=1e-15)  # row 1: next y
    np.testing.assert_allclose(points[-1], [-lo, -lo], rtol=1e-15)  # top right
    np.testing.assert_allclose(grid_axis(N), lo + CELL * np.arange(N), rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError):
        points[0, 0] = 0.0  # shared and cached: read-only


def test_feature_grids_follow_the_grid_orientation() -> None:
    grids = feature_grids(("x1", "x2", "x1_x2"), coarse=4)
    axis = grid_axis(4)
    assert grids.shape == (3, 4, 4)
    np.testing.assert_array_equal(grids[0], np.tile(axis, (4, 1)))  # x grows along columns
    np.testing.assert_array_equal(grids[1], np.tile(axis[:, None], (1, 4)))  # y along rows
    np.testing.assert_allclose(grids[2], np.outer(axis, axis), rtol=1e-15)


# -- network grids ----------------------------------------------------------------------------


def test_network_grids_shapes_binary() -> None:
    trainer = make(hidden=[5, 3])
    grids = network_grids(trainer, N, COARSE)
    assert grids["output"].shape == (N, N)
    assert np.all(np.abs(grids["output"]) <= 1.0)
    assert [g.shape for g in grids["neurons"]] == [(5, COARSE, COARSE), (3, COARSE, COARSE)]


def test_network_grids_shapes_multiclass() -> None:
    trainer = make(dataset={"name": "spiral_k", "classes": 4}, hidden=[6])
    output = network_grids(trainer, N, COARSE)["output"]
    assert output.shape == (N, N, 4)
    np.testing.assert_allclose(output.sum(axis=2), 1.0, rtol=1e-14)


def test_network_grids_refuses_a_coarse_grid_that_does_not_divide() -> None:
    with pytest.raises(ValueError, match="divide"):
        network_grids(make(), 40, 15)


def test_neuron_blocks_are_means_of_the_full_grid() -> None:
    trainer = make(hidden=[4, 3], activation="relu", norm="batch_norm", dropout=0.3)
    trainer.run(2)
    neurons = network_grids(trainer, N, COARSE)["neurons"]
    b = N // COARSE
    for layer, width in enumerate([4, 3]):
        for neuron in range(width):
            full = neuron_grid(trainer, layer, neuron, N)
            assert full.shape == (N, N)
            blocks = full.reshape(COARSE, b, COARSE, b).mean(axis=(1, 3))
            np.testing.assert_allclose(neurons[layer][neuron], blocks, rtol=1e-13, atol=1e-15)


def test_values_of_a_hand_set_network() -> None:
    trainer = hand_set()
    points = grid_points(N)
    h = 2.0 * points[:, 0] - points[:, 1] + 0.5
    z = 3.0 * h - 1.0
    grids = network_grids(trainer, N, COARSE)
    np.testing.assert_allclose(grids["output"], np.tanh(0.5 * z).reshape(N, N), rtol=1e-14)
    np.testing.assert_allclose(neuron_grid(trainer, 0, 0, N), h.reshape(N, N), rtol=1e-14)
    # Known cells: (row i, column j) is the point (axis[j], axis[i]).
    axis = grid_axis(N)
    for i, j in [(0, 0), (0, N - 1), (N - 1, 0), (17, 29)]:
        x1, x2 = axis[j], axis[i]
        expected = np.tanh(0.5 * (3.0 * (2.0 * x1 - x2 + 0.5) - 1.0))
        assert grids["output"][i, j] == pytest.approx(expected, rel=1e-14)
    # Linear in the plane: each block's mean is the value at its centre.
    lo, step = DOMAIN[0], (DOMAIN[1] - DOMAIN[0]) / COARSE
    centres = lo + step * (np.arange(COARSE) + 0.5)
    expected = 2.0 * centres[None, :] - centres[:, None] + 0.5
    np.testing.assert_allclose(grids["neurons"][0][0], expected, rtol=1e-12, atol=1e-12)


def test_regression_output_is_the_value() -> None:
    trainer = hand_set(dataset="plane")
    points = grid_points(N)
    z = 3.0 * (2.0 * points[:, 0] - points[:, 1] + 0.5) - 1.0
    np.testing.assert_allclose(network_grids(trainer, N, COARSE)["output"], z.reshape(N, N))


# -- metrics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["circle", {"name": "spiral_k", "classes": 3}])
def test_confusion_matrix_and_accuracy(dataset: Any) -> None:
    trainer = make(dataset=dataset)
    trainer.run(3)
    m = metrics(trainer)
    confusion = np.array(m["confusion"])
    k = trainer.data.n_classes
    assert confusion.shape == (k, k) and confusion.sum() == len(trainer.data.y_test)
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(trainer.data.y_test, None, k))
    assert m["test_accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum(), rel=1e-15)
    predicted = trainer.model.head.classify(trainer.model.forward(trainer.f_train))
    assert m["train_accuracy"] == pytest.approx(np.mean(predicted == trainer.data.y_train))
    last = trainer.history[-1]
    assert (m["train_loss"], m["test_loss"]) == (last.train_loss, last.test_loss)
    assert (m["epoch"], m["status"]) == (3, "ok")


def test_regression_metrics_give_r2() -> None:
    trainer = make(dataset="plane")
    trainer.run(3)
    m = metrics(trainer)
    assert "confusion" not in m and "test_accuracy" not in m
    pred, y = trainer.model.forward(trainer.f_test)[:, 0], trainer.data.y_test
    r2 = 1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert m["test_r2"] == pytest.approx(r2, rel=1e-12)
    assert 0.0 < m["train_r2"] <= 1.0


# -- gradients and activations ----------------------------------------------------------------


def test_layer_gradients_are_the_full_batch_gradient_norms() -> None:
    trainer = make(hidden=[5, 3], batch_size=100, shuffle=False)  # one step an epoch
    start = {k: trainer.model.params[k].copy() for k in trainer.model.weight_keys}
    rows = layer_gradients(trainer)
    assert [r["update_ratio"] for r in rows] == [None, None, None]
    trainer.step_epoch()
    weights = trainer.model.state_dict()
    rows = layer_gradients(trainer)

    model = trainer.model
    z = model.forward(trainer.f_train)
    model.backward(model.head.loss_and_grad(z, trainer.t_train)[1])
    assert [r["layer"] for r in rows] == [0, 1, 2]
    for row, key in zip(rows, model.weight_keys, strict=True):
        bias = key.replace("weight", "bias")
        w = weights[key]
        assert row["grad_norm"] == pytest.approx(np.linalg.norm(model.grads[key]), rel=1e-14)
        assert row["bias_grad_norm"] == pytest.approx(np.linalg.norm(model.grads[bias]), rel=1e-14)
        assert row["weight_norm"] == pytest.approx(np.linalg.norm(w), rel=1e-14)
        ratio = np.linalg.norm(w - start[key]) / np.linalg.norm(w)
        assert row["update_ratio"] == pytest.approx(ratio, rel=1e-12)
    after = trainer.model.state_dict()
    assert all(np.array_equal(weights[k], after[k]) for k in weights)


def test_a_huge_negative_bias_kills_every_relu() -> None:
    trainer = make(hidden=[4, 3], activation="relu")
    for neuron in range(4):
        trainer.set_bias(0, neuron, -100.0)
    first, second = activation_stats(trainer)
    assert first["dead"] == 1.0 and first["zero_slope"] == 1.0
    assert first["mean"] == 0.0 and first["std"] == 0.0 and first["saturated"] == 0.0
    assert sum(first["histogram"]["counts"]) == 4 * len(trainer.f_train)
    assert first["histogram"]["edges"][-1] < -90.0
    assert second["dead"] == 1.0  # zeros in, zero biases: the next layer sits at the kink


def test_big_weights_saturate_a_sigmoid() -> None:
    calm = activation_stats(make(hidden=[6], activation="sigmoid"))[0]
    hot = activation_stats(
        make(hidden=[6], activation="sigmoid", init={"name": "normal", "std": 10.0})
    )[0]
    assert calm["saturated"] < 0.2 < 0.6 < hot["saturated"]
    assert hot["dead"] == 0.0 and hot["zero_slope"] < 0.05


def test_linear_units_never_saturate() -> None:
    stats = activation_stats(make(hidden=[3, 2], activation="linear"), bins=10)
    for layer in stats:
        assert layer["saturated"] == 0.0 and layer["dead"] == 0.0
        assert len(layer["histogram"]["counts"]) == 10 and len(layer["histogram"]["edges"]) == 11


def test_representations_are_the_trace_of_the_points() -> None:
    trainer = make(hidden=[3, 2])
    reps = representations(trainer, "test")
    assert len(reps) == 3 and reps[0]["input"].shape == trainer.f_test.shape
    np.testing.assert_array_equal(reps[-1]["pre"], trainer.model.forward(trainer.f_test))
    assert representations(trainer)[1]["post"].shape == (len(trainer.f_train), 2)


def test_looking_never_changes_the_run() -> None:
    config = {"hidden": [4, 3], "dropout": 0.2, "norm": "batch_norm"}
    watched, plain = make(**config), make(**config)
    for _ in range(3):
        network_grids(watched, N, COARSE)
        neuron_grid(watched, 1, 2, N)
        metrics(watched)
        layer_gradients(watched)
        activation_stats(watched)
        representations(watched)
        assert watched.step_epoch() == plain.step_epoch()
    a, b = watched.model.state_dict(), plain.model.state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
