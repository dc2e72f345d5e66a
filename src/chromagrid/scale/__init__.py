"""Colour scales: the ordered table of colours and the values they stand for.

Takes a colormap name (matplotlib, cmocean, crameri, colorcet, seaborn, cmap),
a list of colours, or a colorbar strip cut out of the image, with a norm
(linear, log, discrete boundaries); gives a :class:`ColorScale`. And the
other way: sampled colours (a colorbar, or a panel's own pixels) matched
against the whole catalogue, best candidates first (:func:`identify_colormap`).
"""

from chromagrid.scale.colorscale import (
    ColorScale,
    from_colorbar,
    from_colormap,
    from_colors,
    list_colormaps,
    resolve_colormap,
    suggest_colormaps,
)
from chromagrid.scale.identify import ColormapMatch, identify_colormap, identify_from_pixels

__all__ = [
    "ColorScale",
    "from_colormap",
    "from_colors",
    "from_colorbar",
    "list_colormaps",
    "resolve_colormap",
    "suggest_colormaps",
    "ColormapMatch",
    "identify_colormap",
    "identify_from_pixels",
]
