"""The websocket protocol's client messages (docs/protocol.md), validated by pydantic.

`parse(text)` returns one command model or raises `ProtocolError` naming the field. Component
names and bounds are not checked here: the engine checks them (ConfigError) when a command is
applied, so there is one source for every bound.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

SEED = Annotated[int, Field(ge=0, le=2**31 - 1)]
FINITE = Annotated[float, Field(allow_inf_nan=False)]


class ProtocolError(ValueError):
    """A message that is not valid JSON or not one of the protocol's commands."""

    def __init__(self, field: str | None, message: str, request: str | None = None) -> None:
        self.field, self.message, self.request = field, message, request
        super().__init__(message)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)
    seq: int | None = None


class Start(Command):
    type: Literal["start"]
    config: dict[str, Any] = Field(default_factory=dict)
    play: bool = False
    views: list[str] | None = None  # what frames carry (app.frames.VIEWS); None: the default
    run: str = "trainer"  # what the session runs (app.runs.RUNS)
    options: dict[str, Any] | None = None  # view options, as a view_options command


class Configure(Command):
    type: Literal["configure"]
    changes: dict[str, Any]


class Play(Command):
    type: Literal["play"]


class Pause(Command):
    type: Literal["pause"]


class Step(Command):
    type: Literal["step"]
    epochs: int = Field(1, ge=1)


class Reset(Command):
    type: Literal["reset"]
    init_seed: SEED | None = None


class Rewind(Command):
    type: Literal["rewind"]


class Regenerate(Command):
    type: Literal["regenerate"]
    data_seed: SEED | None = None


class SetWeight(Command):
    type: Literal["set_weight"]
    layer: int
    source: int
    target: int
    value: FINITE


class SetBias(Command):
    type: Literal["set_bias"]
    layer: int
    neuron: int
    value: FINITE


class AddPoints(Command):
    type: Literal["add_points"]
    points: list[list[float]]
    labels: list[float]
    split: Literal["train", "test"] = "train"


class UploadCSV(Command):
    type: Literal["upload_csv"]
    text: str


class Export(Command):
    type: Literal["export"]


class Import(Command):
    type: Literal["import"]
    state: dict[str, Any]


class Focus(Command):
    type: Literal["focus"]
    layer: int | None = None
    neuron: int = 0


class ViewOptions(Command):
    type: Literal["view_options"]
    options: dict[str, Any]


class Speed(Command):
    type: Literal["speed"]
    epochs_per_second: float | None = Field(None, gt=0, le=100_000)


# fmt: off
AnyCommand = Annotated[
    Start | Configure | Play | Pause | Step | Reset | Rewind | Regenerate | SetWeight | SetBias
    | AddPoints | UploadCSV | Export | Import | Focus | ViewOptions | Speed,
    Field(discriminator="type"),
]
# fmt: on
_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCommand)
TYPES = tuple(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in Command.__subclasses__()
)


def parse(text: str | bytes) -> Command:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(None, f"message must be a JSON object: {exc.msg}") from None
    except UnicodeDecodeError as exc:  # a binary message
        raise ProtocolError(None, f"message must be UTF-8 text: {exc.reason}") from None
    if not isinstance(data, dict):
        raise ProtocolError(None, "message must be a JSON object with a 'type'")
    kind = data.get("type")
    if kind not in TYPES:
        raise ProtocolError("type", f"type must be one of {', '.join(TYPES)}, got {kind!r}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"][1:]]  # the first element is the command's tag
        field = ".".join(loc) or None
        got = err.get("input")
        shown = json.dumps(got)[:60] if _jsonable(got) else repr(got)[:60]
        raise ProtocolError(field, f"{field}: {err['msg'].lower()} (got {shown})", kind) from None


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
