"""Region stage: find the plot area (where the data is drawn) and the colorbar, as pixel boxes.

The plot area is the largest axis-aligned region whose pixels are close to the
colour scale:

1. **background**: the colour covering most of the image's border (usually
   white). Its pixels never count as data while searching, even when the
   colour scale holds that colour too (``Greys``, ``Blues``, ``rocket`` end
   near white).
2. **data pixels**: within ``max_distance`` of the scale and not background;
   thin structures (tick marks, text, outlines; under 5 pixels, or 3 when
   the cells are that small) are opened away and the connected regions
   labelled (8-connectivity).
3. **colorbars**: a long narrow region whose values change monotonically
   along its length is a colorbar; it is reported and left out.
4. **the plot area**: seeded by the largest remaining region and grown by
   regions of the same extent lying beside it within half its size (cells
   separated by gridlines, or columns of cells separated by cells of the
   background colour), then by any region within a few pixels of its box
   (a cell cut off by a thin edge); text, tick marks and other panels are
   left out.
5. **edges from ticks**: where the area's edge shows the background (a row or
   column of cells in the background's colour, an outer gridline, a frame off
   the scale), tick marks drawn just outside the axes end exactly on the
   axes' edge; when at least two of them agree, that edge is used.

Stages never read files; :func:`find_plot_box` works on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
from scipy import ndimage

from chromagrid.decode.core import DEFAULT_MAX_DISTANCE, Decoded, decode, pack_rgb, to_lab, unpack_rgb
from chromagrid.errors import ChromagridError
from chromagrid.scale.colorscale import ColorScale

Box = tuple[int, int, int, int]


class RegionNotFoundError(ChromagridError):
    """No region of the image is close to the colour scale.

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.scale import from_colormap
    >>> find_plot_box(np.full((50, 60, 3), (255, 0, 255), np.uint8), from_colormap("viridis", vmin=0, vmax=1))
    Traceback (most recent call last):
    ...
    chromagrid.find.region.RegionNotFoundError: ...
    """


@dataclass(frozen=True)
class PlotRegion:
    """Where the data is drawn.

    Attributes
    ----------
    box : (x0, y0, x1, y1)
        The plot area in image pixels (x1, y1 exclusive).
    colorbar : (x0, y0, x1, y1) or None
        The colorbar's strip when one was found.
    background : (r, g, b) or None
        The figure's background colour (the colour covering most of its border).
    background_on_scale : bool
        Whether the background colour is itself close to the colour scale (so a
        cell of that colour cannot be told from the background by colour alone).
    notes : tuple of str
        What was done (for reports): ticks used for an edge, and so on.

    Examples
    --------
    >>> region = PlotRegion(box=(80, 40, 620, 460), colorbar=(640, 40, 660, 460))
    >>> region.box, region.background, region.notes
    ((80, 40, 620, 460), None, ())
    """

    box: Box
    colorbar: Box | None = None
    background: tuple[int, int, int] | None = None
    background_on_scale: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> dict:
        """JSON-able summary."""
        return {
            "box": list(self.box),
            "colorbar": list(self.colorbar) if self.colorbar else None,
            "background": list(self.background) if self.background else None,
            "background_on_scale": self.background_on_scale,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- background
def background_color(rgb: np.ndarray, min_share: float = 0.3) -> tuple[int, int, int] | None:
    """The colour covering most of the image's one-pixel border, or None if no colour covers ``min_share``.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array
        The whole image.
    min_share : float
        The share of the border the colour must cover.

    Returns
    -------
    tuple of int or None
        (r, g, b).

    Examples
    --------
    >>> import numpy as np
    >>> from chromagrid.io import read_image
    >>> background_color(read_image("examples/field.png").rgb)
    (255, 255, 255)
    >>> background_color(np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)) is None
    True
    """
    border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])
    codes = pack_rgb(border[None])[0]
    values, counts = np.unique(codes, return_counts=True)
    k = int(np.argmax(counts))
    if counts[k] < min_share * codes.size:
        return None
    return cast(tuple[int, int, int], tuple(int(v) for v in unpack_rgb(values[k : k + 1])[0]))


def distance_to_color(rgb: np.ndarray, color) -> np.ndarray:
    """CIE76 delta E of every pixel to one colour (each distinct colour converted once)."""
    codes = pack_rgb(np.ascontiguousarray(rgb, dtype=np.uint8))
    distinct, inverse = np.unique(codes, return_inverse=True)
    lab = to_lab(unpack_rgb(distinct))
    ref = to_lab(np.asarray(color, np.uint8).reshape(1, 3))[0]
    d = np.sqrt(((lab - ref) ** 2).sum(axis=1)).astype(np.float32)
    return d[inverse.reshape(codes.shape)]


def background_tolerance(d_border: np.ndarray) -> float:
    """How far (delta E) a pixel may be from the background colour and still be background.

    From the image's own noise: twice the 90th percentile of the border pixels'
    distances below 10 (0 for a clean PNG, a few units for a JPEG), at least 1.
    """
    near = d_border[d_border < 10.0]
    return max(1.0, 2.0 * float(np.percentile(near, 90))) if near.size else 1.0


# --------------------------------------------------------------------------- components
@dataclass(frozen=True)
class _Blob:
    label: int
    y0: int
    y1: int
    x0: int
    x1: int
    area: int

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def w(self) -> int:
        return self.x1 - self.x0


def _blobs(mask: np.ndarray) -> tuple[np.ndarray, list[_Blob]]:
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if n == 0:
        return labels, []
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    blobs = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is not None:
            blobs.append(_Blob(i, sl[0].start, sl[0].stop, sl[1].start, sl[1].stop, int(areas[i])))
    return labels, blobs


def _is_colorbar(blob: _Blob, labels: np.ndarray, position: np.ndarray) -> bool:
    """A long narrow region whose values change monotonically along its length and not across it."""
    long_, short = max(blob.h, blob.w), min(blob.h, blob.w)
    if long_ < 20 or long_ < 4 * short or blob.area < 0.5 * blob.h * blob.w:
        return False
    sl = (slice(blob.y0, blob.y1), slice(blob.x0, blob.x1))
    u = np.where(labels[sl] == blob.label, position[sl], np.nan)
    if blob.w > blob.h:
        u = u.T  # -> (long, short)
    cut = short // 4
    core = u[:, cut : short - cut] if short - 2 * cut >= 1 else u
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            profile = np.nanmedian(core, axis=1)
            # a colorbar is one colour across its width; a monotonic strip of data rarely is
            across = np.nanmedian(np.nanmax(core, axis=1) - np.nanmin(core, axis=1))
    if not across <= 0.05:
        return False
    profile = profile[np.isfinite(profile)]
    if profile.size < 10 or np.ptp(profile) < 0.2:
        return False
    ranks = np.argsort(np.argsort(profile))
    rho = np.corrcoef(ranks, np.arange(profile.size))[0, 1]
    return bool(abs(rho) >= 0.9)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _grow(seed: _Blob, blobs: list[_Blob], max_gap: float) -> list[_Blob]:
    """The seed and every region linked to it: beside a member, within ``max_gap``, of the same extent."""
    group, frontier, left = [seed], [seed], [b for b in blobs if b.label != seed.label]
    while frontier:
        a = frontier.pop()
        still = []
        for b in left:
            gap_x = max(b.x0 - a.x1, a.x0 - b.x1, 0)
            gap_y = max(b.y0 - a.y1, a.y0 - b.y1, 0)
            side = gap_y == 0 and gap_x <= max_gap and _overlap(a.y0, a.y1, b.y0, b.y1) >= 0.5 * max(a.h, b.h)
            stacked = gap_x == 0 and gap_y <= max_gap and _overlap(a.x0, a.x1, b.x0, b.x1) >= 0.5 * max(a.w, b.w)
            if side or stacked:
                group.append(b)
                frontier.append(b)
            else:
                still.append(b)
        left = still
    return group


def _absorb(group: list[_Blob], blobs: list[_Blob], gap: float) -> Box:
    """The group's box, grown by every region beside it within ``gap`` pixels (cells cut off by a thin edge)."""
    labels = {b.label for b in group}
    box = [min(b.x0 for b in group), min(b.y0 for b in group), max(b.x1 for b in group), max(b.y1 for b in group)]
    changed = True
    while changed:
        changed = False
        for b in blobs:
            if b.label in labels:
                continue
            gap_x = max(b.x0 - box[2], box[0] - b.x1, 0)
            gap_y = max(b.y0 - box[3], box[1] - b.y1, 0)
            if (gap_y == 0 and gap_x <= gap) or (gap_x == 0 and gap_y <= gap):
                labels.add(b.label)
                box = [min(box[0], b.x0), min(box[1], b.y0), max(box[2], b.x1), max(box[3], b.y1)]
                changed = True
    return cast(Box, tuple(box))


