"""Layers: plain classes that own their parameters and their backward pass.

Every layer follows one contract:

    kind     "dense", "activation", "dropout", "batch_norm" or "layer_norm"
    params   {"weight": ..., "bias": ...} as in PyTorch (empty when the layer has none)
    grads    the same keys and shapes: dL/dparams after `backward`
    forward(x, train=True) -> y        caches what backward needs
    backward(dout) -> dx               dL/dx; writes dL/dparams into `grads`

`params` and `grads` are allocated once and only ever updated in place (`[...] =`, `out=`): the
model shares these very arrays with the optimizer through flat dicts, so a layer never rebinds
`params[k]` or `grads[k]`. Inputs are (N, features) float64 batches. Hot methods validate
nothing; constructors do.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import numpy as np

from engine.errors import ConfigError


class ActivationLike(Protocol):
    """What `ActivationLayer` needs from an `engine.activations` component."""

    def forward(self, x: np.ndarray) -> np.ndarray: ...
    def backward(self, x: np.ndarray, y: np.ndarray, dout: np.ndarray) -> np.ndarray: ...


class InitializerLike(Protocol):
    """What `Dense` needs from an `engine.initializers` component."""

    def weights(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray: ...
    def bias(self, fan_out: int, rng: np.random.Generator) -> np.ndarray: ...


class Layer:
    """Base: no parameters, identity maps. Subclasses override `forward` and `backward`."""

    kind: ClassVar[str] = ""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout

    def reinit(self, init: InitializerLike, rng: np.random.Generator) -> None:
        """Reset the parameters (and buffers) in place, as for a fresh network."""

    def adopt(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Move parameters and gradients into the given arrays (views into a model's flat
        buffers, so one optimizer call updates every parameter). Values are copied over; from
        then on the layer uses the new arrays. Called once, when a model is built."""
        for key, value in self.params.items():
            params[key][...] = value
        self.params = {k: params[k] for k in self.params}
        self.grads = {k: grads[k] for k in self.grads}
        for key in self.params:  # the named aliases (weight, dweight, ...) follow
            if hasattr(self, key):
                setattr(self, key, self.params[key])
                setattr(self, "d" + key, self.grads[key])

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


def _check(field: str, value: float, ok: bool, expected: str) -> None:
    if not ok:
        raise ConfigError(field, value, expected)


def _allocate(layer: Layer, **params: np.ndarray) -> None:
    """Fill `params` (float64, C-contiguous copies) and zeroed `grads` once, at construction."""
    for key, value in params.items():
        layer.params[key] = np.array(value, dtype=np.float64, order="C")
        layer.grads[key] = np.zeros_like(layer.params[key])


class Dense(Layer):
    """Fully connected: y = x W + b, W of shape (fan_in, fan_out) (torch.nn.Linear's transpose)."""

    kind = "dense"

    def __init__(
        self, fan_in: int, fan_out: int, init: InitializerLike, rng: np.random.Generator
    ) -> None:
        super().__init__()
        _check("dense.fan_in", fan_in, fan_in >= 1, "an integer >= 1")
        _check("dense.fan_out", fan_out, fan_out >= 1, "an integer >= 1")
        self.fan_in, self.fan_out = fan_in, fan_out
        _allocate(self, weight=np.zeros((fan_in, fan_out)), bias=np.zeros(fan_out))
        self.weight, self.bias = self.params["weight"], self.params["bias"]
        self.dweight, self.dbias = self.grads["weight"], self.grads["bias"]
        self.reinit(init, rng)
        self._x = np.zeros((0, fan_in))
        self.input_grad = True  # False for a network's first layer: nobody needs dL/dx there

    def reinit(self, init: InitializerLike, rng: np.random.Generator) -> None:
        """Redraw W and b in place (shapes are checked by the assignment: no broadcasting)."""
        w, b = init.weights(self.fan_in, self.fan_out, rng), init.bias(self.fan_out, rng)
        if np.shape(w) != self.weight.shape or np.shape(b) != self.bias.shape:
            raise ValueError(
                f"{init!r} gave shapes {np.shape(w)}, {np.shape(b)}; "
                f"expected {self.weight.shape}, {self.bias.shape}"
            )
        self.weight[...] = w
        self.bias[...] = b

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        # y = x W + b
        self._x = x
        y = x @ self.weight
        y += self.bias
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # dW = xᵀ dout,  db = Σ_rows dout,  dx = dout Wᵀ
        np.matmul(self._x.T, dout, out=self.dweight)
        np.add.reduce(dout, axis=0, out=self.dbias)
        return dout @ self.weight.T if self.input_grad else dout


