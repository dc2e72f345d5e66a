"""Point outputs: the reduced point cloud as CSV, Parquet, GeoJSON or CF point NetCDF, by suffix.

Every file is written through :func:`chromagrid.export.grid.atomic_output`: a
failure leaves no half-written file and keeps any existing one.

- ``.csv``: the point table (pandas), ``x``/``y`` columns (QGIS's delimited-text
  reader picks them); when georeferenced, a ``.prj`` (ESRI WKT, read by GDAL's
  CSV driver and QGIS) and an OGR ``.vrt`` (GDAL, ``ogrinfo`` and QGIS open it as
  a point layer in the CRS) beside it.
- ``.parquet``: GeoParquet 1.1 written by geopandas: a WKB ``geometry`` column
  and the ``geo`` metadata with the CRS as PROJJSON (``geopandas.read_parquet``
  reads it as a point layer); ``x``/``y`` columns kept; the CRS as WKT2 and the
  run's short attributes in the key-value metadata (``crs``, ``chromagrid``).
- ``.geojson``: RFC 7946, written by GDAL (pyogrio): WGS 84 longitude/latitude
  (reprojected by pyproj), no ``crs`` member, a ``bbox``; properties ``x``,
  ``y`` (the grid's CRS), ``value``, ``n_pixels``, ``cluster``, ``row``,
  ``col``; a short ``chromagrid`` member. Without georeferencing: image
  pixels, with a :class:`~chromagrid.errors.ChromagridWarning`.
- ``.nc``: CF-1.11 discrete sampling geometry (``featureType: point``), one
  ``obs`` dimension, ``x``/``y`` auxiliary coordinates with the grid's
  attributes, and the grid's grid-mapping variable ``spatial_ref``.

No point file carries bulk blocks (the full config, the checks' JSON, what was
found): see :func:`point_attrs`; every one gets ACDD discovery attributes.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from chromagrid.errors import ChromagridWarning, ConfigError
from chromagrid.export.discovery import conventions, discovery_attrs, lonlat_bounds
from chromagrid.io.files import format_from_suffix

POINT_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".geojson": "geojson", ".nc": "netcdf", ".nc4": "netcdf"}

#: Attributes point files leave out: bulk JSON blocks that stay in the grid files.
BULK_ATTRS = frozenset(
    {
        "chromagrid_config",
        "chromagrid_checks",
        "chromagrid_found",
        "chromagrid_search",
        "chromagrid_transform",
        "colorscale",
    }
)
#: Longer attribute values are left out of point files too.
MAX_POINT_ATTR_CHARS = 512
#: The attributes of a GeoJSON's ``chromagrid`` member (besides ``geospatial_*``): provenance kept short.
GEOJSON_ATTRS = (
    "title",
    "source_image",
    "source_image_sha256",
    "chromagrid_version",
    "chromagrid_config_sha256",
    "colormap",
    "vmin",
    "vmax",
    "units",
    "reduction_points",
    "reconstruction_rmse_percent",
    "checks_verdict",
)
#: Point-table columns that hold integers.
INTEGER_COLUMNS = ("n_pixels", "cluster", "row", "col")


def points_format(path: str | os.PathLike) -> str:
    """``csv``, ``parquet``, ``geojson`` or ``netcdf`` from a file name's suffix.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        For any other suffix.

    Examples
    --------
    >>> [points_format(p) for p in ("p.csv", "p.parquet", "p.geojson", "p.nc")]
    ['csv', 'parquet', 'geojson', 'netcdf']
    """
    return format_from_suffix(path, POINT_SUFFIXES, "points")


def _jsonable(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def point_attrs(attrs: dict | None) -> dict:
    """The run's attributes as point files carry them: short scalars only, no bulk blocks.

    Leaves out the full config, the checks' and the search's JSON, what was found,
    the colour scale table and the transform (they stay in the grid files, and the
    config is identified by ``chromagrid_config_sha256``), and any value longer
    than :data:`MAX_POINT_ATTR_CHARS`.

    Parameters
    ----------
    attrs : dict or None
        The grid's global attributes.

    Returns
    -------
    dict

    Examples
    --------
    >>> point_attrs({"title": "t", "chromagrid_config": "{...}", "reduction_points": 38, "note": "x" * 600})
    {'title': 't', 'reduction_points': 38}
    """
    out = {}
    for k, v in _jsonable(attrs or {}).items():
        if k in BULK_ATTRS or (isinstance(v, str) and len(v) > MAX_POINT_ATTR_CHARS):
            continue
        out[k] = v
    return out


def _geodataframe(points, crs):
    """The point table as a GeoDataFrame: a Point geometry column from ``x``/``y``, in ``crs``."""
    import geopandas

    return geopandas.GeoDataFrame(
        points.reset_index(drop=True), geometry=geopandas.points_from_xy(points["x"], points["y"]), crs=crs
    )


def _vrt(csv_name: str, layer: str, crs, columns) -> str:
    """An OGR VRT that opens the CSV as a point layer (x/y columns) in ``crs``: GDAL and QGIS honour it."""
    from xml.sax.saxutils import escape

    types = {"x": "Real", "y": "Real", "value": "Real"}
    fields = "".join(
        f'    <Field name="{escape(c)}" type="{types.get(c, "Integer" if c in INTEGER_COLUMNS else "String")}"/>\n'
        for c in columns
    )
    return (
        "<OGRVRTDataSource>\n"
        f'  <OGRVRTLayer name="{escape(layer)}">\n'
        f'    <SrcDataSource relativeToVRT="1">{escape(csv_name)}</SrcDataSource>\n'
        f"    <SrcLayer>{escape(layer)}</SrcLayer>\n"
        "    <GeometryType>wkbPoint</GeometryType>\n"
        f"    <LayerSRS>{escape(crs.to_wkt())}</LayerSRS>\n"
        '    <GeometryField encoding="PointFromColumns" x="x" y="y"/>\n'
        f"{fields}"
        "  </OGRVRTLayer>\n"
        "</OGRVRTDataSource>\n"
    )


def write_csv(points, path: Path, crs=None) -> list[Path]:
    """CSV of the point table; when georeferenced, a ``.prj`` (ESRI WKT) and an OGR ``.vrt`` beside it.

    The ``x``/``y`` columns are the ones QGIS's delimited-text reader picks as
    point coordinates; GDAL opens the ``.vrt`` (or the CSV with
    ``-oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y``, reading the ``.prj``) as a
    point layer in the grid's CRS. The ``.vrt`` names the CSV relative to itself.
    """
    from chromagrid.io.files import atomic_output

    with atomic_output(path) as tmp:
        points.to_csv(tmp, index=False)
        if crs is None:
            return [path]
        prj, vrt = path.with_suffix(".prj"), path.with_suffix(".vrt")
        # all three move into place only when all are written
        with atomic_output(prj) as tmp_prj, atomic_output(vrt) as tmp_vrt:
            tmp_prj.write_text(crs.to_wkt("WKT1_ESRI") or crs.to_wkt(), encoding="utf-8")
            tmp_vrt.write_text(_vrt(path.name, path.stem, crs, list(points.columns)), encoding="utf-8")
    return [path, prj, vrt]


def write_parquet(points, path: Path, crs=None, attrs: dict | None = None) -> list[Path]:
    """GeoParquet of the point table, written by geopandas: a ``geometry`` column and ``geo`` metadata.

    The ``geo`` metadata holds the CRS as PROJJSON (null for image pixel
    coordinates); the ``x``/``y`` columns stay beside the geometry. The file's
    key-value metadata also holds the CRS as WKT2 (``crs``) and the run's short
    attributes as JSON (``chromagrid``, see :func:`point_attrs`).
    """
    import pyarrow.parquet as pq

    from chromagrid.io.files import atomic_output

    frame = _geodataframe(points, crs)
    with atomic_output(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd", schema_version="1.1.0")
        table = pq.read_table(tmp)  # add chromagrid's own keys beside the `geo` metadata geopandas wrote
        meta = dict(table.schema.metadata or {})
        if crs is not None:
            meta[b"crs"] = crs.to_wkt().encode()
        meta[b"chromagrid"] = json.dumps(point_attrs(attrs)).encode()
        pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
    return [path]


def geojson_frame(points, crs):
    """The points as a GeoDataFrame in WGS 84 longitude/latitude (RFC 7946), reprojected by pyproj.

    Parameters
    ----------
    points : pandas.DataFrame
    crs : pyproj.CRS or None
        The CRS of ``x``/``y``; None for image pixels (kept as they are, with a warning).

    Returns
    -------
    geopandas.GeoDataFrame
        CRS ``OGC:CRS84`` (None for image pixels).

    Raises
    ------
    ConfigError
        When a point has no longitude/latitude in WGS 84 (outside the CRS's domain).

    Examples
    --------
    >>> import pandas as pd
    >>> from pyproj import CRS
    >>> points = pd.DataFrame({"x": [1113194.9], "y": [0.0], "value": [1.0]})
    >>> frame = geojson_frame(points, CRS.from_epsg(3857))
    >>> [round(v, 6) for v in frame.geometry.iloc[0].coords[0]]
    [10.0, 0.0]
    """
    frame = _geodataframe(points, crs)
    if crs is None:
        warnings.warn(
            "GeoJSON points without georeferencing: coordinates are image pixels, not RFC 7946 longitude/latitude; "
            "give georef (extent and crs) for GIS-ready GeoJSON, or write .csv/.parquet/.nc points",
            ChromagridWarning,
            stacklevel=3,
        )
        return frame
    lonlat = frame.to_crs("OGC:CRS84")
    lon, lat = lonlat.geometry.x.to_numpy(), lonlat.geometry.y.to_numpy()
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        raise ConfigError(
            f"GeoJSON points: {int(bad.sum())} of {len(bad)} points have no WGS 84 longitude/latitude in "
            f"{crs.name}; GeoJSON (RFC 7946) holds only those: write .csv, .parquet or .nc points instead"
        )
    return lonlat


def write_geojson(points, path: Path, crs=None, attrs: dict | None = None) -> list[Path]:
    """RFC 7946 GeoJSON FeatureCollection of Points, written by GDAL (pyogrio).

    Coordinates are WGS 84 longitude/latitude (reprojected from ``crs`` by
    pyproj), with no ``crs`` member; properties ``x``, ``y`` (in the grid's CRS),
    ``value``, ``n_pixels``, ``cluster``, ``row``, ``col``; the feature ``id`` is
    the cluster; a short ``chromagrid`` foreign member holds the run's key
    attributes (:func:`point_attrs`).
    """
    import pyogrio

    from chromagrid.io.files import atomic_output

    values = points[["x", "y", "value"]].to_numpy(np.float64)
    if not np.isfinite(values).all():
        raise ValueError(
            f"points {path}: GeoJSON (strict JSON) has no NaN or infinity: every x, y, value must be finite"
        )
    frame = geojson_frame(points, crs)
    short = {k: v for k, v in point_attrs(attrs).items() if k in GEOJSON_ATTRS or k.startswith("geospatial_")}
    options = {
        "RFC7946": "YES" if crs is not None else "NO",  # image pixels are no lon/lat: plain GeoJSON, no CRS
        "WRITE_BBOX": "YES",
        "WRITE_NAME": "NO",
        "ID_FIELD": "id",  # the feature id: the cluster (which stays a property too)
        "FOREIGN_MEMBERS_COLLECTION": json.dumps({"chromagrid": short}, allow_nan=False),
    }
    frame = frame.assign(id=frame["cluster"])
    with atomic_output(path) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        with warnings.catch_warnings():  # pyogrio's "no CRS" warning for image pixels: geojson_frame warned
            warnings.filterwarnings("ignore", message="'crs' was not provided", category=UserWarning)
            pyogrio.write_dataframe(frame, tmp, driver="GeoJSON", layer_options=options)
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
    ds.attrs = attr_safe({**point_attrs(attrs), "Conventions": conventions(attrs or {}), "featureType": "point"})
    encoding: dict[Hashable, dict[str, Any]] = {"value": {"zlib": True, "_FillValue": np.nan}}
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
        Provenance and checks, stored where the format has room, without bulk blocks (:func:`point_attrs`),
        with ACDD discovery attributes (WGS 84 bounds of the points) added.
    x_attrs, y_attrs, value_attrs : dict, optional
        The grid's coordinate and value attributes (NetCDF).
    grid_mapping : dict, optional
        The grid's grid-mapping attributes, copied to the NetCDF's ``spatial_ref``
        (else made from ``crs`` and ``transform``).

    Returns
    -------
    list of Path
        The files written (a CSV's ``.prj`` sidecar too).

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> points = pd.DataFrame(
    ...     {"x": [1.0, 2.0], "y": [50.0, 51.0], "value": [0.25, 0.5], "n_pixels": [12, 30], "cluster": [0, 1],
    ...      "row": [4, 9], "col": [3, 7]}
    ... )
    >>> from pyproj import CRS
    >>> [path] = write_points(points, Path(tempfile.mkdtemp()) / "points.geojson", crs=CRS.from_epsg(4326))
    >>> features = json.loads(path.read_text())["features"]
    >>> features[1]["geometry"]["coordinates"], features[1]["properties"]["value"]
    ([2.0, 51.0], 0.5)
    """
    path = Path(path)
    fmt = points_format(path)
    missing = {"x", "y", "value", "n_pixels", "cluster", "row", "col"} - set(points.columns)
    if missing:
        raise ConfigError(f"points {path}: the point table lacks columns {sorted(missing)}")
    attrs = point_attrs(attrs)
    attrs.update(discovery_attrs(attrs, lonlat_bounds(points["x"], points["y"], crs), "points"))
    if fmt == "csv":
        return write_csv(points, path, crs)
    tabular = {**attrs, "units": (value_attrs or {}).get("units")}  # the values' units: no variable to hold them
    if fmt == "parquet":
        return write_parquet(points, path, crs, tabular)
    if fmt == "geojson":
        return write_geojson(points, path, crs, tabular)
    return write_netcdf_points(points, path, crs, transform, attrs, x_attrs, y_attrs, value_attrs, grid_mapping)
