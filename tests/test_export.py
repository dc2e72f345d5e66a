"""Export: NetCDF and GeoTIFF written, read back as a GIS user would, and written atomically."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess

import netCDF4
import numpy as np
import pytest
import rasterio
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr
from affine import Affine
from conftest import chromagrid_command, draw_figure, smooth_field, truth_per_pixel
from matplotlib.colors import Normalize

import chromagrid
from chromagrid.errors import OutputError
from chromagrid.export.grid import atomic_output, grid_format, write_grid

VMIN, VMAX = 0.0, 0.7
BIN = (VMAX - VMIN) / 256
EXTENT = (-10.0, 30.0, 35.0, 60.0)  # left right bottom top


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    """A 400 x 300 viridis figure (240 x 240 plot box) of a field with a NaN hole; and its truth per pixel."""
    folder = tmp_path_factory.mktemp("export")
    data = smooth_field(30, 40, VMIN, VMAX)
    data[20:26, 4:12] = np.nan
    fig = draw_figure(folder, data, "viridis", Normalize(VMIN, VMAX))
    x0, y0, x1, y1 = fig.box
    return fig, truth_per_pixel(data, (y1 - y0, x1 - x0))


def _expected_transform(box, extent=EXTENT) -> Affine:
    left, right, bottom, top = extent
    width, height = box[2] - box[0], box[3] - box[1]
    return Affine((right - left) / width, 0, left, 0, -(top - bottom) / height, top)


def _check_values(value, truth):
    value = np.asarray(value, float)
    np.testing.assert_array_equal(np.isnan(value), np.isnan(truth))
    assert np.nanmax(np.abs(value - truth)) <= BIN


def test_netcdf_cf_compressed_and_georeferenced(tmp_path, figure):
    fig, truth = figure
    out = tmp_path / "field.nc"
    chromagrid.digitize(
        fig.path,
        cmap="viridis",
        vmin=VMIN,
        vmax=VMAX,
        box=fig.box,
        extent=EXTENT,
        crs="EPSG:4326",
        output=out,
        units="K",
    )
    with netCDF4.Dataset(out) as nc:
        assert nc.data_model == "NETCDF4"
        assert nc.Conventions == "CF-1.11, ACDD-1.3"  # ACDD discovery attributes too (issue 15)
        value = nc["value"]
        assert value.dtype == np.float32 and value.dimensions == ("y", "x")
        assert value.filters()["zlib"] is True
        assert np.isnan(value._FillValue)
        assert value.units == "K"
        assert value.grid_mapping == "spatial_ref"
        assert nc["x"].standard_name == "longitude" and nc["y"].standard_name == "latitude"
        assert "WGS 84" in nc["spatial_ref"].crs_wkt
        assert nc["spatial_ref"].grid_mapping_name == "latitude_longitude"

    expected = _expected_transform(fig.box)
    ds = xr.open_dataset(out, decode_coords="all")
    _check_values(ds["value"].values, truth)
    np.testing.assert_allclose(ds["x"].values, [(expected @ (c + 0.5, 0))[0] for c in range(240)])
    np.testing.assert_allclose(ds["y"].values, [(expected @ (0, r + 0.5))[1] for r in range(240)])
    assert ds.rio.crs.to_epsg() == 4326
    assert ds.rio.transform().almost_equals(expected)

    with rasterio.open(f"netcdf:{out}:value") as src:
        assert src.crs.to_epsg() == 4326
        assert src.transform.almost_equals(expected)
        _check_values(src.read(1), truth)


def test_geotiff_crs_transform_nodata_deflate(tmp_path, figure):
    fig, truth = figure
    out = tmp_path / "field.tif"
    chromagrid.digitize(
        fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, extent=EXTENT, crs="EPSG:4326", output=out
    )
    expected = _expected_transform(fig.box)
    with rasterio.open(out) as src:
        # band 2: the colour distance, kept by default (issue 15)
        assert src.driver == "GTiff" and src.count == 2 and src.dtypes == ("float32", "float32")
        assert src.descriptions == ("value", "distance")
        assert src.crs.to_epsg() == 4326
        assert src.transform.almost_equals(expected)
        assert np.isnan(src.nodata)
        assert src.compression.value.lower() == "deflate"
        assert src.tags()["source_image"] == fig.path.name
        _check_values(src.read(1), truth)
        assert src.xy(0, 0) == pytest.approx(expected @ (0.5, 0.5))  # row 0 is north
    da = rioxarray.open_rasterio(out, masked=True).sel(band=1)  # band 1: value, band 2: distance
    assert da.rio.crs.to_epsg() == 4326
    _check_values(da.values, truth)
    np.testing.assert_allclose(da["y"].values[[0, -1]], [(expected @ (0, 0.5))[1], (expected @ (0, 239.5))[1]])


def test_projected_crs(tmp_path, figure):
    fig, truth = figure
    extent = (-1_000_000.0, 3_000_000.0, 4_000_000.0, 7_000_000.0)  # metres, EPSG:3857
    result = chromagrid.digitize(
        fig.path,
        cmap="viridis",
        vmin=VMIN,
        vmax=VMAX,
        box=fig.box,
        extent=extent,
        crs="EPSG:3857",
        output=[tmp_path / "m.tif", tmp_path / "m.nc"],
    )
    assert result.grid["x"].attrs["standard_name"] == "projection_x_coordinate"
    assert result.grid["x"].attrs["units"] == "m"
    expected = _expected_transform(fig.box, extent)
    with rasterio.open(tmp_path / "m.tif") as src:
        assert src.crs.to_epsg() == 3857 and src.transform.almost_equals(expected)
    ds = xr.open_dataset(tmp_path / "m.nc", decode_coords="all")
    assert ds.rio.crs.to_epsg() == 3857 and ds.rio.transform().almost_equals(expected)
    _check_values(ds["value"].values, truth)


def test_without_georeferencing_coordinates_are_pixel_indices(tmp_path, figure):
    fig, truth = figure
    x0, y0, x1, y1 = fig.box
    result = chromagrid.digitize(
        fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, output=[tmp_path / "p.nc", tmp_path / "p.tif"]
    )
    np.testing.assert_array_equal(result.grid["x"].values, np.arange(x0, x1))
    np.testing.assert_array_equal(result.grid["y"].values, np.arange(y0, y1))
    ds = xr.open_dataset(tmp_path / "p.nc")
    np.testing.assert_array_equal(ds["x"].values, np.arange(x0, x1))
    assert "spatial_ref" not in ds.variables
    _check_values(ds["value"].values, truth)
    with rasterio.open(tmp_path / "p.tif") as src:
        assert src.crs is None
        assert src.xy(0, 0) == pytest.approx((x0, y0))  # centre of the box's first pixel, in image pixels
        _check_values(src.read(1), truth)


def test_output_suffixes():
    assert grid_format("a.nc") == "netcdf" and grid_format("a.TIF") == "geotiff"
    with pytest.raises(chromagrid.ConfigError, match=r"unknown suffix '\.png'"):
        grid_format("a.png")


# --------------------------------------------------------------------------- atomic writes
def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_new_outputs_are_readable_like_any_new_file(tmp_path, figure):
    fig, _ = figure
    umask = os.umask(0o022)
    os.umask(umask)
    chromagrid.digitize(
        fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, output=[tmp_path / "a.nc", tmp_path / "a.tif"]
    )
    for name in ("a.nc", "a.tif"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
    (tmp_path / "a.nc").chmod(0o640)  # a replaced file keeps its mode
    chromagrid.digitize(fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, output=tmp_path / "a.nc")
    assert stat.S_IMODE((tmp_path / "a.nc").stat().st_mode) == 0o640


def _limit_file_size():
    """In the child: writes past 64 KB fail with EFBIG (a full disk, as far as the writer can tell)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))


