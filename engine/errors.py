"""The engine's errors: a small hierarchy, each naming the field, the value and what was allowed.

    PlaygroundError
    └── ConfigError (also a ValueError): a name or value that is not allowed
        └── DataError: user-given points of the wrong shape, type or range

Divergence (a non-finite loss) is not an error: the trainer reports it as a status.
"""

from __future__ import annotations

from typing import Any


class PlaygroundError(Exception):
    """Base of every error the engine raises on purpose."""


class ConfigError(PlaygroundError, ValueError):
    """A configuration value that is not allowed.

    `field` is a dotted path ("optimizer.lr"), `value` what came, `expected` a phrase that
    completes "must be ..." ("a number in [0.0001, 3]").
    """

    def __init__(self, field: str, value: Any, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field} must be {expected}, got {_show(value)}")


class DataError(ConfigError):
    """User-given data (points, labels, uploads) of the wrong shape, type or range."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
