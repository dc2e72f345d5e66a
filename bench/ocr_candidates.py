"""Tick-label OCR candidates on figures drawn by matplotlib (Agg): RapidOCR vs Tesseract.

Each figure is an image with a colorbar and two labelled axes, drawn in a style (default,
ggplot, classic) at a dpi (72, 100, 150, 300) and saved as PNG or JPEG (quality 75). The true
labels are matplotlib's own tick labels (their window extents give their pixel boxes):
U+2212 minus decimals, ``$10^{n}$`` powers (log colorbar), a ``1e−3`` offset, percent,
thousands separators and degrees with hemispheres.

Modes:

* ``rapid-full``: ``chromagrid.find.ocr.read_text`` on the whole figure (detection +
  recognition, auto upscaling); each true label is matched to the detected line whose box
  holds its centre. ``rapid-full-s1`` is the same with ``scale=1``.
* ``rapid-crop``: RapidOCR recognition only, on each label's box padded by 4 px.
* ``tess-crop``: Tesseract 5 (``--psm 7``) on each label's padded box, upscaled 3x.
* ``tess-full``: Tesseract ``image_to_data`` (``--psm 11``, sparse text) on the whole figure
  upscaled 2x, words matched as above.

Accuracy is the share of labels whose parsed number (``parse_number``) equals the true one;
speed is seconds per figure (OCR only, engine start-up excluded).

    .venv/bin/python bench/ocr_candidates.py [--quick] [--modes rapid-full,tess-crop]
"""

from __future__ import annotations

import argparse
import io
import math
import time
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter, StrMethodFormatter  # noqa: E402
from PIL import Image  # noqa: E402

from chromagrid.find import ocr  # noqa: E402


def _lon(x: float, _pos=None) -> str:
    x = round(x)
    return "0°" if x == 0 else f"{abs(x)}°{'E' if x > 0 else 'W'}"


def _lat(y: float, _pos=None) -> str:
    y = round(y)
    return "0°" if y == 0 else f"{abs(y)}°{'N' if y > 0 else 'S'}"


def draw(kind: str, style: str, dpi: int, fmt: str) -> tuple[np.ndarray, list[tuple[str, float, tuple]]]:
    """One figure: its RGB array and the (text, true value, box) of each visible tick label."""
    with plt.style.context(style):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=dpi)
        data = np.linspace(0, 1, 400).reshape(20, 20)
        if kind == "linear":
            im = ax.imshow(data * 2 - 1, extent=(-180, 180, -90, 90), vmin=-1, vmax=1)
            cb = fig.colorbar(im, ax=ax)
            cb.set_ticks([-1, -0.5, 0, 0.5, 1])
            ax.xaxis.set_major_locator(FixedLocator([-120, -60, 0, 60, 120]))
            ax.xaxis.set_major_formatter(FuncFormatter(_lon))
            ax.yaxis.set_major_locator(FixedLocator([-45, 0, 45]))
            ax.yaxis.set_major_formatter(FuncFormatter(_lat))
            conv = {"cb": lambda v: v, "x": lambda v: round(v), "y": lambda v: round(v)}
        elif kind == "log":
            im = ax.imshow(10 ** (data * 4 - 3), norm=LogNorm(1e-3, 10), extent=(0, 100, 0, 5000), aspect="auto")
            cb = fig.colorbar(im, ax=ax)
            ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
            ax.xaxis.set_major_formatter(PercentFormatter(100))
            ax.yaxis.set_major_locator(FixedLocator([0, 1000, 2000, 3000, 4000]))
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
            conv = {"cb": lambda v: v, "x": lambda v: v, "y": lambda v: v}
        else:  # "offset": a colorbar in units of 1e-3 with an offset text
            im = ax.imshow(data * 0.004, extent=(0, 10, -40, 40), aspect="auto")
            cb = fig.colorbar(im, ax=ax)
            cb.formatter.set_powerlimits((-2, 2))
            cb.set_ticks([0, 0.001, 0.002, 0.003, 0.004])
            ax.yaxis.set_major_locator(FixedLocator([-30, -15, 0, 15, 30]))
            ax.yaxis.set_major_formatter(FuncFormatter(_lat))
            conv = {"cb": lambda v: v * 1e3, "x": lambda v: v, "y": lambda v: round(v)}
        fig.canvas.draw()
        labels = []
        renderer = fig.canvas.get_renderer()
        height = fig.canvas.get_width_height()[1]
        for name, axis in (("cb", cb.ax.yaxis), ("x", ax.xaxis), ("y", ax.yaxis)):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                label = tick.label1 if name != "cb" else (tick.label2 if tick.label2.get_visible() else tick.label1)
                loc = tick.get_loc()
                if not label.get_visible() or not label.get_text() or not (lo - 1e-9 <= loc <= hi + 1e-9):
                    continue
                bb = label.get_window_extent(renderer)
                box = (int(bb.x0), int(height - bb.y1), int(math.ceil(bb.x1)), int(math.ceil(height - bb.y0)))
                labels.append((label.get_text(), float(conv[name](loc)), box))
        if kind == "offset":
            off = cb.ax.yaxis.get_offset_text()
            if off.get_text():
                bb = off.get_window_extent(renderer)
                box = (int(bb.x0), int(height - bb.y1), int(math.ceil(bb.x1)), int(math.ceil(height - bb.y0)))
                labels.append((off.get_text(), 1e-3, box))
        buf = io.BytesIO()
        if fmt == "jpeg":
            fig.savefig(buf, format="jpeg", dpi=dpi, pil_kwargs={"quality": 75})
        else:
            fig.savefig(buf, format="png", dpi=dpi)
        plt.close(fig)
    rgb = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return rgb, labels


