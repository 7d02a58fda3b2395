"""Input features: TensorFlow Playground's seven functions of the point (x1, x2).

Each feature maps points x of shape (n, 2) to one column (n,) with one NumPy expression;
`transform` stacks the chosen ones into the network's input (n, k), in the order given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from engine.errors import ConfigError
from engine.registry import Component, Registry


class Feature(Component):
    """One input column computed from the point (x1, x2); `label` (unicode) and `formula`
    (LaTeX) go to the catalog."""

    label: ClassVar[str] = ""
    formula: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.info = {"label": cls.label, "formula": cls.formula}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


FEATURES: Registry[Feature] = Registry("feature")
DEFAULT_FEATURES = ("x1", "x2")


@FEATURES.register
class X1(Feature):
    name = "x1"
    help = "the first coordinate"
    label = "X₁"
    formula = "x_1"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x[:, 0]


@FEATURES.register
class X2(Feature):
    name = "x2"
    help = "the second coordinate"
    label = "X₂"
    formula = "x_2"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x[:, 1]


@FEATURES.register
class X1Squared(Feature):
    name = "x1_sq"
    help = "the first coordinate squared"
    label = "X₁²"
    formula = "x_1^2"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.square(x[:, 0])


@FEATURES.register
class X2Squared(Feature):
    name = "x2_sq"
    help = "the second coordinate squared"
    label = "X₂²"
    formula = "x_2^2"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.square(x[:, 1])


@FEATURES.register
class X1TimesX2(Feature):
    name = "x1_x2"
    help = "the product of the coordinates"
    label = "X₁X₂"
    formula = "x_1 x_2"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x[:, 0] * x[:, 1]


@FEATURES.register
class SinX1(Feature):
    name = "sin_x1"
    help = "the sine of the first coordinate"
    label = "sin(X₁)"
    formula = r"\sin(x_1)"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0])


@FEATURES.register
class SinX2(Feature):
    name = "sin_x2"
    help = "the sine of the second coordinate"
    label = "sin(X₂)"
    formula = r"\sin(x_2)"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 1])


def check_features(names: Sequence[str]) -> tuple[str, ...]:
    """`names` as a tuple after checking it is a non-empty list of known, distinct features."""
    known = "one of " + ", ".join(FEATURES.names())
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ConfigError("features", names, "a list of feature names, each " + known)
    if not names:
        raise ConfigError("features", list(names), "at least one feature, each " + known)
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            raise ConfigError("features", name, known)
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ConfigError("features", twice, "each feature at most once")
    return tuple(names)


def transform(x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The network input (n, len(names)) float64: column j is feature names[j] of x (n, 2)."""
    names = check_features(names)
    x = np.asarray(x, dtype=np.float64)
    out = np.empty((len(x), len(names)))
    for j, name in enumerate(names):
        out[:, j] = FEATURES.entry(name)()(x)
    return out
