"""Information theory for the losses page: softmax with temperature, entropy, cross-entropy, KL
divergence both ways, and a one-peak fit that shows mode-seeking versus mean-covering.

Everything is float64 and exact to rounding. Logarithms are natural (nats); `bits=True` divides
by log 2. The conventions are the limits: 0 log 0 = 0, and a q that is 0 where p > 0 makes
H(p, q) and KL(p || q) infinite (`inf`; the page shows it as ∞). A distribution is a 1-D array
of non-negative numbers summing to 1; `normalize` turns dragged bar heights into one.

    p, q = normalize([1, 3, 0]), normalize([1, 1, 1])
    decompose(p, q)["KL_pq"]          # = H(p, q) - H(p)
    fit_one_peak(two_peaks(xs, -2, 2, 0.5, 0.5), xs, "reverse")["mu"]   # one of the peaks
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.errors import ConfigError, DataError
from engine.losses import LOSSES, log_softmax

LN2 = math.log(2.0)
DIRECTIONS = ("forward", "reverse")
SUM_TOLERANCE = 1e-9  # how far from 1 the sum of a distribution may be (rounding only)

_CROSS_ENTROPY = LOSSES.get("cross_entropy")

# ---------------------------------------------------------------------------------------------
# Softmax with temperature


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / T) over the last axis, for any T in (0, inf).

    p_i = e^(z_i/T) / sum_j e^(z_j/T) = e^(u_i) / sum_j e^(u_j), u = (z - max z) / T <= 0, so
    nothing overflows: T -> 0 gives the one-hot of the argmax (ties share), T -> inf uniform.
    """
    t = _temperature(temperature)
    z = np.asarray(z, dtype=np.float64)
    u = _scaled(z, t)
    return log_softmax(u.reshape(-1, z.shape[-1]))[1].reshape(z.shape)


def nll_and_grad(z: np.ndarray, target: int, temperature: float = 1.0) -> tuple[float, np.ndarray]:
    """(-log softmax(z / T)[target], its gradient on each logit z_i), for 1-D logits z.

    This is the engine's cross_entropy loss on the logits z / T, and by the chain rule
    dL/dz = dL/d(z/T) / T = (softmax(z / T) - onehot(target)) / T.
    """
    t = _temperature(temperature)
    z = _logits(z)
    target = _target(target, z.size)
    # Shifting by max(z)/T changes neither the loss nor its gradient (sum_i dL/du_i = 0).
    value, grad = _CROSS_ENTROPY(_scaled(z, t)[None, :], np.array([target]))
    with np.errstate(over="ignore"):  # T -> 0: the gradient's limit is infinite
        return value, grad[0] / t


def _scaled(z: np.ndarray, t: float) -> np.ndarray:
    """(z - max z) / T over the last axis; -inf where that underflows past float64 (T -> 0)."""
    with np.errstate(over="ignore"):
        return (z - z.max(axis=-1, keepdims=True)) / t


def _temperature(value: Any) -> float:
    if not _number("temperature", value, "a finite number > 0") > 0:
        raise ConfigError("temperature", value, "a finite number > 0")
    return float(value)


