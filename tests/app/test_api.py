"""HTTP routes: the catalog (from the registries, within this server's limits), dataset
previews, health, the lab pages with every asset they load served locally, Plotly from our own
server, and the OpenAPI docs."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.labs import LABS, navigation
from app.main import PLOTLY_JS
from app.settings import Settings
from engine.activations import ACTIVATIONS
from engine.config import TRAINER_PARAMS, TrainConfig
from engine.datasets import DATASETS
from engine.features import FEATURES, transform
from engine.optimizers import OPTIMIZERS
from engine.views import grid_points
from tests.app.conftest import Socket

# -- catalog --------------------------------------------------------------------------------


def test_the_catalog_lists_every_registered_component(client: TestClient) -> None:
    catalog = client.get("/api/catalog").json()
    for key, registry in [
        ("activations", ACTIVATIONS),
        ("optimizers", OPTIMIZERS),
        ("datasets", DATASETS),
    ]:
        assert [c["name"] for c in catalog[key]] == list(registry.names())
    sgd = next(o for o in catalog["optimizers"] if o["name"] == "sgd")
    assert {"name", "help", "params"} <= set(sgd)
    assert [p["name"] for p in catalog["trainer"]] == [p.name for p in TRAINER_PARAMS]


def test_the_catalog_defaults_are_the_engines(client: TestClient) -> None:
    defaults = client.get("/api/catalog").json()["defaults"]
    assert TrainConfig().with_changes(defaults) == TrainConfig()
    assert defaults["hidden"] == [4, 2] and defaults["dataset"] == "circle"


def test_the_catalog_bounds_are_tightened_to_the_server_limits(
    client: TestClient, settings: Settings
) -> None:
    catalog = client.get("/api/catalog").json()
    assert catalog["limits"] == settings.limits()
    trainer = {p["name"]: p for p in catalog["trainer"]}
    assert trainer["batch_size"]["high"] == settings.max_batch_size == 50
    assert trainer["n_points"]["high"] == settings.max_points == 600
    engine = {p.name: p for p in TRAINER_PARAMS}
    assert trainer["train_ratio"] == engine["train_ratio"].describe()  # the rest as they are
    assert [lab["name"] for lab in catalog["labs"]] == [lab["name"] for lab in navigation()]
    assert {lab["name"] for lab in catalog["labs"]} == set(LABS)


def test_a_large_response_is_compressed(client: TestClient) -> None:
    response = client.get("/api/catalog", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


# -- previews -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS.names())
def test_every_dataset_has_a_preview(client: TestClient, name: str) -> None:
    response = client.get(f"/api/datasets/{name}/preview")
    assert response.status_code == 200
    preview = response.json()
    dataset = DATASETS.get(name)
    assert (preview["name"], preview["problem"], preview["n_classes"]) == (
        name,
        dataset.problem,
        dataset.n_classes(),
    )
    assert 0 < len(preview["x"]) == len(preview["y"]) <= 300
    assert all(len(p) == 2 and all(-6 <= v <= 6 for v in p) for p in preview["x"])
    assert client.get(f"/api/datasets/{name}/preview").json() == preview  # seeded


def test_an_unknown_dataset_preview_is_a_404_listing_the_names(client: TestClient) -> None:
    response = client.get("/api/datasets/moon/preview")
    assert response.status_code == 404
    assert "circle" in response.json()["detail"] and "spiral" in response.json()["detail"]


# -- health ---------------------------------------------------------------------------------


def test_health_counts_the_sessions(client: TestClient, connect: Any) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "sessions": 0}
    sock: Socket = connect()
    assert client.get("/api/health").json() == {"status": "ok", "sessions": 1}
    sock.close()
    assert client.get("/api/health").json()["sessions"] == 0


# -- pages and assets -----------------------------------------------------------------------

JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+\.js)["']""")


def local_assets(client: TestClient, html: str) -> set[str]:
    """Every local URL a page loads: its src and href attributes, and the JS modules they
    import, followed to the end."""
    refs = set(re.findall(r'(?:src|href)="(/[^"#]*)"', html)) - {"/"}
    todo = [r for r in refs if r.endswith(".js")]
    while todo:
        url = todo.pop()
        base = PurePosixPath(url).parent
        for spec in JS_IMPORT.findall(client.get(url).text):
            if spec.startswith("."):
                resolved = str(PurePosixPath(_normalise(base / spec)))
            elif spec.startswith("/"):
                resolved = spec
            else:
                continue  # a bare specifier would fail in the browser; the browser tests see it
            if resolved not in refs:
                refs.add(resolved)
                todo.append(resolved)
    return refs


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/" + "/".join(parts[1:])


@pytest.mark.parametrize("lab", LABS.values(), ids=LABS.keys())
def test_every_lab_page_is_served_with_every_asset_it_loads(client: TestClient, lab: Any) -> None:
    response = client.get(lab.path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f"<title>{lab.title}" in html
    for other in LABS.values():  # the navigation
        assert f'href="{other.path}"' in html
    # No CDN: nothing loaded from elsewhere (scripts, images, styles). Links a reader may
    # follow (a paper cited on the page) are fine.
    assert not re.search(r'src="(?:https?:)?//', html)
    assert not re.search(r'<link[^>]*href="(?:https?:)?//', html)
    assets = local_assets(client, html)
    assert "/vendor/plotly.min.js" in assets
    for url in sorted(assets):
        assert client.get(url).status_code == 200, url


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    response = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["cache-control"]
    assert response.content == PLOTLY_JS.read_bytes()
    assert response.content.startswith(b"/**\n* plotly.js")


def test_an_unknown_page_is_a_404(client: TestClient) -> None:
    assert client.get("/no-such-lab").status_code == 404
    assert client.get("/static/js/no-such-module.js").status_code == 404


# -- OpenAPI --------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_api_only(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "NN Playground"
    core = {"/api/catalog", "/api/datasets/{name}/preview", "/api/health"}
    assert core <= set(schema["paths"])
    assert all(path.startswith("/api/") for path in schema["paths"])  # pages are not in it
    for path in schema["paths"].values():
        for operation in path.values():
            assert operation["summary"]  # every route says what it is
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    # Swagger UI comes from our own server: /docs works with no internet
    assert not re.search(r'(?:src|href)="(?:https?:)?//', docs.text)
    for asset in re.findall(r'(?:src|href)="(/vendor/swagger/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset


def test_the_catalog_carries_every_feature_over_the_plane(client: TestClient) -> None:
    grids = client.get("/api/catalog").json()["feature_grids"]
    assert grids["names"] == FEATURES.names()
    n, scale = grids["n"], grids["scale"]
    raw = np.frombuffer(zlib.decompress(base64.b64decode(grids["data"])), dtype=np.uint8)
    values = (raw.astype(float) / 127.5 - 1.0) * scale
    assert values.size == len(FEATURES) * n * n
    expected = transform(grid_points(n), tuple(FEATURES.names())).T.ravel()
    np.testing.assert_allclose(values, expected, atol=scale / 127.5)
