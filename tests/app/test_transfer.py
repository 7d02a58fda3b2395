"""Moving runs in and out: CSV uploads (classes or regression targets, every error naming the
csv), and export then import restoring config, points and weights exactly."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from app.limits import LimitError
from app.settings import Settings
from app.transfer import VERSION, export_state, import_state, parse_upload
from engine.config import TrainConfig
from engine.errors import ConfigError, DataError
from engine.trainer import Trainer


def rows(labels: list[Any]) -> str:
    return "\n".join(f"{i * 0.1 - 2:.1f},{(i % 5) - 2},{y}" for i, y in enumerate(labels))


def same_weights(a: Trainer, b: Trainer) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


# -- uploads --------------------------------------------------------------------------------


def test_integer_labels_make_a_classification(settings: Settings) -> None:
    x, y, problem, k = parse_upload("x1,x2,label\n" + rows([0, 1, 2, 1, 0, 2]), settings)
    assert (problem, k) == ("classification", 3)
    assert x.shape == (6, 2) and y.tolist() == [0, 1, 2, 1, 0, 2] and y.dtype.kind == "i"
    assert x[1].tolist() == [-1.9, -1.0]


def test_other_numbers_make_a_regression(settings: Settings) -> None:
    _, y, problem, k = parse_upload(rows([0.5, -0.25, 1, -1]), settings)
    assert (problem, k) == ("regression", 0)
    assert y.tolist() == [0.5, -0.25, 1.0, -1.0] and y.dtype.kind == "f"


def test_labels_up_to_5_are_classes(settings: Settings) -> None:
    assert parse_upload(rows([0, 5, 3]), settings)[2:] == ("classification", 6)
    with pytest.raises(DataError) as caught:
        parse_upload(rows([0, 6, 3]), settings)  # neither a class nor in [-1, 1]
    assert caught.value.field == "csv" and "line 2" in str(caught.value)


BAD = {
    "no rows": "x1,x2,label\n",
    "a short row": "1,2,0\n3,4",
    "a word": "1,2,0\n3,4,dog",
    "one class": rows([1, 1, 1]),
    "outside the domain": "0,0,0\n0,7,1",
    "not a number": "0,0,0\n0,nan,1",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_a_bad_upload_names_the_csv(settings: Settings, text: str) -> None:
    with pytest.raises(DataError) as caught:
        parse_upload(text, settings)
    assert caught.value.field == "csv" and "got" in str(caught.value)


def test_an_upload_over_the_limits_is_refused(settings: Settings) -> None:
    with pytest.raises(LimitError) as caught:
        parse_upload("0,0,1\n" * 700, settings)  # 4200 bytes > 4096
    assert caught.value.field == "csv" and "at most 4096 bytes" in str(caught.value)
    roomy = Settings(max_upload_bytes=100_000, max_points=600)
    with pytest.raises(DataError) as caught:
        parse_upload(rows([i % 2 for i in range(601)]), roomy)
    assert caught.value.field == "csv" and "at most 600" in str(caught.value)


# -- export and import ----------------------------------------------------------------------


def trained(**changes: Any) -> Trainer:
    config = {"n_points": 100, "hidden": [3, 2], "optimizer": {"name": "adam", "lr": 0.01}}
    trainer = Trainer(TrainConfig().with_changes({**config, **changes}))
    trainer.run(4)
    return trainer


def test_an_export_is_json_with_the_version_config_epoch_and_weights() -> None:
    trainer = trained()
    state = export_state(trainer)
    assert json.loads(json.dumps(state, allow_nan=False)) == state
    assert (state["version"], state["epoch"]) == (VERSION, 4)
    assert state["config"]["hidden"] == [3, 2] and "points" not in state
    assert set(state["weights"]) == set(trainer.model.state_dict())


def test_import_restores_config_epoch_and_weights_exactly(settings: Settings) -> None:
    trainer = trained()
    state = json.loads(json.dumps(export_state(trainer)))  # as it travels
    restored = import_state(state, settings)
    assert restored.config == trainer.config and restored.epoch == 4
    assert same_weights(restored, trainer)
    assert np.array_equal(restored.data.x_train, trainer.data.x_train)  # the same data seed


def test_import_restores_uploaded_points(settings: Settings) -> None:
    trainer = trained()
    x, y, problem, k = parse_upload(rows([i % 3 for i in range(40)]), settings)
    trainer.set_points(x, y, problem, k, settings.max_points)
    trainer.run(2)
    state = json.loads(json.dumps(export_state(trainer)))
    assert state["points"]["n_classes"] == 3 and len(state["points"]["x"]) == 40
    restored = import_state(state, settings)
    assert (restored.data.source, restored.data.n_classes) == ("custom", 3)
    assert same_weights(restored, trainer)
    got = np.vstack([restored.data.x_train, restored.data.x_test])
    assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, x.tolist()))


def broken(change: dict[str, Any]) -> dict[str, Any]:
    return {**json.loads(json.dumps(export_state(trained()))), **change}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": 2}, "state.version"),
        ({"version": None}, "state.version"),
        ({"config": [1]}, "state.config"),
        ({"config": {"hidden": [3, 2], "colour": 1}}, "colour"),
        ({"config": {"hidden": [2, 2, 2, 2]}}, "hidden"),  # over max_layers
        ({"weights": None}, "state.weights"),
        ({"weights": {}}, "weights"),
        ({"epoch": -1}, "state.epoch"),
        ({"epoch": 1.5}, "state.epoch"),
        ({"points": [1, 2]}, "state.points"),
        (
            {"points": {"x": [[0, 0]], "y": [3], "problem": "classification", "n_classes": 2}},
            "points.y",
        ),
        ({"padding": "x" * 5000}, "state"),  # over max_upload_bytes
    ],
)
def test_a_bad_import_names_the_field(
    settings: Settings, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        import_state(broken(change), settings)
    assert caught.value.field == field


def test_an_import_of_the_wrong_shape_names_the_array(settings: Settings) -> None:
    state = broken({})
    key = next(iter(state["weights"]))
    state["weights"][key] = [[1.0, 2.0]]
    with pytest.raises(ConfigError) as caught:
        import_state(state, settings)
    assert caught.value.field == f"weights.{key}" and "shape" in str(caught.value)
    state["weights"][key] = "heavy"
    with pytest.raises(ConfigError) as caught:
        import_state(state, settings)
    assert caught.value.field == f"weights.{key}"
