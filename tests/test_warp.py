"""Warping a box onto a regular grid (rasterio.warp / GDAL): target grids, source pixels picked, resampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS, Transformer

from chromagrid.geo.warp import TargetGrid, WarpError, outline, target_grid, warp_arrays

H, W = 60, 80
INDEX = (np.arange(H)[:, None] * 1000 + np.arange(W)[None, :]).astype(np.float32)  # value = row*1000 + col


def _affine_forward(t: Affine):
    return lambda p: np.column_stack([t.a * p[:, 0] + t.b * p[:, 1] + t.c, t.d * p[:, 0] + t.e * p[:, 1] + t.f])


def _cell_centres(grid: TargetGrid) -> np.ndarray:
    cols, rows = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    t = grid.transform
    return np.stack([t.c + t.a * cols, t.f + t.e * rows], axis=-1)  # (h, w, 2)


def _check_picks(warped: np.ndarray, source_pos: np.ndarray, margin: float) -> int:
    """Every target cell whose source position is inside the box and ``margin`` px from a pixel edge
    holds exactly that source pixel's index; cells outside the box are NaN. Returns cells checked."""
    col, row = source_pos[..., 0], source_pos[..., 1]
    inside = (col > 0) & (col < W) & (row > 0) & (row < H)
    clear = (np.abs(col - np.round(col)) > margin) & (np.abs(row - np.round(row)) > margin)
    outside = (col < -margin) | (col > W + margin) | (row < -margin) | (row > H + margin)
    expect = np.floor(row) * 1000 + np.floor(col)
    sure = inside & clear
    np.testing.assert_array_equal(warped[sure], expect[sure])
    assert np.isnan(warped[outside]).all()
    return int(sure.sum())


def test_target_grid_covers_the_footprint_on_aligned_cells():
    t = Affine.translation(1000.0, 5000.0) @ Affine.rotation(20.0) @ Affine.scale(10.0, -10.0)
    grid = target_grid(_affine_forward(t), W, H, None, None, resolution=7.0)
    corners = _affine_forward(t)(outline(W, H))
    left, top = grid.transform.c, grid.transform.f
    right, bottom = left + 7.0 * grid.width, top - 7.0 * grid.height
    assert grid.transform.a == 7.0 and grid.transform.e == -7.0 and grid.crs is None
    for edge in (left, right, top, bottom):  # target-aligned: edges on multiples of the cell size
        assert edge / 7.0 == pytest.approx(round(edge / 7.0), abs=1e-9)
    assert left <= corners[:, 0].min() < left + 7 and right - 7 < corners[:, 0].max() <= right
    assert bottom <= corners[:, 1].min() < bottom + 7 and top - 7 < corners[:, 1].max() <= top


