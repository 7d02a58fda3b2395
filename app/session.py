"""One training session: one websocket, one reader, one writer, training off the event loop.

    reader  --commands-->  loop  --messages-->  writer  --> websocket
                            |
                 asyncio.to_thread(chunk): train until the next frame is due,
                 stopping early when a command arrives; then build the frame

The loop alone touches the trainer, and only between chunks, so commands apply between
epochs and never race a training step. Frames are throttled to `frame_rate`. Messages go out
in the order they were made, except that the session keeps one unsent frame at most: a newer
frame takes its place in line and its history, so a slow client never makes the server queue
frames and still gets every epoch's loss.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from enum import StrEnum
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from app import frames
from app.limits import LimitError, check_points_room
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
    ViewOptions,
    parse,
)
from app.runs import Run, TrainerRun, build_run
from app.settings import Settings
from app.transfer import export_state, import_state, parse_upload
from engine.errors import ConfigError
from engine.trainer import Status, Trainer


class State(StrEnum):
    PAUSED = "paused"
    RUNNING = "running"
    DIVERGED = "diverged"


class Session:
    def __init__(self, websocket: WebSocket, settings: Settings) -> None:
        self.ws = websocket
        self.settings = settings
        self.id = uuid.uuid4().hex[:12]
        self.run: Run = TrainerRun({}, settings)
        self.state = State.PAUSED
        self.commands: asyncio.Queue[Command | ProtocolError] = asyncio.Queue()
        self.interrupt = threading.Event()  # set by the reader: stop the chunk early
        # Messages, and for the unsent frame a token marking its place in line.
        self.outbox: asyncio.Queue[dict[str, Any] | object] = asyncio.Queue()
        self.pending_frame: dict[str, Any] | None = None
        self.frame_turn: object | None = None  # the pending frame's token in the outbox
        self.applied = 0
        self.sent_epoch = -1  # the last epoch whose loss has been sent in a frame's history
        self.focus: tuple[int, int] | None = None
        self.epochs_per_second: float | None = None
        self.frame_interval = 1.0 / settings.frame_rate
        self.next_frame = 0.0
        self.next_chunk = 0.0  # with a speed cap: when the next chunk may start
        self.frames_sent = 0
        self.views: tuple[str, ...] = frames.DEFAULT_VIEWS
        self.options: dict[str, Any] = {}  # view options (docs/protocol.md)

    @property
    def trainer(self) -> Trainer:
        """The network of a trainer run; commands that need one are refused in other runs."""
        if not isinstance(self.run, TrainerRun):
            raise ConfigError("run", self.run.kind, "a network run ('trainer') for this command")
        return self.run.trainer

    # -- the three tasks --------------------------------------------------------------------

    async def serve(self) -> None:
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
            # wait, not gather: a cancelled gather raises its children's CancelledError, which
            # hides the server's own cancellation of this task (the ASGI server's cancel scope)
            await asyncio.wait(tasks)

    async def _read(self) -> None:
        limit = self.settings.max_message_bytes
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or message.get("bytes") or ""
            size = len(text.encode()) if isinstance(text, str) else len(text)
            if size > limit:
                item: Command | ProtocolError = ProtocolError(
                    None, f"message must be at most {limit} bytes, got {size}"
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
            item = await self.outbox.get()
            if isinstance(item, dict):
                await self.ws.send_text(frames.to_json(item))
            elif item is self.frame_turn and self.pending_frame is not None:
                msg, self.pending_frame, self.frame_turn = self.pending_frame, None, None
                await self.ws.send_text(frames.to_json(msg))
                self.frames_sent += 1
            # any other token is a frame of a run since replaced: nothing to send

    async def _loop(self) -> None:
        self._send_all()
        while True:
            while not self.commands.empty():
                await self._apply_safely(self.commands.get_nowait())
            self.interrupt.clear()
            if self.state is not State.RUNNING:
                await self._apply_safely(await self.commands.get())
                continue
            wait = self._pace_wait()
            if wait > 0:
                try:
                    item = await asyncio.wait_for(self.commands.get(), wait)
                except TimeoutError:
                    continue
                await self._apply_safely(item)
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
        return max(0.0, self.next_chunk - time.perf_counter())

    def _chunk(self, max_epochs: float) -> dict[str, Any] | None:
        """Train until the next frame is due (or a command arrives); build the frame if due.

        With a speed cap a chunk trains at most `max_epochs` (the cap's share of a frame
        interval, at least one), always ends in a frame, and sets when the next chunk may start
        (its start + epochs / cap), so the cap holds below the frame rate too."""
        run, deadline, start = self.run, self.next_frame, time.perf_counter()
        done = 0
        while done < max_epochs and run.status is Status.OK:
            run.step()
            done += 1
            if self.interrupt.is_set() or time.perf_counter() >= deadline:
                break
        capped = self.epochs_per_second is not None
        if capped:
            self.next_chunk = start + done / self.epochs_per_second
        if capped or time.perf_counter() >= deadline or run.status is not Status.OK:
            return self._build_frame()
        return None

    def _build_frame(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        run, s = self.run, self.settings
        opts = self.options if options is None else options
        ctx = frames.FrameContext(run, s.grid, s.thumb, self.focus, opts, self.sent_epoch)
        msg = frames.frame(ctx, self.views)
        self.sent_epoch = run.epoch
        msg["applied"], msg["state"] = self.applied, self.state.value
        now = time.perf_counter()
        # One interval after this frame was due, not after it was built: the cadence holds.
        self.next_frame = max(self.next_frame + self.frame_interval, now)
        return msg

    def _after_training(self, frame: dict[str, Any] | None) -> None:
        if self.run.status is Status.DIVERGED and self.state is State.RUNNING:
            self.state = State.DIVERGED
            if frame is not None:
                frame["state"] = self.state.value
            self._status()
        if frame is not None:
            self._queue_frame(frame)

    # -- commands ---------------------------------------------------------------------------

    async def _apply_safely(self, item: Command | ProtocolError) -> None:
        if isinstance(item, ProtocolError):
            self._error(item.field, item.message, item.request)
            return
        kind = getattr(item, "type", None)
        try:
            if isinstance(item, Step):
                await self._step(item.epochs)
            else:
                self._apply(item)
        except (ConfigError, LimitError) as exc:
            self._error(exc.field, str(exc), kind)
            return
        if item.seq is not None:
            self.applied = max(self.applied, item.seq)
            if self.pending_frame is not None:  # unsent, so built after this command
                self.pending_frame["applied"] = self.applied

    def _apply(self, cmd: Command) -> None:
        s = self.settings
        match cmd:
            case Start(config=config, play=play, views=views, run=kind, options=options):
                run = build_run(kind, config, s)
                state = State.RUNNING if play else State.PAUSED
                self._replace_run(run, _check_views(views, run), dict(options or {}), state)
            case Configure(changes=changes):
                kinds = self.run.configure(changes)
                if kinds & {"model", "restart"}:  # the run starts over: so does its history
                    self._new_history()
                    self.focus = None
                if kinds & {"data", "model"}:
                    for message in self.run.describe(s.thumb, kinds):
                        self.send(message)
                if self.state is State.DIVERGED and self.run.status is Status.OK:
                    self._set_state(State.PAUSED)
                self._frame_now()
            case ViewOptions(options=options):
                merged = {**self.options, **options}
                frame = self._build_frame(merged)  # views check their options: raises if bad
                self.options = merged
                self._queue_frame(frame)
            case Play():
                if self.run.status is Status.DIVERGED:
                    self._error("state", "the run diverged: change a setting, Reset or Rewind "
                                "first", "play")  # fmt: skip
                else:
                    self.next_frame = time.perf_counter() + self.frame_interval
                    self._set_state(State.RUNNING)
            case Pause():
                if self.state is State.RUNNING:
                    self._set_state(State.PAUSED)
                self._frame_now()
            case Reset(init_seed=seed):
                self.run.reset(seed)
                self._new_history()
                self._send_all(State.PAUSED)
            case Rewind():
                self.run.reset()
                self._new_history()
                self._send_all(State.PAUSED)
            case Speed(epochs_per_second=eps):
                self.epochs_per_second = eps
                self.next_chunk = 0.0  # the new rate starts now, not after the old wait
            case _:
                self._apply_to_network(cmd)

    def _apply_to_network(self, cmd: Command) -> None:
        """Commands that only a network run has: edits, points, files, focus."""
        t, s = self.trainer, self.settings
        match cmd:
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
                self._new_history()
                self._send_all()
            case Export():
                self.send({"type": "export", "state": export_state(t)})
            case Import(state=state):
                run = TrainerRun(import_state(state, s), s)
                self._replace_run(run, self.views, self.options, State.PAUSED)
            case Focus(layer=layer, neuron=neuron):
                self.focus = self._check_focus(layer, neuron)
                self._frame_now()

    async def _step(self, epochs: int) -> None:
        """That many epochs now, off the event loop like play (a long step must not stall
        every other session), then paused."""
        limit = self.settings.max_epochs_per_step
        if epochs > limit:
            raise LimitError("epochs", epochs, f"at most {limit}")
        run = self.run
        await asyncio.to_thread(_advance, run, epochs)
        self._set_state(State.DIVERGED if run.status is Status.DIVERGED else State.PAUSED)
        self._frame_now()

    def _replace_run(self, run: Run, views: tuple[str, ...], options: dict[str, Any],
                     state: State) -> None:  # fmt: skip
        """Switch to a new run. Its first frame is built before anything is sent, so a view
        that refuses the run or its options leaves the session exactly as it was."""
        before = (self.run, self.views, self.focus, self.options, self.sent_epoch)
        self.run, self.views, self.focus, self.options = run, views, None, options
        self.sent_epoch = -1
        try:
            frame = self._build_frame()
        except (ConfigError, LimitError):
            self.run, self.views, self.focus, self.options, self.sent_epoch = before
            raise
        self.pending_frame = self.frame_turn = None  # a frame of the old run is not sent
        for message in run.describe(self.settings.thumb):
            self.send(message)
        self._queue_frame(frame)
        self.state = state
        self._status()

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
        run, state = self.run, self.state
        message = _status_message(state, run)
        self.send(
            {
                "type": "status",
                "state": state.value,
                "epoch": run.epoch,
                "divergence": run.divergence,
                "message": message,
            }
        )

    def _frame_now(self) -> None:
        """A frame right away (after a command), built on the loop: a few milliseconds."""
        self._queue_frame(self._build_frame())

    def _queue_frame(self, msg: dict[str, Any]) -> None:
        """Queue a frame. An unsent one gives it its place in line and its history epochs."""
        old = self.pending_frame
        if old is None:
            self.frame_turn = object()
            self.outbox.put_nowait(self.frame_turn)
        else:
            msg["history"] = {k: v + msg["history"][k] for k, v in old["history"].items()}
        self.pending_frame = msg

    def _new_history(self) -> None:
        """A new run or network: the next frame carries the whole history; a frame not yet
        sent belongs to what came before and is dropped."""
        self.sent_epoch = -1
        self.pending_frame = self.frame_turn = None

    def _send_all(self, state: State | None = None) -> None:
        for message in self.run.describe(self.settings.thumb):
            self.send(message)
        self._frame_now()
        if state is not None:
            self.state = state
        self._status()


def _advance(run: Run, steps: int) -> None:
    for _ in range(steps):
        if run.status is not Status.OK:
            return
        run.step()


def _check_views(views: list[str] | None, run: Run) -> tuple[str, ...]:
    if views is None:
        return run.default_views
    allowed = frames.views_for(run.kind)
    for name in views:
        if name not in allowed:
            raise ConfigError("views", name, f"a view of a {run.kind} run: " + ", ".join(allowed))
    return tuple(dict.fromkeys(views))


def _status_message(state: State, run: Run) -> str:
    if state is State.DIVERGED and run.divergence:
        d = run.divergence
        return f"Training diverged at epoch {d['epoch']}: {d['reason']}. {d['suggestion']}"
    return {"paused": "Paused.", "running": "Training.", "diverged": "Diverged."}[state.value]
