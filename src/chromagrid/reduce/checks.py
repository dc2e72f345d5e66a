"""Checks stage: what a reduction to points costs, and how well the decoded values explain the pixels.

- :func:`reconstruct` rebuilds the grid from the points (scipy ``griddata``:
  linear, nearest or cubic) at the decoded grid's coordinates; outside the
  points' convex hull a pixel takes the nearest point's value or NaN.
- :func:`reconstruction_errors` compares it with the full decoded field over
  the pixels that have a value: RMSE, MAE, 99th-percentile and largest
  absolute error, in value units and in % of vmax - vmin.
- :func:`colour_round_trip` pushes the decoded values back through the colour
  scale (:meth:`ColorScale.colors_for`) and measures the CIE76 delta E to the
  image's own pixels.
- :func:`exceeded` lists, in plain words, every error above a
  :class:`~chromagrid.config.Tolerance`; :func:`build_checks` gathers all of
  it into the JSON-able dict stored in ``Result.checks``, the report and the
  outputs' attributes.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import pandas as pd
from scipy.interpolate import griddata
from scipy.spatial import Delaunay, QhullError, cKDTree
from threadpoolctl import threadpool_limits

from chromagrid.decode.core import pack_rgb, to_lab
from chromagrid.reduce.settings import Reduce, Tolerance
from chromagrid.scale.colorscale import ColorScale

_TABLE_SIZE = 1 << 24


# --------------------------------------------------------------------------- reconstruction
def _nearest(px: np.ndarray, py: np.ndarray, pv: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    _, index = cKDTree(np.column_stack([px, py])).query(np.column_stack([qx, qy]))
    return pv[index]


def _outside_hull(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    try:
        return Delaunay(np.column_stack([px, py])).find_simplex(np.column_stack([qx, qy])) < 0
    except (QhullError, ValueError):  # fewer than 3 points, or all on a line: no area inside
        return np.ones(qx.shape, bool)


def reconstruct_at(
    points: pd.DataFrame, qx: np.ndarray, qy: np.ndarray, method: str = "linear", outside: str = "nearest"
) -> np.ndarray:
    """Interpolate the points' values at query coordinates.

    Parameters
    ----------
    points : DataFrame with ``x``, ``y``, ``value``
    qx, qy : 1-D float arrays, grid coordinates of the query pixels
    method : {"linear", "nearest", "cubic"}
        scipy ``griddata``; linear and cubic fall back to nearest when the
        points do not span an area (fewer than 3, or all on one line).
    outside : {"nearest", "nan"}
        Value outside the points' convex hull.

    Returns
    -------
    1-D float64 array, NaN where no value (``outside="nan"``, or no points).
    """
    qx, qy = np.asarray(qx, np.float64), np.asarray(qy, np.float64)
    if len(points) == 0:
        return np.full(qx.shape, np.nan)
    px, py = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    pv = points["value"].to_numpy(np.float64)
    with threadpool_limits(1, user_api="blas"):  # scipy's 2 BLAS threads swing timings 100x on a shared machine
        if method != "nearest":
            try:
                out = griddata((px, py), pv, (qx, qy), method=cast(Literal["linear", "cubic"], method))
            except (QhullError, ValueError):
                method = "nearest"
        if method == "nearest":
            out = _nearest(px, py, pv, qx, qy)
            if outside == "nan":
                out[_outside_hull(px, py, qx, qy)] = np.nan
        elif outside == "nearest":
            gap = np.isnan(out)
            if gap.any():
                out[gap] = _nearest(px, py, pv, qx[gap], qy[gap])
    return out


def reconstruct(
    points: pd.DataFrame, x: np.ndarray, y: np.ndarray, method: str = "linear", outside: str = "nearest"
) -> np.ndarray:
    """Rebuild the (H, W) grid from the points at the grid's coordinates ``x`` (W,) and ``y`` (H,).

    See :func:`reconstruct_at` for ``method`` and ``outside``. Returns float32.

    Parameters
    ----------
    points : pandas.DataFrame
        With ``x``, ``y`` and ``value`` columns (as :func:`chromagrid.reduce.reduce_field` gives them).
    x, y : 1-D float arrays
        The grid's column and row coordinates.
    method : {"linear", "nearest", "cubic"}
    outside : {"nearest", "nan"}
        The value outside the points' convex hull.

    Returns
    -------
    (len(y), len(x)) float array

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.reduce import reduce_field
    >>> value = np.repeat(np.repeat(np.array([[0.1, 0.2], [0.3, 0.4]]), 5, 0), 5, 1)
    >>> points = reduce_field(value).points
    >>> rebuilt = reconstruct(points, np.arange(10.0), np.arange(10.0), method="nearest")
    >>> rebuilt.shape, float(np.abs(rebuilt - value).max()) < 1e-6
    ((10, 10), True)
    """
    qx, qy = np.meshgrid(np.asarray(x, np.float64), np.asarray(y, np.float64))
    return reconstruct_at(points, qx.ravel(), qy.ravel(), method, outside).reshape(qx.shape).astype(np.float32)


# --------------------------------------------------------------------------- errors
def reconstruction_errors(value: np.ndarray, rebuilt: np.ndarray, value_span: float) -> dict:
    """Error of ``rebuilt`` against ``value`` over pixels where ``value`` is valid.

    Pixels the reconstruction left NaN are not compared and are counted as
    ``uncovered_pixels``.

    Returns
    -------
    dict
        ``rmse``, ``mae``, ``p99``, ``max_abs`` (value units), the same with a
        ``_percent`` suffix (% of ``value_span``), ``compared_pixels``,
        ``uncovered_pixels``.

    Parameters
    ----------
    value : array of float
        The decoded field (NaN = no data).
    rebuilt : array of float, the shape of ``value``
        The field rebuilt from the points.
    value_span : float
        ``vmax - vmin``: the ``_percent`` errors are relative to it.

    Examples
    --------
    >>> import numpy as np
    >>> errors = reconstruction_errors(np.array([0.0, 0.5, 1.0, np.nan]), np.array([0.0, 0.6, 1.0, 0.3]), 1.0)
    >>> errors["compared_pixels"], round(errors["max_abs_percent"], 6), round(errors["rmse"], 6)
    (3, 10.0, 0.057735)
    """
    valid = np.isfinite(value)
    both = valid & np.isfinite(rebuilt)
    err = np.abs(np.asarray(rebuilt, np.float64)[both] - np.asarray(value, np.float64)[both])
    out: dict[str, float | None] = {"compared_pixels": int(both.sum()), "uncovered_pixels": int((valid & ~both).sum())}
    if err.size == 0:
        stats = dict.fromkeys(("rmse", "mae", "p99", "max_abs"))
    else:
        stats = {
            "rmse": float(np.sqrt(np.mean(err**2))),
            "mae": float(err.mean()),
            "p99": float(np.percentile(err, 99)),
            "max_abs": float(err.max()),
        }
    for key, v in stats.items():
        out[key] = v
        out[f"{key}_percent"] = None if v is None else 100.0 * v / value_span
    return out


def _lab_per_code(codes: np.ndarray) -> np.ndarray:
    """CIELAB of packed RGB codes, converting each distinct colour once (dense 2**24 table)."""
    present = np.zeros(_TABLE_SIZE, bool)
    present[codes] = True
    distinct = np.flatnonzero(present).astype(np.uint32)
    del present
    index = np.zeros(_TABLE_SIZE, np.int32)
    index[distinct] = np.arange(distinct.size, dtype=np.int32)
    rgb = np.stack([(distinct >> 16) & 255, (distinct >> 8) & 255, distinct & 255], axis=-1).astype(np.uint8)
    return to_lab(rgb)[index[codes]]


def colour_round_trip(value: np.ndarray, rgb: np.ndarray, scale: ColorScale) -> dict:
    """Delta E (CIE76) between each valid pixel and the colour its decoded value is drawn in.

    Parameters
    ----------
    value : (H, W) decoded values, NaN = no data
    rgb : (H, W, 3) uint8, the same box of the image
    scale : ColorScale

    Returns
    -------
    dict
        ``delta_e_mean``, ``delta_e_p95``, ``delta_e_max``, ``pixels``.
    """
    valid = np.isfinite(value)
    if not valid.any():
        return {"delta_e_mean": None, "delta_e_p95": None, "delta_e_max": None, "pixels": 0}
    image_code = pack_rgb(np.ascontiguousarray(rgb)[valid][None])[0]
    drawn_code = pack_rgb(scale.colors_for(value[valid])[None])[0]
    both = _lab_per_code(np.concatenate([image_code, drawn_code]))
    delta = np.sqrt(np.sum((both[: image_code.size] - both[image_code.size :]) ** 2, axis=1))
    return {
        "delta_e_mean": float(delta.mean()),
        "delta_e_p95": float(np.percentile(delta, 95)),
        "delta_e_max": float(delta.max()),
        "pixels": int(delta.size),
    }


# --------------------------------------------------------------------------- tolerance and report
_LIMITS = (
    ("rmse_percent", ("reconstruction", "rmse_percent"), "reconstruction RMSE", "% of the value range"),
    ("p99_percent", ("reconstruction", "p99_percent"), "99th-percentile reconstruction error", "% of the value range"),
    ("max_abs_percent", ("reconstruction", "max_abs_percent"), "largest reconstruction error", "% of the value range"),
    ("delta_e_mean", ("colour_round_trip", "delta_e_mean"), "mean colour round-trip delta E", ""),
    ("delta_e_p95", ("colour_round_trip", "delta_e_p95"), "95th-percentile colour round-trip delta E", ""),
)


def exceeded(checks: dict, tolerance: Tolerance) -> list[str]:
    """One plain sentence per error above its tolerance (empty when all are within)."""
    messages = []
    for key, (section, field), what, unit in _LIMITS:
        limit = getattr(tolerance, key)
        measured = checks.get(section, {}).get(field)
        if limit is None:
            continue
        if measured is None:
            messages.append(f"{what} could not be measured (no pixel to compare); tolerance {limit:g}{unit}")
        elif measured > limit:
            messages.append(f"{what} is {measured:.3g}{unit}, above the tolerance of {limit:g}{unit}")
    return messages


def build_checks(
    value: np.ndarray, rebuilt: np.ndarray, rgb: np.ndarray, scale: ColorScale, reduction, settings: Reduce
) -> dict:
    """All checks of one reduction, as JSON-able data.

    Parameters
    ----------
    value : (H, W) decoded field
    rebuilt : (H, W) the grid rebuilt from the points
    rgb : (H, W, 3) uint8, the image's box
    scale : ColorScale
    reduction : chromagrid.reduce.cluster.Reduction
    settings : Reduce

    Returns
    -------
    dict
        ``points``, ``valid_pixels``, ``reduction_ratio`` (points per valid
        pixel), ``kept_pixels``, ``noise_pixels``, ``clustering``,
        ``reconstruction``, ``colour_round_trip``, ``search`` (None unless a
        target was given), ``tolerance``, ``exceeded`` (sentences),
        ``within_tolerance`` and ``verdict`` (one plain line).

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.reduce import Reduce, reduce_field
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> value = np.repeat(np.repeat(np.array([[0.1, 0.2], [0.3, 0.4]]), 5, 0), 5, 1)
    >>> reduction = reduce_field(value)
    >>> rebuilt = reconstruct(reduction.points, np.arange(10.0), np.arange(10.0), method="nearest")
    >>> checks = build_checks(value, rebuilt, scale.colors_for(value), scale, reduction, Reduce())
    >>> checks["points"], checks["reduction_ratio"], checks["verdict"]
    (4, 0.04, 'no tolerance set; errors measured, not judged')
    """
    span = float(scale.vmax - scale.vmin)
    n_valid = int(np.isfinite(value).sum())
    n_points = int(len(reduction.points))
    checks = {
        "points": n_points,
        "valid_pixels": n_valid,
        "reduction_ratio": n_points / n_valid if n_valid else None,
        "kept_pixels": reduction.n_kept,
        "noise_pixels": reduction.n_noise,
        "clustering": {
            "method": reduction.method,
            "eps": settings.eps,
            "min_samples": settings.min_samples,
            "gradient_tol": reduction.gradient_tol,
            "thin": reduction.thin,
        },
        "reconstruction": {
            "method": reduction.reconstruct or settings.reconstruct,
            "outside": settings.outside,
            **reconstruction_errors(value, rebuilt, span),
        },
        "colour_round_trip": colour_round_trip(value, rgb, scale),
        "value_span": span,
        "search": None,
    }
    if reduction.curve is not None:
        target = settings.target_rmse_percent
        met = (
            checks["reconstruction"]["rmse_percent"] is not None and checks["reconstruction"]["rmse_percent"] <= target
        )
        checks["search"] = {"target_rmse_percent": target, "met": met, "curve": reduction.curve}
    tolerance = settings.tolerance
    messages = exceeded(checks, tolerance)
    if checks["search"] is not None and not checks["search"]["met"]:
        messages.append(
            f"no setting tried met the target RMSE of {settings.target_rmse_percent:g}% of the value "
            f"range; the closest gives {checks['reconstruction']['rmse_percent']:.3g}%"
        )
    checks["tolerance"] = tolerance.model_dump(exclude_none=True)
    checks["exceeded"] = messages
    checks["within_tolerance"] = not messages
    if messages:
        checks["verdict"] = "ERRORS ABOVE TOLERANCE: " + "; ".join(messages)
    elif checks["tolerance"]:
        checks["verdict"] = "all checked errors are within tolerance"
    else:
        checks["verdict"] = "no tolerance set; errors measured, not judged"
    return checks


def checks_attrs(checks: dict) -> dict:
    """Flat attributes for NetCDF/GeoTIFF/point outputs: the key numbers plus the whole dict as JSON."""
    import json

    rec, rt = checks["reconstruction"], checks["colour_round_trip"]
    attrs = {
        "chromagrid_checks": json.dumps(checks, sort_keys=True),
        "reduction_points": checks["points"],
        "reduction_ratio": checks["reduction_ratio"],
        "reconstruction_method": rec["method"],
        "reconstruction_rmse": rec["rmse"],
        "reconstruction_rmse_percent": rec["rmse_percent"],
        "reconstruction_p99_percent": rec["p99_percent"],
        "reconstruction_max_abs_percent": rec["max_abs_percent"],
        "colour_round_trip_delta_e_mean": rt["delta_e_mean"],
        "colour_round_trip_delta_e_p95": rt["delta_e_p95"],
        "checks_verdict": checks["verdict"],
    }
    return {k: v for k, v in attrs.items() if v is not None}
