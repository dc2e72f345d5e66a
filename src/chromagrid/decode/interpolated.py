"""Resampled renderings: give back the margins that data-stage interpolation takes off masked areas.

When ``imshow`` resamples the data itself (``interpolation="bilinear"`` and the
like with ``interpolation_stage="data"``), every output pixel whose
interpolation stencil touches a masked (NaN) source cell is transparent. Along
every masked edge the drawn data therefore stop at the centre of the last
valid source cell: each valid area loses half a source cell on every masked
side, and the cells at its edge show the background at their centre.

This stage puts those margins back, from the decoded values alone:

1. :func:`plain_background`: the no-data pixels that show the plain background
   (the commonest colour deep inside the no-data areas), not lines, text or
   the frame;
2. :func:`source_spacing`: the source grid's cell size along each axis. The
   edges between data and background lie on a lattice one source cell apart,
   in a resampled rendering (at the cells' centres) as in a nearest-neighbour
   one (at the cells' edges); its period is where the edge positions line up
   best (the mean resultant length of their histogram, read off an FFT). A
   nearest-neighbour rendering is piecewise constant: its values step at the
   lattice, a resampled rendering's do not. Only for the latter is a spacing
   returned, and only when the lattice is clear;
3. :func:`grow_margins`: extend the values into the background pixels next to
   data, nearest neighbour, by up to half the spacing along each axis (along
   rows, then along columns: a rectangle, so corners are filled too), only
   through background pixels, so never across lines or text.

:func:`restore_margins` chains the three.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from chromagrid.decode.core import pack_rgb, unpack_rgb

#: Smallest source cell (px) looked for: below it the lost margin is at most 2 px, and a lattice of
#: rounded pixel positions is no longer clear.
MIN_SPACING = 4.0
#: The box must hold at least this many source cells along an axis for its spacing to be measured.
MIN_CELLS = 4
#: Least number of distinct pixel positions of data/background edges along an axis.
MIN_EDGE_POSITIONS = 6
#: Least mean resultant length of the edge positions on the lattice (1: all exactly on it).
MIN_COHERENCE = 0.8
#: Among lattice periods that fit almost as well as the best (this share of its coherence) the longest
#: is taken: a lattice also fits at a half or a third of its period.
NEAR_BEST = 0.9
#: Value steps at the lattice this many times larger than between lattice points mean a piecewise-constant
#: (nearest-neighbour) rendering, which has no lost margin.
MAX_STEP_CONTRAST = 2.0
#: Width (px) of the erosion that finds the background's colour away from lines, text and the frame.
DEEP = 5
#: Zero padding of the edge histogram's FFT (frequency steps of 1 / (PAD * length)).
PAD = 8
#: :func:`plain_background`'s colour tolerance for JPEG figures (per RGB channel, 0-255).
LOSSY_TOLERANCE = 48


def plain_background(rgb: np.ndarray, nodata: np.ndarray, tolerance: int = 0) -> np.ndarray:
    """The no-data pixels that show the plain background colour.

    The background colour is the commonest colour of the no-data pixels that
    lie at least ``DEEP // 2`` pixels inside a no-data area, so thin lines,
    text and the axes frame do not count.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The box's pixels.
    nodata : (H, W) bool
        Pixels that got no value.
    tolerance : int
        Largest difference per RGB channel from the background colour (0 for
        lossless images; some tens for JPEG).

    Returns
    -------
    (H, W) bool
        No-data pixels of the background colour (all False when no area is
        wide enough to tell it).
    """
    nodata = np.asarray(nodata, dtype=bool)
    deep = ndimage.minimum_filter(nodata.view(np.uint8), size=DEEP, mode="constant", cval=0)
    where = np.flatnonzero(deep)
    if not len(where):
        return np.zeros_like(nodata)
    colours = rgb.reshape(-1, 3)[where[:: max(1, len(where) // 200_000)]]  # the commonest colour, from a sample
    values, counts = np.unique(pack_rgb(colours), return_counts=True)
    colour = unpack_rgb(values[np.argmax(counts)])
    close = nodata.copy()
    for channel, level in enumerate(int(c) for c in colour):
        close &= rgb[..., channel] >= max(level - tolerance, 0)
        close &= rgb[..., channel] <= min(level + tolerance, 255)
    return close


#: Position (pixel edge) of the first entry of :func:`_edge_histogram`.
EDGE_FIRST = 3


def _edge_histogram(valid: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per position ``x`` (the pixel edge between columns x - 1 and x) from x = :data:`EDGE_FIRST` on: how
    many rows have background on one side and at least 3 pixels of data on the other (so lines and the
    frame decoded as data do not count)."""
    data = valid[:, :-2] & valid[:, 1:-1] & valid[:, 2:]  # data at j, j + 1 and j + 2
    edges = (data[:, :-3] & background[:, 3:-2]) | (background[:, 2:-3] & data[:, 3:])
    return edges.sum(axis=0).astype(np.float64)


