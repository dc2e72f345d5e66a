"""Georeferencing: pixel <-> world coordinates.

Takes an extent and a CRS, calibrated axes, or ground control points; gives a
pixel mapping and the xarray grid built on it (:func:`georeferenced_grid`),
with GCP residuals (:func:`gcp_residuals`) and warping onto a regular grid.
"""

from chromagrid.geo.axes import Axis, axes_extent
from chromagrid.geo.gcp import GCP, GeorefError, fit_transform, gcp_residuals, read_points, write_points
from chromagrid.geo.georef import extent_transform, georeferenced_grid, make_grid, parse_crs, pixel_transform
from chromagrid.geo.warp import TargetGrid, WarpError, target_grid, warp_arrays

__all__ = [
    "Axis",
    "axes_extent",
    "GCP",
    "GeorefError",
    "fit_transform",
    "gcp_residuals",
    "read_points",
    "write_points",
    "parse_crs",
    "extent_transform",
    "pixel_transform",
    "make_grid",
    "georeferenced_grid",
    "TargetGrid",
    "WarpError",
    "target_grid",
    "warp_arrays",
]
