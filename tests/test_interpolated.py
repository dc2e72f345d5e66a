"""The resampled-rendering stage (chromagrid.decode.interpolated) on figures drawn with matplotlib.

Data-stage bilinear ``imshow`` makes every pixel whose stencil touches a masked
cell transparent, so the valid areas lose half a cell along each masked edge.
These tests draw such figures from known arrays (and nearest / unmasked
controls), decode them with chromagrid, and check the stage's spacing, the
coverage of the valid cell centres, that masked cell centres stay empty and
that everything else is left alone.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import pixel_box
from matplotlib.colors import Normalize
from PIL import Image

import chromagrid
from chromagrid.decode.interpolated import (
    grow_margins,
    plain_background,
    restore_margins,
    source_spacing,
)

SHAPE = (24, 30)  # source cells (rows, cols): 15 x 16 px in a 360 x 480 px box
VMIN, VMAX = -1.0, 1.0


class Drawn(NamedTuple):
    value: np.ndarray  # decoded values of the box (decode.margins: off), NaN = no data
    rgb: np.ndarray  # the box's pixels
    data: np.ndarray  # the array drawn (NaN = masked)
    spacing: tuple[float, float]  # true (dy, dx) in pixels
    restored: np.ndarray  # chromagrid.run's values with its default decode.margins: auto


def source_data(masked: bool) -> np.ndarray:
    """A smooth field on SHAPE, with a blob-shaped masked area and a masked corner."""
    y, x = np.mgrid[0 : 1 : SHAPE[0] * 1j, 0 : 1 : SHAPE[1] * 1j]
    f = 0.9 * np.sin(3 * x + 1) * np.cos(2.5 * y) + 0.1 * x
    if masked:
        f[(x - 0.45) ** 2 / 0.05 + (y - 0.5) ** 2 / 0.08 < 1] = np.nan
        f[(x > 0.8) & (y < 0.25)] = np.nan
    return f


def draw(tmp_path, data, interpolation: str, cmap: str = "viridis", coast: bool = True) -> Drawn:
    """Draw ``data`` like a map (frame, coast-like outline, colorbar), decode the box with chromagrid."""
    fig = plt.figure(figsize=(7.0, 4.8), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 480 / 700, 360 / 480))
    stage = {"interpolation_stage": "data"} if interpolation != "nearest" else {}
    im = ax.imshow(
        np.ma.masked_invalid(data),
        cmap=cmap,
        norm=Normalize(VMIN, VMAX),
        interpolation=interpolation,
        extent=(0, SHAPE[1], 0, SHAPE[0]),
        origin="upper",
        aspect="auto",
        **stage,
    )
    if coast and np.isnan(data).any():
        yc, xc = np.mgrid[SHAPE[0] - 0.5 : 0 : -1, 0.5 : SHAPE[1]]
        ax.contour(xc, yc, np.isnan(data).astype(float), levels=[0.5], colors="k", linewidths=0.8)
    fig.colorbar(im, ax=ax)
    box = pixel_box(fig, ax)
    path = tmp_path / f"{interpolation}-{cmap}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    config = {"input": str(path), "box": list(box), "scale": {"cmap": cmap, "vmin": VMIN, "vmax": VMAX}}
    plain = chromagrid.run({**config, "decode": {"margins": "off"}})
    restored = chromagrid.run(config)  # decode.margins: auto
    x0, y0, x1, y1 = box
    rgb = np.asarray(Image.open(path).convert("RGB"))[y0:y1, x0:x1]
    return Drawn(
        plain.grid["value"].values,
        np.ascontiguousarray(rgb),
        data,
        ((y1 - y0) / SHAPE[0], (x1 - x0) / SHAPE[1]),
        restored.grid["value"].values,
    )


def at_centres(value: np.ndarray) -> np.ndarray:
    """``value`` sampled at the source cells' centre pixels."""
    rows = np.floor((np.arange(SHAPE[0]) + 0.5) * value.shape[0] / SHAPE[0]).astype(int)
    cols = np.floor((np.arange(SHAPE[1]) + 0.5) * value.shape[1] / SHAPE[1]).astype(int)
    return value[rows[:, None], cols[None, :]]


@pytest.fixture(scope="module")
def bilinear(tmp_path_factory) -> Drawn:
    return draw(tmp_path_factory.mktemp("bilinear"), source_data(masked=True), "bilinear")


