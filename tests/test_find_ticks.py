"""chromagrid.find.ticks: colorbar and axis scales read from matplotlib figures (the real OCR engine).

Every expected value comes from matplotlib itself: the colorbar's and the axes' transforms after drawing
give the value at any pixel position, so the value at the box edges handed to the reader is known
exactly. Errors are asserted below 0.5 % of the span (the log10 span for a log norm).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize  # noqa: E402
from PIL import Image  # noqa: E402

from chromagrid.find.layout import Colorbar  # noqa: E402
from chromagrid.find.ticks import (  # noqa: E402
    AxesScale,
    ColorbarScale,
    Tick,
    TickFit,
    fit_ticks,
    read_axes,
    read_colorbar_ticks,
)

TOL = 0.5  # % of span


# ---------------------------------------------------------------------------------------------
# Figures: drawn, saved, read back; with the truth from matplotlib's transforms


class Drawn:
    """A saved figure read back as RGB, with its boxes and value-at-pixel functions from matplotlib."""

    def __init__(self, fig, ax, cb, path, orientation: str):
        fig.canvas.draw()
        self.height = fig.canvas.get_width_height()[1]
        self.rgb = np.asarray(Image.open(path).convert("RGB"))
        assert self.rgb.shape[0] == self.height
        self.orientation = orientation
        self.box = _pixel_box(ax.get_window_extent(), self.height)
        self.cbar_box = _pixel_box(cb.ax.get_window_extent(), self.height) if cb is not None else None
        self._ax_inv = ax.transData.inverted()
        self._cb_inv = cb.ax.transData.inverted() if cb is not None else None
        self._cb_mid = cb.ax.get_window_extent() if cb is not None else None
        self.norm = cb.norm if cb is not None else None

    def colorbar(self) -> Colorbar:
        """The colorbar strip as find_layout gives it (the box rounded as matplotlib places images)."""
        assert self.cbar_box is not None
        return Colorbar(
            box=self.cbar_box,
            orientation=self.orientation,
            colors=np.zeros((2, 3), np.uint8),
            extend="neither",
            panels=(0,),
            confidence=1.0,
            evidence="test",
        )

    def cbar_value(self, position: float) -> float:
        """The colorbar's value at a continuous image position along the strip."""
        bb = self._cb_mid
        if self.orientation == "vertical":
            xy = (0.5 * (bb.x0 + bb.x1), self.height - position)
            return float(self._cb_inv.transform([xy])[0][1])
        xy = (position, 0.5 * (bb.y0 + bb.y1))
        return float(self._cb_inv.transform([xy])[0][0])

    def cbar_ends(self) -> tuple[float, float]:
        """Values at the (integer) box edges: low end, high end."""
        x0, y0, x1, y1 = self.cbar_box
        if self.orientation == "vertical":
            return self.cbar_value(y1), self.cbar_value(y0)
        return self.cbar_value(x0), self.cbar_value(x1)

    def extent(self) -> tuple[float, float, float, float]:
        """(left, right, bottom, top): the axes' values at the integer box edges."""
        x0, y0, x1, y1 = self.box
        left = self._ax_inv.transform([(x0, 0)])[0][0]
        right = self._ax_inv.transform([(x1, 0)])[0][0]
        bottom = self._ax_inv.transform([(0, self.height - y1)])[0][1]
        top = self._ax_inv.transform([(0, self.height - y0)])[0][1]
        return float(left), float(right), float(bottom), float(top)


def _pixel_box(bbox, height: int) -> tuple[int, int, int, int]:
    edges = (bbox.x0, height - bbox.y1, bbox.x1, height - bbox.y0)
    return tuple(int(math.floor(v + 0.5)) for v in edges)


def _lon(v, _pos=None):
    return f"{abs(v):g}°{'E' if v >= 0 else 'W'}"


def _lat(v, _pos=None):
    return f"{abs(v):g}°{'N' if v >= 0 else 'S'}"


def _draw(
    tmp_path,
    name: str,
    *,
    style: str = "default",
    dpi: int = 100,
    fmt: str = "png",
    norm=None,
    data=None,
    orientation: str = "vertical",
    extent=None,
    degrees: bool = False,
    blank: bool = False,
    ticks=None,
) -> Drawn:
    data = np.linspace(0.0, 1.0, 600).reshape(20, 30) if data is None else data
    with plt.style.context(style):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=dpi)
        try:
            im = ax.imshow(data, norm=norm, cmap="viridis", extent=extent, aspect="auto")
            cb = fig.colorbar(im, ax=ax, orientation=orientation)
            if ticks is not None:
                cb.set_ticks(ticks)
            if blank:
                cb.set_ticklabels([])
            if degrees:
                ax.xaxis.set_major_formatter(_lon)
                ax.yaxis.set_major_formatter(_lat)
            path = tmp_path / f"{name}.{'jpg' if fmt == 'jpeg' else 'png'}"
            kw = {"pil_kwargs": {"quality": 75}} if fmt == "jpeg" else {}
            fig.savefig(path, dpi=dpi, **kw)
            return Drawn(fig, ax, cb, path, orientation)
        finally:
            plt.close(fig)


