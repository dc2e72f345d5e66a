"""Georeferencing decoded figures end to end: axis ticks, GCPs with every transform, warps, log and y-down axes.

Every figure is drawn with matplotlib from a known field over a known extent in a known CRS; the tests
digitize it and compare the coordinates and values chromagrid recovers with the ones that were drawn.
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import rasterio  # noqa: E402
import xarray as xr  # noqa: E402
import yaml  # noqa: E402
from affine import Affine  # noqa: E402
from conftest import draw_figure, truth_per_pixel  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from PIL import Image  # noqa: E402
from pyproj import Transformer  # noqa: E402

import chromagrid  # noqa: E402
from chromagrid.cli import main  # noqa: E402
from chromagrid.errors import ConfigError  # noqa: E402
from chromagrid.geo.gcp import GCP, TRANSFORMS, write_points  # noqa: E402

VMAX = 0.7
BIN = VMAX / 256
# 9 x 12 cells, every value different and shuffled, so a flipped or shifted grid cannot pass
DATA = (np.random.default_rng(3).permutation(108).reshape(9, 12) / 107.0) * VMAX
BOX = (30, 30, 270, 210)  # where draw_figure puts the plot: 240 x 180 pixels, 20 x 20 per cell
GEO = (-12.0, 12.0, 36.0, 54.0)  # EPSG:4326: 2-degree cells, 0.1 degree per pixel
LAEA = (3_500_000.0, 4_700_000.0, 2_600_000.0, 3_500_000.0)  # EPSG:3035: 100 km cells, 5 km per pixel


def _draw(folder, extent, name="figure.png"):
    fig = draw_figure(
        folder,
        DATA,
        "viridis",
        Normalize(0, VMAX),
        extent=extent,
        name=name,
        size=(300, 240),
        axes=(0.1, 0.125, 0.8, 0.75),
        colorbar=None,
    )
    assert fig.box == BOX
    return fig.path


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("georef")
    return {"geo": _draw(folder, GEO, "geo.png"), "laea": _draw(folder, LAEA, "laea.png")}


def _world(extent, col, row):
    """Map coordinates of an image pixel position (continuous, corner convention) on the figure."""
    left, right, bottom, top = extent
    x0, y0, x1, y1 = BOX
    return (
        left + (np.asarray(col) - x0) * (right - left) / (x1 - x0),
        top - (np.asarray(row) - y0) * (top - bottom) / (y1 - y0),
    )


def _cell_centres(extent):
    """World (x, y) of each field cell's centre, shape (9, 12, 2)."""
    left, right, bottom, top = extent
    xs = left + (np.arange(12) + 0.5) * (right - left) / 12
    ys = top - (np.arange(9) + 0.5) * (top - bottom) / 9
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def _values_at(grid: xr.Dataset, points: np.ndarray) -> np.ndarray:
    """The grid's value at each world point (nearest cell)."""
    flat = points.reshape(-1, 2)
    v = (
        grid["value"]
        .sel(x=xr.DataArray(flat[:, 0], dims="p"), y=xr.DataArray(flat[:, 1], dims="p"), method="nearest")
        .values
    )
    return v.reshape(points.shape[:-1])


def _assert_field(grid, extent):
    np.testing.assert_allclose(_values_at(grid, _cell_centres(extent)), DATA, rtol=0, atol=BIN)


def _expected_centres(extent):
    left, right, bottom, top = extent
    return (left + (np.arange(240) + 0.5) * (right - left) / 240, top - (np.arange(180) + 0.5) * (top - bottom) / 180)


def _gcp_rows(extent, n=12, seed=0):
    rng = np.random.default_rng(seed)
    cols, rows = rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)
    xs, ys = _world(extent, cols, rows)
    return [[float(c), float(r), float(x), float(y)] for c, r, x, y in zip(cols, rows, xs, ys)]


# --------------------------------------------------------------------------- axis calibration


