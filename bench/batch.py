"""Batch and tiled-decode benchmark.

1. Throughput: N figures (default 40) decoded by ``chromagrid.batch`` on a local
   Dask cluster with 1 and then 2 worker processes; prints figures per second
   of the steady state (workers started and warmed up first) and the speed-up.
2. Memory: one very large figure (default 20,000 x 20,000 = 400 MP) decoded in
   tiles (``chromagrid.tiles.run_tiled``), against a smaller one decoded
   untiled (``chromagrid.pipeline.run``), each in its own process; prints
   the peak resident memory of each, and per pixel.

    .venv/bin/python bench/batch.py                      # both parts
    .venv/bin/python bench/batch.py --tiled-side 10000   # a 100 MP figure instead of 400 MP
    .venv/bin/python bench/batch.py --skip-tiles         # throughput only

Figures are drawn here from known fields (matplotlib's own colour tables);
nothing is downloaded. Working files go to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "batch"


# --------------------------------------------------------------------------- figures
def draw_figures(folder: Path, n: int, width: int, height: int) -> None:
    """n matplotlib figures: a smooth field in viridis with contour lines and a label over it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:height, 0:width]
    for i in range(n):
        path = folder / f"fig{i:03d}.png"
        if path.exists():
            continue
        field = (np.sin(x / (40 + i) + i) * np.cos(y / (55 + 2 * i)) + 1) / 2
        fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_axis_off()
        ax.imshow(field, cmap="viridis", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        ax.contour(field, levels=[0.25, 0.5, 0.75], colors="k", linewidths=1)
        ax.text(width * 0.1, height * 0.2, f"figure {i}", fontsize=14, color="white")
        fig.savefig(path, dpi=100)
        plt.close(fig)


def draw_large(path: Path, side: int) -> None:
    """A side x side RGB PNG of a smooth field with matplotlib's viridis table (as imshow writes it)."""
    from matplotlib import colormaps
    from PIL import Image

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lut = np.floor(colormaps["viridis"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    rgb = np.empty((side, side, 3), np.uint8)
    x = np.arange(side, dtype=np.float32)
    for r0 in range(0, side, 1024):  # strip by strip: bounded temporaries while drawing
        y = np.arange(r0, min(r0 + 1024, side), dtype=np.float32)[:, None]
        field = (np.sin(x / (side / 7)) * np.cos(y / (side / 5)) + 1) / 2
        rgb[r0 : r0 + len(y)] = lut[np.minimum((field * 256).astype(np.int32), 255)]
    Image.fromarray(rgb).save(path, compress_level=1)


# --------------------------------------------------------------------------- throughput
def _warm() -> bool:
    import chromagrid.batch  # noqa: F401
    import chromagrid.pipeline  # noqa: F401 - imports paid before the clock starts

    return True


def throughput(n: int, width: int, height: int, workers: tuple[int, ...]) -> dict[int, float]:
    import yaml
    from distributed import Client, LocalCluster

    from chromagrid.batch import execute, plan_batch

    folder = OUT / "figures"
    draw_figures(folder, n, width, height)
    config = OUT / "bench-batch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "inputs": [f"figures/fig{i:03d}.png" for i in range(n)],
                "output": "results/{stem}.nc",
                "defaults": {"scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}},
            }
        )
    )
    rates = {}
    for k in workers:
        plan = plan_batch(config, force=True)
        with (
            LocalCluster(
                n_workers=k, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm)
            start = time.perf_counter()
            records = execute(plan, client, progress=open(os.devnull, "w"))
            elapsed = time.perf_counter() - start
        failed = [r for r in records if r["status"] != "done"]
        if failed:
            raise SystemExit(f"{len(failed)} figures failed: {failed[0]['error']}")
        rates[k] = n / elapsed
        busy = sum(r["elapsed_s"] for r in records)
        print(
            f"  {k} worker{'s' if k > 1 else ' '}: {n} figures ({width}x{height}) in {elapsed:6.2f} s = "
            f"{rates[k]:5.2f} figures/s (tasks busy {busy / elapsed:.2f} workers on average)",
            flush=True,
        )
    return rates


# --------------------------------------------------------------------------- memory
def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(mode: str, figure: Path, output: Path, tile: int) -> dict:
    """Run in a fresh process: decode one figure, report the peak resident memory."""
    import dask  # noqa: F401 - imported before the baseline, as in a worker

    import chromagrid.pipeline
    import chromagrid.tiles
    from chromagrid.io.image import image_size

    width, height = image_size(figure, 10**9)
    config = {
        "input": str(figure),
        "output": [str(output)],
        "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1},
        "decode": {"keep_distance": False, "smooth": False},
        "image": {"max_pixels": 10**9},
    }
    baseline = _rss_mb()
    start = time.perf_counter()
    if mode == "tiled":
        result = chromagrid.tiles.run_tiled(config, tile=tile)
    else:
        result = chromagrid.pipeline.run(config)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mode": mode,
        "pixels": width * height,
        "side": width,
        "seconds": elapsed,
        "peak_mb": peak,
        "baseline_mb": baseline,
        "masked_fraction": result.masked_fraction,
    }


def memory(tiled_side: int, untiled_side: int, tile: int) -> None:
    runs = []
    for mode, side in (("untiled", untiled_side), ("tiled", tiled_side), ("tiled", untiled_side)):
        figure = OUT / f"large-{side}.png"
        t0 = time.perf_counter()
        draw_large(figure, side)
        if time.perf_counter() - t0 > 1:
            print(f"  drew {figure.name} ({side}x{side}) in {time.perf_counter() - t0:.0f} s", flush=True)
        cmd = [
            sys.executable,
            __file__,
            "--measure",
            mode,
            "--figure",
            str(figure),
            "--output",
            str(OUT / f"large-{side}-{mode}.nc"),
            "--tile",
            str(tile),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{mode} run failed:\n{done.stderr}")
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        mp = run["pixels"] / 1e6
        above = (run["peak_mb"] - run["baseline_mb"]) * 2**20 / run["pixels"]
        print(
            f"  {run['mode']:>7} {side:>6}x{side:<6} ({mp:6.1f} MP): {run['seconds']:6.1f} s "
            f"({mp / run['seconds']:5.1f} MP/s), peak RSS {run['peak_mb'] / 1024:6.2f} GB = "
            f"{above:5.1f} bytes/pixel above the {run['baseline_mb']:.0f} MB after imports",
            flush=True,
        )
    untiled, tiled = runs[0], runs[1]
    print(
        f"  tiled {tiled['pixels'] / 1e6:.0f} MP peak / untiled {untiled['pixels'] / 1e6:.0f} MP peak: "
        f"{tiled['peak_mb'] / untiled['peak_mb']:.2f}x the memory for "
        f"{tiled['pixels'] / untiled['pixels']:.0f}x the pixels"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", type=int, default=40)
    parser.add_argument("--size", default="1000x800", help="WIDTHxHEIGHT of the batch figures")
    parser.add_argument("--tiled-side", type=int, default=20000, help="side of the figure decoded in tiles")
    parser.add_argument("--untiled-side", type=int, default=5000, help="side of the figure decoded untiled")
    parser.add_argument("--tile", type=int, default=1024)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-tiles", action="store_true")
    parser.add_argument("--measure", choices=["tiled", "untiled"], help=argparse.SUPPRESS)
    parser.add_argument("--figure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.figure, args.output, args.tile)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.skip_batch:
        width, height = (int(v) for v in args.size.split("x"))
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"batch throughput ({os.cpu_count()} cores, load average {load} before the run):", flush=True)
        rates = throughput(args.figures, width, height, (1, 2))
        print(f"  speed-up 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    if not args.skip_tiles:
        print("tiled decode memory (each run in its own process, NetCDF output of the value grid):", flush=True)
        memory(args.tiled_side, args.untiled_side, args.tile)


if __name__ == "__main__":
    main()
