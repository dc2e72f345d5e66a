"""Figure-only runs (chromagrid.auto): panels, colormap, range and axes found; what the user gives overrides.

Every figure is drawn here with matplotlib from a known array, so the expected
values (the norm's vmin/vmax, the axes' limits, the drawn field) come from
matplotlib, not from chromagrid.
"""

from __future__ import annotations

import json
import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
import yaml  # noqa: E402
from conftest import chromagrid_command, pixel_box, smooth_field, truth_per_pixel  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

import chromagrid  # noqa: E402
from chromagrid.errors import ChromagridWarning, NotFoundError  # noqa: E402


def _save(fig, path, **kw):
    fig.savefig(path, **kw)
    plt.close(fig)
    return path


def _span_error(got: float, want: float, span: float) -> float:
    return abs(got - want) / span * 100


@pytest.fixture(scope="module")
def one_panel(tmp_path_factory):
    """A framed imshow figure with a vertical colorbar and numeric axes; (path, data, box, vmin, vmax, extent)."""
    folder = tmp_path_factory.mktemp("one")
    data = smooth_field(30, 40, -2.0, 3.0)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    im = ax.imshow(
        data, cmap="viridis", vmin=-2.5, vmax=3.5, extent=(10, 50, 0, 30), aspect="auto", interpolation="nearest"
    )
    fig.colorbar(im, ax=ax)
    box = pixel_box(fig, ax)
    extent = (*ax.get_xlim(), *ax.get_ylim())
    return _save(fig, folder / "one.png"), data, box, im.norm.vmin, im.norm.vmax, extent


@pytest.fixture(scope="module")
def two_panels(tmp_path_factory):
    """Two panels side by side, each with its own colorbar and colormap; (path, boxes, cmaps, ranges)."""
    folder = tmp_path_factory.mktemp("two")
    data = smooth_field(20, 30)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    ranges = [(0.0, 1.0), (-5.0, 15.0)]
    for ax, cmap, (lo, hi) in zip(axes, ("viridis", "magma"), ranges):
        fig.colorbar(ax.imshow(lo + data * (hi - lo), cmap=cmap, vmin=lo, vmax=hi, aspect="auto"), ax=ax)
    boxes = [pixel_box(fig, ax) for ax in axes]
    return _save(fig, folder / "two.png"), boxes, ("viridis", "magma"), ranges


def test_nothing_given_finds_panel_colormap_range_and_axes(one_panel):
    path, data, box, vmin, vmax, extent = one_panel
    result = chromagrid.digitize(path)
    found = result.found
    assert np.abs(np.subtract(result.box, box)).max() <= 2
    assert result.config.scale.cmap == "viridis" and result.config.scale.ncolors in (None, 256)
    span = vmax - vmin
    low, high = result.config.scale.value_range
    assert _span_error(low, vmin, span) <= 0.5 and _span_error(high, vmax, span) <= 0.5
    assert result.config.scale.norm == "linear"
    assert {found.used[k].split(":")[0] for k in ("box", "colormap", "range", "axes")} == {"found"}
    left, right, bottom, top = result.config.georef.extent
    for got, want in zip((left, right, bottom, top), extent):
        assert _span_error(got, want, 40 if want in extent[:2] else 30) <= 0.5
    # the values: compare the inner pixels with the drawn field
    x0, y0, x1, y1 = box
    fx0, fy0 = result.box[:2]
    truth = truth_per_pixel(data, (y1 - y0, x1 - x0), margin=0.2)
    value = result.grid["value"].values
    rows, cols = np.arange(4, y1 - y0 - 4), np.arange(4, x1 - x0 - 4)
    got = value[np.ix_(rows + y0 - fy0, cols + x0 - fx0)]
    want = truth[np.ix_(rows, cols)]
    ok = np.isfinite(want)
    assert ok.sum() > 5000
    assert np.nanpercentile(np.abs(got - want)[ok], 99) <= 0.01 * span
    described = json.dumps(result.summary()["found"])  # JSON-able, with the evidence
    assert "colormap_candidates" in described and "colorbar_ticks" in described


