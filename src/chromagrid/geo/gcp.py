"""Ground control points: transforms named as QGIS names them, least-squares fits, residuals, ``.points`` files.

Pixel coordinates are *image* coordinates as GDAL and QGIS use them: continuous,
``(0, 0)`` at the top-left corner of the image's top-left pixel, columns to the
right, rows downward; the centre of pixel column ``i`` is ``i + 0.5``.

Transforms (QGIS Georeferencer names; minimum number of enabled GCPs):

==============  ======  ==========================================================
``linear``         2    scale and offset per axis, no rotation (QGIS "Linear")
``helmert``        2    rotation, one scale, offset (skimage SimilarityTransform)
``polynomial1``    3    affine (skimage PolynomialTransform, order 1)
``polynomial2``    6    second-order polynomial (order 2)
``polynomial3``   10    third-order polynomial (order 3)
``projective``     4    homography (skimage ProjectiveTransform)
``tps``            3    thin-plate spline through every GCP (scipy RBFInterpolator)
==============  ======  ==========================================================

QGIS accepts a thin-plate spline from one GCP; chromagrid asks for three, the
least that fixes the spline's affine part.

Each fit is least squares on coordinates centred and scaled to order one (so a
third-order polynomial over a 4000-pixel figure in metres stays well
conditioned). The inverse (world to pixel) is exact for the affine and projective
transforms; for polynomials and the spline (whose inverses are no polynomial or
spline) it starts from a fit with source and destination swapped, as GDAL and
QGIS do, and is refined by Newton's method until it inverts the forward fit: so
the pixel residuals describe the same mapping as the map residuals.

Residuals follow QGIS: in map units, ``forward(pixel) - (x, y)``; in pixels,
``inverse(x, y) - pixel`` (the direction a warp uses), with ``dy`` along rows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from chromagrid.errors import ChromagridError

#: Minimum number of enabled GCPs for each transform.
MIN_GCPS: dict[str, int] = {
    "linear": 2,
    "helmert": 2,
    "polynomial1": 3,
    "polynomial2": 6,
    "polynomial3": 10,
    "projective": 4,
    "tps": 3,
}
TRANSFORMS = tuple(MIN_GCPS)
#: The transforms whose pixel-to-world mapping is an affine by construction.
AFFINE_TRANSFORMS = ("linear", "helmert", "polynomial1")
#: The header line QGIS writes (and skips when reading).
POINTS_HEADER = "mapX,mapY,sourceX,sourceY,enable,dX,dY,residual"


class GeorefError(ChromagridError):
    """Ground control points or a transform cannot be used (too few points, bad file, degenerate fit).

    Examples
    --------
    >>> fit_transform("polynomial2", [GCP(0, 0, 0, 0), GCP(10, 0, 1, 0), GCP(0, 10, 0, 1)])
    Traceback (most recent call last):
    ...
    chromagrid.geo.gcp.GeorefError: ...polynomial2 needs at least 6 ...
    """


@dataclass(frozen=True)
class GCP:
    """One ground control point: image pixel position (col, row) and its map coordinates (x, y).

    Examples
    --------
    >>> gcp = GCP(col=540.0, row=0.0, x=30.0, y=60.0)
    >>> gcp.enabled, (gcp.col, gcp.row), (gcp.x, gcp.y)
    (True, (540.0, 0.0), (30.0, 60.0))
    """

    col: float
    row: float
    x: float
    y: float
    enabled: bool = True


def check_transform_name(name: str) -> str:
    """Return ``name`` if it is a known transform, else raise with the list of valid names."""
    if name not in MIN_GCPS:
        raise GeorefError(f"transform: unknown '{name}'; use one of {', '.join(TRANSFORMS)}")
    return name


def check_gcp_count(transform: str, count: int) -> None:
    """Raise :class:`GeorefError` naming the transform and its minimum when ``count`` is too small."""
    need = MIN_GCPS[check_transform_name(transform)]
    if count < need:
        raise GeorefError(
            f"transform {transform} needs at least {need} enabled GCPs, got {count}; "
            f"add GCPs or choose a transform with a lower minimum "
            f"({', '.join(f'{k} {v}' for k, v in MIN_GCPS.items())})"
        )


# --------------------------------------------------------------------------- fitting


class _Normalizer:
    """Centre and scale 2-D points to order one (and back)."""

    def __init__(self, points: np.ndarray):
        self.centre = points.mean(axis=0)
        spread = np.abs(points - self.centre).max()
        self.scale = float(spread) if spread > 0 else 1.0

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return (points - self.centre) / self.scale

    def undo(self, points: np.ndarray) -> np.ndarray:
        return points * self.scale + self.centre


def _estimate(cls, src: np.ndarray, dst: np.ndarray, transform: str, **kwargs):
    model = cls.from_estimate(src, dst, **kwargs)
    if not model:  # skimage's FailedEstimation is falsy
        raise GeorefError(f"transform {transform}: the fit failed ({model}); the GCPs may be collinear or repeated")
    return model


def _normalized_model(kind: str, src: np.ndarray, dst: np.ndarray, transform: str) -> Callable:
    """A fitted skimage model from ``src`` to ``dst`` points, wrapped in normalisation."""
    from skimage import transform as sk

    ns, nd = _Normalizer(src), _Normalizer(dst)
    s, d = ns(src), nd(dst)
    if kind.startswith("polynomial"):
        model = _estimate(sk.PolynomialTransform, s, d, transform, order=int(kind[-1]))
    elif kind == "projective":
        model = _estimate(sk.ProjectiveTransform, s, d, transform)
    elif kind == "tps":
        # scipy's thin-plate spline (with its affine part): the same spline as skimage's
        # ThinPlateSplineTransform, but exact at the GCPs to rounding (skimage's: 1e-8) and 4x faster to evaluate
        from scipy.interpolate import RBFInterpolator

        try:
            model = RBFInterpolator(s, d, kernel="thin_plate_spline", degree=1)
        except (np.linalg.LinAlgError, ValueError) as e:
            raise GeorefError(f"transform tps: the fit failed ({e}); the GCPs may be collinear or repeated") from None
    else:  # pragma: no cover - guarded by the callers
        raise ValueError(kind)
    return lambda p: nd.undo(model(ns(np.asarray(p, dtype=float).reshape(-1, 2))))


def _fit_linear(pixel: np.ndarray, world: np.ndarray) -> Affine:
    """QGIS "Linear": x = a col + c, y = e row + f, each axis by least squares."""
    if np.ptp(pixel[:, 0]) == 0 or np.ptp(pixel[:, 1]) == 0:
        raise GeorefError("transform linear: the GCPs must differ in both column and row")
    a, c = np.polyfit(pixel[:, 0], world[:, 0], 1)
    e, f = np.polyfit(pixel[:, 1], world[:, 1], 1)
    return Affine(float(a), 0.0, float(c), 0.0, float(e), float(f))


def _fit_affine(pixel: np.ndarray, world: np.ndarray) -> Affine:
    """Least-squares affine (numpy lstsq on centred coordinates)."""
    ns, nd = _Normalizer(pixel), _Normalizer(world)
    s, d = ns(pixel), nd(world)
    design = np.column_stack([s, np.ones(len(s))])
    coef, *_ = np.linalg.lstsq(design, d, rcond=None)
    # world = nd.scale * (coef.T @ [(p - ns.centre)/ns.scale, 1]) + nd.centre
    lin = coef[:2].T * (nd.scale / ns.scale)
    off = nd.scale * coef[2] + nd.centre - lin @ ns.centre
    return Affine(lin[0, 0], lin[0, 1], off[0], lin[1, 0], lin[1, 1], off[1])


def _fit_helmert(pixel: np.ndarray, world: np.ndarray) -> Affine:
    """Similarity (rotation, one scale, offset), fitted in the frame whose handedness matches the map's.

    Image rows grow downward while map y usually grows upward: QGIS fits its
    Helmert transform on (col, -row). A figure whose y axis grows downward keeps
    (col, row). The sign of a plain affine fit's determinant says which.
    """
    from skimage.transform import SimilarityTransform

    flip = 1.0 if _fit_affine(pixel, world).determinant > 0 else -1.0
    src = pixel * np.array([1.0, flip])
    ns, nd = _Normalizer(src), _Normalizer(world)
    model = _estimate(SimilarityTransform, ns(src), nd(world), "helmert")
    m = model.params  # 3x3, normalised frame
    lin = m[:2, :2] * (nd.scale / ns.scale)
    off = nd.scale * m[:2, 2] + nd.centre - lin @ ns.centre
    return Affine(lin[0, 0], lin[0, 1], off[0], lin[1, 0], lin[1, 1], off[1]) @ Affine.scale(1.0, flip)


def _affine_apply(t: Affine, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    x = t.a * points[:, 0] + t.b * points[:, 1] + t.c
    y = t.d * points[:, 0] + t.e * points[:, 1] + t.f
    return np.column_stack([x, y])


def _refined_inverse(forward: Callable, approximate: Callable, steps: int = 10) -> Callable:
    """The inverse of ``forward``: Newton's method from ``approximate``'s estimate.

    The Jacobian comes from central differences over a thousandth of a pixel
    (exact for polynomials up to rounding). Stops when no point moves by more
    than 1e-9 pixel.
    """

    def inverse(world):
        world = np.asarray(world, dtype=float).reshape(-1, 2)
        p = approximate(world)
        h = 1e-3
        dc, dr = np.array([h, 0.0]), np.array([0.0, h])
        for _ in range(steps):
            miss = forward(p) - world
            jc = (forward(p + dc) - forward(p - dc)) / (2 * h)
            jr = (forward(p + dr) - forward(p - dr)) / (2 * h)
            det = jc[:, 0] * jr[:, 1] - jr[:, 0] * jc[:, 1]
            ok = np.abs(det) > 0
            safe = np.where(ok, det, 1.0)
            step = np.column_stack(
                [
                    (jr[:, 1] * miss[:, 0] - jr[:, 0] * miss[:, 1]) / safe,
                    (jc[:, 0] * miss[:, 1] - jc[:, 1] * miss[:, 0]) / safe,
                ]
            )
            step[~ok] = 0.0
            p = p - step
            if np.abs(step).max(initial=0.0) < 1e-9:
                break
        return p

    return inverse


@dataclass
class FittedTransform:
    """A transform fitted to GCPs: ``forward`` maps pixel (col, row) to map (x, y), ``inverse`` the reverse.

    Attributes
    ----------
    name : str
        The transform's QGIS name (``polynomial2``, ...).
    forward, inverse : callable
        ``(N, 2)`` array in, ``(N, 2)`` array out.
    affine : Affine or None
        Pixel-to-map affine for the affine transforms (linear, helmert, polynomial1).
    count : int
        Number of GCPs used.
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    affine: Affine | None
    count: int


