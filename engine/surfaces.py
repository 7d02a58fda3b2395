"""Loss surfaces: two-dimensional test functions for optimizers to race on.

A surface is a function f(x, y) with its analytic gradient, the places and value of its known
minima, a plotting domain and a default start point. `value` and `gradient` take points of
shape (..., 2): one point (2,) in a race's hot loop, or a whole (n, n, 2) grid for contours.

    surface = SURFACES.build("quadratic", condition=100)
    surface.value(np.array([1.0, 2.0]))           # 0.5 (1 * 1² + 100 * 2²) = 200.5
    surface.gradient(np.array([1.0, 2.0]))        # [1, 200]
    xs, ys, z = contour_grid(surface, 100)        # z[i, j] = f(xs[j], ys[i])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from engine.registry import Component, Param, Registry

Array = np.ndarray
Point = tuple[float, float]


class Surface(Component):
    """Base: f(p) and ∇f(p) for p of shape (..., 2), minima, domain and start.

    `gradient` returns a new array (callers may update it in place). `minimum_value` is the
    global minimum, -inf for a surface unbounded below (then `minima()` is empty).
    `info` carries "formula" (LaTeX), "log_scale" (draw contours on a log scale) and "note".
    """

    domain: ClassVar[tuple[float, float, float, float]]  # (xmin, xmax, ymin, ymax)
    start: ClassVar[Point]
    known_minima: ClassVar[tuple[Point, ...]] = ()
    minimum_value: ClassVar[float] = 0.0

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.setup()

    def set(self, **changes: Any) -> None:
        super().set(**changes)
        self.setup()

    def setup(self) -> None:
        """Derive whatever the maths needs from the hyperparameters (after build and set)."""

    def value(self, p: Array) -> Array:
        raise NotImplementedError

    def gradient(self, p: Array) -> Array:
        raise NotImplementedError

    def minima(self) -> list[Point]:
        """Every known global minimum (Himmelblau has four; a saddle none)."""
        return list(self.known_minima)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        finite = math.isfinite(cls.minimum_value)
        return {
            **super().describe(),
            "domain": list(cls.domain),
            "start": list(cls.start),
            "minima": [list(m) for m in cls.known_minima],
            "minimum_value": cls.minimum_value if finite else None,  # JSON has no -inf
        }


SURFACES: Registry[Surface] = Registry("surface")


def _xy(p: Array) -> tuple[Array, Array]:
    return p[..., 0], p[..., 1]


@SURFACES.register
class Quadratic(Surface):
    name = "quadratic"
    help = "A quadratic bowl: its condition number sets how hard it is"
    params = (
        Param("condition", 10.0, low=1.0, high=1000.0, log=True,
              help="condition number κ = λ_max / λ_min of the Hessian"),
        Param("angle", 0.0, low=-90.0, high=90.0, step=1.0,
              help="rotation of the bowl's axes, in degrees"),
    )  # fmt: skip
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = \tfrac12\left(\lambda_1 u^2 + \lambda_2 v^2\right),\quad"
        r"\lambda_1 = 1,\ \lambda_2 = \kappa,\ (u, v) = \text{axes turned by the angle}",
        "log_scale": True,
        "note": "Gradient descent converges at rate max|1 - ηλ| and diverges for η > 2/λ_max: "
        "the larger κ, the slower. Momentum brings the rate from (κ-1)/(κ+1) to "
        "(√κ-1)/(√κ+1). Turning the axes hurts per-coordinate methods (Adam, RMSprop).",
    }
    domain = (-5.0, 5.0, -5.0, 5.0)
    start = (-4.0, 2.0)
    known_minima = ((0.0, 0.0),)

    def setup(self) -> None:
        # H = λ1 a aᵀ + λ2 b bᵀ with a = (cos θ, sin θ), b = (-sin θ, cos θ): eigenpairs of H.
        theta = math.radians(self.angle)
        a = np.array([math.cos(theta), math.sin(theta)])
        b = np.array([-math.sin(theta), math.cos(theta)])
        lam1, lam2 = self.hessian_eigenvalues()
        self.hessian = lam1 * np.outer(a, a) + lam2 * np.outer(b, b)

    def hessian_eigenvalues(self) -> tuple[float, float]:
        """(λ_min, λ_max) = (1, κ): the Hessian is constant."""
        return 1.0, self.condition

    def value(self, p: Array) -> Array:
        # f = ½ pᵀ H p
        return 0.5 * np.sum(p * (p @ self.hessian), axis=-1)

    def gradient(self, p: Array) -> Array:
        # ∇f = H p  (H symmetric, so p H = (H p)ᵀ row-wise)
        return p @ self.hessian


@SURFACES.register
class Rosenbrock(Surface):
    name = "rosenbrock"
    help = "Rosenbrock's banana: a long, curved, flat-bottomed valley"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = (a - x)^2 + b\,(y - x^2)^2,\quad a = 1,\ b = 100",
        "log_scale": True,
        "note": "Finding the valley is easy; following its curve to (1, 1) is slow.",
    }
    a: ClassVar[float] = 1.0
    b: ClassVar[float] = 100.0
    domain = (-2.0, 2.0, -1.0, 3.0)
    start = (-1.2, 1.0)
    known_minima = ((1.0, 1.0),)

    def value(self, p: Array) -> Array:
        x, y = _xy(p)
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def gradient(self, p: Array) -> Array:
        # ∂f/∂x = -2 (a - x) - 4 b x (y - x²),  ∂f/∂y = 2 b (y - x²)
        x, y = _xy(p)
        r = y - x * x
        return np.stack([-2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r], axis=-1)


@SURFACES.register
class Beale(Surface):
    name = "beale"
    help = "Beale's function: flat plateaus and steep walls around a valley"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        "log_scale": True,
        "note": "Gradients span many orders of magnitude: plain steps either crawl or explode, "
        "adaptive methods cope.",
    }
    domain = (-4.5, 4.5, -4.5, 4.5)
    start = (1.0, 1.5)
    known_minima = ((3.0, 0.5),)

    def value(self, p: Array) -> Array:
        x, y = _xy(p)
        t1, t2, t3 = self._terms(x, y)
        return t1 * t1 + t2 * t2 + t3 * t3

    def gradient(self, p: Array) -> Array:
        # f = Σ t_k², t_k = c_k - x + x y^k:  ∂t_k/∂x = y^k - 1,  ∂t_k/∂y = k x y^(k-1)
        x, y = _xy(p)
        t1, t2, t3 = self._terms(x, y)
        y2 = y * y
        dx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y2 * y - 1.0))
        dy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
        return np.stack([dx, dy], axis=-1)

    @staticmethod
    def _terms(x: Array, y: Array) -> tuple[Array, Array, Array]:
        xy = x * y
        xy2 = xy * y
        return 1.5 - x + xy, 2.25 - x + xy2, 2.625 - x + xy2 * y


@SURFACES.register
class Himmelblau(Surface):
    name = "himmelblau"
    help = "Himmelblau's function: four minima of equal depth"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        "log_scale": True,
        "note": "Which of the four minima an optimizer reaches depends on where it starts, "
        "its step size and its noise.",
    }
    domain = (-5.0, 5.0, -5.0, 5.0)
    start = (0.0, 0.0)
    # x = 3, and the real roots of x³ + 3x² - 13x - 38 (with y = 11 - x²), to float64.
    known_minima = (
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.2831859912861696),
        (3.5844283403304917, -1.8481265269644036),
    )

    def value(self, p: Array) -> Array:
        x, y = _xy(p)
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    def gradient(self, p: Array) -> Array:
        # a = x² + y - 11, b = x + y² - 7:  ∂f/∂x = 4 x a + 2 b,  ∂f/∂y = 2 a + 4 y b
        x, y = _xy(p)
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return np.stack([4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b], axis=-1)


@SURFACES.register
class Saddle(Surface):
    name = "saddle"
    help = "A saddle point: downhill on one axis, uphill on the other; no minimum"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = x^2 - y^2",
        "log_scale": False,
        "note": "No minimum: f is unbounded below, so every run ends by leaving the plot. "
        "A start near y = 0 lingers by the saddle point (0, 0); noise helps escape it.",
    }
    domain = (-2.0, 2.0, -2.0, 2.0)
    start = (-1.8, 0.001)
    minimum_value = -math.inf

    def value(self, p: Array) -> Array:
        x, y = _xy(p)
        return x * x - y * y

    def gradient(self, p: Array) -> Array:
        # ∇f = (2x, -2y)
        return p * np.array([2.0, -2.0])


@SURFACES.register
class Rastrigin(Surface):
    name = "rastrigin"
    help = "Rastrigin's function: a bowl covered in local minima"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"f = 2A + \sum_{i=1}^{2}\left(x_i^2 - A\cos 2\pi x_i\right),\quad A = 10",
        "log_scale": False,
        "note": "A local minimum near every integer point: gradient methods stop in the "
        "nearest one; large steps or noise can hop between them.",
    }
    A: ClassVar[float] = 10.0
    domain = (-5.12, 5.12, -5.12, 5.12)
    start = (-4.4, 3.6)
    known_minima = ((0.0, 0.0),)

    def value(self, p: Array) -> Array:
        return 2.0 * self.A + np.sum(p * p - self.A * np.cos(2.0 * np.pi * p), axis=-1)

    def gradient(self, p: Array) -> Array:
        # ∂f/∂x_i = 2 x_i + 2π A sin(2π x_i)
        return 2.0 * p + (2.0 * np.pi * self.A) * np.sin(2.0 * np.pi * p)


def contour_grid(surface: Surface, n: int = 100) -> tuple[Array, Array, Array]:
    """(xs, ys, z) over the surface's domain: n values per axis, z[i, j] = f(xs[j], ys[i]),
    rows from the bottom (Plotly's contour convention). The raw values: for a log-scale plot
    take log10(z - minimum_value + a floor) on the page's side."""
    xmin, xmax, ymin, ymax = surface.domain
    xs, ys = np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)  # (n, n, 2), grid[i, j] = (xs[j], ys[i])
    return xs, ys, surface.value(grid)
