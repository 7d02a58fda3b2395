"""A multilayer perceptron built from a spec, with its output head.

Each hidden block is Dense -> [BatchNorm | LayerNorm] -> Activation -> [Dropout]; then a Dense
output layer and a head (engine.heads). Layers live in one flat list, like torch's Sequential,
so parameter names match PyTorch's: "0.weight", "0.bias", "2.weight", ...

Dense weights are stored (fan_in, fan_out): W[i, j] is the link from neuron i of the layer
below to neuron j of this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.errors import ConfigError
from engine.heads import HEADS, Head
from engine.initializers import INITIALIZERS, Initializer
from engine.layers import ActivationLayer, BatchNorm, Dense, Dropout, Layer, LayerNorm
from engine.registry import Param, Spec

NORMS = ("none", "batch_norm", "layer_norm")

# Structural bounds of the engine itself; the web app enforces tighter limits from its settings.
WIDTH = Param("width", 4, low=1, high=1024, help="neurons in a hidden layer")
DEPTH_MAX = 64
DROPOUT = Param("dropout", 0.0, low=0.0, high=0.9, step=0.05, help="drop probability in training")
NORM = Param("norm", "none", choices=NORMS, help="normalisation after each hidden Dense layer")


@dataclass(frozen=True)
class ModelSpec:
    """What to build. `activation` is one spec for every hidden layer or one per layer."""

    n_inputs: int
    hidden: tuple[int, ...] = (4, 2)
    activation: Spec | tuple[Spec, ...] = "tanh"
    init: Spec = "xavier_uniform"
    norm: str = "none"
    dropout: float = 0.0
    head: Spec = "bce"
    n_classes: int = 2
    extra: dict[str, Any] = field(default_factory=dict)

    def activations(self) -> list[Activation]:
        specs = self.activation
        if isinstance(specs, str | Mapping):
            return [ACTIVATIONS.from_spec(specs, "activation") for _ in self.hidden]
        if len(specs) != len(self.hidden):
            raise ConfigError(
                "activation", list(specs), f"one activation or {len(self.hidden)} (one per layer)"
            )
        return [ACTIVATIONS.from_spec(s, f"activation[{i}]") for i, s in enumerate(specs)]

    def validate(self) -> None:
        if not isinstance(self.n_inputs, int) or self.n_inputs < 1:
            raise ConfigError("features", self.n_inputs, "at least one input feature")
        if len(self.hidden) > DEPTH_MAX:
            raise ConfigError("hidden", len(self.hidden), f"at most {DEPTH_MAX} hidden layers")
        for i, width in enumerate(self.hidden):
            WIDTH.validate(width, f"hidden[{i}]")
        NORM.validate(self.norm, "norm")
        DROPOUT.validate(self.dropout, "dropout")


class Model:
    """Layers, their flat parameter and gradient dicts (shared with the optimizer), and a head."""

    def __init__(self, spec: ModelSpec, init_rng: np.random.Generator,
                 noise_rng: np.random.Generator) -> None:  # fmt: skip
        spec.validate()
        self.spec = spec
        self.head: Head = HEADS.from_spec(spec.head, "output")
        if self.head.problem == "binary" and spec.n_classes != 2:
            raise ConfigError("output", self.head.name, "a multi-class output for this dataset")
        init: Initializer = INITIALIZERS.from_spec(spec.init, "init")
        self.layers: list[Layer] = []
        self.dense: list[Dense] = []  # hidden Dense layers, then the output layer
        self.act_layers: list[ActivationLayer] = []
        self.dropouts: list[Dropout] = []
        fan_in = spec.n_inputs
        for width, act in zip(spec.hidden, spec.activations(), strict=True):
            self._add(Dense(fan_in, width, init, init_rng))
            if spec.norm == "batch_norm":
                self._add(BatchNorm(width))
            elif spec.norm == "layer_norm":
                self._add(LayerNorm(width))
            self._add(ActivationLayer(act))
            # Always present (p = 0 is a free identity), so the rate can change live.
            self._add(Dropout(spec.dropout, noise_rng))
            fan_in = width
        self._add(Dense(fan_in, self.head.n_outputs(spec.n_classes), init, init_rng))
        self.dense[0].input_grad = False
        self.noise_rng = noise_rng
        self._flatten()
        self.weight_keys = [f"{self.layers.index(d)}.weight" for d in self.dense]
        # Parameters and batch-norm buffers by name: the live arrays (never rebound).
        self.arrays: dict[str, np.ndarray] = dict(self.params)
        for i, layer in enumerate(self.layers):
            for key, value in getattr(layer, "buffers", {}).items():
                self.arrays[f"{i}.{key}"] = value

    def _flatten(self) -> None:
        """Every parameter becomes a view into one flat buffer, every gradient into another:
        an optimizer step is then a handful of NumPy calls on the whole network instead of a
        handful per array (the optimizers are elementwise, so the maths is the same)."""
        total = sum(v.size for layer in self.layers for v in layer.params.values())
        self.flat = np.zeros(total)
        self.flat_grad = np.zeros(total)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        offset = 0
        for i, layer in enumerate(self.layers):
            views, grad_views = {}, {}
            for key, value in layer.params.items():
                end = offset + value.size
                views[key] = self.flat[offset:end].reshape(value.shape)
                grad_views[key] = self.flat_grad[offset:end].reshape(value.shape)
                offset = end
            layer.adopt(views, grad_views)
            for key in views:
                self.params[f"{i}.{key}"] = layer.params[key]
                self.grads[f"{i}.{key}"] = layer.grads[key]

    def _add(self, layer: Layer) -> None:
        self.layers.append(layer)
        if isinstance(layer, Dense):
            self.dense.append(layer)
        elif isinstance(layer, ActivationLayer):
            self.act_layers.append(layer)
        elif isinstance(layer, Dropout):
            self.dropouts.append(layer)

    # -- training ---------------------------------------------------------------------------

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """Raw outputs z (logits) for inputs x of shape (n, n_inputs)."""
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, dz: np.ndarray) -> None:
        """Fill every layer's grads from dL/dz."""
        for layer in reversed(self.layers):
            dz = layer.backward(dz)

    def loss_and_grad(self, x: np.ndarray, targets: np.ndarray) -> float:
        """One training pass on a batch: forward (train mode), loss, backward. Returns the loss."""
        z = self.forward(x, True)
        value, dz = self.head.loss_and_grad(z, targets)
        self.backward(dz)
        return value

    def loss(self, x: np.ndarray, targets: np.ndarray) -> float:
        """The head's loss in eval mode (no dropout, running batch-norm statistics)."""
        return self.head.loss_value(self.forward(x), targets)

    def set_dropout(self, p: float) -> None:
        """Change the drop probability live; only models built with dropout have the layers."""
        p = DROPOUT.validate(p, "dropout")
        for layer in self.dropouts:
            layer.p = p

    def set_activation(self, specs: Spec | Sequence[Spec]) -> None:
        """Swap hidden activations live, keeping every weight."""
        spec = ModelSpec(self.spec.n_inputs, self.spec.hidden, _as_spec(specs))
        for layer, act in zip(self.act_layers, spec.activations(), strict=True):
            layer.act = act

    # -- reading the network ----------------------------------------------------------------

    def trace(self, x: np.ndarray) -> list[dict[str, np.ndarray]]:
        """Every hidden block's quantities in eval mode, then the output layer's.

        Per hidden block: "linear" (x W), "pre" (x W + b, normalised if the block normalises:
        what goes into the activation) and "post" (the activation's output). The last entry has
        "linear", "pre" = z (raw outputs) and "post" = the head's output.
        """
        out: list[dict[str, np.ndarray]] = []
        block: dict[str, np.ndarray] = {}
        for layer in self.layers:
            y = layer.forward(x, False)
            if isinstance(layer, Dense):
                block = {"input": x, "linear": x @ layer.params["weight"], "pre": y}
                out.append(block)
            elif isinstance(layer, BatchNorm | LayerNorm):
                block["pre"] = y
            elif isinstance(layer, ActivationLayer):
                block["post"] = y
            x = y
        out[-1]["post"] = self.head.output(x)
        return out

    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and batch-norm buffers by name, copied."""
        return {k: v.copy() for k, v in self.arrays.items()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy values into the existing arrays (shapes must match exactly): all or nothing."""
        targets = self.arrays
        missing = sorted(set(targets) - set(state))
        if missing:
            raise ConfigError("weights", missing[0], "present (every parameter of this network)")
        values = {}
        for key, array in targets.items():  # check every array before writing any
            try:
                value = np.asarray(state[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise ConfigError(f"weights.{key}", "...", "numbers") from None
            if value.shape != array.shape:
                raise ConfigError(f"weights.{key}", list(value.shape), f"shape {list(array.shape)}")
            if not np.all(np.isfinite(value)):
                raise ConfigError(f"weights.{key}", "non-finite", "finite numbers")
            values[key] = value
        for key, array in targets.items():
            array[...] = values[key]

    def copy_params_into(self, store: dict[str, np.ndarray]) -> None:
        """Snapshot parameters and buffers into preallocated arrays (for divergence rollback)."""
        for key, value in self.arrays.items():
            if key in store:
                store[key][...] = value
            else:
                store[key] = value.copy()

    def restore(self, store: Mapping[str, np.ndarray]) -> None:
        """Copy a snapshot from `copy_params_into` back, unchecked (the rollback's inverse)."""
        for key, array in self.arrays.items():
            array[...] = store[key]

    def all_finite(self) -> bool:
        """Every parameter and buffer is finite (a non-finite running variance breaks eval)."""
        return all(np.isfinite(v).all() for v in self.arrays.values())


def _as_spec(specs: Spec | Sequence[Spec]) -> Spec | tuple[Spec, ...]:
    return specs if isinstance(specs, str | Mapping) else tuple(specs)