def fit_transform(name: str, gcps: list[GCP]) -> FittedTransform:
    """Fit a transform by least squares to the enabled GCPs.

    Parameters
    ----------
    name : str
        One of :data:`TRANSFORMS`.
    gcps : list of GCP
        Disabled GCPs are ignored.

    Returns
    -------
    FittedTransform
        ``forward`` (pixel -> map) and ``inverse`` (map -> pixel) on (N, 2) arrays, and the affine when the
        transform is one.

    Raises
    ------
    GeorefError
        Too few enabled GCPs for the transform (the message names both), or a degenerate fit.

    Examples
    --------
    Four corners of a 540 x 420 pixel box at lon -10..30, lat 35..60:

    >>> import numpy as np
    >>> gcps = [GCP(0, 0, -10, 60), GCP(540, 0, 30, 60), GCP(0, 420, -10, 35), GCP(540, 420, 30, 35)]
    >>> fitted = fit_transform("polynomial1", gcps)
    >>> fitted.forward(np.array([[270.0, 210.0]])).round(6).tolist()
    [[10.0, 47.5]]
    >>> fitted.inverse(np.array([[30.0, 35.0]])).round(6).tolist()
    [[540.0, 420.0]]
    """
    check_transform_name(name)
    used = [g for g in gcps if g.enabled]
    check_gcp_count(name, len(used))
    pixel = np.array([[g.col, g.row] for g in used], dtype=float)
    world = np.array([[g.x, g.y] for g in used], dtype=float)
    if len({(c, r) for c, r in pixel.tolist()}) < len(pixel):
        raise GeorefError(f"transform {name}: two enabled GCPs share one pixel position; remove the duplicate")
    if name in AFFINE_TRANSFORMS:
        fit = {"linear": _fit_linear, "helmert": _fit_helmert, "polynomial1": _fit_affine}[name]
        affine = fit(pixel, world)
        if abs(affine.determinant) == 0 or not np.isfinite(affine.determinant):
            raise GeorefError(f"transform {name}: the GCPs do not span an area (collinear points?)")
        inv = ~affine
        return FittedTransform(name, partial(_affine_apply, affine), partial(_affine_apply, inv), affine, len(used))
    if name == "projective":
        from skimage.transform import ProjectiveTransform

        ns, nd = _Normalizer(pixel), _Normalizer(world)
        model = _estimate(ProjectiveTransform, ns(pixel), nd(world), name)
        inverse = model.inverse
        fwd = lambda p: nd.undo(model(ns(np.asarray(p, dtype=float).reshape(-1, 2))))  # noqa: E731
        inv = lambda w: ns.undo(inverse(nd(np.asarray(w, dtype=float).reshape(-1, 2))))  # noqa: E731
        return FittedTransform(name, fwd, inv, None, len(used))
    forward = _normalized_model(name, pixel, world, name)
    approximate = _normalized_model(name, world, pixel, name)  # fitted the other way, as GDAL does
    return FittedTransform(name, forward, _refined_inverse(forward, approximate), None, len(used))


