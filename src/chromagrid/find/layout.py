"""Layout finding: locate panels (plot areas) and colorbars in an RGB figure.

This module works from the pixels alone; no colormap is needed.  It depends
only on numpy, scipy.ndimage and scikit-image.

Boxes are ``(x0, y0, x1, y1)`` integer image pixels with ``x1``/``y1``
exclusive.  A panel box is the data area inside the axes frame, as given by
matplotlib's ``ax.get_window_extent()`` rounded (the frame line lies over the
outermost pixels inside the box).  A colorbar box is the colour strip only;
extend triangles lie outside it.

Method
------
1. The background is the most common colour of the image border.
2. Non-background pixels are marked, enclosed holes are filled (so a closed
   axes frame becomes a solid rectangle, white masked areas included), and a
   morphological opening removes text, ticks and thin lines.
3. Remaining blobs separated only by thin gaps (white cell gridlines) and
   aligned with each other are merged.
4. Each blob is a colorbar if it is a long narrow strip whose colour is
   uniform across and changes smoothly along its length; otherwise it is a
   panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage

__all__ = ["Panel", "Colorbar", "find_panels", "find_colorbars", "find_layout"]

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Panel:
    """A panel's data area.

    Attributes
    ----------
    box : tuple of int
        ``(x0, y0, x1, y1)`` in image pixels, ``x1``/``y1`` exclusive.
    framed : bool
        True if a dark axes frame surrounds the area.
    confidence : float
        Heuristic confidence in [0, 1].
    evidence : str
        Short human-readable description of how the panel was found.
    """

    box: Box
    framed: bool
    confidence: float
    evidence: str


@dataclass(frozen=True)
class Colorbar:
    """A colorbar's colour strip.

    Attributes
    ----------
    box : tuple of int
        ``(x0, y0, x1, y1)`` of the colour strip only (extend triangles
        excluded), ``x1``/``y1`` exclusive.
    orientation : {'vertical', 'horizontal'}
        Direction of the long axis.
    colors : numpy.ndarray
        ``(n, 3)`` uint8 colours sampled along the strip from the vmin end to
        the vmax end (bottom to top for vertical, left to right for
        horizontal).
    extend : {'neither', 'min', 'max', 'both'}
        Which ends carry extend triangles.
    panels : tuple of int
        Indices (into the panel list) of the panels this colorbar serves.
    confidence : float
        Heuristic confidence in [0, 1].
    evidence : str
        Short human-readable description of how it was found.
    """

    box: Box
    orientation: Literal["vertical", "horizontal"]
    colors: np.ndarray
    extend: Literal["neither", "min", "max", "both"]
    panels: tuple[int, ...]
    confidence: float
    evidence: str


@dataclass(frozen=True)
class _Blob:
    box: Box
    mask: np.ndarray  # bool mask cropped to box (after fill + opening)
    n_parts: int
    gap: float


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ValueError("expected an (H, W, 3) RGB image")
    a = a[:, :, :3]
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.max() <= 1.0:
            a = a * 255.0
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    return a


def _background(img: np.ndarray) -> tuple[np.ndarray, float]:
    """Most common border colour and a noise tolerance."""
    border = np.concatenate(
        [img[0], img[-1], img[:, 0], img[:, -1]], axis=0
    ).astype(np.int32)
    q = border // 8
    keys = q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2]
    vals, counts = np.unique(keys, return_counts=True)
    k = vals[np.argmax(counts)]
    near = border[keys == k]
    bg = np.median(near, axis=0)
    dev = np.abs(border - bg).max(axis=1)
    close = dev[dev < 40]
    noise = float(np.percentile(close, 95)) if close.size else 0.0
    tol = max(12.0, 3.0 * noise + 6.0)
    return bg.astype(np.float64), tol


def _kernel(shape: tuple[int, int]) -> int:
    k = max(5, int(round(min(shape) / 60.0)))
    return k if k % 2 else k + 1


def _merge_gap(shape: tuple[int, int]) -> int:
    return max(4, int(round(min(shape) / 90.0)))


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _blobs(img: np.ndarray) -> tuple[list[_Blob], np.ndarray, np.ndarray]:
    h, w = img.shape[:2]
    bg, tol = _background(img)
    diff = np.abs(img.astype(np.int16) - bg[None, None, :].astype(np.int16)).max(axis=2)
    fg = diff > tol
    filled = ndimage.binary_fill_holes(fg)
    k = _kernel((h, w))
    # separable min/max filters: fast square opening
    er = ndimage.minimum_filter(filled.astype(np.uint8), size=(k, k), mode="constant", cval=0)
    opened = ndimage.maximum_filter(er, size=(k, k), mode="constant", cval=0).astype(bool)
    lab, n = ndimage.label(opened)
    min_area = max(60, int(0.0015 * h * w))
    comps: list[list[int]] = []
    for i, sl in enumerate(ndimage.find_objects(lab)):
        if sl is None:
            continue
        y0, y1 = sl[0].start, sl[0].stop
        x0, x1 = sl[1].start, sl[1].stop
        area = int((lab[sl] == i + 1).sum())
        if area < max(20, k * k * 2):
            continue
        comps.append([x0, y0, x1, y1, area, 1, i + 1])
    # merge aligned parts separated by thin gaps (white cell grid lines)
    g = _merge_gap((h, w))
    arr = np.array([c[:4] for c in comps], dtype=np.int64).reshape(-1, 4)
    parent = list(range(len(comps)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pair_gap: list[tuple[int, int, int]] = []
    if len(comps) > 1:
        x0a, y0a, x1a, y1a = (arr[:, i] for i in range(4))
        gx = np.maximum(x0a[None, :] - x1a[:, None], x0a[:, None] - x1a[None, :])
        gy = np.maximum(y0a[None, :] - y1a[:, None], y0a[:, None] - y1a[None, :])
        ox = np.minimum(x1a[:, None], x1a[None, :]) - np.maximum(x0a[:, None], x0a[None, :])
        oy = np.minimum(y1a[:, None], y1a[None, :]) - np.maximum(y0a[:, None], y0a[None, :])
        wa = x1a - x0a
        ha = y1a - y0a
        minw = np.minimum(wa[:, None], wa[None, :])
        minh = np.minimum(ha[:, None], ha[None, :])
        mx = (gx > 0) & (gx <= g) & (oy >= 0.9 * minh)
        my = (gy > 0) & (gy <= g) & (ox >= 0.9 * minw)
        mo = (gx <= 0) & (gy <= 0)
        big = np.minimum(wa, ha) >= 2 * k
        # a colorbar-like strip is never merged with anything
        for i, c in enumerate(comps):
            if big[i] and max(wa[i], ha[i]) >= 4 * min(wa[i], ha[i]):
                probe = _Blob((c[0], c[1], c[2], c[3]), np.zeros((0, 0), bool), 1, 0.0)
                if _is_colorbar(img, probe)[0]:
                    big[i] = False
        iu = np.triu(np.ones_like(mx), 1) & big[:, None] & big[None, :]
        for i, j in zip(*np.nonzero((mx | my | mo) & iu)):
            parent[find(int(i))] = find(int(j))
            gij = int(gx[i, j]) if mx[i, j] else int(gy[i, j]) if my[i, j] else 0
            if gij > 0:
                pair_gap.append((int(i), int(j), gij))
    roots: dict[int, list[int]] = {}
    for i in range(len(comps)):
        roots.setdefault(find(i), []).append(i)
    gaps: dict[int, list[int]] = {}
    for i, j, gij in pair_gap:
        gaps.setdefault(find(i), []).append(gij)
    merged_comps = []
    groups = []
    for r, members in roots.items():
        sub = arr[members]
        merged_comps.append([
            int(sub[:, 0].min()), int(sub[:, 1].min()), int(sub[:, 2].max()),
            int(sub[:, 3].max()), sum(comps[m][4] for m in members), len(members), r,
        ])
        groups.append([comps[m][6] for m in members])
    comps = merged_comps
    blobs: list[_Blob] = []
    for c, grp in zip(comps, groups):
        x0, y0, x1, y1, area, nparts, key = c
        if area < min_area:
            continue
        gl = gaps.get(key, [])
        gap = float(np.median(gl)) if gl else 0.0
        if nparts > 1 and gap > 0:
            # the outer grid lines are half outside the merged cells
            e = int(np.floor(gap / 2.0))
            x0, y0 = max(0, x0 - e), max(0, y0 - e)
            x1, y1 = min(w, x1 + e), min(h, y1 + e)
        m = np.isin(lab[y0:y1, x0:x1], grp)
        blobs.append(_Blob((int(x0), int(y0), int(x1), int(y1)), m, int(nparts), gap))
    dark = img.astype(np.int16).max(axis=2) < 110
    return blobs, dark, diff


def _strip_profile(img: np.ndarray, box: Box, vertical: bool) -> tuple[np.ndarray, float, float]:
    """Colours along a strip's length, their across-width spread, smoothness."""
    x0, y0, x1, y1 = box
    sub = img[y0:y1, x0:x1].astype(np.float64)
    if not vertical:
        sub = sub.transpose(1, 0, 2)
    length, width = sub.shape[:2]
    a = int(round(width * 0.3))
    b = max(a + 1, int(round(width * 0.7)))
    core = sub[:, a:b]
    prof = np.median(core, axis=1)
    spread = float(np.median(np.abs(core - prof[:, None, :]).max(axis=2)))
    return prof, spread, 0.0


