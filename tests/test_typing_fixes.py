"""Bugs that making the package mypy clean brought to light (issue 13 part 6), each shown on real inputs."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from chromagrid.errors import ColorScaleError, ConfigError
from chromagrid.reduce.settings import Reduce
from chromagrid.scale.colorscale import from_colorbar, from_colormap, from_colors


def _render(draw) -> np.ndarray:
    """RGB pixels of a matplotlib figure drawn by ``draw(ax)``."""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    draw(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return np.asarray(Image.open(buf).convert("RGB"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: from_colormap("viridis"),
        lambda: from_colormap("viridis", vmin=0.0),
        lambda: from_colors(["#000000", "#ffffff"], norm="log", vmax=10.0),
    ],
)
def test_a_scale_without_its_value_range_says_so(build):
    # _check_norm took vmin/vmax as floats: None < None raised a bare TypeError
    with pytest.raises(ColorScaleError, match="needs vmin and vmax"):
        build()


def test_a_colorbar_scale_without_its_value_range_says_so():
    rgb = _render(lambda ax: ax.imshow(np.linspace(0, 1, 100).reshape(10, 10)))
    with pytest.raises(ColorScaleError, match="needs vmin and vmax"):
        from_colorbar(rgb, (10, 10, 30, 200))


def test_the_value_range_still_builds_a_scale():
    scale = from_colormap("viridis", vmin=0.0, vmax=2.0)
    assert (scale.vmin, scale.vmax) == (0.0, 2.0)


def test_a_strip_box_over_blank_background_gives_its_span():
    # _strip_box returned 3 values instead of 4 when the window held no solid region: the caller's
    # `box, ext_min, ext_max, outer = _strip_box(...)` raised ValueError
    from chromagrid.find.layout import _scene, _strip_box

    rgb = _render(lambda ax: ax.imshow(np.arange(100.0).reshape(10, 10)))
    scene = _scene(rgb)
    blank = (2, 2, 8, 60)  # a tall box in the figure's white margin, left of the axes
    assert (scene.diff[blank[1] : blank[3], blank[0] : blank[2]] <= scene.tol).all()
    out = _strip_box(scene, blank, vertical=True)
    assert len(out) == 4
    box, ext_min, ext_max, outer = out
    assert box == blank and not ext_min and not ext_max
    assert outer == (2, 60)


def test_the_reduction_search_needs_its_target():
    from chromagrid.reduce.cluster import search

    value = np.arange(16.0).reshape(4, 4)
    with pytest.raises(ConfigError, match="target_rmse_percent"):
        search(value, Reduce(), 15.0, np.arange(4.0), np.arange(4.0))
