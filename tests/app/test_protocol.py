"""Client messages: every command type parses from its smallest valid form, and every kind of
bad message raises ProtocolError naming the field and the command it came in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.protocol import TYPES, Command, ProtocolError, Start, Step, parse

# The smallest valid message of every command type: a new command must add one here.
MINIMAL: dict[str, dict[str, Any]] = {
    "start": {},
    "configure": {"changes": {}},
    "play": {},
    "pause": {},
    "step": {},
    "reset": {},
    "rewind": {},
    "regenerate": {},
    "set_weight": {"layer": 0, "source": 0, "target": 0, "value": 0.5},
    "set_bias": {"layer": 0, "neuron": 0, "value": -1},
    "add_points": {"points": [[1, 2]], "labels": [1]},
    "upload_csv": {"text": "1,2,0"},
    "export": {},
    "import": {"state": {}},
    "focus": {},
    "view_options": {"options": {}},
    "speed": {"epochs_per_second": None},
}


def test_every_command_type_has_an_example() -> None:
    assert set(MINIMAL) == set(TYPES)


@pytest.mark.parametrize("kind", TYPES)
def test_every_command_parses_from_its_smallest_form(kind: str) -> None:
    command = parse(json.dumps({"type": kind, **MINIMAL[kind]}))
    assert isinstance(command, Command) and command.type == kind  # type: ignore[attr-defined]
    assert command.seq is None
    assert parse(json.dumps({"type": kind, "seq": 9, **MINIMAL[kind]})).seq == 9


def test_defaults_and_bytes() -> None:
    step = parse(b'{"type": "step"}')
    assert isinstance(step, Step) and step.epochs == 1
    start = parse('{"type": "start"}')
    assert isinstance(start, Start)
    assert (start.config, start.play, start.views) == ({}, False, None)
    focus = parse('{"type": "focus", "layer": null, "neuron": 2}')
    assert (focus.layer, focus.neuron) == (None, 2)  # type: ignore[attr-defined]
    points = parse('{"type": "add_points", "points": [[1, 2]], "labels": [0]}')
    assert points.split == "train"  # type: ignore[attr-defined]


BAD: dict[str, tuple[str | bytes, str | None, str | None]] = {
    # id: (text, field, request)
    "malformed JSON": ('{"type": ', None, None),
    "not UTF-8": (b'{"type": "\xff"}', None, None),
    "an array": ("[]", None, None),
    "a number": ("3", None, None),
    "null": ("null", None, None),
    "no type": ('{"seq": 1}', "type", None),
    "type not a string": ('{"type": 5}', "type", None),
    "an unknown type": ('{"type": "fly"}', "type", None),
    "an unknown field": ('{"type": "pause", "now": true}', "now", "pause"),
    "a missing field": ('{"type": "configure"}', "changes", "configure"),
    "seq not an integer": ('{"type": "pause", "seq": "first"}', "seq", "pause"),
    "epochs not an integer": ('{"type": "step", "epochs": 1.5}', "epochs", "step"),
    "epochs 0": ('{"type": "step", "epochs": 0}', "epochs", "step"),
    "play not a boolean": ('{"type": "start", "play": [1]}', "play", "start"),
    "config not an object": ('{"type": "start", "config": "xor"}', "config", "start"),
    "views not a list": ('{"type": "start", "views": "metrics"}', "views", "start"),
    "a seed below 0": ('{"type": "reset", "init_seed": -1}', "init_seed", "reset"),
    "a seed too big": (
        '{"type": "regenerate", "data_seed": 4294967296}',
        "data_seed",
        "regenerate",
    ),
    "a NaN value": (
        '{"type": "set_bias", "layer": 0, "neuron": 0, "value": NaN}',
        "value",
        "set_bias",
    ),
    "an infinite value": (
        '{"type": "set_weight", "layer": 0, "source": 0, "target": 0, "value": -Infinity}',
        "value",
        "set_weight",
    ),
    "a point not a pair of numbers": (
        '{"type": "add_points", "points": [[1, "x"]], "labels": [0]}',
        "points.0.1",
        "add_points",
    ),
    "an unknown split": (
        '{"type": "add_points", "points": [], "labels": [], "split": "valid"}',
        "split",
        "add_points",
    ),
    "text not a string": ('{"type": "upload_csv", "text": 3}', "text", "upload_csv"),
    "state not an object": ('{"type": "import", "state": "{}"}', "state", "import"),
    "a speed of 0": ('{"type": "speed", "epochs_per_second": 0}', "epochs_per_second", "speed"),
    "a speed too high": (
        '{"type": "speed", "epochs_per_second": 1e6}',
        "epochs_per_second",
        "speed",
    ),
}


@pytest.mark.parametrize(("text", "field", "request_type"), BAD.values(), ids=BAD.keys())
def test_a_bad_message_raises_naming_the_field(
    text: str | bytes, field: str | None, request_type: str | None
) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse(text)
    error = caught.value
    assert (error.field, error.request) == (field, request_type)
    assert str(error) == error.message
    if field is not None:
        assert error.message.startswith(field) and "got" in error.message


def test_an_error_shows_what_came() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse('{"type": "step", "epochs": "many"}')
    assert caught.value.message.endswith('(got "many")')
    with pytest.raises(ProtocolError) as caught:
        parse('{"type": "fly"}')
    assert "start" in caught.value.message and "'fly'" in caught.value.message


def test_a_long_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse(json.dumps({"type": "upload_csv", "text": ["x" * 500]}))
    assert len(caught.value.message) < 200
