"""The manifold lab (app/labs/manifold.py): its endpoint, and its frame view through a real
websocket session: what frames carry (decoded here with an independent reader of the format in
docs/labs/manifold.md and compared with the engine's own numbers), the view options and their
errors, and the fallbacks after a model change."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.frames import FrameContext, to_json
from app.labs import manifold as lab
from app.runs import TrainerRun
from app.settings import Settings
from engine.manifold import layer_images, layer_stages, mesh_lines, pca, project, separability
from engine.trainer import Trainer
from tests.app.conftest import Socket

Connect = Callable[[], Socket]
VIEWS = ["metrics", "manifold"]
RUN = {"dataset": {"name": "disk_ring", "noise": 0}, "n_points": 120, "hidden": [3, 2],
       "activation": "tanh"}  # fmt: skip


# -- an independent reader of the frame format ------------------------------------------------


def _planes(b64: str, count: int) -> np.ndarray:
    raw = np.frombuffer(zlib.decompress(base64.b64decode(b64)), np.uint8).astype(np.int64)
    assert raw.size == 2 * count
    return raw[:count] | (raw[count:] << 8)


def _values(q: np.ndarray, span: list[list[float]]) -> np.ndarray:
    lo = np.array([s[0] for s in span])
    width = np.array([s[1] - s[0] for s in span])
    return lo + q / lab.LEVELS * width


def read_lines(b64: str, lines: int, samples: int, span: list[list[float]]) -> np.ndarray:
    d = len(span)
    z = _planes(b64, d * lines * samples).reshape(d, lines, samples)
    second = (z >> 1) ^ -(z & 1)
    q = np.cumsum(np.cumsum(second, axis=-1), axis=-1)
    return _values(np.moveaxis(q, 0, -1), span)


def read_points(b64: str, count: int, span: list[list[float]]) -> np.ndarray:
    d = len(span)
    q = _planes(b64, d * count).reshape(d, count)
    return _values(q.T, span)


def tolerance(span: list[list[float]]) -> float:
    """Half a level of the widest axis, plus float32-free slack."""
    return max(hi - lo for lo, hi in span) / lab.LEVELS / 2 + 1e-9


def engine_trainer(config: dict[str, Any], epochs: int = 0) -> Trainer:
    trainer = TrainerRun(config, Settings()).trainer
    for _ in range(epochs):
        trainer.step_epoch()
    return trainer


def manifold_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return [m for m in messages if m["type"] == "frame"][-1]["manifold"]


def start(sock: Socket, config: dict[str, Any] = RUN, **options: Any) -> dict[str, Any]:
    return manifold_of(sock.start(config, views=VIEWS, options=options))


# -- the endpoint -----------------------------------------------------------------------------


def test_lab_document_lists_presets_that_build_and_the_bounds(client: TestClient) -> None:
    doc = client.get("/api/manifold/lab").json()
    names = [p["name"] for p in doc["presets"]]
    assert names == ["disk_bottleneck", "disk_lift", "spirals_tanh", "spirals_relu"]
    assert doc["default_preset"] in names
    assert doc["mesh"] == {"low": lab.MESH_MIN, "high": lab.MESH_MAX, "default": 40}
    assert doc["separable"] == lab.SEPARABLE
    assert "Olah" in doc["citation"]["text"]
    for preset in doc["presets"]:
        trainer = TrainerRun(preset["config"], Settings()).trainer  # a valid config
        assert preset["space"] < len(trainer.config.hidden) + 2
        assert preset["explain"]
    widths = {p["name"]: p["config"]["hidden"] for p in doc["presets"]}
    assert widths["disk_bottleneck"][-1] == 2 and widths["disk_lift"] == [3]


def test_the_page_is_served_with_its_module(client: TestClient) -> None:
    html = client.get("/manifold").text
    assert "/static/js/labs/manifold/page.js" in html
    assert 'aria-label="Play"' in html


# -- what frames carry ------------------------------------------------------------------------


def test_frames_carry_every_space_as_the_engine_computes_it(connect: Connect) -> None:
    sock = connect()
    m = start(sock, mesh=10)
    trainer = engine_trainer(RUN)
    lines, samples = 20, 15
    assert m["mesh"] == {"lines": 10, "samples": samples}
    mesh = mesh_lines(10, samples)
    want_mesh = layer_images(trainer, mesh)
    want_points = layer_images(trainer, trainer.data.x_train)
    assert [s["width"] for s in m["spaces"]] == [2, 3, 2, 1]
    axes = [["x₁", "x₂"], ["unit 1", "unit 2", "unit 3"], ["unit 1", "unit 2"], ["output 1"]]
    assert [s["axes"] for s in m["spaces"]] == axes
    assert m["spaces"][1]["caption"] == "hidden layer 1 (3 units)"
    assert m["n_points"] == len(trainer.data.x_train)
    for s, zm, zp in zip(m["spaces"], want_mesh, want_points, strict=True):
        tol = tolerance(s["range"])
        got = read_points(s["points"], m["n_points"], s["range"])
        assert np.abs(got - zp).max() <= tol
        if s["width"] == 1:
            assert s["mesh"] is None  # a line: the points alone
            continue
        got = read_lines(s["mesh"], lines, samples, s["range"])
        assert np.abs(got - zm).max() <= tol
    labels = np.frombuffer(zlib.decompress(base64.b64decode(m["labels"]["data"])), np.uint8)
    assert labels.tolist() == trainer.data.y_train.tolist()


def test_the_probe_readout_is_the_engines_and_marks_the_first_separable_space(
    connect: Connect,
) -> None:
    sock = connect()
    lift = {**RUN, "hidden": [3], "optimizer": {"name": "adam", "lr": 0.03}}
    first = start(sock, lift)
    assert first["separable_at"] is None  # untrained
    frame = sock.step(30, seq=1)["manifold"]
    want = separability(engine_trainer(lift, 30))
    assert [s["probe"] for s in frame["spaces"]] == pytest.approx(want, abs=1e-4)
    assert want[0] < lab.SEPARABLE and want[1] == 1.0  # lifted into 3-D, the disk comes out
    assert frame["separable_at"] == 1


def test_stages_are_the_engines_endpoints_in_the_layers_view(connect: Connect) -> None:
    sock = connect()
    m = start(sock, mesh=6, stage_layer=0)
    trainer = engine_trainer(RUN)
    st = m["stages"]
    assert (st["layer"], st["space"]) == (0, 1)
    assert st["names"] == ["input", "x W", "x W + b", "tanh(…)"]
    want_mesh = layer_stages(trainer, 0, mesh_lines(6, 9))
    want_points = layer_stages(trainer, 0, trainer.data.x_train)
    tol = tolerance(st["range"])
    for k in range(3):
        got = read_lines(st["mesh"][k], 12, 9, st["range"])
        assert np.abs(got - want_mesh[k]).max() <= tol
        got = read_points(st["points"][k], m["n_points"], st["range"])
        assert np.abs(got - want_points[k]).max() <= tol
    # stage 0 of the first block is the plane lying flat in the first two units
    assert np.abs(read_points(st["points"][0], m["n_points"], st["range"])[:, 2]).max() <= tol
    # stage 3 is the space's own image, so frames do not carry it twice
    assert len(st["mesh"]) == len(st["points"]) == 3


def test_chosen_units_and_pca_are_shown_and_labelled(connect: Connect) -> None:
    sock = connect()
    config = {**RUN, "hidden": [6, 3]}
    m = start(sock, config, dims={"1": "pca3", "2": [2, 0]})
    trainer = engine_trainer(config)
    wide, three = m["spaces"][1], m["spaces"][2]
    assert wide["shown"] == "pca3" and wide["label"] == "PCA 1, PCA 2, PCA 3 (fitted on the data)"
    assert wide["axes"] == ["PCA 1", "PCA 2", "PCA 3"]
    z = layer_images(trainer, trainer.data.x_train)
    fit = pca(z[1], 3)
    got = read_points(wide["points"], m["n_points"], wide["range"])
    # signs follow the session's previous fit, so compare up to each component's sign
    want = project(z[1], *fit)
    for k in range(3):
        err = min(np.abs(got[:, k] - want[:, k]).max(), np.abs(got[:, k] + want[:, k]).max())
        assert err <= tolerance(wide["range"])
    assert three["shown"] == [2, 0] and three["label"] == "units 3, 1"
    assert three["axes"] == ["unit 3", "unit 1"]
    got = read_points(three["points"], m["n_points"], three["range"])
    assert np.abs(got - z[2][:, [2, 0]]).max() <= tolerance(three["range"])


def test_the_quality_bar_network_has_compact_frames() -> None:
    """The quality bar's network, [3, 3, 2] with a 40 x 40 mesh: the view's JSON size."""
    run = TrainerRun({"dataset": "spiral", "hidden": [3, 3, 2]}, Settings())
    for _ in range(20):
        run.step()
    ctx = FrameContext(run, 20, 5, options={"mesh": 40})
    size = len(to_json({"manifold": lab.manifold_view(ctx)}))
    assert size < 48_000, size
    ctx = FrameContext(run, 20, 5, options={"mesh": 40, "stage_layer": 1})
    assert len(to_json({"manifold": lab.manifold_view(ctx)})) < 96_000


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"mesh": 3}, "mesh"),
        ({"mesh": 65}, "mesh"),
        ({"mesh": "40"}, "mesh"),
        ({"mesh": True}, "mesh"),
        ({"mesh": 12.5}, "mesh"),
        ({"dims": [0, 1]}, "dims"),
        ({"dims": {"one": "pca"}}, "dims"),
        ({"dims": {"-1": "pca"}}, "dims"),
        ({"dims": {"1": "tsne"}}, "dims.1"),
        ({"dims": {"1": [0]}}, "dims.1"),
        ({"dims": {"1": [0, 0]}}, "dims.1"),
        ({"dims": {"1": [0, 1, 2, 3]}}, "dims.1"),
        ({"dims": {"1": [0, True]}}, "dims.1"),
        ({"dims": {"1": [0, -1]}}, "dims.1"),
        ({"stage_layer": -1}, "stage_layer"),
        ({"stage_layer": 0.5}, "stage_layer"),
        ({"stage_layer": "1"}, "stage_layer"),
    ],
)
def test_a_bad_option_is_refused_by_name_and_the_old_options_stay(
    connect: Connect, options: dict[str, Any], field: str
) -> None:
    sock = connect()
    start(sock, mesh=8)
    err = sock.error({"type": "view_options", "options": options})
    assert (err["request"], err["field"]) == ("view_options", field)
    assert "must be" in err["message"]
    frame = sock.step(1, seq=5)
    assert frame["manifold"]["mesh"]["lines"] == 8  # the session kept its options


def test_a_bad_option_in_start_refuses_the_start(connect: Connect) -> None:
    sock = connect()
    err = sock.error({"type": "start", "config": RUN, "views": VIEWS, "options": {"mesh": 1}})
    assert (err["request"], err["field"]) == ("start", "mesh")


def test_view_options_change_the_next_frame(connect: Connect) -> None:
    sock = connect()
    start(sock)
    got = sock.command({"type": "view_options", "options": {"mesh": 12, "stage_layer": 1}}, 3)
    m = manifold_of(got)
    assert m["mesh"]["lines"] == 12 and m["stages"]["layer"] == 1
    m = manifold_of(sock.command({"type": "view_options", "options": {"stage_layer": None}}, 4))
    assert m["stages"] is None and m["mesh"]["lines"] == 12  # merged, not replaced


def test_choices_the_network_cannot_honour_fall_back_and_the_session_lives(
    connect: Connect,
) -> None:
    sock = connect()
    m = start(sock, dims={"1": [0, 2], "7": "pca"}, stage_layer=2)
    assert m["spaces"][1]["shown"] == [0, 2]
    assert m["stages"]["layer"] == 2  # the output block of [3, 2]
    # a smaller network: unit 2 of layer 1 and block 2 are gone
    got = sock.command({"type": "configure", "changes": {"hidden": [2]}}, 9)
    m = manifold_of(got)
    assert m["spaces"][1]["shown"] == "units" and m["spaces"][1]["label"] == "units 1, 2"
    assert m["stages"] is None
    sock.send({"type": "play"})
    frame = sock.until(lambda msg: msg["type"] == "frame" and msg["epoch"] > 3)
    assert frame["manifold"]["spaces"][1]["width"] == 2
    sock.send({"type": "pause"})


def test_regression_has_no_probe_and_sends_targets(connect: Connect) -> None:
    sock = connect()
    m = start(sock, {"dataset": "plane", "n_points": 100, "hidden": [2]})
    assert [s["probe"] for s in m["spaces"]] == [None, None, None]
    assert m["separable_at"] is None and m["labels"]["kind"] == "score"


def test_value_range_holds_every_value_after_rounding() -> None:
    a = np.array([[0.1234567891, -3.33333333], [0.1234567891, 7.77777777]])
    span = lab.value_range(a)
    assert span[0][0] <= 0.1234567891 < span[0][1]  # a constant axis gets a unit range
    assert span[1][0] <= -3.33333333 and span[1][1] >= 7.77777777
    assert all(len(f"{v:.6g}") <= 12 for pair in span for v in pair)
