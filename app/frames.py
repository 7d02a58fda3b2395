"""Building and encoding what the server sends: frames, network and points messages.

Grids travel as bytes (one per cell), deflated and base64-encoded (docs/protocol.md). JSON is
written with `to_json`, which turns every non-finite float into null, so no NaN ever reaches
a page as invalid JSON.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.trainer import Trainer
from engine.views import (
    activation_stats,
    feature_grids,
    layer_gradients,
    metrics,
    network_grids,
    neuron_grid,
)

CLASS_LEVELS = 40  # byte = 40 * class + confidence level (0..39); 6 classes fit in a byte


def to_json(message: dict[str, Any]) -> str:
    try:
        return json.dumps(message, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_finite(message), allow_nan=False, separators=(",", ":"))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def pack(bytes_: np.ndarray) -> str:
    """uint8 array -> base64 of its deflated bytes."""
    return base64.b64encode(zlib.compress(bytes_.tobytes(), 6)).decode("ascii")


def quantize(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Values in [-scale, scale] to bytes: b = round((v / scale + 1) * 127.5), clipped."""
    v = np.nan_to_num(values / scale, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.rint((np.clip(v, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def encode_output(output: np.ndarray) -> dict[str, Any]:
    n = output.shape[0]
    if output.ndim == 2:
        return {"n": n, "kind": "score", "data": pack(quantize(output))}
    k = output.shape[2]
    cls = output.argmax(axis=2)
    conf = (output.max(axis=2) - 1.0 / k) / (1.0 - 1.0 / k)  # 1/k .. 1 -> 0 .. 1
    level = np.rint(np.clip(np.nan_to_num(conf), 0, 1) * (CLASS_LEVELS - 1))
    return {"n": n, "kind": "class", "data": pack((cls * CLASS_LEVELS + level).astype(np.uint8))}


def encode_grids(grids: np.ndarray) -> dict[str, Any]:
    """(count, n, n) grids sharing one symmetric scale (at least 1, as TFP's [-1, 1])."""
    peak = float(np.max(np.abs(grids))) if grids.size else 1.0
    scale = max(1.0, peak) if math.isfinite(peak) else 1.0
    return {"n": grids.shape[-1], "scale": scale, "data": pack(quantize(grids, scale))}


def _rounded(a: np.ndarray) -> list[Any]:
    return np.round(a, 5).tolist()


@dataclass
class FrameContext:
    """What a view may use: the run (`trainer` for a network run), the grid sizes, the
    focused neuron, the session's view options, the last epoch already sent, and a cache so
    views that share a computation (the output and neuron grids) do it once per frame."""

    run: Any  # app.runs.Run (not imported: runs registers views here)
    grid: int
    thumb: int
    focus: tuple[int, int] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    since: int = -1
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def trainer(self) -> Trainer:
        trainer = getattr(self.run, "trainer", None)
        if trainer is None:
            raise ConfigError("views", self.run.kind, "views of a network run ('trainer')")
        return trainer

    def grids(self) -> dict[str, Any]:
        if "grids" not in self.cache:
            self.cache["grids"] = network_grids(self.trainer, self.grid, self.thumb)
        return self.cache["grids"]


View = Callable[[FrameContext], Any]
# Everything a frame can carry, by name. A lab asks for the views it draws (`start.views`);
# a new lab with a new picture registers one more view here and touches nothing else.
VIEWS: dict[str, View] = {}
DEFAULT_VIEWS = ("metrics", "output", "neurons", "weights", "biases", "gradients", "focus")


VIEW_RUNS: dict[str, tuple[str, ...]] = {}  # the kinds of run each view can show


def view(name: str, runs: tuple[str, ...] = ("trainer",)) -> Callable[[View], View]:
    def register(fn: View) -> View:
        if name in VIEWS:
            raise ValueError(f"view {name!r} is registered twice")
        VIEWS[name] = fn
        VIEW_RUNS[name] = runs
        return fn

    return register


def views_for(run_kind: str) -> list[str]:
    return [name for name, runs in VIEW_RUNS.items() if run_kind in runs]


@view("metrics")
def _metrics(ctx: FrameContext) -> Any:
    return metrics(ctx.trainer)


@view("output")
def _output(ctx: FrameContext) -> Any:
    return encode_output(ctx.grids()["output"])


@view("neurons")
def _neurons(ctx: FrameContext) -> Any:
    return [encode_grids(g) for g in ctx.grids()["neurons"]]


@view("weights")
def _weights(ctx: FrameContext) -> Any:
    return [_rounded(d.params["weight"]) for d in ctx.trainer.model.dense]


@view("biases")
def _biases(ctx: FrameContext) -> Any:
    return [_rounded(d.params["bias"]) for d in ctx.trainer.model.dense]


@view("gradients")
def _gradients(ctx: FrameContext) -> Any:
    return layer_gradients(ctx.trainer)


@view("activations")
def _activations(ctx: FrameContext) -> Any:
    return activation_stats(ctx.trainer)


@view("focus")
def _focus(ctx: FrameContext) -> Any:
    if ctx.focus is None:
        return None
    layer, neuron = ctx.focus
    values = neuron_grid(ctx.trainer, layer, neuron, ctx.grid)
    return {"layer": layer, "neuron": neuron, **encode_grids(values[None])}


def frame(ctx: FrameContext, views: tuple[str, ...]) -> dict[str, Any]:
    """The named views, and the run's history (losses) of every epoch after `ctx.since`."""
    run = ctx.run
    msg: dict[str, Any] = {
        "type": "frame",
        "epoch": run.epoch,
        "history": run.history_since(ctx.since),
    }
    # A run near divergence has huge (finite) weights: the grids and norms may overflow. That
    # is expected and handled (quantize clips, to_json sends null), so no warning either.
    with np.errstate(all="ignore"):
        for name in views:
            msg[name] = VIEWS[name](ctx)
    return msg


def network(trainer: Trainer, thumb: int) -> dict[str, Any]:
    c, d, model = trainer.config, trainer.data, trainer.model
    sizes = [len(c.features), *c.hidden, model.dense[-1].params["bias"].shape[0]]
    return {
        "type": "network",
        "config": config_dict(trainer),
        "sizes": sizes,
        "features": list(c.features),
        "problem": d.problem,
        "n_classes": d.n_classes,
        "head": model.head.name,
        "source": d.source,
        "feature_grids": encode_grids(feature_grids(c.features, thumb)),
    }


def points(trainer: Trainer) -> dict[str, Any]:
    d = trainer.data

    def split(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        return {"x": np.round(x, 4).tolist(), "y": np.round(y, 4).tolist()}

    return {
        "type": "points",
        "problem": d.problem,
        "n_classes": d.n_classes,
        "train": split(d.x_train, d.y_train),
        "test": split(d.x_test, d.y_test),
    }


def config_dict(trainer: Trainer) -> dict[str, Any]:
    """The config as JSON-ready data (tuples as lists)."""
    return json.loads(json.dumps(asdict(trainer.config)))
