"""Tests for chromagrid.find.layout on figures drawn with matplotlib."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from chromagrid.find import layout  # noqa: E402

TOL = 2


def _box(fig, ax):
    fig.canvas.draw()
    bb = ax.get_window_extent()
    h = fig.canvas.get_width_height()[1]
    r = lambda v: int(np.floor(v + 0.5))  # noqa: E731
    return (r(bb.x0), r(h - bb.y1), r(bb.x1), r(h - bb.y0))


def _save(fig, tmp_path, name="f.png", **kw):
    p = tmp_path / name
    fig.savefig(p, **kw)
    plt.close(fig)
    return np.asarray(Image.open(p).convert("RGB"))


def _field(n=40, m=60):
    y, x = np.mgrid[0:n, 0:m]
    return np.sin(x / 9.0) + np.cos(y / 7.0) + 0.02 * x


def _close(a, b, tol=TOL):
    return max(abs(int(u) - int(v)) for u, v in zip(a, b)) <= tol


def _match(found, truth):
    return [min(range(len(found)), key=lambda i: max(abs(np.subtract(found[i], t)))) for t in truth]


def _check_colors(cb, cmap, tol=12):
    lo = np.array(matplotlib.colormaps[cmap](0.0)[:3]) * 255
    hi = np.array(matplotlib.colormaps[cmap](1.0)[:3]) * 255
    assert np.abs(cb.colors[0].astype(float) - lo).max() <= tol
    assert np.abs(cb.colors[-1].astype(float) - hi).max() <= tol


def test_single_imshow_vertical_colorbar(tmp_path):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    im = ax.imshow(_field(), cmap="viridis")
    cb = fig.colorbar(im, ax=ax)
    ax.set_title("title")
    tb, tc = _box(fig, ax), _box(fig, cb.ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb) and panels[0].framed
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1
    assert bars[0].orientation == "vertical" and _close(bars[0].box, tc)
    assert bars[0].panels == (0,) and bars[0].extend == "neither"
    _check_colors(bars[0], "viridis")


def test_horizontal_colorbar_below(tmp_path):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    im = ax.pcolormesh(_field(), cmap="plasma")
    cb = fig.colorbar(im, ax=ax, orientation="horizontal")
    tb, tc = _box(fig, ax), _box(fig, cb.ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and bars[0].orientation == "horizontal"
    assert _close(bars[0].box, tc) and bars[0].panels == (0,)
    _check_colors(bars[0], "plasma")


def test_extend_both(tmp_path):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    im = ax.imshow(_field(), cmap="magma", vmin=-1, vmax=1.5)
    cb = fig.colorbar(im, ax=ax, extend="both")
    tb, tc = _box(fig, ax), _box(fig, cb.ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and _close(bars[0].box, tc)
    assert bars[0].extend == "both"
    _check_colors(bars[0], "magma")


def test_row_of_three_each_with_colorbar(tmp_path):
    fig, axs = plt.subplots(1, 3, figsize=(12, 4), dpi=100)
    tbs, tcs = [], []
    cbs = []
    for ax, cm in zip(axs, ["viridis", "cividis", "inferno"]):
        im = ax.imshow(_field(), cmap=cm)
        cbs.append(fig.colorbar(im, ax=ax))
    fig.canvas.draw()
    tbs = [_box(fig, ax) for ax in axs]
    tcs = [_box(fig, c.ax) for c in cbs]
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 3
    for p, t in zip(panels, tbs):
        assert _close(p.box, t)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 3
    for i, (b, t) in enumerate(zip(bars, tcs)):
        assert _close(b.box, t) and b.panels == (i,)


def test_2x2_shared_colorbar(tmp_path):
    fig, axs = plt.subplots(2, 2, figsize=(8, 6), dpi=100)
    for ax in axs.flat:
        im = ax.imshow(_field(), cmap="viridis", vmin=-2, vmax=3)
    cb = fig.colorbar(im, ax=axs.ravel().tolist())
    fig.canvas.draw()
    tbs = [_box(fig, ax) for ax in axs.flat]
    tc = _box(fig, cb.ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 4
    for p, t in zip(panels, tbs):  # reading order matches axs.flat
        assert _close(p.box, t)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and _close(bars[0].box, tc)
    assert bars[0].panels == (0, 1, 2, 3)


def test_seaborn_heatmap_no_frame(tmp_path):
    sns = pytest.importorskip("seaborn")
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    sns.heatmap(rng.random((10, 12)), ax=ax, cmap="rocket")
    tb = _box(fig, ax)
    tc = _box(fig, fig.axes[-1])
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb) and not panels[0].framed
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and _close(bars[0].box, tc) and bars[0].panels == (0,)
    _check_colors(bars[0], "rocket")


def test_no_colorbar(tmp_path):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.imshow(_field(), cmap="viridis")
    tb = _box(fig, ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb)
    assert layout.find_colorbars(img, panels) == []


@pytest.mark.parametrize("dpi", [72, 200])
def test_dpi(tmp_path, dpi):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=dpi)
    im = ax.imshow(_field(), cmap="viridis")
    cb = fig.colorbar(im, ax=ax)
    tb, tc = _box(fig, ax), _box(fig, cb.ax)
    img = _save(fig, tmp_path)
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and _close(bars[0].box, tc)
    _check_colors(bars[0], "viridis")


def test_jpeg_q75(tmp_path):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    im = ax.imshow(_field(), cmap="viridis")
    cb = fig.colorbar(im, ax=ax)
    tb, tc = _box(fig, ax), _box(fig, cb.ax)
    img = _save(fig, tmp_path, "f.jpg", pil_kwargs={"quality": 75})
    panels = layout.find_panels(img)
    assert len(panels) == 1 and _close(panels[0].box, tb)
    bars = layout.find_colorbars(img, panels)
    assert len(bars) == 1 and _close(bars[0].box, tc)
    _check_colors(bars[0], "viridis", tol=20)


# --------------------------------------------------------------------------
# generality: styles, sizes, formats and the hard cases of white-ended maps
# --------------------------------------------------------------------------


def _layout(fig, axes, bars, tmp_path, name="f.png", **kw):
    """Truth boxes (panels, colorbar strips) from matplotlib, and what find_layout gets from the saved image."""
    fig.canvas.draw()
    tp = [_box(fig, a) for a in axes]
    tc = [_box(fig, b) for b in bars]
    img = _save(fig, tmp_path, name, dpi=fig.dpi, **kw)
    panels, found = layout.find_layout(img)
    return tp, tc, panels, found


def _check_boxes(found, truth):
    assert len(found) == len(truth), (found, truth)
    for f, t in zip(sorted(found), sorted(truth)):
        assert _close(f, t), (f, t)


def _sns():
    return pytest.importorskip("seaborn")


def test_seaborn_annotated_jpeg_q75(tmp_path):
    sns = _sns()
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    sns.heatmap(np.random.default_rng(1).random((8, 10)), annot=True, fmt=".2f", ax=ax, cmap="rocket")
    tp, tc, panels, bars = _layout(fig, [ax], [fig.axes[-1]], tmp_path, "f.jpg", pil_kwargs={"quality": 75})
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    assert not panels[0].framed and bars[0].panels == (0,)


@pytest.mark.parametrize("cmap", ["Blues", "Greys"])
def test_white_low_end_imshow_on_white(tmp_path, cmap):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    data = _field()
    data[:, :10] = data.min()  # a band at the white end next to the white background
    cb = fig.colorbar(ax.imshow(data, cmap=cmap), ax=ax)
    tp, tc, panels, bars = _layout(fig, [ax], [cb.ax], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    _check_colors(bars[0], cmap)


@pytest.mark.parametrize("cmap", ["Blues", "Greys"])
def test_white_low_end_seaborn_no_outline(tmp_path, cmap):
    """seaborn draws no colorbar outline: the strip's white end is seen only through its ticks or its panel."""
    sns = _sns()
    rng = np.random.default_rng(2)
    data = rng.integers(1, 100, (10, 10)).astype(float)
    data[rng.random((10, 10)) < 0.5] = 0
    np.fill_diagonal(data, 100)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    sns.heatmap(data, annot=True, fmt=".0f", ax=ax, cmap=cmap)
    tp, tc, panels, bars = _layout(fig, [ax], [fig.axes[-1]], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)


