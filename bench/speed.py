#!/usr/bin/env python3
"""Speed benchmark: chromagrid's colour-to-value step against the plain approach, in one process.

    .venv/bin/python bench/speed.py [--size 4000] [--plain-mp 2] [--repeat 3]

1. Draws a smooth field (sums of Gaussians and sinusoids) of ``size x size``
   pixels with viridis, nearest-neighbour, as matplotlib's ``imshow`` draws it
   (the colormap's own 8-bit table), and writes it as a real PNG file
   (Pillow), which is then read back.
2. Times, in this one process (median of ``--repeat`` runs):

   * Pillow reading that PNG into an RGB array;
   * the plain approach: a scipy ``cKDTree`` over 10,000 colormap samples in
     RGB, queried with every pixel (timed on ``--plain-mp`` megapixels of
     rows spread over the image and scaled linearly to the full image: the
     per-pixel query cost does not depend on the image size);
   * chromagrid's colour-to-value step: ``chromagrid.decode.core.decode()`` on the
     already read array (and, for information, the overlay clean-up the
     pipeline runs after it);
   The steps take turns (read, plain, decode, read, ...) so that each sees
   the same share of whatever else runs on the machine;
3. prints megapixels per second, the ratio plain / chromagrid (target >= 40),
   chromagrid / Pillow read (target <= 1.5), and the peak memory of the decode
   step traced with tracemalloc (target < 10x the RGB array's size).

It is a report: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

RATIO_TARGET = 40.0
READ_TARGET = 1.5
MEMORY_TARGET = 10.0


def smooth_field(n: int) -> np.ndarray:
    """An n x n smooth field in [0, 1]: a few Gaussians plus a gentle wave."""
    y, x = np.mgrid[0 : 1 : n * 1j, 0 : 1 : n * 1j]
    f = (
        np.exp(-((x - 0.3) ** 2 + (y - 0.4) ** 2) / 0.02)
        + 0.7 * np.exp(-((x - 0.7) ** 2 + (y - 0.6) ** 2) / 0.05)
        + 0.15 * np.sin(6 * x) * np.cos(4 * y)
    )
    return ((f - f.min()) / (f.max() - f.min())).astype(np.float32)


def write_figure(path: Path, n: int) -> None:
    """The field drawn with viridis as imshow(interpolation='nearest') draws it, saved as PNG."""
    import matplotlib as mpl
    from PIL import Image

    rgba = mpl.colormaps["viridis"](smooth_field(n), bytes=True)
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(path)


def read_png(path: Path) -> np.ndarray:
    """Pillow's read of the whole PNG into an H x W x 3 array."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def timed(fn) -> float:
    """Wall time of one call (after a garbage collection)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def plain_decoder(cmap_name: str = "viridis", samples: int = 10_000):
    """The plain approach: a KD-tree over ``samples`` colormap colours in RGB (0-255)."""
    import matplotlib as mpl
    from scipy.spatial import cKDTree

    u = np.linspace(0.0, 1.0, samples)
    tree = cKDTree(mpl.colormaps[cmap_name](u)[:, :3] * 255.0)

    def run(rgb: np.ndarray) -> np.ndarray:
        _, idx = tree.query(rgb.reshape(-1, 3).astype(np.float64))
        return u[idx].reshape(rgb.shape[:2])

    return run


def peak_memory(fn) -> int:
    """Peak bytes allocated through Python's allocators (numpy included) while ``fn`` runs."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=4000, help="figure side in pixels (default 4000: 16 MP)")
    ap.add_argument("--plain-mp", type=float, default=2.0, help="megapixels the plain approach is timed on")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)

    from chromagrid.decode.core import clean_overlays, decode
    from chromagrid.scale.colorscale import from_colormap

    scale = from_colormap("viridis", vmin=0.0, vmax=1.0)
    plain = plain_decoder()
    times = {"read": [], "plain": [], "decode": [], "clean": []}
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "field.png"
        write_figure(png, a.size)
        rgb = read_png(png)
        step = max(1, int(round(rgb.shape[0] * rgb.shape[1] / (a.plain_mp * 1e6))))
        part = np.ascontiguousarray(rgb[::step])  # rows spread over the whole figure
        decoded = decode(rgb, scale)  # warm-up (imports, first allocations)
        # the steps take turns, so that each sees the same share of whatever else runs on the machine
        for _ in range(a.repeat):
            times["read"].append(timed(lambda: read_png(png)))
            times["plain"].append(timed(lambda: plain(part)))
            times["decode"].append(timed(lambda: decode(rgb, scale)))
            times["clean"].append(timed(lambda: clean_overlays(decoded, scale)))
    mp = rgb.shape[0] * rgb.shape[1] / 1e6
    part_mp = part.shape[0] * part.shape[1] / 1e6
    t_read, t_decode, t_clean = (statistics.median(times[k]) for k in ("read", "decode", "clean"))
    t_plain = statistics.median(times["plain"]) * mp / part_mp
    mem = peak_memory(lambda: decode(rgb, scale))

    print(
        f"figure: {rgb.shape[1]}x{rgb.shape[0]} = {mp:.1f} MP smooth field, viridis, nearest, PNG; "
        f"{decoded.n_colors} distinct colours; medians of {a.repeat} runs in one process "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"{'step':<44} {'seconds':>8} {'MP/s':>8}")
    print(f"{'Pillow: read the PNG':<44} {t_read:>8.3f} {mp / t_read:>8.1f}")
    print(
        f"{'plain: cKDTree(10,000 RGB samples).query':<44} {t_plain:>8.3f} {mp / t_plain:>8.2f}"
        f"   (timed on every {step}th row: {part_mp:.1f} MP, scaled x{mp / part_mp:.1f})"
    )
    print(f"{'chromagrid: decode() colour -> value':<44} {t_decode:>8.3f} {mp / t_decode:>8.1f}")
    print(f"{'chromagrid: clean_overlays() (information)':<44} {t_clean:>8.3f} {mp / t_clean:>8.1f}")
    ratio = t_plain / t_decode
    vs_read = t_decode / t_read
    mem_ratio = mem / rgb.nbytes
    print()
    print(
        f"plain / chromagrid decode   = {ratio:7.1f}x   target >= {RATIO_TARGET:g}x   "
        f"{'MET' if ratio >= RATIO_TARGET else 'MISSED'}"
    )
    print(
        f"chromagrid decode / read    = {vs_read:7.2f}x   target <= {READ_TARGET:g}x   "
        f"{'MET' if vs_read <= READ_TARGET else 'MISSED'}"
    )
    print(
        f"decode peak memory          = {mem / 1e6:7.0f} MB = {mem_ratio:.1f}x the RGB array "
        f"({rgb.nbytes / 1e6:.0f} MB)   target < {MEMORY_TARGET:g}x   "
        f"{'MET' if mem_ratio < MEMORY_TARGET else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
