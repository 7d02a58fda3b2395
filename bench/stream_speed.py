"""Streaming speed: what websocket clients see while sessions train (issue 3).

    OPENBLAS_NUM_THREADS=1 python bench/stream_speed.py [--seconds 10] [--changes 50]
        [--ramp 1,5,10,20,30] [--ramp-seconds 8] [--compression deflate|none]
        [--attach PORT [--attach-pid PID]]

Starts the server (`python -m app.cli`) on a free 127.0.0.1 port with one BLAS thread, waits
for /api/health, and for two setups (the default: circle, [4, 2]; spiral, six hidden layers
of 8; both tanh, sgd lr 0.03, batch 10, train_ratio 0.5) measures, with one client:

- epochs per second trained and frames per second delivered while playing (frame `epoch`
  deltas over wall time), and the JSON text size of a frame (median, max);
- the time from a learning-rate change (`configure` with a `seq`) to the first frame whose
  `applied` reaches that seq (median, p90), for changes spaced ~100 ms apart while playing;

then ramps concurrent playing sessions (all clients in this one asyncio process, so they share
the two cores with the server) and reports per-session frames and epochs per second. The
server's and the clients' CPU use over each window are printed beside the figures. Prints
Markdown tables and stops the server. Loopback only; every loop is bounded in time.

`--attach PORT` drives a server already listening on 127.0.0.1:PORT instead (to profile it
from outside, e.g. `py-spy record --pid PID`); give `--attach-pid PID` for its CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import time
import urllib.request
from argparse import Namespace
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import free_port, start_server, stop_server
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
BASE = {
    "activation": "tanh",
    "optimizer": {"name": "sgd", "lr": 0.03},
    "batch_size": 10,
    "train_ratio": 0.5,
}
SETUPS = {
    "default: circle, [4, 2]": {**BASE, "dataset": "circle", "hidden": [4, 2]},
    "spiral, [8, 8, 8, 8, 8, 8]": {**BASE, "dataset": "spiral", "hidden": [8] * 6},
}
TARGETS = {"epochs_per_s": 300, "fps": 30, "latency_ms": 50, "sessions": 20, "session_fps": 10}
EPOCH = re.compile(r'^\{"type":"frame","epoch":(\d+),')
WARMUP = 1.0  # seconds of play before a window opens
TIMEOUT = 10.0  # seconds any single receive may take before the run gives up


# -- the server -------------------------------------------------------------------------------


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
        return json.load(r)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process, all its threads (Linux /proc)."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting on I/O)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuWindow:
    """CPU use (in cores) over a wall-clock window: the server, this client process, and
    everything else on the machine (other load makes the figures unreliable: rerun)."""

    pid: int | None
    wall: float = 0.0
    server: float = 0.0
    client: float = 0.0
    other: float = 0.0

    def __enter__(self) -> CpuWindow:
        self._w, self._s, self._c = time.perf_counter(), cpu_seconds(self.pid), time.process_time()
        self._m = machine_busy_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.server = (cpu_seconds(self.pid) - self._s) / self.wall
        self.client = (time.process_time() - self._c) / self.wall
        busy = (machine_busy_seconds() - self._m) / self.wall
        self.other = max(0.0, busy - self.client - (self.server if self.pid else 0.0))


# -- one client -------------------------------------------------------------------------------


@dataclass
class Client:
    ws: ClientConnection
    frames: list[tuple[float, int, int]] = field(default_factory=list)  # (time, epoch, bytes)

    @classmethod
    async def open(cls, port: int, config: dict, compression: str | None) -> Client:
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/train",
            compression=compression,
            max_size=2**24,
            proxy=None,
            open_timeout=TIMEOUT,
        )
        client = cls(ws)
        hello = json.loads(await client.recv())
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected a hello message first, got {hello.get('type')!r}")
        await client.send({"type": "start", "config": config, "play": False})
        await client.until(lambda m: m["type"] == "status" and m["state"] == "paused")
        return client

    async def recv(self, timeout: float = TIMEOUT) -> str:
        return await asyncio.wait_for(self.ws.recv(), timeout)

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def until(self, test: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            msg = json.loads(await self.recv(deadline - time.perf_counter()))
            if msg["type"] == "error":
                raise RuntimeError(f"the server answered an error: {msg}")
            if test(msg):
                return msg
        raise TimeoutError("the expected message did not come")

    async def record(
        self,
        seconds: float,
        parse: bool = False,
        on_frame: Callable[[float, dict], None] | None = None,
    ) -> None:
        """Receive for `seconds`, keeping (time, epoch, size) of each frame. With `parse` every
        frame is parsed in full (and handed to `on_frame`); without, only its head is read
        (cheap, for many clients in this one process)."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                text = await self.recv(min(left, TIMEOUT))
            except TimeoutError:
                break
            now = time.perf_counter()
            if not parse:
                match = EPOCH.match(text)
                if match:
                    self.frames.append((now, int(match.group(1)), len(text)))
                    continue
                if not text.startswith('{"type":"frame"'):
                    continue
            msg = json.loads(text)
            if msg["type"] == "frame":
                self.frames.append((now, msg["epoch"], len(text)))
                if on_frame is not None:
                    on_frame(now, msg)

    def rates(self, window: float) -> tuple[float, float]:
        """(frames per second over the window, epochs per second between first and last)."""
        f = self.frames
        if len(f) < 2:
            return len(f) / window, 0.0
        return len(f) / window, (f[-1][1] - f[0][1]) / (f[-1][0] - f[0][0])

    async def close(self) -> None:
        await self.ws.close()


