"""Registries: one per kind of component, keyed by short exact names.

A component is a class with class attributes `name`, `help` and `params` (a tuple of `Param`).
Constructing it validates every hyperparameter against its `Param`; `set(**changes)` changes
them later (live) with the same validation. The registry's `catalog()` is the single source the
API serves and the pages build their controls from.

    ACTIVATIONS = Registry("activation")

    @ACTIVATIONS.register
    class LeakyReLU(Component):
        name = "leaky_relu"
        help = "..."
        params = (Param("slope", 0.01, low=0.0, high=1.0, help="slope for x < 0"),)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from engine.errors import ConfigError

KINDS = ("float", "int", "bool", "choice")


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its default, bounds (inclusive) and a one-line help.

    `kind` is inferred from the default when not given. `log` hints that a slider for it should
    be logarithmic; `step` is a UI hint for the slider step.
    """

    name: str
    default: Any
    low: float | None = None
    high: float | None = None
    help: str = ""
    kind: str = ""
    choices: tuple[Any, ...] = ()
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        if not self.kind:
            kind = (
                "choice"
                if self.choices
                else "bool"
                if isinstance(self.default, bool)
                else "int"
                if isinstance(self.default, int)
                else "float"
            )
            object.__setattr__(self, "kind", kind)
        if self.kind not in KINDS:
            raise ValueError(f"Param.kind must be one of {KINDS}, got {self.kind!r}")
        self.validate(self.default, self.name)  # a default outside its own bounds is a bug

    def expected(self) -> str:
        """The phrase that completes "<field> must be ..."."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        noun = "an integer" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} in [{_num(self.low)}, {_num(self.high)}]"
        if self.low is not None:
            return f"{noun} >= {_num(self.low)}"
        if self.high is not None:
            return f"{noun} <= {_num(self.high)}"
        return "an integer" if self.kind == "int" else "a finite number"

    def validate(self, value: Any, field_path: str) -> Any:
        """Return `value` converted to this param's type, or raise ConfigError."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(field_path, value, self.expected())
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(field_path, value, self.expected())
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(field_path, value, self.expected())
        given = value
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ConfigError(field_path, given, self.expected())
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ConfigError(field_path, given, self.expected())
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ConfigError(field_path, given, self.expected())
        return value

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "default": self.default}
        out["help"] = self.help
        if self.low is not None:
            out["low"] = self.low
        if self.high is not None:
            out["high"] = self.high
        if self.choices:
            out["choices"] = list(self.choices)
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return out


def _num(x: float) -> str:
    return f"{x:g}"


def validate_params(
    params: Iterable[Param], values: Mapping[str, Any], prefix: str, *, partial: bool = False
) -> dict[str, Any]:
    """Validate `values` against `params`: unknown keys are errors; missing ones take defaults
    unless `partial` (then only the given keys come back)."""
    by_name = {p.name: p for p in params}
    for key in values:
        if key not in by_name:
            allowed = ", ".join(by_name) or "no parameters"
            raise ConfigError(f"{prefix}.{key}", key, f"a known parameter ({allowed})")
    out: dict[str, Any] = {}
    for name, p in by_name.items():
        if name in values:
            out[name] = p.validate(values[name], f"{prefix}.{name}")
        elif not partial:
            out[name] = p.default
    return out


class Component:
    """Base of every registered component: validated hyperparameters as attributes."""

    name: ClassVar[str] = ""
    help: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    # Extra catalog entries (formula, note, problem type...): JSON-ready values only.
    info: ClassVar[dict[str, Any]] = {}

    def __init__(self, **values: Any) -> None:
        for key, value in validate_params(self.params, values, self.name).items():
            setattr(self, key, value)

    def set(self, **changes: Any) -> None:
        """Change hyperparameters live, with the same validation as construction."""
        for key, value in validate_params(self.params, changes, self.name, partial=True).items():
            setattr(self, key, value)

    def config(self) -> dict[str, Any]:
        """The current hyperparameters, as `build(name, **config())` would take them."""
        return {p.name: getattr(self, p.name) for p in self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "help": cls.help,
            "params": [p.describe() for p in cls.params],
            **cls.info,
        }


C = TypeVar("C", bound=Component)
Spec = str | Mapping[str, Any]


@dataclass
class Registry(Generic[C]):
    """Components of one kind by name: `get`, `build`, `names`, `catalog`."""

    kind: str
    _entries: dict[str, type[C]] = field(default_factory=dict)

    def register(self, cls: type[C]) -> type[C]:
        if not cls.name:
            raise ValueError(f"{cls.__name__} has no name")
        if cls.name in self._entries:
            raise ValueError(f"{self.kind} {cls.name!r} is registered twice")
        self._entries[cls.name] = cls
        return cls

    def entry(self, name: str) -> type[C]:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ConfigError(self.kind, name, "one of " + ", ".join(self._entries)) from None

    def build(self, name: str, **values: Any) -> C:
        """A new component with validated hyperparameters (defaults for the rest)."""
        return self.entry(name)(**values)

    def get(self, name: str) -> C:
        """A new component with default hyperparameters."""
        return self.build(name)

    def from_spec(self, spec: Spec, field_path: str | None = None) -> C:
        """Build from a spec: a bare name, or a mapping {"name": ..., **hyperparameters}.

        Errors name `field_path` (default: the registry's kind) in place of the component's name.
        """
        where = field_path or self.kind
        if isinstance(spec, str):
            name, values = spec, {}
        elif isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            name, values = spec["name"], {k: v for k, v in spec.items() if k != "name"}
        else:
            raise ConfigError(
                where, spec, f'the name of a {self.kind}, or {{"name": ..., parameters}}'
            )
        try:
            cls = self._entries[name]
        except KeyError:
            raise ConfigError(f"{where}.name", name, "one of " + ", ".join(self._entries)) from None
        validated = validate_params(cls.params, values, where)
        return cls(**validated)

    def names(self) -> list[str]:
        return list(self._entries)

    def catalog(self) -> list[dict[str, Any]]:
        return [cls.describe() for cls in self._entries.values()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
