"""Shared test helpers: figures drawn with matplotlib from known arrays, with their exact pixel boxes.

Tests decode these figures and compare the result with the array that was
drawn, so every expected value is known independently of chromagrid.

    from conftest import draw_figure, truth_per_pixel
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 1))
    fig.path, fig.box, fig.colorbar_box
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

Box = tuple[int, int, int, int]


class DrawnFigure(NamedTuple):
    """A figure file and where its data and colorbar are, in image pixels (x0, y0, x1, y1; x1, y1 exclusive)."""

    path: Path
    box: Box
    colorbar_box: Box | None


def pixel_box(fig, ax) -> Box:
    """The axes' area as image pixels x0 y0 x1 y1, x1/y1 exclusive.

    From matplotlib's transforms after drawing (``ax.get_window_extent()``,
    y flipped into rows), each edge rounded half up, as matplotlib does when it
    places an image: the data pixels are exactly ``img[y0:y1, x0:x1]``.
    """
    fig.canvas.draw()
    bbox = ax.get_window_extent()
    height = fig.canvas.get_width_height()[1]
    edges = (bbox.x0, height - bbox.y1, bbox.x1, height - bbox.y0)
    return tuple(int(math.floor(v + 0.5)) for v in edges)


def draw_figure(
    tmp_path,
    data,
    cmap="viridis",
    norm=None,
    extent=None,
    *,
    name: str = "figure.png",
    size: tuple[int, int] = (400, 300),
    dpi: int = 100,
    axes: tuple[float, float, float, float] = (0.1, 0.1, 0.6, 0.8),
    colorbar: str | None = "vertical",
    interpolation: str = "nearest",
    frame: bool = False,
    save_kwargs: dict | None = None,
) -> DrawnFigure:
    """Draw ``data`` with ``imshow`` and save it; return the file and its pixel boxes.

    Parameters
    ----------
    tmp_path : Path
        Folder to write into.
    data : 2-D array
        Row 0 is drawn at the top (``origin="upper"``); NaN cells show the white
        axes background.
    cmap : str or Colormap
    norm : matplotlib Normalize (LogNorm, BoundaryNorm, ...); default: Normalize over the data.
    extent : (left, right, bottom, top), optional
        Data coordinates of the plot box edges (only changes the tick labels).
    name : str
        File name; its suffix picks the format. PNG, JPEG and TIFF are saved by
        matplotlib; any other suffix (``.bmp``) is converted with Pillow.
    size : (width, height) in pixels at ``dpi``.
    axes : (left, bottom, width, height) of the plot, in figure fractions.
    colorbar : "vertical", "horizontal" or None
        A vertical bar sits right of the plot, a horizontal one below it.
    interpolation : imshow interpolation.
    frame : bool
        Draw the black axes frame and tick marks (they cover the box's outermost pixels).
    save_kwargs : dict, optional
        Extra ``savefig`` arguments, e.g. ``{"pil_kwargs": {"quality": 95}}``.

    Returns
    -------
    DrawnFigure
        ``(path, box, colorbar_box)``.
    """
    data = np.asarray(data, dtype=float)
    if norm is None:
        norm = Normalize(np.nanmin(data), np.nanmax(data))
    fig = plt.figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    try:
        ax = fig.add_axes(axes)
        im = ax.imshow(
            data, cmap=cmap, norm=norm, extent=extent, interpolation=interpolation, origin="upper", aspect="auto"
        )
        if not frame:
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.tick_params(length=0)  # tick marks would bleed into the box's edge pixels
        cax = None
        left, bottom, width, height = axes
        if colorbar == "vertical":
            cax = fig.add_axes((left + width + 0.04, bottom, 0.04, height))
        elif colorbar == "horizontal":
            cax = fig.add_axes((left, max(bottom - 0.09, 0.01), width, 0.05))
            ax.tick_params(labelbottom=False)
        elif colorbar is not None:
            raise ValueError(f"colorbar must be 'vertical', 'horizontal' or None, not {colorbar!r}")
        if cax is not None:
            fig.colorbar(im, cax=cax, orientation=colorbar)
        box = pixel_box(fig, ax)
        colorbar_box = pixel_box(fig, cax) if cax is not None else None
        path = Path(tmp_path) / name
        suffix = path.suffix.lower()
        if suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            fig.savefig(path, dpi=dpi, **(save_kwargs or {}))
        else:
            from PIL import Image

            png = path.with_suffix(".tmp.png")
            fig.savefig(png, dpi=dpi)
            with Image.open(png) as im_png:
                im_png.convert("RGB").save(path, **(save_kwargs or {}))
            png.unlink()
    finally:
        plt.close(fig)
    return DrawnFigure(path, box, colorbar_box)


def truth_per_pixel(data, shape: tuple[int, int], margin: float = 0.0) -> np.ndarray:
    """The value of ``data`` drawn at each pixel of a box of ``shape`` (nearest-neighbour imshow).

    Pixel (r, c) shows the cell its centre falls in. With ``margin`` > 0,
    pixels whose centre lies within ``margin`` (in cells) of a cell edge are
    NaN: there the cell a renderer picks is ambiguous.
    """
    data = np.asarray(data, dtype=float)
    height, width = shape
    nrows, ncols = data.shape
    fy = (np.arange(height) + 0.5) * nrows / height
    fx = (np.arange(width) + 0.5) * ncols / width
    out = data[np.floor(fy).astype(int)[:, None], np.floor(fx).astype(int)[None, :]]
    if margin > 0:
        near_y = np.abs(fy - np.round(fy)) < margin
        near_x = np.abs(fx - np.round(fx)) < margin
        out = np.where(near_y[:, None] | near_x[None, :], np.nan, out)
    return out


def smooth_field(nrows: int = 30, ncols: int = 40, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """A smooth 2-D field spanning [low, high] exactly (sum of two Gaussians and a ramp)."""
    y, x = np.mgrid[0:nrows, 0:ncols]
    y, x = y / max(nrows - 1, 1), x / max(ncols - 1, 1)
    f = np.exp(-((x - 0.3) ** 2 + (y - 0.4) ** 2) / 0.05) + 0.6 * np.exp(-((x - 0.75) ** 2 + (y - 0.7) ** 2) / 0.02)
    f = f + 0.3 * x
    f = (f - f.min()) / (f.max() - f.min())
    return low + f * (high - low)


def chromagrid_command() -> list[str]:
    """The installed ``chromagrid`` console script (or ``python -m chromagrid.cli``)."""
    script = Path(sys.executable).parent / "chromagrid"
    if script.exists() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("chromagrid")
    return [found] if found else [sys.executable, "-m", "chromagrid.cli"]


@pytest.fixture
def field_figure(tmp_path):
    """A 400x300 viridis figure of :func:`smooth_field` over [0, 0.7] with a vertical colorbar.

    Returns (DrawnFigure, data, (vmin, vmax)).
    """
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0.0, 0.7))
    return fig, data, (0.0, 0.7)


def in_image_order(result) -> np.ndarray:
    """``result``'s values with row 0 the top row of the figure.

    A georeferenced grid is stored north-up (y decreasing down the rows); where
    the figure's y axis grows downward (imshow's row indices), that is the
    figure upside down.
    """
    value = result.grid["value"].values
    extent = result.config.georef.extent
    if extent is not None:
        y = result.grid["y"].values
        if (y[0] > y[-1]) != (extent[3] > extent[2]):
            value = value[::-1]
    return value
