"""Numerical gradient checks by central differences, in float64.

`numeric_grad(f, x)` differentiates a scalar function of one array; `check_grad` compares an
analytic gradient with it. For big arrays, `projected_check` compares one random directional
derivative (HIPS/autograd's trick) instead of every coordinate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = 1e-6


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """d f / d x by central differences; `x` is perturbed in place and restored."""
    assert x.dtype == np.float64, "gradient checks run in float64"
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f(x)
        flat[i] = old - eps
        down = f(x)
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def check_grad(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic: np.ndarray,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that `analytic` is the gradient of `f` at `x`."""
    numeric = numeric_grad(f, x)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def projected_check(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic: np.ndarray,
    rng: np.random.Generator,
    eps: float = EPS,
    rtol: float = 1e-5,
) -> None:
    """Compare the directional derivative along a random unit vector."""
    v = rng.standard_normal(x.shape)
    v /= np.linalg.norm(v)
    numeric = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(float(np.sum(analytic * v)), numeric, rtol=rtol, atol=1e-7)
