"""Layers: backward against central differences for every kind, in-place grads, PyTorch parity."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.errors import ConfigError
from engine.initializers import INITIALIZERS
from engine.layers import ActivationLayer, BatchNorm, Dense, Dropout, Layer, LayerNorm
from tests.gradcheck import check_grad

ROWS, FEATURES = 10, 4


def _randomise(layer: Layer, rng: np.random.Generator) -> Layer:
    """Random parameters (and positive running variances), written in place."""
    for value in layer.params.values():
        value[...] = rng.standard_normal(value.shape)
    if isinstance(layer, BatchNorm):
        layer.running_mean[...] = rng.standard_normal(FEATURES)
        layer.running_var[...] = rng.uniform(0.5, 2.0, FEATURES)
    return layer


# One builder per layer kind: each takes FEATURES inputs and has random float64 parameters.
BUILDERS: dict[str, Callable[[np.random.Generator], Layer]] = {
    "dense": lambda rng: Dense(FEATURES, 3, INITIALIZERS.get("xavier_uniform"), rng),
    "activation": lambda rng: ActivationLayer(ACTIVATIONS.get("tanh")),
    "dropout": lambda rng: Dropout(0.5, rng),
    "batch_norm": lambda rng: _randomise(BatchNorm(FEATURES), rng),
    "layer_norm": lambda rng: _randomise(LayerNorm(FEATURES), rng),
}
KINDS = sorted(BUILDERS)


def test_every_layer_kind_has_a_builder() -> None:
    assert {cls.kind for cls in Layer.__subclasses__()} == set(BUILDERS)
    for kind in KINDS:
        assert BUILDERS[kind](np.random.default_rng(0)).kind == kind


def _gradcheck(frozen: Layer, x: np.ndarray, train: bool, rng: np.random.Generator) -> Layer:
    """Check dx and every d param of L = Σ forward(x) ⊙ R (so dout = R) by central differences.

    Every evaluation runs a fresh deep copy of `frozen`: a copied Generator draws the very same
    dropout mask, and batch norm's running statistics do not drift between evaluations.
    `numeric_grad` perturbs `x` or `frozen.params[k]` in place, which the next copy picks up.
    """
    r = rng.standard_normal(copy.deepcopy(frozen).forward(x, train).shape)

    def loss(_: np.ndarray) -> float:
        return float(np.sum(copy.deepcopy(frozen).forward(x, train) * r))

    layer = copy.deepcopy(frozen)
    layer.forward(x, train)
    dx = layer.backward(r)
    check_grad(loss, x, dx)
    for key in frozen.params:
        check_grad(loss, frozen.params[key], layer.grads[key])
    return layer


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("kind", KINDS)
def test_backward_matches_central_differences(kind: str, train: bool) -> None:
    rng = np.random.default_rng(1)
    frozen = BUILDERS[kind](rng)
    x = rng.standard_normal((ROWS, FEATURES))
    layer = _gradcheck(frozen, x, train, rng)
    if kind == "dropout" and train:  # the mask must really drop some and keep some
        assert layer.mask is not None
        assert 0 < np.count_nonzero(layer.mask) < layer.mask.size


def test_batch_norm_single_row_in_training_uses_running_stats() -> None:
    rng = np.random.default_rng(2)
    layer = BUILDERS["batch_norm"](rng)
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    x = rng.standard_normal((1, FEATURES))
    y = layer.forward(x, train=True)
    expected = (x - mean) / np.sqrt(var + layer.eps) * layer.weight + layer.bias
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(layer.running_mean, mean)  # a single row updates nothing
    np.testing.assert_array_equal(layer.running_var, var)
    assert np.all(np.isfinite(y))
    _gradcheck(layer, x, True, rng)


@pytest.mark.parametrize("kind", KINDS)
def test_params_and_grads_are_updated_in_place(kind: str) -> None:
    rng = np.random.default_rng(3)
    layer = BUILDERS[kind](rng)
    params, grads = dict(layer.params), dict(layer.grads)
    buffers = dict(getattr(layer, "buffers", {}))
    assert params.keys() == grads.keys()
    for key in params:
        assert grads[key].shape == params[key].shape and grads[key].dtype == np.float64
    seen = []
    for _ in range(2):
        x = rng.standard_normal((ROWS, FEATURES))
        dout = rng.standard_normal(layer.forward(x).shape)
        layer.backward(dout)
        seen.append({k: g.copy() for k, g in layer.grads.items()})
    for key in params:
        assert layer.params[key] is params[key]
        assert layer.grads[key] is grads[key]
        assert not np.array_equal(seen[0][key], seen[1][key])  # really rewritten
    for key, value in buffers.items():
        assert layer.buffers[key] is value
    layer.reinit(INITIALIZERS.get("xavier_uniform"), rng)
    for key in params:
        assert layer.params[key] is params[key]


@pytest.mark.parametrize("init_name", INITIALIZERS.names())
def test_dense_reinit_redraws_in_place_with_every_initializer(init_name: str) -> None:
    init = INITIALIZERS.get(init_name)
    layer = Dense(5, 3, init, np.random.default_rng(4))
    weight, bias = layer.params["weight"], layer.params["bias"]
    assert weight.shape == (5, 3) and bias.shape == (3,) and weight.dtype == np.float64
    layer.reinit(init, np.random.default_rng(5))
    assert layer.params["weight"] is weight and layer.params["bias"] is bias
    fresh = Dense(5, 3, init, np.random.default_rng(5))  # reinit draws as construction does
    np.testing.assert_array_equal(weight, fresh.weight)
    np.testing.assert_array_equal(bias, fresh.bias)


def test_dense_forward_is_x_w_plus_b() -> None:
    rng = np.random.default_rng(6)
    layer = BUILDERS["dense"](rng)
    x = rng.standard_normal((ROWS, FEATURES))
    np.testing.assert_allclose(layer.forward(x), x @ layer.weight + layer.bias, rtol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_activation_layer_wires_every_activation(name: str) -> None:
    act = ACTIVATIONS.get(name)
    layer = ActivationLayer(act)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((ROWS, FEATURES))
    dout = rng.standard_normal((ROWS, FEATURES))
    y = layer.forward(x)
    np.testing.assert_array_equal(y, act.forward(x))
    assert layer.last_input is x and layer.last_output is y
    np.testing.assert_array_equal(layer.backward(dout), act.backward(x, y, dout))
    assert layer.params == {} and layer.grads == {}


def test_dropout_is_the_identity_in_eval_and_at_p_zero() -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((ROWS, FEATURES))
    dout = rng.standard_normal((ROWS, FEATURES))
    layer = Dropout(0.5, rng)
    assert layer.forward(x, train=False) is x and layer.backward(dout) is dout
    layer.p = 0.0  # live change
    state = rng.bit_generator.state
    assert layer.forward(x, train=True) is x and layer.backward(dout) is dout
    assert rng.bit_generator.state == state  # p = 0 draws nothing


def test_dropout_p_one_zeroes_everything() -> None:
    layer = Dropout(1.0, np.random.default_rng(9))
    x = np.ones((ROWS, FEATURES))
    np.testing.assert_array_equal(layer.forward(x), np.zeros_like(x))
    np.testing.assert_array_equal(layer.backward(x), np.zeros_like(x))


def test_dropout_preserves_the_mean() -> None:
    p = 0.3
    layer = Dropout(p, np.random.default_rng(10))
    y = layer.forward(np.ones((1000, 100)))
    assert abs(y.mean() - 1.0) < 0.01  # the std of this mean is √(p / (1 - p) / 10⁵) ≈ 0.002
    assert abs(np.mean(y == 0) - p) < 0.01
    np.testing.assert_array_equal(np.unique(y), [0.0, 1.0 / (1.0 - p)])


def test_dropout_is_reproducible_from_its_generator() -> None:
    x = np.ones((ROWS, FEATURES))
    a = Dropout(0.5, np.random.default_rng(11)).forward(x)
    b = Dropout(0.5, np.random.default_rng(11)).forward(x)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Dropout(1.5, np.random.default_rng(0)), "dropout.p"),
        (lambda: BatchNorm(4, momentum=-0.1), "batch_norm.momentum"),
        (lambda: BatchNorm(4, eps=0.0), "batch_norm.eps"),
        (lambda: LayerNorm(0), "layer_norm.n"),
        (
            lambda: Dense(0, 3, INITIALIZERS.get("xavier_uniform"), np.random.default_rng(0)),
            "dense.fan_in",
        ),
    ],
)
def test_constructors_reject_bad_values(build: Callable[[], Layer], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        build()
    assert info.value.field == field


# -- PyTorch parity ------------------------------------------------------------------------------


def _t(array: np.ndarray, grad: bool = False) -> Any:  # a torch.Tensor (torch is optional)
    torch = pytest.importorskip("torch")
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def _close(ours: np.ndarray, theirs: Any) -> None:
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.torch
def test_dense_matches_torch_linear() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(20)
    layer = BUILDERS["dense"](rng)
    x, dout = rng.standard_normal((ROWS, FEATURES)), rng.standard_normal((ROWS, 3))
    linear = torch.nn.Linear(FEATURES, 3).double()
    with torch.no_grad():
        linear.weight.copy_(_t(layer.weight.T))  # torch stores (fan_out, fan_in)
        linear.bias.copy_(_t(layer.bias))
    tx = _t(x, grad=True)
    ty = linear(tx)
    ty.backward(_t(dout))
    _close(layer.forward(x), ty)
    _close(layer.backward(dout), tx.grad)
    _close(layer.grads["weight"], linear.weight.grad.T)
    _close(layer.grads["bias"], linear.bias.grad)


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_matches_torch_batchnorm1d(momentum: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    layer = BatchNorm(FEATURES, momentum=momentum)
    layer.weight[...] = rng.standard_normal(FEATURES)
    layer.bias[...] = rng.standard_normal(FEATURES)
    bn = torch.nn.BatchNorm1d(FEATURES, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.copy_(_t(layer.weight))
        bn.bias.copy_(_t(layer.bias))
    for step, train in enumerate([True, True, True, True, False, False]):
        bn.train(train)
        bn.zero_grad()
        x = rng.standard_normal((ROWS, FEATURES)) * (step + 1) + step  # shifting statistics
        dout = rng.standard_normal((ROWS, FEATURES))
        tx = _t(x, grad=True)
        ty = bn(tx)
        ty.backward(_t(dout))
        _close(layer.forward(x, train), ty)
        _close(layer.backward(dout), tx.grad)
        _close(layer.grads["weight"], bn.weight.grad)
        _close(layer.grads["bias"], bn.bias.grad)
        _close(layer.buffers["running_mean"], bn.running_mean)
        _close(layer.buffers["running_var"], bn.running_var)


@pytest.mark.torch
def test_layer_norm_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(22)
    layer = BUILDERS["layer_norm"](rng)
    ln = torch.nn.LayerNorm(FEATURES).double()
    with torch.no_grad():
        ln.weight.copy_(_t(layer.weight))
        ln.bias.copy_(_t(layer.bias))
    x, dout = rng.standard_normal((ROWS, FEATURES)) * 3 + 1, rng.standard_normal((ROWS, FEATURES))
    tx = _t(x, grad=True)
    ty = ln(tx)
    ty.backward(_t(dout))
    for train in (True, False):
        _close(layer.forward(x, train), ty)
        _close(layer.backward(dout), tx.grad)
        _close(layer.grads["weight"], ln.weight.grad)
        _close(layer.grads["bias"], ln.bias.grad)


@pytest.mark.torch
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_scales_kept_values_as_torch(p: float) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.functional.dropout(_t(np.ones((200, 50))), p, training=True).numpy()
    layer = Dropout(p, np.random.default_rng(23))
    x = np.random.default_rng(24).standard_normal((200, 50))
    y = layer.forward(x)
    assert layer.mask is not None
    # Both are {0, 1 / (1 - p)} exactly, and y = x ⊙ mask exactly.
    np.testing.assert_array_equal(np.unique(layer.mask), np.unique(theirs))
    np.testing.assert_array_equal(y, x * layer.mask)
    np.testing.assert_array_equal(layer.backward(x), x * layer.mask)
    # Statistically the same drop rate (std of the rate: √(p (1 - p) / 10⁴) ≤ 0.005).
    assert abs(np.mean(layer.mask == 0) - np.mean(theirs == 0)) < 0.03
