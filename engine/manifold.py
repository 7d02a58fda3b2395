"""The manifold view: how each layer bends the input plane until the classes come apart.

A network maps the plane through a chain of spaces: the input plane, each hidden layer's
activations, the output. We follow a fine mesh of the plane (its grid lines) and the data points
through that chain (`layer_images`), show each space in 2-D or 3-D (`view_of`: the units
themselves, a chosen pair or triple of them, or a PCA fitted on the data), walk one block's map in
stages (`staged`, `staged_layer`: linear map, then bias, then non-linearity) and measure how well
a flat cut separates the classes in each space (`linear_probe`, `separability`).

Nothing here changes the run: every pass is in eval mode (no dropout, running batch-norm
statistics, no randomness drawn).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from numbers import Integral, Real

import numpy as np

from engine.activations import Activation
from engine.datasets import DOMAIN
from engine.errors import ConfigError
from engine.features import FEATURES, transform
from engine.trainer import Trainer

# The four endpoints of the staged transform of one block, t = 0, 1, 2, 3. With normalisation
# in the block, stage 2 ("bias") is "normalise, then scale and shift".
STAGES = ("input", "linear", "bias", "activation")
PROBE_L2 = 1e-4  # λ of the probe's penalty (λ/2)‖B‖² on the mean cross-entropy
PROBE_MAX_DIMS = 64  # wider representations are probed on their top principal components
PROBE_TOL = 1e-10  # stop Newton when half the Newton decrement falls below this

# -- the mesh ---------------------------------------------------------------------------------


def mesh_lines(
    n_lines: int = 40, samples: int = 80, domain: Sequence[float] = DOMAIN
) -> np.ndarray:
    """(2 n_lines, samples, 2) points: n_lines horizontal lines (y fixed, x running from low to
    high), then n_lines vertical ones (x fixed, y running), evenly spaced across the square
    domain² edges included, each sampled at `samples` points so that its image bends smoothly.
    Cached and read-only."""
    if isinstance(n_lines, bool) or not isinstance(n_lines, int) or n_lines < 2:
        raise ConfigError("n_lines", n_lines, "an integer >= 2")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise ConfigError("samples", samples, "an integer >= 2")
    lo, hi = (float(v) for v in domain)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError("domain", tuple(domain), "(low, high) with finite low < high")
    return _mesh(n_lines, samples, lo, hi)


@lru_cache(maxsize=8)
def _mesh(n_lines: int, samples: int, lo: float, hi: float) -> np.ndarray:
    at = np.linspace(lo, hi, n_lines)  # where the lines sit
    run = np.linspace(lo, hi, samples)  # the samples along a line
    mesh = np.empty((2 * n_lines, samples, 2))
    mesh[:n_lines, :, 0], mesh[:n_lines, :, 1] = run, at[:, None]  # horizontal: y = at[i]
    mesh[n_lines:, :, 0], mesh[n_lines:, :, 1] = at[:, None], run  # vertical: x = at[i]
    mesh.flags.writeable = False
    return mesh


# -- images under every layer -----------------------------------------------------------------


def layer_images(trainer: Trainer, points: np.ndarray) -> list[np.ndarray]:
    """The image of raw points (..., 2) in every space of the network, each (..., width):

    [0] the input plane: the raw points themselves, even when the network's input is other
        features of them (see `layer_labels`);
    [1..L] hidden layer i's activations (after normalisation and non-linearity);
    [L+1] the output: the head's output activation of the raw outputs z (for bce and
        softmax_ce heads that is z itself, the logits; tanh_mse gives tanh z).
    """
    points = np.asarray(points, dtype=np.float64)
    lead = points.shape[:-1]
    blocks = _trace(trainer, points.reshape(-1, 2))
    return [points] + [b["post"].reshape(*lead, -1) for b in blocks]


def layer_labels(trainer: Trainer) -> list[str]:
    """One caption per entry of `layer_images`."""
    features = trainer.config.features
    first = "input plane (x₁, x₂)"
    if tuple(features) != ("x1", "x2"):
        shown = ", ".join(FEATURES.entry(name).label for name in features)
        first += f"; the network's input is the features {shown}"
    hidden = [f"hidden layer {i + 1} ({w} units)" for i, w in enumerate(trainer.config.hidden)]
    return [first, *hidden, f"output ({trainer.model.head.name})"]


def _trace(trainer: Trainer, points: np.ndarray) -> list[dict[str, np.ndarray]]:
    return trainer.model.trace(transform(points, trainer.config.features))


# -- the staged transform of one block --------------------------------------------------------
#
# One block maps x (d_in) to f(x W + b) (d_out). Its four stages live in the output space:
#   S0 = embed(x)    S1 = x W    S2 = x W + b (or normalise + affine)    S3 = f(S2)
# and stage t in [0, 3] is the straight-line blend (1 - s) S_i + s S_{i+1}, i = ⌊t⌋, s = t - i.
#
# embed(x): x itself when d_in = d_out; zero-padded when d_in < d_out (the plane lies flat in
# the first coordinates, as in the original figures); when d_in > d_out, x Q with Q = U Vᵀ from
# the thin SVD W = U Σ Vᵀ: the orthonormal map nearest W in least squares (orthogonal
# Procrustes, the polar factor of W). Then W = Q (V Σ Vᵀ), so stage 0 is an undistorted
# projection of the input and stage 0 -> 1 a pure stretch along V's axes, with no rotation. Q
# depends on W only, so the mesh and the data points get the same projection.


def staged(
    block_input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    activation: Activation | Callable[[np.ndarray], np.ndarray],
    t: float,
) -> np.ndarray:
    """Stage t in [0, 3] of y = f(x W + b) on x = block_input (n, d_in), as (n, d_out).
    `activation` is an engine Activation (its `forward` is used) or any callable f."""
    f = getattr(activation, "forward", activation)
    x = np.asarray(block_input, dtype=np.float64)
    linear = x @ weight
    pre = linear + bias
    return interpolate((embed(x, weight), linear, pre, f(pre)), t)


def layer_stages(
    trainer: Trainer, layer: int, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four stage endpoints (see STAGES) of Dense block `layer` (0 = first hidden layer,
    len(hidden) = the output layer) on raw points (..., 2), each (..., d_out). The block's input
    is the previous layer's image (for layer 0: the input features). Stage 2 is the block's
    "pre" from Model.trace, so a normalising block's stage 2 is normalise + affine; the output
    block's non-linearity is the head's output activation.

    A page can send these four once and blend them itself as the slider moves (`interpolate`)."""
    n_blocks = len(trainer.model.dense)
    if isinstance(layer, bool) or not isinstance(layer, Integral) or not 0 <= layer < n_blocks:
        raise ConfigError("layer", layer, f"an integer in [0, {n_blocks - 1}]")
    points = np.asarray(points, dtype=np.float64)
    lead = points.shape[:-1]
    block = _trace(trainer, points.reshape(-1, 2))[layer]
    weight = trainer.model.dense[layer].params["weight"]
    start, linear, pre, post = (
        s.reshape(*lead, -1)
        for s in (embed(block["input"], weight), block["linear"], block["pre"], block["post"])
    )
    return start, linear, pre, post


