"""The labs: one page each, one module each in this package, found at import.

A lab module defines `LAB = Lab(...)` and, if it needs them, `router` (an APIRouter for its
own endpoints, under /api/<name>/) and frame views (`@app.frames.view("name")`). Adding a lab
is adding a module here, its template and its static modules; nothing else changes: the
navigation, the page route and the router inclusion follow from the registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lab:
    name: str  # short exact name: URL, template and navigation id
    title: str
    path: str
    template: str
    summary: str
    order: int = 100  # place in the navigation bar


LABS: dict[str, Lab] = {}
ROUTERS: list[Any] = []


def register(lab: Lab) -> Lab:
    if lab.name in LABS:
        raise ValueError(f"lab {lab.name!r} is registered twice")
    LABS[lab.name] = lab
    return lab


def navigation() -> list[dict[str, Any]]:
    labs = sorted(LABS.values(), key=lambda lab: (lab.order, lab.title))
    return [
        {"name": lab.name, "title": lab.title, "path": lab.path, "summary": lab.summary}
        for lab in labs
    ]


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register(module.LAB)
        router = getattr(module, "router", None)
        if router is not None:
            ROUTERS.append(router)


_discover()
