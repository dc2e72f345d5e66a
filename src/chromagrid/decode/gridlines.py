"""Gridlines stage: straight lines of one colour drawn across the whole plot box.

Many matplotlib styles (``ggplot``, ``seaborn``, ``bmh``, ``fivethirtyeight``,
``Solarize_Light2``, ``*-whitegrid``) draw the axes grid *over* an image:
white or grey lines, a pixel or two wide, across the whole box at the ticks,
which with integer ticks on ``imshow`` run through the cells' centres. Their
pixels decode to wrong values where the scale holds their colour (white on
``Greys``, ``Blues``, ``YlGnBu``) and to no data elsewhere, and their
anti-aliased edges to values in between.

:func:`find_gridlines` finds the rows and columns of the box that are one
colour along (almost) their whole length, in bands at most
:data:`~chromagrid.decode.frame.MAX_LINES` wide that stand out from the data on both
sides, with the line next to each side of a band when it is blended towards
the band's colour (:func:`chromagrid.decode.frame.blend_share`). Those lines are no data
while the data around them is cleaned and smoothed; :meth:`Gridlines.fill`
then interpolates across them from the lines on either side. The box's
outermost lines are the frame's (:mod:`chromagrid.decode.frame`), not gridlines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chromagrid.decode.core import NEUTRAL_CHROMA, nearest_on_scale, to_lab
from chromagrid.decode.frame import (
    LOSSY_TOLERANCE,
    MAX_LINES,
    MIN_BLEND,
    SHARE,
    TOLERANCE,
    Box,
    blend_share,
    interpolate_across,
    one_colour,
)
from chromagrid.scale.colorscale import ColorScale

#: Lines read at a time when measuring how uniform each row and column is, and the step between the
#: pixels of a line measured (a gridline is one colour all along: a sample tells).
_BLOCK = 256
_SAMPLE_STEP = 4
#: A line colour this far (CIE76 delta E) from the scale is off it.
OFF_SCALE = 5.0


@dataclass(frozen=True)
class Gridlines:
    """Rows and columns (indices in the box) covered by gridlines and their blended edges.

    Examples
    --------
    >>> Gridlines(rows=(20, 21), cols=(40,)).rows
    (20, 21)
    """

    rows: tuple[int, ...] = ()
    cols: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows or self.cols)

    def within(self, row0: int, col0: int, shape: tuple[int, int]) -> Gridlines:
        """The gridlines of a window of the box starting at (``row0``, ``col0``), in its own indices."""
        return Gridlines(
            tuple(r - row0 for r in self.rows if 0 <= r - row0 < shape[0]),
            tuple(c - col0 for c in self.cols if 0 <= c - col0 < shape[1]),
        )

    def covered(self, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool: the pixels on a gridline."""
        mask = np.zeros(shape, bool)
        mask[list(self.rows)] = True
        mask[:, list(self.cols)] = True
        return mask

    def fill(self, grid: np.ndarray) -> np.ndarray:
        """A copy of ``grid`` with the covered rows, then columns, interpolated linearly from the nearest
        lines on either side (or taken from the one side that has a value)."""
        out = interpolate_across(grid, self.rows) if self.rows else grid.copy()
        return interpolate_across(out.T, self.cols).T.copy() if self.cols else out


