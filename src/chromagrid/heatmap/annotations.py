"""Annotations: read the numbers printed in the cells of an annotated heat map.

``seaborn.heatmap(annot=True)`` and matplotlib's "annotated heatmap" gallery recipe (``ax.text`` in
each cell) print every cell's value. :func:`read_cell_texts` reads them with the OCR of
:mod:`chromagrid.find.ocr`, called a few times for the whole heat map, never once per cell:

1. **text height**: the height of the ink that stands out from each cell's own colour, over the
   cells, gives the upscaling that makes the digits about :data:`TARGET_INK_PX` pixels high;
2. **first pass**: the area spanned by the cells (in a few tiles aligned on cell boundaries when it
   is large) is read as it is; each line read goes to the cell holding its centre (a line spanning
   several cells is split at its spaces);
3. **second pass**: the cells left unread, unparsed or read with a low score are redrawn, each
   stretched from its own colour to white and its ink to black (seaborn writes white text on dark
   cells and black on light ones), on a white canvas of the same geometry, which is read once more;
   the better reading of each cell is kept.

:func:`reconcile` compares the numbers read with the matrix decoded from the colours, allowing for
the rounding of the printed decimals and for a printed scale factor (percent, x100, ...).
:func:`values_from_text` gives the printed numbers where legible and the colour values elsewhere.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from chromagrid.find.ocr import TextBox, parse_number, read_text

__all__ = [
    "CellTexts",
    "read_cell_texts",
    "reconcile",
    "values_from_text",
    "printed_unit",
    "printed_decimals",
    "detect_scale_factor",
    "estimate_text_height",
]

#: Ink height (pixels, after scaling) the digits are brought to before OCR.
TARGET_INK_PX = 22.0
#: Bounds of the upscaling factor.
MIN_SCALE, MAX_SCALE = 0.6, 4.0
#: Longest side (pixels, after scaling) of one OCR tile; RapidOCR shrinks larger images.
MAX_TILE_PX = 1800
#: A grey difference (0-255) from the cell's own colour above which a pixel is ink.
INK_CONTRAST = 50.0
#: A cell read with a lower score than this is read again in the second pass.
RETRY_CONFIDENCE = 0.85
#: Scale factors a printed number may carry against the colour value (printed = value * factor).
SCALE_FACTORS = (1.0, 100.0, 0.01, 10.0, 0.1, 1000.0, 0.001)

_SCI = re.compile(r"^[-+]?(\d*)(?:\.(\d*))?[eE]([-+]?\d+)")
_PLAIN = re.compile(r"^[-+]?\d*(?:\.(\d+))?%?$")


@dataclass(frozen=True)
class CellTexts:
    """The numbers printed in the cells of a heat map, as read by :func:`read_cell_texts`.

    Attributes
    ----------
    values : numpy.ndarray
        (nrows, ncols) float, the printed number per cell, NaN where none was read.
    texts : numpy.ndarray
        (nrows, ncols) object array of the raw OCR text ('' where none).
    confidence : numpy.ndarray
        (nrows, ncols) float OCR score, 0 where none.

    Examples
    --------
    >>> t = CellTexts(np.array([[0.5, np.nan]]), np.array([["0.50", ""]], dtype=object), np.array([[0.99, 0.0]]))
    >>> t.describe()["legible"], t.describe()["decimals"]
    (1, {'2': 1})
    """

    values: np.ndarray
    texts: np.ndarray
    confidence: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(nrows, ncols)."""
        return tuple(self.values.shape)

    @property
    def legible(self) -> np.ndarray:
        """Boolean (nrows, ncols): a number was read in the cell."""
        return np.isfinite(self.values)

    def decimals(self) -> np.ndarray:
        """(nrows, ncols) int: decimals printed in each legible cell (-1 where none was read)."""
        out = np.full(self.shape, -1, dtype=int)
        for (r, c), text in np.ndenumerate(self.texts):
            if np.isfinite(self.values[r, c]):
                out[r, c] = printed_decimals(str(text))
        return out

    def units(self) -> np.ndarray:
        """(nrows, ncols) float: the unit of the last printed digit (NaN where none was read)."""
        out = np.full(self.shape, np.nan)
        for (r, c), text in np.ndenumerate(self.texts):
            if np.isfinite(self.values[r, c]):
                out[r, c] = printed_unit(str(text))
        return out

    def describe(self) -> dict:
        """A JSON-able summary: cells, cells with text, cells legible (a number read), their share,
        the decimals seen (count per number of decimals) and the mean score of the legible cells."""
        n = int(self.values.size)
        legible = self.legible
        n_legible = int(legible.sum())
        with_text = int(sum(1 for t in self.texts.ravel() if str(t)))
        dec = Counter(str(d) for d in self.decimals()[legible].tolist())
        conf = float(self.confidence[legible].mean()) if n_legible else 0.0
        return {
            "cells": n,
            "rows": int(self.shape[0]),
            "cols": int(self.shape[1]),
            "with_text": with_text,
            "legible": n_legible,
            "legible_share": round(n_legible / n, 4) if n else 0.0,
            "decimals": dict(sorted(dec.items())),
            "mean_confidence": round(conf, 4),
        }


