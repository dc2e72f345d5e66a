"""Cell heat maps: grid detection and one value per cell, on figures drawn here from known arrays.

Every expected value is the array that was drawn (seaborn.heatmap or
matplotlib imshow/pcolormesh), never an output of chromagrid itself.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
import xarray as xr  # noqa: E402
from conftest import pixel_box  # noqa: E402
from PIL import Image  # noqa: E402

import chromagrid  # noqa: E402
from chromagrid.heatmap.cells import CellsError, GridNotFoundError  # noqa: E402

RNG = np.random.default_rng(5)


def draw_heatmap(
    tmp_path,
    data,
    *,
    cmap="viridis",
    vmin=0.0,
    vmax=1.0,
    annot=False,
    linewidths=0.0,
    linecolor="white",
    square=False,
    mask=None,
    fmt="png",
    quality=90,
    size=(4.0, 3.0),
    dpi=100,
    name="heatmap",
    cbar=True,
):
    """Draw ``data`` with seaborn.heatmap; return (path, pixel box of the cells)."""
    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    sns.heatmap(
        data,
        ax=ax,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        annot=annot,
        fmt=".2f",
        linewidths=linewidths,
        linecolor=linecolor,
        square=square,
        mask=mask,
        cbar=cbar,
        annot_kws={"fontsize": 7},
    )
    box = pixel_box(fig, ax)
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    if fmt == "jpeg":
        jpeg = tmp_path / f"{name}.jpg"
        Image.open(path).convert("RGB").save(jpeg, quality=quality)
        path = jpeg
    return path, box


def within(found, truth, span, share=1.0, tol=0.01):
    """Whether at least ``share`` of the truth's cells are matched within ``tol`` of the range."""
    found, truth = np.asarray(found, float), np.asarray(truth, float)
    assert found.shape == truth.shape
    ok = np.abs(found - truth) <= tol * span
    return ok.mean() >= share


# --------------------------------------------------------------------------- seaborn heat maps, box and grid found
@pytest.mark.parametrize("annot", [False, True])
def test_seaborn_plain_and_annotated(tmp_path, annot):
    data = RNG.random((6, 8))
    path, box = draw_heatmap(tmp_path, data, annot=annot, size=(5.0, 3.6))
    result = chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1)
    assert result.shape == (6, 8)
    assert np.allclose(result.matrix.values, data, atol=0.01)
    assert all(abs(a - b) <= 2 for a, b in zip(result.box, box))
    assert result.matrix.dims == ("row", "col")
    assert result.n_empty == 0


@pytest.mark.parametrize("linecolor", ["white", "black", "grey"])
def test_gridlines_of_any_colour_are_found_and_left_out(tmp_path, linecolor):
    data = RNG.random((5, 7))
    path, box = draw_heatmap(
        tmp_path, data, cmap="magma", linewidths=2, linecolor=linecolor, annot=True, size=(5.0, 3.6)
    )
    result = chromagrid.cells(path, cmap="magma", vmin=0, vmax=1)
    assert result.shape == (5, 7)
    assert np.allclose(result.matrix.values, data, atol=0.01)
    lines = result.grid.lines
    assert lines.found
    expected = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128)}[linecolor]
    assert max(abs(a - b) for a, b in zip(lines.color, expected)) <= 3
    assert 1.5 <= lines.x_width <= 5


def test_square_cells_and_neighbours_sharing_colours(tmp_path):
    data = np.repeat(RNG.integers(0, 4, (4, 9)), 1, axis=0).astype(float)  # few values: many equal neighbours
    data[:, 3] = data[:, 4]
    path, _ = draw_heatmap(tmp_path, data, cmap="rocket", vmin=0, vmax=3, square=True, size=(5.0, 3.0))
    result = chromagrid.cells(path, cmap="rocket", vmin=0, vmax=3)  # plain seaborn name
    assert result.shape == (4, 9)
    assert np.allclose(result.matrix.values, data, atol=0.03)
    boxes = result.cell_boxes
    widths, heights = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    assert np.ptp(widths) <= 1 and abs(np.median(widths) - np.median(heights)) <= 1  # square


