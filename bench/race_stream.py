"""Streaming speed of the optimizers race (issue 5: "a race of 6 optimizers streams at 30 frames
per second or more").

    OPENBLAS_NUM_THREADS=1 python bench/race_stream.py [--seconds 6] [--browser]

Starts the server (uvicorn, app.main:create_app) on a free 127.0.0.1 port with one BLAS thread
and, for six racers (sgd, sgd with momentum, adagrad, rmsprop, adam, adamw) on Rosenbrock with
gradient noise, plays the race with one websocket client at three speed caps (60 steps/s, the
page's default; 1000 steps/s, the page's top; none) and reports race steps per second, frames
per second and the JSON size of a frame (median, max). `--browser` also opens the page in
headless Chromium (Debian's /usr/bin/chromium) with the same race at 1000 steps/s and reports
the frames the page received per second and its own draw time per frame
(`document.body.dataset.raceDrawMs`: trails, readout and theory; the loss chart redraws at
most 10 times a second). Prints Markdown tables and stops the server. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from harness import CHROMIUM_ARGS, free_port, start_server, stop_server
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
RACERS = [
    {"id": "a", "name": "sgd", "lr": 0.001},
    {"id": "b", "name": "sgd", "lr": 0.001, "momentum": 0.9},
    {"id": "c", "name": "adagrad", "lr": 0.5},
    {"id": "d", "name": "rmsprop", "lr": 0.01},
    {"id": "e", "name": "adam", "lr": 0.05},
    {"id": "f", "name": "adamw", "lr": 0.05},
]
RACE = {"surface": {"name": "rosenbrock"}, "racers": RACERS, "noise": 0.5, "seed": 1}
HASH = (
    "#surface=rosenbrock&racers=sgd:lr=0.001;sgd:lr=0.001,momentum=0.9;adagrad:lr=0.5;"
    "rmsprop:lr=0.01;adam:lr=0.05;adamw:lr=0.05&noise=0.5&seed=1&speed=1000"
)
SPEEDS = {"60 steps/s (page default)": 60, "1000 steps/s (page maximum)": 1000, "uncapped": None}
TARGET_FPS = 30


async def measure(port: int, speed: float | None, seconds: float) -> dict[str, float]:
    """Play the race for `seconds` (after 1 s of warm-up) at a speed cap; frame statistics."""
    async with connect(f"ws://127.0.0.1:{port}/ws/train", max_size=2**24) as ws:
        await ws.send(
            json.dumps({"type": "start", "run": "race", "config": RACE, "views": ["race"]})
        )
        await ws.send(json.dumps({"type": "speed", "epochs_per_second": speed}))
        await ws.send(json.dumps({"type": "play"}))
        sizes: list[int] = []
        first_step = last_step = None
        began = time.perf_counter()
        opened = began + 1.0
        while (now := time.perf_counter()) < opened + seconds:
            text = await asyncio.wait_for(ws.recv(), 10)
            message = json.loads(text)
            if message["type"] != "frame" or now < opened:
                continue
            sizes.append(len(text))
            step = message["race"]["step"]
            first_step = step if first_step is None else first_step
            last_step = step
        elapsed = time.perf_counter() - opened
    return {
        "fps": len(sizes) / elapsed,
        "steps": ((last_step or 0) - (first_step or 0)) / elapsed,
        "bytes_median": statistics.median(sizes),
        "bytes_max": max(sizes),
    }


def browser(port: int, seconds: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = chrome.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{port}/optimizers{HASH}")
        page.wait_for_function("document.body.dataset.raceDrawMs !== undefined", timeout=20000)
        page.locator(".opt-topbar").get_by_role("button", name="Play", exact=True).click()
        time.sleep(1.0)
        count = "Number(document.body.dataset.raceFrames)"
        frames0, began = page.evaluate(count), time.perf_counter()
        draws: list[float] = []
        while time.perf_counter() - began < seconds:
            draws.append(float(page.evaluate("document.body.dataset.raceDrawMs")))
            time.sleep(0.05)
        fps = (page.evaluate(count) - frames0) / (time.perf_counter() - began)
        chrome.close()
    return {"fps": fps, "draw_median": statistics.median(draws),
            "draw_p90": sorted(draws)[int(0.9 * len(draws))]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        print(f"Six racers on Rosenbrock, noise 0.5; {args.seconds:g} s per row.\n")
        print("| speed cap | race steps/s | frames/s | bytes/frame (median) | bytes/frame (max) |")
        print("|---|---|---|---|---|")
        for name, speed in SPEEDS.items():
            r = asyncio.run(measure(port, speed, args.seconds))
            mark = "" if r["fps"] >= TARGET_FPS else " (below 30)"
            print(f"| {name} | {r['steps']:,.0f} | {r['fps']:.1f}{mark} | "
                  f"{r['bytes_median']:,.0f} | {r['bytes_max']:,} |")  # fmt: skip
        if args.browser:
            b = browser(port, args.seconds)
            print("\n| page (headless Chromium, 1000 steps/s) | frames/s received | "
                  "draw ms/frame (median) | draw ms/frame (p90) |")  # fmt: skip
            print("|---|---|---|---|")
            print(f"| six racers | {b['fps']:.1f} | {b['draw_median']:.2f} | {b['draw_p90']:.2f} |")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
