"""Decoding accuracy on small figures drawn with matplotlib from known arrays.

Every expected value here comes from the drawn array and from matplotlib's own
colour table, never from chromagrid: a pixel of a nearest-neighbour figure can
only say which 8-bit colour its value was drawn in, so the decoded value must
be the centre of the value interval that colour stands for (entries of the
table that share one 8-bit colour merged), and no farther from the truth than
that centre is.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import draw_figure, pixel_box, smooth_field
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize

import chromagrid
from chromagrid.decode.core import clean_overlays, decode
from chromagrid.scale.colorscale import from_colormap, from_colors

EPS = 1e-6


def cell_centre_pixels(box, shape):
    """Rows and columns (inside the box) of the pixels at the centres of a ``shape`` grid of cells."""
    x0, y0, x1, y1 = box
    nrows, ncols = shape
    rows = np.floor((np.arange(nrows) + 0.5) * (y1 - y0) / nrows).astype(int)
    cols = np.floor((np.arange(ncols) + 0.5) * (x1 - x0) / ncols).astype(int)
    return rows[:, None], cols[None, :]


def decoded_at_centres(result, box, shape):
    rows, cols = cell_centre_pixels(box, shape)
    return result.grid["value"].values[rows, cols].astype(float)


def merged_centre(t, lut_float, rounded=False):
    """Where a perfect decoder puts normalised values ``t`` drawn with an N-colour table.

    The value falls in entry floor(t N); the entries whose 8-bit colours equal
    its colour (floor(255 c) as imshow writes them, or round(255 c) as Agg
    fills paths) form one interval; the decoder's answer is that interval's centre.
    """
    n = len(lut_float)
    rgb8 = np.floor(np.asarray(lut_float)[:, :3] * 255.0 + (0.5 if rounded else 0.0))
    index = np.clip(np.floor(np.asarray(t) * n).astype(int), 0, n - 1)
    same_as_next = np.all(rgb8[1:] == rgb8[:-1], axis=1)
    run_start = np.zeros(n, int)
    for i in range(1, n):
        run_start[i] = run_start[i - 1] if same_as_next[i - 1] else i
    run_end = np.zeros(n, int)
    run_end[-1] = n - 1
    for i in range(n - 2, -1, -1):
        run_end[i] = run_end[i + 1] if same_as_next[i] else i
    return (run_start[index] + run_end[index] + 1) / (2.0 * n)


def test_viridis_nearest_decodes_to_the_centre_of_each_colour_interval(tmp_path):
    data = smooth_field(12, 16, 0.0, 35.0)
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0.0, 35.0))
    result = chromagrid.digitize(fig.path, cmap="viridis", vmin=0.0, vmax=35.0, box=fig.box)
    got = (decoded_at_centres(result, fig.box, data.shape) - 0.0) / 35.0
    t = data / 35.0
    lut = mpl.colormaps["viridis"](np.arange(256))
    expected = merged_centre(t, lut)
    np.testing.assert_allclose(got, expected, atol=EPS)
    assert np.max(np.abs(got - t)) <= np.max(np.abs(expected - t)) + EPS  # within the quantization bound
    assert np.max(np.abs(got - t)) < 1.0 / 256  # ... which is under one table entry here


def test_log_norm_with_ylorrd(tmp_path):
    y, x = np.mgrid[0:10, 0:14]
    data = 10.0 ** (-1.0 + 4.0 * (x + y) / (9 + 13))  # 0.1 .. 1000, evenly spread in log
    fig = draw_figure(tmp_path, data, "YlOrRd", LogNorm(0.1, 1000.0))
    result = chromagrid.digitize(fig.path, cmap="YlOrRd", norm="log", vmin=0.1, vmax=1000.0, box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    t = (np.log10(data) + 1.0) / 4.0
    expected = merged_centre(t, mpl.colormaps["YlOrRd"](np.arange(256)))
    np.testing.assert_allclose((np.log10(got) + 1.0) / 4.0, expected, atol=EPS)


def test_discrete_boundary_norm_with_rdbu_r_decodes_to_interval_centres(tmp_path):
    bounds = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    rng = np.random.default_rng(3)
    data = rng.uniform(-2.95, 2.95, size=(6, 8))
    fig = draw_figure(tmp_path, data, "RdBu_r", BoundaryNorm(bounds, ncolors=256))
    result = chromagrid.digitize(fig.path, cmap="RdBu_r", norm="discrete", boundaries=list(bounds), box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    k = np.searchsorted(bounds, data, side="right") - 1
    np.testing.assert_allclose(got, 0.5 * (bounds[k] + bounds[k + 1]), atol=EPS)


def test_ten_colour_resampled_plasma(tmp_path):
    data = smooth_field(9, 12, 0.0, 10.0)
    cmap = mpl.colormaps["plasma"].resampled(10)
    fig = draw_figure(tmp_path, data, cmap, Normalize(0.0, 10.0))
    result = chromagrid.digitize(fig.path, cmap="plasma", ncolors=10, vmin=0.0, vmax=10.0, box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    step = np.clip(np.floor(data), 0, 9)  # ten intervals of width 1
    np.testing.assert_allclose(got, step + 0.5, atol=EPS)
    assert np.max(np.abs(got - data)) <= 0.5 + EPS


def test_pcolormesh_colours_are_rounded_and_still_decode_exactly(tmp_path):
    """pcolormesh fills paths through Agg, which writes round(255 c), not imshow's floor(255 c)."""
    data = smooth_field(10, 14, -15.0, 15.0)
    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.pcolormesh(data[::-1], cmap="RdYlBu_r", norm=Normalize(-15.0, 15.0))
    ax.set_axis_off()
    box = pixel_box(fig, ax)
    path = tmp_path / "mesh.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    result = chromagrid.digitize(path, cmap="RdYlBu_r", vmin=-15.0, vmax=15.0, box=box)
    got = (decoded_at_centres(result, box, data.shape) + 15.0) / 30.0
    expected = merged_centre((data + 15.0) / 30.0, mpl.colormaps["RdYlBu_r"](np.arange(256)), rounded=True)
    np.testing.assert_allclose(got, expected, atol=EPS)


