"""Activation functions: elementwise y = f(x), its derivative and its backward pass.

Every activation equals `torch.nn.functional`'s definition, including the value autograd gives
at a kink (relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha), and is written so that
x = ±1000 gives finite values without overflow. `derivative(x)` is the exact dy/dx at x;
`backward(x, y, dout)` is dL/dx, from y where that is cheaper (as torch does for tanh and
sigmoid). Inputs are never modified; `linear` returns its input arrays themselves.

`sigmoid`, `erf` and `erfc` are public elementwise helpers, exact to float64.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from engine.registry import Component, Param, Registry

# ---------------------------------------------------------------------------------------------
# Helpers: a logistic sigmoid without overflow and erf/erfc exact to float64.


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), written as e/(1+e) with e = exp(-|x|) <= 1 so nothing overflows."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


def _sigmoid_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid(x), 1 - sigmoid(x)), both to full relative precision (1 - s = sigmoid(-x))."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    big, small = r, e * r
    pos = x >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638 (netlib specfun CALERF). Polynomials are listed highest degree first.
# erf(x) = x R1(x^2) for |x| <= 0.46875.
_ERF_NUM = (
    1.85777706184603153e-1,
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
)
_ERF_DEN = (
    1.0,
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
)
# erfc(y) = exp(-y^2) R2(y) for 0.46875 < y <= 4.
_ERFC_MID_NUM = (
    2.15311535474403846e-8,
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_ERFC_MID_DEN = (
    1.0,
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
# erfc(y) = exp(-y^2) / y (1/sqrt(pi) - t R3(t)) with t = 1/y^2, for y > 4.
_ERFC_TAIL_NUM = (
    1.63153871373020978e-2,
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
_ERFC_TAIL_DEN = (
    1.0,
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)
_ERF_SMALL = 0.46875
_ERFC_MID_END = 4.0
_ERFC_ZERO = 28.0  # erfc(y) underflows to 0 before here; clipping keeps inf from making nan
_INV_SQRT_PI = 0.56418958354775628695
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _horner(coeffs: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    acc = coeffs[0] * t + coeffs[1]
    for c in coeffs[2:]:
        acc *= t
        acc += c
    return acc


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| <= 0.46875."""
    t = x * x
    return x * _horner(_ERF_NUM, t) / _horner(_ERF_DEN, t)


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y > 0.46875 (subnormal past 26.5, 0 past 27.3)."""
    y = np.minimum(y, _ERFC_ZERO)
    out = np.empty_like(y)
    mid = y <= _ERFC_MID_END
    ym = y[mid]
    out[mid] = _horner(_ERFC_MID_NUM, ym) / _horner(_ERFC_MID_DEN, ym)
    tail = ~mid
    yt = y[tail]
    t = 1.0 / (yt * yt)
    out[tail] = (_INV_SQRT_PI - t * _horner(_ERFC_TAIL_NUM, t) / _horner(_ERFC_TAIL_DEN, t)) / yt
    # exp(-y^2) to full precision: y = h + d with h a multiple of 1/16, so h*h is exact and
    # exp(-y^2) = exp(-h^2) exp(-(y-h)(y+h)).
    h = np.trunc(y * 16.0) / 16.0
    return np.exp(-h * h) * np.exp(-(y - h) * (y + h)) * out


def _erf_cody(x: np.ndarray) -> np.ndarray:
    y = np.abs(x)
    out = np.empty_like(x)
    small = y <= _ERF_SMALL
    out[small] = _erf_small(x[small])
    large = ~small
    out[large] = np.copysign((0.5 - _erfc_large(y[large])) + 0.5, x[large])
    return out


def _erfc_cody(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    small = np.abs(x) <= _ERF_SMALL
    out[small] = 1.0 - _erf_small(x[small])
    large = ~small
    xl = x[large]
    r = _erfc_large(np.abs(xl))
    out[large] = np.where(xl < 0, 2.0 - r, r)  # erfc(-y) = 2 - erfc(y)
    return out


# Below this size, calling math.erf per element beats ~40 NumPy calls of fixed overhead
# (measured: 3 us against 44 us for 40 elements; the two cross near 1,000 elements).
_PER_ELEMENT_BELOW = 1024
_erf_each = np.frompyfunc(math.erf, 1, 1)
_erfc_each = np.frompyfunc(math.erfc, 1, 1)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, to about one ulp: math.erf per element for small
    arrays, Cody's rational approximations vectorised for large ones."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < _PER_ELEMENT_BELOW:
        return np.asarray(_erf_each(x), dtype=np.float64)
    return _erf_cody(x)


def erfc(x: np.ndarray) -> np.ndarray:
    """1 - erf(x), elementwise, with full relative precision in the tail x > 0."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < _PER_ELEMENT_BELOW:
        return np.asarray(_erfc_each(x), dtype=np.float64)
    return _erfc_cody(x)


# ---------------------------------------------------------------------------------------------
# The registry and the base class.

ACTIVATIONS: Registry[Activation] = Registry("activation")