def test_what_the_user_gives_overrides_only_that_item(one_panel):
    path, _, box, vmin, vmax, _ = one_panel
    result = chromagrid.digitize(path, cmap="cividis", vmin=0, vmax=1)
    assert result.config.scale.cmap == "cividis" and result.config.scale.value_range == (0, 1)
    assert result.found.used["colormap"] == "given" and result.found.used["range"] == "given"
    assert np.abs(np.subtract(result.box, box)).max() <= 2  # still found
    given = chromagrid.digitize(path, box=box, extent=(0, 1, 0, 1))
    assert given.box == tuple(box) and given.found.used["box"] == "given"
    assert tuple(given.config.georef.extent) == (0, 1, 0, 1)
    assert abs(given.config.scale.value_range[1] - vmax) <= 0.005 * (vmax - vmin)


def test_several_panels_need_a_choice_and_each_can_be_decoded(two_panels, tmp_path):
    path, boxes, cmaps, ranges = two_panels
    with pytest.raises(NotFoundError) as caught:
        chromagrid.digitize(path)
    message = str(caught.value)
    assert "2 panels" in message and "--panel" in message and "{panel}" in message and "\n" not in message
    assert " ".join(map(str, boxes[0]))[:3] in message
    second = chromagrid.digitize(path, panel=2)
    assert np.abs(np.subtract(second.box, boxes[1])).max() <= 2
    assert second.config.scale.cmap == "magma"
    assert _span_error(second.config.scale.value_range[0], ranges[1][0], 20) <= 0.5
    with pytest.raises(NotFoundError, match="give --panel 1 to 2"):
        chromagrid.digitize(path, panel=3)

    done = subprocess.run(
        [*chromagrid_command(), "decode", str(path), "-o", str(tmp_path / "out" / "{panel}.nc")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for number, cmap in enumerate(cmaps, start=1):
        with xr.open_dataset(tmp_path / "out" / f"{number}.nc") as ds:
            assert ds.attrs["colormap"] == cmap
    plain = subprocess.run(
        [*chromagrid_command(), "decode", str(path), "-o", str(tmp_path / "one.nc")], capture_output=True, text=True
    )
    assert plain.returncode == 1 and not (tmp_path / "one.nc").exists()
    assert plain.stderr.count("\n") == 1 and "--panel N" in plain.stderr


def test_write_config_reruns_to_the_same_grid(one_panel, tmp_path):
    path, *_ = one_panel
    written = tmp_path / "cfg" / "found.yaml"
    out = tmp_path / "a.nc"
    done = subprocess.run(
        [*chromagrid_command(), "decode", str(path), "--write-config", str(written), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(written.read_text())
    assert not data["input"].startswith("/") and data["scale"]["cmap"] == "viridis"
    assert len(data["box"]) == 4 and data["georef"]["extent"] is not None
    rerun = chromagrid.run(written)
    assert rerun.found is None  # nothing left to find
    with xr.open_dataset(out) as first:
        np.testing.assert_array_equal(first["value"].values, rerun.grid["value"].values)


def test_no_colorbar_gives_the_normalized_position_with_a_warning(tmp_path):
    data = smooth_field(30, 40)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.imshow(data, cmap="plasma", aspect="auto", interpolation="nearest")
    box = pixel_box(fig, ax)
    path = _save(fig, tmp_path / "bare.png")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = chromagrid.digitize(path, output=tmp_path / "n.nc", extent=(0, 1, 0, 1))  # rows stay image rows
    texts = [str(w.message) for w in caught if issubclass(w.category, ChromagridWarning)]
    assert any("normalized" in t for t in texts)
    assert result.config.scale.cmap.startswith("plasma") and result.found.used["range"] == "normalized"
    with xr.open_dataset(tmp_path / "n.nc") as ds:
        assert "normalized" in ds.attrs["comment"]
    x0, y0, x1, y1 = box
    fx0, fy0 = result.box[:2]
    truth = truth_per_pixel(data, (y1 - y0, x1 - x0), margin=0.2)  # data spans 0..1: position = value
    rows, cols = np.arange(4, y1 - y0 - 4) + y0 - fy0, np.arange(4, x1 - x0 - 4) + x0 - fx0
    got = result.grid["value"].values[np.ix_(rows, cols)]
    want = truth[4:-4, 4:-4]
    ok = np.isfinite(want)
    assert np.nanpercentile(np.abs(got - want)[ok], 99) <= 0.01


def test_unreadable_colorbar_labels_are_a_one_line_error_naming_the_flags(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    cbar = fig.colorbar(ax.imshow(smooth_field(), cmap="viridis", aspect="auto"), ax=ax)
    cbar.set_ticks([])
    path = _save(fig, tmp_path / "blank.png")
    with pytest.raises(NotFoundError) as caught:
        chromagrid.digitize(path, output=tmp_path / "x.nc")
    assert "--vmin" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "x.nc").exists()


def test_log_colorbar_gives_a_log_norm(tmp_path):
    data = 10 ** (smooth_field(30, 40) * 4 - 2)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    im = ax.imshow(data, cmap="magma", norm=LogNorm(1e-2, 1e2), aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax)
    path = _save(fig, tmp_path / "log.png")
    result = chromagrid.digitize(path)
    scale = result.config.scale
    assert scale.norm == "log" and scale.cmap == "magma"
    low, high = scale.value_range
    assert abs(np.log10(low) + 2) <= 0.02 and abs(np.log10(high) - 2) <= 0.02  # 0.5 % of 4 decades


def test_lon_lat_degree_labels_give_an_epsg_4326_grid(tmp_path):
    def degrees(v, _):
        return f"{abs(v):g}°{'E' if v >= 0 else 'W'}"

    def latitude(v, _):
        return f"{abs(v):g}°{'N' if v >= 0 else 'S'}"

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    im = ax.imshow(smooth_field(30, 60), cmap="cividis", extent=(-30, 30, -15, 15), aspect="auto")
    ax.xaxis.set_major_formatter(degrees)
    ax.yaxis.set_major_formatter(latitude)
    fig.colorbar(im, ax=ax)
    limits = (*ax.get_xlim(), *ax.get_ylim())
    path = _save(fig, tmp_path / "map.png")
    result = chromagrid.digitize(path, output=tmp_path / "map.tif")
    assert result.config.georef.crs == "EPSG:4326"
    for got, want, span in zip(result.config.georef.extent, limits, (60, 60, 30, 30)):
        assert _span_error(got, want, span) <= 0.5
    import rasterio

    with rasterio.open(tmp_path / "map.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert abs(src.bounds.left - limits[0]) <= 0.3 and abs(src.bounds.top - limits[3]) <= 0.15


def test_cells_from_the_image_alone(tmp_path):
    import seaborn

    matrix = np.round(np.random.default_rng(3).random((6, 8)) * 10, 1)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    seaborn.heatmap(matrix, cmap="rocket", vmin=0, vmax=10, ax=ax)
    path = _save(fig, tmp_path / "cells.png")
    result = chromagrid.cells(path)
    assert result.found.used["colormap"].startswith("found")
    got = np.asarray(result.matrix.values, float)
    assert got.shape == matrix.shape
    assert np.abs(got - matrix).max() <= 0.1  # 1 % of the range


def test_printed_numbers_are_read_and_a_wrong_one_is_reported(tmp_path):
    import seaborn

    matrix = np.round(np.random.default_rng(5).random((5, 6)) * 10, 1)
    printed = np.vectorize(lambda v: f"{v:.1f}")(matrix)
    printed[2, 3] = f"{(matrix[2, 3] + 5) % 10:.1f}"  # one number that does not match its colour
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    seaborn.heatmap(matrix, annot=printed, fmt="", cmap="mako", vmin=0, vmax=10, ax=ax)
    path = _save(fig, tmp_path / "annotated.png")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = chromagrid.cells(path, report=tmp_path / "r.json")
    assert [(d["row"], d["col"]) for d in result.annotations["disagree"]] == [(2, 3)]
    assert any("1 of 30 cells" in str(w.message) for w in caught if issubclass(w.category, ChromagridWarning))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["annotations"]["disagree"][0]["raw"] == printed[2, 3]
    from_text = chromagrid.cells(path, values_from="text")
    assert float(from_text.matrix.values[2, 3]) == float(printed[2, 3])
    assert np.abs(from_text.matrix.values - matrix)[np.arange(5) != 2].max() <= 1e-9


@pytest.mark.parametrize(
    "style, dpi, suffix, orientation",
    [
        ("ggplot", 72, ".png", "vertical"),
        ("seaborn-v0_8", 300, ".jpg", "vertical"),
        ("classic", 100, ".png", "horizontal"),
        ("dark_background", 150, ".jpg", "vertical"),
    ],
)
def test_styles_dpi_and_formats_from_the_image_alone(tmp_path, style, dpi, suffix, orientation):
    data = smooth_field(24, 32, -40.0, 60.0)
    with plt.style.context(style):
        fig, ax = plt.subplots(figsize=(5, 3.6), dpi=dpi)
        im = ax.imshow(
            data, cmap="RdYlBu_r", vmin=-50, vmax=75, extent=(0, 16, 0, 12), aspect="auto", interpolation="nearest"
        )
        fig.colorbar(im, ax=ax, orientation=orientation)
        box = pixel_box(fig, ax)
        limits = (*ax.get_xlim(), *ax.get_ylim())
        path = _save(fig, tmp_path / f"figure{suffix}", **({"pil_kwargs": {"quality": 75}} if suffix == ".jpg" else {}))
    result = chromagrid.digitize(path)
    assert np.abs(np.subtract(result.box, box)).max() <= 2
    low, high = result.config.scale.value_range
    assert _span_error(low, -50, 125) <= 0.5 and _span_error(high, 75, 125) <= 0.5
    assert result.config.scale.cmap == "RdYlBu_r" or result.config.scale.colorbar_box is not None
    x0, y0, x1, y1 = box
    for got, want, span, px in zip(
        result.config.georef.extent, limits, (16, 16, 12, 12), (x1 - x0, x1 - x0, y1 - y0, y1 - y0)
    ):
        # the extent is the fit's value at the found box's edges: 0.5 % of the span, or the box's one pixel
        assert _span_error(got, want, span) <= max(0.5, 100 / px + 0.05)


def test_a_shared_colorbar_serves_every_panel(tmp_path):
    fig, axes = plt.subplots(2, 2, figsize=(8, 6), dpi=100)
    for k, ax in enumerate(axes.flat):
        im = ax.imshow(smooth_field(20, 20) * (k + 1), cmap="cividis", vmin=0, vmax=4, aspect="auto")
    fig.colorbar(im, ax=axes)
    boxes = [pixel_box(fig, ax) for ax in axes.flat]
    path = _save(fig, tmp_path / "grid.png")
    for number, box in enumerate(boxes, start=1):
        result = chromagrid.digitize(path, panel=number)
        assert np.abs(np.subtract(result.box, box)).max() <= 2
        assert result.config.scale.cmap == "cividis"
        low, high = result.config.scale.value_range
        assert _span_error(low, 0, 4) <= 0.5 and _span_error(high, 4, 4) <= 0.5


def test_a_log_axis_is_calibrated_on_log_values(tmp_path):
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    mesh = ax.pcolormesh(
        np.logspace(0, 3, 41), np.linspace(0, 10, 31), smooth_field(30, 40), cmap="viridis", vmin=0, vmax=1
    )
    ax.set_xscale("log")
    fig.colorbar(mesh, ax=ax)
    box = pixel_box(fig, ax)
    path = _save(fig, tmp_path / "logx.png")
    result = chromagrid.digitize(path, output=tmp_path / "logx.nc")
    axes = result.config.georef.axes
    assert axes.x_scale == "log" and axes.y_scale == "linear"
    x = result.grid["x"].values  # cell centres: log-spaced from 10**(0.5 px) to 10**(3 - 0.5 px)
    per_px = 3 / (box[2] - box[0])
    assert abs(np.log10(x[0]) - 0.5 * per_px) <= 0.005 * 3 and abs(np.log10(x[-1]) - (3 - 0.5 * per_px)) <= 0.005 * 3
    assert np.allclose(np.diff(np.log10(x)), per_px, rtol=0.01)


def test_percent_labels_give_values_in_percent(tmp_path):
    from matplotlib.ticker import PercentFormatter

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    fig.colorbar(ax.imshow(smooth_field(), cmap="magma", vmin=0, vmax=1), ax=ax, format=PercentFormatter(1.0))
    result = chromagrid.digitize(_save(fig, tmp_path / "pct.png"))
    low, high = result.config.scale.value_range
    assert result.config.units == "%" and _span_error(low, 0, 100) <= 0.5 and _span_error(high, 100, 100) <= 0.5
    assert result.grid["value"].attrs["units"] == "%"
