"""A race: several of the engine's optimizers on one surface, from one start, step by step.

Each racer is an optimizer (the same classes that train networks) moving a point p = (x, y):

    g = ∇f(p) + noise · ξ_t,   ξ_t ~ N(0, I₂) from the racer's own seeded stream
    optimizer.step({"p": p}, {"p": g})            # p updated in place

Every racer's noise stream is derived from (seed, racer id), so adding a racer leaves the others'
noise unchanged, and one ξ is drawn every step whatever the noise level, so ξ_t is the same
draw at step t for every noise setting. A seeded race reproduces exactly.

A racer whose loss or position becomes non-finite, or whose position leaves |x|, |y| <= 1e6,
has diverged: it goes back to its last position, its optimizer state is dropped (as the
trainer does) and it stops; no exception, no warning. Changing its hyperparameters resumes it.

For the quadratic, `theory` gives the convergence rates of SGD (with or without momentum) from
the Hessian's eigenvalues, and `measured_rate` the rate a racer actually shows.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.optimizers import OPTIMIZERS, Optimizer
from engine.registry import Param, Spec
from engine.surfaces import SURFACES, Point, Surface

LIMIT = 1e6  # a racer with |x| or |y| beyond this has diverged
TRAIL = 5000  # points of history kept per racer
RATE_FLOOR = 1e-250  # loss gaps below this (near underflow) carry no rate information

NOISE = Param(
    "noise",
    0.0,
    low=0.0,
    high=100.0,
    help="standard deviation of the Gaussian noise added to each gradient component",
)
RACE_SEED = Param("seed", 1, low=0, high=2**31 - 1, help="seed of the gradient noise")
TOLERANCE = Param(
    "tolerance",
    1e-3,
    low=1e-12,
    high=1.0,
    log=True,
    help="a racer has arrived when loss - minimum < tolerance",
)
RACE_PARAMS = (NOISE, RACE_SEED, TOLERANCE)  # fmt: skip


class RacerStatus(StrEnum):
    RUNNING = "running"
    DIVERGED = "diverged"


@dataclass(frozen=True)
class RacerSpec:
    """A racer: an OPTIMIZERS spec plus an id (unique in its race; seeds its noise) and a label.

    As a mapping: {"id": "a", "label": "Adam 0.1", "name": "adam", "lr": 0.1}."""

    id: str
    optimizer: Spec
    label: str = ""

    @classmethod
    def parse(cls, spec: RacerSpec | Spec, index: int) -> RacerSpec:
        """From a RacerSpec, a bare optimizer name, or a mapping; the id defaults to the index."""
        if isinstance(spec, RacerSpec):
            return spec
        where = f"racers[{index}]"
        if isinstance(spec, Mapping):
            rest = {k: v for k, v in spec.items() if k not in ("id", "label")}
            racer_id, label = spec.get("id", str(index)), spec.get("label", "")
        else:
            rest, racer_id, label = spec, str(index), ""
        if not isinstance(racer_id, str) or not racer_id:
            raise ConfigError(f"{where}.id", racer_id, "a non-empty string")
        if not isinstance(label, str):
            raise ConfigError(f"{where}.label", label, "a string")
        return cls(racer_id, rest, label)


class Racer:
    """One optimizer's run: position, step count, status and a bounded history."""

    def __init__(self, spec: RacerSpec, optimizer: Optimizer, seed: int) -> None:
        self.id = spec.id
        self.given_label = spec.label
        self.optimizer = optimizer
        self.seed = seed
        self.p = np.zeros(2)
        self._params = {"p": self.p}  # the dict the optimizer updates, built once
        # (x, y, loss) after each step, step 0 being the start; the last TRAIL are kept.
        self.history: deque[tuple[float, float, float]] = deque(maxlen=TRAIL)

    @property
    def label(self) -> str:
        """The given label, else the optimizer's name (which follows a switch)."""
        return self.given_label or self.optimizer.name

    def restart(self, start: Point, surface: Surface, tolerance: float) -> None:
        """Back to `start` at step 0: fresh optimizer state, the noise stream from its start."""
        self.p[:] = start
        self.optimizer.reset_state()
        self.rng = np.random.default_rng(np.random.SeedSequence([self.seed, *self.id.encode()]))
        self.step = 0
        self.status = RacerStatus.RUNNING
        self.loss = float(surface.value(self.p))
        self.history.clear()
        self.history.append((float(start[0]), float(start[1]), self.loss))
        self.reached: int | None = 0 if self.loss - surface.minimum_value < tolerance else None

    def advance(self, surface: Surface, noise: float, tolerance: float) -> None:
        """One step (call with NumPy's floating-point warnings off)."""
        p = self.p
        g = surface.gradient(p)
        xi = self.rng.standard_normal(2)  # drawn every step: the stream stays aligned
        if noise:
            g += noise * xi  # g = ∇f(p) + σ ξ
        self.optimizer.step(self._params, {"p": g})
        loss = float(surface.value(p))
        if not (math.isfinite(loss) and abs(p[0]) <= LIMIT and abs(p[1]) <= LIMIT):
            self._diverge()  # NaN fails every comparison, so it lands here too
            return
        self.step += 1
        self.loss = loss
        self.history.append((float(p[0]), float(p[1]), loss))
        if self.reached is None and loss - surface.minimum_value < tolerance:
            self.reached = self.step

    def _diverge(self) -> None:
        x, y, _ = self.history[-1]
        self.p[0], self.p[1] = x, y
        self.optimizer.reset_state()  # a momentum grown huge would diverge again at once
        self.status = RacerStatus.DIVERGED

    def since(self, step: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """Positions (m, 2) and losses (m,) of the kept steps after `step` (-1: all kept)."""
        first_kept = self.step - len(self.history) + 1
        skip = max(step + 1 - first_kept, 0)
        rows = np.array(list(islice(self.history, skip, None)), dtype=np.float64).reshape(-1, 3)
        return rows[:, :2], rows[:, 2]

    def losses(self) -> np.ndarray:
        """The kept loss history, oldest first."""
        return np.fromiter((h[2] for h in self.history), np.float64, len(self.history))


class Race:
    def __init__(
        self,
        surface: Spec | Surface,
        racers: Sequence[RacerSpec | Spec],
        start: Point | None = None,
        noise: float = 0.0,
        seed: int = 1,
        tolerance: float = 1e-3,
    ) -> None:
        self.surface = (
            surface if isinstance(surface, Surface) else SURFACES.from_spec(surface, "surface")
        )
        self.noise = NOISE.validate(noise, "noise")
        self.seed = RACE_SEED.validate(seed, "seed")
        self.tolerance = TOLERANCE.validate(tolerance, "tolerance")
        specs = [RacerSpec.parse(s, i) for i, s in enumerate(racers)]
        ids = [s.id for s in specs]
        for i, racer_id in enumerate(ids):
            if racer_id in ids[:i]:
                raise ConfigError(f"racers[{i}].id", racer_id, "unique within the race")
        self.racers = [
            Racer(s, OPTIMIZERS.from_spec(s.optimizer, f"racers[{i}]"), self.seed)
            for i, s in enumerate(specs)
        ]
        self.start = _check_start(self.surface.start if start is None else start)
        self.reset()

    # -- running ----------------------------------------------------------------------------

    def step(self) -> None:
        """One step for every running racer."""
        surface, noise, tol = self.surface, self.noise, self.tolerance
        with np.errstate(all="ignore"):
            for racer in self.racers:
                if racer.status is RacerStatus.RUNNING:
                    racer.advance(surface, noise, tol)
        self.steps += 1

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    # -- commands ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Every racer back to the start with fresh optimizer state and the same noise."""
        self.steps = 0
        for racer in self.racers:
            racer.restart(self.start, self.surface, self.tolerance)

    def set_start(self, start: Point) -> None:
        """A new common start; every racer restarts from it."""
        self.start = _check_start(start)
        self.reset()

    def set_noise(self, noise: float) -> None:
        """Change the gradient noise live (the streams go on where they are)."""
        self.noise = NOISE.validate(noise, "noise")

    def configure_racer(self, which: int | str, **hyper: Any) -> None:
        """Change a racer's hyperparameters live (optimizer state kept). With a different
        `name`, the racer switches optimizer (fresh state; unnamed hyperparameters take their
        defaults). A diverged racer resumes from its last position."""
        index = self.index(which)
        racer = self.racers[index]
        name = hyper.pop("name", racer.optimizer.name)
        if name == racer.optimizer.name:
            racer.optimizer.set(**hyper)
        else:
            racer.optimizer = OPTIMIZERS.from_spec({"name": name, **hyper}, f"racers[{index}]")
        racer.status = RacerStatus.RUNNING

    def index(self, which: int | str) -> int:
        """A racer's index from its index or its id."""
        ids = [r.id for r in self.racers]
        if isinstance(which, str) and which in ids:
            return ids.index(which)
        is_int = isinstance(which, int) and not isinstance(which, bool)
        if is_int and 0 <= which < len(ids):
            return which
        ids = ", ".join(repr(i) for i in ids)
        raise ConfigError("racer", which, f"an index below {len(self.racers)} or an id ({ids})")

    # -- reading ----------------------------------------------------------------------------

    @property
    def positions(self) -> np.ndarray:
        """(k, 2): every racer's current point."""
        return np.array([r.p for r in self.racers]).reshape(-1, 2)

    @property
    def losses(self) -> np.ndarray:
        """(k,): every racer's current loss."""
        return np.array([r.loss for r in self.racers])

    @property
    def trails(self) -> list[np.ndarray]:
        """Every racer's kept trajectory, (m, 2) each, oldest first."""
        return [r.since()[0] for r in self.racers]

    def readout(self) -> list[dict[str, Any]]:
        """Per racer: step, loss, gap to the minimum, distance to the nearest minimum, the step
        where it came within tolerance, status and position (JSON-ready; None when undefined)."""
        minima = np.array(self.surface.minima(), dtype=np.float64).reshape(-1, 2)
        f_min = self.surface.minimum_value
        out = []
        for r in self.racers:
            gap = r.loss - f_min
            distance = (
                float(np.sqrt(((minima - r.p) ** 2).sum(axis=1)).min()) if len(minima) else None
            )
            out.append(
                {
                    "id": r.id,
                    "label": r.label,
                    "optimizer": r.optimizer.name,
                    "step": r.step,
                    "loss": r.loss,
                    "gap": gap if math.isfinite(gap) else None,
                    "distance": distance,
                    "steps_to_tolerance": r.reached,
                    "status": r.status.value,
                    "position": [float(r.p[0]), float(r.p[1])],
                }
            )
        return out

    def measured_rate(self, which: int | str, window: int = 100) -> float | None:
        """A racer's measured per-step contraction (see `measured_rate`)."""
        racer = self.racers[self.index(which)]
        return measured_rate(racer.losses(), self.surface.minimum_value, window)


def _check_start(start: Any) -> Point:
    ok = (
        isinstance(start, Sequence)
        and len(start) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in start)
        and all(math.isfinite(v) and abs(v) <= LIMIT for v in start)
    )
    if not ok:
        raise ConfigError("start", start, f"two finite numbers (x, y) within ±{LIMIT:g}")
    return float(start[0]), float(start[1])


