"""The export checklist: transforms, CRS, coordinates, nodata, compression, tiling, CF attributes, the CF
compliance checker, reproducibility and sidecar files, each checked on real files read back."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import netCDF4
import numpy as np
import pytest
import rasterio
import rioxarray
import xarray as xr
import yaml
from conftest import draw_figure, truth_per_pixel
from matplotlib.colors import Normalize
from pyproj import CRS

import chromagrid
from chromagrid.errors import ConfigError
from chromagrid.export.grid import ExportOptions, write_grid
from chromagrid.geo.georef import extent_transform, make_grid

# loading the compliance checker's plugins announces a deprecated one (ioos_sos) we do not use
pytestmark = pytest.mark.filterwarnings("ignore:The ioos_sos checker is deprecated:DeprecationWarning")

VMAX = 0.7
BIN = VMAX / 256
# 6 x 8 cells (30 x 30 pixels each); the four corners hold four distinct, known values; a hole of no data
FIELD = np.linspace(0.1, 0.6, 48).reshape(6, 8)
FIELD[0, 0], FIELD[0, -1], FIELD[-1, 0], FIELD[-1, -1] = 0.02, 0.3, 0.5, 0.68  # NW NE SW SE
FIELD[2:4, 3:5] = np.nan
EXTENTS = {"EPSG:4326": (-10.0, 30.0, 35.0, 60.0), "EPSG:3035": (3_000_000.0, 4_600_000.0, 2_000_000.0, 3_200_000.0)}
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cf")
    fig = draw_figure(
        folder, FIELD, "viridis", Normalize(0, VMAX), size=(300, 260), axes=(0.1, 0.1, 0.8, 0.6923), colorbar=None
    )
    return fig


def _config(figure, folder, crs="EPSG:4326", **extra) -> dict:
    return {
        "input": str(figure.path),
        "box": list(figure.box),
        "title": "A field with known corners",
        "units": "K",
        "output": [str(folder / "field.nc"), str(folder / "field.tif")],
        "scale": {"cmap": "viridis", "vmin": 0.0, "vmax": VMAX},
        "georef": {"extent": list(EXTENTS[crs]), "crs": crs},
        **extra,
    }


@pytest.fixture(scope="module", params=sorted(EXTENTS))
def written(request, figure, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    result = chromagrid.run(_config(figure, folder, request.param))
    return request.param, folder, result


def _box_size(figure):
    x0, y0, x1, y1 = figure.box
    return x1 - x0, y1 - y0


# --------------------------------------------------------------------------- transforms and orientation


def test_transforms_round_trip_to_a_billionth_of_a_cell(written, figure):
    crs, folder, _ = written
    left, right, bottom, top = EXTENTS[crs]
    width, height = _box_size(figure)
    dx, dy = (right - left) / width, (top - bottom) / height
    tol = 1e-9 * min(dx, dy)
    with rasterio.open(folder / "field.tif") as src:
        t = src.transform
        assert (t.b, t.d) == (0.0, 0.0) and t.e < 0  # north-up
        for got, want in zip((t.a, t.c, t.e, t.f), (dx, left, -dy, top)):
            assert abs(got - want) <= tol
        assert src.tags()["AREA_OR_POINT"] == "Area"  # pixel-is-area: the transform gives cell corners
        assert (src.width, src.height) == (width, height)
    nc = xr.open_dataset(folder / "field.nc")
    np.testing.assert_allclose(nc["x"].values, left + (np.arange(width) + 0.5) * dx, rtol=0, atol=tol)
    np.testing.assert_allclose(nc["y"].values, top - (np.arange(height) + 0.5) * dy, rtol=0, atol=tol)
    assert abs(float(nc["x"][0]) - (left + dx / 2)) <= tol and abs(float(nc["y"][0]) - (top - dy / 2)) <= tol
    with rasterio.open(f"netcdf:{folder / 'field.nc'}:value") as src:  # GDAL's reading of the NetCDF
        for got, want in zip(src.transform[:6], (dx, 0.0, left, 0.0, -dy, top)):
            assert abs(got - want) <= tol


def test_a_known_corner_value_proves_the_orientation(written):
    _, folder, _ = written
    corners = [FIELD[0, 0], FIELD[0, -1], FIELD[-1, 0], FIELD[-1, -1]]  # NW NE SW SE as drawn
    with rasterio.open(folder / "field.tif") as src:
        tif = src.read(1)
    nc = xr.open_dataset(folder / "field.nc")["value"].values
    for grid in (tif, nc):
        np.testing.assert_allclose([grid[0, 0], grid[0, -1], grid[-1, 0], grid[-1, -1]], corners, atol=BIN)


def test_values_are_the_drawn_field(written, figure):
    _, folder, _ = written
    width, height = _box_size(figure)
    truth = truth_per_pixel(FIELD, (height, width))
    with rasterio.open(folder / "field.tif") as src:
        np.testing.assert_allclose(src.read(1), truth, atol=BIN)  # NaN where the hole is, in both


# --------------------------------------------------------------------------- CRS


def test_crs_round_trips_through_rasterio_xarray_and_rioxarray(written):
    crs, folder, _ = written
    epsg = int(crs.split(":")[1])
    with rasterio.open(folder / "field.tif") as src:
        assert src.crs.to_epsg() == epsg
    with rasterio.open(f"netcdf:{folder / 'field.nc'}:value") as src:
        assert src.crs.to_epsg() == epsg
    nc = xr.open_dataset(folder / "field.nc")
    mapping = nc[nc["value"].attrs["grid_mapping"]]
    assert CRS.from_wkt(mapping.attrs["crs_wkt"]) == CRS.from_user_input(crs)  # plain xarray + CF attributes
    assert CRS.from_cf(mapping.attrs).to_epsg() == epsg or CRS.from_cf(mapping.attrs).equals(CRS(crs))
    assert xr.open_dataset(folder / "field.nc", decode_coords="all").rio.crs.to_epsg() == epsg
    assert rioxarray.open_rasterio(folder / "field.tif").rio.crs.to_epsg() == epsg


# --------------------------------------------------------------------------- coordinates and no data


def test_coordinates_carry_standard_name_units_axis_and_no_fill_value(written):
    crs, folder, _ = written
    expected = (
        {"x": ("longitude", "degrees_east"), "y": ("latitude", "degrees_north")}
        if crs == "EPSG:4326"
        else {"x": ("projection_x_coordinate", "m"), "y": ("projection_y_coordinate", "m")}
    )
    with netCDF4.Dataset(folder / "field.nc") as nc:
        for name, (standard_name, units) in expected.items():
            var = nc[name]
            assert var.standard_name == standard_name and var.units == units and var.axis == name.upper()
            assert "_FillValue" not in var.ncattrs()
        assert "_FillValue" not in nc["spatial_ref"].ncattrs()


def test_nodata_is_nan_in_both_files_and_no_valid_value_is_nan(written):
    _, folder, _ = written
    with rasterio.open(folder / "field.tif") as src:
        nodata, tif = src.nodata, src.read(1)
        masked = src.read(1, masked=True)
    with netCDF4.Dataset(folder / "field.nc") as nc:
        fill = nc["value"]._FillValue
        nc["value"].set_auto_mask(False)
        raw = nc["value"][:]
    assert np.isnan(nodata) and np.isnan(fill)  # the same value: NaN
    hole = np.isnan(tif)
    assert hole.sum() == 60 * 60  # the 2 x 2-cell hole, nothing more
    np.testing.assert_array_equal(np.isnan(raw), hole)
    assert np.isfinite(tif[~hole]).all() and np.array_equal(tif[~hole], raw[~hole])
    assert masked.mask.sum() == hole.sum()  # GDAL masks exactly the no-data cells


# --------------------------------------------------------------------------- compression and tiling


def test_default_compression(written):
    _, folder, _ = written
    with rasterio.open(folder / "field.tif") as src:
        structure = src.tags(ns="IMAGE_STRUCTURE")
        assert structure["COMPRESSION"] == "DEFLATE" and structure["PREDICTOR"] == "3"  # floating-point predictor
    with netCDF4.Dataset(folder / "field.nc") as nc:
        filters = nc["value"].filters()
        assert filters["zlib"] is True and filters["complevel"] == 4


@pytest.mark.parametrize(
    "export, tiff, level",
    [
        ({"compress": "lzw", "predictor": 2, "complevel": 9}, ("LZW", "2"), 9),
        ({"compress": "zstd", "complevel": 5}, ("ZSTD", "3"), 5),
        ({"compress": "none"}, (None, None), None),
    ],
)
def test_compression_as_configured(tmp_path, figure, export, tiff, level):
    chromagrid.run(_config(figure, tmp_path, export=export))
    with rasterio.open(tmp_path / "field.tif") as src:
        structure = src.tags(ns="IMAGE_STRUCTURE")
        assert (structure.get("COMPRESSION"), structure.get("PREDICTOR")) == tiff
    with netCDF4.Dataset(tmp_path / "field.nc") as nc:
        filters = nc["value"].filters()
        assert filters["zlib"] is (level is not None) and (level is None or filters["complevel"] == level)


def _grid(height, width):
    value = np.random.default_rng(0).random((height, width)).astype(np.float32)
    return make_grid(
        value,
        extent_transform((0, width * 10.0, 0, height * 10.0), width, height),
        CRS.from_epsg(3035),
        attrs={"Conventions": "CF-1.11", "title": "t"},
    )


def test_large_grids_are_tiled_small_ones_not(tmp_path):
    big, small = _grid(520, 600), _grid(100, 120)
    for name, ds in (("big", big), ("small", small)):
        write_grid(ds, tmp_path / f"{name}.tif")
        write_grid(ds, tmp_path / f"{name}.nc")
    with rasterio.open(tmp_path / "big.tif") as src:
        assert src.profile["tiled"] and src.block_shapes == [(256, 256)]
        np.testing.assert_array_equal(src.read(1), big["value"].values)
    with rasterio.open(tmp_path / "small.tif") as src:
        assert not src.profile.get("tiled", False)
    with netCDF4.Dataset(tmp_path / "big.nc") as nc:
        assert nc["value"].chunking() == [256, 256]
    with netCDF4.Dataset(tmp_path / "small.nc") as nc:
        assert nc["value"].chunking() != [256, 256]
    write_grid(small, tmp_path / "forced.tif", ExportOptions(tiled=True, blocksize=64))
    with rasterio.open(tmp_path / "forced.tif") as src:
        assert src.block_shapes == [(64, 64)]


# --------------------------------------------------------------------------- CF attributes and the checker


def test_cf_global_attributes_and_history(written, figure):
    _, folder, _ = written
    attrs = xr.open_dataset(folder / "field.nc").attrs
    assert attrs["Conventions"] == "CF-1.11, ACDD-1.3"  # ACDD discovery attributes too (issue 15)
    assert attrs["title"] == "A field with known corners"
    assert chromagrid.__version__ in attrs["source"] and figure.path.name in attrs["source"]
    lines = attrs["history"].splitlines()
    assert len(lines) == 2 and all(re.match(TIMESTAMP + ": chromagrid ", line) for line in lines)
    assert lines[0].endswith(f"decoded {figure.path.name}") and lines[1].endswith("wrote field.nc")
    with rasterio.open(folder / "field.tif") as src:
        tags = src.tags()
        assert tags["Conventions"] == "CF-1.11, ACDD-1.3"
        assert tags["history"].splitlines()[-1].endswith("wrote field.tif")


def _cf_errors(path, tmp_path) -> dict:
    """Run the IOOS compliance checker's CF test (offline: its standard-name table ships with it)."""
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    CheckSuite().load_all_available_checkers()
    report = tmp_path / f"{path.stem}.cf.json"
    ComplianceChecker.run_checker(str(path), ["cf"], 0, "normal", output_filename=str(report), output_format="json")
    result = json.loads(report.read_text())["cf"]
    failed = [p["name"] for p in result["high_priorities"] if p["value"][0] < p["value"][1]]
    return {"errors": result["high_count"], "failed": failed, "possible": result["possible_points"]}


