"""Find stage: what the figure holds, from the image itself.

Takes the image array; gives every panel's plot area and every colorbar (with
its colours sampled from the low end to the high end and the panels it serves)
without knowing the colormap (:func:`find_layout`); the text drawn in it, read
by OCR, and the numbers that text states (:func:`read_text`,
:func:`parse_number`); the tick marks and labels of a colorbar and of a panel's
axes, fitted to a linear or log scale (:func:`read_colorbar_ticks`,
:func:`read_axes`); and, given a colour scale, the plot box found by its
colours (:func:`find_plot_box`). Each finding carries its evidence and a
confidence.
"""

from chromagrid.find.layout import Colorbar, Panel, find_colorbars, find_layout, find_panels
from chromagrid.find.ocr import TextBox, parse_degrees, parse_number, read_text
from chromagrid.find.region import PlotRegion, RegionNotFoundError, background_color, find_plot_box
from chromagrid.find.ticks import AxesScale, ColorbarScale, Tick, TickFit, fit_ticks, read_axes, read_colorbar_ticks

__all__ = [
    "Panel",
    "Colorbar",
    "find_panels",
    "find_colorbars",
    "find_layout",
    "TextBox",
    "read_text",
    "parse_number",
    "parse_degrees",
    "PlotRegion",
    "find_plot_box",
    "background_color",
    "RegionNotFoundError",
    "Tick",
    "TickFit",
    "fit_ticks",
    "ColorbarScale",
    "read_colorbar_ticks",
    "AxesScale",
    "read_axes",
]
