"""Make the example figures from known data, with their true values and pixel boxes.

    python examples/make_examples.py [--out DIR]

Writes, for each example NAME:

- ``NAME.png``: the figure, drawn with matplotlib;
- ``NAME.npz``: the array that was drawn (``values``, float32, row 0 at the top) and
  its extent (``extent`` = left, right, bottom, top);
- ``heatmap.png`` / ``heatmap.npz``: a cell heat map drawn like matplotlib's
  annotated-heatmap gallery recipe (numbers in the cells, white lines between
  them), for ``chromagrid cells`` and ``configs/cells.yaml``;

and ``examples.json``: each figure's colour scale, extent, CRS, and the exact
pixel boxes of its plot area and colorbar strip (x0 y0 x1 y1, x1/y1
exclusive), from matplotlib's transforms after drawing, each edge rounded half
up as matplotlib does when it places an image (so the data pixels are exactly
``img[y0:y1, x0:x1]``). The configs in ``configs/`` decode these figures.

The output is deterministic: the data are analytic functions, and the PNGs
carry no version or date metadata.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize  # noqa: E402

HERE = Path(__file__).resolve().parent

#: Figure layout shared by the examples: 730 x 500 pixels, plot box 80 40 620 460 and
#: a vertical colorbar strip at 640 40 660 460 (the boxes the README's commands use).
#: The horizontal-colorbar example is 560 pixels tall, its strip below the plot.
SIZE = (730, 500)
SIZE_HORIZONTAL = (730, 560)
DPI = 100
EXTENT = (-10.0, 30.0, 35.0, 60.0)  # left, right, bottom, top: lon/lat degrees
NROWS, NCOLS = 84, 108  # 5 x 5 pixels per cell in the 540 x 420 plot box
DISCRETE_BOUNDARIES = [-3.0, -1.0, 0.0, 1.0, 3.0]


def pixel_box(fig, ax) -> tuple[list[int], list[float]]:
    """An axes' area in image pixels: (rounded half up, exact), each x0 y0 x1 y1 with y flipped into rows."""
    fig.canvas.draw()
    bbox = ax.get_window_extent()
    height = fig.canvas.get_width_height()[1]
    exact = [bbox.x0, height - bbox.y1, bbox.x1, height - bbox.y0]
    return [int(math.floor(v + 0.5)) for v in exact], [round(v, 4) for v in exact]


def lon_lat() -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre longitudes and latitudes of the examples' grid (row 0 = north)."""
    left, right, bottom, top = EXTENT
    lon = left + (np.arange(NCOLS) + 0.5) * (right - left) / NCOLS
    lat = top - (np.arange(NROWS) + 0.5) * (top - bottom) / NROWS
    return np.meshgrid(lon, lat)


def smooth(low: float, high: float) -> np.ndarray:
    """A smooth field over the extent, scaled to span [low, high] exactly."""
    lon, lat = lon_lat()
    f = (
        np.exp(-(((lon - 2) / 9) ** 2 + ((lat - 49) / 6) ** 2))
        + 0.7 * np.exp(-(((lon - 20) / 5) ** 2 + ((lat - 41) / 4) ** 2))
        + 0.25 * np.sin(lon / 6.0) * np.cos(lat / 5.0)
    )
    f = (f - f.min()) / (f.max() - f.min())
    return low + f * (high - low)


def sea_mask() -> np.ndarray:
    """True over a made-up sea in the south-west corner (drawn as no data)."""
    lon, lat = lon_lat()
    return ((lon + 10) / 16) ** 2 + ((lat - 35) / 9) ** 2 < 1.0


def draw(
    path: Path,
    data: np.ndarray,
    cmap,
    norm,
    title: str,
    label: str,
    coastline: bool = False,
    colorbar: str = "vertical",
) -> dict:
    """Draw one figure with the shared layout and return its boxes."""
    width, height = SIZE if colorbar == "vertical" else SIZE_HORIZONTAL

    def rect(x0: int, y0: int, x1: int, y1: int) -> tuple[float, ...]:
        """A pixel box (rows from the top) as a figure-fraction rectangle."""
        return x0 / width, (height - y1) / height, (x1 - x0) / width, (y1 - y0) / height

    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    try:
        ax = fig.add_axes(rect(80, 40, 620, 460))
        im = ax.imshow(
            data, cmap=cmap, norm=norm, extent=EXTENT, interpolation="nearest", origin="upper", aspect="auto"
        )
        if coastline:
            lon, lat = lon_lat()
            ax.contour(lon, lat, sea_mask().astype(float), levels=[0.5], colors="black", linewidths=1.0)
        ax.set_title(title, fontsize=10)
        ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):g}°{'W' if v < 0 else 'E'}")
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}°N")
        if colorbar == "vertical":
            cax = fig.add_axes(rect(640, 40, 660, 460))
        else:  # a horizontal strip below the plot's tick labels
            cax = fig.add_axes(rect(80, 495, 620, 511))
        cbar = fig.colorbar(im, cax=cax, orientation=colorbar)
        cbar.set_label(label, fontsize=9)
        box, box_float = pixel_box(fig, ax)
        cbar_box, cbar_box_float = pixel_box(fig, cax)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return {
        "box": box,
        "box_float": box_float,
        "colorbar_box": cbar_box,
        "colorbar_box_float": cbar_box_float,
        "colorbar_orientation": colorbar,
    }


