"""Trainer: exact reproducibility, divergence as a status, live changes, learning, editing
weights and points, and training steps identical to a PyTorch loop."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from engine.config import TrainConfig
from engine.errors import ConfigError, DataError
from engine.trainer import Status, Trainer
from engine.views import metrics
from tests.engine.test_heads import torch_head_losses
from tests.engine.test_model import torch_model

SMALL = {"n_points": 100}  # 50 training points: 5 steps an epoch at batch size 10
# Regression with a deep ReLU net from N(0, 5^2) weights and lr 10: the squared error overflows
# within the first epoch (checked: "the loss became inf at step 3").
DIVERGING = {
    "dataset": "plane",
    "hidden": [6, 6, 6, 6, 6],
    "activation": "relu",
    "init": {"name": "normal", "std": 5.0},
    "optimizer": {"name": "sgd", "lr": 10.0},
}


def make(**changes: Any) -> Trainer:
    return Trainer(TrainConfig().with_changes(changes))


def losses(trainer: Trainer, epochs: int) -> np.ndarray:
    return np.array([(e.train_loss, e.test_loss) for e in trainer.run(epochs)])


def same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# -- determinism ------------------------------------------------------------------------------

NOISY = {**SMALL, "dropout": 0.2, "shuffle": True, "hidden": [5, 3], "batch_size": 7}


def test_same_seeds_give_a_bit_identical_run() -> None:
    a, b = make(**NOISY), make(**NOISY)
    trace = losses(a, 20)
    assert trace.shape == (20, 2) and np.isfinite(trace).all()
    assert np.array_equal(trace, losses(b, 20))
    assert same_state(a.model.state_dict(), b.model.state_dict())
    assert len(set(trace[:, 0])) == 20  # it trained: every epoch's loss differs


def test_rewind_replays_the_run_exactly() -> None:
    trainer = make(**NOISY)
    start = trainer.model.state_dict()
    trace = losses(trainer, 20)
    trainer.reset()
    assert trainer.epoch == 0 and trainer.history == []
    assert same_state(trainer.model.state_dict(), start)
    assert np.array_equal(losses(trainer, 20), trace)


def test_a_different_init_seed_changes_the_run() -> None:
    base = make(**NOISY)
    trace = losses(base, 5)
    other = make(**NOISY, init_seed=2)
    assert not np.array_equal(losses(other, 5), trace)
    np.testing.assert_array_equal(other.data.x_train, base.data.x_train)  # same points
    base.reset(init_seed=2)
    assert base.config.init_seed == 2
    assert np.array_equal(losses(base, 5), losses(make(**NOISY, init_seed=2), 5))


def test_regenerate_keeps_weights_and_draws_new_points() -> None:
    trainer = make(**SMALL)
    trainer.run(3)
    weights, points = trainer.model.state_dict(), trainer.data.x_train.copy()
    trainer.regenerate(data_seed=7)
    assert trainer.config.data_seed == 7 and trainer.epoch == 3
    assert same_state(trainer.model.state_dict(), weights)
    assert trainer.data.x_train.shape == points.shape
    assert not np.array_equal(trainer.data.x_train, points)
    np.testing.assert_array_equal(trainer.f_train, trainer.data.x_train)  # features follow
    redrawn = trainer.data.x_train.copy()
    trainer.regenerate()  # the same seed again: the same points
    np.testing.assert_array_equal(trainer.data.x_train, redrawn)


# -- divergence -------------------------------------------------------------------------------


def test_divergence_is_a_status_with_a_rollback() -> None:
    trainer = make(**DIVERGING)
    start = trainer.model.state_dict()
    result = trainer.step_epoch()  # no exception
    assert trainer.status is Status.DIVERGED and trainer.status.value == "diverged"
    assert trainer.epoch == 0 and trainer.history == []
    assert result.epoch == 0 and math.isfinite(result.train_loss)
    assert trainer.model.all_finite()
    assert same_state(trainer.model.state_dict(), start)  # the weights at the epoch's start
    info = trainer.divergence
    assert info is not None and info["epoch"] == 1 and info["lr"] == 10.0
    assert "inf" in info["reason"] or "nan" in info["reason"]
    assert "learning rate" in info["suggestion"] and "1" in info["suggestion"]

    assert trainer.step_epoch() == result and trainer.run(5) == []  # does not train any more
    assert trainer.epoch == 0 and same_state(trainer.model.state_dict(), start)

    assert trainer.configure(optimizer={"name": "sgd", "lr": 0.001}) == {"live"}
    assert trainer.status is Status.OK and trainer.divergence is None
    assert same_state(trainer.model.state_dict(), start)
    assert math.isfinite(trainer.step_epoch().train_loss) and trainer.epoch == 1


def test_divergence_mid_run_rolls_back_to_that_epochs_start() -> None:
    trainer = make(dataset="plane")
    trainer.run(3)
    trainer.configure(optimizer={"name": "sgd", "lr": 10.0})
    for _ in range(20):
        before, history = trainer.model.state_dict(), list(trainer.history)
        trainer.step_epoch()
        if trainer.status is Status.DIVERGED:
            break
    assert trainer.status is Status.DIVERGED, "the setup must diverge within 20 epochs"
    assert trainer.epoch > 3 and trainer.history == history
    assert same_state(trainer.model.state_dict(), before)
    assert trainer.divergence is not None and trainer.divergence["epoch"] == trainer.epoch + 1


@pytest.mark.parametrize("norm", ["batch_norm", "layer_norm"])
def test_divergence_with_normalisation_restores_every_buffer(norm: str) -> None:
    trainer = make(**DIVERGING, norm=norm)
    start = trainer.model.state_dict()
    trainer.step_epoch()
    assert trainer.status is Status.DIVERGED
    assert same_state(trainer.model.state_dict(), start)  # running statistics too
    assert np.isfinite(trainer.model.forward(trainer.f_test)).all()


def test_after_divergence_a_lower_rate_recovers_with_momentum() -> None:
    """The momentum buffer grown on the way to overflow is dropped with the rollback."""
    trainer = make(**{**DIVERGING, "optimizer": {"name": "sgd", "lr": 10.0, "momentum": 0.9}})
    trainer.step_epoch()
    assert trainer.status is Status.DIVERGED and trainer.optimizer.state == {}
    trainer.configure(optimizer={"name": "sgd", "lr": 0.001, "momentum": 0.9})
    trainer.run(2)
    assert trainer.status is Status.OK and trainer.epoch == 2


# -- live changes -----------------------------------------------------------------------------


def _full_batch(**changes: Any) -> Trainer:
    """One step an epoch, in a fixed order: an epoch is one optimizer step we can redo by hand."""
    return make(**SMALL, batch_size=50, shuffle=False, **changes)


def _manual_grads(trainer: Trainer) -> dict[str, np.ndarray]:
    ref = copy.deepcopy(trainer.model)
    ref.loss_and_grad(trainer.f_train, trainer.t_train)
    return ref.grads


def test_a_new_learning_rate_keeps_weights_and_optimizer() -> None:
    trainer = _full_batch()
    trainer.run(2)
    weights, opt = trainer.model.state_dict(), trainer.optimizer
    assert trainer.configure(optimizer={"name": "sgd", "lr": 0.1}) == {"live"}
    assert trainer.optimizer is opt and opt.lr == 0.1
    assert same_state(trainer.model.state_dict(), weights) and trainer.epoch == 2
    grads = _manual_grads(trainer)
    trainer.step_epoch()
    for key, value in trainer.model.params.items():
        np.testing.assert_array_equal(value, weights[key] - 0.1 * grads[key])


def test_a_new_learning_rate_keeps_the_momentum_buffer() -> None:
    trainer = _full_batch(optimizer={"name": "sgd", "lr": 0.03, "momentum": 0.9})
    trainer.run(2)
    buffer = trainer.optimizer.state["network"]["momentum_buffer"].copy()
    weights = trainer.model.state_dict()
    trainer.configure(optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9})
    grads = _manual_grads(trainer)
    trainer.step_epoch()
    offset = 0  # the flat buffer holds the parameters in the order of model.params
    for key, value in trainer.model.params.items():
        old = buffer[offset : offset + value.size].reshape(value.shape)
        offset += value.size
        step = 0.9 * old + grads[key]  # b_t = μ b_{t-1} + g_t
        np.testing.assert_allclose(value, weights[key] - 0.1 * step, rtol=1e-14, atol=1e-16)


def test_a_partial_optimizer_spec_resets_the_other_values() -> None:
    """The config is the truth: {"name": "sgd", "lr": 0.1} means momentum 0, as a rebuild."""
    trainer = _full_batch(optimizer={"name": "sgd", "lr": 0.03, "momentum": 0.9})
    trainer.run(1)
    opt = trainer.optimizer
    trainer.configure(optimizer={"name": "sgd", "lr": 0.1})
    assert trainer.optimizer is opt and (opt.lr, opt.momentum) == (0.1, 0.0)


def test_switching_optimizer_builds_a_new_one() -> None:
    trainer = make(**SMALL)
    trainer.run(2)
    weights, old = trainer.model.state_dict(), trainer.optimizer
    assert trainer.configure(optimizer={"name": "adam", "lr": 0.01}) == {"live"}
    assert trainer.optimizer is not old and trainer.optimizer.name == "adam"
    assert trainer.optimizer.lr == 0.01 and trainer.optimizer.state == {}
    assert same_state(trainer.model.state_dict(), weights)
    trainer.step_epoch()
    assert trainer.optimizer.state["network"]["t"] == 5  # one flat buffer: one state


def test_batch_size_regularization_and_shuffle_change_live() -> None:
    trainer = make(**SMALL)
    trainer.run(1)
    weights = trainer.model.state_dict()
    changes = {"batch_size": 20, "regularization": "l2", "reg_rate": 0.1, "shuffle": False}
    assert trainer.configure(**changes) == {"live"}
    assert same_state(trainer.model.state_dict(), weights) and trainer.epoch == 1
    assert trainer.regularizer.name == "l2"
    trainer.optimizer = opt = type(trainer.optimizer)(lr=0.03)  # count this epoch's steps
    trainer.step_epoch()
    assert opt.state["network"]["t"] == 3  # 50 points in batches of 20


def test_l2_rate_enters_the_step() -> None:
    trainer = _full_batch(regularization="l2", reg_rate=0.5)
    weights = trainer.model.state_dict()
    grads = _manual_grads(trainer)
    trainer.step_epoch()
    for key, value in trainer.model.params.items():
        g = grads[key] + (0.5 * weights[key] if key in trainer.model.weight_keys else 0.0)
        np.testing.assert_allclose(value, weights[key] - 0.03 * g, rtol=1e-14, atol=1e-16)


def test_activation_and_dropout_rate_change_live() -> None:
    trainer = make(**SMALL, dropout=0.2)
    trainer.run(1)
    weights = trainer.model.state_dict()
    assert trainer.configure(activation="relu", dropout=0.4) == {"live"}
    assert [layer.act.name for layer in trainer.model.act_layers] == ["relu", "relu"]
    assert [layer.p for layer in trainer.model.dropouts] == [0.4, 0.4]
    assert same_state(trainer.model.state_dict(), weights)


@pytest.mark.parametrize(
    ("changes", "kinds"),
    [
        ({"hidden": [3]}, {"model"}),
        ({"init_seed": 5}, {"model"}),
        ({"norm": "layer_norm"}, {"model"}),
        ({"features": ["x1", "x2", "x1_x2"]}, {"model"}),
        ({"dataset": {"name": "spiral_k", "classes": 3}}, {"data", "model"}),
        ({"dataset": "plane"}, {"data", "model"}),
    ],
)
def test_structural_changes_rebuild_the_network(changes: dict[str, Any], kinds: set) -> None:
    trainer = make(**SMALL)
    trainer.run(2)
    assert trainer.configure(**changes) == kinds
    assert trainer.epoch == 0 and trainer.history == []
    fresh = Trainer(trainer.config)
    assert same_state(trainer.model.state_dict(), fresh.model.state_dict())


def test_a_new_dataset_of_the_same_kind_keeps_the_weights() -> None:
    trainer = make(**SMALL)
    trainer.run(2)
    weights, points = trainer.model.state_dict(), trainer.data.x_train.copy()
    assert trainer.configure(dataset="xor") == {"data"}
    assert trainer.epoch == 2 and same_state(trainer.model.state_dict(), weights)
    assert trainer.data.source == "xor" and not np.array_equal(trainer.data.x_train, points)


def test_no_change_is_no_kind() -> None:
    trainer = make(**SMALL)
    assert trainer.configure(batch_size=10, optimizer={"name": "sgd", "lr": 0.03}) == set()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"optimizer": {"name": "sgd", "lr": -1.0}}, "optimizer.lr"),
        ({"hidden": [4, "a"]}, "hidden"),
        ({"batch_size": 0, "reg_rate": 0.5}, "batch_size"),
        ({"reg_rate": 0.5, "activation": "nope"}, "activation.name"),
        ({"learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_a_bad_change_leaves_the_run_untouched(changes: dict[str, Any], field: str) -> None:
    trainer = make(**SMALL)
    trainer.run(2)
    config, weights, opt = trainer.config, trainer.model.state_dict(), trainer.optimizer
    with pytest.raises(ConfigError) as info:
        trainer.configure(**changes)
    assert info.value.field == field
    assert trainer.config is config and trainer.optimizer is opt and trainer.epoch == 2
    assert same_state(trainer.model.state_dict(), weights)


# -- learning ---------------------------------------------------------------------------------


def _first_epoch_reaching(trainer: Trainer, key: str, target: float, epochs: int) -> int | None:
    for _ in range(epochs):
        trainer.step_epoch()
        if metrics(trainer)[key] > target:
            return trainer.epoch
    return None


def test_learns_the_circle_with_the_default_config() -> None:
    trainer = make()
    assert metrics(trainer)["test_accuracy"] < 0.9
    assert _first_epoch_reaching(trainer, "test_accuracy", 0.9, 200) is not None


def test_learns_xor_from_the_product_feature_quickly() -> None:
    trainer = make(dataset="xor", features=["x1", "x2", "x1_x2"])
    assert _first_epoch_reaching(trainer, "test_accuracy", 0.95, 10) is not None


def test_learns_three_spirals_above_chance() -> None:
    trainer = make(
        dataset={"name": "spiral_k", "classes": 3},
        hidden=[16, 16],
        optimizer={"name": "adam", "lr": 0.01},
    )
    assert trainer.model.head.name == "softmax_ce"
    assert _first_epoch_reaching(trainer, "test_accuracy", 0.6, 150) is not None


def test_learns_the_plane() -> None:
    trainer = make(dataset="plane")
    assert _first_epoch_reaching(trainer, "test_r2", 0.9, 20) is not None


# -- regularization ---------------------------------------------------------------------------


def _weights_after(epochs: int, **changes: Any) -> np.ndarray:
    trainer = make(hidden=[8, 8], **changes)
    trainer.run(epochs)
    return np.concatenate([trainer.model.params[k].ravel() for k in trainer.model.weight_keys])


def test_l2_shrinks_and_l1_sparsifies_the_weights() -> None:
    plain = _weights_after(60)
    l2 = _weights_after(60, regularization="l2", reg_rate=0.01)
    l1 = _weights_after(60, regularization="l1", reg_rate=0.01)
    assert np.linalg.norm(l2) < 0.85 * np.linalg.norm(plain)
    assert np.mean(np.abs(plain) < 1e-3) < 0.05
    assert np.mean(np.abs(l1) < 1e-3) > 0.3  # L1 pins weights at 0, within lr * rate


# -- editing weights --------------------------------------------------------------------------


def test_set_weight_and_bias_change_exactly_one_entry() -> None:
    trainer = make()
    before = trainer.model.state_dict()
    trainer.set_weight(1, 3, 0, 2.5)
    trainer.set_bias(2, 0, -1)
    after = trainer.model.state_dict()
    expected = copy.deepcopy(before)
    expected["3.weight"][3, 0] = 2.5  # layer 1 = the second Dense layer, Sequential index 3
    expected["6.bias"][0] = -1.0
    assert same_state(after, expected)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda t: t.set_weight(3, 0, 0, 1.0), "layer"),
        (lambda t: t.set_weight(-1, 0, 0, 1.0), "layer"),
        (lambda t: t.set_weight(True, 0, 0, 1.0), "layer"),
        (lambda t: t.set_weight(0, 2, 0, 1.0), "source"),
        (lambda t: t.set_weight(0, 0, 4, 1.0), "target"),
        (lambda t: t.set_weight(0, 0, 1.5, 1.0), "target"),
        (lambda t: t.set_weight(0, 0, 0, float("nan")), "value"),
        (lambda t: t.set_weight(0, 0, 0, "1"), "value"),
        (lambda t: t.set_bias(1, 2, 1.0), "neuron"),
        (lambda t: t.set_bias(2, 0, float("inf")), "value"),
    ],
)
def test_bad_weight_edits_name_the_field(call: Any, field: str) -> None:
    trainer = make()
    before = trainer.model.state_dict()
    with pytest.raises(ConfigError) as info:
        call(trainer)
    assert info.value.field == field
    assert same_state(trainer.model.state_dict(), before)


# -- points -----------------------------------------------------------------------------------


def test_add_points_to_train_and_test() -> None:
    trainer = make(**SMALL)
    n_train, n_test = len(trainer.data.x_train), len(trainer.data.x_test)
    trainer.add_points([[1.0, 2.0], [-3.0, 0.5]], [1, 0], max_points=1000)
    trainer.add_points([[0.0, 0.0]], [1], max_points=1000, split="test")
    d = trainer.data
    assert (len(d.x_train), len(d.x_test)) == (n_train + 2, n_test + 1)
    np.testing.assert_array_equal(d.x_train[-2:], [[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(trainer.t_train[-2:, 0], [1.0, 0.0])
    np.testing.assert_array_equal(trainer.f_test[-1], [0.0, 0.0])
    assert trainer.step_epoch().epoch == 1


@pytest.mark.parametrize(
    ("x", "y", "max_points", "field"),
    [
        ([[1.0, 2.0]], [2], 1000, "points.y"),
        ([[1.0, 2.0]], [0.5], 1000, "points.y"),
        ([[1.0, 7.0]], [1], 1000, "points.x"),
        ([[1.0, float("nan")]], [1], 1000, "points.x"),
        ([[1.0, 2.0, 3.0]], [1], 1000, "points.x"),
        ([[1.0, 2.0]], [1, 0], 1000, "points"),
        ([[1.0, 2.0]], [1], 100, "points"),  # the set already holds 100 points
    ],
)
def test_add_points_rejects_bad_points(x: Any, y: Any, max_points: int, field: str) -> None:
    trainer = make(**SMALL)
    before = (trainer.data.x_train, trainer.data.x_test, trainer.f_train)
    with pytest.raises(DataError) as info:
        trainer.add_points(x, y, max_points)
    assert info.value.field == field
    after = (trainer.data.x_train, trainer.data.x_test, trainer.f_train)
    assert all(a is b for a, b in zip(after, before, strict=True))


def test_add_points_rejects_an_unknown_split() -> None:
    trainer = make(**SMALL)
    before = len(trainer.data.x_train)
    with pytest.raises(ConfigError) as info:
        trainer.add_points([[1.0, 2.0]], [1], 1000, split="validation")
    assert info.value.field == "split" and len(trainer.data.x_train) == before


def test_set_points_replaces_the_data_and_refits_the_output() -> None:
    trainer = make(**SMALL)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-5, 5, (40, 2)), rng.integers(0, 2, 40)
    weights = trainer.model.state_dict()
    trainer.set_points(x, y, "classification", 2, 1000)
    assert trainer.data.source == "custom" and len(trainer.data.x_train) == 20
    assert same_state(trainer.model.state_dict(), weights)  # still two classes: weights kept
    trainer.regenerate()  # user points have no seed: nothing to redraw
    assert trainer.data.source == "custom"

    trainer.set_points(x, rng.integers(0, 3, 40), "classification", 3, 1000)
    assert trainer.model.head.name == "softmax_ce" and trainer.model.params["6.bias"].shape == (3,)
    assert metrics(trainer)["confusion"] and len(metrics(trainer)["confusion"]) == 3

    trainer.set_points(x, rng.uniform(-1, 1, 40), "regression", 0, 1000)
    assert trainer.model.head.name == "mse" and trainer.step_epoch().epoch == 1
    trainer.regenerate(data_seed=3)  # back to the configured circle: the output refits
    assert trainer.data.source == "circle" and trainer.model.head.name == "bce"
    assert 0.0 <= metrics(trainer)["test_accuracy"] <= 1.0


@pytest.mark.parametrize(
    ("x", "y", "problem", "classes", "error", "field"),
    [
        ([[0.0, 0.0]], [1], "classification", 2, DataError, "points"),  # none left to train
        ([[0.0, 0.0]] * 4, [0, 1, 2, 3], "classification", 3, DataError, "points.y"),
        ([[0.0, 0.0]] * 4, [0.0, 2.0, 0.5, 1.0], "regression", 0, DataError, "points.y"),
        ([[0.0, 0.0]] * 4, [0, 1, 0, 1], "ranking", 2, ConfigError, "problem"),
        ([[0.0, 0.0]] * 2000, [0] * 2000, "classification", 2, DataError, "points"),
    ],
)
def test_set_points_rejects_bad_data_and_keeps_the_old(
    x: Any, y: Any, problem: str, classes: int, error: type, field: str
) -> None:
    trainer = make(**SMALL)
    data, model = trainer.data, trainer.model
    with pytest.raises(error) as info:
        trainer.set_points(x, y, problem, classes, 1000)
    assert info.value.field == field
    assert trainer.data is data and trainer.model is model


def test_set_points_the_chosen_output_cannot_fit_is_refused() -> None:
    trainer = make(**SMALL, output="bce")
    data, model = trainer.data, trainer.model
    x = np.random.default_rng(1).uniform(-5, 5, (30, 2))
    with pytest.raises(ConfigError) as info:
        trainer.set_points(x, np.arange(30) % 3, "classification", 3, 1000)
    assert info.value.field == "output"
    assert trainer.data is data and trainer.model is model
    assert trainer.step_epoch().epoch == 1


# -- PyTorch ----------------------------------------------------------------------------------


def _torch_optimizer(torch: Any, spec: dict[str, Any], params: Any) -> Any:
    values = {k: v for k, v in spec.items() if k != "name"}
    if spec["name"] == "adam":
        betas = (values.pop("beta1", 0.9), values.pop("beta2", 0.999))
        return torch.optim.Adam(params, betas=betas, **values)
    return torch.optim.SGD(params, **values)


@pytest.mark.torch
@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": {"name": "sgd", "lr": 0.1}},
        {"optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}},
        {"optimizer": {"name": "adam", "lr": 0.01}, "norm": "batch_norm"},
        {"optimizer": {"name": "adam", "lr": 0.01}, "norm": "layer_norm", "activation": "relu"},
        {"optimizer": {"name": "sgd", "lr": 0.1}, "regularization": "l2", "reg_rate": 0.05},
        {"optimizer": {"name": "adam", "lr": 0.02}, "dataset": {"name": "spiral_k"}},
        {"optimizer": {"name": "sgd", "lr": 0.05}, "dataset": "plane", "n_points": 120},
    ],
    ids=["sgd", "nesterov", "adam-bn", "adam-ln-relu", "sgd-l2", "softmax", "regression"],
)
def test_training_matches_a_torch_loop(changes: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    config = {**SMALL, "shuffle": False, "batch_size": 8, "hidden": [5, 3], **changes}
    trainer = make(**config)
    net = torch_model(trainer.model)  # our initial weights, copied
    opt = _torch_optimizer(torch, trainer.config.optimizer, net.parameters())
    head_loss = torch_head_losses(torch)[trainer.model.head.name]
    dtype = torch.int64 if trainer.model.head.problem == "multiclass" else torch.float64
    x, y = torch.tensor(trainer.f_train), torch.tensor(trainer.data.y_train, dtype=dtype)
    x_test = torch.tensor(trainer.f_test)
    y_test = torch.tensor(trainer.data.y_test, dtype=dtype)
    weights = [p for name, p in net.named_parameters() if name in trainer.model.weight_keys]
    rate = trainer.config.reg_rate if trainer.config.regularization == "l2" else 0.0

    for epoch in trainer.run(4):
        net.train()
        for start in range(0, len(x), 8):
            loss = head_loss(net(x[start : start + 8]), y[start : start + 8])
            loss = loss + rate * 0.5 * sum((w * w).sum() for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            train, test = head_loss(net(x), y).item(), head_loss(net(x_test), y_test).item()
        assert epoch.train_loss == pytest.approx(train, rel=1e-10, abs=1e-13)
        assert epoch.test_loss == pytest.approx(test, rel=1e-10, abs=1e-13)
    assert trainer.status is Status.OK and trainer.epoch == 4
    # A Dense bias feeding batch norm has a zero gradient up to rounding (~1e-17), which Adam
    # turns into steps of lr * g / eps ~ 1e-11: compare the weights to 1e-8 absolute.
    state = net.state_dict()
    for key, value in trainer.model.state_dict().items():
        theirs = state[key].numpy()
        theirs = theirs.T if key in trainer.model.weight_keys else theirs
        np.testing.assert_allclose(value, theirs, rtol=1e-9, atol=1e-8, err_msg=key)


def test_dropout_from_zero_is_live_and_keeps_the_weights() -> None:
    trainer = make(**SMALL)
    trainer.run(2)
    weights = trainer.model.state_dict()
    assert trainer.configure(dropout=0.3) == {"live"}
    assert trainer.epoch == 2 and same_state(trainer.model.state_dict(), weights)
    assert [layer.p for layer in trainer.model.dropouts] == [0.3, 0.3]
