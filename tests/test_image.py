"""Image stage: every format and mode a user may hand in, and every way a file can be bad."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from conftest import draw_figure, smooth_field, truth_per_pixel
from matplotlib.colors import Normalize
from PIL import Image

import chromagrid
from chromagrid.errors import ImageReadError
from chromagrid.io.image import file_sha256, image_size, read_image

BIN = 0.7 / 256  # one viridis bin over [0, 0.7]


def _blocks(height: int = 40, width: int = 60) -> np.ndarray:
    """An RGB test card of flat blocks (distinct colours per quadrant), robust to JPEG."""
    img = np.zeros((height, width, 3), np.uint8)
    img[: height // 2, : width // 2] = (220, 30, 30)
    img[: height // 2, width // 2 :] = (30, 200, 40)
    img[height // 2 :, : width // 2] = (40, 60, 220)
    img[height // 2 :, width // 2 :] = (240, 220, 40)
    return img


# --------------------------------------------------------------------------- formats
@pytest.mark.parametrize(
    "suffix, save",
    [
        (".png", {}),
        (".tif", {"compression": "tiff_deflate"}),
        (".bmp", {}),
        (".jpg", {"quality": 95}),
    ],
)
def test_formats_decode_to_the_drawn_values(tmp_path, field_figure, suffix, save):
    fig, data, (vmin, vmax) = field_figure
    reference = np.asarray(Image.open(fig.path).convert("RGB"))
    path = tmp_path / f"converted{suffix}"
    Image.fromarray(reference).save(path, **save)

    image = read_image(path)
    assert image.rgb.dtype == np.uint8 and image.rgb.shape == reference.shape
    assert image.opaque is None
    assert image.sha256 == file_sha256(path)
    if suffix == ".jpg":
        assert np.abs(image.rgb.astype(int) - reference).mean() < 3
    else:
        np.testing.assert_array_equal(image.rgb, reference)

    result = chromagrid.digitize(path, cmap="viridis", vmin=vmin, vmax=vmax, box=fig.box)
    value = result.grid["value"].values
    truth = truth_per_pixel(data, value.shape, margin=0.2 if suffix == ".jpg" else 0.0)
    error = np.abs(value - truth)
    if suffix == ".jpg":  # lossy: most pixels within a few bins, and nearly all decoded
        assert np.isfinite(value).mean() > 0.97
        assert np.nanmedian(error) < 3 * BIN
    else:
        assert np.isfinite(value).all()
        assert np.nanmax(error) <= BIN


def test_matplotlib_png_is_rgba_but_opaque(field_figure):
    fig, _, _ = field_figure
    with Image.open(fig.path) as im:
        assert im.mode == "RGBA"  # what savefig writes
    assert read_image(fig.path).opaque is None  # every alpha is 255: no mask needed


# --------------------------------------------------------------------------- modes
def test_palette_image(tmp_path):
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 128, 255], [250, 250, 10]], np.uint8)
    index = (np.arange(30 * 50).reshape(30, 50) // 7) % len(palette)
    im = Image.fromarray(index.astype(np.uint8), mode="P")
    im.putpalette(palette.ravel().tolist())
    im.save(tmp_path / "p.png")
    with Image.open(tmp_path / "p.png") as check:
        assert check.mode == "P"
    image = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(image.rgb, palette[index])
    assert image.opaque is None


def test_palette_with_transparent_index(tmp_path):
    palette = np.array([[10, 20, 30], [200, 100, 0], [255, 255, 255]], np.uint8)
    index = (np.arange(20 * 20).reshape(20, 20) % 3).astype(np.uint8)
    im = Image.fromarray(index, mode="P")
    im.putpalette(palette.ravel().tolist())
    im.save(tmp_path / "pt.png", transparency=2)
    image = read_image(tmp_path / "pt.png")
    np.testing.assert_array_equal(image.opaque, index != 2)
    np.testing.assert_array_equal(image.rgb[index != 2], palette[index[index != 2]])


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".jpg"])
def test_grey_image(tmp_path, suffix):
    grey = (np.arange(24 * 32).reshape(24, 32) % 256).astype(np.uint8)
    if suffix == ".jpg":
        grey = np.kron(np.array([[0, 80], [160, 255]], np.uint8), np.ones((16, 16), np.uint8))
    Image.fromarray(grey, mode="L").save(tmp_path / f"g{suffix}", **({"quality": 95} if suffix == ".jpg" else {}))
    image = read_image(tmp_path / f"g{suffix}")
    assert image.rgb.shape == grey.shape + (3,)
    tolerance = 4 if suffix == ".jpg" else 0
    for channel in range(3):
        assert np.abs(image.rgb[..., channel].astype(int) - grey).max() <= tolerance


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16_bit_grey(tmp_path, suffix):
    grey16 = np.array([[0, 257, 65535], [32768, 1000, 65280]], np.uint16).repeat(4, 0).repeat(4, 1)
    Image.fromarray(grey16).save(tmp_path / f"g16{suffix}")
    with Image.open(tmp_path / f"g16{suffix}") as check:
        assert check.mode.startswith("I")  # really 16-bit on disk
    image = read_image(tmp_path / f"g16{suffix}")
    expected = np.round(grey16 / 65535.0 * 255.0).astype(np.uint8)  # full 16-bit range onto 8 bits
    for channel in range(3):
        np.testing.assert_array_equal(image.rgb[..., channel], expected)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_16_bit_rgb_png(tmp_path):
    import rasterio

    # rasterio's PNG driver writes true 16-bit RGB, which Pillow cannot
    rgb8 = _blocks(16, 24)
    rgb16 = rgb8.astype(np.uint16) * 257  # the 16-bit colour of each 8-bit one
    with rasterio.open(tmp_path / "rgb16.png", "w", driver="PNG", width=24, height=16, count=3, dtype="uint16") as dst:
        dst.write(rgb16.transpose(2, 0, 1))
    np.testing.assert_array_equal(read_image(tmp_path / "rgb16.png").rgb, rgb8)


def test_transparent_pixels_are_no_data(tmp_path):
    """A figure saved with transparent=True: NaN cells show no background, so they must be no data."""
    data = smooth_field(30, 40, 0.0, 0.7)
    data[5:15, 10:25] = np.nan
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 0.7), save_kwargs={"transparent": True})
    image = read_image(fig.path)
    x0, y0, x1, y1 = fig.box
    truth = truth_per_pixel(data, (y1 - y0, x1 - x0))
    assert image.opaque is not None
    np.testing.assert_array_equal(image.opaque[y0:y1, x0:x1], np.isfinite(truth))

    value = chromagrid.digitize(fig.path, cmap="viridis", vmin=0, vmax=0.7, box=fig.box).grid["value"].values
    np.testing.assert_array_equal(np.isnan(value), np.isnan(truth))
    assert np.nanmax(np.abs(value - truth)) <= BIN


def test_partly_transparent_pixels_are_no_data(tmp_path):
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., :3] = (68, 1, 84)  # viridis' first colour everywhere
    rgba[..., 3] = 255
    rgba[2:4, 3:9, 3] = 0
    rgba[6, :, 3] = 128
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    image = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(image.opaque, rgba[..., 3] == 255)
    value = chromagrid.digitize(tmp_path / "a.png", cmap="viridis", vmin=0, vmax=1).grid["value"].values
    np.testing.assert_array_equal(np.isnan(value), rgba[..., 3] < 255)


# --------------------------------------------------------------------------- EXIF orientation
@pytest.mark.parametrize("orientation, turn", [(3, 2), (6, -1), (8, 1)])
def test_exif_orientation_is_honoured(tmp_path, orientation, turn):
    """Orientation 6 means "rotate 90 degrees clockwise to display" (np.rot90 k=-1); 8 counter-clockwise; 3 half turn."""
    stored = _blocks(40, 60)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif)

    shown = np.rot90(stored, k=turn)
    assert image_size(path) == (shown.shape[1], shown.shape[0])
    image = read_image(path)
    assert image.rgb.shape == shown.shape
    # compare block interiors (JPEG smears the block edges)
    h, w = shown.shape[:2]
    for r in (h // 4, 3 * h // 4):
        for c in (w // 4, 3 * w // 4):
            assert np.abs(image.rgb[r, c].astype(int) - shown[r, c]).max() <= 6


def test_box_is_checked_against_the_rotated_size(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rot.jpg"
    Image.fromarray(_blocks(40, 60)).save(path, quality=95, exif=exif)  # shown 40 wide, 60 tall
    result = chromagrid.digitize(path, colors=["#dc1e1e", "#1ec828"], values=[0, 1], box=(0, 0, 40, 60))
    assert result.grid["value"].shape == (60, 40)
    with pytest.raises(chromagrid.ConfigError, match="box"):
        chromagrid.digitize(path, colors=["#dc1e1e", "#1ec828"], values=[0, 1], box=(0, 0, 60, 40))


# --------------------------------------------------------------------------- bad files
def _bad_file(tmp_path, kind: str, field_png):
    if kind == "missing":
        return tmp_path / "nothing-here.png"
    path = tmp_path / f"bad-{kind}.png"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        data = field_png.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "truncated-jpeg":
        path = tmp_path / "bad-truncated.jpg"
        Image.open(field_png).convert("RGB").save(path, quality=90)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "not-an-image":
        path.write_text("x,y,value\n1,2,3\n")
    elif kind == "folder":
        path.mkdir()
    return path


BAD_KINDS = {
    "missing": "not found",
    "empty": "empty",
    "truncated": "truncated",
    "truncated-jpeg": "truncated",
    "not-an-image": "not a readable image",
    "folder": "folder",
}


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path, field_figure, kind):
    path = _bad_file(tmp_path, kind, field_figure[0].path)
    with pytest.raises(ImageReadError) as info:
        read_image(path)
    message = str(info.value)
    assert "\n" not in message
    assert path.name in message
    assert BAD_KINDS[kind] in message


def test_over_the_pixel_limit(tmp_path, field_figure):
    path = field_figure[0].path  # 400 x 300 = 120,000 pixels
    with pytest.raises(ImageReadError, match=r"figure\.png: image has 400x300 = 120,000 pixels, over the limit"):
        read_image(path, max_pixels=100_000)
    assert read_image(path, max_pixels=120_000).size == (400, 300)


def test_pixel_limit_is_checked_from_the_header(tmp_path):
    """A BMP header claiming 15000 x 15000 pixels and holding none: refused before any decoding.

    225 megapixels is also over Pillow's own bomb limit (179 MP), which must not override ours.
    """
    width = height = 15000
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    path = tmp_path / "huge.bmp"
    path.write_bytes(b"BM" + struct.pack("<IHHI", 14 + 40 + 16, 0, 0, 54) + info + b"\0" * 16)
    assert image_size(path) == (15000, 15000)  # within the default 250 MP limit
    with pytest.raises(ImageReadError, match="huge.bmp: image has 15000x15000 = 225,000,000 pixels"):
        read_image(path, max_pixels=200_000_000)
    with pytest.raises(ImageReadError, match=r"over the limit of 1,000,000; raise image.max_pixels"):
        chromagrid.digitize(path, cmap="viridis", vmin=0, vmax=1, max_pixels=1_000_000)
