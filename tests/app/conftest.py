"""Fixtures for the app tests: an app with small limits, Starlette's TestClient, and `Socket`,
a websocket wrapper that parses every message strictly (no NaN or Infinity) and never waits
forever."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.main import create_app
from app.settings import Settings

# Small enough that every limit is easy to cross; the default dataset (500 points) still fits.
LIMITS = {
    "max_sessions": 2,
    "max_layers": 3,
    "max_neurons": 8,
    "max_points": 600,
    "max_batch_size": 50,
    "max_upload_bytes": 4096,
    "max_message_bytes": 8192,
    "max_epochs_per_step": 50,
    "grid": 20,
    "thumb": 5,
}
# A quick run: 100 training points, 10 steps an epoch.
SMALL_RUN = {"dataset": "circle", "n_points": 200, "hidden": [4, 2]}
# Regression with a deep ReLU net from N(0, 10^2) weights and lr 10: the weights grow to about
# 1e100 (the frames' weight norms overflow to inf) and the loss overflows at epoch 4.
DIVERGING = {
    "dataset": "plane",
    "n_points": 200,
    "hidden": [6, 6, 6],
    "activation": "relu",
    "init": {"name": "normal", "std": 10.0},
    "optimizer": {"name": "sgd", "lr": 10.0},
}
RECEIVE_SECONDS = 10.0  # a message that takes longer than this is not coming


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity, as a browser's JSON.parse does."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not valid JSON: {name}")

    return json.loads(text, parse_constant=refuse)


class Socket:
    """One client of /ws/train. Every message is parsed with `strict_loads` and kept in `log`."""

    def __init__(self, client: TestClient) -> None:
        self._context = client.websocket_connect("/ws/train")
        self.ws: WebSocketTestSession = self._context.__enter__()
        self.log: list[dict[str, Any]] = []
        self.open = True

    def close(self) -> None:
        if self.open:
            self.open = False
            self._context.__exit__(None, None, None)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send_text(json.dumps(message))

    def send_raw(self, text: str) -> None:
        self.ws.send_text(text)

    def receive_raw(self) -> dict[str, Any]:
        """The next ASGI message (text or close), or a test failure after RECEIVE_SECONDS."""

        async def within() -> dict[str, Any]:
            with anyio.fail_after(RECEIVE_SECONDS):
                # Starlette's session has no receive timeout; this is its receive() with one.
                return await self.ws._send_rx.receive()

        try:
            return self.ws.portal.call(within)
        except TimeoutError:
            pytest.fail(f"no message from the server within {RECEIVE_SECONDS} s")

    def receive(self) -> dict[str, Any]:
        raw = self.receive_raw()
        assert raw["type"] == "websocket.send", f"the server closed the socket: {raw}"
        message = strict_loads(raw["text"])
        self.log.append(message)
        return message

    def until(self, done: Callable[[dict[str, Any]], bool], limit: int = 500) -> dict[str, Any]:
        """Receive until a message satisfies `done`; fail after `limit` messages."""
        for _ in range(limit):
            message = self.receive()
            if done(message):
                return message
        pytest.fail(f"no matching message in {limit}")

    def take(self, *types: str) -> list[dict[str, Any]]:
        """The next messages, which must be of exactly these types in this order."""
        got = [self.receive() for _ in types]
        assert [m["type"] for m in got] == list(types)
        return got

    def command(self, message: dict[str, Any], seq: int) -> list[dict[str, Any]]:
        """Send a command with `seq`; return everything up to the first frame that applied it."""
        start = len(self.log)
        self.send({**message, "seq": seq})
        self.until(lambda m: m["type"] == "frame" and m["applied"] >= seq)
        return self.log[start:]

    def error(self, message: dict[str, Any] | str) -> dict[str, Any]:
        """Send a bad message (a dict, or raw text); return the error it is answered with."""
        if isinstance(message, str):
            return self.error_after(lambda: self.send_raw(message))
        return self.error_after(lambda: self.send(message))

    def error_after(self, send: Callable[[], None]) -> dict[str, Any]:
        send()
        return self.until(lambda m: m["type"] == "error")

    def start(self, config: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
        self.send({"type": "start", "config": config, **fields})
        return self.take("network", "points", "frame", "status")

    def step(self, epochs: int, seq: int) -> dict[str, Any]:
        """Step `epochs` epochs; return the frame that shows them."""
        return self.command({"type": "step", "epochs": epochs}, seq)[-1]


@pytest.fixture
def settings() -> Settings:
    return Settings(**LIMITS)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def connect(client: TestClient) -> Iterator[Callable[[], Socket]]:
    """Open a websocket past its greeting: hello, then the default run's network, points,
    frame and status. Every socket opened is closed at the end of the test."""
    opened: list[Socket] = []

    def open_socket() -> Socket:
        sock = Socket(client)
        opened.append(sock)
        assert sock.receive()["type"] == "hello"
        sock.take("network", "points", "frame", "status")
        return sock

    yield open_socket
    for sock in reversed(opened):
        sock.close()


@pytest.fixture
def sock(connect: Callable[[], Socket]) -> Socket:
    """A socket with SMALL_RUN started, paused at epoch 0."""
    s = connect()
    s.start(SMALL_RUN)
    return s