class Activation(Component):
    """y = f(x) elementwise. `info` holds "formula", "derivative_formula" (LaTeX), "range" and
    a two-sentence "note" for the page."""

    info: ClassVar[dict[str, Any]] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """dy/dx at x, elementwise (at a kink: the value torch autograd gives)."""
        raise NotImplementedError

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        """dL/dx given x, y = forward(x) and dL/dy."""
        return dout * self.derivative(x)


@ACTIVATIONS.register
class Linear(Activation):
    name = "linear"
    help = "identity: y = x"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"x",
        "derivative_formula": r"1",
        "range": "(-inf, inf)",
        "note": "Never saturates, but a stack of linear layers is still one linear map. "
        "Use it for regression outputs or to see why networks need nonlinearity.",
    }

    # y = x;  dy/dx = 1
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(x)

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        return dout


@ACTIVATIONS.register
class Sigmoid(Activation):
    name = "sigmoid"
    help = "logistic: y = 1 / (1 + e^-x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        "derivative_formula": r"\sigma(x)\,(1 - \sigma(x))",
        "range": "(0, 1)",
        "note": "Saturates for |x| > 5, where its gradient (at most 1/4) vanishes. "
        "Good as a probability output; slow to train in deep hidden layers.",
    }

    # y = 1 / (1 + e^-x)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(x)

    # dy/dx = y (1 - y), both factors exact from x
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s, one_minus_s = _sigmoid_pair(x)
        return s * one_minus_s

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        return dout * y * (1.0 - y)


@ACTIVATIONS.register
class Tanh(Activation):
    name = "tanh"
    help = "hyperbolic tangent: y = tanh(x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        "derivative_formula": r"1 - \tanh^2(x)",
        "range": "(-1, 1)",
        "note": "Zero-centred, but saturates for |x| > 3 where its gradient vanishes. "
        "A good default for small networks.",
    }

    # y = tanh x
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    # dy/dx = 1 - tanh^2 x = sech^2 x = 4e / (1 + e)^2 with e = exp(-2|x|), exact in the tails
    def derivative(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(-2.0 * np.abs(x))
        return 4.0 * e / ((1.0 + e) * (1.0 + e))

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - y * y)


@ACTIVATIONS.register
class ReLU(Activation):
    name = "relu"
    help = "rectified linear: y = max(0, x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\max(0, x)",
        "derivative_formula": r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        "range": "[0, inf)",
        "note": "Never saturates for x > 0, but a unit whose input stays negative gets no "
        "gradient and dies. Cheap and the usual default for deep networks.",
    }

    # y = max(0, x)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)

    # dy/dx = 1 if x > 0 else 0 (0 at the kink, as torch)
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(np.float64)

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        return np.where(x > 0, dout, 0.0)


@ACTIVATIONS.register
class LeakyReLU(Activation):
    name = "leaky_relu"
    help = "relu with a small slope for x < 0"
    params = (Param("slope", 0.01, low=0.0, high=1.0, help="slope for x <= 0"),)
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}",
        "derivative_formula": r"\begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
        "range": "(-inf, inf)",
        "note": "Like relu, but the small slope a keeps a gradient flowing for x < 0, "
        "so units cannot die. Good when relu units die.",
    }
    slope: float

    # y = x if x > 0 else a x  (= max(x, a x) since 0 <= a <= 1)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, self.slope * x)

    # dy/dx = 1 if x > 0 else a (a at the kink, as torch)
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, 1.0, self.slope)

    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray:
        return np.where(x > 0, dout, self.slope * dout)


@ACTIVATIONS.register
class ELU(Activation):
    name = "elu"
    help = "exponential linear: x for x > 0, alpha (e^x - 1) below"
    params = (
        Param("alpha", 1.0, low=0.01, high=10.0, help="value approached as x -> -inf is -alpha"),
    )
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        "derivative_formula": r"\begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
        "range": "(-alpha, inf)",
        "note": "Smooth for alpha = 1 and saturates to -alpha for very negative x, so "
        "mean activations stay near zero. Units do not die as with relu.",
    }
    alpha: float

    # y = x if x > 0 else alpha (e^x - 1); expm1 keeps small |x| exact, min() avoids overflow
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    # dy/dx = 1 if x > 0 else alpha e^x (alpha at the kink, as torch)
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@ACTIVATIONS.register
class SELU(Activation):
    name = "selu"
    help = "scaled elu with the self-normalising constants"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}"
        r",\ \lambda \approx 1.0507,\ \alpha \approx 1.6733",
        "derivative_formula": r"\lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 "
        r"\end{cases}",
        "range": "(-1.7581, inf)",
        "note": "Saturates to -1.7581 for very negative x; its constants keep activations "
        "near zero mean and unit variance. Meant for deep plain stacks with lecun init.",
    }

    # y = scale (x if x > 0 else alpha (e^x - 1))
    def forward(self, x: np.ndarray) -> np.ndarray:
        neg = (_SELU_SCALE * _SELU_ALPHA) * np.expm1(np.minimum(x, 0.0))
        return np.where(x > 0, _SELU_SCALE * x, neg)

    # dy/dx = scale if x > 0 else scale alpha e^x
    def derivative(self, x: np.ndarray) -> np.ndarray:
        neg = (_SELU_SCALE * _SELU_ALPHA) * np.exp(np.minimum(x, 0.0))
        return np.where(x > 0, _SELU_SCALE, neg)


