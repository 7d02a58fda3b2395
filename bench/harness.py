"""What every benchmark needs: a free loopback port, the server in a subprocess, Chromium's flags.

    from harness import CHROMIUM_ARGS, free_port, server

    with server(port) as proc:        # started (one BLAS thread), answering /api/health
        ...                           # stopped on exit, killed if it will not stop

Benchmarks are scripts (`python bench/x.py`), so this module is imported by its plain name.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, **settings: str) -> subprocess.Popen:
    """`python -m app.cli` on 127.0.0.1:`port`, with NNP_ settings (e.g. MAX_SESSIONS="40")."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.update({f"NNP_{key.upper()}": value for key, value in settings.items()})
    command = [sys.executable, "-m", "app.cli", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not answer /api/health within 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a websocket it still waits on: stop it anyway
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def server(port: int, **settings: str) -> Iterator[subprocess.Popen]:
    proc = start_server(port, **settings)
    try:
        yield proc
    finally:
        stop_server(proc)
