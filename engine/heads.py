"""Output heads: what the last layer's raw outputs z mean, and the loss that trains them.

A head is an output activation followed by a loss, plus how to read z as a prediction:

    name         problem      outputs  output activation  loss           targets
    bce          binary       1        linear             bce            0/1
    tanh_mse     binary       1        tanh               mse            -1/+1 (TF Playground)
    sigmoid_mse  binary       1        sigmoid            mse            0/1 (why MSE stalls)
    hinge        binary       1        linear             hinge          0/1
    softmax_ce   multiclass   k        linear             cross_entropy  class index
    mse          regression   1        linear             mse            real value

`score(z)` is what the output heatmap shows: for binary heads a number in [-1, 1] whose sign is
the predicted class (class 1 is positive); for regression the value; for multi-class the
probability rows.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.losses import LOSSES, Loss
from engine.registry import Component, Registry

HEADS: Registry[Head] = Registry("output")

PROBLEMS = ("binary", "multiclass", "regression")


class Head(Component):
    problem: ClassVar[str]
    loss_name: ClassVar[str]
    activation_name: ClassVar[str] = "linear"

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self.loss: Loss = LOSSES.get(self.loss_name)
        self.activation: Activation = ACTIVATIONS.get(self.activation_name)
        self._linear = self.activation_name == "linear"

    @classmethod
    def describe(cls) -> dict[str, object]:
        return {
            **super().describe(),
            "problem": cls.problem,
            "loss": cls.loss_name,
            "activation": cls.activation_name,
        }

    def n_outputs(self, n_classes: int) -> int:
        return n_classes if self.problem == "multiclass" else 1

    def encode(self, y: np.ndarray) -> np.ndarray:
        """Labels as the loss wants them (done once per dataset, not per step)."""
        return np.asarray(y, dtype=np.float64).reshape(-1, 1)

    def output(self, z: np.ndarray) -> np.ndarray:
        return z if self._linear else self.activation.forward(z)

    def loss_and_grad(self, z: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """(mean loss, dL/dz): the loss on a = act(z), chained back through the activation."""
        if self._linear:
            return self.loss(z, targets)
        a = self.activation.forward(z)
        value, da = self.loss(a, targets)
        return value, self.activation.backward(z, a, da)

    def loss_value(self, z: np.ndarray, targets: np.ndarray) -> float:
        return self.loss.value(self.output(z), targets)

    def score(self, z: np.ndarray) -> np.ndarray:
        """Binary: a number in [-1, 1], positive for class 1. Overridden per problem."""
        return np.tanh(z[:, 0])

    def classify(self, z: np.ndarray) -> np.ndarray:
        """Predicted class indices (classification heads)."""
        return (z[:, 0] > 0).astype(np.int64)


@HEADS.register
class BCEHead(Head):
    name = "bce"
    help = "One logit, sigmoid + binary cross-entropy: the standard binary classifier."
    problem = "binary"
    loss_name = "bce"

    def score(self, z: np.ndarray) -> np.ndarray:
        # 2 sigmoid(z) - 1 = tanh(z / 2): the probability of class 1, mapped to [-1, 1]
        return np.tanh(0.5 * z[:, 0])


@HEADS.register
class TanhMSEHead(Head):
    name = "tanh_mse"
    help = "TensorFlow Playground's output: tanh, squared error against labels -1/+1."
    problem = "binary"
    loss_name = "mse"
    activation_name = "tanh"

    def encode(self, y: np.ndarray) -> np.ndarray:
        return 2.0 * np.asarray(y, dtype=np.float64).reshape(-1, 1) - 1.0


@HEADS.register
class SigmoidMSEHead(Head):
    name = "sigmoid_mse"
    help = "Sigmoid, then squared error against 0/1: stalls on confidently wrong answers."
    problem = "binary"
    loss_name = "mse"
    activation_name = "sigmoid"

    def score(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(0.5 * z[:, 0])


@HEADS.register
class HingeHead(Head):
    name = "hinge"
    help = "One score, hinge loss max(0, 1 - s z) for s = -1/+1: a margin classifier (SVM-like)."
    problem = "binary"
    loss_name = "hinge"

    def score(self, z: np.ndarray) -> np.ndarray:
        return np.clip(z[:, 0], -1.0, 1.0)


@HEADS.register
class SoftmaxCEHead(Head):
    name = "softmax_ce"
    help = "k logits, softmax + cross-entropy: one probability per class."
    problem = "multiclass"
    loss_name = "cross_entropy"

    def encode(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.int64).reshape(-1)

    def score(self, z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def classify(self, z: np.ndarray) -> np.ndarray:
        return np.argmax(z, axis=1)


@HEADS.register
class MSEHead(Head):
    name = "mse"
    help = "One linear output, mean squared error: regression."
    problem = "regression"
    loss_name = "mse"

    def score(self, z: np.ndarray) -> np.ndarray:
        return z[:, 0]

    def classify(self, z: np.ndarray) -> np.ndarray:
        raise TypeError("a regression head has no classes")


def default_head(problem: str, n_classes: int) -> str:
    """The standard head for a dataset: bce for 2 classes, softmax_ce for more, mse for
    regression."""
    if problem == "regression":
        return "mse"
    return "bce" if n_classes == 2 else "softmax_ce"
