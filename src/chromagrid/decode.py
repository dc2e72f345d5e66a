"""Decode stage: colour to value, by nearest point on the colour scale in CIELAB.

Every distinct colour of the image is decoded once:

1. pack each pixel's RGB into a 24-bit code and mark the codes present in a
   dense 2**24 table (no sort, unlike ``np.unique``);
2. convert the distinct colours and the scale's colours to CIELAB
   (scikit-image);
3. for continuous scales, project each colour onto the polyline through the
   scale's colours (the nearest of the segments next to its 4 nearest scale
   colours) and interpolate the position along that segment, so colours that
   lie between two neighbouring scale colours (anti-aliasing, bilinear
   resampling, JPEG) get a value in between; discrete scales snap to the
   nearest colour. A colour equal to a scale colour decodes to the centre of
   that colour's value interval;
4. the Euclidean CIELAB distance to that point is the colour distance (CIE76
   delta E); colours farther than ``max_distance`` are no data;
5. scatter the per-colour results back to the pixels through the table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from skimage.color import rgb2lab

from .colorscale import ColorScale

#: Default maximum colour distance (CIE76 delta E) for a pixel to count as data.
#: Chosen on ../shared/bench (see README, "Choosing max_distance").
DEFAULT_MAX_DISTANCE = 12.0

_TABLE_SIZE = 1 << 24


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
    """

    value: np.ndarray
    distance: np.ndarray
    n_colors: int

    @property
    def valid(self) -> np.ndarray:
        """H x W bool: pixels that got a value."""
        return np.isfinite(self.value)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 to H x W uint32 codes ``r << 16 | g << 8 | b``."""
    code = rgb[..., 0].astype(np.uint32) << 16
    code |= rgb[..., 1].astype(np.uint32) << 8
    code |= rgb[..., 2]
    return code


def unpack_rgb(codes: np.ndarray) -> np.ndarray:
    """uint32 codes to N x 3 uint8 colours."""
    codes = np.asarray(codes, np.uint32)
    return np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=-1).astype(np.uint8)


def to_lab(rgb8: np.ndarray) -> np.ndarray:
    """N x 3 uint8 sRGB colours to N x 3 CIELAB (D65)."""
    rgb8 = np.asarray(rgb8, np.uint8).reshape(-1, 3)
    return rgb2lab(rgb8[None, :, :].astype(np.float64) / 255.0)[0]


def nearest_on_scale(colors: np.ndarray, scale: ColorScale) -> tuple[np.ndarray, np.ndarray]:
    """Normalised position and delta E of the nearest point of the scale, per colour.

    Parameters
    ----------
    colors : (N, 3) uint8
    scale : ColorScale

    Returns
    -------
    position : (N,) float64
        In normalised units; see :meth:`ColorScale.to_values`.
    distance : (N,) float64
        CIE76 delta E to that point.
    """
    query = to_lab(colors)
    vertices = to_lab(scale.rgb)
    n_vertices = len(vertices)
    tree = cKDTree(vertices)
    k = min(4, n_vertices)
    dist, near = tree.query(query, k=k)
    dist, near = dist.reshape(len(query), k), near.reshape(len(query), k)
    if not scale.interpolate or n_vertices == 1:
        return scale.position[near[:, 0]], dist[:, 0]
    # candidate segments (s, s + 1) next to each of the k nearest vertices
    seg = np.concatenate([near - 1, near], axis=1)
    seg = np.clip(seg, 0, n_vertices - 2)
    start = vertices[seg]                       # (N, 2k, 3)
    step = vertices[seg + 1] - start
    length2 = np.einsum("ijk,ijk->ij", step, step)
    rel = query[:, None, :] - start
    t = np.einsum("ijk,ijk->ij", rel, step) / np.where(length2 > 0, length2, 1.0)
    t = np.clip(t, 0.0, 1.0)
    gap = rel - t[..., None] * step
    seg_dist = np.sqrt(np.einsum("ijk,ijk->ij", gap, gap))
    best = np.argmin(seg_dist, axis=1)
    rows = np.arange(len(query))
    s, t_best = seg[rows, best], t[rows, best]
    position = scale.position[s] + t_best * (scale.position[s + 1] - scale.position[s])
    return position, seg_dist[rows, best]


def decode(rgb: np.ndarray, scale: ColorScale, max_distance: float = DEFAULT_MAX_DISTANCE,
           opaque: np.ndarray | None = None) -> Decoded:
    """Decode an RGB array to values.

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

    Returns
    -------
    Decoded
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    code = pack_rgb(rgb)
    present = np.zeros(_TABLE_SIZE, dtype=bool)
    present[code] = True
    codes = np.flatnonzero(present).astype(np.uint32)
    del present
    position, distance = nearest_on_scale(unpack_rgb(codes), scale)
    color_value = scale.to_values(position).astype(np.float32)
    color_value[distance > max_distance] = np.nan
    color_distance = distance.astype(np.float32)
    if len(codes) <= np.iinfo(np.uint16).max:  # index table: cheaper to fill and gather
        table = np.zeros(_TABLE_SIZE, dtype=np.uint16)
        table[codes] = np.arange(len(codes), dtype=np.uint16)
        index = table[code]
        del table, code
        value, dist = color_value[index], color_distance[index]
    else:
        table = np.empty(_TABLE_SIZE, dtype=np.float32)
        table[codes] = color_value
        value = table[code]
        table[codes] = color_distance
        dist = table[code]
        del table
    if opaque is not None:
        value[~opaque] = np.nan
        dist[~opaque] = np.nan
    return Decoded(value=value, distance=dist, n_colors=int(len(codes)))
