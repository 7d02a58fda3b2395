"""Model: whole-network gradients by central differences for every head, norm and activation;
PyTorch parity; parameter naming and sharing; trace; state dicts; live swaps; spec errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.errors import ConfigError
from engine.heads import HEADS
from engine.layers import ActivationLayer, BatchNorm, Dense, Dropout, LayerNorm
from engine.model import NORMS, Model, ModelSpec
from tests.engine.test_activations import torch_function
from tests.engine.test_heads import torch_head_losses
from tests.gradcheck import check_grad

N_INPUTS, HIDDEN, ROWS, CLASSES = 3, (4, 3), 8, 3


def build(
    head: str = "bce",
    norm: str = "none",
    activation: Any = "tanh",
    hidden: tuple[int, ...] = HIDDEN,
    dropout: float = 0.0,
    seed: int = 0,
    init: Any = "xavier_uniform",
) -> Model:
    classes = CLASSES if HEADS.entry(head).problem == "multiclass" else 2
    spec = ModelSpec(N_INPUTS, hidden, activation, init, norm, dropout, head, classes)
    return Model(spec, np.random.default_rng(seed), np.random.default_rng((seed, 1)))


def randomise(model: Model, rng: np.random.Generator) -> Model:
    """Nonzero biases and norm parameters away from their (1, 0) start, written in place."""
    for key, value in model.params.items():
        index = int(key.split(".")[0])
        if isinstance(model.layers[index], Dense):
            if key.endswith("bias"):
                value[...] = rng.normal(0.0, 0.3, value.shape)
        elif key.endswith("weight"):
            value[...] = rng.uniform(0.5, 1.5, value.shape)
        else:
            value[...] = rng.normal(0.0, 0.3, value.shape)
    return model


def batch(model: Model, rng: np.random.Generator, rows: int = ROWS) -> tuple[np.ndarray, ...]:
    """(x, raw labels, encoded targets) for the model's head."""
    x = rng.normal(0.0, 1.0, (rows, model.spec.n_inputs))
    head = model.head
    if head.problem == "regression":
        y = rng.uniform(-1.0, 1.0, rows)
    else:
        y = rng.integers(0, model.spec.n_classes, rows)
    return x, y, head.encode(y)


def _assert_smooth_at(model: Model) -> None:
    """The check point must not sit on a kink: each activation's slope is locally constant
    to first order around the last pre-activations."""
    for layer in model.act_layers:
        pre, act = layer.last_input, layer.act
        jump = np.abs(act.derivative(pre + 1e-5) - act.derivative(pre - 1e-5))
        assert jump.max() < 1e-3, f"{act.name}: a pre-activation sits on a kink; change the seed"


# -- gradients --------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS.names())
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("head", HEADS.names())
def test_model_gradients_match_central_differences(head: str, norm: str, activation: str) -> None:
    rng = np.random.default_rng(7)
    model = randomise(build(head, norm, activation, seed=3), rng)
    x, _, t = batch(model, rng)

    def loss(_: np.ndarray) -> float:
        return model.head.loss_and_grad(model.forward(x, True), t)[0]

    value = model.loss_and_grad(x, t)
    _assert_smooth_at(model)
    analytic = {k: g.copy() for k, g in model.grads.items()}
    assert value == loss(x)
    for key, param in model.params.items():
        check_grad(loss, param, analytic[key], rtol=1e-5, atol=1e-8)


def test_gradients_with_per_layer_activations() -> None:
    rng = np.random.default_rng(11)
    model = randomise(build("softmax_ce", "layer_norm", ("gelu", "sine"), seed=2), rng)
    x, _, t = batch(model, rng)
    model.loss_and_grad(x, t)
    analytic = {k: g.copy() for k, g in model.grads.items()}
    assert [layer.act.name for layer in model.act_layers] == ["gelu", "sine"]
    for key, param in model.params.items():
        check_grad(
            lambda _: model.head.loss_and_grad(model.forward(x, True), t)[0], param, analytic[key]
        )


def test_loss_and_grad_overwrites_gradients() -> None:
    """Grads are the last batch's, not accumulated (the optimizer reads them as they are)."""
    rng = np.random.default_rng(0)
    model = build()
    x, _, t = batch(model, rng)
    model.loss_and_grad(x, t)
    first = {k: g.copy() for k, g in model.grads.items()}
    model.loss_and_grad(x, t)
    for key, g in model.grads.items():
        np.testing.assert_array_equal(g, first[key])


# -- PyTorch ----------------------------------------------------------------------------------