def test_non_square_cells_and_small_grid(tmp_path):
    data = RNG.random((3, 3)) * 10 - 5
    path, _ = draw_heatmap(tmp_path, data, cmap="coolwarm", vmin=-5, vmax=5, annot=True, size=(5.0, 2.5))
    result = chromagrid.cells(path, cmap="coolwarm", vmin=-5, vmax=5)
    assert result.shape == (3, 3)
    assert within(result.matrix.values, data, 10)
    boxes = result.cell_boxes
    assert (boxes[..., 2] - boxes[..., 0]).mean() > 1.3 * (boxes[..., 3] - boxes[..., 1]).mean()


def test_fifty_by_fifty(tmp_path):
    data = RNG.random((50, 50))
    path, _ = draw_heatmap(tmp_path, data, cmap="plasma", size=(6.4, 5.6), dpi=100)
    result = chromagrid.cells(path, cmap="plasma", vmin=0, vmax=1)
    assert result.shape == (50, 50)
    assert within(result.matrix.values, data, 1.0, share=0.99)


@pytest.mark.parametrize("annot", [False, True])
def test_jpeg(tmp_path, annot):
    data = RNG.random((6, 7))
    path, _ = draw_heatmap(tmp_path, data, cmap="mako", annot=annot, fmt="jpeg", quality=75, size=(5.0, 3.6))
    result = chromagrid.cells(path, cmap="mako", vmin=0, vmax=1)
    assert result.shape == (6, 7)
    assert within(result.matrix.values, data, 1.0, share=0.97)
    assert np.nanmedian(result.distances) > 0  # JPEG colours are off the table: the distance says so


def test_masked_cells_are_nan_and_counted(tmp_path):
    corr = np.corrcoef(RNG.normal(size=(40, 6)).T)
    mask = np.triu(np.ones_like(corr, bool), k=1)
    path, _ = draw_heatmap(tmp_path, corr, cmap="RdBu_r", vmin=-1, vmax=1, mask=mask, annot=True, size=(5, 4))
    result = chromagrid.cells(path, cmap="RdBu_r", vmin=-1, vmax=1)
    assert result.shape == (6, 6)
    values = result.matrix.values
    assert np.array_equal(np.isnan(values), mask)
    assert np.allclose(values[~mask], corr[~mask], atol=0.02)
    assert result.n_background == mask.sum() and result.n_empty == 0


def test_cells_without_usable_pixels_are_nan_and_counted(tmp_path):
    data = RNG.random((4, 6))
    data[1, 2] = data[3, 5] = np.nan
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="magenta")  # far from every viridis colour
    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=100)
    ax.imshow(data, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    path = tmp_path / "bad.png"
    fig.savefig(path)
    plt.close(fig)
    result = chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1)
    assert result.shape == (4, 6)
    values = result.matrix.values
    assert np.array_equal(np.isnan(values), np.isnan(data))
    assert np.allclose(values[~np.isnan(data)], data[~np.isnan(data)], atol=0.01)
    assert result.n_empty == 2 and result.pixel_counts[1, 2] == 0


def test_imshow_with_frame_and_background_coloured_edge(tmp_path):
    # Greys: 0 is white like the background, and the whole first column is 0
    data = RNG.integers(1, 16, (6, 10)).astype(float)
    data[:, 0] = 0
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    im = ax.imshow(data, cmap="Greys", vmin=0, vmax=16, interpolation="nearest")
    fig.colorbar(im)
    box = pixel_box(fig, ax)
    path = tmp_path / "imshow.png"
    fig.savefig(path)
    plt.close(fig)
    result = chromagrid.cells(path, cmap="Greys", vmin=0, vmax=16)
    assert result.shape == (6, 10)
    assert np.allclose(result.matrix.values, data, atol=0.16)
    assert all(abs(a - b) <= 2 for a, b in zip(result.box, box))