# --------------------------------------------------------------------------- ticks
def _tick_edge(ink: np.ndarray, box: Box, side: str, reach: int) -> int | None:
    """The axes edge on one side from the tick marks just outside it, or None.

    Tick marks are thin dark segments perpendicular to the edge whose inner
    ends all lie on the axes' edge; at least two must agree within a pixel.
    """
    x0, y0, x1, y1 = box
    h, w = ink.shape
    if side == "left":
        lo = max(0, x0 - reach)
        strip = ink[y0:y1, lo:x1]  # ticks end toward the right
        offset, flip, inner_limit = lo, False, x0 - lo
    elif side == "right":
        hi = min(w, x1 + reach)
        strip = ink[y0:y1, x0:hi][:, ::-1]
        offset, flip, inner_limit = hi, True, hi - x1
    elif side == "top":
        lo = max(0, y0 - reach)
        strip = ink[lo:y1, x0:x1].T
        offset, flip, inner_limit = lo, False, y0 - lo
    else:
        hi = min(h, y1 + reach)
        strip = ink[y0:hi, x0:x1].T[:, ::-1]
        offset, flip, inner_limit = hi, True, hi - y1
    if strip.size == 0 or inner_limit <= 0:
        return None
    outside = strip[:, :inner_limit]
    labels, blobs = _blobs(outside)
    ticks = []
    for b in blobs:
        length, thick = b.x1 - b.x0, b.y1 - b.y0
        if length >= 3 and thick <= max(4, length // 2) and b.area >= 0.6 * length * thick:
            ticks.append((b.x1, length, 0.5 * (b.y0 + b.y1)))  # inner end (exclusive), length, centre
    if len(ticks) < 3:
        return None
    ends = np.array([t[0] for t in ticks])
    values = np.unique(ends)
    support = [np.abs(ends - v) <= 1 for v in values]
    k = int(np.argmax([m.sum() for m in support]))
    chosen = [t for t, m in zip(ticks, support[k]) if m]
    if len(chosen) < 3 or not _regular([t[2] for t in chosen]) or np.ptp([t[1] for t in chosen]) > 2:
        return None
    end = int(np.median([t[0] for t in chosen]))
    return offset + end if not flip else offset - end


def _regular(centres, tol: float = 1.5) -> bool:
    """Whether positions are spaced by whole multiples of one step (missing ticks allowed)."""
    c = np.sort(np.asarray(centres, float))
    d = np.diff(c)
    if d.size == 0 or d.min() <= 0:
        return False
    step = float(np.min(d))
    ratio = d / step
    return bool(np.all(np.abs(ratio - np.round(ratio)) * step <= tol))


def find_plot_box(
    rgb: np.ndarray,
    scale: ColorScale,
    decoded: Decoded | None = None,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    exclude=(),
    opaque: np.ndarray | None = None,
    use_ticks: bool = True,
) -> PlotRegion:
    """Find the plot area of a colour-mapped figure.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The whole image.
    scale : ColorScale
    decoded : Decoded, optional
        ``decode(rgb, scale, max_distance)`` when already computed.
    max_distance : float
        Colour distance (delta E) within which a pixel is close to the scale.
    exclude : sequence of boxes
        Boxes to leave out (a colorbar the user gave).
    opaque : (H, W) bool, optional
        False on transparent pixels.
    use_ticks : bool
        Move an edge showing the background onto the tick marks' inner ends.

    Returns
    -------
    PlotRegion

    Raises
    ------
    RegionNotFoundError
        When no pixel is close to the colour scale.

    Examples
    --------
    The plot area of ``examples/field.png`` found by the colours of its scale (the true box is
    ``(80, 40, 620, 460)``; its colorbar is found and left out):

    >>> from chromagrid.io import read_image
    >>> from chromagrid.scale import from_colormap
    >>> region = find_plot_box(read_image("examples/field.png").rgb, from_colormap("viridis", vmin=0, vmax=0.7))
    >>> [abs(a - b) <= 1 for a, b in zip(region.box, (80, 40, 620, 460))], region.background
    ([True, True, True, True], (255, 255, 255))
    """
    h, w = rgb.shape[:2]
    if decoded is None:
        decoded = decode(rgb, scale, max_distance, opaque)
    data = decoded.valid.copy()
    notes = []
    bg = background_color(rgb)
    bg_on_scale = False
    ink = None
    if bg is not None:
        d_bg = distance_to_color(rgb, bg)
        border = np.concatenate([d_bg[0], d_bg[-1], d_bg[:, 0], d_bg[:, -1]])
        tol = background_tolerance(border)
        is_bg = d_bg <= tol
        bg_on_scale = bool(decoded.valid[is_bg].mean() > 0.5) if is_bg.any() else False
        if bg_on_scale:  # JPEG ringing around the data must not pass for data of the background's colour
            noisy = decoded.distance[data & ~is_bg]
            tol = max(tol, 3.0 * float(np.median(noisy))) if noisy.size else tol
            is_bg = d_bg <= tol
        data &= ~is_bg
        ink = d_bg > max(25.0, 3 * tol)
    for ex in exclude or ():
        ex0, ey0, ex1, ey1 = (int(v) for v in ex)
        data[max(ey0, 0) : ey1, max(ex0, 0) : ex1] = False
    if not data.any():
        raise RegionNotFoundError(
            f"no pixel of the image is within delta E {max_distance:g} of the colour scale '{scale.name}' "
            "(other than the background); check the colormap, its reversal (_r), or give the box"
        )
    # thin attachments (tick marks, antialiased text, outlines) must not join or widen the regions
    for size in (5, 3):  # smaller cells need a smaller opening
        opened = ndimage.binary_opening(data, np.ones((size, size), bool))
        if opened.sum() >= 0.5 * data.sum():
            data = opened
            break
    labels, blobs = _blobs(data)
    with np.errstate(invalid="ignore"):
        position = scale.to_positions(decoded.value)
    colorbars = sorted((b for b in blobs if _is_colorbar(b, labels, position)), key=lambda b: -b.area)
    rest = [b for b in blobs if b.label not in {c.label for c in colorbars} and b.area >= 4]
    biggest_rest = max((b.area for b in rest), default=0)
    if colorbars and biggest_rest < 0.1 * colorbars[0].area and (len(colorbars) > 1 or biggest_rest == 0):
        # a heat map whose values run monotonically (a gradient) looks like a colorbar too: of two such
        # regions the bigger is the data; a lone one is the data when nothing else is there
        rest.append(colorbars.pop(0))
        notes.append("the largest region changes monotonically like a colorbar; taken as the data")
    colorbar = None
    if colorbars:
        big = colorbars[0]
        colorbar = (big.x0, big.y0, big.x1, big.y1)
        notes.append(f"colorbar found at {list(colorbar)} and left out")
    if not rest:
        raise RegionNotFoundError(
            f"no region of the image is close to the colour scale '{scale.name}' (only specks); check the "
            "colormap, its reversal (_r), or give the box"
        )
    seed = max(rest, key=lambda b: b.area)
    max_gap = max(3.0, min(0.6 * min(seed.w, seed.h), 0.1 * max(h, w)))
    group = _grow(seed, rest, max_gap)
    box = _absorb(group, rest, max(3.0, 0.01 * max(h, w)))
    if use_ticks and ink is not None:
        framed = _snap_to_frame(box, ink, d_bg)
        if framed is None:  # a blank band along the top or bottom: find the side lines first
            sideways = _snap_to_frame((box[1], box[0], box[3], box[2]), ink.T, d_bg.T)
            framed = (sideways[1], sideways[0], sideways[3], sideways[2]) if sideways is not None else None
        if (
            framed is not None
            and colorbar is not None
            and _overlap(framed[0], framed[2], colorbar[0], colorbar[2])
            and _overlap(framed[1], framed[3], colorbar[1], colorbar[3])
        ):
            framed = None  # the "frame" runs round the colorbar too: not the axes' frame
        if framed is not None and framed != tuple(box):
            notes.append(f"area {list(box)} moved onto the axes frame {list(framed)}")
        box = framed if framed is not None else _snap_to_ticks(box, ink, is_bg, notes)
    return PlotRegion(
        box=cast(Box, tuple(int(v) for v in box)),
        colorbar=colorbar,
        background=bg,
        background_on_scale=bg_on_scale,
        notes=tuple(notes),
    )


def _snap_to_ticks(box: Box, ink: np.ndarray, is_bg: np.ndarray, notes: list) -> Box:
    """Move each edge outward onto the inner ends of the tick marks beside it.

    Only across a band of background pixels (cells of the background's colour)
    or across at most 3 pixels (an outer gridline or a frame).
    """
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    out = list(box)
    for side, index, reach in (
        ("left", 0, max(20, bw // 5)),
        ("top", 1, max(20, bh // 5)),
        ("right", 2, max(20, bw // 5)),
        ("bottom", 3, max(20, bh // 5)),
    ):
        edge = _tick_edge(ink, box, side, reach)
        if edge is None:
            continue
        outward = edge < box[index] if side in ("left", "top") else edge > box[index]
        if not outward:
            continue
        lo, hi = sorted((edge, box[index]))
        band = is_bg[y0:y1, lo:hi] if side in ("left", "right") else is_bg[lo:hi, x0:x1]
        if hi - lo <= 3 or (band.size and band.mean() >= 0.97):
            notes.append(f"{side} edge moved from {box[index]} to {edge} onto the tick marks")
            out[index] = edge
    return cast(Box, tuple(out))


def _uniform(d_bg_line: np.ndarray, share: float) -> bool:
    """Whether a line of pixels is one colour, as a frame line is (a row of data rarely is).

    ``share`` of its pixels lie within 15 % (or 5 delta E) of the line's median
    distance to the background colour.
    """
    median = float(np.median(d_bg_line))
    return bool(np.mean(np.abs(d_bg_line - median) <= max(5.0, 0.15 * median)) >= share)


def _snap_to_frame(box: Box, ink: np.ndarray, d_bg: np.ndarray, share: float = 0.9) -> Box | None:
    """The outer edges of an axes frame around the area, when its four lines close a rectangle.

    The top and bottom lines are the first rows, from the area's edges outward
    (up to a fifth of its height), that are ink along ``share`` of the area's
    width; their runs of ink give the frame's left and right ends (so cells
    of the background's colour along the sides are inside it); the columns
    there must be ink along ``share`` of the frame's height. Without a closed
    rectangle (no frame, or the outline of a colorbar beside the area) the
    answer is None.
    """
    x0, y0, x1, y1 = box
    h, w = ink.shape
    reach = max(20, (y1 - y0) // 5)

    def first(rows):
        for r in rows:
            if 0 <= r < h and ink[r, x0:x1].mean() >= share and _uniform(d_bg[r, x0:x1], share):
                return r
        return None

    top = first(range(y0 + 2, y0 - reach - 1, -1))
    bottom = first(range(y1 - 3, y1 + reach))
    if top is None or bottom is None or bottom - top < 4:
        return None
    # the lines' outer edges: neighbouring rows as dark as the line found (not its antialiased fringe)
    level = 0.6 * float(np.median(np.concatenate([d_bg[top, x0:x1], d_bg[bottom, x0:x1]])))
    strong = d_bg >= level
    while top > 0 and strong[top - 1, x0:x1].mean() >= share:
        top -= 1
    while bottom + 1 < h and strong[bottom + 1, x0:x1].mean() >= share:
        bottom += 1
    middle = (x0 + x1) // 2
    ends = []
    for r in (top, bottom):
        row = strong[r]
        if not row[middle]:
            return None
        gaps_left = np.flatnonzero(~row[:middle])
        gaps_right = np.flatnonzero(~row[middle:])
        ends.append((gaps_left[-1] + 1 if gaps_left.size else 0, middle + gaps_right[0] if gaps_right.size else w))
    # the side lines: from the rows' ends inward (a tick mark on the top or bottom line can make the row
    # run past the side line), the first columns that are one line over the frame's height
    left_end, right_end = min(e[0] for e in ends), max(e[1] for e in ends) - 1

    def side(columns):
        for c in columns:
            line = slice(top, bottom + 1), c
            if ink[line].mean() >= share and _uniform(d_bg[line], share):
                return c
        return None

    left = side(range(left_end, x0 + 3))  # a frame holds the whole area
    right = side(range(right_end, x1 - 4, -1))
    if left is None or right is None:
        return None
    return int(left), int(top), int(right) + 1, int(bottom) + 1