@ACTIVATIONS.register
class GELU(Activation):
    name = "gelu"
    help = "Gaussian error linear unit (exact erf form): y = x Phi(x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"x\,\Phi(x) = \tfrac{x}{2}\left(1 + \operatorname{erf}(x/\sqrt{2})\right)",
        "derivative_formula": r"\Phi(x) + x\,\varphi(x),\ \varphi(x) = "
        r"\tfrac{1}{\sqrt{2\pi}} e^{-x^2/2}",
        "range": "[-0.17, inf)",
        "note": "A smooth relu that dips slightly below zero near x = -0.75 and is 0 for very "
        "negative x. The default in transformers.",
    }

    # y = x Phi(x), Phi(x) = (1 + erf(x/sqrt2))/2 = erfc(-x/sqrt2)/2 (exact in the left tail)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * x * erfc(-_SQRT_HALF * x)

    # dy/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)
    def derivative(self, x: np.ndarray) -> np.ndarray:
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return 0.5 * erfc(-_SQRT_HALF * x) + x * pdf


@ACTIVATIONS.register
class SiLU(Activation):
    name = "silu"
    help = "sigmoid linear unit (swish): y = x sigmoid(x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"x\,\sigma(x)",
        "derivative_formula": r"\sigma(x)\,\left(1 + x\,(1 - \sigma(x))\right)",
        "range": "[-0.28, inf)",
        "note": "A smooth relu that dips below zero near x = -1.28 and is 0 for very "
        "negative x. Works well in deep convolutional networks.",
    }

    # y = x s, s = sigmoid(x)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * sigmoid(x)

    # dy/dx = s + x s (1 - s) = s (1 + x (1 - s))
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s, one_minus_s = _sigmoid_pair(x)
        return s * (1.0 + x * one_minus_s)


@ACTIVATIONS.register
class Softplus(Activation):
    name = "softplus"
    help = "smooth relu: y = log(1 + e^(beta x)) / beta"
    params = (
        Param("beta", 1.0, low=0.1, high=10.0, log=True, help="sharpness: large beta -> relu"),
        Param("threshold", 20.0, low=1.0, high=100.0, help="linear (y = x) where beta x > this"),
    )
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\tfrac{1}{\beta} \log\left(1 + e^{\beta x}\right)",
        "derivative_formula": r"\sigma(\beta x)",
        "range": "(0, inf)",
        "note": "A smooth relu that is always positive, with gradient sigma(beta x) that "
        "vanishes only for very negative x. Useful where an output must be positive.",
    }
    beta: float
    threshold: float

    # y = log(1 + e^(bx)) / b, or x where bx > threshold (as torch); exp(min(bx, thr)) is finite
    def forward(self, x: np.ndarray) -> np.ndarray:
        bx = self.beta * x
        soft = np.log1p(np.exp(np.minimum(bx, self.threshold))) / self.beta
        return np.where(bx > self.threshold, x, soft)

    # dy/dx = e^(bx) / (1 + e^(bx)) = sigmoid(bx), or 1 where bx > threshold
    def derivative(self, x: np.ndarray) -> np.ndarray:
        bx = self.beta * x
        z = np.exp(np.minimum(bx, self.threshold))
        return np.where(bx > self.threshold, 1.0, z / (z + 1.0))


@ACTIVATIONS.register
class Mish(Activation):
    name = "mish"
    help = "y = x tanh(softplus(x))"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"x \tanh\left(\log(1 + e^{x})\right)",
        "derivative_formula": r"\tanh(\zeta) + x\,\sigma(x)\,(1 - \tanh^2 \zeta),\ "
        r"\zeta = \log(1 + e^{x})",
        "range": "[-0.31, inf)",
        "note": "A smooth, non-monotonic relu that dips below zero near x = -1.19 and is 0 for "
        "very negative x. Similar to silu, a little costlier.",
    }

    # y = x t, t = tanh(softplus x), softplus x = log(1 + e^x) = logaddexp(0, x) (no overflow)
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * np.tanh(np.logaddexp(0.0, x))

    # dy/dx = t + x (1 - t^2) d softplus/dx = t + x sigmoid(x) (1 - t^2)
    def derivative(self, x: np.ndarray) -> np.ndarray:
        t = np.tanh(np.logaddexp(0.0, x))
        return t + x * sigmoid(x) * (1.0 - t * t)


@ACTIVATIONS.register
class Sine(Activation):
    name = "sine"
    help = "periodic: y = sin(x)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"\sin(x)",
        "derivative_formula": r"\cos(x)",
        "range": "[-1, 1]",
        "note": "Periodic, so it never saturates but maps many inputs to one output. "
        "Good for fitting periodic or wavy patterns (as in SIREN).",
    }

    # y = sin x;  dy/dx = cos x
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.cos(x)
