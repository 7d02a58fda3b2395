"""Weight regularizers, as TensorFlow Playground's: none, L1, L2, on weights only (not biases).

The trainer adds `rate * penalty(w)` to the loss for every weight matrix and calls
`add_grad(w, grad, rate)` after backward. The components have no hyperparameters: the rate is a
trainer setting, as in TF Playground (one "regularization rate" control next to the choice of
regularizer), so switching L1 ⇄ L2 keeps the rate and "none" needs no meaningless rate.

    L1:  penalty = Σ |w|       d/dw = sign(w)  (subgradient 0 at w = 0)
    L2:  penalty = ½ Σ w²      d/dw = w        (so rate · w is torch's weight_decay = rate)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from engine.registry import Component, Registry


class Regularizer(Component):
    """A penalty on a weight array and its gradient, added in place."""

    def penalty(self, w: np.ndarray) -> float:
        return 0.0

    def add_grad(self, w: np.ndarray, grad: np.ndarray, rate: float) -> None:
        """grad += rate · d penalty / dw, in place."""


REGULARIZERS: Registry[Regularizer] = Registry("regularizer")


@REGULARIZERS.register
class NoRegularizer(Regularizer):
    name = "none"
    help = "No penalty on the weights."
    info: ClassVar[dict[str, Any]] = {
        "formula": "0",
        "note": "Weights are free to grow as large as the loss wants.",
    }


@REGULARIZERS.register
class L1(Regularizer):
    name = "l1"
    help = "L1 (lasso): penalise the sum of absolute weights."
    info: ClassVar[dict[str, Any]] = {
        "formula": "rate · Σ|w|",
        "note": "L1 pushes weights to exactly zero, leaving a sparse network.",
    }

    def penalty(self, w: np.ndarray) -> float:
        # Σ |w|
        return float(np.add.reduce(np.abs(w), axis=None))

    def add_grad(self, w: np.ndarray, grad: np.ndarray, rate: float) -> None:
        # d/dw Σ|w| = sign(w), 0 at w = 0 (as TF Playground and torch's sign)
        if rate:
            grad += rate * np.sign(w)


@REGULARIZERS.register
class L2(Regularizer):
    name = "l2"
    help = "L2 (ridge, weight decay): penalise half the sum of squared weights."
    info: ClassVar[dict[str, Any]] = {
        "formula": "rate · ½ Σ w²",
        "note": "L2 shrinks every weight towards zero in proportion to its size.",
    }

    def penalty(self, w: np.ndarray) -> float:
        # ½ Σ w²
        return 0.5 * float(np.vdot(w, w))

    def add_grad(self, w: np.ndarray, grad: np.ndarray, rate: float) -> None:
        # d/dw ½ Σ w² = w
        if rate:
            grad += rate * w
