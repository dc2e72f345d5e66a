"""Decode stage: colour to value, and the clean-ups of what is drawn over the data.

Takes the plot box's pixels and a :class:`~chromagrid.scale.ColorScale`; gives
:class:`Decoded` (value and colour distance per pixel, far colours masked).
The clean-ups, each a module here: the axes frame (``frame``), gridlines
(``gridlines``), text and lines (``core.clean_overlays``), the margins that
resampling leaves around masks (``interpolated``), and for JPEG figures the
refinement against the file's DCT coefficients (``jpeg``, ``dct``) and the fit
of whole cells (``cellfit``).
"""

from chromagrid.decode.core import Decoded, clean_overlays, decode, pack_rgb, smooth_values, to_lab, unpack_rgb
from chromagrid.decode.frame import Frame, find_frame
from chromagrid.decode.gridlines import Gridlines, find_gridlines
from chromagrid.decode.interpolated import restore_margins
from chromagrid.decode.jpeg import refine

__all__ = [
    "Decoded",
    "decode",
    "clean_overlays",
    "smooth_values",
    "pack_rgb",
    "unpack_rgb",
    "to_lab",
    "Frame",
    "find_frame",
    "Gridlines",
    "find_gridlines",
    "restore_margins",
    "refine",
]