def _number(field: str, value: Any, expected: str) -> float:
    """`value` as a float if it is a finite real number (not a bool), else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(field, value, expected)
    if not math.isfinite(value):
        raise ConfigError(field, value, expected)
    return float(value)


def _logits(z: Any) -> np.ndarray:
    arr = _floats(z, "z", "a 1-D array of finite logits")
    if arr.ndim != 1 or arr.size < 1 or not np.isfinite(arr).all():
        raise DataError("z", z, "a 1-D array of finite logits")
    return arr


def _target(value: Any, k: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < k:
        raise ConfigError("target", value, f"a class index in [0, {k - 1}]")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Entropy, cross-entropy and KL divergence of discrete distributions


def normalize(weights: Any, field: str = "p") -> np.ndarray:
    """Bar heights w -> the distribution w / sum(w). Errors name `field` ("p" or "q")."""
    w = _floats(weights, field, "a 1-D array of finite non-negative weights")
    if w.ndim != 1 or w.size < 1 or not np.isfinite(w).all() or (w < 0).any():
        raise DataError(field, weights, "a 1-D array of finite non-negative weights")
    total = w.sum()
    if total <= 0:
        raise DataError(field, weights, "weights that are not all zero")
    return w / total


def entropy(p: Any, *, bits: bool = False) -> float:
    """H(p) = -sum_i p_i log p_i, with 0 log 0 = 0."""
    p = _distribution(p, "p")
    return _unit(-_sum_p_log_q(p, p), bits)


def cross_entropy(p: Any, q: Any, *, bits: bool = False) -> float:
    """H(p, q) = -sum_i p_i log q_i: inf if some q_i = 0 where p_i > 0."""
    p, q = _pair(p, q)
    return _unit(-_sum_p_log_q(p, q), bits)


def kl(p: Any, q: Any, *, bits: bool = False) -> float:
    """KL(p || q) = sum_i p_i (log p_i - log q_i) = H(p, q) - H(p) >= 0: inf if some q_i = 0
    where p_i > 0. Summed directly (not as the difference) so a tiny KL keeps its digits;
    rounding below 0 is clipped to 0."""
    p, q = _pair(p, q)
    return _unit(max(_kl_sum(p, q), 0.0), bits)


def decompose(p: Any, q: Any, *, bits: bool = False) -> dict[str, float]:
    """Both directions at once: H(p), H(p, q), KL(p || q) and H(q), H(q, p), KL(q || p), so
    KL(p || q) = H(p, q) - H(p) and KL(q || p) = H(q, p) - H(q) (inf where a support is missed)."""
    p, q = _pair(p, q)
    return {
        "H_p": entropy(p, bits=bits),
        "H_pq": cross_entropy(p, q, bits=bits),
        "KL_pq": kl(p, q, bits=bits),
        "H_q": entropy(q, bits=bits),
        "H_qp": cross_entropy(q, p, bits=bits),
        "KL_qp": kl(q, p, bits=bits),
    }


def _sum_p_log_q(p: np.ndarray, q: np.ndarray) -> float:
    """sum_i p_i log q_i, terms with p_i = 0 dropped; -inf if some q_i = 0 where p_i > 0."""
    if ((p > 0) & (q <= 0)).any():
        return -math.inf
    return float(np.dot(p, _log0(q)))


def _kl_sum(p: np.ndarray, q: np.ndarray) -> float:
    if ((p > 0) & (q <= 0)).any():
        return math.inf
    return float(np.dot(p, _log0(p) - _log0(q)))


def _log0(p: np.ndarray) -> np.ndarray:
    """log p where p > 0, and 0 where p = 0 (it multiplies p = 0 there, so 0 log 0 = 0)."""
    return np.log(np.where(p > 0, p, 1.0))


def _unit(nats: float, bits: bool) -> float:
    return nats / LN2 if bits else nats


def _distribution(p: Any, field: str) -> np.ndarray:
    expected = "a 1-D array of non-negative numbers summing to 1"
    arr = _floats(p, field, expected)
    if (
        arr.ndim != 1
        or arr.size < 1
        or not np.isfinite(arr).all()
        or (arr < 0).any()
        or abs(arr.sum() - 1.0) > SUM_TOLERANCE * arr.size
    ):
        raise DataError(field, p, expected)
    return arr


def _pair(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    p, q = _distribution(p, "p"), _distribution(q, "q")
    if p.shape != q.shape:
        raise DataError("q", q, f"a distribution over the same {p.size} outcomes as p")
    return p, q


# ---------------------------------------------------------------------------------------------
# Fitting a one-peak q to a two-peak p: mean-covering (forward) versus mode-seeking (reverse)

_MU_STEPS = 61  # coarse grid: mu over [min xs, max xs]
_SIGMA_STEPS = 31  # ... and log sigma over [min spacing / 4, max xs - min xs]
_REFINE_ROUNDS = 6  # then zoom in: each round a 9 x 9 grid spanning +-1 step of the last one
_REFINE_HALF = 4


def gaussian_on(xs: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """A Gaussian discretised on the points xs: q_i ∝ exp(-(x_i - mu)^2 / 2 sigma^2), sum 1."""
    mu = _number("mu", mu, "a finite number")
    if not _number("sigma", sigma, "a finite number > 0") > 0:
        raise ConfigError("sigma", sigma, "a finite number > 0")
    return np.exp(_log_gaussians(support(xs), np.array(mu), np.array(sigma)))


def two_peaks(xs: Any, a: float, b: float, width: float, weight: float) -> np.ndarray:
    """p = weight N(a, width) + (1 - weight) N(b, width), each bump discretised on xs."""
    xs = support(xs)
    a, b = _number("a", a, "a finite number"), _number("b", b, "a finite number")
    if not _number("width", width, "a finite number > 0") > 0:
        raise ConfigError("width", width, "a finite number > 0")
    if not 0.0 <= _number("weight", weight, "a number in [0, 1]") <= 1.0:
        raise ConfigError("weight", weight, "a number in [0, 1]")
    bumps = np.exp(_log_gaussians(xs, np.array([a, b]), np.array([width, width])))
    return weight * bumps[0] + (1.0 - weight) * bumps[1]


def fit_one_peak(p: Any, xs: Any, direction: str) -> dict[str, Any]:
    """The discretised Gaussian q (mu, sigma) on xs closest to p in one direction of KL.

    "forward" minimises KL(p || q) = sum p log(p / q): q must cover wherever p has mass, so it
    spreads over both peaks (mean-covering; for this family the optimum matches p's mean and
    variance). "reverse" minimises KL(q || p) = sum q log(q / p): q is punished wherever p is
    small, so it sits on one peak (mode-seeking: for equal widths the heavier one; for a
    symmetric p either, decided by rounding but the same on every call).

    Deterministic: a grid over mu and log sigma, then zoomed grids around the best point.
    Returns {"mu", "sigma", "q", "kl"} with "kl" the minimised divergence in nats. The reverse
    fit needs p > 0 wherever q has mass, else every q gives inf (a DataError).
    """
    if direction not in DIRECTIONS:
        raise ConfigError("direction", direction, "one of 'forward', 'reverse'")
    xs = support(xs)
    p = _distribution(p, "p")
    if p.shape != xs.shape:
        raise DataError("p", p, f"a distribution over the {xs.size} points of xs")
    log_p = np.where(p > 0, _log0(p), -np.inf)
    lo, hi = math.log(np.diff(xs).min() / 4.0), math.log(xs[-1] - xs[0])
    mus, log_sigmas = np.linspace(xs[0], xs[-1], _MU_STEPS), np.linspace(lo, hi, _SIGMA_STEPS)
    mu, ls, value = _grid_best(p, log_p, xs, mus, log_sigmas, direction)
    step_mu, step_ls = mus[1] - mus[0], log_sigmas[1] - log_sigmas[0]
    offsets = np.arange(-_REFINE_HALF, _REFINE_HALF + 1) / _REFINE_HALF
    for _ in range(_REFINE_ROUNDS):
        mus = np.clip(mu + step_mu * offsets, xs[0], xs[-1])
        log_sigmas = np.clip(ls + step_ls * offsets, lo, hi)
        mu, ls, value = _grid_best(p, log_p, xs, mus, log_sigmas, direction)
        step_mu, step_ls = step_mu / _REFINE_HALF, step_ls / _REFINE_HALF
    if not math.isfinite(value):
        raise DataError("p", p, "positive wherever a one-peak q has mass (for the reverse fit)")
    sigma = math.exp(ls)
    q = np.exp(_log_gaussians(xs, np.array(mu), np.array(sigma)))
    return {"mu": mu, "sigma": sigma, "q": q, "kl": value}


def _grid_best(
    p: np.ndarray,
    log_p: np.ndarray,
    xs: np.ndarray,
    mus: np.ndarray,
    log_sigmas: np.ndarray,
    direction: str,
) -> tuple[float, float, float]:
    """(mu, log sigma, KL) at the grid point of least KL (the first on a tie)."""
    log_q = _log_gaussians(xs, mus[:, None], np.exp(log_sigmas)[None, :])  # (mus, sigmas, n)
    if direction == "forward":
        # KL(p || q) = sum_i p_i (log p_i - log q_i); p_i = 0 terms vanish (log_q is finite).
        values = (p * (np.where(p > 0, log_p, 0.0) - log_q)).sum(axis=-1)
    else:
        # KL(q || p) = sum_i q_i (log q_i - log p_i): inf where p_i = 0 < q_i; q_i = 0 terms vanish.
        q = np.exp(log_q)
        values = (q * np.where(q > 0, log_q - log_p, 0.0)).sum(axis=-1)
    i, j = np.unravel_index(int(np.argmin(values)), values.shape)
    return float(mus[i]), float(log_sigmas[j]), float(values[i, j])


def _log_gaussians(xs: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """log q_i = -(x_i - mu)^2 / 2 sigma^2 - log sum_j exp(-(x_j - mu)^2 / 2 sigma^2), broadcast
    over the shapes of mu and sigma; the nearest point has exponent <= 0 after the shift."""
    z = (xs - mu[..., None]) / sigma[..., None]
    e = -0.5 * z * z
    e -= e.max(axis=-1, keepdims=True)
    e -= np.log(np.exp(e).sum(axis=-1, keepdims=True))
    return e


def support(xs: Any) -> np.ndarray:
    """`xs` as a float64 axis: 1-D, finite, strictly increasing, at least 2 points."""
    expected = "a 1-D increasing array of at least 2 finite points"
    arr = _floats(xs, "xs", expected)
    if arr.ndim != 1 or arr.size < 2 or not np.isfinite(arr).all() or (np.diff(arr) <= 0).any():
        raise DataError("xs", xs, expected)
    return arr


def _floats(value: Any, field: str, expected: str) -> np.ndarray:
    """`value` as a float64 array, or DataError(field) if it is not numbers."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(field, value, expected) from None
