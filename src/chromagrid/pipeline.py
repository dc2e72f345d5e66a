"""The pipeline: config in, grid (and files) out. Stages never read files; this does."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .colorscale import ColorScale, from_colorbar, from_colormap, from_colors
from .config import Config, check_against_image, load_config, validate_config
from .decode import Decoded, decode
from .errors import ChromagridError
from .export import write_grid
from .georef import extent_transform, make_grid, parse_crs, pixel_transform
from .image import RasterImage, image_size, read_image


@dataclass
class Result:
    """What one run gives back.

    Attributes
    ----------
    grid : xarray.Dataset
        ``value`` (float32, NaN = no data) and optionally ``distance`` on (y, x).
    scale : ColorScale
        The colour scale used.
    config : Config
        The fully resolved config.
    box : tuple of int
        The plot box decoded, x0 y0 x1 y1.
    masked_fraction : float
        Share of the box's pixels that got no value.
    distance_stats : dict
        Colour distance (delta E) over the pixels that got a value: mean, p50, p95, max.
    outputs : list of Path
        Files written.
    """

    grid: xr.Dataset
    scale: ColorScale
    config: Config
    box: tuple[int, int, int, int]
    masked_fraction: float
    distance_stats: dict
    outputs: list[Path] = field(default_factory=list)

    @property
    def value(self) -> xr.DataArray:
        """The decoded values (``grid["value"]``)."""
        return self.grid["value"]

    def summary(self) -> dict:
        """JSON-able numbers describing the run."""
        return {
            "input": str(self.config.input),
            "box": list(self.box),
            "shape": list(self.grid["value"].shape),
            "masked_fraction": self.masked_fraction,
            "distance": self.distance_stats,
            "outputs": [str(p) for p in self.outputs],
        }


def build_scale(config: Config, rgb: np.ndarray) -> ColorScale:
    """The colour scale a config asks for (the colorbar is sampled from ``rgb``)."""
    s = config.scale
    vmin, vmax = s.value_range
    if s.cmap is not None:
        return from_colormap(s.cmap, s.norm, vmin, vmax, s.boundaries, ncolors=s.ncolors)
    if s.colors is not None:
        return from_colors(s.colors, s.values, s.norm, vmin, vmax, s.boundaries)
    return from_colorbar(rgb, s.colorbar_box, vmin, vmax, s.norm, s.boundaries, s.colorbar_orientation)


def distance_statistics(decoded: Decoded) -> dict:
    """Mean, median, 95th percentile and max colour distance over valid pixels."""
    d = decoded.distance[decoded.valid]
    if d.size == 0:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    p50, p95 = np.percentile(d, [50, 95])
    return {"mean": float(d.mean()), "p50": float(p50), "p95": float(p95), "max": float(d.max())}


def provenance(config: Config, image: RasterImage, scale: ColorScale, box) -> dict:
    """Global attributes: CF basics, the source figure, the scale and the full config."""
    name = Path(image.path).name
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Conventions": "CF-1.11",
        "title": config.title or f"Values decoded from {name}",
        "source": f"chromagrid {__version__} from the colour-mapped figure {name}",
        "history": f"{now}: chromagrid {__version__} decoded {name}",
        "chromagrid_version": __version__,
        "source_image": name,
        "source_image_sha256": image.sha256,
        "plot_box": json.dumps(list(box)),
        "colorscale": json.dumps(scale.describe()),
        "colormap": scale.name,
        "norm": scale.norm,
        "vmin": scale.vmin,
        "vmax": scale.vmax,
        "chromagrid_config": json.dumps(config.resolved(), sort_keys=True),
    }


def run(config: Config | dict | str | os.PathLike) -> Result:
    """Run the pipeline on one figure.

    Parameters
    ----------
    config : Config, dict, or path to a YAML/TOML file

    Returns
    -------
    Result

    Raises
    ------
    ChromagridError
        For any problem with the input, before anything is written.
    """
    if isinstance(config, (str, os.PathLike)):
        config = load_config(config)
    elif isinstance(config, dict):
        config = validate_config(config)
    width, height = image_size(config.input, config.image.max_pixels)
    check_against_image(config, width, height)
    image = read_image(config.input, config.image.max_pixels)
    box = config.box or (0, 0, width, height)
    x0, y0, x1, y1 = box
    scale = build_scale(config, image.rgb)
    opaque = image.opaque[y0:y1, x0:x1] if image.opaque is not None else None
    decoded = decode(image.rgb[y0:y1, x0:x1], scale, config.decode.max_distance, opaque)
    valid = decoded.valid
    if not valid.any():
        raise ChromagridError(
            f"{config.input}: no pixel in box {list(box)} is within delta E {config.decode.max_distance} of the "
            f"colour scale '{scale.name}'; check the colormap, its reversal (_r), the box, or raise "
            "decode.max_distance")
    georef = config.georef
    if georef.extent is not None:
        transform = extent_transform(georef.extent, x1 - x0, y1 - y0)
    else:
        transform = pixel_transform(box)
    crs = parse_crs(georef.crs) if georef.crs else None
    grid = make_grid(decoded.value, transform, crs,
                     distance=decoded.distance if config.decode.keep_distance else None,
                     attrs=provenance(config, image, scale, box), units=config.units)
    result = Result(grid=grid, scale=scale, config=config, box=tuple(box),
                    masked_fraction=float(1.0 - valid.mean()), distance_stats=distance_statistics(decoded))
    for path in config.output:
        result.outputs.append(write_grid(grid, path))
    return result


def digitize(image: str | os.PathLike, *, cmap: str | None = None, vmin: float | None = None,
             vmax: float | None = None, box=None, norm: str = "linear", boundaries=None,
             ncolors: int | None = None, colors=None, values=None, colorbar_box=None,
             colorbar_range=None, colorbar_orientation: str | None = None, extent=None,
             crs: str | None = None, max_distance: float | None = None, output=None,
             units: str | None = None, title: str | None = None) -> Result:
    """Decode one colour-mapped figure into a grid.

    Parameters
    ----------
    image : path-like
        PNG, JPEG, TIFF or BMP.
    cmap : str, optional
        Colormap name (``viridis``, ``RdBu_r``, ``cmocean:thermal``, ``crameri:batlow``).
    vmin, vmax : float
        The value range of the colour scale.
    box : (x0, y0, x1, y1), optional
        Plot area in image pixels (x1, y1 exclusive); the whole image when omitted.
    norm : {"linear", "log", "discrete"}
    boundaries : sequence of float, optional
        Interval edges for ``norm="discrete"``.
    ncolors : int, optional
        Resample the colormap to this many colours.
    colors, values : optional
        An explicit colour list (and each colour's value) instead of ``cmap``.
    colorbar_box, colorbar_range, colorbar_orientation : optional
        Sample the colour scale from the figure's colorbar instead of ``cmap``.
    extent : (left, right, bottom, top), optional
        World coordinates of the box's outer edges.
    crs : str, optional
        CRS of ``extent`` (EPSG code, WKT, PROJ string).
    max_distance : float, optional
        Colour distance (CIE76 delta E) beyond which a pixel is no data.
    output : path or list of paths, optional
        ``.nc`` and/or ``.tif`` files to write.

    Returns
    -------
    Result
        ``result.grid`` is an ``xarray.Dataset`` with variable ``value``.
    """
    scale = {k: v for k, v in dict(
        cmap=cmap, vmin=vmin, vmax=vmax, norm=norm, boundaries=boundaries, ncolors=ncolors, colors=colors,
        values=values, colorbar_box=colorbar_box, colorbar_range=colorbar_range,
        colorbar_orientation=colorbar_orientation).items() if v is not None}
    data = {"input": str(image), "scale": scale, "output": output, "box": box, "units": units, "title": title,
            "georef": {k: v for k, v in dict(extent=extent, crs=crs).items() if v is not None}}
    if max_distance is not None:
        data["decode"] = {"max_distance": max_distance}
    return run(validate_config({k: v for k, v in data.items() if v is not None}, source="digitize"))
