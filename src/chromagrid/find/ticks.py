"""Tick marks and tick labels: read a colorbar's or an axis' scale from the figure.

A scale is read in three steps, the way a person reads it:

1. **Tick marks.** Within a band along one edge of the colour strip (colorbar) or of the data area (panel),
   short lines perpendicular to the edge are found: the band's colours minus their running median along
   the edge leave only what is narrow along the edge (ticks; the frame and smooth colours vanish), and the
   connected pieces that touch the edge, are thin and do not cross the whole band are tick marks. Each
   mark's position is the intensity-weighted centroid across its width (sub-pixel); marks a renderer
   snapped onto pixel centres (matplotlib's Agg, 1-px ticks) are moved back by the half pixel the snapping
   added on average. Marks are looked for outside the edge (matplotlib's default) and inside it, over the
   colours (``classic`` style); shorter (minor) marks are set aside.
2. **Tick labels.** The block of text beyond the marks is read by OCR (:func:`chromagrid.find.ocr.read_text`,
   one call per side, scaled to the text's height) and parsed (:func:`~chromagrid.find.ocr.parse_number`,
   :func:`~chromagrid.find.ocr.parse_degrees`). A minus sign the OCR dropped or read apart is put back,
   touching labels read as one line are cut at the marks, a label a major mark lacks gets a second close
   look, and an offset / multiplier text (``1e−5``, ``1e−5+1e3``) at the axis' end is applied. Each label
   is paired with the major mark nearest to its centre; a label without a mark keeps its ink centre, as a
   less precise tick.
3. **Fit.** :func:`fit_ticks` fits value (or log10 value) against position, robustly: every pair of
   ticks proposes a line, the one most ticks agree with wins, and misread labels are set aside. A stepped
   colorbar whose steps all carry labelled ticks gives its boundaries (``BoundaryNorm``).

All positions are continuous image coordinates along the axis (a column for a horizontal colorbar or an
x axis, a row for a vertical colorbar or a y axis); the centre of pixel ``i`` is ``i + 0.5``.

Nothing is invented: when fewer than two labels can be read consistently there is no fit
(:func:`read_colorbar_ticks` returns None, :func:`read_axes` leaves the axis None), and the confidence
falls with fewer ticks and larger residuals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, cast

import numpy as np
from scipy import ndimage

from chromagrid.find.ocr import TextBox, parse_degrees, parse_number, read_text

__all__ = ["Tick", "TickFit", "fit_ticks", "ColorbarScale", "read_colorbar_ticks", "AxesScale", "read_axes"]

Box = tuple[int, int, int, int]


# ============================================================================================
# Ticks and their fit


@dataclass(frozen=True)
class Tick:
    """One labelled tick.

    Attributes
    ----------
    position : float
        Continuous image coordinate along the axis (a column for a horizontal axis, a row for a vertical
        one; the centre of pixel ``i`` is ``i + 0.5``): the tick mark's centre line when a mark was found,
        else the label's centre.
    value : float
        The value the label states.
    text : str
        The label as OCR read it.
    mark : bool
        True if a tick mark was found at this label (the position is then precise to a fraction of a
        pixel; a label centre is good to a pixel or two).

    Examples
    --------
    >>> Tick(120.5, 0.5, "0.5", True)
    Tick(position=120.5, value=0.5, text='0.5', mark=True)
    """

    position: float
    value: float
    text: str
    mark: bool


@dataclass(frozen=True)
class TickFit:
    """A straight-line fit of tick values (or log10 values) against positions.

    Attributes
    ----------
    ticks : tuple of Tick
        The ticks used in the fit (outliers dropped), in order of position.
    norm : {'linear', 'log'}
        ``'log'``: the line gives log10 of the value.
    slope, intercept : float
        ``value = intercept + slope * position`` (log10 value for ``'log'``).
    residual : float
        RMS residual of the used ticks' positions about the line, in pixels.
    rejected : tuple of Tick
        Labels read but not consistent with the fit.
    confidence : float
        In [0, 1]; falls with fewer ticks, larger residuals, rejected labels and ticks without marks.
    evidence : str
        One line, e.g. ``"5 ticks 0..1 linear, residual 0.21 px"``.

    Examples
    --------
    >>> fit = fit_ticks([Tick(10.5, 0.0, "0", True), Tick(60.5, 1.0, "1", True), Tick(110.5, 2.0, "2", True)])
    >>> fit.norm, round(fit.slope, 3), float(fit.value_at(35.5))
    ('linear', 0.02, 0.5)
    """

    ticks: tuple[Tick, ...]
    norm: str
    slope: float
    intercept: float
    residual: float
    rejected: tuple[Tick, ...]
    confidence: float
    evidence: str

    def value_at(self, position: Any) -> np.ndarray | float:
        """The axis value at image position(s) (continuous coordinates).

        Parameters
        ----------
        position : float or array_like

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar position, else an array of the same shape.

        Examples
        --------
        >>> fit = fit_ticks([Tick(0.0, 1.0, "1", True), Tick(100.0, 10.0, "10", True),
        ...                  Tick(200.0, 100.0, "100", True)])
        >>> fit.norm, round(float(fit.value_at(50.0)), 4)
        ('log', 3.1623)
        """
        p = np.asarray(position, dtype=float)
        v = self.intercept + self.slope * p
        if self.norm == "log":
            v = 10.0**v
        return float(v) if v.ndim == 0 else v

    def position_of(self, value: Any) -> np.ndarray | float:
        """The image position(s) of axis value(s): the inverse of :meth:`value_at`.

        Examples
        --------
        >>> fit = fit_ticks([Tick(10.0, 0.0, "0", True), Tick(20.0, 1.0, "1", True)])
        >>> float(fit.position_of(0.5))
        15.0
        """
        v = np.asarray(value, dtype=float)
        if self.norm == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(v)
        p = (v - self.intercept) / self.slope
        return float(p) if p.ndim == 0 else p

    def describe(self) -> dict:
        """A JSON-able summary.

        Examples
        --------
        >>> fit = fit_ticks([Tick(10.0, 0.0, "0", True), Tick(20.0, 1.0, "1", True)])
        >>> sorted(fit.describe())[:4]
        ['confidence', 'evidence', 'intercept', 'norm']
        """
        return {
            "norm": self.norm,
            "slope": float(self.slope),
            "intercept": float(self.intercept),
            "residual_px": round(float(self.residual), 4),
            "ticks": [_tick_dict(t) for t in self.ticks],
            "rejected": [_tick_dict(t) for t in self.rejected],
            "confidence": round(float(self.confidence), 3),
            "evidence": self.evidence,
        }


def _tick_dict(t: Tick) -> dict:
    return {"position": round(float(t.position), 3), "value": float(t.value), "text": t.text, "mark": bool(t.mark)}


#: Weight in the least-squares fit of a tick placed at its label's centre (no mark found), relative to a
#: tick placed at its mark.
_LABEL_WEIGHT = 0.05


@dataclass(frozen=True)
class _Line:
    """``position = c + d * y`` over the inliers (y = value or log10 value)."""

    norm: str
    c: float
    d: float
    inliers: tuple[int, ...]
    rms: float
    score: float


def _tolerances(pos: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """How far (px) a tick may lie from the line and still count as consistent."""
    span = float(pos.max() - pos.min()) if pos.size else 0.0
    t_mark = max(1.0, 0.003 * span)
    t_label = max(3.0, 0.02 * span)
    return np.where(marks, t_mark, t_label)


def _wls(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least squares ``p = c + d * y``."""
    sw = w.sum()
    ym, pm = (w * y).sum() / sw, (w * p).sum() / sw
    var = (w * (y - ym) ** 2).sum()
    if var <= 0:
        return pm, 0.0
    d = (w * (y - ym) * (p - pm)).sum() / var
    return float(pm - d * ym), float(d)


def _robust_line(p: np.ndarray, y: np.ndarray, marks: np.ndarray, norm: str) -> _Line | None:
    """The line most ticks agree with (every pair proposes one), refitted on its inliers."""
    n = p.size
    tol = _tolerances(p, marks)
    w = np.where(marks, 1.0, _LABEL_WEIGHT)
    best: tuple[float, float, np.ndarray] | None = None
    best_key: tuple[int, float] = (-1, 0.0)
    for i, j in combinations(range(n), 2):
        if y[i] == y[j] or p[i] == p[j]:
            continue
        d = (p[j] - p[i]) / (y[j] - y[i])
        c = p[i] - d * y[i]
        r = np.abs(p - c - d * y)
        inl = r <= tol
        key = (int(inl.sum()), -float((w * np.minimum(r, tol) ** 2).sum()))
        if key > best_key:
            best_key, best = key, (c, d, inl)
    if best is None:
        return None
    c, d, inl = best
    for _ in range(3):
        if inl.sum() < 2 or np.unique(y[inl]).size < 2:
            break
        c, d = _wls(y[inl], p[inl], w[inl])
        if d == 0:
            return None
        new = np.abs(p - c - d * y) <= tol
        if new.sum() < 2 or np.array_equal(new, inl):
            break
        inl = new
    idx = tuple(int(k) for k in np.flatnonzero(inl))
    if len(idx) < 2 or d == 0 or not math.isfinite(d):
        return None
    sel = list(idx)
    r = p[sel] - c - d * y[sel]
    rms = float(np.sqrt(np.mean(r**2)))
    return _Line(norm, float(c), float(d), idx, rms, best_key[1])


