"""What a session runs: a kind of run, chosen by the `start` message's `run` field.

A session (app/session.py) drives any run through the same small surface: `step()` one unit
(an epoch, or a race step), `configure(changes)`, `reset(seed)`, `status`, `epoch`,
`describe()` (the messages a page needs after a start or a rebuild) and `history_since()`.
Everything else about streaming (throttling, chunks, commands between chunks, errors) is
the session's and is shared by every lab.

    trainer  a network training on 2-D data (engine.trainer.Trainer): the Playground, the
             activations, losses and manifold labs, batch-size comparisons
    race     optimizers racing on a 2-D loss surface (engine.race.Race): the optimizers lab
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from app import frames
from app.limits import LimitError, check_config
from app.settings import Settings
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.race import NOISE, RACE_SEED, TOLERANCE, Race, RacerStatus, theory
from engine.registry import Param
from engine.surfaces import contour_grid
from engine.trainer import Status, Trainer


class Run:
    """The surface a session drives. Subclasses wrap one engine object."""

    kind: ClassVar[str]
    epoch: int
    status: Status
    divergence: dict[str, Any] | None = None

    def step(self) -> None:
        raise NotImplementedError

    def configure(self, changes: dict[str, Any]) -> set[str]:
        """Apply changes; returns the kinds that happened: "live", "data", "model" (rebuilt),
        "restart" (same run, back at step 0)."""
        raise NotImplementedError

    def reset(self, seed: int | None = None) -> None:
        raise NotImplementedError

    default_views: tuple[str, ...] = ()

    def describe(self, thumb: int, kinds: set[str] | None = None) -> list[dict[str, Any]]:
        """Messages sent after a start, an import (kinds None) or a change of these kinds."""
        raise NotImplementedError

    def history_since(self, since: int) -> dict[str, Any]:
        return {"epoch": []}


RUNS: dict[str, Callable[[dict[str, Any], Settings], Run]] = {}


def run_kind(cls: type[Run]) -> type[Run]:
    RUNS[cls.kind] = cls  # type: ignore[assignment]
    return cls


def build_run(kind: str, config: dict[str, Any], settings: Settings) -> Run:
    if kind not in RUNS:
        raise ConfigError("run", kind, "one of " + ", ".join(RUNS))
    return RUNS[kind](config, settings)


@run_kind
class TrainerRun(Run):
    kind = "trainer"

    def __init__(self, config: dict[str, Any] | Trainer, settings: Settings) -> None:
        self.settings = settings
        if isinstance(config, Trainer):
            self.trainer = config
            return
        new = TrainConfig().with_changes(config)
        check_config(new, settings)
        self.trainer = Trainer(new)

    @property
    def epoch(self) -> int:  # type: ignore[override]
        return self.trainer.epoch

    @property
    def status(self) -> Status:  # type: ignore[override]
        return self.trainer.status

    @property
    def divergence(self) -> dict[str, Any] | None:  # type: ignore[override]
        return self.trainer.divergence

    def step(self) -> None:
        self.trainer.step_epoch()

    def configure(self, changes: dict[str, Any]) -> set[str]:
        check_config(self.trainer.config.with_changes(changes), self.settings)
        return self.trainer.configure(**changes)

    def reset(self, seed: int | None = None) -> None:
        self.trainer.reset(seed)

    default_views = frames.DEFAULT_VIEWS

    def describe(self, thumb: int, kinds: set[str] | None = None) -> list[dict[str, Any]]:
        if kinds is not None and "model" not in kinds:
            return [frames.points(self.trainer)]  # new data, same network
        return [frames.network(self.trainer, thumb), frames.points(self.trainer)]

    def history_since(self, since: int) -> dict[str, Any]:
        history = self.trainer.history  # consecutive epochs: index from the end, not a scan
        first = history[0].epoch if history else 0
        recent = history[max(0, since + 1 - first) :]
        return {
            "epoch": [e.epoch for e in recent],
            "train_loss": [e.train_loss for e in recent],
            "test_loss": [e.test_loss for e in recent],
        }


MAX_RACERS = 8
CONTOUR_N = 120


@run_kind
class RaceRun(Run):
    """Optimizers racing on a surface. Config: {"surface": spec, "racers": [optimizer specs
    with optional "id" and "label"], "start": [x, y] or null, "noise", "seed", "tolerance"}."""

    kind = "race"
    FIELDS: ClassVar[dict[str, Param | None]] = {
        "surface": None,
        "racers": None,
        "start": None,
        "noise": NOISE,
        "seed": RACE_SEED,
        "tolerance": TOLERANCE,
    }

    def __init__(self, config: dict[str, Any], settings: Settings) -> None:
        self.config: dict[str, Any] = {"surface": "quadratic", "racers": ["sgd"], "start": None,
                                       "noise": 0.0, "seed": 1, "tolerance": 1e-3}  # fmt: skip
        self.race = self._build({**self.config, **self._check_keys(config)})

    def _check_keys(self, changes: dict[str, Any]) -> dict[str, Any]:
        for key in changes:
            if key not in self.FIELDS and key != "racer":
                raise ConfigError(key, key, "a race setting (" + ", ".join(self.FIELDS) + ")")
        return changes

    def _build(self, config: dict[str, Any]) -> Race:
        racers = config["racers"]
        if not isinstance(racers, list) or not 1 <= len(racers) <= MAX_RACERS:
            raise LimitError("racers", racers, f"a list of 1 to {MAX_RACERS} optimizers")
        race = Race(config["surface"], racers, config["start"], config["noise"], config["seed"],
                    config["tolerance"])  # fmt: skip
        self.config = config
        return race

    @property
    def epoch(self) -> int:  # type: ignore[override]
        return self.race.steps

    @property
    def status(self) -> Status:  # type: ignore[override]
        running = any(r.status is RacerStatus.RUNNING for r in self.race.racers)
        return Status.OK if running else Status.DIVERGED

    @property
    def divergence(self) -> dict[str, Any] | None:  # type: ignore[override]
        if self.status is Status.OK:
            return None
        return {"epoch": self.race.steps, "reason": "every optimizer diverged", "lr": None,
                "suggestion": "Lower the learning rates, then Reset."}  # fmt: skip

    def step(self) -> None:
        self.race.step()

    def configure(self, changes: dict[str, Any]) -> set[str]:
        """`racer`: {"index" or "id", hyperparameters (and "name" to switch)} changes one racer
        live; `noise` and `tolerance` are live; `start` restarts; `surface`, `racers` and
        `seed` rebuild the race."""
        changes = dict(self._check_keys(changes))
        racer = changes.pop("racer", None)
        if racer is not None:
            if not isinstance(racer, dict):
                raise ConfigError("racer", racer, 'an object {"index": i, hyperparameters}')
            racer = dict(racer)
            which = racer.pop("index", racer.pop("id", None))
            self.race.configure_racer(which, **racer)
            spec = self.race.racers[self.race.index(which)].optimizer
            self.config["racers"][self.race.index(which)] = _racer_spec(
                self.config["racers"][self.race.index(which)], spec
            )
        if set(changes) & {"surface", "racers", "seed"}:
            self.race = self._build({**self.config, **changes})
            return {"model"}
        if "noise" in changes:
            self.race.set_noise(changes["noise"])
        if "tolerance" in changes:
            self.race.tolerance = TOLERANCE.validate(changes["tolerance"], "tolerance")
        if "start" in changes:
            self.race.set_start(changes["start"])
        self.config.update(changes)
        kinds = {"live"} if racer is not None or changes else set()
        if "start" in changes:
            kinds.add("restart")  # every racer is back at step 0: the history starts over
        return kinds

    def reset(self, seed: int | None = None) -> None:
        if seed is not None and seed != self.config["seed"]:
            self.race = self._build({**self.config, "seed": seed})
        else:
            self.race.reset()

    default_views = ("race",)

    def describe(self, thumb: int, kinds: set[str] | None = None) -> list[dict[str, Any]]:
        surface = self.race.surface
        xs, ys, z = contour_grid(surface, CONTOUR_N)
        message = {
            "type": "surface",
            "config": self.config,
            "surface": {**surface.describe(), **surface.config(), "name": surface.name},
            "contour": {"x": _round(xs), "y": _round(ys), "z": _round(z)},
            "racers": [
                {
                    "id": r.id,
                    "label": r.label,
                    "optimizer": r.optimizer.name,
                    **r.optimizer.config(),
                }
                for r in self.race.racers
            ],
            "start": list(self.race.start),
        }
        return [message]

    def theory(self) -> list[dict[str, Any] | None]:
        """Per racer, gradient descent / momentum theory where it applies (sgd, quadratic)."""
        out: list[dict[str, Any] | None] = []
        for racer in self.race.racers:
            opt = racer.optimizer
            if self.race.surface.name != "quadratic" or opt.name != "sgd":
                out.append(None)
                continue
            out.append(theory(self.race.surface, opt.lr, opt.momentum, opt.dampening,
                              opt.nesterov))  # fmt: skip
        return out


def _racer_spec(old: Any, optimizer: Any) -> dict[str, Any]:
    extra = {k: old[k] for k in ("id", "label") if isinstance(old, dict) and k in old}
    return {**extra, "name": optimizer.name, **optimizer.config()}


def _round(a: np.ndarray) -> list[Any]:
    return np.round(a, 6).tolist()


@frames.view("race", runs=("race",))
def _race_view(ctx: frames.FrameContext) -> Any:
    """Every racer's new trail points since the last frame, position, loss and readout."""
    run = ctx.run
    race, since = run.race, ctx.since
    trails = []
    for racer in race.racers:
        points, losses = racer.since(since)
        trails.append({"x": _round(points[:, 0]), "y": _round(points[:, 1]),
                       "loss": losses.tolist()})  # fmt: skip
    return {
        "step": race.steps,
        "trails": trails,
        "readout": race.readout(),
        "theory": run.theory(),
        "rates": [race.measured_rate(i) for i in range(len(race.racers))],
    }