def _line_stats(rgb, box: Box, axis: int, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row (``axis`` 0) or column (1) of the box: the median colour of every :data:`_SAMPLE_STEP`-th
    pixel and the share of those within ``tolerance`` of it. Read in blocks of lines, so a tiled image is
    never loaded whole."""
    x0, y0, x1, y1 = box
    start, stop = (y0, y1) if axis == 0 else (x0, x1)
    medians, shares = [], []
    for a in range(start, stop, _BLOCK):
        b = min(a + _BLOCK, stop)
        block = np.asarray(rgb[a:b, x0:x1] if axis == 0 else rgb[y0:y1, a:b])[..., :3]
        sample = (block[:, ::_SAMPLE_STEP] if axis == 0 else block[::_SAMPLE_STEP].swapaxes(0, 1)).astype(np.float32)
        median = np.median(sample, axis=1)
        medians.append(median)
        shares.append(np.mean(np.abs(sample - median[:, None]).max(axis=-1) <= tolerance, axis=1))
    return np.concatenate(medians), np.concatenate(shares)


def _line(rgb, box: Box, axis: int, index: int) -> np.ndarray:
    x0, y0, x1, y1 = box
    line = rgb[y0 + index : y0 + index + 1, x0:x1] if axis == 0 else rgb[y0:y1, x0 + index : x0 + index + 1]
    return np.asarray(line, np.float32)[..., :3].reshape(-1, 3)


def _axis_lines(rgb, box: Box, axis: int, tolerance: float, scale: ColorScale) -> list[int]:
    medians, shares = _line_stats(rgb, box, axis, tolerance)
    n = len(shares)
    uniform = shares >= SHARE
    lines: list[int] = []
    i = 1  # the outermost lines are the frame's
    while i < n - 1:
        if not uniform[i]:
            i += 1
            continue
        j = i
        while j < n - 1 and uniform[j] and np.abs(medians[j] - medians[i]).max() <= tolerance:
            j += 1
        band, colour = range(i, j), medians[i]
        i = j
        if len(band) > MAX_LINES or band.start < 3 or band.stop > n - 3 or not _line_colour(colour, scale):
            continue
        edges = []
        for edge, beyond in ((band.start - 1, band.start - 2), (band.stop, band.stop + 1)):
            line, past = _line(rgb, box, axis, edge), _line(rgb, box, axis, beyond)
            blended = blend_share(line, past, colour) >= MIN_BLEND
            if one_colour(past if blended else line, colour, tolerance, share=0.5):
                break  # the data beside it is of its colour: a band of data or background, not a line over it
            if blended:
                edges.append(edge)
        else:
            lines.extend([*band, *edges])
    return sorted(lines)


def _line_colour(colour: np.ndarray, scale: ColorScale) -> bool:
    """Whether ``colour`` can be a gridline's: neutral (white, grey or black, as every matplotlib style
    draws them) or off the scale. A line of a chromatic colour of the scale is data (a field's value
    constant along a row, as at the zero line of a product of sines)."""
    rgb8 = np.clip(np.rint(colour), 0, 255).astype(np.uint8)[None]
    lab = to_lab(rgb8)[0]
    _, distance = nearest_on_scale(rgb8, scale)
    return bool(np.hypot(lab[1], lab[2]) < NEUTRAL_CHROMA or distance[0] > OFF_SCALE)


def find_gridlines(rgb, box: Box, scale: ColorScale, lossy: bool = False) -> Gridlines:
    """The gridlines drawn across ``box``: rows and columns of one colour along (almost) their whole length.

    Parameters
    ----------
    rgb : (H, W, 3 or 4) array-like
        The whole image (read in blocks of lines).
    box : (x0, y0, x1, y1)
    scale : ColorScale
        A line of a colour on the scale that is not neutral is data, not a gridline.
    lossy : bool
        The image is a JPEG: a line's colour varies more along it.

    Returns
    -------
    Gridlines
        Row and column indices within the box (empty when there are none).

    Examples
    --------
    White lines drawn across a magma field at row 20 and column 40 of the box:

    >>> import numpy as np
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("magma", vmin=0, vmax=1)
    >>> y, x = np.mgrid[0:60, 0:80] / 80
    >>> rgb = scale.colors_for(0.2 + 0.6 * x * (1 - y / 2))
    >>> rgb[20] = 255
    >>> rgb[:, 40] = 255
    >>> lines = find_gridlines(rgb, (0, 0, 80, 60), scale)
    >>> 20 in lines.rows, 40 in lines.cols
    (True, True)
    """
    tolerance = LOSSY_TOLERANCE if lossy else TOLERANCE
    return Gridlines(
        tuple(_axis_lines(rgb, box, 0, tolerance, scale)), tuple(_axis_lines(rgb, box, 1, tolerance, scale))
    )