def _span_err(got: tuple[float, float], want: tuple[float, float], log: bool = False) -> float:
    """Largest end error in % of the span (log10 span for log)."""
    if log:
        got = tuple(math.log10(v) for v in got)
        want = tuple(math.log10(v) for v in want)
    span = abs(want[1] - want[0])
    return 100.0 * max(abs(g - w) for g, w in zip(got, want)) / span


@pytest.fixture(scope="module")
def figdir(tmp_path_factory):
    return tmp_path_factory.mktemp("ticks")


@pytest.fixture(scope="module")
def map_figure(figdir):
    """Default style, 100 dpi, negative colorbar ticks (U+2212), a lon/lat extent with degree labels."""
    data = np.linspace(-3.0, 7.0, 600).reshape(20, 30)
    return _draw(figdir, "map", data=data, norm=Normalize(-3.0, 7.0), extent=(-30.0, 40.0, 20.0, 60.0), degrees=True)


# ---------------------------------------------------------------------------------------------
# fit_ticks (no OCR)


def test_fit_ticks_linear_exact():
    ticks = [Tick(400.0 - 50.0 * i, 2.0 * i, str(2 * i), True) for i in range(6)]
    fit = fit_ticks(ticks)
    assert fit is not None and fit.norm == "linear"
    assert fit.residual < 1e-9 and not fit.rejected
    assert fit.value_at(400.0) == pytest.approx(0.0, abs=1e-9)
    assert fit.value_at(150.0) == pytest.approx(10.0)
    assert fit.position_of(5.0) == pytest.approx(275.0)
    assert fit.confidence > 0.9
    assert isinstance(fit.describe()["ticks"], list)


def test_fit_ticks_rejects_misread_label():
    values = [0, 5, 10, 15, 20, 25]
    ticks = [Tick(10.0 + 40.0 * i, float(v), str(v), True) for i, v in enumerate(values)]
    ticks[2] = Tick(ticks[2].position, 18.0, "18", True)  # a misread label
    fit = fit_ticks(ticks)
    assert fit is not None
    assert [t.value for t in fit.rejected] == [18.0]
    assert fit.value_at(10.0) == pytest.approx(0.0)
    clean = fit_ticks([t for t in ticks if t.value != 18.0])
    assert fit.confidence < clean.confidence


def test_fit_ticks_log_chosen_for_decades():
    ticks = [Tick(300.0 - 70.0 * i, 10.0**e, f"10^{e}", True) for i, e in enumerate(range(-3, 2))]
    fit = fit_ticks(ticks)
    assert fit is not None and fit.norm == "log"
    assert fit.value_at(300.0 - 35.0) == pytest.approx(10**-2.5)


def test_fit_ticks_linear_kept_for_positive_linear_ticks():
    ticks = [Tick(10.0 + 30.0 * i, float(v), str(v), True) for i, v in enumerate([1, 2, 3, 4, 5])]
    assert fit_ticks(ticks).norm == "linear"


def test_fit_ticks_confidence_falls_with_residual_and_count():
    base = [Tick(10.0 + 30.0 * i, float(i), str(i), True) for i in range(6)]
    noisy = [Tick(t.position + (0.6 if i % 2 else -0.6), t.value, t.text, True) for i, t in enumerate(base)]
    f_base, f_noisy, f_two = fit_ticks(base), fit_ticks(noisy), fit_ticks(base[:2])
    assert f_noisy.residual > f_base.residual
    assert f_noisy.confidence < f_base.confidence
    assert f_two.confidence < f_base.confidence


def test_fit_ticks_refuses_to_guess():
    assert fit_ticks([]) is None
    assert fit_ticks([Tick(5.0, 1.0, "1", True)]) is None
    # three labels, no two lines better than another: which one is misread cannot be told
    assert fit_ticks([Tick(0.0, 0.0, "0", True), Tick(10.0, 1.0, "1", True), Tick(20.0, 5.0, "5", True)]) is None
    # same value at two places
    assert fit_ticks([Tick(0.0, 1.0, "1", True), Tick(10.0, 1.0, "1", True)]) is None


# ---------------------------------------------------------------------------------------------
# Colorbars


def test_vertical_linear_negative_ticks(map_figure):
    sc = read_colorbar_ticks(map_figure.rgb, map_figure.colorbar())
    assert isinstance(sc, ColorbarScale)
    assert sc.norm == "linear" and sc.side == "right"
    assert _span_err((sc.vmin, sc.vmax), map_figure.cbar_ends()) < TOL
    values = sorted(t.value for t in sc.fit.ticks)
    assert min(values) < 0  # U+2212 minus read
    assert all(t.mark for t in sc.fit.ticks)
    assert sc.fit.residual < 1.0
    assert sc.confidence > 0.5
    assert sc.describe()["norm"] == "linear"


def test_horizontal_colorbar_dpi72(figdir):
    d = _draw(
        figdir,
        "horizontal72",
        dpi=72,
        orientation="horizontal",
        norm=Normalize(0.0, 50.0),
        data=np.linspace(0, 50, 600).reshape(20, 30),
    )
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None and sc.side == "bottom"
    assert _span_err((sc.vmin, sc.vmax), d.cbar_ends()) < TOL


