"""A training run's configuration: one frozen record, validated as a whole.

Every field is one of three kinds of change when it is edited during a run:
- live: applied between two steps, weights and optimizer state kept (learning rate, optimizer,
  batch size, regularization, dropout rate, activation, shuffling);
- data: new points are drawn, weights kept when the network still fits them;
- model: the network is built again from the init seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from engine.activations import ACTIVATIONS
from engine.datasets import DATASETS, Dataset
from engine.errors import ConfigError
from engine.features import DEFAULT_FEATURES, FEATURES, check_features
from engine.heads import HEADS, default_head
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.model import DROPOUT, NORM, ModelSpec
from engine.optimizers import OPTIMIZERS
from engine.registry import Param, Spec
from engine.regularizers import REGULARIZERS
from engine.surfaces import SURFACES

SEED = Param("seed", 1, low=0, high=2**31 - 1, help="random seed")

# Scalar settings of the trainer, with their bounds: served in the catalog like components.
TRAINER_PARAMS = (
    Param("batch_size", 10, low=1, high=4096, help="examples per gradient step"),
    Param("train_ratio", 0.5, low=0.1, high=0.9, step=0.05, help="share of points for training"),
    Param("n_points", 0, low=0, high=100_000, help="points to draw; 0 means the dataset's own"),
    Param("reg_rate", 0.0, low=0.0, high=10.0, help="strength of the L1/L2 penalty on weights"),
    Param("shuffle", True, help="reshuffle the training points every epoch"),
    Param("data_seed", 1, low=0, high=2**31 - 1, help="seed of the data points and the split"),
    Param("init_seed", 1, low=0, high=2**31 - 1, help="seed of the initial weights"),
    DROPOUT,
    NORM,
)
_SCALARS = {p.name: p for p in TRAINER_PARAMS}

LIVE = frozenset(
    {"optimizer", "batch_size", "regularization", "reg_rate", "dropout", "shuffle", "activation"}
)
DATA = frozenset({"dataset", "n_points", "train_ratio", "data_seed"})
MODEL = frozenset({"features", "hidden", "init", "norm", "output", "init_seed"})


@dataclass(frozen=True)
class TrainConfig:
    dataset: Spec = "circle"
    n_points: int = 0
    train_ratio: float = 0.5
    features: tuple[str, ...] = DEFAULT_FEATURES
    hidden: tuple[int, ...] = (4, 2)
    activation: Spec | tuple[Spec, ...] = "tanh"
    init: Spec = "xavier_uniform"
    norm: str = "none"
    dropout: float = 0.0
    output: str = "auto"  # a head name, or "auto": the standard one for the dataset
    optimizer: Spec = field(default_factory=lambda: {"name": "sgd", "lr": 0.03})
    batch_size: int = 10
    regularization: str = "none"
    reg_rate: float = 0.0
    data_seed: int = 1
    init_seed: int = 1
    shuffle: bool = True

    def with_changes(self, changes: Mapping[str, Any]) -> TrainConfig:
        """A validated copy with `changes` applied (unknown keys are errors)."""
        known = {f.name for f in fields(self)}
        for key in changes:
            if key not in known:
                raise ConfigError(key, key, "a known setting (" + ", ".join(sorted(known)) + ")")
        values = {}
        for key, value in changes.items():  # scalars as their declared type: 5.0 -> 5
            param = _SCALARS.get(key)
            values[key] = param.validate(value, key) if param else _freeze(value)
        new = replace(self, **values)
        new.validate()
        return new

    def validate(self) -> None:
        for name, param in _SCALARS.items():
            param.validate(getattr(self, name), name)
        dataset = self.build_dataset()
        check_features(self.features)
        OPTIMIZERS.from_spec(self.optimizer, "optimizer")
        INITIALIZERS.from_spec(self.init, "init")
        REGULARIZERS.from_spec(self.regularization, "regularization")
        if not isinstance(self.hidden, tuple) or not all(
            isinstance(w, int) and not isinstance(w, bool) for w in self.hidden
        ):
            raise ConfigError("hidden", self.hidden, "a list of layer widths (integers)")
        self.model_spec(dataset.problem, dataset.n_classes()).validate()
        self.model_spec(dataset.problem, dataset.n_classes()).activations()

    def build_dataset(self) -> Dataset:
        return DATASETS.from_spec(self.dataset, "dataset")

    def head_name(self, problem: str, n_classes: int) -> str:
        if self.output == "auto":
            return default_head(problem, n_classes)
        head = HEADS.entry(self.output) if self.output in HEADS else None
        if head is None:
            raise ConfigError("output", self.output, "auto or one of " + ", ".join(HEADS.names()))
        wanted = "regression" if problem == "regression" else "classification"
        got = "regression" if head.problem == "regression" else "classification"
        if wanted != got or (head.problem == "binary" and n_classes != 2):
            fits = [h for h in HEADS.names() if _fits(HEADS.entry(h).problem, problem, n_classes)]
            raise ConfigError("output", self.output, "auto or one of " + ", ".join(fits))
        return self.output

    def model_spec(self, problem: str, n_classes: int) -> ModelSpec:
        return ModelSpec(
            n_inputs=len(self.features),
            hidden=self.hidden,
            activation=self.activation,
            init=self.init,
            norm=self.norm,
            dropout=self.dropout,
            head=self.head_name(problem, n_classes),
            n_classes=max(n_classes, 2),
        )


def _fits(head_problem: str, problem: str, n_classes: int) -> bool:
    if problem == "regression":
        return head_problem == "regression"
    return head_problem == "multiclass" or (head_problem == "binary" and n_classes == 2)


def _freeze(value: Any) -> Any:
    """JSON lists become tuples so the config stays hashable and comparable."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def catalog() -> dict[str, Any]:
    """Everything the pages build their controls from, in one document."""
    return {
        "activations": ACTIVATIONS.catalog(),
        "optimizers": OPTIMIZERS.catalog(),
        "initializers": INITIALIZERS.catalog(),
        "datasets": DATASETS.catalog(),
        "features": FEATURES.catalog(),
        "regularizers": REGULARIZERS.catalog(),
        "outputs": HEADS.catalog(),
        "losses": LOSSES.catalog(),
        "surfaces": SURFACES.catalog(),
        "trainer": [p.describe() for p in TRAINER_PARAMS],
        "defaults": _defaults(),
    }


def _defaults() -> dict[str, Any]:
    base = TrainConfig()
    return {f.name: getattr(base, f.name) for f in fields(base)}