# --------------------------------------------------------------------------- residuals


@dataclass
class GCPReport:
    """Per-GCP residuals and their summary.

    ``rows`` holds one dict per GCP (disabled ones too, with ``enabled: False``):
    col, row, x, y, enabled, and residuals ``dx_px, dy_px, total_px`` (pixels,
    world to pixel, the direction a warp uses) and ``dx_map, dy_map, total_map``
    (map units, pixel to world). ``rmse_px`` / ``rmse_map`` are the root mean
    square of ``total`` over the enabled GCPs; ``mean_error_px`` is QGIS's
    "mean error", the same sum divided by (n - the transform's minimum) instead of n.
    """

    transform: str
    count: int
    rows: list[dict] = field(default_factory=list)
    rmse_px: float = 0.0
    rmse_map: float = 0.0
    mean_error_px: float | None = None

    def as_dict(self) -> dict:
        """JSON-able form (for the report and the output's attributes)."""
        return {
            "transform": self.transform,
            "count": self.count,
            "rmse_px": self.rmse_px,
            "rmse_map": self.rmse_map,
            "mean_error_px": self.mean_error_px,
            "gcps": self.rows,
        }

    @classmethod
    def from_dict(cls, data: dict) -> GCPReport:
        """The report back from :meth:`as_dict`."""
        return cls(
            data["transform"],
            data["count"],
            list(data["gcps"]),
            data["rmse_px"],
            data["rmse_map"],
            data["mean_error_px"],
        )

    def table(self) -> str:
        """A plain-text table of the residuals, one GCP a line, then the RMSE."""
        head = (
            f"{'#':>3} {'on':>2} {'col':>10} {'row':>10} {'x':>14} {'y':>14} "
            f"{'dx px':>9} {'dy px':>9} {'res px':>9} {'dx map':>11} {'dy map':>11} {'res map':>11}"
        )
        lines = [head]

        def clean(v: float, digits: int) -> float:  # no "-0.0000" for a residual that rounds to zero
            return 0.0 if abs(v) < 0.5 * 10.0**-digits else v

        for i, r in enumerate(self.rows):
            r = {**r, **{k: clean(r[k], 4) for k in ("dx_px", "dy_px", "total_px")}}
            lines.append(
                f"{i:>3} {'y' if r['enabled'] else 'n':>2} {r['col']:>10.3f} {r['row']:>10.3f} "
                f"{r['x']:>14.6g} {r['y']:>14.6g} {r['dx_px']:>9.4f} {r['dy_px']:>9.4f} "
                f"{r['total_px']:>9.4f} {r['dx_map']:>11.5g} {r['dy_map']:>11.5g} {r['total_map']:>11.5g}"
            )
        mean = "n/a" if self.mean_error_px is None else f"{self.mean_error_px:.4f} px"
        lines.append(
            f"transform {self.transform}, {self.count} enabled GCPs: RMSE {self.rmse_px:.4f} px, "
            f"{self.rmse_map:.6g} map units; QGIS mean error {mean}"
        )
        return "\n".join(lines)


