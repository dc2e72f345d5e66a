"""The JPEG's own geometry: its 8 x 8 blocks, the JFIF colour transform and the 4:2:0 chroma averaging.

Shared by the DCT refinement (:mod:`chromagrid.decode.jpeg`) and the cell fit
(:mod:`chromagrid.decode.cellfit`); pure numpy.
"""

from __future__ import annotations

import numpy as np

#: RGB -> YCbCr (JFIF, full range), and back.
JFIF = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_JFIF_INVERSE = np.linalg.inv(JFIF)


def blocks(plane: np.ndarray) -> np.ndarray:
    """A plane as its 8 x 8 blocks, (rows, columns, 8, 8) (a view)."""
    h, w = plane.shape
    return plane.reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2)


def unblocks(tiles: np.ndarray) -> np.ndarray:
    """8 x 8 blocks, (rows, columns, 8, 8), back to a plane."""
    n, m = tiles.shape[:2]
    return tiles.swapaxes(1, 2).reshape(n * 8, m * 8)


def halve(plane: np.ndarray) -> np.ndarray:
    """2 x 2 means (the encoder's chroma downsampling)."""
    return (plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]) * 0.25
