"""Optimizers: torch.optim agreement, hand-computed steps, live set(), errors, in-place updates."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.optimizers import OPTIMIZERS, Optimizer

Arrays = dict[str, np.ndarray]

SHAPES = {"w1": (3, 4), "b1": (4,), "w2": (4, 1), "b2": (1,)}

# (name, hyperparameters): every optimizer with the options that change its maths.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("sgd", {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.8, "dampening": 0.5, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "nesterov": True, "weight_decay": 0.01}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("adagrad", {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9, "alpha": 0.9}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-4}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "lr": 0.01}),
    ("adam", {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.1}),
    ("adam", {"amsgrad": True, "weight_decay": 0.05, "eps": 1e-4, "beta1": 0.0}),
    ("adamw", {}),
    ("adamw", {"amsgrad": True, "lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "beta2": 0.9}),
]
CASE_IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in cfg.items()) or 'defaults'}" for name, cfg in CASES
]

TORCH_CLASS = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
TORCH_CLASS["adamw"] = "AdamW"


def start_params(seed: int = 0) -> Arrays:
    rng = np.random.default_rng(seed)
    return {key: rng.normal(size=shape) for key, shape in SHAPES.items()}


def random_grads(steps: int, seed: int = 1) -> list[Arrays]:
    rng = np.random.default_rng(seed)
    return [{key: rng.normal(size=shape) for key, shape in SHAPES.items()} for _ in range(steps)]


def quadratic(params: Arrays) -> tuple[float, Arrays]:
    """L = Σ ½ h (p - c)² with h = 1 + index / size, c = 0.5: gradients that depend on p."""
    loss, grads = 0.0, {}
    for key, p in params.items():
        h = 1.0 + np.arange(p.size).reshape(p.shape) / p.size
        loss += float(0.5 * np.sum(h * (p - 0.5) ** 2))
        grads[key] = h * (p - 0.5)
    return loss, grads


def torch_kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    """Our hyperparameters in torch's spelling: beta1, beta2 -> betas."""
    out = dict(cfg)
    if "beta1" in out or "beta2" in out:
        out["betas"] = (out.pop("beta1", 0.9), out.pop("beta2", 0.999))
    return out


def full_config(name: str, cfg: dict[str, Any]) -> dict[str, Any]:
    return OPTIMIZERS.build(name, **cfg).config()


class TorchRun:
    """The same parameters under a torch.optim optimizer, fed the same gradients."""

    def __init__(self, name: str, cfg: dict[str, Any], params: Arrays) -> None:
        import torch

        self.torch = torch
        self.tensors = {
            k: torch.nn.Parameter(torch.tensor(v, dtype=torch.float64)) for k, v in params.items()
        }
        cls = getattr(torch.optim, TORCH_CLASS[name])
        kwargs = torch_kwargs(full_config(name, cfg))
        self.opt = cls(list(self.tensors.values()), foreach=False, **kwargs)

    def params(self) -> Arrays:
        return {k: t.detach().numpy().copy() for k, t in self.tensors.items()}

    def step(self, grads: Arrays) -> None:
        for k, t in self.tensors.items():
            t.grad = self.torch.tensor(grads[k], dtype=self.torch.float64)
        self.opt.step()


def run_both(
    name: str, cfg: dict[str, Any], grads_of: Callable[[int, Arrays], Arrays], steps: int = 20
) -> tuple[Arrays, Arrays, Optimizer, TorchRun]:
    params = start_params()
    ours, theirs = OPTIMIZERS.build(name, **cfg), TorchRun(name, cfg, params)
    for i in range(steps):
        ours.step(params, grads_of(i, params))
        theirs.step(grads_of(i, theirs.params()))
    return params, theirs.params(), ours, theirs


def assert_same(ours: Arrays, theirs: Arrays) -> None:
    for key in SHAPES:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=key)


