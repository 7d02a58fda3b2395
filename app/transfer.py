"""Moving a run in and out: CSV uploads, and export/import of config with trained weights."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import numpy as np

from app.limits import check_config, check_size
from app.settings import Settings
from engine.config import TrainConfig
from engine.datasets import parse_csv
from engine.errors import ConfigError, DataError
from engine.trainer import Trainer

VERSION = 1
MAX_CLASSES = 6


def parse_upload(text: str, settings: Settings) -> tuple[np.ndarray, np.ndarray, str, int]:
    """CSV text -> points, labels, problem and class count. Integer labels 0..5 make a
    classification problem; any other numbers (in [-1, 1]) a regression."""
    check_size("csv", text, settings)
    x, y = _read(text, settings)
    return x, y, *_problem_of(y)


def _read(text: str, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    # Class indices first; failing that, regression targets; the first error is the one shown.
    try:
        return parse_csv(text, "classification", MAX_CLASSES, settings.max_points)
    except DataError as first:
        try:
            return parse_csv(text, "regression", 0, settings.max_points)
        except DataError:
            raise first from None


def _problem_of(y: np.ndarray) -> tuple[str, int]:
    if y.dtype.kind in "iu":
        k = int(y.max()) + 1
        if len(np.unique(y)) < 2:  # all 0s, or all 1s: one class either way
            raise DataError("csv", "one class", "labels of at least two classes (0 and 1)")
        return "classification", k
    return "regression", 0


def export_state(trainer: Trainer) -> dict[str, Any]:
    state: dict[str, Any] = {
        "version": VERSION,
        "config": json.loads(json.dumps(asdict(trainer.config))),
        "epoch": trainer.epoch,
        "weights": {k: v.tolist() for k, v in trainer.model.state_dict().items()},
    }
    d = trainer.data
    if d.source == "custom":
        x = np.vstack([d.x_train, d.x_test])
        y = np.concatenate([d.y_train, d.y_test])
        state["points"] = {"x": x.tolist(), "y": y.tolist(), "problem": d.problem,
                           "n_classes": d.n_classes}  # fmt: skip
    return state


def import_state(state: dict[str, Any], settings: Settings) -> Trainer:
    check_size("state", json.dumps(state), settings)
    if state.get("version") != VERSION:
        raise ConfigError("state.version", state.get("version"), f"{VERSION}")
    if not isinstance(state.get("config"), dict):
        raise ConfigError("state.config", state.get("config"), "an object of settings")
    config = TrainConfig().with_changes(state["config"])
    check_config(config, settings)
    trainer = Trainer(config)
    points = state.get("points")
    if points is not None:
        if not isinstance(points, dict):
            raise ConfigError("state.points", points, "an object with x, y, problem, n_classes")
        trainer.set_points(points.get("x"), points.get("y"), points.get("problem"),
                           points.get("n_classes"), settings.max_points)  # fmt: skip
    weights = state.get("weights")
    if not isinstance(weights, dict):
        raise ConfigError("state.weights", weights, "an object of named weight arrays")
    trainer.model.load_state_dict(weights)
    epoch = state.get("epoch", 0)
    if not isinstance(epoch, int) or epoch < 0:
        raise ConfigError("state.epoch", epoch, "a non-negative integer")
    trainer.epoch = epoch
    return trainer