def test_a_colour_midway_between_two_neighbouring_scale_colours_decodes_to_the_midpoint():
    scale = from_colors([(60, 120, 180), (64, 124, 184)], values=[10.0, 20.0])
    rgb = np.array([[[60, 120, 180], [62, 122, 182], [64, 124, 184]]], np.uint8)
    decoded = decode(rgb, scale)
    np.testing.assert_allclose(decoded.value[0], [10.0, 15.0, 20.0], atol=0.1)
    assert decoded.distance[0, 1] < 0.5  # on the segment, not off it

    viridis = from_colormap("viridis", vmin=0.0, vmax=256.0)  # entry k stands for [k, k + 1): centre k + 0.5
    lut = np.floor(mpl.colormaps["viridis"](np.arange(256))[:, :3] * 255).astype(int)
    k = next(i for i in range(100, 255) if np.all((lut[i] + lut[i + 1]) % 2 == 0) and np.any(lut[i] != lut[i + 1]))
    midway = ((lut[k] + lut[k + 1]) // 2).astype(np.uint8)
    value = decode(midway[None, None, :], viridis).value[0, 0]
    assert value == pytest.approx(k + 1.0, abs=0.1)  # halfway between the centres k + 0.5 and k + 1.5


def test_bilinear_figure_decodes_close_to_the_data(tmp_path):
    data = smooth_field(8, 10, 0.0, 1.0)
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0.0, 1.0), interpolation="bilinear")
    result = chromagrid.digitize(fig.path, cmap="viridis", vmin=0.0, vmax=1.0, box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    assert np.isfinite(got).all()
    error = np.abs(got - data)
    assert np.sqrt(np.mean(error**2)) < 0.01 and error.max() < 0.03  # 1% / 3% of the range
    # between cell centres the colours are blends, decoded by interpolation: no jump bigger than a few entries
    value = result.grid["value"].values
    assert np.nanmax(np.abs(np.diff(value, axis=1))) < 0.05


def contour_figure(tmp_path, data, frame=False):
    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.imshow(data, cmap="magma", norm=Normalize(0.0, 1.0), interpolation="nearest", aspect="auto")
    ax.contour(data, levels=[0.3, 0.6, 0.8], colors="black", linewidths=1.0)
    if not frame:
        ax.set_axis_off()
    box = pixel_box(fig, ax)
    path = tmp_path / "contours.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path, box


def test_black_contour_lines_over_magma_become_no_data_or_the_value_underneath(tmp_path):
    """Black is magma's own lowest colour: lines must not decode as vmin in the middle of high values."""
    data = smooth_field(30, 40, 0.0, 1.0)
    path, box = contour_figure(tmp_path, data)
    h, w = box[3] - box[1], box[2] - box[0]
    truth = data[
        np.floor((np.arange(h) + 0.5) * 30 / h).astype(int)[:, None],
        np.floor((np.arange(w) + 0.5) * 40 / w).astype(int)[None, :],
    ]
    kept = chromagrid.digitize(path, cmap="magma", vmin=0.0, vmax=1.0, box=box, max_distance=8.0)
    raw = chromagrid.run(
        {
            "input": str(path),
            "box": list(box),
            "decode": {"overlays": "keep"},
            "scale": {"cmap": "magma", "vmin": 0.0, "vmax": 1.0},
        }
    )
    raw_error = np.abs(raw.grid["value"].values - truth)
    assert np.nanmax(raw_error) > 0.25  # the lines are there, and decoded naively they are far off
    value = kept.grid["value"].values
    error = np.abs(value - truth)
    assert np.nanmax(error) < 0.1  # a stroke's pixels: no data, or filled from both sides
    assert np.isfinite(value).mean() > 0.97


def test_axes_frame_does_not_leak_into_the_values(tmp_path):
    data = smooth_field(20, 30, 0.0, 1.0)
    fig = draw_figure(tmp_path, data, "plasma", Normalize(0.0, 1.0), frame=True, dpi=150, size=(600, 450))
    result = chromagrid.digitize(fig.path, cmap="plasma", vmin=0.0, vmax=1.0, box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    finite = np.isfinite(got)
    assert finite.mean() > 0.9
    assert np.max(np.abs(got[finite] - data[finite])) < 1.5 / 256


def test_white_masked_area_stays_no_data_with_a_light_grey_middle_colormap(tmp_path):
    """coolwarm's middle is light grey: the white background must not decode as its centre value (JPEG too)."""
    data = smooth_field(20, 30, -6.0, 6.0)
    data[5:15, 8:20] = np.nan
    fig = draw_figure(
        tmp_path, data, "coolwarm", Normalize(-6.0, 6.0), name="masked.jpg", save_kwargs={"pil_kwargs": {"quality": 95}}
    )
    result = chromagrid.digitize(fig.path, cmap="coolwarm", vmin=-6.0, vmax=6.0, box=fig.box)
    got = decoded_at_centres(result, fig.box, data.shape)
    hole = np.isnan(data)
    inner = np.zeros_like(hole)
    inner[6:14, 9:19] = True  # away from the blurred JPEG edge of the hole
    assert np.isnan(got[inner]).all()
    assert np.isfinite(got[~hole]).mean() > 0.95


def test_jpeg_smoothing_reduces_the_error(tmp_path):
    data = smooth_field(40, 50, 0.0, 1.0)
    fig = draw_figure(
        tmp_path, data, "viridis", Normalize(0.0, 1.0), name="field.jpg", save_kwargs={"pil_kwargs": {"quality": 75}}
    )

    def rms(smooth):
        result = chromagrid.run(
            {
                "input": str(fig.path),
                "box": list(fig.box),
                "decode": {"smooth": smooth},
                "scale": {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0},
            }
        )
        got = decoded_at_centres(result, fig.box, data.shape)
        return np.sqrt(np.nanmean((got - data) ** 2))

    assert rms("auto") == pytest.approx(rms(True))  # auto smooths JPEG inputs
    assert rms(True) < 0.9 * rms(False)


def test_clean_overlays_leaves_a_clean_figure_alone():
    scale = from_colormap("viridis", vmin=0.0, vmax=1.0)
    lut = np.floor(mpl.colormaps["viridis"](np.arange(256))[:, :3] * 255).astype(np.uint8)
    index = np.add.outer(np.arange(40), np.arange(50)) * 2
    rgb = lut[np.clip(index, 0, 255)]
    decoded = decode(rgb, scale)
    cleaned = clean_overlays(decoded, scale)
    np.testing.assert_array_equal(cleaned.value, decoded.value)


def test_jpeg_colour_averaging_beats_averaging_decoded_values(tmp_path):
    """Averaging JPEG colours (YCbCr) before decoding them is closer to the drawn array than averaging values."""
    from chromagrid.decode.core import smooth_values
    from chromagrid.io.image import read_image

    data = smooth_field(40, 50, 0.0, 1.0)
    fig = draw_figure(
        tmp_path, data, "viridis", Normalize(0.0, 1.0), name="field.jpg", save_kwargs={"pil_kwargs": {"quality": 95}}
    )
    x0, y0, x1, y1 = fig.box
    rgb = read_image(fig.path, 10**8).rgb[y0:y1, x0:x1]
    scale = from_colormap("viridis", vmin=0.0, vmax=1.0)
    decoded = clean_overlays(decode(rgb, scale, lossy=True), scale)
    rows, cols = cell_centre_pixels(fig.box, data.shape)

    def rms(d):
        return np.sqrt(np.nanmean((d.value[rows, cols] - data) ** 2))

    plain, values_averaged = rms(decoded), rms(smooth_values(decoded, scale))
    colours_averaged = rms(smooth_values(decoded, scale, rgb=rgb))
    assert colours_averaged < 0.85 * values_averaged
    assert colours_averaged < 0.75 * plain
