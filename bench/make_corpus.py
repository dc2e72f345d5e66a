#!/usr/bin/env python3
"""Generate a small synthetic accuracy corpus in the public bench's format.

    .venv/bin/python bench/make_corpus.py [--out DIR] [--seed N] [--id ID ...] [--contours]

Writes ``DIR/manifest.jsonl`` and, per case, ``<id>.png|jpg`` plus the truth
``<id>.npz`` in exactly the layout of bench/corpus (see its README.md), so
``bench/accuracy.py --manifest DIR/manifest.jsonl`` scores chromagrid on it.
Default DIR is ``bench/out/synthetic`` (git-ignored). Deterministic: every
case's data come from ``numpy.random.default_rng([seed, crc32(id)])``.

The public corpus only holds linear norms and mostly matplotlib colormaps;
the hidden set will not. These 26 cases cover what the public set does not:

* norms: ``log`` (LogNorm, data over 2-4 decades), ``discrete`` (BoundaryNorm
  over uneven boundaries with ``ncolors = cmap.N``, including maps resampled to
  8 or 12 colours) and ``linear``;
* colormaps from cmocean, cmcrameri, colorcet and seaborn plus matplotlib's
  turbo, cividis, twilight, RdBu_r, Spectral, ...;
* imshow nearest and bilinear (data and rgba stage), pcolormesh (one with
  unequal column widths);
* PNG and JPEG at quality 95/75/50 (4:2:0), masked NaN areas (with a black
  outline on the map cases), vertical and horizontal colorbars, images from
  400x300 to 1600x1200 pixels.

Boxes follow the bench README: ``plot_box_float`` is ``ax.get_window_extent()``
with y flipped into rows, ``plot_box`` the same rounded half up; truth pixel
centres map data coordinates linearly from ``extent`` onto ``plot_box_float``.
``truth_kind`` is ``exact`` for nearest/pcolormesh, ``source`` for bilinear.

``--contours`` writes ``CONTOUR_CASES`` instead (default DIR ``bench/out/contours``): filled contours
(``contourf`` with even, uneven and log levels, ``extend`` both / min / max / neither, a log locator, a
colour list) and explicit discrete colours (``ListedColormap`` + ``BoundaryNorm``,
``from_levels_and_colors``, a BoundaryNorm over log-spaced boundaries), each with its truth at every pixel
of the plot box, for bench/contours.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "out" / "synthetic"

# id, cmap, cmap_n, norm, range, renderer, interpolation(stage), format, quality, size, dpi, grid, data, kind, colorbar
#   cmap_n: None = the map's own N (twilight: 510); range: (vmin, vmax) for linear, (log10 vmin, decades) for log, boundaries for discrete
CASES = [
    (
        "s_lin_01",
        "turbo",
        256,
        "linear",
        (-1.0, 1.0),
        "imshow",
        "nearest",
        "png",
        None,
        (640, 480),
        100,
        (40, 60),
        "sines",
        "field",
        "vertical",
    ),
    (
        "s_lin_02",
        "cividis",
        256,
        "linear",
        (0.0, 50.0),
        "imshow",
        "nearest",
        "jpeg",
        95,
        (800, 600),
        100,
        (60, 80),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_lin_03",
        "twilight",
        None,
        "linear",
        (-3.0, 3.0),
        "pcolormesh",
        None,
        "png",
        None,
        (960, 720),
        150,
        (30, 45),
        "sines",
        "field",
        "horizontal",
    ),
    (
        "s_lin_04",
        "RdBu_r",
        256,
        "linear",
        (-2.0, 2.0),
        "imshow",
        "bilinear:data",
        "png",
        None,
        (1000, 800),
        200,
        (24, 32),
        "noise",
        "field",
        "vertical",
    ),
    (
        "s_lin_05",
        "Spectral",
        256,
        "linear",
        (0.0, 30.0),
        "imshow",
        "nearest",
        "jpeg",
        75,
        (1200, 900),
        150,
        (70, 110),
        "gauss",
        "map",
        "vertical",
    ),
    (
        "s_lin_06",
        "cmocean:thermal",
        256,
        "linear",
        (10.0, 25.0),
        "imshow",
        "nearest",
        "png",
        None,
        (400, 300),
        100,
        (20, 30),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_lin_07",
        "cmcrameri:batlow",
        256,
        "linear",
        (0.0, 1.0),
        "pcolormesh-uneven",
        None,
        "png",
        None,
        (1600, 1200),
        200,
        (50, 60),
        "noise",
        "field",
        "vertical",
    ),
    (
        "s_lin_08",
        "colorcet:fire",
        256,
        "linear",
        (0.0, 100.0),
        "imshow",
        "nearest",
        "jpeg",
        50,
        (800, 600),
        100,
        (40, 50),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_lin_09",
        "seaborn:mako",
        256,
        "linear",
        (-500.0, 0.0),
        "imshow",
        "nearest",
        "png",
        None,
        (1200, 900),
        150,
        (60, 90),
        "noise",
        "map",
        "horizontal",
    ),
    (
        "s_lin_10",
        "viridis",
        12,
        "linear",
        (0.0, 12.0),
        "imshow",
        "nearest",
        "png",
        None,
        (640, 480),
        100,
        (45, 60),
        "sines",
        "field",
        "vertical",
    ),
    (
        "s_lin_11",
        "plasma",
        256,
        "linear",
        (0.0, 1.0),
        "imshow",
        "bilinear:data",
        "png",
        None,
        (960, 720),
        150,
        (30, 40),
        "gauss",
        "map",
        "vertical",
    ),
    (
        "s_log_01",
        "magma",
        256,
        "log",
        (0.0, 3.0),
        "imshow",
        "nearest",
        "png",
        None,
        (800, 600),
        100,
        (50, 70),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_log_02",
        "cmocean:deep",
        256,
        "log",
        (-2.0, 2.0),
        "imshow",
        "nearest",
        "jpeg",
        95,
        (960, 720),
        150,
        (60, 80),
        "noise",
        "field",
        "vertical",
    ),
    (
        "s_log_03",
        "turbo",
        256,
        "log",
        (1.0, 4.0),
        "pcolormesh",
        None,
        "png",
        None,
        (1200, 900),
        150,
        (40, 64),
        "sines",
        "field",
        "horizontal",
    ),
    (
        "s_log_04",
        "cividis",
        256,
        "log",
        (-1.0, 2.0),
        "imshow",
        "bilinear:rgba",
        "png",
        None,
        (640, 480),
        100,
        (40, 50),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_log_05",
        "colorcet:bmy",
        256,
        "log",
        (0.0, 2.5),
        "imshow",
        "nearest",
        "png",
        None,
        (1200, 900),
        150,
        (60, 100),
        "noise",
        "map",
        "vertical",
    ),
    (
        "s_log_06",
        "seaborn:rocket",
        256,
        "log",
        (2.0, 3.0),
        "imshow",
        "nearest",
        "jpeg",
        75,
        (800, 600),
        100,
        (50, 60),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_dis_01",
        "viridis",
        256,
        "discrete",
        (0, 1, 2, 5, 10, 20, 50, 100),
        "imshow",
        "nearest",
        "png",
        None,
        (640, 480),
        100,
        (40, 60),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_dis_02",
        "RdBu_r",
        8,
        "discrete",
        (-40, -20, -10, -5, 0, 5, 10, 20, 40),
        "imshow",
        "nearest",
        "png",
        None,
        (800, 600),
        100,
        (50, 70),
        "sines",
        "field",
        "vertical",
    ),
    (
        "s_dis_03",
        "cmcrameri:batlow",
        12,
        "discrete",
        (0, 0.5, 1, 2, 3, 5, 8, 13),
        "pcolormesh",
        None,
        "png",
        None,
        (960, 720),
        150,
        (36, 48),
        "noise",
        "field",
        "horizontal",
    ),
    (
        "s_dis_04",
        "Spectral",
        256,
        "discrete",
        (-5, -3, -2, -1, 0, 1, 2, 3, 5),
        "imshow",
        "nearest",
        "jpeg",
        95,
        (1000, 800),
        200,
        (60, 80),
        "sines",
        "field",
        "horizontal",
    ),
    (
        "s_dis_05",
        "cmocean:thermal",
        256,
        "discrete",
        (0, 2, 4, 8, 12, 16, 24, 32),
        "imshow",
        "nearest",
        "png",
        None,
        (1200, 900),
        150,
        (50, 80),
        "gauss",
        "map",
        "vertical",
    ),
    (
        "s_dis_06",
        "seaborn:mako",
        12,
        "discrete",
        (0, 10, 15, 20, 30, 45, 70, 100),
        "imshow",
        "nearest",
        "jpeg",
        75,
        (800, 600),
        100,
        (40, 60),
        "gauss",
        "field",
        "vertical",
    ),
    (
        "s_log_07",
        "cmocean:thermal",
        10,
        "log",
        (-3.0, 3.0),
        "imshow",
        "nearest",
        "jpeg",
        50,
        (1000, 800),
        150,
        (40, 50),
        "sines",
        "field",
        "vertical",
    ),
    (
        "s_dis_08",
        "cividis",
        256,
        "discrete",
        (-1, 0, 0.5, 1, 1.5, 2, 3, 6),
        "pcolormesh",
        None,
        "jpeg",
        50,
        (1200, 900),
        150,
        (45, 75),
        "noise",
        "map",
        "horizontal",
    ),
    (
        "s_dis_07",
        "colorcet:fire",
        256,
        "discrete",
        (0, 1, 3, 6, 10, 15, 25, 40, 60),
        "imshow",
        "nearest",
        "png",
        None,
        (400, 300),
        100,
        (24, 32),
        "noise",
        "field",
        "vertical",
    ),
]


def resolve_cmap(name: str, n: int):
    """The colormap the bench's naive_decode.py would use for ``name`` (resampled to ``n``)."""
    import matplotlib as mpl

    if ":" in name:
        lib, base = name.split(":", 1)
        if lib == "cmocean":
            import cmocean

            cm = cmocean.cm.cmap_d[base]
        elif lib == "cmcrameri":
            import cmcrameri.cm as cmc

            cm = cmc.cmaps[base]
        elif lib == "colorcet":
            import colorcet

            cm = colorcet.cm[base]
        elif lib == "seaborn":
            import seaborn as sns

            cm = sns.color_palette(base, as_cmap=True)
        else:
            raise ValueError(name)
    else:
        cm = mpl.colormaps[name]
    return cm.resampled(n) if n is not None and n != cm.N else cm


