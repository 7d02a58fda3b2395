"""The labs: one registry entry per page. A new lab adds itself here and to templates/."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Lab:
    name: str  # short exact name: URL, template and navigation id
    title: str
    path: str
    template: str
    summary: str


LABS: dict[str, Lab] = {}


def register(lab: Lab) -> Lab:
    if lab.name in LABS:
        raise ValueError(f"lab {lab.name!r} is registered twice")
    LABS[lab.name] = lab
    return lab


register(
    Lab(
        name="playground",
        title="Playground",
        path="/",
        template="playground.html",
        summary="Train a small network on 2-D data and watch every neuron learn, live.",
    )
)


def navigation() -> list[dict[str, str]]:
    return [asdict(lab) for lab in LABS.values()]