def test_seaborn_white_columns_and_row_jpeg(tmp_path):
    """A frameless heat map broken by background-white cell columns (and a white top row) is one panel."""
    sns = _sns()
    data = np.random.default_rng(3).random((15, 30)) * 16
    data[:, [0, 1, 5, 6, 7, 14, 15]] = 0
    data[0] = 0
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    sns.heatmap(data, ax=ax, cmap="Greys")
    tp, tc, panels, bars = _layout(fig, [ax], [fig.axes[-1]], tmp_path, "f.jpg", pil_kwargs={"quality": 75})
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    assert bars[0].extend == "neither"


def test_seaborn_masked_triangle_diverging(tmp_path):
    """Masked upper triangle (blank top row and right column) and a diverging map whose centre is near white."""
    sns = _sns()
    c = np.corrcoef(np.random.default_rng(4).random((12, 30)))
    fig, ax = plt.subplots(figsize=(8, 7), dpi=100)
    sns.heatmap(c, mask=np.triu(np.ones_like(c, bool)), ax=ax, cmap="vlag", vmin=-1, vmax=1)
    tp, tc, panels, bars = _layout(fig, [ax], [fig.axes[-1]], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)


@pytest.mark.parametrize("lw,dpi", [(2.0, 100), (0.5, 200)])
def test_seaborn_gridlines(tmp_path, lw, dpi):
    sns = _sns()
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=dpi)
    sns.heatmap(np.random.default_rng(5).random((20, 30)), linewidths=lw, ax=ax, cmap="mako")
    tp, tc, panels, bars = _layout(fig, [ax], [fig.axes[-1]], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)


