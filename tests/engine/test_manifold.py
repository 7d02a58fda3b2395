"""The manifold view: the mesh, images under every layer, the staged transform (its endpoints
are the block's true input and output), the linear probe, PCA's orientation, what a layer shows,
and that looking never changes the run."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.config import TrainConfig
from engine.datasets import DATASETS
from engine.errors import ConfigError
from engine.features import transform
from engine.manifold import (
    PROBE_MAX_DIMS,
    STAGES,
    embed,
    interpolate,
    layer_images,
    layer_labels,
    layer_stages,
    linear_probe,
    mesh_lines,
    pca,
    project,
    separability,
    staged,
    staged_layer,
    view_of,
)
from engine.trainer import Trainer

EXACT = {"rtol": 0.0, "atol": 1e-12}


def make(**changes: Any) -> Trainer:
    return Trainer(TrainConfig().with_changes({"n_points": 200, **changes}))


def trained(epochs: int = 5, **changes: Any) -> Trainer:
    trainer = make(optimizer={"name": "adam", "lr": 0.03}, batch_size=25, **changes)
    trainer.run(epochs)
    return trainer


def sample(name: str, n: int = 250, seed: int = 1, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    return DATASETS.build(name, **params).generate(np.random.default_rng(seed), n)


# -- the mesh ---------------------------------------------------------------------------------


def test_mesh_lines_cross_the_domain_horizontally_then_vertically() -> None:
    mesh = mesh_lines()
    run = np.linspace(-6.0, 6.0, 80)
    assert mesh.shape == (80, 80, 2)
    np.testing.assert_array_equal(mesh[0, :, 0], run)  # first line: y = -6, x runs
    np.testing.assert_array_equal(mesh[0, :, 1], -6.0)
    np.testing.assert_array_equal(mesh[39, :, 1], 6.0)  # last horizontal line: y = 6
    np.testing.assert_array_equal(mesh[40, :, 0], -6.0)  # first vertical line: x = -6, y runs
    np.testing.assert_array_equal(mesh[40, :, 1], run)
    np.testing.assert_array_equal(mesh[79, :, 0], 6.0)
    small = mesh_lines(3, 5, domain=(0, 1))
    np.testing.assert_array_equal(
        small[1], [[0, 0.5], [0.25, 0.5], [0.5, 0.5], [0.75, 0.5], [1, 0.5]]
    )
    np.testing.assert_array_equal(
        small[4], [[0.5, 0], [0.5, 0.25], [0.5, 0.5], [0.5, 0.75], [0.5, 1]]
    )
    with pytest.raises(ValueError):
        mesh[0, 0, 0] = 1.0  # shared and cached: read-only


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_lines": 1}, "n_lines"),
        ({"n_lines": 4.0}, "n_lines"),
        ({"samples": 1}, "samples"),
        ({"samples": True}, "samples"),
        ({"domain": (1, 1)}, "domain"),
        ({"domain": (0, math.inf)}, "domain"),
    ],
)
def test_mesh_lines_rejects_bad_sizes(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        mesh_lines(**kwargs)
    assert info.value.field == field


# -- images under every layer -----------------------------------------------------------------


@pytest.mark.parametrize(("output", "squash"), [("bce", lambda z: z), ("tanh_mse", np.tanh)])
def test_layer_images_of_a_hand_set_network(output: str, squash: Any) -> None:
    """x1, x2 -> one linear unit h = 2 x1 - x2 + 0.5 -> z = 3 h - 1 -> the head's output."""
    trainer = make(hidden=[1], activation="linear", output=output)
    trainer.set_weight(0, 0, 0, 2.0)
    trainer.set_weight(0, 1, 0, -1.0)
    trainer.set_bias(0, 0, 0.5)
    trainer.set_weight(1, 0, 0, 3.0)
    trainer.set_bias(1, 0, -1.0)
    points = np.array([[1.0, 2.0], [0.0, 0.0], [-1.5, 0.5]])
    h = np.array([[0.5], [0.5], [-3.0]])
    images = layer_images(trainer, points)
    assert len(images) == 3
    np.testing.assert_array_equal(images[0], points)
    np.testing.assert_allclose(images[1], h, **EXACT)
    np.testing.assert_allclose(images[2], squash(3 * h - 1), **EXACT)


