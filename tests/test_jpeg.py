"""JPEG refinement: the file's own DCT data read right, kept consistent, and lowering the error."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import draw_figure
from matplotlib.colors import Normalize
from PIL import Image
from scipy.fft import dctn

import chromagrid
from chromagrid.decode.core import sigma_filter
from chromagrid.decode.jpeg import (
    _JFIF_INVERSE,
    CONTINUOUS_EVENNESS,
    blocks,
    halve,
    local_quadratic,
    read_window,
    step_evenness,
)

CELLS = (40, 50)


def known_field() -> np.ndarray:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0 : CELLS[0], 0 : CELLS[1]]
    return np.clip(0.5 + 0.3 * np.sin(x / 4.0) * np.cos(y / 5.0) + 0.08 * rng.standard_normal(CELLS), 0, 1)


@pytest.fixture(scope="module")
def jpeg_figure(tmp_path_factory):
    """magma in 6-pixel cells, saved as JPEG quality 75 (4:2:0), with the axes frame."""
    return draw_figure(
        tmp_path_factory.mktemp("jpeg"),
        known_field(),
        "magma",
        Normalize(0, 1),
        frame=True,
        size=(500, 400),
        dpi=100,
        axes=(0.1, 0.1, 0.6, 0.6),
        colorbar=None,
        name="field.jpg",
        save_kwargs={"pil_kwargs": {"quality": 75}},
    )


def cell_rmse(value: np.ndarray) -> float:
    """RMSE (units of the range) of the decoded values at the cells' centre pixels, edge cells left out."""
    h, w = value.shape
    rows = np.floor((np.arange(CELLS[0]) + 0.5) * h / CELLS[0]).astype(int)
    cols = np.floor((np.arange(CELLS[1]) + 0.5) * w / CELLS[1]).astype(int)
    error = (value[rows[:, None], cols[None, :]] - known_field())[1:-1, 1:-1]
    assert np.isfinite(error).mean() > 0.9
    return float(np.sqrt(np.nanmean(error**2)))


def test_planes_from_the_coefficients_are_the_decoded_image(jpeg_figure):
    window = read_window(jpeg_figure.path, jpeg_figure.box)
    assert window is not None and window.subsampled
    rgb = np.clip((np.stack(window.planes(), axis=-1) - [0, 128, 128]) @ _JFIF_INVERSE.T, 0, 255)
    decoded = np.asarray(Image.open(jpeg_figure.path).convert("RGB"), float)
    r0, c0 = window.origin
    x0, y0, x1, y1 = jpeg_figure.box
    inside = (slice(y0 - r0 + 8, y1 - r0 - 8), slice(x0 - c0 + 8, x1 - c0 - 8))  # the data, off the frame
    difference = np.abs(rgb[inside] - decoded[y0 + 8 : y1 - 8, x0 + 8 : x1 - 8])
    # libjpeg works in integers (and rounds its chroma upsampling): a level or two apart at most
    assert difference.max() <= 3
    assert difference.mean() < 1


def test_the_files_own_planes_are_inside_their_quantization_intervals(jpeg_figure):
    window = read_window(jpeg_figure.path, jpeg_figure.box)
    planes = window.planes()
    luma, table = window.luma
    h, w = luma.shape[0] * 8, luma.shape[1] * 8
    assert np.allclose(window.constrain(planes)[0][:h, :w], planes[0][:h, :w], atol=1e-6)  # the file's own luma
    noisy = [p + np.random.default_rng(1).normal(0, 6, p.shape) for p in planes]
    constrained = window.constrain(noisy)
    dct = dctn(blocks(constrained[0][:h, :w] - 128.0), axes=(2, 3), norm="ortho")
    assert np.all(np.abs(dct - luma * table) <= 0.5 * table + 1e-6)
    for plane, (coefficients, table) in zip(constrained[1:], window.chroma):  # chroma: on the halved plane
        dct = dctn(blocks(halve(plane) - 128.0), axes=(2, 3), norm="ortho")
        assert np.all(np.abs(dct - coefficients * table) <= 0.5 * table + 1e-6)
    assert np.abs(constrained[0] - noisy[0]).mean() > 1  # the noise was taken out, not left in


def test_refinement_lowers_the_error_of_a_jpeg_figure(jpeg_figure):
    config = {
        "input": str(jpeg_figure.path),
        "box": list(jpeg_figure.box),
        "scale": {"cmap": "magma", "vmin": 0, "vmax": 1},
    }
    refined = cell_rmse(chromagrid.run(config).grid["value"].values)
    plain = cell_rmse(chromagrid.run({**config, "decode": {"jpeg_refine": False}}).grid["value"].values)
    unsmoothed = cell_rmse(chromagrid.run({**config, "decode": {"smooth": False}}).grid["value"].values)
    assert plain < unsmoothed
    assert refined < 0.9 * plain


def test_files_it_cannot_read_fall_back_to_pixel_smoothing(jpeg_figure, tmp_path):
    box = jpeg_figure.box
    grey = tmp_path / "grey.jpg"
    Image.open(jpeg_figure.path).convert("L").save(grey, quality=90)
    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 3  # shown rotated by 180 degrees: the coefficients are stored upside down
    Image.open(jpeg_figure.path).rotate(180).save(rotated, quality=90, exif=exif)
    png = tmp_path / "figure.png"
    Image.open(jpeg_figure.path).save(png)
    for path in (grey, rotated, png):
        assert read_window(path, box) is None
    config = {"input": str(rotated), "box": list(box), "scale": {"cmap": "magma", "vmin": 0, "vmax": 1}}
    value = chromagrid.run(config).grid["value"].values
    assert np.isfinite(value).mean() > 0.9


def test_step_evenness_tells_ramps_from_steps_and_noise():
    y, x = np.mgrid[0:64, 0:96].astype(float)
    ramp = 0.2 + 0.004 * x + 0.002 * y  # a resampled rendering: every pixel moves a little
    steps = 0.2 + 0.024 * np.floor(x / 6) + 0.012 * np.floor(y / 6)  # nearest neighbour: 6-pixel cells
    noise = 0.5 + 0.003 * np.random.default_rng(2).standard_normal(ramp.shape)
    assert step_evenness(ramp) == pytest.approx(1.0, abs=1e-6)
    assert step_evenness(steps) < 0.3
    assert step_evenness(noise) == pytest.approx(2 / np.pi, abs=0.08)
    assert step_evenness(steps) < CONTINUOUS_EVENNESS <= step_evenness(ramp)


def test_local_quadratic_keeps_a_curved_surface_that_the_mean_bends():
    y, x = np.mgrid[0:40, 0:40].astype(float)
    surface = (0.3 + 0.002 * (x - 20) ** 2 / 20 + 0.001 * x * y / 40).astype(np.float32)  # curved, gentle
    inner = (slice(5, -5), slice(5, -5))
    assert np.abs(local_quadratic(surface) - surface)[inner].max() < 2e-5
    assert np.abs(sigma_filter(surface) - surface)[inner].min() > 2e-4  # the mean's curvature bias, everywhere
    noisy = surface + np.float32(0.004) * np.random.default_rng(3).standard_normal(surface.shape).astype(np.float32)
    assert np.abs(local_quadratic(noisy) - surface)[inner].std() < 0.6 * np.abs(noisy - surface)[inner].std()
