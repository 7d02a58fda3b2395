"""Manifold view streaming: is the mesh smooth at 30 frames per second (issue 6)?

    OPENBLAS_NUM_THREADS=1 python bench/manifold_stream.py [--seconds 5] [--browser]

Starts the server (uvicorn, one BLAS thread) on a free 127.0.0.1 port and, with one websocket
client asking for the views "metrics" and "manifold", plays the quality bar's network (spiral,
hidden [3, 3, 2], tanh, a 40 x 40 mesh) and measures, per setup (with and without the stage
slider's endpoints, uncapped and at the page's default 30 epochs/s): frames and epochs per second
received and the JSON size of a frame (median, max). It also times building the view in
process (median of 50 frames). With --browser it opens the page in headless Chromium (Debian's
/usr/bin/chromium), plays, samples the page's own per-frame decode + draw time
(document.body.dataset.drawMs) and the stage slider's input-to-drawn time. Prints Markdown
tables and stops the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from harness import CHROMIUM_ARGS, free_port, start_server, stop_server
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIG = {"dataset": {"name": "spiral", "noise": 0}, "hidden": [3, 3, 2], "activation": "tanh",
          "optimizer": {"name": "adam", "lr": 0.01}}  # fmt: skip
SETUPS = [  # name, view options, epochs per second (None: uncapped)
    ("mesh 40, uncapped", {"mesh": 40}, None),
    ("mesh 40 + stages of layer 2, uncapped", {"mesh": 40, "stage_layer": 1}, None),
    ("mesh 40, 30 epochs/s (page default)", {"mesh": 40}, 30),
    ("mesh 40 + stages, 30 epochs/s", {"mesh": 40, "stage_layer": 1}, 30),
]


async def stream(port: int, options: dict, eps: float | None, seconds: float) -> dict:
    async with connect(f"ws://127.0.0.1:{port}/ws/train", max_size=2**24) as ws:
        views = ["metrics", "manifold"]
        start = {"type": "start", "config": CONFIG, "views": views, "options": options}
        await ws.send(json.dumps(start))
        await ws.send(json.dumps({"type": "speed", "epochs_per_second": eps}))
        await ws.send(json.dumps({"type": "play"}))
        sizes, epochs, t_end, t0 = [], [], None, None
        warm = time.perf_counter() + 1.0
        while True:
            text = await asyncio.wait_for(ws.recv(), 10)
            if not text.startswith('{"type":"frame"'):
                continue
            now = time.perf_counter()
            if now < warm:
                continue
            if t0 is None:
                t0, t_end = now, now + seconds
            sizes.append(len(text))
            epochs.append(json.loads(text)["epoch"])
            if now >= t_end:
                break
        await ws.send(json.dumps({"type": "pause"}))
    wall = time.perf_counter() - t0
    return {"fps": (len(sizes) - 1) / wall, "eps": (epochs[-1] - epochs[0]) / wall,
            "median": statistics.median(sizes), "max": max(sizes)}  # fmt: skip


def build_time() -> float:
    from app.frames import FrameContext
    from app.labs.manifold import manifold_view
    from app.runs import TrainerRun
    from app.settings import Settings

    run = TrainerRun(CONFIG, Settings())
    for _ in range(50):
        run.step()
    ctx = FrameContext(run, 100, 20, options={"mesh": 40})
    times = []
    for _ in range(50):
        t = time.perf_counter()
        manifold_view(ctx)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def browser(port: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    url = (f"http://127.0.0.1:{port}/manifold#dataset=spiral&noise=0&hidden=3,3,2&activation=tanh"
           "&optimizer=adam&lr=0.01&space={space}&speed=30")  # fmt: skip
    out = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 800})
        for space, name in (
            (1, "3-D (hidden layer 1, 3 units)"),
            (3, "2-D (hidden layer 3, 2 units)"),
        ):
            page.goto(url.format(space=space))
            page.wait_for_function("window.nnManifold && window.nnManifold.recorder.length > 0")
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(1500)
            page.evaluate("window.nnManifold.drawTimes = []")
            page.wait_for_timeout(seconds * 1000)
            draws = sorted(page.evaluate("window.nnManifold.drawTimes"))
            page.get_by_role("button", name="Pause", exact=True).click()
            page.locator("#stage").focus()
            page.wait_for_function(f"window.nnManifold.current.stageInfo?.space === {space}")
            stage = []
            for i in range(20):
                page.locator("#stage").fill(f"{(i * 0.15) % 3:.2f}")
                stage.append(float(page.evaluate("document.body.dataset.stageMs")))
            stage.sort()
            out[name] = {
                "fps": len(draws) / seconds,
                "median": statistics.median(draws),
                "p90": draws[int(0.9 * (len(draws) - 1))],
                "stage": statistics.median(stage),
                "stage_p90": stage[17],
            }
        b.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    print(f"Building the manifold view in process: {build_time():.2f} ms (median of 50)\n")
    port = free_port()
    server = start_server(port)
    try:
        print("| setup | frames/s | epochs/s | bytes/frame (median) | bytes/frame (max) |")
        print("|---|---|---|---|---|")
        for name, options, eps in SETUPS:
            r = asyncio.run(stream(port, options, eps, args.seconds))
            print(f"| {name} | {r['fps']:.1f} | {r['eps']:.0f} | {r['median']:,.0f} "
                  f"| {r['max']:,} |")  # fmt: skip
        if args.browser:
            print(
                "\n| page (headless Chromium, 30 epochs/s) | frames drawn/s | draw ms (median) |"
                " draw ms (p90) | stage slider ms (median) | stage slider ms (p90) |"
            )
            print("|---|---|---|---|---|---|")
            for name, r in browser(port, args.seconds).items():
                print(f"| {name} | {r['fps']:.1f} | {r['median']:.1f} | {r['p90']:.1f} "
                      f"| {r['stage']:.1f} | {r['stage_p90']:.1f} |")  # fmt: skip
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
