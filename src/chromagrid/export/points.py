"""Point outputs: the reduced point cloud as CSV, Parquet, GeoJSON or CF point NetCDF, by suffix.

Every file is written through :func:`chromagrid.export.grid.atomic_output`: a
failure leaves no half-written file and keeps any existing one.

- ``.csv``: the point table (pandas); when georeferenced, the CRS goes to a
  ``.prj`` file beside it (ESRI WKT, the sidecar GDAL's CSV driver and QGIS
  read).
- ``.parquet``: the point table (pyarrow); the CRS (WKT2 and PROJJSON) and
  the run's attributes in the file's key-value metadata (``crs``,
  ``crs_projjson``, ``chromagrid``).
- ``.geojson``: a FeatureCollection of Points, properties ``value``,
  ``n_pixels``, ``cluster``, ``row``, ``col``; the CRS as a named ``crs``
  member (``urn:ogc:def:crs:EPSG::code``, or the WKT when the CRS has no
  EPSG code) and as ``crs_wkt``; the run's attributes under ``chromagrid``.
- ``.nc``: CF-1.11 discrete sampling geometry (``featureType: point``), one
  ``obs`` dimension, ``x``/``y`` auxiliary coordinates with the grid's
  attributes, and the grid's grid-mapping variable ``spatial_ref``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from chromagrid.errors import ConfigError
from chromagrid.io.files import format_from_suffix

POINT_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".geojson": "geojson", ".nc": "netcdf", ".nc4": "netcdf"}


def points_format(path: str | os.PathLike) -> str:
    """``csv``, ``parquet``, ``geojson`` or ``netcdf`` from a file name's suffix."""
    return format_from_suffix(path, POINT_SUFFIXES, "points")