def _crop(rgb: np.ndarray, box: tuple, pad: int = 4) -> np.ndarray:
    x0, y0, x1, y1 = box
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(rgb[max(0, y0 - pad) : min(h, y1 + pad), max(0, x0 - pad) : min(w, x1 + pad)])


def _match(found: list[tuple[str, tuple]], box: tuple) -> str:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    best, best_d = "", 1e9
    for text, (x0, y0, x1, y1) in found:
        if x0 - 2 <= cx <= x1 + 2 and y0 - 2 <= cy <= y1 + 2:
            d = abs((x0 + x1) / 2 - cx) + abs((y0 + y1) / 2 - cy)
            if d < best_d:
                best, best_d = text, d
    return best


def _close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def run_mode(mode: str, rgb: np.ndarray, labels: list) -> list[str]:
    if mode in ("rapid-full", "rapid-full-s1"):
        boxes = ocr.read_text(rgb, scale=None if mode == "rapid-full" else 1.0)
        found = [(b.text, b.box) for b in boxes]
        return [_match(found, box) for _, _, box in labels]
    if mode == "rapid-crop":
        eng = ocr._engine()
        out = []
        for _, _, box in labels:
            crop = _crop(rgb, box)
            res, _ = eng(crop, use_det=False, use_cls=False, use_rec=True)
            text = res[0][0] if res else ""
            out.append(ocr._fix_line(text, crop))
        return out
    import pytesseract

    if mode == "tess-crop":
        out = []
        for _, _, box in labels:
            crop = Image.fromarray(_crop(rgb, box))
            crop = crop.resize((crop.width * 3, crop.height * 3), Image.Resampling.LANCZOS)
            out.append(pytesseract.image_to_string(crop, config="--psm 7").strip())
        return out
    if mode == "tess-full":
        s = 2
        img = Image.fromarray(rgb).resize((rgb.shape[1] * s, rgb.shape[0] * s), Image.Resampling.LANCZOS)
        d = pytesseract.image_to_data(img, config="--psm 11", output_type=pytesseract.Output.DICT)
        found = []
        for t, left, tp, w, h in zip(d["text"], d["left"], d["top"], d["width"], d["height"]):
            if t.strip():
                found.append((t.strip(), (left // s, tp // s, (left + w) // s, (tp + h) // s)))
        return [_match(found, box) for _, _, box in labels]
    raise ValueError(mode)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="PNG+JPEG at 72 and 300 dpi, default style only")
    ap.add_argument("--modes", default="rapid-full,rapid-full-s1,rapid-crop,tess-crop,tess-full")
    ap.add_argument("--failures", action="store_true", help="print each misread label")
    args = ap.parse_args()
    modes = args.modes.split(",")
    styles = ["default"] if args.quick else ["default", "ggplot", "classic"]
    dpis = [72, 300] if args.quick else [72, 100, 150, 300]
    kinds = ["linear", "log", "offset"]
    ocr._engine()  # start-up excluded from the timings
    stats: dict = defaultdict(lambda: [0, 0, 0.0, 0])  # (mode, key) -> ok, n, seconds, figures
    failures = []
    for style in styles:
        for dpi in dpis:
            for fmt in ("png", "jpeg"):
                for kind in kinds:
                    rgb, labels = draw(kind, style, dpi, fmt)
                    for mode in modes:
                        t0 = time.perf_counter()
                        texts = run_mode(mode, rgb, labels)
                        dt = time.perf_counter() - t0
                        for (truth_text, value, _), text in zip(labels, texts):
                            ok = _close(ocr.parse_number(text), value)
                            cat = (
                                "power"
                                if "^" in truth_text
                                else (
                                    "offset"
                                    if "e" in truth_text
                                    else "degree"
                                    if "°" in truth_text
                                    else "percent"
                                    if "%" in truth_text
                                    else "thousands"
                                    if "," in truth_text
                                    else "minus"
                                    if "\u2212" in truth_text
                                    else "plain"
                                )
                            )
                            for key in ("all", f"dpi={dpi}", f"style={style}", f"fmt={fmt}", f"label={cat}"):
                                st = stats[(mode, key)]
                                st[0] += ok
                                st[1] += 1
                            if not ok:
                                failures.append((mode, style, dpi, fmt, truth_text, text))
                        for key in ("all", f"dpi={dpi}", f"style={style}", f"fmt={fmt}"):
                            stats[(mode, key)][2] += dt
                            stats[(mode, key)][3] += 1
    keys = sorted(
        {k for _, k in stats},
        key=lambda k: (k != "all", k.split("=")[0], int(k.split("=")[1]) if k.startswith("dpi") else k),
    )
    print(f"{'subset':<18}" + "".join(f"{m:>22}" for m in modes))
    for key in keys:
        row = f"{key:<18}"
        for mode in modes:
            ok, n, sec, nfig = stats[(mode, key)]
            acc = f"{100 * ok / n:5.1f}% ({ok}/{n})" if n else ""
            spd = f" {sec / nfig:.2f}s" if nfig else ""
            row += f"{acc + spd:>22}"
        print(row)
    print("accuracy % (labels right/labels), then seconds per figure where measured")
    if args.failures:
        for f in failures:
            print("MISS", *f)


if __name__ == "__main__":
    main()