# -- theory and measurement on the quadratic ------------------------------------------------


def theory(
    surface: Surface,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
) -> dict[str, Any]:
    """Convergence of the engine's `sgd` on a quadratic, from the Hessian's eigenvalues λ.

    In an eigendirection the gradient is λ x. torch's SGD keeps b_t = μ b_{t-1} + (1 - τ) λ x
    and steps x_t = x_{t-1} - η b_t (Nesterov: x_t = x_{t-1} - η (λ x_{t-1} + μ b_t)): a linear
    map of (x, b) whose spectral radius ρ(λ) is the per-step contraction of x, and the rate
    is the max of ρ over the eigenvalues. For plain momentum its characteristic polynomial is
    z² - (1 + μ - η' λ) z + μ with η' = η (1 - τ): the heavy ball's companion matrix
    [[1 - η'λ + μ, -μ], [1, 0]] (Goh, "Why Momentum Really Works", Distill 2017). With μ = 0
    it is gradient descent: ρ = |1 - η λ|.

    Also: the step sizes beyond which GD (2 / λ_max) and this momentum setting diverge, and
    the optimal settings: GD η = 2 / (λ_min + λ_max) with rate (κ - 1) / (κ + 1); heavy ball
    η = (2 / (√λ_min + √λ_max))², μ = ((√κ - 1) / (√κ + 1))², rate (√κ - 1) / (√κ + 1).
    """
    eigen = getattr(surface, "hessian_eigenvalues", None)
    if eigen is None:
        raise ConfigError("surface", surface.name, "a surface with a constant Hessian (quadratic)")
    sgd = OPTIMIZERS.build("sgd", lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)
    lam_min, lam_max = eigen()
    kappa = lam_max / lam_min
    lams = np.array([lam_min, lam_max])
    root = math.sqrt(kappa)
    return {
        "eigenvalues": [lam_min, lam_max],
        "condition": kappa,
        "gd_rate": float(np.abs(1.0 - sgd.lr * lams).max()),
        "gd_lr_max": 2.0 / lam_max,
        "gd_optimal_lr": 2.0 / (lam_min + lam_max),
        "gd_optimal_rate": (kappa - 1.0) / (kappa + 1.0),
        "momentum_rate": float(sgd_spectral_radius(lams, sgd).max()),
        "momentum_lr_max": _lr_max(lam_max, sgd),
        "momentum_optimal_lr": (2.0 / (math.sqrt(lam_min) + math.sqrt(lam_max))) ** 2,
        "momentum_optimal_beta": ((root - 1.0) / (root + 1.0)) ** 2,
        "momentum_optimal_rate": (root - 1.0) / (root + 1.0),
    }