# -- the measurements -------------------------------------------------------------------------


async def play(client: Client) -> None:
    await client.send({"type": "play"})
    await client.until(lambda m: m["type"] == "status" and m["state"] == "running")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[round(q * (len(s) - 1))]


async def throughput(port: int, pid: int | None, config: dict, args: Namespace) -> dict:
    """One playing client: epochs/s, frames/s, frame sizes; then the learning-rate latency."""
    client = await Client.open(port, config, args.compression)
    await play(client)
    await client.record(WARMUP, parse=True)
    client.frames.clear()
    with CpuWindow(pid) as cpu:
        await client.record(args.seconds, parse=True)
    fps, eps = client.rates(cpu.wall)
    sizes = [size for _, _, size in client.frames]
    latencies = await lr_latency(client, args.changes)
    await client.close()
    return {
        "fps": fps,
        "eps": eps,
        "bytes_median": statistics.median(sizes),
        "bytes_max": max(sizes),
        "lat_median": statistics.median(latencies),
        "lat_p90": pct(latencies, 0.9),
        "lat_max": max(latencies),
        "lat_n": len(latencies),
        "server_cpu": cpu.server,
        "client_cpu": cpu.client,
        "other_cpu": cpu.other,
    }


async def lr_latency(client: Client, changes: int, spacing: float = 0.1) -> list[float]:
    """Milliseconds from sending `configure` (lr, seq k) to the first frame with applied >= k."""
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}

    def on_frame(now: float, msg: dict) -> None:
        for k in sent:
            if k not in seen and msg["applied"] >= k:
                seen[k] = now

    async def sender() -> None:
        for k in range(1, changes + 1):
            lr = 0.03 if k % 2 else 0.0301  # a real change each time, training unchanged
            sent[k] = time.perf_counter()
            await client.send(
                {"type": "configure", "seq": k, "changes": {"optimizer": {"name": "sgd", "lr": lr}}}
            )
            await asyncio.sleep(spacing)

    task = asyncio.create_task(sender())
    await client.record(changes * spacing + 1.0, parse=True, on_frame=on_frame)
    await task
    return [(seen[k] - sent[k]) * 1000 for k in sent if k in seen]


async def ramp_step(port: int, pid: int | None, config: dict, n: int, args: Namespace) -> dict:
    """`n` clients playing at once: each one's frames/s and epochs/s over one window."""
    clients = [await Client.open(port, config, args.compression) for _ in range(n)]
    await asyncio.gather(*(play(c) for c in clients))
    await asyncio.gather(*(c.record(WARMUP) for c in clients))
    for c in clients:
        c.frames.clear()
    with CpuWindow(pid) as cpu:
        await asyncio.gather(*(c.record(args.ramp_seconds) for c in clients))
    rates = [c.rates(cpu.wall) for c in clients]
    await asyncio.gather(*(c.close() for c in clients))
    await drained(port)
    fps, eps = [r[0] for r in rates], [r[1] for r in rates]
    return {
        "n": n,
        "fps_min": min(fps),
        "fps_median": statistics.median(fps),
        "eps_min": min(eps),
        "eps_median": statistics.median(eps),
        "eps_total": sum(eps),
        "server_cpu": cpu.server,
        "client_cpu": cpu.client,
        "other_cpu": cpu.other,
    }