def background_of(drawn: Drawn) -> np.ndarray:
    return plain_background(drawn.rgb, ~np.isfinite(drawn.value))


def test_spacing_of_bilinear_map_is_the_source_cell(bilinear):
    spacing = source_spacing(bilinear.value, background_of(bilinear))
    assert spacing is not None
    assert spacing[0] == pytest.approx(bilinear.spacing[0], rel=0.02)
    assert spacing[1] == pytest.approx(bilinear.spacing[1], rel=0.02)


def test_margins_restore_coverage_without_false_fills(bilinear):
    valid = np.isfinite(bilinear.data)
    before = np.isfinite(at_centres(bilinear.value))
    restored = restore_margins(bilinear.value, bilinear.rgb)
    assert np.array_equal(bilinear.restored, restored, equal_nan=True)  # what chromagrid.run gives by default
    after = at_centres(restored)
    assert before[valid].mean() < 0.95  # the half-cell erosion is there to undo
    assert np.isfinite(after[valid]).mean() >= 0.98
    assert not np.isfinite(after[~valid]).any()  # masked cells' centres stay empty
    error = np.abs(after - bilinear.data)[valid & np.isfinite(after)]
    assert np.sqrt(np.mean(error**2)) < 0.01 * (VMAX - VMIN)


def test_known_values_are_kept(bilinear):
    restored = restore_margins(bilinear.value, bilinear.rgb)
    decoded = np.isfinite(bilinear.value)
    assert np.array_equal(restored[decoded], bilinear.value[decoded])


@pytest.mark.parametrize("cmap", ["magma", "turbo", "cividis"])
def test_other_colormaps(tmp_path, cmap):
    drawn = draw(tmp_path, source_data(masked=True), "bilinear", cmap=cmap)
    valid = np.isfinite(drawn.data)
    after = at_centres(restore_margins(drawn.value, drawn.rgb))
    assert np.isfinite(after[valid]).mean() >= 0.98
    assert not np.isfinite(after[~valid]).any()


def test_nearest_rendering_is_left_alone(tmp_path):
    drawn = draw(tmp_path, source_data(masked=True), "nearest")
    assert source_spacing(drawn.value, background_of(drawn)) is None
    assert np.array_equal(restore_margins(drawn.value, drawn.rgb), drawn.value, equal_nan=True)


def test_field_without_masks_is_left_alone(tmp_path):
    drawn = draw(tmp_path, source_data(masked=False), "bilinear")
    assert np.array_equal(restore_margins(drawn.value, drawn.rgb), drawn.value, equal_nan=True)


def test_growth_reaches_half_a_cell_along_each_axis():
    value = np.full((40, 40), np.nan)
    value[:20, :20] = 1.0
    grown = grow_margins(value, np.isnan(value), (10.0, 6.0))
    assert np.isfinite(grown[:20, :23]).all() and np.isnan(grown[:20, 23:]).all()  # 3 px along rows
    assert np.isfinite(grown[:25, :23]).all() and np.isnan(grown[25:]).all()  # 5 px along columns, corner too


def test_growth_never_crosses_lines_or_grows_thin_data():
    value = np.full((30, 40), np.nan)
    value[:, :15] = 2.0
    value[:, 20] = 5.0  # a 1 px line decoded as data: not a data area
    background = np.isnan(value)
    background[:, 17] = False  # a 1 px line of another colour
    grown = grow_margins(value, background, (8.0, 8.0))
    assert np.all(grown[:, 15:17] == 2.0)  # up to the line
    assert np.isnan(grown[:, 18:20]).all() and np.isnan(grown[:, 21:]).all()  # nothing beyond it, none from the line


def test_plain_background_is_not_the_frame():
    rgb = np.full((60, 60, 3), 255, np.uint8)
    rgb[:2], rgb[-2:], rgb[:, :2], rgb[:, -2:] = 0, 0, 0, 0  # black frame
    nodata = np.ones((60, 60), bool)
    nodata[10:30, 10:50] = False  # data
    rgb[10:30, 10:50] = (40, 120, 200)
    background = plain_background(rgb, nodata)
    assert background[40:55, 5:55].all()
    assert not background[:2].any() and not background[10:30, 10:50].any()
