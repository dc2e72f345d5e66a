"""Reduce stage: a decoded field to a sparse point cloud (one point per plateau).

Three steps, each a small function:

1. :func:`gradient_mask` keeps the pixels of flat plateaus: a pixel is kept
   when it has a value and its value differs from each of its four neighbours
   (left, right, up, down) by at most ``gradient_tol``. Only neighbours that
   exist *and* have a value are compared: a pixel on the box's edge row or
   column has no neighbour beyond the edge and is judged by the ones it has,
   and a neighbour that is no data (background, a coastline, masked sea) never
   removes a pixel. A pixel with no valued neighbour at all is kept.
   ``gradient_tol=None`` keeps every valid pixel (no mask): right for clean
   figures of flat cells, whose edge pixels belong to a plateau too.
2. Clustering groups kept pixels that are close in space *and* in the same
   value level (:func:`value_levels`: the exact value when ``gradient_tol`` is
   0 or None, else bins ``gradient_tol`` wide). Clustering on position alone joins
   neighbouring plateaus of different values wherever they touch. Two
   paths give the same clusters:

   - :func:`label_components`: connected-component labelling. For DBSCAN
     with ``min_samples=1`` a cluster is exactly a connected component of the
     graph "within ``eps`` pixels and in the same level"; on the pixel grid
     ``eps`` in [1, sqrt 2) means the 4 edge neighbours, [sqrt 2, 2) the 8
     neighbours, and below 1 no neighbour (every pixel its own cluster).
   - :func:`label_dbscan`: scikit-learn's DBSCAN on (column, row, level
     spacing), for any ``eps`` and ``min_samples``; its noise is dropped and
     counted.
3. :func:`snapped_centroids`: one point per cluster, at the cluster's
   centroid snapped to the nearest member pixel (so the point lies inside the
   cluster even for a ring or a crescent), with the cluster's mean value and
   its size.

``thin`` splits clusters along a square grid of ``thin`` pixels, so one large
plateau gives several points; :func:`search` picks ``gradient_tol``, an
adaptive (quadtree) thinning and the reconstruction method for the fewest
points whose reconstruction meets a target error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage

from chromagrid.errors import ChromagridError, ConfigError
from chromagrid.reduce.settings import Reduce

#: Columns of the point table, in order.
POINT_COLUMNS = ("x", "y", "value", "n_pixels", "cluster", "row", "col")

_SQRT2 = math.sqrt(2.0)
_UNSET = object()
#: The level of a pixel that is not kept (as int32 it is a NaN bit pattern, never a kept value's).
NO_LEVEL = -1


@dataclass(frozen=True)
class Reduction:
    """A field reduced to points.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per cluster: ``x``, ``y`` (grid coordinates: world units when
        georeferenced, else image pixels), ``value`` (the cluster's mean
        value), ``n_pixels`` (its size), ``cluster`` (its id, from 1), and
        ``row``, ``col`` (the point's pixel in the box).
    labels : numpy.ndarray
        H x W cluster id per pixel, 0 where a pixel is in no cluster.
    n_kept : int
        Pixels the gradient mask kept.
    n_noise : int
        Kept pixels DBSCAN left as noise (dropped); 0 for connected components.
    method : str
        ``components`` or ``dbscan``.
    gradient_tol, thin
        The settings used (``gradient_tol`` chosen by :func:`search` when a
        target was given; ``thin`` is then None, the search's thinning being
        adaptive).
    reconstruct : str or None
        The reconstruction method :func:`search` chose (None: the settings' one).
    curve : list of dict or None
        The settings :func:`search` tried: gradient_tol, thin, reconstruct,
        points, rmse_percent, met, chosen.

    Examples
    --------
    Four plateaus of one value each, 5 x 5 pixels: one point per plateau.

    >>> import numpy as np
    >>> value = np.repeat(np.repeat(np.array([[0.1, 0.2], [0.3, 0.4]]), 5, 0), 5, 1)
    >>> reduction = reduce_field(value)
    >>> len(reduction.points), reduction.method, reduction.points["value"].tolist()
    (4, 'components', [0.1, 0.2, 0.3, 0.4])
    """

    points: pd.DataFrame
    labels: np.ndarray
    n_kept: int
    n_noise: int
    method: str
    gradient_tol: float | None
    thin: int | None
    reconstruct: str | None = None
    curve: list[dict] | None = None


# --------------------------------------------------------------------------- 1. gradient mask
def gradient_mask(value: np.ndarray, tol: float | None = 0.0) -> np.ndarray:
    """Pixels of flat plateaus: valued, and within ``tol`` of every valued 4-neighbour.

    Parameters
    ----------
    value : (H, W) float array, NaN = no data
    tol : float or None
        Largest absolute first difference (value units) to a neighbour; 0
        keeps exact plateaus only; None keeps every valid pixel.

    Returns
    -------
    (H, W) bool
        Edge rows and columns are compared with the neighbours that exist;
        no-data neighbours are not compared (a NaN difference never exceeds
        ``tol``); no-data pixels are never kept.
    """
    value = np.asarray(value)
    kept = np.isfinite(value)
    if tol is None:
        return kept
    with np.errstate(invalid="ignore"):
        steep_x = np.abs(value[:, 1:] - value[:, :-1]) > tol  # between (r, c) and (r, c + 1)
        steep_y = np.abs(value[1:, :] - value[:-1, :]) > tol  # between (r, c) and (r + 1, c)
    kept[:, :-1] &= ~steep_x
    kept[:, 1:] &= ~steep_x
    kept[:-1, :] &= ~steep_y
    kept[1:, :] &= ~steep_y
    return kept


# --------------------------------------------------------------------------- 2. clusters
def value_levels(value: np.ndarray, kept: np.ndarray, tol: float | None = 0.0) -> np.ndarray:
    """An integer level per kept pixel (:data:`NO_LEVEL` elsewhere); equal levels may join one cluster.

    With ``tol`` 0 or None the level is the exact value (its float32 bit
    pattern as int32, no sort needed); with ``tol`` > 0 it is the bin
    ``floor((value - min) / tol)`` (int64).
    """
    if not tol:
        levels = np.asarray(value, np.float32) + np.float32(0.0)  # a copy; -0.0 and 0.0 are one level
        levels = levels.view(np.int32)
    else:
        lowest = float(np.nanmin(np.where(kept, value, np.nan))) if kept.any() else 0.0
        with np.errstate(invalid="ignore"):
            levels = np.floor((np.asarray(value, np.float64) - lowest) / tol)
        levels = np.where(kept, levels, 0).astype(np.int64)
    levels[~kept] = NO_LEVEL
    return levels


def uniform_blocks(shape: tuple[int, int], thin: int) -> np.ndarray:
    """Block id of each pixel on a square grid of ``thin`` pixels."""
    height, width = shape
    n_bx = -(-width // thin)
    return (np.arange(height) // thin)[:, None] * n_bx + (np.arange(width) // thin)[None, :]


def quadtree_blocks(block_shift: np.ndarray) -> np.ndarray:
    """Block id of each pixel of a quadtree: pixel (r, c) is in the aligned block of side ``2**shift``.

    ``block_shift`` is an (H, W) integer array; blocks of different sizes get
    different ids even where their corners coincide.
    """
    height, width = block_shift.shape
    shift = block_shift.astype(np.int64)
    rows = np.arange(height, dtype=np.int64)[:, None]
    cols = np.arange(width, dtype=np.int64)[None, :]
    return shift * (height * width) + (rows >> shift) * width + (cols >> shift)


def block_levels(levels: np.ndarray, blocks: np.ndarray | None) -> np.ndarray:
    """Levels made distinct per block, so clusters split along the blocks' edges (NO_LEVEL stays)."""
    if blocks is None:
        return levels
    kept = levels != NO_LEVEL
    blocks = np.asarray(blocks, np.int64)
    n_blocks = int(blocks.max()) + 1
    levels = levels.astype(np.int64)
    top = int(np.abs(levels).max()) + 1
    if top > np.iinfo(np.int64).max // n_blocks // 2:  # dense level ids keep the combined key inside int64
        dense = np.full(levels.shape, NO_LEVEL, np.int64)
        dense[kept] = np.unique(levels[kept], return_inverse=True)[1]
        levels = dense
    # (level, block) -> level * n_blocks + block is one-to-one; never NO_LEVEL for a kept pixel (its level
    # would have to be NO_LEVEL)
    return np.where(kept, levels * n_blocks + blocks, NO_LEVEL)


def neighbourhood(eps: float) -> int:
    """Pixel neighbourhood of DBSCAN's ``eps`` (distance <= eps): 0 none, 1 four, 2 eight neighbours.

    Raises
    ------
    ChromagridError
        For ``eps`` >= 2, which reaches beyond the 8 neighbours (use DBSCAN).
    """
    if eps < 1.0:
        return 0
    if eps < _SQRT2:
        return 1
    if eps < 2.0:
        return 2
    raise ChromagridError(
        f"reduce.eps {eps} reaches beyond the 8 neighbours; connected components cover "
        "eps < 2 only: use reduce.method: dbscan or auto"
    )


def _mixed_links(levels: np.ndarray, connectivity: int) -> bool:
    """Whether any pair of neighbouring kept pixels has different levels."""
    shifts = [
        (slice(None), slice(1, None), slice(None), slice(None, -1)),
        (slice(1, None), slice(None), slice(None, -1), slice(None)),
    ]
    if connectivity == 2:
        shifts += [
            (slice(1, None), slice(1, None), slice(None, -1), slice(None, -1)),
            (slice(1, None), slice(None, -1), slice(None, -1), slice(1, None)),
        ]
    for r1, c1, r0, c0 in shifts:
        a, b = levels[r1, c1], levels[r0, c0]
        differ = a != b
        differ &= a != NO_LEVEL
        differ &= b != NO_LEVEL
        if differ.any():
            return True
    return False


def label_components(levels: np.ndarray, connectivity: int) -> tuple[np.ndarray, int]:
    """Connected components of kept pixels (``levels`` != NO_LEVEL) that share a level.

    Parameters
    ----------
    levels : (H, W) int32 or int64, NO_LEVEL where a pixel is not kept
    connectivity : 0, 1 or 2
        No neighbours, the 4 edge neighbours, or all 8 neighbours.

    Returns
    -------
    labels : (H, W) int32, 1..n, 0 where not kept
    n : int
    """
    kept = levels != NO_LEVEL
    if connectivity == 0:
        labels = np.zeros(levels.shape, np.int32)
        labels[kept] = np.arange(1, int(kept.sum()) + 1, dtype=np.int32)
        return labels, int(kept.sum())
    if not _mixed_links(levels, connectivity):
        # every link joins one level: plain binary labelling is the same partition, and fast
        structure = ndimage.generate_binary_structure(2, connectivity)
        # scipy takes a dtype as output (its docs); scipy-stubs 1.17 list only an array or None
        labels, n = ndimage.label(kept, structure=structure, output=np.int32)  # type: ignore[call-overload]
        return labels, int(n)
    from skimage.measure import label as label_equal  # neighbours join only when their levels are equal

    labels = label_equal(levels, background=NO_LEVEL, connectivity=connectivity)
    return labels.astype(np.int32, copy=False), int(labels.max())


def label_dbscan(levels: np.ndarray, eps: float, min_samples: int) -> tuple[np.ndarray, int, int]:
    """scikit-learn DBSCAN on kept pixels, on position and level.

    Each pixel is the point (column, row, level index x spacing) with the
    spacing larger than ``eps``, so pixels of different levels are never
    neighbours and within one level the distance is the pixel distance.

    Returns
    -------
    labels : (H, W) int32, 1..n, 0 where not kept or noise
    n : int
    n_noise : int
    """
    from sklearn.cluster import DBSCAN

    kept = levels != NO_LEVEL
    rows, cols = np.nonzero(kept)
    labels = np.zeros(levels.shape, np.int32)
    if rows.size == 0:
        return labels, 0, 0
    level_index = np.unique(levels[rows, cols], return_inverse=True)[1]
    spacing = 2.0 * eps + 1.0
    features = np.column_stack([cols, rows, level_index * spacing]).astype(np.float64)
    found = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(features)
    noise = found < 0
    labels[rows, cols] = found + 1
    return labels, int(found.max()) + 1 if (~noise).any() else 0, int(noise.sum())


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 1..n in raster order of their first pixel (0 stays 0): compare partitions."""
    flat = labels.ravel()
    ids, first = np.unique(flat, return_index=True)
    order = np.argsort(first[ids > 0])
    mapping = np.zeros(int(ids.max()) + 1, np.int64)
    mapping[ids[ids > 0][order]] = np.arange(1, order.size + 1)
    return mapping[labels]


# --------------------------------------------------------------------------- 3. points
def snapped_centroids(labels: np.ndarray, n: int, value: np.ndarray) -> dict[str, np.ndarray]:
    """One point per cluster: its centroid snapped to the nearest member pixel.

    Works on the runs of equal labels along each row rather than on pixels
    (a plateau crosses a row in few runs): a run's pixel nearest a point is
    the run's column nearest the point's column, so every sum and distance
    is per run. Ties (several members equally near the centroid) go to the
    first in raster order.

    Parameters
    ----------
    labels : (H, W) int, cluster ids 1..n, 0 outside clusters
    n : int
    value : (H, W) float

    Returns
    -------
    dict of arrays, one entry per cluster 1..n
        ``row``, ``col`` (the snapped pixel), ``value`` (the cluster's mean
        value), ``n_pixels``.
    """
    width = labels.shape[1]
    flat = labels.ravel()
    if n == 0:
        empty = np.zeros(0, np.int64)
        return {"row": empty, "col": empty, "value": np.zeros(0), "n_pixels": empty}
    change = np.empty(flat.size, bool)
    change[0] = True
    np.not_equal(flat[1:], flat[:-1], out=change[1:])
    change[::width] = True  # runs end at the end of each row
    starts = np.flatnonzero(change)
    sums = np.add.reduceat(np.asarray(value).ravel(), starts, dtype=np.float64)
    ends = np.append(starts[1:], flat.size)
    member = flat[starts].astype(np.intp)
    inside = member > 0
    starts, ends, member, sums = starts[inside], ends[inside], member[inside] - 1, sums[inside]
    row, first_col = np.divmod(starts, width)
    length = ends - starts
    last_col = first_col + length - 1
    count = np.bincount(member, length, n)
    centre_r = np.bincount(member, row * length, n) / count
    centre_c = np.bincount(member, (first_col + last_col) * length / 2, n) / count  # exact: integer sums
    mean = np.bincount(member, sums, n) / count
    # each run's pixel nearest the centroid; at a half column the left one (first in raster order)
    col = np.clip(np.ceil(centre_c[member] - 0.5), first_col, last_col)
    d2 = (row - centre_r[member]) ** 2 + (col - centre_c[member]) ** 2
    nearest = np.full(n, np.inf)
    np.minimum.at(nearest, member, d2)
    ties = np.flatnonzero(d2 == nearest[member])
    _, first = np.unique(member[ties], return_index=True)
    pick = ties[first]
    return {"row": row[pick], "col": col[pick].astype(np.int64), "value": mean, "n_pixels": count.astype(np.int64)}


def point_table(
    centroids: dict[str, np.ndarray], x: np.ndarray | None = None, y: np.ndarray | None = None
) -> pd.DataFrame:
    """The point table from :func:`snapped_centroids`; ``x``/``y`` are the grid's column/row coordinates."""
    row, col = centroids["row"], centroids["col"]
    return pd.DataFrame(
        {
            "x": (np.asarray(x)[col] if x is not None else col).astype(np.float64),
            "y": (np.asarray(y)[row] if y is not None else row).astype(np.float64),
            "value": centroids["value"].astype(np.float64),
            "n_pixels": centroids["n_pixels"].astype(np.int64),
            "cluster": np.arange(1, row.size + 1, dtype=np.int64),
            "row": row.astype(np.int64),
            "col": col.astype(np.int64),
        },
        columns=list(POINT_COLUMNS),
    )


def clustering_method(settings: Reduce) -> str:
    """``components`` or ``dbscan`` for a :class:`Reduce`'s method, eps and min_samples."""
    if settings.method != "auto":
        return settings.method
    return "components" if settings.min_samples == 1 and settings.eps < 2.0 else "dbscan"


def cluster(levels: np.ndarray, settings: Reduce) -> tuple[np.ndarray, int, int, str]:
    """Cluster kept pixels with the path ``settings`` asks for: (labels, n, n_noise, method)."""
    method = clustering_method(settings)
    if method == "components":
        labels, n = label_components(levels, neighbourhood(settings.eps))
        return labels, n, 0, method
    labels, n, n_noise = label_dbscan(levels, settings.eps, settings.min_samples)
    return labels, n, n_noise, method


def reduce_field(
    value: np.ndarray,
    settings: Reduce = Reduce(),
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    gradient_tol=_UNSET,
    thin=_UNSET,
    blocks: np.ndarray | None = None,
) -> Reduction:
    """Reduce a field to points: gradient mask, clusters, snapped centroids.

    Parameters
    ----------
    value : (H, W) float, NaN = no data
    settings : Reduce
    x, y : 1-D arrays, optional
        Coordinates of the grid's columns and rows (world or pixel); the
        points get these. Box pixel indices when omitted.
    gradient_tol, thin : optional
        Override the settings' values.
    blocks : (H, W) int array, optional
        Split clusters along these blocks instead of ``thin``'s grid (used by :func:`search`).

    Returns
    -------
    Reduction

    Examples
    --------
    >>> import numpy as np
    >>> value = np.repeat(np.repeat(np.array([[0.1, 0.2], [0.3, 0.4]]), 5, 0), 5, 1)
    >>> points = reduce_field(value, x=np.arange(10) * 0.5, y=50 - np.arange(10) * 0.5).points
    >>> points[["x", "y", "value", "n_pixels"]].values.tolist()[0]
    [0.5, 49.5, 0.1, 16.0]
    """
    tol = settings.gradient_tol if gradient_tol is _UNSET else gradient_tol
    tol = None if tol is None else float(tol)
    thin = settings.thin if thin is _UNSET else thin
    if blocks is None and thin is not None:
        blocks = uniform_blocks(value.shape, thin)
    kept = gradient_mask(value, tol)
    levels = block_levels(value_levels(value, kept, tol), blocks)
    labels, n, n_noise, method = cluster(levels, settings)
    points = point_table(snapped_centroids(labels, n, value), x, y)
    return Reduction(
        points=points,
        labels=labels,
        n_kept=int(kept.sum()),
        n_noise=n_noise,
        method=method,
        gradient_tol=tol,
        thin=thin,
    )


# --------------------------------------------------------------------------- error-bounded search
#: Gradient tolerances tried by :func:`search`, as multiples of the target error (value units); None: no mask.
SEARCH_TOL_FACTORS = (0.0, 1.0, 2.0, None)
#: Each search run splits the blocks within this many pixels of a wrong pixel too (one run per margin).
SEARCH_SPLIT_MARGINS = (0, 2)
#: Largest number of valid pixels the search compares per try (a regular subsample beyond).
SEARCH_MAX_PIXELS = 250_000


def search_methods(settings: Reduce) -> tuple[str, ...]:
    """Reconstruction methods the search tries: the one set, else linear and nearest."""
    if "reconstruct" in settings.model_fields_set:
        return (settings.reconstruct,)
    return ("linear", "nearest")


def search(value: np.ndarray, settings: Reduce, value_span: float, x: np.ndarray, y: np.ndarray) -> Reduction:
    """Error-bounded reduction: the fewest points whose reconstruction RMSE meets the target.

    For each gradient tolerance (0, 1 and 2 times the target error, and None:
    no mask, every valid pixel, which a clean figure of flat cells needs to
    place its cell edges) and each reconstruction method (the one ``settings``
    sets, or linear and nearest when ``reconstruct`` was left unset: a figure
    of flat cells is rebuilt far better by nearest, a smooth field by
    linear), it starts from one point per cluster and thins adaptively,
    quadtree fashion: every block (first the whole box) that holds a pixel
    whose reconstruction error exceeds the target is split in four, and the
    clusters are split along the blocks' edges, until the RMSE meets the
    target or the blocks are single pixels. A wrong pixel's value often comes
    from a point in a neighbouring block, so each setting is run twice: once
    splitting only the blocks that hold wrong pixels, once also those within
    2 pixels of one. Large plateaus that one point represents well stay one point;
    points gather where the field needs them (edges of plateaus, detail).
    The runs advance best first: the pending step with the fewest points is
    tried next, so the first step that meets the target has the fewest
    points of all the steps the search can reach.
    Errors are measured on at most :data:`SEARCH_MAX_PIXELS` valid pixels (a
    regular subsample beyond); the checks afterwards use every pixel.

    Parameters
    ----------
    value : (H, W) float, NaN = no data
    settings : Reduce
        With ``target_rmse_percent`` set.
    value_span : float
        vmax - vmin: the target is a percentage of it.
    x, y : 1-D arrays
        Grid coordinates of the columns and rows.

    Returns
    -------
    Reduction
        The chosen one, with ``reconstruct`` (the method chosen), ``thin``
        None and ``curve``: every step tried, with gradient_tol, reconstruct,
        finest_block (side in pixels of the smallest block), points, RMSE (%
        of ``value_span``), met and chosen. When no step meets the target, the
        one with the smallest error.
    """
    from chromagrid.reduce.checks import reconstruct_at

    target = settings.target_rmse_percent
    if target is None:
        raise ConfigError("search needs settings with target_rmse_percent set (use reduce_field without a target)")
    target_abs = target / 100.0 * value_span
    rows, cols = np.nonzero(np.isfinite(value))
    stride = max(1, -(-rows.size // SEARCH_MAX_PIXELS))
    rows, cols = rows[::stride], cols[::stride]
    truth = np.asarray(value, np.float64)[rows, cols]
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    top_shift = max(0, math.ceil(math.log2(max(value.shape))))

    def reduced(tol: float | None, shift: np.ndarray) -> Reduction:
        return reduce_field(value, settings, x, y, gradient_tol=tol, thin=None, blocks=quadtree_blocks(shift))

    # [tol, method, margin, shift, pending reduction]: one per gradient tolerance, method and margin
    runs: list[list[Any]] = []
    for factor in SEARCH_TOL_FACTORS:
        tol = None if factor is None else factor * target_abs
        first = reduced(tol, np.full(value.shape, top_shift, np.int8))
        if len(first.points):
            runs += [
                [tol, method, margin, np.full(value.shape, top_shift, np.int8), first]
                for method in search_methods(settings)
                for margin in SEARCH_SPLIT_MARGINS
            ]
    curve: list[dict] = []
    best = closest = None  # (curve index, tol, method, shift)
    closest_error = math.inf
    while runs:
        # best first: always try the pending step with the fewest points, so the first step that meets
        # the target is the one with the fewest points of all the steps the search can reach
        run = min(runs, key=lambda r: len(r[4].points))
        tol, method, margin, shift, reduction = run
        rebuilt = reconstruct_at(reduction.points, x[cols], y[rows], method, settings.outside)
        error = np.abs(rebuilt - truth)
        ok = np.isfinite(error)
        rmse_percent = 100.0 * float(np.sqrt(np.mean(error[ok] ** 2))) / value_span if ok.any() else math.inf
        met = rmse_percent <= target
        curve.append(
            {
                "gradient_tol": tol,
                "reconstruct": method,
                "split_margin": margin,
                "finest_block": 1 << int(shift.min()),
                "points": len(reduction.points),
                "rmse_percent": rmse_percent,
                "met": met,
                "compared_pixels": int(ok.sum()),
                "chosen": False,
            }
        )
        if rmse_percent < closest_error:
            closest_error, closest = rmse_percent, (len(curve) - 1, tol, method, shift.copy())
        if met:
            best = (len(curve) - 1, tol, method, shift)
            break
        blocks = quadtree_blocks(shift)
        near_bad = np.zeros(value.shape, bool)
        near_bad[rows[~(error <= target_abs)], cols[~(error <= target_abs)]] = True  # NaN counts as bad
        # a wrong pixel is often a gap pixel between plateaus whose value comes from a point in a
        # neighbouring block: split the blocks within 2 pixels of it too
        if margin:
            near_bad = ndimage.binary_dilation(near_bad, np.ones((3, 3), bool), iterations=margin)
        split = np.isin(blocks, np.unique(blocks[near_bad])) & (shift > 0)
        if not split.any():
            runs.remove(run)
            continue
        shift[split] -= 1
        run[4] = reduced(tol, shift)
    pick = best or closest
    if pick is None:
        chosen, method = reduce_field(value, settings, x, y, gradient_tol=0.0, thin=None), settings.reconstruct
    else:
        index, tol, method, shift = pick
        curve[index]["chosen"] = True
        chosen = reduced(tol, shift)
    return replace(chosen, thin=None, reconstruct=method, curve=curve)