# ------------------------------------------------------------------------------------------------
# Printed numbers


def _clean(text: str) -> str:
    t = str(text).strip().replace(" ", "")
    for ch in "−–—‐‑‒﹣－":
        t = t.replace(ch, "-")
    return t


def printed_decimals(text: str) -> int:
    """Number of digits after the decimal point of a printed number (of its mantissa when scientific).

    Examples
    --------
    >>> printed_decimals("0.53"), printed_decimals("−12"), printed_decimals("1.2e+03"), printed_decimals("25.0%")
    (2, 0, 1, 1)
    """
    t = _clean(text)
    m = _SCI.match(t)
    if m:
        return len(m.group(2) or "")
    m = _PLAIN.match(t)
    if m:
        return len(m.group(1) or "")
    return len(t.split(".", 1)[1]) if "." in t else 0


def printed_unit(text: str) -> float:
    """The value of one unit in the last printed digit: the number was rounded to a multiple of it.

    Examples
    --------
    >>> printed_unit("0.53"), printed_unit("81"), printed_unit("1.2e+03"), printed_unit("−0.5")
    (0.01, 1.0, 100.0, 0.1)
    """
    t = _clean(text)
    m = _SCI.match(t)
    if m:
        return float(10.0 ** (int(m.group(3)) - len(m.group(2) or "")))
    return float(10.0 ** -printed_decimals(t))


def _parse_cell(text: str) -> float | None:
    """The number a cell's text shows, or None (text with letters beyond an exponent is not a number)."""
    value = parse_number(text)
    if value is None or not math.isfinite(value):
        return None
    return float(value)


# ------------------------------------------------------------------------------------------------
# Geometry