def torch_model(model: Model) -> Any:
    """The same network as torch.nn.Sequential with our parameters copied in (index for index,
    so our names "0.weight", ... are torch's). Dense W is (in, out): torch's weight is W.T."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Act(nn.Module):
        def __init__(self, act: Any) -> None:
            super().__init__()
            self.f = torch_function(act.name, act.config())

        def forward(self, x: Any) -> Any:
            return self.f(x)

    modules = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            m = nn.Linear(layer.fan_in, layer.fan_out, dtype=torch.float64)
        elif isinstance(layer, BatchNorm):
            m = nn.BatchNorm1d(layer.n, layer.eps, layer.momentum, dtype=torch.float64)
        elif isinstance(layer, LayerNorm):
            m = nn.LayerNorm(layer.n, layer.eps, dtype=torch.float64)
        elif isinstance(layer, ActivationLayer):
            m = Act(layer.act)
        else:
            assert isinstance(layer, Dropout)
            m = nn.Dropout(layer.p)
        modules.append(m)
    net = nn.Sequential(*modules)
    copy_into_torch(model, net)
    return net


def copy_into_torch(model: Model, net: Any) -> None:
    torch = pytest.importorskip("torch")
    torch_state = net.state_dict()
    with torch.no_grad():
        for key, value in model.state_dict().items():
            layer = model.layers[int(key.split(".")[0])]
            value = value.T if isinstance(layer, Dense) and key.endswith("weight") else value
            torch_state[key].copy_(torch.from_numpy(np.ascontiguousarray(value)))


def torch_grads(model: Model, net: Any) -> dict[str, np.ndarray]:
    """torch's gradients under our names and layouts."""
    out = {}
    for key, p in net.named_parameters():
        g = p.grad.numpy()
        out[key] = g.T if isinstance(model.layers[int(key.split(".")[0])], Dense) else g
    return out


