"""The manifold lab (templates/manifold.html): how each layer bends the input plane until a
straight line separates the classes (Olah, "Neural Networks, Manifolds, and Topology", 2014).

The page opens a trainer session with the views "metrics" and "manifold" (below). Every frame
carries, for every space of the network (the input plane, each hidden layer, the output), the
image of a mesh of the plane's grid lines and of the training points, shown through the units
themselves, a chosen pair or triple of them, or a PCA fitted on the data; the linear probe's
accuracy in that space; and, for one chosen block, the endpoints of its staged transform, which
the page blends itself as its slider moves (engine.manifold does all the maths).

    GET /api/manifold/lab    the presets, the option bounds, the separability threshold

View options (`start.options`, `view_options`), all optional:

    mesh         grid lines per direction, an integer in [MESH_MIN, MESH_MAX] (default 40);
                 each line is sampled at 3/2 as many points, so its image bends smoothly
    dims         {space: choice}: space is an index of engine.manifold.layer_images (0 the
                 input plane, 1.. the hidden layers, the last the output); choice is "auto"
                 (the units when the layer has at most 3, else "pca"), "pca" or "pca3" (2 or 3
                 principal components, fitted on the training points' representation; layers
                 wider than 3 only) or a list of 2 or 3 distinct 0-based unit indices
    stage_layer  null (default) or the Dense block whose staged transform frames carry
                 (0 = the first hidden layer, len(hidden) = the output layer)

A malformed option is a ConfigError naming it (the session answers an error and keeps the old
options). A well-formed choice that the current network cannot honour (a unit or block it no
longer has after a model change) falls back to the default: the frame says what it shows.

Coordinates travel quantized (docs/labs/manifold.md, "Frame format"): per space and axis a
range [lo, hi] and 12-bit levels; mesh lines as second differences along each line
(smooth curves make them tiny), zigzag-coded, split into low and high byte planes, deflated
and base64-encoded. A [3, 3, 2] network with a 40 x 40 mesh is about 40 KB a frame.
"""

from __future__ import annotations

import base64
import math
import weakref
import zlib
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np
from fastapi import APIRouter

from app.frames import FrameContext, quantize, view
from app.labs import Lab
from engine.errors import ConfigError
from engine.layers import ActivationLayer
from engine.manifold import (
    STAGES,
    layer_images,
    layer_labels,
    layer_stages,
    linear_probe,
    mesh_lines,
    pca,
    project,
    view_of,
)
from engine.trainer import Trainer

LAB = Lab(
    name="manifold",
    title="Manifolds",
    path="/manifold",
    template="manifold.html",
    summary="Watch each layer bend the plane until a straight line separates the classes.",
    order=40,
)

router = APIRouter(prefix="/api/manifold", tags=["manifold"])

MESH_MIN, MESH_MAX, MESH_DEFAULT = 4, 64, 40
LEVELS = 4095  # 12-bit coordinates: 1/4095 of a space's extent, a tenth of a pixel at 400 px
SEPARABLE = 0.99  # a probe accuracy at least this counts as linearly separable
CLIP = 1e6  # coordinates beyond this (a run near divergence) are clipped before quantizing
MAX_UNITS = 1024  # no layer is wider (Settings.max_neurons <= 1024)
CHOICES = ("auto", "pca", "pca3")
CITATION = {
    "text": 'C. Olah, "Neural Networks, Manifolds, and Topology" (2014)',
    "url": "https://colah.github.io/posts/2014-03-NN-Manifolds-Topology/",
}

# Presets teach one point each. Config fields are the protocol's (docs/protocol.md); a small
# L2 penalty keeps the disk presets' weights moderate, so the layers bend rather than snap to
# the corners of the tanh cube while the user watches.
_TRAIN = {"optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 10, "n_points": 400,
          "features": ["x1", "x2"], "norm": "none", "dropout": 0.0, "regularization": "none",
          "reg_rate": 0.0, "output": "auto", "init": "xavier_uniform"}  # fmt: skip
_DISK = {**_TRAIN, "dataset": {"name": "disk_ring", "noise": 0}, "activation": "tanh",
         "regularization": "l2", "reg_rate": 0.001}  # fmt: skip