def test_netcdf_passes_the_cf_compliance_checker(written, tmp_path):
    _, folder, _ = written
    report = _cf_errors(folder / "field.nc", tmp_path)
    assert report["possible"] > 100  # it really checked
    assert report["errors"] == 0, report["failed"]


def test_a_warped_netcdf_passes_the_cf_compliance_checker(tmp_path, figure):
    x0, y0, x1, y1 = figure.box
    left, right, bottom, top = EXTENTS["EPSG:4326"]
    gcps = [
        [c, r, left + (c - x0) / (x1 - x0) * (right - left), top - (r - y0) / (y1 - y0) * (top - bottom)]
        for c, r in [
            (x0 + 5, y0 + 5),
            (x1 - 9, y0 + 20),
            (x0 + 30, y1 - 4),
            (x1 - 3, y1 - 30),
            (x0 + 100, y0 + 77),
            (x0 + 170, y0 + 33),
        ]
    ]
    config = _config(
        figure,
        tmp_path,
        georef={
            "gcps": gcps,
            "transform": "polynomial2",
            "crs": "EPSG:4326",
            "target_crs": "EPSG:3035",
            "resolution": 25_000,
        },
    )
    chromagrid.run(config)
    report = _cf_errors(tmp_path / "field.nc", tmp_path)
    assert report["errors"] == 0, report["failed"]


