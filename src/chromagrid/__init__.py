"""chromagrid: turn colour-mapped figures back into data.

The package is laid out by stage, data flowing down (a stage never imports a
driver, and no two modules import each other):

==========================  ==========================================================
``chromagrid.io``           reading images; writing files safely
``chromagrid.scale``        colour scales: named colormaps, colour lists, colorbars
``chromagrid.decode``       colour to value, and its clean-ups (frame, gridlines,
                            margins, JPEG refinement, JPEG cell fit)
``chromagrid.heatmap``      cell heat maps: grid detection and one value per cell
``chromagrid.find``         what the figure holds: plot area, colorbar
``chromagrid.geo``          pixel to world coordinates: extents, axes, GCPs, warping
``chromagrid.reduce``       the field as a point cloud, and the checks of that
``chromagrid.export``       NetCDF, GeoTIFF and point files
drivers                     ``config``, ``pipeline``, ``tiles``, ``batch``, ``cli``
==========================  ==========================================================

Names are imported on first use, so ``import chromagrid`` stays cheap:

>>> import chromagrid
>>> result = chromagrid.digitize("figure.png", cmap="viridis", vmin=0, vmax=0.7,
...                              box=(80, 40, 620, 460))  # doctest: +SKIP
>>> result.grid["value"]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from chromagrid._version import __version__

#: Public name -> the module that defines it (imported on first access).
_PUBLIC = {
    "digitize": "chromagrid.pipeline",
    "run": "chromagrid.pipeline",
    "Result": "chromagrid.pipeline",
    "cells": "chromagrid.pipeline",
    "run_cells": "chromagrid.pipeline",
    "inspect_figure": "chromagrid.pipeline",
    "run_panels": "chromagrid.pipeline",
    "Found": "chromagrid.auto",
    "load_config": "chromagrid.config",
    "Config": "chromagrid.config",
    "CellsConfig": "chromagrid.config",
    "Reduce": "chromagrid.reduce.settings",
    "Tolerance": "chromagrid.reduce.settings",
    "ColorScale": "chromagrid.scale.colorscale",
    "from_colormap": "chromagrid.scale.colorscale",
    "from_colors": "chromagrid.scale.colorscale",
    "from_colorbar": "chromagrid.scale.colorscale",
    "list_colormaps": "chromagrid.scale.colorscale",
    "ChromagridError": "chromagrid.errors",
    "ConfigError": "chromagrid.errors",
    "ImageReadError": "chromagrid.errors",
    "ColorScaleError": "chromagrid.errors",
    "NotFoundError": "chromagrid.errors",
    "ChromagridWarning": "chromagrid.errors",
    "plan_batch": "chromagrid.batch",
    "run_batch": "chromagrid.batch",
    "run_tiled": "chromagrid.tiles",
    "CellsResult": "chromagrid.heatmap.cells",
}

__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names are resolved by __getattr__
    from chromagrid.auto import Found
    from chromagrid.batch import plan_batch, run_batch
    from chromagrid.config import CellsConfig, Config, load_config
    from chromagrid.errors import (
        ChromagridError,
        ChromagridWarning,
        ColorScaleError,
        ConfigError,
        ImageReadError,
        NotFoundError,
    )
    from chromagrid.heatmap.cells import CellsResult
    from chromagrid.pipeline import Result, cells, digitize, inspect_figure, run, run_cells, run_panels
    from chromagrid.reduce.settings import Reduce, Tolerance
    from chromagrid.scale.colorscale import ColorScale, from_colorbar, from_colormap, from_colors, list_colormaps
    from chromagrid.tiles import run_tiled


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'chromagrid' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
