"""OCR of tick labels (colorbar and axis) in rendered figures.

The engine is RapidOCR (``rapidocr-onnxruntime`` 1.4.x: PP-OCRv4 detection and recognition
models shipped inside the wheel, run by onnxruntime on the CPU; nothing is downloaded at run
time). It is imported lazily and built once per process.

:func:`read_text` finds and reads text lines in an RGB array (or a box of it) and returns them
as :class:`TextBox` objects in full-image pixels. Powers drawn as superscripts (matplotlib's
``$10^{-2}$``) are read flat by the recogniser (``"10-2"``); :func:`read_text` looks at the ink of
each line and, when its trailing glyphs sit raised above the baseline, marks the exponent with
``^`` (``"10^-2"``). :func:`parse_number` turns a label's text into a float: Unicode and
look-alike minus signs, decimals, scientific notation, powers of ten, percent, thousands
separators and degrees with hemispheres. :func:`parse_degrees` also tells which axis a degree
label belongs to.

This module imports nothing from the rest of chromagrid.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TextBox", "read_text", "parse_number", "parse_power", "parse_degrees"]


@dataclass(frozen=True)
class TextBox:
    """One line of text found by :func:`read_text`.

    Attributes
    ----------
    text : str
        The text as read; an exponent drawn as a superscript is marked with ``^``
        (``"10^-2"``).
    box : tuple of int
        ``(x0, y0, x1, y1)`` in full-image pixels, ``x1`` and ``y1`` exclusive.
    confidence : float
        The recogniser's score, 0 to 1.

    Examples
    --------
    >>> box = TextBox(text="0.7", box=(662, 33, 693, 48), confidence=0.87)
    >>> box.text, parse_number(box.text)
    ('0.7', 0.7)
    """

    text: str
    box: tuple[int, int, int, int]
    confidence: float


_ENGINE: Any = None
_ENGINE_LOCK = threading.Lock()

#: Text lines shorter than this (pixels) are upscaled before detection when ``scale`` is None.
_TARGET_TEXT_PX = 24.0
#: Automatic upscaling is bounded by this factor and by this many pixels on the long side.
_MAX_AUTO_SCALE = 3.0
_MAX_AUTO_SIDE = 2000
#: White border (pixels, after scaling) put around the image: detection misses text that
#: touches the edge of a small crop.
_PAD = 8


def _engine() -> Any:
    """The module's RapidOCR engine, built on first use (about 0.3 s)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                from rapidocr_onnxruntime import RapidOCR  # lazy: onnxruntime is heavy

                # Detection at the size given (downscaled only past 2000 px): RapidOCR's
                # default enlarges the short side to 736 px, which makes a thin strip of
                # labels tens of megapixels and takes seconds. read_text scales and pads
                # itself, so no letterbox either (by default a strip wider than 8:1 is padded
                # to a quarter of its width: a row of x-axis labels became 2000 x 500; 0.35 s
                # less on a 2 MP figure, bench/auto_speed.py). Recognition keeps its trained
                # 48 x 320 input: padding short labels less (48 x 96) was 0.3 s faster but lost
                # a tick on 6 of 41 colorbars of bench/ticks_check.py. One thread per model run:
                # callers read several regions at once from their own threads (the colorbar's and
                # the axes' labels beside colormap identification, the tiles of an annotated heat
                # map), and onnxruntime's own pool spins while it waits, taking the other core
                # from them (figure-only decode of a 2 MP figure: 4.8 s CPU -> 3.6 s, wall -30 %).
                _ENGINE = RapidOCR(
                    print_verbose=False,
                    det_limit_type="max",
                    det_limit_side_len=2000,
                    width_height_ratio=-1,
                    intra_op_num_threads=1,
                    inter_op_num_threads=1,
                )
    return _ENGINE


