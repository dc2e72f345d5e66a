"""GIS-grade outputs (issue 15, parts 1-4), each read back with the tool a GIS user opens it with.

GeoParquet through geopandas; RFC 7946 GeoJSON through geopandas/pyogrio, Debian's ``ogrinfo`` and the RFC's
rules; CSV points through ``ogrinfo`` (the OGR VRT sidecar, or the CSV driver with the .prj); cloud-optimised
GeoTIFFs through rio-cogeo's validator, ``gdalinfo -json`` and rioxarray; grids through cf_xarray; and a project
folder moved to show that the provenance holds no machine path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import geopandas
import netCDF4
import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
import rioxarray
import xarray as xr
import yaml
from conftest import draw_figure, smooth_field
from matplotlib.colors import Normalize
from pyproj import CRS, Transformer
from rio_cogeo.cogeo import cog_validate

import chromagrid
from chromagrid import ChromagridWarning, ConfigError, Reduce
from chromagrid.export.points import geojson_frame

EXAMPLE = "examples/field.png"  # 540 x 420 px plot box: over 512 px, so its GeoTIFF is a COG
EXAMPLE_BOX = (80, 40, 620, 460)
EXTENT_3035 = (2_500_000.0, 6_500_000.0, 1_500_000.0, 5_000_000.0)  # ETRS89-LAEA Europe, metres


def gdal_tool(*args: str) -> str:
    """Run one of Debian's GDAL programs (gdal-bin, installed by `make system-deps`) and return its stdout."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} not found: run `make system-deps` (installs Debian's gdal-bin)")
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    data = smooth_field(20, 30, 0.0, 0.7)
    return draw_figure(tmp_path_factory.mktemp("fig"), data, "viridis", Normalize(0.0, 0.7), size=(300, 200))


@pytest.fixture(scope="module")
def laea(figure, tmp_path_factory):
    """A run in a projected CRS (EPSG:3035) writing every point format: (result, folder)."""
    out = tmp_path_factory.mktemp("laea")
    result = chromagrid.digitize(
        figure.path,
        cmap="viridis",
        vmin=0.0,
        vmax=0.7,
        box=figure.box,
        extent=EXTENT_3035,
        crs="EPSG:3035",
        units="degC",
        points=[out / n for n in ("points.parquet", "points.geojson", "points.csv", "points.nc")],
        output=[out / "field.nc"],
        reduce=Reduce(),
    )
    return result, out


# ----------------------------------------------------------------------------------------------- part 1


def test_parquet_points_are_geoparquet_read_by_geopandas(laea):
    result, out = laea
    frame = geopandas.read_parquet(out / "points.parquet")
    assert isinstance(frame, geopandas.GeoDataFrame) and frame.geometry.name == "geometry"
    assert frame.crs.to_epsg() == 3035
    assert set(frame.geom_type) == {"Point"} and len(frame) == len(result.points) > 20
    np.testing.assert_allclose(frame.geometry.x, result.points["x"])
    np.testing.assert_allclose(frame.geometry.y, result.points["y"])
    np.testing.assert_allclose(frame["value"], result.points["value"])