def test_unequal_cells(tmp_path):
    x_edges = np.array([0, 1.3, 3.1, 4.4, 6.8, 8.2, 10.0])
    y_edges = np.array([0, 2.2, 3.1, 5.7, 7.0])
    data = RNG.random((4, 6))
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    ax.pcolormesh(x_edges, y_edges, data, cmap="viridis", vmin=0, vmax=1)
    ax.set_xlim(0, 10)
    ax.set_ylim(7, 0)  # row 0 at the top
    box = pixel_box(fig, ax)
    path = tmp_path / "unequal.png"
    fig.savefig(path)
    plt.close(fig)
    result = chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1, box=box)
    assert result.shape == (4, 6)
    assert not result.grid.uniform
    x0, y0, x1, y1 = box
    expected_x = x0 + x_edges / 10 * (x1 - x0)
    expected_y = y0 + y_edges / 7 * (y1 - y0)
    assert np.abs(result.grid.x_edges - expected_x).max() <= 2.5
    assert np.abs(result.grid.y_edges - expected_y).max() <= 2.5
    assert np.allclose(result.matrix.values, data, atol=0.01)


# --------------------------------------------------------------------------- user hints, outputs
def test_rows_cols_given_and_colorbar_scale(tmp_path):
    data = RNG.random((5, 6)) * 4
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=100)
    sns.heatmap(data, ax=ax, cmap="viridis", vmin=0, vmax=4)
    box = pixel_box(fig, ax)
    cbar_box = pixel_box(fig, fig.axes[1])
    path = tmp_path / "hm.png"
    fig.savefig(path)
    plt.close(fig)
    x0, y0, x1, y1 = cbar_box
    result = chromagrid.cells(
        path, colorbar_box=(x0 + 1, y0 + 1, x1 - 1, y1 - 1), colorbar_range=(0, 4), rows=5, cols=6
    )
    assert result.shape == (5, 6)
    assert all(abs(a - b) <= 2 for a, b in zip(result.box, box))
    assert within(result.matrix.values, data, 4.0, tol=0.015)


def test_outputs_csv_netcdf_npy_report_and_figure(tmp_path):
    data = RNG.random((3, 4))
    path, _ = draw_heatmap(tmp_path, data, size=(4.0, 3.0))
    out = tmp_path / "out"
    rows, cols = ["a", "b", "c"], ["w", "x", "y", "z"]
    result = chromagrid.cells(
        path,
        cmap="viridis",
        vmin=0,
        vmax=1,
        row_labels=rows,
        col_labels=cols,
        output=[out / "m.csv", out / "m.nc", out / "m.npy"],
        report=out / "r.json",
        figure=out / "grid.png",
    )
    with open(out / "m.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["", *cols]
    assert [r[0] for r in table[1:]] == rows
    assert np.allclose(np.array([r[1:] for r in table[1:]], float), data, atol=0.01)  # first row = top row
    ds = xr.open_dataset(out / "m.nc")
    assert list(ds["row"].values) == rows and list(ds["col"].values) == cols
    assert np.allclose(ds["value"].values, data, atol=0.01)
    assert (ds["n_pixels"].values > 0).all()
    ds.close()
    assert np.allclose(np.load(out / "m.npy"), data, atol=0.01)
    report = json.loads((out / "r.json").read_text())
    assert report["shape"] == [3, 4] and report["box"] == list(result.box)
    assert np.array(report["pixel_counts"]).shape == (3, 4) and np.array(report["distances"]).shape == (3, 4)
    assert len(report["grid"]["x_edges"]) == 5
    assert Image.open(out / "grid.png").size == Image.open(path).size
    assert not list(out.glob(".*part"))  # nothing half-written left behind


def test_plain_csv_without_labels(tmp_path):
    data = RNG.random((2, 3))
    path, _ = draw_heatmap(tmp_path, data, size=(4.0, 3.0))
    chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1, output=tmp_path / "m.csv")
    assert np.allclose(np.loadtxt(tmp_path / "m.csv", delimiter=","), data, atol=0.01)


