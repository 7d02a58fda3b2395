"""Settings: read from NNP_* environment variables, validated, documented in the README, and
the app built from them (or from the Settings a test passes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from app.settings import Settings, get_settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No NNP_* variable from outside, and get_settings read again in every test."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"NNP_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_settings_come_from_nnp_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNP_MAX_SESSIONS", "3")
    monkeypatch.setenv("NNP_FRAME_RATE", "12.5")
    monkeypatch.setenv("MAX_POINTS", "20")  # no prefix: not ours
    settings = Settings()
    assert (settings.max_sessions, settings.frame_rate) == (3, 12.5)
    assert settings.max_points == 5000


def test_the_app_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNP_MAX_SESSIONS", "1")
    monkeypatch.setenv("NNP_MAX_LAYERS", "2")
    app = create_app()
    assert app.state.settings.max_sessions == 1
    assert get_settings() is get_settings()  # cached
    with TestClient(app) as client:
        assert client.get("/api/catalog").json()["limits"]["max_layers"] == 2
        with client.websocket_connect("/ws/train") as ws:
            assert ws.receive_json()["limits"]["max_layers"] == 2
            with client.websocket_connect("/ws/train") as refused:
                assert refused.receive_json()["field"] == "session"


def test_settings_given_to_the_app_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NNP_MAX_POINTS", "100")
    app = create_app(Settings(max_points=700))
    with TestClient(app) as client:
        assert client.get("/api/catalog").json()["limits"]["max_points"] == 700


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NNP_FRAME_RATE", "0"),
        ("NNP_MAX_SESSIONS", "many"),
        ("NNP_PORT", "70000"),
        ("NNP_MAX_UPLOAD_BYTES", "10"),
        ("NNP_THUMB", "30"),  # does not divide the grid of 100
    ],
)
def test_a_bad_value_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    field = name.removeprefix("NNP_").lower()
    assert field in str(caught.value)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.max_sessions = 3  # type: ignore[misc]


def test_limits_are_what_the_hello_and_catalog_announce() -> None:
    settings = Settings(max_layers=4, max_points=300)
    assert settings.limits() == {
        "max_layers": 4,
        "max_neurons": 32,
        "max_points": 300,
        "max_batch_size": 1000,
        "max_upload_bytes": 262_144,
        "max_epochs_per_step": 1000,
    }


def test_every_setting_is_documented_in_the_readme_with_its_default() -> None:
    table = dict(re.findall(r"^\| `NNP_(\w+)` \| ([^|]+?) \|", README.read_text(), re.M))
    defaults = Settings().model_dump()
    assert set(table) == {name.upper() for name in defaults}
    for name, default in defaults.items():
        documented = table[name.upper()]
        assert documented == str(default) or float(documented) == default, name