def test_log_colorbar_dpi200(figdir):
    data = 10 ** np.linspace(-3, 1, 600).reshape(20, 30)
    d = _draw(figdir, "log200", dpi=200, norm=LogNorm(1e-3, 10.0), data=data)
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None and sc.norm == "log"
    assert len(sc.fit.ticks) >= 3
    assert _span_err((sc.vmin, sc.vmax), d.cbar_ends(), log=True) < TOL


@pytest.mark.parametrize("style,fmt", [("classic", "png"), ("dark_background", "jpeg")])
def test_styles(figdir, style, fmt):
    d = _draw(
        figdir,
        f"style_{style}",
        style=style,
        fmt=fmt,
        norm=Normalize(-1.0, 1.0),
        data=np.linspace(-1, 1, 600).reshape(20, 30),
    )
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None, style
    assert _span_err((sc.vmin, sc.vmax), d.cbar_ends()) < TOL


def test_discrete_boundary_norm(figdir):
    bounds = [0, 1, 2, 5, 10, 20, 50]
    d = _draw(figdir, "discrete", norm=BoundaryNorm(bounds, 256), data=np.linspace(0, 49, 600).reshape(20, 30))
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None
    assert sc.norm == "discrete"
    assert sc.boundaries == tuple(float(b) for b in bounds)
    assert (sc.vmin, sc.vmax) == (0.0, 50.0)


def test_offset_text_applied(figdir):
    """Small values: matplotlib labels 0..5 and writes the multiplier (1e−5) above the colorbar."""
    d = _draw(figdir, "offset", norm=Normalize(0.0, 5e-5), data=np.linspace(0, 5e-5, 600).reshape(20, 30))
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None
    assert "offset" in sc.evidence
    assert _span_err((sc.vmin, sc.vmax), d.cbar_ends()) < TOL


def test_no_tick_marks_label_centres(figdir):
    """Tick marks of length 0: the labels' centres place the ticks (less precise, lower confidence)."""
    d = _draw(
        figdir,
        "nomarks",
        norm=Normalize(-5.0, 5.0),
        data=np.linspace(-5, 5, 600).reshape(20, 30),
        style="seaborn-v0_8-whitegrid",
    )
    sc = read_colorbar_ticks(d.rgb, d.colorbar())
    assert sc is not None
    assert not any(t.mark for t in sc.fit.ticks)
    assert _span_err((sc.vmin, sc.vmax), d.cbar_ends()) < TOL
    assert sc.fit.confidence < 0.95


def test_with_find_layout(map_figure):
    """The colorbar as find_layout finds it (its box may differ from matplotlib's by a pixel)."""
    from chromagrid.find.layout import find_layout

    panels, bars = find_layout(map_figure.rgb)
    assert bars
    bar = bars[0]
    sc = read_colorbar_ticks(map_figure.rgb, bar)
    assert sc is not None
    x0, y0, x1, y1 = bar.box
    want = (map_figure.cbar_value(y1), map_figure.cbar_value(y0))  # the truth at the box edges used
    assert _span_err((sc.vmin, sc.vmax), want) < TOL


def test_blank_labels_give_none(figdir):
    d = _draw(figdir, "blank", blank=True)
    assert read_colorbar_ticks(d.rgb, d.colorbar()) is None


# ---------------------------------------------------------------------------------------------
# Axes


def test_lonlat_map_axes(map_figure):
    axes = read_axes(map_figure.rgb, map_figure.box)
    assert isinstance(axes, AxesScale)
    assert axes.lonlat
    assert isinstance(axes.x, TickFit) and isinstance(axes.y, TickFit)
    ext = axes.extent(map_figure.box)
    want = map_figure.extent()
    assert ext is not None
    assert _span_err(ext[:2], want[:2]) < TOL
    assert _span_err(ext[2:], want[2:]) < TOL
    assert min(t.value for t in axes.x.ticks) < 0  # W is negative
    assert axes.describe()["lonlat"] is True


def test_flipped_numeric_axes_and_categorical(figdir):
    """imshow's default y axis grows downward; words as x labels are categorical (None)."""
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
        try:
            ax.imshow(np.arange(30.0).reshape(5, 6), cmap="viridis")
            ax.set_xticks(range(6), ["alpha", "beta", "gamma", "delta", "kappa", "omega"])
            path = figdir / "categorical.png"
            fig.savefig(path, dpi=100)
            d = Drawn(fig, ax, None, path, "vertical")
        finally:
            plt.close(fig)
    axes = read_axes(d.rgb, d.box)
    assert axes.x is None
    assert axes.y is not None and axes.y.slope > 0  # values grow with the row
    want = d.extent()
    y_top = float(axes.y.value_at(d.box[1]))
    y_bottom = float(axes.y.value_at(d.box[3]))
    assert _span_err((y_bottom, y_top), want[2:]) < TOL
    assert not axes.lonlat
    assert axes.extent(d.box) is None
