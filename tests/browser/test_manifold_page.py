"""The manifold lab in headless Chromium against the real app (fixtures in conftest.py).

Each test drives the page as a user would and compares what Plotly holds (`gd.data`) with the
engine's own numbers for the same run: the config is the one the server echoed in its
`network` message, and a seeded run reproduces exactly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from app.runs import TrainerRun
from app.settings import Settings
from engine.manifold import interpolate, layer_images, layer_stages, linear_probe
from engine.trainer import Trainer
from tests.browser.conftest import Console

pytestmark = pytest.mark.browser

LEVELS = 4095
READY = (
    "window.nnManifold && window.nnManifold.recorder.length > 0 "
    "&& document.body.dataset.drawMs !== undefined"
)
TRACE_JS = """(name) => {
  const gd = document.getElementById('space-plot');
  const t = gd.data.find((t) => t.name === name);
  if (!t) return null;
  return {type: t.type, x: Array.from(t.x), y: Array.from(t.y), z: t.z ? Array.from(t.z) : null};
}"""


@pytest.fixture
def manifold(chromium: Any, server_url: str) -> Iterator[Any]:
    """open(hash) -> the manifold page, connected, its first frame drawn."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    pages: list[Any] = []

    def open_page(hash_: str = "") -> Any:
        page = context.new_page()
        page.console = Console(page)
        pages.append(page)
        page.goto(f"{server_url}/manifold{hash_}")
        page.wait_for_function(READY, timeout=15000)
        return page

    yield open_page
    for page in pages:
        errors = page.console.errors
        page.close()
        assert errors == [], f"console errors: {errors}"
    context.close()


def engine_of(page: Any, epochs: int = 0) -> Trainer:
    """The page's run, rebuilt in the engine from the server's config and trained as far."""
    config = page.evaluate("window.nnManifold.network.config")
    trainer = TrainerRun(config, Settings()).trainer
    for _ in range(epochs):
        trainer.step_epoch()
    return trainer


def trace(page: Any, name: str) -> dict[str, Any]:
    got = page.evaluate(TRACE_JS, name)
    assert got is not None, f"no trace {name!r}"
    return got


def plotted_class(page: Any, c: int, dims: int) -> np.ndarray:
    t = trace(page, f"class {c}")
    axes = [t["x"], t["y"], t["z"]][:dims]
    return np.array(axes, dtype=np.float64).T


SPAN_JS = """() => {
  const d = window.nnManifold.current;
  const i = Number(document.body.dataset.shownSpace);
  const ranges = [...d.info[i].range, ...(d.stageInfo?.space === i ? d.stages().range : [])];
  return Math.max(...ranges.map(([lo, hi]) => hi - lo));
}"""


def assert_close(page: Any, got: np.ndarray, want: np.ndarray) -> None:
    """Within half a level of the 12-bit quantization of the shown space's widest axis (the
    mesh's extent included), plus float32 rounding."""
    assert got.shape == want.shape
    span = page.evaluate(SPAN_JS)
    assert np.abs(got - want).max() <= span / LEVELS / 2 + 1e-5


def epoch_of(page: Any) -> int:
    return int(page.locator("#epoch").get_attribute("data-epoch"))


def button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def shown(page: Any, key: str) -> str:
    return page.evaluate(f"document.body.dataset.{key}")


# ---- tests ----------------------------------------------------------------------------------


def test_a_3_unit_layer_is_a_3_d_view_of_the_engines_images(manifold: Any) -> None:
    page = manifold("#preset=disk_lift")
    assert page.locator("#h-space").text_content() == "hidden layer 1 (3 units)"
    assert page.locator("#shown-label").text_content() == "units 1, 2, 3"
    trainer = engine_of(page)
    z = layer_images(trainer, trainer.data.x_train)[1]
    y = trainer.data.y_train
    assert trace(page, "class 0")["type"] == "scatter3d"
    for c in (0, 1):
        assert_close(page, plotted_class(page, c, 3), z[y == c])
    mesh = trace(page, "mesh: lines of constant x₂")
    assert len(mesh["x"]) == 40 * 61  # 40 lines of 60 samples, a gap after each
    # the small multiples: one radio per space, the probe badge is the engine's
    radios = page.get_by_role("radio")
    assert radios.count() == 3
    badge = page.locator(".thumb-probe").nth(0).text_content()
    assert badge == f"{linear_probe(trainer.data.x_train, y, 2) * 100:.1f}%"


