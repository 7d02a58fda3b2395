"""Drawing cost in the browser: how long the Playground takes to decode and draw one frame.

    OPENBLAS_NUM_THREADS=1 python bench/browser_draw.py [--seconds 10]

Starts the server, opens the Playground in headless Chromium (Debian's /usr/bin/chromium) for
two setups (TensorFlow Playground's default, and spiral with six hidden layers of 8), presses
Play, and samples `document.body.dataset.drawMs` (the page's own measurement of each frame's
decode + draw, performance.now() around it) and the Epoch counter. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness import CHROMIUM_ARGS, free_port, start_server, stop_server
from playwright.sync_api import sync_playwright

SETUPS = {
    "default: circle, [4, 2]": "#dataset=circle&hidden=4,2",
    "spiral, [8, 8, 8, 8, 8, 8]": "#dataset=spiral&hidden=8,8,8,8,8,8",
}


def measure(page, url: str, seconds: float) -> dict[str, float]:
    page.goto(url)
    page.get_by_role("button", name="Play").wait_for()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1000)
    epoch = page.get_by_label("Epoch", exact=True)
    e0, t0 = int(epoch.text_content().replace(",", "")), time.perf_counter()
    samples, last = [], None
    while time.perf_counter() - t0 < seconds:
        ms = page.evaluate("document.body.dataset.drawMs")
        if ms is not None and ms != last:
            samples.append(float(ms))
            last = ms
        page.wait_for_timeout(37)
    e1, t1 = int(epoch.text_content().replace(",", "")), time.perf_counter()
    page.get_by_role("button", name="Pause").click()
    samples.sort()
    return {
        "frames": len(samples),
        "median": statistics.median(samples),
        "p95": samples[int(0.95 * (len(samples) - 1))],
        "max": samples[-1],
        "epochs_per_s": (e1 - e0) / (t1 - t0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            print("| setup | frames sampled | draw ms median | p95 | max | epochs/s seen |")
            print("|---|---|---|---|---|---|")
            for name, fragment in SETUPS.items():
                r = measure(page, f"http://127.0.0.1:{port}/{fragment}", args.seconds)
                print(f"| {name} | {r['frames']} | {r['median']:.2f} | {r['p95']:.2f} "
                      f"| {r['max']:.2f} | {r['epochs_per_s']:.0f} |")  # fmt: skip
            browser.close()
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
