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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from affine import Affine
from pyproj import CRS

from chromagrid.errors import ChromagridError, ConfigError

if TYPE_CHECKING:  # imported where used: the GCP fit and GDAL warping are loaded only for the figures that need them
    from chromagrid.geo.gcp import GCPReport
    from chromagrid.geo.warp import TargetGrid


def parse_crs(crs: str | int | CRS) -> CRS:
    """Any EPSG code, WKT or PROJ string to a pyproj CRS, with a clear error.

    Parameters
    ----------
    crs : str, int or pyproj.CRS
        ``EPSG:4326``, ``4326``, a WKT or a PROJ string.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    ConfigError
        For anything pyproj cannot read.

    Examples
    --------
    >>> parse_crs("EPSG:4326").name, parse_crs(3035).to_epsg()
    ('WGS 84', 3035)
    >>> parse_crs("EPSG:99999")
    Traceback (most recent call last):
    ...
    chromagrid.errors.ConfigError: crs: cannot understand 'EPSG:99999' (...); give e.g. EPSG:4326, a WKT or a PROJ string
    """
    try:
        return CRS.from_user_input(crs)
    except Exception as e:  # pyproj raises CRSError, a subclass of ProjError
        raise ConfigError(
            f"crs: cannot understand {crs!r} ({e}); give e.g. EPSG:4326, a WKT or a PROJ string"
        ) from None


def extent_transform(extent, width: int, height: int) -> Affine:
    """Affine from (col, row) pixel corners to world coordinates for a box.

    Parameters
    ----------
    extent : (left, right, bottom, top)
        World coordinates of the box's outer edges, as matplotlib's ``imshow(extent=...)``.
    width, height : int
        The box's size in pixels.

    Returns
    -------
    affine.Affine
        Pixel corner (col, row) -> world (x, y); row 0 at the top.

    Examples
    --------
    >>> t = extent_transform((-10, 30, 35, 60), 400, 250)
    >>> t @ (0, 0), t @ (400, 250), (t.a, t.e)
    ((-10.0, 60.0), (30.0, 35.0), (0.1, -0.1))
    """
    left, right, bottom, top = (float(v) for v in extent)
    return Affine((right - left) / width, 0.0, left, 0.0, -(top - bottom) / height, top)


def pixel_transform(box) -> Affine:
    """Affine for an un-georeferenced box: world coordinates are image pixel indices.

    Parameters
    ----------
    box : (x0, y0, x1, y1)
        The plot box in image pixels.

    Returns
    -------
    affine.Affine
        Box pixel corner -> image coordinates, so that each box pixel's centre is its image (column, row).

    Examples
    --------
    >>> t = pixel_transform((80, 40, 620, 460))
    >>> t @ (0.5, 0.5), t @ (1.5, 0.5)
    ((80.0, 40.0), (81.0, 40.0))
    """
    x0, y0 = box[0], box[1]
    return Affine(1.0, 0.0, x0 - 0.5, 0.0, 1.0, y0 - 0.5)


def pixel_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """World x of each column's centre and y of each row's centre."""
    x = transform.c + transform.a * (np.arange(width) + 0.5)
    y = transform.f + transform.e * (np.arange(height) + 0.5)
    return x, y


