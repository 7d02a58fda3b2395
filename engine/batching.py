"""Batch, mini-batch and stochastic gradient descent training one network from one start.

`compare_batch_sizes` builds one Trainer per batch size from the same config: same data
(`data_seed`), same initial weights (`init_seed`), only the batch size differs. `Tracked`
wraps a trainer to record what each epoch cost: gradient evaluations (examples processed),
optimizer updates and wall time. `gradient_spread` shows, at the current weights, how the
mini-batch gradients of one size scatter around the full-batch gradient.

    trainers = compare_batch_sizes(TrainConfig(dataset="spiral"), [1, 10, 0])  # 0: full batch
    runs = [Tracked(t) for t in trainers]
    for run in runs:
        run.run(20)
    spread = gradient_spread(trainers[1], 10, 200, np.random.default_rng(0))
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.trainer import Status, Trainer

FULL_BATCH = 0  # as a batch size: the whole training set


def compare_batch_sizes(config: TrainConfig, batch_sizes: Sequence[int]) -> list[Trainer]:
    """One Trainer per batch size, otherwise `config` unchanged: the same points and the same
    initial weights. FULL_BATCH (0) means the whole training set; any size >= it is full batch
    too (the trainer's last batch is what is left)."""
    if not batch_sizes:
        raise ConfigError("batch_sizes", list(batch_sizes), "at least one batch size")
    trainers = []
    for size in batch_sizes:
        if size == FULL_BATCH and not isinstance(size, bool):
            trainer = Trainer(config)
            trainer.configure(batch_size=len(trainer.f_train))  # the data set is drawn now
        else:
            trainer = Trainer(config.with_changes({"batch_size": size}))
        trainers.append(trainer)
    return trainers


@dataclass(frozen=True)
class Record:
    """One tracked epoch. Counts and `elapsed` run from when tracking started."""

    epoch: int
    loss: float  # training loss after the epoch (eval mode)
    test_loss: float
    examples: int  # gradient evaluations: examples processed, epochs x n_train
    updates: int  # optimizer steps: ceil(n_train / batch_size) per epoch
    seconds: float  # wall time of this epoch (step_epoch, its evaluation included)
    elapsed: float  # wall time of every tracked epoch so far


class Tracked:
    """A trainer whose epochs are counted and timed. `records[0]` is the starting point."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._start()

    def _start(self) -> None:
        t = self.trainer
        test = t.model.loss(t.f_test, t.t_test) if len(t.f_test) else math.nan
        first = Record(t.epoch, t.model.loss(t.f_train, t.t_train), test, 0, 0, 0.0, 0.0)
        self.records: list[Record] = [first]

    @property
    def batch_size(self) -> int:
        return self.trainer.config.batch_size

    def step_epoch(self) -> Record | None:
        """One timed epoch; None (nothing recorded) once the trainer has diverged."""
        t = self.trainer
        if t.status is Status.DIVERGED:
            return None
        began = time.perf_counter()
        epoch = t.step_epoch()
        seconds = time.perf_counter() - began
        if t.status is Status.DIVERGED:
            return None
        n = len(t.f_train)
        last = self.records[-1]
        record = Record(
            epoch=epoch.epoch,
            loss=epoch.train_loss,
            test_loss=epoch.test_loss,
            examples=last.examples + n,
            updates=last.updates + math.ceil(n / t.config.batch_size),
            seconds=seconds,
            elapsed=last.elapsed + seconds,
        )
        self.records.append(record)
        return record

    def run(self, epochs: int) -> list[Record]:
        """Up to `epochs` epochs; stops early on divergence."""
        done = []
        for _ in range(epochs):
            record = self.step_epoch()
            if record is None:
                break
            done.append(record)
        return done

    def reset(self) -> None:
        """Rewind the trainer to its initial weights and start counting again."""
        self.trainer.reset()
        self._start()


# -- the spread of mini-batch gradients ---------------------------------------------------


def batch_gradient(trainer: Trainer, rows: np.ndarray | slice) -> np.ndarray:
    """The gradient the trainer's optimizer would see for these training rows, flattened over
    every parameter (the model's flat order), in eval mode: no dropout mask, batch norm's
    running statistics, so nothing random is drawn. The regularizer's gradient is included.
    Overwrites the model's gradient arrays (and layer caches); returns a copy."""
    model = trainer.model
    x, t = trainer.f_train[rows], trainer.t_train[rows]
    _, dz = model.head.loss_and_grad(model.forward(x, train=False), t)  # mean over the rows
    model.backward(dz)
    reg, rate = trainer.regularizer, trainer.config.reg_rate
    if reg.name != "none":
        for key in model.weight_keys:
            reg.add_grad(model.params[key], model.grads[key], rate)
    return model.flat_grad.copy()


def gradient_spread(
    trainer: Trainer, batch_size: int, samples: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Mini-batch gradients of `batch_size` rows around the full-batch gradient g.

    `samples` batches are drawn from `rng`, each a random subset of the training rows (no row
    twice, as in an epoch). Every gradient is then projected onto two axes of parameter
    space: u = g / |g|, and v, the top principal direction of the deviations G_s - g
    orthogonal to u. So g sits at (|g|, 0), and the cloud's widest spread across g is drawn.
    A point is (|g| + (G_s - g)·u, (G_s - g)·v): exactly g's point when G_s = g.

    Returns "points" (samples, 2), "full" and "mean" (2,) (g and the mean of the mini-batch
    gradients, projected), "norm" |g|, "variance" mean_s |G_s - g|² (in full parameter space;
    it shrinks as (n - B) / (B (n - 1)) for batch size B of n rows), "mean_error" |mean - g|,
    and the axes "u", "v". Batch size n gives zero spread. Note: it overwrites the model's
    gradient arrays, which the next training step recomputes anyway.
    """
    n = len(trainer.f_train)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise ConfigError("batch_size", batch_size, f"an integer in [1, {n}]")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError("samples", samples, "an integer >= 1")
    g = batch_gradient(trainer, slice(None))
    grads = np.empty((samples, g.size))
    for s in range(samples):
        rows = np.sort(rng.choice(n, size=batch_size, replace=False))  # all n: exactly g
        grads[s] = batch_gradient(trainer, rows)
    deviations = grads - g
    norm = float(np.linalg.norm(g))
    u, v = _axes(g, norm, deviations)
    mean = grads.mean(axis=0)
    return {
        "batch_size": batch_size,
        "samples": samples,
        "n_train": n,
        "points": np.column_stack([norm + deviations @ u, deviations @ v]),
        "full": np.array([norm, 0.0]),  # g = |g| u, and v ⊥ u
        "mean": np.array([norm + (mean - g) @ u, (mean - g) @ v]),
        "norm": norm,
        "variance": float(np.mean(np.sum(deviations * deviations, axis=1))),
        "mean_error": float(np.linalg.norm(mean - g)),
        "u": u,
        "v": v,
    }


def _axes(g: np.ndarray, norm: float, deviations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """u = g / |g| and the unit v ⊥ u along which the deviations spread most (SVD of the
    deviations with their u-components removed). A zero g takes the top direction as u."""
    u = g / norm if norm > 0 else _top_direction(deviations, _basis(g.size, 0))
    across = deviations - np.outer(deviations @ u, u)  # remove each deviation's u-component
    v = _top_direction(across, _basis(g.size, int(np.argmin(np.abs(u)))))
    v -= (v @ u) * u  # exactly orthogonal even when the deviations are (near) zero
    return u, v / np.linalg.norm(v)


def _top_direction(rows: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """The top right singular vector of `rows`, its largest entry positive; `fallback` when
    the rows are all zero."""
    if rows.size == 0 or not np.any(rows):
        return fallback
    top = np.linalg.svd(rows, full_matrices=False)[2][0]
    return top if top[np.argmax(np.abs(top))] > 0 else -top


def _basis(size: int, i: int) -> np.ndarray:
    e = np.zeros(size)
    e[i] = 1.0
    return e