def gcp_residuals(fitted: FittedTransform, gcps: list[GCP]) -> GCPReport:
    """Residuals of every GCP under a fitted transform (see :class:`GCPReport`).

    Parameters
    ----------
    fitted : FittedTransform
        From :func:`fit_transform`.
    gcps : list of GCP
        The points (disabled ones are reported too, and left out of the RMSE).

    Returns
    -------
    GCPReport
        Per GCP ``dx, dy, total`` in map units and in pixels, and their RMSE.

    Examples
    --------
    >>> gcps = [GCP(0, 0, -10, 60), GCP(540, 0, 30, 60), GCP(0, 420, -10, 35), GCP(540, 420, 30.1, 35)]
    >>> report = gcp_residuals(fit_transform("polynomial1", gcps), gcps)
    >>> report.count, round(report.rmse_map, 3), round(report.rmse_px, 2)
    (4, 0.025, 0.34)
    """
    if not gcps:
        return GCPReport(fitted.name, 0)
    pixel = np.array([[g.col, g.row] for g in gcps], dtype=float)
    world = np.array([[g.x, g.y] for g in gcps], dtype=float)
    d_map = fitted.forward(pixel) - world
    d_px = fitted.inverse(world) - pixel
    rows = []
    for g, (mx, my), (px, py) in zip(gcps, d_map, d_px):
        rows.append(
            {
                "col": g.col,
                "row": g.row,
                "x": g.x,
                "y": g.y,
                "enabled": g.enabled,
                "dx_px": float(px),
                "dy_px": float(py),
                "total_px": float(math.hypot(px, py)),
                "dx_map": float(mx),
                "dy_map": float(my),
                "total_map": float(math.hypot(mx, my)),
            }
        )
    on = np.array([g.enabled for g in gcps])
    n = int(on.sum())
    sq_px = float((d_px[on] ** 2).sum())
    sq_map = float((d_map[on] ** 2).sum())
    dof = n - MIN_GCPS[fitted.name]
    return GCPReport(
        fitted.name,
        n,
        rows,
        rmse_px=math.sqrt(sq_px / n),
        rmse_map=math.sqrt(sq_map / n),
        mean_error_px=math.sqrt(sq_px / dof) if dof > 0 else None,
    )


