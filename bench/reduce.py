#!/usr/bin/env python3
"""Reduction benchmark: points, reduction ratio and reconstruction error on the corpus; speed both ways.

    .venv/bin/python bench/reduce.py [--manifest PATH] [--id ID ...] [--target PERCENT]
                                     [--dbscan-pixels N] [--skip-corpus] [--skip-speed]

1. Corpus: every ``field`` and ``map`` case of bench/corpus (stress cases
   of those kinds included), decoded with the manifest's plot_box, cmap
   (cmap_n, norm, range; extent and CRS for maps) and reduced with the
   default settings (gradient_tol 0, eps 1.5, min_samples 1, linear
   reconstruction). Prints per case the points, valid pixels, reduction
   ratio (points per valid pixel), reconstruction RMSE and P99 in % of
   vmax - vmin, and the colour round-trip delta E. With ``--target`` it also
   runs the error-bounded search and prints what it chose.
2. Speed, in one process, on figures drawn with matplotlib (imshow, nearest)
   from a smooth field at one array cell per pixel:

   - 4 megapixels (2000 x 2000): clustering of the same kept pixels by
     connected components (chromagrid's fast path) and by scikit-learn's
     DBSCAN(eps=1.5, min_samples=1) on (column, row, level); checks that
     the two partitions are identical and prints the speed ratio (target:
     >= 100x) and each one's peak memory;
   - 16 megapixels (4000 x 4000): the whole fast reduction (gradient mask,
     clusters, snapped centroids) alone: seconds (target < 3 s) and peak
     memory (target < 2 GB).

Peak memory is the process's resident set size sampled every 2 ms by a
thread (read from /proc/self/statm), reported as the increase over the level
just before the step and as the absolute peak. It is a report: the exit
status is 0 whatever the numbers, unless the two clusterings disagree.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO / "bench" / "corpus" / "manifest.jsonl"
KINDS = ("field", "map")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- memory
def rss() -> int:
    """Resident set size of this process in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRSS:
    """Context manager: peak RSS (bytes) while the block runs, sampled by a thread."""

    def __init__(self, interval: float = 0.002):
        self.interval = interval

    def __enter__(self):
        gc.collect()
        self.before = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())

    @property
    def increase(self) -> int:
        return self.peak - self.before


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


# --------------------------------------------------------------------------- corpus
def case_kwargs(case: dict, root: Path) -> dict:
    """chromagrid.digitize arguments for a manifest case: only what a user would give."""
    kw = {"cmap": case["cmap"], "norm": case["norm"], "box": tuple(case["plot_box"])}
    if case.get("cmap_n") and case["cmap_n"] != 256:
        kw["ncolors"] = int(case["cmap_n"])
    if case["norm"] == "discrete":
        kw["boundaries"] = [float(b) for b in case["boundaries"]]
    else:
        kw["vmin"], kw["vmax"] = float(case["vmin"]), float(case["vmax"])
    if case.get("crs"):
        e = case["extent"]
        kw["extent"] = (e["left"], e["right"], e["bottom"], e["top"])
        kw["crs"] = case["crs"]
    return kw


def fmt_tol(tol) -> str:
    return "none" if tol is None else f"{tol:.3g}"


def corpus(manifest: Path, ids: list[str] | None, target: float | None) -> None:
    import chromagrid

    root = manifest.parent
    cases = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    cases = [c for c in cases if c["kind"] in KINDS and (not ids or c["id"] in ids)]
    head = (
        f"{'case':<12} {'kind':<5} {'fmt':<4} {'box px':>9} {'valid':>9} {'points':>7} {'ratio':>8} "
        f"{'RMSE %':>7} {'P99 %':>7} {'dE mean':>7} {'s':>5}"
    )
    if target is not None:
        head += f" | {'target':>6} {'points':>7} {'RMSE %':>7} {'gtol':>6} {'rebuild':>7} {'s':>5}"
    print(
        f"Corpus: {len(cases)} field/map cases, default reduction (gradient_tol 0, eps 1.5, min_samples 1, "
        "linear reconstruction, nearest outside the hull)"
    )
    print(head)
    print("-" * len(head))
    ratios, errors = [], []
    for case in cases:
        kw = case_kwargs(case, root)
        start = time.perf_counter()
        result = chromagrid.digitize(root / case["image"], reduce=chromagrid.Reduce(), **kw)
        seconds = time.perf_counter() - start
        c = result.checks
        rec, rt = c["reconstruction"], c["colour_round_trip"]
        h, w = result.grid["value"].shape
        ratios.append(c["reduction_ratio"])
        errors.append(rec["rmse_percent"])
        line = (
            f"{case['id']:<12} {case['kind']:<5} {case['format']:<4} {w * h:>9,} {c['valid_pixels']:>9,} "
            f"{c['points']:>7,} {c['reduction_ratio']:>8.4f} {rec['rmse_percent']:>7.3f} "
            f"{rec['p99_percent']:>7.3f} {rt['delta_e_mean']:>7.2f} {seconds:>5.1f}"
        )
        if target is not None:
            start = time.perf_counter()
            searched = chromagrid.digitize(
                root / case["image"], reduce=chromagrid.Reduce(target_rmse_percent=target), **kw
            )
            s = searched.checks
            line += (
                f" | {target:>6g} {s['points']:>7,} {s['reconstruction']['rmse_percent']:>7.3f} "
                f"{fmt_tol(s['clustering']['gradient_tol']):>6} {s['reconstruction']['method']:>7} "
                f"{time.perf_counter() - start:>5.1f}"
            )
            line += "" if s["search"]["met"] else "  (target not met)"
        print(line, flush=True)
    print(f"median reduction ratio {np.median(ratios):.4f}, median RMSE {np.median(errors):.3f}% of the range\n")


