"""Image stage: read any PNG / JPEG / TIFF / BMP into an H x W x 3 uint8 array.

Palette, grey, RGBA and 16-bit images are converted to 8-bit RGB; fully or
partly transparent pixels (alpha < 255) are marked as no data; EXIF
orientation is honoured; images over a pixel limit are refused before they are
decoded (decompression-bomb guard).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from chromagrid.errors import ImageReadError

#: Default refusal limit: 250 megapixels (about 750 MB as RGB).
DEFAULT_MAX_PIXELS = 250_000_000


@dataclass(frozen=True)
class RasterImage:
    """A decoded image.

    Attributes
    ----------
    rgb : numpy.ndarray
        H x W x 3 uint8 colours.
    opaque : numpy.ndarray or None
        H x W bool, False where the pixel was (partly) transparent; None when the
        image had no alpha channel.
    path : str
        The file it came from.
    sha256 : str
        SHA-256 of the file's bytes.

    Examples
    --------
    >>> im = read_image("examples/field.png")
    >>> im.rgb.shape, im.rgb.dtype.name, im.opaque is None, len(im.sha256)
    ((500, 730, 3), 'uint8', True, 64)
    """

    rgb: np.ndarray
    opaque: np.ndarray | None
    path: str
    sha256: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file's bytes.

    Parameters
    ----------
    path : path-like
        Any file.

    Returns
    -------
    str
        64 lowercase hexadecimal digits.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = path.write_bytes(b"hello")
    >>> file_sha256(path)
    '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _own_pixel_limit():
    """Switch off Pillow's decompression-bomb check: ``max_pixels`` (checked from the header) replaces it.

    Pillow refuses images over 2 x ``Image.MAX_IMAGE_PIXELS`` (about 179 MP) already in
    ``Image.open``, which would override a larger ``max_pixels`` the user asked for.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        saved_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved_limit


def _header_orientation(im: Image.Image) -> int:
    """The EXIF orientation tag, read without decoding the pixels.

    ``getexif()`` on a PNG decodes the whole image to look for an eXIf chunk
    after the pixel data; only a chunk before them (where Pillow and most
    writers put it) is read here. The pipeline checks boxes again against the
    decoded image, so a late chunk cannot slip a box past the check.
    """
    if im.format == "PNG" and "exif" not in im.info:
        return 1
    return im.getexif().get(0x0112, 1)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ImageReadError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a folder, not an image file")
    if path.stat().st_size == 0:
        raise ImageReadError(f"{path}: file is empty (0 bytes)")


def image_size(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Read only the header: (width, height) after EXIF orientation.

    Parameters
    ----------
    path : path-like
        PNG, JPEG, TIFF or BMP file.
    max_pixels : int
        Refuse images with more pixels than this.

    Returns
    -------
    tuple of int
        (width, height) in pixels, as the image is shown.

    Raises
    ------
    ImageReadError
        If the file is missing, empty, not an image, or larger than ``max_pixels``.

    Examples
    --------
    >>> image_size("examples/field.png")
    (730, 500)
    >>> image_size("examples/field.png", max_pixels=1000)
    Traceback (most recent call last):
    ...
    chromagrid.errors.ImageReadError: examples/field.png: ...
    """
    path = Path(path)
    _check_readable(path)
    try:
        with _own_pixel_limit(), Image.open(path) as im:
            width, height = im.size
            orientation = _header_orientation(im)
    except UnidentifiedImageError:
        raise ImageReadError(f"{path}: not a readable image (PNG, JPEG, TIFF or BMP expected)") from None
    except OSError as e:
        raise ImageReadError(f"{path}: cannot read image header ({e})") from None
    if orientation in (5, 6, 7, 8):  # rotated by 90 degrees
        width, height = height, width
    _check_pixel_limit(path, width, height, max_pixels)
    return width, height


def _check_pixel_limit(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageReadError(
            f"{path}: image has {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,}; raise image.max_pixels (--max-pixels) if you trust this file"
        )


def _to_rgb(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any Pillow mode to (uint8 RGB, opaque mask or None)."""
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit (or 32-bit integer) grey: scale to 8 bits by the type's full range
        arr = np.asarray(im, dtype=np.float64)
        full = 65535.0 if im.mode.startswith("I;16") or arr.max() <= 65535 else float(arr.max())
        grey = np.clip(np.floor(arr / full * 255.0 + 0.5), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2), None
    if im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        grey = np.clip(np.floor(arr * 255.0 + 0.5), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2), None
    if im.mode in ("LA", "PA", "RGBA", "RGBa", "La"):
        rgba = np.asarray(im.convert("RGBA"))
        return np.ascontiguousarray(rgba[..., :3]), rgba[..., 3] == 255
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im), None


def open_decoded(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open and fully decode an image with Pillow, EXIF orientation applied.

    Raises
    ------
    ImageReadError
        One line naming the file and the problem (see :func:`read_image`).
    """
    path = Path(path)
    image_size(path, max_pixels)
    try:
        with _own_pixel_limit():
            im: Image.Image = Image.open(path)
            im.load()
            if im.getexif().get(0x0112, 1) != 1:
                im = ImageOps.exif_transpose(im)
            return im
    except (OSError, SyntaxError, ValueError) as e:
        message = str(e)
        if "truncated" in message or "broken" in message or "EOF" in message:
            raise ImageReadError(f"{path}: image file is truncated or corrupt ({message})") from None
        raise ImageReadError(f"{path}: cannot decode image ({message})") from None


def read_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> RasterImage:
    """Read an image file into 8-bit RGB.

    Parameters
    ----------
    path : path-like
        PNG, JPEG, TIFF or BMP file.
    max_pixels : int
        Refuse images with more pixels than this, before decoding them.

    Returns
    -------
    RasterImage

    Raises
    ------
    ImageReadError
        One line naming the file and the problem: missing, empty, truncated,
        not an image, or over the pixel limit.

    Examples
    --------
    >>> im = read_image("examples/heatmap.png")
    >>> im.rgb.ndim, im.rgb.shape[2], im.rgb.dtype.name
    (3, 3, 'uint8')
    """
    path = Path(path)
    im = open_decoded(path, max_pixels)
    try:
        rgb, opaque = _to_rgb(im)
    finally:
        im.close()
    if opaque is not None and opaque.all():
        opaque = None
    return RasterImage(rgb=rgb, opaque=opaque, path=str(path), sha256=file_sha256(path))