def _as_boxes(cell_boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(cell_boxes, dtype=float)
    if boxes.ndim != 3 or boxes.shape[2] != 4 or boxes.shape[0] < 1 or boxes.shape[1] < 1:
        raise ValueError(f"cell_boxes must have shape (nrows, ncols, 4), got {boxes.shape}")
    return np.rint(boxes).astype(int)


def _inner(box: np.ndarray, share: float = 0.08) -> tuple[int, int, int, int]:
    """A cell's box less a margin of ``share`` of its size (and at least one pixel) on each side."""
    x0, y0, x1, y1 = (int(v) for v in box)
    mx = max(1, int(round(share * (x1 - x0))))
    my = max(1, int(round(share * (y1 - y0))))
    if x1 - x0 <= 2 * mx or y1 - y0 <= 2 * my:
        return x0, y0, x1, y1
    return x0 + mx, y0 + my, x1 - mx, y1 - my


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _ink(cell_grey: np.ndarray) -> np.ndarray:
    """Pixels of a cell that stand out from its commonest grey (text), or none."""
    if cell_grey.size == 0:
        return np.zeros(cell_grey.shape, bool)
    diff = np.abs(cell_grey - np.median(cell_grey))
    peak = float(diff.max())
    if peak < INK_CONTRAST:
        return np.zeros(cell_grey.shape, bool)
    return diff > max(INK_CONTRAST, 0.5 * peak)


def has_cell_text(rgb: np.ndarray, cell_boxes: np.ndarray, share: float = 0.5) -> bool:
    """Whether most cells carry printed text: ink (pixels standing out from the cell's own colour) over
    1-50 % of the cell's inner area, in at least ``share`` of the cells. Cheap: no OCR.

    Examples
    --------
    >>> img = np.full((20, 40, 3), 200, np.uint8)
    >>> img[8:12, 4:16] = 20                       # a dark mark in the left cell only
    >>> boxes = np.array([[[0, 0, 20, 20], [20, 0, 40, 20]]])
    >>> has_cell_text(img, boxes), has_cell_text(img, boxes, share=0.5 + 1e-9)
    (True, False)
    """
    boxes = _as_boxes(cell_boxes).reshape(-1, 4)
    grey = _grey(np.asarray(rgb))
    with_ink = 0
    for box in boxes:
        x0, y0, x1, y1 = _inner(box)
        ink = _ink(grey[y0:y1, x0:x1])
        with_ink += bool(ink.size) and 0.01 <= float(ink.mean()) <= 0.5
    return bool(len(boxes)) and with_ink >= share * len(boxes)


def estimate_text_height(rgb: np.ndarray, cell_boxes: np.ndarray) -> float | None:
    """Median height (pixels) of the ink printed in the cells, or None when no cell shows any.

    Examples
    --------
    >>> img = np.full((20, 40, 3), 255, np.uint8); img[6:13, 5:9] = 0; img[6:13, 25:29] = 0
    >>> estimate_text_height(img, np.array([[[0, 0, 20, 20], [20, 0, 40, 20]]]))
    7.0
    """
    img = np.asarray(rgb)
    boxes = _as_boxes(cell_boxes)
    grey = _grey(img)
    heights = []
    for box in boxes.reshape(-1, 4):
        x0, y0, x1, y1 = _inner(box)
        ink = _ink(grey[y0:y1, x0:x1])
        rows = np.flatnonzero(ink.any(axis=1))
        if rows.size:
            heights.append(rows[-1] - rows[0] + 1)
    return float(np.median(heights)) if heights else None


def choose_scale(text_height: float | None, area: tuple[int, int, int, int]) -> float:
    """The upscaling factor bringing printed digits to :data:`TARGET_INK_PX` (the area's size when unknown).

    Examples
    --------
    >>> choose_scale(11.0, (0, 0, 500, 400))
    2.0
    """
    if text_height is None or text_height <= 0:
        long_side = max(area[2] - area[0], area[3] - area[1], 1)
        return float(max(1.0, min(3.0, 2000 / long_side)))
    return float(min(MAX_SCALE, max(MIN_SCALE, TARGET_INK_PX / text_height)))


def _groups(n: int, size: float, limit: float) -> list[tuple[int, int]]:
    """Split ``n`` cells of ``size`` scaled pixels each into runs no longer than ``limit``."""
    per = max(1, int(limit // max(size, 1.0)))
    k = math.ceil(n / per)
    bounds = np.linspace(0, n, k + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def plan_tiles(cell_boxes: np.ndarray, scale: float, limit: int = MAX_TILE_PX) -> list[tuple[int, int, int, int]]:
    """Tiles ``(r0, r1, c0, c1)`` of whole cells whose scaled size stays within ``limit`` pixels.

    Examples
    --------
    >>> boxes = np.stack(np.meshgrid(np.arange(4) * 100, np.arange(2) * 100), -1)
    >>> boxes = np.concatenate([boxes, boxes + 100], -1)
    >>> plan_tiles(boxes, 2.0, limit=500)
    [(0, 2, 0, 2), (0, 2, 2, 4)]
    """
    boxes = _as_boxes(cell_boxes)
    nrows, ncols = boxes.shape[:2]
    cell_w = float(np.median(boxes[..., 2] - boxes[..., 0])) * scale
    cell_h = float(np.median(boxes[..., 3] - boxes[..., 1])) * scale
    return [(r0, r1, c0, c1) for r0, r1 in _groups(nrows, cell_h, limit) for c0, c1 in _groups(ncols, cell_w, limit)]


def _tile_box(boxes: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> tuple[int, int, int, int]:
    sub = boxes[r0:r1, c0:c1]
    return int(sub[..., 0].min()), int(sub[..., 1].min()), int(sub[..., 2].max()), int(sub[..., 3].max())


# ------------------------------------------------------------------------------------------------
# Assigning lines of text to cells


def _cells_of(boxes: np.ndarray, x: float, y: float) -> tuple[int, int] | None:
    """The cell holding point (x, y), else the nearest cell centre within half a cell, else None."""
    inside = (boxes[..., 0] <= x) & (x < boxes[..., 2]) & (boxes[..., 1] <= y) & (y < boxes[..., 3])
    hits = np.argwhere(inside)
    if hits.size:
        return int(hits[0, 0]), int(hits[0, 1])
    cx = (boxes[..., 0] + boxes[..., 2]) / 2.0
    cy = (boxes[..., 1] + boxes[..., 3]) / 2.0
    w = np.maximum(boxes[..., 2] - boxes[..., 0], 1)
    h = np.maximum(boxes[..., 3] - boxes[..., 1], 1)
    d = np.maximum(np.abs(x - cx) / w, np.abs(y - cy) / h)
    r, c = np.unravel_index(int(np.argmin(d)), d.shape)
    return (int(r), int(c)) if d[r, c] <= 0.75 else None


def _pieces(line: TextBox, boxes: np.ndarray) -> list[tuple[int, int, str, float, float]]:
    """``(row, col, text, score, x_centre)`` for a line of text: one piece, or one per cell it spans when its
    space-separated words match the cells crossed."""
    bx0, by0, bx1, by1 = line.box
    cy = (by0 + by1) / 2.0
    home = _cells_of(boxes, (bx0 + bx1) / 2.0, cy)
    if home is None:
        return []
    r, c = home
    words = line.text.split()
    cell_w = max(1, int(boxes[r, c, 2] - boxes[r, c, 0]))
    if len(words) > 1 and bx1 - bx0 > 1.2 * cell_w:
        first = _cells_of(boxes, bx0 + 1.0, cy)
        last = _cells_of(boxes, bx1 - 1.0, cy)
        if first is not None and last is not None and first[0] == last[0] and last[1] - first[1] + 1 == len(words):
            return [
                (first[0], first[1] + i, w, line.confidence, float(boxes[first[0], first[1] + i, 0]))
                for i, w in enumerate(words)
            ]
    return [(r, c, line.text, line.confidence, (bx0 + bx1) / 2.0)]


def _merge_pieces(pieces: list[tuple[str, float, float]]) -> tuple[str, float]:
    """One text per cell from its pieces: joined left to right when that parses, else the best that parses."""
    pieces = sorted(pieces, key=lambda p: p[2])
    joined = "".join(p[0] for p in pieces).replace(" ", "")
    score = float(min(p[1] for p in pieces))
    if len(pieces) == 1 or _parse_cell(joined) is not None:
        return joined if len(pieces) > 1 else pieces[0][0], score
    good = [p for p in pieces if _parse_cell(p[0]) is not None]
    if good:
        best = max(good, key=lambda p: p[1])
        return best[0], float(best[1])
    return joined, score


def _assign(lines: list[TextBox], boxes: np.ndarray) -> dict[tuple[int, int], tuple[str, float]]:
    per_cell: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
    for line in lines:
        for r, c, text, score, xc in _pieces(line, boxes):
            per_cell.setdefault((r, c), []).append((text, score, xc))
    return {cell: _merge_pieces(p) for cell, p in per_cell.items()}


# ------------------------------------------------------------------------------------------------
# OCR passes


def normalise_cell(cell_rgb: np.ndarray) -> np.ndarray:
    """A cell redrawn as dark text on white: its distance in grey from its commonest grey, stretched.

    A cell without ink (no pixel :data:`INK_CONTRAST` away from its colour) becomes blank white.

    Examples
    --------
    >>> cell = np.zeros((10, 10, 3), np.uint8); cell[4:6, 3:7] = 255  # white text on black
    >>> out = normalise_cell(cell); int(out[0, 0, 0]), int(out[5, 5, 0])
    (255, 0)
    """
    grey = _grey(np.asarray(cell_rgb))
    out = np.full(grey.shape + (3,), 255, np.uint8)
    if grey.size == 0:
        return out
    diff = np.abs(grey - np.median(grey))
    peak = float(diff.max())
    if peak < INK_CONTRAST:
        return out
    v = 255.0 - 255.0 * np.clip((diff - 0.1 * peak) / (0.8 * peak), 0.0, 1.0)
    out[...] = v.astype(np.uint8)[..., None]
    return out


def _normalised_canvas(rgb: np.ndarray, boxes: np.ndarray, cells: list[tuple[int, int]]) -> np.ndarray:
    """A white copy of the image with only ``cells`` drawn, each normalised (its gridline margin left white)."""
    canvas = np.full(rgb.shape[:2] + (3,), 255, np.uint8)
    for r, c in cells:
        x0, y0, x1, y1 = _inner(boxes[r, c], share=0.03)
        if x1 > x0 and y1 > y0:
            canvas[y0:y1, x0:x1] = normalise_cell(rgb[y0:y1, x0:x1, :3])
    return canvas


def _ocr_cells(
    rgb: np.ndarray, boxes: np.ndarray, cells: set[tuple[int, int]] | None, scale: float, limit: int
) -> dict[tuple[int, int], tuple[str, float]]:
    """Read the tiles holding ``cells`` (all when None) and assign the lines to those cells."""
    tiles = []
    for r0, r1, c0, c1 in plan_tiles(boxes, scale, limit):
        wanted = [(r, c) for r in range(r0, r1) for c in range(c0, c1) if cells is None or (r, c) in cells]
        if wanted:
            rows, cols = [r for r, _ in wanted], [c for _, c in wanted]
            tiles.append(((r0, c0), _tile_box(boxes, min(rows), max(rows) + 1, min(cols), max(cols) + 1), (r1, c1)))

    def read(box: tuple[int, int, int, int]) -> list[TextBox]:
        try:
            return read_text(rgb, box=box, scale=scale)
        except ValueError:
            return []

    # the OCR model runs on one thread per call (chromagrid.find.ocr): two tiles at once use both cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(read, [box for _, box, _ in tiles]))
    out: dict[tuple[int, int], tuple[str, float]] = {}
    for ((r0, c0), _, (r1, c1)), lines in zip(tiles, readings):
        for (r, c), reading in _assign(lines, boxes[r0:r1, c0:c1]).items():
            cell = (r + r0, c + c0)
            if cells is None or cell in cells:
                out[cell] = reading
    return out


def _better(old: tuple[str, float] | None, new: tuple[str, float]) -> bool:
    if old is None:
        return True
    old_ok, new_ok = _parse_cell(old[0]) is not None, _parse_cell(new[0]) is not None
    if old_ok != new_ok:
        return new_ok
    return new[1] > old[1]


def read_cell_texts(
    rgb: np.ndarray,
    cell_boxes: np.ndarray,
    *,
    scale: float | None = None,
    second_pass: bool = True,
    tile_px: int = MAX_TILE_PX,
) -> CellTexts:
    """Read the number printed in every cell of a heat map.

    Parameters
    ----------
    rgb : numpy.ndarray
        H x W x 3 (or 4) uint8 image of the figure.
    cell_boxes : numpy.ndarray
        (nrows, ncols, 4) int pixel boxes (x0, y0, x1, y1), x1/y1 exclusive, of every cell (floats are
        rounded).
    scale : float, optional
        Upscaling before OCR; by default the one bringing the printed digits to :data:`TARGET_INK_PX`.
    second_pass : bool
        Read the cells left unread (or unparsed, or read with a score under :data:`RETRY_CONFIDENCE`)
        again, contrast-normalised to dark text on white.
    tile_px : int
        Longest side (after scaling) of one OCR call.

    Returns
    -------
    CellTexts
        Values (NaN where no number was read), raw texts and scores per cell.

    Raises
    ------
    ValueError
        If ``cell_boxes`` is not (nrows, ncols, 4) or the image is not an image.

    Examples
    --------
    >>> texts = read_cell_texts(rgb, result.cell_boxes)  # doctest: +SKIP
    >>> texts.describe()["legible_share"]  # doctest: +SKIP
    1.0
    """
    img = np.asarray(rgb)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f"expected an H x W x 3 image, got shape {img.shape}")
    img = np.ascontiguousarray(img[:, :, :3])
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    boxes = _as_boxes(cell_boxes)
    h, w = img.shape[:2]
    boxes[..., 0::2] = np.clip(boxes[..., 0::2], 0, w)
    boxes[..., 1::2] = np.clip(boxes[..., 1::2], 0, h)
    area = (int(boxes[..., 0].min()), int(boxes[..., 1].min()), int(boxes[..., 2].max()), int(boxes[..., 3].max()))
    s = float(scale) if scale is not None else choose_scale(estimate_text_height(img, boxes), area)

    readings = _ocr_cells(img, boxes, None, s, tile_px)
    if second_pass:
        retry = {
            (r, c)
            for r in range(boxes.shape[0])
            for c in range(boxes.shape[1])
            if (r, c) not in readings or _parse_cell(readings[r, c][0]) is None or readings[r, c][1] < RETRY_CONFIDENCE
        }
        grey = _grey(img)
        retry = {
            cell
            for cell in retry
            if _ink(grey[slice(*_inner(boxes[cell])[1::2]), slice(*_inner(boxes[cell])[0::2])]).any()
        }
        if retry:
            canvas = _normalised_canvas(img, boxes, sorted(retry))
            for cell, reading in _ocr_cells(canvas, boxes, retry, s, tile_px).items():
                if _better(readings.get(cell), reading):
                    readings[cell] = reading
    return _to_cell_texts(readings, boxes.shape[:2])


def _to_cell_texts(readings: dict[tuple[int, int], tuple[str, float]], shape: tuple[int, int]) -> CellTexts:
    values = np.full(shape, np.nan)
    texts = np.full(shape, "", dtype=object)
    conf = np.zeros(shape)
    for (r, c), (text, score) in readings.items():
        texts[r, c] = text
        conf[r, c] = score
        v = _parse_cell(text)
        if v is not None:
            values[r, c] = v
    return CellTexts(values=values, texts=texts, confidence=conf)


# ------------------------------------------------------------------------------------------------
# Comparing with the colours


def detect_scale_factor(
    colour_values: np.ndarray,
    printed: np.ndarray,
    span: float,
    tolerance: float = 0.02,
    units: np.ndarray | None = None,
) -> float:
    """The factor the numbers were printed with (printed = value * factor), from :data:`SCALE_FACTORS`.

    Each factor is scored by the cells it makes agree (within ``tolerance * span`` plus half a printed
    ``units``); a factor other than 1 is taken only when it makes more cells agree than 1 does, and at
    least half of them.

    Examples
    --------
    >>> v = np.array([0.1, 0.5, 0.9]); detect_scale_factor(v, v * 100, 1.0), detect_scale_factor(v, v, 1.0)
    (100.0, 1.0)
    """
    a = np.asarray(colour_values, float)
    b = np.asarray(printed, float)
    u = np.zeros(a.shape) if units is None else np.nan_to_num(np.asarray(units, float), nan=0.0)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any() or not span > 0:
        return 1.0
    a, b, u = a[ok], b[ok], u[ok]
    limit = tolerance * abs(span)
    counts = {k: int((np.abs(a - b / k) <= limit + 0.5 * u / k).sum()) for k in SCALE_FACTORS}
    best = max(SCALE_FACTORS, key=lambda k: counts[k])  # ties keep the earlier (1 first)
    if best != 1.0 and counts[best] > counts[1.0] and counts[best] >= 0.5 * a.size:
        return float(best)
    return 1.0


def reconcile(colour_values: np.ndarray, texts: CellTexts, span: float, tolerance: float = 0.02) -> dict:
    """Compare the colour-decoded matrix with the printed one.

    Parameters
    ----------
    colour_values : numpy.ndarray
        (nrows, ncols) values decoded from the colours (NaN where none).
    texts : CellTexts
        The printed numbers (:func:`read_cell_texts`).
    span : float
        The colour range (vmax - vmin).
    tolerance : float
        Share of ``span`` within which a colour value and a printed one agree; the rounding of the printed
        decimals (half a unit of the last printed digit) is allowed on top.

    Returns
    -------
    dict
        ``disagree``: list of ``{"row", "col", "colour", "text"}`` (``text`` the printed value, ``raw`` its
        text) where ``|colour - text / factor|`` exceeds the allowance; ``agree``, ``compared`` (cells with
        both values), ``legible`` (cells with a printed number); ``scale_factor`` (printed = value * factor)
        and ``decimals`` (the commonest number of printed decimals, or None).

    Examples
    --------
    >>> t = CellTexts(np.array([[50.0, 20.0, 70.0]]), np.array([["50%", "20%", "70%"]], dtype=object), np.ones((1, 3)))
    >>> out = reconcile(np.array([[0.5, 0.9, 0.7]]), t, span=1.0)
    >>> out["scale_factor"], out["agree"], [(d["row"], d["col"]) for d in out["disagree"]]
    (100.0, 2, [(0, 1)])
    """
    colour = np.asarray(colour_values, float)
    if colour.shape != texts.values.shape:
        raise ValueError(f"colour_values has shape {colour.shape}, the texts {texts.values.shape}")
    printed = texts.values
    units = texts.units()
    factor = detect_scale_factor(colour, printed, span, tolerance, units)
    both = np.isfinite(colour) & np.isfinite(printed)
    allowed = tolerance * abs(span) + 0.5 * np.nan_to_num(units, nan=0.0) / factor
    diff = np.abs(colour - printed / factor)
    bad = both & (diff > allowed * (1 + 1e-9))
    disagree = [
        {
            "row": int(r),
            "col": int(c),
            "colour": float(colour[r, c]),
            "text": float(printed[r, c]),
            "raw": str(texts.texts[r, c]),
        }
        for r, c in np.argwhere(bad)
    ]
    dec = Counter(texts.decimals()[texts.legible].tolist()).most_common(1)
    return {
        "disagree": disagree,
        "agree": int((both & ~bad).sum()),
        "compared": int(both.sum()),
        "legible": int(texts.legible.sum()),
        "scale_factor": float(factor),
        "decimals": int(dec[0][0]) if dec else None,
    }


def values_from_text(
    colour_values: np.ndarray,
    texts: CellTexts,
    *,
    scale_factor: float | None = 1.0,
    span: float | None = None,
    max_disagreement: float | None = None,
) -> np.ndarray:
    """The printed number where legible, else the colour value.

    Parameters
    ----------
    colour_values : numpy.ndarray
        (nrows, ncols) values decoded from the colours.
    texts : CellTexts
        The printed numbers.
    scale_factor : float or None
        The printed numbers are divided by it (percent: 100); None detects it (:func:`detect_scale_factor`).
    span : float, optional
        The colour range, for the detection and ``max_disagreement``; by default the colour values' range.
    max_disagreement : float, optional
        Keep the colour value where the printed one differs from it by more than this share of ``span``
        (a misread digit); by default every legible number is taken.

    Returns
    -------
    numpy.ndarray
        ``matrix`` with the legible printed numbers in place of the colour values.

    Examples
    --------
    >>> t = CellTexts(np.array([[0.53, np.nan]]), np.array([["0.53", ""]], dtype=object), np.array([[1.0, 0.0]]))
    >>> values_from_text(np.array([[0.531, 0.2]]), t).tolist()
    [[0.53, 0.2]]
    """
    colour = np.asarray(colour_values, float)
    if colour.shape != texts.values.shape:
        raise ValueError(f"colour_values has shape {colour.shape}, the texts {texts.values.shape}")
    if span is None:
        finite = colour[np.isfinite(colour)]
        span = float(finite.max() - finite.min()) if finite.size else 0.0
    factor = (
        detect_scale_factor(colour, texts.values, span, units=texts.units())
        if scale_factor is None
        else float(scale_factor)
    )
    printed = texts.values / factor
    take = np.isfinite(printed)
    if max_disagreement is not None and span > 0:
        far = np.isfinite(colour) & (np.abs(printed - colour) > max_disagreement * span)
        take &= ~far
    return np.where(take, printed, colour)
