"""Georef stage: pixel <-> world coordinates, and the grid (xarray) they give.

With an ``extent`` (left, right, bottom, top: the world coordinates of the plot
box's outer edges, in matplotlib's ``imshow(extent=...)`` order) and a CRS,
pixel (col, row) of the box has its centre at

    x = left + (col + 0.5) * (right - left) / width
    y = top  - (row + 0.5) * (top - bottom) / height

so row 0 is the top of the figure. Without an extent, coordinates are the
image's own pixel indices (column, row) of the box's pixels.
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr
from affine import Affine
from pyproj import CRS

from .errors import ConfigError


def parse_crs(crs: str | int | CRS) -> CRS:
    """Any EPSG code, WKT or PROJ string to a pyproj CRS, with a clear error."""
    try:
        return CRS.from_user_input(crs)
    except Exception as e:  # pyproj raises CRSError, a subclass of ProjError
        raise ConfigError(f"crs: cannot understand {crs!r} ({e}); give e.g. EPSG:4326, a WKT or a PROJ string") from None


def extent_transform(extent, width: int, height: int) -> Affine:
    """Affine from (col, row) pixel corners to world coordinates for a box."""
    left, right, bottom, top = (float(v) for v in extent)
    return Affine((right - left) / width, 0.0, left, 0.0, -(top - bottom) / height, top)


def pixel_transform(box) -> Affine:
    """Affine for an un-georeferenced box: world coordinates are image pixel indices."""
    x0, y0 = box[0], box[1]
    return Affine(1.0, 0.0, x0 - 0.5, 0.0, 1.0, y0 - 0.5)


def pixel_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """World x of each column's centre and y of each row's centre."""
    x = transform.c + transform.a * (np.arange(width) + 0.5)
    y = transform.f + transform.e * (np.arange(height) + 0.5)
    return x, y


def _coordinate_attrs(crs: CRS | None) -> tuple[dict, dict]:
    if crs is None:
        return ({"long_name": "image column of the pixel", "units": "pixel"},
                {"long_name": "image row of the pixel", "units": "pixel"})
    if crs.is_geographic:
        return ({"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east", "axis": "X"},
                {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north", "axis": "Y"})
    unit = crs.axis_info[0].unit_name if crs.axis_info else "m"
    unit = {"metre": "m", "meter": "m", "foot": "ft", "US survey foot": "us_survey_foot"}.get(unit, unit)
    return ({"standard_name": "projection_x_coordinate", "long_name": "x coordinate of projection",
             "units": unit, "axis": "X"},
            {"standard_name": "projection_y_coordinate", "long_name": "y coordinate of projection",
             "units": unit, "axis": "Y"})


def grid_mapping_attrs(crs: CRS, transform: Affine) -> dict:
    """CF grid-mapping attributes for a CRS, plus what GDAL reads (spatial_ref, GeoTransform)."""
    attrs = crs.to_cf()
    attrs["crs_wkt"] = crs.to_wkt()
    attrs["spatial_ref"] = attrs["crs_wkt"]
    attrs["GeoTransform"] = " ".join(repr(float(v)) for v in transform.to_gdal())
    return attrs


def make_grid(value: np.ndarray, transform: Affine, crs: CRS | None = None,
              distance: np.ndarray | None = None, attrs: dict | None = None,
              units: str | None = None) -> xr.Dataset:
    """Build the grid Dataset: ``value`` (and ``distance``) on (y, x) cell-centre coordinates.

    Parameters
    ----------
    value : (H, W) float32, NaN = no data
    transform : Affine
        Pixel corner -> world coordinates (see :func:`extent_transform`).
    crs : pyproj.CRS, optional
    distance : (H, W) float32, optional
        Colour distance per pixel.
    attrs : dict
        Global attributes (provenance).
    units : str, optional
        Units of the decoded values.
    """
    height, width = value.shape
    x, y = pixel_centres(transform, width, height)
    x_attrs, y_attrs = _coordinate_attrs(crs)
    value_attrs = {"long_name": "value decoded from colours"}
    if units:
        value_attrs["units"] = units
    data_vars = {"value": (("y", "x"), value.astype(np.float32, copy=False), value_attrs)}
    if distance is not None:
        data_vars["distance"] = (("y", "x"), distance.astype(np.float32, copy=False),
                                 {"long_name": "CIE76 colour distance (delta E) to the colour scale",
                                  "units": "1"})
    ds = xr.Dataset(data_vars, coords={"x": ("x", x, x_attrs), "y": ("y", y, y_attrs)},
                    attrs=dict(attrs or {}))
    if crs is not None:
        ds = ds.assign_coords(spatial_ref=((), np.int32(0), grid_mapping_attrs(crs, transform)))
        for name in data_vars:
            ds[name].attrs["grid_mapping"] = "spatial_ref"
    ds.attrs["chromagrid_transform"] = json.dumps(list(transform)[:6])
    return ds


def grid_transform(ds: xr.Dataset) -> Affine:
    """The pixel-corner transform of a grid made by :func:`make_grid`."""
    a, b, c, d, e, f = json.loads(ds.attrs["chromagrid_transform"])
    return Affine(a, b, c, d, e, f)


def grid_crs(ds: xr.Dataset) -> CRS | None:
    """The CRS of a grid, or None."""
    if "spatial_ref" not in ds.coords:
        return None
    return CRS.from_wkt(ds["spatial_ref"].attrs["crs_wkt"])