def test_layer_images_start_on_the_plane_even_with_features() -> None:
    features = ["x1", "x2", "x1_x2", "sin_x1"]
    trainer = trained(hidden=[3, 3, 2], features=features, norm="batch_norm")
    points = trainer.data.x_test
    images = layer_images(trainer, points)
    assert [z.shape for z in images] == [(100, 2), (100, 3), (100, 3), (100, 2), (100, 1)]
    np.testing.assert_array_equal(images[0], points)  # raw points, not the 4 features
    model = trainer.model
    z = model.forward(transform(points, features))
    np.testing.assert_allclose(images[-1], model.head.output(z), **EXACT)
    labels = layer_labels(trainer)
    assert labels == [
        "input plane (x₁, x₂); the network's input is the features X₁, X₂, X₁X₂, sin(X₁)",
        "hidden layer 1 (3 units)",
        "hidden layer 2 (3 units)",
        "hidden layer 3 (2 units)",
        "output (bce)",
    ]
    assert layer_labels(make())[0] == "input plane (x₁, x₂)"


def test_layer_images_keep_the_mesh_shape() -> None:
    trainer = trained(hidden=[3, 2])
    mesh = mesh_lines(6, 7)
    images = layer_images(trainer, mesh)
    flat = layer_images(trainer, mesh.reshape(-1, 2))
    assert [z.shape for z in images] == [(12, 7, 2), (12, 7, 3), (12, 7, 2), (12, 7, 1)]
    for shaped, rows in zip(images, flat, strict=True):
        np.testing.assert_array_equal(shaped.reshape(rows.shape), rows)


# -- the staged transform ---------------------------------------------------------------------


def block(d_in: int, d_out: int, n: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(d_in * 10 + d_out)
    return rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)


def test_staged_walks_linear_then_bias_then_activation() -> None:
    x, w, b = block(3, 3)
    tanh = ACTIVATIONS.get("tanh")
    stage = {t: staged(x, w, b, tanh, t) for t in (0, 0.25, 1, 1.5, 2, 2.5, 3)}
    np.testing.assert_array_equal(stage[0], x)  # same width: the true input, exactly
    np.testing.assert_allclose(stage[1], x @ w, **EXACT)
    np.testing.assert_allclose(stage[2], x @ w + b, **EXACT)
    np.testing.assert_allclose(stage[3], np.tanh(x @ w + b), **EXACT)
    np.testing.assert_allclose(stage[0.25], 0.75 * x + 0.25 * (x @ w), **EXACT)
    np.testing.assert_allclose(stage[1.5], (stage[1] + stage[2]) / 2, **EXACT)
    np.testing.assert_allclose(stage[2.5], (stage[2] + stage[3]) / 2, **EXACT)
    np.testing.assert_array_equal(staged(x, w, b, np.tanh, 2.5), stage[2.5])  # any callable
    assert STAGES == ("input", "linear", "bias", "activation")


def test_staged_pads_a_narrower_input_with_zeros() -> None:
    x, w, b = block(2, 3)
    start = staged(x, w, b, np.tanh, 0)
    np.testing.assert_array_equal(start[:, :2], x)
    np.testing.assert_array_equal(start[:, 2], 0.0)


def test_staged_projects_a_wider_input_by_the_orthonormal_map_nearest_w() -> None:
    x, w, b = block(4, 2)
    q = embed(np.eye(4), w)  # the map itself: the images of the unit vectors
    np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-12)  # orthonormal columns
    stretch = q.T @ w  # W = Q P with P symmetric positive semi-definite (the polar factors)
    np.testing.assert_allclose(q @ stretch, w, atol=1e-12)
    np.testing.assert_allclose(stretch, stretch.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(stretch) >= -1e-12)
    start = staged(x, w, b, np.tanh, 0)
    np.testing.assert_allclose(start, x @ q, **EXACT)
    np.testing.assert_allclose(start @ stretch, staged(x, w, b, np.tanh, 1), atol=1e-12)
    # no other orthonormal map is closer to W
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = np.linalg.qr(rng.normal(size=(4, 2)))[0]
        assert np.linalg.norm(w - q) <= np.linalg.norm(w - other) + 1e-12


@pytest.mark.parametrize("t", [-0.1, 3.01, math.nan, True, "1"])
def test_a_stage_outside_0_to_3_is_a_config_error(t: Any) -> None:
    x, w, b = block(2, 2)
    with pytest.raises(ConfigError) as info:
        staged(x, w, b, np.tanh, t)
    assert info.value.field == "t"
    with pytest.raises(ConfigError):
        interpolate([x, x, x, x], t)


