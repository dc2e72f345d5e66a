"""Colour scales: names from every catalogue, resampling, explicit colours, colorbars, norms.

Decoded values are checked against the arrays the tests drew, within one
colour bin of the scale (the quantization bound).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from conftest import draw_figure, smooth_field, truth_per_pixel
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm, Normalize
from PIL import Image

import chromagrid
from chromagrid.errors import ColorScaleError, ConfigError
from chromagrid.scale.colorscale import (
    colorbar_orientation,
    from_colorbar,
    from_colormap,
    from_colors,
    list_colormaps,
    resolve_colormap,
    sample_colorbar,
)

DATA = Path(__file__).parent / "data"


def floor_bytes(cm, n: int | None = None) -> np.ndarray:
    """A matplotlib colormap's table as it writes it into images: floor(255 c)."""
    n = cm.N if n is None else n
    return np.floor(cm(np.arange(n))[:, :3] * 255.0).astype(np.uint8)


def merged(table: np.ndarray) -> np.ndarray:
    """Consecutive entries sharing one 8-bit colour merged (they stand for one colour)."""
    keep = np.r_[True, np.any(table[1:] != table[:-1], axis=1)]
    return table[keep]


def figure_colours(path, box) -> np.ndarray:
    x0, y0, x1, y1 = box
    rgb = np.asarray(Image.open(path).convert("RGB"))[y0:y1, x0:x1]
    return np.unique(rgb.reshape(-1, 3), axis=0)


# --------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["viridis", "RdBu_r", "jet", "Greys", "twilight_shifted", "tab10"])
def test_matplotlib_names_use_matplotlibs_own_table(name):
    scale = from_colormap(name, "linear", 0.0, 1.0)
    np.testing.assert_array_equal(scale.rgb, merged(floor_bytes(mpl.colormaps[name])))


def test_reversed_names():
    forward = floor_bytes(resolve_colormap("viridis"))
    np.testing.assert_array_equal(floor_bytes(resolve_colormap("viridis_r")), forward[::-1])
    thermal = floor_bytes(resolve_colormap("cmocean:thermal"))
    np.testing.assert_array_equal(floor_bytes(resolve_colormap("cmocean:thermal_r")), thermal[::-1])


def test_every_pixel_of_a_matplotlib_figure_is_a_table_colour(tmp_path):
    data = smooth_field(30, 40, 0.0, 1.0)
    fig = draw_figure(tmp_path, data, "viridis_r", Normalize(0, 1), colorbar=None)
    scale = from_colormap("viridis_r", "linear", 0.0, 1.0)
    table = {tuple(c) for c in scale.rgb.tolist()}
    assert all(tuple(c) in table for c in figure_colours(fig.path, fig.box).tolist())


def test_catalogue_names():
    import cmcrameri.cm
    import cmocean
    import colorcet
    import seaborn

    expected = {
        "cmocean:thermal": cmocean.cm.thermal,
        "crameri:batlow": cmcrameri.cm.batlow,
        "cmcrameri:batlow": cmcrameri.cm.batlow,
        "colorcet:fire": colorcet.cm.fire,
        "seaborn:rocket": seaborn.color_palette("rocket", as_cmap=True),
        "seaborn:mako_r": seaborn.color_palette("mako_r", as_cmap=True),
    }
    for name, cm in expected.items():
        np.testing.assert_array_equal(floor_bytes(resolve_colormap(name)), floor_bytes(cm), err_msg=name)
    # a namespace only the `cmap` package knows
    import cmap

    np.testing.assert_array_equal(
        floor_bytes(resolve_colormap("cmasher:ember")), floor_bytes(cmap.Colormap("cmasher:ember").to_mpl())
    )