def _ambiguous(p: np.ndarray, y: np.ndarray, marks: np.ndarray, line: _Line) -> bool:
    """True if another line, mostly on other ticks, is as well supported as the chosen one."""
    n = p.size
    k = len(line.inliers)
    if k >= n:
        return False
    if k == 2:
        return True  # with 3+ ticks, any 2 agree with some line
    tol = _tolerances(p, marks)
    chosen = set(line.inliers)
    for i, j in combinations(range(n), 2):
        if y[i] == y[j] or p[i] == p[j] or (i in chosen and j in chosen):
            continue
        d = (p[j] - p[i]) / (y[j] - y[i])
        c = p[i] - d * y[i]
        inl = set(np.flatnonzero(np.abs(p - c - d * y) <= tol).tolist())
        if len(inl) >= k and len(inl & chosen) <= 1:
            return True
    return False


def _fit_confidence(n_used: int, n_rej: int, rms: float, n_marked: int) -> float:
    count = 1.0 - 0.5 ** (n_used - 1)
    resid = 1.0 / (1.0 + (rms / 1.0) ** 2)
    rej = n_used / (n_used + n_rej)
    marked = 0.75 + 0.25 * (n_marked / n_used)
    return float(np.clip(count * resid * rej * marked, 0.0, 1.0))


def _power_texts(ticks: Sequence[Tick]) -> bool:
    """Labels written as powers (``10^-2``, ``1e-3``): a hint of a log scale."""
    return all(re.search(r"\^|10[-−]\d|\d[eE][-+−]?\d", t.text) for t in ticks)