def sgd_spectral_radius(lams: np.ndarray, sgd: Optimizer) -> np.ndarray:
    """ρ(λ) of one SGD step on ½ λ x², per eigenvalue: the largest |eigenvalue| of the map
    (x, b) -> (x', b') with b' = μ b + (1 - τ) λ x and x' = x - η b' (Nesterov: x' = x - η
    (λ x + μ b'))."""
    eta, mu, tau = sgd.lr, sgd.momentum, sgd.dampening
    lams = np.asarray(lams, dtype=np.float64)
    m = np.empty((len(lams), 2, 2))
    m[:, 1, 0], m[:, 1, 1] = (1.0 - tau) * lams, mu  # b' = (1 - τ) λ x + μ b
    if sgd.nesterov:  # x' = x - η λ x - η μ b' = (1 - η λ - η μ (1-τ) λ) x - η μ² b
        m[:, 0, 0] = 1.0 - eta * lams - eta * mu * (1.0 - tau) * lams
        m[:, 0, 1] = -eta * mu * mu
    else:  # x' = x - η b' = (1 - η (1-τ) λ) x - η μ b
        m[:, 0, 0] = 1.0 - eta * (1.0 - tau) * lams
        m[:, 0, 1] = -eta * mu
    return np.abs(np.linalg.eigvals(m)).max(axis=1)