# -- agreement with torch.optim ------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize(("name", "cfg"), CASES, ids=CASE_IDS)
def test_matches_torch_on_random_gradients(name: str, cfg: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    sequence = random_grads(20)
    ours, theirs, _, _ = run_both(name, cfg, lambda i, p: sequence[i])
    assert_same(ours, theirs)
    assert not np.allclose(ours["w1"], start_params()["w1"])  # it moved


@pytest.mark.torch
@pytest.mark.parametrize(("name", "cfg"), CASES, ids=CASE_IDS)
def test_matches_torch_on_a_quadratic(name: str, cfg: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    ours, theirs, _, _ = run_both(name, cfg, lambda i, p: quadratic(p)[1])
    assert_same(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "cfg", "change"),
    [
        ("sgd", {"momentum": 0.9}, {"lr": 0.1}),
        ("sgd", {"momentum": 0.9}, {"momentum": 0.5, "weight_decay": 0.1}),
        ("adagrad", {"lr_decay": 0.1}, {"lr": 0.1}),
        ("rmsprop", {"momentum": 0.5}, {"lr": 0.001, "alpha": 0.9}),
        ("adam", {}, {"lr": 0.01, "beta1": 0.5}),
        ("adamw", {}, {"lr": 0.01, "weight_decay": 0.2}),
    ],
)
def test_set_mid_run_matches_torch_param_groups(
    name: str, cfg: dict[str, Any], change: dict[str, Any]
) -> None:
    pytest.importorskip("torch")
    sequence = random_grads(20)
    params = start_params()
    ours, theirs = OPTIMIZERS.build(name, **cfg), TorchRun(name, cfg, params)
    for i in range(20):
        if i == 10:
            ours.set(**change)
            theirs.opt.param_groups[0].update(torch_kwargs(change))
        ours.step(params, sequence[i])
        theirs.step(sequence[i])
    assert_same(params, theirs.params())


# -- hand-computed steps (no torch) ---------------------------------------------------------
# One scalar parameter p0 = 1 with gradients 3 then 4 (fixed; p enters only through the weight
# decay terms written out below).

HAND: list[tuple[str, dict[str, Any], tuple[float, float], float]] = [
    # p1 = 1 - 0.1·3 = 0.7; p2 = 0.7 - 0.1·4 = 0.3
    ("sgd", {"lr": 0.1}, (3, 4), 0.3),
    # g1 = 3 + 0.5·1 = 3.5, p1 = 0.65; g2 = 4 + 0.5·0.65 = 4.325, p2 = 0.65 - 0.4325 = 0.2175
    ("sgd", {"lr": 0.1, "weight_decay": 0.5}, (3, 4), 0.2175),
    # b1 = 3 (undamped first step), p1 = 0.7; b2 = 0.9·3 + 0.5·4 = 4.7, p2 = 0.7 - 0.47 = 0.23
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, (3, 4), 0.23),
    # b1 = 3, step 3 + 0.9·3 = 5.7, p1 = 0.43; b2 = 2.7 + 4 = 6.7, step 4 + 6.03 = 10.03,
    # p2 = 0.43 - 1.003 = -0.573
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, (3, 4), -0.573),
    # s1 = 9, p1 = 1 - 0.1·3/(3 + 0.01); s2 = 25, lr2 = 0.1/(1 + 0.5), p2 = p1 - lr2·4/(5 + 0.01)
    (
        "adagrad",
        {"lr": 0.1, "lr_decay": 0.5, "eps": 0.01},
        (3, 4),
        1 - 0.3 / 3.01 - (0.4 / 1.5) / 5.01,
    ),
    # s0 = 7: s1 = 16, p1 = 1 - 0.1·3/4 = 0.925; s2 = 32, p2 = 0.925 - 0.1·4/√32
    (
        "adagrad",
        {"lr": 0.1, "initial_accumulator_value": 7.0, "eps": 1e-12},
        (3, 4),
        0.925 - 0.4 / 32**0.5,
    ),
    # v1 = 0.25·9 = 2.25, p1 = 1 - 0.1·3/(1.5 + 0.01); v2 = 0.75·2.25 + 0.25·16 = 5.6875,
    # p2 = p1 - 0.1·4/(√5.6875 + 0.01)
    (
        "rmsprop",
        {"lr": 0.1, "alpha": 0.75, "eps": 0.01},
        (3, 4),
        1 - 0.3 / 1.51 - 0.4 / (5.6875**0.5 + 0.01),
    ),
    # centered: m1 = 0.75, v1 - m1² = 2.25 - 0.5625 = 1.6875; m2 = 0.5625 + 1 = 1.5625,
    # v2 - m2² = 5.6875 - 2.44140625 = 3.24609375
    (
        "rmsprop",
        {"lr": 0.1, "alpha": 0.75, "eps": 0.01, "centered": True},
        (3, 4),
        1 - 0.3 / (1.6875**0.5 + 0.01) - 0.4 / (3.24609375**0.5 + 0.01),
    ),
    # momentum: b1 = 3/1.51, p1 = 1 - 0.1·b1; b2 = 0.9·b1 + 4/(√5.6875 + 0.01), p2 = p1 - 0.1·b2
    (
        "rmsprop",
        {"lr": 0.1, "alpha": 0.75, "eps": 0.01, "momentum": 0.9},
        (3, 4),
        1 - 0.1 * (3 / 1.51) - 0.1 * (0.9 * 3 / 1.51 + 4 / (5.6875**0.5 + 0.01)),
    ),
    # m1 = 1.5, v1 = 2.25; m̂1 = 1.5/0.5 = 3, v̂1 = 2.25/0.25 = 9, p1 = 1 - 0.1·3/(3 + 0.01);
    # m2 = 0.75 + 2 = 2.75, v2 = 1.6875 + 4 = 5.6875; m̂2 = 2.75/0.75, v̂2 = 5.6875/0.4375 = 13
    (
        "adam",
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.01},
        (3, 4),
        1 - 0.3 / 3.01 - 0.1 * (2.75 / 0.75) / (13**0.5 + 0.01),
    ),
    # L2, λ = 0.5: g1 = 3.5, m̂1 = 3.5, v̂1 = 12.25, p1 = 1 - 0.35/3.51; g2 = 4 + 0.5·p1
    (
        "adam",
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.01, "weight_decay": 0.5},
        (3, 4),
        (1 - 0.35 / 3.51)
        - 0.1
        * ((0.875 + 0.5 * (4 + 0.5 * (1 - 0.35 / 3.51))) / 0.75)
        / (
            ((0.75 * 0.25 * 12.25 + 0.25 * (4 + 0.5 * (1 - 0.35 / 3.51)) ** 2) / 0.4375) ** 0.5
            + 0.01
        ),
    ),
    # amsgrad, gradients 4 then 1: v1 = 4, v̂1 = 16, p1 = 1 - 0.1·4/4.01; v2 = 3 + 0.25 = 3.25
    # < max 4, so v̂2 = 4/0.4375; m2 = 1 + 0.5 = 1.5, m̂2 = 2
    (
        "adam",
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.01, "amsgrad": True},
        (4, 1),
        1 - 0.4 / 4.01 - 0.1 * 2 / ((4 / 0.4375) ** 0.5 + 0.01),
    ),
    # adamw, λ = 0.5: p1 = 1·(1 - 0.05) - 0.1·3/3.01; p2 = p1·0.95 - 0.1·(2.75/0.75)/(√13 + 0.01)
    (
        "adamw",
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.01, "weight_decay": 0.5},
        (3, 4),
        (0.95 - 0.3 / 3.01) * 0.95 - 0.1 * (2.75 / 0.75) / (13**0.5 + 0.01),
    ),
]