def unit_field(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A smooth field scaled to [0, 1]."""
    from scipy.ndimage import gaussian_filter

    ny, nx = shape
    y, x = np.mgrid[0 : 1 : ny * 1j, 0 : 1 : nx * 1j]
    if kind == "gauss":
        f = np.zeros(shape)
        for _ in range(5):
            cx, cy, s, a = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.35), rng.uniform(-1, 1)
            f += a * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s))
    elif kind == "sines":
        kx, ky, p = rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 2 * np.pi)
        f = np.sin(2 * np.pi * kx * x + p) * np.cos(2 * np.pi * ky * y) + 0.3 * x
    else:  # smoothed noise
        f = gaussian_filter(rng.standard_normal(shape), sigma=max(shape) / 12, mode="reflect")
    return (f - f.min()) / (f.max() - f.min())


def values_for(case, rng) -> tuple[np.ndarray, float, float, list | None]:
    """(truth values, vmin, vmax, boundaries) for one case; row 0 = top."""
    _, _, _, norm, rng_spec, *_rest = case
    shape, data = case[11], case[12]
    u = unit_field(data, shape, rng)
    if norm == "log":
        lo, dec = rng_spec
        v = 10.0 ** (lo + dec * (-0.03 + 1.06 * u))  # a few cells a little beyond each end
        return v, 10.0**lo, 10.0 ** (lo + dec), None
    if norm == "discrete":
        b = [float(x) for x in rng_spec]
        # spread the data over the intervals evenly (in interval index), so every bin is used
        k = u * (len(b) - 1)
        i = np.clip(np.floor(k).astype(int), 0, len(b) - 2)
        v = np.asarray(b)[i] + (k - i) * np.diff(b)[i]
        return v, b[0], b[-1], b
    vmin, vmax = rng_spec
    return vmin + (vmax - vmin) * (-0.02 + 1.04 * u), float(vmin), float(vmax), None


def edges(n: int, lo: float, hi: float, uneven: bool, rng) -> np.ndarray:
    if not uneven:
        return np.linspace(lo, hi, n + 1)
    w = rng.uniform(0.6, 1.6, n)
    return lo + np.concatenate([[0], np.cumsum(w)]) / w.sum() * (hi - lo)


def mask_for(shape, rng) -> np.ndarray:
    """A smooth 'land/ocean' mask covering roughly a third of the grid."""
    f = unit_field("noise", shape, rng)
    return f < np.quantile(f, 0.33)


def box_of(ax_or_bbox, fig) -> tuple[list[int], list[float]]:
    """(plot_box rounded half up, plot_box_float), y flipped into rows."""
    bb = ax_or_bbox.get_window_extent() if hasattr(ax_or_bbox, "get_window_extent") else ax_or_bbox
    h = fig.bbox.height
    f = [bb.x0, h - bb.y1, bb.x1, h - bb.y0]
    return [int(math.floor(v + 0.5)) for v in f], [round(float(v), 3) for v in f]


def colorbar_record(cbar, fig, orientation: str, label: str) -> dict:
    box, box_float = box_of(cbar.ax, fig)
    axis = cbar.ax.yaxis if orientation == "vertical" else cbar.ax.xaxis
    lo, hi = sorted(cbar.ax.get_ylim() if orientation == "vertical" else cbar.ax.get_xlim())
    locs = axis.get_majorticklocs()
    labels = [t.get_text() for t in axis.get_majorticklabels()]
    ticks, texts, px = [], [], []
    for loc, text in zip(locs, labels):
        if lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo):
            xy = cbar.ax.transData.transform((loc, loc))
            ticks.append(float(loc))
            texts.append(text)
            px.append(round(float(fig.bbox.height - xy[1] if orientation == "vertical" else xy[0]), 3))
    return {
        "box": box,
        "box_float": box_float,
        "orientation": orientation,
        "ticks": ticks,
        "tick_labels": texts,
        "tick_px": px,
        "extend": "neither",
        "label": label,
    }


def render(case, seed: int, out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, LogNorm, Normalize
    from PIL import Image

    (
        cid,
        cmap_name,
        cmap_n,
        norm_name,
        _,
        renderer,
        interp,
        fmt,
        quality,
        size,
        dpi,
        shape,
        data,
        kind,
        cbar_orient,
    ) = case
    rng = np.random.default_rng([seed, zlib.crc32(case[0].encode())])
    values, vmin, vmax, bounds = values_for(case, rng)
    masked = kind == "map"
    if masked:
        values = np.where(mask_for(shape, rng), np.nan, values)
    cmap = resolve_cmap(cmap_name, cmap_n)
    if norm_name == "log":
        norm = LogNorm(vmin=vmin, vmax=vmax)
    elif norm_name == "discrete":
        norm = BoundaryNorm(bounds, ncolors=cmap.N)
    else:
        norm = Normalize(vmin=vmin, vmax=vmax)

    ny, nx = shape
    if kind == "map":
        left, right = float(rng.choice([-30.0, 0.0, 100.0, 200.0])), 0.0
        right = left + nx * 0.5
        bottom = float(rng.choice([-60.0, -20.0, 10.0]))
        top = bottom + ny * 0.5
    else:
        left, right, bottom, top = 0.0, float(nx), 0.0, float(ny) * 0.75
    uneven = renderer == "pcolormesh-uneven"
    x_edges = edges(nx, left, right, uneven, rng)
    y_edges = np.linspace(top, bottom, ny + 1)  # top -> bottom, like the truth rows

    W, H = size
    fig = plt.figure(figsize=(W / dpi, H / dpi), dpi=dpi)
    ax = fig.add_subplot()
    if renderer == "imshow":
        method, _, stage = interp.partition(":")
        kw = {"interpolation_stage": stage} if stage else {}
        im = ax.imshow(
            np.ma.masked_invalid(values),
            cmap=cmap,
            norm=norm,
            extent=(left, right, bottom, top),
            origin="upper",
            aspect="auto",
            interpolation=method,
            **kw,
        )
    else:
        im = ax.pcolormesh(x_edges, y_edges, np.ma.masked_invalid(values), cmap=cmap, norm=norm)
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
    if masked:  # a black coast-like outline along the mask edge
        xc = 0.5 * (x_edges[1:] + x_edges[:-1])
        yc = 0.5 * (y_edges[1:] + y_edges[:-1])
        ax.contour(xc, yc, np.isnan(values).astype(float), levels=[0.5], colors="k", linewidths=0.8)
        ax.set_xlabel("lon (°E)")
        ax.set_ylabel("lat (°N)")
    else:
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    ax.set_title(f"{cmap_name} / {norm_name}")
    label = {"log": "concentration", "discrete": "class value"}.get(norm_name, "value")
    cbar = fig.colorbar(
        im, ax=ax, orientation=cbar_orient, label=label, **({"pad": 0.15} if cbar_orient == "horizontal" else {})
    )
    fig.canvas.draw()
    plot_box, plot_box_float = box_of(ax, fig)
    cb = colorbar_record(cbar, fig, cbar_orient, label)
    rgba = np.asarray(fig.canvas.buffer_rgba())
    assert rgba.shape[:2] == (H, W), (cid, rgba.shape)
    plt.close(fig)

    image_name = f"{cid}.{'png' if fmt == 'png' else 'jpg'}"
    buf = io.BytesIO()
    pil = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    if fmt == "png":
        pil.save(buf, format="PNG")
    else:
        pil.save(buf, format="JPEG", quality=int(quality), subsampling=2)
    (out / image_name).write_bytes(buf.getvalue())

    x0f, y0f, x1f, y1f = plot_box_float
    to_px_x = lambda x: x0f + (np.asarray(x) - left) / (right - left) * (x1f - x0f)  # noqa: E731
    to_px_y = lambda y: y0f + (top - np.asarray(y)) / (top - bottom) * (y1f - y0f)  # noqa: E731
    x_centers = 0.5 * (x_edges[1:] + x_edges[:-1])
    y_centers = 0.5 * (y_edges[1:] + y_edges[:-1])
    truth = {
        "values": values.astype(np.float64),
        "lut": cmap(np.arange(cmap.N)).astype(np.float64),
        "vmin": np.float64(vmin),
        "vmax": np.float64(vmax),
        "norm": np.str_(norm_name),
        "case_id": np.str_(cid),
        "x_centers": x_centers,
        "y_centers": y_centers,
        "x_edges": x_edges,
        "y_edges": y_edges,
        "px_x_centers": to_px_x(x_centers),
        "px_y_centers": to_px_y(y_centers),
        "px_x_edges": to_px_x(x_edges),
        "px_y_edges": to_px_y(y_edges),
    }
    if bounds is not None:
        truth["boundaries"] = np.asarray(bounds, float)
    if kind == "map":
        truth.update(lon=x_centers, lat=y_centers, lon_edges=x_edges, lat_edges=y_edges)
    np.savez(out / f"{cid}.npz", **truth)

    finite = values[np.isfinite(values)]
    method = "nearest" if renderer != "imshow" else interp.split(":")[0]
    cell_w = np.diff(truth["px_x_edges"]).min()
    cell_h = np.diff(truth["px_y_edges"]).min()
    return {
        "id": cid,
        "image": image_name,
        "truth": f"{cid}.npz",
        "kind": kind,
        "truth_kind": "source" if method == "bilinear" else "exact",
        "difficulty": "hard" if (fmt == "jpeg" and quality <= 75) or method == "bilinear" else "medium",
        "renderer": "pcolormesh" if renderer.startswith("pcolormesh") else "imshow",
        "interpolation": method,
        "interpolation_stage": (interp.split(":")[1] if method == "bilinear" else None),
        "cmap": cmap_name,
        "cmap_n": int(cmap.N),
        "norm": norm_name,
        "vmin": float(vmin),
        "vmax": float(vmax),
        "boundaries": bounds,
        "plot_box": plot_box,
        "plot_box_float": plot_box_float,
        "colorbar": cb,
        "extent": {"left": left, "right": right, "top": top, "bottom": bottom},
        "x_name": "lon" if kind == "map" else "x",
        "y_name": "lat" if kind == "map" else "y",
        "crs": "EPSG:4326" if kind == "map" else None,
        "grid_shape": [ny, nx],
        "grid_uniform": not uneven,
        "cell_px_min": [round(float(cell_w), 3), round(float(cell_h), 3)],
        "image_size": [W, H],
        "dpi": dpi,
        "format": fmt,
        "jpeg_quality": quality,
        "jpeg_subsampling": "4:2:0" if fmt == "jpeg" else None,
        "nan_fraction": round(float(np.isnan(values).mean()), 5),
        "clipped_fraction": round(float(np.mean((finite < vmin) | (finite > vmax))), 5),
        "bad_color": "none (transparent: axes background shows)",
        "style": "default",
        "annotated": False,
        "gridlines_px": 0.0,
        "panel": None,
        "other_panels": None,
        "tags": ["synthetic", norm_name] + (["masked"] if masked else []),
        "source": f"synthetic:{data}",
        "notes": "bench/make_corpus.py",
        "image_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
    }


# --------------------------------------------------------------------------- filled contours, discrete colours
#: ``--contours``: filled contours (contourf) and explicit discrete colours (issue 12 parts 1 and 2), scored per
#: pixel by bench/contours.py. ``scale`` is what a user gives chromagrid (the config's scale section); ``draw``
#: how the figure is drawn; the truth is the field at every pixel centre of the plot box.
CONTOUR_OUT = REPO / "bench" / "out" / "contours"
_UNEVEN = [-1.05, -0.7, -0.45, -0.1, 0.05, 0.4, 0.55, 0.95, 1.3, 1.45]
_LOG = [float(10.0**e) for e in np.arange(-8.0, -4.9, 0.5)]
_CLASSES = ["#08306b", "#2171b5", "#6baed6", "#c6dbef", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]
CONTOUR_CASES = [
    {"id": "c_even_both", "draw": "contourf", "cmap": "viridis", "levels": list(np.linspace(-0.9, 1.5, 9)),
     "extend": "both", "norm": "linear"},
    {"id": "c_even_neither", "draw": "contourf", "cmap": "RdBu_r", "levels": list(np.linspace(-1.2, 2.4, 13)),
     "extend": "neither", "norm": "linear"},
    {"id": "c_uneven_both", "draw": "contourf", "cmap": "turbo", "levels": _UNEVEN, "extend": "both",
     "norm": "linear"},
    {"id": "c_uneven_min", "draw": "contourf", "cmap": "magma", "levels": _UNEVEN + [2.5], "extend": "min",
     "norm": "linear"},
    {"id": "c_uneven_max", "draw": "contourf", "cmap": "cividis", "levels": [-1.2] + _UNEVEN, "extend": "max",
     "norm": "linear"},
    {"id": "c_log_both", "draw": "contourf-log", "cmap": "plasma", "levels": _LOG, "extend": "both", "norm": "log"},
    {"id": "c_log_locator", "draw": "contourf-locator", "cmap": "viridis", "levels": None, "extend": "neither",
     "norm": "log"},
    {"id": "c_colors_both", "draw": "contourf-colors", "colors": _CLASSES[:6], "levels": _UNEVEN[::2],
     "extend": "both", "norm": "linear"},
    {"id": "c_listed_boundary", "draw": "pcolormesh-listed", "colors": _CLASSES[:6],
     "levels": [-1.2, -0.5, 0.0, 0.25, 0.8, 1.5, 2.4], "extend": "neither", "norm": "discrete"},
    {"id": "c_levels_colors_both", "draw": "imshow-levels-colors", "colors": _CLASSES,
     "levels": [-0.8, -0.3, 0.1, 0.35, 0.9, 1.2, 1.6], "extend": "both", "norm": "discrete"},
    {"id": "c_log_boundary", "draw": "pcolormesh-log-boundary", "cmap": "YlGnBu", "levels": _LOG, "extend": "neither",
     "norm": "discrete"},
    {"id": "c_uneven_both_jpeg", "draw": "contourf", "cmap": "turbo", "levels": _UNEVEN, "extend": "both",
     "norm": "linear", "format": "jpeg"},
]  # fmt: skip


def contour_field(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A smooth field over [0, 3] x [0, 2], about -1.1 .. 2.4: a few waves and a slope."""
    kx, ky, p = rng.uniform(1.6, 2.6), rng.uniform(1.2, 2.0), rng.uniform(0.0, 1.0)
    return np.sin(kx * x + p) * np.cos(ky * y) + 0.6 * x - 0.2 * y


def _to_log(z: np.ndarray) -> np.ndarray:
    """Field units (-1.1 .. 2.4) to 1e-8.3 .. 1e-4.8: log-spaced data for the log cases."""
    return 10.0 ** (-8.3 + (z + 1.1))


def render_contour(case: dict, seed: int, out: Path) -> dict:
    """Draw one ``CONTOUR_CASES`` figure; write its image and truth; return its manifest record."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm, from_levels_and_colors
    from PIL import Image

    cid, draw = case["id"], case["draw"]
    rng = np.random.default_rng([seed, zlib.crc32(cid.encode())])
    log = draw in ("contourf-log", "contourf-locator", "pcolormesh-log-boundary")
    width, height, dpi = 720, 540, 100
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0.1, 0.1, 0.68, 0.8))
    extend, levels = case["extend"], case["levels"]
    if draw.startswith("contourf"):  # a fine grid: the filled polygons follow the field to a fraction of a pixel
        x, y = np.linspace(0.0, 3.0, 361), np.linspace(0.0, 2.0, 241)
        gx, gy = np.meshgrid(x, y)
        z = contour_field(gx, gy, rng)
        z = _to_log(z) if log else z
        if draw == "contourf-colors":
            cs = ax.contourf(gx, gy, z, levels=levels, colors=case["colors"], extend=extend)
        elif draw == "contourf-locator":
            cs = ax.contourf(gx, gy, z, locator=ticker.LogLocator(), cmap=case["cmap"])
            levels = [float(v) for v in cs.levels]
        else:
            kw = {"norm": LogNorm()} if log else {}
            cs = ax.contourf(gx, gy, z, levels=levels, cmap=case["cmap"], extend=extend, **kw)
        mappable = cs
    else:  # cells: a 60 x 90 grid drawn nearest (each pixel takes its cell's value)
        nx, ny = 90, 60
        xe, ye = np.linspace(0.0, 3.0, nx + 1), np.linspace(0.0, 2.0, ny + 1)
        xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
        z = contour_field(*np.meshgrid(xc, yc), rng)
        z = _to_log(z) if log else z
        if draw == "pcolormesh-listed":
            cmap, norm = ListedColormap(case["colors"]), BoundaryNorm(levels, ncolors=len(case["colors"]))
        elif draw == "imshow-levels-colors":
            cmap, norm = from_levels_and_colors(levels, case["colors"], extend=extend)
        else:
            cmap, norm = matplotlib.colormaps[case["cmap"]], BoundaryNorm(levels, ncolors=256)
        if draw.startswith("imshow"):
            mappable = ax.imshow(z, cmap=cmap, norm=norm, origin="lower", extent=(0, 3, 0, 2), aspect="auto",
                                 interpolation="nearest")  # fmt: skip
        else:
            mappable = ax.pcolormesh(xe, ye, z, cmap=cmap, norm=norm)
    ax.set_xlim(0.0, 3.0)
    ax.set_ylim(0.0, 2.0)
    ax.set_title(f"{cid}: {draw}")
    fig.colorbar(mappable, ax=ax, extend=extend if not draw.startswith("contourf") else None)
    fig.canvas.draw()
    plot_box, (x0f, y0f, x1f, y1f) = box_of(ax, fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    fmt_ = case.get("format", "png")
    image_name = f"{cid}.{'png' if fmt_ == 'png' else 'jpg'}"
    if fmt_ != "png":
        jpeg = io.BytesIO()
        Image.open(buf).convert("RGB").save(jpeg, format="JPEG", quality=90)
        buf = jpeg
    (out / image_name).write_bytes(buf.getvalue())

    # the truth at every pixel centre of the plot box: the field itself (contours), the pixel's cell (cells)
    cols = np.arange(plot_box[0], plot_box[2]) + 0.5
    rows = np.arange(plot_box[1], plot_box[3]) + 0.5
    px, py = (cols - x0f) / (x1f - x0f) * 3.0, (y1f - rows) / (y1f - y0f) * 2.0
    if draw.startswith("contourf"):
        truth = contour_field(*np.meshgrid(px, py), np.random.default_rng([seed, zlib.crc32(cid.encode())]))
        truth = _to_log(truth) if log else truth
    else:
        ci = np.clip(np.searchsorted(xe, px) - 1, 0, nx - 1)
        ri = np.clip(np.searchsorted(ye, py) - 1, 0, ny - 1)
        truth = z[ri[:, None], ci[None, :]]
    np.savez(out / f"{cid}.npz", values=truth.astype(np.float64), levels=np.asarray(levels, float))

    scale = {"cmap": case["cmap"]} if "cmap" in case else {"colors": list(case["colors"])}
    if case["norm"] == "discrete":
        scale.update(norm="discrete", boundaries=[float(v) for v in levels])
    else:
        scale.update(norm=case["norm"], levels=[float(v) for v in levels])
    if extend != "neither":
        scale["extend"] = extend
    return {
        "id": cid,
        "kind": "contour",
        "draw": draw,
        "image": image_name,
        "truth": f"{cid}.npz",
        "format": fmt_,
        "plot_box": plot_box,
        "levels": [float(v) for v in levels],
        "extend": extend,
        # values beyond the levels where the figure does not extend: contourf and from_levels_and_colors leave
        # them blank, a BoundaryNorm without extend draws them in its end colours
        "outside": "blank" if draw.startswith("contourf") or draw == "imshow-levels-colors" else "ends",
        "log": bool(log),
        "scale": scale,
        "image_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: bench/out/synthetic)")
    ap.add_argument("--seed", type=int, default=20260, help="base random seed")
    ap.add_argument("--id", action="append", help="only this case (repeatable)")
    ap.add_argument(
        "--contours",
        action="store_true",
        help="the filled-contour and discrete-colour cases instead (default folder bench/out/contours; "
        "scored by bench/contours.py)",
    )
    a = ap.parse_args(argv)
    if a.contours:
        a.out = a.out or CONTOUR_OUT
        a.out.mkdir(parents=True, exist_ok=True)
        chosen = [c for c in CONTOUR_CASES if not a.id or c["id"] in set(a.id)]
        records = []
        for case in chosen:
            records.append(render_contour(case, a.seed, a.out))
            print(f"{case['id']}: {case['draw']} extend={case['extend']}", flush=True)
        (a.out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        print(f"{len(records)} cases in {a.out}")
        return 0
    a.out = a.out or DEFAULT_OUT
    cases = [c for c in CASES if not a.id or c[0] in set(a.id)]
    a.out.mkdir(parents=True, exist_ok=True)
    records = []
    for case in cases:
        records.append(render(case, a.seed, a.out))
        print(f"{case[0]}: {case[1]} {case[3]} {case[5]} {case[7]}", flush=True)
    (a.out / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    print(f"{len(records)} cases in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