def _lr_max(lam_max: float, sgd: Optimizer) -> float | None:
    """The step size beyond which ρ(λ_max) > 1: where the map has the eigenvalue -1.
    Heavy ball: η (1 - τ) λ = 2 (1 + μ); Nesterov (τ = 0): η λ = 2 (1 + μ) / (1 + 2 μ).
    None when no step size diverges (τ = 1: the buffer never takes a new gradient)."""
    mu = sgd.momentum
    if sgd.nesterov:
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam_max)
    scale = (1.0 - sgd.dampening) * lam_max
    return 2.0 * (1.0 + mu) / scale if scale > 0 else None


def measured_rate(
    losses: Sequence[float] | np.ndarray, minimum_value: float = 0.0, window: int = 100
) -> float | None:
    """The measured per-step contraction of the distance to the minimum, from a loss history.

    Near a minimum f - f* ≈ ½ Σ λ_i x_i² (exact on the quadratic), so √(f - f*) contracts at
    the rate the distance does. Over the last `window` usable steps (before the gap first
    drops to 0 or near underflow) the rate is exp(s / 2), s the least-squares slope of
    log(f - f*) against the step: the geometric-mean ratio of consecutive distances, fitted
    over the window so that momentum's oscillation does not hang on the two end points.
    None with fewer than 3 usable steps.
    """
    gaps = np.asarray(losses, dtype=np.float64) - minimum_value
    bad = np.flatnonzero(~(np.isfinite(gaps) & (gaps > RATE_FLOOR)))
    usable = gaps[: bad[0]] if len(bad) else gaps
    usable = usable[-max(window, 3) :]
    if len(usable) < 3:
        return None
    t = np.arange(len(usable), dtype=np.float64)
    t -= t.mean()
    log_gap = np.log(usable)
    slope = float(t @ (log_gap - log_gap.mean()) / (t @ t))
    return math.exp(slope / 2.0)