def examples() -> dict[str, dict]:
    """Each example's data and how it is drawn."""
    import cmcrameri.cm

    field = smooth(0.0, 0.7)
    field[sea_mask()] = np.nan
    return {
        "field": dict(
            data=field,
            cmap="viridis",
            norm="linear",
            vmin=0.0,
            vmax=0.7,
            coastline=True,
            title="Smooth field (viridis, 0 to 0.7)",
            label="value",
        ),
        "log": dict(
            data=10.0 ** smooth(-1.0, 3.0),
            cmap="YlOrRd",
            norm="log",
            vmin=0.1,
            vmax=1000.0,
            title="Log-scaled field (YlOrRd, 0.1 to 1000)",
            label="concentration",
        ),
        "discrete": dict(
            data=smooth(-3.0, 3.0),
            cmap="RdBu_r",
            norm="discrete",
            boundaries=DISCRETE_BOUNDARIES,
            vmin=-3.0,
            vmax=3.0,
            title="Anomaly classes (RdBu_r, BoundaryNorm)",
            label="anomaly",
        ),
        "colorbar": dict(
            data=smooth(10.0, 25.0),
            cmap="crameri:batlow",
            mpl_cmap=cmcrameri.cm.batlow,
            norm="linear",
            vmin=10.0,
            vmax=25.0,
            colorbar="horizontal",
            title="Read the scale from the colorbar (crameri:batlow)",
            label="temperature (°C)",
        ),
    }


HEATMAP_ROWS = ["north", "east", "south", "west", "centre", "coast"]
HEATMAP_COLS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]


def heatmap_values() -> np.ndarray:
    """The heat map's matrix: 6 x 8 values in [0, 10], one decimal (analytic, deterministic)."""
    r, c = np.mgrid[0 : len(HEATMAP_ROWS), 0 : len(HEATMAP_COLS)]
    return np.round(5.0 + 4.5 * np.sin(0.9 * r + 0.35) * np.cos(0.55 * c - 0.4), 1)


def draw_heatmap(path: Path, data: np.ndarray) -> dict:
    """An annotated cell heat map (matplotlib gallery recipe: imshow, text, white minor-tick grid)."""
    width, height = 640, 420

    def rect(x0: int, y0: int, x1: int, y1: int) -> tuple[float, ...]:
        return x0 / width, (height - y1) / height, (x1 - x0) / width, (y1 - y0) / height

    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    try:
        ax = fig.add_axes(rect(100, 60, 500, 384))  # 50 x 54 pixels per cell
        im = ax.imshow(data, cmap="YlGn", vmin=0.0, vmax=10.0, aspect="auto")
        ax.set_xticks(range(data.shape[1]), labels=HEATMAP_COLS)
        ax.set_yticks(range(data.shape[0]), labels=HEATMAP_ROWS)
        ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
        ax.spines[:].set_visible(False)
        ax.set_xticks(np.arange(data.shape[1] + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(data.shape[0] + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="w", linestyle="-", linewidth=3)
        ax.tick_params(which="minor", bottom=False, left=False)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                ax.text(
                    j,
                    i,
                    f"{data[i, j]:.1f}",
                    ha="center",
                    va="center",
                    color="white" if data[i, j] > 6 else "black",
                    fontsize=9,
                )
        cax = fig.add_axes(rect(530, 60, 548, 384))
        fig.colorbar(im, cax=cax)
        box, box_float = pixel_box(fig, ax)
        cbar_box, cbar_box_float = pixel_box(fig, cax)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return {
        "image": path.name,
        "truth": f"{path.stem}.npz",
        "cmap": "YlGn",
        "norm": "linear",
        "vmin": 0.0,
        "vmax": 10.0,
        "grid_shape": list(data.shape),
        "image_size": [width, height],
        "row_labels": HEATMAP_ROWS,
        "col_labels": HEATMAP_COLS,
        "box": box,
        "box_float": box_float,
        "colorbar_box": cbar_box,
        "colorbar_box_float": cbar_box_float,
        "colorbar_orientation": "vertical",
    }


def make(out: Path) -> dict:
    """Write every example into ``out``; return the index written to ``examples.json``."""
    out.mkdir(parents=True, exist_ok=True)
    index = {}
    for name, ex in examples().items():
        if ex["norm"] == "log":
            norm = LogNorm(ex["vmin"], ex["vmax"])
        elif ex["norm"] == "discrete":
            norm = BoundaryNorm(ex["boundaries"], ncolors=256)
        else:
            norm = Normalize(ex["vmin"], ex["vmax"])
        boxes = draw(
            out / f"{name}.png",
            ex["data"],
            ex.get("mpl_cmap", ex["cmap"]),
            norm,
            ex["title"],
            ex["label"],
            coastline=ex.get("coastline", False),
            colorbar=ex.get("colorbar", "vertical"),
        )
        np.savez_compressed(out / f"{name}.npz", values=ex["data"].astype(np.float32), extent=np.array(EXTENT))
        index[name] = {
            "image": f"{name}.png",
            "truth": f"{name}.npz",
            "cmap": ex["cmap"],
            "norm": ex["norm"],
            "vmin": ex["vmin"],
            "vmax": ex["vmax"],
            "boundaries": ex.get("boundaries"),
            "extent": list(EXTENT),
            "crs": "EPSG:4326",
            "grid_shape": list(ex["data"].shape),
            "image_size": list(SIZE if ex.get("colorbar", "vertical") == "vertical" else SIZE_HORIZONTAL),
            **boxes,
        }
    matrix = heatmap_values()
    index["heatmap"] = draw_heatmap(out / "heatmap.png", matrix)
    np.savez_compressed(out / "heatmap.npz", values=matrix.astype(np.float32))
    (out / "examples.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: this script's)")
    args = parser.parse_args()
    for name, entry in make(args.out).items():
        print(f"{name}: box {entry['box']}, colorbar {entry['colorbar_box']} -> {args.out / entry['image']}")


if __name__ == "__main__":
    main()