def test_geoparquet_metadata_follows_the_spec(laea):
    _, out = laea
    meta = pq.read_schema(out / "points.parquet").metadata
    geo = json.loads(meta[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert CRS.from_json_dict(column["crs"]).to_epsg() == 3035  # PROJJSON, as the spec asks
    left, bottom, right, top = column["bbox"]
    assert EXTENT_3035[0] <= left < right <= EXTENT_3035[1] and EXTENT_3035[2] <= bottom < top <= EXTENT_3035[3]
    short = json.loads(meta[b"chromagrid"])
    assert "chromagrid_config" not in short and "chromagrid_checks" not in short  # no bulk blocks (part 4)
    assert short["reduction_points"] > 20 and short["chromagrid_config_sha256"]


def test_geoparquet_without_georeferencing_has_a_null_crs(figure, tmp_path):
    chromagrid.digitize(figure.path, cmap="viridis", vmin=0.0, vmax=0.7, box=figure.box, points=tmp_path / "p.parquet")
    frame = geopandas.read_parquet(tmp_path / "p.parquet")
    assert frame.crs is None and set(frame.geom_type) == {"Point"}
    geo = json.loads(pq.read_schema(tmp_path / "p.parquet").metadata[b"geo"])
    assert geo["columns"]["geometry"]["crs"] is None  # explicitly undefined, not the CRS84 default


# ----------------------------------------------------------------------------------------------- part 2


def test_geojson_follows_rfc_7946(laea):
    result, out = laea
    doc = json.loads((out / "points.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc and "crs_wkt" not in doc  # RFC 7946 section 4: no crs member
    feats = doc["features"]
    lon = np.array([f["geometry"]["coordinates"][0] for f in feats])
    lat = np.array([f["geometry"]["coordinates"][1] for f in feats])
    assert ((-180 <= lon) & (lon <= 180)).all() and ((-90 <= lat) & (lat <= 90)).all()
    # longitude first, WGS 84: pyproj's own transform of the grid CRS coordinates kept as properties
    x = np.array([f["properties"]["x"] for f in feats])
    y = np.array([f["properties"]["y"] for f in feats])
    np.testing.assert_allclose(x, result.points["x"])
    want_lon, want_lat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True).transform(x, y)
    np.testing.assert_allclose(lon, want_lon, atol=1e-6)
    np.testing.assert_allclose(lat, want_lat, atol=1e-6)
    assert -40 < lon.min() < lon.max() < 60 and 20 < lat.min() < lat.max() < 80  # Europe, where the LAEA extent lies
    w, s, e, n = doc["bbox"]  # section 5: bbox west, south, east, north
    assert w == pytest.approx(lon.min()) and e == pytest.approx(lon.max())
    assert s == pytest.approx(lat.min()) and n == pytest.approx(lat.max())
    assert [f["id"] for f in feats] == [f["properties"]["cluster"] for f in feats]
    assert not any(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in feats)  # no rings to orient


def test_geojson_provenance_is_short(laea):
    _, out = laea
    doc = json.loads((out / "points.geojson").read_text())
    member = doc["chromagrid"]
    assert len(json.dumps(member)) < 2000 and len(member) <= 25
    assert member["source_image"] == "figure.png" and len(member["source_image_sha256"]) == 64
    assert member["units"] == "degC" and member["reduction_points"] == len(doc["features"])
    assert member["geospatial_lat_min"] == pytest.approx(min(f["geometry"]["coordinates"][1] for f in doc["features"]))
    assert not {"chromagrid_config", "chromagrid_checks", "chromagrid_found", "colorscale"} & set(member)


def test_geojson_read_by_geopandas_and_ogrinfo(laea):
    result, out = laea
    frame = geopandas.read_file(out / "points.geojson")
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(result.points)
    np.testing.assert_allclose(frame["value"], result.points["value"])
    info = gdal_tool("ogrinfo", "-ro", "-al", "-so", str(out / "points.geojson"))
    assert "Geometry: Point" in info and f"Feature Count: {len(result.points)}" in info
    assert 'GEOGCRS["WGS 84"' in info


def test_geojson_without_georeferencing_warns(figure, tmp_path):
    with pytest.warns(ChromagridWarning, match="image pixels, not RFC 7946"):
        chromagrid.digitize(
            figure.path, cmap="viridis", vmin=0.0, vmax=0.7, box=figure.box, points=tmp_path / "p.geojson"
        )
    assert "crs" not in json.loads((tmp_path / "p.geojson").read_text())


def test_geojson_refuses_points_with_no_longitude_latitude():
    import pandas as pd

    # Azimuthal equidistant around the pole: a point 30,000 km out lies beyond the antipode, off the earth
    crs = CRS.from_proj4("+proj=aeqd +lat_0=90 +lon_0=0 +datum=WGS84")
    points = pd.DataFrame({"x": [0.0, 3.0e7], "y": [0.0, 3.0e7], "value": [1.0, 2.0]})
    with pytest.raises(ConfigError, match=r"no WGS 84 longitude/latitude .* write .csv, .parquet or .nc"):
        geojson_frame(points, crs)


def test_csv_points_open_as_a_point_layer_in_gdal(laea):
    result, out = laea
    vrt = out / "points.vrt"
    assert vrt in result.outputs and str(out) not in vrt.read_text()  # the CSV named relative to the VRT
    info = gdal_tool("ogrinfo", "-ro", "-al", "-so", str(vrt))
    assert "Geometry: Point" in info and f"Feature Count: {len(result.points)}" in info
    assert "LAEA Europe" in info or "Lambert_Azimuthal_Equal_Area" in info
    # GDAL's CSV driver itself, told the x/y columns, takes the CRS from the .prj beside the CSV
    csv_info = gdal_tool(
        "ogrinfo",
        "-ro",
        "-al",
        "-so",
        "-oo",
        "X_POSSIBLE_NAMES=x",
        "-oo",
        "Y_POSSIBLE_NAMES=y",
        str(out / "points.csv"),
    )
    assert "Geometry: Point" in csv_info and "Lambert_Azimuthal_Equal_Area" in csv_info.replace(" ", "_")
    frame = geopandas.read_file(vrt)
    assert CRS.from_user_input(frame.crs).equals(CRS.from_epsg(3035), ignore_axis_order=True)
    np.testing.assert_allclose(frame.geometry.x, result.points["x"])
    np.testing.assert_allclose(frame["value"].astype(float), result.points["value"])


# ----------------------------------------------------------------------------------------------- part 3


@pytest.fixture(scope="module")
def example_tif(tmp_path_factory):
    out = tmp_path_factory.mktemp("cog")
    result = chromagrid.digitize(
        EXAMPLE,
        cmap="viridis",
        vmin=0.0,
        vmax=0.7,
        box=EXAMPLE_BOX,
        extent=(-10, 30, 35, 60),
        crs="EPSG:4326",
        units="degC",
        output=[out / "field.tif", out / "field.nc"],
    )
    return result, out / "field.tif"


def test_a_large_grid_is_a_valid_cog(example_tif):
    _, path = example_tif
    valid, errors, _ = cog_validate(str(path))
    assert valid and not errors
    info = json.loads(gdal_tool("gdalinfo", "-json", str(path)))
    assert info["metadata"]["IMAGE_STRUCTURE"]["LAYOUT"] == "COG"
    assert info["metadata"]["IMAGE_STRUCTURE"]["COMPRESSION"] == "DEFLATE"
    assert info["size"] == [540, 420]
    for band in info["bands"]:
        assert band["block"] == [256, 256]  # internal tiles
        sizes = [o["size"] for o in band["overviews"]]  # halving until one tile holds the whole
        assert sizes == [[270, 210], [135, 105]]


def test_cog_bands_described_with_units(example_tif):
    result, path = example_tif
    with rasterio.open(path) as src:
        assert src.count == 2 and src.descriptions == ("value", "distance")
        assert src.units == ("degC", "1")
        np.testing.assert_array_equal(src.read(1), result.grid["value"].values)
        np.testing.assert_array_equal(src.read(2), result.grid["distance"].values)
        assert src.tags(2)["long_name"].startswith("CIE76 colour distance")
    da = rioxarray.open_rasterio(path, masked=True)
    assert tuple(da.attrs["long_name"]) == ("value", "distance") and da.rio.crs.to_epsg() == 4326
    info = json.loads(gdal_tool("gdalinfo", "-json", str(path)))
    assert [b["description"] for b in info["bands"]] == ["value", "distance"]
    assert info["bands"][0]["unit"] == "degC"


def test_small_grids_stay_plain_and_cog_can_be_forced(figure, tmp_path):
    from chromagrid.export.grid import ExportOptions, write_geotiff

    result = chromagrid.digitize(
        figure.path, cmap="viridis", vmin=0.0, vmax=0.7, box=figure.box, extent=(0, 1, 0, 1), crs="EPSG:4326"
    )
    write_geotiff(result.grid, tmp_path / "small.tif")
    with rasterio.open(tmp_path / "small.tif") as src:
        assert "LAYOUT" not in src.tags(ns="IMAGE_STRUCTURE") and src.overviews(1) == []
    write_geotiff(result.grid, tmp_path / "forced.tif", options=ExportOptions(cog=True, blocksize=64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cog_validate(str(tmp_path / "forced.tif"))[0]


def test_grids_read_by_cf_xarray_with_acdd_bounds(example_tif):
    _, tif = example_tif
    with xr.open_dataset(tif.with_suffix(".nc")) as ds:
        assert ds.cf["longitude"].name == "x" and ds.cf["latitude"].name == "y"
        assert ds.cf["X"].name == "x" and ds.cf["Y"].name == "y"
        assert ds.cf["value"].attrs["units"] == "degC"
        assert ds.attrs["Conventions"] == "CF-1.11, ACDD-1.3"
        assert (ds.attrs["geospatial_lon_min"], ds.attrs["geospatial_lon_max"]) == (-10.0, 30.0)
        assert (ds.attrs["geospatial_lat_min"], ds.attrs["geospatial_lat_max"]) == (35.0, 60.0)
        assert ds.attrs["geospatial_bounds"].startswith("POLYGON ((-10.0 35.0")
        assert ds.attrs["summary"] and ds.attrs["keywords"]


def test_projected_grid_bounds_are_wgs84(laea):
    _, out = laea
    with xr.open_dataset(out / "field.nc") as ds:
        outline_lon, outline_lat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True).transform(
            [EXTENT_3035[0], EXTENT_3035[1], EXTENT_3035[0], EXTENT_3035[1]],
            [EXTENT_3035[2], EXTENT_3035[2], EXTENT_3035[3], EXTENT_3035[3]],
        )
        assert ds.attrs["geospatial_lon_min"] <= min(outline_lon) + 1e-6
        assert ds.attrs["geospatial_lat_max"] >= max(outline_lat) - 1e-6
        assert -180 <= ds.attrs["geospatial_lon_min"] < ds.attrs["geospatial_lon_max"] <= 180


# ----------------------------------------------------------------------------------------------- part 4


def _project(folder):
    """A project folder: a figure, a config with relative paths, outputs in out/."""
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "field.png")
    config = {
        "input": "field.png",
        "output": ["out/field.nc", "out/field.tif"],
        "points": ["out/points.parquet", "out/points.geojson", "out/points.nc"],
        "report": "out/report.json",
        "box": list(EXAMPLE_BOX),
        "units": "1",
        "scale": {"cmap": "viridis", "vmin": 0.0, "vmax": 0.7},
        "georef": {"extent": [-10, 30, 35, 60], "crs": "EPSG:4326"},
        "reduce": {"target_rmse_percent": 3.0},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder / "config.yaml"


def _stamps(folder):
    with netCDF4.Dataset(folder / "out" / "field.nc") as nc:
        grid = {k: nc.getncattr(k) for k in nc.ncattrs()}
    with rasterio.open(folder / "out" / "field.tif") as src:
        tags = src.tags()
    with xr.open_dataset(folder / "out" / "points.nc") as ds:
        points_nc = dict(ds.attrs)
    parquet = json.loads(pq.read_schema(folder / "out" / "points.parquet").metadata[b"chromagrid"])
    geojson = json.loads((folder / "out" / "points.geojson").read_text())["chromagrid"]
    return grid, tags, points_nc, parquet, geojson


def test_moving_a_project_folder_keeps_hash_and_provenance(tmp_path):
    first = _project(tmp_path / "machine-a" / "project")
    chromagrid.run(first)
    before = _stamps(first.parent)
    moved = tmp_path / "elsewhere" / "renamed"
    moved.parent.mkdir()
    shutil.move(first.parent, moved)
    assert not first.exists()
    chromagrid.run(moved / "config.yaml")
    after = _stamps(moved)
    grid_a, grid_b = before[0], after[0]
    assert grid_a["chromagrid_config_sha256"] == grid_b["chromagrid_config_sha256"]
    assert grid_a["chromagrid_config"] == grid_b["chromagrid_config"]
    config = json.loads(grid_b["chromagrid_config"])
    assert config["input"] == "field.png" and config["output"] == ["out/field.nc", "out/field.tif"]
    assert config["points"][0] == "out/points.parquet" and config["report"] == "out/report.json"
    assert grid_b["source_image"] == "field.png"
    assert grid_b["source_image_sha256"] == chromagrid.io.image.file_sha256(moved / "field.png")
    for a, b in zip(before, after):  # every file's provenance, but for the time stamps
        same = {k for k in a if "history" not in k and "date_created" not in k}
        assert {k: a[k] for k in same} == {k: b[k] for k in same}
    # no machine path anywhere in any output
    for stamp in after:
        text = json.dumps(stamp, default=str)
        assert str(tmp_path) not in text and "machine-a" not in text and "elsewhere" not in text


def test_point_files_carry_no_bulk_blocks(tmp_path):
    config = _project(tmp_path / "p")
    chromagrid.run(config)
    grid, _, points_nc, parquet, geojson = _stamps(config.parent)
    assert "chromagrid_checks" in grid and "chromagrid_config" in grid  # the grid keeps the full record
    for attrs in (points_nc, parquet, geojson):
        assert not {"chromagrid_config", "chromagrid_checks", "chromagrid_found", "colorscale"} & set(attrs)
        assert all(len(str(v)) <= 512 for v in attrs.values())
        assert attrs["chromagrid_config_sha256"] == grid["chromagrid_config_sha256"]
    assert points_nc["Conventions"] == "CF-1.11, ACDD-1.3" and points_nc["geospatial_lat_max"] <= 60.0


def test_cells_netcdf_has_conventions_history_and_units(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = np.array([[0.1, 0.5, 0.9], [0.3, 0.7, 0.2]])
    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.imshow(data, cmap="viridis", vmin=0, vmax=1)
    ax.set_axis_off()
    fig.savefig(tmp_path / "cells.png")
    plt.close(fig)
    chromagrid.cells(
        tmp_path / "cells.png", cmap="viridis", vmin=0, vmax=1, units="mm", output=tmp_path / "m.nc", rows=2, cols=3
    )
    with xr.open_dataset(tmp_path / "m.nc") as ds:
        assert ds.attrs["Conventions"] == "CF-1.11"
        lines = ds.attrs["history"].splitlines()
        assert lines[0].endswith("decoded cells.png") and lines[-1].endswith("wrote m.nc")
        assert ds["value"].attrs["units"] == "mm" and ds["n_pixels"].attrs["units"] == "1"
        np.testing.assert_allclose(ds["value"].values, data, atol=0.01)
        assert json.loads(ds.attrs["chromagrid_config"])["input"] == "cells.png"
