"""The losses page in a real browser: controls change the plotted numbers to the engine's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from app.labs.losses import COMPARE
from engine import TrainConfig, Trainer
from engine.curves import loss_curves
from engine.information import decompose, fit_one_peak, nll_and_grad, softmax, two_peaks
from tests.browser.conftest import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium: Any, server_url: str) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console = Console(page)
    page.goto(f"{server_url}/losses")
    page.wait_for_function("window.nnLosses !== undefined", timeout=15000)
    yield page
    errors = page.console.errors
    context.close()
    assert errors == [], f"console errors: {errors}"


def ys(page: Any, chart: str, trace: int = 0) -> list[float]:
    return page.evaluate(f"Array.from(document.getElementById('{chart}').data[{trace}].y)")


def slide(page: Any, selector: str, value: float) -> None:
    page.eval_on_selector(
        selector,
        "(el, v) => { el.value = String(v);"
        " el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


def test_softmax_sliders(page: Any) -> None:
    slide(page, "#ctl-logit-1", -2.5)  # z2
    page.wait_for_function(
        "window.nnLosses.softmax.request.count >= 2 && !window.nnLosses.softmax.request.busy"
    )
    z = np.array([2.0, -2.5, 0.1])
    np.testing.assert_allclose(ys(page, "softmax-chart"), softmax(z, 1.0), rtol=1e-12)
    slide(page, "#ctl-temperature", 0.5)  # log10 T: T = 10^0.5
    page.wait_for_function("document.getElementById('nll').dataset.value !== undefined")
    page.wait_for_function(
        "!window.nnLosses.softmax.request.busy && window.nnLosses.softmax.temperature > 3"
    )
    page.wait_for_timeout(100)
    t = float(f"{10**0.5:.4g}")
    nll, grad = nll_and_grad(z, 0, t)
    np.testing.assert_allclose(ys(page, "softmax-chart"), softmax(z, t), rtol=1e-12)
    np.testing.assert_allclose(ys(page, "softmax-grad-chart"), grad, rtol=1e-12)
    assert float(page.get_attribute("#nll", "data-value")) == pytest.approx(nll, rel=1e-12)


def test_kl_preset_shows_infinity_and_drag_moves_a_bar(page: Any) -> None:
    page.click("[data-preset=miss]")
    page.wait_for_function("document.querySelector('[data-key=KL_pq]').textContent === '∞'")
    want = decompose([0.2, 0.2, 0.2, 0.2, 0.2, 0.0], [0.3, 0.3, 0.4, 0.0, 0.0, 0.0])
    assert float(page.text_content("[data-key=H_p]")) == pytest.approx(want["H_p"], abs=1e-4)
    assert page.text_content("[data-key=KL_qp]") == f"{want['KL_qp']:.4f}".rstrip("0")
    # Drag bar 4 of q up to about 0.5: the bar follows the pointer, the numbers follow the bars.
    page.eval_on_selector("#q-chart", "el => el.scrollIntoView({block: 'center'})")
    box = page.eval_on_selector("#q-chart .nsewdrag", "el => el.getBoundingClientRect().toJSON()")
    x = box["x"] + box["width"] * (3.5 / 6)
    page.mouse.move(x, box["y"] + box["height"] * 0.9)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 0.52, steps=4)
    page.mouse.up()
    page.wait_for_function("document.getElementById('q-chart').data[0].y[3] > 0.4")
    page.wait_for_function("!window.nnLosses.divergence.request.busy")
    page.wait_for_timeout(100)
    q = ys(page, "q-chart")
    p = ys(page, "p-chart")
    assert 0.4 < q[3] < 0.6
    got = decompose(p, q)
    assert float(page.text_content("[data-key=KL_qp]")) == pytest.approx(got["KL_qp"], abs=1e-4)
    assert float(page.text_content("[data-key=H_q]")) == pytest.approx(got["H_q"], abs=1e-4)
    assert page.text_content("[data-key=KL_pq]") == "∞"  # q still misses outcome 5


def test_fit_slider(page: Any) -> None:
    slide(page, "#ctl-fit-separation", 6)
    page.wait_for_function(
        "window.nnLosses.fit.request.count >= 2 && !window.nnLosses.fit.request.busy", timeout=5000
    )
    xs = np.linspace(-6, 6, 161)
    p = two_peaks(xs, -3.0, 3.0, 0.7, 0.5)
    np.testing.assert_allclose(ys(page, "fit-chart", 0), p, rtol=1e-12)
    for trace, direction in ((1, "forward"), (2, "reverse")):
        np.testing.assert_allclose(
            ys(page, "fit-chart", trace), fit_one_peak(p, xs, direction)["q"], rtol=1e-12
        )


def test_binary_target(page: Any) -> None:
    page.select_option("#ctl-binary-target", "0")
    page.wait_for_function("document.getElementById('binary-chart').data[0].y[0] < 0.01")
    want = loss_curves(np.linspace(-8, 8, 401), 0)
    np.testing.assert_allclose(ys(page, "binary-chart", 0), want["bce"], rtol=1e-12)
    np.testing.assert_allclose(ys(page, "binary-grad-chart", 1), want["dmse"], rtol=1e-12)


def test_play_trains_both_heads_side_by_side(page: Any) -> None:
    page.click("#play")
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') === 'Pause'")
    page.wait_for_function("window.nnLosses.compare.runs.every(r => r.epoch >= 5)", timeout=15000)
    page.click("#play")
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') === 'Play'")
    page.wait_for_timeout(200)
    data = page.evaluate(
        "document.getElementById('compare-chart').data"
        ".map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    for trace, head in zip(data[:2], ("bce", "sigmoid_mse"), strict=True):
        trainer = Trainer(TrainConfig().with_changes({**COMPARE, "output": head}))
        trainer.run(5)
        want = {e.epoch: e.train_loss for e in trainer.history}
        got = dict(zip(trace["x"], trace["y"], strict=True))
        for epoch in range(1, 6):
            assert got[epoch] == pytest.approx(want[epoch], rel=1e-9), (head, epoch)
