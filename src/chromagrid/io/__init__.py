"""Input and output of files: images in, outputs written safely.

Takes a path; gives an ``H x W x 3`` uint8 array with its opacity
(:func:`read_image`), and writes any output through a temporary file moved
into place only on success (:func:`atomic_output`).
"""

from chromagrid.io.files import atomic_output, format_from_suffix
from chromagrid.io.image import RasterImage, file_sha256, image_size, read_image

__all__ = ["RasterImage", "read_image", "image_size", "file_sha256", "atomic_output", "format_from_suffix"]
