"""JPEG cell fit: cells of a nearest-neighbour raster decoded whole against the file's DCT coefficients."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import draw_figure
from matplotlib import colormaps
from matplotlib.colors import Normalize
from PIL import Image
from scipy.ndimage import gaussian_filter
from scipy.spatial import cKDTree

import chromagrid
from chromagrid.decode.cellfit import (
    CellFit,
    find_lattices,
    misfit_of,
    neighbour_mean,
    raster_positions,
    sharpen_lattice,
    table_ycbcr,
)
from chromagrid.decode.core import decode
from chromagrid.decode.jpeg import read_window
from chromagrid.scale.colorscale import from_colorbar, from_colormap, resolve_colormap

CELLS = (48, 64)


def smooth_field() -> np.ndarray:
    y, x = np.mgrid[0 : CELLS[0], 0 : CELLS[1]]
    return 0.5 + 0.3 * np.sin(x / CELLS[1] * 5 + 0.3) * np.cos(y / CELLS[0] * 4) + 0.15 * np.cos((x + y) / 15)


@pytest.fixture(scope="module")
def jet_figure(tmp_path_factory):
    """jet in cells of about 7.3 x 7.4 pixels (not whole pixels), with the axes frame, JPEG quality 75."""
    return draw_figure(
        tmp_path_factory.mktemp("cellfit"),
        smooth_field(),
        "jet",
        Normalize(0, 1),
        frame=True,
        size=(600, 500),
        dpi=100,
        axes=(0.1, 0.15, 0.78, 0.71),
        colorbar=None,
        name="jet.jpg",
        save_kwargs={"pil_kwargs": {"quality": 75}},
    )


def at_cell_centres(value: np.ndarray) -> np.ndarray:
    h, w = value.shape[:2]
    rows = np.floor((np.arange(CELLS[0]) + 0.5) * h / CELLS[0]).astype(int)
    cols = np.floor((np.arange(CELLS[1]) + 0.5) * w / CELLS[1]).astype(int)
    return value[rows[:, None], cols[None, :]]


def rmse(estimate: np.ndarray) -> float:
    """RMSE against the field (units of the range) over the cells given a value: 99 % of them at least."""
    error = estimate - smooth_field()
    assert np.isfinite(error).mean() > 0.99
    return float(np.sqrt(np.nanmean(error**2)))


def quantization_floor() -> float:
    """The error of a decode that finds every cell's colour and returns the centre of its value interval."""
    entry = np.minimum(np.floor(smooth_field() * 256), 255)
    return rmse((entry + 0.5) / 256)


def naive_rmse(figure) -> float:
    """The plain decode (nearest of the 256 colours in RGB, as bench/corpus/naive_decode.py)."""
    x0, y0, x1, y1 = figure.box
    pixels = at_cell_centres(np.asarray(Image.open(figure.path).convert("RGB"))[y0:y1, x0:x1])
    lut = np.floor(colormaps["jet"](np.arange(256))[:, :3] * 255)
    _, entry = cKDTree(lut).query(pixels.reshape(-1, 3).astype(float))
    return rmse(((entry + 0.5) / 256).reshape(CELLS))


def test_a_jpeg_raster_decodes_near_its_quantization_floor(jet_figure):
    config = {
        "input": str(jet_figure.path),
        "box": list(jet_figure.box),
        "scale": {"cmap": "jet", "vmin": 0, "vmax": 1},
    }
    fitted = rmse(at_cell_centres(chromagrid.run(config).grid["value"].values))
    plain = rmse(at_cell_centres(chromagrid.run({**config, "decode": {"jpeg_refine": False}}).grid["value"].values))
    # measured: 0.00118 against a floor of 0.00112; without the refinement 0.0021, the naive decode 0.0030
    assert fitted < 1.3 * quantization_floor()
    assert fitted < 0.75 * plain
    assert fitted < 0.45 * naive_rmse(jet_figure)


def fit_inputs(path, box, scale):
    """raster_positions' inputs for a JPEG's box, as :func:`chromagrid.decode.jpeg.refine` gives them."""
    window = read_window(path, box)
    stored, (height, width) = window.whole_mcus()
    planes = [p[:height, :width] for p in window.planes()]
    x0, y0, x1, y1 = box
    where = (slice(y0 - window.origin[0], y1 - window.origin[0]), slice(x0 - window.origin[1], x1 - window.origin[1]))
    rgb = np.asarray(Image.open(path).convert("RGB"))[y0:y1, x0:x1]
    u = scale.to_positions(decode(rgb, scale, lossy=True).value.astype(np.float64))
    return stored, window.subsampled, planes, where, np.isfinite(u), u, scale


