"""Point outputs: CSV (+ .prj), Parquet, GeoJSON and CF point NetCDF, read back as a user would, with the CRS."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr
from conftest import draw_figure, smooth_field
from matplotlib.colors import Normalize
from pyproj import CRS, Transformer

import chromagrid
from chromagrid import ConfigError, Reduce
from chromagrid.export.points import write_points

EXTENT_3857 = (-1.2e6, 1.8e6, 4.0e6, 6.2e6)  # left right bottom top, metres


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    data = smooth_field(20, 30, 0.0, 0.7)
    return draw_figure(tmp_path_factory.mktemp("fig"), data, "viridis", Normalize(0.0, 0.7), size=(300, 200))


@pytest.fixture(scope="module", params=["EPSG:4326", "EPSG:3857"])
def written(request, figure, tmp_path_factory):
    """A georeferenced run writing all four point formats: (result, folder, crs)."""
    crs = request.param
    extent = (-10.0, 30.0, 35.0, 60.0) if crs == "EPSG:4326" else EXTENT_3857
    out = tmp_path_factory.mktemp("out")
    names = ["points.csv", "points.parquet", "points.geojson", "points.nc"]
    result = chromagrid.digitize(
        figure.path,
        cmap="viridis",
        vmin=0.0,
        vmax=0.7,
        box=figure.box,
        extent=extent,
        crs=crs,
        units="degC",
        points=[out / n for n in names],
        reduce=Reduce(),
    )
    return result, out, CRS.from_user_input(crs), extent


def _expected_xy(result, extent):
    """World coordinates of the points' pixels, from the extent (computed here, not by chromagrid)."""
    h, w = result.grid["value"].shape
    left, right, bottom, top = extent
    p = result.points
    return left + (p["col"] + 0.5) * (right - left) / w, top - (p["row"] + 0.5) * (top - bottom) / h


def test_csv_and_its_prj(written):
    result, out, crs, extent = written
    table = pd.read_csv(out / "points.csv")
    assert list(table.columns) == ["x", "y", "value", "n_pixels", "cluster", "row", "col"]
    assert len(table) == len(result.points) > 20
    x, y = _expected_xy(result, extent)
    assert np.allclose(table["x"], x) and np.allclose(table["y"], y)
    assert np.allclose(table["value"], result.points["value"])
    assert CRS.from_wkt((out / "points.prj").read_text()).equals(crs, ignore_axis_order=True)
    assert (out / "points.prj") in result.outputs


def test_parquet_with_crs_metadata(written):
    result, out, crs, _ = written
    table = pq.read_table(out / "points.parquet")
    meta = table.schema.metadata
    assert CRS.from_wkt(meta[b"crs"].decode()) == crs
    assert CRS.from_json_dict(json.loads(meta[b"geo"])["columns"]["geometry"]["crs"]) == crs  # GeoParquet
    attrs = json.loads(meta[b"chromagrid"])
    assert attrs["reduction_points"] == len(result.points)
    frame = pd.read_parquet(out / "points.parquet").drop(columns="geometry")  # the GeoParquet's WKB column
    pd.testing.assert_frame_equal(frame, result.points.reset_index(drop=True))


