"""Reduce stage: gradient mask, clusters (both paths), snapped centroids, error-bounded search.

Figures are drawn with matplotlib from known arrays: a Voronoi map of 200
stations (each pixel shows its nearest station's value, drawn with imshow
nearest at one array cell per pixel) and smooth fields, so every expected
value and location is known without chromagrid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import draw_figure, smooth_field
from matplotlib.colors import Normalize
from scipy import ndimage
from scipy.spatial import cKDTree

import chromagrid
from chromagrid import ConfigError, Reduce
from chromagrid.config import validate_config
from chromagrid.reduce.cluster import (
    canonical_labels,
    gradient_mask,
    label_components,
    label_dbscan,
    neighbourhood,
    reduce_field,
    value_levels,
)
from chromagrid.scale.colorscale import from_colormap

WIDTH, HEIGHT, N_STATIONS = 220, 180, 200


def stations(seed: int = 3, n: int = N_STATIONS, min_gap: float = 7.0):
    """Station positions (col, row) at least ``min_gap`` pixels apart, and a distinct viridis colour value each."""
    rng = np.random.default_rng(seed)
    pos = []
    while len(pos) < n:
        p = rng.uniform([2, 2], [WIDTH - 2, HEIGHT - 2])
        if all(math.dist(p, q) >= min_gap for q in pos):
            pos.append(p)
    # values at the centres of distinct 8-bit colours of viridis: each decodes back exactly
    centres = from_colormap("viridis", "linear", 0.0, 1.0).centre
    values = rng.choice(centres, size=n, replace=False)
    return np.array(pos), values


@pytest.fixture(scope="module")
def voronoi(tmp_path_factory):
    """A Voronoi map of 200 stations: (figure path, owner station per pixel, station values, positions)."""
    pos, values = stations()
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    _, owner = cKDTree(pos).query(np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5]))
    owner = owner.reshape(HEIGHT, WIDTH)
    fig = draw_figure(
        tmp_path_factory.mktemp("voronoi"),
        values[owner],
        "viridis",
        Normalize(0.0, 1.0),
        size=(WIDTH, HEIGHT),
        axes=(0, 0, 1, 1),
        colorbar=None,
    )
    assert fig.box == (0, 0, WIDTH, HEIGHT)
    return fig.path, owner, values, pos


@pytest.fixture(scope="module")
def smooth(tmp_path_factory):
    """A smooth field drawn at one cell per pixel (160 x 120), with a frame-free box: (path, data)."""
    data = smooth_field(120, 160, 0.0, 1.0)
    fig = draw_figure(
        tmp_path_factory.mktemp("smooth"),
        data,
        "viridis",
        Normalize(0.0, 1.0),
        size=(160, 120),
        axes=(0, 0, 1, 1),
        colorbar=None,
    )
    return fig.path, data


@pytest.fixture(scope="module")
def framed(tmp_path_factory):
    """A figure with axes, frame, ticks and colorbar around a coarse field (NaN pixels on the frame)."""
    data = smooth_field(12, 16, 0.0, 0.7)
    data[4:6, 5:9] = np.nan
    fig = draw_figure(tmp_path_factory.mktemp("framed"), data, "viridis", Normalize(0.0, 0.7), frame=True)
    return fig


# --------------------------------------------------------------------------- gradient mask
def test_gradient_mask_rules_for_edges_and_no_data():
    nan = np.nan
    value = np.array(
        [
            [1.0, 1.0, 1.0, 2.0],
            [1.0, 1.0, 1.0, 2.0],
            [nan, 1.0, 3.0, 2.0],
        ]
    )
    kept = gradient_mask(value, 0.0)
    # (0, 0): edge corner, neighbours right and below equal -> kept; (1, 0): left edge, its neighbour below
    # is no data, which is not compared -> kept; (2, 1): left neighbour no data, right neighbour differs ->
    # not kept; (2, 3): bottom-right edge pixel, above (2.0) equal but left (3.0) differs -> not kept;
    # column 3 rows 0-1: left neighbour differs
    expected = np.array(
        [
            [True, True, False, False],
            [True, True, False, False],
            [False, False, False, False],
        ]
    )
    assert np.array_equal(kept, expected)
    # a tolerance of 1 keeps pixels whose neighbours differ by at most 1; no data is never kept
    kept1 = gradient_mask(value, 1.0)
    expected1 = np.array(
        [
            [True, True, True, True],
            [True, True, False, True],
            [False, False, False, True],
        ]
    )
    assert np.array_equal(kept1, expected1)


def test_gradient_mask_keeps_a_pixel_whose_only_neighbours_are_no_data():
    value = np.full((3, 3), np.nan)
    value[1, 1] = 5.0
    assert np.array_equal(gradient_mask(value), np.isfinite(value))


def test_neighbourhood_of_eps():
    assert neighbourhood(0.5) == 0
    assert neighbourhood(1.0) == 1 and neighbourhood(1.4) == 1
    assert neighbourhood(math.sqrt(2)) == 2 and neighbourhood(1.5) == 2 and neighbourhood(1.99) == 2
    with pytest.raises(chromagrid.ChromagridError, match="method: dbscan"):
        neighbourhood(2.0)


# --------------------------------------------------------------------------- clusters
def test_plateaus_of_different_values_touching_diagonally_stay_apart():
    """A 1-pixel diagonal line of no data separates two plateaus whose pixels touch across it diagonally."""
    diagonal = np.add.outer(np.arange(6), np.arange(6))
    value = np.where(diagonal < 5, 1.0, 2.0)
    value[diagonal == 5] = np.nan
    kept = gradient_mask(value)
    # clustering on position alone (8 neighbours) joins the two plateaus across the line
    assert ndimage.label(kept, structure=np.ones((3, 3)))[1] == 1
    reduction = reduce_field(value, Reduce(eps=1.5))
    assert sorted(reduction.points["value"]) == [1.0, 2.0]
    dbscan = reduce_field(value, Reduce(eps=1.5, method="dbscan"))
    assert np.array_equal(canonical_labels(reduction.labels), canonical_labels(dbscan.labels))


@pytest.mark.parametrize("eps", [0.9, 1.0, 1.5, 1.9])
@pytest.mark.parametrize("gradient_tol", [0.0, 0.02])
def test_components_and_dbscan_give_identical_clusters_on_real_figures(voronoi, smooth, framed, eps, gradient_tol):
    for path, box, vmax in ((voronoi[0], None, 1.0), (smooth[0], None, 1.0), (framed.path, framed.box, 0.7)):
        result = chromagrid.digitize(path, cmap="viridis", vmin=0.0, vmax=vmax, box=box)
        value = result.grid["value"].values
        fast = reduce_field(value, Reduce(eps=eps, gradient_tol=gradient_tol, method="components"))
        slow = reduce_field(value, Reduce(eps=eps, gradient_tol=gradient_tol, method="dbscan"))
        assert fast.method == "components" and slow.method == "dbscan"
        assert len(fast.points) > 10
        assert np.array_equal(canonical_labels(fast.labels), canonical_labels(slow.labels)), (path, eps)
        assert slow.n_noise == 0
        assert (
            fast.points.sort_values(["row", "col"])
            .reset_index(drop=True)[["row", "col", "value", "n_pixels"]]
            .equals(slow.points.sort_values(["row", "col"]).reset_index(drop=True)[["row", "col", "value", "n_pixels"]])
        )


def test_components_and_dbscan_agree_with_thinning(voronoi):
    value = chromagrid.digitize(voronoi[0], cmap="viridis", vmin=0.0, vmax=1.0).grid["value"].values
    fast = reduce_field(value, Reduce(thin=8))
    slow = reduce_field(value, Reduce(thin=8, method="dbscan"))
    assert np.array_equal(canonical_labels(fast.labels), canonical_labels(slow.labels))
    assert len(fast.points) > 2 * N_STATIONS  # plateaus split along the 8-pixel grid
    rows, cols = np.nonzero(fast.labels)
    labels = fast.labels[rows, cols]
    blocks = (rows // 8) * 1000 + cols // 8
    # every cluster lies inside one block
    assert all(np.unique(blocks[labels == k]).size == 1 for k in np.unique(labels)[:200])


def test_dbscan_noise_is_dropped_and_counted():
    value = np.zeros((20, 20))
    value[2:8, 2:8] = 1.0  # a 6x6 plateau: its 4x4 interior is kept
    value[0:20, 12] = np.nan
    # small plateaus fenced by no data (never compared), so all their pixels are kept:
    value[14:17, 14:17] = np.nan
    value[15, 15] = 2.0  # one pixel
    value[14:17, 3:8] = np.nan
    value[15, 4:6] = 3.0  # two pixels
    levels = value_levels(value, gradient_mask(value))
    labels, n, n_noise = label_dbscan(levels, eps=1.5, min_samples=3)
    # with min_samples 3 a pixel needs 2 kept neighbours of its level within 1.5 px to be a core point: the
    # one- and two-pixel plateaus are noise, nothing else is
    assert n_noise == 3
    assert labels[15, 15] == 0 and labels[15, 4] == 0 and labels[15, 5] == 0
    assert labels[4, 4] > 0 and labels[0, 0] > 0
    result = reduce_field(value, Reduce(min_samples=3))
    assert result.method == "dbscan" and result.n_noise == 3
    assert not result.points["value"].isin([2.0, 3.0]).any()
    assert result.points["value"].isin([0.0, 1.0]).all()
    # with min_samples 1 they are clusters of their own
    assert reduce_field(value, Reduce()).points["value"].isin([2.0, 3.0]).sum() == 2


def test_eps_below_one_makes_every_kept_pixel_a_cluster(smooth):
    value = chromagrid.digitize(smooth[0], cmap="viridis", vmin=0.0, vmax=1.0).grid["value"].values
    reduction = reduce_field(value, Reduce(eps=0.5))
    assert len(reduction.points) == reduction.n_kept == int(gradient_mask(value).sum())
    assert (reduction.points["n_pixels"] == 1).all()


def test_label_components_matches_position_only_labelling_when_levels_never_touch():
    levels = np.full((5, 5), -1, np.int64)
    levels[0:2, 0:2] = 7
    levels[3:5, 3:5] = 9
    labels, n = label_components(levels, 2)
    assert n == 2 and labels[0, 0] != labels[4, 4] and labels[2, 2] == 0


# --------------------------------------------------------------------------- points
def test_ring_plateau_point_lies_on_the_ring():
    rows, cols = np.mgrid[0:41, 0:41]
    r = np.hypot(rows - 20, cols - 20)
    value = np.where((r >= 10) & (r <= 16), 0.5, 0.2)
    reduction = reduce_field(value, Reduce())
    ring = reduction.points[reduction.points["value"] == 0.5]
    assert len(ring) == 1
    row, col = int(ring["row"].iloc[0]), int(ring["col"].iloc[0])
    assert 10 <= math.hypot(row - 20, col - 20) <= 16  # on the ring, not at its centre (20, 20)
    # snapped to the member nearest the centroid (the ring's centroid is (20, 20)): inner edge of the ring
    kept_ring = gradient_mask(value) & (value == 0.5)
    nearest = np.min(np.hypot(*np.nonzero(kept_ring) - np.array([[20], [20]])))
    assert math.isclose(math.hypot(row - 20, col - 20), nearest)


def test_voronoi_map_gives_back_every_station(voronoi):
    path, owner, values, pos = voronoi
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0.0, vmax=1.0, reduce=Reduce(gradient_tol=0.0, eps=1.5, min_samples=1)
    )
    decoded = result.grid["value"].values
    assert np.allclose(decoded, values[owner], atol=1e-6)  # the figure decodes exactly
    points = result.points
    assert list(points.columns[:5]) == ["x", "y", "value", "n_pixels", "cluster"]
    assert len(points) == N_STATIONS
    for s in range(N_STATIONS):
        mine = points[np.isclose(points["value"], values[s], atol=1e-6)]
        assert len(mine) == 1, f"station {s}"
        row, col = int(mine["row"].iloc[0]), int(mine["col"].iloc[0])
        assert owner[row, col] == s  # inside its own plateau
        assert mine["n_pixels"].iloc[0] <= (owner == s).sum()
    # unreferenced: x, y are the image's pixel indices of the point
    assert np.array_equal(points["x"], points["col"]) and np.array_equal(points["y"], points["row"])
    assert result.checks["points"] == N_STATIONS
    assert result.checks["reduction_ratio"] == pytest.approx(N_STATIONS / (WIDTH * HEIGHT))


def test_points_get_world_coordinates_when_georeferenced(voronoi):
    path, owner, values, _ = voronoi
    extent = (-20.0, 35.0, 30.0, 75.0)  # left right bottom top
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0.0, vmax=1.0, extent=extent, crs="EPSG:4326", reduce=Reduce()
    )
    p = result.points
    left, right, bottom, top = extent
    assert np.allclose(p["x"], left + (p["col"] + 0.5) * (right - left) / WIDTH)
    assert np.allclose(p["y"], top - (p["row"] + 0.5) * (top - bottom) / HEIGHT)


# --------------------------------------------------------------------------- error-bounded search
def test_error_bounded_reduction_meets_its_target_on_the_voronoi_map(voronoi):
    path, owner, values, _ = voronoi
    result = chromagrid.digitize(path, cmap="viridis", vmin=0.0, vmax=1.0, reduce=Reduce(target_rmse_percent=0.5))
    checks = result.checks
    assert checks["reconstruction"]["rmse_percent"] <= 0.5
    # checked independently: rebuild error against the drawn array itself
    rebuilt = result.reconstruction.values
    rmse = np.sqrt(np.mean((rebuilt - values[owner]) ** 2))
    assert 100 * rmse <= 0.5
    search = checks["search"]
    assert search["met"] and search["target_rmse_percent"] == 0.5
    curve = search["curve"]
    assert len(curve) >= 2 and sum(c["chosen"] for c in curve) == 1
    chosen = next(c for c in curve if c["chosen"])
    assert chosen["points"] == len(result.points) == checks["points"]
    # the fewest points among the steps that met the target
    assert chosen["points"] == min(c["points"] for c in curve if c["met"])
    assert len(result.points) < 0.5 * WIDTH * HEIGHT
    # one point per station cannot meet it (the stations are not the plateaus' centroids): the search thinned
    assert len(result.points) > N_STATIONS


def test_error_bounded_reduction_meets_its_target_on_a_smooth_field(tmp_path):
    data = smooth_field(30, 40, 0.0, 1.0)
    fig = draw_figure(
        tmp_path,
        data,
        "viridis",
        Normalize(0.0, 1.0),
        size=(200, 150),
        axes=(0, 0, 1, 1),
        colorbar=None,
        interpolation="bilinear",
    )
    result = chromagrid.digitize(
        fig.path, cmap="viridis", vmin=0.0, vmax=1.0, reduce=Reduce(target_rmse_percent=0.5, reconstruct="linear")
    )
    checks = result.checks
    assert checks["reconstruction"]["method"] == "linear"
    assert checks["search"]["met"]
    assert checks["reconstruction"]["rmse_percent"] <= 0.5
    rebuilt = result.reconstruction.values
    decoded = result.grid["value"].values
    assert 100 * np.sqrt(np.nanmean((rebuilt - decoded) ** 2)) <= 0.5
    assert checks["reduction_ratio"] < 0.5
    # the points' values are the decoded field's at their pixels, to within the gradient tolerance the
    # search chose (a cluster's value is its members' mean; exact when the tolerance is 0 or None)
    p = result.points
    tol = checks["clustering"]["gradient_tol"] or 0.0
    assert np.max(np.abs(p["value"] - decoded[p["row"], p["col"]])) <= tol + 1e-6


def test_search_reports_when_the_target_cannot_be_met(smooth, monkeypatch):
    """Only exact plateaus (gradient_tol 0): the pixels between them stay without a point of their own."""
    import chromagrid.reduce.cluster as reduce_module

    monkeypatch.setattr(reduce_module, "SEARCH_TOL_FACTORS", (0.0,))
    path, _ = smooth
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0.0, vmax=1.0, reduce=Reduce(target_rmse_percent=0.001, reconstruct="nearest")
    )
    assert not result.checks["search"]["met"]
    assert not any(c["met"] for c in result.checks["search"]["curve"])
    assert not result.checks["within_tolerance"]
    assert any("no setting tried met the target" in m for m in result.checks["exceeded"])
    # the closest setting is the one returned
    chosen = next(c for c in result.checks["search"]["curve"] if c["chosen"])
    assert chosen["rmse_percent"] == min(c["rmse_percent"] for c in result.checks["search"]["curve"])


# --------------------------------------------------------------------------- config
@pytest.mark.parametrize(
    "reduce, message",
    [
        ({"method": "components", "eps": 3.0}, "method: components needs"),
        ({"target_rmse_percent": 0.5, "thin": 8}, "remove thin"),
        ({"eps": 0}, "reduce.eps"),
        ({"gradient_tl": 0.1}, "reduce.gradient_tl: unknown key"),
        ({"reconstruct": "spline"}, "reduce.reconstruct"),
    ],
)
def test_bad_reduce_settings_fail_at_config_time(reduce, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({"input": "x.png", "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}, "reduce": reduce})
