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
