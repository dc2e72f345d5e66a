"""The axes frame along the plot box's edges: found, taken out, and the same in tiled runs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import draw_figure
from matplotlib.colors import Normalize
from PIL import Image

import chromagrid
from chromagrid import pipeline, tiles
from chromagrid.config import validate_config
from chromagrid.decode.frame import Frame, find_frame
from chromagrid.io.image import read_image
from chromagrid.scale.colorscale import from_colormap

CELL = 4  # pixels per data cell: the box is 240 x 240 pixels


def known_cells() -> np.ndarray:
    y, x = np.mgrid[0:60, 0:60]
    return 0.5 + 0.4 * np.sin(x / 7.0) * np.cos(y / 9.0)


@pytest.fixture
def greys_figure(tmp_path):
    """Greys (its top colour is the frame's black) drawn in 4-pixel cells inside a black axes frame."""
    return draw_figure(
        tmp_path,
        known_cells(),
        "Greys",
        Normalize(0, 1),
        frame=True,
        size=(400, 300),
        axes=(0.1, 0.1, 0.6, 0.8),
        colorbar=None,
    )


def errors(value: np.ndarray, depth: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """|decoded - drawn| on the ``depth`` outermost lines of pixels of the box, and inside them."""
    error = np.abs(value - np.kron(known_cells(), np.ones((CELL, CELL))))
    edge = np.zeros(error.shape, bool)
    edge[:depth] = edge[-depth:] = edge[:, :depth] = edge[:, -depth:] = True
    return error[edge], error[~edge]


def test_frame_found_on_every_side(greys_figure):
    rgb = read_image(greys_figure.path).rgb
    frame = find_frame(rgb, greys_figure.box)
    # matplotlib's 1.1 px frame: a whole line inside the box, or just outside it with a blended line inside
    for lines, blend in zip(frame.lines, frame.blend):
        assert lines >= 1 or blend > 0.03
    assert all(lines <= 2 for lines in frame.lines)
    assert all(np.allclose(colour, 0, atol=2) for colour in frame.colour)


def test_edge_pixels_decode_as_well_as_inner_ones_only_with_the_frame_taken_out(greys_figure):
    config = {
        "input": str(greys_figure.path),
        "box": list(greys_figure.box),
        "scale": {"cmap": "Greys", "vmin": 0, "vmax": 1},
    }
    edge, inner = errors(chromagrid.run(config).grid["value"].values)
    # inside: 8-bit colours that several of Greys' 256 entries share decode to their mean (up to ~3 entries off)
    assert inner.max() < 3 / 256
    assert edge.max() <= inner.max() + 0.5 / 256
    edge, _ = errors(chromagrid.run({**config, "decode": {"overlays": "keep"}}).grid["value"].values)
    assert edge.max() > 0.3  # the frame's black decodes as Greys' top value


def test_no_frame_on_a_frameless_image_with_a_uniform_edge(tmp_path):
    """A first column of one colour next to a smooth gradient is data, not a frame."""
    y, x = np.mgrid[0:100, 0:120]
    data = (np.sin(x / 9) * np.cos(y / 13) + 1) / 2  # column 0 is 0.5 all the way down
    path = tmp_path / "field.png"
    import matplotlib.pyplot as plt

    plt.imsave(path, data, cmap="viridis", vmin=0, vmax=1)
    rgb = np.asarray(Image.open(path).convert("RGB"))
    assert not find_frame(rgb, (0, 0, 120, 100))


def test_unblend_restores_a_blended_line():
    rng = np.random.default_rng(0)
    data = rng.integers(40, 220, size=(6, 8, 3)).astype(np.uint8)
    blended = data.copy()
    blended[0] = np.rint(0.2 * 0 + 0.8 * data[0].astype(float)).astype(np.uint8)  # a black frame's edge
    frame = Frame(lines=(0, 0, 0, 0), blend=(0.2, 0.0, 0.0, 0.0))
    restored = frame.unblend(blended)
    assert np.abs(restored.astype(int) - data.astype(int)).max() <= 1
    assert np.array_equal(restored[1:], data[1:])


def test_fill_and_covered_take_the_first_line_inside():
    grid = np.arange(30, dtype=np.float32).reshape(5, 6)
    frame = Frame(lines=(1, 2, 1, 0))
    covered = frame.covered(grid.shape)
    assert covered.sum() == 6 + 12 + 2  # top row, two bottom rows, the left column between them
    filled = frame.fill(grid)
    assert np.array_equal(filled[0, 1:], grid[1, 1:])
    assert np.array_equal(filled[3:, 1:], np.broadcast_to(grid[2, 1:], (2, 5)))
    assert np.array_equal(filled[:, 0], filled[:, 1])


@pytest.mark.parametrize("overlays", ["fill", "mask"])
def test_tiled_decode_takes_the_frame_out_as_the_untiled_one(greys_figure, overlays):
    image = read_image(greys_figure.path)
    box = greys_figure.box
    x0, y0, x1, y1 = box
    cfg = validate_config(
        {
            "input": str(greys_figure.path),
            "scale": {"cmap": "Greys", "vmin": 0, "vmax": 1},
            "decode": {"overlays": overlays},
        }
    )
    scale = from_colormap("Greys", "linear", 0, 1)
    whole = pipeline.decode_box(cfg, image.rgb[y0:y1, x0:x1], scale, frame=find_frame(image.rgb, box))
    tiled = tiles.decode_tiled(tiles.TiledImage.from_arrays(image.rgb), scale, cfg, box, tile=37)
    assert np.array_equal(tiled.value.compute(), whole.value, equal_nan=True)
    if overlays == "mask":
        assert np.isnan(whole.value[0]).all() or np.isnan(whole.value[:, 0]).all()


@pytest.fixture
def ticks_in_figure(tmp_path):
    """Light Greys (values over 0..2) in 4-pixel cells, the frame's tick marks drawn inward over the data
    (bottom and left)."""
    import matplotlib.pyplot as plt
    from conftest import pixel_box

    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 0.6, 0.8))
    ax.imshow(known_cells(), cmap="Greys", norm=Normalize(0, 2), interpolation="nearest", aspect="auto")
    ax.tick_params(direction="in")
    box = pixel_box(fig, ax)
    path = tmp_path / "ticks.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path, box