@pytest.mark.parametrize(
    ("name", "cfg", "grads", "expected"), HAND, ids=[f"{c[0]}-{i}" for i, c in enumerate(HAND)]
)
def test_two_hand_computed_steps(
    name: str, cfg: dict[str, Any], grads: tuple[float, float], expected: float
) -> None:
    p = np.array([1.0])
    opt = OPTIMIZERS.build(name, **cfg)
    for g in grads:
        opt.step({"p": p}, {"p": np.array([float(g)])})
    assert p[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_adam_first_step_is_lr_times_sign() -> None:
    # m̂1 = g, v̂1 = g², so the first step is lr·g/(|g| + ε) whatever |g| is.
    p = np.array([0.0, 0.0])
    OPTIMIZERS.build("adam", lr=0.01, eps=1e-12).step({"p": p}, {"p": np.array([1e3, -1e-3])})
    np.testing.assert_allclose(p, [-0.01, 0.01], rtol=1e-8)


# -- set(), state and switching ------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_set_keeps_state_and_changes_later_steps(name: str) -> None:
    sequence = random_grads(6)
    a_params, b_params = start_params(), start_params()
    a, b = OPTIMIZERS.get(name), OPTIMIZERS.get(name)
    for i in range(3):
        a.step(a_params, sequence[i])
        b.step(b_params, sequence[i])
    saved = {k: {s: np.copy(v) for s, v in st.items()} for k, st in a.state.items()}
    a.set(lr=a.lr * 3)
    assert a.lr == pytest.approx(b.lr * 3)
    for key, st in a.state.items():  # untouched by set()
        assert st.keys() == saved[key].keys()
        for s, v in st.items():
            np.testing.assert_array_equal(v, saved[key][s])
    before = {k: v.copy() for k, v in a_params.items()}
    a.step(a_params, sequence[3])
    b.step(b_params, sequence[3])
    assert a.state["w1"]["t"] == 4
    # Same state, same gradient: with zero weight decay the step is proportional to lr.
    step_a, step_b = a_params["w1"] - before["w1"], b_params["w1"] - before["w1"]
    assert not np.allclose(step_a, step_b)
    if name != "adamw":
        np.testing.assert_allclose(step_a, 3 * step_b, rtol=1e-9)


def test_reset_state_starts_over() -> None:
    sequence = random_grads(2)
    p = start_params()
    opt = OPTIMIZERS.build("sgd", momentum=0.9)
    opt.step(p, sequence[0])
    opt.reset_state()
    assert opt.state == {}
    opt.step(p, sequence[1])  # a fresh momentum buffer: b = g, not 0.9·g0 + g
    moved = p["w1"] - start_params()["w1"]
    np.testing.assert_allclose(moved, -0.03 * (sequence[0]["w1"] + sequence[1]["w1"]))
    assert opt.state["w1"]["t"] == 1


@pytest.mark.parametrize("first", OPTIMIZERS.names())
def test_switching_optimizer_mid_run_starts_fresh(first: str) -> None:
    sequence = random_grads(6)
    params = start_params()
    opt = OPTIMIZERS.get(first)
    for i in range(5):
        opt.step(params, sequence[i])
    before = params["w1"].copy()
    sgd = OPTIMIZERS.build("sgd", lr=0.1, momentum=0.9)  # a new optimizer: fresh state
    sgd.step(params, sequence[5])
    np.testing.assert_allclose(params["w1"], before - 0.1 * sequence[5]["w1"], rtol=1e-14)
    assert sgd.state["w1"]["t"] == 1


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cfg", "field"),
    [
        ("sgd", {"lr": 0.0}, "sgd.lr"),
        ("sgd", {"lr": 100.0}, "sgd.lr"),
        ("sgd", {"lr": float("nan")}, "sgd.lr"),
        ("sgd", {"momentum": 1.0}, "sgd.momentum"),
        ("sgd", {"momentum": "0.9"}, "sgd.momentum"),
        ("sgd", {"nesterov": 1}, "sgd.nesterov"),
        ("sgd", {"nesterov": True}, "sgd.nesterov"),  # momentum 0
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "sgd.nesterov"),
        ("adagrad", {"lr_decay": -0.1}, "adagrad.lr_decay"),
        ("adagrad", {"eps": 0.0}, "adagrad.eps"),
        ("rmsprop", {"alpha": 1.0}, "rmsprop.alpha"),
        ("rmsprop", {"centered": "yes"}, "rmsprop.centered"),
        ("adam", {"beta1": 1.0}, "adam.beta1"),
        ("adam", {"beta2": -0.1}, "adam.beta2"),
        ("adam", {"betas": (0.9, 0.99)}, "adam.betas"),
        ("adamw", {"weight_decay": 2.0}, "adamw.weight_decay"),
        ("adamw", {"amsgrad": None}, "adamw.amsgrad"),
    ],
)
def test_bad_hyperparameters_raise_config_error(name: str, cfg: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        OPTIMIZERS.build(name, **cfg)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field} must be ")