def _auto_scale(h: int, w: int) -> float:
    """Upscaling factor for a region of ``h`` by ``w`` pixels when the caller gives none.

    Tick labels are small: a 10 pt label is about 10 px tall at 72 dpi and 42 px at 300 dpi.
    The figure's (or region's) size stands in for its dpi: a small image is enlarged up to 3
    times, while the long side stays within 2000 pixels (RapidOCR shrinks larger images).
    """
    long_side = max(h, w, 1)
    return float(max(1.0, min(_MAX_AUTO_SCALE, _MAX_AUTO_SIDE / long_side)))


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-6:
        return rgb
    from PIL import Image

    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC))


def read_text(
    rgb: np.ndarray,
    box: tuple[int, int, int, int] | None = None,
    scale: float | None = None,
) -> list[TextBox]:
    """Find and read the text lines of an image (or a box of it).

    Parameters
    ----------
    rgb : numpy.ndarray
        H x W x 3 uint8 image (an H x W x 4 array loses its alpha; an H x W array is grey).
    box : tuple of int, optional
        ``(x0, y0, x1, y1)`` in image pixels (exclusive ends) to read only that part; it is
        clipped to the image.
    scale : float, optional
        Upscaling factor applied before OCR. None picks one from the region's size (small
        regions are enlarged up to 3 times); give 1.0 to read the pixels as they are.

    Returns
    -------
    list of TextBox
        Lines of text, top to bottom then left to right, with boxes in full-image pixels.
        Raised trailing glyphs (a superscript exponent) are marked with ``^``.

    Raises
    ------
    ValueError
        If the array is not an image or the box is empty.

    Examples
    --------
    The tick labels right of the colorbar of ``examples/field.png``, read by OCR:

    >>> from chromagrid.io import read_image
    >>> lines = read_text(read_image("examples/field.png").rgb, box=(660, 30, 698, 470))
    >>> [line.text for line in lines]
    ['0.7', '0.6', '0.5', '0.4', '0.3', '0.2', '0.1', '0.0']
    """
    img = np.asarray(rgb)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f"expected an H x W x 3 image, got shape {img.shape}")
    img = img[:, :, :3]
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    height, width = img.shape[:2]
    x0, y0, x1, y1 = (0, 0, width, height) if box is None else (int(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty box {box} for an image of {width} x {height}")
    region = np.ascontiguousarray(img[y0:y1, x0:x1])
    s = _auto_scale(*region.shape[:2]) if scale is None else float(scale)
    if not s > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    big = _resize(region, s)
    pad_value = _background(region)
    padded = np.empty((big.shape[0] + 2 * _PAD, big.shape[1] + 2 * _PAD, 3), np.uint8)
    padded[...] = pad_value
    padded[_PAD:-_PAD, _PAD:-_PAD] = big
    result, _ = _engine()(padded, use_det=True, use_cls=False, use_rec=True)
    out: list[TextBox] = []
    for points, text, score in result or []:
        pts = (np.asarray(points, float) - _PAD) / s
        bx0 = int(math.floor(pts[:, 0].min())) + x0
        by0 = int(math.floor(pts[:, 1].min())) + y0
        bx1 = int(math.ceil(pts[:, 0].max())) + x0
        by1 = int(math.ceil(pts[:, 1].max())) + y0
        bx0, by0 = max(bx0, x0), max(by0, y0)
        bx1, by1 = min(bx1, x1), min(by1, y1)
        text = str(text).strip()
        if not text or bx1 <= bx0 or by1 <= by0:
            continue
        text = _fix_line(text, img[by0:by1, bx0:bx1])
        if not text:
            continue
        out.append(TextBox(text, (bx0, by0, bx1, by1), float(score)))
    out.sort(key=lambda t: (t.box[1], t.box[0]))
    return out


def _background(region: np.ndarray) -> np.ndarray:
    """The commonest border colour of a region (median of its edge pixels)."""
    edge = np.concatenate([region[0], region[-1], region[:, 0], region[:, -1]])
    return np.median(edge, axis=0).astype(np.uint8)


def _glyph_runs(crop: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Column runs of ink in a text crop: ``(x0, x1, top, bottom)`` for each run."""
    grey = crop.astype(float).mean(axis=2)
    bg = float(np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])))
    diff = np.abs(grey - bg)
    peak = diff.max()
    if peak < 40:
        return []
    ink = diff > 0.45 * peak
    cols = ink.any(axis=0)
    runs: list[tuple[int, int, int, int]] = []
    x = 0
    n = cols.size
    while x < n:
        if not cols[x]:
            x += 1
            continue
        start = x
        while x < n and cols[x]:
            x += 1
        rows = np.flatnonzero(ink[:, start:x].any(axis=1))
        runs.append((start, x, int(rows[0]), int(rows[-1]) + 1))
    return runs


def _fix_line(text: str, crop: np.ndarray) -> str:
    """Correct a line read by the recogniser from the ink of its crop.

    A tick mark drawn just left of a label (a colorbar's ticks) is read as a leading minus:
    it is dropped when the first glyph is a flat stroke, shorter than a minus sign (about 0.8
    of the line's height) or cut by the crop's edge, and set apart from the next glyph.
    Then a raised exponent is marked (:func:`_mark_superscript`).
    """
    if crop.size == 0:
        return text
    compact = text.replace(" ", "")
    if compact[:1] in "-−–—‐" and len(compact) > 1:
        runs = _glyph_runs(crop)
        if len(runs) >= 2:
            h = max(r[3] - r[2] for r in runs)
            first, second = runs[0], runs[1]
            flat = [r[3] - r[2] <= 0.25 * h for r in runs]
            n_dash = len(compact) - len(compact.lstrip("-−–—‐"))
            # a flat stroke set apart, then a digit (not the label's own minus)
            short = first[1] - first[0] < 0.55 * h or first[0] == 0  # a minus is ~0.8 h wide
            if flat[0] and short and second[0] - first[1] > 0.25 * h and (not flat[1] or n_dash >= 2):
                text = compact[1:]
    return _mark_superscript(text, crop)


_POWER_TAIL = re.compile(r"^(?P<head>.*?10)(?P<exp>[-−–—‐]?\d{1,3})$")


def _mark_superscript(text: str, crop: np.ndarray) -> str:
    """Insert ``^`` before an exponent drawn raised (``"10-2"`` -> ``"10^-2"``).

    Only text ending in ``10`` and a (signed) integer is considered. The ink of the crop is cut
    into column runs; runs whose bottom lies in the upper 60 % of the line's full height are
    raised. With one run per character the raised trailing runs give the exponent's length;
    otherwise the exponent is what follows ``10`` when the last run is raised.
    """
    compact = text.replace(" ", "")
    if compact.endswith("10°") and crop.size:
        # a raised 0 read as a degree sign: a superscript digit is over half the height of
        # the base digits, a degree sign well under half
        runs = _glyph_runs(crop)
        if len(runs) >= 3:
            base_h = max(r[3] - r[2] for r in runs[:-1])
            last = runs[-1]
            base_top = min(r[2] for r in runs[:-1])
            if last[3] - last[2] > 0.55 * base_h and last[3] <= base_top + 0.65 * base_h:
                return compact[:-1] + "^0"
        return text
    match = _POWER_TAIL.match(compact)
    if match is None or crop.size == 0:
        return text
    runs = _glyph_runs(crop)
    if len(runs) < 3:
        return text
    top = min(r[2] for r in runs)
    bottom = max(r[3] for r in runs)
    limit = top + 0.6 * (bottom - top)
    raised = [r[3] <= limit for r in runs]
    if not raised[-1] or all(raised):
        return text
    n_raised = 0
    for flag in reversed(raised):
        if not flag:
            break
        n_raised += 1
    if len(runs) == len(compact) and n_raised < len(compact):
        head, exp = compact[:-n_raised], compact[-n_raised:]
        if head.endswith("10") and re.fullmatch(r"[-−–—‐]?\d{1,3}", exp):
            return f"{head}^{exp}"
    return f"{match.group('head')}^{match.group('exp')}"


# --------------------------------------------------------------------------------------------
# Parsing

_MINUSES = "−–—‐‑‒﹣－"  # U+2212 and the dashes OCR reads it as
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_RE_PLAIN = re.compile(rf"^{_NUMBER}$")
_RE_SCI = re.compile(rf"^(?P<m>{_NUMBER})[eE](?P<e>[-+]?\d+)$")
_RE_POWER = re.compile(
    rf"^(?:(?P<m>{_NUMBER})(?:[x×xX·*]|\\times|\\cdot))?(?P<b>10)(?:\^|\*\*)\{{?(?P<e>[-+]?\d+)\}}?$"
)
_RE_FLAT_POWER = re.compile(rf"^(?:(?P<m>{_NUMBER})[×xX·*])?10(?P<e>-\d+)$")
_RE_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_RE_DEGREES = re.compile(rf"^(?P<v>{_NUMBER})\s*(?:°|º|˚|deg|\\circ|o(?=[NSEW]))?\s*(?P<h>[NSEW])?$")


def _normalise(text: str) -> str:
    t = text.strip()
    t = t.replace("$", "").replace("\\mathdefault", "").replace("\\mathregular", "")
    t = t.replace("{", "").replace("}", "") if "^" not in t else t
    for ch in _MINUSES:
        t = t.replace(ch, "-")
    t = t.translate(_SUPERSCRIPTS) if any(c in t for c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻") and "^" not in t else t
    t = re.sub(r"\s+", "", t)
    t = t.replace("O", "0") if re.fullmatch(r"[-+.O0-9]+", t) else t
    return t


def _superscript_power(text: str) -> str:
    """``1×10⁻³`` -> ``1×10^-3`` (Unicode superscripts after a base of 10)."""
    m = re.search(r"10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$", text)
    if m is None:
        return text
    return text[: m.start(1)] + "^" + m.group(1).translate(_SUPERSCRIPTS)


def parse_power(base_text: str, exponent_text: str) -> float | None:
    """The number ``base ** exponent`` from a base and a superscript read apart.

    Parameters
    ----------
    base_text : str
        The base as read: ``"10"``, or with a mantissa, ``"2×10"``/``"2x10"``.
    exponent_text : str
        The exponent as read, with any minus sign: ``"-3"``, ``"−3"``, ``"⁻³"``.

    Returns
    -------
    float or None
        ``mantissa * base ** exponent``, or None if either part is not a number.
    """
    base = _normalise(base_text)
    exp = _normalise(exponent_text).translate(_SUPERSCRIPTS)
    if not re.fullmatch(r"[-+]?\d+", exp):
        return None
    m = re.fullmatch(rf"(?:(?P<m>{_NUMBER})(?:[×xX·*]|\\times|\\cdot))?(?P<b>{_NUMBER})", base)
    if m is None:
        return None
    mant = float(m.group("m")) if m.group("m") else 1.0
    try:
        return mant * float(m.group("b")) ** int(exp)
    except (OverflowError, ZeroDivisionError):
        return None


def parse_degrees(text: str) -> tuple[float, str] | None:
    """A degree label's signed value and the axis it hints at.

    Parameters
    ----------
    text : str
        ``"30°E"``, ``"45°S"``, ``"120°W"``, ``"0°"``, ``"−30°"``, ``"15N"``.

    Returns
    -------
    tuple of (float, str) or None
        The value, negative for S and W, and ``'lon'`` for E/W, ``'lat'`` for N/S, ``''`` for
        plain degrees. None unless the text is a number with a degree sign or a hemisphere.

    Examples
    --------
    >>> parse_degrees("30°E"), parse_degrees("45°S"), parse_degrees("12")
    ((30.0, 'lon'), (-45.0, 'lat'), None)
    """
    t = _normalise(text)
    m = _RE_DEGREES.match(t)
    if m is None:
        return None
    rest = t[len(m.group("v")) :]
    if not rest:
        return None  # a bare number is not a degree label
    value = float(m.group("v"))
    hemi = (m.group("h") or "").upper()
    if hemi in ("S", "W"):
        value = -abs(value)
    axis = {"E": "lon", "W": "lon", "N": "lat", "S": "lat"}.get(hemi, "")
    return value, axis


def parse_number(text: str) -> float | None:
    """The number a tick label shows.

    Parameters
    ----------
    text : str
        A label as read by OCR or as drawn: ``"0.5"``, ``"−0.5"`` (U+2212, or the dashes OCR
        reads it as), ``"1e-3"``, ``"1×10⁻³"``, ``"10^-2"``, ``"$10^{-2}$"``, ``"10-2"`` (a
        superscript read flat), ``"25%"``, ``"1,000"``, ``"30°E"``, ``"45°S"``.

    Returns
    -------
    float or None
        The value (percent labels give the percentage: ``"25%"`` -> 25.0; hemispheres give the
        sign: ``"45°S"`` -> -45.0), or None if the text is not a number.

    Notes
    -----
    ``"10-2"`` is taken as 10 ** -2: a tick label never shows a subtraction. ``"102"`` stays
    102; a flat-read positive power can only be told by its raised ink, which
    :func:`read_text` marks as ``"10^2"``.

    Examples
    --------
    >>> parse_number("0.25"), parse_number("−12.5"), parse_number("1.2e+03"), parse_number("1,000")
    (0.25, -12.5, 1200.0, 1000.0)
    >>> parse_number("10²"), parse_number("$10^{-3}$"), parse_number("25%"), parse_number("abc")
    (100.0, 0.001, 25.0, None)
    """
    if not text or not text.strip():
        return None
    value = _parse(text)
    if value is None:
        # OCR confusions: l, I, | for 1; O, o for 0; a tick mark read as a trailing dash
        fixed = re.sub(r"(?<=[^\s\-−–—‐|])\s*[-−–—‐|]+$", "", text.strip())
        fixed = re.sub(r"(?<=\d)[:;](?=\d)", ".", fixed)  # a decimal point read as a colon
        fixed = re.sub(r"^[:;'\"`|,]+(?=\S)", "", fixed)  # minor tick marks read as punctuation
        fixed = re.sub(r"(?<![A-Za-z])[lI|](?=[\d.eE,]|$)", "1", fixed)
        fixed = re.sub(r"(?<=[\d.])[Oo]|[Oo](?=[\d.])", "0", fixed)
        if fixed != text.strip():
            value = _parse(fixed)
    return value


def _parse(text: str) -> float | None:
    t = _superscript_power(text.strip())
    t = _normalise(t)
    t = t.replace("\\times", "×").replace("\\cdot", "·")
    t = re.sub(r"\^\{([^}]*)\}", r"^\1", t).replace("{", "").replace("}", "")
    if not t:
        return None
    if t.endswith("%"):
        return _parse(t[:-1])
    if _RE_PLAIN.match(t):
        return float(t)
    if _RE_THOUSANDS.match(t):
        return float(t.replace(",", ""))
    m = _RE_SCI.match(t)
    if m:
        try:
            return float(m.group("m")) * 10.0 ** int(m.group("e"))
        except OverflowError:
            return None
    m = _RE_POWER.match(t)
    if m:
        return parse_power((m.group("m") + "×" if m.group("m") else "") + "10", m.group("e"))
    m = _RE_FLAT_POWER.match(t)
    if m:
        return parse_power((m.group("m") + "×" if m.group("m") else "") + "10", m.group("e"))
    deg = parse_degrees(t)
    if deg is not None:
        return deg[0]
    return None