def test_every_benchmark_colormap_matches_its_truth_table():
    """Each (cmap, cmap_n) of bench/corpus/manifest.jsonl, against floor(255 lut) from its truth file.

    tests/data/bench_colormaps.json holds those truth tables (see its "about").
    """
    cases = json.loads((DATA / "bench_colormaps.json").read_text())["colormaps"]
    assert len(cases) >= 17
    for case in cases:
        truth = np.frombuffer(bytes.fromhex(case["rgb_hex"]), np.uint8).reshape(-1, 3)
        assert len(truth) == case["cmap_n"]
        ncolors = case["cmap_n"] if case["cmap_n"] != 256 else None
        cm = resolve_colormap(case["cmap"], ncolors)
        np.testing.assert_array_equal(floor_bytes(cm), truth, err_msg=case["cmap"])
        scale = from_colormap(case["cmap"], "linear", 0.0, 1.0, ncolors=ncolors)
        np.testing.assert_array_equal(scale.rgb, merged(truth), err_msg=case["cmap"])


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("virdis", "viridis"),
        ("RdBu_rr", "RdBu_r"),
        ("cmocean:thermall", "cmocean:thermal"),
        ("crameri:batlw", "crameri:batlow"),
    ],
)
def test_unknown_names_suggest_the_closest(name, suggestion):
    with pytest.raises(ColorScaleError) as info:
        resolve_colormap(name)
    message = str(info.value)
    assert f"unknown colormap '{name}'" in message and suggestion in message and "\n" not in message


def test_unknown_name_fails_at_config_time(tmp_path):
    """Before any work: the image does not even exist, and the error is about the name."""
    with pytest.raises(ConfigError, match=r"scale\.cmap: unknown colormap 'virdis'; did you mean viridis"):
        chromagrid.digitize(tmp_path / "not-there.png", cmap="virdis", vmin=0, vmax=1)


def test_list_colormaps():
    assert "viridis" in list_colormaps() and "viridis_r" in list_colormaps()
    assert {"cmocean:thermal", "cmocean:thermal_r"} <= set(list_colormaps("cmocean:therm*"))
    assert all(n.startswith("cmocean:therm") for n in list_colormaps("cmocean:therm*"))
    assert "crameri:batlow" in list_colormaps("batlow")
    assert "seaborn:rocket" in list_colormaps("seaborn:*")
    assert list_colormaps("no-such-colormap-anywhere") == []


