"""The app factory: `create_app()` with a lifespan that owns the session registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly
import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.labs import ROUTERS
from app.routes import api, pages, ws
from app.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)


@dataclass
class Sessions:
    active: dict[str, Any] = field(default_factory=dict)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessions = Sessions()
        yield
        app.state.sessions.active.clear()

    app = FastAPI(
        title="NN Playground",
        summary="Watch neural networks learn: a live playground on a pure-NumPy engine.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from local files, so /docs works offline
        redoc_url=None,
    )
    # Swagger UI 4 (the offline bundle) reads OpenAPI 3.0; the schema uses nothing newer
    # that it cannot show.
    app.openapi_version = "3.0.3"
    app.state.settings = settings
    app.state.sessions = Sessions()
    app.dependency_overrides[get_settings] = lambda: settings
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package: no CDN, works offline.
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # Swagger UI's files from the installed swagger-ui-bundle package, not a CDN.
    app.mount("/vendor/swagger", StaticFiles(directory=SWAGGER_UI), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="NN Playground API",
            swagger_js_url="/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger/favicon-32x32.png",
        )

    app.include_router(api.router)
    for router in ROUTERS:  # each lab's own endpoints
        app.include_router(router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    return app
