"""The Trainer: owns data, model, optimizer and config, and runs epochs.

An epoch is one full pass over the training points in mini-batches (reshuffled each epoch
unless `shuffle` is off). Randomness comes from three generators, all derived from the seeds:
data (points and split) from `data_seed`; initial weights from `init_seed`; batch order and
dropout masks from `init_seed` too, so a Rewind replays a run bit for bit.

A non-finite loss or weight is not an exception: the trainer rolls back to the weights at the
start of that epoch (and clears the optimizer's state), sets `status` to DIVERGED and records
why in `divergence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from engine.config import DATA, LIVE, MODEL, TrainConfig
from engine.datasets import train_test_split, validate_points
from engine.errors import ConfigError, DataError
from engine.features import transform
from engine.model import Model
from engine.optimizers import OPTIMIZERS, Optimizer
from engine.regularizers import REGULARIZERS

HISTORY = 50_000  # epochs of losses kept (between HISTORY and twice it): about 9 MB at most


class Status(StrEnum):
    OK = "ok"
    DIVERGED = "diverged"


@dataclass(frozen=True)
class Epoch:
    """What one epoch leaves behind: its number and the losses after it (eval mode)."""

    epoch: int
    train_loss: float
    test_loss: float


@dataclass
class Data:
    """Raw points, their features and targets, split into train and test."""

    problem: str
    n_classes: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # a dataset name, or "custom" for points given by a user


class Trainer:
    def __init__(self, config: TrainConfig | None = None) -> None:
        config = config or TrainConfig()
        config.validate()
        self.config = config
        self.data = self._draw_data(config)
        self._build_model()

    # -- construction -----------------------------------------------------------------------

    def _draw_data(self, config: TrainConfig) -> Data:
        dataset = config.build_dataset()
        rng = np.random.default_rng(config.data_seed)
        x, y = dataset.generate(rng, config.n_points or None)
        xtr, ytr, xte, yte = train_test_split(x, y, config.train_ratio, rng)
        return Data(dataset.problem, dataset.n_classes(), xtr, ytr, xte, yte, dataset.name)

    def _build_model(self) -> None:
        """The network from the init seed, a fresh optimizer and fresh training randomness."""
        c = self.config
        seed = c.init_seed
        spec = c.model_spec(self.data.problem, self.data.n_classes)
        self.model = Model(spec, np.random.default_rng(seed), np.random.default_rng((seed, 1)))
        self.shuffle_rng = np.random.default_rng((seed, 2))
        self.optimizer: Optimizer = OPTIMIZERS.from_spec(c.optimizer, "optimizer")
        self.regularizer = REGULARIZERS.from_spec(c.regularization, "regularization")
        self.epoch = 0
        self.status = Status.OK
        self.divergence: dict[str, Any] | None = None
        self.history: list[Epoch] = []
        self._snapshot: dict[str, np.ndarray] = {}
        # The weights before the last step of the latest epoch (for update-to-weight ratios).
        self.before_last_step: dict[str, np.ndarray] = {}
        self._encode()

    def _encode(self) -> None:
        """Features and loss targets, computed once per data or model change."""
        d, head = self.data, self.model.head
        self.f_train = transform(d.x_train, self.config.features)
        self.f_test = transform(d.x_test, self.config.features)
        self.t_train = head.encode(d.y_train)
        self.t_test = head.encode(d.y_test)

    # -- commands ---------------------------------------------------------------------------

    def configure(self, **changes: Any) -> set[str]:
        """Apply setting changes; returns the kinds applied ("live", "data", "model").

        Everything is validated before anything changes: a bad value leaves the run untouched.
        """
        old = self.config
        new = old.with_changes(changes)
        changed = {k for k in changes if getattr(new, k) != getattr(old, k)}
        if not changed:
            return set()
        kinds = {"model" if k in MODEL else "data" if k in DATA else "live" for k in changed}
        new_data = self._draw_data(new) if "data" in kinds else self.data
        if new_data.problem != self.data.problem or new_data.n_classes != self.data.n_classes:
            kinds.add("model")
        new.model_spec(new_data.problem, new_data.n_classes)  # the output fits user points too
        self.config, self.data = new, new_data
        if "model" in kinds:
            self._build_model()
            return kinds
        self._apply_live(old, new, changed)
        self._encode()
        self.status, self.divergence = Status.OK, None
        return kinds

    def _apply_live(self, old: TrainConfig, new: TrainConfig, changed: set[str]) -> None:
        if "optimizer" in changed:
            built = OPTIMIZERS.from_spec(new.optimizer, "optimizer")
            if built.name == self.optimizer.name:  # same algorithm: keep its state, and take
                self.optimizer.set(**built.config())  # every value of the spec (defaults too)
            else:
                self.optimizer = built
        if "regularization" in changed:
            self.regularizer = REGULARIZERS.from_spec(new.regularization, "regularization")
        if "dropout" in changed:
            self.model.set_dropout(new.dropout)
        if "activation" in changed:
            self.model.set_activation(new.activation)
        assert changed <= LIVE | DATA, changed

    def reset(self, init_seed: int | None = None) -> None:
        """New start: weights drawn from `init_seed` (the current one again: a rewind)."""
        if init_seed is not None and init_seed != self.config.init_seed:
            self.config = self.config.with_changes({"init_seed": init_seed})
        self._build_model()

    def regenerate(self, data_seed: int | None = None) -> None:
        """New points from `data_seed` (the current one again if None); weights kept."""
        changes = {} if data_seed is None else {"data_seed": data_seed}
        config = self.config.with_changes(changes)
        if self.data.source == "custom" and data_seed is None:
            return  # user points have no seed to redraw from
        data = self._draw_data(config)
        refit = data.problem != self.data.problem or data.n_classes != self.data.n_classes
        self.config, self.data = config, data
        if refit:  # user points of other classes than the dataset's were replaced
            self._build_model()
        else:
            self._encode()

    def set_points(self, x: Any, y: Any, problem: str, n_classes: int, max_points: int) -> None:
        """Replace the data with points given by a user; the network is rebuilt if it must be."""
        x, y = validate_points(x, y, problem, n_classes, max_points)
        rng = np.random.default_rng(self.config.data_seed)
        xtr, ytr, xte, yte = train_test_split(x, y, self.config.train_ratio, rng)
        if not len(xtr):  # every epoch needs a training point
            least = math.ceil(1 / self.config.train_ratio)
            raise DataError("points", len(x), f"at least {least} points (one for training)")
        refit = problem != self.data.problem or n_classes != self.data.n_classes
        if refit:
            self.config.model_spec(problem, n_classes)  # the chosen output must fit them
        self.data = Data(problem, n_classes, xtr, ytr, xte, yte, "custom")
        if refit:
            self._build_model()
        else:
            self._encode()

    def add_points(self, x: Any, y: Any, max_points: int, split: str = "train") -> None:
        """Add points of known classes (clicked on the plane) to the training or test set."""
        d = self.data
        room = max_points - len(d.x_train) - len(d.x_test)
        x, y = validate_points(x, y, d.problem, d.n_classes, max(room, 0))
        if split == "train":
            d.x_train, d.y_train = np.vstack([d.x_train, x]), np.concatenate([d.y_train, y])
        elif split == "test":
            d.x_test, d.y_test = np.vstack([d.x_test, x]), np.concatenate([d.y_test, y])
        else:
            raise ConfigError("split", split, "'train' or 'test'")
        self._encode()

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        """Set one link of Dense layer `layer` (0 = first hidden layer; last = output)."""
        w = self._dense_param(layer, "weight")
        _check_index("source", source, w.shape[0])
        _check_index("target", target, w.shape[1])
        w[source, target] = _finite("value", value)

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        b = self._dense_param(layer, "bias")
        _check_index("neuron", neuron, b.shape[0])
        b[neuron] = _finite("value", value)

    def _dense_param(self, layer: int, key: str) -> np.ndarray:
        _check_index("layer", layer, len(self.model.dense))
        return self.model.dense[layer].params[key]

    # -- training ---------------------------------------------------------------------------

    def run(self, epochs: int) -> list[Epoch]:
        """Up to `epochs` epochs; stops early on divergence."""
        done = []
        for _ in range(epochs):
            if self.status is Status.DIVERGED:
                break
            done.append(self.step_epoch())
        return done

    def step_epoch(self) -> Epoch:
        """One full pass over the training points. Never raises on divergence."""
        if self.status is Status.DIVERGED:
            return self.history[-1] if self.history else self._evaluate()
        model, opt = self.model, self.optimizer
        params, grads = model.params, model.grads
        flat, flat_grad = {"network": model.flat}, {"network": model.flat_grad}
        reg, rate = self.regularizer, self.config.reg_rate
        penalised = [(params[k], grads[k]) for k in model.weight_keys] if reg.name != "none" else []
        model.copy_params_into(self._snapshot)
        x, t = self.f_train, self.t_train
        n, bs = len(x), self.config.batch_size
        if self.config.shuffle:
            order = self.shuffle_rng.permutation(n)
            x, t = x[order], t[order]
        last = ((n - 1) // bs) * bs
        with np.errstate(all="ignore"):
            for start in range(0, n, bs):
                loss = model.loss_and_grad(x[start : start + bs], t[start : start + bs])
                if not math.isfinite(loss):
                    return self._diverge(f"the loss became {loss} at step {start // bs + 1}")
                for w, g in penalised:
                    reg.add_grad(w, g, rate)
                if start == last:
                    model.copy_params_into(self.before_last_step)
                opt.step(flat, flat_grad)  # every parameter at once: one view of them all
            self.epoch += 1
            result = self._evaluate()
        if not (math.isfinite(result.train_loss) and model.all_finite()):
            self.epoch -= 1
            return self._diverge("the weights overflowed")
        self.history.append(result)
        if len(self.history) > 2 * HISTORY:
            del self.history[:-HISTORY]  # a long run keeps its recent losses, in bounded memory
        return result

    def _evaluate(self) -> Epoch:
        model = self.model
        train = model.loss(self.f_train, self.t_train)
        test = model.loss(self.f_test, self.t_test) if len(self.f_test) else math.nan
        return Epoch(self.epoch, train, test)

    def _diverge(self, reason: str) -> Epoch:
        """Roll back to the epoch's starting weights and record why. The optimizer's state (a
        momentum buffer or running averages grown huge on the way) is dropped, or lowering the
        learning rate could not recover the run."""
        self.model.restore(self._snapshot)
        self.optimizer.reset_state()
        self.status = Status.DIVERGED
        lr = getattr(self.optimizer, "lr", None)
        self.divergence = {
            "epoch": self.epoch + 1,
            "reason": reason,
            "lr": lr,
            "suggestion": _suggest(self.config, lr),
        }
        return self.history[-1] if self.history else self._evaluate()


def _suggest(config: TrainConfig, lr: float | None) -> str:
    if lr is not None and lr > 1e-4:
        return f"Lower the learning rate (try {lr / 10:g}), then press Play again."
    if config.norm == "none" and len(config.hidden) > 4:
        return "Add batch norm, or a smaller initialization, then Reset."
    return "Reset with a smaller initialization or fewer layers."


def _check_index(field: str, value: Any, size: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise ConfigError(field, value, f"an integer in [0, {size - 1}]")


def _finite(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(field, value, "a finite number")
    return float(value)