def staged_layer(trainer: Trainer, layer: int, points: np.ndarray, t: float) -> np.ndarray:
    """Stage t in [0, 3] of block `layer` on raw points (..., 2): `layer_stages`, blended."""
    return interpolate(layer_stages(trainer, layer, points), t)


def interpolate(stages: Sequence[np.ndarray], t: float) -> np.ndarray:
    """(1 - s) S_i + s S_{i+1} with i = ⌊t⌋ (2 at t = 3), s = t - i; exactly S_i at integer t."""
    t = _check_t(t)
    i = min(int(t), 2)
    s = t - i
    if s == 0.0:
        return stages[i]
    if s == 1.0:
        return stages[3]
    return (1.0 - s) * stages[i] + s * stages[i + 1]


def embed(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The input x (n, d_in) placed in the output space of W (d_in, d_out); see above."""
    d_in, d_out = weight.shape
    if d_in == d_out:
        return np.array(x, dtype=np.float64)
    if d_in < d_out:
        out = np.zeros((len(x), d_out))
        out[:, :d_in] = x
        return out
    u, _, vt = np.linalg.svd(weight, full_matrices=False)  # W = U Σ Vᵀ, U (d_in, d_out)
    return x @ (u @ vt)  # x Q, Q = U Vᵀ: Qᵀ Q = I


def _check_t(t: float) -> float:
    if isinstance(t, bool) or not isinstance(t, Real) or not 0.0 <= t <= 3.0:
        raise ConfigError("t", t, "a number in [0, 3]")
    return float(t)


# -- the linear probe -------------------------------------------------------------------------


def linear_probe(z: np.ndarray, y: np.ndarray, n_classes: int, steps: int = 200) -> float:
    """How well flat cuts (one hyperplane for two classes) separate the classes y (n,) in
    0..n_classes-1 in a representation z (n, d): the best training accuracy of the linear
    classifiers argmax(z B) met while fitting a multinomial logistic regression.

    Columns are standardised; the fit minimises the mean cross-entropy + (λ/2)‖B‖²
    (λ = PROBE_L2, intercept included, which also pins softmax's free shift) by Newton's method
    with a backtracking step, from B = 0, for at most `steps` iterations; it stops at the
    optimum (usually within ~5-15) or as soon as every point is classified right. Every
    iterate is a hyperplane, so the readout never overstates separability; it is deterministic.
    A constant representation scores the largest class's share. With d >= n - 1 any labelling
    is separable, so read wide layers on few points with care. Wider than PROBE_MAX_DIMS, z is
    probed on its top principal components (a lower bound).
    """
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return math.nan
    x = _design(np.asarray(z, dtype=np.float64).reshape(len(y), -1))
    return _fit_softmax(x, y, n_classes, steps)


def _design(z: np.ndarray) -> np.ndarray:
    """Standardised columns (constant ones stay 0) and a column of ones: (n, d + 1)."""
    if z.shape[1] > PROBE_MAX_DIMS:
        z = project(z, *pca(z, PROBE_MAX_DIMS))
    sd = z.std(axis=0)
    x = np.ones((len(z), z.shape[1] + 1))
    x[:, :-1] = (z - z.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)
    return x


def _fit_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, steps: int) -> float:
    """Newton on J(B) = mean_i [logsumexp(x_i B) - x_i B_{y_i}] + (λ/2)‖B‖², B (p, k); returns
    the best accuracy of argmax(x B) over the iterates."""
    n, p = x.shape
    k = n_classes
    targets = np.eye(k)[y]
    lam = PROBE_L2
    b = np.zeros((p, k))
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, p * p) / n  # rows: x_i x_iᵀ / n
    ridge = lam * np.eye(k * p)
    eye = np.eye(k)
    value, probs = _objective(x, targets, b, lam)
    best = 0.0
    for _ in range(steps):
        best = max(best, float(np.count_nonzero(np.argmax(probs, axis=1) == y)) / n)
        if best == 1.0:
            break
        # ∇J = Xᵀ (P - Y) / n + λ B
        grad = x.T @ ((probs - targets) / n) + lam * b
        # ∇²J: block (a, c) = Σ_i p_ia (δ_ac - p_ic) x_i x_iᵀ / n, plus λ I
        weights = (probs[:, :, None] * (eye - probs[:, None, :])).reshape(n, k * k)
        hess = (weights.T @ outer).reshape(k, k, p, p).transpose(0, 2, 1, 3).reshape(k * p, -1)
        step = np.linalg.solve(hess + ridge, grad.T.ravel()).reshape(k, p).T
        decrement = float(np.vdot(grad, step))  # ∇Jᵀ H⁻¹ ∇J
        if decrement < 2 * PROBE_TOL:
            break
        size = 1.0  # backtrack until J falls by a quarter of the predicted decrease (Armijo)
        while True:
            new_value, new_probs = _objective(x, targets, b - size * step, lam)
            if new_value <= value - 0.25 * size * decrement or size < 1e-6:
                break
            size /= 2
        b -= size * step
        value, probs = new_value, new_probs
    return max(best, float(np.count_nonzero(np.argmax(probs, axis=1) == y)) / n)


def _objective(
    x: np.ndarray, targets: np.ndarray, b: np.ndarray, lam: float
) -> tuple[float, np.ndarray]:
    """J(B) and the softmax probabilities P (n, k)."""
    logits = x @ b
    logits -= logits.max(axis=1, keepdims=True)  # logsumexp, shifted for stability
    exp = np.exp(logits)
    total = exp.sum(axis=1, keepdims=True)
    # mean of log Σ exp - y · logits, all in one sum (each row of targets sums to 1)
    cross_entropy = float(np.vdot(targets, np.log(total) - logits)) / len(x)
    return cross_entropy + 0.5 * lam * float(np.vdot(b, b)), exp / total


def separability(trainer: Trainer, split: str = "train") -> list[float] | None:
    """`linear_probe` accuracy in every space of `layer_images`, on the training or test
    points; None for regression (there are no classes to separate)."""
    d = trainer.data
    if d.problem != "classification":
        return None
    if split not in ("train", "test"):
        raise ConfigError("split", split, "'train' or 'test'")
    x, y = (d.x_train, d.y_train) if split == "train" else (d.x_test, d.y_test)
    return [linear_probe(z, y, d.n_classes) for z in layer_images(trainer, x)]


# -- what to show for a layer -----------------------------------------------------------------


def pca(
    z: np.ndarray, k: int, reference: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), components (k, d)) of points z (..., d): the k directions of largest variance,
    orthonormal, by decreasing variance.

    An eigenvector's sign is arbitrary; we fix it so each component's largest-magnitude loading
    is positive (first one on ties), so a refit on slightly moved points keeps its orientation.
    Given `reference` (the previous fit's components), signs are instead chosen to agree with
    it (a non-negative dot product), which holds even when two loadings swap their ranks.
    """
    z = np.asarray(z, dtype=np.float64)
    z = z.reshape(-1, z.shape[-1])
    d = z.shape[1]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= d:
        raise ConfigError("k", k, f"an integer in [1, {d}]")
    mean = z.mean(axis=0)
    centred = z - mean
    _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
    components = vectors[:, ::-1][:, :k].T.copy()
    if reference is None:
        rows = np.arange(k)
        pivot = components[rows, np.argmax(np.abs(components), axis=1)]
    else:
        pivot = np.sum(components * reference, axis=1)
    components *= np.where(pivot < 0, -1.0, 1.0)[:, None]
    return mean, components


def project(z: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """(..., k) coordinates of z (..., d) along the components: (z - mean) Cᵀ."""
    return (np.asarray(z, dtype=np.float64) - mean) @ components.T


def view_of(
    z: np.ndarray,
    dims: tuple[int, ...] | None = None,
    pca_fit: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, str]:
    """(coords, axis label) to draw a layer's representation z (..., width).

    `dims` (2 or 3 distinct 0-based unit indices) picks units of any layer. Without it a layer
    of width <= 3 is shown as is (1: a line, 2: the plane, 3: 3-D), and a wider one through a
    PCA: `pca_fit` (from `pca` on the data points' representation; apply the same fit to the
    mesh), or else one fitted on z itself, labelled so.
    """
    z = np.asarray(z, dtype=np.float64)
    width = z.shape[-1]
    if dims is not None:
        dims = _check_dims(dims, width)
        return z[..., list(dims)], _units(i + 1 for i in dims)
    if width <= 3:
        return z, _units(range(1, width + 1))
    source = "the data"
    if pca_fit is None:
        pca_fit, source = pca(z, 2), "these points"
    mean, components = pca_fit
    names = ", ".join(f"PCA {i + 1}" for i in range(len(components)))
    return project(z, mean, components), f"{names} (fitted on {source})"


def _units(numbers: Iterable[int]) -> str:
    numbers = list(numbers)
    return ("unit " if len(numbers) == 1 else "units ") + ", ".join(map(str, numbers))


def _check_dims(dims: Sequence[int], width: int) -> tuple[int, ...]:
    expected = f"2 or 3 distinct unit indices in [0, {width - 1}]"
    if isinstance(dims, str) or not isinstance(dims, Sequence) or len(dims) not in (2, 3):
        raise ConfigError("dims", dims, expected)
    ok = all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < width for i in dims)
    if not ok or len(set(dims)) != len(dims):
        raise ConfigError("dims", list(dims), expected)
    return tuple(dims)
