"""Initializers: shapes, reproducibility, the distribution each one promises, errors."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.initializers import INITIALIZERS

FAN_IN, FAN_OUT = 400, 300

# What each initializer promises for W of shape (fan_in, fan_out), written out independently of
# the code: (distribution, mean, scale) with scale = the bound a of U(-a, a) or the std of N.
# A newly registered initializer fails test_distribution until it is described here.
EXPECTED = {
    "zeros": lambda n_in, n_out, c: ("zero", 0.0, 0.0),
    "playground": lambda n_in, n_out, c: ("uniform", 0.0, 0.5),
    "normal": lambda n_in, n_out, c: ("normal", c["mean"], c["std"]),
    "xavier_uniform": lambda n_in, n_out, c: (
        "uniform",
        0.0,
        c["gain"] * math.sqrt(6 / (n_in + n_out)),
    ),
    "xavier_normal": lambda n_in, n_out, c: (
        "normal",
        0.0,
        c["gain"] * math.sqrt(2 / (n_in + n_out)),
    ),
    "he_uniform": lambda n_in, n_out, c: ("uniform", 0.0, math.sqrt(6 / n_in)),
    "he_normal": lambda n_in, n_out, c: ("normal", 0.0, math.sqrt(2 / n_in)),
    "lecun_normal": lambda n_in, n_out, c: ("normal", 0.0, math.sqrt(1 / n_in)),
    # columns of length gain in R^fan_in (fan_in >= fan_out): entries of std gain / √fan_in
    "orthogonal": lambda n_in, n_out, c: (
        "orthogonal",
        0.0,
        c["gain"] / math.sqrt(max(n_in, n_out)),
    ),
}

# Defaults for every initializer, plus non-default hyperparameters where there are some.
CASES: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in INITIALIZERS.names()] + [
    ("normal", {"mean": 0.5, "std": 0.1}),
    ("normal", {"std": 3.0}),
    ("xavier_uniform", {"gain": 2.0}),
    ("xavier_normal", {"gain": 0.5}),
    ("orthogonal", {"gain": 1.5}),
]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in c.items()) or 'defaults'}" for n, c in CASES]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("name", INITIALIZERS.names())
@pytest.mark.parametrize(("fan_in", "fan_out"), [(2, 8), (8, 1), (5, 5), (1, 3)])
def test_shapes_and_dtype(name: str, fan_in: int, fan_out: int) -> None:
    init = INITIALIZERS.get(name)
    w, b = init.weights(fan_in, fan_out, rng()), init.bias(fan_out, rng())
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert b.shape == (fan_out,) and b.dtype == np.float64
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(b))


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_same_seed_same_arrays(name: str) -> None:
    init = INITIALIZERS.get(name)
    a, b = init.weights(6, 4, rng(7)), init.weights(6, 4, rng(7))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(init.bias(4, rng(7)), init.bias(4, rng(7)))
    if name != "zeros":
        assert not np.array_equal(a, init.weights(6, 4, rng(8)))


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=CASE_IDS)
def test_distribution(name: str, cfg: dict[str, Any]) -> None:
    assert name in EXPECTED, f"describe {name!r}'s distribution in EXPECTED"
    init = INITIALIZERS.build(name, **cfg)
    kind, mean, scale = EXPECTED[name](FAN_IN, FAN_OUT, init.config())
    w = init.weights(FAN_IN, FAN_OUT, rng(3))
    n = w.size
    if kind == "zero":
        np.testing.assert_array_equal(w, 0.0)
        return
    std = scale / math.sqrt(3) if kind == "uniform" else scale
    # Sampling error of the std is about std/√(2n) ≈ 0.2 % here: 2 % is ten standard errors,
    # yet far below the 41 % of a wrong factor √2.
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean() - mean) < 5 * std / math.sqrt(n)
    if kind == "uniform":
        assert np.all(np.abs(w) <= scale)
        assert w.max() > 0.99 * scale and w.min() < -0.99 * scale
        inside = 1 / math.sqrt(3)  # P(|x| < σ) for a uniform
    else:
        inside = math.erf(1 / math.sqrt(2))  # 0.6827 for a Gaussian
    if kind in ("uniform", "normal"):
        assert np.mean(np.abs(w - mean) < std) == pytest.approx(inside, abs=0.01)


@pytest.mark.parametrize("gain", [1.0, 0.5, 2.0])
@pytest.mark.parametrize(("fan_in", "fan_out"), [(400, 300), (300, 400), (6, 6), (1, 7), (7, 1)])
def test_orthogonal_is_orthogonal(fan_in: int, fan_out: int, gain: float) -> None:
    w = INITIALIZERS.build("orthogonal", gain=gain).weights(fan_in, fan_out, rng(5))
    # Tall W: orthonormal columns (x @ W keeps lengths); wide W: orthonormal rows.
    gram = w.T @ w if fan_in >= fan_out else w @ w.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(fan_in, fan_out)), atol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize(("fan_in", "fan_out"), [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_is_torchs_matrix_transposed(fan_in: int, fan_out: int) -> None:
    torch = pytest.importorskip("torch")

    # torch's orthogonal_ first draws an (out, in) standard normal: draw the same one and feed
    # it to ours through a stand-in generator.
    torch.manual_seed(11)
    a = torch.empty(fan_out, fan_in, dtype=torch.float64).normal_(0, 1).numpy()
    torch.manual_seed(11)
    theirs = torch.nn.init.orthogonal_(torch.empty(fan_out, fan_in, dtype=torch.float64), gain=2.0)

    class FixedNormal:
        def standard_normal(self, shape: tuple[int, int]) -> np.ndarray:
            assert shape == a.shape
            return a.copy()

    ours = INITIALIZERS.build("orthogonal", gain=2.0).weights(fan_in, fan_out, FixedNormal())  # type: ignore[arg-type]
    np.testing.assert_allclose(ours, theirs.numpy().T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_bias(name: str) -> None:
    b = INITIALIZERS.get(name).bias(5, rng())
    np.testing.assert_array_equal(b, 0.1 if name == "playground" else 0.0)


def test_playground_matches_tensorflow_playground() -> None:
    init = INITIALIZERS.get("playground")
    w = init.weights(50, 40, rng())
    assert np.all((w >= -0.5) & (w < 0.5))
    assert np.all(init.bias(3, rng()) == 0.1)


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_bad_params_raise_config_error_naming_the_field(name: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name}\.nope must be a known parameter"):
        INITIALIZERS.build(name, nope=1.0)
    for p in INITIALIZERS.entry(name).params:
        if p.high is not None:
            with pytest.raises(ConfigError, match=rf"^{name}\.{p.name} must be a number in"):
                INITIALIZERS.build(name, **{p.name: p.high * 2 + 1})
        with pytest.raises(ConfigError, match=rf"^{name}\.{p.name} must be "):
            INITIALIZERS.build(name, **{p.name: "big"})


@pytest.mark.parametrize(
    ("name", "cfg", "field"),
    [
        ("normal", {"std": 0.0}, "normal.std"),
        ("normal", {"std": float("inf")}, "normal.std"),
        ("xavier_uniform", {"gain": -1.0}, "xavier_uniform.gain"),
        ("orthogonal", {"gain": 0.0}, "orthogonal.gain"),
        ("he_normal", {"gain": 2.0}, "he_normal.gain"),
    ],
)
def test_bad_values(name: str, cfg: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        INITIALIZERS.build(name, **cfg)
    assert info.value.field == field


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_catalog_entry(name: str) -> None:
    entry = json.loads(json.dumps(INITIALIZERS.entry(name).describe()))
    assert entry["name"] == name and entry["help"]
    assert entry["formula"]
    assert all(p["help"] for p in entry["params"])
