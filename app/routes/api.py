"""JSON endpoints: the catalog the pages build their controls from, previews, health."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request

from app import frames
from app.labs import navigation
from app.runs import MAX_RACERS
from app.settings import Settings, get_settings
from engine.config import catalog
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.race import RACE_PARAMS
from engine.views import feature_grids

router = APIRouter(prefix="/api")
SettingsDep = Annotated[Settings, Depends(get_settings)]


@router.get("/catalog", summary="Every component, its parameters, bounds and defaults")
def get_catalog(settings: SettingsDep) -> dict[str, Any]:
    base = _catalog()
    return {
        **base,
        "trainer": [_within_limits(p, settings) for p in base["trainer"]],
        "limits": settings.limits(),
        "labs": navigation(),
        "views": dict(frames.VIEW_RUNS),  # what frames can carry, by the runs they fit
        "feature_grids": _feature_grids(settings.thumb),
        "race": [p.describe() for p in RACE_PARAMS],
        "max_racers": MAX_RACERS,
    }


def _within_limits(param: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The engine's bounds, tightened to this server's limits so controls never offer more."""
    caps = {"batch_size": settings.max_batch_size, "n_points": settings.max_points}
    if param["name"] in caps:
        return {**param, "high": min(param["high"], caps[param["name"]])}
    return param


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    return catalog()


@lru_cache(maxsize=4)
def _feature_grids(n: int) -> dict[str, Any]:
    """Every input feature over the plane (n x n): the features column's thumbnails."""
    names = tuple(FEATURES.names())
    return {"names": list(names), **frames.encode_grids(feature_grids(names, n))}


@router.get("/datasets/{name}/preview", summary="A dataset's points (seed 1, no noise)")
def preview(name: str) -> dict[str, Any]:
    if name not in DATASETS:
        raise HTTPException(404, f"dataset must be one of {', '.join(DATASETS.names())}")
    return _preview(name)


@lru_cache(maxsize=32)
def _preview(name: str) -> dict[str, Any]:
    dataset = DATASETS.get(name)
    x, y = dataset.generate(np.random.default_rng(1), min(dataset.n_points, 300))
    return {
        "name": name,
        "problem": dataset.problem,
        "n_classes": dataset.n_classes(),
        "x": np.round(x, 3).tolist(),
        "y": np.round(y, 3).tolist(),
    }


@router.get("/health", summary="Liveness for the container's HEALTHCHECK")
def health(request: Request) -> dict[str, Any]:
    sessions = request.app.state.sessions
    return {"status": "ok", "sessions": len(sessions.active)}
