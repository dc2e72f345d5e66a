"""Cells stage: find the grid of cells inside a plot box and give one value per cell.

Cell heat maps (``seaborn.heatmap``, ``imshow`` with nearest interpolation,
correlation and confusion matrices) and any nearest-neighbour raster are a
lattice of uniformly coloured rectangles. This stage works on the decoded
pixels of the box (:func:`chromagrid.decode.core.decode`) and their CIELAB colours:

1. **gridlines**: columns (rows) of one uniform colour running across most of
   the box, at most half as wide as their spacing, in both directions, are
   lines drawn between the cells (white, black, grey, any width); their
   pixels are excluded from everything below. A frame drawn along the box's
   border is found the same way.
2. **boundary evidence** along each axis: for every pixel edge, the share of
   rows (columns) in which the colour changes there, comparing each pixel with
   the nearest usable pixel on either side. Usable pixels are close to the
   scale (or of the background's colour: masked cells have edges too), not
   on a gridline and locally uniform, which leaves out annotation text and
   antialiased blends; a gridline counts as a boundary even between two cells
   of the same colour. In a noisy (JPEG) image lightness is weighed over
   chroma (:data:`CHROMA_WEIGHT`) and colours are averaged along each
   boundary's direction first.
3. **equal cells**: the number of cells n maximises the evidence on the comb
   of n equal cells spanning the box minus what as many random positions
   would collect (:func:`comb_scores`). Divisors of the true n miss
   boundaries and multiples add empty teeth, so both score lower; cells whose
   neighbours share their colour only lower the evidence at a few teeth.
   When the extra teeth of a multiple hold under half the evidence of the
   others (text centred in the cells), the divisor wins. The comb's ends may
   move by a few pixels (an inexact box); the boundaries are then fitted
   with a straight line to the measured peaks.
4. **unequal cells**: when strong boundaries (colour changes across most of the
   box) lie off the best equal comb and a quarter of its teeth find no strong
   change, or two thirds of them find none (a fine comb through unequal
   cells), the boundaries are the strong peaks.
5. **one value per cell**: from the cell's interior (a margin of 10 % and half
   a gridline off each side), its pixels close to the scale and near the
   cell's dominant value (annotation text left out): in a clean image the
   median-like trimmed mean of their values (the value of the cell's
   colour), in a noisy one the value of their trimmed mean colour with
   lightness weighed over chroma (:func:`project_on_scale`). A cell with too
   few usable pixels is NaN and counted, and so is a cell showing the
   figure's background colour (a masked cell) rather than a colour of the
   scale.

Stages never read or write files; the pipeline does (through the writers at the
end of this module).

The public function ``chromagrid.cells("heatmap.png", cmap="rocket", vmin=0, vmax=1)``
is :func:`chromagrid.pipeline.cells`, which reads the file and calls this stage.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import xarray as xr

from chromagrid.decode.core import Decoded, pack_rgb, project, to_lab, unpack_rgb
from chromagrid.errors import ChromagridError

if TYPE_CHECKING:  # imported where used (the region finder), or only for their types
    from chromagrid.find.region import PlotRegion
    from chromagrid.scale.colorscale import ColorScale

#: Default colour distance (CIE76 delta E) within which a pixel of a clean image counts as a cell
#: colour (widened for noisy images by :func:`cell_max_distance`). Measured on the public corpus's
#: cells cases and on generated seaborn heat maps (bench/cells.py).
CELLS_MAX_DISTANCE = 8.0

#: Weight of the chroma axes (a*, b*) against lightness in noisy (JPEG) images, for the boundary
#: search and the cells' values: JPEG keeps colour at half resolution and in coarser steps.
CHROMA_WEIGHT = 0.1

#: An equal comb with fewer than this share of its boundaries on strong colour changes is a fine comb
#: fitted through unequal cells (unless no strong change lies off it).
UNSUPPORTED = 0.34

#: Status codes of a cell's value.
CELL_OK, CELL_FEW_PIXELS, CELL_BACKGROUND = 0, 1, 2

MATRIX_SUFFIXES = {".csv": "csv", ".nc": "netcdf", ".nc4": "netcdf", ".netcdf": "netcdf", ".npy": "npy"}


class GridNotFoundError(ChromagridError):
    """No grid of cells could be found in the box.

    Examples
    --------
    One flat colour: no boundaries between cells to find.

    >>> import numpy as np
    >>> from chromagrid.decode import decode
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("YlGn", vmin=0, vmax=10)
    >>> rgb = np.broadcast_to(scale.colors_for([5.0])[0], (60, 60, 3)).copy()
    >>> detect_grid(rgb, decode(rgb, scale), (0, 0, 60, 60))
    Traceback (most recent call last):
    ...
    chromagrid.heatmap.cells.GridNotFoundError: ...
    """


class CellsError(ChromagridError):
    """The cells cannot be measured (box without scale colours, more cells than pixels, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.scale import from_colormap
    >>> measure_cells(np.full((40, 40, 3), 255, np.uint8), from_colormap("YlGn", vmin=0, vmax=10), box=(0, 0, 40, 40))
    Traceback (most recent call last):
    ...
    chromagrid.heatmap.cells.CellsError: box [0, 0, 40, 40] holds no pixel within delta E 8 of the colour scale 'YlGn'; ...
    """


# --------------------------------------------------------------------------- colours
def lab_pixels(rgb: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 sRGB to H x W x 3 float32 CIELAB, converting each distinct colour once."""
    codes = pack_rgb(np.ascontiguousarray(rgb, dtype=np.uint8))
    distinct, inverse = np.unique(codes, return_inverse=True)
    lab = to_lab(unpack_rgb(distinct)).astype(np.float32)
    return lab[inverse.reshape(codes.shape)]


def delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIE76 colour difference between CIELAB arrays (last axis = L, a, b)."""
    return np.sqrt(np.sum((np.asarray(a, np.float32) - np.asarray(b, np.float32)) ** 2, axis=-1))


def uniform_share(lab: np.ndarray, tol: float) -> np.ndarray:
    """Share of each pixel's 3 x 3 neighbourhood (itself included) within ``tol`` delta E of its colour.

    1 inside a uniform area, 6/9 next to a straight boundary, 1/3 on a one-pixel
    blended column and on thin text strokes.
    """
    h, w = lab.shape[:2]
    padded = np.pad(lab, ((1, 1), (1, 1), (0, 0)), mode="edge")
    count = np.ones((h, w), np.uint8)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                shifted = padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
                count += delta_e(lab, shifted) <= tol
    return count / 9.0


def noise_level(lab: np.ndarray) -> float:
    """Typical colour difference between horizontally adjacent pixels (0 for clean PNGs, ~1-3 for JPEG)."""
    d = delta_e(lab[:, 1:], lab[:, :-1])
    return float(np.percentile(d, 75)) if d.size else 0.0


# --------------------------------------------------------------------------- gridlines
@dataclass(frozen=True)
class GridLines:
    """Uniform lines drawn between the cells (and a frame along the box's border).

    Attributes
    ----------
    color : tuple of int or None
        The lines' RGB colour; None when no lines were found.
    x_width, y_width : float
        Median width in pixels of the vertical (between columns) and horizontal
        (between rows) lines; 0 when there are none.
    mask : numpy.ndarray
        H x W bool, True on line pixels.
    """

    color: tuple[int, int, int] | None
    x_width: float
    y_width: float
    mask: np.ndarray

    @property
    def found(self) -> bool:
        return self.color is not None


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True values."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    change = np.flatnonzero(np.diff(padded))
    return list(zip(change[0::2].tolist(), change[1::2].tolist()))


def _uniform_runs(lab: np.ndarray, axis: int, tol: float, share: float = 0.8):
    """Runs of columns (axis=0: reduce over rows) whose pixels share one colour.

    Returns a list of (start, stop, median Lab colour) runs.
    """
    med = np.median(lab, axis=axis)  # (W, 3) for axis=0
    close = delta_e(lab, np.expand_dims(med, axis)) <= tol  # (H, W)
    uniform = close.mean(axis=axis) >= share
    return [(a, b, np.median(med[a:b], axis=0)) for a, b in _runs(uniform)]


def find_gridlines(rgb: np.ndarray, lab: np.ndarray | None = None, tol: float | None = None) -> GridLines:
    """Find uniform lines between the cells of a box.

    A line colour is a colour that forms narrow runs of uniform columns and of
    uniform rows (at least three runs in all, each at most half the spacing
    between runs of that colour). Uniform runs as wide as a cell (a
    whole column of equal cells) are not lines.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The box.
    lab : (H, W, 3) float, optional
        Its CIELAB colours (computed when not given).
    tol : float, optional
        Colour tolerance (delta E) for "the same colour"; from the image's noise
        level when not given.
    """
    lab = lab_pixels(rgb) if lab is None else lab
    h, w = lab.shape[:2]
    if tol is None:
        tol = max(2.0, 3.0 * noise_level(lab))
    cols = _uniform_runs(lab, 0, tol)
    rows = _uniform_runs(lab, 1, tol)
    none = GridLines(None, 0.0, 0.0, np.zeros((h, w), bool))
    if not cols and not rows:
        return none
    best = None
    for cand in [r[2] for r in cols + rows]:
        cx = [(a, b) for a, b, c in cols if delta_e(c, cand) <= tol]
        ry = [(a, b) for a, b, c in rows if delta_e(c, cand) <= tol]
        if not cx or not ry or len(cx) + len(ry) < 3:
            continue
        widths = np.array([b - a for a, b in cx + ry], float)
        narrow = float(np.median(widths))
        keep_x = [(a, b) for a, b in cx if b - a <= max(3.0, 2.0 * narrow)]
        keep_y = [(a, b) for a, b in ry if b - a <= max(3.0, 2.0 * narrow)]
        ok = True
        for kept, size in ((keep_x, w), (keep_y, h)):
            centres = np.array([(a + b) / 2 for a, b in kept])
            spacing = float(np.median(np.diff(centres))) if len(centres) >= 2 else float(size)
            if any(b - a > 0.5 * spacing for a, b in kept):
                ok = False
        if not ok or not keep_x or not keep_y:
            continue
        if not any((delta_e(lab[:, a:b], cand) <= tol).any() for a, b in keep_x):
            continue  # the runs' median colour is no pixel's colour: not one line colour
        if best is None or len(keep_x) + len(keep_y) > len(best[1]) + len(best[2]):
            best = (cand, keep_x, keep_y)
    if best is None:
        return none
    cand, keep_x, keep_y = best
    near = delta_e(lab, cand) <= tol
    in_runs = np.zeros((h, w), bool)
    for a, b in keep_x:
        in_runs[:, a:b] = True
    for a, b in keep_y:
        in_runs[a:b, :] = True
    mask = near & in_runs
    # the antialiased edge pixels of the lines are neither line nor cell colour: widen by one pixel
    from scipy import ndimage

    edge = ndimage.binary_dilation(mask, np.ones((3, 3), bool)) & _runs_ring(keep_x, keep_y, h, w)
    mask |= edge
    color = cast(tuple[int, int, int], tuple(int(v) for v in np.median(rgb[near & in_runs], axis=0)))
    x_width = float(np.median([b - a for a, b in keep_x])) if keep_x else 0.0
    y_width = float(np.median([b - a for a, b in keep_y])) if keep_y else 0.0
    return GridLines(color, x_width, y_width, mask)


def _runs_ring(keep_x, keep_y, h: int, w: int) -> np.ndarray:
    """Pixels within one pixel of a line run (its antialiased edges)."""
    ring = np.zeros((h, w), bool)
    for a, b in keep_x:
        ring[:, max(a - 1, 0) : b + 1] = True
    for a, b in keep_y:
        ring[max(a - 1, 0) : b + 1, :] = True
    return ring


# --------------------------------------------------------------------------- boundary evidence
def boundary_evidence(lab: np.ndarray, usable: np.ndarray, lines: np.ndarray, threshold: float) -> np.ndarray:
    """Evidence of a cell boundary at each pixel edge along x (columns).

    Parameters
    ----------
    lab : (H, W, 3) float
    usable : (H, W) bool
        Pixels that show a cell colour (on the scale, not a line, not text).
    lines : (H, W) bool
        Gridline pixels: a gap made of them counts as a boundary.
    threshold : float
        A colour change of this delta E or more counts fully; smaller ones in
        proportion.

    Returns
    -------
    (W + 1,) float
        At pixel edge k (between pixels k-1 and k): the share of rows, among
        those with usable pixels on both sides, in which a boundary lies there.
        A gap of unusable pixels puts its change at the gap's centre.
    """
    h, w = usable.shape
    col = np.arange(w)
    last = np.maximum.accumulate(np.where(usable, col, -1), axis=1)
    first = np.minimum.accumulate(np.where(usable, col, w)[:, ::-1], axis=1)[:, ::-1]
    a = last[:, :-1]  # last usable pixel left of edge k (k = 1..w-1)
    b = first[:, 1:]  # first usable pixel right of edge k
    ok = (a >= 0) & (b < w)
    rows = np.arange(h)[:, None]
    ai, bi = np.clip(a, 0, w - 1), np.clip(b, 0, w - 1)
    change = delta_e(lab[rows, ai], lab[rows, bi])
    strength = np.minimum(change / threshold, 1.0)
    cum = np.concatenate([np.zeros((h, 1), np.int32), np.cumsum(lines, axis=1, dtype=np.int32)], axis=1)
    line_gap = (cum[rows, bi] - cum[rows, np.clip(a + 1, 0, w)]) > 0
    strength = np.where(line_gap & (b - a > 1), 1.0, strength)
    k = np.arange(1, w)[None, :]
    twice_centre = a + 1 + b
    weight = np.where(2 * k == twice_centre, 1.0, np.where(np.abs(2 * k - twice_centre) == 1, 0.5, 0.0))
    weight = np.where(ok, weight, 0.0)
    observed = np.maximum(ok.sum(axis=0), 1)
    evidence = np.zeros(w + 1)
    evidence[1:w] = (strength * weight).sum(axis=0) / observed
    return evidence


# --------------------------------------------------------------------------- equal / unequal cells along one axis
@dataclass(frozen=True)
class AxisFit:
    """Cell boundaries along one axis, in box pixel coordinates (pixel c covers [c, c+1))."""

    edges: np.ndarray
    uniform: bool
    score: float
    tried: str


def tooth_heights(evidence: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Evidence a comb tooth at each (fractional) position collects: the larger of the two pixel edges around it."""
    lo = np.floor(positions).astype(np.int64)
    n_edges = evidence.size
    e0 = np.where((lo >= 0) & (lo < n_edges), evidence[np.clip(lo, 0, n_edges - 1)], 0.0)
    hi_ok = (lo + 1 < n_edges) & (lo + 1 >= 0) & (positions - lo > 1e-9)
    e1 = np.where(hi_ok, evidence[np.clip(lo + 1, 0, n_edges - 1)], 0.0)
    return np.maximum(e0, e1)


def comb_scores(evidence: np.ndarray, length: int, counts, slack: float = 2.0, step: float = 0.5, margin: float = 0.02):
    """Excess evidence of an equal comb of n cells over the box, for each n in ``counts``.

    Each interior tooth collects the evidence at the pixel edges around it,
    less what a tooth at a random position collects (plus ``margin``): only
    teeth on real boundaries add to the score, so a comb with too many teeth
    (a multiple of n, or teeth on every pixel) scores lower. The comb's first
    and last boundaries may each move by up to ``slack`` pixels from the box's
    edges, and its teeth are at least 2 pixels apart.

    Returns
    -------
    scores, starts, stops : numpy.ndarray
        Per n: the best score and where that comb starts and stops.
    """
    pairs = np.maximum(evidence[:-1], evidence[1:])
    baseline = (float(pairs[:length].mean()) if length > 0 else 0.0) + margin
    shifts = np.arange(-slack, slack + 1e-9, step)
    start, stop = np.meshgrid(shifts, length + shifts, indexing="ij")
    start, stop = start.ravel(), stop.ravel()
    scores, best_a, best_b = [], [], []
    for n in counts:
        i = np.arange(1, n)
        pos = start[:, None] + (stop - start)[:, None] * (i[None, :] / n)
        excess = (tooth_heights(evidence, pos) - baseline).sum(axis=-1)
        excess = np.where((stop - start) / n >= 2.0, excess, -np.inf)
        j = int(np.argmax(excess)) if excess.size else 0
        scores.append(float(excess[j]) if excess.size and np.isfinite(excess[j]) else -np.inf)
        best_a.append(float(start[j]))
        best_b.append(float(stop[j]))
    return np.array(scores), np.array(best_a), np.array(best_b)


def _peak_position(evidence: np.ndarray, guess: float, radius: float) -> tuple[float, float]:
    """Position (evidence-weighted centroid around the maximum) and height of the peak near ``guess``."""
    lo = max(int(np.floor(guess - radius)), 0)
    hi = min(int(np.ceil(guess + radius)), evidence.size - 1)
    if hi < lo:
        return guess, 0.0
    k = lo + int(np.argmax(evidence[lo : hi + 1]))
    a, b = max(k - 1, 0), min(k + 1, evidence.size - 1)
    wts = evidence[a : b + 1]
    if wts.sum() <= 0:
        return guess, 0.0
    return float(np.sum(np.arange(a, b + 1) * wts) / wts.sum()), float(evidence[k])


def _prefer_divisor(evidence, counts, j, starts, stops, ratio: float = 0.5) -> int:
    """Prefer n / k over the best n when the extra teeth of n collect little evidence.

    Annotation text centred in the cells puts weak evidence half-way between
    boundaries; a comb of 2n cells then scores a little higher than the true n.
    The extra teeth of a multiple must hold at least ``ratio`` of the evidence
    of the shared ones.
    """
    index = {n: i for i, n in enumerate(counts)}
    while True:
        n = counts[j]
        better = None
        for k in range(2, n + 1):
            if n % k or (n // k) not in index:
                continue
            m = n // k
            heights = tooth_heights(evidence, starts[j] + (stops[j] - starts[j]) * np.arange(1, n) / n)
            shared = np.zeros(n - 1, bool)
            shared[np.arange(1, n)[np.arange(1, n) % k == 0] - 1] = True
            if not shared.any():
                continue
            if heights[~shared].mean() < ratio * heights[shared].mean():
                better = index[m]
                break
        if better is None:
            return j
        j = better


def strong_peaks(evidence: np.ndarray, level: float = 0.5, merge: int = 3) -> np.ndarray:
    """Pixel edges where the colour changes across at least ``level`` of the box (local maxima, merged)."""
    from scipy.ndimage import maximum_filter1d

    e = evidence.copy()
    e[0] = e[-1] = 0.0
    peak = (e >= level) & (maximum_filter1d(e, 2 * merge + 1, mode="constant") == e)
    idx = np.flatnonzero(peak)
    kept: list[int] = []
    for k in idx:  # plateaus give neighbouring maxima: keep one per run
        if kept and k - kept[-1] <= merge:
            continue
        kept.append(int(k))
    return np.array([_peak_position(evidence, k, 1)[0] for k in kept])


def fit_axis(
    evidence: np.ndarray,
    length: int,
    n: int | None = None,
    min_cell: float = 2.0,
    slack: float = 2.0,
    allow_unequal: bool = True,
) -> AxisFit:
    """Cell boundaries along one axis from its boundary evidence.

    Parameters
    ----------
    evidence : (length + 1,) float
        From :func:`boundary_evidence`.
    length : int
        Box size along the axis, pixels.
    n : int, optional
        Number of cells, when the user knows it; the positions are still fitted.
    min_cell : float
        Smallest cell size considered, pixels.
    slack : float
        How far (pixels) the outer boundaries may lie from the box's edges.
    allow_unequal : bool
        Fall back to unequal cells when strong boundaries are off every equal comb.

    Returns
    -------
    AxisFit
        ``score`` is the contrast of the fit: the mean evidence on its boundaries
        over the median evidence of all pixel edges plus 0.02 (above ~3 for a
        real grid).
    """
    max_n = max(1, int(length / max(min_cell, 2.0)))
    if n is not None and n > length:
        raise CellsError(f"{n} cells do not fit in {length} pixels; give fewer rows/cols or a bigger box")
    counts = [n] if n is not None else list(range(1, max_n + 1))
    scores, starts, stops = comb_scores(evidence, length, counts, slack=slack)
    j = int(np.argmax(scores))
    if n is None:
        j = _prefer_divisor(evidence, counts, j, starts, stops)
    n_best, a, b = counts[j], starts[j], stops[j]
    tried = f"equal cells (1 to {max_n})" if n is None else f"{n} equal cells"
    edges = _refine_equal(evidence, n_best, a, b, slack)
    baseline = (float(np.median(evidence[1:length])) if length > 1 else 0.0) + 0.02
    uniform = True
    if allow_unequal:
        peaks = strong_peaks(evidence)
        cell = (edges[-1] - edges[0]) / n_best
        tol = max(2.5, 0.15 * cell, slack + 0.5)  # a gridline's two edges lie half its width off
        margin = max(slack + 1, 0.5 * cell)  # an inexact box's own edge is no boundary
        interior = peaks[(peaks > margin) & (peaks < length - margin)]
        off = [p for p in interior if np.min(np.abs(edges - p)) > tol]
        teeth = tooth_heights(evidence, edges[1:-1])
        level = 0.5 * float(np.median(tooth_heights(evidence, interior))) if interior.size else 0.0
        supported = float((teeth >= level).mean()) if teeth.size else 0.0
        poor = supported < 0.75 if len(off) >= max(1.0, 0.2 * len(interior)) else supported < UNSUPPORTED
        if interior.size >= 1 and poor and (n is None or len(interior) == n - 1):
            tried += ", unequal cells from strong colour changes"
            edges = np.concatenate([[min(0.0, edges[0])], interior, [max(float(length), edges[-1])]])
            uniform = False
    inner = edges[1:-1]
    contrast = float(tooth_heights(evidence, inner).mean()) / baseline if inner.size else 0.0
    return AxisFit(edges=edges, uniform=uniform, score=contrast, tried=tried)


def _refine_equal(evidence: np.ndarray, n: int, a: float, b: float, slack: float) -> np.ndarray:
    """Equal-cell edges fitted (least squares) to the measured peaks near the comb's teeth."""
    cell = (b - a) / n
    i = np.arange(n + 1)
    guess = a + cell * i
    radius = max(1.0, 0.2 * cell)
    found = [_peak_position(evidence, g, radius) for g in guess[1:-1]]
    if found:
        pos = np.array([p for p, _ in found])
        height = np.array([h for _, h in found])
        strong = height >= 0.3 * max(float(np.median(height)), 1e-9)
        if strong.sum() >= 2:
            A = np.stack([np.ones(strong.sum()), i[1:-1][strong]], axis=1)
            (a_fit, cell_fit), *_ = np.linalg.lstsq(A, pos[strong], rcond=None)
            if abs(cell_fit - cell) < 0.1 * cell and abs(a_fit - a) <= slack + 1:
                a, cell = float(a_fit), float(cell_fit)
        elif strong.sum() == 1 and n == 2:
            a = float(pos[0] - cell)
    return a + cell * i


# --------------------------------------------------------------------------- the grid
@dataclass(frozen=True)
class CellGrid:
    """A detected grid of cells.

    Attributes
    ----------
    x_edges, y_edges : numpy.ndarray
        Column and row boundaries in image pixel coordinates (floats; pixel c
        covers [c, c+1)); ``ncols + 1`` and ``nrows + 1`` values, left to
        right and top to bottom.
    uniform : bool
        Whether the cells are of equal size along both axes.
    lines : GridLines
        The gridlines found (and excluded).
    score : tuple of float
        Excess boundary evidence of the fit along x and y.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> result = measure_cells(read_image("examples/heatmap.png").rgb, from_colormap("YlGn", vmin=0, vmax=10))
    >>> len(result.grid.y_edges) - 1, len(result.grid.x_edges) - 1, result.grid.uniform
    (6, 8, True)
    """

    x_edges: np.ndarray
    y_edges: np.ndarray
    uniform: bool
    lines: GridLines
    score: tuple[float, float] = (0.0, 0.0)
    tried: tuple[str, str] = ("", "")

    @property
    def shape(self) -> tuple[int, int]:
        """(nrows, ncols)."""
        return len(self.y_edges) - 1, len(self.x_edges) - 1

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The grid's outer box, rounded to whole pixels (x1, y1 exclusive)."""
        return (
            int(np.floor(self.x_edges[0] + 0.5)),
            int(np.floor(self.y_edges[0] + 0.5)),
            int(np.floor(self.x_edges[-1] + 0.5)),
            int(np.floor(self.y_edges[-1] + 0.5)),
        )

    def cell_boxes(self) -> np.ndarray:
        """(nrows, ncols, 4) int pixel box (x0, y0, x1, y1; x1, y1 exclusive) of every cell."""
        xe = np.floor(self.x_edges + 0.5).astype(int)
        ye = np.floor(self.y_edges + 0.5).astype(int)
        r, c = self.shape
        boxes = np.empty((r, c, 4), int)
        boxes[..., 0] = xe[None, :-1]
        boxes[..., 1] = ye[:-1, None]
        boxes[..., 2] = xe[None, 1:]
        boxes[..., 3] = ye[1:, None]
        return boxes

    def describe(self) -> dict:
        """JSON-able summary for reports."""
        return {
            "shape": list(self.shape),
            "uniform": self.uniform,
            "box": list(self.box),
            "x_edges": [round(float(v), 2) for v in self.x_edges],
            "y_edges": [round(float(v), 2) for v in self.y_edges],
            "gridlines": None
            if self.lines.color is None
            else {"color": list(self.lines.color), "x_width": self.lines.x_width, "y_width": self.lines.y_width},
            "score": [round(s, 3) for s in self.score],
        }


def detect_grid(
    rgb: np.ndarray,
    decoded: Decoded,
    box,
    rows: int | None = None,
    cols: int | None = None,
    min_cell: float = 2.0,
    lab: np.ndarray | None = None,
    allow_unequal: bool = True,
    min_contrast: float = 2.0,
    background=None,
) -> CellGrid:
    """Find the grid of cells in a box.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The box's pixels.
    decoded : Decoded
        The box's pixels decoded (value, distance).
    box : (x0, y0, x1, y1)
        Where the box lies in the image (for image coordinates of the edges).
    rows, cols : int, optional
        Known numbers of rows / columns; their positions are still fitted.
    min_cell : float
        Smallest cell size searched, pixels.
    allow_unequal : bool
        Accept cells of unequal sizes (else equal cells are fitted).
    background : (3,) uint8, optional
        The figure's background colour: cells showing it (masked cells) take
        part in the boundary search like any colour.
    min_contrast : float
        Least contrast (mean evidence on the boundaries over the median
        evidence everywhere, plus 0.02) for a detected lattice to count as a grid.

    Returns
    -------
    CellGrid
        The cells' edges in box pixels, whether they are equal, and the gridlines found.

    Raises
    ------
    GridNotFoundError
        When no lattice of colour changes is found.

    Examples
    --------
    >>> from chromagrid.decode import decode
    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> rgb = read_image("examples/heatmap.png").rgb[60:384, 100:500]  # the heat map's area
    >>> grid = detect_grid(rgb, decode(rgb, from_colormap("YlGn", vmin=0, vmax=10)), (0, 0, 400, 324))
    >>> len(grid.y_edges) - 1, len(grid.x_edges) - 1, grid.uniform
    (6, 8, True)
    """
    x0, y0 = box[0], box[1]
    h, w = rgb.shape[:2]
    for n, size, what in ((rows, h, "rows"), (cols, w, "cols")):
        if n is not None and n > size:
            raise CellsError(f"{n} {what} do not fit in the box's {size} pixels; give fewer {what} or a bigger box")
    lab = lab_pixels(rgb) if lab is None else lab
    noise = noise_level(lab)
    tol = max(2.0, 3.0 * noise)
    lines = find_gridlines(rgb, lab, tol)
    shown = decoded.valid
    if background is not None:  # masked cells show the background: their edges are cell boundaries too
        bg_lab = to_lab(np.asarray(background, np.uint8).reshape(1, 3))[0]
        shown = shown | (delta_e(lab, bg_lab) <= tol)
    usable = shown & ~lines.mask & (uniform_share(lab, tol) >= 5.0 / 9.0)
    if not usable.any():
        raise CellsError("no pixel in the box is close to the colour scale; check the colormap, range and box")
    lab_x, lab_y = lab, lab
    if noise > 1.0:
        # JPEG: lightness keeps a boundary sharp, colour (stored at half resolution) smears it over a
        # block: weigh chroma down as for the values; and average along each boundary's own direction
        from scipy.ndimage import uniform_filter1d

        weighted = lab * np.array([1.0, np.sqrt(CHROMA_WEIGHT), np.sqrt(CHROMA_WEIGHT)], np.float32)
        lab_x = uniform_filter1d(weighted, 5, axis=0)
        lab_y = uniform_filter1d(weighted, 5, axis=1)
    ex = boundary_evidence(lab_x, usable, lines.mask, max(3.0, 4.0 * noise_level(lab_x)))
    ey = boundary_evidence(
        lab_y.transpose(1, 0, 2), usable.T, lines.mask.T, max(3.0, 4.0 * noise_level(lab_y.transpose(1, 0, 2)))
    )
    slack = 2.0 + 0.5 * max(lines.x_width, lines.y_width)
    fx = fit_axis(ex, w, cols, min_cell, slack, allow_unequal)
    fy = fit_axis(ey, h, rows, min_cell, slack, allow_unequal)
    weak = [
        what
        for fit, n, what in ((fx, cols, "columns"), (fy, rows, "rows"))
        if n is None and len(fit.edges) > 2 and fit.score < min_contrast
    ]
    single = [what for fit, n, what in ((fx, cols, "columns"), (fy, rows, "rows")) if n is None and len(fit.edges) == 2]
    if weak or len(single) == 2:
        what = " and ".join(weak or single)
        best = ", ".join(f"{name} {fit.score:.1f}" for fit, name in ((fx, "x"), (fy, "y")))
        raise GridNotFoundError(
            f"no grid of cells found in box {list(box)}: no lattice of colour changes for the {what} (tried "
            f"{fx.tried} along x and {fy.tried} along y, excluding "
            f"{'gridlines' if lines.found else 'gridlines (none found)'} and text; contrast {best}, "
            f"{min_contrast:g} needed); give the numbers of cells with --rows and --cols"
        )
    return CellGrid(
        x_edges=fx.edges + x0,
        y_edges=fy.edges + y0,
        uniform=fx.uniform and fy.uniform,
        lines=lines,
        score=(fx.score, fy.score),
        tried=(fx.tried, fy.tried),
    )


# --------------------------------------------------------------------------- values per cell
@dataclass(frozen=True)
class CellValues:
    """One value per cell.

    Attributes
    ----------
    values : (nrows, ncols) float64
        The value of the cell's usable interior pixels (see :func:`cell_values`);
        NaN for cells with too few usable pixels or showing the background.
    n_pixels : (nrows, ncols) int
        Number of interior pixels the value is measured on.
    distance : (nrows, ncols) float
        Median colour distance (delta E) of those pixels to the scale.
    status : (nrows, ncols) uint8
        ``CELL_OK``, ``CELL_FEW_PIXELS`` or ``CELL_BACKGROUND``.
    """

    values: np.ndarray
    n_pixels: np.ndarray
    distance: np.ndarray
    status: np.ndarray

    @property
    def n_few_pixels(self) -> int:
        return int((self.status == CELL_FEW_PIXELS).sum())

    @property
    def n_background(self) -> int:
        return int((self.status == CELL_BACKGROUND).sum())


def _dominant(u: np.ndarray) -> float:
    """The centre of the densest cluster of normalised values (bins of 0.5% of the scale)."""
    if u.size == 1:
        return float(u[0])
    width = 0.005
    lo = float(u.min())
    nbins = int((float(u.max()) - lo) / width) + 1
    if nbins <= 2:
        return float(np.median(u))
    hist = np.bincount(((u - lo) / width).astype(np.int64), minlength=nbins).astype(float)
    smooth = np.convolve(hist, np.ones(5), mode="same")
    return lo + (int(np.argmax(smooth)) + 0.5) * width


def robust_centre(u: np.ndarray, trim: float = 0.2) -> float:
    """Mean of the middle ``1 - 2 trim`` share of the values.

    Equal to the median when the values are (mostly) one colour, as in a
    lossless image; less grainy than the median under JPEG noise.
    """
    u = np.sort(u)
    k = int(trim * u.size)
    return float(u[k : u.size - k].mean()) if u.size - 2 * k > 0 else float(np.median(u))


def cell_values(
    rgb: np.ndarray,
    decoded: Decoded,
    grid: CellGrid,
    box,
    scale,
    background=None,
    min_pixels: int = 3,
    margin: float = 0.1,
    lab: np.ndarray | None = None,
    dominant_tol: float = 0.03,
    noisy: bool | None = None,
    chroma_weight: float | None = None,
) -> CellValues:
    """One robust value per cell.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The box's pixels.
    decoded : Decoded
        The box decoded.
    grid : CellGrid
    box : (x0, y0, x1, y1)
        The box's place in the image.
    scale : ColorScale
        The scale the pixels were decoded with (its norm gives normalised units).
    background : (3,) uint8, optional
        The figure's background colour; cells whose colour is nearer to it than
        to the scale are NaN (masked cells showing the background).
    min_pixels : int
        Fewer usable interior pixels than this gives NaN.
    margin : float
        Share of the cell's size left out along each border (at least 1 pixel
        when the cell is 4 pixels or more), plus half the gridline width.
    dominant_tol : float
        Pixels farther than this (normalised units; or four robust standard
        deviations of the cell's values when that is more, under JPEG noise)
        from the cell's dominant value are left out (annotation text).
    noisy : bool, optional
        Whether the image is noisy (JPEG); from :func:`noise_level` when not
        given. A noisy cell's value is that of its mean colour (trimmed, over
        the pixels kept), decoded with chroma weighed by ``chroma_weight``
        (:func:`project_on_scale`); a clean cell's is the median-like
        :func:`robust_centre` of its pixels' values.
    chroma_weight : float, optional
        Weight of the chroma axes against lightness for noisy images
        (default :data:`CHROMA_WEIGHT`).

    Returns
    -------
    CellValues
    """
    x0, y0 = box[0], box[1]
    lab = lab_pixels(rgb) if lab is None else lab
    lines = grid.lines.mask
    usable_all = decoded.valid & ~lines
    with np.errstate(invalid="ignore", divide="ignore"):
        position = scale.to_positions(decoded.value)
    nr, nc = grid.shape
    noisy = noise_level(lab) > 1.0 if noisy is None else noisy
    chroma_weight = CHROMA_WEIGHT if chroma_weight is None else chroma_weight
    colour_sum = np.zeros((nr, nc, 3))
    out = np.full((nr, nc), np.nan)
    npx = np.zeros((nr, nc), int)
    dist = np.full((nr, nc), np.nan)
    status = np.zeros((nr, nc), np.uint8)
    bg_lab = to_lab(np.asarray(background, np.uint8).reshape(1, 3))[0] if background is not None else None
    rows = [
        _interior(grid.y_edges[r] - y0, grid.y_edges[r + 1] - y0, margin, grid.lines.y_width, rgb.shape[0])
        for r in range(nr)
    ]
    cols = [
        _interior(grid.x_edges[c] - x0, grid.x_edges[c + 1] - x0, margin, grid.lines.x_width, rgb.shape[1])
        for c in range(nc)
    ]
    for r, (r0, r1) in enumerate(rows):
        for c, (c0, c1) in enumerate(cols):
            if r1 <= r0 or c1 <= c0:
                status[r, c] = CELL_FEW_PIXELS
                continue
            window = (slice(r0, r1), slice(c0, c1))
            use = usable_all[window]
            if bg_lab is not None and _shows_background(lab[window], decoded.distance[window], ~lines[window], bg_lab):
                status[r, c] = CELL_BACKGROUND
                continue
            u = position[window][use]
            if u.size < min_pixels:
                status[r, c] = CELL_FEW_PIXELS
                continue
            spread = 1.4826 * float(np.median(np.abs(u - np.median(u))))  # JPEG noise widens the cluster
            keep = np.abs(u - _dominant(u)) <= max(dominant_tol, 4.0 * spread)
            if keep.sum() < min_pixels:
                status[r, c] = CELL_FEW_PIXELS
                continue
            out[r, c] = float(scale.to_values(robust_centre(u[keep])))
            npx[r, c] = int(keep.sum())
            dist[r, c] = float(np.median(decoded.distance[window][use][keep]))
            if noisy:
                colour_sum[r, c] = _trimmed_mean_rows(lab[window][use][keep])
    if noisy:  # JPEG: decode each cell's mean colour, trusting lightness more than the subsampled chroma
        done = np.isfinite(out)
        position_of_mean = project_on_scale(colour_sum[done], _table_in_image(scale, rgb), chroma_weight)
        out[done] = scale.to_values(position_of_mean)
    return CellValues(values=out, n_pixels=npx, distance=dist, status=status)


def _trimmed_mean_rows(x: np.ndarray, trim: float = 0.2) -> np.ndarray:
    """Per-channel mean of the middle ``1 - 2 trim`` share of the rows of x (N, 3)."""
    x = np.sort(x, axis=0)
    k = int(trim * len(x))
    return x[k : len(x) - k].mean(axis=0) if len(x) - 2 * k > 0 else np.median(x, axis=0)


def _table_in_image(scale, rgb: np.ndarray):
    """The scale's colour table the image was written with (see :func:`chromagrid.decode.core.pick_variant`)."""
    from chromagrid.decode import core as _decode

    if not getattr(scale, "variants", ()) or not hasattr(_decode, "pick_variant"):
        return scale
    present = np.zeros(1 << 24, dtype=bool)
    present[pack_rgb(np.ascontiguousarray(rgb, dtype=np.uint8))] = True
    return _decode.pick_variant(scale, present)


def project_on_scale(lab: np.ndarray, scale, chroma_weight: float = 1.0) -> np.ndarray:
    """Normalised scale positions of CIELAB colours (float, any precision): nearest point of the scale.

    Distances weigh the chroma axes (a*, b*) by ``chroma_weight`` against
    lightness: JPEG stores colour at half resolution and coarser steps, so in
    a noisy image lightness is the better witness of a cell's value. Each
    scale colour stands for the centre of its interval; colours between two
    neighbouring scale colours interpolate along the segment joining them
    (continuous scales) or snap to the nearer one (discrete scales).
    """
    lab = np.asarray(lab, float).reshape(-1, 3)
    if lab.size == 0:
        return np.empty(0)
    w = np.array([1.0, np.sqrt(chroma_weight), np.sqrt(chroma_weight)])
    position, _ = project(lab * w, to_lab(scale.rgb) * w, scale)
    return position


def _interior(a: float, b: float, share: float, line_width: float, limit: int) -> tuple[int, int]:
    """Whole pixels of [a, b) left after taking a margin off both ends."""
    size = b - a
    m = max(share * size, 1.0 if size >= 4 else 0.0) + line_width / 2.0
    m = min(m, max((size - 1.0) / 2.0, 0.0))
    lo, hi = int(np.ceil(a + m - 1e-6)), int(np.floor(b - m + 1e-6))
    if hi <= lo:  # keep the pixel holding the cell's centre
        lo = int(np.floor((a + b) / 2.0))
        hi = lo + 1
    return max(lo, 0), min(hi, limit)


def _shows_background(cell_lab: np.ndarray, cell_dist: np.ndarray, not_line: np.ndarray, bg_lab) -> bool:
    """Whether a cell's typical colour is nearer to the figure's background than to the scale."""
    if not not_line.any():
        return False
    med = np.median(cell_lab[not_line], axis=0)
    d_bg = float(delta_e(med, bg_lab))
    d = np.where(not_line, delta_e(cell_lab, med), np.inf)
    k = np.unravel_index(int(np.argmin(d)), d.shape)
    d_scale = float(cell_dist[k]) if np.isfinite(cell_dist[k]) else np.inf
    return d_bg + 0.5 < d_scale


# --------------------------------------------------------------------------- the whole stage
@dataclass
class CellsResult:
    """What measuring a cell heat map gives back.

    Attributes
    ----------
    matrix : xarray.DataArray
        The values on (row, col), row 0 at the top of the figure; NaN where a
        cell had too few usable pixels or showed the background. Coordinates
        ``row`` and ``col`` are the user's labels (else 0, 1, ...), with the
        cells' centres in image pixels as ``y_px`` and ``x_px``.
    cell_boxes : numpy.ndarray
        (nrows, ncols, 4) int pixel box x0, y0, x1, y1 (x1, y1 exclusive) of every cell.
    box : tuple of int
        The heat-map area used (the grid's outer box).
    grid : CellGrid
        The detected grid (edges, gridlines, fit contrast).
    cells : CellValues
        Per-cell pixel counts, colour distances and status.
    scale : ColorScale
        The colour scale used.
    region : chromagrid.find.region.PlotRegion or None
        The area search, when no box was given.
    outputs : list of Path
        Files written.
    found : chromagrid.auto.Found or None
        What the figure supplied (colormap, range, panel), when the config left it out.
    config : chromagrid.config.CellsConfig or None
        The fully explicit config of the run (set by :func:`chromagrid.run_cells`).
    annotations : dict or None
        The numbers printed in the cells, read and compared with the colours
        (:func:`chromagrid.heatmap.annotations.reconcile`), when read.

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> result = measure_cells(read_image("examples/heatmap.png").rgb, from_colormap("YlGn", vmin=0, vmax=10))
    >>> result.box, result.matrix.shape, result.cell_boxes.shape
    ((100, 60, 500, 384), (6, 8), (6, 8, 4))
    >>> truth = np.load("examples/heatmap.npz")["values"]  # what the figure was drawn from
    >>> float(np.abs(result.matrix.values - truth).max()) < 0.05
    True
    """

    matrix: xr.DataArray
    cell_boxes: np.ndarray
    box: tuple[int, int, int, int]
    grid: CellGrid
    cells: CellValues
    scale: ColorScale
    region: PlotRegion | None = None
    given_box: tuple[int, int, int, int] | None = None
    source: str | None = None
    outputs: list[Path] = field(default_factory=list)
    found: object | None = None
    config: object | None = None
    annotations: dict | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(nrows, ncols)."""
        return self.grid.shape

    @property
    def pixel_counts(self) -> np.ndarray:
        """(nrows, ncols) number of interior pixels each value is measured on."""
        return self.cells.n_pixels

    @property
    def distances(self) -> np.ndarray:
        """(nrows, ncols) median colour distance (delta E) of those pixels to the scale."""
        return self.cells.distance

    @property
    def n_empty(self) -> int:
        """Cells that are NaN because too few of their pixels were usable."""
        return self.cells.n_few_pixels

    @property
    def n_background(self) -> int:
        """Cells that are NaN because they show the figure's background (masked cells)."""
        return self.cells.n_background

    def summary(self) -> dict:
        """The key numbers (JSON-able)."""
        finite = np.isfinite(self.cells.values)
        d = self.cells.distance[finite]
        return {
            "input": self.source,
            "box": list(self.box),
            "box_found": self.given_box is None,
            "shape": list(self.shape),
            "uniform": self.grid.uniform,
            "gridlines": self.grid.describe()["gridlines"],
            "cells_with_value": int(finite.sum()),
            "cells_too_few_pixels": self.n_empty,
            "cells_background": self.n_background,
            "distance": {"p50": float(np.median(d)) if d.size else None, "max": float(d.max()) if d.size else None},
            "outputs": [str(p) for p in self.outputs],
            **({"annotations": self.annotations} if self.annotations is not None else {}),
        }

    def report(self) -> dict:
        """Everything for the JSON report: box, grid, per-cell values, pixel counts and colour distances."""

        def listed(a, digits=None):
            return [
                [None if not np.isfinite(v) else (round(float(v), digits) if digits else float(v)) for v in row]
                for row in np.asarray(a, float)
            ]

        out = self.summary()
        out.update(
            {
                "scale": self.scale.describe(),
                "region": self.region.describe()
                if self.region is not None
                else {"box": list(cast(tuple[int, ...], self.given_box))},
                "grid": self.grid.describe(),
                "values": listed(self.cells.values),
                "pixel_counts": self.cells.n_pixels.tolist(),
                "distances": listed(self.cells.distance, 3),
                "status": [[("ok", "too few pixels", "background")[int(s)] for s in row] for row in self.cells.status],
                "cell_boxes": self.cell_boxes.tolist(),
            }
        )
        return out


def _labels(labels, n: int, what: str):
    if labels is None:
        return np.arange(n)
    labels = list(labels)
    if len(labels) != n:
        raise CellsError(f"got {len(labels)} {what} labels for {n} {what}s; give one label per {what}")
    return np.array([str(v) for v in labels], dtype=object)


def cell_max_distance(max_distance: float, noise: float) -> float:
    """The colour distance within which a pixel counts as a cell colour, widened for noisy (JPEG) images.

    ``max_distance + 2 * noise`` (noise: :func:`noise_level`, 0 for a clean
    PNG), at most 25: cells are measured by medians over many pixels and
    annotation text is left out by the dominant-colour test, so a JPEG's
    colour noise should not throw their pixels away.
    """
    return float(min(max(max_distance, 25.0), max_distance + 2.0 * noise))


def measure_cells(
    rgb: np.ndarray,
    scale,
    *,
    box=None,
    rows: int | None = None,
    cols: int | None = None,
    max_distance: float | None = None,
    opaque: np.ndarray | None = None,
    min_pixels: int = 3,
    row_labels=None,
    col_labels=None,
    exclude=(),
    allow_unequal: bool = True,
    source: str | None = None,
) -> CellsResult:
    """Find the cells of a heat map and measure one value per cell (arrays in, result out).

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The whole image.
    scale : ColorScale
    box : (x0, y0, x1, y1), optional
        The heat-map area; found with :func:`chromagrid.find.region.find_plot_box` when omitted.
    rows, cols : int, optional
        Known numbers of rows and columns (positions are still fitted).
    max_distance : float, optional
        Colour distance (delta E) beyond which a pixel is not a cell colour;
        by default the decode default, widened for noisy images
        (:func:`cell_max_distance`).
    opaque : (H, W) bool, optional
        False on transparent pixels.
    min_pixels : int
        A cell with fewer usable pixels is NaN.
    row_labels, col_labels : sequence of str, optional
        Coordinates of the matrix (one per row / column).
    exclude : sequence of boxes
        Areas left out of the search for the box (a colorbar).
    allow_unequal : bool
        Accept cells of unequal sizes.
    source : str, optional
        The image's file name, for messages and reports.

    Returns
    -------
    CellsResult

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> result = measure_cells(read_image("examples/heatmap.png").rgb, from_colormap("YlGn", vmin=0, vmax=10))
    >>> result.matrix.shape, result.matrix.dims, round(float(result.matrix[0, 0]), 2)
    ((6, 8), ('row', 'col'), 6.39)
    """
    from chromagrid.decode.core import decode
    from chromagrid.find.region import RegionNotFoundError, background_color, find_plot_box

    given_distance = max_distance
    max_distance = CELLS_MAX_DISTANCE if max_distance is None else max_distance
    where = f"{source}: " if source else ""
    region = None
    if box is None:
        try:
            region = find_plot_box(rgb, scale, None, max_distance, exclude=exclude, opaque=opaque)
        except RegionNotFoundError as e:
            raise RegionNotFoundError(f"{where}{e}") from None
        box, background = region.box, region.background
    else:
        background = background_color(rgb)
    x0, y0, x1, y1 = (int(v) for v in box)
    for n, size, what in ((rows, y1 - y0, "rows"), (cols, x1 - x0, "cols")):
        if n is not None and n > size:
            raise CellsError(
                f"{where}{n} {what} is more cells than the box {[x0, y0, x1, y1]} has pixels "
                f"({size}); give fewer --{what} or a bigger --box"
            )
    sub = rgb[y0:y1, x0:x1]
    lab = lab_pixels(sub)
    if given_distance is None:  # JPEG noise moves cell colours off the scale: allow for it
        max_distance = cell_max_distance(max_distance, noise_level(lab))
    decoded = decode(sub, scale, max_distance, opaque[y0:y1, x0:x1] if opaque is not None else None)
    if not decoded.valid.any():
        raise CellsError(
            f"{where}box {[x0, y0, x1, y1]} holds no pixel within delta E {max_distance:g} of the "
            f"colour scale '{scale.name}'; check the box, the colormap (or its reversal _r) and "
            "the range"
        )
    try:
        grid = detect_grid(
            sub, decoded, (x0, y0, x1, y1), rows, cols, lab=lab, allow_unequal=allow_unequal, background=background
        )
    except GridNotFoundError as e:
        raise GridNotFoundError(f"{where}{e}") from None
    values = cell_values(
        sub, decoded, grid, (x0, y0, x1, y1), scale, background=background, min_pixels=min_pixels, lab=lab
    )
    nr, nc = grid.shape
    x_px = 0.5 * (grid.x_edges[:-1] + grid.x_edges[1:])
    y_px = 0.5 * (grid.y_edges[:-1] + grid.y_edges[1:])
    matrix = xr.DataArray(
        values.values,
        dims=("row", "col"),
        name="value",
        coords={
            "row": _labels(row_labels, nr, "row"),
            "col": _labels(col_labels, nc, "col"),
            "y_px": ("row", y_px),
            "x_px": ("col", x_px),
        },
        attrs={
            "long_name": "value of each cell, from the median-like centre of its interior pixels",
            "colormap": scale.name,
            "norm": scale.norm,
            "vmin": scale.vmin,
            "vmax": scale.vmax,
        },
    )
    matrix["y_px"].attrs.update(long_name="image row of the cell's centre", units="pixel")
    matrix["x_px"].attrs.update(long_name="image column of the cell's centre", units="pixel")
    return CellsResult(
        matrix=matrix,
        cell_boxes=grid.cell_boxes(),
        box=grid.box,
        grid=grid,
        cells=values,
        scale=scale,
        region=region,
        given_box=None if region is not None else (x0, y0, x1, y1),
        source=source,
    )


def native_grid(rgb_box: np.ndarray, decoded: Decoded, scale, box, min_pixels: int = 1):
    """The native resolution of a nearest-neighbour raster drawn over a box.

    Finds the lattice of equal cells the raster's pixels were enlarged into and
    gives one value per cell.

    Returns
    -------
    grid : CellGrid
    values : CellValues
    """
    lab = lab_pixels(rgb_box)
    grid = detect_grid(rgb_box, decoded, box, lab=lab, allow_unequal=False, min_cell=1.0)
    values = cell_values(rgb_box, decoded, grid, box, scale, min_pixels=min_pixels, lab=lab)
    return grid, values


# --------------------------------------------------------------------------- outputs (called by the pipeline)
def matrix_format(path) -> str:
    """``csv``, ``netcdf`` or ``npy`` from a file name's suffix."""
    from chromagrid.io.files import format_from_suffix

    return format_from_suffix(path, MATRIX_SUFFIXES, "output")


def _number(v: float) -> str:
    return "nan" if not np.isfinite(v) else format(float(v), ".10g")


def write_matrix(result: CellsResult, path, attrs: dict | None = None) -> Path:
    """Write the matrix as CSV, NetCDF or NumPy ``.npy`` (by suffix), atomically.

    CSV: the matrix as displayed (first row = top row of the figure), ``nan``
    for cells without a value; with a header row of column labels and a first
    column of row labels when labels were given. NetCDF: ``value``,
    ``n_pixels`` and ``distance`` on (row, col) with the cells' pixel centres.

    Parameters
    ----------
    result : CellsResult
    path : path-like
        ``.csv``, ``.nc`` or ``.npy``.
    attrs : dict, optional
        Attributes of the NetCDF file.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> result = measure_cells(read_image("examples/heatmap.png").rgb, from_colormap("YlGn", vmin=0, vmax=10))
    >>> path = write_matrix(result, Path(tempfile.mkdtemp()) / "matrix.npy")
    >>> bool(np.array_equal(np.load(path), result.matrix.values, equal_nan=True))
    True
    """
    from chromagrid.io.files import atomic_output

    fmt = matrix_format(path)
    m = result.matrix
    values = np.asarray(m.values, float)
    labelled_rows = m["row"].dtype == object
    labelled_cols = m["col"].dtype == object
    with atomic_output(path) as tmp:
        if fmt == "npy":
            with open(tmp, "wb") as f:
                np.save(f, values)
        elif fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                if labelled_cols:
                    writer.writerow(([""] if labelled_rows else []) + [str(v) for v in m["col"].values])
                for label, row in zip(m["row"].values, values):
                    writer.writerow(([str(label)] if labelled_rows else []) + [_number(v) for v in row])
        else:
            ds = xr.Dataset(
                {
                    "value": m.astype(np.float64),
                    "n_pixels": (("row", "col"), result.cells.n_pixels.astype(np.int32)),
                    "distance": (("row", "col"), result.cells.distance.astype(np.float32)),
                }
            )
            ds["n_pixels"].attrs.update(
                long_name="number of interior pixels the cell's value is measured on", units="1"
            )
            ds["distance"].attrs.update(long_name="median colour distance (CIE76 delta E) to the scale", units="1")
            if (attrs or {}).get("units"):  # CF: the value's units on the variable
                ds["value"].attrs["units"] = attrs["units"]  # type: ignore[index]
            ds.attrs.update(
                {
                    k: (v if isinstance(v, (str, int, float)) else json.dumps(v))
                    for k, v in (attrs or {}).items()
                    if v is not None
                }
            )
            ds.attrs["cell_box"] = json.dumps(list(result.box))
            ds.attrs["cell_grid_shape"] = json.dumps(list(result.shape))
            from chromagrid.export.grid import append_history

            ds.attrs = append_history(ds.attrs, f"wrote {Path(path).name}")
            for name in ("row", "col"):
                if ds[name].dtype == object:
                    ds[name] = ds[name].astype(str)
            encoding: dict[str, dict[str, Any]] = {
                "value": {"zlib": True, "_FillValue": np.nan},
                "distance": {"zlib": True, "_FillValue": np.float32(np.nan)},
            }
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return Path(path)


def write_report(result: CellsResult, path, extra: dict | None = None) -> Path:
    """Write the JSON report (box, grid, per-cell values, pixel counts and colour distances) atomically."""
    from chromagrid.io.files import atomic_output

    report = {**result.report(), **(extra or {})}
    with atomic_output(path) as tmp:
        Path(tmp).write_text(json.dumps(report, indent=1, allow_nan=False), encoding="utf-8")
    return Path(path)


def write_diagnostic(result: CellsResult, rgb: np.ndarray, path) -> Path:
    """Write a PNG of the figure with the detected box, grid and empty cells drawn over it, atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from chromagrid.io.files import atomic_output

    h, w = rgb.shape[:2]
    dpi = 100
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(rgb, interpolation="nearest", extent=(0, w, h, 0))
    xe, ye = result.grid.x_edges, result.grid.y_edges
    lw = max(0.8, min(w, h) / 600)
    ax.vlines(xe, ye[0], ye[-1], colors="cyan", linewidth=lw)
    ax.hlines(ye, xe[0], xe[-1], colors="cyan", linewidth=lw)
    x0, y0, x1, y1 = result.box
    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="magenta", linewidth=2 * lw)
    for r, c in np.argwhere(~np.isfinite(result.cells.values)):
        ax.plot([xe[c], xe[c + 1]], [ye[r], ye[r + 1]], color="magenta", linewidth=lw)
        ax.plot([xe[c], xe[c + 1]], [ye[r + 1], ye[r]], color="magenta", linewidth=lw)
    if result.region is not None and result.region.colorbar is not None:
        cx0, cy0, cx1, cy1 = result.region.colorbar
        ax.plot([cx0, cx1, cx1, cx0, cx0], [cy0, cy0, cy1, cy1, cy0], color="orange", linewidth=lw, linestyle="--")
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return Path(path)
