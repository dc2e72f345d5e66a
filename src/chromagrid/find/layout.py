"""Layout finding: locate panels (plot areas) and colorbars in an RGB figure.

This module works from the pixels alone; no colormap is needed.  It depends
only on numpy and scipy.ndimage (and :func:`chromagrid.find.region.background_color`).

Boxes are ``(x0, y0, x1, y1)`` integer image pixels with ``x1``/``y1``
exclusive.  A panel box is the data area inside the axes frame, as given by
matplotlib's ``ax.get_window_extent()`` rounded (the frame line lies over the
outermost pixels inside the box).  A colorbar box is the colour strip only;
extend triangles lie outside it.

Method
------
1. The background is the most common colour of the image border
   (:func:`chromagrid.find.region.background_color`); a pixel is foreground
   when it differs from it by more than the border's noise.
2. Large images are analysed on a coarse grid (block maxima, so thin lines
   survive) and every edge is then measured again at full resolution.
3. Heat-map cells split by gridlines (solid rectangles of one size on a
   lattice) are bridged, enclosed holes filled (a closed axes frame becomes a
   solid rectangle, white masked areas included) and a morphological opening
   removes text, ticks and thin lines.  The remaining blobs, and aligned
   blobs separated only by thin gaps, are the candidate regions.
4. A candidate with a closed frame (a line of one colour and near-constant
   width on at least three sides) is a framed panel.
5. Tick marks are short, equal, parallel dark segments whose inner ends line
   up on one row or column: that row or column is an axes edge.  A left
   tick set and a bottom (or top) tick set meeting at a corner outline a
   frameless axes, and every fragment of its data (a heat map whose cells
   have very different colours, some as light as the background) is joined
   into one panel whose left and bottom edges are the ticks' ends; blank
   edge cells are recovered from ticks at every cell centre.
6. A region is a colorbar if it is a long narrow strip whose colour is
   uniform across and changes smoothly along its length; pieces split by a
   near-white middle are joined, and a background-coloured end is extended
   to its tick marks, or until the strip is centred on the panels it serves
   (as matplotlib places colorbars).  A frameless panel's blank edge is
   likewise run on until it is centred on a fully seen colorbar.
7. Every edge is measured at full resolution: a frame or outline line gives
   the line's centre (partial coverage included; matplotlib's pixel snapping
   accounted for), otherwise the edge is where the colour region starts,
   moved out by half a gridline when gridlines cross the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from scipy import ndimage

from chromagrid.find.region import background_color

__all__ = ["Panel", "Colorbar", "find_panels", "find_colorbars", "find_layout"]

Box = tuple[int, int, int, int]
Side = Literal["left", "right", "top", "bottom"]

#: Least difference from the background (max over channels) of a tick mark.
_INK = 100
#: Least difference from the background of a frame or outline line (some styles draw them light grey).
_LINE = 40
#: Longest side of the coarse analysis grid.
_COARSE_MAX = 1500


@dataclass(frozen=True)
class Panel:
    """A panel's data area.

    Attributes
    ----------
    box : tuple of int
        ``(x0, y0, x1, y1)`` in image pixels, ``x1``/``y1`` exclusive.
    framed : bool
        True if a dark axes frame surrounds the area.
    confidence : float
        Heuristic confidence in [0, 1].
    evidence : str
        Short human-readable description of how the panel was found.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> (panel,) = find_panels(read_image("examples/field.png").rgb)
    >>> panel.box, panel.framed, panel.confidence >= 0.9
    ((80, 40, 620, 460), True, True)
    """

    box: Box
    framed: bool
    confidence: float
    evidence: str


@dataclass(frozen=True)
class Colorbar:
    """A colorbar's colour strip.

    Attributes
    ----------
    box : tuple of int
        ``(x0, y0, x1, y1)`` of the colour strip only (extend triangles
        excluded), ``x1``/``y1`` exclusive.
    orientation : {'vertical', 'horizontal'}
        Direction of the long axis.
    colors : numpy.ndarray
        ``(n, 3)`` uint8 colours sampled along the strip from the vmin end to
        the vmax end (bottom to top for vertical, left to right for
        horizontal).
    extend : {'neither', 'min', 'max', 'both'}
        Which ends carry extend triangles.
    panels : tuple of int
        Indices (into the panel list) of the panels this colorbar serves.
    confidence : float
        Heuristic confidence in [0, 1].
    evidence : str
        Short human-readable description of how it was found.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> (bar,) = find_colorbars(read_image("examples/field.png").rgb)
    >>> bar.box, bar.orientation, bar.extend, bar.panels, bar.colors.shape[1]
    ((640, 40, 660, 460), 'vertical', 'neither', (0,), 3)
    """

    box: Box
    orientation: Literal["vertical", "horizontal"]
    colors: np.ndarray
    extend: Literal["neither", "min", "max", "both"]
    panels: tuple[int, ...]
    confidence: float
    evidence: str


@dataclass(frozen=True)
class _Blob:
    """A candidate region on the coarse grid."""

    box: Box  # coarse pixels
    fill: float  # share of the box covered by the region
    n_parts: int


@dataclass(frozen=True)
class _TickSet:
    """Tick marks on one side of an axes, on the coarse grid.

    ``side`` is where the marks lie relative to the axes; ``edge`` the axes
    edge they end on (the first axes pixel for left/top, the exclusive end for
    right/bottom); ``centres`` the marks' centres along the axis, ``boxes``
    their coarse boxes.
    """

    side: Side
    edge: int
    centres: np.ndarray
    boxes: np.ndarray

    @property
    def length(self) -> float:
        b = self.boxes
        return float(np.median(b[:, 2] - b[:, 0] if self.side in ("left", "right") else b[:, 3] - b[:, 1]))

    @property
    def width(self) -> float:
        b = self.boxes
        return float(np.median(b[:, 3] - b[:, 1] if self.side in ("left", "right") else b[:, 2] - b[:, 0]))

    def like(self, other: _TickSet) -> bool:
        """Marks of the same length and width (the two axes of one axes share their tick style)."""
        return abs(self.length - other.length) <= 1 and abs(self.width - other.width) <= 1

    @property
    def lo(self) -> float:
        return float(self.centres.min())

    @property
    def hi(self) -> float:
        return float(self.centres.max())


@dataclass(frozen=True)
class _Scene:
    """Everything measured once per image."""

    img: np.ndarray  # (H, W, 3) uint8
    bg: np.ndarray  # (3,) background colour
    diff: np.ndarray  # (H, W) uint8: max over channels of |pixel - background|
    tol: float  # background noise tolerance on ``diff``
    f: int  # coarse factor
    wmax: int  # widest frame/outline line accepted (full-res px)
    blobs: list[_Blob]
    ticks: list[_TickSet]
    opened: np.ndarray  # coarse mask of the solid regions


@dataclass(frozen=True)
class _Strip:
    """A colorbar strip measured at full resolution."""

    box: Box
    vertical: bool
    ext_min: bool
    ext_max: bool
    conf: float
    note: str
    outer: tuple[int, int]  # span along the length with the extend triangles

    @property
    def outer_box(self) -> Box:
        return _with_span(self.box, self.vertical, *self.outer)

    def moved(self, box: Box, note: str) -> _Strip:
        """The strip with a new box (ends moved; triangles kept where they are)."""
        lo, hi = _span(box, self.vertical)
        o_lo, o_hi = self.outer
        outer = (
            min(o_lo, lo) if o_lo < _span(self.box, self.vertical)[0] else lo,
            max(o_hi, hi) if o_hi > _span(self.box, self.vertical)[1] else hi,
        )
        notes = ", ".join(n for n in (self.note, note) if n)
        return _Strip(box, self.vertical, self.ext_min, self.ext_max, self.conf, notes, outer)


@dataclass(frozen=True)
class _Analysis:
    """One image analysed: the scene, its panels and its colorbar strips."""

    scene: _Scene
    panels: list[Panel]
    strips: list[_Strip]


# --------------------------------------------------------------------------
# image, background, coarse grid
# --------------------------------------------------------------------------


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    """The image as contiguous ``(H, W, 3)`` uint8 (grey expanded, alpha dropped, floats in [0, 1] scaled)."""
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ValueError("expected an (H, W, 3) RGB image")
    a = a[:, :, :3]
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.max() <= 1.0:
            a = a * 255.0
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


def _background(img: np.ndarray) -> tuple[np.ndarray, float]:
    """Background colour (the border's most common colour) and a noise tolerance on the max-channel difference.

    The tolerance is three times the 95th percentile of the border pixels'
    deviations below 40 (JPEG noise) plus 6, at least 12.
    """
    bg = np.asarray(background_color(img, min_share=0.0), np.int16)
    border = np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]]).astype(np.int16)
    dev = np.abs(border - bg).max(axis=1)
    close = dev[dev < 40]
    noise = float(np.percentile(close, 95)) if close.size else 0.0
    return bg, max(12.0, 3.0 * noise + 6.0)


def _difference(img: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Max over channels of ``|img - bg|`` as uint8 (one table look-up per channel)."""
    v = np.arange(256, dtype=np.int16)
    out = np.abs(v - bg[0]).astype(np.uint8)[img[:, :, 0]]
    for c in (1, 2):
        np.maximum(out, np.abs(v - bg[c]).astype(np.uint8)[img[:, :, c]], out=out)
    return out


def _block_max(a: np.ndarray, f: int) -> np.ndarray:
    """Maximum over ``f x f`` blocks (the last partial blocks padded with zeros)."""
    if f == 1:
        return a
    h, w = a.shape
    hc, wc = -(-h // f), -(-w // f)
    pad = np.zeros((hc * f, wc * f), a.dtype)
    pad[:h, :w] = a
    return pad.reshape(hc, f, wc, f).max(axis=(1, 3))


def _kernel(shape: tuple[int, int]) -> int:
    """Side of the square opening that removes text, ticks and thin lines."""
    k = max(5, int(round(min(shape) / 60.0)))
    return k if k % 2 else k + 1


def _merge_gap(shape: tuple[int, int]) -> int:
    """Widest gap between aligned parts merged into one candidate region."""
    return max(4, int(round(min(shape) / 90.0)))


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """Length of the overlap of ``[a0, a1)`` and ``[b0, b1)``."""
    return max(0.0, min(a1, b1) - max(a0, b0))


def _to_full(box: Box, f: int, shape: tuple[int, int]) -> Box:
    """A coarse box in full-resolution pixels."""
    h, w = shape
    return (box[0] * f, box[1] * f, min(w, box[2] * f), min(h, box[3] * f))


def _distinct(v: np.ndarray) -> np.ndarray:
    """Sorted distinct values of integer positions, values within 1 of the previous one merged."""
    u = np.unique(v)
    return u[np.concatenate([[True], np.diff(u) > 1])] if u.size else u


def _core_box(mask: np.ndarray, box: np.ndarray) -> np.ndarray:
    """A component's box without thin protrusions: its rows and columns at least half as full as the fullest."""
    rows, cols = mask.sum(axis=1), mask.sum(axis=0)
    r = np.nonzero(rows >= 0.5 * rows.max())[0]
    c = np.nonzero(cols >= 0.5 * cols.max())[0]
    x0, y0 = box[0], box[1]
    return np.array([x0 + c[0], y0 + r[0], x0 + c[-1] + 1, y0 + r[-1] + 1])


def _cell_grids(m: np.ndarray, wmax: float) -> np.ndarray:
    """Heat-map cells split by gridlines, bridged into solid regions.

    Cells are solid rectangles of one size (within 1 px) whose corners sit on
    a lattice: at least 2 distinct rows and columns, filled to 30% or more
    (a masked triangle, blank cells).  Glyph pieces of text have no common
    size and no lattice.  Each lattice's cells are bridged across the gap
    between neighbouring rows or columns, a gridline: at most 3/4 of a cell and
    at most ``wmax`` wide (panels of a grid lie further apart).
    """
    lab, n = ndimage.label(m)
    out = np.zeros(m.shape, np.uint8)
    if n == 0:
        return out
    areas = np.bincount(lab.ravel(), minlength=n + 1)
    sl = ndimage.find_objects(lab)
    box = np.array([(s[1].start, s[0].start, s[1].stop, s[0].stop) if s is not None else (0, 0, 0, 0) for s in sl])
    w, h = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    fill = areas[1:] / np.maximum(w * h, 1)
    for i in np.nonzero((fill >= 0.5) & (fill < 0.9) & (np.minimum(w, h) >= 3))[0]:
        box[i] = _core_box(lab[sl[i]] == i + 1, box[i])  # a cell with a tick mark attached
    w, h = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    rect = (areas[1:] >= 0.9 * w * h) & (np.minimum(w, h) >= 3)
    left = np.nonzero(rect)[0]
    while left.size >= 4:
        sizes, counts = np.unique(np.stack([w[left], h[left]], axis=1), axis=0, return_counts=True)
        wm, hm = sizes[np.argmax(counts)]
        sel = left[(np.abs(w[left] - wm) <= 1) & (np.abs(h[left] - hm) <= 1)]
        left = np.setdiff1d(left, sel)
        xs, ys = _distinct(box[sel, 0]), _distinct(box[sel, 1])
        if len(sel) < 4 or len(xs) < 2 or len(ys) < 2 or len(sel) < 0.3 * len(xs) * len(ys):
            continue
        gap = max(int(np.median(np.diff(xs))) - int(wm), int(np.median(np.diff(ys))) - int(hm), 1)
        if gap > min(0.75 * min(wm, hm), wmax):
            continue  # panels side by side, not cells
        # edge cells are a little wider (half an outer gridline): near sizes inside the lattice's reach join
        gx0, gy0 = xs[0] - wm - 2 * gap, ys[0] - hm - 2 * gap
        gx1, gy1 = xs[-1] + 2 * wm + 2 * gap, ys[-1] + 2 * hm + 2 * gap
        near = left[
            (np.abs(w[left] - wm) <= max(2, 0.3 * wm))
            & (np.abs(h[left] - hm) <= max(2, 0.3 * hm))
            & (box[left, 0] >= gx0)
            & (box[left, 1] >= gy0)
            & (box[left, 2] <= gx1)
            & (box[left, 3] <= gy1)
        ]
        left = np.setdiff1d(left, near)
        sel = np.concatenate([sel, near])
        cells = np.isin(lab, sel + 1).astype(np.uint8)
        for axis in (0, 1):
            cells = ndimage.minimum_filter1d(ndimage.maximum_filter1d(cells, gap + 2, axis=axis), gap + 2, axis=axis)
        out |= cells
    return out


def _solid(fg: np.ndarray, k: int, wmax: float) -> np.ndarray:
    """Solid regions of a foreground mask: holes filled, then opened with a ``k x k`` square.

    Holes are filled twice: in the mask itself (a closed frame encloses the
    whole axes), and in the heat-map cells found in the mask with specks and
    strokes thinner than 3 px removed, bridged across gridlines up to ``wmax``
    wide (see :func:`_cell_grids`), so small cells split by gridlines become one region
    while text is never bridged to the axes.
    """
    m = ndimage.maximum_filter(ndimage.minimum_filter(fg.astype(np.uint8), size=3), size=3)
    cells = _cell_grids(m, wmax)
    filled = (ndimage.binary_fill_holes(fg) | ndimage.binary_fill_holes(cells.astype(bool))).astype(np.uint8)
    er = ndimage.minimum_filter(filled, size=(k, k), mode="constant", cval=0)
    return ndimage.maximum_filter(er, size=(k, k), mode="constant", cval=0).astype(bool)


# --------------------------------------------------------------------------
# candidate regions
# --------------------------------------------------------------------------


def _merge_aligned(boxes: np.ndarray, strip: np.ndarray, g: int, k: int) -> list[list[int]]:
    """Groups (indices) of boxes that overlap, or that are aligned and separated by a gap of at most ``g``.

    Aligned boxes share 90% of the longer one's extent across the gap (cells
    of one heat map), so a label below a panel is not aligned with it.

    Boxes narrower than ``2 k`` and colorbar-like strips (``strip``) are never
    merged.
    """
    n = len(boxes)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        x0, y0, x1, y1 = (boxes[:, i] for i in range(4))
        gx = np.maximum(x0[None, :] - x1[:, None], x0[:, None] - x1[None, :])
        gy = np.maximum(y0[None, :] - y1[:, None], y0[:, None] - y1[None, :])
        ox = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
        oy = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
        wa, ha = x1 - x0, y1 - y0
        maxw = np.maximum(wa[:, None], wa[None, :])
        maxh = np.maximum(ha[:, None], ha[None, :])
        mx = (gx > 0) & (gx <= g) & (oy >= 0.9 * maxh)
        my = (gy > 0) & (gy <= g) & (ox >= 0.9 * maxw)
        mo = (gx <= 0) & (gy <= 0)
        big = (np.minimum(wa, ha) >= 2 * k) & ~strip
        iu = np.triu(np.ones((n, n), bool), 1) & big[:, None] & big[None, :]
        for i, j in zip(*np.nonzero((mx | my | mo) & iu)):
            parent[find(int(i))] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _blobs(img: np.ndarray, opened: np.ndarray, f: int, k: int) -> list[_Blob]:
    """Connected solid regions, with aligned parts split by thin gaps merged."""
    hc, wc = opened.shape
    lab, _ = ndimage.label(opened)
    areas = np.bincount(lab.ravel())
    boxes, area = [], []
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None or areas[i] < max(20, k * k * 2):
            continue
        boxes.append((sl[1].start, sl[0].start, sl[1].stop, sl[0].stop))
        area.append(int(areas[i]))
    arr = np.array(boxes, dtype=np.int64).reshape(-1, 4)
    strip = np.zeros(len(arr), bool)
    for i, b in enumerate(arr):
        bw, bh = b[2] - b[0], b[3] - b[1]
        if min(bw, bh) >= 2 * k and max(bw, bh) >= 4 * min(bw, bh):
            strip[i] = _colour_strip(img, _to_full(cast(Box, tuple(int(v) for v in b)), f, img.shape[:2]))[0]
    min_area = max(60, int(0.0015 * hc * wc))
    out: list[_Blob] = []
    for members in _merge_aligned(arr, strip, _merge_gap((hc, wc)), k):
        sub = arr[members]
        tot = sum(area[m] for m in members)
        if tot < min_area:
            continue
        x0, y0, x1, y1 = int(sub[:, 0].min()), int(sub[:, 1].min()), int(sub[:, 2].max()), int(sub[:, 3].max())
        out.append(_Blob((x0, y0, x1, y1), tot / max(1, (x1 - x0) * (y1 - y0)), len(members)))
    return out


# --------------------------------------------------------------------------
# tick marks
# --------------------------------------------------------------------------


def _group_runs(keys: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by key, then by length, values within 1 of a neighbour chained; groups of at least 2."""
    out: list[np.ndarray] = []
    for part in _chains(np.arange(len(keys)), keys):
        out.extend(g for g in _chains(part, lengths) if len(g) >= 2)
    return out


def _chains(idx: np.ndarray, values: np.ndarray) -> list[np.ndarray]:
    """``idx`` split where its sorted ``values`` jump by more than 1."""
    order = idx[np.argsort(values[idx], kind="stable")]
    cut = np.nonzero(np.diff(values[order]) > 1)[0] + 1
    return np.split(order, cut)


def _tick_sets(ink: np.ndarray) -> list[_TickSet]:
    """Sets of tick marks: short solid segments, equal in length and width, whose one end lines up.

    ``ink`` is the coarse mask of dark marks with the solid regions removed.
    Horizontal marks whose right ends line up are ticks left of an axes (the
    edge is where they end), whose left ends line up ticks right of it;
    vertical marks likewise give bottom and top tick sets.
    """
    lab, _ = ndimage.label(ink)
    areas = np.bincount(lab.ravel())
    hc, wc = ink.shape
    lmax = max(6, min(hc, wc) // 15)
    rows = []
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None:
            continue
        y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        w, h = x1 - x0, y1 - y0
        long_, short = max(w, h), min(w, h)
        if long_ < 2 or long_ > lmax or long_ < 2 * short or areas[i] < 0.75 * w * h:
            continue
        rows.append((x0, y0, x1, y1, 1 if w > h else 0))
    if not rows:
        return []
    t = np.array(rows, dtype=np.int64)
    out: list[_TickSet] = []
    for horizontal in (1, 0):
        sub = t[t[:, 4] == horizontal]
        if len(sub) < 2:
            continue
        if horizontal:
            length, centre = sub[:, 2] - sub[:, 0], 0.5 * (sub[:, 1] + sub[:, 3])
            specs: tuple[tuple[Side, np.ndarray], ...] = (("left", sub[:, 2]), ("right", sub[:, 0]))
        else:
            length, centre = sub[:, 3] - sub[:, 1], 0.5 * (sub[:, 0] + sub[:, 2])
            specs = (("bottom", sub[:, 1]), ("top", sub[:, 3]))
        for side, key in specs:
            for g in _group_runs(key, length):
                g = g[np.argsort(centre[g])]
                out.append(_TickSet(side, int(np.median(key[g])), centre[g], sub[g, :4]))
    return out


def _mark_boxes(scene: _Scene, ts: _TickSet) -> list[Box]:
    """A tick set's mark boxes at full resolution (coarse cells widened by one cell less a pixel)."""
    f = scene.f
    h, w = scene.diff.shape
    m = f - 1
    return [
        (max(0, cx0 * f - m), max(0, cy0 * f - m), min(w, cx1 * f + m), min(h, cy1 * f + m))
        for cx0, cy0, cx1, cy1 in ts.boxes
    ]


def _tick_edge(scene: _Scene, ts: _TickSet) -> int:
    """Full-resolution position of the axes edge a tick set ends on (median over its marks).

    Per mark, along its rows from its outer end: the run of pixels at least
    half as dark as the mark ends at the edge (whatever lies beyond a gap,
    such as data past an outer gridline, is not the mark).
    """
    ends = []
    for x0, y0, x1, y1 in _mark_boxes(scene, ts):
        sub = scene.diff[y0:y1, x0:x1].astype(np.int16)
        lo, hi = (y0, y1) if ts.side in ("top", "bottom") else (x0, x1)
        if ts.side in ("top", "bottom"):
            sub = sub.T
        rev = ts.side in ("right", "bottom")
        if rev:
            sub = sub[:, ::-1]
        ink = sub >= np.maximum(_INK, sub.max(axis=1, keepdims=True) // 2)
        if not ink.any():
            continue
        n = ink.shape[1]
        a = ink.argmax(axis=1)
        idx = np.arange(n)[None, :]
        after = ~ink & (idx > a[:, None])
        b = np.where(after.any(axis=1), after.argmax(axis=1) - 1, n - 1)
        run = np.where(ink.any(axis=1), b - a + 1, 0)
        b_med = int(np.median(b[run >= run.max() - 1]))
        ends.append(hi - 1 - b_med if rev else lo + b_med + 1)
    return int(round(float(np.median(ends)))) if ends else ts.edge * scene.f


def _tick_centres(scene: _Scene, ts: _TickSet) -> np.ndarray:
    """Full-resolution centres (continuous coordinates) of a tick set's marks along the axis."""
    out = []
    for x0, y0, x1, y1 in _mark_boxes(scene, ts):
        sub = scene.diff[y0:y1, x0:x1].astype(np.float64)
        prof = sub.max(axis=1) if ts.side in ("left", "right") else sub.max(axis=0)
        lo = y0 if ts.side in ("left", "right") else x0
        wgt = np.clip(prof - scene.tol, 0, None)
        if wgt.sum() > 0:
            out.append(lo + float((wgt * (np.arange(len(prof)) + 0.5)).sum() / wgt.sum()))
    return np.array(sorted(out))


# --------------------------------------------------------------------------
# edges at full resolution
# --------------------------------------------------------------------------


def _side_profile(a: np.ndarray, box: Box, side: Side, out: int, inn: int, margin: float) -> tuple[np.ndarray, int]:
    """``a`` (an image or a map) across one side of a box, each row oriented from outside (index 0) inward.

    Rows run along the side (its middle, ``margin`` trimmed from each end).
    Returns the profiles and ``origin``: oriented index ``t`` is the
    coordinate ``origin + t`` (left/top) or ``origin + 1 - t`` (right/bottom).
    """
    h, w = a.shape[:2]
    x0, y0, x1, y1 = box
    if side in ("left", "right"):
        lo, hi, n = y0, y1, w
        lo, hi = lo + int(margin * (hi - lo)), hi - int(margin * (hi - lo))
        band = a[lo : max(lo + 1, hi)]
        at = x0 if side == "left" else x1
    else:
        lo, hi, n = x0, x1, h
        lo, hi = lo + int(margin * (hi - lo)), hi - int(margin * (hi - lo))
        band = a[:, lo : max(lo + 1, hi)].swapaxes(0, 1)
        at = y0 if side == "top" else y1
    if side in ("left", "top"):
        s, e = max(0, at - out), min(n, at + inn)
        return band[:, s:e], s
    s, e = max(0, at - inn), min(n, at + out)
    return band[:, s:e][:, ::-1], e - 1


def _coord(side: Side, origin: int, t: float) -> float:
    """Image coordinate of oriented position ``t`` of a side profile (see :func:`_side_profile`)."""
    return origin + t if side in ("left", "top") else origin + 1 - t


@dataclass(frozen=True)
class _Fit:
    """One measured edge, in oriented coordinates (0 outside, increasing inward).

    ``kind`` is ``'line'`` (``pos`` is the centre of a line of ``colour``,
    ``width`` wide, partial coverage included) or ``'start'`` (``pos`` is where
    the colour region starts, sub-pixel; ``colour`` its first full pixels).
    """

    kind: str
    pos: float
    width: float
    colour: np.ndarray


def _line(rgb: np.ndarray, diff: np.ndarray, bg: np.ndarray, wmax: int, tol: float) -> _Fit | None:
    """A line of one colour and near-constant width across the rows.

    Per row: from outside, the first pixels far from the background start the
    line; its colour is the median over the rows of the most extreme of those
    pixels, which must agree within ``max(20, 2 tol)`` in 80% of the rows.
    The line is the run of pixels of that colour around it, at most ``wmax``
    long; its centre is corrected by the partial coverage of the pixels just
    outside and just inside it.  The line is accepted if at least half the
    rows show it and agree on its centre within a pixel.
    """
    nr, n = diff.shape
    if nr == 0 or n < 4:
        return None
    far = diff >= max(_LINE, 3.0 * tol)
    r = np.arange(nr)
    a0 = far.argmax(axis=1)
    has = far[r, a0]
    if has.mean() < 0.5:
        return None
    idx = np.arange(n)[None, :]
    e0 = np.where((~far & (idx > a0[:, None])).any(axis=1), (~far & (idx > a0[:, None])).argmax(axis=1), n)
    lim = np.minimum(e0, a0 + wmax + 1)
    m = np.where((idx >= a0[:, None]) & (idx < lim[:, None]), diff.astype(np.int16), -1).argmax(axis=1)
    p = rgb.astype(np.float32)
    extreme = p[r[has], m[has]]
    colour = np.median(extreme, axis=0)
    if np.mean(np.abs(extreme - colour).max(axis=1) <= max(20.0, 2.0 * tol)) < 0.8:
        return None  # a line has one colour; a data edge varies along it
    same = np.abs(p - colour).max(axis=2) <= max(40.0, 0.25 * float(np.abs(colour - bg).max()))
    before = ~same & (idx < m[:, None])
    after = ~same & (idx > m[:, None])
    a = np.where(before.any(axis=1), n - 1 - before[:, ::-1].argmax(axis=1) + 1, 0)
    has_end = after.any(axis=1)
    b = np.where(has_end, after.argmax(axis=1) - 1, n - 1)
    ok = has & same[r, m] & has_end & (b - a + 1 <= wmax) & (a >= 1) & (b + 2 < n)
    if ok.mean() < 0.5:
        return None
    r, a, b = r[ok], a[ok], b[ok]
    span_out = float(np.abs(colour - bg).max())
    cov_out = np.clip(diff[r, a - 1].astype(np.float32) / max(span_out, 1.0), 0.0, 1.0)
    nb = p[r, b + 2]
    d = colour[None, :] - nb
    dd = (d * d).sum(axis=1)
    proj = ((p[r, b + 1] - nb) * d).sum(axis=1) / np.maximum(dd, 1.0)
    cov_in = np.where(dd > 900.0, np.clip(proj, 0.0, 1.0), 0.0)
    c = (a + b + 1) / 2.0 + (cov_in - cov_out) / 2.0
    med = float(np.median(c))
    if np.sum(np.abs(c - med) <= 1.0) < 0.5 * nr:
        return None
    width = float(np.median(b - a + 1 + cov_in + cov_out))
    return _Fit("line", med, width, colour)


def _start(rgb: np.ndarray, diff: np.ndarray, tol: float, thin: int, ref: int) -> _Fit | None:
    """Where the foreground region holding oriented index ``ref`` starts.

    Marks thinner than ``thin`` along the side (tick marks) are ignored, and
    so is anything outside separated from the region by more than 2 px of
    background (labels).
    The start is the 20th percentile, over the rows where ``ref`` is
    foreground, of the region's first pixel, moved out by the partial
    coverage of that pixel.
    """
    fg = diff > tol
    if thin > 1 and fg.shape[0] > thin:
        fg = ndimage.binary_opening(fg, structure=np.ones((thin, 1), bool))
    n = diff.shape[1]
    ref = min(max(ref, 0), n - 1)
    has = fg[:, ref]
    if has.sum() < max(2, 0.05 * len(fg)):
        return None
    # gaps of 1-2 px (a gridline near the edge) do not separate; a label's pad does
    gap = ~ndimage.binary_closing(fg, structure=np.ones((1, 3), bool), border_value=0)[:, : ref + 1] & ~fg[:, : ref + 1]
    first = np.where(gap.any(axis=1), ref + 1 - gap[:, ::-1].argmax(axis=1), 0)
    t = int(np.percentile(first[has], 20, method="lower"))
    rows = np.nonzero(has & (first == t))[0]
    inner = diff[rows, min(t + 1, n - 1)].astype(np.float32)
    cov = float(np.median(np.clip(diff[rows, t] / np.maximum(inner, 1.0), 0.0, 1.0)))
    colour = np.median(rgb[rows, min(t + 1, n - 1)].astype(np.float32), axis=0)
    return _Fit("start", t + 1.0 - cov, 0.0, colour)


def _edge(scene: _Scene, box: Box, side: Side, reach: int, margin: float = 0.15) -> tuple[_Fit, int] | None:
    """Measure one edge of a region near its approximate position: the fit and the profiles' origin."""
    wmax = scene.wmax
    out, inn = reach + 2, reach + wmax + 3
    diff, origin = _side_profile(scene.diff, box, side, out, inn, margin)
    if diff.size == 0:
        return None
    rgb, _ = _side_profile(scene.img, box, side, out, inn, margin)
    fit = _line(rgb, diff, scene.bg, wmax, scene.tol) or _start(rgb, diff, scene.tol, wmax + 2, out + scene.f + 1)
    return (fit, origin) if fit is not None else None


def _position(side: Side, origin: int, fit: _Fit) -> int:
    """Box coordinate of a fit.

    A line is centred on the edge.  matplotlib snaps axis-parallel lines to the
    pixel grid: an odd-width line is centred half a pixel past the rounded
    edge, so a centre within 0.06 px of a half pixel is floored; any other
    centre (even width, or a line not snapped, such as the outline of a
    colorbar with extend triangles) is rounded.  A region's start is its first
    pixel (left/top) or one past its last.
    """
    c = _coord(side, origin, fit.pos)
    if fit.kind == "line" and abs(c - np.floor(c) - 0.5) <= 0.06:
        return int(np.floor(c))
    return int(np.floor(c + 0.5))


_SIDES: tuple[Side, ...] = ("left", "top", "right", "bottom")


def _refine(scene: _Scene, box: Box, skip: tuple[Side, ...] = (), grow: float = 0.0) -> tuple[Box, tuple[str, ...]]:
    """All four edges of an approximate full-resolution box measured again; kinds per side (left, top, right, bottom).

    When the other sides show a line (a frame or an outline) and a side's
    region starts with pixels of that line's colour (dark data running into a
    black frame), the line is taken to be there too: its centre is half the
    others' width inside the region's start.  Edges found where the colour
    region starts move out by ``grow``.
    """
    reach = 2 * scene.f + 2
    lim = reach + scene.wmax + 2
    fits: list[tuple[_Fit, int] | None] = []
    for i, side in enumerate(_SIDES):
        got = None if side in skip else _edge(scene, box, side, reach)
        if got is not None and abs(_position(side, got[1], got[0]) - box[i]) > lim:
            got = None
        fits.append(got)
    lines = [g[0] for g in fits if g is not None and g[0].kind == "line"]
    vals, kinds = list(box), []
    for i, side in enumerate(_SIDES):
        got = fits[i]
        if got is None:
            kinds.append("given" if side in skip else "none")
            continue
        fit, origin = got
        if fit.kind == "start" and len(lines) >= 2:
            colour = np.median([ln.colour for ln in lines], axis=0)
            if float(np.abs(fit.colour - colour).max()) <= 40.0:
                fit = _Fit("line", fit.pos + float(np.median([ln.width for ln in lines])) / 2.0, 0.0, colour)
        if fit.kind == "start" and grow:
            fit = _Fit("start", fit.pos - grow, 0.0, fit.colour)
        vals[i] = _position(side, origin, fit)
        kinds.append(fit.kind)
    return (vals[0], vals[1], vals[2], vals[3]), tuple(kinds)


# --------------------------------------------------------------------------
# colorbar strips
# --------------------------------------------------------------------------


def _colour_strip(img: np.ndarray, box: Box) -> tuple[bool, float]:
    """Whether a long narrow box holds colours uniform across and changing smoothly along, and a confidence."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    long_, short = max(bw, bh), min(bw, bh)
    if short <= 0 or long_ / short < 4.0:
        return False, 0.0
    vertical = bh > bw
    m = max(2, short // 6)
    sub = img[y0 + m : y1 - m, x0 + m : x1 - m].astype(np.float64)
    if not vertical:
        sub = sub.transpose(1, 0, 2)
    length, width = sub.shape[:2]
    if length < 8 or width < 1:
        return False, 0.0
    a = int(round(width * 0.2))
    core = sub[:, a : max(a + 1, width - a)]
    prof = np.median(core, axis=1)
    spread = float(np.median(np.abs(core - prof[:, None, :]).max(axis=2)))
    step = np.abs(np.diff(prof, axis=0)).max(axis=1)
    total = float(step.sum())
    rng = float((prof.max(axis=0) - prof.min(axis=0)).max())
    if rng < 20 or spread > max(6.0, 0.08 * rng):
        return False, 0.0
    big = float(np.percentile(step, 99))
    if total > 12 * rng and big > 0.2 * rng:
        return False, 0.0
    conf = float(np.clip(1.0 - spread / max(rng, 1.0) * 4 - (big / max(rng, 1)) * 0.5, 0.2, 1.0))
    return True, conf


def _longest_run(good: np.ndarray) -> tuple[int, int]:
    """Start and end (exclusive) of the longest run of True."""
    if not good.any():
        return 0, len(good)
    d = np.diff(np.concatenate([[0], good.astype(np.int8), [0]]))
    starts, ends = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]
    i = int(np.argmax(ends - starts))
    return int(starts[i]), int(ends[i])


def _triangle(rows: np.ndarray, full: float) -> bool:
    """Whether mask rows (from a strip's end outward) form an extend triangle.

    Each row is one solid run centred on the strip's axis; the runs narrow
    steadily from the strip's width to a tip at most half as wide.  A ragged
    end (colours fading into the background, JPEG noise) does not.
    """
    if len(rows) < max(3, int(0.25 * full)):
        return False
    widths = rows.sum(axis=1)
    keep = widths > 0
    if keep.sum() < 3:
        return False
    idx = np.arange(rows.shape[1])
    w = widths[keep].astype(np.float64)
    first = rows[keep].argmax(axis=1)
    last = rows.shape[1] - 1 - rows[keep][:, ::-1].argmax(axis=1)
    solid = np.all(last - first + 1 == w)
    centre = 0.5 * (first + last)
    axis = 0.5 * (idx[rows[0]].min() + idx[rows[0]].max()) if rows[0].any() else float(np.median(centre))
    centred = np.abs(centre - axis).max() <= max(2.0, 0.15 * full)
    narrowing = np.mean(np.diff(w) > 1.0) <= 0.1 and w[-1] <= 0.5 * full
    return bool(solid and centred and narrowing)


def _triangle_base(widths: np.ndarray, full: float, start: int, lead: bool) -> tuple[int, int]:
    """Where an extend triangle meets the strip, and where its tip is.

    The triangle's narrowing is fitted as a line (rows between 20% and 85%
    of the width only: the tip and the corners are rounded); the base is
    where it reaches the strip's width, the tip where it reaches zero.
    ``widths`` are the triangle's rows in image order, beginning at ``start``
    (trailing triangle) or ending there (leading one).
    """
    n = len(widths)
    pos = (np.arange(n) + (start - n if lead else start)) + 0.5
    sel = (widths >= 0.2 * full) & (widths <= 0.85 * full)
    tip0 = start - n if lead else start + n
    if sel.sum() < 3:
        return start, tip0
    slope, icpt = np.polyfit(pos[sel], widths[sel], 1)
    if abs(slope) < 1e-6 or (slope > 0) != lead:
        return start, tip0
    base, tip = (full - icpt) / slope, -icpt / slope
    if abs(base - start) > 0.5 * full + 2:
        # the strip's full width may run on past ``start`` (a narrower row broke it): rows up to the base are full
        between = widths[int(max(0, base - pos[0])) :] if lead else widths[: int(max(0, base - pos[0]))]
        inside = (start - n <= base <= start) if lead else (start <= base <= start + n)
        if not inside or between.size == 0 or np.mean(between >= full - 2) < 0.8:
            return start, tip0
    return int(np.floor(base + 0.5)), int(np.floor(tip + 0.5))


def _strip_box(scene: _Scene, box: Box, vertical: bool) -> tuple[Box, bool, bool, tuple[int, int]]:
    """A strip's colour box at full resolution, whether its low / high end carries an extend triangle, and its
    outer span along its length (triangle tips included)."""
    h, w = scene.diff.shape
    m = 2 * scene.f + 2
    x0, y0, x1, y1 = box
    wx0, wy0, wx1, wy1 = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
    fg = ndimage.binary_fill_holes(scene.diff[wy0:wy1, wx0:wx1] > scene.tol).astype(np.uint8)
    short = (x1 - x0) if vertical else (y1 - y0)
    ks = max(3, min(short // 3, scene.wmax + 2))
    op = ndimage.maximum_filter(ndimage.minimum_filter(fg, size=ks, mode="constant"), size=ks, mode="constant")
    lab, n = ndimage.label(op)
    if n == 0:
        return box, False, False, _span(box, vertical)
    cy, cx = (y0 + y1) // 2 - wy0, (x0 + x1) // 2 - wx0
    core = lab[max(0, cy - 2) : cy + 3, max(0, cx - 2) : cx + 3]
    ids = core[core > 0]
    keep = int(np.bincount(ids).argmax()) if ids.size else int(np.bincount(lab.ravel())[1:].argmax() + 1)
    mask = lab == keep
    if not vertical:
        mask = mask.T
    widths = mask.sum(axis=1).astype(np.float64)
    nz = np.nonzero(widths)[0]
    lo0, hi0 = int(nz[0]), int(nz[-1]) + 1
    seg = widths[lo0:hi0]
    n = len(seg)
    full = float(np.median(seg[n // 4 : 3 * n // 4])) if n >= 4 else float(seg.max())
    good = seg >= full - 1.0
    good = ndimage.binary_closing(good, structure=np.ones(7, bool)) | good
    a, b = _longest_run(good)
    part = mask[lo0:hi0]
    has_lead = _triangle(part[:a][::-1], full)
    has_trail = _triangle(part[b:], full)
    cols = np.nonzero(mask[lo0 + a : lo0 + b].mean(axis=0) >= 0.5)[0]
    c0, c1 = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, mask.shape[1])
    if has_lead or has_trail:
        # the triangles' narrowing measured on the unopened mask, which the opening does not round
        raw = (fg.T if not vertical else fg)[lo0:hi0, max(0, c0 - 1) : c1 + 1].sum(axis=1).astype(np.float64)
        full_raw = float(np.median(raw[a:b]))
        a, tip_lo = _triangle_base(raw[:a], full_raw, a, lead=True) if has_lead else (0, 0)
        b, tip_hi = _triangle_base(raw[b:], full_raw, b, lead=False) if has_trail else (n, n)
    else:
        a, b, tip_lo, tip_hi = 0, n, 0, n
    if vertical:
        approx = (wx0 + c0, wy0 + lo0 + a, wx0 + c1, wy0 + lo0 + b)
        skip = cast(tuple[Side, ...], (("top",) if has_lead else ()) + (("bottom",) if has_trail else ()))
        ext_min, ext_max = has_trail, has_lead  # vmin at the bottom
    else:
        approx = (wx0 + lo0 + a, wy0 + c0, wx0 + lo0 + b, wy0 + c1)
        skip = cast(tuple[Side, ...], (("left",) if has_lead else ()) + (("right",) if has_trail else ()))
        ext_min, ext_max = has_lead, has_trail
    refined, _ = _refine(scene, approx, skip)
    r_lo, r_hi = _span(refined, vertical)
    origin = wy0 if vertical else wx0
    outer = (origin + lo0 + tip_lo if has_lead else r_lo, origin + lo0 + tip_hi if has_trail else r_hi)
    return refined, ext_min, ext_max, outer


def _strip_ticks(scene: _Scene, box: Box, vertical: bool) -> np.ndarray:
    """Full-resolution centres of the tick marks beside a strip's long side."""
    f = scene.f
    c = [v / f for v in box]
    best = np.zeros(0)
    for ts in scene.ticks:
        if vertical and ts.side in ("left", "right"):
            edge = c[2] if ts.side == "right" else c[0]
            lo, hi = c[1], c[3]
        elif not vertical and ts.side in ("top", "bottom"):
            edge = c[3] if ts.side == "bottom" else c[1]
            lo, hi = c[0], c[2]
        else:
            continue
        span = hi - lo
        if abs(ts.edge - edge) > 2 or ts.lo < lo - 0.5 * span or ts.hi > hi + 0.5 * span:
            continue
        if len(ts.centres) > len(best):
            best = _tick_centres(scene, ts)
    return best


def _span(box: Box, vertical: bool) -> tuple[int, int]:
    """A box's extent along a strip's length."""
    return (box[1], box[3]) if vertical else (box[0], box[2])


def _with_span(box: Box, vertical: bool, lo: int, hi: int) -> Box:
    """A box with its extent along a strip's length replaced."""
    return (box[0], lo, box[2], hi) if vertical else (lo, box[1], hi, box[3])


def _extend_to_ticks(scene: _Scene, box: Box, vertical: bool) -> tuple[Box, bool]:
    """Extend a strip over a background-coloured end to its outermost tick mark (a tick lies on the strip)."""
    ticks = _strip_ticks(scene, box, vertical)
    lo, hi = _span(box, vertical)
    if not ticks.size:
        return box, False
    t_lo, t_hi = int(np.floor(ticks[0] + 0.5)), int(np.floor(ticks[-1] + 0.5))
    moved = False
    if t_lo < lo - 1 and _faded(scene, box, vertical, lo, t_lo):
        lo, moved = t_lo, True
    if t_hi > hi + 1 and _faded(scene, box, vertical, hi, t_hi):
        hi, moved = t_hi, True
    return _with_span(box, vertical, lo, hi), moved


def _centre_on(scene: _Scene, box: Box, vertical: bool, other: Box, a_blank: bool) -> tuple[int, int] | None:
    """New span for ``box`` when one of its ends runs on unseen so that it is centred on ``other``.

    matplotlib centres a colorbar on the axes it stands beside (as long as
    the axes, or shorter with ``shrink``; an axes keeping its aspect ratio is
    centred in its original box).  So when a strip or a frameless panel is off
    centre by more than 2 px, the end that falls short is moved to where it
    would be centred, provided it is hidden: for a strip, its end colour is
    the background's (``a_blank`` False: checked with :func:`_faded`); for a
    panel, its edge cells are background-coloured (``a_blank`` True: the band
    up to the new end must be blank).  Returns None when nothing moves.
    """
    lo, hi = _span(box, vertical)
    o_lo, o_hi = _span(other, vertical)
    twice = o_lo + o_hi  # twice the centre
    for this, that, at_hi in ((lo, twice - hi, False), (hi, twice - lo, True)):
        if not ((that > this + 2) if at_hi else (that < this - 2)):
            continue
        if a_blank:
            ok = _blank(scene, _with_span(box, vertical, min(this, that), max(this, that)))
        else:
            ok = _faded(scene, box, vertical, this, that)
        if ok:
            return (lo, that) if at_hi else (that, hi)
    return None


def _faded(scene: _Scene, box: Box, vertical: bool, end: int, to: int) -> bool:
    """True if a strip's light end at ``end`` may run on, unseen, to ``to`` along its length.

    The strip's colour at that end is already close to the background, and
    nothing between ``end`` and ``to`` across the strip's core differs from the
    background more than that end colour does (plus noise).
    """
    x0, y0, x1, y1 = box
    s, e = min(end, to), max(end, to)
    if vertical:
        a, b = x0 + (x1 - x0) // 5, x1 - (x1 - x0) // 5
        span = scene.diff[s:e, a:b]
    else:
        a, b = y0 + (y1 - y0) // 5, y1 - (y1 - y0) // 5
        span = scene.diff[a:b, s:e]
    level = _end_level(scene, box, vertical, end if to < end else end - 1)
    if span.size == 0 or level is None:
        return False
    return bool(level <= 3 * scene.tol + 30 and float(span.max()) <= level + 2 * scene.tol)


def _end_level(scene: _Scene, box: Box, vertical: bool, at: int) -> float | None:
    """Median difference from the background across a strip's core at row/column ``at``."""
    x0, y0, x1, y1 = box
    if vertical:
        last = scene.diff[at, x0 + (x1 - x0) // 5 : x1 - (x1 - x0) // 5] if 0 <= at < scene.diff.shape[0] else None
    else:
        last = scene.diff[y0 + (y1 - y0) // 5 : y1 - (y1 - y0) // 5, at] if 0 <= at < scene.diff.shape[1] else None
    return float(np.median(last)) if last is not None and last.size else None


def _ends_seen(scene: _Scene, box: Box, vertical: bool) -> bool:
    """Whether both ends of a strip are clearly unlike the background (neither may run on unseen)."""
    lo, hi = _span(box, vertical)
    levels = [_end_level(scene, box, vertical, v) for v in (lo, hi - 1)]
    return all(v is not None and v > 3 * scene.tol + 30 for v in levels)


def _sample_colors(img: np.ndarray, box: Box, vertical: bool) -> np.ndarray:
    """Median colours along a strip's core, from the vmin end to the vmax end (the outlined ends skipped)."""
    x0, y0, x1, y1 = box
    short = (x1 - x0) if vertical else (y1 - y0)
    e = max(2, int(round(short * 0.25)))
    a = int(0.3 * short)
    b = max(a + 1, int(0.7 * short))
    if vertical:
        prof = np.median(img[y0 + e : y1 - e, x0 + a : x0 + b], axis=1)[::-1]
    else:
        prof = np.median(img[y0 + a : y0 + b, x0 + e : x1 - e], axis=0)
    return np.clip(np.round(prof), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# frameless axes from tick marks
# --------------------------------------------------------------------------


def _split(ts: _TickSet) -> list[_TickSet]:
    """Split a tick set where its marks are far apart (collinear ticks of panels side by side).

    A gap over three times the median spacing separates two axes.
    """
    c = ts.centres
    if len(c) < 3:
        return [ts]
    order = np.argsort(c)
    gaps = np.diff(c[order])
    cut = np.nonzero(gaps > 3.0 * np.median(gaps))[0]
    if cut.size == 0:
        return [ts]
    parts = np.split(order, cut + 1)
    return [_TickSet(ts.side, ts.edge, c[p], ts.boxes[p]) for p in parts if len(p) >= 2]


def _touches(ts: _TickSet, opened: np.ndarray, reach: int = 3) -> bool:
    """Whether any mark of a tick set ends on a solid region (the axes' data) within ``reach`` inside its edge.

    (A gridline drawn over the data's edge leaves a gap of half its width.)
    """
    for x0, y0, x1, y1 in ts.boxes:
        if ts.side == "left":
            win = opened[y0:y1, ts.edge : ts.edge + reach]
        elif ts.side == "right":
            win = opened[y0:y1, max(0, ts.edge - reach) : ts.edge]
        elif ts.side == "top":
            win = opened[ts.edge : ts.edge + reach, x0:x1]
        else:
            win = opened[max(0, ts.edge - reach) : ts.edge, x0:x1]
        if win.any():
            return True
    return False


def _cut(ts: _TickSet, at: list[int]) -> list[_TickSet]:
    """Split a tick set at the given positions along its axis (pieces of at least 2 marks)."""
    c = ts.centres
    keys = np.searchsorted(np.sort(np.unique(at)), c) if at else np.zeros(len(c), int)
    out = []
    for k in np.unique(keys):
        sel = keys == k
        if sel.sum() >= 2:
            out.append(_TickSet(ts.side, ts.edge, c[sel], ts.boxes[sel]))
    return out


def _axes_from_ticks(ticks: list[_TickSet], opened: np.ndarray) -> list[tuple[_TickSet, _TickSet, Box]]:
    """Corners of frameless axes: a left tick set and the nearest bottom or top tick set meeting it.

    The sets must have marks of the same length and width, the first x tick
    must lie right of the left edge within the x ticks' span, and the bottom
    (top) edge below (above) the y ticks within their span; each set must be
    the other's nearest such partner, and the marks of at least one of them
    must end on the data (tick-like strokes of the labels' glyphs do not).

    Returns, per axes, the left set, the horizontal-axis set and the core
    rectangle the marks span (coarse): from the left edge to the last x tick,
    and over the y ticks' span up to the x set's edge.
    """
    s = 2
    ticks = [p for t in ticks for p in _split(t)]
    lefts0 = [t for t in ticks if t.side == "left"]
    horiz0 = [t for t in ticks if t.side in ("bottom", "top")]
    # collinear marks of panels above one another (or side by side) end at the other axis's edges
    # (of 3 marks or more)
    lefts = [p for y in lefts0 for p in _cut(y, [x.edge for x in horiz0 if x.lo >= y.edge - s and len(x.centres) >= 3])]
    horiz = [p for x in horiz0 for p in _cut(x, [y.edge for y in lefts0 if y.edge > x.lo + s and len(y.centres) >= 3])]

    def meets(y: _TickSet, x: _TickSet) -> float | None:
        if not y.like(x) or x.lo < y.edge - s or x.lo - y.edge > max(x.hi - x.lo, 0.0) + s + 1:
            return None
        d = x.edge - y.hi if x.side == "bottom" else y.lo - x.edge
        if d < -s or d > max(y.hi - y.lo, 0.0) + s + 1:
            return None
        return float(d)

    out = []
    for y in lefts:
        cands = [(d, x) for d, x in ((meets(y, x), x) for x in horiz) if d is not None]
        if not cands:
            continue
        _, x = min(cands, key=lambda c: c[0])
        # mutual: no other left set meets this x set closer to its first tick
        rivals = [x.lo - o.edge for o in lefts if o is not y and meets(o, x) is not None]
        if (rivals and min(rivals) < x.lo - y.edge) or not (_touches(y, opened) or _touches(x, opened)):
            continue
        top = x.edge if x.side == "top" else int(np.floor(y.lo))
        bottom = x.edge if x.side == "bottom" else int(np.ceil(y.hi)) + 1
        out.append((y, x, (y.edge, top, int(np.ceil(x.hi)) + 1, bottom)))
    return out


def _clean_gap(scene: _Scene, a: Box, b: Box) -> bool:
    """Whether two full-resolution boxes side by side are separated by nothing but background."""
    gx = max(a[0], b[0]) - min(a[2], b[2])
    gy = max(a[1], b[1]) - min(a[3], b[3])
    if gx > 0 and gy <= 0:
        lo, hi = max(a[1], b[1]), min(a[3], b[3])
        if hi - lo < 0.5 * min(a[3] - a[1], b[3] - b[1]):
            return False
        x0, x1 = min(a[2], b[2]), max(a[0], b[0])
        band = scene.diff[lo:hi, x0 + 2 : x1 - 2]
        ext = max(a[2], b[2]) - min(a[0], b[0])
    elif gy > 0 and gx <= 0:
        lo, hi = max(a[0], b[0]), min(a[2], b[2])
        if hi - lo < 0.5 * min(a[2] - a[0], b[2] - b[0]):
            return False
        y0, y1 = min(a[3], b[3]), max(a[1], b[1])
        band = scene.diff[y0 + 2 : y1 - 2, lo:hi]
        ext = max(a[3], b[3]) - min(a[1], b[1])
    else:
        return False
    gap = max(gx, gy)
    return bool(gap <= 0.05 * ext and (band.size == 0 or float((band > scene.tol).mean()) < 0.002))


# --------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------


def _scene(img: np.ndarray) -> _Scene:
    """Background, difference map, coarse solid regions, candidate blobs and tick sets of an image."""
    h, w = img.shape[:2]
    bg, tol = _background(img)
    diff = _difference(img, bg)
    f = max(1, -(-max(h, w) // _COARSE_MAX))
    cdiff = _block_max(diff, f)
    shape = cdiff.shape
    k = _kernel(shape)
    wmax = max(4, min(h, w) // 80)
    opened = _solid(cdiff > tol, k, wmax / f)
    blobs = _blobs(img, opened, f, k)
    ticks = _tick_sets((cdiff >= _INK) & ~opened)
    return _Scene(img, bg.astype(np.float32), diff, tol, f, wmax, blobs, ticks, opened)


def _inside(a: Box, b: Box, share: float = 0.5) -> bool:
    """Whether at least ``share`` of box ``a`` lies inside box ``b``."""
    ov = _overlap(a[0], a[2], b[0], b[2]) * _overlap(a[1], a[3], b[1], b[3])
    return ov >= share * max(1, (a[2] - a[0]) * (a[3] - a[1]))


def _area(b: Box) -> int:
    """A box's area."""
    return (b[2] - b[0]) * (b[3] - b[1])


def _union(boxes: list[Box]) -> Box:
    """The box enclosing all the boxes."""
    a = np.array(boxes)
    return (int(a[:, 0].min()), int(a[:, 1].min()), int(a[:, 2].max()), int(a[:, 3].max()))


def _gridline_width(scene: _Scene, box: Box) -> float:
    """Width of the background-coloured lines running right across a frameless panel (cell gridlines), or 0.

    Rows and columns at least 90% background-coloured form runs; at least two
    interior runs of about one width, no wider than a frame line, are
    gridlines.  Wider runs are blank cells, not lines.
    """
    x0, y0, x1, y1 = box
    blank = scene.diff[y0:y1, x0:x1] <= scene.tol
    if blank.size == 0:
        return 0.0
    widths: list[int] = []
    for axis in (0, 1):
        line = blank.mean(axis=axis) >= 0.9
        d = np.diff(np.concatenate([[0], line.astype(np.int8), [0]]))
        starts, ends = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]
        inner = (starts > 0) & (ends < len(line))
        widths.extend((ends - starts)[inner].tolist())
    if len(widths) < 2:
        return 0.0
    wd = float(np.median(widths))
    if wd > scene.wmax or np.mean(np.abs(np.array(widths) - wd) <= 1) < 0.6:
        return 0.0
    return wd


def _classify(scene: _Scene) -> tuple[list[Panel], list[int], list[tuple[int, float]]]:
    """Framed panels, the other panel-sized blobs (indices) and colorbar-like strips (index, confidence)."""
    h, w = scene.diff.shape
    f = scene.f
    k_full = _kernel((h // f, w // f)) * f
    framed: list[Panel] = []
    loose: list[int] = []
    strips: list[tuple[int, float]] = []
    for i, b in enumerate(scene.blobs):
        full = _to_full(b.box, f, (h, w))
        isbar, conf = (False, 0.0) if b.n_parts > 1 else _colour_strip(scene.img, full)
        if isbar:
            strips.append((i, conf))
            continue
        if min(full[2] - full[0], full[3] - full[1]) < 3 * k_full:
            continue
        box, kinds = _refine(scene, full)
        if sum(kd == "line" for kd in kinds) >= 3:  # a closed frame (one side may be hidden by like data)
            conf = 0.95 * min(1.0, 0.5 + b.fill / 2)
            framed.append(Panel(box, True, round(conf, 3), "closed dark frame around filled region"))
        else:
            loose.append(i)
    return framed, loose, strips


_Group = tuple[list[int], "_TickSet | None", "_TickSet | None"]


def _tick_groups(scene: _Scene, cand: list[int], framed: list[Panel]) -> list[_Group]:
    """Blobs joined by the frameless axes whose tick marks outline them.

    A blob belongs to an axes if it meets the rectangle the axes' ticks span
    and lies inside its tick-marked edges.  Tick marks around a framed panel
    outline no frameless axes.
    """
    h, w = scene.diff.shape
    f = scene.f
    groups: list[_Group] = []
    taken: set[int] = set()
    for y, x, core in _axes_from_ticks(scene.ticks, scene.opened):
        if any(_inside(_to_full(core, f, (h, w)), p.box) for p in framed):
            continue
        members = []
        for i in cand:
            bx = scene.blobs[i].box
            if i in taken or _overlap(bx[0], bx[2], core[0], core[2]) <= 0:
                continue
            if _overlap(bx[1], bx[3], core[1], core[3]) <= 0 or bx[0] < y.edge - 2:
                continue
            if (x.side == "bottom" and bx[3] > x.edge + 2) or (x.side == "top" and bx[1] < x.edge - 2):
                continue
            members.append(i)
        if members:
            taken.update(members)
            groups.append((members, y, x))
    return groups


def _merge_clean(scene: _Scene, groups: list[_Group]) -> tuple[list[_Group], list[Box]]:
    """Join to any group the tick-less groups separated from it by background only; full-res union boxes."""
    h, w = scene.diff.shape
    groups = list(groups)
    boxes = [_union([_to_full(scene.blobs[i].box, scene.f, (h, w)) for i in g[0]]) for g in groups]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(len(groups)):
                if a != b and groups[b][1] is None and _clean_gap(scene, boxes[a], boxes[b]):
                    groups[a] = (groups[a][0] + groups[b][0], groups[a][1], groups[a][2])
                    boxes[a] = _union([boxes[a], boxes[b]])
                    del groups[b], boxes[b]
                    merged = True
                    break
            if merged:
                break
    return groups, boxes


def _cell_extent(centres: np.ndarray, edge: float, seen: float) -> float | None:
    """The far edge implied by tick marks at every cell's centre, or None.

    Marks evenly spaced ``d`` apart whose mark nearest the known ``edge`` lies
    ``d / 2`` from it sit at the centres of cells ``d`` wide (as seaborn and
    the annotated-heatmap recipe place them), so the far edge lies ``d / 2``
    past the mark at the other end.  The far edge ``seen`` in the data must
    then fall on a cell boundary too (within 2 px).
    """
    if len(centres) < 2:
        return None
    after = seen > edge
    c = np.sort(centres)
    gaps = np.diff(c)
    d = float(c[-1] - c[0]) / (len(c) - 1)
    if d <= 2 or np.abs(gaps - d).max() > max(1.5, 0.05 * d):
        return None
    near = c[0] - edge if after else edge - c[-1]
    cells = abs(seen - edge) / d
    if abs(near - d / 2) > max(1.0, 0.02 * d) or abs(cells - round(cells)) * d > 2:
        return None
    return float(c[-1] + d / 2) if after else float(c[0] - d / 2)


def _blank(scene: _Scene, box: Box) -> bool:
    """Whether a full-resolution box is (almost) all background."""
    x0, y0, x1, y1 = box
    band = scene.diff[max(0, y0) : y1, max(0, x0) : x1]
    return band.size > 0 and float((band > scene.tol).mean()) < 0.01


def _extend_to_cells(scene: _Scene, box: Box, y: _TickSet, x: _TickSet) -> Box:
    """Run a frameless panel's far edges over blank cells to the extent its tick marks at cell centres imply."""
    x0, y0, x1, y1 = box
    far = _cell_extent(_tick_centres(scene, x), x0, x1)
    if far is not None:
        e = int(np.floor(far + 0.5))
        if e > x1 + 1 and _blank(scene, (x1, y0, e, y1)):
            x1 = e
    if x.side == "bottom":
        far = _cell_extent(_tick_centres(scene, y), y1, y0)
        if far is not None:
            e = int(np.floor(far + 0.5))
            if e < y0 - 1 and _blank(scene, (x0, e, x1, y0)):
                y0 = e
    else:
        far = _cell_extent(_tick_centres(scene, y), y0, y1)
        if far is not None:
            e = int(np.floor(far + 0.5))
            if e > y1 + 1 and _blank(scene, (x0, y1, x1, e)):
                y1 = e
    return (x0, y0, x1, y1)


def _frameless_panel(scene: _Scene, group: _Group, box: Box) -> Panel:
    """A frameless panel from its blobs' union box: edges at the tick marks' ends, else measured.

    Edges measured from the colour region move out by half the gridline width
    (the outermost gridlines lie half outside the cells).
    """
    members, y, x = group
    f = scene.f
    vals = list(box)
    skip: list[Side] = []
    slack = 2 * f + 2
    if y is not None and x is not None:
        e = _tick_edge(scene, y)
        if e <= box[0] + slack:
            vals[0] = e
            skip.append("left")
        e = _tick_edge(scene, x)
        if x.side == "bottom" and e >= box[3] - slack:
            vals[3] = e
            skip.append("bottom")
        if x.side == "top" and e <= box[1] + slack:
            vals[1] = e
            skip.append("top")
    approx = (vals[0], vals[1], vals[2], vals[3])
    grid = _gridline_width(scene, approx)
    refined, _ = _refine(scene, approx, tuple(skip), grow=grid / 2.0)
    if y is not None and x is not None:
        refined = _extend_to_cells(scene, refined, y, x)
    fill = float(np.mean([scene.blobs[i].fill for i in members]))
    parts = sum(scene.blobs[i].n_parts for i in members)
    if y is not None:
        ev, conf = f"frameless axes outlined by tick marks, {len(members)} colour region(s)", 0.8
    elif parts > 1:
        ev, conf = f"{parts} aligned colour blocks", 0.7
    else:
        ev, conf = "large non-background region without frame", 0.75
    if grid:
        ev += f", {grid:.0f} px gridlines"
    return Panel(refined, False, round(conf * min(1.0, 0.5 + fill / 2), 3), ev)


def _analyse(rgb: np.ndarray) -> _Analysis:
    """Panels (framed, tick-outlined frameless, other frameless) and colorbar strips of a figure."""
    img = _as_rgb(rgb)
    scene = _scene(img)
    h, w = img.shape[:2]
    f = scene.f
    k_full = _kernel((h // f, w // f)) * f
    framed, loose, strips = _classify(scene)
    groups = _tick_groups(scene, loose + [i for i, _ in strips], framed)
    taken = {i for g in groups for i in g[0]}
    groups += [([i], None, None) for i in loose if i not in taken]
    groups, boxes = _merge_clean(scene, groups)
    panels = list(framed)
    for g, box in zip(groups, boxes):
        if g[1] is None and min(box[2] - box[0], box[3] - box[1]) < 3 * k_full:
            continue
        panels.append(_frameless_panel(scene, g, box))
    # never report a fragment: drop panels/bars lying mostly inside a larger panel
    panels = [
        p
        for p in panels
        if not any(q is not p and _area(q.box) > _area(p.box) and _inside(p.box, q.box) for q in panels)
    ]
    pieces: list[_Strip] = []
    for i, conf in strips:
        full = _to_full(scene.blobs[i].box, f, (h, w))
        if i in taken or any(_inside(full, p.box) for p in panels):
            continue
        vertical = (full[3] - full[1]) > (full[2] - full[0])
        box, ext_min, ext_max, outer = _strip_box(scene, full, vertical)
        pieces.append(_Strip(box, vertical, ext_min, ext_max, conf, "", outer))
    bars = []
    for st in _join_strips(scene, pieces):
        box, moved = _extend_to_ticks(scene, st.box, st.vertical)
        bars.append(st.moved(box, "ends from tick marks") if moved else st)
    if not panels and len(bars) > 1:
        # a long narrow panel that looks like a colour strip: the widest strip, which the others serve
        big = max(bars, key=lambda b: min(b.box[2] - b.box[0], b.box[3] - b.box[1]))
        box, _ = _refine(scene, big.box)
        panels = [Panel(box, False, 0.4, "widest of several colour strips, taken as the panel")]
        bars = [b for b in bars if b is not big]
    panels = _extend_panels(scene, panels, bars)
    order = _reading_order([p.box for p in panels])
    return _Analysis(scene, [panels[i] for i in order], bars)


def _join_strips(scene: _Scene, pieces: list[_Strip]) -> list[_Strip]:
    """Join pieces of one strip split where its colours pass close to the background (a diverging map's centre).

    Pieces in line (sharing 80% of their across extent) that touch, or whose
    facing ends fade towards the background over a gap holding nothing else,
    are one strip (across, the pieces' common extent).
    """
    out = sorted(pieces, key=lambda st: _span(st.box, st.vertical)[0])
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(out):
            for j, b in enumerate(out):
                if i == j or a.vertical != b.vertical:
                    continue
                c0, c1 = (0, 2) if a.vertical else (1, 3)
                lo_x, hi_x = max(a.box[c0], b.box[c0]), min(a.box[c1], b.box[c1])
                if hi_x - lo_x < 0.8 * min(a.box[c1] - a.box[c0], b.box[c1] - b.box[c0]):
                    continue
                a_lo, a_hi = _span(a.box, a.vertical)
                b_lo, b_hi = _span(b.box, b.vertical)
                if not (a_lo < b_lo and a_hi < b_hi and (a_hi >= b_lo or _faded(scene, a.box, a.vertical, a_hi, b_lo))):
                    continue
                box = _with_span(a.box, a.vertical, a_lo, b_hi)
                box = (lo_x, box[1], hi_x, box[3]) if a.vertical else (box[0], lo_x, box[2], hi_x)
                lo_piece, hi_piece = (b, a) if a.vertical else (a, b)  # image order: vertical strips run high to low
                st = _Strip(
                    box,
                    a.vertical,
                    lo_piece.ext_min,
                    hi_piece.ext_max,
                    min(a.conf, b.conf),
                    "joined across a background-coloured middle",
                    (a.outer[0], b.outer[1]),
                )
                out = [o for k, o in enumerate(out) if k not in (i, j)] + [st]
                joined = True
                break
            if joined:
                break
    return out


def _extend_panels(scene: _Scene, panels: list[Panel], bars: list[_Strip]) -> list[Panel]:
    """Run a frameless panel's blank edge on until it is centred on the colorbar beside it (:func:`_centre_on`).

    Only a colorbar without extend triangles whose two ends are both clearly
    seen is trusted for this, and the panel is never run on past the bar's own
    length (matplotlib's colorbar is as long as its axes, or shorter): the
    figure's blank margin beside a panel is not the panel's.
    """
    boxes = [b.box for b in bars]
    out = list(panels)
    for b in bars:
        near, _ = _pair(b.box, b.vertical, out, boxes)
        if len(near) != 1 or out[near[0]].framed or b.ext_min or b.ext_max or not _ends_seen(scene, b.box, b.vertical):
            continue
        p = out[near[0]]
        span = _centre_on(scene, p.box, b.vertical, b.outer_box, a_blank=True)
        bar_lo, bar_hi = _span(b.box, b.vertical)
        if span is not None and span[1] - span[0] <= bar_hi - bar_lo + 2:  # never longer than the bar it centres on
            out[near[0]] = Panel(
                _with_span(p.box, b.vertical, *span),
                False,
                p.confidence,
                p.evidence + ", blank edge run on to centre it on its colorbar",
            )
    return out


def _reading_order(boxes: list[Box]) -> list[int]:
    """Indices of boxes in reading order: rows top to bottom, then left to right."""
    idx = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    rows: list[list[int]] = []
    for i in idx:
        cy = 0.5 * (boxes[i][1] + boxes[i][3])
        for r in rows:
            ry0 = min(boxes[j][1] for j in r)
            ry1 = max(boxes[j][3] for j in r)
            if ry0 <= cy < ry1:
                r.append(i)
                break
        else:
            rows.append([i])
    rows.sort(key=lambda r: min(boxes[j][1] for j in r))
    out: list[int] = []
    for r in rows:
        out.extend(sorted(r, key=lambda j: boxes[j][0]))
    return out


def _pair(
    box: Box, vertical: bool, panels: list[Panel], all_bars: list[Box]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Panels beside a strip with no other colorbar between: the nearest ones, and the further ones."""
    x0, y0, x1, y1 = box
    cand: list[tuple[int, int]] = []  # (panel index, distance)
    for i, p in enumerate(panels):
        px0, py0, px1, py1 = p.box
        if vertical:
            ov = _overlap(py0, py1, y0, y1)
            if ov < 0.5 * min(py1 - py0, y1 - y0):
                continue
            d = x0 - px1 if px1 <= x0 + 2 else (px0 - x1 if px0 >= x1 - 2 else None)
        else:
            ov = _overlap(px0, px1, x0, x1)
            if ov < 0.5 * min(px1 - px0, x1 - x0):
                continue
            d = y0 - py1 if py1 <= y0 + 2 else (py0 - y1 if py0 >= y1 - 2 else None)
        if d is None:
            continue
        # no other colorbar between
        blocked = False
        for ob in all_bars:
            if ob == box:
                continue
            if vertical:
                lo, hi = (px1, x0) if px1 <= x0 + 2 else (x1, px0)
                if lo <= ob[0] < hi and _overlap(ob[1], ob[3], py0, py1) > 0:
                    blocked = True
            else:
                lo, hi = (py1, y0) if py1 <= y0 + 2 else (y1, py0)
                if lo <= ob[1] < hi and _overlap(ob[0], ob[2], px0, px1) > 0:
                    blocked = True
        if not blocked:
            cand.append((i, abs(d)))
    if not cand:
        return (), ()
    dmin = min(d for _, d in cand)
    near = [i for i, d in cand if d <= dmin + 0.5 * max(dmin, 10)]
    far = [i for i, d in cand if i not in near]
    return tuple(sorted(near)), tuple(sorted(far))


def _colorbars(an: _Analysis, panels: list[Panel]) -> list[Colorbar]:
    """Colorbars from the analysed strips, faded ends run on to the panel beside them, paired with panels."""
    scene = an.scene
    boxes = [st.box for st in an.strips]
    items = []
    for st in an.strips:
        box, note = st.box, st.note
        near, _ = _pair(box, st.vertical, panels, boxes)
        if near:
            around = _union([panels[i].box for i in near])
            span = _centre_on(scene, st.outer_box, st.vertical, around, a_blank=False)
            if span is not None:
                lo, hi = _span(box, st.vertical)
                o_lo, o_hi = st.outer
                if span[0] != o_lo and o_lo == lo:  # an end without a triangle runs on
                    box, note = _with_span(box, st.vertical, span[0], hi), "faded end placed to centre it on its panels"
                elif span[1] != o_hi and o_hi == hi:
                    box, note = _with_span(box, st.vertical, lo, span[1]), "faded end placed to centre it on its panels"
        items.append((box, st, note))
    order = _reading_order([it[0] for it in items])
    items = [items[i] for i in order]
    boxes = [it[0] for it in items]
    pairs = [_pair(box, st.vertical, panels, boxes) for box, st, _ in items]
    served: set[int] = set()
    for near, _ in pairs:
        served.update(near)
    out: list[Colorbar] = []
    for (box, st, note), (near, far) in zip(items, pairs):
        ext: Literal["neither", "min", "max", "both"] = (
            "both" if st.ext_min and st.ext_max else "min" if st.ext_min else "max" if st.ext_max else "neither"
        )
        extra = tuple(i for i in far if i not in served)
        ps = tuple(sorted(set(near) | set(extra)))
        ev = ("vertical" if st.vertical else "horizontal") + " strip, uniform across, smooth along"
        if ext != "neither":
            ev += f", extend triangles ({ext})"
        if note:
            ev += f", {note}"
        out.append(
            Colorbar(
                box=box,
                orientation="vertical" if st.vertical else "horizontal",
                colors=_sample_colors(scene.img, box, st.vertical),
                extend=ext,
                panels=ps,
                confidence=round(st.conf * (1.0 if ps else 0.7), 3),
                evidence=ev,
            )
        )
    return out


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def find_panels(rgb: np.ndarray) -> list[Panel]:
    """Find every panel's data area in a figure.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image (uint8, or float in [0, 1]).

    Returns
    -------
    list of Panel
        Panels in reading order: rows top to bottom, then left to right.
        Colorbars are not included.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> [panel.box for panel in find_panels(read_image("examples/field.png").rgb)]
    [(80, 40, 620, 460)]
    """
    return _analyse(rgb).panels


def find_colorbars(rgb: np.ndarray, panels: list[Panel] | None = None) -> list[Colorbar]:
    """Find every colorbar and pair it with the panels it serves.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image (uint8, or float in [0, 1]).
    panels : list of Panel, optional
        Panels from :func:`find_panels`; found again if omitted.

    Returns
    -------
    list of Colorbar
        Colorbars sorted in reading order.  ``panels`` holds indices into the
        given panel list: the adjacent panel(s) on the strip's side, plus
        further panels in the same rows/columns that no other colorbar serves
        (a colorbar shared by a grid of panels).

    Examples
    --------
    The bundled ``examples/colorbar.png`` has a horizontal colorbar under its panel:

    >>> from chromagrid.io import read_image
    >>> [(bar.box, bar.orientation) for bar in find_colorbars(read_image("examples/colorbar.png").rgb)]
    [((80, 495, 620, 511), 'horizontal')]
    """
    an = _analyse(rgb)
    return _colorbars(an, list(an.panels if panels is None else panels))


def find_layout(rgb: np.ndarray) -> tuple[list[Panel], list[Colorbar]]:
    """Find panels and colorbars in one pass.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image.

    Returns
    -------
    panels : list of Panel
    colorbars : list of Colorbar

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> panels, colorbars = find_layout(read_image("examples/field.png").rgb)
    >>> [p.box for p in panels], [(c.box, c.panels) for c in colorbars]
    ([(80, 40, 620, 460)], [((640, 40, 660, 460), (0,))])
    """
    an = _analyse(rgb)
    return an.panels, _colorbars(an, an.panels)
