"""chromagrid: turn colour-mapped figures back into data.

>>> import chromagrid
>>> result = chromagrid.digitize("figure.png", cmap="viridis", vmin=0, vmax=0.7, box=(80, 40, 620, 460))
>>> result.grid["value"]
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chromagrid")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

from .colorscale import ColorScale, from_colorbar, from_colormap, from_colors, list_colormaps  # noqa: E402
from .config import Config, load_config  # noqa: E402
from .config import Reduce, Tolerance  # noqa: E402
from .errors import ChromagridError, ColorScaleError, ConfigError, ImageReadError  # noqa: E402
from .pipeline import Result, digitize, run  # noqa: E402
from .batch import plan_batch, run_batch  # noqa: E402  (dask is imported only when a batch runs)
from .tiles import run_tiled  # noqa: E402
# `cells` is the cells-stage module, callable as chromagrid.pipeline.cells: chromagrid.cells("heatmap.png", ...)
from . import cells  # noqa: E402
from .cells import CellsResult  # noqa: E402
from .config import CellsConfig  # noqa: E402
from .pipeline import run_cells  # noqa: E402

__all__ = [
    "__version__", "digitize", "run", "load_config", "Config", "Result", "ColorScale",
    "from_colormap", "from_colors", "from_colorbar", "list_colormaps",
    "ChromagridError", "ConfigError", "ImageReadError", "ColorScaleError",
    "Reduce", "Tolerance",
    "plan_batch", "run_batch", "run_tiled",
    "cells", "run_cells", "CellsResult", "CellsConfig",
]