@pytest.mark.parametrize("suffix", [".nc", ".tif"])
def test_a_write_failing_midway_keeps_the_old_file(tmp_path, suffix):
    """The real writer runs out of room half-way: the old output survives and no temporary file is left."""
    # a big noisy field: its compressed grid is far over the 64 KB the child may write
    data = np.random.default_rng(0).uniform(VMIN, VMAX, (300, 300))
    fig = draw_figure(tmp_path, data, "viridis", Normalize(VMIN, VMAX), size=(400, 400), axes=(0, 0, 0.75, 0.75))
    out = tmp_path / "out" / f"field{suffix}"
    out.parent.mkdir()
    out.write_bytes(b"the previous good output")
    cmd = chromagrid_command() + [
        "decode",
        str(fig.path),
        "--cmap",
        "viridis",
        "--vmin",
        "0",
        "--vmax",
        "0.7",
        "--box",
        *map(str, fig.box),
        "-o",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_limit_file_size, timeout=120)
    assert done.returncode == 1
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("chromagrid: error:")]
    assert len(error_lines) == 1 and f"{out}: cannot write the output" in error_lines[0]
    assert "Traceback" not in done.stderr
    assert out.read_bytes() == b"the previous good output"
    assert _leftovers(out.parent) == []


def test_output_onto_a_folder_fails_cleanly(tmp_path, figure):
    fig, _ = figure
    target = tmp_path / "taken.nc"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"taken\.nc: cannot write the output"):
        chromagrid.digitize(fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, output=target)
    assert (target / "keep.txt").read_text() == "mine"
    assert _leftovers(tmp_path) == []