@pytest.mark.parametrize("kind, crs", [("geo", "EPSG:4326"), ("laea", "EPSG:3035")])
def test_axis_calibration_recovers_coordinates_and_values(tmp_path, figures, kind, crs):
    extent = GEO if kind == "geo" else LAEA
    # two ticks per axis, inside the box, at known pixel positions
    (xa, xb), (ya, yb) = _world(extent, [60.0, 250.0], [40.5, 200.0])
    axes = {"x": [[60.0, float(xa)], [250.0, float(xb)]], "y": [[40.5, float(ya)], [200.0, float(yb)]]}
    result = chromagrid.digitize(
        figures[kind],
        cmap="viridis",
        vmin=0,
        vmax=VMAX,
        box=BOX,
        axes=axes,
        crs=crs,
        output=[tmp_path / "f.nc", tmp_path / "f.tif"],
    )
    grid = result.grid
    xs, ys = _expected_centres(extent)
    cell = (extent[1] - extent[0]) / 240
    np.testing.assert_allclose(grid["x"].values, xs, rtol=0, atol=1e-9 * cell)
    np.testing.assert_allclose(grid["y"].values, ys, rtol=0, atol=1e-9 * cell)
    x0, y0, x1, y1 = BOX
    np.testing.assert_allclose(grid["value"].values, truth_per_pixel(DATA, (y1 - y0, x1 - x0)), atol=BIN)
    assert grid.attrs["georef_method"] == "axes" and grid.attrs["georef_grid"].startswith("exact affine")
    assert result.georef["warped"] is False
    with rasterio.open(tmp_path / "f.tif") as src:
        assert src.crs.to_epsg() == int(crs.split(":")[1])
        expected = Affine((extent[1] - extent[0]) / 240, 0, extent[0], 0, -(extent[3] - extent[2]) / 180, extent[3])
        assert all(abs(a - b) <= 1e-9 * cell for a, b in zip(src.transform, expected))


def test_log_axis(tmp_path):
    """A field drawn with pcolormesh over a log x axis (1 to 1000, 80 pixels a decade)."""
    fig = plt.figure(figsize=(3.0, 2.4), dpi=100)
    ax = fig.add_axes((0.1, 0.125, 0.8, 0.75))
    ax.set_xscale("log")
    ax.pcolormesh(
        np.logspace(0, 3, 13),
        np.linspace(0, 90, 10),
        DATA[::-1],
        cmap="viridis",
        norm=Normalize(0, VMAX),
        antialiased=False,
        edgecolors="none",
    )
    ax.set_xlim(1, 1000)
    ax.set_ylim(0, 90)
    ax.set_axis_off()
    fig.canvas.draw()
    height = fig.canvas.get_width_height()[1]
    (c1, r0), (c1000, r90) = ax.transData.transform([(1, 0), (1000, 90)])  # display pixels, y up
    path = tmp_path / "log.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    axes = {
        "x": [[float(c1), 1.0], [float(c1000), 1000.0]],
        "x_scale": "log",
        "y": [[float(height - r0), 0.0], [float(height - r90), 90.0]],
        "x_units": "Hz",
        "y_units": "m",
    }
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0, vmax=VMAX, box=BOX, axes=axes, output=tmp_path / "log.nc"
    )
    grid = result.grid
    np.testing.assert_allclose(grid["x"].values, 10.0 ** ((np.arange(240) + 0.5) / 80), rtol=1e-12)
    np.testing.assert_allclose(grid["y"].values, 90 - (np.arange(180) + 0.5) * 0.5, atol=1e-12)
    assert grid["x"].attrs["chromagrid_axis_scale"] == "log" and grid["x"].attrs["units"] == "Hz"
    truth = truth_per_pixel(DATA, (180, 240), margin=0.06)  # pcolormesh may round a cell edge either way
    sure = ~np.isnan(truth)
    np.testing.assert_allclose(grid["value"].values[sure], truth[sure], atol=BIN)
    back = xr.open_dataset(tmp_path / "log.nc")
    np.testing.assert_allclose(back["x"].values, grid["x"].values)
    # the field at x = 10**1.125 (cell 4 of 12) and depth 45 m (row 4 from the top): DATA[4, 4]
    assert float(back["value"].sel(x=10**1.125, y=45.0 - 0.25, method="nearest")) == pytest.approx(DATA[4, 4], abs=BIN)
    with pytest.raises(ConfigError, match="log axis gives no affine transform for a GeoTIFF"):
        chromagrid.digitize(path, cmap="viridis", vmin=0, vmax=VMAX, box=BOX, axes=axes, output=tmp_path / "log.tif")