def test_the_encoder_model_fits_the_true_colours_and_not_others(tmp_path):
    """Painted in the cells' true colours the file's coefficients fit (misfit about 1 or less); three
    entries off (2 grey levels), several times worse."""
    lut = np.floor(colormaps["viridis"](np.arange(256))[:, :3] * 255).astype(np.uint8)
    entry = np.minimum(np.floor(smooth_field() * 256), 255).astype(int)
    image = np.full((400, 520, 3), 255, np.uint8)
    box = (23, 17, 493, 367)  # cells of 7.34 x 7.29 pixels, not on the 8 x 8 blocks
    rows = ((np.arange(box[3] - box[1]) + 0.5) * CELLS[0] / (box[3] - box[1])).astype(int)
    cols = ((np.arange(box[2] - box[0]) + 0.5) * CELLS[1] / (box[2] - box[0])).astype(int)
    image[box[1] : box[3], box[0] : box[2]] = lut[entry][rows][:, cols]
    path = tmp_path / "raster.jpg"
    Image.fromarray(image).save(path, quality=75)
    scale = from_colormap(resolve_colormap("viridis"), "linear", 0, 1)
    stored, subsampled, planes, where, *_ = fit_inputs(path, box, scale)
    cell = np.full(planes[0].shape, -1)
    cell[where] = rows[:, None] * CELLS[1] + cols[None, :]
    colours = table_ycbcr(lut)
    true = misfit_of(stored, subsampled, planes, cell, colours[entry.ravel()])
    off = misfit_of(stored, subsampled, planes, cell, colours[np.clip(entry.ravel() + 3, 0, 255)])
    assert true < 1.0
    assert off > 3 * true


def test_a_resampled_figure_decodes_no_worse_than_without_the_refinement(jet_figure, tmp_path):
    """The figure shrunk or enlarged (bilinear) after drawing: its cells are no longer all of one colour."""
    image = Image.open(jet_figure.path)
    for factor in (0.93, 1.25):
        path = tmp_path / f"resized{factor}.jpg"
        image.resize((round(image.width * factor), round(image.height * factor)), Image.BILINEAR).save(path, quality=75)
        config = {
            "input": str(path),
            "box": [round(v * factor) for v in jet_figure.box],
            "scale": {"cmap": "jet", "vmin": 0, "vmax": 1},
        }
        refined = rmse(at_cell_centres(chromagrid.run(config).grid["value"].values))
        plain = rmse(at_cell_centres(chromagrid.run({**config, "decode": {"jpeg_refine": False}}).grid["value"].values))
        assert refined <= plain


def test_a_field_drawn_pixel_by_pixel_is_not_taken_for_a_raster(tmp_path):
    rng = np.random.default_rng(6)
    field = gaussian_filter(rng.standard_normal((300, 400)), 6)
    field = (field - field.min()) / np.ptp(field)
    lut = np.floor(colormaps["jet"](np.arange(256))[:, :3] * 255).astype(np.uint8)
    path = tmp_path / "pixels.jpg"
    Image.fromarray(lut[np.minimum((field * 256).astype(int), 255)]).save(path, quality=75)
    scale = from_colormap(resolve_colormap("jet"), "linear", 0, 1)
    assert raster_positions(*fit_inputs(path, (0, 0, 400, 300), scale)) is None


def test_a_colorbar_scale_is_not_fitted(jet_figure):
    """A scale measured from the figure's colorbar is not the exact bytes the cells were drawn in."""
    rgb = np.asarray(Image.open(jet_figure.path).convert("RGB"))
    x0, y0, _, y1 = jet_figure.box
    assert not from_colorbar(rgb, (x0 + 10, y0 + 10, x0 + 20, y1 - 10), 0, 1).exact
    assert from_colormap(resolve_colormap("jet"), "linear", 0, 1).exact


