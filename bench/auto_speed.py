#!/usr/bin/env python3
"""What finding everything costs: a figure decoded from the image alone vs. with everything given.

    .venv/bin/python bench/auto_speed.py [--megapixels 2] [--repeats 3]

Draws a framed imshow figure with a colorbar and numeric axes at about the given
size, then times, interleaved and ``--repeats`` times each, in this process:

* ``given``: ``chromagrid.digitize`` with box, cmap, vmin/vmax and extent given;
* ``found``: ``chromagrid.digitize`` with nothing but the image (panels,
  colormap, ticks and axes found, then the same decode);
* ``inspect``: ``chromagrid.inspect_figure`` alone (everything found, every
  panel and colorbar, no decode).

It prints the medians and the ratio found / given; the target (issue 11) is at
most 2x. Every timed call is warm (one untimed run of each first: OCR models and
the colormap catalogue are loaded once per process).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def draw(path: Path, megapixels: float) -> dict:
    """A 4:3 figure of about ``megapixels``; returns what a user would give for it."""
    dpi = 100
    width = (megapixels * 1e6 * 4 / 3) ** 0.5
    fig, ax = plt.subplots(figsize=(width / dpi, width * 0.75 / dpi), dpi=dpi)
    y, x = np.mgrid[0:300, 0:400]
    field = np.sin(x / 37.0) * np.cos(y / 23.0) + x / 400
    im = ax.imshow(field, cmap="viridis", vmin=-1, vmax=2, extent=(0, 40, 0, 30), aspect="auto")
    fig.colorbar(im, ax=ax)
    fig.canvas.draw()
    bb = ax.get_window_extent()
    h = fig.canvas.get_width_height()[1]
    box = [int(np.floor(v + 0.5)) for v in (bb.x0, h - bb.y1, bb.x1, h - bb.y0)]
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return {"box": box, "cmap": "viridis", "vmin": -1, "vmax": 2, "extent": (0, 40, 0, 30)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--megapixels", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    import chromagrid

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figure.png"
        given = draw(path, a.megapixels)
        runs = {
            "given": lambda: chromagrid.digitize(path, **given),
            "found": lambda: chromagrid.digitize(path),
            "inspect": lambda: chromagrid.inspect_figure(path),
        }
        for run in runs.values():  # warm: models, catalogue, imports
            run()
        times: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(a.repeats):
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"figure {a.megapixels:g} MP, {a.repeats} interleaved runs each (median s):")
    for name, value in median.items():
        print(f"  {name:<8} {value:6.2f} s   ({', '.join(f'{t:.2f}' for t in times[name])})")
    print(
        f"found / given: {median['found'] / median['given']:.2f}x (target <= 2x); "
        f"inspect / given: {median['inspect'] / median['given']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