def test_y_axis_growing_downward(tmp_path):
    """A depth section: y (depth, m) grows downward in the figure. The grid comes out with y falling along rows."""
    path = _draw(tmp_path, (0.0, 120.0, 90.0, 0.0), "depth.png")  # matplotlib: bottom=90 > top=0
    axes = {"x": [[30.0, 0.0], [270.0, 120.0]], "y": [[30.0, 0.0], [210.0, 90.0]]}  # row 30 is depth 0
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0, vmax=VMAX, box=BOX, axes=axes, output=[tmp_path / "d.nc", tmp_path / "d.tif"]
    )
    grid = result.grid
    np.testing.assert_allclose(grid["y"].values, 90 - (np.arange(180) + 0.5) * 0.5, atol=1e-12)
    # row 0 of the grid is the deepest: the figure's bottom row, DATA[-1]
    np.testing.assert_allclose(grid["value"].values[0, ::20], DATA[-1], atol=BIN)
    depth_centres = np.stack(np.meshgrid((np.arange(12) + 0.5) * 10, (np.arange(9) + 0.5) * 10), axis=-1)
    np.testing.assert_allclose(_values_at(grid, depth_centres), DATA, atol=BIN)  # DATA[r] at depth 10 r + 5
    with rasterio.open(tmp_path / "d.tif") as src:
        assert src.transform.e < 0 and src.transform.f == pytest.approx(90.0)
        np.testing.assert_allclose(src.read(1)[0, ::20], DATA[-1], atol=BIN)


def test_extent_with_bottom_above_top_in_a_crs(tmp_path, figures):
    """A south-up map given as an extent whose bottom is north of its top: written north-up."""
    left, right, bottom, top = LAEA
    result = chromagrid.digitize(
        figures["laea"],
        cmap="viridis",
        vmin=0,
        vmax=VMAX,
        box=BOX,
        extent=(left, right, top, bottom),
        crs="EPSG:3035",
        output=tmp_path / "s.tif",
    )
    assert np.all(np.diff(result.grid["y"].values) < 0)
    with rasterio.open(tmp_path / "s.tif") as src:
        assert src.transform.e < 0
        # the figure's top row was drawn at y = bottom (south): in the file it is the last row
        np.testing.assert_allclose(src.read(1)[-1, ::20], DATA[0], atol=BIN)


# --------------------------------------------------------------------------- ground control points


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_every_transform_on_an_axis_aligned_figure(tmp_path, figures, transform):
    """GCPs picked on an upright figure: every transform finds the exact affine and writes it unwarped."""
    rows = _gcp_rows(LAEA)
    result = chromagrid.digitize(
        figures["laea"],
        cmap="viridis",
        vmin=0,
        vmax=VMAX,
        box=BOX,
        gcps=rows,
        transform=transform,
        crs="EPSG:3035",
        output=tmp_path / "g.nc",
    )
    grid = result.grid
    xs, ys = _expected_centres(LAEA)
    np.testing.assert_allclose(grid["x"].values, xs, rtol=0, atol=1e-9 * 5000)  # a billionth of a cell
    np.testing.assert_allclose(grid["y"].values, ys, rtol=0, atol=1e-9 * 5000)
    np.testing.assert_allclose(grid["value"].values, truth_per_pixel(DATA, (180, 240)), atol=BIN)
    assert result.georef["warped"] is False and result.georef["transform"] == transform
    gcps = result.georef["gcps"]
    assert gcps["count"] == 12 and gcps["rmse_px"] < 1e-4 and len(gcps["gcps"]) == 12
    back = xr.open_dataset(tmp_path / "g.nc")
    assert back.attrs["georef_transform"] == transform and back.attrs["gcp_count"] == 12
    assert len(json.loads(back.attrs["gcp_residuals"])) == 12


def _rotate(path, out, degrees):
    """Rotate an image about its centre (nearest pixel, canvas grown to fit); return the pixel mapping."""
    src = np.asarray(Image.open(path).convert("RGB"))
    h, w = src.shape[:2]
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    corners = (np.array([[0, 0], [w, 0], [0, h], [w, h]]) - [w / 2, h / 2]) @ rot.T
    nw, nh = (np.ceil(corners.max(0) - corners.min(0))).astype(int)

    def forward(p):  # input (col, row) -> output (col, row)
        return (np.asarray(p, float) - [w / 2, h / 2]) @ rot.T + [nw / 2, nh / 2]

    cols, rows = np.meshgrid(np.arange(nw) + 0.5, np.arange(nh) + 0.5)
    back = (np.stack([cols, rows], -1) - [nw / 2, nh / 2]) @ rot + [w / 2, h / 2]
    ci, ri = np.floor(back[..., 0]).astype(int), np.floor(back[..., 1]).astype(int)
    inside = (ci >= 0) & (ci < w) & (ri >= 0) & (ri < h)
    img = np.full((nh, nw, 3), 255, np.uint8)
    img[inside] = src[ri[inside], ci[inside]]
    Image.fromarray(img).save(out)
    return forward