def _is_colorbar(img: np.ndarray, blob: _Blob) -> tuple[bool, float]:
    x0, y0, x1, y1 = blob.box
    bw, bh = x1 - x0, y1 - y0
    long_, short = max(bw, bh), min(bw, bh)
    if short <= 0 or long_ / short < 4.0 or blob.n_parts > 1:
        return False, 0.0
    vertical = bh > bw
    m = max(2, short // 6)
    inner = (x0 + m, y0 + m, x1 - m, y1 - m) if vertical else (x0 + m, y0 + m, x1 - m, y1 - m)
    prof, spread, _ = _strip_profile(img, inner, vertical)
    if len(prof) < 8:
        return False, 0.0
    total = float(np.abs(np.diff(prof, axis=0)).max(axis=1).sum())
    rng = float((prof.max(axis=0) - prof.min(axis=0)).max())
    if rng < 20:
        return False, 0.0
    # across-width uniformity relative to along-length change
    if spread > max(6.0, 0.08 * rng):
        return False, 0.0
    # per-pixel jumps should be small relative to the whole range
    step = np.abs(np.diff(prof, axis=0)).max(axis=1)
    big = float(np.percentile(step, 99))
    conf = float(np.clip(1.0 - spread / max(rng, 1.0) * 4 - (big / max(rng, 1)) * 0.5, 0.2, 1.0))
    if total > 12 * rng and big > 0.2 * rng:
        return False, 0.0
    return True, conf


def _is_framed(dark: np.ndarray, box: Box) -> bool:
    x0, y0, x1, y1 = box
    t = 3
    sides = [
        dark[y0:y0 + t, x0:x1].any(axis=0).mean(),
        dark[y1 - t:y1, x0:x1].any(axis=0).mean(),
        dark[y0:y1, x0:x0 + t].any(axis=1).mean(),
        dark[y0:y1, x1 - t:x1].any(axis=1).mean(),
    ]
    return bool(min(sides) > 0.85)


def _refine_frame(diff: np.ndarray, box: Box) -> Box:
    """Drop faint antialiasing halo outside a frame; frame sits on x1/y1."""
    x0, y0, x1, y1 = box
    for _ in range(2):
        if diff[y0:y1, x0].mean() < 60:
            x0 += 1
        if diff[y0:y1, x1 - 1].mean() < 60:
            x1 -= 1
        if diff[y0, x0:x1].mean() < 60:
            y0 += 1
        if diff[y1 - 1, x0:x1].mean() < 60:
            y1 -= 1
    # the right/bottom frame line is drawn on the first pixel past the box
    return (x0, y0, x1 - 1, y1 - 1)


def _reading_order(boxes: list[Box]) -> list[int]:
    idx = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    rows: list[list[int]] = []
    for i in idx:
        x0, y0, x1, y1 = boxes[i]
        cy = 0.5 * (y0 + y1)
        for r in rows:
            ry0 = min(boxes[j][1] for j in r)
            ry1 = max(boxes[j][3] for j in r)
            if ry0 <= cy < ry1:
                r.append(i)
                break
        else:
            rows.append([i])
    rows.sort(key=lambda r: min(boxes[j][1] for j in r))
    out: list[int] = []
    for r in rows:
        out.extend(sorted(r, key=lambda j: boxes[j][0]))
    return out


def _analyse(rgb: np.ndarray) -> tuple[np.ndarray, list[Panel], list[tuple[_Blob, float]], np.ndarray]:
    img = _as_rgb(rgb)
    blobs, dark, fg = _blobs(img)
    h, w = img.shape[:2]
    panels: list[Panel] = []
    bars: list[tuple[_Blob, float]] = []
    for b in blobs:
        isbar, conf = _is_colorbar(img, b)
        if isbar:
            bars.append((b, conf))
            continue
        x0, y0, x1, y1 = b.box
        if min(x1 - x0, y1 - y0) < 3 * _kernel((h, w)):
            continue
        framed = _is_framed(dark, b.box)
        if framed:
            b = _Blob(_refine_frame(fg, b.box), b.mask, b.n_parts, b.gap)
        fill = float(b.mask.mean())
        if framed:
            ev, conf = "closed dark frame around filled region", 0.95
        elif b.n_parts > 1:
            ev, conf = f"{b.n_parts} aligned colour blocks separated by {b.gap:.0f} px gaps", 0.7
        else:
            ev, conf = "large non-background region without frame", 0.75
        conf *= min(1.0, 0.5 + fill / 2)
        panels.append(Panel(b.box, framed, round(conf, 3), ev))
    # never report a fragment: drop panels/bars lying mostly inside a panel
    def inside(a: Box, b: Box) -> bool:
        ov = _overlap(a[0], a[2], b[0], b[2]) * _overlap(a[1], a[3], b[1], b[3])
        return ov >= 0.5 * (a[2] - a[0]) * (a[3] - a[1])

    def area(bx: Box) -> int:
        return (bx[2] - bx[0]) * (bx[3] - bx[1])

    panels = [
        p for p in panels
        if not any(q is not p and area(q.box) > area(p.box) and inside(p.box, q.box) for q in panels)
    ]
    bars = [bc for bc in bars if not any(inside(bc[0].box, q.box) for q in panels)]
    order = _reading_order([p.box for p in panels])
    panels = [panels[i] for i in order]
    return img, panels, bars, fg


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def find_panels(rgb: np.ndarray) -> list[Panel]:
    """Find every panel's data area in a figure.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image (uint8, or float in [0, 1]).

    Returns
    -------
    list of Panel
        Panels in reading order: rows top to bottom, then left to right.
        Colorbars are not included.
    """
    return _analyse(rgb)[1]


def _trim_strip(img: np.ndarray, fg: np.ndarray, blob: _Blob, vertical: bool) -> tuple[Box, bool, bool]:
    """Remove extend triangles; return strip box and whether each end had one."""
    x0, y0, x1, y1 = blob.box
    m = blob.mask
    if not vertical:
        m = m.T
    widths = m.sum(axis=1).astype(np.float64)
    n = len(widths)
    core = widths[n // 4: 3 * n // 4]
    full = float(np.median(core)) if core.size else float(widths.max())
    good = widths >= full - 1.0
    good = ndimage.binary_closing(good, structure=np.ones(7, bool)) | good
    # longest run of good
    best, cur, bs, start = 0, 0, 0, 0
    for i, g in enumerate(good):
        if g:
            if cur == 0:
                start = i
            cur += 1
            if cur > best:
                best, bs = cur, start
        else:
            cur = 0
    a, b = bs, bs + best
    thr = max(3, int(0.25 * full))
    lead = a  # pixels before strip (top for vertical, left for horizontal)
    trail = n - b
    # the opening eroded triangle tips: use the unopened mask extent along axis
    # a triangle narrows towards its tip; a ragged strip end does not
    has_lead = lead >= thr and float(widths[:a].min()) < 0.75 * full
    has_trail = trail >= thr and float(widths[b:].min()) < 0.75 * full
    if not has_lead:
        a = 0
    if not has_trail:
        b = n
    if vertical:
        box = (x0, y0 + a, x1, y0 + b)
        # top = max end, bottom = min end
        return box, has_trail, has_lead
    box = (x0 + a, y0, x0 + b, y1)
    return box, has_lead, has_trail


def _outlined(img: np.ndarray, box: Box, vertical: bool) -> bool:
    """True if both long sides of a strip carry a dark outline."""
    x0, y0, x1, y1 = box
    dark = img[y0:y1 + 1, x0:x1 + 1].astype(np.int16).max(axis=2) < 110
    if vertical:
        a = dark[:, :3].any(axis=1).mean()
        b = dark[:, -3:].any(axis=1).mean()
    else:
        a = dark[:3, :].any(axis=0).mean()
        b = dark[-3:, :].any(axis=0).mean()
    return bool(min(a, b) > 0.85)


def _sample_colors(img: np.ndarray, box: Box, vertical: bool) -> np.ndarray:
    x0, y0, x1, y1 = box
    short = (x1 - x0) if vertical else (y1 - y0)
    e = max(2, int(round(short * 0.25)))
    if vertical:
        sub = img[y0 + e:y1 - e, x0:x1]
        prof = np.median(sub[:, int(0.3 * short):max(int(0.3 * short) + 1, int(0.7 * short))], axis=1)
        prof = prof[::-1]
    else:
        sub = img[y0:y1, x0 + e:x1 - e]
        prof = np.median(sub[int(0.3 * short):max(int(0.3 * short) + 1, int(0.7 * short)), :], axis=0)
    return np.clip(np.round(prof), 0, 255).astype(np.uint8)


def _pair(
    box: Box, vertical: bool, panels: list[Panel], all_bars: list[Box]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    x0, y0, x1, y1 = box
    cand: list[tuple[int, int]] = []  # (panel index, distance)
    for i, p in enumerate(panels):
        px0, py0, px1, py1 = p.box
        if vertical:
            ov = _overlap(py0, py1, y0, y1)
            if ov < 0.5 * min(py1 - py0, y1 - y0):
                continue
            d = x0 - px1 if px1 <= x0 + 2 else (px0 - x1 if px0 >= x1 - 2 else None)
        else:
            ov = _overlap(px0, px1, x0, x1)
            if ov < 0.5 * min(px1 - px0, x1 - x0):
                continue
            d = y0 - py1 if py1 <= y0 + 2 else (py0 - y1 if py0 >= y1 - 2 else None)
        if d is None:
            continue
        # no other colorbar between
        blocked = False
        for ob in all_bars:
            if ob == box:
                continue
            if vertical:
                lo, hi = (px1, x0) if px1 <= x0 + 2 else (x1, px0)
                if lo <= ob[0] < hi and _overlap(ob[1], ob[3], py0, py1) > 0:
                    blocked = True
            else:
                lo, hi = (py1, y0) if py1 <= y0 + 2 else (y1, py0)
                if lo <= ob[1] < hi and _overlap(ob[0], ob[2], px0, px1) > 0:
                    blocked = True
        if not blocked:
            cand.append((i, abs(d)))
    if not cand:
        return (), ()
    dmin = min(d for _, d in cand)
    near = [i for i, d in cand if d <= dmin + 0.5 * max(dmin, 10)]
    far = [i for i, d in cand if i not in near]
    return tuple(sorted(near)), tuple(sorted(far))


def find_colorbars(rgb: np.ndarray, panels: list[Panel] | None = None) -> list[Colorbar]:
    """Find every colorbar and pair it with the panels it serves.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image (uint8, or float in [0, 1]).
    panels : list of Panel, optional
        Panels from :func:`find_panels`; found again if omitted.

    Returns
    -------
    list of Colorbar
        Colorbars sorted in reading order.  ``panels`` holds indices into the
        given panel list: the adjacent panel(s) on the strip's side, plus
        further panels in the same rows/columns that no other colorbar serves
        (a colorbar shared by a grid of panels).
    """
    img, found, bars, fg = _analyse(rgb)
    if panels is None:
        panels = found
    items = []
    for blob, conf in bars:
        x0, y0, x1, y1 = blob.box
        vertical = (y1 - y0) > (x1 - x0)
        box, ext_min, ext_max = _trim_strip(img, fg, blob, vertical)
        if _outlined(img, box, vertical):
            r = _refine_frame(fg, box)
            if vertical:
                box = (r[0], box[1] if ext_max else r[1], r[2], box[3] if ext_min else r[3])
            else:
                box = (box[0] if ext_min else r[0], r[1], box[2] if ext_max else r[2], r[3])
        ext = "both" if ext_min and ext_max else "min" if ext_min else "max" if ext_max else "neither"
        items.append((box, vertical, ext, conf))
    order = _reading_order([it[0] for it in items])
    items = [items[i] for i in order]
    boxes = [it[0] for it in items]
    pairs = []
    for box, vertical, ext, conf in items:
        pairs.append(_pair(box, vertical, list(panels), boxes))
    served = set()
    for near, _ in pairs:
        served.update(near)
    out: list[Colorbar] = []
    for (box, vertical, ext, conf), (near, far) in zip(items, pairs):
        extra = tuple(i for i in far if i not in served)
        ps = tuple(sorted(set(near) | set(extra)))
        ev = ("vertical" if vertical else "horizontal") + " strip, uniform across, smooth along"
        if ext != "neither":
            ev += f", extend triangles ({ext})"
        out.append(
            Colorbar(
                box=box,
                orientation="vertical" if vertical else "horizontal",
                colors=_sample_colors(img, box, vertical),
                extend=ext,  # type: ignore[arg-type]
                panels=ps,
                confidence=round(conf * (1.0 if ps else 0.7), 3),
                evidence=ev,
            )
        )
    return out


def find_layout(rgb: np.ndarray) -> tuple[list[Panel], list[Colorbar]]:
    """Find panels and colorbars in one pass.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` RGB image.

    Returns
    -------
    panels : list of Panel
    colorbars : list of Colorbar
    """
    panels = find_panels(rgb)
    return panels, find_colorbars(rgb, panels)
