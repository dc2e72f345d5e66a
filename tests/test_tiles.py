"""Tiled decode: the same values as an untiled run, tile by tile."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import rasterio
import xarray as xr
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from chromagrid import pipeline, tiles  # noqa: E402
from chromagrid.batch import run_item  # noqa: E402
from chromagrid.config import validate_config  # noqa: E402
from chromagrid.decode.core import pack_rgb  # noqa: E402
from chromagrid.decode.frame import find_frame  # noqa: E402
from chromagrid.errors import ImageReadError  # noqa: E402
from chromagrid.io.image import read_image  # noqa: E402
from chromagrid.scale.colorscale import from_colormap  # noqa: E402

H, W = 150, 180


def known_field() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    return (np.sin(x / 17.0) * np.cos(y / 23.0) + 1) / 2


@pytest.fixture
def figure(tmp_path):
    """A magma field with contour lines and text drawn over it, and a transparent hole."""
    fig = plt.figure(figsize=(W / 100, H / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    ax.imshow(known_field(), cmap="magma", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    ax.contour(known_field(), levels=[0.3, 0.6], colors="k", linewidths=1)
    ax.text(60, 80, "Label", fontsize=12, color="white")
    path = tmp_path / "figure.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    rgba = np.array(Image.open(path))
    assert rgba.shape == (H, W, 4)
    rgba[100:120, 20:50, 3] = 0
    Image.fromarray(rgba).save(path)
    return path


def config(path, out, **extra):
    data = {
        "input": str(path),
        "box": [3, 2, W - 4, H - 3],
        "output": [str(p) for p in out],
        "scale": {"cmap": "magma", "vmin": 0, "vmax": 1},
    }
    data.update(extra)
    return validate_config(data)


def test_run_tiled_writes_the_same_grids_as_the_untiled_run(figure, tmp_path):
    untiled = pipeline.run(config(figure, [tmp_path / "a.nc", tmp_path / "a.tif"]))
    tiled = tiles.run_tiled(config(figure, [tmp_path / "b.nc", tmp_path / "b.tif"]), tile=40)
    with xr.open_dataset(tmp_path / "a.nc") as a, xr.open_dataset(tmp_path / "b.nc") as b:
        assert np.array_equal(a["value"].values, b["value"].values, equal_nan=True)
        assert np.array_equal(a["distance"].values, b["distance"].values, equal_nan=True)
        for key in ("source_image_sha256", "chromagrid_config_sha256", "colorscale", "plot_box"):
            assert a.attrs[key] == b.attrs[key]
        value = b["value"].values
    with rasterio.open(tmp_path / "a.tif") as a, rasterio.open(tmp_path / "b.tif") as b:
        assert np.array_equal(a.read(1), b.read(1), equal_nan=True)
        assert a.transform == b.transform
    assert tiled.masked_fraction == untiled.masked_fraction
    for key in ("p50", "p95", "max"):
        assert tiled.distance_stats[key] == pytest.approx(untiled.distance_stats[key], abs=1e-6)
    assert tiled.distance_stats["mean"] == pytest.approx(untiled.distance_stats["mean"], rel=1e-5)
    # and the values are the drawn ones (independent of the untiled run): holes, lines and text aside
    truth = known_field()[2 : H - 3, 3 : W - 4]
    ok = np.isfinite(value)
    assert ok.mean() > 0.85
    assert np.isnan(value[100 - 2 : 120 - 2, 20 - 3 : 50 - 3]).all()  # the transparent hole
    assert np.median(np.abs(value[ok] - truth[ok])) < 0.003
    assert np.percentile(np.abs(value[ok] - truth[ok]), 95) < 0.01


@pytest.mark.parametrize("overlays", ["fill", "mask", "keep"])
@pytest.mark.parametrize("tile", [37, 1000])
def test_decode_tiled_equals_decode_box(figure, overlays, tile):
    image = read_image(figure)
    cfg = validate_config(
        {"input": str(figure), "scale": {"cmap": "magma", "vmin": 0, "vmax": 1}, "decode": {"overlays": overlays}}
    )
    scale = from_colormap("magma", "linear", 0, 1)
    box = (3, 2, W - 4, H - 3)
    x0, y0, x1, y1 = box
    frame = find_frame(image.rgb, box)
    whole = pipeline.decode_box(cfg, image.rgb[y0:y1, x0:x1], scale, image.opaque[y0:y1, x0:x1], frame=frame)
    tiled = tiles.decode_tiled(tiles.TiledImage.from_arrays(image.rgb, image.opaque), scale, cfg, box, tile)
    assert tiled.value.chunks[0][0] == min(tile, y1 - y0)
    assert np.array_equal(tiled.value.compute(), whole.value, equal_nan=True)
    assert np.array_equal(tiled.distance.compute(), whole.distance, equal_nan=True)


def test_colour_census_finds_every_colour(figure):
    image = tiles.open_tiled(figure, max_pixels=10**6)
    present = tiles.colour_census(image, (0, 0, W, H), tile=32)
    rgb = np.array(Image.open(figure).convert("RGB"))
    assert np.array_equal(np.flatnonzero(present), np.unique(pack_rgb(rgb)))


def test_weighted_percentile_is_numpys_percentile_of_the_repeated_values():
    rng = np.random.default_rng(3)
    values = rng.random(40).astype(np.float32)
    counts = rng.integers(1, 30, size=40)
    expanded = np.repeat(values.astype(np.float64), counts)
    for q in (0, 5, 50, 95, 100):
        assert tiles.weighted_percentile(values, counts, q) == pytest.approx(np.percentile(expanded, q), abs=1e-12)


def test_palette_image_with_transparency_decodes_the_same(tmp_path):
    field = known_field()
    rgba = (plt.get_cmap("viridis", 16)(field) * 255).astype(np.uint8)
    image = Image.fromarray(rgba[..., :3]).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    image.info["transparency"] = 0
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)
    assert Image.open(path).mode == "P"
    cfg = {"input": str(path), "scale": {"cmap": "viridis", "ncolors": 16, "vmin": 0, "vmax": 1}}
    untiled = pipeline.run(cfg)
    tiled = tiles.run_tiled(cfg, tile=50)
    assert np.array_equal(tiled.grid["value"].values, untiled.grid["value"].values, equal_nan=True)
    assert 0 < np.isnan(untiled.grid["value"].values).mean() < 0.5  # palette entry 0 is transparent


def test_run_item_decodes_large_figures_in_tiles(figure, tmp_path, monkeypatch):
    untiled = run_item(config(figure, [tmp_path / "a.nc"]))
    monkeypatch.setattr(tiles, "TILED_ABOVE_PIXELS", 10_000)
    tiled = run_item(config(figure, [tmp_path / "b.nc"]))
    assert (untiled["status"], untiled["tiled"], tiled["status"], tiled["tiled"]) == ("done", False, "done", True)
    assert tiled["config_sha256"] == untiled["config_sha256"]
    with xr.open_dataset(tmp_path / "a.nc") as a, xr.open_dataset(tmp_path / "b.nc") as b:
        assert np.array_equal(a["value"].values, b["value"].values, equal_nan=True)


def test_bad_images_fail_with_one_line(figure, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(figure.read_bytes()[:400])
    with pytest.raises(ImageReadError, match="broken.png: .*(truncated|corrupt|cannot)"):
        tiles.open_tiled(broken, max_pixels=10**6)
    with pytest.raises(ImageReadError, match="over the limit"):
        tiles.open_tiled(figure, max_pixels=1000)


def test_jpeg_figure_with_smoothing_decodes_the_same(figure, tmp_path):
    jpeg = tmp_path / "figure.jpg"
    Image.open(figure).convert("RGB").save(jpeg, quality=80)
    # smooth: auto -> on for JPEG. (The overlay clean-up is left out: on JPEG its distance level is a
    # median over the whole box, which a tile cannot see; and so is the refinement against the file's DCT
    # data, which tiles do not read; see the README's batch section.)
    cfg = {
        "input": str(jpeg),
        "scale": {"cmap": "magma", "vmin": 0, "vmax": 1},
        "decode": {"overlays": "keep", "jpeg_refine": False},
    }
    assert pipeline.wants_smoothing(validate_config(cfg))
    untiled = pipeline.run(cfg)
    tiled = tiles.run_tiled(cfg, tile=45)
    assert np.array_equal(tiled.grid["value"].values, untiled.grid["value"].values, equal_nan=True)
    assert tiled.masked_fraction == untiled.masked_fraction
