"""Colormap identification (chromagrid.scale.identify) on figures rendered by matplotlib.

Every figure is drawn with matplotlib (Agg), saved to PNG or JPEG and read back with Pillow, so the
colours are real rendered bytes; the colorbar strip is sampled from its exact pixel box.
"""

from __future__ import annotations

import doctest
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np
import pytest
from conftest import draw_figure, smooth_field
from matplotlib.colors import Normalize
from PIL import Image

from chromagrid.errors import ColorScaleError
from chromagrid.scale import identify
from chromagrid.scale.colorscale import resolve_colormap, sample_colorbar
from chromagrid.scale.identify import ColormapMatch, identify_colormap, identify_from_pixels


def bar_colors(
    tmp_path,
    cmap,
    *,
    name: str = "figure.png",
    orientation: str = "vertical",
    save_kwargs: dict | None = None,
    size: tuple[int, int] = (400, 300),
) -> np.ndarray:
    """Draw a smooth field with a colorbar, save it, read it back and sample the colorbar strip."""
    fig = draw_figure(
        tmp_path,
        smooth_field(30, 40),
        cmap,
        Normalize(0.0, 1.0),
        name=name,
        colorbar=orientation,
        save_kwargs=save_kwargs,
        size=size,
    )
    rgb = np.asarray(Image.open(fig.path).convert("RGB"))
    colors, _, _ = sample_colorbar(rgb, fig.colorbar_box, orientation)
    return colors


def panel_pixels(tmp_path, cmap, name: str = "panel.png") -> np.ndarray:
    """The data area of a smooth field drawn with imshow and no colorbar."""
    fig = draw_figure(
        tmp_path, smooth_field(60, 80), cmap, Normalize(0.0, 1.0), name=name, colorbar=None, size=(400, 300)
    )
    x0, y0, x1, y1 = fig.box
    return np.asarray(Image.open(fig.path).convert("RGB"))[y0:y1, x0:x1]


def table(name: str, ncolors: int | None) -> np.ndarray:
    cm = resolve_colormap(name, ncolors)
    return cm(np.arange(cm.N))[:, :3]


@pytest.mark.parametrize(
    "cmap, expected, reversed_",
    [
        ("viridis", "viridis", False),
        ("RdBu_r", "RdBu_r", True),
        ("cmocean:thermal", "cmocean:thermal", False),
        ("crameri:batlow", "crameri:batlow", False),
    ],
)
def test_colorbar_png(tmp_path, cmap, expected, reversed_):
    colors = bar_colors(tmp_path, resolve_colormap(cmap))
    matches = identify_colormap(colors, top=3)
    best = matches[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == (expected, reversed_, None, True)
    assert best.delta_e < 0.5 and best.delta_e_p95 < 1.5
    assert matches[1].delta_e > 2.0  # the runner-up is clearly worse
    assert resolve_colormap(best.name).N == 256  # the name resolves


def test_resampled_colorbar(tmp_path):
    colors = bar_colors(tmp_path, plt.get_cmap("viridis").resampled(8))
    best = identify_colormap(colors)[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == ("viridis", False, 8, True)
    want = matplotlib.colormaps["viridis"].resampled(8)(np.arange(8))[:, :3]
    assert np.allclose(table(best.name, best.ncolors), want)


def test_horizontal_colorbar_listed_map(tmp_path):
    """A ListedColormap with few entries by nature: its own table (ncolors None), not a resampled map."""
    colors = bar_colors(tmp_path, "tab10", orientation="horizontal", size=(500, 300))
    best = identify_colormap(colors)[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == ("tab10", False, None, True)


def test_jpeg_colorbar(tmp_path):
    colors = bar_colors(tmp_path, "magma", name="figure.jpg", save_kwargs={"pil_kwargs": {"quality": 75}})
    best = identify_colormap(colors, lossy=True)[0]
    assert (best.name, best.reversed, best.ncolors) == ("magma", False, None)
    assert best.exact is False
    assert 0.2 < best.delta_e < 4.0


def test_jpeg_resampled_colorbar(tmp_path):
    colors = bar_colors(
        tmp_path, plt.get_cmap("RdYlBu").resampled(12), name="figure.jpg", save_kwargs={"pil_kwargs": {"quality": 75}}
    )
    best = identify_colormap(colors, lossy=True)[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == ("RdYlBu", False, 12, False)


def test_trimmed_samples(tmp_path):
    """Samples that miss 2 % of the strip at each end (a strip cut inside its outline) still match exactly."""
    colors = bar_colors(tmp_path, "plasma")
    cut = int(round(0.02 * len(colors)))
    best = identify_colormap(colors[cut : len(colors) - cut])[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == ("plasma", False, None, True)


def test_matches_are_distinct_and_describable(tmp_path):
    colors = bar_colors(tmp_path, "viridis")
    matches = identify_colormap(colors, top=8)
    assert len(matches) == 8
    tables = [table(m.name, m.ncolors) for m in matches]
    for i in range(len(tables)):
        for j in range(i):
            assert tables[i].shape != tables[j].shape or not np.allclose(tables[i], tables[j], atol=1e-4)
    scores = [m.describe() for m in matches]
    json.dumps(scores)
    assert scores[0]["name"] == "viridis" and "bids:viridis" in scores[0]["aliases"]


def test_pixels_without_colorbar(tmp_path):
    best = identify_from_pixels(panel_pixels(tmp_path, "cividis"))[0]
    assert (best.name, best.reversed, best.ncolors, best.exact) == ("cividis", False, None, True)


def test_pixels_reversed_map_reported_unreversed(tmp_path):
    best = identify_from_pixels(panel_pixels(tmp_path, "RdYlBu_r"))[0]
    assert (best.name, best.reversed, best.ncolors) == ("RdYlBu", False, None)


def test_pixels_jpeg(tmp_path):
    fig = draw_figure(
        tmp_path,
        smooth_field(60, 80),
        "viridis",
        Normalize(0.0, 1.0),
        name="panel.jpg",
        colorbar=None,
        save_kwargs={"pil_kwargs": {"quality": 75}},
    )
    x0, y0, x1, y1 = fig.box
    rgb = np.asarray(Image.open(fig.path).convert("RGB"))[y0:y1, x0:x1]
    best = identify_from_pixels(rgb, lossy=True)[0]
    assert (best.name, best.ncolors, best.exact) == ("viridis", None, False)


def test_bad_input():
    with pytest.raises(ColorScaleError):
        identify_colormap(np.zeros((5, 3), np.uint8))
    with pytest.raises(ColorScaleError):
        identify_colormap(np.zeros((100,), np.uint8))
    with pytest.raises(ColorScaleError):
        identify_from_pixels(np.zeros((10, 10), np.uint8))
    with pytest.raises(ColorScaleError):
        identify_from_pixels(np.full((10, 10, 3), 255, np.uint8))


def test_catalogue_names_resolve():
    """Every catalogue name resolves to its table (spot check: the first name of every 25th table)."""
    cat = identify._catalogue()
    for g in range(0, len(cat.names), 25):
        cm = resolve_colormap(cat.names[g][0])
        assert np.allclose(cm(np.arange(cm.N))[:, :3] * 255, cat.rgb[g], atol=0.02)


def test_docstring_examples():
    result = doctest.testmod(identify, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0


def test_match_dataclass():
    m = ColormapMatch("viridis", False, None, 0.1, 0.2, True)
    assert m.aliases == () and m.describe()["exact"] is True