def test_native_grid_of_a_nearest_neighbour_raster(tmp_path):
    data = RNG.random((50, 80))
    fig = plt.figure(figsize=(9.6, 6.0), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(data, cmap="viridis", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    ax.axis("off")
    path = tmp_path / "raster.png"
    fig.savefig(path)
    plt.close(fig)
    assert Image.open(path).size == (960, 600)
    out = tmp_path / "native.nc"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "chromagrid.cli",
            "decode",
            str(path),
            "--cmap",
            "viridis",
            "--vmin",
            "0",
            "--vmax",
            "1",
            "--native-grid",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    ds = xr.open_dataset(out)
    assert ds["value"].shape == (50, 80)
    assert np.abs(ds["value"].values - data).max() <= 1 / 256
    assert np.allclose(np.diff(ds["x"].values), 12.0)  # cell centres in image pixels
    ds.close()


# --------------------------------------------------------------------------- errors
def test_no_grid_found_says_what_was_tried(tmp_path):
    y, x = np.mgrid[0:1:200j, 0:1:300j]
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.imshow(np.sin(3 * x) * np.cos(2 * y), cmap="viridis", vmin=-1, vmax=1, interpolation="bilinear")
    box = pixel_box(fig, ax)
    path = tmp_path / "smooth.png"
    fig.savefig(path)
    plt.close(fig)
    with pytest.raises(GridNotFoundError, match=r"no grid of cells found.*tried equal cells.*--rows and --cols"):
        chromagrid.cells(path, cmap="viridis", vmin=-1, vmax=1, box=box)


def test_box_without_scale_colours(tmp_path):
    path, _ = draw_heatmap(tmp_path, RNG.random((3, 3)), size=(4.0, 3.0))
    with pytest.raises(CellsError, match=r"box \[0, 0, 20, 20\] holds no pixel within delta E .* of the colour scale"):
        chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1, box=(0, 0, 20, 20))


def test_more_cells_than_pixels(tmp_path):
    path, box = draw_heatmap(tmp_path, RNG.random((3, 3)), size=(4.0, 3.0))
    with pytest.raises(CellsError, match=r"more cells than the box .* has pixels"):
        chromagrid.cells(path, cmap="viridis", vmin=0, vmax=1, box=box, rows=box[3] - box[1] + 1)


def test_labels_must_match_rows():
    with pytest.raises(chromagrid.ConfigError, match="row_labels has 2 labels but rows is 3"):
        chromagrid.cells("x.png", cmap="viridis", vmin=0, vmax=1, rows=3, row_labels=["a", "b"])


def test_cli_cells_writes_matrix_and_fails_cleanly(tmp_path):
    data = RNG.random((4, 5))
    path, _ = draw_heatmap(tmp_path, data, cmap="rocket", size=(4.5, 3.2))
    out = tmp_path / "m.csv"
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "chromagrid.cli",
            "cells",
            str(path),
            "--cmap",
            "rocket",
            "--vmin",
            "0",
            "--vmax",
            "1",
            "-o",
            str(out),
            "--report",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "4 rows x 5 columns" in ok.stdout
    assert np.allclose(np.loadtxt(out, delimiter=","), data, atol=0.01)
    bad_out = tmp_path / "bad.csv"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "chromagrid.cli",
            "cells",
            str(path),
            "--cmap",
            "rocket",
            "--vmin",
            "0",
            "--vmax",
            "1",
            "--box",
            "0",
            "0",
            "10",
            "10",
            "-o",
            str(bad_out),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("chromagrid: error:") and len(bad.stderr.strip().splitlines()) == 1
    assert not bad_out.exists()