def test_output_under_a_file_fails_cleanly(tmp_path, figure):
    fig, _ = figure
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(OutputError, match="cannot create the output file") as info:
        chromagrid.digitize(
            fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box, output=tmp_path / "not-a-folder" / "f.tif"
        )
    assert isinstance(info.value, OSError)  # still an OSError for code that caught those
    assert (tmp_path / "not-a-folder").read_text() == "x"


def test_atomic_output_moves_only_on_success(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(ZeroDivisionError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise ZeroDivisionError
    assert target.read_text() == "old" and _leftovers(tmp_path) == []
    with atomic_output(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == []


def test_write_grid_roundtrip_keeps_attributes(tmp_path, figure):
    fig, _ = figure
    result = chromagrid.digitize(fig.path, cmap="viridis", vmin=VMIN, vmax=VMAX, box=fig.box)
    write_grid(result.grid, tmp_path / "g.nc")
    back = xr.open_dataset(tmp_path / "g.nc")
    for key in ("source_image", "source_image_sha256", "colormap", "norm", "chromagrid_version", "chromagrid_config"):
        assert back.attrs[key] == result.grid.attrs[key]
    assert "distance" in back and back["distance"].dtype == np.float32


def test_extent_with_y_growing_downward_is_stored_north_up(tmp_path, figure):
    """extent bottom=5, top=-5 (an image whose top row is the south): the grid and files are north-up."""
    fig, truth = figure
    chromagrid.digitize(
        fig.path,
        cmap="viridis",
        vmin=VMIN,
        vmax=VMAX,
        box=fig.box,
        extent=(0, 10, 5, -5),
        crs="EPSG:4326",
        output=[tmp_path / "s.tif", tmp_path / "s.nc"],
    )
    north_up = truth[::-1]
    with rasterio.open(tmp_path / "s.tif") as src:
        assert src.transform.almost_equals(Affine(10 / 240, 0, 0, 0, -10 / 240, 5))
        _check_values(src.read(1), north_up)
    ds = xr.open_dataset(tmp_path / "s.nc", decode_coords="all")
    assert np.all(np.diff(ds["y"].values) < 0) and ds["y"].values[0] == pytest.approx(5 - 5 / 240)
    _check_values(ds["value"].values, north_up)