def test_the_checker_does_find_errors(tmp_path):
    """The same check on a NetCDF written without CF care reports errors: the test above can fail."""
    ds = xr.Dataset(
        {"value": (("y", "x"), np.zeros((3, 4), np.float32), {"grid_mapping": "crs"})},
        coords={"x": ("x", np.arange(4.0), {"units": "furlongs"}), "y": np.arange(3.0)},
        attrs={"Conventions": "CF-1.11"},
    )
    ds.to_netcdf(tmp_path / "careless.nc")
    assert _cf_errors(tmp_path / "careless.nc", tmp_path)["errors"] > 0


# --------------------------------------------------------------------------- reproducibility and sidecars


def test_two_runs_give_identical_data_and_attributes_but_timestamps(tmp_path, figure):
    config = _config(figure, tmp_path)
    first = {}
    for run in (1, 2):
        chromagrid.run(config)
        nc = xr.open_dataset(tmp_path / "field.nc")
        nc.load()
        nc.close()
        with rasterio.open(tmp_path / "field.tif") as src:
            tif, tags = src.read(1), src.tags()
        state = {"nc": nc, "tif": tif, "tags": tags}
        if run == 1:
            first = state
    a, b = first["nc"], state["nc"]
    for name in ("value", "distance", "x", "y"):
        np.testing.assert_array_equal(a[name].values, b[name].values)
        assert a[name].attrs == b[name].attrs
    assert a["spatial_ref"].attrs == b["spatial_ref"].attrs
    stamped = {"history", "date_created"}  # when each run happened: the only attributes allowed to differ
    strip = lambda attrs: {k: v for k, v in attrs.items() if k not in stamped}  # noqa: E731
    assert strip(a.attrs) == strip(b.attrs) and strip(first["tags"]) == strip(state["tags"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b.attrs["date_created"])
    assert re.sub(TIMESTAMP, "T", a.attrs["history"]) == re.sub(TIMESTAMP, "T", b.attrs["history"])
    np.testing.assert_array_equal(first["tif"], state["tif"])


def test_no_sidecar_files_unless_asked(tmp_path, figure):
    chromagrid.run(_config(figure, tmp_path))
    with rasterio.open(tmp_path / "field.tif") as src:
        src.read(1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field.nc", "field.tif"]


def test_world_file_and_aux_xml_when_asked(tmp_path, figure):
    config = _config(figure, tmp_path, "EPSG:3035", export={"world_file": True, "aux_xml": True})
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(config))
    chromagrid.run(tmp_path / "run.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "field.nc",
        "field.tfw",
        "field.tif",
        "field.tif.aux.xml",
        "run.yaml",
    ]
    with rasterio.open(tmp_path / "field.tif") as src:
        t = src.transform
    world = [float(v) for v in (tmp_path / "field.tfw").read_text().split()]
    # world file: x size, rotations, y size, then the CENTRE of the top-left pixel
    np.testing.assert_allclose(world, [t.a, t.d, t.b, t.e, t.c + t.a / 2, t.f + t.e / 2], rtol=1e-12)
    aux = ET.parse(tmp_path / "field.tif.aux.xml").getroot()
    assert CRS.from_wkt(aux.find("SRS").text).to_epsg() == 3035
    geo = [float(v) for v in aux.find("GeoTransform").text.split(",")]
    np.testing.assert_allclose(geo, t.to_gdal(), rtol=1e-12)
    assert aux.find("PAMRasterBand/Description").text == "value"


def test_sidecars_need_a_geotiff(tmp_path, figure):
    config = _config(figure, tmp_path, export={"world_file": True})
    config["output"] = [str(tmp_path / "only.nc")]
    with pytest.raises(ConfigError, match="export.world_file goes beside a GeoTIFF"):
        chromagrid.run(config)
    assert list(tmp_path.iterdir()) == []