def _lattice(histogram: np.ndarray, first: float = 0.0) -> tuple[float, float, float] | None:
    """(period, offset, coherence) of the lattice ``offset + k * period`` the positions of ``histogram``
    (index i = position ``first + i``) line up on best, or None when there is no period to look for.

    The coherence at frequency f is the mean resultant length
    ``|sum h(x) exp(-2 pi i f x)| / sum h(x)``, 1 when every position is on the
    lattice, read off a zero-padded FFT, with the edge counts as weights. A
    lattice fits at a half or a third of its period too, so the longest period
    whose coherence is within ``NEAR_BEST`` of the best one's wins, provided
    it is also within ``NEAR_BEST`` of it with every position that has an
    edge counted once (so a few long straight edges cannot make a multiple of
    the period fit).
    """
    n = len(histogram)
    if n < MIN_CELLS * MIN_SPACING or histogram.sum() == 0:
        return None
    freq = np.fft.rfftfreq(PAD * n)
    spectra = [np.fft.rfft(h, n=PAD * n) for h in (histogram, (histogram > 0).astype(np.float64))]
    coherence, distinct = (np.abs(f) / f[0].real for f in spectra)
    band = (freq >= MIN_CELLS / n) & (freq <= 1.0 / MIN_SPACING)
    peaks, _ = signal.find_peaks(np.where(band, coherence, 0.0))
    peaks = peaks[band[peaks]]
    if not len(peaks):
        return None
    best = peaks[np.argmax(coherence[peaks])]
    fits = (coherence[peaks] >= NEAR_BEST * coherence[best]) & (distinct[peaks] >= NEAR_BEST * distinct[best])
    pick = peaks[fits][0]  # lowest frequency: longest period
    period = 1.0 / freq[pick]
    offset = (first - np.angle(spectra[0][pick]) * period / (2 * np.pi)) % period
    return float(period), float(offset), float(coherence[pick])


def _step_contrast(value: np.ndarray, period: float, offset: float) -> float:
    """Mean |step| between row neighbours that straddle the lattice over the mean |step| between the
    others (NaN when there are no steps to compare)."""
    steps = np.abs(np.diff(value, axis=1))
    x = np.arange(1, value.shape[1], dtype=np.float64)  # the edge each step crosses
    off_lattice = np.abs((x - offset + period / 2) % period - period / 2)
    finite = np.isfinite(steps)
    total = np.where(finite, steps, 0.0).sum(axis=0)
    count = finite.sum(axis=0)
    near, far = off_lattice <= 1.0, off_lattice >= 2.0
    if count[near].sum() == 0 or count[far].sum() == 0:
        return float("nan")
    far_mean = total[far].sum() / count[far].sum()
    near_mean = total[near].sum() / count[near].sum()
    if far_mean == 0:
        return float("inf") if near_mean > 0 else float("nan")
    return float(near_mean / far_mean)


def _axis_spacing(value: np.ndarray, background: np.ndarray) -> tuple[float | None, bool]:
    """(spacing along rows or None, whether the values step at the lattice found)."""
    histogram = _edge_histogram(np.isfinite(value), background)
    if np.count_nonzero(histogram) < MIN_EDGE_POSITIONS:
        return None, False
    lattice = _lattice(histogram, EDGE_FIRST)
    if lattice is None or lattice[2] < MIN_COHERENCE:
        return None, False
    period, offset, _ = lattice
    contrast = _step_contrast(value, period, offset)
    if np.isnan(contrast):
        return None, False
    if contrast >= MAX_STEP_CONTRAST:
        return None, True
    return period, False


def source_spacing(value: np.ndarray, background: np.ndarray) -> tuple[float | None, float | None] | None:
    """The source grid's cell size (dy, dx) in pixels, when the box shows a resampled rendering.

    Parameters
    ----------
    value : (H, W) float
        Decoded values, NaN = no data.
    background : (H, W) bool
        No-data pixels that show the plain background (:func:`plain_background`).

    Returns
    -------
    (dy, dx) or None
        Per axis the spacing of the lattice the data/background edges lie on,
        or None for an axis without a clear lattice; None when neither axis
        has one, or when the values step at the lattice (a nearest-neighbour
        rendering: nothing was lost).
    """
    value = np.asarray(value)
    background = np.asarray(background, dtype=bool)
    dx, stepped_x = _axis_spacing(value, background)
    dy, stepped_y = _axis_spacing(value.T, background.T)
    if stepped_x or stepped_y or (dx is None and dy is None):
        return None
    return dy, dx


