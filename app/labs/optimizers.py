"""The optimizers arena (templates/optimizers.html): the engine's optimizers racing on 2-D loss
surfaces, then batch vs mini-batch vs stochastic gradient descent on a real network.

The race is the session's `race` run (app/runs.py, engine/race.py): the page needs no endpoint
of its own. The network side opens one trainer session per batch size (same config, same
seeds: the same initial weights) and asks one of them for the `gradient_spread` view below:

    {"type": "start", "config": {...}, "views": ["metrics", "gradient_spread"],
     "options": {"spread_batch": 10, "spread_samples": 200, "spread_seed": 1}}

The view (engine.batching.gradient_spread) samples `spread_samples` mini-batches of
`spread_batch` rows at the current weights and projects their gradients on the full-batch
gradient's direction u and the widest spread across it, v. Its random draws come from its own
generator, seeded by (spread_seed, epoch): the trainer's streams are untouched, and the same
weights always show the same cloud.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.frames import FrameContext, view
from app.labs import Lab
from engine.batching import gradient_spread
from engine.errors import ConfigError

LAB = Lab(
    name="optimizers",
    title="Optimizers",
    path="/optimizers",
    template="optimizers.html",
    summary="Race the optimizers on loss surfaces, then batch vs mini-batch on a real network.",
    order=20,
)

# The view's options: name -> (default, low, high). `spread_batch` above the training set's
# size is refused by the engine with the actual size in the message.
SPREAD_OPTIONS: dict[str, tuple[int, int, int]] = {
    "spread_batch": (10, 1, 1000),
    "spread_samples": (200, 2, 1000),
    "spread_seed": (1, 0, 2**31 - 1),
}


def spread_options(options: dict[str, Any]) -> dict[str, int]:
    """The spread's options from the session's view options, defaults filled in; a bad one
    raises ConfigError naming it."""
    out = {}
    for name, (default, low, high) in SPREAD_OPTIONS.items():
        value = options.get(name, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(name, value, f"an integer in [{low}, {high}]")
        out[name] = value
    return out


def _rounded(a: np.ndarray, digits: int = 6) -> list[Any]:
    return np.round(a, digits).tolist()


@view("gradient_spread")
def _gradient_spread(ctx: FrameContext) -> dict[str, Any]:
    """Mini-batch gradients around the full-batch gradient at the current weights."""
    opts = spread_options(ctx.options)
    trainer = ctx.trainer
    n = len(trainer.f_train)
    if opts["spread_batch"] > n:
        raise ConfigError("spread_batch", opts["spread_batch"], f"an integer in [1, {n}]")
    rng = np.random.default_rng([opts["spread_seed"], trainer.epoch])
    spread = gradient_spread(trainer, opts["spread_batch"], opts["spread_samples"], rng)
    return {
        "epoch": trainer.epoch,
        "batch_size": spread["batch_size"],
        "samples": spread["samples"],
        "n_train": spread["n_train"],
        "points": _rounded(spread["points"]),
        "full": _rounded(spread["full"]),
        "mean": _rounded(spread["mean"]),
        "norm": spread["norm"],
        "variance": spread["variance"],
        "mean_error": spread["mean_error"],
    }