def test_nesterov_conflicts_on_set_blame_the_changed_field_and_change_nothing() -> None:
    opt = OPTIMIZERS.build("sgd", momentum=0.9, nesterov=True)
    with pytest.raises(ConfigError, match=r"^sgd\.momentum must be > 0 while nesterov is on"):
        opt.set(momentum=0.0, lr=0.1)
    with pytest.raises(ConfigError, match=r"^sgd\.dampening must be 0 while nesterov is on"):
        opt.set(dampening=0.5)
    assert opt.config() == full_config("sgd", {"momentum": 0.9, "nesterov": True})
    plain = OPTIMIZERS.build("sgd")
    with pytest.raises(ConfigError, match=r"^sgd\.nesterov must be false unless momentum > 0"):
        plain.set(nesterov=True)
    plain.set(momentum=0.5, nesterov=True)  # together they are fine
    assert plain.nesterov is True


def test_set_rejects_bad_values_and_unknown_names() -> None:
    opt = OPTIMIZERS.get("adam")
    with pytest.raises(ConfigError, match=r"^adam\.lr must be a number in"):
        opt.set(lr=-1.0)
    with pytest.raises(ConfigError, match=r"^adam\.momentum must be a known parameter"):
        opt.set(momentum=0.9)
    assert opt.lr == 0.001