def _fill_along_rows(
    value: np.ndarray, source: np.ndarray, target: np.ndarray, reach: int
) -> tuple[np.ndarray, np.ndarray]:
    """Give each ``target`` pixel the value of the nearest ``source`` pixel in its row, when it is at most
    ``reach`` pixels away and every pixel between them is a target. Returns (values, filled)."""
    n = value.shape[1]
    col = np.arange(n, dtype=np.int32)
    far = np.int32(n + reach + 1)

    def from_left(src: np.ndarray, tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        last_source = np.maximum.accumulate(np.where(src, col, -1), axis=1)
        last_stop = np.maximum.accumulate(np.where(src | tgt, -1, col), axis=1)
        ok = tgt & (last_source > last_stop)
        return np.where(ok, col - last_source, far), last_source

    dist_left, from_col_left = from_left(source, target)
    dist_right, from_col_right = from_left(source[:, ::-1], target[:, ::-1])
    dist_right, from_col_right = dist_right[:, ::-1], (n - 1 - from_col_right)[:, ::-1]
    right = dist_right < dist_left
    filled = np.minimum(dist_left, dist_right) <= reach
    rows, _ = np.nonzero(filled)
    out = value.copy()
    out[filled] = value[rows, np.where(right, from_col_right, from_col_left)[filled]]
    return out, filled


def grow_margins(value: np.ndarray, background: np.ndarray, spacing: tuple[float | None, float | None]) -> np.ndarray:
    """Extend the values into the background next to data by up to half the source spacing per axis.

    Only data areas at least half a cell wide and high grow (a resampled
    rendering draws none narrower: thinner "data" are lines or the frame
    decoded as colours of the scale), and only into background pixels
    reached from them through background pixels: first along rows (up to
    ``round(dx / 2)`` pixels), then along columns from the data and the
    pixels just filled (up to ``round(dy / 2)``).

    Parameters
    ----------
    value : (H, W) float
        Decoded values, NaN = no data.
    background : (H, W) bool
        No-data pixels that show the plain background (:func:`plain_background`).
    spacing : (dy, dx)
        Source cell size in pixels per axis (:func:`source_spacing`); None
        for an axis leaves it alone.

    Returns
    -------
    (H, W) ndarray
        A copy of ``value`` with the margins filled.
    """
    dy, dx = spacing
    reach_y = round(dy / 2) if dy else 0
    reach_x = round(dx / 2) if dx else 0
    value = np.asarray(value)
    if reach_x == 0 and reach_y == 0:
        return value.copy()
    valid = np.isfinite(value)
    # an opening by an odd window of about half a cell: min then max filter on uint8 (fast)
    size = (max(reach_y, 1) | 1, max(reach_x, 1) | 1)
    source = ndimage.maximum_filter(
        ndimage.minimum_filter(valid.view(np.uint8), size=size, mode="constant"), size=size, mode="constant"
    ).view(bool)
    target = np.asarray(background, dtype=bool) & ~valid
    out = value.copy()
    if reach_x:
        out, filled = _fill_along_rows(out, source, target, reach_x)
        source, target = source | filled, target & ~filled
    if reach_y:
        out_t, _ = _fill_along_rows(out.T, source.T, target.T, reach_y)
        out = out_t.T.copy()
    return out


def restore_margins(value: np.ndarray, rgb: np.ndarray, tolerance: int = 0) -> np.ndarray:
    """:func:`plain_background`, :func:`source_spacing` and :func:`grow_margins` in one call.

    Parameters
    ----------
    value : (H, W) float
        Decoded values, NaN = no data.
    rgb : (H, W, 3) uint8
        The same box's pixels.
    tolerance : int
        Background colour tolerance per RGB channel (see :func:`plain_background`).

    Returns
    -------
    (H, W) ndarray
        ``value`` with the lost margins filled, or ``value`` itself when the
        box does not show a resampled rendering with masked areas.

    Examples
    --------
    A nearest-neighbour rendering loses no margins, so its values come back as they were:

    >>> import numpy as np
    >>> value = np.full((30, 40), 0.5)
    >>> value[:10, :10] = np.nan
    >>> rgb = np.zeros((30, 40, 3), np.uint8)
    >>> rgb[:10, :10] = 255
    >>> restore_margins(value, rgb) is value
    True
    """
    nodata = ~np.isfinite(value)
    if not nodata.any():
        return value
    background = plain_background(rgb, nodata, tolerance)
    if not background.any():
        return value
    spacing = source_spacing(value, background)
    if spacing is None:
        return value
    return grow_margins(value, background, spacing)
