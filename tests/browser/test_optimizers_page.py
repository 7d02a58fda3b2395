"""The optimizers arena in headless Chromium against the real app (fixtures in conftest.py).

The race's plotted trails, losses, rates and divergence limits are compared with the engine
(engine.race) run here with the same settings; the network section's curves with a Trainer."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from engine.config import TrainConfig
from engine.race import Race, theory
from engine.surfaces import SURFACES
from engine.trainer import Trainer
from tests.browser.conftest import Console

pytestmark = pytest.mark.browser

START = [-4.0, 3.0]
TWO = "#surface=quadratic&condition=10&racers=sgd:lr=0.05;adam:lr=0.1&start=-4,3&noise=0&seed=1"
SPECS = [{"id": "a", "name": "sgd", "lr": 0.05}, {"id": "b", "name": "adam", "lr": 0.1}]
STEP_JS = "Number(document.getElementById('race-steps').dataset.step)"


@pytest.fixture
def arena(chromium: Any, server_url: str) -> Iterator[Any]:
    """open(hash) -> the optimizers page with its race surface drawn; no console errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    pages: list[Any] = []

    def open_page(hash_: str = TWO) -> Any:
        page = context.new_page()
        page.console = Console(page)
        pages.append(page)
        page.goto(f"{server_url}/optimizers{hash_}")
        page.wait_for_function(
            "window.nnOptimizers && window.nnOptimizers.arena.contour.trails "
            "&& document.body.dataset.raceDrawMs !== undefined",
            timeout=15000,
        )
        return page

    yield open_page
    for page in pages:
        errors = page.console.errors
        page.close()
        assert errors == [], f"console errors: {errors}"
    context.close()


def race_button(page: Any, name: str) -> Any:
    return page.locator(".opt-topbar").get_by_role("button", name=name, exact=True)


def trail(page: Any, i: int) -> np.ndarray:
    xy = page.evaluate(f"(() => {{ const t = window.nnOptimizers.arena.contour.trails[{i}]; "
                       "return [t.x, t.y]; })()")  # fmt: skip
    return np.array(xy).T


def set_slider(page: Any, selector: str, position: int) -> float:
    """Move a log slider to a position as a user would (input, then change); its value."""
    page.eval_on_selector(
        selector,
        "(el, p) => { el.value = String(p); el.dispatchEvent(new Event('input')); "
        "el.dispatchEvent(new Event('change')); }",
        position,
    )
    return float(page.get_attribute(selector, "aria-valuetext"))


def step_race(page: Any, times: int) -> None:
    for _ in range(times):
        before = page.evaluate(STEP_JS)
        race_button(page, "Step").click()
        page.wait_for_function(f"{STEP_JS} === {before + 1}")


def test_a_live_change_mid_race_bends_the_trail_as_the_engine_does(arena: Any) -> None:
    page = arena()
    race_button(page, "Play").click()
    page.wait_for_function(f"{STEP_JS} >= 10")
    lr = set_slider(page, "#ctl-racer-0-lr", 274)  # about 0.13: faster, still below 2/λ = 0.2
    page.wait_for_function(f"{STEP_JS} >= 40")
    race_button(page, "Pause").click()
    race_button(page, "Play").wait_for()
    got = trail(page, 0)
    assert got[0].tolist() == START and lr == pytest.approx(0.133, abs=0.01)
    # Where the plotted trail leaves the unchanged race is where the change applied...
    plain = Race("quadratic", SPECS, START)
    plain.run(len(got) - 1)
    unchanged = plain.racers[0].since(-1)[0]
    differs = np.flatnonzero(np.abs(got - unchanged).max(axis=1) > 1e-6)
    assert len(differs) > 0, "the trajectory did not respond to the new learning rate"
    k = int(differs[0])
    assert 10 <= k < len(got) - 5
    # ...and from there the trail is the engine's with the new learning rate, point by point.
    changed = Race("quadratic", SPECS, START)
    changed.run(k - 1)
    changed.configure_racer(0, lr=lr)
    changed.run(len(got) - k)
    np.testing.assert_allclose(got, changed.racers[0].since(-1)[0], atol=2e-6)
    # adam was left alone: its trail is the unchanged engine's.
    np.testing.assert_allclose(trail(page, 1), plain.racers[1].since(-1)[0], atol=2e-6)