def _jsonable(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def write_csv(points, path: Path, crs=None) -> list[Path]:
    """CSV of the point table; the CRS in a ``.prj`` sidecar (ESRI WKT) when given."""
    from chromagrid.io.files import atomic_output

    with atomic_output(path) as tmp:
        points.to_csv(tmp, index=False)
        if crs is None:
            return [path]
        prj = path.with_suffix(".prj")
        with atomic_output(prj) as tmp_prj:  # both move into place only when both are written
            tmp_prj.write_text(crs.to_wkt("WKT1_ESRI") or crs.to_wkt(), encoding="utf-8")
    return [path, prj]


def write_parquet(points, path: Path, crs=None, attrs: dict | None = None) -> list[Path]:
    """Parquet of the point table; CRS and attributes in the schema's key-value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chromagrid.io.files import atomic_output

    table = pa.Table.from_pandas(points, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    if crs is not None:
        meta[b"crs"] = crs.to_wkt().encode()
        meta[b"crs_projjson"] = crs.to_json().encode()
    meta[b"chromagrid"] = json.dumps(_jsonable(attrs or {})).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return [path]


def geojson_crs(crs) -> dict | None:
    """The GeoJSON (2008) named ``crs`` member for a CRS."""
    if crs is None:
        return None
    code = crs.to_epsg()
    name = f"urn:ogc:def:crs:EPSG::{code}" if code is not None else crs.to_wkt()
    return {"type": "name", "properties": {"name": name}}


def write_geojson(points, path: Path, crs=None, attrs: dict | None = None) -> list[Path]:
    """GeoJSON FeatureCollection of Points with value, n_pixels, cluster, row, col."""
    from chromagrid.io.files import atomic_output

    features = [
        {
            "type": "Feature",
            "id": int(p.cluster),
            "geometry": {"type": "Point", "coordinates": [float(p.x), float(p.y)]},
            "properties": {
                "value": float(p.value),
                "n_pixels": int(p.n_pixels),
                "cluster": int(p.cluster),
                "row": int(p.row),
                "col": int(p.col),
            },
        }
        for p in points.itertuples(index=False)
    ]
    collection = {
        "type": "FeatureCollection",
        "crs": geojson_crs(crs),
        "crs_wkt": crs.to_wkt() if crs is not None else None,
        "chromagrid": _jsonable(attrs or {}),
        "features": features,
    }
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(collection, f, allow_nan=False)
    return [path]


def write_netcdf_points(
    points,
    path: Path,
    crs=None,
    transform=None,
    attrs: dict | None = None,
    x_attrs: dict | None = None,
    y_attrs: dict | None = None,
    value_attrs: dict | None = None,
    grid_mapping: dict | None = None,
) -> list[Path]:
    """CF discrete-sampling-geometry point NetCDF: dimension ``obs``, same CRS metadata as the grid."""
    import xarray as xr

    from chromagrid.geo.georef import grid_mapping_attrs
    from chromagrid.io.files import atomic_output, attr_safe

    def aux(a):  # CF: `axis` belongs on coordinate variables, not on auxiliary coordinates
        return {k: v for k, v in (a or {}).items() if k != "axis"}

    value_attrs = {k: v for k, v in (value_attrs or {}).items() if k != "grid_mapping"}
    value_attrs.setdefault("long_name", "value decoded from colours")
    data_vars = {
        "value": ("obs", points["value"].to_numpy(np.float64), value_attrs),
        "n_pixels": (
            "obs",
            points["n_pixels"].to_numpy(np.int64),
            {"long_name": "number of pixels in the point's cluster", "units": "1"},
        ),
        "cluster": ("obs", points["cluster"].to_numpy(np.int64), {"long_name": "cluster id", "units": "1"}),
        "row": (
            "obs",
            points["row"].to_numpy(np.int64),
            {"long_name": "row of the point's pixel in the plot box", "units": "1"},
        ),
        "col": (
            "obs",
            points["col"].to_numpy(np.int64),
            {"long_name": "column of the point's pixel in the plot box", "units": "1"},
        ),
    }
    ds = xr.Dataset(
        data_vars,
        coords={
            "x": ("obs", points["x"].to_numpy(np.float64), aux(x_attrs)),
            "y": ("obs", points["y"].to_numpy(np.float64), aux(y_attrs)),
        },
    )
    if crs is not None:
        mapping = dict(grid_mapping) if grid_mapping else grid_mapping_attrs(crs, transform)
        ds = ds.assign_coords(spatial_ref=((), np.int32(0), mapping))
        ds["value"].attrs["grid_mapping"] = "spatial_ref"
    ds.attrs = attr_safe({**(attrs or {}), "Conventions": "CF-1.11", "featureType": "point"})
    encoding = {"value": {"zlib": True, "_FillValue": np.nan}}
    for name in list(ds.coords) + ["n_pixels", "cluster", "row", "col"]:
        encoding.setdefault(name, {"_FillValue": None})
    with atomic_output(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return [path]


def write_points(
    points,
    path: str | os.PathLike,
    crs=None,
    transform=None,
    attrs: dict | None = None,
    x_attrs: dict | None = None,
    y_attrs: dict | None = None,
    value_attrs: dict | None = None,
    grid_mapping: dict | None = None,
) -> list[Path]:
    """Write the point table in the format its suffix names.

    Parameters
    ----------
    points : pandas.DataFrame
        ``x``, ``y``, ``value``, ``n_pixels``, ``cluster``, ``row``, ``col``.
    path : path-like
        ``.csv``, ``.parquet``, ``.geojson`` or ``.nc``.
    crs : pyproj.CRS, optional
        CRS of ``x``/``y``; None for image pixel coordinates.
    transform : affine.Affine, optional
        The grid's transform (NetCDF's grid-mapping ``GeoTransform``).
    attrs : dict, optional
        Provenance and checks, stored where the format has room.
    x_attrs, y_attrs, value_attrs : dict, optional
        The grid's coordinate and value attributes (NetCDF).
    grid_mapping : dict, optional
        The grid's grid-mapping attributes, copied to the NetCDF's ``spatial_ref``
        (else made from ``crs`` and ``transform``).

    Returns
    -------
    list of Path
        The files written (a CSV's ``.prj`` sidecar too).
    """
    path = Path(path)
    fmt = points_format(path)
    missing = {"x", "y", "value", "n_pixels", "cluster", "row", "col"} - set(points.columns)
    if missing:
        raise ConfigError(f"points {path}: the point table lacks columns {sorted(missing)}")
    if fmt == "csv":
        return write_csv(points, path, crs)
    if fmt == "parquet":
        return write_parquet(points, path, crs, attrs)
    if fmt == "geojson":
        return write_geojson(points, path, crs, attrs)
    return write_netcdf_points(points, path, crs, transform, attrs, x_attrs, y_attrs, value_attrs, grid_mapping)
