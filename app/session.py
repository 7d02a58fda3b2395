"""One training session: one websocket, one reader, one writer, training off the event loop.

    reader  --commands-->  loop  --messages-->  writer  --> websocket
                            |
                 asyncio.to_thread(chunk): train until the next frame is due,
                 stopping early when a command arrives; then build the frame

The loop alone touches the trainer, and only between chunks, so commands apply between
epochs and never race a training step. Frames are throttled to `frame_rate`; the writer keeps
only the newest unsent frame, so a slow client never makes the server queue frames.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from enum import Enum
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from app import frames
from app.limits import LimitError, check_config, check_points_room
from app.protocol import (
    AddPoints,
    Command,
    Configure,
    Export,
    Focus,
    Import,
    Pause,
    Play,
    ProtocolError,
    Regenerate,
    Reset,
    Rewind,
    SetBias,
    SetWeight,
    Speed,
    Start,
    Step,
    UploadCSV,
    parse,
)
from app.settings import Settings
from app.transfer import export_state, import_state, parse_upload
from engine.config import TrainConfig
from engine.errors import ConfigError
from engine.trainer import Status, Trainer


class State(str, Enum):
    PAUSED = "paused"
    RUNNING = "running"
    DIVERGED = "diverged"


class Session:
    def __init__(self, websocket: WebSocket, settings: Settings) -> None:
        self.ws = websocket
        self.settings = settings
        self.id = uuid.uuid4().hex[:12]
        self.trainer = Trainer(TrainConfig())
        self.state = State.PAUSED
        self.commands: asyncio.Queue[Command | ProtocolError] = asyncio.Queue()
        self.interrupt = threading.Event()  # set by the reader: stop the chunk early
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.pending_frame: dict[str, Any] | None = None
        self.frame_ready = asyncio.Event()
        self.applied = 0
        self.sent_epoch = -1  # the last epoch whose loss has been sent in a frame's history
        self.focus: tuple[int, int] | None = None
        self.epochs_per_second: float | None = None
        self.frame_interval = 1.0 / settings.frame_rate
        self.next_frame = 0.0
        self.frames_sent = 0

    # -- the three tasks --------------------------------------------------------------------

    async def run(self) -> None:
        self.send({"type": "hello", "session": self.id, "limits": self.settings.limits(),
                   "frame_rate": self.settings.frame_rate, "grid": self.settings.grid,
                   "thumb": self.settings.thumb})  # fmt: skip
        tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._write()),
            asyncio.create_task(self._loop()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() and not isinstance(task.exception(), WebSocketDisconnect):
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _read(self) -> None:
        limit = self.settings.max_message_bytes
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or message.get("bytes") or ""
            if len(text) > limit:
                item: Command | ProtocolError = ProtocolError(
                    None, f"message must be at most {limit} bytes, got {len(text)}"
                )
            else:
                try:
                    item = parse(text)
                except ProtocolError as exc:
                    item = exc
            self.commands.put_nowait(item)
            self.interrupt.set()

    async def _write(self) -> None:
        while True:
            if self.outbox.empty() and self.pending_frame is None:
                self.frame_ready.clear()
                getter = asyncio.create_task(self.outbox.get())
                waiter = asyncio.create_task(self.frame_ready.wait())
                done, pending = await asyncio.wait(
                    {getter, waiter}, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
                if getter in done:
                    await self.ws.send_text(frames.to_json(getter.result()))
            while not self.outbox.empty():
                await self.ws.send_text(frames.to_json(self.outbox.get_nowait()))
            if self.pending_frame is not None:
                msg, self.pending_frame = self.pending_frame, None
                await self.ws.send_text(frames.to_json(msg))
                self.frames_sent += 1

    async def _loop(self) -> None:
        self._send_all()
        while True:
            while not self.commands.empty():
                self._apply_safely(self.commands.get_nowait())
            self.interrupt.clear()
            if self.state is not State.RUNNING:
                self._apply_safely(await self.commands.get())
                continue
            wait = self._pace_wait()
            if wait > 0:
                try:
                    self._apply_safely(await asyncio.wait_for(self.commands.get(), wait))
                except TimeoutError:
                    pass
                continue
            frame = await asyncio.to_thread(self._chunk, self._epoch_budget())
            self._after_training(frame)

    # -- training off the loop --------------------------------------------------------------

    def _epoch_budget(self) -> float:
        if self.epochs_per_second is None:
            return math.inf
        return max(1.0, self.epochs_per_second * self.frame_interval)

    def _pace_wait(self) -> float:
        """Seconds to wait before the next chunk when the speed is capped."""
        if self.epochs_per_second is None:
            return 0.0
        return max(0.0, self.next_frame - time.perf_counter())

    def _chunk(self, max_epochs: float) -> dict[str, Any] | None:
        """Train until the next frame is due (or a command arrives); build the frame if due."""
        trainer, deadline = self.trainer, self.next_frame
        done = 0
        while done < max_epochs and trainer.status is Status.OK:
            trainer.step_epoch()
            done += 1
            if self.interrupt.is_set() or time.perf_counter() >= deadline:
                break
        if time.perf_counter() >= deadline or trainer.status is not Status.OK:
            return self._build_frame()
        return None

    def _build_frame(self) -> dict[str, Any]:
        t = self.trainer
        msg = frames.frame(t, self.settings.grid, self.settings.thumb, self.sent_epoch, self.focus)
        self.sent_epoch = t.epoch
        msg["applied"], msg["state"] = self.applied, self.state.value
        self.next_frame = time.perf_counter() + self.frame_interval
        return msg

    def _after_training(self, frame: dict[str, Any] | None) -> None:
        if self.trainer.status is Status.DIVERGED and self.state is State.RUNNING:
            self.state = State.DIVERGED
            if frame is not None:
                frame["state"] = self.state.value
            self._status()
        if frame is not None:
            self.pending_frame = frame
            self.frame_ready.set()

    # -- commands ---------------------------------------------------------------------------

    def _apply_safely(self, item: Command | ProtocolError) -> None:
        if isinstance(item, ProtocolError):
            self._error(item.field, item.message, item.request)
            return
        kind = getattr(item, "type", None)
        try:
            self._apply(item)
        except (ConfigError, LimitError) as exc:
            self._error(exc.field, str(exc), kind)
            return
        if item.seq is not None:
            self.applied = max(self.applied, item.seq)

    def _apply(self, cmd: Command) -> None:
        t, s = self.trainer, self.settings
        match cmd:
            case Start(config=config, play=play):
                new = TrainConfig().with_changes(config)
                check_config(new, s)
                self.trainer = Trainer(new)
                self.sent_epoch = -1
                self._send_all(State.RUNNING if play else State.PAUSED)
            case Configure(changes=changes):
                new = t.config.with_changes(changes)
                check_config(new, s)
                kinds = t.configure(**changes)
                if "model" in kinds:
                    self.sent_epoch = -1
                    self.send(frames.network(t, s.thumb))
                if "data" in kinds or "model" in kinds:
                    self.send(frames.points(t))
                if self.state is State.DIVERGED and t.status is Status.OK:
                    self._set_state(State.PAUSED)
                self._frame_now()
            case Play():
                if t.status is Status.DIVERGED:
                    self._error("state", "the run diverged: change a setting, Reset or Rewind "
                                "first", "play")  # fmt: skip
                else:
                    self.next_frame = time.perf_counter() + self.frame_interval
                    self._set_state(State.RUNNING)
            case Pause():
                if self.state is State.RUNNING:
                    self._set_state(State.PAUSED)
                self._frame_now()
            case Step(epochs=epochs):
                if epochs > s.max_epochs_per_step:
                    raise LimitError("epochs", epochs, f"at most {s.max_epochs_per_step}")
                t.run(epochs)
                self._set_state(State.DIVERGED if t.status is Status.DIVERGED else State.PAUSED)
                self._frame_now()
            case Reset(init_seed=seed):
                t.reset(seed)
                self.sent_epoch = -1
                self._send_all(State.PAUSED)
            case Rewind():
                t.reset()
                self.sent_epoch = -1
                self._send_all(State.PAUSED)
            case Regenerate(data_seed=seed):
                t.regenerate(seed)
                self.send(frames.points(t))
                self._frame_now()
            case SetWeight(layer=layer, source=src, target=dst, value=value):
                t.set_weight(layer, src, dst, value)
                self._frame_now()
            case SetBias(layer=layer, neuron=neuron, value=value):
                t.set_bias(layer, neuron, value)
                self._frame_now()
            case AddPoints(points=pts, labels=labels, split=split):
                check_points_room(t, len(pts), s)
                t.add_points(pts, labels, s.max_points, split)
                self.send(frames.points(t))
                self._frame_now()
            case UploadCSV(text=text):
                x, y, problem, k = parse_upload(text, s)
                t.set_points(x, y, problem, k, s.max_points)
                self.sent_epoch = -1
                self._send_all()
            case Export():
                self.send({"type": "export", "state": export_state(t)})
            case Import(state=state):
                self.trainer = import_state(state, s)
                self.sent_epoch = -1
                self._send_all(State.PAUSED)
            case Focus(layer=layer, neuron=neuron):
                self.focus = self._check_focus(layer, neuron)
                self._frame_now()
            case Speed(epochs_per_second=eps):
                self.epochs_per_second = eps

    def _check_focus(self, layer: int | None, neuron: int) -> tuple[int, int] | None:
        if layer is None:
            return None
        hidden = self.trainer.config.hidden
        if not 0 <= layer < len(hidden):
            raise ConfigError("layer", layer, f"a hidden layer index in [0, {len(hidden) - 1}]")
        if not 0 <= neuron < hidden[layer]:
            raise ConfigError("neuron", neuron, f"an integer in [0, {hidden[layer] - 1}]")
        return layer, neuron

    # -- sending ----------------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(message)

    def _error(self, field: str | None, message: str, request: str | None) -> None:
        self.send({"type": "error", "request": request, "field": field, "message": message})

    def _set_state(self, state: State) -> None:
        self.state = state
        self._status()

    def _status(self) -> None:
        t = self.trainer
        self.send({"type": "status", "state": self.state.value, "epoch": t.epoch,
                   "divergence": t.divergence, "message": _status_message(self.state, t)})  # fmt: skip

    def _frame_now(self) -> None:
        """A frame right away (after a command), built on the loop: a few milliseconds."""
        self.pending_frame = self._build_frame()
        self.frame_ready.set()

    def _send_all(self, state: State | None = None) -> None:
        t = self.trainer
        self.send(frames.network(t, self.settings.thumb))
        self.send(frames.points(t))
        self._frame_now()
        if state is not None:
            self.state = state
        self._status()


def _status_message(state: State, trainer: Trainer) -> str:
    if state is State.DIVERGED and trainer.divergence:
        d = trainer.divergence
        return f"Training diverged at epoch {d['epoch']}: {d['reason']}. {d['suggestion']}"
    return {"paused": "Paused.", "running": "Training.", "diverged": "Diverged."}[state.value]
