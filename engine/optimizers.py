"""Optimizers: small classes that update parameters in place from their gradients.

Each follows the algorithm documented for its namesake in `torch.optim`, with PyTorch's
hyperparameter names and defaults (Adam's `betas` is split into `beta1`, `beta2`; SGD's `lr`
defaults to the playground's 0.03). State is kept per parameter name in `self.state[key]`,
including the step count `t` (1 on the first update). `set(**changes)` changes hyperparameters
between steps and keeps the state; switching optimizer means building a new one (fresh state).

    opt = OPTIMIZERS.build("adam", lr=0.01)
    opt.step(params, grads)     # params[key] -= ..., the same arrays the layers hold
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.registry import Component, Param, Registry, validate_params

Array = np.ndarray
State = dict[str, Any]

EPS_BOUNDS = {"low": 1e-12, "high": 1e-2, "log": True}


def _lr(default: float, low: float = 1e-6) -> Param:
    return Param("lr", default, low=low, high=10.0, log=True, help="learning rate: step size")


def _weight_decay(
    default: float = 0.0, help: str = "L2 penalty: adds weight_decay * p to the gradient"
) -> Param:
    return Param("weight_decay", default, low=0.0, high=1.0, help=help)


class Optimizer(Component):
    """Base: `step` walks the parameters, `update` holds one algorithm's maths for one array."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.check_combination(self.config(), changed=self.config().keys())
        self.state: dict[str, State] = {}

    def set(self, **changes: Any) -> None:
        """Change hyperparameters live (all or none); the state (buffers, step counts) stays."""
        valid = validate_params(self.params, changes, self.name, partial=True)
        self.check_combination({**self.config(), **valid}, changed=valid.keys())
        super().set(**valid)

    def check_combination(self, values: Mapping[str, Any], changed: Collection[str]) -> None:
        """Raise ConfigError when hyperparameters are valid alone but not together."""

    def step(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """Update every params[key] in place (the arrays are shared with the layers) from
        grads[key]. Grads are read, never written. Call `reset_state` when the keys or shapes
        of params change."""
        states = self.state
        for key, p in params.items():
            state = states.get(key)
            if state is None:
                state = states[key] = {"t": 0}
            state["t"] += 1
            self.update(p, grads[key], state)

    def update(self, p: Array, g: Array, state: State) -> None:
        """One step of the algorithm for one parameter array `p` with gradient `g`."""
        raise NotImplementedError

    def reset_state(self) -> None:
        self.state.clear()


OPTIMIZERS: Registry[Optimizer] = Registry("optimizer")


@OPTIMIZERS.register
class SGD(Optimizer):
    name = "sgd"
    help = "Stochastic gradient descent, optionally with (Nesterov) momentum"
    params = (
        _lr(0.03, low=1e-5),
        Param("momentum", 0.0, low=0.0, high=0.999, help="fraction of the last step kept"),
        Param("dampening", 0.0, low=0.0, high=1.0, help="momentum buffer adds (1 - dampening) * g"),
        Param("nesterov", False, help="look ahead: step along g + momentum * buffer"),
        _weight_decay(),
    )

    def check_combination(self, values: Mapping[str, Any], changed: Collection[str]) -> None:
        # As in torch: Nesterov momentum needs momentum > 0 and no dampening. Blame the field
        # that was just changed.
        if not values["nesterov"]:
            return
        bad_momentum, bad_dampening = values["momentum"] <= 0, values["dampening"] != 0
        if not (bad_momentum or bad_dampening):
            return
        if "nesterov" in changed:
            raise ConfigError("sgd.nesterov", True, "false unless momentum > 0 and dampening = 0")
        if bad_momentum and "momentum" in changed:
            raise ConfigError("sgd.momentum", values["momentum"], "> 0 while nesterov is on")
        raise ConfigError("sgd.dampening", values["dampening"], "0 while nesterov is on")

    def update(self, p: Array, g: Array, state: State) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p  # g <- g + λ p
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()  # b_1 = g_1
            else:
                buf *= self.momentum  # b_t = μ b_{t-1} + (1 - τ) g_t
                buf += (1.0 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf  # g <- g + μ b_t  |  b_t
        p -= self.lr * g  # p <- p - η g


@OPTIMIZERS.register
class Adagrad(Optimizer):
    name = "adagrad"
    help = "Adagrad (Duchi et al. 2011): per-weight steps shrink with the sum of squared gradients"
    params = (
        _lr(0.01),
        Param("lr_decay", 0.0, low=0.0, high=1.0, help="step t uses lr / (1 + (t - 1) * lr_decay)"),
        _weight_decay(),
        Param(
            "initial_accumulator_value",
            0.0,
            low=0.0,
            high=10.0,
            help="starting value of the sum of squared gradients",
        ),
        Param(
            "eps", 1e-10, **EPS_BOUNDS, help="added to the root of the sum, avoids division by 0"
        ),
    )

    def update(self, p: Array, g: Array, state: State) -> None:
        total = state.get("sum")
        if total is None:
            total = state["sum"] = np.full_like(p, self.initial_accumulator_value)
        if self.weight_decay:
            g = g + self.weight_decay * p  # g <- g + λ p
        clr = self.lr / (1.0 + (state["t"] - 1) * self.lr_decay)  # η_t = η / (1 + (t-1) d)
        total += g * g  # s_t = s_{t-1} + g²
        std = np.sqrt(total)
        std += self.eps
        p -= clr * g / std  # p <- p - η_t g / (√s_t + ε)


@OPTIMIZERS.register
class RMSprop(Optimizer):
    name = "rmsprop"
    help = "RMSprop (Hinton 2012): divides the step by a running RMS of the gradient"
    params = (
        _lr(0.01),
        Param("alpha", 0.99, low=0.0, high=0.9999, help="decay of the running mean of g²"),
        Param("eps", 1e-8, **EPS_BOUNDS, help="added to the RMS, avoids division by 0"),
        _weight_decay(),
        Param("momentum", 0.0, low=0.0, high=0.999, help="fraction of the last step kept"),
        Param("centered", False, help="divide by the running std (subtract the mean gradient²)"),
    )

    def update(self, p: Array, g: Array, state: State) -> None:
        alpha = self.alpha
        square_avg = state.get("square_avg")
        if square_avg is None:
            square_avg = state["square_avg"] = np.zeros_like(p)
        if self.weight_decay:
            g = g + self.weight_decay * p  # g <- g + λ p
        square_avg *= alpha  # v_t = α v_{t-1} + (1 - α) g²
        square_avg += (1.0 - alpha) * g * g
        if self.centered:
            grad_avg = state.get("grad_avg")
            if grad_avg is None:
                grad_avg = state["grad_avg"] = np.zeros_like(p)
            grad_avg *= alpha  # m_t = α m_{t-1} + (1 - α) g
            grad_avg += (1.0 - alpha) * g
            # v_t - m_t² >= 0 in exact arithmetic; clip rounding below 0 instead of a NaN.
            avg = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0.0))
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps  # d_t = √(v_t [- m_t²]) + ε
        if self.momentum > 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.zeros_like(p)
            buf *= self.momentum  # b_t = μ b_{t-1} + g / d_t
            buf += g / avg
            p -= self.lr * buf  # p <- p - η b_t
        else:
            p -= self.lr * g / avg  # p <- p - η g / d_t


