"""JSON answers for the labs' endpoints: always valid JSON, engine errors as 422s.

Every number a lab page draws comes from the engine through an endpoint; these keep the
answers in one shape: NumPy values as plain JSON (inf and NaN as null, as on the websocket)
and a ConfigError as FastAPI's own validation error, whose `loc` names the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from fastapi import HTTPException, Response
from pydantic import BaseModel, ConfigDict

from app.frames import to_json
from engine.errors import ConfigError


@contextmanager
def engine_errors(*prefix: str | int) -> Iterator[None]:
    """Turn the engine's ConfigError into a 422 shaped as FastAPI's own validation errors:
    `loc` names the field (under `prefix`), `msg` the value and what was expected."""
    try:
        yield
    except ConfigError as err:
        loc = ["body", *prefix, *str(err.field).split(".")]
        raise HTTPException(422, [{"loc": loc, "msg": str(err), "type": "value_error"}]) from None


def json_response(content: dict[str, Any]) -> Response:
    """NumPy arrays as lists, inf and NaN as null (app.frames.to_json): always valid JSON."""
    return Response(to_json(_plain(content)), media_type="application/json")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.floating | np.integer):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