class ActivationLayer(Layer):
    """y = f(x) elementwise; keeps `last_input` (pre-activations) and `last_output` for the page."""

    kind = "activation"

    def __init__(self, act: ActivationLike) -> None:
        super().__init__()
        self.act = act  # a plain attribute: swap it or `act.set(...)` it live
        self.last_input = np.zeros((0, 0))
        self.last_output = np.zeros((0, 0))

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        # y = f(x)
        self.last_input = x
        self.last_output = y = self.act.forward(x)
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # dx = f'(x) ⊙ dout, computed by the activation from x and y
        return self.act.backward(self.last_input, self.last_output, dout)

    def __repr__(self) -> str:
        return f"ActivationLayer({self.act!r})"


class Dropout(Layer):
    """Inverted dropout as torch.nn.Dropout.

    In training y = x ⊙ m / (1 - p) with m ~ Bernoulli(1 - p) drawn from `rng`; the identity in
    eval and when p = 0. `p` is a plain attribute, changeable live (the caller keeps it in
    [0, 1]); p = 1 zeroes everything, as torch does.
    """

    kind = "dropout"

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        super().__init__()
        _check("dropout.p", p, 0.0 <= p <= 1.0, "a number in [0, 1]")
        self.p = p
        self.rng = rng
        self.mask: np.ndarray | None = None  # the last scaled mask m / (1 - p); None = identity

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        p = self.p
        if not train or p <= 0.0:
            self.mask = None
            return x
        # m_ij = [u_ij >= p] with u ~ U[0, 1): kept with probability 1 - p, scaled by 1 / (1 - p)
        scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
        self.mask = mask = (self.rng.random(x.shape) >= p) * scale
        return x * mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # dx = dout ⊙ m / (1 - p)  (the same scaled mask)
        mask = self.mask
        return dout if mask is None else dout * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """torch.nn.BatchNorm1d on (N, n): per feature over the batch.

    train:  x̂ = (x - μ_B) / √(σ²_B + ε) with the batch's biased variance σ²_B; y = γ x̂ + β;
            running_mean ← (1 - m) running_mean + m μ_B,
            running_var  ← (1 - m) running_var  + m σ²_B N / (N - 1)   (unbiased, as torch).
    eval:   the same with the running statistics, which stay put.

    A training batch of a single row (torch raises "Expected more than 1 value per channel") is
    normalised with the running statistics, as in eval, and does not update them: one row has no
    variance to estimate, and the step still trains γ and β.
    """

    kind = "batch_norm"

    def __init__(self, n: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        _check("batch_norm.n", n, n >= 1, "an integer >= 1")
        _check("batch_norm.momentum", momentum, 0.0 <= momentum <= 1.0, "a number in [0, 1]")
        _check("batch_norm.eps", eps, eps > 0.0, "a number > 0")
        self.n, self.momentum, self.eps = n, momentum, eps
        _allocate(self, weight=np.ones(n), bias=np.zeros(n))
        self.weight, self.bias = self.params["weight"], self.params["bias"]
        self.dweight, self.dbias = self.grads["weight"], self.grads["bias"]
        # Buffers: state, not parameters (the optimizer never sees them); updated in place.
        self.buffers = {"running_mean": np.zeros(n), "running_var": np.ones(n)}
        self.running_mean = self.buffers["running_mean"]
        self.running_var = self.buffers["running_var"]
        self._xhat = self._inv = np.zeros(0)
        self._batch_stats = False

    def reinit(self, init: InitializerLike, rng: np.random.Generator) -> None:
        """γ = 1, β = 0 and fresh running statistics, as torch's reset_parameters()."""
        self.weight[...], self.bias[...] = 1.0, 0.0
        self.running_mean[...], self.running_var[...] = 0.0, 1.0

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        rows = x.shape[0]
        self._batch_stats = train and rows > 1
        if self._batch_stats:
            mu = np.add.reduce(x, axis=0) / rows
            xc = x - mu
            var = np.add.reduce(xc * xc, axis=0) / rows  # biased: normalises this batch
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mu
            self.running_var *= 1.0 - m
            self.running_var += (m * rows / (rows - 1)) * var  # unbiased: estimates the population
        else:
            xc, var = x - self.running_mean, self.running_var
        self._inv = inv = 1.0 / np.sqrt(var + self.eps)
        self._xhat = xhat = xc * inv
        return xhat * self.weight + self.bias

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # dγ = Σ dout ⊙ x̂,  dβ = Σ dout  (sums over the batch)
        xhat = self._xhat
        np.add.reduce(dout * xhat, axis=0, out=self.dweight)
        np.add.reduce(dout, axis=0, out=self.dbias)
        if not self._batch_stats:
            # μ, σ² are constants: dx = γ dout / √(σ² + ε)
            return dout * (self.weight * self._inv)
        # μ_B, σ²_B depend on x:  dx = γ / (N √(σ²_B + ε)) · (N dout - dβ - x̂ dγ)
        rows = dout.shape[0]
        return (self.weight * self._inv / rows) * (rows * dout - self.dbias - xhat * self.dweight)

    def __repr__(self) -> str:
        return f"BatchNorm({self.n}, momentum={self.momentum}, eps={self.eps})"


class LayerNorm(Layer):
    """torch.nn.LayerNorm(n): per row over its n features, the same in train and eval.

    x̂ = (x - μ_row) / √(σ²_row + ε) (biased variance), y = γ x̂ + β.
    """

    kind = "layer_norm"

    def __init__(self, n: int, eps: float = 1e-5) -> None:
        super().__init__()
        _check("layer_norm.n", n, n >= 1, "an integer >= 1")
        _check("layer_norm.eps", eps, eps > 0.0, "a number > 0")
        self.n, self.eps = n, eps
        _allocate(self, weight=np.ones(n), bias=np.zeros(n))
        self.weight, self.bias = self.params["weight"], self.params["bias"]
        self.dweight, self.dbias = self.grads["weight"], self.grads["bias"]
        self._xhat = self._inv = np.zeros(0)

    def reinit(self, init: InitializerLike, rng: np.random.Generator) -> None:
        """γ = 1, β = 0, as torch's reset_parameters()."""
        self.weight[...], self.bias[...] = 1.0, 0.0

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        n = self.n
        xc = x - np.add.reduce(x, axis=1, keepdims=True) / n
        var = np.add.reduce(xc * xc, axis=1, keepdims=True) / n
        self._inv = inv = 1.0 / np.sqrt(var + self.eps)
        self._xhat = xhat = xc * inv
        return xhat * self.weight + self.bias

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # dγ = Σ_rows dout ⊙ x̂,  dβ = Σ_rows dout
        xhat, n = self._xhat, self.n
        np.add.reduce(dout * xhat, axis=0, out=self.dweight)
        np.add.reduce(dout, axis=0, out=self.dbias)
        # with g = γ ⊙ dout, per row:  dx = (n g - Σ g - x̂ Σ g ⊙ x̂) / (n √(σ² + ε))
        g = dout * self.weight
        sum_g = np.add.reduce(g, axis=1, keepdims=True)
        sum_gx = np.add.reduce(g * xhat, axis=1, keepdims=True)
        return (self._inv / n) * (n * g - sum_g - xhat * sum_gx)

    def __repr__(self) -> str:
        return f"LayerNorm({self.n}, eps={self.eps})"