@pytest.mark.parametrize("norm", ["none", "batch_norm", "layer_norm"])
def test_staged_layer_ends_at_the_layers_true_input_and_output(norm: str) -> None:
    # widths 2 -> 2 -> 3 -> 3 -> 2 -> 1: same, wider, same, narrower and output blocks
    trainer = trained(hidden=[2, 3, 3, 2], norm=norm, activation="tanh")
    points = mesh_lines(5, 9)
    images = layer_images(trainer, points)
    pre = [b["pre"] for b in trainer.model.trace(points.reshape(-1, 2))]
    for layer, dense in enumerate(trainer.model.dense):
        x, y = images[layer], images[layer + 1]
        stage = {t: staged_layer(trainer, layer, points, t) for t in (0, 1, 1.5, 2, 3)}
        assert stage[0].shape == y.shape
        np.testing.assert_allclose(stage[3], y, **EXACT)
        np.testing.assert_allclose(stage[1], x @ dense.params["weight"], **EXACT)
        np.testing.assert_allclose(stage[2].reshape(pre[layer].shape), pre[layer], **EXACT)
        np.testing.assert_allclose(stage[1.5], (stage[1] + stage[2]) / 2, **EXACT)
        if dense.fan_in == dense.fan_out:
            np.testing.assert_allclose(stage[0], x, **EXACT)
        bias = x @ dense.params["weight"] + dense.params["bias"]
        normalised = norm != "none" and layer < 4
        assert np.allclose(stage[2], bias) != normalised  # stage 2 holds the normalisation
    assert [s.shape for s in layer_stages(trainer, 1, points)] == [(10, 9, 3)] * 4


@pytest.mark.parametrize("layer", [-1, 3, 1.0, True])
def test_staged_layer_rejects_a_missing_layer(layer: Any) -> None:
    with pytest.raises(ConfigError) as info:
        staged_layer(make(hidden=[3, 2]), layer, np.zeros((4, 2)), 1.0)
    assert info.value.field == "layer"


# -- the linear probe -------------------------------------------------------------------------


def test_linear_probe_scores_separable_classes_one() -> None:
    x, y = sample("gauss")
    assert linear_probe(x, y, 2) == 1.0
    blobs, labels = sample("blobs", classes=4)
    assert linear_probe(blobs, labels, 4) == 1.0


def test_linear_probe_cannot_cut_xor_until_it_is_lifted() -> None:
    x, y = sample("xor")
    assert 0.5 <= linear_probe(x, y, 2) <= 0.75
    lifted = np.column_stack([x, x[:, 0] * x[:, 1]])
    assert linear_probe(lifted, y, 2) == 1.0


def test_linear_probe_separates_disk_and_ring_once_lifted_by_the_radius() -> None:
    x, y = sample("disk_ring")
    assert linear_probe(x, y, 2) < 0.8
    lifted = np.column_stack([x, np.sum(x * x, axis=1)])
    assert linear_probe(lifted, y, 2) == 1.0


def test_linear_probe_of_a_constant_or_random_representation() -> None:
    y = np.array([0] * 150 + [1] * 100)
    assert linear_probe(np.ones((250, 3)), y, 2) == 0.6  # the largest class's share
    rng = np.random.default_rng(3)
    assert linear_probe(rng.normal(size=(250, 2)), rng.integers(0, 2, 250), 2) < 0.65
    assert math.isnan(linear_probe(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), 2))


def test_linear_probe_is_deterministic_and_probes_wide_layers() -> None:
    x, y = sample("spiral")
    first = linear_probe(x, y, 2)
    assert first == linear_probe(x.copy(), y.copy(), 2)
    assert 0.5 < first < 0.8
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(250, PROBE_MAX_DIMS + 16))
    wide[:, 5] += 20.0 * (2 * y - 1)  # one unit carries the classes (its variance dominates)
    assert linear_probe(wide, y, 2) == 1.0


@pytest.mark.parametrize(("width", "separated"), [(3, True), (2, False)])
def test_separability_shows_disk_and_ring_lifting_apart_only_in_3d(
    width: int, separated: bool
) -> None:
    trainer = trained(300, dataset="disk_ring", hidden=[width], activation="tanh")
    readout = separability(trainer)
    assert readout is not None and len(readout) == 3
    assert readout[0] < 0.8  # the plane: no line cuts a disk from its ring
    assert (readout[1] >= 0.99) == separated  # 3 tanh units lift it; 2 cannot without tearing
    assert len(separability(trainer, "test") or []) == 3


def test_separability_needs_classes() -> None:
    assert separability(make(dataset="plane")) is None
    with pytest.raises(ConfigError):
        separability(make(), "all")


# -- PCA and what a layer shows ---------------------------------------------------------------