def test_switching_layers_redraws_the_chosen_space(manifold: Any) -> None:
    page = manifold("#preset=disk_bottleneck")
    trainer = engine_of(page)
    images = layer_images(trainer, trainer.data.x_train)
    y = trainer.data.y_train
    page.get_by_role("radio", name="Show input plane (x₁, x₂)").click()
    page.wait_for_function("document.body.dataset.shownSpace === '0'")
    assert page.locator("#shown-label").text_content() == "units 1, 2"
    assert_close(page, plotted_class(page, 1, 2), images[0][y == 1])
    assert page.locator("#stage").is_disabled()  # the input plane has no stages
    page.get_by_role("radio", name="Show hidden layer 2 (2 units)").click()
    page.wait_for_function("document.body.dataset.shownSpace === '2'")
    assert trace(page, "class 0")["type"] == "scattergl"
    assert_close(page, plotted_class(page, 0, 2), images[2][y == 0])
    page.get_by_role("radio", name="Show output (bce)").click()
    page.wait_for_function("document.body.dataset.shownSpace === '3'")
    got = np.array(trace(page, "class 1")["x"])[:, None]
    assert_close(page, got, images[3][y == 1])  # one unit: the value on a line
    assert "space=3" in page.evaluate("location.hash")


def test_the_stage_slider_blends_the_engines_stages_within_a_frame(manifold: Any) -> None:
    page = manifold("#preset=disk_lift")
    page.locator("#stage").focus()  # grabbing the slider asks for the stages
    page.wait_for_function("window.nnManifold.current.stageInfo?.space === 1")
    trainer = engine_of(page)
    stages = layer_stages(trainer, 0, trainer.data.x_train)
    y = trainer.data.y_train
    times = []
    for t in (1.5, 0.0, 2.25):
        page.locator("#stage").fill(str(t))
        page.wait_for_function(f"document.body.dataset.shownStage === '{t:g}'")
        times.append(float(shown(page, "stageMs")))
        want = interpolate(stages, t)
        assert_close(page, plotted_class(page, 0, 3), want[y == 0])
    # stage 0 of the first layer is the input plane lying flat: unit 3 is 0
    assert "x W + b" in page.locator("#stage-ticks").text_content()
    print(f"stage slider: {times} ms from input to drawn")
    assert max(times) < 250  # one Plotly redraw, no round trip


def test_the_timeline_replays_recorded_frames(manifold: Any) -> None:
    page = manifold("#preset=disk_lift&speed=30")
    button(page, "Play").click()
    page.wait_for_function("window.nnManifold.recorder.length >= 8", timeout=15000)
    button(page, "Pause").click()
    button(page, "Play").wait_for()
    frames = page.evaluate("window.nnManifold.recorder.frames.map((f) => f.epoch)")
    assert frames == sorted(frames) and frames[-1] > frames[2]
    page.locator("#scrubber").fill("2")
    page.wait_for_function(f"document.body.dataset.epochShown === '{frames[2]}'")
    assert page.locator("#scrub-info").text_content().startswith(f"epoch {frames[2]} ")
    trainer = engine_of(page, frames[2])
    y = trainer.data.y_train
    z = layer_images(trainer, trainer.data.x_train)[1]
    assert_close(page, plotted_class(page, 1, 3), z[y == 1])
    button(page, "Live").click()
    page.wait_for_function(f"document.body.dataset.epochShown === '{frames[-1]}'")
    trainer = engine_of(page, frames[-1])
    z = layer_images(trainer, trainer.data.x_train)[1]
    assert_close(page, plotted_class(page, 1, 3), z[y == 1])
    assert epoch_of(page) == frames[-1]


def test_a_wide_layer_through_pca_or_chosen_units(manifold: Any) -> None:
    page = manifold("#preset=spirals_tanh&space=1")
    assert page.locator("#shown-label").text_content() == "PCA 1, PCA 2 (fitted on the data)"
    page.select_option("#ctl-axes", "units")
    page.wait_for_function("document.getElementById('shown-label').textContent === 'units 1, 2, 3'")
    page.select_option("#ctl-unit-z", "")
    page.select_option("#ctl-unit-x", "4")
    page.wait_for_function("document.getElementById('shown-label').textContent === 'units 5, 2'")
    trainer = engine_of(page)
    z = layer_images(trainer, trainer.data.x_train)[1]
    y = trainer.data.y_train
    assert_close(page, plotted_class(page, 0, 2), z[y == 0][:, [4, 1]])


def test_a_preset_rebuilds_the_run_and_explains_itself(manifold: Any) -> None:
    page = manifold("#preset=disk_lift")
    page.select_option("#ctl-preset", "spirals_relu")
    page.wait_for_function("document.querySelectorAll('.thumb').length === 5")
    assert page.locator("#ctl-hidden").input_value() == "24, 24, 2"
    assert "relu" in page.locator("#preset-explain").text_content()
    assert page.locator("#citation").text_content().startswith("C. Olah")
    page.locator("#ctl-hidden").fill("3, 3, 2")
    page.locator("#ctl-hidden").dispatch_event("change")
    page.wait_for_function("window.nnManifold.network.sizes.join() === '2,3,3,2,1'")
    assert page.locator("#ctl-preset").input_value() == "custom"