# --------------------------------------------------------------------------- QGIS .points files


def _qgis_number(value: float) -> str:
    """A number as QGIS's qgsDoubleToString writes it: 17 decimals, trailing zeros and '.' dropped, no -0."""
    text = f"{float(value):.17f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def parse_points(text: str, source: str = ".points") -> tuple[list[GCP], CRS | None]:
    """Parse the text of a QGIS Georeferencer ``.points`` file.

    The format, as QGIS (3.x) writes it: an optional first line ``#CRS: <WKT>``,
    then the header ``mapX,mapY,sourceX,sourceY,enable,dX,dY,residual`` (skipped
    whatever it says, as QGIS does), then one GCP a line. ``sourceY`` of an image
    without georeferencing is the *negated* row (QGIS shows such an image with y
    upward), so the row is ``-sourceY``. Older files separate fields by tabs and may
    lack the ``enable`` column (then the GCP is enabled).

    Returns
    -------
    gcps : list of GCP
    crs : pyproj.CRS or None
        From the ``#CRS:`` line, when present and not empty.
    """
    lines = text.splitlines()
    crs = None
    index = 0
    if lines and lines[0].startswith("#CRS:"):
        wkt = lines[0][len("#CRS:") :].strip()
        if wkt:
            try:
                crs = CRS.from_user_input(wkt)
            except Exception as e:
                raise GeorefError(f"{source}: line 1: cannot read the CRS ({e})") from None
        index = 1
    index += 1  # the header line
    gcps = []
    for number, line in enumerate(lines[index:], start=index + 1):
        if not line.strip():
            continue
        fields = line.split(",") if "," in line else line.split("\t")
        if len(fields) < 4:
            raise GeorefError(
                f"{source}: line {number}: expected mapX,mapY,sourceX,sourceY[,enable,...], got {line.strip()!r}"
            )
        try:
            x, y, sx, sy = (float(v) for v in fields[:4])
            enabled = int(float(fields[4])) != 0 if len(fields) >= 5 and fields[4].strip() else True
        except ValueError:
            raise GeorefError(f"{source}: line {number}: not a number in {line.strip()!r}") from None
        gcps.append(GCP(col=sx, row=-sy if sy != 0 else 0.0, x=x, y=y, enabled=enabled))
    if not gcps:
        raise GeorefError(
            f"{source}: no GCPs found; expected QGIS's .points format "
            f"('#CRS: ...', '{POINTS_HEADER}', then one GCP a line)"
        )
    return gcps, crs