@pytest.fixture(scope="module")
def rotated(tmp_path_factory, figures):
    folder = tmp_path_factory.mktemp("rotated")
    out = folder / "rotated.png"
    forward = _rotate(figures["geo"], out, 15.0)
    rows = _gcp_rows(GEO, n=16, seed=1)
    moved = forward(np.array([r[:2] for r in rows]))
    return out, [[float(c), float(r), x, y] for (c, r), (_, _, x, y) in zip(moved, rows)]


@pytest.mark.parametrize("transform", ["helmert", "polynomial1", "polynomial2", "polynomial3", "projective", "tps"])
def test_rotated_figure_is_warped_by_every_transform(tmp_path, rotated, transform):
    path, rows = rotated
    result = chromagrid.digitize(
        path,
        cmap="viridis",
        vmin=0,
        vmax=VMAX,
        gcps=rows,
        transform=transform,
        crs="EPSG:4326",
        resolution=0.1,
        output=tmp_path / "r.nc",
    )
    grid = result.grid
    assert result.georef["warped"] is True and "warped with GDAL" in grid.attrs["georef_grid"]
    assert grid.attrs["georef_resampling"] == "nearest"
    assert result.georef["gcps"]["rmse_px"] < 0.01  # a rotation: every one of these fits it
    np.testing.assert_allclose(np.diff(grid["x"].values), 0.1, atol=1e-12)
    _assert_field(grid, GEO)
    values = grid["value"].values
    assert np.isin(
        np.round(values[np.isfinite(values)] / BIN), np.round(DATA / BIN) + np.arange(-1, 2)[:, None, None]
    ).all()  # nearest resampling invents no value


def test_a_transform_that_cannot_rotate_reports_it(rotated):
    path, rows = rotated
    result = chromagrid.digitize(
        path, cmap="viridis", vmin=0, vmax=VMAX, gcps=rows, transform="linear", crs="EPSG:4326"
    )
    assert result.georef["gcps"]["rmse_px"] > 5.0
    assert result.grid.attrs["gcp_rmse_pixels"] == pytest.approx(result.georef["gcps"]["rmse_px"])


@pytest.mark.parametrize("transform", ["polynomial2", "polynomial3", "tps"])
def test_lonlat_gcps_on_a_projected_figure_reprojected_back(tmp_path, figures, transform):
    """A figure drawn in EPSG:3035, GCPs given in lon/lat: a curved mapping, warped and reprojected to EPSG:3035."""
    rows = _gcp_rows(LAEA, n=20, seed=2)
    lon, lat = Transformer.from_crs(3035, 4326, always_xy=True).transform([r[2] for r in rows], [r[3] for r in rows])
    lonlat = [[r[0], r[1], float(x), float(y)] for r, x, y in zip(rows, lon, lat)]
    result = chromagrid.digitize(
        figures["laea"],
        cmap="viridis",
        vmin=0,
        vmax=VMAX,
        box=BOX,
        gcps=lonlat,
        transform=transform,
        crs="EPSG:4326",
        target_crs="EPSG:3035",
        resolution=5000,
        output=[tmp_path / "p.nc", tmp_path / "p.tif"],
    )
    grid = result.grid
    assert result.georef["crs"] == "EPSG:4326" and result.georef["target_crs"] == "EPSG:3035"
    assert result.georef["gcps"]["rmse_px"] < 0.5
    assert grid["x"].attrs["standard_name"] == "projection_x_coordinate"
    _assert_field(grid, LAEA)
    with rasterio.open(tmp_path / "p.tif") as src:
        assert src.crs.to_epsg() == 3035 and src.transform.a == 5000 and src.transform.c % 5000 == 0
        row, col = src.index(*_cell_centres(LAEA)[4, 7])
        assert src.read(1)[row, col] == pytest.approx(DATA[4, 7], abs=BIN)


def test_gcps_from_a_qgis_points_file_in_a_config(tmp_path, figures):
    """A config naming a .points file (relative to the config); the CRS comes from the file's #CRS line."""
    rows = _gcp_rows(LAEA, n=8)
    write_points(
        tmp_path / "gcps" / "laea.png.points", [GCP(*r) for r in rows], chromagrid.geo.georef.parse_crs("EPSG:3035")
    )
    config = {
        "input": str(figures["laea"]),
        "box": list(BOX),
        "output": "out/field.nc",
        "scale": {"cmap": "viridis", "vmin": 0, "vmax": VMAX},
        "georef": {"gcps_file": "gcps/laea.png.points", "transform": "polynomial1"},
    }
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(config))
    result = chromagrid.run(tmp_path / "run.yaml")
    assert chromagrid.geo.georef.grid_crs(result.grid).to_epsg() == 3035
    _assert_field(result.grid, LAEA)
    assert (tmp_path / "out" / "field.nc").is_file()