def fit_ticks(ticks: Sequence[Tick]) -> TickFit | None:
    """Fit tick values against positions, linear and log, robust to misread labels.

    Every pair of ticks proposes a line (position against value, or against log10 value when all values
    are positive); the line most ticks lie near wins and is refitted by weighted least squares (ticks
    placed at a mark weigh 20 times more than ticks placed at a label's centre). Ticks off the line by
    more than about a pixel (marks) or a few pixels (label centres) are rejected, at most about a third
    of them. Log is chosen when it explains more ticks, or the same ticks with a clearly smaller
    residual; with only two ticks (both fits exact) log is chosen only for power-of-ten labels.

    Parameters
    ----------
    ticks : sequence of Tick

    Returns
    -------
    TickFit or None
        None if fewer than 2 ticks are consistent, if more than a third of the labels disagree, or if the
        labels split into two equally supported lines (never guess).

    Examples
    --------
    A misread label ("8" for "6") is set aside:

    >>> ts = [Tick(100.5 - 20 * i, v, str(v), True) for i, v in enumerate([0, 2, 4, 8, 8, 10])]
    >>> fit = fit_ticks(ts)
    >>> fit.norm, len(fit.ticks), [t.value for t in fit.rejected], round(fit.residual, 6)
    ('linear', 5, [8], 0.0)
    >>> round(float(fit.value_at(0.5)), 6)
    10.0

    Decades evenly spaced are a log scale:

    >>> ts = [Tick(300.0 - 90 * i, 10.0 ** e, f"10^{e}", True) for i, e in enumerate(range(-2, 2))]
    >>> fit = fit_ticks(ts)
    >>> fit.norm, round(float(fit.value_at(255.0)), 4)
    ('log', 0.0316)

    One tick is not a scale:

    >>> fit_ticks([Tick(3.0, 1.0, "1", True)]) is None
    True
    """
    ts = [t for t in ticks if math.isfinite(t.position) and math.isfinite(t.value)]
    if len(ts) < 2:
        return None
    ts.sort(key=lambda t: t.position)
    p = np.array([t.position for t in ts], float)
    v = np.array([t.value for t in ts], float)
    marks = np.array([t.mark for t in ts], bool)
    n = len(ts)
    need = 2 if n <= 2 else max(3, int(math.ceil(n - max(1, n // 3))))
    cands: list[_Line] = []
    for norm in ("linear", "log"):
        if norm == "log":
            if not (v > 0).all():
                continue
            y = np.log10(v)
        else:
            y = v
        line = _robust_line(p, y, marks, norm)
        if line is None or len(line.inliers) < need or _ambiguous(p, y, marks, line):
            continue
        cands.append(line)
    if not cands:
        return None
    line = cands[0]
    if len(cands) == 2:
        lin, log = cands
        if len(log.inliers) > len(lin.inliers):
            line = log
        elif len(log.inliers) == len(lin.inliers):
            if len(lin.inliers) == 2:
                line = log if _power_texts([ts[i] for i in log.inliers]) else lin
            elif log.rms < 0.5 * lin.rms - 0.02:
                line = log
    used = tuple(ts[i] for i in line.inliers)
    rejected = tuple(t for k, t in enumerate(ts) if k not in set(line.inliers))
    slope = 1.0 / line.d
    intercept = -line.c / line.d
    conf = _fit_confidence(len(used), len(rejected), line.rms, sum(t.mark for t in used))
    vals = [t.value for t in used]
    ev = (
        f"{len(used)} ticks {_fmt_range(min(vals), max(vals))} {line.norm}, residual {line.rms:.2f} px"
        + (f", {len(rejected)} rejected" if rejected else "")
        + ("" if all(t.mark for t in used) else f", {sum(not t.mark for t in used)} without mark")
        + (", labels in % (values as printed)" if all(t.text.strip().endswith("%") for t in used) else "")
    )
    return TickFit(used, line.norm, float(slope), float(intercept), line.rms, rejected, conf, ev)


def _plain_fit(ticks: Sequence[Tick]) -> TickFit:
    """Least-squares line over all the ticks, none rejected (for ticks known not to lie on a line)."""
    ts = sorted(ticks, key=lambda t: t.position)
    p = np.array([t.position for t in ts], float)
    v = np.array([t.value for t in ts], float)
    c, d = _wls(v, p, np.ones_like(p))
    rms = float(np.sqrt(np.mean((p - c - d * v) ** 2)))
    conf = _fit_confidence(len(ts), 0, rms, sum(t.mark for t in ts))
    ev = f"{len(ts)} ticks {_fmt_range(float(v.min()), float(v.max()))} not on a line (residual {rms:.2f} px)"
    return TickFit(tuple(ts), "linear", 1.0 / d, -c / d, rms, (), conf, ev)


def _fmt_range(lo: float, hi: float) -> str:
    """``lo..hi`` with enough digits to tell them apart."""
    span = abs(hi - lo)
    big = max(abs(lo), abs(hi))
    digits = 6 if span == 0 or big == 0 else int(np.clip(math.ceil(math.log10(big / span)) + 4, 6, 15))
    return f"{lo:.{digits}g}..{hi:.{digits}g}"


# ============================================================================================
# Frames: every side is read as "the right side of a vertical strip"


@dataclass(frozen=True)
class _Frame:
    """A view of the image in which the side to read is the right edge of ``box``.

    Rows of ``arr`` run along the axis (image rows for a vertical edge, image columns for a horizontal
    one); columns run away from the edge outward. Positions along the axis are the same as in the image.
    """

    side: str
    arr: np.ndarray  # float32 (h, w, 3)
    box: Box  # (x0, y0, x1, y1) in frame coordinates; the side read is x1
    height: int  # original image height
    width: int  # original image width

    def to_image_box(self, c0: int, r0: int, c1: int, r1: int) -> Box:
        """A frame box (cols c0..c1, rows r0..r1) as an image box (x0, y0, x1, y1)."""
        if self.side == "right":
            return c0, r0, c1, r1
        if self.side == "left":
            return self.width - c1, r0, self.width - c0, r1
        if self.side == "bottom":
            return r0, c0, r1, c1
        return r0, self.height - c1, r1, self.height - c0  # top

    def from_image_box(self, b: Box) -> tuple[float, float, float, float]:
        """An image box as (along0, along1, perp0, perp1) in the frame."""
        x0, y0, x1, y1 = b
        if self.side == "right":
            return y0, y1, x0, x1
        if self.side == "left":
            return y0, y1, self.width - x1, self.width - x0
        if self.side == "bottom":
            return x0, x1, y0, y1
        return x0, x1, self.height - y1, self.height - y0

    @property
    def text_along(self) -> bool:
        """True if text runs along the axis (a horizontal edge)."""
        return self.side in ("bottom", "top")


def _make_frame(img: np.ndarray, box: Box, side: str) -> _Frame:
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    if side == "right":
        return _Frame(side, img, (x0, y0, x1, y1), h, w)
    if side == "left":
        return _Frame(side, img[:, ::-1], (w - x1, y0, w - x0, y1), h, w)
    t = img.transpose(1, 0, 2)
    if side == "bottom":
        return _Frame(side, t, (y0, x0, y1, x1), h, w)
    if side == "top":
        return _Frame(side, t[:, ::-1], (h - y1, x0, h - y0, x1), h, w)
    raise ValueError(f"unknown side {side!r}")


# ============================================================================================
# Tick marks


@dataclass(frozen=True)
class _Mark:
    pos: float  # continuous coordinate along the axis
    length: int  # px perpendicular to the edge
    inside: bool  # drawn over the strip/data side of the edge
    strength: float  # peak contrast
    near: int  # nearest perpendicular offset from the edge (frame cols - x1)
    far: int  # farthest offset (exclusive)


@dataclass(frozen=True)
class _MarkSet:
    outside: tuple[_Mark, ...]
    inside: tuple[_Mark, ...]
    outline: int  # width (px) of a line along the edge, just outside it (0 if none)


def _odd(x: float) -> int:
    k = max(3, int(round(x)))
    return k if k % 2 else k + 1


def _running_median(a: np.ndarray, k: int, rows: int = 256) -> np.ndarray:
    """The median of each ``k`` (odd) consecutive rows, edges repeated: ``median_filter(size=(k, 1, ...))``.

    A partition of a sliding-window view, ``rows`` rows at a time (so memory stays near ``rows * k`` pixels):
    three times faster than scipy's general rank filter on a colorbar's band, with the same values.
    """
    half = k // 2
    padded = np.pad(a, ((half, half),) + ((0, 0),) * (a.ndim - 1), mode="edge")
    out = np.empty_like(a)
    for r in range(0, len(a), rows):
        window = np.lib.stride_tricks.sliding_window_view(padded[r : r + rows + 2 * half], k, axis=0)
        out[r : r + rows] = np.partition(window, half, axis=-1)[..., half]
    return out


def _residual(block: np.ndarray, k: int) -> np.ndarray:
    """Per-pixel contrast against the running median along rows (max over channels)."""
    values = block.astype(np.float32)
    return np.abs(values - _running_median(values, k)).max(axis=2)


def _find_marks(fr: _Frame, unit: float, inside_max: int, outside_max: int, slack: float = 2.5) -> _MarkSet:
    """Tick marks along the frame's right edge.

    Parameters
    ----------
    unit : float
        A length scale of the figure (px): the median filter spans ~0.6 unit along the edge.
    inside_max, outside_max : int
        How far (px) from the edge to look, inside and outside.
    slack : float
        How far (px) beyond the box's ends along the edge a mark may lie.
    """
    arr = fr.arr
    x0, y0, x1, y1 = fr.box
    h, w = arr.shape[:2]
    k = _odd(max(7.0, 0.6 * unit))
    margin = max(3, int(round(0.15 * unit)), int(math.ceil(slack)) + 2)
    ra, rb = max(0, y0 - margin), min(h, y1 + margin)
    ca, cb = max(0, x1 - inside_max), min(w, x1 + outside_max)
    if rb - ra < 8 or cb - ca < 3:
        return _MarkSet((), (), 0)
    block = np.asarray(arr[ra:rb, ca:cb], dtype=np.float32)
    res = _residual(block, k)
    # outline: columns just outside the edge that are dark along most of the edge
    outline = _outline_width(block, x1 - ca, y0 - ra, y1 - ra)
    edge = x1 - ca  # column of the edge in block coordinates (first outside column)
    touch_out = outline + 2
    touch_in = _inner_line_width(block, edge, y0 - ra, y1 - ra) + 2
    found: dict[bool, list[_Mark]] = {False: [], True: []}
    for is_in, (pa, pb) in ((False, (edge, res.shape[1])), (True, (0, edge))):
        part = res[:, pa:pb]
        if part.shape[1] < 2:
            continue
        # thresholds per side: ticks over dark colours have less contrast than over the background
        peak = float(np.percentile(part, 99.8))
        hi = max(35.0, 0.3 * peak)
        lo = max(18.0, 0.5 * hi)
        lab, n = ndimage.label(part > lo)
        if n == 0:
            continue
        maxes = ndimage.maximum(part, lab, index=np.arange(1, n + 1))
        for i, sl in enumerate(ndimage.find_objects(lab)):
            if sl is None or maxes[i] < hi:
                continue
            r0, r1 = sl[0].start, sl[0].stop
            c0, c1 = sl[1].start + pa, sl[1].stop + pa  # block columns
            length, thick = c1 - c0, r1 - r0
            if not (y0 - slack <= ra + 0.5 * (r0 + r1) <= y1 + slack):
                continue
            if length < 2 or thick > max(3.0, 0.7 * length):
                continue
            if is_in:
                # touches the edge (past any frame line) and ends before the band's inner end
                if not (c1 >= edge - touch_in and c0 > 0):
                    continue
                # and does not go on further in past a gap (a gridline cut by a crossing one)
                beyond = part[r0:r1, max(0, c0 - pa - 6) : max(0, c0 - pa - 2)]
                if beyond.size and float(np.median(beyond.max(axis=0))) > lo:
                    continue
            elif not (c0 <= edge + touch_out and c1 < res.shape[1]):
                continue  # away from the edge (a label), or through the whole band (a line)
            # sub-pixel centre: contrast-weighted centroid over the mark's columns
            q0, q1 = max(0, r0 - 1), min(res.shape[0], r1 + 1)
            sub = part[q0:q1, c0 - pa : c1 - pa]
            msk = lab[q0:q1, c0 - pa : c1 - pa]
            wgt = np.where((msk == i + 1) | (sub > lo), sub, 0.0).sum(axis=1)
            if wgt.sum() <= 0:
                continue
            rows = np.arange(q0, q1) + ra + 0.5
            pos = float((wgt * rows).sum() / wgt.sum())
            found[is_in].append(_Mark(pos, int(length), is_in, float(maxes[i]), int(c0 - edge), int(c1 - edge)))
    outside, inside = found[False], found[True]
    return _MarkSet(_unsnap(outside), _unsnap(inside), outline)


def _unsnap(marks: list[_Mark]) -> tuple[_Mark, ...]:
    """Undo the pixel snapping of a renderer that draws ticks on pixel centres.

    matplotlib's Agg renderer snaps a tick line of odd integer width (1 px at 72-100 dpi) to the centre
    of the pixel at ``floor(p + 0.5)``, so the drawn centre ``c`` (at ``i + 0.5``) means the tick was in
    ``[c - 1, c)``: ``c - 0.5`` is the unbiased estimate. (Even widths are snapped to
    ``floor(p + 0.5)``, a pixel edge, which is already unbiased.) Applied only when every mark's centre
    lies on a pixel centre: antialiased, unsnapped ticks have arbitrary fractions.
    """
    marks = sorted(marks, key=lambda m: m.pos)
    if len(marks) >= 2 and all(abs((m.pos % 1.0) - 0.5) <= 0.1 for m in marks):
        marks = [_Mark(m.pos - 0.5, m.length, m.inside, m.strength, m.near, m.far) for m in marks]
    return tuple(marks)


def _outline_width(block: np.ndarray, edge: int, r0: int, r1: int) -> int:
    """Width of a line running along the edge just outside it (a colorbar outline, a frame)."""
    r0, r1 = max(0, r0), min(block.shape[0], r1)
    if r1 - r0 < 4 or edge >= block.shape[1]:
        return 0
    bg = np.median(block[r0:r1, edge:].reshape(-1, 3), axis=0)  # mostly background
    n = 0
    for c in range(edge, min(block.shape[1] - 1, edge + 12)):
        col = block[r0:r1, c].reshape(-1, 3)
        if float(np.median(np.abs(col - bg).max(axis=1))) > 40:
            n += 1
        else:
            break
    return n


def _inner_line_width(block: np.ndarray, edge: int, r0: int, r1: int) -> int:
    """Width of a uniform line along the edge just inside it (an axes frame drawn over the data)."""
    r0, r1 = max(0, r0), min(block.shape[0], r1)
    if r1 - r0 < 4 or edge < 4:
        return 0
    ref = np.median(block[r0:r1, 0].reshape(-1, 3), axis=0)  # the band's innermost column
    n = 0
    for c in range(edge - 1, max(0, edge - 9), -1):
        col = block[r0:r1, c].reshape(-1, 3)
        med = np.median(col, axis=0)
        uniform = float(np.mean(np.abs(col - med).max(axis=1) < 30)) > 0.85
        if uniform and float(np.abs(med - ref).max()) > 40:
            n += 1
        else:
            break
    return n


def _major(marks: Sequence[_Mark]) -> list[_Mark]:
    """The longer (major) marks: within 70 % of the second-longest."""
    if len(marks) < 2:
        return list(marks)
    lengths = sorted((m.length for m in marks), reverse=True)
    ref = lengths[1]
    return [m for m in marks if m.length >= 0.7 * ref]


# ============================================================================================
# Labels


@dataclass(frozen=True)
class _Label:
    value: float
    text: str
    centre: float  # along the axis
    extent: float  # size along the axis (px)
    near: float  # perpendicular offsets from the edge (frame coordinates)
    far: float
    power: bool  # raised exponent (box centre offset across text lines)
    degrees: str | None  # None: no degree label; 'lon' / 'lat' / '' (plain degrees)
    split: bool  # one of several labels read as one line


_DEG_TOKEN = re.compile(
    r"[-−–—‐]?\d+(?:[.,]\d+)?\s*(?:°|º|˚|o(?=[NSEWnsew]))\s*[NSEWnsew]?"
    r"|[-−–—‐]?\d+(?:\.\d+)?\s*[NSEW]"
)


def _parse_label(text: str) -> tuple[float, str | None] | None:
    value = parse_number(text)
    if value is None or not math.isfinite(value):
        return None
    deg = parse_degrees(text)
    return value, (deg[1] if deg is not None else None)


def _split_text(text: str) -> list[tuple[str, float, float]]:
    """Several labels read as one line: (token, start, end) as fractions of the text's length."""
    n = max(1, len(text))
    toks = [(m.group(0), m.start() / n, m.end() / n) for m in _DEG_TOKEN.finditer(text)]
    covered = sum(len(t[0]) for t in toks)
    if len(toks) >= 2 and covered >= 0.7 * len(text.replace(" ", "")):
        return toks
    toks = [(m.group(0), m.start() / n, m.end() / n) for m in re.finditer(r"\S+", text)]
    if len(toks) >= 2:
        return toks
    return []


_DASHES = {"-", "−", "–", "—", "‐", "一", "_", "~", "ー", "－", "﹣", "‒"}


def _merge_minus(boxes: Sequence[TextBox]) -> list[TextBox]:
    """A minus sign read as a line of its own, just left of a number on the same line, joins the number."""
    out = list(boxes)
    dashes = [i for i, t in enumerate(out) if t.text.strip() in _DASHES]
    drop: set[int] = set()
    for i in dashes:
        d = out[i]
        best = None
        for j, n in enumerate(out):
            if j == i or j in drop or j in dashes:
                continue
            v = parse_number(n.text)
            if v is None or v < 0 or n.text.strip()[:1] in _DASHES:
                continue
            hgt = max(n.box[3] - n.box[1], 1)
            ov = min(d.box[3], n.box[3]) - max(d.box[1], n.box[1])
            gap = n.box[0] - d.box[2]
            if ov >= 0.4 * min(hgt, d.box[3] - d.box[1]) and d.box[0] < n.box[0] and gap <= 0.6 * hgt:
                if best is None or gap < best[0]:
                    best = (gap, j)
        if best is not None:
            j = best[1]
            n = out[j]
            box = (min(d.box[0], n.box[0]), min(d.box[1], n.box[1]), max(d.box[2], n.box[2]), max(d.box[3], n.box[3]))
            out[j] = TextBox("-" + n.text.strip(), box, min(d.confidence, n.confidence))
            drop.add(i)
    return [t for k, t in enumerate(out) if k not in drop]


def _column_runs(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of inked columns: ``(c0, c1, top, bottom)``, ends exclusive."""
    cols = ink.any(axis=0)
    runs = []
    lab, n = ndimage.label(cols)
    for sl in ndimage.find_objects(lab):
        c0, c1 = sl[0].start, sl[0].stop
        rows = np.flatnonzero(ink[:, c0:c1].any(axis=1))
        runs.append((c0, c1, int(rows[0]), int(rows[-1]) + 1))
    return runs


def _contrast_to_border(reg: np.ndarray) -> tuple[np.ndarray, float]:
    """(|grey - the region's border median|, its largest value): ink stands out from the border's paper."""
    border = np.concatenate([reg[0], reg[-1], reg[:, 0], reg[:, -1]])
    diff = np.abs(reg - float(np.median(border)))
    return diff, float(diff.max())


def _restore_minus(img: np.ndarray, tb: TextBox, crop: Box) -> TextBox:
    """Put back a minus sign the OCR dropped (or left out of the box) in front of a number.

    The crop read holds no tick marks (it starts past them), so a flat stroke at mid-height just left of
    the digits, set apart from them and not cut by the crop's edge, is the label's minus.
    """
    text = tb.text.strip()
    value = parse_number(text)
    if value is None or value < 0 or text[:1] in _DASHES or not re.match(r"^[\d.]", text):
        return tb
    bx0, by0, bx1, by1 = tb.box
    hb = by1 - by0
    if hb < 4:
        return tb
    left = max(crop[0], int(bx0 - 1.2 * hb))
    reg = np.asarray(img[by0:by1, left:bx1], dtype=np.float32).mean(axis=2)
    if reg.shape[1] < 4:
        return tb
    diff, peak = _contrast_to_border(reg)
    if peak < 40:
        return tb
    runs = _column_runs(diff > 0.45 * peak)
    digits = [r for r in runs if r[3] - r[2] >= 0.45 * hb]
    if len(runs) < 2 or not digits:
        return tb
    first_digit = min(digits, key=lambda r: r[0])
    before = [r for r in runs if r[1] <= first_digit[0]]
    if not before:
        return tb
    d = max(before, key=lambda r: r[1])
    dh = first_digit[3] - first_digit[2]
    height, width = d[3] - d[2], d[1] - d[0]
    mid = 0.5 * (d[2] + d[3])
    gap = first_digit[0] - d[1]
    ok = (
        height <= 0.3 * dh
        and width >= 0.35 * dh
        and 0 <= gap <= 0.8 * dh
        and d[0] > 0
        and first_digit[2] + 0.25 * dh <= mid <= first_digit[2] + 0.8 * dh
    )
    if not ok:
        return tb
    return TextBox("-" + text, (min(bx0, left + d[0]), by0, bx1, by1), tb.confidence)


def _ink_centre(img: np.ndarray, box: Box, rows: bool, power: bool) -> float | None:
    """Centre (continuous image coordinate) of a label's ink along the axis: rows or columns.

    matplotlib centres a y tick label's digits (baseline to top) on its tick and an x tick label's
    advance on its tick: the ink's extent is a better centre than the OCR box, which is padded unevenly.
    For a power (``10^-2``) on a vertical axis only the base's ink counts (the exponent is raised).
    """
    bx0, by0, bx1, by1 = box
    reg = np.asarray(img[by0:by1, bx0:bx1], dtype=np.float32).mean(axis=2)
    if reg.shape[0] < 3 or reg.shape[1] < 3:
        return None
    diff, peak = _contrast_to_border(reg)
    if peak < 40:
        return None
    ink = diff > 0.45 * peak
    if rows:
        if power:
            runs = _column_runs(ink)
            if len(runs) >= 2:
                top = min(r[2] for r in runs)
                bottom = max(r[3] for r in runs)
                base = [r for r in runs if r[3] > top + 0.6 * (bottom - top)]
                if base:
                    keep = np.zeros(ink.shape[1], bool)
                    for r in base:
                        keep[r[0] : r[1]] = True
                    ink = ink & keep[None, :]
        idx = np.flatnonzero(ink.any(axis=1))
        size, start = reg.shape[0], by0
    else:
        idx = np.flatnonzero(ink.any(axis=0))
        size, start = reg.shape[1], bx0
    if idx.size == 0 or (idx[-1] + 1 - idx[0]) < 0.3 * size:
        return None
    return float(start + 0.5 * (idx[0] + idx[-1] + 1))


def _labels(boxes: Sequence[TextBox], fr: _Frame, img: np.ndarray | None = None) -> tuple[list[_Label], list[TextBox]]:
    """Numeric labels (frame coordinates) and the other text lines."""
    x1 = fr.box[2]
    boxes = _merge_minus(boxes)
    out: list[_Label] = []
    other: list[TextBox] = []
    for tb in boxes:
        a0, a1, q0, q1 = fr.from_image_box(tb.box)
        near, far = q0 - x1, q1 - x1
        parsed = _parse_label(tb.text)
        power = "^" in tb.text
        if parsed is not None:
            centre = _ink_centre(img, tb.box, not fr.text_along, power) if img is not None else None
            centre = 0.5 * (a0 + a1) if centre is None else centre
            out.append(_Label(parsed[0], tb.text, centre, a1 - a0, near, far, power, parsed[1], False))
            continue
        parts = _split_text(tb.text) if fr.text_along else []
        subs = [(_parse_label(t), s, e, t) for t, s, e in parts]
        if parts and all(p is not None for p, _, _, _ in subs):
            for p, s, e, t in subs:
                assert p is not None
                c = a0 + (a1 - a0) * 0.5 * (s + e)
                out.append(_Label(p[0], t.strip(), c, (a1 - a0) * (e - s), near, far, "^" in t, p[1], True))
            continue
        other.append(tb)
    return out, other


def _pair(labels: Sequence[_Label], marks: Sequence[_Mark]) -> list[tuple[_Label, _Mark | None]]:
    """Each label with the nearest free mark within its tolerance (greedy by distance)."""
    cand: list[tuple[float, int, int]] = []
    for i, lb in enumerate(labels):
        frac = 0.5 if (lb.split or lb.power) else 0.42
        tol = max(2.0, frac * lb.extent)
        for j, mk in enumerate(marks):
            d = abs(mk.pos - lb.centre)
            if d <= tol:
                cand.append((d, i, j))
    cand.sort()
    used_l: dict[int, int] = {}
    used_m: set[int] = set()
    for _, i, j in cand:
        if i in used_l or j in used_m:
            continue
        used_l[i] = j
        used_m.add(j)
    return [(lb, marks[used_l[i]] if i in used_l else None) for i, lb in enumerate(labels)]


def _ticks_from_pairs(pairs: Sequence[tuple[_Label, _Mark | None]]) -> list[Tick]:
    return [Tick(mk.pos if mk is not None else lb.centre, lb.value, lb.text, mk is not None) for lb, mk in pairs]


# ============================================================================================
# Reading one side


@dataclass(frozen=True)
class _Side:
    side: str
    marks: _MarkSet
    labels: tuple[_Label, ...]
    other: tuple[TextBox, ...]
    ticks: tuple[Tick, ...]
    fit: TickFit | None
    inside: bool  # the marks used were inside
    tick_len: float  # length of the major marks used (px), 0 if none
    label_far: float  # farthest perpendicular extent of the labels (frame offset)
    scan_end: int  # where the OCR crop ended (frame offset)
    crop: Box | None  # the OCR crop (image coordinates)
    offset: str | None = None  # an offset / multiplier text applied to the labels (``1e−5``)


def _ink_extent(
    fr: _Frame, start: int, limit: int, rows: tuple[int, int], gap: int, adaptive: bool = False
) -> tuple[int, int] | None:
    """First block of ink beyond the edge: (first, last+1) offsets, or None.

    The block starts within ``limit`` and ends at a run of ``gap`` empty columns, or before a column
    inked along most of the edge (a frame, another panel). ``adaptive``: the gap grows to 0.6 of the
    text height found in the block (a large font has wide gaps between its glyphs).
    """
    span = _ink_extent_once(fr, start, limit, rows, gap)
    if span is None or not adaptive:
        return span
    wide = max(gap, int(round(0.6 * _text_height(fr, span, rows))))
    return _ink_extent_once(fr, start, limit, rows, wide) if wide > gap else span


def _ink_extent_once(fr: _Frame, start: int, limit: int, rows: tuple[int, int], gap: int) -> tuple[int, int] | None:
    arr = fr.arr
    x1 = fr.box[2]
    h, w = arr.shape[:2]
    r0, r1 = max(0, rows[0]), min(h, rows[1])
    c0 = x1 + start
    c1 = min(w, x1 + limit)
    if c1 - c0 < 2 or r1 - r0 < 2:
        return None
    block = np.asarray(arr[r0:r1, c0:c1], dtype=np.float32)
    bg = np.median(block.reshape(-1, 3), axis=0)
    ink = np.abs(block - bg).max(axis=2) > 60
    cnt = ink.sum(axis=0)
    line = 0.5 * (r1 - r0)
    first = None
    empty = 0
    last = None
    for c in range(c1 - c0):
        if cnt[c] > line and _longest_run(ink[:, c]) > line:
            break  # a line along the edge (a frame, another panel), not text
        if cnt[c] >= 1:
            if first is None:
                first = c
            last = c
            empty = 0
        elif first is not None:
            empty += 1
            if empty >= gap:
                break
    if first is None or last is None:
        return None
    return start + first, start + last + 1


#: OCR reads best with text lines about this tall (px); crops are scaled to it (1 to 3 times).
_OCR_TEXT_PX = 30.0


def _ocr_scale(text_px: float) -> float:
    return float(np.clip(_OCR_TEXT_PX / max(text_px, 1.0), 1.0, 3.0))


def _text_height(fr: _Frame, span: tuple[int, int], rows: tuple[int, int]) -> float:
    """Height (px) of the text lines in a block of labels beyond the edge."""
    first, end = span
    if fr.text_along:
        return float(end - first)  # one line of labels: the block's depth
    x1 = fr.box[2]
    h = fr.arr.shape[0]
    r0, r1 = max(0, rows[0] - 20), min(h, rows[1] + 20)
    block = np.asarray(fr.arr[r0:r1, x1 + first : x1 + end], dtype=np.float32)
    if block.size == 0:
        return 12.0
    bg = np.median(block.reshape(-1, 3), axis=0)
    ink = (np.abs(block - bg).max(axis=2) > 60).any(axis=1)
    lab, n = ndimage.label(ink)
    if n == 0:
        return 12.0
    sizes = np.array([sl[0].stop - sl[0].start for sl in ndimage.find_objects(lab)], float)
    sizes = sizes[sizes >= 3]
    return float(np.median(sizes)) if sizes.size else 12.0


def _longest_run(v: np.ndarray) -> int:
    """Length of the longest run of True in a 1-D boolean array."""
    if not v.any():
        return 0
    d = np.diff(np.concatenate([[0], v.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return int((ends - starts).max())


def _read_side(
    img: np.ndarray,
    box: Box,
    side: str,
    *,
    unit: float,
    inside_max: int,
    outside_max: int,
    label_limit: int,
    along_margin: float,
    min_gap: int,
    slack: float = 2.5,
    allow_inside: bool = True,
) -> _Side:
    """Marks, OCR labels and fit for one side of a box."""
    fr = _make_frame(img, box, side)
    x0, y0, x1, y1 = fr.box
    ms = _find_marks(fr, unit, inside_max, outside_max, slack)
    out_major = _major(ms.outside)
    in_major = _major(ms.inside) if allow_inside else []
    tick_len = float(np.median([m.far for m in out_major])) if out_major else 0.0
    start = int(math.ceil(tick_len)) + 1 if out_major else ms.outline + 1
    gap = max(min_gap, int(round(0.9 * tick_len)) if tick_len else min_gap)
    span = _ink_extent(fr, start, label_limit, (y0, y1), gap, adaptive=True)
    if span is None:
        return _Side(side, ms, (), (), (), None, False, tick_len, 0.0, start, None)
    first, end = span
    h, w = fr.arr.shape[:2]
    depth = end - first
    m_along = along_margin if along_margin > 0 else (3.0 * depth if fr.text_along else 0.8 * depth)
    m_along = max(m_along, 6.0, slack + 0.5 * depth)
    r0 = int(max(0, math.floor(y0 - m_along)))
    r1 = int(min(h, math.ceil(y1 + m_along)))
    c0 = x1 + max(ms.outline + 1, first - 2)
    c1 = min(w, x1 + end + 3)
    crop = fr.to_image_box(c0, r0, c1, r1)
    scale = _ocr_scale(_text_height(fr, (first, end), (y0, y1)))
    try:
        boxes = read_text(img, crop, scale=scale)
    except ValueError:
        boxes = []
    boxes = [_restore_minus(img, tb, crop) for tb in _merge_minus(boxes)]
    labels, other = _labels(boxes, fr, img)
    lo, hi = y0 - max(slack, 0.02 * (y1 - y0) + 2), y1 + max(slack, 0.02 * (y1 - y0) + 2)
    labels = [lb for lb in labels if lo <= lb.centre <= hi]
    if fr.text_along:
        labels = _split_merged(labels, out_major or in_major)
    inside, ticks, fit = _best_pairing(labels, out_major, in_major)
    marks = in_major if inside else out_major
    extra = _retry_missing(img, fr, labels, marks, ticks)
    if extra:
        labels = sorted(labels + extra, key=lambda lb: lb.centre)
        inside, ticks, fit = _best_pairing(labels, out_major, in_major)
    if inside and in_major:
        tick_len = float(np.median([-m.near for m in in_major]))
    label_far = max((lb.far for lb in labels), default=0.0)
    offset = None
    if fit is not None and fit.norm == "linear":
        used = {(t.text, round(t.position, 3)) for t in fit.ticks}
        spare = [lb for lb, t in zip(labels, ticks) if (t.text, round(t.position, 3)) not in used]
        offset = _find_offset(img, fr, labels, spare, other, label_far, end, _label_height(labels, fr))
        if offset is not None:
            mul, add, _ = offset
            ticks = [Tick(t.position, t.value * mul + add, t.text, t.mark) for t in ticks]
            fit = fit_ticks(ticks)
    return _Side(
        side,
        ms,
        tuple(labels),
        tuple(other),
        tuple(ticks),
        fit,
        inside,
        tick_len,
        label_far,
        end,
        crop,
        None if offset is None else offset[2],
    )


_RE_OFFSET = re.compile(
    r"^(?P<mul>[x×]?(?:\d(?:\.\d+)?e[-+]?\d+|10\^[-+]?\d+|10-\d+))?(?P<add>[-+]\d+(?:\.\d+)?e[-+]?\d+)?$"
)


def _parse_offset(text: str) -> tuple[float, float] | None:
    """An axis offset / multiplier text: ``1e−5`` (x 1e-5), ``+1e3`` (+ 1000), ``1e−5+1e3``, ``×10^−5``."""
    t = re.sub(r"\s+", "", text.strip())
    for ch in "−–—‐‑‒﹣－":
        t = t.replace(ch, "-")
    t = t.replace("E", "e").replace("X", "x")
    m = _RE_OFFSET.match(t)
    if m is None or not (m.group("mul") or m.group("add")):
        return None
    mul = 1.0
    if m.group("mul"):
        v = parse_number(m.group("mul").lstrip("x×"))
        if v is None or not v > 0 or not math.isfinite(v):
            return None
        mul = v
    add = float(m.group("add")) if m.group("add") else 0.0
    return mul, add


def _label_height(labels: Sequence[_Label], fr: _Frame) -> float:
    """Typical text height (px) of the labels."""
    if not labels:
        return 12.0
    hs = [lb.far - lb.near for lb in labels] if fr.text_along else [lb.extent for lb in labels if not lb.split]
    return float(np.median(hs)) if hs else 12.0


def _find_offset(
    img: np.ndarray,
    fr: _Frame,
    labels: Sequence[_Label],
    spare: Sequence[_Label],
    other: Sequence[TextBox],
    label_far: float,
    end: int,
    th: float,
) -> tuple[float, float, str] | None:
    """The offset / multiplier text matplotlib writes at an axis' high end (``1e−5``, ``+1e3``).

    Where: above the top end for a vertical axis (colorbar, y axis), beyond the labels at the right end
    for a horizontal one. Read from the labels' OCR when it caught it, else from a small crop there.
    """
    x0, y0, x1, y1 = fr.box
    h, w = fr.arr.shape[:2]
    if fr.text_along:
        rows = (y1 - 0.4 * (y1 - y0), y1 + 3.0 * th)
        cols = (x1 + max(label_far, 0.0) - 1.0, x1 + max(label_far, end) + 2.5 * th)
    else:
        rows = (y0 - 3.0 * th, y0 - 1.0)
        cols = (x1 - 5.0 * th, x1 + end + th)

    def inside(b: Box) -> bool:
        a0, a1, q0, q1 = fr.from_image_box(b)
        ca, cq = 0.5 * (a0 + a1), 0.5 * (q0 + q1)
        return rows[0] <= ca <= rows[1] and cols[0] <= cq <= cols[1]

    found: list[tuple[str, Box]] = [(lb.text, _label_box(lb, fr)) for lb in spare]
    found += [(tb.text, tb.box) for tb in other]
    for text, b in found:
        off = _parse_offset(text)
        if off is not None and inside(b):
            return off[0], off[1], text
    r0, r1 = int(max(0, math.floor(rows[0]))), int(min(h, math.ceil(rows[1])))
    c0, c1 = int(max(0, math.floor(cols[0]))), int(min(w, math.ceil(cols[1])))
    if r1 - r0 < 4 or c1 - c0 < 4:
        return None
    block = np.asarray(fr.arr[r0:r1, c0:c1], dtype=np.float32)
    bg = np.median(block.reshape(-1, 3), axis=0)
    if int((np.abs(block - bg).max(axis=2) > 60).sum()) < 8:
        return None
    bx0, by0, bx1, by1 = fr.to_image_box(c0, r0, c1, r1)
    crop = np.array(img[by0:by1, bx0:bx1])
    fill = np.median(np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]), axis=0).astype(np.uint8)
    for lb in labels:  # blank the tick labels that reach into the crop
        lx0, ly0, lx1, ly1 = _label_box(lb, fr)
        crop[max(0, ly0 - by0 - 1) : max(0, ly1 - by0 + 1), max(0, lx0 - bx0 - 1) : max(0, lx1 - bx0 + 1)] = fill
    try:
        texts = read_text(crop, scale=_ocr_scale(th))
    except ValueError:
        return None
    for tb in texts:
        off = _parse_offset(tb.text)
        if off is not None:
            return off[0], off[1], tb.text
    return None


def _label_box(lb: _Label, fr: _Frame) -> Box:
    """A label's box back in image coordinates."""
    x1 = fr.box[2]
    a0, a1 = lb.centre - 0.5 * lb.extent, lb.centre + 0.5 * lb.extent
    c0, c1 = x1 + lb.near, x1 + lb.far
    return fr.to_image_box(int(math.floor(c0)), int(math.floor(a0)), int(math.ceil(c1)), int(math.ceil(a1)))


def _split_merged(labels: Sequence[_Label], marks: Sequence[_Mark]) -> list[_Label]:
    """Split a line of touching labels read as one number (``100002000030000``) at the marks it spans.

    The text is cut into as many numbers as there are major marks under the line, and only into an
    arithmetic progression (ticks of a linear axis), so that nothing is guessed.
    """
    out: list[_Label] = []
    for lb in labels:
        lo, hi = lb.centre - 0.5 * lb.extent, lb.centre + 0.5 * lb.extent
        under = [m for m in marks if lo <= m.pos <= hi]
        if lb.split or len(under) < 2:
            out.append(lb)
            continue
        parts = _progression(re.sub(r"\s+", "", lb.text), len(under))
        if parts is None:
            out.append(lb)
            continue
        for (text, value), m in zip(parts, under):
            out.append(_Label(value, text, m.pos, lb.extent / len(under), lb.near, lb.far, False, None, True))
    return out


def _progression(text: str, k: int) -> list[tuple[str, float]] | None:
    """Cut ``text`` into ``k`` numbers in arithmetic progression, if exactly one way exists."""

    def num(t: str) -> float | None:
        if not re.fullmatch(r"[-−–]?(?:0|[1-9]\d*)(?:\.\d+)?", t):  # as a tick label is written
            return None
        return parse_number(t)

    n = len(text)
    found: list[list[tuple[str, float]]] = []

    def extend(parts: list[tuple[str, float]], pos: int, d: float) -> None:
        if len(found) > 1:
            return
        if len(parts) == k:
            if pos == n:
                found.append(list(parts))
            return
        want = parts[0][1] + len(parts) * d
        for e in range(pos + 1, min(n, pos + 12) + 1):
            v = num(text[pos:e])
            if v is not None and abs(v - want) <= 1e-9 * max(1.0, abs(want)):
                extend(parts + [(text[pos:e], v)], e, d)

    for a in range(1, min(n, 12) + 1):
        v0 = num(text[:a])
        if v0 is None:
            continue
        for b in range(a + 1, min(n, a + 12) + 1):
            v1 = num(text[a:b])
            if v1 is not None and v1 != v0:
                extend([(text[:a], v0), (text[a:b], v1)], b, v1 - v0)
    return found[0] if len(found) == 1 else None


def _best_pairing(
    labels: Sequence[_Label], out_major: Sequence[_Mark], in_major: Sequence[_Mark]
) -> tuple[bool, list[Tick], TickFit | None]:
    """Pair the labels with the outside marks and with the inside marks; keep the better fit."""
    best: tuple[float, list[Tick], bool, TickFit | None] | None = None
    for inside, marks in ((False, out_major), (True, in_major)):
        if inside and not marks:
            continue
        ticks = _ticks_from_pairs(_pair(labels, marks))
        fit = fit_ticks(ticks)
        score = (len(fit.ticks) + sum(t.mark for t in fit.ticks) + fit.confidence) if fit else -1.0
        if best is None or score > best[0]:
            best = (score, ticks, inside, fit)
    assert best is not None
    return best[2], best[1], best[3]


#: At most this many unlabelled major marks get a second, close OCR look.
_MAX_RETRIES = 3


def _label_gaps(pos: Sequence[float], lo: float, hi: float) -> list[_Mark]:
    """Places (as stand-in marks) where evenly spaced labels lack one: a double step, or one step beyond
    either end that still lies along the box."""
    diffs = np.diff(pos)
    step = float(np.median(diffs))
    if (
        step <= 0
        or np.any(np.abs(diffs - step) > 0.1 * step)
        and not np.all(np.abs(diffs / step - np.round(diffs / step)) < 0.1)
    ):
        return []
    places = []
    for a, b in zip(pos[:-1], pos[1:]):
        k = int(round((b - a) / step))
        places += [a + i * step for i in range(1, k)]
    for q in (pos[0] - step, pos[-1] + step):
        if lo - 1.0 <= q <= hi + 1.0:
            places.append(q)
    return [_Mark(q, 0, False, 0.0, 0, 0) for q in places]


def _retry_missing(
    img: np.ndarray, fr: _Frame, labels: Sequence[_Label], marks: Sequence[_Mark], ticks: Sequence[Tick]
) -> list[_Label]:
    """OCR again, close up, where a label seems missing: a major mark without one between or beside
    labelled marks; or, with no marks at all, a place one regular label step beyond or between the labels.
    Only what the OCR reads there is kept."""
    marked = [t for t in ticks if t.mark]
    if not labels:
        return []
    if len(marked) >= 2:
        taken = {round(t.position, 3) for t in marked}
        free = [m for m in marks if round(m.pos, 3) not in taken]
        pos = sorted(t.position for t in marked)
    elif not marks and len(ticks) >= 3:
        pos = sorted(t.position for t in ticks)
        free = _label_gaps(pos, fr.box[1], fr.box[3])
    else:
        return []
    if not free:
        return []
    spacing = float(np.median(np.diff(pos))) if len(pos) >= 2 else 0.0
    if spacing <= 0:
        return []
    # only marks in the labelled run or one step beyond it
    free = [m for m in free if pos[0] - 1.2 * spacing <= m.pos <= pos[-1] + 1.2 * spacing][:_MAX_RETRIES]
    ext = float(max(lb.extent for lb in labels))
    near = float(min(lb.near for lb in labels))
    far = float(max(lb.far for lb in labels))
    h, w = fr.arr.shape[:2]
    x1 = fr.box[2]
    out: list[_Label] = []
    for m in free:
        half = min(0.75 * ext, 0.5 * spacing) if fr.text_along else min(0.9 * ext, 0.5 * spacing)
        r0, r1 = int(max(0, math.floor(m.pos - half))), int(min(h, math.ceil(m.pos + half)))
        c0 = int(x1 + max(1, math.floor(near - 3)))
        c1 = int(min(w, x1 + math.ceil(far + 3 + 0.5 * (far - near))))
        if r1 - r0 < 4 or c1 - c0 < 4:
            continue
        rbox = fr.to_image_box(c0, r0, c1, r1)
        try:
            found = read_text(img, rbox)
        except ValueError:
            continue
        found = [_restore_minus(img, tb, rbox) for tb in _merge_minus(found)]
        new, _ = _labels(found, fr, img)
        new = [lb for lb in new if abs(lb.centre - m.pos) <= max(2.0, 0.5 * lb.extent)]
        if len(new) == 1:
            out.append(new[0])
    return out


# ============================================================================================
# Colorbars


@dataclass(frozen=True)
class ColorbarScale:
    """A colorbar's value range, read from its tick labels.

    Attributes
    ----------
    fit : TickFit
        Value against position along the strip (rows for a vertical colorbar, columns for a horizontal).
    vmin, vmax : float
        The values at the strip's low and high ends: the box edges (vertical: bottom edge ``y1`` and top
        edge ``y0``; horizontal: ``x0`` and ``x1``), from the fit, or the end boundaries of a discrete
        colorbar.
    boundaries : tuple of float or None
        A stepped colorbar whose ticks all sit at the colour steps (a ``BoundaryNorm``): the tick values at
        the steps, low end to high end, both ends included. None otherwise.
    confidence : float
        In [0, 1].
    evidence : str
        One line.
    norm : {'linear', 'log', 'discrete'}
        ``'discrete'`` when boundaries were found.
    side : str
        The side the labels were read on: ``'right'``, ``'left'``, ``'bottom'`` or ``'top'``.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> from chromagrid.find import find_colorbars
    >>> rgb = read_image("examples/field.png").rgb
    >>> scale = read_colorbar_ticks(rgb, find_colorbars(rgb)[0])
    >>> round(scale.vmin, 6), round(scale.vmax, 6), scale.norm, scale.side, len(scale.fit.ticks)
    (0.0, 0.7, 'linear', 'right', 8)
    """

    fit: TickFit
    vmin: float
    vmax: float
    boundaries: tuple[float, ...] | None
    confidence: float
    evidence: str
    norm: str = "linear"
    side: str = "right"

    def describe(self) -> dict:
        """A JSON-able summary.

        Examples
        --------
        >>> fit = fit_ticks([Tick(100.0, 0.0, "0", True), Tick(0.0, 1.0, "1", True)])
        >>> s = ColorbarScale(fit, 0.0, 1.0, None, 0.5, "test")
        >>> s.describe()["vmax"]
        1.0
        """
        return {
            "vmin": float(self.vmin),
            "vmax": float(self.vmax),
            "norm": self.norm,
            "boundaries": None if self.boundaries is None else [float(b) for b in self.boundaries],
            "side": self.side,
            "confidence": round(float(self.confidence), 3),
            "evidence": self.evidence,
            "fit": self.fit.describe(),
        }


def _strip_steps(img: np.ndarray, box: Box, vertical: bool) -> list[float] | None:
    """Positions (continuous, along the axis) of the colour steps of a stepped strip; None if smooth."""
    x0, y0, x1, y1 = box
    sub = np.asarray(img[y0:y1, x0:x1], dtype=np.float32)
    if not vertical:
        sub = sub.transpose(1, 0, 2)
    length, width = sub.shape[:2]
    if length < 12 or width < 3:
        return None
    a, b = int(0.3 * width), max(int(0.3 * width) + 1, int(round(0.7 * width)))
    prof = np.median(sub[:, a:b], axis=1)  # (length, 3)
    jump = np.abs(np.diff(prof, axis=0)).max(axis=1)
    rng = float((prof.max(axis=0) - prof.min(axis=0)).max())
    if rng < 20:
        return None
    big = jump > max(8.0, 0.03 * rng)
    # group adjacent jumps (an antialiased step spans two)
    lab, n = ndimage.label(big)
    if n < 1 or n > length / 4:
        return None
    quiet = ~ndimage.binary_dilation(big, iterations=1)
    if quiet.sum() < 0.6 * quiet.size:
        return None
    flat = jump[quiet]
    if flat.size and float(np.percentile(flat, 90)) > max(2.5, 0.12 * float(np.median(jump[big]))):
        return None  # colours change between the steps too: smooth, not stepped
    start = y0 if vertical else x0
    steps = []
    for sl in ndimage.find_objects(lab):
        i0, i1 = sl[0].start, sl[0].stop  # jumps between samples i and i+1 for i in [i0, i1)
        wgt = jump[i0:i1]
        centre = float((wgt * (np.arange(i0, i1) + 1.0)).sum() / wgt.sum())
        steps.append(start + centre)
    # the outline across the strip's ends is not a step
    return [q for q in steps if start + 2.5 < q < start + length - 2.5]


def _discrete(img: np.ndarray, colorbar: Any, ticks: Sequence[Tick]) -> tuple[float, ...] | None:
    """Boundaries of a stepped colorbar whose every step and end carries a labelled tick."""
    vertical = colorbar.orientation == "vertical"
    steps = _strip_steps(img, colorbar.box, vertical)
    if not steps:
        return None
    x0, y0, x1, y1 = colorbar.box
    lo_end, hi_end = (float(y1), float(y0)) if vertical else (float(x0), float(x1))
    edges = sorted([lo_end, hi_end] + steps)
    marked = [t for t in ticks if t.mark]
    if len(marked) < 3:
        return None
    tol = max(1.5, 0.004 * abs(hi_end - lo_end))
    hit: dict[int, Tick] = {}
    for t in marked:
        d = [abs(t.position - e) for e in edges]
        k = int(np.argmin(d))
        if d[k] > tol or k in hit:
            return None
        hit[k] = t
    if len(hit) != len(edges):
        return None
    order = sorted(hit.items(), key=lambda kv: abs(kv[1].position - lo_end))
    vals = tuple(float(t.value) for _, t in order)
    diffs = np.diff(vals)
    if not ((diffs > 0).all() or (diffs < 0).all()):
        return None
    return vals


def _colorbar_params(thick: int, length: int) -> dict[str, Any]:
    """Search parameters for a colour strip ``thick`` px across and ``length`` px long."""
    unit = max(float(thick), 0.03 * length)
    return dict(
        unit=unit,
        inside_max=max(2, int(0.45 * thick)),
        outside_max=max(6, int(round(0.9 * unit))),
        label_limit=max(30, int(round(8 * unit))),
        along_margin=0.0,
        min_gap=max(3, int(round(0.3 * thick))),
        slack=max(2.5, 0.12 * length),
    )


def read_colorbar_ticks(rgb: np.ndarray, colorbar: Any) -> ColorbarScale | None:
    """Read a colorbar's tick labels and fit its scale.

    The labels are looked for on the side with tick marks (right, then left, for a vertical colorbar;
    bottom, then top, for a horizontal one: matplotlib's default is right / bottom); the marks just
    outside the strip (or inside over the colours) give each label's exact position; the values at the
    strip's two ends come from the fit.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` uint8 image.
    colorbar : chromagrid.find.layout.Colorbar
        Needs ``box`` (the colour strip, ``x1``/``y1`` exclusive) and ``orientation``.

    Returns
    -------
    ColorbarScale or None
        None when fewer than two labels can be read consistently.

    Examples
    --------
    >>> from chromagrid.find.layout import find_layout  # doctest: +SKIP
    >>> panels, bars = find_layout(rgb)  # doctest: +SKIP
    >>> scale = read_colorbar_ticks(rgb, bars[0])  # doctest: +SKIP
    >>> scale.vmin, scale.vmax, scale.fit.evidence  # doctest: +SKIP
    (0.0, 35.0, '8 ticks 0..35 linear, residual 0.18 px')
    """
    img = _as_rgb(rgb)
    vertical = colorbar.orientation == "vertical"
    x0, y0, x1, y1 = (int(v) for v in colorbar.box)
    thick = (x1 - x0) if vertical else (y1 - y0)
    length = (y1 - y0) if vertical else (x1 - x0)
    if thick < 2 or length < 10:
        return None
    sides = ("right", "left") if vertical else ("bottom", "top")
    kw = _colorbar_params(thick, length)
    unit = kw["unit"]
    first = None
    results: list[_Side] = []
    # the side with more major marks first; ties go to matplotlib's default
    probes = []
    for s in sides:
        fr = _make_frame(img, (x0, y0, x1, y1), s)
        ms = _find_marks(fr, unit, kw["inside_max"], kw["outside_max"], kw["slack"])
        probes.append((len(_major(ms.outside)) + len(_major(ms.inside)), s))
    order = [s for _, s in sorted(probes, key=lambda t: (-t[0], sides.index(t[1])))]
    for s in order:
        res = _read_side(img, (x0, y0, x1, y1), s, **kw)
        results.append(res)
        if res.fit is not None and len(res.fit.ticks) >= 3:
            first = res
            break
    lo_end, hi_end = (float(y1), float(y0)) if vertical else (float(x0), float(x1))
    boundaries = None
    if first is None:
        # a discrete colorbar with unevenly spaced boundaries is not a line: its ticks sit on the steps
        for r in results:
            boundaries = _discrete(img, colorbar, r.ticks)
            if boundaries is not None:
                first = r
                break
    if first is None:
        fitted = [r for r in results if r.fit is not None]
        if not fitted:
            return None
        first = max(fitted, key=lambda r: (len(cast(TickFit, r.fit).ticks), cast(TickFit, r.fit).confidence))
    if boundaries is None:
        boundaries = _discrete(img, colorbar, first.ticks)
    fit = first.fit
    if fit is None:  # discrete, uneven: the plain least-squares line over the step ticks, for reference
        fit = _plain_fit([t for t in first.ticks if t.mark])
    vmin = float(fit.value_at(lo_end))
    vmax = float(fit.value_at(hi_end))
    norm = fit.norm
    conf = fit.confidence
    ev = f"{first.side} labels: {fit.evidence}"
    if boundaries is not None:
        norm = "discrete"
        vmin, vmax = boundaries[0], boundaries[-1]
        ev += f"; stepped strip, {len(boundaries)} ticks on its {len(boundaries) - 1} steps and ends"
        conf = max(conf, _fit_confidence(len(boundaries), 0, 0.0, len(boundaries)))
    ends_labelled = sum(abs(t.position - e) <= 1.5 for t in fit.ticks for e in (lo_end, hi_end))
    if first.offset:
        ev += f"; offset text {first.offset!r} applied"
    ev += f"; ends {'labelled' if ends_labelled == 2 else 'extrapolated'}: {_fmt_range(vmin, vmax)}"
    a_lo, a_hi = (y0, y1) if vertical else (x0, x1)
    beyond = [t for t in fit.ticks if t.position < a_lo - 2.0 or t.position > a_hi + 2.0]
    if beyond:
        far = max(max(a_lo - t.position, t.position - a_hi) for t in beyond)
        ev += (
            f"; {len(beyond)} labelled tick(s) up to {far:.0f} px beyond the strip's ends: "
            "the strip box may be cut short"
        )
        conf *= 0.5
    return ColorbarScale(fit, vmin, vmax, boundaries, conf, ev, norm, first.side)


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {a.shape}")
    a = a[:, :, :3]
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.size and float(np.nanmax(a)) <= 1.0:
            a = a * 255.0
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    return a


# ============================================================================================
# Axes


@dataclass(frozen=True)
class AxesScale:
    """A panel's axes, read from their tick labels.

    Attributes
    ----------
    x : TickFit or None
        Value against image column; None if the x labels are not numbers (categorical) or unreadable.
    y : TickFit or None
        Value against image row.
    lonlat : bool
        The labels are in degrees (``30°E``, ``45°S``), or the axis titles say lon/lat with numbers in
        range.
    x_label, y_label : str or None
        The axis titles, when read: only where they decide lon/lat (both axes numeric, in degree range,
        no degree labels), as each costs an OCR call.
    confidence : float
        In [0, 1].
    evidence : str
        One line.
    x_side, y_side : str or None
        The sides the labels were read on.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> axes = read_axes(read_image("examples/field.png").rgb, (80, 40, 620, 460))
    >>> axes.lonlat, axes.x_side, axes.y_side, [t.text for t in axes.y.ticks][:3]
    (True, 'bottom', 'left', ['60°N', '55°N', '50°N'])
    """

    x: TickFit | None
    y: TickFit | None
    lonlat: bool
    x_label: str | None
    y_label: str | None
    confidence: float
    evidence: str
    x_side: str | None = None
    y_side: str | None = None
    x_degrees: bool = field(default=False)
    y_degrees: bool = field(default=False)

    def extent(self, box: Any) -> tuple[float, float, float, float] | None:
        """The values at the box's outer edges, ``(left, right, bottom, top)`` as matplotlib's extent.

        Parameters
        ----------
        box : (x0, y0, x1, y1)
            Image pixels, ``x1``/``y1`` exclusive: its edges are the continuous coordinates x0, x1, y0, y1.

        Returns
        -------
        tuple of float or None
            None unless both axes were fitted and both are linear.

        Examples
        --------
        >>> fx = fit_ticks([Tick(10.0, 0.0, "0", True), Tick(110.0, 10.0, "10", True)])
        >>> fy = fit_ticks([Tick(210.0, 0.0, "0", True), Tick(10.0, 40.0, "40", True)])
        >>> AxesScale(fx, fy, False, None, None, 0.5, "").extent((10, 10, 110, 210))
        (0.0, 10.0, 0.0, 40.0)
        """
        if self.x is None or self.y is None or self.x.norm != "linear" or self.y.norm != "linear":
            return None
        x0, y0, x1, y1 = (float(v) for v in box)
        return (
            float(self.x.value_at(x0)),
            float(self.x.value_at(x1)),
            float(self.y.value_at(y1)),
            float(self.y.value_at(y0)),
        )

    def describe(self) -> dict:
        """A JSON-able summary.

        Examples
        --------
        >>> AxesScale(None, None, False, None, None, 0.0, "no labels").describe()["x"] is None
        True
        """
        return {
            "x": None if self.x is None else self.x.describe(),
            "y": None if self.y is None else self.y.describe(),
            "lonlat": bool(self.lonlat),
            "x_label": self.x_label,
            "y_label": self.y_label,
            "x_side": self.x_side,
            "y_side": self.y_side,
            "confidence": round(float(self.confidence), 3),
            "evidence": self.evidence,
        }


_LON_WORDS = re.compile(r"\b(lon|long|longitude|lng)\b|longitude", re.IGNORECASE)
_LAT_WORDS = re.compile(r"\b(lat|latitude)\b|latitude", re.IGNORECASE)


def _axes_params(h: int, w: int) -> dict[str, Any]:
    """Search parameters for the axes of a figure of ``h`` x ``w`` px."""
    unit = max(6.0, 0.012 * max(h, w))
    return dict(
        unit=unit,
        inside_max=max(6, int(round(1.6 * unit))),
        outside_max=max(6, int(round(1.6 * unit))),
        label_limit=max(40, int(round(0.25 * max(h, w)))),
        along_margin=0.0,
        min_gap=max(3, int(round(0.35 * unit))),
    )


def _axis_side(img: np.ndarray, box: Box, sides: tuple[str, str]) -> _Side | None:
    """Read the first side of an axis that gives a fit (or the best try)."""
    kw = _axes_params(img.shape[0], img.shape[1])
    tries: list[_Side] = []
    for s in sides:
        res = _read_side(img, box, s, **kw)
        tries.append(res)
        if res.fit is not None:
            return res
        if res.labels or res.other:
            break  # text on the default side that is not a numeric scale: categorical, do not look further
    return max(tries, key=lambda r: len(r.labels)) if tries else None


def _title(img: np.ndarray, side: _Side, box: Box, rotate: bool) -> str | None:
    """The axis title: text beyond the tick labels on the same side."""
    cands = []
    fr = _make_frame(img, box, side.side)
    for tb in side.other:
        a0, a1, q0, q1 = fr.from_image_box(tb.box)
        if q0 - fr.box[2] >= side.label_far - 1 and re.search(r"[A-Za-z]", tb.text):
            cands.append(tb)
    if cands:
        return max(cands, key=lambda t: (t.box[2] - t.box[0]) * t.confidence).text
    # OCR the block beyond the labels (rotated upright for a y axis)
    x0, y0, x1, y1 = fr.box
    start = int(math.ceil(max(side.label_far, side.scan_end))) + 1
    h, w = fr.arr.shape[:2]
    span = _ink_extent(fr, start, start + max(40, int(0.08 * max(img.shape[:2]))), (y0, y1), 6)
    if span is None:
        return None
    c0, c1 = x1 + span[0] - 2, min(w, x1 + span[1] + 2)
    if c1 - c0 < 4:
        return None
    bx = fr.to_image_box(c0, y0, c1, y1)
    crop = img[bx[1] : bx[3], bx[0] : bx[2]]
    up = np.ascontiguousarray(np.rot90(crop, k=-1) if rotate else crop)
    try:
        texts = read_text(up, scale=_ocr_scale(span[1] - span[0]))
    except ValueError:
        return None
    texts = [t for t in texts if re.search(r"[A-Za-z]", t.text)]
    if not texts:
        return None
    return max(texts, key=lambda t: (t.box[2] - t.box[0]) * t.confidence).text


def read_axes(rgb: np.ndarray, panel_box: Any) -> AxesScale:
    """Read a panel's x and y tick labels and fit both axes.

    Tick marks are looked for outside the frame on the bottom and left sides (inside, over the data, when
    there are none outside); the top / right sides are read when the bottom / left give nothing. Degree
    labels are signed by hemisphere (W and S negative); axes whose values decrease with position are fine;
    labels that are words (categories) give None for that axis.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` uint8 image.
    panel_box : (x0, y0, x1, y1)
        The data area in image pixels, ``x1``/``y1`` exclusive (:attr:`chromagrid.find.layout.Panel.box`).

    Returns
    -------
    AxesScale

    Examples
    --------
    >>> axes = read_axes(rgb, panels[0].box)  # doctest: +SKIP
    >>> axes.lonlat, axes.extent(panels[0].box)  # doctest: +SKIP
    (True, (-12.0, 32.0, 34.0, 62.0))
    """
    img = _as_rgb(rgb)
    box = cast(Box, tuple(int(v) for v in panel_box))
    xs = _axis_side(img, box, ("bottom", "top"))
    ys = _axis_side(img, box, ("left", "right"))
    x_fit = xs.fit if xs is not None else None
    y_fit = ys.fit if ys is not None else None
    x_title = y_title = None  # read only where they decide lon/lat (an OCR call each)
    x_deg = _degree_axis(xs, x_fit)
    y_deg = _degree_axis(ys, y_fit)
    lonlat = False
    why = ""
    if x_deg or y_deg:
        lonlat = True
        why = "degree labels"
    elif x_fit is not None and y_fit is not None:
        xv = [t.value for t in x_fit.ticks]
        yv = [t.value for t in y_fit.ticks]
        in_range = max(abs(v) for v in xv) <= 360 and max(abs(v) for v in yv) <= 90
        if in_range:
            x_title = _title(img, xs, box, False) if xs is not None else None
            y_title = _title(img, ys, box, True) if ys is not None else None
        lon_t = bool(x_title and _LON_WORDS.search(x_title))
        lat_t = bool(y_title and _LAT_WORDS.search(y_title))
        if (lon_t or lat_t) and in_range:
            lonlat = True
            why = "axis titles say lon/lat"
    parts = []
    for name, fit, sd in (("x", x_fit, xs), ("y", y_fit, ys)):
        if fit is not None and sd is not None:
            parts.append(
                f"{name} ({sd.side}): {fit.evidence}" + (f", offset text {sd.offset!r} applied" if sd.offset else "")
            )
        elif sd is not None and sd.labels:
            parts.append(f"{name}: {len(sd.labels)} numeric labels, no consistent fit")
        elif sd is not None and sd.other:
            parts.append(f"{name}: text labels (categorical?)")
        else:
            parts.append(f"{name}: no labels")
    if lonlat:
        parts.append(f"lon/lat ({why})")
    confs = [f.confidence for f in (x_fit, y_fit) if f is not None]
    conf = float(np.prod(confs)) ** (1.0 / len(confs)) * (len(confs) / 2.0) if confs else 0.0
    return AxesScale(
        x_fit,
        y_fit,
        lonlat,
        x_title,
        y_title,
        conf,
        "; ".join(parts),
        xs.side if xs is not None and x_fit is not None else None,
        ys.side if ys is not None and y_fit is not None else None,
        x_deg,
        y_deg,
    )


def _degree_axis(side: _Side | None, fit: TickFit | None) -> bool:
    """Most of an axis' used labels carry a degree sign or a hemisphere."""
    if side is None or fit is None:
        return False
    used = {(t.text, t.value) for t in fit.ticks}
    flags = [lb.degrees is not None for lb in side.labels if (lb.text, lb.value) in used]
    return bool(flags) and sum(flags) >= 0.5 * len(flags)
