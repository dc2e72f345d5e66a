"""Frame stage: the axes frame matplotlib draws over the outermost lines of a plot box.

The frame is a line of one colour along each edge of the axes, drawn over the
data's outermost one or two pixels (or just outside them); its anti-aliased
edge blends the frame's colour into the next line of data. Those lines would
decode to wrong values wherever the scale holds the frame's colour (``Greys``,
``magma``'s near-black end). :func:`find_frame` measures, per side, the lines
the frame covers and how far the next line is blended; :class:`Frame` then
restores the blended line's colours (before decoding) and gives the covered
lines the values of the first line inside them (after decoding). Tick marks
drawn inward from the frame are found too, and interpolated across.

Only the lines along the box's edges are read, so the tiled path finds the
frame of a very large figure without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]

#: A frame covers at most this many full lines inside the box (a thicker band of one colour is data or
#: background, not a frame).
MAX_LINES = 3
#: A line is the frame's when this share of its pixels is within ``TOLERANCE`` (0-255, any channel) of the
#: frame's colour; ``LOSSY_TOLERANCE`` in JPEG figures, for the ringing along a dark line next to bright data.
SHARE = 0.9
TOLERANCE = 8
LOSSY_TOLERANCE = 40
#: The line inside the frame is its anti-aliased edge when its pixels moved a share of at least ``MIN_BLEND``
#: of the way towards the frame's colour, the same share all along (interquartile range at most
#: ``BLEND_SPREAD`` times the median), measured where the line beyond is ``CONTRAST`` (0-255) from the frame.
#: A share of a half or more makes it a line of the frame.
MIN_BLEND = 0.03
BLEND_SPREAD = 1.5
CONTRAST = 30.0
#: :meth:`Frame.unblend`: a restored colour within this (0-255, any channel) of the pixel inside it is that colour.
SAME_COLOUR = 2.0
#: Tick marks drawn inward from the frame (``direction="in"``, the ``classic`` style): runs of pixels blended
#: at least ``TICK_BLEND`` of the way towards the frame's colour, 2 to ``MAX_TICK`` pixels long, at most
#: ``TICK_WIDTH`` pixels wide.
MAX_TICK = 16
TICK_WIDTH = 3
TICK_BLEND = 0.3

Tick = tuple[int, int, int]  # positions [start, stop) along a side, and the lines from the edge it covers


@dataclass(frozen=True)
class Frame:
    """The axes frame along a box's edges; each tuple is (top, bottom, left, right).

    Attributes
    ----------
    lines : tuple of int
        Lines inside the box the frame covers, counted from each edge.
    blend : tuple of float
        The share of the frame's colour in the next line (its anti-aliased edge); 0 when not blended.
    colour : tuple of (r, g, b)
        The frame's colour on each side.
    ticks : tuple of tuples of (start, stop, depth)
        Tick marks drawn inward from each side: positions along the side (columns for top and bottom,
        rows for left and right) and how many lines from the edge they cover, their blended tips included.

    Examples
    --------
    >>> Frame().lines, Frame(lines=(1, 1, 1, 1)).lines
    ((0, 0, 0, 0), (1, 1, 1, 1))
    """

    lines: tuple[int, ...] = (0, 0, 0, 0)
    blend: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    colour: tuple[tuple[float, ...], ...] = ((0.0, 0.0, 0.0),) * 4
    ticks: tuple[tuple[Tick, ...], ...] = ((), (), (), ())

    def __bool__(self) -> bool:
        return any(self.lines) or any(self.blend) or any(self.ticks)

    def within(self, row0: int, col0: int, shape: tuple[int, int], box_shape: tuple[int, int]) -> Frame:
        """The frame of a window of the box starting at (``row0``, ``col0``): the sides it shares with the
        box, tick positions in its own indices."""
        keep = (row0 == 0, row0 + shape[0] == box_shape[0], col0 == 0, col0 + shape[1] == box_shape[1])
        offsets = (col0, col0, row0, row0)
        return Frame(
            tuple(n if k else 0 for n, k in zip(self.lines, keep)),
            tuple(b if k else 0.0 for b, k in zip(self.blend, keep)),
            self.colour,
            tuple(
                tuple((a - o, b - o, d) for a, b, d in ticks) if k else ()
                for ticks, k, o in zip(self.ticks, keep, offsets)
            ),
        )

    def _views(self, grid: np.ndarray):
        """(lines covered, blend, colour, view of ``grid`` with that side's edge first) per side."""
        views = (grid, grid[::-1], grid.swapaxes(0, 1), grid[:, ::-1].swapaxes(0, 1))
        return zip(self.lines, self.blend, self.colour, views)

    def _tick_views(self, grid: np.ndarray):
        """(start, stop, depth, view with that side's edge first) per tick mark, positions clipped to it."""
        for ticks, (_, _, _, view) in zip(self.ticks, self._views(grid)):
            for a, b, depth in ticks:
                a, b = max(a, 0), min(b, view.shape[1])
                if a < b:
                    yield a, b, depth, view

    def blend_covered(self) -> Frame:
        """The frame with each blended edge line counted as covered (for JPEG, where restoring it would
        amplify the compression noise and the frame's ringing)."""
        return Frame(tuple(n + (b > 0) for n, b in zip(self.lines, self.blend)), (0.0,) * 4, self.colour, self.ticks)

    def unblend(self, rgb: np.ndarray) -> np.ndarray:
        """The box's (H, W, 3) uint8 colours with each anti-aliased edge line's own colours restored.

        A blended pixel is ``b f + (1 - b) c`` for the frame's colour ``f``; this returns ``c``, or the
        colour of the pixel inside it where that is within ``SAME_COLOUR`` of ``c`` (the same colour, but
        for the rounding of the blend's 8 bits: on a flat stretch of a scale one level is several colours).
        """
        if not any(self.blend):
            return rgb
        out = rgb.copy()
        for n, b, f, view in self._views(out):
            if b > 0 and n + 1 < view.shape[0]:
                own = (view[n].astype(np.float32) - b * np.asarray(f, np.float32)) / (1.0 - b)
                inside = view[n + 1]
                same = np.abs(own - inside).max(axis=-1) <= SAME_COLOUR
                view[n] = np.where(same[:, None], inside, np.clip(np.rint(own), 0, 255).astype(np.uint8))
        return out

    def paint(self, colours: np.ndarray, frame_colours) -> np.ndarray:
        """A copy of the box's (H, W, 3) ``colours`` as they were drawn: the covered lines in the frame's
        colour (``frame_colours``, per side, in the same colour space), each blended line blended."""
        out = colours.copy()
        for (n, b, _, view), f in zip(self._views(out), frame_colours):
            f = np.asarray(f, out.dtype)
            view[:n] = f
            if b > 0 and n < view.shape[0]:
                view[n] = b * f + (1.0 - b) * view[n]
        return out  # (tick marks stay unpainted: their blended edges are not modelled)

    def covered(self, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool: the pixels of a box of ``shape`` under the frame's lines."""
        mask = np.zeros(shape, bool)
        for n, _, _, view in self._views(mask):
            view[:n] = True
        for a, b, depth, view in self._tick_views(mask):
            view[:depth, a:b] = True
        return mask

    def fill(self, grid: np.ndarray) -> np.ndarray:
        """A copy of ``grid`` whose covered lines take the values of the first line inside them."""
        h, w = grid.shape[:2]
        top, bottom, left, right = self.lines
        if not (any(self.lines) or any(self.ticks)) or top + bottom >= h or left + right >= w:
            return grid
        out = grid.copy()
        for a, b, depth, view in self._tick_views(out):  # across each tick mark, from its two sides
            view[:depth] = interpolate_across(view[:depth].swapaxes(0, 1), range(a, b)).swapaxes(0, 1)
        for n, _, _, view in self._views(out):
            view[:n] = view[n]
        return out


def _edge_lines(rgb, box: Box, depth: int):
    """Per side: the line just outside ``box`` (None at the image's edge) and ``depth`` lines inside it,
    outermost first, as (n, 3) float32 arrays."""
    x0, y0, x1, y1 = box
    height, width = rgb.shape[:2]
    depth = min(depth, y1 - y0, x1 - x0)

    def rows(a: int, b: int) -> np.ndarray:
        return np.asarray(rgb[a:b, x0:x1], np.float32)[..., :3]

    def cols(a: int, b: int) -> np.ndarray:
        return np.asarray(rgb[y0:y1, a:b], np.float32)[..., :3].swapaxes(0, 1)

    yield (rows(y0 - 1, y0)[0] if y0 > 0 else None), rows(y0, y0 + depth)
    yield (rows(y1, y1 + 1)[0] if y1 < height else None), rows(y1 - depth, y1)[::-1]
    yield (cols(x0 - 1, x0)[0] if x0 > 0 else None), cols(x0, x0 + depth)
    yield (cols(x1, x1 + 1)[0] if x1 < width else None), cols(x1 - depth, x1)[::-1]


def one_colour(line: np.ndarray, colour: np.ndarray, tolerance: float, share: float = SHARE) -> bool:
    """Whether ``share`` of the (n, 3) ``line``'s pixels are within ``tolerance`` (any channel) of ``colour``."""
    return bool(np.mean(np.abs(line - colour).max(axis=-1) <= tolerance) >= share)


def interpolate_across(grid: np.ndarray, rows) -> np.ndarray:
    """A copy of ``grid`` whose ``rows`` are interpolated linearly from the nearest other rows on either
    side (or taken from the one side there is, or that has a value)."""
    out = np.array(grid, copy=True)
    covered = np.zeros(out.shape[0], bool)
    covered[list(rows)] = True
    free = np.flatnonzero(~covered)
    if free.size == 0:
        return out
    for r in rows:
        at = np.searchsorted(free, r)
        before = free[at - 1] if at > 0 else None
        after = free[at] if at < free.size else None
        if before is None or after is None:
            out[r] = out[before if after is None else after]
            continue
        t = (r - before) / (after - before)
        a, b = out[before], out[after]
        out[r] = np.where(np.isnan(a), b, np.where(np.isnan(b), a, (1 - t) * a + t * b))
    return out


def blend_share(line: np.ndarray, beyond: np.ndarray, colour: np.ndarray) -> float:
    """How far ``line`` is blended from ``beyond`` towards ``colour``, the same all along (0: not blended)."""
    towards = colour - beyond
    norm2 = np.einsum("ij,ij->i", towards, towards)
    use = norm2 >= CONTRAST**2
    if np.count_nonzero(use) < 0.25 * use.size:
        return 0.0
    share = np.einsum("ij,ij->i", line - beyond, towards)[use] / norm2[use]
    q1, median, q3 = np.percentile(share, [25, 50, 75])
    return float(median) if median >= MIN_BLEND and q3 - q1 <= BLEND_SPREAD * median else 0.0


def _towards(pixels: np.ndarray, beside: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Whether ``pixels`` are at least ``TICK_BLEND`` of the way from ``beside`` to ``colour`` (which is at
    least ``CONTRAST`` from ``beside``)."""
    towards = colour - beside
    norm2 = np.einsum("...k,...k->...", towards, towards)
    share = np.einsum("...k,...k->...", pixels - beside, towards) / np.maximum(norm2, 1e-6)
    return (share >= TICK_BLEND) & (norm2 >= CONTRAST**2)


def _ticks(inside: np.ndarray, n: int, colour: np.ndarray, ends: tuple[int, int]) -> tuple[Tick, ...]:
    """Tick marks drawn inward from a frame of ``colour`` covering ``n`` lines: narrow runs of pixels
    blended at least ``TICK_BLEND`` of the way from the data on *both* sides of them (2 pixels away along
    the side) towards the frame's colour, from line ``n`` inward, 2 to ``MAX_TICK`` pixels long, with a
    pixel of blended edge around each (ticks thinner than a pixel are never the frame's full colour).
    ``ends`` are the lines the frame covers on the two perpendicular sides, where the positions along this
    side start and end."""
    lines = inside[n:]
    if len(lines) < 2 or lines.shape[1] < ends[0] + ends[1] + 8:
        return ()
    near: np.ndarray = np.zeros(lines.shape[:2], bool)  # (lines, positions): blended towards the frame from both sides
    before = _towards(lines[:, 2:-2], lines[:, :-4], colour)
    after = _towards(lines[:, 2:-2], lines[:, 4:], colour)
    near[:, 2:-2] = before & after
    # next to the perpendicular sides' frame lines only the side away from them can tell
    a, b = ends[0] + 2, near.shape[1] - ends[1] - 2
    near[:, 2:a] = after[:, : a - 2]
    near[:, b:-2] = before[:, b - 2 :]
    run = np.argmin(np.vstack([near, np.zeros((1, near.shape[1]), bool)]), axis=0)  # frame colour from line n
    marked = (run >= 2) & (run <= MAX_TICK)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], marked.astype(np.int8), [0]])))
    ticks = []
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a <= TICK_WIDTH and not (run[max(a - 2, 0) : b + 2] > MAX_TICK).any():
            ticks.append((int(a) - 1, int(b) + 1, n + int(run[a:b].max()) + 1))
    return _regular(ticks)


def _regular(ticks: list[Tick]) -> tuple[Tick, ...]:
    """The tick marks that come in sets of at least 3 of one length (within a pixel) at regular spacing
    (every gap a whole number of the set's smallest gap, within 2 pixels): dark data in small cells along
    the edge also makes short narrow runs, but not in such sets."""
    kept: list[Tick] = []
    by_length = sorted(ticks, key=lambda t: t[2])
    groups, group = [], by_length[:1]
    for tick in by_length[1:]:
        if tick[2] - group[-1][2] <= 1:
            group.append(tick)
        else:
            groups.append(group)
            group = [tick]
    groups.append(group)
    for group in groups:
        if len(group) < 3:
            continue
        centres = np.sort([(a + b) / 2 for a, b, _ in group])
        gaps = np.diff(centres)
        step = gaps.min()
        if step >= 4 and np.all(np.abs(gaps - step * np.rint(gaps / step)) <= 2):
            kept.extend(group)
    return tuple(sorted(kept))


def _side(outside: np.ndarray | None, inside: np.ndarray, tolerance: float) -> tuple[int, float, np.ndarray]:
    """(lines covered, blend of the next line, frame colour) on one side."""
    colour = np.median(inside[0], axis=0)
    n = 0
    while n < len(inside) and one_colour(inside[n], colour, tolerance):
        n += 1
    if n == 0:  # the frame may lie just outside the box, its anti-aliased edge on the box's first line
        if outside is None or not one_colour(outside, colour := np.median(outside, axis=0), tolerance):
            return 0, 0.0, colour
    while n + 2 <= len(inside) and blend_share(inside[n], inside[n + 1], colour) >= 0.5:
        n += 1  # mostly frame: a line of it that is not one colour (JPEG)
    if n > MAX_LINES or n + 3 > len(inside) or not stands_out(colour, inside[n + 1], inside[n + 2]):
        return 0, 0.0, colour
    return n, blend_share(inside[n], inside[n + 1], colour), colour


def stands_out(colour: np.ndarray, line: np.ndarray, next_line: np.ndarray) -> bool:
    """Whether a frame of ``colour`` is a step from the data (``line``, then ``next_line`` inward), not the
    data's own colour or gradient: ``CONTRAST`` from it pixel by pixel and from its median colour, and
    three times the change from line to line."""
    step = np.median(np.abs(line - colour).max(axis=-1))
    change = np.median(np.abs(next_line - line).max(axis=-1))
    apart = np.abs(np.median(line, axis=0) - colour).max()
    return bool(min(step, apart) >= CONTRAST and step >= 3.0 * change)


def find_frame(rgb, box: Box, lossy: bool = False) -> Frame:
    """The axes frame along the edges of ``box``: the lines it covers and its blended edge, per side.

    Parameters
    ----------
    rgb : (H, W, 3 or 4) array-like
        The whole image; only the lines along the box's edges are read.
    box : (x0, y0, x1, y1)
        The plot box (x1, y1 exclusive).
    lossy : bool
        The image is a JPEG: a frame line's colour varies more along it.

    Returns
    -------
    Frame
        Empty (no lines, no blend) on sides without a frame line.

    Examples
    --------
    The bundled ``examples/field.png``: matplotlib's black frame covers the top and left lines of the
    plot box, and blends about 6 % into the line inside it on every side:

    >>> from chromagrid.io import read_image
    >>> frame = find_frame(read_image("examples/field.png").rgb, (80, 40, 620, 460))
    >>> frame.lines, [round(b, 2) for b in frame.blend]
    ((1, 0, 1, 0), [0.06, 0.06, 0.06, 0.06])
    """
    tolerance = LOSSY_TOLERANCE if lossy else TOLERANCE
    edges = list(_edge_lines(rgb, box, MAX_LINES + MAX_TICK + 3))
    sides = [_side(outside, inside[: MAX_LINES + 3], tolerance) for outside, inside in edges]
    covers = [n + (blend > 0) for n, blend, _ in sides]
    ends = ((covers[2], covers[3]), (covers[2], covers[3]), (covers[0], covers[1]), (covers[0], covers[1]))
    ticks = tuple(
        _ticks(inside, n, colour, end) if n or blend else ()
        for (n, blend, colour), (_, inside), end in zip(sides, edges, ends)
    )
    return Frame(
        tuple(n for n, _, _ in sides),
        tuple(b for _, b, _ in sides),
        tuple(tuple(float(v) for v in c) for _, _, c in sides),
        ticks,
    )
