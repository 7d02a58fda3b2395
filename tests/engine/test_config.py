"""TrainConfig: defaults, validation naming the field, change kinds, the JSON catalog."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from engine.activations import ACTIVATIONS
from engine.config import DATA, LIVE, MODEL, TRAINER_PARAMS, TrainConfig, catalog
from engine.datasets import DATASETS
from engine.errors import ConfigError
from engine.features import FEATURES
from engine.heads import HEADS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from engine.surfaces import SURFACES

REGISTRIES = {
    "activations": ACTIVATIONS,
    "optimizers": OPTIMIZERS,
    "initializers": INITIALIZERS,
    "datasets": DATASETS,
    "features": FEATURES,
    "regularizers": REGULARIZERS,
    "outputs": HEADS,
    "losses": LOSSES,
    "surfaces": SURFACES,
}
FIELDS = {f.name for f in fields(TrainConfig)}


def _error(changes: dict[str, Any], base: TrainConfig | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        (base or TrainConfig()).with_changes(changes)
    return info.value


# -- catalog ----------------------------------------------------------------------------------


def test_catalog_lists_every_registry_by_name() -> None:
    cat = catalog()
    for key, registry in REGISTRIES.items():
        assert [entry["name"] for entry in cat[key]] == registry.names(), key
    assert [p["name"] for p in cat["trainer"]] == [p.name for p in TRAINER_PARAMS]


def test_catalog_is_strict_json() -> None:
    text = json.dumps(catalog(), allow_nan=False)
    back = json.loads(text)
    assert set(back) == {*REGISTRIES, "trainer", "defaults"}


def test_catalog_defaults_are_the_default_config() -> None:
    defaults = catalog()["defaults"]
    assert set(defaults) == FIELDS
    assert TrainConfig().with_changes(defaults) == TrainConfig()
    assert defaults["hidden"] == (4, 2) and defaults["optimizer"] == {"name": "sgd", "lr": 0.03}


def test_catalog_outputs_say_their_problem_and_loss() -> None:
    for entry in catalog()["outputs"]:
        assert entry["problem"] in ("binary", "multiclass", "regression")
        assert entry["loss"] in LOSSES


# -- defaults and change kinds -----------------------------------------------------------------


def test_defaults_validate() -> None:
    config = TrainConfig()
    config.validate()
    assert config.head_name("classification", 2) == "bce"
    spec = config.model_spec("classification", 2)
    assert spec.n_inputs == len(config.features) and spec.hidden == (4, 2)


def test_every_field_has_exactly_one_change_kind() -> None:
    assert LIVE | DATA | MODEL == FIELDS
    assert not (LIVE & DATA or LIVE & MODEL or DATA & MODEL)


@pytest.mark.parametrize(
    ("problem", "classes", "head"),
    [("classification", 2, "bce"), ("classification", 4, "softmax_ce"), ("regression", 0, "mse")],
)
def test_auto_output_is_the_standard_head(problem: str, classes: int, head: str) -> None:
    assert TrainConfig().head_name(problem, classes) == head


@pytest.mark.parametrize(
    ("dataset", "output", "fits"),
    [
        ("circle", "softmax_ce", True),  # two classes as a 2-way softmax
        ("circle", "hinge", True),
        ("circle", "mse", False),
        ({"name": "spiral_k", "classes": 3}, "softmax_ce", True),
        ({"name": "spiral_k", "classes": 3}, "bce", False),
        ({"name": "spiral_k", "classes": 3}, "tanh_mse", False),
        ("plane", "mse", True),
        ("plane", "bce", False),
        ("plane", "softmax_ce", False),
    ],
)
def test_output_must_fit_the_dataset(dataset: Any, output: str, fits: bool) -> None:
    changes = {"dataset": dataset, "output": output}
    if fits:
        assert TrainConfig().with_changes(changes).output == output
    else:
        err = _error(changes)
        assert err.field == "output" and err.value == output


# -- with_changes -----------------------------------------------------------------------------


def test_with_changes_returns_a_new_config_and_freezes_lists() -> None:
    base = TrainConfig()
    new = base.with_changes({"hidden": [3, 5, 2], "features": ["x1", "x2", "x1_x2"]})
    assert new.hidden == (3, 5, 2) and new.features == ("x1", "x2", "x1_x2")
    assert base.hidden == (4, 2)
    assert new != base
    assert new.model_spec("classification", 2).n_inputs == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"learning_rate": 0.1}, "learning_rate"),
        ({"hidden": [4, "a"]}, "hidden"),
        ({"hidden": [4, True]}, "hidden"),
        ({"hidden": 4}, "hidden"),
        ({"hidden": [4, 0]}, "hidden[1]"),
        ({"hidden": [4, 2000]}, "hidden[1]"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"train_ratio": 0.95}, "train_ratio"),
        ({"reg_rate": -1.0}, "reg_rate"),
        ({"reg_rate": float("nan")}, "reg_rate"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"dropout": 0.95}, "dropout"),
        ({"norm": "group_norm"}, "norm"),
        ({"init_seed": -1}, "init_seed"),
        ({"optimizer": {"name": "sgd", "lr": 50.0}}, "optimizer.lr"),
        ({"optimizer": {"name": "sgd", "beta": 0.5}}, "optimizer.beta"),
        ({"optimizer": {"name": "nadam"}}, "optimizer.name"),
        ({"optimizer": 3}, "optimizer"),
        ({"activation": "swishy"}, "activation.name"),
        ({"activation": ["tanh", "relu", "tanh"]}, "activation"),
        ({"init": {"name": "normal", "std": 0.0}}, "init.std"),
        ({"regularization": "l3"}, "regularization.name"),
        ({"features": ["x1", "x9"]}, "features"),
        ({"features": []}, "features"),
        ({"dataset": "donut"}, "dataset.name"),
        ({"dataset": {"name": "circle", "noise": 80}}, "dataset.noise"),
        ({"output": "softmax"}, "output"),
    ],
)
def test_bad_changes_name_the_field(changes: dict[str, Any], field: str) -> None:
    base = TrainConfig()
    err = _error(changes, base)
    assert err.field == field
    assert str(err).startswith(field + " must be")
    assert base == TrainConfig()


def test_unknown_key_lists_the_known_settings() -> None:
    err = _error({"lr": 0.1})
    assert "optimizer" in err.expected and "batch_size" in err.expected


def test_per_layer_activations_validate_each_layer() -> None:
    config = TrainConfig().with_changes({"hidden": [3, 3], "activation": ["relu", "sine"]})
    names = [a.name for a in config.model_spec("classification", 2).activations()]
    assert names == ["relu", "sine"]
    err = _error({"hidden": [3, 3], "activation": ["relu", "nope"]})
    assert err.field == "activation[1].name"


def test_component_specs_with_parameters_are_accepted() -> None:
    config = TrainConfig().with_changes(
        {
            "optimizer": {"name": "adam", "lr": 0.01, "beta1": 0.8},
            "activation": {"name": "leaky_relu", "slope": 0.2},
            "dataset": {"name": "spiral_k", "classes": 4, "noise": 10},
            "regularization": "l2",
            "reg_rate": 0.01,
        }
    )
    assert config.head_name("classification", 4) == "softmax_ce"
    assert config.optimizer == {"name": "adam", "lr": 0.01, "beta1": 0.8}


def test_whole_number_floats_become_integers_for_integer_settings() -> None:
    config = TrainConfig().with_changes({"batch_size": 5.0, "init_seed": 3.0, "n_points": 100.0})
    assert (config.batch_size, config.init_seed, config.n_points) == (5, 3, 100)
    assert all(isinstance(v, int) for v in (config.batch_size, config.init_seed, config.n_points))