# --------------------------------------------------------------------------- resampled
def test_ncolors_is_matplotlibs_resampled_table(tmp_path):
    scale = from_colormap("plasma", "linear", 0.0, 1.0, ncolors=10)
    np.testing.assert_array_equal(scale.rgb, floor_bytes(mpl.colormaps["plasma"].resampled(10)))
    np.testing.assert_allclose(scale.centre, (np.arange(10) + 0.5) / 10)

    data = smooth_field(30, 40, 0.0, 5.0)
    fig = draw_figure(tmp_path, data, mpl.colormaps["plasma"].resampled(10), Normalize(0, 5))
    value = chromagrid.digitize(fig.path, cmap="plasma", ncolors=10, vmin=0, vmax=5, box=fig.box).grid["value"].values
    truth = truth_per_pixel(data, value.shape)
    assert np.isfinite(value).all()
    # each of the 10 colours stands for an interval 0.5 wide and decodes to its centre
    assert np.abs(value - truth).max() <= 0.25 + 1e-6
    np.testing.assert_allclose(np.unique(value), 0.25 + 0.5 * np.unique(np.minimum(truth // 0.5, 9)), atol=1e-6)


# --------------------------------------------------------------------------- explicit colours
FIVE = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]


@pytest.fixture
def listed_figure(tmp_path):
    """Five flat colours over [0, 5): colour k is drawn for values in [k, k + 1)."""
    data = smooth_field(30, 40, 0.0, 4.999)
    fig = draw_figure(tmp_path, data, ListedColormap(FIVE), Normalize(0, 5))
    return fig, data


def test_colors_with_values(listed_figure):
    fig, data = listed_figure
    value = (
        chromagrid.digitize(fig.path, colors=FIVE, values=[0.5, 1.5, 2.5, 3.5, 4.5], box=fig.box).grid["value"].values
    )
    np.testing.assert_array_equal(value, np.floor(truth_per_pixel(data, value.shape)) + 0.5)


def test_colors_evenly_spaced(listed_figure):
    fig, data = listed_figure
    value = chromagrid.digitize(fig.path, colors=FIVE, vmin=0.5, vmax=4.5, box=fig.box).grid["value"].values
    np.testing.assert_array_equal(value, np.floor(truth_per_pixel(data, value.shape)) + 0.5)


def test_colors_as_rgb_and_names():
    scale = from_colors([[68, 1, 84], "red", (0.0, 0.5, 1.0)], vmin=0, vmax=2)
    np.testing.assert_array_equal(scale.rgb, [[68, 1, 84], [255, 0, 0], [0, 127, 255]])
    np.testing.assert_allclose(scale.centre, [0, 1, 2])


@pytest.mark.parametrize(
    "colors, values, match",
    [
        (["#000000", "not-a-colour"], None, "cannot read colour 'not-a-colour'"),
        (["#000000", "#ffffff"], [0, 1, 2], "got 2 colours but 3 values"),
        (["#000000", "#ffffff"], [1, 0], "strictly increasing"),
        (["#000000"], None, "at least 2 colours"),
    ],
)
def test_bad_colour_lists(colors, values, match):
    with pytest.raises(ColorScaleError, match=match):
        from_colors(colors, values, vmin=0, vmax=1)


# --------------------------------------------------------------------------- colorbar in the figure
def _colorbar_bound(cbar_box, orientation: str, span: float) -> float:
    """Worst error from a bar of L pixels: the trimmed ends (1 + L // 300 px) plus the outline and a blended pixel."""
    x0, y0, x1, y1 = cbar_box
    length = (y1 - y0) if orientation == "vertical" else (x1 - x0)
    return (1 + length // 300 + 2) / length * span


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_scale_from_the_colorbar(tmp_path, orientation):
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(tmp_path, data, "magma", Normalize(0, 0.7), colorbar=orientation)
    assert colorbar_orientation(fig.colorbar_box) == orientation
    result = chromagrid.digitize(fig.path, colorbar_box=fig.colorbar_box, colorbar_range=(0, 0.7), box=fig.box)
    value = result.grid["value"].values
    truth = truth_per_pixel(data, value.shape)
    assert np.isfinite(value).all()
    assert np.abs(value - truth).max() <= _colorbar_bound(fig.colorbar_box, orientation, 0.7)
    assert np.median(np.abs(value - truth)) <= 0.7 / 256


def test_colorbar_samples_run_low_to_high(tmp_path):
    data = smooth_field(30, 40, 0.0, 1.0)
    for orientation in ("vertical", "horizontal"):
        fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 1), colorbar=orientation, name=f"{orientation}.png")
        rgb = np.asarray(Image.open(fig.path).convert("RGB"))
        colours, lower, upper = sample_colorbar(rgb, fig.colorbar_box)
        table = floor_bytes(mpl.colormaps["viridis"]).astype(int)
        # the first sample is viridis' dark end, the last its yellow end (not the other way round)
        first, last = colours[0].astype(int), colours[-1].astype(int)
        assert np.abs(first - table[0]).sum() < np.abs(first - table[25]).sum()
        assert np.abs(last - table[-1]).sum() < np.abs(last - table[-26]).sum()
        assert np.all(np.diff(lower) > 0) and np.all(upper > lower) and 0 <= lower[0] and upper[-1] <= 1


def test_given_orientation_overrides_the_shape(tmp_path):
    """A square-ish box: the shape says vertical, the user says horizontal; the user wins."""
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:, :, 0] = np.linspace(0, 255, 20).astype(np.uint8)[None, :]  # red grows left to right
    assert colorbar_orientation((0, 0, 20, 20)) == "vertical"
    colours, _, _ = sample_colorbar(rgb, (0, 0, 20, 20), "horizontal")
    assert np.all(np.diff(colours[:, 0].astype(int)) > 0)
    scale = from_colorbar(rgb, (0, 0, 20, 20), 0, 1, orientation="horizontal")
    assert scale.rgb[0, 0] < scale.rgb[-1, 0]


def test_colorbar_box_too_small():
    with pytest.raises(ColorScaleError, match="too small"):
        from_colorbar(np.zeros((10, 10, 3), np.uint8), (0, 0, 3, 2), 0, 1)


# --------------------------------------------------------------------------- norms
def test_log_norm(tmp_path):
    data = 10.0 ** smooth_field(30, 40, -1.0, 3.0)
    fig = draw_figure(tmp_path, data, "YlOrRd", LogNorm(0.1, 1000))
    log_bin = np.log10(1000 / 0.1) / 256
    truth = np.log10(truth_per_pixel(data, (fig.box[3] - fig.box[1], fig.box[2] - fig.box[0])))

    value = (
        chromagrid.digitize(fig.path, cmap="YlOrRd", norm="log", vmin=0.1, vmax=1000, box=fig.box).grid["value"].values
    )
    assert np.isfinite(value).all()
    assert np.abs(np.log10(value) - truth).max() <= log_bin

    value = (
        chromagrid.digitize(
            fig.path, colorbar_box=fig.colorbar_box, colorbar_range=(0.1, 1000), norm="log", box=fig.box
        )
        .grid["value"]
        .values
    )
    assert np.abs(np.log10(value) - truth).max() <= _colorbar_bound(fig.colorbar_box, "vertical", 4.0)