def test_inward_tick_marks_are_found_and_interpolated_across(ticks_in_figure):
    path, box = ticks_in_figure
    frame = find_frame(read_image(path).rgb, box)
    top, bottom, left, right = frame.ticks
    assert not top and not right  # matplotlib's default: ticks on the bottom and left only
    assert len(left) >= 4
    assert len({depth for _, _, depth in left}) <= 2  # one length (within a pixel)
    config = {"input": str(path), "box": list(box), "scale": {"cmap": "Greys", "vmin": 0, "vmax": 2}}
    edge, inner = errors(chromagrid.run(config).grid["value"].values, depth=8)
    # under a tick, interpolated across from the cells on its two sides: off by up to about the step between
    # neighbouring cells (0.4 / 7 = 0.057 at most here)
    assert edge.max() < 0.07 and np.mean(edge) < 2 * np.mean(inner)
    edge, _ = errors(chromagrid.run({**config, "decode": {"overlays": "keep"}}).grid["value"].values, depth=8)
    assert edge.max() > 0.3  # a tick's black decodes as Greys' top value


def test_no_tick_marks_where_there_are_none(greys_figure):
    assert not any(find_frame(read_image(greys_figure.path).rgb, greys_figure.box).ticks)


def test_tiled_decode_takes_tick_marks_out_as_the_untiled_one(ticks_in_figure):
    path, box = ticks_in_figure
    image = read_image(path)
    x0, y0, x1, y1 = box
    cfg = validate_config({"input": str(path), "scale": {"cmap": "Greys", "vmin": 0, "vmax": 2}})
    scale = from_colormap("Greys", "linear", 0, 2)
    frame = find_frame(image.rgb, box)
    assert any(frame.ticks)
    whole = pipeline.decode_box(cfg, image.rgb[y0:y1, x0:x1], scale, frame=frame)
    tiled = tiles.decode_tiled(tiles.TiledImage.from_arrays(image.rgb), scale, cfg, box, tile=37)
    assert np.array_equal(tiled.value.compute(), whole.value, equal_nan=True)


def test_tick_marks_alone_are_covered_and_filled():
    """A frame just outside the box (no line inside it) can still have tick marks reaching in."""
    frame = Frame(blend=(0.0, 0.06, 0.0, 0.0), ticks=((), ((4, 7, 5), (14, 17, 5), (24, 27, 5)), (), ()))
    assert frame
    grid = np.add.outer(np.arange(12.0), np.arange(30.0))  # a plane: interpolation across is exact
    covered = frame.covered(grid.shape)
    assert covered.sum() == 3 * 3 * 5 and covered[-5:, 4:7].all() and not covered[:-5].any()
    holed = np.where(covered, np.nan, grid)
    assert np.allclose(frame.fill(holed), grid)
