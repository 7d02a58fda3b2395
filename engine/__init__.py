"""NN Playground's engine: every building block of the basics in NumPy, exact to PyTorch.

from engine import ACTIVATIONS, LOSSES, OPTIMIZERS, INITIALIZERS, DATASETS
ACTIVATIONS.get("gelu").derivative(x)
value, dlogits = LOSSES.get("cross_entropy")(logits, targets)
opt = OPTIMIZERS.build("adam", lr=1e-3)
opt.step(params, grads)
"""

from engine.activations import ACTIVATIONS
from engine.config import TrainConfig, catalog
from engine.datasets import DATASETS
from engine.errors import ConfigError, DataError, PlaygroundError
from engine.features import FEATURES
from engine.heads import HEADS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.model import Model, ModelSpec
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from engine.surfaces import SURFACES
from engine.trainer import Status, Trainer

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FEATURES",
    "HEADS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "REGULARIZERS",
    "SURFACES",
    "ConfigError",
    "DataError",
    "Model",
    "ModelSpec",
    "PlaygroundError",
    "Status",
    "TrainConfig",
    "Trainer",
    "catalog",
]
