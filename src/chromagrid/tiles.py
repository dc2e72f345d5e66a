"""Tiled decode of very large figures (tens of thousands of pixels a side) with dask.array.

:func:`chromagrid.pipeline.run` works on whole-image arrays: for an H x W box
it makes a colour code and an index per pixel, the float32 value and distance
grids and the overlay clean-up's masks, well over 20 bytes per pixel on top of
the RGB array (and the reader briefly holds Pillow's copy of the image too).
For a 20,000 x 20,000 figure that is over 10 GB.

Here the figure is decoded tile by tile, and every tile with the *same* colour
scale, so the values are identical to an untiled run:

1. :func:`open_tiled` opens the image with Pillow and reads tiles out of it on
   demand, converting each to RGB (and an opacity mask) only when it is
   needed. PNG and JPEG cannot be decoded partially, so Pillow's decoded image
   is held once, whole: 4 bytes per pixel for RGB / RGBA images, 1 for palette
   and grey ones. No whole-image NumPy copy is made.
2. :func:`decode_tiled` takes a census of the figure's distinct colours tile by
   tile (a 16 MB presence table per tile in flight), picks the scale's colour
   table from it once, as :func:`chromagrid.decode.core.decode` does for a whole
   image, and then decodes each tile with that one table through
   :func:`chromagrid.pipeline.decode_box`. Decoding a colour does not depend on
   which other colours are present, so every tile's values equal the untiled
   ones. The overlay clean-up looks a few pixels around each pixel; tiles are
   decoded with an :data:`OVERLAP` margin of neighbouring pixels and trimmed,
   so it sees the same neighbourhood as in a whole-image run.
3. :func:`run_tiled` is :func:`chromagrid.pipeline.run` on top of it: the
   value and distance grids stay lazy dask arrays, the statistics are reduced
   tile by tile, and NetCDF outputs are written tile by tile, so the grids are
   never whole in memory. (A GeoTIFF output is made from the whole value grid:
   4 more bytes per pixel.)

Memory, then: Pillow's image (1-4 B/px) + about 100 MB of tables + the
temporaries of the tiles in flight (one per thread), instead of about 22 B/px
untiled. ``bench/batch.py`` measured a 400 MP RGB figure at 2.0 GB peak (4.8 B/px
above the process's imports) against 0.71 GB for a 25 MP figure decoded untiled.

Known gaps: on lossy (JPEG) figures the overlay clean-up derives a distance
level from the median over its whole input, which a tile cannot see, so
``decode.overlays: fill|mask`` can differ from an untiled run there; tiles
smooth JPEG pixels without :mod:`chromagrid.decode.jpeg`'s refinement (which reads
the whole file's DCT data); and :mod:`chromagrid.decode.interpolated`'s margins are
not restored (the source spacing is measured over the whole box).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from chromagrid.decode.core import SMOOTH_RADIUS, overlay_width, pack_rgb, pick_variant
from chromagrid.decode.frame import Frame, find_frame
from chromagrid.decode.gridlines import Gridlines, find_gridlines
from chromagrid.errors import ChromagridError, ConfigError
from chromagrid.scale.colorscale import ColorScale

#: Default tile side in pixels (a 1024 x 1024 tile with its margin costs about 100 MB of temporaries).
DEFAULT_TILE = 1024

#: Pixels of neighbouring tiles decoded around each tile and trimmed off, at least: :func:`decode_tiled`
#: widens it beyond the reach of the overlay clean-up (two stroke widths, and the stroke width grows
#: with the box) and of JPEG smoothing.
OVERLAP = 32

#: :func:`chromagrid.batch.run_item` decodes figures with more pixels than this in tiles.
TILED_ABOVE_PIXELS = 64_000_000

_TABLE_SIZE = 1 << 24


class _PillowSource:
    """Windows of a loaded Pillow image, converted on demand: ``[rows, cols]`` -> (h, w, 4) uint8.

    Channels 0-2 are RGB as :func:`chromagrid.io.image.read_image` makes them;
    channel 3 is 255 where the pixel is opaque, 0 where it is (partly) transparent.
    """

    def __init__(self, image):
        self.image = image
        self.shape = (image.size[1], image.size[0])

    def __getitem__(self, key) -> np.ndarray:
        from chromagrid.io.image import _to_rgb

        (y0, y1, _), (x0, x1, _) = key[0].indices(self.shape[0]), key[1].indices(self.shape[1])
        rgb, opaque = _to_rgb(self.image.crop((x0, y0, x1, y1)))
        out = np.empty((y1 - y0, x1 - x0, 4), np.uint8)
        out[..., :3] = rgb
        out[..., 3] = 255 if opaque is None else np.where(opaque, 255, 0)
        return out


class _ArraySource:
    """The same interface over in-memory arrays (RGB and an optional opacity mask)."""

    def __init__(self, rgb: np.ndarray, opaque: np.ndarray | None = None):
        self.rgb, self.opaque = rgb, opaque
        self.shape = rgb.shape[:2]

    def __getitem__(self, key) -> np.ndarray:
        rgb = self.rgb[key[0], key[1]]
        out = np.empty(rgb.shape[:2] + (4,), np.uint8)
        out[..., :3] = rgb
        out[..., 3] = 255 if self.opaque is None else np.where(self.opaque[key[0], key[1]], 255, 0)
        return out


class _RGBView:
    """``view[rows, cols]`` gives RGB from a source: what the colorbar sampler needs."""

    def __init__(self, source):
        self.source = source
        self.shape = tuple(source.shape) + (3,)

    def __getitem__(self, key) -> np.ndarray:
        return self.source[key[0], key[1]][..., :3]


@dataclass
class TiledImage:
    """A large image whose pixels are read a window at a time.

    Attributes
    ----------
    source : array-like
        ``source[rows, cols]`` gives (h, w, 4) uint8: RGB and opacity (255 = opaque).
    has_alpha : bool
        Whether any pixel can be transparent.
    path, sha256 : str
        The file and the SHA-256 of its bytes.
    """

    source: Any  # a lazy (h, w, 4) array: the decoded file, or a reader of its windows
    has_alpha: bool
    path: str = ""
    sha256: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.source.shape[1], self.source.shape[0]

    @property
    def rgb(self) -> _RGBView:
        """RGB windows: ``image.rgb[y0:y1, x0:x1]`` is an (h, w, 3) uint8 array."""
        return _RGBView(self.source)

    @classmethod
    def from_arrays(
        cls, rgb: np.ndarray, opaque: np.ndarray | None = None, path: str = "", sha256: str = ""
    ) -> TiledImage:
        """Wrap in-memory arrays (e.g. a :class:`~chromagrid.io.image.RasterImage`'s)."""
        return cls(_ArraySource(rgb, opaque), opaque is not None, path, sha256)


def open_tiled(path: str | os.PathLike, max_pixels: int) -> TiledImage:
    """Open an image for tiled reading: Pillow decodes it once; windows become arrays on demand.

    Raises
    ------
    ImageReadError
        As :func:`chromagrid.io.image.read_image` does (missing, corrupt, over ``max_pixels``).
    """
    from chromagrid.io.image import _to_rgb, file_sha256, open_decoded

    path = Path(path)
    im = open_decoded(path, max_pixels)
    sha256 = file_sha256(path)
    if im.mode in ("I", "F"):  # 32-bit grey: its scaling to 8 bits needs the whole image's range
        rgb, opaque = _to_rgb(im)
        return TiledImage.from_arrays(rgb, opaque, str(path), sha256)
    has_alpha = im.mode in ("LA", "PA", "RGBA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info)
    return TiledImage(_PillowSource(im), has_alpha, str(path), sha256)


def tile_windows(box, tile: int) -> list[list[tuple[int, int, int, int]]]:
    """Rows of tiles (x0, y0, x1, y1) covering ``box``, each at most ``tile`` pixels a side."""
    x0, y0, x1, y1 = box
    return [[(c, r, min(c + tile, x1), min(r + tile, y1)) for c in range(x0, x1, tile)] for r in range(y0, y1, tile)]


def _codes_present(source, window) -> np.ndarray:
    """Sorted distinct 24-bit colour codes of one window."""
    x0, y0, x1, y1 = window
    present = np.zeros(_TABLE_SIZE, dtype=bool)
    present[pack_rgb(np.ascontiguousarray(source[y0:y1, x0:x1][..., :3]))] = True
    return np.flatnonzero(present).astype(np.uint32)


def colour_census(image: TiledImage, box, tile: int = DEFAULT_TILE) -> np.ndarray:
    """(2^24,) bool: the colours present in ``box``, found one tile at a time (in parallel)."""
    import dask

    windows = [w for row in tile_windows(box, tile) for w in row]
    parts = dask.compute(*[dask.delayed(_codes_present)(image.source, w) for w in windows])
    present = np.zeros(_TABLE_SIZE, dtype=bool)
    for codes in parts:
        present[codes] = True
    return present


def _decode_window(
    source,
    has_alpha: bool,
    box,
    window,
    overlap: int,
    config,
    scale,
    table,
    width: int,
    frame: Frame,
    gridlines: Gridlines,
) -> np.ndarray:
    """Decode one tile with a margin of neighbours (clipped to the box); (h, w, 2) float32 value, distance."""
    from chromagrid.pipeline import decode_box

    bx0, by0, bx1, by1 = box
    x0, y0, x1, y1 = window
    ex0, ey0 = max(x0 - overlap, bx0), max(y0 - overlap, by0)
    ex1, ey1 = min(x1 + overlap, bx1), min(y1 + overlap, by1)
    rgba = source[ey0:ey1, ex0:ex1]
    opaque = rgba[..., 3] == 255 if has_alpha else None
    frame = frame.within(ey0 - by0, ex0 - bx0, rgba.shape[:2], (by1 - by0, bx1 - bx0))  # the box's edges it holds
    gridlines = gridlines.within(ey0 - by0, ex0 - bx0, rgba.shape[:2])
    decoded = decode_box(config, np.ascontiguousarray(rgba[..., :3]), scale, opaque, table, width, frame, gridlines)
    core = (slice(y0 - ey0, y1 - ey0), slice(x0 - ex0, x1 - ex0))
    return np.stack([decoded.value[core], decoded.distance[core]], axis=-1).astype(np.float32, copy=False)


@dataclass
class TiledDecoded:
    """Result of :func:`decode_tiled`.

    Attributes
    ----------
    value, distance : dask.array.Array
        (H, W) float32 lazy grids, identical to :func:`chromagrid.pipeline.decode_box`'s
        on the whole box; ``.compute()`` them, or write them tile by tile.
    scale : ColorScale
        The colour table every tile was decoded with.
    n_colors : int
        Number of distinct colours in the box.
    """

    value: Any  # dask arrays, which the grid builders take as any other array
    distance: Any
    scale: ColorScale
    n_colors: int
    stacked: Any = None  # (H, W, 2): value and distance, one dask chunk per tile


def decode_tiled(
    image: TiledImage, scale: ColorScale, config, box=None, tile: int = DEFAULT_TILE, overlap: int = OVERLAP
) -> TiledDecoded:
    """Decode the box of a large image tile by tile, with one colour table for all tiles.

    Parameters
    ----------
    image : TiledImage
        From :func:`open_tiled` or :meth:`TiledImage.from_arrays`.
    scale : ColorScale
    config : Config
        Its ``decode`` section is used (``max_distance``, ``overlays``).
    box : (x0, y0, x1, y1), optional
        Default: the whole image.
    tile : int
        Tile side in pixels.
    overlap : int
        Margin of neighbouring pixels decoded around each tile and trimmed off.

    Returns
    -------
    TiledDecoded
    """
    import dask
    import dask.array as da

    from chromagrid.pipeline import is_lossy

    width, height = image.size
    box = tuple(box or (0, 0, width, height))
    present = colour_census(image, box, tile)
    table = replace(pick_variant(scale, present), variants=())  # the figure's colour table, for every tile
    width = overlay_width((box[3] - box[1], box[2] - box[0]))  # the stroke width the whole box would get
    overlap = max(overlap, 2 * width + 4 + SMOOTH_RADIUS + 8)  # beyond the clean-up's and the smoothing's reach
    n_colors = int(np.count_nonzero(present))
    del present
    lossy = is_lossy(config.input)
    frame, gridlines = find_frame(image.source, box, lossy), find_gridlines(image.source, box, table, lossy)
    blocks = []
    for row in tile_windows(box, tile):
        blocks.append(
            [
                da.from_delayed(
                    dask.delayed(_decode_window)(
                        image.source, image.has_alpha, box, w, overlap, config, scale, table, width, frame, gridlines
                    ),
                    shape=(w[3] - w[1], w[2] - w[0], 2),
                    dtype=np.float32,
                )
                for w in row
            ]
        )
    both = da.concatenate([da.concatenate(row, axis=1) for row in blocks], axis=0)
    return TiledDecoded(value=both[..., 0], distance=both[..., 1], scale=table, n_colors=n_colors, stacked=both)


def _block_stats(block: np.ndarray, max_distance: float) -> tuple[int, np.ndarray, np.ndarray]:
    valid = np.isfinite(block[..., 0])
    own = valid & (block[..., 1] <= max_distance)  # decoded from its own colour, not filled
    d, counts = np.unique(block[..., 1][own], return_counts=True)
    return int(valid.sum()), d, counts


def weighted_percentile(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """``np.percentile(..., method="linear")`` of the multiset where each value appears ``count`` times."""
    order = np.argsort(values, kind="stable")
    v, cum = values[order].astype(np.float64), np.cumsum(counts[order])
    n = int(cum[-1])
    pos = q / 100.0 * (n - 1)
    lo = int(np.floor(pos))
    at = np.searchsorted(cum, [lo, min(lo + 1, n - 1)], side="right")
    return float(v[at[0]] + (pos - lo) * (v[at[1]] - v[at[0]]))


def tiled_statistics(decoded: TiledDecoded, max_distance: float) -> tuple[float, dict]:
    """Masked fraction and colour-distance statistics (mean, p50, p95, max), reduced tile by tile.

    Equal to :func:`chromagrid.pipeline.distance_statistics` on the whole grid
    (the mean up to float32 summation order): the distances of a figure take
    only as many distinct values as it has colours.
    """
    import dask

    parts = dask.compute(*[dask.delayed(_block_stats)(b, max_distance) for b in decoded.stacked.to_delayed().ravel()])
    total = int(np.prod(decoded.value.shape))
    n_valid = sum(p[0] for p in parts)
    masked = float(1.0 - n_valid / total)
    d = np.concatenate([p[1] for p in parts])
    c = np.concatenate([p[2] for p in parts])
    if n_valid == 0 or c.sum() == 0:
        return masked, {"mean": None, "p50": None, "p95": None, "max": None}
    stats = {
        "mean": float(np.dot(d.astype(np.float64), c) / c.sum()),
        "p50": weighted_percentile(d, c, 50),
        "p95": weighted_percentile(d, c, 95),
        "max": float(d.max()),
    }
    return masked, stats


def run_tiled(config, tile: int = DEFAULT_TILE):
    """:func:`chromagrid.pipeline.run` for one very large figure, decoded in tiles.

    Same checks, values, attributes and outputs; the returned ``result.grid``
    holds lazy dask arrays (``result.grid.load()`` brings them into memory).

    Parameters
    ----------
    config : Config, dict, or path to a YAML/TOML file
    tile : int
        Tile side in pixels.

    Returns
    -------
    chromagrid.pipeline.Result

    Raises
    ------
    ChromagridError
        As :func:`chromagrid.pipeline.run`; ConfigError for settings that need
        the whole image at once (``reduce``).

    Examples
    --------
    Tiles give the values of an untiled run:

    >>> import numpy as np, chromagrid
    >>> config = {"input": "examples/field.png", "box": [80, 40, 620, 460],
    ...           "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}}
    >>> tiled = run_tiled(config, tile=256).grid.load()
    >>> whole = chromagrid.run(config).grid
    >>> bool(np.array_equal(tiled["value"].values, whole["value"].values, equal_nan=True))
    True
    """
    import dask

    from chromagrid.config import check_against_image, load_config, validate_config
    from chromagrid.export.grid import write_grid
    from chromagrid.geo.georef import extent_transform, make_grid, parse_crs, pixel_transform
    from chromagrid.pipeline import Result, build_scale, provenance

    if isinstance(config, (str, os.PathLike)):
        config = load_config(config)
    elif isinstance(config, dict):
        config = validate_config(config)
    if getattr(config, "reduce_settings", None) is not None:
        raise ConfigError(
            f"{config.input}: reduce needs the whole grid in memory; decode this figure without "
            "tiles (chromagrid.run) or leave reduce out"
        )
    if config.box == "auto":
        raise ConfigError(
            f"{config.input}: box: auto needs the whole figure in memory; give the plot box "
            "(x0 y0 x1 y1) for a tiled decode"
        )
    image = open_tiled(config.input, config.image.max_pixels)
    width, height = image.size
    check_against_image(config, width, height)
    box = tuple(config.box or (0, 0, width, height))
    x0, y0, x1, y1 = box
    with dask.config.set(scheduler="threads"):
        scale = build_scale(config, cast(np.ndarray, image.rgb))  # its windows: all the colorbar sampler reads
        decoded = decode_tiled(image, scale, config, box, tile)
        masked, stats = tiled_statistics(decoded, config.decode.max_distance)
        if stats["max"] is None:
            raise ChromagridError(
                f"{config.input}: no pixel in box {list(box)} is within delta E {config.decode.max_distance} of "
                f"the colour scale '{scale.name}'; check the colormap, its reversal (_r), the box, or raise "
                "decode.max_distance"
            )
        georef = config.georef
        transform = (
            extent_transform(georef.extent, x1 - x0, y1 - y0) if georef.extent is not None else pixel_transform(box)
        )
        crs = parse_crs(georef.crs) if georef.crs else None
        grid = make_grid(
            decoded.value,
            transform,
            crs,
            distance=decoded.distance if config.decode.keep_distance else None,
            attrs=provenance(config, image, scale, box),
            units=config.units,
        )
        result = Result(grid=grid, scale=scale, config=config, box=box, masked_fraction=masked, distance_stats=stats)
        for path in config.output:
            result.outputs.append(write_grid(grid, path))
    return result
