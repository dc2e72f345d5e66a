"""Gridlines drawn over the data (ggplot-like styles): found at the ticks, interpolated across, tiled alike."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import pixel_box  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

import chromagrid  # noqa: E402
from chromagrid import pipeline, tiles  # noqa: E402
from chromagrid.config import validate_config  # noqa: E402
from chromagrid.decode.frame import find_frame  # noqa: E402
from chromagrid.decode.gridlines import Gridlines, find_gridlines  # noqa: E402
from chromagrid.io.image import read_image  # noqa: E402
from chromagrid.scale.colorscale import from_colormap  # noqa: E402

SHAPE = (40, 50)


def known_field() -> np.ndarray:
    y, x = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    return 0.5 + 0.4 * np.sin(x / 6.0) * np.cos(y / 8.0)


def draw(tmp_path, style: str, cmap: str = "Greys", name: str = "figure.png"):
    """``known_field`` drawn with imshow in a style; returns the path, the box and the gridlines' pixel rows
    and columns in the box, from matplotlib's own transforms."""
    with plt.style.context(style):
        fig = plt.figure(figsize=(5, 4), dpi=100)
        ax = fig.add_axes((0.12, 0.12, 0.7, 0.75))
        ax.imshow(known_field(), cmap=cmap, norm=Normalize(0, 1), interpolation="nearest", aspect="auto")
        box = pixel_box(fig, ax)
        height = fig.canvas.get_width_height()[1]
        rows = [
            height - ax.transData.transform((0, t))[1] - box[1] for t in ax.get_yticks() if -0.5 < t < SHAPE[0] - 0.5
        ]
        cols = [ax.transData.transform((t, 0))[0] - box[0] for t in ax.get_xticks() if -0.5 < t < SHAPE[1] - 0.5]
        path = tmp_path / name
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return path, box, rows, cols


def at_cell_centres(value: np.ndarray) -> np.ndarray:
    h, w = value.shape
    rows = np.floor((np.arange(SHAPE[0]) + 0.5) * h / SHAPE[0]).astype(int)
    cols = np.floor((np.arange(SHAPE[1]) + 0.5) * w / SHAPE[1]).astype(int)
    return value[rows[:, None], cols[None, :]]


@pytest.mark.parametrize("style", ["ggplot", "seaborn-v0_8"])
def test_gridlines_are_found_at_the_ticks(tmp_path, style):
    path, box, rows, cols = draw(tmp_path, style)
    found = find_gridlines(read_image(path).rgb, box, from_colormap("Greys", "linear", 0, 1))
    assert rows and cols
    for expected, lines in ((rows, found.rows), (cols, found.cols)):
        for line in expected:
            assert min(abs(line - f) for f in lines) <= 1.5
        assert len(lines) <= 4 * len(expected)  # each a line or two and its blended edges, nothing else


def test_values_under_gridlines_are_interpolated_not_decoded(tmp_path):
    """White gridlines over Greys decode as its lowest value; interpolated across, the cells come back."""
    path, box, _, _ = draw(tmp_path, "ggplot")
    config = {"input": str(path), "box": list(box), "scale": {"cmap": "Greys", "vmin": 0, "vmax": 1}}
    fixed = at_cell_centres(chromagrid.run(config).grid["value"].values) - known_field()
    kept = at_cell_centres(chromagrid.run({**config, "decode": {"overlays": "keep"}}).grid["value"].values)
    assert np.isfinite(fixed).all()
    assert np.abs(fixed).max() < 0.02
    assert np.abs(kept - known_field()).max() > 0.3


def test_no_gridlines_in_default_style_or_across_masked_bands(tmp_path):
    viridis = from_colormap("viridis", "linear", 0, 1)
    path, box, _, _ = draw(tmp_path, "default", cmap="viridis")
    assert not find_gridlines(read_image(path).rgb, box, viridis)
    y, x = np.mgrid[0:120, 0:160]
    rgb = np.stack([(x * 1.5).astype(np.uint8), (y * 2).astype(np.uint8), np.full(x.shape, 90, np.uint8)], -1)
    rgb[40:70] = 255  # a band of background, 30 rows: masked data, not a line
    assert not find_gridlines(rgb, (0, 0, 160, 120), viridis)
    field = (np.sin(x / 17.0) * np.cos(y / 23.0) + 1) / 2  # one value all along the zero lines of sin and cos
    path = tmp_path / "zero_lines.png"
    plt.imsave(path, field, cmap="magma", vmin=0, vmax=1)
    assert not find_gridlines(read_image(path).rgb, (0, 0, 160, 120), from_colormap("magma", "linear", 0, 1))


def test_fill_interpolates_across_rows_then_columns():
    grid = np.add.outer(np.arange(8.0), 10 * np.arange(6.0))
    holed = grid.copy()
    holed[3] = np.nan
    holed[:, 2] = np.nan
    filled = Gridlines(rows=(3,), cols=(2,)).fill(holed)
    assert np.allclose(filled, grid)  # a plane: linear interpolation is exact


@pytest.mark.parametrize("overlays", ["fill", "mask"])
def test_tiled_decode_handles_gridlines_as_the_untiled_one(tmp_path, overlays):
    path, box, _, _ = draw(tmp_path, "ggplot", cmap="magma")
    image = read_image(path)
    x0, y0, x1, y1 = box
    cfg = validate_config(
        {"input": str(path), "scale": {"cmap": "magma", "vmin": 0, "vmax": 1}, "decode": {"overlays": overlays}}
    )
    scale = from_colormap("magma", "linear", 0, 1)
    gridlines = find_gridlines(image.rgb, box, scale)
    assert gridlines
    whole = pipeline.decode_box(
        cfg, image.rgb[y0:y1, x0:x1], scale, frame=find_frame(image.rgb, box), gridlines=gridlines
    )
    tiled = tiles.decode_tiled(tiles.TiledImage.from_arrays(image.rgb), scale, cfg, box, tile=37)
    assert np.array_equal(tiled.value.compute(), whole.value, equal_nan=True)
