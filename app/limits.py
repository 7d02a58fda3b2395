"""The server's limits (settings), enforced on every config, upload and import."""

from __future__ import annotations

from typing import Any

from app.settings import Settings
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.trainer import Trainer


class LimitError(ConfigError):
    """A value the engine allows but this server's settings do not."""


def check_config(config: TrainConfig, settings: Settings) -> None:
    if len(config.hidden) > settings.max_layers:
        raise LimitError(
            "hidden", list(config.hidden), f"at most {settings.max_layers} hidden layers"
        )
    for i, width in enumerate(config.hidden):
        if width > settings.max_neurons:
            raise LimitError(f"hidden[{i}]", width, f"at most {settings.max_neurons} neurons")
    if config.batch_size > settings.max_batch_size:
        raise LimitError("batch_size", config.batch_size, f"at most {settings.max_batch_size}")
    points = config.n_points or config.build_dataset().n_points
    if points > settings.max_points:
        raise LimitError("n_points", points, f"at most {settings.max_points} points")


def check_points_room(trainer: Trainer, adding: int, settings: Settings) -> None:
    d = trainer.data
    have = len(d.x_train) + len(d.x_test)
    if have + adding > settings.max_points:
        room = settings.max_points - have
        raise LimitError("points", adding, f"at most {room} more (limit {settings.max_points})")


def check_size(field: str, text: Any, settings: Settings) -> None:
    size = len(text.encode()) if isinstance(text, str) else len(text)
    if size > settings.max_upload_bytes:
        raise LimitError(field, f"{size} bytes", f"at most {settings.max_upload_bytes} bytes")