def _torch_labels(torch: Any, model: Model, y: np.ndarray) -> Any:
    dtype = torch.int64 if model.head.problem == "multiclass" else torch.float64
    return torch.tensor(y, dtype=dtype)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("head", "norm", "activation"),
    dict.fromkeys(
        [(h, n, "tanh") for h in HEADS.names() for n in NORMS]
        + [("bce", "none", a) for a in ACTIVATIONS.names()]
    ),
)
def test_forward_loss_and_gradients_match_torch(head: str, norm: str, activation: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    model = randomise(build(head, norm, activation, hidden=(5, 4, 3), seed=1), rng)
    net = torch_model(model)
    x, y, t = batch(model, rng, rows=16)
    xt = torch.tensor(x)

    value = model.loss_and_grad(x, t)  # train mode: batch statistics, running ones updated
    net.train()
    zt = net(xt)
    expected = torch_head_losses(torch)[head](zt, _torch_labels(torch, model, y))
    expected.backward()
    np.testing.assert_allclose(model.forward(x, True), zt.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert value == pytest.approx(expected.item(), rel=1e-10, abs=1e-12)
    ours, theirs = model.grads, torch_grads(model, net)
    assert set(ours) == set(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, atol=1e-12, err_msg=key)

    # Eval mode uses the running statistics: ours were updated twice (two train forwards).
    net(xt)
    net.eval()
    with torch.no_grad():
        z_eval = net(xt).numpy()
    np.testing.assert_allclose(model.forward(x), z_eval, rtol=1e-10, atol=1e-12)
    assert model.loss(x, t) == pytest.approx(
        torch_head_losses(torch)[head](torch.tensor(z_eval), _torch_labels(torch, model, y)).item(),
        rel=1e-10,
    )


# -- structure --------------------------------------------------------------------------------


def test_layers_and_parameter_names_follow_torch_sequential() -> None:
    model = build("softmax_ce", "batch_norm", hidden=(4, 3), dropout=0.5)
    kinds = [layer.kind for layer in model.layers]
    assert kinds == [
        *("dense", "batch_norm", "activation", "dropout"),
        *("dense", "batch_norm", "activation", "dropout"),
        "dense",
    ]
    assert list(model.params) == [
        *("0.weight", "0.bias", "1.weight", "1.bias"),
        *("4.weight", "4.bias", "5.weight", "5.bias"),
        *("8.weight", "8.bias"),
    ]
    assert model.weight_keys == ["0.weight", "4.weight", "8.weight"]
    shapes = [model.params[k].shape for k in model.weight_keys]
    assert shapes == [(N_INPUTS, 4), (4, 3), (3, CLASSES)]
    assert len(model.dense) == 3 and len(model.act_layers) == 2 and len(model.dropouts) == 2
    assert set(model.state_dict()) == {
        *model.params,
        *("1.running_mean", "1.running_var", "5.running_mean", "5.running_var"),
    }


def test_dropout_layers_always_present_at_rate_zero_and_one_output_for_binary() -> None:
    # Dropout is always built (p = 0 is an identity) so its rate can change live.
    model = build("bce", "none", hidden=(2,))
    assert [layer.kind for layer in model.layers] == ["dense", "activation", "dropout", "dense"]
    assert [d.p for d in model.dropouts] == [0.0]
    assert model.params["3.weight"].shape == (2, 1)


def test_parameters_are_views_of_one_flat_buffer() -> None:
    model = build(norm="batch_norm")
    assert model.flat.size == sum(p.size for p in model.params.values())
    for key, value in model.params.items():
        assert np.shares_memory(value, model.flat), key
        assert np.shares_memory(model.grads[key], model.flat_grad), key
    model.flat[:] = 0.5
    assert all(np.all(v == 0.5) for v in model.params.values())


def test_params_and_grads_are_the_layers_own_arrays() -> None:
    model = build(norm="layer_norm")
    for key in model.params:
        index, name = key.split(".")
        layer = model.layers[int(index)]
        assert model.params[key] is layer.params[name]
        assert model.grads[key] is layer.grads[name]
    rng = np.random.default_rng(0)
    x, _, t = batch(model, rng)
    grads_before = dict(model.grads)
    model.loss_and_grad(x, t)
    assert all(model.grads[k] is grads_before[k] for k in model.grads)
    assert np.any(model.grads["0.weight"] != 0)


def test_init_seed_decides_the_weights_and_noise_seed_does_not() -> None:
    spec = ModelSpec(N_INPUTS, HIDDEN, dropout=0.3)
    a = Model(spec, np.random.default_rng(4), np.random.default_rng(100))
    b = Model(spec, np.random.default_rng(4), np.random.default_rng(200))
    c = Model(spec, np.random.default_rng(5), np.random.default_rng(100))
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(np.array_equal(sa[k], sb[k]) for k in sa)
    assert not np.array_equal(sa["0.weight"], sc["0.weight"])


def test_dropout_only_in_training() -> None:
    rng = np.random.default_rng(1)
    with_dropout, plain = build(dropout=0.5, seed=6), build(seed=6)
    x, _, _ = batch(plain, rng, rows=32)
    np.testing.assert_array_equal(with_dropout.forward(x), plain.forward(x))
    np.testing.assert_array_equal(with_dropout.forward(x), with_dropout.forward(x))
    train_a, train_b = with_dropout.forward(x, True), with_dropout.forward(x, True)
    assert not np.array_equal(train_a, train_b)
    assert not np.array_equal(train_a, plain.forward(x, True))


def test_set_dropout_changes_the_rate_live() -> None:
    model = build(dropout=0.5)
    model.set_dropout(0.1)
    assert [layer.p for layer in model.dropouts] == [0.1, 0.1]
    with pytest.raises(ConfigError) as info:
        model.set_dropout(0.95)
    assert info.value.field == "dropout"
    assert [layer.p for layer in model.dropouts] == [0.1, 0.1]


def test_set_activation_keeps_weights() -> None:
    rng = np.random.default_rng(2)
    model = build(activation="tanh", seed=9)
    before = model.state_dict()
    x, _, _ = batch(model, rng)
    model.set_activation("relu")
    assert [layer.act.name for layer in model.act_layers] == ["relu", "relu"]
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    np.testing.assert_array_equal(model.forward(x), build(activation="relu", seed=9).forward(x))
    model.set_activation(["sigmoid", {"name": "leaky_relu", "slope": 0.2}])
    assert [layer.act.name for layer in model.act_layers] == ["sigmoid", "leaky_relu"]
    assert model.act_layers[1].act.slope == 0.2
    with pytest.raises(ConfigError) as info:
        model.set_activation(["relu"])
    assert info.value.field == "activation"
    assert [layer.act.name for layer in model.act_layers] == ["sigmoid", "leaky_relu"]


def test_loss_is_the_eval_mode_head_loss() -> None:
    rng = np.random.default_rng(3)
    model = randomise(build("tanh_mse", "batch_norm", dropout=0.4), rng)
    x, _, t = batch(model, rng)
    assert model.loss(x, t) == model.head.loss_value(model.forward(x), t)
    assert model.loss(x, t) == model.loss(x, t)


# -- trace ------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", NORMS)
def test_trace_gives_every_block_in_eval_mode(norm: str) -> None:
    rng = np.random.default_rng(4)
    model = randomise(build("sigmoid_mse", norm, "relu", seed=2), rng)
    x, _, _ = batch(model, rng)
    model.loss_and_grad(x, model.head.encode(np.zeros(ROWS)))  # move batch-norm statistics
    state = model.state_dict()
    blocks = model.trace(x)
    assert len(blocks) == len(HIDDEN) + 1
    inputs = x
    for i, block in enumerate(blocks):
        dense = model.dense[i]
        np.testing.assert_array_equal(block["input"], inputs)
        np.testing.assert_allclose(block["linear"], inputs @ dense.weight, rtol=1e-15)
        pre = inputs @ dense.weight + dense.bias
        if i < len(HIDDEN) and norm == "layer_norm":
            mu, var = pre.mean(axis=1, keepdims=True), pre.var(axis=1, keepdims=True)
            ln = model.layers[model.layers.index(dense) + 1]
            pre = (pre - mu) / np.sqrt(var + 1e-5) * ln.weight + ln.bias
        elif i < len(HIDDEN) and norm == "batch_norm":
            bn = model.layers[model.layers.index(dense) + 1]
            pre = (pre - bn.running_mean) / np.sqrt(bn.running_var + 1e-5) * bn.weight + bn.bias
        np.testing.assert_allclose(block["pre"], pre, rtol=1e-12, atol=1e-14)
        if i < len(HIDDEN):
            np.testing.assert_array_equal(block["post"], np.maximum(block["pre"], 0.0))
            inputs = block["post"]
    z = model.forward(x)
    np.testing.assert_array_equal(blocks[-1]["pre"], z)
    np.testing.assert_allclose(blocks[-1]["post"], 1.0 / (1.0 + np.exp(-z)), rtol=1e-15)
    after = model.state_dict()
    assert all(np.array_equal(state[k], after[k]) for k in state)  # eval: statistics stay put


# -- state dicts ------------------------------------------------------------------------------


def test_state_dict_is_a_copy_and_round_trips() -> None:
    rng = np.random.default_rng(5)
    model = randomise(build("mse", "batch_norm", seed=1), rng)
    x, _, t = batch(model, rng)
    model.loss_and_grad(x, t)
    state = model.state_dict()
    z = model.forward(x)
    state["0.weight"][...] = 0.0
    assert np.any(model.params["0.weight"] != 0.0)

    other = build("mse", "batch_norm", seed=2)
    arrays = dict(other.params)
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other.forward(x), z)
    assert all(other.params[k] is arrays[k] for k in arrays)  # loaded in place, still shared


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda s: s.pop("3.bias"), "weights"),
        (lambda s: s.update({"0.weight": np.zeros((2, 4))}), "weights.0.weight"),
        (lambda s: s.update({"6.weight": np.full((3, 1), np.nan)}), "weights.6.weight"),
        (lambda s: s.update({"0.bias": [1, "a", 2, 3]}), "weights.0.bias"),
    ],
)
def test_load_state_dict_rejects_bad_states(edit: Any, field: str) -> None:
    model = build(hidden=(4, 3))
    before = model.state_dict()
    state = model.state_dict()
    for key in state:
        state[key] = state[key] + 1.0
    edit(state)
    with pytest.raises(ConfigError) as info:
        model.load_state_dict(state)
    assert info.value.field == field
    after = model.state_dict()  # all or nothing: no array was half loaded
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_snapshot_and_finiteness() -> None:
    model = build()
    store: dict[str, np.ndarray] = {}
    model.copy_params_into(store)
    kept = store["0.weight"]
    model.params["0.weight"][0, 0] = np.inf
    assert not model.all_finite()
    model.copy_params_into(store)
    assert store["0.weight"] is kept and store["0.weight"][0, 0] == np.inf
    model.params["0.weight"][0, 0] = 1.0
    assert model.all_finite()


# -- spec errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"n_inputs": 0}, "features"),
        ({"hidden": (4,) * 65}, "hidden"),
        ({"hidden": (4, 0)}, "hidden[1]"),
        ({"hidden": (2000,)}, "hidden[0]"),
        ({"norm": "group"}, "norm"),
        ({"dropout": 1.0}, "dropout"),
        ({"activation": ("tanh",)}, "activation"),
        ({"activation": ("tanh", "nope")}, "activation[1].name"),
        ({"head": "nope"}, "output.name"),
        ({"head": "bce", "n_classes": 3}, "output"),
        ({"init": "nope"}, "init.name"),
        ({"init": {"name": "normal", "std": -1.0}}, "init.std"),
    ],
)
def test_bad_specs_name_the_field(changes: dict[str, Any], field: str) -> None:
    values = {"n_inputs": N_INPUTS, "hidden": HIDDEN, **changes}
    with pytest.raises(ConfigError) as info:
        Model(ModelSpec(**values), np.random.default_rng(0), np.random.default_rng(1))
    assert info.value.field == field
