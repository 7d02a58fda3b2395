"""The network diagram (static/js/network.js) in headless Chromium, on its fake-data demo page.

Serves the repository's static files from a local thread (no app server needed) and drives
static/dev/network-demo.html, which records the view's callbacks in window.__edits and
window.__hovers.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(ROOT))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium  # the shared fixture in conftest.py: skips or fails as CI requires


@pytest.fixture
def demo(browser: Any, static_url: str) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def open_setup(setup: str = "default", width: int = 900) -> Any:
        page.goto(f"{static_url}/static/dev/network-demo.html?setup={setup}&width={width}")
        page.wait_for_function("window.__ready === true")
        return page

    yield open_setup
    page.close()
    assert errors == [], f"page errors: {errors}"


def _link_point(page: Any, layer: int, source: int, target: int) -> tuple[float, float]:
    """Viewport coordinates of a link's midpoint, and the link's flat index in the view."""
    return page.evaluate(
        """([l, i, j]) => {
            const v = window.view;
            const k = v.linkOffset[l] + i * v.net.sizes[l + 1] + j;
            const r = v.root.getBoundingClientRect();
            return [r.left + v.linkMid[2 * k], r.top + v.linkMid[2 * k + 1]];
        }""",
        [layer, source, target],
    )


def _weight(page: Any, layer: int, source: int, target: int) -> float:
    return page.evaluate("([l, i, j]) => window.__model().W[l][i][j]", [layer, source, target])


@pytest.mark.parametrize(
    ("setup", "sizes"),
    [("default", [2, 4, 2, 1]), ("spiral", [7, 8, 8, 8, 8, 8, 8, 1]), ("multiclass", [2, 6, 4, 3])],
)
def test_one_link_per_weight_and_one_node_per_neuron(demo: Any, setup: str, sizes: list[int]):
    page = demo(setup)
    links = sum(a * b for a, b in itertools.pairwise(sizes))
    assert page.locator(".nnv-links path.nnv-link").count() == links
    assert page.locator(".nnv-hits path.nnv-hit").count() == links
    assert page.locator(".nnv-node").count() == sum(sizes)
    assert page.locator(".nnv-bias").count() == sum(sizes[1:])
    hidden = sizes[1:-1]
    headers = page.locator(".nnv-header").all_text_contents()
    assert [h.replace("\n", " ") for h in headers[1:-1]] == [f"{n} neurons" for n in hidden]


def test_svg_describes_the_network(demo: Any):
    page = demo("default")
    svg = page.locator("svg.nnv-links")
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("aria-label") == "Network: 2 inputs, hidden layers 4, 2, 1 output"


def test_hovering_a_link_shows_its_weight(demo: Any):
    page = demo("default")
    x, y = _link_point(page, 2, 0, 0)  # hidden layer 2, neuron 0 -> the output: no overlaps
    page.mouse.move(x, y)
    tip = page.locator(".nnv-tooltip.visible")
    tip.wait_for()
    w = _weight(page, 2, 0, 0)
    assert tip.text_content().startswith(f"Weight w(layer 2, 0 → 0) = {w:.3f}")


def test_link_style_follows_the_weight(demo: Any):
    page = demo("default")
    styles = page.evaluate(
        """() => {
            const m = window.__model();
            return window.view.links.map((p, k) => ({
                w: m.W[view.linkLayer[k]][view.linkSource[k]][view.linkTarget[k]],
                cls: p.getAttribute("class"),
                width: Number(p.getAttribute("stroke-width")),
            }));
        }"""
    )
    for s in styles:
        assert s["cls"] == ("nnv-link neg" if s["w"] < 0 else "nnv-link pos")
        assert s["width"] == pytest.approx(1 + 9 * min(abs(s["w"]), 5) / 5, abs=0.15)


def test_click_and_enter_edits_that_weight(demo: Any):
    page = demo("default")
    x, y = _link_point(page, 2, 1, 0)
    page.mouse.click(x, y)
    editor = page.locator("input.nnv-editor")
    editor.fill("-0.75")
    editor.press("Enter")
    assert page.evaluate("window.__edits") == [
        {"kind": "weight", "layer": 2, "source": 1, "target": 0, "value": -0.75}
    ]
    assert editor.count() == 0
    k = page.evaluate("view.linkOffset[2] + 1")
    assert page.evaluate(f"view.links[{k}].getAttribute('class')") == "nnv-link neg"


def test_escape_cancels_an_edit(demo: Any):
    page = demo("default")
    x, y = _link_point(page, 2, 0, 0)
    page.mouse.click(x, y)
    editor = page.locator("input.nnv-editor")
    editor.fill("3")
    editor.press("Escape")
    assert editor.count() == 0
    assert page.evaluate("window.__edits") == []


def test_clicking_a_bias_edits_it(demo: Any):
    page = demo("default")
    page.locator(".nnv-node[data-c='2'][data-j='1'] .nnv-bias").click()
    editor = page.locator("input.nnv-editor")
    editor.fill("0.25")
    editor.press("Enter")
    assert page.evaluate("window.__edits") == [
        {"kind": "bias", "layer": 1, "neuron": 1, "value": 0.25}
    ]


def test_keyboard_edits_a_link(demo: Any):
    page = demo("default")
    page.locator(".nnv-hit[tabindex='0']").focus()
    page.keyboard.press("ArrowDown")  # link 1: input 0 -> hidden neuron 1
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("Weight w(layer 0, 0 → 1) = ")
    page.keyboard.press("Enter")
    page.keyboard.type("1.5")
    page.keyboard.press("Enter")
    assert page.evaluate("window.__edits") == [
        {"kind": "weight", "layer": 0, "source": 0, "target": 1, "value": 1.5}
    ]


def test_hovering_a_hidden_neuron_reports_it_and_its_bias(demo: Any):
    page = demo("default")
    page.locator(".nnv-node[data-c='1'][data-j='2']").hover()
    tip = page.locator(".nnv-tooltip.visible")
    tip.wait_for()
    bias = page.evaluate("window.__model().B[0][2]")
    assert f"Bias b(layer 0, 2) = {bias:.3f}" in tip.text_content()
    page.mouse.move(2, 2)
    assert page.evaluate("window.__hovers") == [[0, 2], [None, None]]


def test_thumbnails_use_the_diverging_scale_with_y_up(demo: Any):
    page = demo("default")
    # x1 is orange on the left, blue on the right; x2 is blue at the top (y up).
    pixels = page.evaluate(
        """() => {
            const px = (c, j, x, y) => {
                const cv = document.querySelector(`.nnv-node[data-c='${c}'][data-j='${j}'] canvas`);
                return Array.from(cv.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3));
            };
            return {x1_left: px(0, 0, 0, 10), x1_right: px(0, 0, 19, 10),
                    x2_top: px(0, 1, 10, 0), x2_bottom: px(0, 1, 10, 19)};
        }"""
    )
    orange, blue = [245, 147, 34], [8, 119, 189]
    assert pixels["x1_left"] == orange
    assert pixels["x1_right"] == blue
    assert pixels["x2_top"] == blue
    assert pixels["x2_bottom"] == orange


def test_exported_scale_and_class_colours(demo: Any):
    page = demo("default")
    got = page.evaluate(
        """async () => {
            const m = await import("/static/js/network.js");
            return {neg: m.divergingColor(-3), zero: m.divergingColor(0), pos: m.divergingColor(1),
                    half: m.divergingColor(0.5), classes: m.CLASS_COLORS};
        }"""
    )
    assert got["neg"] == [245, 147, 34]
    assert got["zero"] == [232, 234, 235]
    assert got["pos"] == [8, 119, 189]
    assert got["half"] == [120, 177, 212]
    assert len(set(got["classes"])) == 6


def test_widest_network_fits_the_container(demo: Any):
    page = demo("big", width=600)
    box = page.evaluate(
        """() => {
            const r = view.root.getBoundingClientRect();
            const nodes = [...document.querySelectorAll('.nnv-node')]
                .map((n) => n.getBoundingClientRect());
            return {left: Math.min(...nodes.map((b) => b.left)) - r.left,
                    right: r.right - Math.max(...nodes.map((b) => b.right)),
                    size: nodes[10].width, cols: view.columnCount,
                    xs: Array.from({length: view.columnCount}, (_, i) => view.columnX(i))};
        }"""
    )
    assert box["left"] > 0 and box["right"] > 0
    assert box["size"] >= 12
    assert box["cols"] == 10
    assert box["xs"] == sorted(box["xs"])


def test_update_is_fast_for_the_spiral_setup(demo: Any):
    page = demo("default")
    result = page.evaluate("benchmark()")
    assert result["links"] == 7 * 8 + 5 * 8 * 8 + 8
    assert result["js"]["mean"] < 5.0, result
