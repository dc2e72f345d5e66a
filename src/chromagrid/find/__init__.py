"""Find stage: what the figure holds, from the image itself.

Takes the image array; gives the plot area and the colorbar as pixel boxes
(:func:`find_plot_box`, given a colour scale), each with notes on how it was
found.
"""
from chromagrid.find.region import PlotRegion, RegionNotFoundError, background_color, find_plot_box

__all__ = ["PlotRegion", "find_plot_box", "background_color", "RegionNotFoundError"]