def test_pca_finds_orthonormal_directions_by_decreasing_variance() -> None:
    rng = np.random.default_rng(0)
    z = (
        rng.normal(size=(300, 5))
        * [5.0, 3.0, 2.0, 1.0, 0.5]
        @ np.linalg.qr(rng.normal(size=(5, 5)))[0]
    )
    mean, comps = pca(z, 3)
    np.testing.assert_allclose(mean, z.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(comps @ comps.T, np.eye(3), atol=1e-12)
    coords = project(z, mean, comps)
    variances = coords.var(axis=0)
    top = np.sort(np.linalg.eigvalsh(np.cov(z.T, bias=True)))[::-1][:3]
    np.testing.assert_allclose(variances, top, rtol=1e-10)
    np.testing.assert_allclose(coords, (z - z.mean(axis=0)) @ comps.T, atol=1e-12)


def test_pca_signs_make_the_largest_loading_positive() -> None:
    for seed in range(20):
        rng = np.random.default_rng(seed)
        z = rng.normal(size=(100, 4)) @ rng.normal(size=(4, 4))
        _, comps = pca(z, 4)
        rows = np.arange(4)
        assert np.all(comps[rows, np.argmax(np.abs(comps), axis=1)] > 0)
        np.testing.assert_allclose(pca(z[::-1], 4)[1], comps, atol=1e-9)  # order-free


def test_pca_does_not_flip_while_the_points_move_slowly() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(200, 3)) * [4.0, 2.0, 1.0]
    previous = None
    for angle in np.linspace(0.0, 0.6, 30):  # the cloud turns a little between frames
        c, s = math.cos(angle), math.sin(angle)
        z = base @ np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        _, comps = pca(z, 2)
        if previous is not None:
            assert np.all(np.sum(comps * previous, axis=1) > 0.99)
        previous = comps


def test_pca_follows_a_reference_where_two_loadings_swap_rank() -> None:
    """The top direction turns from (0.8, -0.6) to (0.6, -0.8): the largest loading changes
    from the first entry to the second, so the largest-loading rule flips; a reference does not."""
    rng = np.random.default_rng(2)
    base = rng.normal(size=(400, 2)) * [3.0, 0.5]
    fits = []
    for u in ([0.8, -0.6], [0.6, -0.8]):
        u = np.array(u)
        rotation = np.array([u, [-u[1], u[0]]])  # row 0 of the rotation: the top direction
        fits.append(pca(base @ rotation, 1)[1][0])
    assert np.dot(fits[0], fits[1]) < -0.9  # flipped
    z = base @ np.array([[0.6, -0.8], [0.8, 0.6]])
    followed = pca(z, 1, reference=fits[0][None, :])[1][0]
    assert np.dot(fits[0], followed) > 0.9


@pytest.mark.parametrize("k", [0, 4, 2.0])
def test_pca_rejects_a_bad_count(k: Any) -> None:
    with pytest.raises(ConfigError) as info:
        pca(np.zeros((10, 3)), k)
    assert info.value.field == "k"


def test_view_of_narrow_layers_is_the_layer_itself() -> None:
    rng = np.random.default_rng(0)
    for width, label in [(1, "unit 1"), (2, "units 1, 2"), (3, "units 1, 2, 3")]:
        z = rng.normal(size=(10, width))
        coords, got = view_of(z)
        np.testing.assert_array_equal(coords, z)
        assert got == label
    coords, label = view_of(z, (2, 0))
    np.testing.assert_array_equal(coords, z[:, [2, 0]])
    assert label == "units 3, 1"


def test_view_of_a_wide_layer_picks_units_or_a_pca_of_the_data() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 6)) * [3, 2, 1, 1, 1, 1]
    mesh = rng.normal(size=(8, 9, 6))
    coords, label = view_of(mesh, (5, 0, 2))
    np.testing.assert_array_equal(coords, mesh[..., [5, 0, 2]])
    assert label == "units 6, 1, 3"
    fit = pca(data, 2)
    coords, label = view_of(mesh, pca_fit=fit)
    assert coords.shape == (8, 9, 2)
    np.testing.assert_allclose(coords, (mesh - fit[0]) @ fit[1].T, atol=1e-12)
    assert label == "PCA 1, PCA 2 (fitted on the data)"
    assert view_of(mesh, pca_fit=pca(data, 3))[1] == "PCA 1, PCA 2, PCA 3 (fitted on the data)"
    coords, label = view_of(data)
    np.testing.assert_allclose(coords, project(data, *pca(data, 2)), atol=1e-12)
    assert label == "PCA 1, PCA 2 (fitted on these points)"


@pytest.mark.parametrize("dims", [(0,), (0, 1, 2, 3), (1, 1), (0, 6), (-1, 0), (True, 0), "01"])
def test_view_of_rejects_bad_units(dims: Any) -> None:
    with pytest.raises(ConfigError) as info:
        view_of(np.zeros((4, 6)), dims)
    assert info.value.field == "dims"


# -- looking never changes the run ------------------------------------------------------------


def test_looking_never_changes_the_run() -> None:
    changes = {"hidden": [3, 3], "norm": "batch_norm", "dropout": 0.2}
    looked, plain = trained(3, **changes), trained(3, **changes)
    mesh = mesh_lines(8, 8)
    layer_images(looked, mesh)
    staged_layer(looked, 1, mesh, 2.5)
    separability(looked)
    looked.run(3)
    plain.run(3)
    after, expected = looked.model.state_dict(), plain.model.state_dict()
    assert after.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(after[key], expected[key])
