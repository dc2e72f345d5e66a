"""Decode stage: colour to value, by nearest point on the colour scale in CIELAB.

Every distinct colour of the image is decoded once (:func:`decode`):

1. pack each pixel's RGB into a 24-bit code and mark the codes present in a
   dense 2**24 table (no sort, unlike ``np.unique``);
2. pick the scale's table the figure was written with: matplotlib writes
   images with floor(255 c) but fills paths (pcolormesh, contourf) with
   round(255 c); the table whose colours the image holds most wins
   (:func:`pick_variant`);
3. convert the distinct colours and the scale's colours to CIELAB
   (scikit-image);
4. for continuous scales, project each colour onto the polyline through the
   scale's colours (the nearest of the segments next to its 4 nearest scale
   colours) and interpolate the position along that segment, so colours that
   lie between two neighbouring scale colours (anti-aliasing, bilinear
   resampling, JPEG) get a value in between; discrete scales snap to the
   nearest colour. A colour equal to a scale colour decodes to the centre of
   that colour's value interval. For lossy (JPEG) images the position is
   measured in YCbCr instead, where JPEG's noise is roughly even;
5. the Euclidean CIELAB distance to that point is the colour distance (CIE76
   delta E); colours farther than ``max_distance`` are no data;
6. gather the per-colour results back to the pixels through dense tables.

Two optional spatial steps follow in the pipeline, on the decoded values:

* :func:`clean_overlays` removes thin overlays drawn over the data (contour
  and coast lines, text, the axes frame): their pixels, and the anti-aliased
  mixtures of their colour with the data's, become no data instead of a wrong
  value, and thin gaps with the same value on both sides are filled across;
* :func:`smooth_values` averages each value with its neighbours that are
  within a small tolerance of it (an edge-preserving "sigma filter"), which
  takes out part of JPEG's colour noise (the pipeline does it for JPEG inputs);
  given the pixels' colours it averages those in YCbCr over the same
  neighbourhoods and decodes the mean colours (:func:`smooth_colours`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage.color import rgb2lab, rgb2ycbcr

from chromagrid.scale.colorscale import ColorScale

#: Default maximum colour distance (CIE76 delta E) for a pixel to count as data.
#: Measured on ../shared/bench (``bench/accuracy.py --max-distance D``): the
#: data pixels of its JPEGs (quality 50-95) lie within 7 of the scale (99th
#: percentile; 9.8 at most), while the white background of its masked areas
#: lies 12 from coolwarm's light-grey middle and 13.6 from YlGnBu's light end.
#: From 6 to 10 the corpus scores the same; at 12 coolwarm's background turns
#: into data (false fills 2% -> 99% on p_map_06). 10 keeps a margin on both
#: sides: heavier JPEG noise (small cells lose more colour) still decodes.
#: A colormap whose own end is (near) white cannot tell masked areas from data
#: by colour at any threshold (terrain, p_map_02).
DEFAULT_MAX_DISTANCE = 10.0

#: A colour within this delta E of the scale is exactly on it: one of its
#: colours (or exactly between two). Lossless figures draw their data so.
EXACT_DISTANCE = 1e-3

#: Scale colours a little off the figure's own (sampled from its colorbar, or
#: given as a list) leave most data pixels up to this delta E from the scale.
OFFSET_DISTANCE = 1.5

#: Discrete scales of exact colours (a colormap's table, colours given) on a lossless figure that is drawn
#: with them (at least :data:`EXACT_SHARE` of the pixels near the scale are exactly on it): a colour farther
#: than this delta E from every class colour is not data. Each class is one flat colour (contourf, pcolormesh
#: and nearest imshow fill without anti-aliasing), so such a colour is the background (contourf leaves values
#: beyond its levels blank; white lies 5-6 delta E from RdBu's palest classes), text or a line, not a class a
#: byte or two off (floor / round tables differ by under 1).
DISCRETE_TOLERANCE = 2.0
EXACT_SHARE = 0.5

#: Colours with a CIELAB chroma below this are neutral (black, white, grey): the
#: usual colours of lines, text and frames drawn over the data.
NEUTRAL_CHROMA = 6.0

#: :func:`clean_overlays`: the smallest jump (in units of the whole colour
#: range) that tells an overlay pixel from the data around it.
OVERLAY_JUMP = 0.03

#: :func:`clean_overlays`: the widest overlay stroke it removes is this share of
#: the box's longer side (at least 3 pixels): a 1-point line is about 1/450 of
#: a figure's width, anti-aliasing adds a pixel on each side.
OVERLAY_WIDTH_SHARE = 1 / 300

#: :func:`clean_overlays`: pixels farther than this delta E from the scale (or,
#: in noisy figures, than ``FAR_FACTOR`` times the clean level) are mixtures;
#: next to a gap or the box's edge they are dropped.
FAR_DISTANCE = 2.0
FAR_FACTOR = 4.0

_TABLE_SIZE = 1 << 24
_CHUNK = 1 << 18  # pixels per block in the per-pixel passes: their temporaries stay in the CPU cache
_DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))


@dataclass(frozen=True)
class Decoded:
    """Per-pixel result of decoding.

    Attributes
    ----------
    value : numpy.ndarray
        H x W float32 values; NaN where the pixel is no data.
    distance : numpy.ndarray
        H x W float32 colour distance (delta E) to the scale; NaN where the
        pixel was transparent.
    n_colors : int
        Number of distinct colours decoded.
    neutral : numpy.ndarray, optional
        H x W bool: pixels of a neutral colour (black, white, grey; CIELAB
        chroma below :data:`NEUTRAL_CHROMA`), the usual colours of lines, text
        and frames drawn over the data; None when the image has no neutral
        colour. Used by :func:`clean_overlays`.

    Examples
    --------
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> result = decode(scale.colors_for([[0.0, 0.5], [1.0, 0.25]]), scale)
    >>> [[round(float(v), 3) for v in row] for row in result.value]  # the centres of the colours' intervals
    [[0.002, 0.502], [0.998, 0.252]]
    >>> float(result.distance.max()), result.n_colors
    (0.0, 4)
    """

    value: np.ndarray
    distance: np.ndarray
    n_colors: int
    neutral: np.ndarray | None = None

    @property
    def valid(self) -> np.ndarray:
        """H x W bool: pixels that got a value."""
        return np.isfinite(self.value)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 to H x W uint32 codes ``r << 16 | g << 8 | b``.

    Each pixel's three bytes and the next byte are read as one big-endian
    32-bit word (an unaligned strided view, no copy) and shifted right by 8:
    one pass over the pixels, in blocks of rows that stay in the CPU cache.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array

    Returns
    -------
    (H, W) uint32 array

    Examples
    --------
    >>> import numpy as np
    >>> pack_rgb(np.array([[[1, 2, 3], [255, 255, 255]]], np.uint8))
    array([[   66051, 16777215]], dtype=uint32)
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    if rgb.ndim < 2 or rgb.shape[-1] != 3:
        raise ValueError(f"expected an ... x 3 array of RGB colours, got shape {rgb.shape}")
    shape = rgb.shape[:-1]
    lines = rgb[None] if rgb.ndim == 2 else rgb.reshape(-1, rgb.shape[-2], 3)  # (rows, width, 3)
    out = np.empty(int(np.prod(shape)), np.uint32)
    width = lines.shape[1]
    rows = max(1, _CHUNK // max(width, 1))
    for r in range(0, lines.shape[0], rows):
        block = np.ascontiguousarray(lines[r : r + rows]).reshape(-1)
        n = block.size // 3
        if n == 0:
            continue
        dst = out[r * width : r * width + n]
        if n > 1:
            words = np.ndarray((n - 1,), dtype=">u4", buffer=block, strides=(3,))
            np.right_shift(words, 8, out=dst[:-1])
        red, green, blue = (int(c) for c in block[-3:])
        dst[-1] = red << 16 | green << 8 | blue
    return out.reshape(shape)


def unpack_rgb(codes: np.ndarray) -> np.ndarray:
    """uint32 codes to N x 3 uint8 colours.

    Parameters
    ----------
    codes : array of uint32
        Codes as :func:`pack_rgb` makes them.

    Returns
    -------
    (N, 3) uint8 array

    Examples
    --------
    >>> import numpy as np
    >>> unpack_rgb(np.array([66051, 16777215], np.uint32)).tolist()
    [[1, 2, 3], [255, 255, 255]]
    """
    codes = np.asarray(codes, np.uint32)
    return np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=-1).astype(np.uint8)


def to_lab(rgb8: np.ndarray) -> np.ndarray:
    """N x 3 uint8 sRGB colours to N x 3 CIELAB (D65).

    Parameters
    ----------
    rgb8 : (N, 3) uint8 array

    Returns
    -------
    (N, 3) float array
        L* (0-100), a*, b*.

    Examples
    --------
    >>> import numpy as np
    >>> to_lab(np.array([[255, 255, 255], [0, 0, 0]], np.uint8)).round(2) + 0.0
    array([[100.,   0.,   0.],
           [  0.,   0.,   0.]])
    """
    rgb8 = np.asarray(rgb8, np.uint8).reshape(-1, 3)
    return rgb2lab(rgb8[None, :, :].astype(np.float64) / 255.0)[0]


def to_ycbcr(rgb8: np.ndarray) -> np.ndarray:
    """N x 3 uint8 sRGB colours to N x 3 YCbCr (ITU-R BT.601, as JPEG stores colours; scikit-image)."""
    rgb8 = np.asarray(rgb8, np.uint8).reshape(-1, 3)
    return rgb2ycbcr(rgb8[None, :, :].astype(np.float64) / 255.0)[0]


def nearest_on_scale(colors: np.ndarray, scale: ColorScale, space: str = "lab") -> tuple[np.ndarray, np.ndarray]:
    """Normalised position and distance of the nearest point of the scale, per colour.

    Parameters
    ----------
    colors : (N, 3) uint8
    scale : ColorScale
    space : {"lab", "ycbcr"}
        Where "nearest" is measured: CIELAB (the distance is then CIE76
        delta E), or JPEG's own YCbCr, where its compression noise is roughly
        even (:func:`decode` uses it for positions in lossy images).

    Returns
    -------
    position : (N,) float64
        In normalised units; see :meth:`ColorScale.to_values`.
    distance : (N,) float64
        Distance to that point: CIE76 delta E for ``space="lab"``.
    """
    convert = {"lab": to_lab, "ycbcr": to_ycbcr}[space]
    query = convert(colors)
    vertices = convert(scale.rgb)
    return project(query, vertices, scale)


def pick_variant(scale: ColorScale, present: np.ndarray) -> ColorScale:
    """The scale's table (itself or one of its ``variants``) the image's colours match most.

    Parameters
    ----------
    scale : ColorScale
    present : (2**24,) bool
        True for every packed colour code the image holds.
    """
    best, best_hits = scale, -1
    for candidate in (scale, *scale.variants):
        hits = int(np.count_nonzero(present[pack_rgb(candidate.rgb)]))
        if hits > best_hits:
            best, best_hits = candidate, hits
    return best


def _row_blocks(rgb: np.ndarray):
    """Yield (index of the first pixel, packed codes) for blocks of about ``_CHUNK`` pixels of whole rows."""
    height, width = rgb.shape[:2]
    rows = max(1, _CHUNK // max(width, 1))
    for r in range(0, height, rows):
        yield r * width, pack_rgb(rgb[r : r + rows]).reshape(-1)


def discrete_limit(
    rgb: np.ndarray, codes: np.ndarray, distance: np.ndarray, scale: ColorScale, max_distance: float, lossy: bool
) -> float:
    """The colour distance beyond which a pixel is no data: ``max_distance``, or :data:`DISCRETE_TOLERANCE`
    for a discrete scale of exact colours that a lossless figure is drawn with.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
    codes : (N,) uint32
        The image's distinct packed colours, increasing; ``distance`` their delta E to the scale.
    """
    if scale.interpolate or not scale.exact or lossy or max_distance <= DISCRETE_TOLERANCE:
        return max_distance
    step = max(1, rgb.shape[0] * rgb.shape[1] // 200_000)
    sample = pack_rgb(rgb).ravel()[::step] if rgb.size <= 3 * _CHUNK else pack_rgb(rgb.reshape(-1, 3)[::step])
    d = distance[np.searchsorted(codes, sample)]
    near = d <= max_distance
    if not near.any() or np.count_nonzero(d[near] <= EXACT_DISTANCE) < EXACT_SHARE * np.count_nonzero(near):
        return max_distance
    return DISCRETE_TOLERANCE


def decode(
    rgb: np.ndarray,
    scale: ColorScale,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    opaque: np.ndarray | None = None,
    *,
    lossy: bool = False,
) -> Decoded:
    """Decode an RGB array to values, pixel by pixel (each distinct colour once).

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The pixels to decode (usually the plot box).
    scale : ColorScale
    max_distance : float
        Pixels whose colour is farther than this (CIE76 delta E) from the scale
        are no data (NaN): text, axes, coastlines, background.
    opaque : (H, W) bool, optional
        False where the pixel is transparent (no data whatever its colour).
    lossy : bool
        The image went through lossy compression (JPEG): each colour's
        position along the scale is then measured in YCbCr, where JPEG's noise
        is roughly even, instead of CIELAB (on ../shared/bench's JPEGs this
        cuts the error by up to a third); the distance stays CIELAB delta E.

    Returns
    -------
    Decoded

    Examples
    --------
    Pixels drawn in the scale's own colours decode to the centres of their colours' intervals; a
    colour far from the scale (magenta, here) is no data, and its distance says how far it was:

    >>> import numpy as np
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> values = np.linspace(0, 1, 12).reshape(3, 4)
    >>> rgb = scale.colors_for(values)
    >>> rgb[0, 0] = (255, 0, 255)
    >>> result = decode(rgb, scale)
    >>> bool(np.isnan(result.value[0, 0])), round(float(result.distance[0, 0]), 1)
    (True, 75.7)
    >>> float(np.nanmax(np.abs(result.value - values))) < 1 / 254  # within one colour's interval
    True
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"decode expects an H x W x 3 uint8 array, got shape {rgb.shape}")
    shape = rgb.shape[:2]
    # two passes over the pixels in blocks of rows (numpy converts index arrays to intp: block by block
    # that stays in the CPU cache): mark the colours present, then look each pixel's colour up
    present = np.zeros(_TABLE_SIZE, dtype=bool)
    for _, block in _row_blocks(rgb):
        present[block] = True
    scale = pick_variant(scale, present)
    codes = np.flatnonzero(present).astype(np.uint32)
    del present
    colors = unpack_rgb(codes)
    position, distance = nearest_on_scale(colors, scale)
    if lossy:
        position, _ = nearest_on_scale(colors, scale, space="ycbcr")
    color_value = scale.to_values(position).astype(np.float32)
    color_value[distance > discrete_limit(rgb, codes, distance, scale, max_distance, lossy)] = np.nan
    lab = to_lab(colors)
    color_neutral = np.hypot(lab[:, 1], lab[:, 2]) < NEUTRAL_CHROMA
    # value and distance side by side (one 8-byte complex64 per colour code): one gather per pixel gives
    # both; Decoded holds the two halves as views of that one H x W x 2 float32 array
    per_colour = np.empty(len(codes), np.complex64)
    per_colour.real, per_colour.imag = color_value, distance
    table = np.empty(_TABLE_SIZE, np.complex64)
    table[codes] = per_colour
    neutral_table = None
    if color_neutral.any():
        neutral_table = np.zeros(_TABLE_SIZE, bool)
        neutral_table[codes] = color_neutral
    size = shape[0] * shape[1]
    both = np.empty(size, np.complex64)
    neutral = np.empty(size, bool) if neutral_table is not None else None
    for start, block in _row_blocks(rgb):
        at = block.astype(np.intp)
        stop = start + block.size
        np.take(table, at, out=both[start:stop])
        if neutral is not None and neutral_table is not None:  # both set or neither
            np.take(neutral_table, at, out=neutral[start:stop])
    del table, neutral_table
    pairs = both.view(np.float32).reshape(shape + (2,))
    value, dist = pairs[..., 0], pairs[..., 1]
    neutral = neutral.reshape(shape) if neutral is not None else None
    if opaque is not None:
        value[~opaque] = np.nan
        dist[~opaque] = np.nan
    return Decoded(value=value, distance=dist, n_colors=int(len(codes)), neutral=neutral)