def read_points(path: str | os.PathLike) -> tuple[list[GCP], CRS | None]:
    """Read a QGIS ``.points`` file (see :func:`parse_points`).

    Parameters
    ----------
    path : path-like
        A ``.points`` file, as QGIS's Georeferencer writes it.

    Returns
    -------
    gcps : list of GCP
    crs : pyproj.CRS or None
        From the file's ``#CRS:`` line, when it has one.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from pyproj import CRS
    >>> path = Path(tempfile.mkdtemp()) / "figure.png.points"
    >>> _ = write_points(path, [GCP(0, 0, -10, 60), GCP(540, 420, 30, 35)], CRS.from_epsg(4326))
    >>> gcps, crs = read_points(path)
    >>> [(g.col, g.row, g.x, g.y) for g in gcps], crs.to_epsg()
    ([(0.0, 0.0, -10.0, 60.0), (540.0, 420.0, 30.0, 35.0)], 4326)
    """
    path = Path(path)
    if not path.is_file():
        raise GeorefError(f"{path}: GCP file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise GeorefError(f"{path}: cannot read the GCP file ({e})") from None
    return parse_points(text, str(path))


def format_points(gcps: list[GCP], crs: CRS | None = None, report: GCPReport | None = None) -> str:
    """The text of a QGIS ``.points`` file, byte for byte as QGIS writes it.

    Residual columns hold ``report``'s pixel residuals (QGIS's default units), else 0.
    """
    lines = [f"#CRS: {crs.to_wkt() if crs is not None else ''}", POINTS_HEADER]
    rows = report.rows if report is not None else [None] * len(gcps)
    for g, r in zip(gcps, rows):
        dx, dy = (r["dx_px"], r["dy_px"]) if r is not None else (0.0, 0.0)
        fields = [_qgis_number(v) for v in (g.x, g.y, g.col, -g.row)]
        fields.append("1" if g.enabled else "0")
        fields += [_qgis_number(v) for v in (dx, dy, math.sqrt(dx * dx + dy * dy))]
        lines.append(",".join(fields))
    return "\n".join(lines) + "\n"


def write_points(
    path: str | os.PathLike, gcps: list[GCP], crs: CRS | None = None, report: GCPReport | None = None
) -> Path:
    """Write a QGIS ``.points`` file atomically (see :func:`format_points`).

    Parameters
    ----------
    path : path-like
        The ``.points`` file to write.
    gcps : list of GCP
    crs : pyproj.CRS, optional
        Written as the ``#CRS:`` line.
    report : GCPReport, optional
        Residuals to write in the ``dX, dY, residual`` columns.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = write_points(Path(tempfile.mkdtemp()) / "f.points", [GCP(10, 20, 1.5, 2.5)])
    >>> [line for line in path.read_text().splitlines() if not line.startswith("#")][0]
    'mapX,mapY,sourceX,sourceY,enable,dX,dY,residual'
    >>> read_points(path)[0][0].row  # QGIS stores the row negated; it comes back as written
    20.0
    """
    from chromagrid.io.files import atomic_output

    with atomic_output(path) as tmp:
        Path(tmp).write_text(format_points(gcps, crs, report), encoding="utf-8")
    return Path(path)


def gcps_from_list(rows) -> list[GCP]:
    """GCPs from ``[[col, row, x, y], ...]`` (a config's ``gcps``)."""
    return [GCP(float(c), float(r), float(x), float(y)) for c, r, x, y in rows]