def test_log_norm_scale_is_uniform_in_log():
    scale = from_colormap("viridis", "log", 1.0, 100.0, ncolors=4)
    np.testing.assert_allclose(scale.lower, [1, 10**0.5, 10, 10**1.5])
    np.testing.assert_allclose(scale.upper, [10**0.5, 10, 10**1.5, 100])
    np.testing.assert_allclose(scale.centre, 10 ** np.array([0.25, 0.75, 1.25, 1.75]))


BOUNDS = [-3.0, -1.0, 0.0, 1.0, 3.0]


@pytest.mark.parametrize("cmap, ncolors", [("RdBu_r", 256), ("viridis", 7)])
def test_discrete_norm_picks_matplotlibs_colours(tmp_path, cmap, ncolors):
    """The colour of each interval is the one BoundaryNorm made matplotlib draw; values decode to centres."""
    cm = mpl.colormaps[cmap].resampled(ncolors)
    data = smooth_field(30, 40, -3.0, 2.999)
    fig = draw_figure(tmp_path, data, cm, BoundaryNorm(BOUNDS, ncolors=cm.N))
    shape = (fig.box[3] - fig.box[1], fig.box[2] - fig.box[0])
    truth = truth_per_pixel(data, shape)
    interval = np.searchsorted(BOUNDS, truth, side="right") - 1
    rgb = np.asarray(Image.open(fig.path).convert("RGB"))[fig.box[1] : fig.box[3], fig.box[0] : fig.box[2]]

    scale = from_colormap(cmap, "discrete", boundaries=BOUNDS, ncolors=None if ncolors == 256 else ncolors)
    for k in range(len(BOUNDS) - 1):
        drawn = np.unique(rgb[interval == k], axis=0)
        assert drawn.shape[0] == 1, f"interval {k} drawn in more than one colour"
        np.testing.assert_array_equal(scale.rgb[k], drawn[0])
    np.testing.assert_array_equal(scale.lower, BOUNDS[:-1])
    np.testing.assert_array_equal(scale.upper, BOUNDS[1:])

    value = (
        chromagrid.digitize(
            fig.path,
            cmap=cmap,
            ncolors=None if ncolors == 256 else ncolors,
            norm="discrete",
            boundaries=BOUNDS,
            box=fig.box,
        )
        .grid["value"]
        .values
    )
    centres = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(value, centres[interval])


def test_discrete_norm_from_the_colorbar(tmp_path):
    data = smooth_field(30, 40, -3.0, 2.999)
    fig = draw_figure(tmp_path, data, "RdBu_r", BoundaryNorm(BOUNDS, ncolors=256))
    truth = truth_per_pixel(data, (fig.box[3] - fig.box[1], fig.box[2] - fig.box[0]))
    value = (
        chromagrid.digitize(fig.path, colorbar_box=fig.colorbar_box, norm="discrete", boundaries=BOUNDS, box=fig.box)
        .grid["value"]
        .values
    )
    centres = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(value, centres[np.searchsorted(BOUNDS, truth, side="right") - 1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(norm="log", vmin=0.0, vmax=10.0), "vmin > 0"),
        (dict(norm="linear", vmin=1.0, vmax=1.0), "vmin .* must be less than vmax"),
        (dict(norm="discrete", boundaries=[0.0, 0.0, 1.0]), "strictly increasing"),
        (dict(norm="cubic", vmin=0.0, vmax=1.0), "not one of linear, log, discrete"),
    ],
)
def test_bad_norms(kwargs, match):
    with pytest.raises(ColorScaleError, match=match):
        from_colormap("viridis", **kwargs)


@pytest.mark.parametrize("name", ["cmocean:balance_blue", "cmocean:delta_blue", "colorcet:CET_D5", "crameri:naviaW"])
def test_names_only_the_cmap_package_holds_for_a_catalogue_resolve(name):
    """known_colormaps lists the `cmap` package's cmocean/colorcet/crameri namespaces: each must resolve."""
    import cmap

    from chromagrid.scale.colorscale import known_colormaps, resolve_colormap

    assert name in known_colormaps()
    ours = resolve_colormap(name)(np.linspace(0, 1, 256))
    theirs = cmap.Colormap(name).to_mpl()(np.linspace(0, 1, 256))
    np.testing.assert_allclose(ours, theirs)
