"""HTML pages: one route per lab, all from one base template with the navigation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.labs import LABS, Lab, navigation

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")

router = APIRouter()


def _page(lab: Lab) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def page(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, lab.template, {"lab": lab, "labs": navigation()})

    page.__name__ = f"page_{lab.name}"
    return page


for _lab in LABS.values():
    router.add_api_route(
        _lab.path,
        _page(_lab),
        methods=["GET"],
        response_class=HTMLResponse,
        name=_lab.name,
        include_in_schema=False,
    )
