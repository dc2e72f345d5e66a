"""Plot-area (heat-map area) detection on figures drawn here, against matplotlib's own axes extents."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from conftest import pixel_box  # noqa: E402

from chromagrid.find.region import RegionNotFoundError, background_color, find_plot_box  # noqa: E402
from chromagrid.io.image import read_image  # noqa: E402
from chromagrid.scale.colorscale import from_colormap  # noqa: E402

RNG = np.random.default_rng(11)


def save(fig, path):
    fig.savefig(path)
    plt.close(fig)
    return read_image(path).rgb


def close(a, b, tol=2):
    return all(abs(int(u) - int(v)) <= tol for u, v in zip(a, b))


def test_seaborn_heatmap_area_and_colorbar(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    sns.heatmap(RNG.random((6, 9)), ax=ax, cmap="viridis", vmin=0, vmax=1, annot=True, fmt=".1f")
    box, cbar = pixel_box(fig, ax), pixel_box(fig, fig.axes[1])
    rgb = save(fig, tmp_path / "hm.png")
    region = find_plot_box(rgb, from_colormap("viridis", vmin=0, vmax=1))
    assert close(region.box, box)
    assert region.colorbar is not None and close(region.colorbar, cbar, 3)
    assert region.background == (255, 255, 255) and not region.background_on_scale


def test_gridlines_between_cells_join_one_area(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    sns.heatmap(RNG.random((5, 6)), ax=ax, cmap="magma", vmin=0, vmax=1, linewidths=3, linecolor="white")
    box = pixel_box(fig, ax)
    rgb = save(fig, tmp_path / "lines.png")
    region = find_plot_box(rgb, from_colormap("magma", vmin=0, vmax=1))
    assert close(region.box, box, 3)  # the outer gridlines are half inside the axes


def test_edge_of_background_colour_found_from_the_ticks(tmp_path):
    # Greys draws 0 in white, the background's colour: the first column cannot be told by colour alone
    data = RNG.integers(2, 10, (8, 12)).astype(float)
    data[:, 0] = 0
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    sns.heatmap(data, ax=ax, cmap="Greys", vmin=0, vmax=10)
    box = pixel_box(fig, ax)
    rgb = save(fig, tmp_path / "greys.png")
    region = find_plot_box(rgb, from_colormap("Greys", vmin=0, vmax=10))
    assert region.background_on_scale
    assert close(region.box, box)
    assert any("tick marks" in note for note in region.notes)


def test_edge_of_background_colour_found_from_the_frame(tmp_path):
    data = RNG.integers(3, 16, (5, 8)).astype(float)
    data[:, -1] = 0
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.imshow(data, cmap="Blues", vmin=0, vmax=16, interpolation="nearest")
    ax.tick_params(length=0)  # no ticks: only the frame tells where the axes end
    box = pixel_box(fig, ax)
    rgb = save(fig, tmp_path / "framed.png")
    region = find_plot_box(rgb, from_colormap("Blues", vmin=0, vmax=16))
    assert close(region.box, box)
    assert any("frame" in note for note in region.notes)


def test_smooth_field_area(tmp_path):
    y, x = np.mgrid[0:1:120j, 0:1:160j]
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    im = ax.imshow(np.sin(4 * x) * y, cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im)
    box = pixel_box(fig, ax)
    rgb = save(fig, tmp_path / "field.png")
    assert close(find_plot_box(rgb, from_colormap("RdBu_r", vmin=-1, vmax=1)).box, box)


def test_given_colorbar_is_left_out(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    sns.heatmap(RNG.random((4, 4)), ax=ax, cmap="viridis", vmin=0, vmax=1)
    box, cbar = pixel_box(fig, ax), pixel_box(fig, fig.axes[1])
    rgb = save(fig, tmp_path / "hm.png")
    region = find_plot_box(rgb, from_colormap("viridis", vmin=0, vmax=1), exclude=[cbar])
    assert close(region.box, box)


def test_no_scale_colours_is_an_error(tmp_path):
    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([0, 1], [0, 1], color="red")
    rgb = save(fig, tmp_path / "line.png")
    with pytest.raises(RegionNotFoundError, match="colour scale 'viridis'"):
        find_plot_box(rgb, from_colormap("viridis", vmin=0, vmax=1))


def test_background_colour():
    rgb = np.full((20, 30, 3), 240, np.uint8)
    rgb[5:15, 5:25] = (10, 200, 30)
    assert background_color(rgb) == (240, 240, 240)
    noise = RNG.integers(0, 256, (20, 30, 3)).astype(np.uint8)
    assert background_color(noise) is None