# -- in place, grads untouched ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=CASE_IDS)
def test_updates_the_same_arrays_in_place_and_leaves_grads_alone(
    name: str, cfg: dict[str, Any]
) -> None:
    params = start_params()
    originals = dict(params)
    layer_view = params["w1"][:, :2]  # what a layer holding the array would see
    grads = random_grads(1)[0]
    grads_copy = {k: v.copy() for k, v in grads.items()}
    opt = OPTIMIZERS.build(name, **cfg)
    for _ in range(3):
        opt.step(params, grads)
    for key in SHAPES:
        assert params[key] is originals[key]
        np.testing.assert_array_equal(grads[key], grads_copy[key])
        assert not np.array_equal(params[key], start_params()[key])
    np.testing.assert_array_equal(layer_view, params["w1"][:, :2])
    assert not np.array_equal(layer_view, start_params()["w1"][:, :2])


# -- every registered optimizer ---------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_decreases_a_convex_quadratic(name: str) -> None:
    params = start_params()
    opt = OPTIMIZERS.get(name)
    first, _ = quadratic(params)
    losses = []
    for _ in range(200):
        loss, grads = quadratic(params)
        losses.append(loss)
        opt.step(params, grads)
    last, _ = quadratic(params)
    assert last < 0.75 * first
    assert all(math.isfinite(x) for x in losses)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_catalog_entry_is_complete(name: str) -> None:
    cls = OPTIMIZERS.entry(name)
    entry = json.loads(json.dumps(cls.describe()))
    assert entry["name"] == name and entry["help"]
    names = [p["name"] for p in entry["params"]]
    assert names[0] == "lr"
    for p in entry["params"]:
        assert p["help"], p["name"]
        if p["kind"] == "float":
            assert p["low"] <= p["default"] <= p["high"], p["name"]
    assert OPTIMIZERS.get(name).config() == {p["name"]: p["default"] for p in entry["params"]}


def test_pytorch_defaults() -> None:
    assert OPTIMIZERS.get("sgd").config() == {
        "lr": 0.03,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    assert OPTIMIZERS.get("adagrad").config() == {
        "lr": 0.01,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    }
    assert OPTIMIZERS.get("rmsprop").config() == {
        "lr": 0.01,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    }
    adam = {
        "lr": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    }
    assert OPTIMIZERS.get("adam").config() == adam
    assert OPTIMIZERS.get("adamw").config() == {**adam, "weight_decay": 0.01}
