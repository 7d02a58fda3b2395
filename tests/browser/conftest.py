"""Fixtures for the page tests: the real app (uvicorn in a subprocess on a free port) and
Debian's Chromium driven by Playwright. Each test gets a fresh page; console errors and page
errors fail the test that caused them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright import sync_api
except ImportError:  # the fixture below skips, or fails where a browser is required
    sync_api = None

# CI sets NNP_REQUIRE_BROWSER=1: there a missing browser is a failure, never a skip.
REQUIRED = os.environ.get("NNP_REQUIRE_BROWSER") == "1"

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode()
                proc.stderr.close()
                raise RuntimeError(f"the app did not start on {url}:\n{err}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests cannot run: {reason} (NNP_REQUIRE_BROWSER=1)")
    pytest.skip(f"browser tests need {reason}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    executable = os.environ.get("NNP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if sync_api is None:
        _unavailable("the playwright package")
    if not Path(executable).exists():
        _unavailable(f"Chromium at {executable} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


@pytest.fixture
def playground(chromium: Any, server_url: str) -> Iterator[Any]:
    """open(hash="", width=1280, height=800) -> a loaded playground page (connected, epoch 0
    drawn); `page.console.errors` collects errors and must be empty at the end."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    pages: list[Any] = []

    def open_page(hash_: str = "", width: int = 1280, height: int = 800) -> Any:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.console = Console(page)
        pages.append(page)
        page.goto(f"{server_url}/{hash_}")
        # Ready: the catalog built the controls and the first frame from the server is drawn.
        page.wait_for_function(
            "window.nnPlayground && window.nnPlayground.recorder.length > 0 "
            "&& document.body.dataset.drawMs !== undefined",
            timeout=15000,
        )
        return page

    yield open_page
    for page in pages:
        errors = page.console.errors
        page.close()
        assert errors == [], f"console errors: {errors}"
    context.close()