@OPTIMIZERS.register
class Adam(Optimizer):
    name = "adam"
    help = "Adam (Kingma & Ba 2014): momentum divided by a running RMS, both bias-corrected"
    params = (
        _lr(0.001),
        Param("beta1", 0.9, low=0.0, high=0.9999, help="decay of the running mean of g"),
        Param("beta2", 0.999, low=0.0, high=0.9999, help="decay of the running mean of g²"),
        Param("eps", 1e-8, **EPS_BOUNDS, help="added to the RMS, avoids division by 0"),
        _weight_decay(),
        Param("amsgrad", False, help="divide by the largest running mean of g² so far"),
    )

    def decay(self, p: Array, g: Array) -> Array:
        """Adam's weight decay is an L2 penalty: g <- g + λ p."""
        return g + self.weight_decay * p if self.weight_decay else g

    def update(self, p: Array, g: Array, state: State) -> None:
        b1, b2, t = self.beta1, self.beta2, state["t"]
        m = state.get("exp_avg")
        if m is None:
            m = state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        v = state["exp_avg_sq"]
        g = self.decay(p, g)
        m *= b1  # m_t = β1 m_{t-1} + (1 - β1) g
        m += (1.0 - b1) * g
        v *= b2  # v_t = β2 v_{t-1} + (1 - β2) g²
        v += (1.0 - b2) * g * g
        if self.amsgrad:
            v_max = state.get("max_exp_avg_sq")
            if v_max is None:
                v_max = state["max_exp_avg_sq"] = np.zeros_like(p)
            v = np.maximum(v_max, v, out=v_max)  # v_max_t = max(v_max_{t-1}, v_t)
        denom = np.sqrt(v)  # d_t = √(v_t / (1 - β2^t)) + ε
        denom /= math.sqrt(1.0 - b2**t)
        denom += self.eps
        p -= (self.lr / (1.0 - b1**t)) * m / denom  # p <- p - η m_t / (1 - β1^t) / d_t


@OPTIMIZERS.register
class AdamW(Adam):
    name = "adamw"
    help = "AdamW (Loshchilov & Hutter 2017): Adam with weight decay decoupled from the gradient"
    params = tuple(
        _weight_decay(0.01, help="decoupled: p <- p (1 - lr * weight_decay) each step")
        if p.name == "weight_decay"
        else p
        for p in Adam.params
    )

    def decay(self, p: Array, g: Array) -> Array:
        """AdamW shrinks the weights directly, p <- p (1 - η λ); the gradient is untouched."""
        if self.weight_decay:
            p *= 1.0 - self.lr * self.weight_decay
        return g