# --------------------------------------------------------------------------- speed
def smooth_field(n: int) -> np.ndarray:
    """A smooth n x n field in [0, 1]: Gaussians, sinusoids and a ramp."""
    y, x = np.mgrid[0:n, 0:n] / n
    f = (
        np.exp(-((x - 0.3) ** 2 + (y - 0.4) ** 2) / 0.05)
        + 0.6 * np.exp(-((x - 0.75) ** 2 + (y - 0.7) ** 2) / 0.02)
        + 0.25 * np.sin(7 * x) * np.cos(5 * y)
        + 0.3 * x
    )
    return (f - f.min()) / (f.max() - f.min())


def draw(path: Path, n: int) -> None:
    """Draw an n x n smooth field with imshow (nearest), one array cell per pixel, no axes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(n / 100, n / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.imshow(smooth_field(n), cmap="viridis", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    fig.savefig(path, dpi=100)


def decoded_field(path: Path) -> np.ndarray:
    from chromagrid.decode.core import decode
    from chromagrid.io.image import read_image
    from chromagrid.scale.colorscale import from_colormap

    image = read_image(path)
    return decode(image.rgb, from_colormap("viridis", "linear", 0.0, 1.0)).value


def speed_16mp(folder: Path) -> None:
    from chromagrid import Reduce
    from chromagrid.reduce.cluster import reduce_field

    path = folder / "field_16mp.png"
    draw(path, 4000)
    value = decoded_field(path)
    settings = Reduce()
    reduce_field(value[:500, :500], settings)  # warm up imports and caches
    times = []
    for _ in range(3):
        with PeakRSS() as mem:
            start = time.perf_counter()
            reduction = reduce_field(value, settings)
            times.append(time.perf_counter() - start)
        del reduction
    reduction = reduce_field(value, settings)
    print(
        f"16 MP figure (4000 x 4000, viridis, smooth field, nearest): fast reduction (gradient mask, connected "
        f"components, snapped centroids) {min(times):.2f} s (median of 3: {sorted(times)[1]:.2f} s; target < 3 s), "
        f"peak RSS +{mb(mem.increase)} over the decoded field, {mb(mem.peak)} for the whole process "
        f"(target < 2 GB); {len(reduction.points):,} points from {reduction.n_kept:,} kept pixels."
    )


def speed_4mp(folder: Path, dbscan_pixels: int | None) -> bool:
    from chromagrid.reduce.cluster import (
        canonical_labels,
        gradient_mask,
        label_components,
        label_dbscan,
        neighbourhood,
        value_levels,
    )

    path = folder / "field_4mp.png"
    draw(path, 2000)
    value = decoded_field(path)
    if dbscan_pixels:  # a top-left window of about that many pixels, both ways on the same window
        side = int(np.sqrt(dbscan_pixels))
        value = value[:side, :side]
    kept = gradient_mask(value)
    levels = value_levels(value, kept)
    label_components(levels[:200, :200], neighbourhood(1.5))  # warm up
    fast = []
    for _ in range(5):
        start = time.perf_counter()
        labels_fast, n_fast = label_components(levels, neighbourhood(1.5))
        fast.append(time.perf_counter() - start)
    with PeakRSS() as mem_fast:
        label_components(levels, neighbourhood(1.5))
    with PeakRSS() as mem_slow:
        start = time.perf_counter()
        labels_slow, n_slow, n_noise = label_dbscan(levels, 1.5, 1)
        slow = time.perf_counter() - start
    same = bool(np.array_equal(canonical_labels(labels_fast), canonical_labels(labels_slow)))
    h, w = value.shape
    print(
        f"{h * w / 1e6:.1f} MP figure ({w} x {h}, viridis, smooth field, nearest), {int(kept.sum()):,} kept "
        f"pixels: connected components {np.median(fast):.3f} s (median of 5), peak +{mb(mem_fast.increase)}; "
        f"scikit-learn DBSCAN(eps=1.5, min_samples=1) on (column, row, level) {slow:.1f} s, peak "
        f"+{mb(mem_slow.increase)}; ratio {slow / np.median(fast):,.0f}x (target >= 100x); "
        f"{n_fast:,} clusters both ways, partitions identical: {same}, DBSCAN noise {n_noise}"
    )
    return same


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--id", action="append", help="only these cases (repeatable)")
    parser.add_argument("--target", type=float, help="also run the error-bounded search with this RMSE %% target")
    parser.add_argument(
        "--dbscan-pixels",
        type=int,
        help="time both clusterings on a window of about this "
        "many pixels of the 4 MP figure instead of all of it (for a loaded machine)",
    )
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_corpus:
        corpus(args.manifest, args.id, args.target)
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            speed_16mp(Path(tmp))  # first, before DBSCAN's memory is in the process
            ok = speed_4mp(Path(tmp), args.dbscan_pixels)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
