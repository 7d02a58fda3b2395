"""Activations: every registered one against central differences, PyTorch and overflow."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine.activations import _PER_ELEMENT_BELOW, ACTIVATIONS, Activation, erf, erfc
from engine.errors import ConfigError
from tests.gradcheck import check_grad

NAMES = ACTIVATIONS.names()
EXTREME = np.array([-1000.0, -700.0, -30.0, -1e-300, 0.0, 1e-300, 30.0, 700.0, 1000.0])


def other_config(name: str) -> dict[str, Any]:
    """A non-default setting of every parameter: the middle of its bounds."""
    return {p.name: (p.low + p.high) / 2 for p in ACTIVATIONS.entry(name).params}


CASES = [(n, {}) for n in NAMES] + [(n, other_config(n)) for n in NAMES if other_config(n)]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v:g}' for k, v in c.items()) or 'default'}" for n, c in CASES]


def away_from_kinks(rng: np.random.Generator, shape: tuple[int, ...] = (6, 5)) -> np.ndarray:
    x = rng.uniform(-4.0, 4.0, size=shape)
    return np.where(np.abs(x) < 1e-2, x + np.sign(x) * 0.1 + 0.1, x)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_derivative_matches_central_differences(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    x = away_from_kinks(np.random.default_rng(0))
    check_grad(lambda z: float(act.forward(z).sum()), x, act.derivative(x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_backward_is_dout_times_derivative(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-40.0, 40.0, size=40), EXTREME]).reshape(7, 7)
    dout = rng.standard_normal(x.shape)
    dx = act.backward(x, act.forward(x), dout)
    assert dx.shape == x.shape
    # Backward from y (tanh, sigmoid) differs from dout * f'(x) by rounding only.
    np.testing.assert_allclose(dx, dout * act.derivative(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_finite_and_quiet_at_extremes(name: str, config: dict[str, Any]) -> None:
    act = ACTIVATIONS.build(name, **config)
    x = EXTREME.reshape(3, 3)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = act.forward(x)
        d = act.derivative(x)
        dx = act.backward(x, y, np.ones_like(x))
    for out in (y, d, dx):
        assert out.shape == x.shape
        assert np.all(np.isfinite(out)), (name, out)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name: str) -> None:
    act = ACTIVATIONS.get(name)
    x = away_from_kinks(np.random.default_rng(2))
    dout = np.ones_like(x)
    x0, dout0 = x.copy(), dout.copy()
    act.backward(x, act.forward(x), dout)
    act.derivative(x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)


@pytest.mark.parametrize("name", NAMES)
def test_catalog_entry_has_formula_note_and_range(name: str) -> None:
    entry = next(e for e in ACTIVATIONS.catalog() if e["name"] == name)
    for key in ("formula", "derivative_formula", "note", "range", "help"):
        assert isinstance(entry[key], str) and entry[key], (name, key)
    assert entry["note"].count(". ") >= 1, "note: two short sentences"
    json.dumps(entry)
    assert issubclass(ACTIVATIONS.entry(name), Activation)


def test_registered_names() -> None:
    assert NAMES == [
        "linear",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "softplus",
        "mish",
        "sine",
    ]


BAD_PARAMS = [
    (name, p.name, value)
    for name in NAMES
    for p in ACTIVATIONS.entry(name).params
    for value in (p.high + 1.0, p.low - 1.0, float("nan"), "1")
]


@pytest.mark.parametrize(("name", "field", "value"), BAD_PARAMS)
def test_bad_param_raises_config_error_naming_the_field(name: str, field: str, value: Any) -> None:
    with pytest.raises(ConfigError) as err:
        ACTIVATIONS.build(name, **{field: value})
    assert err.value.field == f"{name}.{field}"
    act = ACTIVATIONS.get(name)
    with pytest.raises(ConfigError, match=f"{name}.{field}"):
        act.set(**{field: value})


def test_leaky_relu_slope_message() -> None:
    with pytest.raises(ConfigError, match=r"leaky_relu\.slope must be a number in \[0, 1\], got 5"):
        ACTIVATIONS.build("leaky_relu", slope=5)
    with pytest.raises(ConfigError, match=r"relu\.slope"):
        ACTIVATIONS.build("relu", slope=0.1)


def test_set_changes_the_function_live() -> None:
    act = ACTIVATIONS.get("leaky_relu")
    act.set(slope=0.5)
    np.testing.assert_array_equal(act.forward(np.array([-2.0, 3.0])), [-1.0, 3.0])
    assert act.config() == {"slope": 0.5}


def test_known_values_and_kink_derivatives() -> None:
    x = np.array([-1.0, 0.0, 1.0])

    def act(name: str, **config: Any) -> Activation:
        return ACTIVATIONS.build(name, **config)

    np.testing.assert_array_equal(act("relu").forward(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(act("relu").derivative(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(act("leaky_relu", slope=0.25).derivative(x), [0.25, 0.25, 1.0])
    np.testing.assert_array_equal(act("elu", alpha=2.0).derivative(x[:2]), [2 / math.e, 2.0])
    assert act("sigmoid").forward(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(act("tanh").derivative(x), 1 - np.tanh(x) ** 2, rtol=1e-15)
    phi1 = 0.5 * (1 + math.erf(1 / math.sqrt(2)))  # Phi(1) = 0.8413447460685429...
    np.testing.assert_allclose(act("gelu").forward(x), [-(1 - phi1), 0.0, phi1], rtol=1e-15)
    np.testing.assert_allclose(act("softplus").forward(x[1:2]), [math.log(2)], rtol=1e-15)
    np.testing.assert_allclose(act("softplus", beta=2.0).forward(np.array([30.0])), [30.0])
    np.testing.assert_allclose(act("selu").forward(np.array([-1000.0])), [-1.7580993408473766])
    np.testing.assert_allclose(act("mish").forward(x[2:]), [math.tanh(math.log1p(math.e))])


# --- erf ------------------------------------------------------------------------------------

DENSE = np.concatenate(
    [
        np.linspace(-30.0, 30.0, 120_001),
        np.geomspace(1e-300, 1.0, 1_000),
        -np.geomspace(1e-300, 1.0, 1_000),
        [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 26.5, 27.0, 28.0, np.inf, -np.inf],
    ]
)


def test_erf_matches_math_erf_on_a_dense_grid() -> None:
    assert DENSE.size >= _PER_ELEMENT_BELOW  # the vectorised (Cody) branch
    ref = np.array([math.erf(v) for v in DENSE])
    np.testing.assert_allclose(erf(DENSE), ref, rtol=2e-15, atol=0)
    small = DENSE[::150][: _PER_ELEMENT_BELOW - 1]  # the per-element branch
    np.testing.assert_allclose(erf(small), ref[::150][: small.size], rtol=2e-15, atol=0)


def test_erfc_has_full_relative_precision_in_the_tail() -> None:
    ref = np.array([math.erfc(v) for v in DENSE])
    normal = ref > 1e-300  # beyond, the reference is subnormal
    got = erfc(DENSE)
    np.testing.assert_allclose(got[normal], ref[normal], rtol=2e-15, atol=0)
    np.testing.assert_allclose(got[~normal], ref[~normal], rtol=0, atol=1e-300)
    np.testing.assert_allclose(erfc(DENSE[:100]), ref[:100], rtol=2e-15, atol=0)


def test_erf_keeps_shape_and_nan() -> None:
    for shape in ((), (3, 4), (_PER_ELEMENT_BELOW, 2)):
        x = np.full(shape, 0.5)
        assert erf(x).shape == shape and erfc(x).shape == shape
        np.testing.assert_allclose(erf(x), math.erf(0.5), rtol=1e-15)
    assert np.isnan(erf(np.full(2 * _PER_ELEMENT_BELOW, np.nan))).all()


# --- PyTorch ----------------------------------------------------------------------------------


def torch_function(name: str, config: dict[str, Any]) -> Any:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    table = {
        "linear": lambda x: x * 1.0,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": f.relu,
        "leaky_relu": lambda x: f.leaky_relu(x, negative_slope=config.get("slope", 0.01)),
        "elu": lambda x: f.elu(x, alpha=config.get("alpha", 1.0)),
        "selu": f.selu,
        "gelu": lambda x: f.gelu(x, approximate="none"),
        "silu": f.silu,
        "softplus": lambda x: f.softplus(
            x, beta=config.get("beta", 1.0), threshold=config.get("threshold", 20.0)
        ),
        "mish": f.mish,
        "sine": torch.sin,
    }
    assert name in table, f"add {name!r} to the PyTorch table"
    return table[name]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "config"), CASES, ids=CASE_IDS)
def test_matches_torch_values_and_autograd(name: str, config: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grid = np.linspace(-8.0, 8.0, 161)  # includes 0 and the kinks
    act = ACTIVATIONS.build(name, **config)
    edges = [20.0, 20.0 / getattr(act, "beta", 1.0)]  # softplus switches to y = x past beta x = 20
    x = np.concatenate([grid, rng.uniform(-25.0, 25.0, 40), EXTREME, [1e-9, -1e-9, -1e-6], edges])
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = torch_function(name, config)(xt)
    dout = rng.standard_normal(x.shape)
    (gt,) = torch.autograd.grad(yt, xt, grad_outputs=torch.tensor(dout))
    (dt,) = torch.autograd.grad(torch_function(name, config)(xt).sum(), xt)
    y = act.forward(x)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.derivative(x), dt.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.backward(x, y, dout), gt.numpy(), rtol=1e-12, atol=1e-14)