def test_steps_plot_the_engines_losses_and_readout(arena: Any) -> None:
    page = arena()
    step_race(page, 3)
    reference = Race("quadratic", SPECS, START)
    reference.run(3)
    page.wait_for_function("document.getElementById('race-loss').data[0].x.length >= 4")
    plotted = page.evaluate("document.getElementById('race-loss').data[0].y")
    np.testing.assert_allclose(plotted, reference.racers[0].losses(), rtol=1e-12)  # f* = 0
    row = page.locator("#readout-body tr").first
    assert row.get_attribute("data-step") == "3"
    assert float(row.get_attribute("data-loss")) == pytest.approx(reference.racers[0].loss)


def test_theory_and_the_divergence_mark_follow_the_condition_number(arena: Any) -> None:
    page = arena()
    zone = "document.querySelector('[data-control=racer-0-lr]').dataset.zone"
    page.wait_for_function(f"Number({zone}) > 0")
    assert float(page.evaluate(zone)) == pytest.approx(2 / 10)  # 2 / λ_max
    kappa = set_slider(page, "#ctl-surface-condition", 267)  # about 100
    page.wait_for_function(f"Math.abs(Number({zone}) - {2 / kappa}) < 1e-9")
    want = theory(SURFACES.build("quadratic", condition=kappa), 0.05)
    cell = page.locator("#theory-body tbody tr").first.locator("td").nth(1)
    page.wait_for_function(
        f"Math.abs(Number(document.querySelector('#theory-body tbody td:nth-child(2)')"
        f".dataset.value) - {want['gd_rate']}) < 1e-12"
    )
    assert float(cell.get_attribute("data-value")) == pytest.approx(want["gd_rate"], rel=1e-12)
    assert want["gd_rate"] == pytest.approx(max(abs(1 - 0.05), abs(1 - 0.05 * kappa)))


def test_a_click_on_the_plot_moves_the_start_and_restarts_the_race(arena: Any) -> None:
    page = arena()
    step_race(page, 2)
    box = page.locator("#contour .nsewdrag").bounding_box()
    # the axes span [-5, 5] both ways: three quarters across, a quarter down is (2.5, 2.5)
    page.mouse.click(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
    page.wait_for_function(f"{STEP_JS} === 0")
    start = page.evaluate("window.nnOptimizers.arena.race.start")
    assert start == pytest.approx([2.5, 2.5], abs=0.05)
    assert trail(page, 0).tolist() == [start]
    step_race(page, 2)
    reference = Race("quadratic", SPECS, start)
    reference.run(2)
    np.testing.assert_allclose(trail(page, 0), reference.racers[0].since(-1)[0], atol=2e-6)
    assert "start=" in page.evaluate("location.hash")


def test_three_batch_sizes_train_from_the_same_weights(arena: Any) -> None:
    page = arena()
    net = page.locator(".opt-network-bar")
    net.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "[...document.querySelectorAll('#net-readout-body tr')]"
        ".every(r => Number(r.dataset.epoch) >= 3)"
    )
    net.get_by_role("button", name="Pause", exact=True).click()
    net.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_function("document.getElementById('spread').data?.[0]?.x.length === 200")
    sizes = page.locator("#net-readout-body tr td:nth-child(2)").all_inner_texts()
    assert sizes == ["250", "10", "1"]
    page.wait_for_function("document.getElementById('net-epochs').data[1].y.length >= 3")
    curves = page.evaluate("document.getElementById('net-epochs').data.map(t => t.y.slice(0, 3))")
    for batch, curve in zip((250, 10, 1), curves, strict=True):
        trainer = Trainer(TrainConfig().with_changes({"batch_size": batch}))
        want = [trainer.step_epoch().train_loss for _ in range(3)]
        np.testing.assert_allclose(curve, want, rtol=1e-9)
    work = page.evaluate("document.getElementById('net-work').data.map(t => t.x[0])")
    assert work == [250, 250, 250]  # one epoch = 250 gradient evaluations for every batch size
    assert not math.isnan(float(page.get_attribute("#spread", "data-variance")))