def lattice_change(size: int, n: int, rng, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """Colour change on each pixel boundary of ``n`` equal cells from ``start`` to ``end`` (the box's
    ``size`` by default) with noise; the lattice's own ends change too where they fall inside the box."""
    end = size if end is None else end
    change = rng.uniform(0.0, 0.3, size + 1)
    boundary = on_boundaries(start + np.arange(n + 1) * (end - start) / n, size)
    change[boundary] += rng.uniform(0.5, 1.5, len(boundary))
    return change


def on_boundaries(edges: np.ndarray, size: int) -> np.ndarray:
    """The pixel boundaries inside the box that edges fall on (a nearest-neighbour rendering's), but
    the box's outermost two (whether its first pixel is a sliver of a cell is not told by the data)."""
    boundary = np.ceil(edges - 0.5).astype(int)
    return boundary[(boundary >= 2) & (boundary <= size - 2)]


def test_find_lattice_takes_the_cells_not_their_fractions_or_multiples():
    rng = np.random.default_rng(4)
    cases = [
        (470, 64, 0, None),
        (350, 48, 0, None),
        (620, 90, 0, None),
        (300, 7, 0, None),
        (500, 150, 0, None),
        (626, 90, 3.0, 623.0),  # a box 3 pixels too wide on both sides (the data does not fill it)
        (616, 90, -2.0, 618.0),
    ]  # and 2 pixels too narrow: it cuts the outer cells
    for size, n, start, end in cases:
        edges = find_lattices(lattice_change(size, n, rng, start, end), min_cell=3.0)[0]
        assert len(edges) == n + 1
        true = start + np.arange(n + 1) * ((size if end is None else end) - start) / n
        assert np.array_equal(on_boundaries(edges, size), on_boundaries(true, size))


def test_sharpen_lattice_takes_out_a_drift_of_a_third_of_a_pixel():
    size, n = 397, 80
    true = 0.4 + np.arange(n + 1) * (size - 0.8) / n  # edges 0.4 px in from both ends of the box
    change = np.zeros(size + 1)
    change[np.ceil(true[1:-1] - 0.5).astype(int)] = 1.0
    drifted = np.linspace(true[0] - 0.25, true[-1] + 0.33, n + 1)

    def boundaries(e):
        return np.ceil(e[1:-1] - 0.5).astype(int)

    assert (boundaries(drifted) != boundaries(true)).sum() > 5
    sharpened = sharpen_lattice(drifted, change)
    assert np.array_equal(boundaries(sharpened), boundaries(true))
    assert np.abs(sharpened - true).max() < 0.1


def test_posterior_with_a_prior_places_the_value_inside_the_likely_entries():
    width = 1 / 256
    lower = np.array([[0.5, 0.5 + width], [0.5, 0.5 + width]])
    upper = lower + width
    fit = CellFit(lower, upper, np.array([[0.0, -np.inf], [0.0, 0.0]]), misfit=0.5)
    assert fit.posterior() == pytest.approx([0.5 + width / 2, 0.5 + width])
    prior = np.array([0.5 + 0.2 * width, 0.5 + 1.7 * width])
    with_prior = fit.posterior_with(prior, 0.05 * width)
    assert with_prior == pytest.approx(prior, abs=0.01 * width)  # a sharp prior inside a likely entry wins
    far = fit.posterior_with(np.array([0.9, np.nan]), 0.05 * width)  # far outside: the fit's own mean
    assert far == pytest.approx(fit.posterior())


def test_prior_model_recovers_the_priors_error_and_its_outliers():
    rng = np.random.default_rng(5)
    width, n = 1 / 256, 3000
    entry = rng.integers(0, 256, n)
    value = (entry + rng.uniform(0, 1, n)) * width
    lower = (entry[:, None] + np.arange(-2, 3)) * width
    fit = CellFit(lower, lower + width, np.where(np.arange(-2, 3) == 0, 0.0, -np.inf)[None, :].repeat(n, 0), 0.5)
    for sd in (0.3 * width, 2.0 * width):
        found, outliers = fit.prior_model(value + rng.normal(0, sd, n))
        assert sd / 1.35 < found < sd * 1.35
        assert outliers <= 0.01
    prior = value + rng.normal(0, 0.3 * width, n)
    wild = rng.random(n) < 0.1
    prior[wild] = rng.uniform(0, 1, wild.sum())  # a tenth of the cells: no guide at all
    found, outliers = fit.prior_model(prior)
    assert 0.3 * width / 1.35 < found < 0.3 * width * 1.35
    assert outliers == pytest.approx(0.1)
    posterior = fit.posterior_with(prior, found, outliers)
    assert np.all((posterior >= lower[:, 2]) & (posterior <= lower[:, 2] + width))  # inside the one entry
    assert np.sqrt(np.mean((posterior - value) ** 2)) < 0.8 * np.sqrt(np.mean((fit.posterior() - value) ** 2))


def test_neighbour_mean_is_exact_on_a_plane_and_skips_gaps():
    y, x = np.mgrid[0:5, 0:6].astype(float)
    plane = 0.1 + 0.02 * x + 0.03 * y
    assert neighbour_mean(plane)[1:-1, 1:-1] == pytest.approx(plane[1:-1, 1:-1])
    plane[2, 3] = np.nan
    around = neighbour_mean(plane)
    assert around[2, 2] == pytest.approx(np.mean([plane[1, 2], plane[3, 2], plane[2, 1]]))
    assert np.isfinite(around[2, 3])


def test_a_blocky_field_is_not_fitted_on_its_blocks(tmp_path):
    """Values that step mostly every 4 cells (a coarse field drawn on a fine grid, as p_map_04 partly is)
    and only a little between: the lattice of blocks explains most changes, the cells' is right."""
    rng = np.random.default_rng(8)
    coarse = 0.2 + 0.6 * rng.random((CELLS[0] // 4, CELLS[1] // 4))
    field = np.repeat(np.repeat(coarse, 4, axis=0), 4, axis=1) + rng.integers(-2, 3, CELLS) / 256
    lut = np.floor(colormaps["YlGnBu"](np.arange(256))[:, :3] * 255).astype(np.uint8)
    entry = np.clip(np.floor(field * 256), 0, 255).astype(int)
    box = (23, 17, 493, 367)
    rows = ((np.arange(box[3] - box[1]) + 0.5) * CELLS[0] / (box[3] - box[1])).astype(int)
    cols = ((np.arange(box[2] - box[0]) + 0.5) * CELLS[1] / (box[2] - box[0])).astype(int)
    image = np.full((400, 520, 3), 255, np.uint8)
    image[box[1] : box[3], box[0] : box[2]] = lut[entry][rows][:, cols]
    path = tmp_path / "blocky.jpg"
    Image.fromarray(image).save(path, quality=75)
    scale = from_colormap(resolve_colormap("YlGnBu"), "linear", 0, 1)
    positions = raster_positions(*fit_inputs(path, box, scale))
    assert positions is not None
    centre = at_cell_centres(positions)  # on the cells: within an entry and a half, where blocks are 2 off
    assert np.sqrt(np.mean((centre - (entry + 0.5) / 256) ** 2)) < 1.5 / 256


def test_a_box_a_few_pixels_out_decodes_better_than_without_the_refinement(jet_figure):
    """A box read off by hand: 3 pixels too wide on every side, or 2 too narrow."""
    x0, y0, x1, y1 = jet_figure.box
    rows = y0 + np.floor((np.arange(CELLS[0]) + 0.5) * (y1 - y0) / CELLS[0]).astype(int)
    cols = x0 + np.floor((np.arange(CELLS[1]) + 0.5) * (x1 - x0) / CELLS[1]).astype(int)
    for delta in (-3, 2):
        box = [x0 + delta, y0 + delta, x1 - delta, y1 - delta]
        config = {"input": str(jet_figure.path), "box": box, "scale": {"cmap": "jet", "vmin": 0, "vmax": 1}}
        errors = []
        for decode_options in ({}, {"jpeg_refine": False}):
            value = chromagrid.run({**config, "decode": decode_options}).grid["value"].values
            errors.append(rmse(value[rows[:, None] - box[1], cols[None, :] - box[0]]))
        # measured: 0.0010 and 0.0011 against 0.0021 without the refinement
        assert errors[0] < 0.8 * errors[1]


def test_lines_over_a_jpeg_raster_take_their_cells_values_and_masked_cells_stay_empty(tmp_path):
    """A black coastline over a raster whose right quarter is masked (white): in ``overlays: fill`` the
    cells the line crosses get their value back at their centres; the masked cells stay without."""
    from PIL import ImageDraw

    lut = np.floor(colormaps["viridis"](np.arange(256))[:, :3] * 255).astype(np.uint8)
    field = smooth_field()
    masked = np.zeros(CELLS, bool)
    masked[:, 48:] = True
    box = (23, 17, 493, 367)
    rows = ((np.arange(box[3] - box[1]) + 0.5) * CELLS[0] / (box[3] - box[1])).astype(int)
    cols = ((np.arange(box[2] - box[0]) + 0.5) * CELLS[1] / (box[2] - box[0])).astype(int)
    colours = np.where(masked[..., None], 255, lut[np.minimum(np.floor(field * 256), 255).astype(int)])
    image = np.full((400, 520, 3), 255, np.uint8)
    image[box[1] : box[3], box[0] : box[2]] = colours[rows][:, cols]
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    edge = box[0] + 48 * (box[2] - box[0]) / CELLS[1]
    draw.line([(edge, box[1]), (edge, box[3])], fill=(0, 0, 0), width=3)  # the coast, along the mask
    draw.line([(box[0], 200), (box[2], 260)], fill=(0, 0, 0), width=3)  # and one across the data
    path = tmp_path / "coast.jpg"
    picture.save(path, quality=75)
    config = {"input": str(path), "box": list(box), "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}}
    centre_rows = ((np.arange(CELLS[0]) + 0.5) * (box[3] - box[1]) / CELLS[0]).astype(int)
    centre_cols = ((np.arange(CELLS[1]) + 0.5) * (box[2] - box[0]) / CELLS[1]).astype(int)
    filled = chromagrid.run(config).grid["value"].values[centre_rows[:, None], centre_cols[None, :]]
    assert np.isfinite(filled[~masked]).all()
    assert not np.isfinite(filled[masked]).any()
    assert np.sqrt(np.mean((filled[~masked] - field[~masked]) ** 2)) < 1.5 / 256
    kept = chromagrid.run({**config, "decode": {"overlays": "mask"}}).grid["value"].values
    line = ~np.isfinite(kept[centre_rows[:, None], centre_cols[None, :]]) & ~masked
    assert line.sum() >= 5  # the line's pixels stay no data there
