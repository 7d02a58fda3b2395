"""The playground page in headless Chromium against the real app (fixtures in conftest.py).

Each test drives the page as a user would (buttons by their accessible names, selects, file
inputs) and asserts on values: epochs, losses, pixels, the URL hash, and the server's own view
of the run (an `export` round trip)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def epoch(page: Any) -> int:
    return int(page.locator("#epoch").get_attribute("data-epoch"))


def train_loss(page: Any) -> str:
    return page.locator("#train-loss").get_attribute("data-value")


def button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


EPOCH_JS = "Number(document.getElementById('epoch').dataset.epoch)"


def wait_epoch(page: Any, condition: str, timeout: int = 15000) -> None:
    """Wait until `condition` holds for e, the shown epoch (a JS expression)."""
    page.wait_for_function(
        f"(() => {{ const e = {EPOCH_JS}; return {condition}; }})()", timeout=timeout
    )


def text_of(element_id: str) -> str:
    return f"document.getElementById('{element_id}').textContent"


def upload(page: Any, selector: str, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": data}])


def server_config(page: Any) -> dict[str, Any]:
    """The run's config as the server holds it: ask for an export and read the reply."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const s = window.nnPlayground.socket;
            const old = s.handlers.export;
            s.handlers.export = (m) => { s.handlers.export = old; resolve(m.state.config); };
            s.send("export");
        })"""
    )


def heatmap_pixels(page: Any) -> str:
    return page.evaluate("document.querySelector('#heatmap canvas.heatmap-grid').toDataURL()")


def pause(page: Any) -> None:
    button(page, "Pause").click()
    button(page, "Play").wait_for()
    page.wait_for_function("document.body.dataset.state === 'paused'")


# ---- loading ------------------------------------------------------------------------------


def test_loads_with_controls_built_from_the_catalog(playground: Any, server_url: str) -> None:
    page = playground()
    with urllib.request.urlopen(f"{server_url}/api/catalog") as r:
        catalog = json.load(r)
    datasets = page.locator("#datasets [role=radio]")
    assert datasets.count() == len(catalog["datasets"])
    assert page.locator("#features button").count() == len(catalog["features"])
    optimizers = page.locator("#ctl-optimizer option").all_inner_texts()
    assert optimizers == [o["name"] for o in catalog["optimizers"]]
    lr = next(p for p in catalog["optimizers"][0]["params"] if p["name"] == "lr")
    options = page.locator("#ctl-lr option").evaluate_all("os => os.map(o => o.value)")
    lrs = [float(v) for v in options]
    assert lrs and min(lrs) >= lr["low"] and max(lrs) <= lr["high"]
    assert page.locator("#epoch").inner_text() == "000,000"
    assert button(page, "Play").is_visible()
    for name in ("Step", "Reset", "Rewind"):
        assert button(page, name).is_visible()
    box = page.locator("#heatmap").bounding_box()
    assert box["width"] >= 300 and box["height"] >= 300


# ---- transport ----------------------------------------------------------------------------


def test_play_trains_loss_falls_and_the_heatmap_changes(playground: Any) -> None:
    page = playground()
    loss0 = float(train_loss(page))
    pixels0 = heatmap_pixels(page)
    button(page, "Play").click()
    button(page, "Pause").wait_for()
    wait_epoch(page, "e >= 150")
    pause(page)
    assert float(train_loss(page)) < 0.7 * loss0
    assert heatmap_pixels(page) != pixels0
    # The loss curve gets every epoch trained (the last frame may follow the status).
    page.wait_for_function(
        f"window.nnPlayground.loss.epochs === {EPOCH_JS}",
        timeout=3000,
    )
    epochs = page.evaluate("window.nnPlayground.loss.raw.epoch")
    assert epochs == list(range(1, len(epochs) + 1))


def test_pause_stops_the_epochs(playground: Any) -> None:
    page = playground()
    button(page, "Play").click()
    wait_epoch(page, "e > 20")
    pause(page)
    stopped = epoch(page)
    page.wait_for_timeout(800)
    assert epoch(page) == stopped
    assert button(page, "Play").is_visible()


def test_step_trains_exactly_one_epoch(playground: Any) -> None:
    page = playground()
    assert epoch(page) == 0
    button(page, "Step").click()
    wait_epoch(page, "e === 1")
    page.wait_for_timeout(500)
    assert epoch(page) == 1
    button(page, "Step").click()
    wait_epoch(page, "e === 2")
    page.wait_for_timeout(300)
    assert epoch(page) == 2


def test_rewind_replays_the_run_exactly(playground: Any) -> None:
    page = playground()
    loss0 = train_loss(page)
    for _ in range(5):
        button(page, "Step").click()
    wait_epoch(page, "e === 5")
    loss5 = train_loss(page)
    assert loss5 != loss0
    button(page, "Rewind").click()
    wait_epoch(page, "e === 0")
    page.wait_for_function(f"document.getElementById('train-loss').dataset.value === '{loss0}'")
    for _ in range(5):
        button(page, "Step").click()
    wait_epoch(page, "e === 5")
    page.wait_for_timeout(200)
    assert train_loss(page) == loss5


def test_reset_draws_new_weights_and_puts_the_seed_in_the_link(playground: Any) -> None:
    page = playground()
    loss0 = train_loss(page)
    button(page, "Reset").click()
    page.wait_for_function(f"document.getElementById('train-loss').dataset.value !== '{loss0}'")
    seed = page.locator("#ctl-init_seed").input_value()
    assert seed != "1"
    assert f"init_seed={seed}" in page.evaluate("location.hash")
    assert server_config(page)["init_seed"] == int(seed)


# ---- settings -----------------------------------------------------------------------------


def test_learning_rate_change_while_running_reaches_the_server(playground: Any) -> None:
    page = playground()
    button(page, "Play").click()
    wait_epoch(page, "e > 10")
    page.select_option("#ctl-lr", "0.3")
    seq = page.evaluate("window.nnPlayground.socket.seq")
    # A frame from the running server says it applied our command...
    page.wait_for_function(f"window.nnPlayground.socket.applied >= {seq}", timeout=5000)
    assert page.evaluate("document.body.dataset.state") == "running"
    # ...the link carries it, and the server's config has it.
    assert "lr=0.3" in page.evaluate("location.hash").split("&")
    assert server_config(page)["optimizer"]["lr"] == 0.3
    pause(page)


def test_url_hash_sets_the_controls_and_round_trips(playground: Any) -> None:
    setup = {
        "dataset": "xor",
        "noise": "20",
        "hidden": "3",
        "activation": "relu",
        "optimizer": "adam",
        "lr": "0.01",
        "features": "x1,x2,x1_x2",
        "batch_size": "25",
        "show_test": "1",
    }
    page = playground("#" + "&".join(f"{k}={v}" for k, v in setup.items()))
    assert page.locator("#datasets [data-name=xor]").get_attribute("aria-checked") == "true"
    assert page.locator("#ctl-noise").input_value() == "20"
    assert page.locator("#layer-count").inner_text() == "1"
    assert page.locator(".layer-width").all_inner_texts() == ["3"]
    assert page.locator("#ctl-activation").input_value() == "relu"
    assert page.locator("#ctl-optimizer").input_value() == "adam"
    assert page.locator("#ctl-lr").input_value() == "0.01"
    assert page.locator("#feature-x1_x2").get_attribute("aria-pressed") == "true"
    assert page.locator("#feature-x1_sq").get_attribute("aria-pressed") == "false"
    assert page.locator("#ctl-show_test").is_checked()
    # The server built that network: 3 inputs, 3 hidden neurons, 1 output.
    assert page.evaluate("window.nnPlayground.network.sizes") == [3, 3, 1]
    config = server_config(page)
    assert config["optimizer"]["name"] == "adam" and config["optimizer"]["lr"] == 0.01
    assert config["batch_size"] == 25
    written = page.evaluate("location.hash")
    pairs = dict(p.split("=", 1) for p in written.lstrip("#").split("&"))
    for key, value in setup.items():
        assert pairs[key] == value, key
    # The written link opens the same setup.
    again = playground(written)
    assert again.evaluate("location.hash") == written


def test_controls_update_the_link_and_the_server(playground: Any) -> None:
    page = playground()
    page.select_option("#ctl-activation", "sigmoid")
    page.locator("#datasets [data-name=gauss]").click()
    button(page, "Add a hidden layer").click()
    page.wait_for_function("window.nnPlayground.network.sizes.length === 5")
    hash_ = page.evaluate("location.hash").split("&")
    assert "activation=sigmoid" in hash_
    assert "#dataset=gauss" in hash_
    assert "hidden=4,2,2" in hash_
    config = server_config(page)
    assert config["activation"] == "sigmoid"
    assert config["hidden"] == [4, 2, 2]


def test_classroom_flags_hide_controls_and_embed(playground: Any) -> None:
    page = playground("#hide=noise,lr,features&embed=1")
    assert page.locator("#ctl-noise").is_hidden()
    assert page.locator("#ctl-lr").is_hidden()
    assert page.locator("#features").is_hidden()
    assert page.locator(".site-header").is_hidden()
    assert button(page, "Play").is_visible()
    assert page.locator("#ctl-activation").is_visible()


# ---- divergence, data -----------------------------------------------------------------------


def test_divergence_pauses_with_an_explanation_and_a_fix(playground: Any) -> None:
    page = playground("#dataset=plane&activation=relu&hidden=8,8&lr=10")
    button(page, "Play").click()
    banner = page.get_by_role("alert")
    banner.wait_for(timeout=10000)
    text = banner.inner_text()
    assert "diverged" in text.lower()
    assert "learning rate" in text.lower()
    button(page, "Play").wait_for()  # paused by itself
    assert page.evaluate("document.body.dataset.state") == "diverged"
    fix = button(page, "Lower learning rate to 1")
    fix.click()
    assert "lr=1" in page.evaluate("location.hash").split("&")
    assert server_config(page)["optimizer"]["lr"] == 1


def test_bad_csv_upload_shows_the_servers_error(playground: Any) -> None:
    page = playground()
    bad = b"x1,x2,label\n0.5,1.5,0\n1,2,abc\n"
    upload(page, "#csv-file", "bad.csv", bad)
    status = page.locator("#csv-status")
    page.wait_for_function("document.getElementById('csv-status').classList.contains('bad')")
    message = status.inner_text()
    assert "line 3" in message and "label" in message, message
    # A good file replaces the data.
    rows = "\n".join(f"{x / 10:.1f},{-x / 10:.1f},{x % 2}" for x in range(-40, 40))
    upload(page, "#csv-file", "good.csv", rows.encode())
    page.wait_for_function(f"{text_of('csv-status')}.startsWith('Loaded')")
    total = page.evaluate(
        "window.nnPlayground.points.train.x.length + window.nnPlayground.points.test.x.length"
    )
    assert total == 80


def test_oversized_upload_is_refused_before_sending(playground: Any) -> None:
    page = playground()
    limit = page.evaluate("window.nnPlayground.catalog.limits.max_upload_bytes")
    big = b"1,1,1\n" * (limit // 6 + 10)
    upload(page, "#csv-file", "big.csv", big)
    status = page.locator("#csv-status")
    assert "limit" in status.inner_text()
    assert f"{limit:,}" in status.inner_text()


def test_click_on_the_plane_adds_a_point(playground: Any) -> None:
    page = playground()
    before = page.evaluate("window.nnPlayground.points.train.x.length")
    page.locator("#add-mode").click()
    box = page.locator("#heatmap canvas.heatmap-grid").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.wait_for_function(f"window.nnPlayground.points.train.x.length === {before + 1}")
    x1, x2 = page.evaluate("window.nnPlayground.points.train.x.at(-1)")
    assert 2 < x1 < 4 and 2 < x2 < 4  # the upper-right quarter of [-6, 6]^2


# ---- views --------------------------------------------------------------------------------


def test_time_scrubber_shows_recorded_frames_and_returns_live(playground: Any) -> None:
    page = playground()
    button(page, "Play").click()
    wait_epoch(page, "e > 100")
    pause(page)
    live_pixels = heatmap_pixels(page)
    scrubber = page.locator("#scrubber")
    scrubber.focus()
    page.keyboard.press("Home")
    info = page.locator("#scrub-info").inner_text()
    assert "recorded" in info
    assert heatmap_pixels(page) != live_pixels
    button(page, "Live").click()
    assert page.locator("#scrub-info").inner_text() == "live"
    pixels_js = "document.querySelector('#heatmap canvas.heatmap-grid').toDataURL()"
    page.wait_for_function(f"{pixels_js} === {json.dumps(live_pixels)}")


def test_frame_decoding_matches_the_browsers_inflate_and_is_fast(playground: Any) -> None:
    page = playground()
    same = page.evaluate(
        """async () => {
            const codec = await import("/static/js/codec.js");
            const f = window.nnPlayground.recorder.at(0);
            const grids = [f.output.data, ...f.neurons.map((l) => l.data)];
            for (const g of grids) {
                const a = codec.inflateSync(codec.base64ToBytes(g));
                const b = await codec.inflate(codec.base64ToBytes(g));
                if (a.length !== b.length || a.some((v, i) => v !== b[i])) return false;
            }
            return true;
        }"""
    )
    assert same
    button(page, "Play").click()
    page.wait_for_timeout(2000)
    pause(page)
    times = page.evaluate("window.nnPlayground.drawTimes")
    assert len(times) >= 20
    times.sort()
    assert times[len(times) // 2] < 10, times  # median decode + draw, ms
    assert times[int(len(times) * 0.9)] < 33, times


def test_narrow_screen_has_no_horizontal_scroll(playground: Any) -> None:
    page = playground(width=400, height=800)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert button(page, "Play").is_visible()
    assert page.locator("#heatmap").bounding_box()["width"] >= 300


def test_per_layer_activation_and_neuron_buttons(playground: Any) -> None:
    page = playground()
    page.select_option("#layer-act-1", "relu")
    button(page, "Add a neuron to layer 1").click()
    page.wait_for_function("window.nnPlayground.network.sizes[1] === 5")
    pairs = page.evaluate("location.hash").split("&")
    assert "activation=tanh,relu" in pairs
    assert "hidden=5,2" in pairs
    config = server_config(page)
    assert config["activation"] == ["tanh", "relu"]
    assert config["hidden"] == [5, 2]


def test_speed_cap_slows_training(playground: Any) -> None:
    page = playground()
    page.select_option("#ctl-speed", "10")
    button(page, "Play").click()
    wait_epoch(page, "e >= 1")
    start = epoch(page)
    page.wait_for_timeout(2000)
    trained = epoch(page) - start
    pause(page)
    assert 5 <= trained <= 35, trained  # about 10 epochs a second, not thousands
    assert "speed=10" in page.evaluate("location.hash").split("&")


def test_export_then_import_restores_the_weights(playground: Any, tmp_path: Any) -> None:
    page = playground()
    for _ in range(4):
        button(page, "Step").click()
    wait_epoch(page, "e === 4")
    page.wait_for_timeout(200)
    loss4 = train_loss(page)
    with page.expect_download() as download:
        button(page, "Export model").click()
    saved = tmp_path / "model.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["state"]["epoch"] == 4
    button(page, "Rewind").click()
    wait_epoch(page, "e === 0")
    assert train_loss(page) != loss4
    page.set_input_files("#import-file", str(saved))
    page.wait_for_function(f"document.getElementById('train-loss').dataset.value === '{loss4}'")
    page.wait_for_function(f"{text_of('io-status')} === 'Imported model.json.'")
    # A broken file gets a clear message instead.
    upload(page, "#import-file", "x.json", b"{nope", "application/json")
    page.wait_for_function(f"{text_of('io-status')}.includes('not JSON')")
    assert page.locator("#io-status").evaluate("e => e.classList.contains('bad')")


def test_keyboard_space_plays_and_pauses(playground: Any) -> None:
    page = playground()
    page.locator("body").click(position={"x": 5, "y": 790})
    page.keyboard.press("Space")
    button(page, "Pause").wait_for()
    wait_epoch(page, "e > 5")
    page.keyboard.press("Space")
    button(page, "Play").wait_for()


def test_hovering_the_plane_reads_the_output(playground: Any) -> None:
    page = playground()
    box = page.locator("#heatmap canvas.heatmap-grid").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    text = page.locator("#hover-readout").inner_text()
    assert text.startswith("At (0.") or text.startswith("At (-0."), text
    assert "output" in text