# --------------------------------------------------------------------------- spatial clean-up
class _Shifts:
    """Shifted views of an array padded with ``fill``: ``at(dy, dx)[r, c]`` is the pixel at (r + dy, c + dx)."""

    def __init__(self, a: np.ndarray, pad: int, fill):
        self.shape, self.pad = a.shape, pad
        self.padded = np.full((a.shape[0] + 2 * pad, a.shape[1] + 2 * pad), fill, dtype=a.dtype)
        self.padded[pad:-pad, pad:-pad] = a

    def at(self, dy: int, dx: int) -> np.ndarray:
        p, (h, w) = self.pad, self.shape
        return self.padded[p + dy : p + dy + h, p + dx : p + dx + w]


def overlay_width(shape: tuple[int, int]) -> int:
    """The widest overlay stroke (pixels) :func:`clean_overlays` looks for in a box of this shape."""
    return max(3, int(round(max(shape) * OVERLAY_WIDTH_SHARE)))


def clean_level(distance: np.ndarray) -> float:
    """The colour distance up to which a pixel counts as plain data, not a possible overlay.

    :data:`EXACT_DISTANCE` for lossless figures drawn with the scale's own
    colours (any other colour may be a mixture with a line: anti-aliasing);
    the distance 90 % of the pixels are within, up to :data:`OFFSET_DISTANCE`,
    when the scale's colours are a little off the figure's (a scale sampled
    from the colorbar, or given as a list); three times the median distance
    where compression noise moves every colour (JPEG).
    """
    sample = distance.ravel()[:: max(1, distance.size // 200_000)]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return EXACT_DISTANCE
    typical, most = np.percentile(sample, [50, 90])
    return float(max(EXACT_DISTANCE, 3.0 * typical, min(most, OFFSET_DISTANCE)))


def _nearest_clean(values: np.ndarray, clean: np.ndarray, at: np.ndarray, step: int, reach: int):
    """Walk ``reach`` steps of ``step`` (flat offset in the padded arrays) from each position ``at``.

    Returns the value of and the steps to the nearest clean pixel (steps 0:
    none within reach), and whether a pixel without a value (or the padding
    around the box) comes before it.
    """
    n = at.size
    value = np.full(n, np.nan, np.float32)
    steps = np.zeros(n, np.int16)
    gap_seen = np.zeros(n, bool)
    walking = np.arange(n)
    for k in range(1, reach + 1):
        q = at[walking] + k * step
        hit = clean[q]
        found = walking[hit]
        value[found] = values[q[hit]]
        steps[found] = k
        walking, q = walking[~hit], q[~hit]
        gap_seen[walking[np.isnan(values[q])]] = True
        if walking.size == 0:
            break
    return value, steps, gap_seen


def _thin_gaps(gap: np.ndarray, reach: int, distance: np.ndarray | None = None) -> np.ndarray:
    """The parts of the no-data mask a stroke could have made.

    Thin: a square of ``reach`` pixels (rounded up to odd) does not fit in
    them. Of those, blobs that are painted rather than drawn are left out:
    solid compact ones (at least 80 % of their bounding box, at most twice as
    long as wide) and, when ``distance`` is given, those of a single colour
    (all one colour distance; anti-aliased strokes blend into the data):
    masked cells showing the background, not lines or letters.
    """
    thin = gap & ~_opening(gap, reach | 1)
    if not thin.any():
        return thin
    labels, n = ndimage.label(thin, structure=np.ones((3, 3), bool))
    index = np.arange(1, n + 1)
    area = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    painted = np.zeros(n + 1, bool)
    for i, box in enumerate(ndimage.find_objects(labels)):
        bh, bw = box[0].stop - box[0].start, box[1].stop - box[1].start
        painted[i + 1] = area[i] >= 0.8 * bh * bw and max(bh, bw) <= 2 * min(bh, bw)
    if distance is not None:
        d = np.nan_to_num(distance, nan=-1.0)
        spread = ndimage.maximum(d, labels, index) - ndimage.minimum(d, labels, index)
        painted[1:] |= np.asarray(spread) < 1e-4
    return thin & ~painted[labels]


def _opening(mask: np.ndarray, size: int) -> np.ndarray:
    """Binary opening by a ``size`` square (odd), outside the array counting as inside the mask.

    Separable minimum / maximum filters: much faster than a generic binary opening.
    """
    eroded = ndimage.minimum_filter(mask.view(np.uint8), size=size, mode="constant", cval=1)
    return ndimage.maximum_filter(eroded, size=size, mode="constant", cval=0).view(bool)


def _positions(scale: ColorScale, value: np.ndarray) -> np.ndarray:
    """Decoded values to positions in units of the colour range (float32; a fast path for linear norms)."""
    if scale.norm == "linear":
        return (value - np.float32(scale.vmin)) * np.float32(1.0 / (scale.vmax - scale.vmin))
    with np.errstate(invalid="ignore", divide="ignore"):
        return scale.to_positions(value).astype(np.float32)


def overlay_fix(
    u: np.ndarray,
    clean: np.ndarray,
    width: int,
    jump: float = OVERLAY_JUMP,
    far: np.ndarray | None = None,
    keep: np.ndarray | None = None,
    distance: np.ndarray | None = None,
) -> np.ndarray:
    """Remove thin overlays from decoded positions and fill thin gaps.

    Parameters
    ----------
    u : (H, W) float32
        Decoded positions in units of the colour range (NaN = no data).
    clean : (H, W) bool
        Pixels that are plain data (exact-ish, not neutral): the references.
    width : int
        Widest stroke, in pixels.
    jump : float
        Smallest difference, in units of the colour range, between an overlay
        pixel's value and the data around it.
    far : (H, W) bool, optional
        Pixels whose colour is clearly off the scale (anti-aliased mixtures):
        on a stroke's fringe they become no data whatever their value.
    keep : (H, W) bool, optional
        Pixels left as they are although not clean: neutral colours exactly on
        the scale may be data (cividis' greys, magma's blacks, terrain's white:
        even a one- or two-pixel cell of them) as well as a line or the
        background; they are no reference, but never changed.
    distance : (H, W) float, optional
        Colour distances: gaps of a single colour are painted areas, not
        strokes, and are not filled (see :func:`_thin_gaps`).

    Returns
    -------
    (H, W) float32
        Along each of four directions (rows, columns, diagonals), every pixel
        that is not clean looks for the nearest clean pixel on either side
        (within ``width + 1`` steps, passing over pixels without a value). Then:

        * if, along some direction, both sides are found at most ``width + 1``
          pixels apart and agree within ``jump``, a pixel that is no data or
          differs from both by more than ``jump`` gets their linear
          interpolation (the shortest such run wins): a stroke over the data,
          or a thin gap, filled across. No-data pixels are filled only in thin
          gaps that are not solid compact blobs (see :func:`_thin_gaps`), so
          masked areas and masked cells stay empty;
        * otherwise a pixel with a value becomes no data if along some
          direction its value lies more than ``jump`` outside the two sides'
          range, or, on a stroke's fringe, one side has no clean pixel but a
          gap or the box's edge, and it differs by more than ``jump`` from the
          clean pixel on the other, or is ``far``.
    """
    h, w = u.shape
    reach = width + 1
    finite = np.isfinite(u)
    todo = ~clean & finite
    if keep is not None:
        todo &= ~keep
    gap = ~finite
    if gap.any():
        todo |= _thin_gaps(gap, reach, distance)
    where = np.flatnonzero(todo)
    if where.size == 0:
        return u
    # the work is per pixel to fix, on flat indices into arrays padded by `pad` no-data pixels
    pad = reach + 1
    row_len = w + 2 * pad
    values = np.full((h + 2 * pad, row_len), np.nan, np.float32)
    values[pad:-pad, pad:-pad] = u
    cleans = np.zeros(values.shape, bool)
    cleans[pad:-pad, pad:-pad] = clean
    values, cleans = values.ravel(), cleans.ravel()
    at = (where // w + pad) * row_len + (where % w + pad)
    x = u.ravel()[where]
    has = np.isfinite(x)
    is_far = far.ravel()[where] if far is not None else np.zeros(where.size, bool)
    best_span = np.full(where.size, np.iinfo(np.int16).max, np.int16)
    fill = np.full(where.size, np.nan, np.float32)
    outlier = np.zeros(where.size, bool)
    with np.errstate(invalid="ignore"):
        for dy, dx in _DIRECTIONS:
            step = dy * row_len + dx
            lv, la, lgap = _nearest_clean(values, cleans, at, -step, reach)
            rv, rb, rgap = _nearest_clean(values, cleans, at, step, reach)
            span = la + rb
            both = (la > 0) & (rb > 0) & (span <= reach)
            agree = both & (np.abs(lv - rv) <= jump)
            differs = ~has | ((np.abs(x - lv) > jump) & (np.abs(x - rv) > jump))
            take = agree & differs & (span < best_span)
            fill[take] = (lv + (rv - lv) * (la / np.maximum(span, 1)))[take]
            best_span[take] = span[take]
            low, high = np.minimum(lv, rv) - jump, np.maximum(lv, rv) + jump
            outlier |= both & has & ((x < low) | (x > high))
            for gap_side, found, other, steps in ((lgap, la, rv, rb), (rgap, rb, lv, la)):
                fringe = gap_side & (found == 0) & (steps > 0) & ((np.abs(x - other) > jump) | is_far)
                outlier |= has & fringe
    x = np.where(outlier, np.float32(np.nan), x)
    filled = np.isfinite(fill)
    x[filled] = fill[filled]
    out = u.copy()
    out.ravel()[where] = x
    return out


def clean_overlays(
    decoded: Decoded, scale: ColorScale, width: int | None = None, jump: float = OVERLAY_JUMP, fill: bool = True
) -> Decoded:
    """Remove thin overlays (lines, text, the axes frame) from decoded values.

    Lines drawn over the data, and their anti-aliased edges, have colours that
    either lie off the scale (no data already) or on it at a wrong value, e.g.
    a black line over ``magma``. Pixels that are not plain data (a colour
    farther than :func:`clean_level` from the scale, or neutral) and disagree
    with the plain data around them are replaced by the interpolation across
    the stroke, or become no data (see :func:`overlay_fix`); neutral colours
    exactly on the scale are never changed.

    Parameters
    ----------
    decoded : Decoded
        From :func:`decode`.
    scale : ColorScale
        The scale it was decoded with (jumps are measured in units of the colour range).
    width : int, optional
        Widest stroke in pixels; by default :func:`overlay_width` of the box.
    jump : float
        See :func:`overlay_fix`.
    fill : bool
        Fill strokes and thin gaps from their two sides; when False, pixels a
        fill would change become no data instead.

    Returns
    -------
    Decoded
        With new values; the colour distance is kept.

    Examples
    --------
    A half-transparent grey line drawn across a viridis field: its colours are off the scale, so the line is no data after
    decoding; the clean-up fills the thin gap from both sides, where they agree.

    >>> import numpy as np
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> field = np.tile(np.linspace(0.3, 0.7, 60), (40, 1))
    >>> rgb = scale.colors_for(field)
    >>> rgb[20] = (0.6 * 128 + 0.4 * rgb[20]).astype(np.uint8)
    >>> raw = decode(rgb, scale)
    >>> cleaned = clean_overlays(raw, scale)
    >>> bool(np.isnan(raw.value[20]).all()), bool(np.isfinite(cleaned.value[20]).all())
    (True, True)
    >>> float(np.abs(cleaned.value - field).max()) < 0.01
    True
    """
    value = decoded.value
    finite = np.isfinite(value)
    if not finite.any():
        return decoded
    width = overlay_width(value.shape) if width is None else int(width)
    level = clean_level(np.where(finite, decoded.distance, np.float32(np.nan)))
    with np.errstate(invalid="ignore"):
        clean = finite & (decoded.distance <= level)
        far = decoded.distance > max(FAR_DISTANCE, FAR_FACTOR * level)
    neutral, keep = decoded.neutral, None
    # neutral colours are no reference: they may be lines, text or the background even when on the scale
    # (black over magma, white around terrain); those exactly on it are left alone. On a neutral colour
    # scale (greys) most pixels are neutral: there they are its data.
    if neutral is not None and np.count_nonzero(neutral & finite) <= 0.5 * np.count_nonzero(finite):
        clean &= ~neutral
        with np.errstate(invalid="ignore"):
            keep = neutral & (decoded.distance <= EXACT_DISTANCE)
    if clean.all():
        return decoded
    rows = np.flatnonzero(~clean.all(axis=1))
    margin = 2 * width + 4
    r0, r1 = max(int(rows[0]) - margin, 0), min(int(rows[-1]) + margin + 1, value.shape[0])
    u = _positions(scale, value[r0:r1])
    fixed = overlay_fix(
        u, clean[r0:r1], width, jump, far[r0:r1], keep[r0:r1] if keep is not None else None, decoded.distance[r0:r1]
    )
    changed = (fixed != u) & ~(np.isnan(fixed) & np.isnan(u))
    if not changed.any():
        return decoded
    if not fill:
        fixed[changed] = np.nan
    value = value.copy()
    band = value[r0:r1]
    band[changed] = scale.to_values(fixed[changed].astype(np.float64)).astype(np.float32)
    return replace(decoded, value=value)


# --------------------------------------------------------------------------- denoising (JPEG)
#: :func:`smooth_values` defaults: the window's half-size in pixels, and how close
#: (in units of the colour range) a neighbour's value must be to take part.
SMOOTH_RADIUS = 3
SMOOTH_TOLERANCE = 0.03


def sigma_filter(u: np.ndarray, radius: int = SMOOTH_RADIUS, tolerance: float = SMOOTH_TOLERANCE) -> np.ndarray:
    """Edge-preserving mean: each value averaged with the neighbours within ``tolerance`` of it.

    Parameters
    ----------
    u : (H, W) float
        Values (NaN = no data, left as is and never averaged in).
    radius : int
        The window is ``2 radius + 1`` pixels square.
    tolerance : float
        Neighbours whose value differs from the pixel's by more than this are
        left out, so averages do not cross value edges (cell borders, fronts).

    Returns
    -------
    (H, W) float32
    """
    h, w = u.shape
    u = u.astype(np.float32, copy=False)
    shifts = _Shifts(u, radius, np.float32(np.nan))
    total = np.zeros((h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    diff = np.empty((h, w), np.float32)
    near = np.empty((h, w), bool)
    with np.errstate(invalid="ignore"):
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                q = shifts.at(dy, dx)
                np.subtract(q, u, out=diff)
                np.abs(diff, out=diff)
                np.less_equal(diff, tolerance, out=near)  # False where either is NaN
                np.add(total, q, out=total, where=near)
                np.add(count, 1, out=count, where=near)
    return np.where(count > 0, total / np.maximum(count, 1), u).astype(np.float32)


def smooth_values(
    decoded: Decoded,
    scale: ColorScale,
    radius: int = SMOOTH_RADIUS,
    tolerance: float = SMOOTH_TOLERANCE,
    rgb: np.ndarray | None = None,
    ycbcr: np.ndarray | None = None,
) -> Decoded:
    """Take out compression noise (JPEG) with an edge-preserving mean of the decoded values.

    JPEG moves every colour a little (and its chroma subsampling blends
    neighbouring cells' colours), so single pixels decode up to a few colour
    steps off; averaging each value with its neighbours of nearly the same
    value (:func:`sigma_filter`, in units of the colour range) cuts that error
    by a fifth to a third on the JPEG figures of ../shared/bench without
    blurring value edges. On lossless figures it only blurs: the pipeline
    applies it to JPEG inputs (``decode.smooth: auto``). Discrete scales are
    left alone: their values are interval centres, not measurements.

    Given the pixels' colours (``rgb``, as the pipeline does), the colours
    are averaged instead of the positions (:func:`smooth_colours`: JPEG's
    noise is roughly additive in YCbCr, while the scale is a curved polyline,
    so averaging positions decoded from noisy colours is biased near its
    bends), followed by a light (3 x 3) :func:`sigma_filter` of the result;
    where that lands more than ``tolerance`` away from the plain value
    smoothing, the latter is kept. On the JPEG figures of ../shared/bench this
    lowers the mean nRMSE from 0.370 % to 0.343 % (see README).

    Parameters
    ----------
    decoded : Decoded
    scale : ColorScale
    radius, tolerance
        See :func:`sigma_filter`.
    rgb : (H, W, 3) uint8, optional
        The decoded pixels' colours: average colours, not positions.
    ycbcr : (H, W, 3) float, optional
        The same colours as YCbCr (:func:`ycbcr_image`), when known more
        precisely than 8-bit RGB holds them (:mod:`chromagrid.decode.jpeg`).

    Returns
    -------
    Decoded
        With smoothed values; the colour distance is kept.

    Examples
    --------
    A field saved as a JPEG at quality 50: smoothing brings the decoded values closer to the truth.

    >>> import io
    >>> import numpy as np
    >>> from PIL import Image
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> y, x = np.mgrid[0:64, 0:96] / 96
    >>> truth = 0.5 + 0.4 * np.sin(3 * x) * np.cos(2 * y)
    >>> buffer = io.BytesIO()
    >>> Image.fromarray(scale.colors_for(truth)).save(buffer, "JPEG", quality=50)
    >>> rgb = np.asarray(Image.open(buffer).convert("RGB"))
    >>> raw = decode(rgb, scale, lossy=True)
    >>> smooth = smooth_values(raw, scale, rgb=rgb)
    >>> def rmse(d):
    ...     return float(np.sqrt(np.nanmean((d.value - truth) ** 2)))
    >>> rmse(smooth) < rmse(raw)
    True
    """
    value = decoded.value
    if not scale.interpolate or not np.isfinite(value).any():
        return decoded
    u = _positions(scale, value)
    smoothed = sigma_filter(u, radius, tolerance)
    if ycbcr is None and rgb is not None:
        ycbcr = ycbcr_image(np.asarray(rgb, np.uint8))
    if ycbcr is not None:
        smoothed = _colour_smoothed(u, smoothed, ycbcr, scale, radius, tolerance)
    finite = np.isfinite(smoothed)
    out = np.full(value.shape, np.nan, np.float32)
    out[finite] = scale.to_values(smoothed[finite].astype(np.float64))
    return replace(decoded, value=out)


# --------------------------------------------------------------------------- colour averaging (JPEG)
#: :func:`smooth_colours`: averaged YCbCr colours are rounded to this step before being decoded, so each
#: distinct rounded colour is projected onto the scale once.
COLOUR_STEP = 1 / 4

#: :func:`smooth_values`: the colour averaging's window half-size (the value smoothing's is wider).
COLOUR_RADIUS = 2

# ITU-R BT.601 RGB (0-255) -> YCbCr (JPEG's studio range, as scikit-image's rgb2ycbcr)
_YCC_MATRIX = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]]) / 255.0
_YCC_OFFSET = np.array([16.0, 128.0, 128.0])


def project(query: np.ndarray, vertices: np.ndarray, scale: ColorScale) -> tuple[np.ndarray, np.ndarray]:
    """Position along the polyline through ``vertices`` (the scale's colours) nearest each ``query`` colour.

    The nearest of the segments next to its 4 nearest vertices; discrete
    scales snap to the nearest vertex. Returns positions and distances.
    """
    n_vertices = len(vertices)
    tree = cKDTree(vertices)
    k = min(4, n_vertices)
    dist, near = tree.query(query, k=k)
    dist, near = cast(np.ndarray, dist).reshape(len(query), k), near.reshape(len(query), k)
    if not scale.interpolate or n_vertices == 1:
        return scale.position[near[:, 0]], dist[:, 0]
    seg = np.clip(np.concatenate([near - 1, near], axis=1), 0, n_vertices - 2)
    start = vertices[seg]
    step = vertices[seg + 1] - start
    length2 = np.einsum("ijk,ijk->ij", step, step)
    rel = query[:, None, :] - start
    t = np.clip(np.einsum("ijk,ijk->ij", rel, step) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    gap = rel - t[..., None] * step
    seg_dist = np.sqrt(np.einsum("ijk,ijk->ij", gap, gap))
    best = np.argmin(seg_dist, axis=1)
    rows = np.arange(len(query))
    s, t_best = seg[rows, best], t[rows, best]
    return scale.position[s] + t_best * (scale.position[s + 1] - scale.position[s]), seg_dist[rows, best]


def ycbcr_image(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sRGB to (H, W, 3) float32 YCbCr, as :func:`to_ycbcr` converts colours."""
    h, w = rgb.shape[:2]
    return (
        rgb.reshape(-1, 3).astype(np.float32) @ _YCC_MATRIX.T.astype(np.float32) + _YCC_OFFSET.astype(np.float32)
    ).reshape(h, w, 3)


def project_colours(ycbcr: np.ndarray, scale: ColorScale) -> np.ndarray:
    """Positions on the scale of (N, 3) float YCbCr colours, each rounded to :data:`COLOUR_STEP` and the
    distinct rounded colours projected once (:func:`project`)."""
    import pandas as pd  # here, not at the top: only JPEG smoothing needs it

    key = np.rint(ycbcr / COLOUR_STEP).astype(np.int64)
    low = key.min(axis=0)
    key -= low
    span = key.max(axis=0) + 1
    packed = (key[:, 0] * span[1] + key[:, 1]) * span[2] + key[:, 2]
    inverse, distinct = pd.factorize(packed)  # a hash table: several times faster than sorting (np.unique)
    distinct = np.asarray(distinct)
    query = np.stack([distinct // (span[1] * span[2]), distinct // span[2] % span[1], distinct % span[2]], axis=-1)
    position, _ = project(((query + low) * COLOUR_STEP).astype(np.float64), to_ycbcr(scale.rgb), scale)
    return position[inverse]


def smooth_colours(
    u: np.ndarray,
    ycbcr: np.ndarray,
    scale: ColorScale,
    contributes: np.ndarray,
    radius: int = SMOOTH_RADIUS,
    tolerance: float = SMOOTH_TOLERANCE,
) -> np.ndarray:
    """Edge-preserving mean of the *colours* (YCbCr), decoded once per pixel.

    Each pixel's neighbours whose decoded position is within ``tolerance`` of
    its own (as :func:`sigma_filter`) and that ``contributes`` (plain data
    colours) are averaged in YCbCr, where JPEG's noise is roughly additive;
    the mean colour is then projected onto the scale. Projecting first and
    averaging positions after is biased where the scale's polyline bends.
    Pixels without a contributing neighbour get NaN.
    """
    h, w = u.shape
    u = u.astype(np.float32, copy=False)
    pad = radius
    member = np.full((h + 2 * pad, w + 2 * pad), np.nan, np.float32)
    member[pad:-pad, pad:-pad] = np.where(contributes, u, np.float32(np.nan))
    colour = np.zeros((3, h + 2 * pad, w + 2 * pad), np.float32)
    colour[:, pad:-pad, pad:-pad] = np.moveaxis(ycbcr, -1, 0)
    total = np.zeros((3, h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    rows = max(1, (_CHUNK // 4) // max(w, 1))  # blocks of rows whose temporaries stay in the CPU cache
    with np.errstate(invalid="ignore"):
        for r0 in range(0, h, rows):
            r1 = min(r0 + rows, h)
            centre, block_total, block_count = u[r0:r1], total[:, r0:r1], count[r0:r1]
            diff = np.empty(centre.shape, np.float32)
            near = np.empty(centre.shape, bool)
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    ys, xs = slice(pad + r0 + dy, pad + r1 + dy), slice(pad + dx, pad + dx + w)
                    np.subtract(member[ys, xs], centre, out=diff)
                    np.abs(diff, out=diff)
                    np.less_equal(diff, tolerance, out=near)  # False where either is NaN
                    for c in range(3):
                        np.add(block_total[c], colour[c, ys, xs], out=block_total[c], where=near)
                    np.add(block_count, 1, out=block_count, where=near)
    has = count > 0
    out = np.full((h, w), np.nan, np.float32)
    if has.any():
        out[has] = project_colours((total[:, has] / count[has]).T, scale)
    return out


def _colour_smoothed(
    u: np.ndarray, smoothed: np.ndarray, ycbcr: np.ndarray, scale: ColorScale, radius: int, tolerance: float
) -> np.ndarray:
    """:func:`smooth_values` with colours: averaged colours decoded, lightly smoothed, checked against ``smoothed``.

    Every pixel with a value lends its colour (a per-tile level, such as the
    overlay clean-up's, would make tiled and untiled runs differ; on
    ../shared/bench leaving out colours far from the scale changed nothing);
    where an overlay stroke the clean-up filled pulls the mean colour off,
    the result differs from ``smoothed`` by more than ``tolerance`` and
    ``smoothed`` is kept.
    """
    with np.errstate(invalid="ignore"):
        coloured = smooth_colours(u, ycbcr, scale, np.isfinite(u), min(radius, COLOUR_RADIUS), tolerance)
        coloured = sigma_filter(coloured, 1, tolerance)
        ok = np.isfinite(coloured) & (np.abs(coloured - smoothed) <= tolerance)
    return np.where(ok, coloured, smoothed)


# --------------------------------------------------------------------------- text over flat cells
#: :func:`fill_enclosed`: the spread of values (units of the colour range) a blob's surrounding may have for it
#: to count as one flat cell; lossless figures draw a cell in one colour (one value), JPEG adds noise.
FLAT_SPREAD = 0.004
FLAT_SPREAD_LOSSY = 0.03


#: :func:`fill_enclosed`: share of its bounding box the flat area around a blob (blob included) must fill: a cell
#: is a rectangle, while the plateaus of a smooth field (one colour of its table) are bands of any shape
FLAT_RECTANGLE = 0.9
#: :func:`fill_enclosed`: smallest blob filled (pixels): a glyph's stroke, not a stray anti-aliased pixel of a field
FILL_MIN_PIXELS = 4


def _in_flat_rectangle(
    labels: np.ndarray, k: int, where: tuple[slice, slice], u: np.ndarray, centre: float, spread: float
) -> bool:
    """Whether blob ``k`` (at ``where``) lies inside a rectangle of one value (a cell), not on a field's plateau.

    The flat area is the connected set of pixels within ``spread`` of ``centre`` around the blob; with the
    blob, it must fill :data:`FLAT_RECTANGLE` of its bounding box, and that box must reach past the blob's
    on every side.
    """
    rows, cols = where
    h, w = rows.stop - rows.start, cols.stop - cols.start
    r0, c0 = max(0, rows.start - 4 * h), max(0, cols.start - 4 * w)
    window = (slice(r0, rows.stop + 4 * h), slice(c0, cols.stop + 4 * w))
    blob = labels[window] == k
    with np.errstate(invalid="ignore"):
        flat = (np.abs(u[window] - centre) <= spread) | blob
    parts, _ = ndimage.label(flat)
    region = parts == parts[blob].max()
    ys, xs = np.nonzero(region)
    inside = ys.min() < rows.start - r0 and ys.max() >= rows.stop - r0
    inside = inside and xs.min() < cols.start - c0 and xs.max() >= cols.stop - c0
    box_area = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
    return bool(inside and region.sum() >= FLAT_RECTANGLE * box_area)


def fill_enclosed(
    decoded: Decoded,
    scale: ColorScale,
    width: int | None = None,
    lossy: bool = False,
    level: float | None = None,
    opaque: np.ndarray | None = None,
) -> Decoded:
    """Give text (and other thin marks) drawn inside a flat cell the value of that cell.

    Annotated cell heat maps (``seaborn.heatmap(annot=True)``) and
    nearest-neighbour rasters print numbers over cells of one colour. The
    pixels of the glyphs (no data, a neutral colour, or an anti-aliased
    mixture off the scale) form thin blobs; where the plain data pixels
    around a blob all hold one value (within :data:`FLAT_SPREAD` of the
    range, :data:`FLAT_SPREAD_LOSSY` for JPEG), the blob lies inside one
    cell and takes that value. Blobs that touch the box's edge, are thicker
    than ``width`` (masked cells, areas of background) or are surrounded by
    several values (a line crossing cells, text over a smooth field) are
    left as they are.

    Parameters
    ----------
    decoded : Decoded
        After :func:`decode` (and :func:`clean_overlays`): its ``distance``
        and ``neutral`` are the pixels' own.
    scale : ColorScale
    width : int, optional
        Thickest blob filled, pixels (default :func:`overlay_width` of the box, at least 3).
    lossy : bool
        The figure is a JPEG.
    level : float, optional
        Colour distance up to which a pixel is plain data (default :func:`clean_level`).
    opaque : (H, W) bool, optional
        False where the pixel is transparent: blobs holding such pixels are never filled.

    Returns
    -------
    Decoded
        With the blobs' pixels set to their cell's value; the colour distance is kept.
    """
    value = decoded.value
    finite = np.isfinite(value)
    if not finite.any():
        return decoded
    width = overlay_width(value.shape) if width is None else int(width)
    level = clean_level(np.where(finite, decoded.distance, np.float32(np.nan))) if level is None else level
    with np.errstate(invalid="ignore"):
        suspect = ~finite | (decoded.distance > level)
    neutral = decoded.neutral
    if neutral is not None and np.count_nonzero(neutral & finite) <= 0.5 * np.count_nonzero(finite):
        with np.errstate(invalid="ignore"):  # neutral colours exactly on the scale are cells of its grey part
            suspect |= neutral & ~(decoded.distance <= EXACT_DISTANCE)
    if not suspect.any() or suspect.all():
        return decoded
    labels, n = ndimage.label(suspect, structure=np.ones((3, 3), bool))
    # thick blobs (a (2 width + 1) square fits inside) and blobs at the box's edge are not text in a cell
    deep = ndimage.minimum_filter(suspect.view(np.uint8), size=2 * width + 1, mode="constant", cval=0).astype(bool)
    reject = np.zeros(n + 1, bool)
    reject[np.unique(labels[deep])] = True
    edges = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    reject[np.unique(edges)] = True
    if opaque is not None:
        reject[np.unique(labels[~opaque])] = True
    reject[0] = True
    # the plain pixels around each blob: the blob's label spread by one pixel onto them
    around = ndimage.maximum_filter(labels, size=3, mode="constant", cval=0)
    ring = ~suspect & (around > 0)
    ring_labels = around[ring]
    u = _positions(scale, value)[ring].astype(np.float64)
    index = np.arange(1, n + 1)
    count = np.bincount(ring_labels, minlength=n + 1)[1:]
    if not count.any():
        return decoded
    low = np.asarray(ndimage.minimum(u, ring_labels, index))
    high = np.asarray(ndimage.maximum(u, ring_labels, index))
    spread = FLAT_SPREAD_LOSSY if lossy else FLAT_SPREAD
    take = np.zeros(n + 1, bool)
    area = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    take[1:] = (count > 0) & (high - low <= spread) & ~reject[1:] & (area >= FILL_MIN_PIXELS)
    if not take.any():
        return decoded
    centre = np.full(n + 1, np.nan, np.float32)
    centre[1:][take[1:]] = np.asarray(ndimage.median(value[ring], ring_labels, index[take[1:]]))
    u_all = _positions(scale, value)
    u_centre = _positions(scale, centre)
    objects = ndimage.find_objects(labels)
    for k in np.flatnonzero(take):
        rows, cols = objects[k - 1]
        take[k] = _in_flat_rectangle(labels, int(k), (rows, cols), u_all, float(u_centre[k]), spread)
    if not take.any():
        return decoded
    where = take[labels]
    out = value.copy()
    out[where] = centre[labels[where]]
    return replace(decoded, value=out)