def test_seaborn_two_heatmaps_side_by_side(tmp_path):
    sns = _sns()
    rng = np.random.default_rng(6)
    fig, axs = plt.subplots(2, 2, figsize=(10, 8), dpi=100)
    for ax in axs.flat:
        sns.heatmap(rng.random((5, 6)), ax=ax, cmap="rocket", annot=True)
    tp, tc, panels, bars = _layout(fig, list(axs.flat), fig.axes[4:], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    for b in bars:
        assert len(b.panels) == 1


@pytest.mark.parametrize("dpi", [72, 300])
def test_thick_frame(tmp_path, dpi):
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=dpi)
    cb = fig.colorbar(ax.imshow(_field(), cmap="viridis"), ax=ax)
    for spine in ax.spines.values():
        spine.set_linewidth(3)
    tp, tc, panels, bars = _layout(fig, [ax], [cb.ax], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    assert panels[0].framed


def test_constrained_layout(tmp_path):
    fig, axs = plt.subplots(1, 2, figsize=(10, 4), dpi=100, constrained_layout=True)
    cbs = [fig.colorbar(ax.imshow(_field(), cmap=cm), ax=ax) for ax, cm in zip(axs, ["turbo", "inferno"])]
    tp, tc, panels, bars = _layout(fig, list(axs), [c.ax for c in cbs], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    assert [b.panels for b in bars] == [(0,), (1,)]


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_extend_triangles_dark_ends(tmp_path, orientation):
    """Extend triangles, and an outline that merges with the map's black end (magma)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=150)
    cb = fig.colorbar(
        ax.pcolormesh(_field(), cmap="magma", vmin=-1, vmax=1.5), ax=ax, extend="min", orientation=orientation
    )
    tp, tc, panels, bars = _layout(fig, [ax], [cb.ax], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    assert bars[0].extend == "min" and bars[0].orientation == orientation


@pytest.mark.parametrize("style", ["classic", "dark_background", "ggplot", "seaborn-v0_8-darkgrid"])
def test_styles(tmp_path, style):
    with plt.style.context(style):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
        cb = fig.colorbar(ax.imshow(_field(), cmap="viridis"), ax=ax)
        ax.set_title("title")
        tp, tc, panels, bars = _layout(fig, [ax], [cb.ax], tmp_path)
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
    _check_colors(bars[0], "viridis")


def test_large_figure_high_dpi_jpeg(tmp_path):
    fig, ax = plt.subplots(figsize=(10, 7.5), dpi=400)
    cb = fig.colorbar(ax.imshow(_field(100, 150), cmap="inferno"), ax=ax)
    ax.set_title("large")
    tp, tc, panels, bars = _layout(fig, [ax], [cb.ax], tmp_path, "f.jpg", pil_kwargs={"quality": 75})
    _check_boxes([p.box for p in panels], tp)
    _check_boxes([b.box for b in bars], tc)
