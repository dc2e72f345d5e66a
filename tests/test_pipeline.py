"""Library API and the grid it returns; the bundled examples and configs, checked against their true data."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
import rioxarray  # noqa: F401  (the .rio accessor)
import xarray as xr
from conftest import draw_figure, in_image_order, smooth_field, truth_per_pixel
from matplotlib.colors import Normalize
from PIL import Image
from scipy import ndimage

import chromagrid
from chromagrid.errors import ChromagridError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONFIGS = ROOT / "configs"
VMIN, VMAX = 0.0, 0.7
BIN = (VMAX - VMIN) / 256


@pytest.fixture(scope="module")
def holed(tmp_path_factory):
    """A viridis figure of a field with a NaN hole (white axes background); and its truth per pixel."""
    folder = tmp_path_factory.mktemp("pipeline")
    data = smooth_field(30, 40, VMIN, VMAX)
    data[3:9, 20:33] = np.nan
    fig = draw_figure(folder, data, "viridis", Normalize(VMIN, VMAX))
    return fig, truth_per_pixel(data, (fig.box[3] - fig.box[1], fig.box[2] - fig.box[0]))


def test_digitize_returns_the_drawn_values(holed):
    fig, truth = holed
    result = chromagrid.digitize(str(fig.path), cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box)
    assert isinstance(result, chromagrid.Result)
    grid = result.grid
    assert isinstance(grid, xr.Dataset)
    value = grid["value"]
    assert value.dtype == np.float32 and value.dims == ("y", "x") and value.shape == truth.shape
    np.testing.assert_array_equal(np.isnan(value.values), np.isnan(truth))  # white background: no data
    assert np.nanmax(np.abs(value.values - truth)) <= BIN
    assert result.masked_fraction == pytest.approx(np.isnan(truth).mean())
    stats = result.distance_stats
    assert set(stats) == {"mean", "p50", "p95", "max"}
    assert 0 <= stats["p50"] <= stats["p95"] <= stats["max"] < 1.0  # a lossless figure: table colours exactly
    assert grid["distance"].dtype == np.float32 and grid["distance"].dims == ("y", "x")
    assert result.value.equals(value)


def test_grid_attributes_record_where_the_values_came_from(holed):
    fig, _ = holed
    result = chromagrid.digitize(
        fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, units="K", title="my field"
    )
    attrs = result.grid.attrs
    assert attrs["Conventions"] == "CF-1.11"
    assert attrs["title"] == "my field"
    assert attrs["source_image"] == fig.path.name
    assert attrs["source_image_sha256"] == hashlib.sha256(fig.path.read_bytes()).hexdigest()
    assert attrs["chromagrid_version"] == version("chromagrid") == chromagrid.__version__
    assert attrs["colormap"] == "viridis" and attrs["norm"] == "linear"
    assert (attrs["vmin"], attrs["vmax"]) == (VMIN, VMAX)
    scale = json.loads(attrs["colorscale"])
    assert scale["name"] == "viridis" and scale["norm"] == "linear" and scale["vmax"] == VMAX
    config = json.loads(attrs["chromagrid_config"])
    # no machine paths (issue 15): the input relative to its own folder when no config file was run
    assert config == {**result.config.resolved(), "input": fig.path.name}
    assert config["input"] == fig.path.name and config["box"] == list(fig.box)
    assert config["scale"]["cmap"] == "viridis" and config["decode"]["max_distance"] > 0
    assert result.grid["value"].attrs["units"] == "K"


def test_coordinates(holed):
    fig, _ = holed
    x0, y0, x1, y1 = fig.box
    plain = chromagrid.digitize(fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box).grid
    np.testing.assert_array_equal(plain["x"].values, np.arange(x0, x1))  # image column of each pixel
    np.testing.assert_array_equal(plain["y"].values, np.arange(y0, y1))  # image row: row 0 at the top
    geo = chromagrid.digitize(
        fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, extent=(-10, 30, 35, 60), crs="EPSG:4326"
    ).grid
    width, height = x1 - x0, y1 - y0
    np.testing.assert_allclose(geo["x"].values, -10 + (np.arange(width) + 0.5) * 40 / width)
    np.testing.assert_allclose(geo["y"].values, 60 - (np.arange(height) + 0.5) * 25 / height)  # north first
    assert geo["x"].attrs["units"] == "degrees_east" and geo["y"].attrs["units"] == "degrees_north"
    assert geo["value"].attrs["grid_mapping"] == "spatial_ref"
    assert geo.rio.crs.to_epsg() == 4326
    np.testing.assert_array_equal(geo["value"].values, plain["value"].values)


def test_whole_image_when_no_box(tmp_path):
    rgb = np.zeros((12, 20, 3), np.uint8)
    rgb[:, :10] = (68, 1, 84)  # viridis at 0
    rgb[:, 10:] = (253, 231, 36)  # viridis at 1
    Image.fromarray(rgb).save(tmp_path / "two.png")
    result = chromagrid.digitize(tmp_path / "two.png", cmap="viridis", vmin=0, vmax=256)
    assert result.box == (0, 0, 20, 12)
    np.testing.assert_array_equal(result.grid["value"].values[:, :10], 0.5)  # centre of the first interval
    np.testing.assert_array_equal(result.grid["value"].values[:, 10:], 255.5)  # centre of the last


def test_keep_distance_off(holed):
    fig, _ = holed
    config = {
        "input": str(fig.path),
        "box": list(fig.box),
        "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7},
        "decode": {"keep_distance": False},
    }
    grid = chromagrid.run(config).grid
    assert "distance" not in grid and "value" in grid


def test_wrong_colormap_gives_no_pixel_error(holed):
    fig, _ = holed
    with pytest.raises(ChromagridError, match=r"figure\.png: no pixel in box .* is within delta E"):
        chromagrid.digitize(fig.path, cmap="Greens", vmin=0, vmax=1, box=fig.box, max_distance=0.5)


def test_public_api():
    for name in (
        "digitize",
        "run",
        "load_config",
        "Config",
        "Result",
        "ChromagridError",
        "ConfigError",
        "ImageReadError",
        "list_colormaps",
    ):
        assert hasattr(chromagrid, name), name


# --------------------------------------------------------------------------- the bundled examples and configs
INDEX = json.loads((EXAMPLES / "examples.json").read_text())
RUN_CONFIGS = {"example.yaml": "field", "log.yaml": "log", "discrete.toml": "discrete", "colorbar.toml": "colorbar"}


def _interior(truth: np.ndarray, border: int = 3, coast: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """(valid pixels, no-data pixels) away from the frame and from the edge of the masked area (coastline)."""
    inner = np.zeros(truth.shape, bool)
    inner[border:-border, border:-border] = True
    near_nan = ndimage.binary_dilation(np.isnan(truth), iterations=coast)
    near_valid = ndimage.binary_dilation(np.isfinite(truth), iterations=coast)
    return inner & ~near_nan, inner & ~near_valid


@pytest.mark.parametrize("config_name", sorted(RUN_CONFIGS))
def test_configs_decode_the_examples_to_their_true_values(tmp_path, config_name):
    name = RUN_CONFIGS[config_name]
    entry = INDEX[name]
    config = chromagrid.load_config(CONFIGS / config_name)
    assert config.input == (EXAMPLES / entry["image"]).resolve()
    assert all(p.parent == (EXAMPLES / "out").resolve() for p in config.output)
    assert list(config.box) == entry["box"]
    assert list(config.georef.extent) == entry["extent"] and config.georef.crs == entry["crs"]
    if config.scale.colorbar_box is not None:
        assert list(config.scale.colorbar_box) == entry["colorbar_box"]

    outputs = [tmp_path / p.name for p in config.output]  # not into examples/out
    result = chromagrid.run(config.model_copy(update={"output": outputs}))
    assert [p.name for p in result.outputs] == [p.name for p in outputs] and all(p.is_file() for p in outputs)

    cells = np.load(EXAMPLES / entry["truth"])["values"].astype(float)
    x0, y0, x1, y1 = entry["box"]
    truth = truth_per_pixel(cells, (y1 - y0, x1 - x0))
    value = result.grid["value"].values.astype(float)
    valid, blank = _interior(truth)
    assert np.isfinite(value[valid]).all()
    assert np.isnan(value[blank]).all()
    vmin, vmax = entry["vmin"], entry["vmax"]
    if entry["norm"] == "log":
        error = np.abs(np.log10(value) - np.log10(truth))[valid]
        bound = np.log10(vmax / vmin) / 256
    elif entry["norm"] == "discrete":
        b = np.asarray(entry["boundaries"])
        centres = 0.5 * (b[:-1] + b[1:])
        expected = centres[np.clip(np.searchsorted(b, truth, side="right") - 1, 0, len(centres) - 1)]
        error, bound = np.abs(value - expected)[valid], 0.0
    elif config.scale.colorbar_box is not None:  # sampled bar: its trimmed ends and outline (see test_colorscale)
        length = entry["colorbar_box"][2] - entry["colorbar_box"][0]
        error, bound = np.abs(value - truth)[valid], (1 + length // 300 + 2) / length * (vmax - vmin)
    else:
        error, bound = np.abs(value - truth)[valid], (vmax - vmin) / 256
    assert error.max() <= bound + 1e-6

    for path in outputs:  # and the files hold the same grid
        if path.suffix == ".nc":
            back = xr.open_dataset(path)["value"].values
        else:
            import rasterio

            with rasterio.open(path) as src:
                back = src.read(1)
                assert src.crs.to_epsg() == 4326
        np.testing.assert_array_equal(back, result.grid["value"].values)


def test_examples_json_matches_the_figures():
    for entry in INDEX.values():
        with Image.open(EXAMPLES / entry["image"]) as im:
            assert list(im.size) == entry["image_size"]
        cells = np.load(EXAMPLES / entry["truth"])["values"]
        assert list(cells.shape) == entry["grid_shape"]
        x0, y0, x1, y1 = entry["box"]
        assert [round(v) for v in entry["box_float"]] == entry["box"]
        # whole pixels per cell, so the per-pixel truth is exact
        assert (x1 - x0) % cells.shape[1] == 0 and (y1 - y0) % cells.shape[0] == 0


def test_make_examples_is_deterministic(tmp_path):
    """Re-running the script reproduces the committed figures' data and colorbar pixels, their truth and boxes.

    Only the plot and colorbar boxes are compared: tick labels and titles may
    render differently with another font library.
    """
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_examples.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "examples.json").read_text()) == INDEX
    for entry in INDEX.values():
        made = np.asarray(Image.open(tmp_path / entry["image"]))
        committed = np.asarray(Image.open(EXAMPLES / entry["image"]))
        assert made.shape == committed.shape
        for x0, y0, x1, y1 in (entry["box"], entry["colorbar_box"]):
            np.testing.assert_array_equal(made[y0:y1, x0:x1], committed[y0:y1, x0:x1])
        np.testing.assert_array_equal(
            np.load(tmp_path / entry["truth"])["values"], np.load(EXAMPLES / entry["truth"])["values"]
        )
        assert (EXAMPLES / entry["image"]).stat().st_size < 60_000  # small enough to commit


def test_gcps_config_reprojects_the_example_to_its_true_values(tmp_path):
    """configs/gcps.yaml: GCPs at the plot box's corners, polynomial1, warped to EPSG:3035 at 25 km.

    Checked independently of chromagrid's georeferencing: each valid cell centre of the GeoTIFF is
    taken back to lon/lat with pyproj and looked up in the array the example figure was drawn from.
    """
    import rasterio
    from pyproj import Transformer

    entry = INDEX["field"]
    config = chromagrid.load_config(CONFIGS / "gcps.yaml")
    out = tmp_path / "field_3035.tif"
    result = chromagrid.run(config.model_copy(update={"output": [out]}))
    assert result.georef["gcps"]["rmse_px"] < 1e-6  # the five GCPs lie exactly on one affine
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 3035
        assert src.transform.a == 25000 and src.transform.e == -25000
        value = src.read(1).astype(float)
        rows, cols = np.nonzero(np.isfinite(value))
        xs, ys = rasterio.transform.xy(src.transform, rows, cols)
    lon, lat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True).transform(xs, ys)
    truth = np.load(EXAMPLES / entry["truth"])["values"].astype(float)
    left, right, bottom, top = entry["extent"]
    nrows, ncols = truth.shape
    fc = (np.asarray(lon) - left) / (right - left) * ncols  # position in truth cells
    fr = (top - np.asarray(lat)) / (top - bottom) * nrows
    c, r = np.floor(fc).astype(int), np.floor(fr).astype(int)
    # away from truth-cell edges (a 25 km cell centre near an edge may take either neighbour, nearest
    # resampling) and from the masked area
    inside = (c >= 0) & (c < ncols) & (r >= 0) & (r < nrows)
    away = inside & (np.abs(fc - c - 0.5) < 0.3) & (np.abs(fr - r - 0.5) < 0.3)
    expected = truth[np.clip(r, 0, nrows - 1), np.clip(c, 0, ncols - 1)]
    check = away & np.isfinite(expected)
    assert check.sum() > 1000
    error = np.abs(value[rows, cols][check] - expected[check])
    one_bin = (entry["vmax"] - entry["vmin"]) / 256
    assert np.percentile(error, 99) <= one_bin and error.max() <= 3 * one_bin  # a few next to the coastline


@pytest.mark.parametrize("masked_side", ["left", "top"])
def test_box_auto_finds_the_frame_even_where_masked_areas_touch_it(tmp_path, masked_side):
    """``box: auto`` on a framed map whose blank (NaN) band runs along one side of the frame."""
    data = smooth_field(30, 40)
    if masked_side == "left":
        data[:, :12] = np.nan
    else:
        data[:9, :] = np.nan
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 1), size=(500, 380), frame=True)
    result = chromagrid.digitize(fig.path, cmap="viridis", vmin=0, vmax=1, box="auto")
    assert result.summary()["box_found"] is True
    assert np.abs(np.subtract(result.box, fig.box)).max() <= 1  # the frame, not just the data
    x0, y0, x1, y1 = fig.box
    truth = truth_per_pixel(data, (y1 - y0, x1 - x0))
    clear = truth_per_pixel(data, (y1 - y0, x1 - x0), margin=0.2)  # NaN near cell edges
    # compare on the drawn box's pixels that the found box holds, away from the frame and cell edges
    fx0, fy0 = result.box[0], result.box[1]
    value = in_image_order(result)  # the axes are read too: imshow rows grow downward
    rows = np.arange(3, y1 - y0 - 3)
    cols = np.arange(3, x1 - x0 - 3)
    got = value[np.ix_(rows + y0 - fy0, cols + x0 - fx0)]
    want = truth[np.ix_(rows, cols)]
    inner = ndimage.binary_erosion(np.isfinite(want), iterations=2) & np.isfinite(clear[np.ix_(rows, cols)])
    assert inner.sum() > 1000 and np.abs(got - want)[inner].max() <= 1.5 / 256
    blank = ndimage.binary_erosion(np.isnan(want), iterations=2)
    assert blank.sum() > 100 and np.isnan(got[blank]).all()


def test_box_auto_is_refused_for_tiled_decodes_and_a_bad_box_argument_is_explained(tmp_path):
    from chromagrid.errors import ConfigError
    from chromagrid.tiles import run_tiled

    fig = draw_figure(tmp_path, smooth_field(10, 12), "viridis", Normalize(0, 1), frame=True)
    with pytest.raises(ConfigError, match="box: auto"):
        run_tiled({"input": str(fig.path), "box": "auto", "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "chromagrid.cli",
            "decode",
            str(fig.path),
            "--cmap",
            "viridis",
            "--vmin",
            "0",
            "--vmax",
            "1",
            "--box",
            "1",
            "2",
            "3",
            "-o",
            str(tmp_path / "x.nc"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "give four integers X0 Y0 X1 Y1 or the word auto" in done.stderr
    assert not (tmp_path / "x.nc").exists()


def test_distance_statistics_leave_out_pixels_filled_from_their_neighbours(tmp_path):
    """Thin black contour lines over a field are filled by the overlay clean-up; their own colour is far
    from the scale, so they must not count in the colour-distance statistics of decoded pixels."""
    import matplotlib.pyplot as plt

    data = smooth_field(60, 80)
    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    ax.imshow(data, cmap="viridis", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    ax.contour(data, levels=[0.3, 0.6], colors="black", linewidths=0.8)
    path = tmp_path / "contours.png"
    fig.savefig(path)
    plt.close(fig)
    limit = 10.0
    result = chromagrid.digitize(path, cmap="viridis", vmin=0, vmax=1, max_distance=limit)
    distance = result.grid["distance"].values
    filled = np.isfinite(result.grid["value"].values) & (distance > limit)
    assert filled.sum() > 50  # the clean-up did fill stroke pixels
    assert result.distance_stats["max"] <= limit  # ... which the statistics leave out


def test_cells_config_runs_from_chromagrid_run_and_gives_the_drawn_matrix(tmp_path):
    """configs/cells.yaml (kind: cells) on examples/heatmap.png, through the real console script."""
    import yaml

    entry = INDEX["heatmap"]
    truth = np.load(EXAMPLES / entry["truth"])["values"].astype(float)
    config = yaml.safe_load((CONFIGS / "cells.yaml").read_text())
    config.update(
        input=str(EXAMPLES / entry["image"]),
        output=[str(tmp_path / "m.csv")],
        report=str(tmp_path / "r.json"),
        figure=None,
    )
    path = tmp_path / "cells.yaml"
    path.write_text(yaml.safe_dump(config))
    done = subprocess.run([sys.executable, "-m", "chromagrid.cli", "run", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "6 rows x 8 columns" in done.stdout
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0] == "," + ",".join(entry["col_labels"])
    assert [line.split(",")[0] for line in lines[1:]] == entry["row_labels"]
    matrix = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]])
    assert np.abs(matrix - truth).max() <= (entry["vmax"] - entry["vmin"]) / 256  # one colour bin
    with pytest.raises(chromagrid.ConfigError, match="kind: cells"):
        chromagrid.run(path)  # the decode API says where a cells config goes