def _coordinate_attrs(crs: CRS | None) -> tuple[dict, dict]:
    if crs is None:
        return (
            {"long_name": "image column of the pixel", "units": "pixel"},
            {"long_name": "image row of the pixel", "units": "pixel"},
        )
    if crs.is_geographic:
        return (
            {"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east", "axis": "X"},
            {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north", "axis": "Y"},
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else "m"
    unit = {"metre": "m", "meter": "m", "foot": "ft", "US survey foot": "us_survey_foot"}.get(unit, unit)
    return (
        {
            "standard_name": "projection_x_coordinate",
            "long_name": "x coordinate of projection",
            "units": unit,
            "axis": "X",
        },
        {
            "standard_name": "projection_y_coordinate",
            "long_name": "y coordinate of projection",
            "units": unit,
            "axis": "Y",
        },
    )


def grid_mapping_attrs(crs: CRS, transform: Affine) -> dict:
    """CF grid-mapping attributes for a CRS, plus what GDAL reads (spatial_ref, GeoTransform)."""
    attrs = crs.to_cf()
    attrs["crs_wkt"] = crs.to_wkt()
    attrs["spatial_ref"] = attrs["crs_wkt"]
    attrs["GeoTransform"] = " ".join(repr(float(v)) for v in transform.to_gdal())
    return attrs


def make_grid(
    value: np.ndarray,
    transform: Affine,
    crs: CRS | None = None,
    distance: np.ndarray | None = None,
    attrs: dict | None = None,
    units: str | None = None,
) -> xr.Dataset:
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

    Returns
    -------
    xarray.Dataset
        ``value`` (and ``distance``) on ``y``, ``x`` cell-centre coordinates, with the CRS as CF grid-mapping
        attributes when ``crs`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> grid = make_grid(np.arange(12, dtype=np.float32).reshape(3, 4), extent_transform((0, 4, 0, 3), 4, 3))
    >>> grid["x"].values.tolist(), grid["y"].values.tolist()
    ([0.5, 1.5, 2.5, 3.5], [2.5, 1.5, 0.5])
    >>> float(grid["value"].sel(x=2.5, y=0.5))
    10.0
    """
    height, width = value.shape
    x, y = pixel_centres(transform, width, height)
    x_attrs, y_attrs = _coordinate_attrs(crs)
    value_attrs = {"long_name": "value decoded from colours"}
    if units:
        value_attrs["units"] = units
    data_vars = {"value": (("y", "x"), value.astype(np.float32, copy=False), value_attrs)}
    if distance is not None:
        data_vars["distance"] = (
            ("y", "x"),
            distance.astype(np.float32, copy=False),
            {"long_name": "CIE76 colour distance (delta E) to the colour scale", "units": "1"},
        )
    ds = xr.Dataset(data_vars, coords={"x": ("x", x, x_attrs), "y": ("y", y, y_attrs)}, attrs=dict(attrs or {}))
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


# --------------------------------------------------------------------------- georeferencing a decoded box
#
# Everything below maps the plot box's pixels to world coordinates from an
# extent, an axis calibration or ground control points, and builds the grid:
# directly when the mapping is an axis-aligned affine (within EXACT_TOLERANCE of
# a pixel), else by warping onto a regular grid (chromagrid.geo.warp).

#: Largest departure (in pixels, anywhere in the box) from an axis-aligned affine that still counts as exact.
EXACT_TOLERANCE = 1e-3


@dataclass
class PixelMapping:
    """How the plot box's pixels map to world coordinates.

    Attributes
    ----------
    method : str
        ``extent``, ``axes`` or ``gcps``.
    crs : pyproj.CRS or None
        CRS of the world coordinates.
    forward : callable
        Box pixel (col, row) array (N, 2) -> world (x, y) array (N, 2); for a log
        axis, the log10 of its value.
    affine : Affine or None
        Box pixel corners -> world, when the mapping is affine (possibly rotated).
    transform_name : str or None
        The GCP transform (QGIS name), for ``gcps``.
    report : chromagrid.geo.gcp.GCPReport or None
        GCP residuals, for ``gcps``.
    log_x, log_y : bool
        The axis is logarithmic (``axes`` only): world coordinates are log10 values.
    """

    method: str
    crs: CRS | None
    forward: Callable[[np.ndarray], np.ndarray]
    affine: Affine | None = None
    transform_name: str | None = None
    report: GCPReport | None = None
    log_x: bool = False
    log_y: bool = False


def _affine_forward(t: Affine) -> Callable[[np.ndarray], np.ndarray]:
    def forward(p):
        p = np.asarray(p, dtype=float).reshape(-1, 2)
        return np.column_stack([t.a * p[:, 0] + t.b * p[:, 1] + t.c, t.d * p[:, 0] + t.e * p[:, 1] + t.f])

    return forward


def mapping_from_extent(extent, width: int, height: int, crs: CRS | None = None) -> PixelMapping:
    """The mapping an extent (left, right, bottom, top of the box's outer edges) gives."""
    t = extent_transform(extent, width, height)
    return PixelMapping("extent", crs, _affine_forward(t), t)


def mapping_from_axes(x_axis, y_axis, box, crs: CRS | None = None) -> PixelMapping:
    """The mapping a two-tick-per-axis calibration gives (see :mod:`chromagrid.geo.axes`)."""
    from chromagrid.geo.axes import axes_transform

    t = axes_transform(x_axis, y_axis, box)
    return PixelMapping("axes", crs, _affine_forward(t), t, log_x=x_axis.scale == "log", log_y=y_axis.scale == "log")


def mapping_from_gcps(gcps: list, transform: str, box, crs: CRS | None = None) -> PixelMapping:
    """Fit ``transform`` to GCPs given in image pixel coordinates; residuals in ``mapping.report``."""
    from chromagrid.geo.gcp import fit_transform, gcp_residuals

    fitted = fit_transform(transform, gcps)
    report = gcp_residuals(fitted, gcps)
    x0, y0 = float(box[0]), float(box[1])
    shift = np.array([x0, y0])
    forward = lambda p: fitted.forward(np.asarray(p, dtype=float).reshape(-1, 2) + shift)  # noqa: E731
    affine = fitted.affine @ Affine.translation(x0, y0) if fitted.affine is not None else None
    return PixelMapping("gcps", crs, forward, affine, transform_name=transform, report=report)


def axis_aligned(mapping: PixelMapping, width: int, height: int, tolerance: float = EXACT_TOLERANCE) -> Affine | None:
    """The mapping as an axis-aligned affine, if it is one within ``tolerance`` pixels; else None."""
    t = mapping.affine
    if t is not None and t.b == 0 and t.d == 0:
        return t
    n = 21
    cols, rows = np.meshgrid(np.linspace(0, width, n), np.linspace(0, height, n))
    pixel = np.column_stack([cols.ravel(), rows.ravel()])
    world = mapping.forward(pixel)
    a, c = np.polyfit(pixel[:, 0], world[:, 0], 1)
    e, f = np.polyfit(pixel[:, 1], world[:, 1], 1)
    if a == 0 or e == 0:
        return None
    off_x = np.abs(world[:, 0] - (a * pixel[:, 0] + c)) / abs(a)
    off_y = np.abs(world[:, 1] - (e * pixel[:, 1] + f)) / abs(e)
    if max(off_x.max(), off_y.max()) > tolerance:
        return None
    return Affine(float(a), 0.0, float(c), 0.0, float(e), float(f))


def north_up(arrays: list[np.ndarray], transform: Affine) -> tuple[list[np.ndarray], Affine]:
    """Flip arrays so that x grows along columns and y falls along rows (an axis-aligned transform)."""
    height, width = arrays[0].shape
    if transform.e > 0:
        arrays = [a[::-1] for a in arrays]
        transform = Affine(transform.a, 0.0, transform.c, 0.0, -transform.e, transform.f + transform.e * height)
    if transform.a < 0:
        arrays = [a[:, ::-1] for a in arrays]
        transform = Affine(-transform.a, 0.0, transform.c + transform.a * width, 0.0, transform.e, transform.f)
    return [np.ascontiguousarray(a) for a in arrays], transform


@dataclass
class GridPlan:
    """Where a box's pixels go: written directly (``exact``) or warped onto ``target``.

    Attributes
    ----------
    mapping : PixelMapping
    exact : Affine or None
        The axis-aligned affine of the box's pixels, when they are written directly.
    target : chromagrid.geo.warp.TargetGrid or None
        The regular grid warped onto, otherwise.
    resampling : str
    """

    mapping: PixelMapping
    exact: Affine | None
    target: TargetGrid | None
    resampling: str = "nearest"

    @property
    def crs(self) -> CRS | None:
        """CRS of the grid."""
        return self.mapping.crs if self.target is None else self.target.crs

    def apply(self, arrays: list[np.ndarray]) -> tuple[list[np.ndarray], Affine]:
        """Put box arrays (float, NaN no data) on the grid: ``(arrays, pixel-corner transform)``, north-up."""
        from chromagrid.geo.warp import warp_arrays

        if self.target is None:
            assert self.exact is not None, "a GridPlan has exact or target"
            return north_up(arrays, self.exact)
        m = self.mapping
        if m.affine is not None:
            out = warp_arrays(arrays, self.target, m.crs, affine=m.affine, resampling=self.resampling)
        else:
            out = warp_arrays(arrays, self.target, m.crs, forward=m.forward, resampling=self.resampling)
        return out, self.target.transform

    def describe(self) -> str:
        """One sentence for the ``georef_grid`` attribute."""
        if self.target is None:
            return "exact affine from the figure's pixels: one cell per pixel, written without resampling"
        t = self.target
        how = "the affine" if self.mapping.affine is not None else f"the {self.mapping.transform_name} fit"
        where = f"in {t.crs.to_string()}" if t.crs is not None else "(no CRS)"
        return (
            f"warped with GDAL (rasterio.warp) from the figure's pixels through {how} onto a regular grid "
            f"{where}, cells {t.transform.a!r} x {-t.transform.e!r}, {self.resampling} resampling"
        )


def plan_grid(
    mapping: PixelMapping,
    width: int,
    height: int,
    target_crs: CRS | None = None,
    resolution=None,
    resampling: str = "nearest",
) -> GridPlan:
    """Decide how a ``width`` x ``height`` box becomes a grid (see :func:`georeferenced_grid`)."""
    from chromagrid.geo.warp import target_grid

    dst_crs = target_crs if target_crs is not None else mapping.crs
    reproject = dst_crs is not None and mapping.crs is not None and not dst_crs.equals(mapping.crs)
    exact = axis_aligned(mapping, width, height)
    if exact is not None and not reproject and resolution is None:
        return GridPlan(mapping, exact, None, resampling)
    if mapping.log_x or mapping.log_y:
        raise ChromagridError(
            "a log axis gives a grid on the figure's own pixels; it cannot be warped, "
            "reprojected or resampled (remove target_crs and resolution)"
        )
    return GridPlan(
        mapping, None, target_grid(mapping.forward, width, height, mapping.crs, dst_crs, resolution), resampling
    )


def _plain_coordinate_attrs(ds: xr.Dataset, mapping: PixelMapping, axis_units=(None, None)) -> xr.Dataset:
    """Coordinate attributes for world coordinates without a CRS (an axis calibration, a chart)."""
    for name, log, units in (("x", mapping.log_x, axis_units[0]), ("y", mapping.log_y, axis_units[1])):
        attrs = {"long_name": f"{name} axis value of the figure", "axis": name.upper()}
        if units:
            attrs["units"] = units
        if log:
            attrs["chromagrid_axis_scale"] = "log"
        ds[name].attrs = attrs
    return ds


def georef_attrs(plan: GridPlan) -> dict:
    """Global attributes that say how the grid was georeferenced (and the GCP residuals)."""
    m = plan.mapping
    attrs = {"georef_method": m.method, "georef_grid": plan.describe()}
    if m.crs is not None:
        attrs["georef_source_crs"] = m.crs.to_string()
    if m.transform_name is not None:
        attrs["georef_transform"] = m.transform_name
    if plan.target is not None:
        attrs["georef_resampling"] = plan.resampling
        if plan.target.crs is not None:
            attrs["georef_target_crs"] = plan.target.crs.to_string()
    if m.report is not None:
        report = m.report.as_dict()
        attrs.update(
            gcp_count=report["count"],
            gcp_rmse_pixels=report["rmse_px"],
            gcp_rmse_map_units=report["rmse_map"],
            gcp_residuals=json.dumps(report["gcps"]),
        )
        if report["mean_error_px"] is not None:
            attrs["gcp_mean_error_pixels"] = report["mean_error_px"]
    return attrs


def georeferenced_grid(
    value: np.ndarray,
    mapping: PixelMapping,
    *,
    distance: np.ndarray | None = None,
    attrs: dict | None = None,
    units: str | None = None,
    target_crs: CRS | None = None,
    resolution=None,
    resampling: str = "nearest",
    axis_units: tuple[str | None, str | None] = (None, None),
    plan: GridPlan | None = None,
) -> xr.Dataset:
    """Build the grid of a decoded box from its pixel mapping.

    An axis-aligned affine mapping (within :data:`EXACT_TOLERANCE` pixels) with
    no ``target_crs`` and no ``resolution`` is written directly: one cell per
    pixel, north-up. Anything else (a rotated affine, a polynomial, projective
    or spline fit, a reprojection, a new cell size) is warped onto a regular
    grid by :func:`chromagrid.geo.warp.warp_arrays` with ``resampling``; the
    ``georef_grid`` attribute says which, and GCP residuals go into ``gcp_*``
    attributes.

    Parameters
    ----------
    value, distance : (H, W) float arrays of the box
    mapping : PixelMapping
    attrs : dict
        Global attributes; the georeferencing attributes are added to a copy.
    units : str, optional
        Units of the values.
    target_crs : pyproj.CRS, optional
        Reproject to this CRS (default: the mapping's CRS).
    resolution : float or (dx, dy), optional
        Target cell size in target CRS units (warps).
    resampling : str
        rasterio resampling name; ``nearest`` never invents values.
    axis_units : (str, str)
        Units of x and y for world coordinates without a CRS.
    plan : GridPlan, optional
        A plan already made by :func:`plan_grid` (then target_crs, resolution, resampling are ignored).

    Returns
    -------
    xarray.Dataset

    Examples
    --------
    A box of 4 x 3 pixels whose outer edges are at lon -10..30, lat 35..60:

    >>> import numpy as np
    >>> mapping = mapping_from_extent((-10, 30, 35, 60), 4, 3, parse_crs("EPSG:4326"))
    >>> grid = georeferenced_grid(np.ones((3, 4), np.float32), mapping)
    >>> grid["x"].values.tolist(), grid["y"].round(3).values.tolist()
    ([-5.0, 5.0, 15.0, 25.0], [55.833, 47.5, 39.167])
    >>> grid["x"].attrs["units"], grid.attrs["georef_method"]
    ('degrees_east', 'extent')
    """
    height, width = value.shape
    if plan is None:
        plan = plan_grid(mapping, width, height, target_crs, resolution, resampling)
    layers, transform = plan.apply([value] + ([distance] if distance is not None else []))
    ds = make_grid(
        layers[0],
        transform,
        plan.crs,
        distance=layers[1] if distance is not None else None,
        attrs={**(attrs or {}), **georef_attrs(plan)},
        units=units,
    )
    if plan.crs is None:
        ds = _plain_coordinate_attrs(ds, mapping, axis_units)
        if mapping.log_x:
            ds = ds.assign_coords(x=("x", 10.0 ** ds["x"].values, ds["x"].attrs))
        if mapping.log_y:
            ds = ds.assign_coords(y=("y", 10.0 ** ds["y"].values, ds["y"].attrs))
    return ds
