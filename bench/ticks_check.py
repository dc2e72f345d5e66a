"""Check chromagrid.find.ticks against the public benchmark corpus.

Usage: python bench/ticks_check.py [BENCH_DIR] [--only ID[,ID...]] [--no-axes]
(default BENCH_DIR: bench/corpus)

Per case: find_layout, then read_colorbar_ticks on the colorbar found nearest the truth colorbar, and
read_axes on the panel found nearest the truth plot box. Prints ticks read vs the manifest's ticks, the
vmin/vmax error in % of the span (log norms: of the log10 span), the norm chosen vs the manifest's, the
extent error per axis in % of its span, lon/lat detected vs the manifest's crs, and the time; then a
summary.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from PIL import Image

from chromagrid.find.layout import find_layout
from chromagrid.find.ticks import read_axes, read_colorbar_ticks

TOL = 0.5  # % of span


def _box_err(a, b) -> int:
    return int(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def _range_err(case: dict, vmin: float, vmax: float) -> float:
    """Max of the vmin / vmax errors, in % of the truth span (log10 span for log norms)."""
    t0, t1 = case["vmin"], case["vmax"]
    if case["norm"] == "discrete" and case.get("boundaries"):
        t0, t1 = case["boundaries"][0], case["boundaries"][-1]
    if case["norm"] == "log":
        if vmin <= 0 or vmax <= 0:
            return math.inf
        t0, t1, vmin, vmax = (math.log10(v) for v in (t0, t1, vmin, vmax))
    span = abs(t1 - t0)
    return 100.0 * max(abs(vmin - t0), abs(vmax - t1)) / span


def _edge_err(case: dict, bar_box, vmin: float, vmax: float) -> float:
    """Error of the values at the box edges used, against the truth there (from the manifest's tick
    positions and values), in % of the span: the reader's own error, without the box's rounding."""
    cb = case["colorbar"]
    pos = np.asarray(cb["tick_px"], float)
    val = np.asarray(cb["ticks"], float)
    if case["norm"] == "discrete" or len(pos) < 2:
        return float("nan")
    log = case["norm"] == "log"
    y = np.log10(val) if log else val
    d, c = np.polyfit(pos, y, 1)
    x0, y0, x1, y1 = bar_box
    lo, hi = (y1, y0) if cb["orientation"] == "vertical" else (x0, x1)
    t_lo, t_hi = c + d * lo, c + d * hi
    if log:
        if vmin <= 0 or vmax <= 0:
            return math.inf
        vmin, vmax = math.log10(vmin), math.log10(vmax)
    return 100.0 * max(abs(vmin - t_lo), abs(vmax - t_hi)) / abs(t_hi - t_lo)


def _extent_err(case: dict, ext: tuple[float, float, float, float]) -> tuple[float, float]:
    e = case["extent"]
    left, right, bottom, top = ext
    sx = abs(e["right"] - e["left"])
    sy = abs(e["top"] - e["bottom"])
    ex = 100.0 * max(abs(left - e["left"]), abs(right - e["right"])) / sx
    ey = 100.0 * max(abs(bottom - e["bottom"]), abs(top - e["top"])) / sy
    return ex, ey


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent / "corpus"))
    ap.add_argument("--only", default="")
    ap.add_argument("--no-axes", action="store_true")
    args = ap.parse_args()
    root = Path(args.root)
    only = set(filter(None, args.only.split(",")))
    stats = dict(
        n_cb=0,
        cb_ok=0,
        cb_none=0,
        count_ok=0,
        norm_ok=0,
        n_ax=0,
        ax_ok=0,
        n_ll=0,
        ll_ok=0,
        n_cells=0,
        cells_none_or_index=0,
    )
    fails: list[str] = []
    times: list[float] = []
    edge_errs: list[float] = []
    for line in open(root / "manifest.jsonl"):
        c = json.loads(line)
        if only and c["id"] not in only:
            continue
        img = np.asarray(Image.open(root / c["image"]).convert("RGB"))
        t_start = time.time()
        panels, bars = find_layout(img)
        t_layout = time.time() - t_start
        out = [f"{c['id']:12s}"]
        cb = c["colorbar"]
        if cb:
            stats["n_cb"] += 1
            if not bars:
                out.append("cbar NOT found by layout")
                fails.append(f"{c['id']}: no colorbar found by layout")
            else:
                bar = min(bars, key=lambda b: _box_err(b.box, cb["box"]))
                t = time.time()
                sc = read_colorbar_ticks(img, bar)
                dt = time.time() - t
                if sc is None:
                    stats["cb_none"] += 1
                    out.append(f"cbar None ({dt:.1f}s)")
                    fails.append(f"{c['id']}: colorbar None")
                else:
                    err = _range_err(c, sc.vmin, sc.vmax)
                    edge_errs.append(_edge_err(c, bar.box, sc.vmin, sc.vmax))
                    ok = err <= TOL
                    stats["cb_ok"] += ok
                    n_read = len(sc.fit.ticks)
                    stats["count_ok"] += n_read == len(cb["ticks"])
                    stats["norm_ok"] += sc.norm == c["norm"]
                    out.append(
                        f"cbar {n_read}/{len(cb['ticks'])} ticks rej={len(sc.fit.rejected)} "
                        f"range {sc.vmin:.5g}..{sc.vmax:.5g} err={err:.3f}% (at box {edge_errs[-1]:.3f}%) "
                        f"{sc.norm}/{c['norm']} "
                        f"res={sc.fit.residual:.2f}px conf={sc.confidence:.2f} ({dt:.1f}s)"
                        + ("" if ok else "  <-- FAIL")
                    )
                    if not ok:
                        fails.append(f"{c['id']}: colorbar range err {err:.3f}% ({sc.evidence})")
        if not args.no_axes and panels:
            panel = min(panels, key=lambda p: _box_err(p.box, c["plot_box"]))
            t = time.time()
            ax = read_axes(img, panel.box)
            dt = time.time() - t
            ext = ax.extent(panel.box)
            ll_truth = bool(c.get("crs")) and c["crs"] == "EPSG:4326"
            if c["kind"] == "cells":
                stats["n_cells"] += 1
                idx_like = ext is None or all(abs(v - round(2 * v) / 2) < 0.05 for v in ext)
                stats["cells_none_or_index"] += idx_like
                nx = "-" if ax.x is None else len(ax.x.ticks)
                ny = "-" if ax.y is None else len(ax.y.ticks)
                out.append(
                    f"axes x={nx} y={ny} ext={None if ext is None else tuple(round(v, 3) for v in ext)} ({dt:.1f}s)"
                )
            else:
                stats["n_ax"] += 1
                if c["kind"] == "map":
                    stats["n_ll"] += 1
                    stats["ll_ok"] += ax.lonlat == ll_truth
                if ext is None:
                    out.append(f"axes ext None [{ax.evidence}] ({dt:.1f}s)  <-- FAIL")
                    fails.append(f"{c['id']}: extent None ({ax.evidence})")
                else:
                    ex, ey = _extent_err(c, ext)
                    ok = ex <= TOL and ey <= TOL
                    stats["ax_ok"] += ok
                    out.append(
                        f"axes ext err x={ex:.3f}% y={ey:.3f}% nx={len(ax.x.ticks)} ny={len(ax.y.ticks)} "
                        f"panel_box_err={_box_err(panel.box, c['plot_box'])}px "
                        f"lonlat={ax.lonlat}/{ll_truth} ({dt:.1f}s)" + ("" if ok else "  <-- FAIL")
                    )
                    if not ok:
                        fails.append(f"{c['id']}: extent err x={ex:.3f}% y={ey:.3f}% ({ax.evidence})")
        total = time.time() - t_start
        times.append(total)
        out.append(f"[layout {t_layout:.1f}s, total {total:.1f}s]")
        print("  ".join(out), flush=True)
    s = stats
    print("\nSUMMARY")
    if s["n_cb"]:
        print(
            f"  colorbar range within {TOL}% of span: {s['cb_ok']}/{s['n_cb']} ({100 * s['cb_ok'] / s['n_cb']:.1f}%)"
            f"; None: {s['cb_none']}; tick count right: {s['count_ok']}/{s['n_cb']}; norm right: {s['norm_ok']}"
        )
        ee = np.asarray([e for e in edge_errs if np.isfinite(e)])
        if ee.size:
            print(
                f"  colorbar value at the box edges used (the reader's own error, box rounding aside): "
                f"median {np.median(ee):.3f}%, max {ee.max():.3f}% of span"
            )
    if s["n_ax"]:
        print(f"  extent within {TOL}% (fields, maps): {s['ax_ok']}/{s['n_ax']} ({100 * s['ax_ok'] / s['n_ax']:.1f}%)")
    if s["n_ll"]:
        print(f"  lonlat right on maps: {s['ll_ok']}/{s['n_ll']}")
    if s["n_cells"]:
        print(f"  cells: extent None or index-like: {s['cells_none_or_index']}/{s['n_cells']}")
    if times:
        print(f"  time per case: median {np.median(times):.1f}s, max {max(times):.1f}s, total {sum(times):.0f}s")
    if fails:
        print("  failures:")
        for f in fails:
            print("   ", f)


if __name__ == "__main__":
    main()