def test_geojson_feature_collection(written):
    result, out, crs, extent = written
    doc = json.loads((out / "points.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: WGS 84 longitude/latitude, no crs member (issue 15)
    feats = doc["features"]
    assert len(feats) == len(result.points)
    assert all(f["geometry"]["type"] == "Point" for f in feats)
    x, y = _expected_xy(result, extent)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    assert np.allclose([f["geometry"]["coordinates"][0] for f in feats], lon, atol=1e-6)
    assert np.allclose([f["geometry"]["coordinates"][1] for f in feats], lat, atol=1e-6)
    assert np.allclose([f["properties"]["x"] for f in feats], x)  # the grid's own CRS, as properties
    assert [f["properties"]["n_pixels"] for f in feats] == list(result.points["n_pixels"])
    assert np.allclose([f["properties"]["value"] for f in feats], result.points["value"])
    assert doc["chromagrid"]["reconstruction_rmse_percent"] == pytest.approx(
        result.checks["reconstruction"]["rmse_percent"]
    )


def test_netcdf_discrete_sampling_geometry(written):
    result, out, crs, extent = written
    with xr.open_dataset(out / "points.nc") as ds:
        assert ds.attrs["featureType"] == "point" and ds.attrs["Conventions"].startswith("CF-")
        assert dict(ds.sizes) == {"obs": len(result.points)}
        assert ds["value"].dims == ("obs",) and ds["value"].attrs["units"] == "degC"
        assert set(ds["value"].encoding.get("coordinates", ds["value"].attrs.get("coordinates", "")).split()) >= {
            "x",
            "y",
        }
        x, y = _expected_xy(result, extent)
        assert np.allclose(ds["x"], x) and np.allclose(ds["y"], y)
        assert np.allclose(ds["value"], result.points["value"])
        assert (ds["n_pixels"].values == result.points["n_pixels"].values).all()
        # the same CRS metadata as the grid
        assert CRS.from_wkt(ds["spatial_ref"].attrs["crs_wkt"]) == crs
        grid_attrs = result.grid["spatial_ref"].attrs
        assert set(ds["spatial_ref"].attrs) == set(grid_attrs)
        assert all(str(ds["spatial_ref"].attrs[k]) == str(grid_attrs[k]) for k in ("crs_wkt", "GeoTransform"))
        grid_mapping = ds["value"].encoding.get("grid_mapping", ds["value"].attrs.get("grid_mapping"))
        assert grid_mapping == "spatial_ref"
        if crs.is_geographic:
            assert ds["x"].attrs["standard_name"] == "longitude" and ds["y"].attrs["units"] == "degrees_north"
        else:
            assert ds["x"].attrs["standard_name"] == "projection_x_coordinate"
        assert ds.attrs["reduction_points"] == len(result.points)


def test_pixel_coordinates_without_georeferencing(figure, tmp_path):
    with pytest.warns(chromagrid.ChromagridWarning, match="not RFC 7946 longitude/latitude"):
        result = chromagrid.digitize(
            figure.path,
            cmap="viridis",
            vmin=0.0,
            vmax=0.7,
            box=figure.box,
            points=[tmp_path / "p.csv", tmp_path / "p.geojson", tmp_path / "p.nc"],
        )
    assert not (tmp_path / "p.prj").exists()
    doc = json.loads((tmp_path / "p.geojson").read_text())
    assert "crs" not in doc
    x0, y0 = figure.box[:2]
    p = result.points
    assert np.array_equal(p["x"], p["col"] + x0) and np.array_equal(p["y"], p["row"] + y0)  # image pixels
    with xr.open_dataset(tmp_path / "p.nc") as ds:
        assert "spatial_ref" not in ds.variables
        assert ds["x"].attrs["units"] == "pixel"


def test_unknown_point_suffix_fails_before_any_work(figure, tmp_path):
    with pytest.raises(ConfigError, match=r"points .*p\.shp: unknown suffix '\.shp'; use one of .csv"):
        chromagrid.digitize(figure.path, cmap="viridis", vmin=0.0, vmax=0.7, points=tmp_path / "p.shp")
    with pytest.raises(ConfigError, match="report .*ending in .json"):
        chromagrid.digitize(figure.path, cmap="viridis", vmin=0.0, vmax=0.7, report=tmp_path / "r.txt")
    assert not list(tmp_path.iterdir())


def test_a_failed_write_keeps_the_existing_file(tmp_path):
    good = pd.DataFrame(
        {"x": [1.0], "y": [2.0], "value": [3.0], "n_pixels": [4], "cluster": [1], "row": [0], "col": [0]}
    )
    path = tmp_path / "p.geojson"
    write_points(good, path, crs=CRS.from_epsg(4326))
    before = path.read_bytes()
    bad = good.assign(value=[np.nan])  # GeoJSON (strict JSON) has no NaN: the write fails midway
    with pytest.raises(ValueError):
        write_points(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.geojson"]
    with pytest.raises(ConfigError, match="lacks columns"):
        write_points(good.drop(columns="n_pixels"), tmp_path / "q.csv")
    assert not (tmp_path / "q.csv").exists()