async def drained(port: int, timeout: float = 10.0) -> None:
    """Wait until the server has dropped every session of the previous step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (await asyncio.to_thread(health, port))["sessions"] == 0:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("sessions were still open 10 s after their clients closed")


# -- report -----------------------------------------------------------------------------------

CPU_COLUMNS = [("server CPU", "{server_cpu:.0%}"), ("client CPU", "{client_cpu:.0%}"),
               ("other CPU", "{other_cpu:.0%}")]  # fmt: skip
SINGLE_COLUMNS = [
    ("setup", "{name}"),
    ("epochs/s", "{eps:.0f}"),
    ("frames/s", "{fps:.1f}"),
    ("frame bytes median", "{bytes_median:,.0f}"),
    ("max", "{bytes_max:,}"),
    ("lr change to frame, ms median", "{lat_median:.1f}"),
    ("p90", "{lat_p90:.1f}"),
    ("max (n)", "{lat_max:.1f} ({lat_n})"),
    ("targets met", "{met}"),
    *CPU_COLUMNS,
]
RAMP_COLUMNS = [
    ("sessions", "{n}"),
    ("frames/s per session, min", "{fps_min:.1f}"),
    ("median", "{fps_median:.1f}"),
    ("epochs/s per session, min", "{eps_min:.0f}"),
    ("median", "{eps_median:.0f}"),
    ("epochs/s, all sessions", "{eps_total:.0f}"),
    (f">= {TARGETS['session_fps']} frames/s each", "{met}"),
    *CPU_COLUMNS,
]


def table(columns: list[tuple[str, str]], rows: list[dict]) -> None:
    print("| " + " | ".join(head for head, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(cell.format(**row) for _, cell in columns) + " |")


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def print_single(results: dict[str, dict]) -> None:
    t = TARGETS
    print(f"\n### One client: >= {t['epochs_per_s']} epochs/s while delivering {t['fps']} "
          f"frames/s; a change visible within {t['latency_ms']} ms (median)\n")  # fmt: skip
    rows = []
    for name, r in results.items():
        met = (f"epochs {verdict(r['eps'] >= t['epochs_per_s'])}, "
               f"frames {verdict(r['fps'] >= 0.97 * t['fps'])}, "
               f"latency {verdict(r['lat_median'] <= t['latency_ms'])}")  # fmt: skip
        rows.append({**r, "name": name, "met": met})
    table(SINGLE_COLUMNS, rows)


def print_ramp(name: str, steps: list[dict]) -> None:
    t = TARGETS
    print(f"\n### Concurrent sessions, {name}: {t['sessions']} sessions at >= "
          f"{t['session_fps']} frames/s each (the clients share the 2 cores)\n")  # fmt: skip
    table(RAMP_COLUMNS, [{**r, "met": verdict(r["fps_min"] >= t["session_fps"])} for r in steps])


async def run(port: int, pid: int | None, args: Namespace) -> None:
    single = {}
    for name, config in SETUPS.items():
        single[name] = await throughput(port, pid, config, args)
        await drained(port)
    print_single(single)
    for name, config in SETUPS.items():
        if name in args.ramp_setups:
            print_ramp(name, [await ramp_step(port, pid, config, n, args) for n in args.ramp])
    print(
        "\nCPU in cores over each window; 'other' is the rest of the machine (other load "
        "skews the figures: rerun when it is above a few per cent)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="one-client window")
    parser.add_argument("--changes", type=int, default=50, help="learning-rate changes")
    parser.add_argument("--ramp", default="1,5,10,20,30", help="concurrent sessions per step")
    parser.add_argument("--ramp-seconds", type=float, default=8.0, help="window per step")
    parser.add_argument(
        "--ramp-setups",
        default="default,spiral",
        help="which setups to ramp (prefixes of the setup names)",
    )
    parser.add_argument(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="permessage-deflate, as browsers negotiate it, or none",
    )
    parser.add_argument("--attach", type=int, help="use a server already on 127.0.0.1:PORT")
    parser.add_argument("--attach-pid", type=int, help="that server's pid, for its CPU use")
    args = parser.parse_args()
    args.ramp = [int(n) for n in args.ramp.split(",") if n]
    prefixes = [p.strip() for p in args.ramp_setups.split(",") if p.strip()]
    args.ramp_setups = [n for n in SETUPS if any(n.startswith(p) for p in prefixes)]
    args.compression = None if args.compression == "none" else "deflate"
    if args.attach:
        asyncio.run(run(args.attach, args.attach_pid, args))
        return
    port = free_port()
    server = start_server(port, max_sessions=str(max([*args.ramp, 1]) + 8))
    try:
        asyncio.run(run(port, server.pid, args))
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
