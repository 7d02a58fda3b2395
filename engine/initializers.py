"""Weight initializers: how a Dense layer's W (shape (fan_in, fan_out), y = x @ W + b) and b
start.

Scales follow `torch.nn.init` with fan_in = inputs, fan_out = outputs of the layer. Every draw
takes an explicit `numpy.random.Generator`, so a seed reproduces a network exactly.

    init = INITIALIZERS.build("xavier_uniform", gain=1.0)
    W, b = init.weights(2, 8, rng), init.bias(8, rng)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from engine.registry import Component, Param, Registry

Array = np.ndarray


def _gain(help: str = "multiplies the scale") -> Param:
    return Param("gain", 1.0, low=0.01, high=10.0, log=True, help=help)


class Initializer(Component):
    """Base: `weights` draws W of shape (fan_in, fan_out); `bias` defaults to zeros."""

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        raise NotImplementedError

    def bias(self, fan_out: int, rng: np.random.Generator) -> Array:
        return np.zeros(fan_out)


INITIALIZERS: Registry[Initializer] = Registry("initializer")


@INITIALIZERS.register
class Zeros(Initializer):
    name = "zeros"
    help = "All weights 0: every unit of a layer stays identical (symmetry is never broken)"
    info: ClassVar[dict[str, Any]] = {"formula": r"W_{ij} = 0,\quad b_j = 0"}

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return np.zeros((fan_in, fan_out))


@INITIALIZERS.register
class Playground(Initializer):
    name = "playground"
    help = "TensorFlow Playground's choice: weights uniform in [-0.5, 0.5], biases 0.1"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{U}(-0.5,\ 0.5),\quad b_j = 0.1"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return rng.uniform(-0.5, 0.5, size=(fan_in, fan_out))

    def bias(self, fan_out: int, rng: np.random.Generator) -> Array:
        return np.full(fan_out, 0.1)


@INITIALIZERS.register
class Normal(Initializer):
    name = "normal"
    help = "Gaussian weights of a fixed std, whatever the layer's width"
    params = (
        Param("mean", 0.0, low=-10.0, high=10.0, help="mean of the weights"),
        Param("std", 1.0, low=1e-4, high=10.0, log=True, help="standard deviation of the weights"),
    )
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{N}(\mu,\ \sigma^2),\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return rng.normal(self.mean, self.std, size=(fan_in, fan_out))


@INITIALIZERS.register
class XavierUniform(Initializer):
    name = "xavier_uniform"
    help = "Glorot & Bengio 2010: keeps the variance of signals and gradients across tanh layers"
    params = (_gain(),)
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{U}(-a,\ a),\quad "
        r"a = g\sqrt{\frac{6}{n_\mathrm{in} + n_\mathrm{out}}},\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        bound = self.gain * math.sqrt(6.0 / (fan_in + fan_out))  # Var = a²/3 = 2g²/(in+out)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))


@INITIALIZERS.register
class XavierNormal(Initializer):
    name = "xavier_normal"
    help = "Glorot & Bengio 2010, Gaussian: variance 2 / (fan_in + fan_out)"
    params = (_gain(),)
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{N}\left(0,\ g^2\frac{2}{n_\mathrm{in} + n_\mathrm{out}}"
        r"\right),\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        std = self.gain * math.sqrt(2.0 / (fan_in + fan_out))
        return rng.normal(0.0, std, size=(fan_in, fan_out))


@INITIALIZERS.register
class HeUniform(Initializer):
    name = "he_uniform"
    help = "He et al. 2015, uniform: keeps ReLU activations' variance across layers"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{U}(-a,\ a),\quad a = \sqrt{\frac{6}{n_\mathrm{in}}},"
        r"\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        # torch kaiming_uniform_(nonlinearity="relu", mode="fan_in"): a = √2 · √(3 / n_in)
        bound = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))


@INITIALIZERS.register
class HeNormal(Initializer):
    name = "he_normal"
    help = "He et al. 2015: keeps ReLU activations' variance across layers (variance 2 / fan_in)"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{N}\left(0,\ \frac{2}{n_\mathrm{in}}\right),\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


@INITIALIZERS.register
class LecunNormal(Initializer):
    name = "lecun_normal"
    help = "LeCun et al. 1998: variance 1 / fan_in, suited to tanh and SELU"
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W_{ij} \sim \mathcal{N}\left(0,\ \frac{1}{n_\mathrm{in}}\right),\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=(fan_in, fan_out))


@INITIALIZERS.register
class Orthogonal(Initializer):
    name = "orthogonal"
    help = "Saxe et al. 2013: a scaled orthogonal matrix, so x @ W preserves lengths"
    params = (_gain(),)
    info: ClassVar[dict[str, Any]] = {
        "formula": r"W = g\,Q,\quad QR = A,\ A_{ij} \sim \mathcal{N}(0, 1),\quad "
        r"Q^\top Q = I \text{ or } QQ^\top = I,\quad b_j = 0"
    }

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        # torch.nn.init.orthogonal_ on torch's (out, in) weight, then transposed to our (in, out).
        rows, cols = fan_out, fan_in
        a = rng.standard_normal((rows, cols))
        if rows < cols:
            a = a.T
        q, r = np.linalg.qr(a)  # reduced: q has orthonormal columns
        q *= np.sign(np.diag(r))  # make the factorisation unique: diag(R) > 0
        if rows < cols:
            q = q.T
        return np.ascontiguousarray(self.gain * q.T)