_SPIRAL = {**_TRAIN, "dataset": {"name": "spiral", "noise": 0}}
PRESETS = [
    {
        "name": "disk_bottleneck",
        "title": "Disk in a ring, 2 units",
        "config": {**_DISK, "hidden": [2, 2]},
        "space": 2,
        "explain": "Two tanh units map the plane onto the plane without tearing it, and no "
        "continuous map of the plane pulls the disk out of the ring around it: the probe "
        "stalls below 100% in every hidden layer. The best the network can do is squeeze the "
        "ring thin and leave a few points on the wrong side.",
    },
    {
        "name": "disk_lift",
        "title": "Disk in a ring, 3 units",
        "config": {**_DISK, "hidden": [3]},
        "space": 1,
        "explain": "With a third unit the layer lifts the plane into 3-D: the disk rises (or "
        "sinks) away from the ring and a flat plane slips between them. Drag to rotate the "
        "view; the probe reaches 100% in the hidden layer within a few dozen epochs.",
    },
    {
        "name": "spirals_tanh",
        "title": "Spirals, tanh",
        "config": {**_SPIRAL, "hidden": [16, 16, 2], "activation": "tanh"},
        "space": 3,
        "explain": "Each tanh layer stretches and bends the plane smoothly until the two arms "
        "are unwound enough for a line to separate them: watch the probe climb layer by layer "
        "(the 16-unit layers are shown through a PCA of their units).",
    },
    {
        "name": "spirals_relu",
        "title": "Spirals, relu",
        "config": {
            **_SPIRAL,
            "hidden": [24, 24, 2],
            "activation": "relu",
            "optimizer": {"name": "adam", "lr": 0.003},
        },
        "space": 3,
        "explain": "With relu the mesh does not bend: it folds along straight creases (each "
        "unit clamps a half-plane to zero), so the arms come apart through piecewise-linear "
        "folds. Relu needed wider layers here to do it.",
    },
]

DEFAULT_PRESET = "disk_lift"
# Epochs per second the page offers (null: as fast as the server trains). At 30, one epoch a
# frame: the warping plays as an animation, and the timeline holds the last 500 epochs.
SPEEDS = [3, 10, 30, 100, 300, None]
DEFAULT_SPEED = 30


@router.get("/lab")
async def lab() -> dict[str, Any]:
    """What the page needs besides the catalog: presets, option bounds, the threshold."""
    return {
        "presets": PRESETS,
        "default_preset": DEFAULT_PRESET,
        "speeds": SPEEDS,
        "default_speed": DEFAULT_SPEED,
        "mesh": {"low": MESH_MIN, "high": MESH_MAX, "default": MESH_DEFAULT},
        "separable": SEPARABLE,
        "levels": LEVELS,
        "stages": list(STAGES),
        "choices": list(CHOICES),
        "citation": CITATION,
    }


# -- options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    mesh: int = MESH_DEFAULT
    dims: dict[int, str | tuple[int, ...]] = field(default_factory=dict)
    stage_layer: int | None = None


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def read_options(options: dict[str, Any]) -> Options:
    """The manifold view's options from the session's; other keys belong to other views."""
    mesh = options.get("mesh", MESH_DEFAULT)
    if not _is_int(mesh) or not MESH_MIN <= mesh <= MESH_MAX:
        raise ConfigError("mesh", mesh, f"an integer in [{MESH_MIN}, {MESH_MAX}]")
    stage = options.get("stage_layer")
    if stage is not None and (not _is_int(stage) or stage < 0):
        raise ConfigError("stage_layer", stage, "null or a block index >= 0")
    return Options(int(mesh), _read_dims(options.get("dims", {})), stage)


def _read_dims(dims: Any) -> dict[int, str | tuple[int, ...]]:
    if not isinstance(dims, dict):
        raise ConfigError("dims", dims, "an object {space index: choice}")
    out: dict[int, str | tuple[int, ...]] = {}
    for key, choice in dims.items():
        text = str(key)
        if not text.isdigit() or int(text) > MAX_UNITS:
            raise ConfigError("dims", key, f"keys that are space indices in [0, {MAX_UNITS}]")
        where = f"dims.{text}"
        if isinstance(choice, str):
            if choice not in CHOICES:
                raise ConfigError(where, choice, "'auto', 'pca', 'pca3' or a list of unit indices")
            out[int(text)] = choice
            continue
        expected = f"2 or 3 distinct unit indices in [0, {MAX_UNITS - 1}]"
        if not isinstance(choice, list) or len(choice) not in (2, 3):
            raise ConfigError(where, choice, expected)
        if not all(_is_int(i) and 0 <= i < MAX_UNITS for i in choice) or len(set(choice)) < len(
            choice
        ):
            raise ConfigError(where, choice, expected)
        out[int(text)] = tuple(int(i) for i in choice)
    return out


# -- what a space shows -----------------------------------------------------------------------


