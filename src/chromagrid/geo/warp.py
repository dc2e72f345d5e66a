"""Warp a decoded box onto a regular grid (rasterio.warp / GDAL), optionally in another CRS.

Two kinds of source mapping:

- an affine (possibly rotated or sheared) from box pixels to map coordinates, in
  the target CRS: handed to GDAL as the source transform;
- anything else (a polynomial, projective or thin-plate-spline fit, or any
  reprojection): GDAL gets geolocation arrays, the target-CRS coordinates of
  every source pixel computed from the fitted transform (and pyproj), and
  inverts them itself. Its geolocation transformer is exact (not the
  0.125-pixel approximation gdalwarp uses by default): measured, target cells
  land on the right source pixel except within a thousandth of a pixel of a
  pixel edge.

Values are never invented by default: ``nearest`` resampling; NaN is no data
on both sides, and target cells outside the figure's footprint are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

from chromagrid.errors import ChromagridError

#: Resampling methods (rasterio.enums.Resampling names) a user may choose.
RESAMPLING_METHODS = (
    "nearest",
    "bilinear",
    "cubic",
    "cubic_spline",
    "lanczos",
    "average",
    "mode",
    "min",
    "max",
    "med",
    "q1",
    "q3",
)
#: When neither side has a CRS, GDAL still wants one: the same placeholder on both sides means no reprojection.
_PLACEHOLDER_CRS = "EPSG:3857"


class WarpError(ChromagridError):
    """The target grid cannot be built (bad resolution, footprint outside the target CRS's domain).

    Examples
    --------
    >>> import numpy as np
    >>> def forward(p):
    ...     return p.astype(float)
    >>> target_grid(forward, 10, 10, None, None, resolution=-1.0)
    Traceback (most recent call last):
    ...
    chromagrid.geo.warp.WarpError: ...
    """


@dataclass(frozen=True)
class TargetGrid:
    """A regular, north-up target grid: pixel-corner transform, size and CRS (None: no CRS).

    Examples
    --------
    >>> from affine import Affine
    >>> grid = TargetGrid(Affine(1000.0, 0.0, 4000000.0, 0.0, -1000.0, 3000000.0), 200, 100, None)
    >>> grid.width * grid.transform.a, grid.crs is None
    (200000.0, True)
    """

    transform: Affine
    width: int
    height: int
    crs: CRS | None


def outline(width: int, height: int, per_edge: int = 33) -> np.ndarray:
    """Points along the box's outer edge, in box pixel coordinates (corners included)."""
    t = np.linspace(0.0, 1.0, per_edge)
    top = np.column_stack([t * width, np.zeros_like(t)])
    bottom = np.column_stack([t * width, np.full_like(t, height)])
    left = np.column_stack([np.zeros_like(t), t * height])
    right = np.column_stack([np.full_like(t, width), t * height])
    return np.vstack([top, bottom, left, right])


def _to_crs(points: np.ndarray, src_crs: CRS | None, dst_crs: CRS | None) -> np.ndarray:
    if src_crs is None or dst_crs is None or src_crs == dst_crs:
        return points
    x, y = Transformer.from_crs(src_crs, dst_crs, always_xy=True).transform(points[:, 0], points[:, 1])
    out = np.column_stack([x, y])
    if not np.isfinite(out).all():
        raise WarpError(
            f"the figure's footprint does not fit in the target CRS {dst_crs.to_string()}; "
            "choose a target_crs that covers the figure's area"
        )
    return out


def target_grid(
    forward: Callable[[np.ndarray], np.ndarray],
    width: int,
    height: int,
    src_crs: CRS | None,
    dst_crs: CRS | None,
    resolution: float | tuple[float, float] | None = None,
) -> TargetGrid:
    """The regular grid that covers a box's footprint.

    Parameters
    ----------
    forward : callable
        Box pixel (col, row) -> map (x, y) in ``src_crs``.
    width, height : int
        The box's size in pixels.
    src_crs, dst_crs : pyproj.CRS or None
        The map coordinates' CRS and the target's (the same, or both None, for no reprojection).
    resolution : float or (dx, dy), optional
        Target cell size in target units. Default: about as many cells as the box has
        pixels (the footprint's diagonal over the box's diagonal in pixels, as GDAL suggests).

    Returns
    -------
    TargetGrid
        Its edges are multiples of the resolution (target-aligned pixels) around the footprint.

    Examples
    --------
    A 100 x 50 pixel box whose pixels are 0.1 degree apart, reprojected to ETRS89-LAEA at 10 km:

    >>> import numpy as np
    >>> from pyproj import CRS
    >>> def forward(p):  # box pixel (col, row) -> lon, lat
    ...     return np.column_stack([0.0 + 0.1 * p[:, 0], 55.0 - 0.1 * p[:, 1]])
    >>> grid = target_grid(forward, 100, 50, CRS.from_epsg(4326), CRS.from_epsg(3035), resolution=10000)
    >>> grid.transform.a, grid.crs.to_epsg(), grid.transform.c % 10000 == 0
    (10000.0, 3035, True)
    """
    world = _to_crs(forward(outline(width, height)), src_crs, dst_crs)
    xmin, ymin = world.min(axis=0)
    xmax, ymax = world.max(axis=0)
    if resolution is None:
        res = math.hypot(xmax - xmin, ymax - ymin) / math.hypot(width, height)
        dx = dy = res
    elif isinstance(resolution, (int, float)):
        dx = dy = float(resolution)
    else:
        dx, dy = (float(v) for v in resolution)
    if not (dx > 0 and dy > 0 and math.isfinite(dx) and math.isfinite(dy)):
        raise WarpError(f"resolution {resolution}: must be positive")
    left, right = math.floor(xmin / dx) * dx, math.ceil(xmax / dx) * dx
    bottom, top = math.floor(ymin / dy) * dy, math.ceil(ymax / dy) * dy
    nx, ny = max(1, round((right - left) / dx)), max(1, round((top - bottom) / dy))
    if nx * ny > 20 * max(width * height, 1) + 1_000_000:
        raise WarpError(
            f"resolution {resolution}: the target grid would have {nx}x{ny} cells for a "
            f"{width}x{height}-pixel figure; choose a coarser resolution (in target CRS units)"
        )
    return TargetGrid(Affine(dx, 0.0, left, 0.0, -dy, top), int(nx), int(ny), dst_crs)


def _geolocation(
    forward: Callable[[np.ndarray], np.ndarray], width: int, height: int, src_crs: CRS | None, dst_crs: CRS | None
) -> np.ndarray:
    """(2, H, W) map coordinates, in the target CRS, of each box pixel's top-left corner (GDAL's convention)."""
    cols, rows = np.meshgrid(np.arange(width, dtype=float), np.arange(height, dtype=float))
    world = _to_crs(forward(np.column_stack([cols.ravel(), rows.ravel()])), src_crs, dst_crs)
    return np.stack([world[:, 0].reshape(height, width), world[:, 1].reshape(height, width)])


def warp_arrays(
    arrays: list[np.ndarray],
    grid: TargetGrid,
    src_crs: CRS | None,
    *,
    affine: Affine | None = None,
    forward: Callable[[np.ndarray], np.ndarray] | None = None,
    resampling: str = "nearest",
) -> list[np.ndarray]:
    """Warp box arrays (float, NaN = no data) onto ``grid`` with GDAL (rasterio.warp.reproject).

    An affine mapping without reprojection is handed to GDAL as the source
    transform (exact). Anything else (a fitted polynomial, projective or spline
    transform, or a reprojection) is handed to GDAL as geolocation arrays: the
    target-CRS coordinates of every source pixel, computed exactly (pyproj for
    the reprojection); GDAL inverts them for each target cell (its geolocation
    transformer is exact, not the 0.125-pixel approximation it uses otherwise).

    Parameters
    ----------
    arrays : list of (H, W) arrays
        The box's layers (value, distance, ...).
    grid : TargetGrid
    src_crs : pyproj.CRS or None
        CRS of the source map coordinates.
    affine : Affine, optional
        Box pixel corners -> map coordinates, when the mapping is affine.
    forward : callable, optional
        Box pixel (col, row) -> map (x, y) otherwise.
    resampling : str
        One of :data:`RESAMPLING_METHODS`.

    Returns
    -------
    list of (grid.height, grid.width) float32 arrays

    Examples
    --------
    A 4 x 4 box of values warped onto a grid of half its resolution (nearest neighbour):

    >>> import numpy as np
    >>> from affine import Affine
    >>> values = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> box_affine = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 4.0)
    >>> grid = TargetGrid(Affine(2.0, 0.0, 0.0, 0.0, -2.0, 4.0), 2, 2, None)
    >>> (out,) = warp_arrays([values], grid, None, affine=box_affine)
    >>> out.shape, bool(np.isfinite(out).all())
    ((2, 2), True)
    """
    from rasterio.crs import CRS as RioCRS
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    if resampling not in RESAMPLING_METHODS:
        raise WarpError(f"resampling '{resampling}': use one of {', '.join(RESAMPLING_METHODS)}")
    if (affine is None) == (forward is None):
        raise ValueError("give exactly one of affine or forward")
    if (src_crs is None) != (grid.crs is None):
        raise WarpError("warping between a CRS and no CRS is not possible; give crs (and target_crs) both or neither")
    height, width = arrays[0].shape
    same_crs = src_crs is None or src_crs.equals(grid.crs)
    # rasterio takes these two transforms for "not georeferenced" and drops them
    plain = affine is not None and any(
        affine.almost_equals(t, precision=1e-12) for t in (Affine.identity(), Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0))
    )
    if affine is not None and same_crs and not plain:
        crs = RioCRS.from_wkt((grid.crs or CRS.from_user_input(_PLACEHOLDER_CRS)).to_wkt())
        source = {"src_transform": affine, "src_crs": crs}
    else:
        t = cast(Affine, affine)  # used only when forward is None, and then affine is given (checked above)
        mapping = (
            forward
            if forward is not None
            else (
                lambda p: np.column_stack(
                    [
                        t.a * p[:, 0] + t.b * p[:, 1] + t.c,
                        t.d * p[:, 0] + t.e * p[:, 1] + t.f,
                    ]
                )
            )
        )
        # coordinates already in the target CRS: GDAL reprojects nothing (a placeholder CRS, free of axis-order
        # questions, on both sides)
        crs = RioCRS.from_user_input(_PLACEHOLDER_CRS)
        source = {"src_geoloc_array": _geolocation(mapping, width, height, src_crs, grid.crs), "src_crs": crs}
    out = []
    for array in arrays:
        dest = np.full((grid.height, grid.width), np.nan, dtype=np.float32)
        reproject(
            np.ascontiguousarray(array, dtype=np.float32),
            dest,
            src_nodata=np.nan,
            dst_transform=grid.transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling[resampling],
            **source,
        )
        out.append(dest)
    return out