def test_default_resolution_keeps_the_pixel_size():
    t = Affine(250.0, 0, 4_000_000.0, 0, -250.0, 3_000_000.0)
    grid = target_grid(_affine_forward(t), W, H, CRS.from_epsg(3035), CRS.from_epsg(3035))
    assert grid.transform.a == pytest.approx(250.0) and (grid.width, grid.height) == (W, H)
    grid = target_grid(_affine_forward(t), W, H, CRS.from_epsg(3035), CRS.from_epsg(3035), (500.0, 125.0))
    assert (grid.width, grid.height) == (W // 2, H * 2)


def test_bad_resolutions_fail_clearly():
    t = Affine(1.0, 0, 0, 0, -1.0, 0)
    with pytest.raises(WarpError, match="must be positive"):
        target_grid(_affine_forward(t), W, H, None, None, resolution=0.0)
    with pytest.raises(WarpError, match="choose a coarser resolution"):
        target_grid(_affine_forward(t), W, H, None, None, resolution=0.001)


def test_rotated_affine_picks_the_right_source_pixels():
    t = Affine.translation(500.0, 800.0) @ Affine.rotation(30.0) @ Affine.scale(2.0, -2.0)
    grid = target_grid(_affine_forward(t), W, H, None, None, resolution=1.0)  # finer than the pixels
    (warped,) = warp_arrays([INDEX], grid, None, affine=t)
    centres = _cell_centres(grid)
    inv = ~t
    source = np.stack(
        [
            inv.a * centres[..., 0] + inv.b * centres[..., 1] + inv.c,
            inv.d * centres[..., 0] + inv.e * centres[..., 1] + inv.f,
        ],
        axis=-1,
    )
    assert _check_picks(warped, source, margin=0.01) > 0.9 * W * H * 4


def test_a_smooth_nonlinear_transform_warps_exactly():
    """A polynomial mapping, given as a function (GDAL inverts its geolocation arrays): to a hundredth of a pixel."""

    def forward(p):
        c, r = p[:, 0], p[:, 1]
        return np.column_stack([10.0 + 0.1 * c + 0.0002 * c * r, 50.0 - 0.1 * r + 0.0001 * c * c])

    grid = target_grid(forward, W, H, CRS.from_epsg(4326), CRS.from_epsg(4326), resolution=0.05)
    (warped,) = warp_arrays([INDEX], grid, CRS.from_epsg(4326), forward=forward)
    centres = _cell_centres(grid).reshape(-1, 2)
    # invert the known mapping by Newton's method (independently of chromagrid's code)
    p = np.column_stack([(centres[:, 0] - 10.0) / 0.1, (50.0 - centres[:, 1]) / 0.1])
    for _ in range(30):
        c, r = p[:, 0], p[:, 1]
        fx = 10.0 + 0.1 * c + 0.0002 * c * r - centres[:, 0]
        fy = 50.0 - 0.1 * r + 0.0001 * c * c - centres[:, 1]
        j11, j12, j21, j22 = 0.1 + 0.0002 * r, 0.0002 * c, 0.0002 * c, -0.1 + 0 * c
        det = j11 * j22 - j12 * j21
        p = p - np.column_stack([(j22 * fx - j12 * fy) / det, (j11 * fy - j21 * fx) / det])
    source = p.reshape(grid.height, grid.width, 2)
    checked = _check_picks(warped, source, margin=0.01)
    assert checked > 0.9 * np.isfinite(warped).sum()


def test_reprojection_between_crs_picks_the_right_pixels():
    """A 0.5-degree lon/lat box reprojected to EPSG:3035 at 20 km: each cell holds the pixel its centre is in."""
    t = Affine(0.5, 0, -5.0, 0, -0.5, 60.0)  # lon/lat of the box's pixel corners
    grid = target_grid(_affine_forward(t), W, H, CRS.from_epsg(4326), CRS.from_epsg(3035), resolution=20_000)
    (warped,) = warp_arrays([INDEX], grid, CRS.from_epsg(4326), affine=t)
    centres = _cell_centres(grid).reshape(-1, 2)
    lon, lat = Transformer.from_crs(3035, 4326, always_xy=True).transform(centres[:, 0], centres[:, 1])
    source = np.column_stack([(lon + 5.0) / 0.5, (60.0 - lat) / 0.5]).reshape(grid.height, grid.width, 2)
    assert _check_picks(warped, source, margin=0.01) > 0.9 * np.isfinite(warped).sum()


def test_no_data_stays_no_data_and_nearest_invents_nothing():
    source = INDEX.copy()
    source[20:30, 30:50] = np.nan
    t = Affine.rotation(10.0) @ Affine.scale(1.0, -1.0)
    grid = target_grid(_affine_forward(t), W, H, None, None, resolution=0.7)
    (warped,) = warp_arrays([source], grid, None, affine=t)
    values = warped[np.isfinite(warped)]
    assert np.isin(values, INDEX).all()  # every value is one of the source pixels'
    hole = set(INDEX[20:30, 30:50].ravel().tolist())
    assert not hole & set(values.tolist())
    assert np.isnan(warped).sum() > (1 / 0.49) * 200 * 0.8  # the hole (and the corners outside) stay empty


def test_the_users_resampling_is_used():
    """On a ramp, bilinear interpolates between pixels; nearest keeps whole pixel values."""
    ramp = np.tile(np.arange(W, dtype=np.float32) + 0.5, (H, 1))  # value = x of the pixel centre
    t = Affine(1.0, 0, 0, 0, -1.0, 0)
    grid = TargetGrid(Affine(0.25, 0, 10.0, 0, -0.25, -10.0), 160, 80, None)
    (nearest,) = warp_arrays([ramp], grid, None, affine=t, resampling="nearest")
    (bilinear,) = warp_arrays([ramp], grid, None, affine=t, resampling="bilinear")
    x = 10.0 + 0.25 * (np.arange(160) + 0.5)
    np.testing.assert_allclose(bilinear[40], x, atol=1e-4)
    np.testing.assert_array_equal(nearest[40], np.floor(x) + 0.5)
    with pytest.raises(WarpError, match="resampling 'spline'"):
        warp_arrays([ramp], grid, None, affine=t, resampling="spline")


def test_the_two_transforms_rasterio_would_drop_still_warp():
    """rasterio takes (1, 0, 0, 0, -1, 0) for "no georeferencing"; chromagrid routes it another way."""
    t = Affine(1.0, 0, 0, 0, -1.0, 0)
    grid = TargetGrid(Affine(0.5, 0, 10.0, 0, -0.5, -10.0), 40, 40, None)
    (warped,) = warp_arrays([INDEX], grid, None, affine=t)
    centres = _cell_centres(grid)
    source = np.stack([centres[..., 0], -centres[..., 1]], axis=-1)
    assert np.isfinite(warped).all()
    assert _check_picks(warped, source, margin=0.01) == 40 * 40  # centres at x.25 / x.75: none near an edge


def test_crs_on_one_side_only_is_refused():
    t = Affine(1.0, 0, 0, 0, -1.0, 0)
    grid = TargetGrid(Affine(1.0, 0, 0, 0, -1.0, 0), 10, 10, CRS.from_epsg(3035))
    with pytest.raises(WarpError, match="both or neither"):
        warp_arrays([INDEX], grid, None, affine=t)
    assert math.isfinite(grid.transform.a)
