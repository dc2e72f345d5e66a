"""Discovery attributes (ACDD 1.3) for grid and point files: what a catalogue or a GIS shows before opening the data.

``title``, ``summary`` and ``keywords`` (a default from the run when the
config gives none), ``creator_*`` where given, ``date_created``, and, for
georeferenced data, the WGS 84 bounds: ``geospatial_bounds`` (a WKT polygon,
longitude/latitude), ``geospatial_lat_min`` ... ``geospatial_lon_max`` with
their units. Image-pixel coordinates get no geospatial bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

#: The conventions every chromagrid file follows.
CONVENTIONS = "CF-1.11, ACDD-1.3"
#: Default ``keywords``.
KEYWORDS = "digitized figure, colour-mapped image, colormap, chromagrid"
#: Points along each side of a grid's outline, reprojected to find its WGS 84 bounds.
EDGE_SAMPLES = 21


def conventions(attrs: dict) -> str:
    """``CF-1.11, ACDD-1.3`` (keeping another CF version the attributes name).

    Examples
    --------
    >>> conventions({"Conventions": "CF-1.11"})
    'CF-1.11, ACDD-1.3'
    """
    given = str(attrs.get("Conventions") or "CF-1.11")
    return given if "ACDD" in given else f"{given}, ACDD-1.3"


def lonlat_bounds(x: np.ndarray, y: np.ndarray, crs) -> tuple[float, float, float, float] | None:
    """(lon_min, lat_min, lon_max, lat_max) in WGS 84 of points ``x``, ``y`` in ``crs`` (None: no CRS or none finite).

    Examples
    --------
    >>> from pyproj import CRS
    >>> lonlat_bounds([0.0, 1113194.9079327], [0.0, 0.0], CRS.from_epsg(3857))
    (0.0, 0.0, 10.0, 0.0)
    """
    if crs is None:
        return None
    from pyproj import Transformer

    x, y = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
    if crs.is_geographic:
        lon, lat = x, y
        if not crs.equals("OGC:CRS84", ignore_axis_order=True):
            lon, lat = Transformer.from_crs(crs, "OGC:CRS84", always_xy=True).transform(x, y)
    else:
        lon, lat = Transformer.from_crs(crs, "OGC:CRS84", always_xy=True).transform(x, y)
    lon, lat = np.asarray(lon), np.asarray(lat)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None
    return tuple(round(float(v), 7) for v in (lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max()))  # type: ignore[return-value]


def grid_outline(transform, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """World x, y of points along the outer edges (cell corners) of a grid, ``EDGE_SAMPLES`` a side."""
    t = np.linspace(0.0, 1.0, EDGE_SAMPLES)
    cols = np.concatenate([t * width, np.full_like(t, width), t[::-1] * width, np.zeros_like(t)])
    rows = np.concatenate([np.zeros_like(t), t * height, np.full_like(t, height), t[::-1] * height])
    x = transform.c + transform.a * cols + transform.b * rows
    y = transform.f + transform.d * cols + transform.e * rows
    return x, y


def discovery_attrs(attrs: dict, bounds: tuple[float, float, float, float] | None, kind: str = "grid") -> dict:
    """The ACDD attributes to add to ``attrs`` (those it lacks), with ``bounds`` from :func:`lonlat_bounds`.

    Parameters
    ----------
    attrs : dict
        The file's attributes so far (provenance).
    bounds : tuple or None
        WGS 84 (lon_min, lat_min, lon_max, lat_max); None for image pixels.
    kind : {"grid", "points"}
        What the file holds (worded into the default summary).

    Returns
    -------
    dict
        ``Conventions``, ``summary``, ``keywords``, ``date_created`` and the ``geospatial_*`` attributes.

    Examples
    --------
    >>> out = discovery_attrs({"source_image": "f.png", "colormap": "viridis"}, (-10.0, 35.0, 30.0, 60.0))
    >>> out["geospatial_bounds"]
    'POLYGON ((-10.0 35.0, 30.0 35.0, 30.0 60.0, -10.0 60.0, -10.0 35.0))'
    >>> out["summary"]
    'Grid of values decoded by chromagrid from the colours of the figure f.png (colormap viridis).'
    """
    what = "Grid of values" if kind == "grid" else "Points reduced from the values"
    image = attrs.get("source_image")
    detail = f" (colormap {attrs['colormap']})" if attrs.get("colormap") else ""
    out = {
        "Conventions": conventions(attrs),
        "summary": attrs.get("summary")
        or f"{what} decoded by chromagrid from the colours of the figure{f' {image}' if image else ''}{detail}.",
        "keywords": attrs.get("keywords") or KEYWORDS,
        "date_created": attrs.get("date_created") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if bounds is not None:
        w, s, e, n = bounds
        out.update(
            geospatial_bounds=f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))",
            geospatial_bounds_crs="EPSG:4326",
            geospatial_lat_min=s,
            geospatial_lat_max=n,
            geospatial_lon_min=w,
            geospatial_lon_max=e,
            geospatial_lat_units="degrees_north",
            geospatial_lon_units="degrees_east",
        )
    return out