def test_residuals_of_a_known_distortion_reach_the_outputs_and_the_report(tmp_path, figures, capsys):
    """GCPs moved off the true positions by a known amount no affine absorbs: the reported residuals are it."""
    rows = np.array(_gcp_rows(GEO, n=10, seed=4))
    design = np.column_stack([np.ones(10), rows[:, :2]])
    q, _ = np.linalg.qr(design)
    raw = np.random.default_rng(5).normal(0, 0.05, size=(10, 2))  # degrees
    d = raw - q @ (q.T @ raw)
    moved = rows.copy()
    moved[:, 2:] += d
    out = tmp_path / "res.nc"
    args = [
        "decode",
        str(figures["geo"]),
        "--cmap",
        "viridis",
        "--vmin",
        "0",
        "--vmax",
        str(VMAX),
        "--box",
        *map(str, BOX),
        "--crs",
        "EPSG:4326",
        "--transform",
        "polynomial1",
        "-o",
        str(out),
        "--json",
    ]
    for row in moved:
        args += ["--gcp", *map(repr, row.tolist())]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    g = report["georef"]["gcps"]
    expected_rmse = math.sqrt((d**2).sum() / 10)
    assert g["rmse_map"] == pytest.approx(expected_rmse, rel=1e-6)
    np.testing.assert_allclose([r["dx_map"] for r in g["gcps"]], -d[:, 0], atol=1e-9)
    np.testing.assert_allclose([r["dy_map"] for r in g["gcps"]], -d[:, 1], atol=1e-9)
    # 0.1 degree per pixel: pixel residuals are the map residuals over the pixel size (y flipped into rows)
    np.testing.assert_allclose([r["dx_px"] for r in g["gcps"]], d[:, 0] / 0.1, atol=1e-6)
    np.testing.assert_allclose([r["dy_px"] for r in g["gcps"]], -d[:, 1] / 0.1, atol=1e-6)
    back = xr.open_dataset(out)
    assert back.attrs["gcp_rmse_map_units"] == pytest.approx(expected_rmse, rel=1e-6)
    assert [r["dx_map"] for r in json.loads(back.attrs["gcp_residuals"])] == pytest.approx(-d[:, 0], abs=1e-9)


def test_cli_decode_with_axis_flags(tmp_path, figures, capsys):
    (xa, xb), (ya, yb) = _world(GEO, [30.0, 270.0], [30.0, 210.0])
    out = tmp_path / "a.tif"
    assert (
        main(
            [
                "decode",
                str(figures["geo"]),
                "--cmap",
                "viridis",
                "--vmin",
                "0",
                "--vmax",
                str(VMAX),
                "--box",
                *map(str, BOX),
                "--axis-x",
                "30",
                str(xa),
                "270",
                str(xb),
                "--axis-y",
                "30",
                str(ya),
                "210",
                str(yb),
                "--crs",
                "EPSG:4326",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "exact affine" in capsys.readouterr().out
    with rasterio.open(out) as src:
        assert src.transform.almost_equals(Affine(0.1, 0, -12, 0, -0.1, 54))


def test_georef_config_mistakes_fail_up_front(tmp_path):
    base = {"input": str(tmp_path / "x.png"), "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}}
    cases = [
        ({"extent": [0, 1, 0, 1], "gcps": [[0, 0, 0, 0]] * 3}, "give one of extent, axes, gcps or gcps_file"),
        ({"crs": "EPSG:4326"}, "crs needs extent, axes, gcps or gcps_file"),
        ({"extent": [0, 1, 0, 1], "target_crs": "EPSG:3035"}, "target_crs needs crs"),
        ({"extent": [0, 1, 0, 1], "crs": "EPSG:4326", "target_crs": "EPSG:99999999"}, "target_crs"),
        ({"extent": [0, 1, 0, 1], "resampling": "splines"}, "resampling"),
        (
            {"axes": {"x": [[0, 1], [10, 100]], "y": [[0, 0], [10, 1]], "x_scale": "log"}, "crs": "EPSG:4326"},
            "a log axis gives a grid on the figure's own pixels: remove crs",
        ),
        ({"resolution": 10}, "resolution needs georeferencing"),
        ({"gcps_file": str(tmp_path / "none.points")}, "GCP file not found"),
    ]
    for georef, message in cases:
        with pytest.raises(ConfigError, match=message):
            chromagrid.config.validate_config({**base, "georef": georef})