@dataclass
class Shown:
    """How one space is drawn: the map from its representation to 1-3 coordinates."""

    choice: str | tuple[int, ...]  # what is shown: "units", "pca", "pca3" or unit indices
    label: str
    axes: list[str]
    dims: tuple[int, ...] | None = None
    fit: tuple[np.ndarray, np.ndarray] | None = None

    def coords(self, z: np.ndarray) -> np.ndarray:
        if self.fit is not None:
            return project(z, *self.fit)
        return view_of(z, self.dims)[0]


# The last PCA fit per trainer and space, so that a refit keeps the components' signs (the
# picture does not flip from one frame to the next). Weak: a finished session leaves nothing.
_PCA_MEMORY: weakref.WeakKeyDictionary[Trainer, dict[tuple[int, int], np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def _shown(
    trainer: Trainer, space: int, z_points: np.ndarray, choice: str | tuple[int, ...], last: bool
) -> Shown:
    width = z_points.shape[-1]
    prefix = "x" if space == 0 else "output" if last else "unit"
    if isinstance(choice, tuple) and max(choice) < width:
        label = view_of(z_points[:1], choice)[1]
        return Shown(choice, label, [_axis(prefix, i) for i in choice], dims=choice)
    if width > 3:
        k = 3 if choice == "pca3" else 2
        memory = _PCA_MEMORY.setdefault(trainer, {})
        ref = memory.get((space, k))
        fit = pca(z_points, k, ref if ref is not None and ref.shape == (k, width) else None)
        memory[(space, k)] = fit[1]
        label = view_of(z_points[:1], None, fit)[1]
        return Shown("pca3" if k == 3 else "pca", label, [f"PCA {i + 1}" for i in range(k)],
                     fit=fit)  # fmt: skip
    units = tuple(range(width))
    label = view_of(z_points[:1])[1]
    return Shown("units", label, [_axis(prefix, i) for i in units])


def _axis(prefix: str, i: int) -> str:
    return f"x{'₁₂'[i]}" if prefix == "x" else f"{prefix} {i + 1}"


# -- encoding ---------------------------------------------------------------------------------


def _finite(a: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(a, nan=0.0, posinf=CLIP, neginf=-CLIP), -CLIP, CLIP)


def value_range(*arrays: np.ndarray) -> list[list[float]]:
    """Per axis [lo, hi] over the arrays (..., d), rounded to 6 significant digits, widened to
    hold every value after rounding and never empty."""
    flat = np.concatenate([a.reshape(-1, a.shape[-1]) for a in arrays])
    out = []
    for lo, hi in zip(flat.min(axis=0), flat.max(axis=0), strict=True):
        lo_r, hi_r = _round_down(float(lo)), _round_up(float(hi))
        if hi_r <= lo_r:
            lo_r, hi_r = lo_r - 0.5, lo_r + 0.5
        out.append([lo_r, hi_r])
    return out


def _round_down(v: float) -> float:
    r = float(f"{v:.6g}")
    return r if r <= v else float(f"{v - abs(v) * 1e-6 - 1e-12:.6g}")


def _round_up(v: float) -> float:
    r = float(f"{v:.6g}")
    return r if r >= v else float(f"{v + abs(v) * 1e-6 + 1e-12:.6g}")


def _levels(a: np.ndarray, span: list[list[float]]) -> np.ndarray:
    lo = np.array([s[0] for s in span])
    width = np.array([s[1] - s[0] for s in span])
    q = np.rint((a - lo) / width * LEVELS)
    return np.clip(q, 0, LEVELS).astype(np.int32)


def _pack16(values: np.ndarray) -> str:
    """uint16 values -> low byte plane, high byte plane, deflated, base64."""
    v = values.astype(np.uint16).ravel()
    planes = np.concatenate([(v & 0xFF).astype(np.uint8), (v >> 8).astype(np.uint8)])
    return base64.b64encode(zlib.compress(planes.tobytes(), 6)).decode("ascii")


def encode_lines(lines: np.ndarray, span: list[list[float]]) -> str:
    """Mesh lines (L, S, d): 12-bit levels laid out axis by axis, line by line, as second
    differences along each line (the first entry of a line is its level, the second the first
    difference), zigzag-coded (n >= 0 -> 2n, n < 0 -> -2n - 1)."""
    q = np.moveaxis(_levels(lines, span), -1, 0)  # (d, L, S)
    d1 = np.diff(q, axis=-1, prepend=0)
    d2 = d1.copy()
    d2[..., 1:] = np.diff(d1, axis=-1)
    return _pack16((d2 << 1) ^ (d2 >> 31))


def encode_points(points: np.ndarray, span: list[list[float]]) -> str:
    """Points (n, d): 12-bit levels laid out axis by axis."""
    return _pack16(np.moveaxis(_levels(points, span), -1, 0))


def _labels(trainer: Trainer) -> dict[str, Any]:
    d = trainer.data
    if d.problem == "classification":
        data = d.y_train.astype(np.uint8)
        kind = "class"
    else:
        data, kind = quantize(d.y_train.astype(np.float64)), "score"
    packed = base64.b64encode(zlib.compress(data.tobytes(), 6)).decode("ascii")
    return {"kind": kind, "n_classes": d.n_classes, "data": packed}


# -- the view ---------------------------------------------------------------------------------


@view("manifold")
def manifold_view(ctx: FrameContext) -> dict[str, Any]:
    return manifold_frame(ctx.trainer, read_options(ctx.options))


def manifold_frame(trainer: Trainer, opts: Options) -> dict[str, Any]:
    """Every space's mesh and points (quantized), its probe accuracy, and the staged block."""
    samples = 3 * opts.mesh // 2
    mesh = mesh_lines(opts.mesh, samples)
    points = trainer.data.x_train
    mesh_images = [_finite(z) for z in layer_images(trainer, mesh)]
    point_images = [_finite(z) for z in layer_images(trainer, points)]
    captions = layer_labels(trainer)
    probes = _probes(trainer, point_images)
    last = len(mesh_images) - 1
    spaces, shown_by_space = [], []
    for i, (zm, zp) in enumerate(zip(mesh_images, point_images, strict=True)):
        shown = _shown(trainer, i, zp, opts.dims.get(i, "auto"), i == last)
        shown_by_space.append(shown)
        cm, cp = _finite(shown.coords(zm)), _finite(shown.coords(zp))
        span = value_range(cm, cp)
        spaces.append({
            "caption": captions[i], "width": int(zp.shape[-1]), "shown": _choice_json(shown),
            "label": shown.label, "axes": shown.axes, "range": span,
            "mesh": encode_lines(cm, span) if cm.shape[-1] > 1 else None,
            "points": encode_points(cp, span), "probe": probes[i],
        })  # fmt: skip
    reached = [i for i, p in enumerate(probes) if p is not None and p >= SEPARABLE]
    return {
        "mesh": {"lines": opts.mesh, "samples": samples},
        "levels": LEVELS,
        "n_points": len(points),
        "labels": _labels(trainer),
        "spaces": spaces,
        "separable": SEPARABLE,
        "separable_at": reached[0] if reached else None,
        "stages": _stages(trainer, opts.stage_layer, mesh, points, shown_by_space),
    }


def _choice_json(shown: Shown) -> str | list[int]:
    return list(shown.choice) if isinstance(shown.choice, tuple) else shown.choice


def _probes(trainer: Trainer, point_images: list[np.ndarray]) -> list[float | None]:
    d = trainer.data
    if d.problem != "classification" or len(d.y_train) == 0:
        return [None] * len(point_images)
    out: list[float | None] = []
    for z in point_images:
        try:
            acc = linear_probe(z, d.y_train, d.n_classes)
        except np.linalg.LinAlgError:  # a degenerate representation of a run near divergence
            acc = math.nan
        out.append(round(acc, 4) if math.isfinite(acc) else None)
    return out


def _stages(
    trainer: Trainer, layer: int | None, mesh: np.ndarray, points: np.ndarray, shown: list[Shown]
) -> dict[str, Any] | None:
    """Stages 0, 1, 2 of block `layer` in the view of its output space (stage 3 is that
    space's own image, already in the frame). Projections are affine, so blending the shown
    coordinates is showing the blended stages."""
    if layer is None or layer >= len(trainer.model.dense):
        return None
    view_ = shown[layer + 1]
    mesh_stages = [_finite(view_.coords(_finite(s))) for s in layer_stages(trainer, layer, mesh)]
    point_stages = [_finite(view_.coords(_finite(s))) for s in layer_stages(trainer, layer, points)]
    span = value_range(*mesh_stages[:3], *point_stages[:3])
    flat = mesh_stages[0].shape[-1] == 1
    return {
        "layer": layer,
        "space": layer + 1,
        "names": stage_names(trainer, layer),
        "range": span,
        "mesh": None if flat else [encode_lines(s, span) for s in mesh_stages[:3]],
        "points": [encode_points(s, span) for s in point_stages[:3]],
    }


def stage_names(trainer: Trainer, layer: int) -> list[str]:
    """What the page writes under the slider's four stops for block `layer`."""
    acts = [a.act.name for a in trainer.model.layers if isinstance(a, ActivationLayer)]
    affine = "x W + b" if trainer.config.norm == "none" else f"{trainer.config.norm}(x W)"
    last = acts[layer] + "(…)" if layer < len(acts) else f"{trainer.model.head.name} output"
    return ["input", "x W", affine, last]
