"""The pipeline: config in, grid (and files) out. Stages never read files; this does."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
import xarray as xr

from chromagrid._version import __version__
from chromagrid.auto import Found, complete, needs_detection
from chromagrid.config import (
    Config,
    check_against_image,
    check_boxes,
    load_config_data,
    precheck_config,
    validate_config,
)
from chromagrid.decode.core import Decoded, clean_overlays, decode, fill_enclosed, smooth_values
from chromagrid.decode.frame import Frame, find_frame
from chromagrid.decode.gridlines import Gridlines, find_gridlines
from chromagrid.decode.interpolated import LOSSY_TOLERANCE, plain_background, restore_margins
from chromagrid.decode.jpeg import refine as refine_jpeg
from chromagrid.errors import ChromagridError, ConfigError
from chromagrid.export.grid import write_grid
from chromagrid.geo.georef import (
    GridPlan,
    PixelMapping,
    georeferenced_grid,
    make_grid,
    mapping_from_axes,
    mapping_from_extent,
    mapping_from_gcps,
    parse_crs,
    pixel_transform,
    plan_grid,
)
from chromagrid.io.files import atomic_output
from chromagrid.io.image import DEFAULT_MAX_PIXELS, RasterImage, image_size, read_image
from chromagrid.scale.colorscale import ColorScale, from_colorbar, from_colormap, from_colors

if TYPE_CHECKING:
    import pandas as pd


class SourceImage(Protocol):
    """What provenance reads of an image: a :class:`RasterImage`, or a tiled one (:mod:`chromagrid.tiles`)."""

    @property
    def path(self) -> str | os.PathLike: ...

    @property
    def sha256(self) -> str: ...


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
        Colour distance (delta E) of the pixels decoded from their own colour: mean, p50, p95, max.
    outputs : list of Path
        Files written.
    points : pandas.DataFrame or None
        When reducing: one row per point, ``x``, ``y`` (world or pixel
        coordinates), ``value``, ``n_pixels``, ``cluster``, ``row``, ``col``.
    checks : dict or None
        When reducing: reconstruction and colour round-trip errors, the
        reduction ratio and the tolerance verdict (see :mod:`chromagrid.reduce.checks`).
    reconstruction : xarray.DataArray or None
        When reducing: the grid rebuilt from the points.
    found : chromagrid.auto.Found or None
        What the figure supplied (box, colormap, range, axes), with the
        evidence and confidence of each finding; None when the config gave all.

    Examples
    --------
    >>> import chromagrid
    >>> result = chromagrid.digitize("examples/field.png", cmap="viridis", vmin=0, vmax=0.7, box=(80, 40, 620, 460))
    >>> result.box, result.grid["value"].shape, result.scale.name
    ((80, 40, 620, 460), (420, 540), 'viridis')
    >>> round(result.masked_fraction, 3)  # the white quarter disc in the lower left is no data
    0.114
    """

    grid: xr.Dataset
    scale: ColorScale
    config: Config
    box: tuple[int, int, int, int]
    masked_fraction: float
    distance_stats: dict
    outputs: list[Path] = field(default_factory=list)
    georef: dict | None = None
    points: pd.DataFrame | None = None
    checks: dict | None = None
    reconstruction: xr.DataArray | None = None
    found: Found | None = None

    @property
    def value(self) -> xr.DataArray:
        """The decoded values (``grid["value"]``)."""
        return self.grid["value"]

    def bounds(self) -> tuple[xr.DataArray, xr.DataArray]:
        """Each pixel's value interval: (lower, upper) grids like ``grid["value"]``.

        The bounds of the scale colour each value was decoded from
        (:meth:`~chromagrid.scale.colorscale.ColorScale.bounds_of`): for
        ``levels`` or discrete boundaries, the class's interval (-inf / +inf
        on the open side of an ``extend`` class); NaN where there is no value.
        """
        value = self.grid["value"]
        lower, upper = self.scale.bounds_of(value.values)
        return (
            value.copy(data=lower.astype(np.float32)).rename("lower"),
            value.copy(data=upper.astype(np.float32)).rename("upper"),
        )

    def summary(self) -> dict:
        """JSON-able numbers describing the run."""
        return {
            "input": str(self.config.input),
            "box": list(self.box),
            "box_found": self.config.box == "auto" or (self.found is not None and self.found.used["box"] == "found"),
            "shape": list(self.grid["value"].shape),
            "masked_fraction": self.masked_fraction,
            "distance": self.distance_stats,
            "outputs": [str(p) for p in self.outputs],
            **({"georef": self.georef} if self.georef is not None else {}),
            **({"checks": self.checks} if self.checks is not None else {}),
            **({"found": self.found.describe()} if self.found is not None else {}),
        }


def build_scale(config: Config, rgb: np.ndarray) -> ColorScale:
    """The colour scale a config asks for (the colorbar is sampled from ``rgb``)."""
    s = config.scale
    vmin, vmax = s.value_range
    if s.cmap is not None:
        return from_colormap(
            s.cmap, s.norm, vmin, vmax, s.boundaries, ncolors=s.ncolors, levels=s.levels, extend=s.extend
        )
    if s.colors is not None:
        return from_colors(s.colors, s.values, s.norm, vmin, vmax, s.boundaries, levels=s.levels, extend=s.extend)
    if s.levels is not None:  # a contourf's colorbar strip: one even band per interval, as a discrete bar
        return from_colorbar(rgb, s.colorbar_box, None, None, "discrete", s.levels, s.colorbar_orientation)
    return from_colorbar(rgb, s.colorbar_box, vmin, vmax, s.norm, s.boundaries, s.colorbar_orientation)


def is_lossy(path) -> bool:
    """Whether the image file is stored with lossy compression (JPEG, MPO, WebP), from its first bytes.

    Read from the file's signature rather than with ``Image.open``: Pillow's own
    decompression-bomb check would refuse figures over 179 MP here, and lifting
    it (a process-wide setting) is not safe while tiles are decoded in threads.
    """
    with open(path, "rb") as f:
        head = f.read(12)
    return head.startswith(b"\xff\xd8\xff") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def wants_smoothing(config: Config, lossy: bool | None = None) -> bool:
    """Whether to smooth the decoded values: ``decode.smooth``, or for ``auto`` whether the input is JPEG
    (``lossy``, when the caller already knows it)."""
    smooth = config.decode.smooth
    if smooth != "auto":
        return bool(smooth)
    return is_lossy(config.input) if lossy is None else lossy


def distance_statistics(decoded: Decoded, max_distance: float) -> dict:
    """Mean, median, 95th percentile and max colour distance of the pixels decoded from their own colour.

    Pixels that got their value from their neighbours (the overlay clean-up fills
    thin strokes) keep their own, larger distance in the grid but are left out here.
    """
    d = decoded.distance[decoded.valid & (decoded.distance <= max_distance)]
    if d.size == 0:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    p50, p95 = np.percentile(d, [50, 95])
    return {"mean": float(d.mean()), "p50": float(p50), "p95": float(p95), "max": float(d.max())}


#: Config keys left out of :func:`config_sha256`: where the figure and its outputs live, not how it is decoded
#: (the input's content is recorded by its own SHA-256), so that moving a project folder keeps the hash.
CONFIG_HASH_EXCLUDES = ("input", "output", "points", "report", "figure")
#: Top-level config keys holding one file path, and those holding a list of them.
PATH_KEYS, PATH_LIST_KEYS = ("input", "report", "figure"), ("output", "points")

#: The folder of the config file being run (set by :func:`run` and :func:`run_panels` given a file).
_CONFIG_FOLDER: ContextVar[Path | None] = ContextVar("chromagrid_config_folder", default=None)


@contextlib.contextmanager
def config_folder(path: str | os.PathLike):
    """While inside, provenance records the config's paths relative to the folder of the config file ``path``."""
    token = _CONFIG_FOLDER.set(Path(path).resolve().parent)
    try:
        yield
    finally:
        _CONFIG_FOLDER.reset(token)


def portable_config(config) -> dict:
    """The resolved config with its file paths relative to the config file's folder (POSIX separators).

    The folder is the config file's when the run was given one (:func:`config_folder`), else the input
    image's: no machine path goes into an output, and moving a project folder changes nothing.
    """
    data = config.resolved()
    base = _CONFIG_FOLDER.get() or Path(data["input"]).resolve().parent

    def relative(p):
        return Path(os.path.relpath(Path(p).resolve(), base)).as_posix() if p else p

    for key in PATH_KEYS:
        if data.get(key):
            data[key] = relative(data[key])
    for key in PATH_LIST_KEYS:
        if data.get(key):
            data[key] = [relative(p) for p in data[key]]
    if (data.get("georef") or {}).get("gcps_file"):
        data["georef"]["gcps_file"] = relative(data["georef"]["gcps_file"])
    return data


def config_sha256(config: Config) -> str:
    """SHA-256 of the canonical resolved config (sorted-key JSON), without the file paths.

    Two runs with equal hashes decode the same figure bytes the same way; the
    batch runner compares it with the ``chromagrid_config_sha256`` attribute of
    existing outputs to decide whether they are up to date. A GCP file counts
    by its content (SHA-256), not its path.
    """
    from chromagrid.io.image import file_sha256

    data = {k: v for k, v in config.resolved().items() if k not in CONFIG_HASH_EXCLUDES}
    if (data.get("georef") or {}).get("gcps_file"):
        data["georef"]["gcps_file"] = "sha256:" + file_sha256(data["georef"]["gcps_file"])
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def provenance(config: Config, image: SourceImage, scale: ColorScale, box, found: Found | None = None) -> dict:
    """Global attributes: CF basics, the source figure (name and SHA-256), the scale, the config (its paths
    relative to the config file, :func:`portable_config`), and what was found."""
    name = Path(image.path).name
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    detected = {}
    if found is not None:
        detected["chromagrid_found"] = json.dumps(found.used, sort_keys=True)
        if found.warnings:
            detected["chromagrid_warnings"] = "; ".join(found.warnings)
        if found.used.get("range") == "normalized":
            detected["comment"] = (
                "no value range was given or found: values are the normalized colour "
                "position 0-1 along the colormap, not data units"
            )
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
        "chromagrid_config": json.dumps(portable_config(config), sort_keys=True),
        "chromagrid_config_sha256": config_sha256(config),
        **detected,
    }


def plot_box(config: Config, image: RasterImage) -> tuple[int, int, int, int]:
    """The box to decode: the config's, the whole image when none is given, or the one panel (``box: auto``).

    A config from :func:`run` has its box explicit already; ``auto`` is left only in a
    :class:`~chromagrid.config.Config` built directly.
    """
    if config.box == "auto":
        from chromagrid.auto import find_box

        return find_box(image.rgb)
    return cast(tuple[int, int, int, int], tuple(config.box or (0, 0, *image.size)))


def decode_box(
    config: Config,
    rgb: np.ndarray,
    scale: ColorScale,
    opaque: np.ndarray | None = None,
    table: ColorScale | None = None,
    overlay_width: int | None = None,
    frame: Frame = Frame(),
    gridlines: Gridlines = Gridlines(),
    origin: tuple[int, int] | None = None,
) -> Decoded:
    """The decode steps of :func:`run` on the plot box's pixels: colour to value, then overlay clean-up.

    Unless ``decode.overlays`` is ``keep``, the axes ``frame``
    (:func:`~chromagrid.decode.frame.find_frame`) is taken out: its blended edge
    line is restored before decoding (covered, in JPEG), and the lines it
    covers take the values of the first line inside them (``mask``: no data);
    ``gridlines`` (:func:`~chromagrid.decode.gridlines.find_gridlines`) drawn across
    the box are interpolated across from both sides.
    :mod:`chromagrid.tiles` calls this on each tile (with overlap) of a very
    large figure, so tiled and untiled runs decode the same way; it passes
    what is set by the whole figure: ``table``, the scale variant picked for
    it (used by :func:`~chromagrid.decode.core.decode` instead of picking per
    tile), ``overlay_width``, the stroke width for the whole box's size, and
    the frame and gridlines that cross the tile. ``origin``,
    the image pixel (x, y) of ``rgb[0, 0]``, lets JPEG smoothing read the
    file's own compressed data there (:mod:`chromagrid.decode.jpeg`); tiles leave it
    out and smooth the pixels.
    """
    lossy = is_lossy(config.input)
    if config.decode.overlays == "keep":
        frame, gridlines = Frame(), Gridlines()
    drawn_frame = frame
    if lossy:
        frame = frame.blend_covered()
    decoded = decode(
        frame.unblend(rgb), scale if table is None else table, config.decode.max_distance, opaque, lossy=lossy
    )
    plain = decoded.value
    if config.decode.overlays != "keep":
        decoded = clean_overlays(decoded, scale, width=overlay_width, fill=config.decode.overlays == "fill")
    if frame or gridlines:  # the lines they cover are no data while the data next to them is smoothed
        covered = frame.covered(rgb.shape[:2]) | gridlines.covered(rgb.shape[:2])
        decoded = replace(decoded, value=np.where(covered, np.float32(np.nan), decoded.value))
    if wants_smoothing(config, lossy):
        refined = None
        if lossy and config.decode.jpeg_refine and origin is not None:
            box = (origin[0], origin[1], origin[0] + rgb.shape[1], origin[1] + rgb.shape[0])
            with np.errstate(invalid="ignore"):
                filled = np.isfinite(decoded.value) & (decoded.value != plain)
            strokes = None
            if config.decode.overlays == "fill":  # lines and text over the data: a fitted cell's value covers them
                nodata = ~np.isfinite(decoded.value)
                strokes = nodata & ~plain_background(rgb, nodata, LOSSY_TOLERANCE)
            refined = refine_jpeg(config.input, box, decoded, filled, scale, drawn_frame, strokes=strokes)
        decoded = refined if refined is not None else smooth_values(decoded, scale, rgb=rgb)
    if config.decode.overlays == "fill":
        decoded = replace(decoded, value=frame.fill(gridlines.fill(decoded.value)))
    if opaque is not None and not opaque.all():  # transparent pixels stay no data: never filled across
        value = decoded.value.copy()
        value[~opaque] = np.nan
        decoded = replace(decoded, value=value)
    return decoded


def run(
    config: Config | dict | str | os.PathLike,
    *,
    write_config: str | os.PathLike | None = None,
    source: str | None = None,
) -> Result:
    """Run the pipeline on one figure.

    Parameters
    ----------
    config : Config, dict, or path to a YAML/TOML file
        A dict or file may leave out what the figure shows: the box (or give
        ``panel: N``), the colour scale's source, its range and norm, and the
        georeferencing; each is then found in the figure (:mod:`chromagrid.auto`)
        and recorded in ``result.found``.
    write_config : path-like, optional
        Write the fully explicit config of the run (YAML) here: what was found,
        made explicit, to edit and rerun.
    source : str, optional
        What error messages name as the config (default: its file, or ``config``).

    Returns
    -------
    Result

    Raises
    ------
    ChromagridError
        For any problem with the input, before anything is written.

    Examples
    --------
    A config as a dict (or a YAML/TOML file, or a :class:`~chromagrid.config.Config`); the box,
    scale and extent given, nothing found:

    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> result = run({
    ...     "input": "examples/log.png", "output": [str(out / "log.nc")], "box": [80, 40, 620, 460],
    ...     "scale": {"cmap": "YlOrRd", "norm": "log", "vmin": 0.1, "vmax": 1000},
    ...     "georef": {"extent": [-10, 30, 35, 60], "crs": "EPSG:4326"},
    ... })
    >>> [path.name for path in result.outputs], result.grid.attrs["georef_method"]
    (['log.nc'], 'extent')
    """
    found, image = None, None
    if isinstance(config, (str, os.PathLike)):
        with config_folder(config):  # provenance: the config's paths relative to its file
            return run(load_config_data(config), write_config=write_config, source=source or str(config))
    source = source or "config"
    if isinstance(config, dict):
        if has_panel_template(config):
            raise ConfigError(
                f"{source}: an output name holds {PANEL_FIELD}: decode every panel with run_panels "
                "(chromagrid decode does), or name the outputs without it"
            )
        if needs_detection(config):
            config, image, found = complete_from_figure(config, source)
        else:
            config = validate_config(config, source=source)
    if write_config is not None:
        write_explicit_config(config, write_config)
    if image is None:
        image = read_checked_image(config)
    else:
        check_against_image(config, *image.size)
    return run_decode(config, image, found)


def read_checked_image(config: Config) -> RasterImage:
    """The config's image, its size checked against the config's boxes (header first, then the pixels)."""
    width, height = image_size(config.input, config.image.max_pixels)
    check_against_image(config, width, height)
    image = read_image(config.input, config.image.max_pixels)
    if image.size != (width, height):  # an EXIF orientation the header did not show (PNG eXIf after the pixels)
        check_against_image(config, *image.size)
    return image


def read_image_for(data: dict) -> RasterImage:
    """The image of a config given as plain data (checked first: its boxes against the header's size)."""
    limit = (data.get("image") or {}).get("max_pixels", DEFAULT_MAX_PIXELS)
    width, height = image_size(data["input"], limit)
    check_boxes(data.get("box"), (data.get("scale") or {}).get("colorbar_box"), width, height)
    return read_image(data["input"], limit)


def complete_from_figure(
    data: dict, source: str = "config", image: RasterImage | None = None, layout=None
) -> tuple[Config, RasterImage, Found]:
    """Validate a config that leaves items out, after filling them from the figure (:func:`chromagrid.auto.complete`).

    The rest of the config is checked first, so a typo is reported before the figure is searched.
    """
    precheck_config(data, source)
    if image is None:
        image = read_image_for(data)
    completed, found = complete(data, image.rgb, is_lossy(data["input"]), layout=layout)
    return validate_config(completed, source=source), image, found


PANEL_FIELD = "{panel}"
_OUTPUT_KEYS = ("output", "points", "report", "figure")


def has_panel_template(data: dict) -> bool:
    """Whether any output name of a config (as plain data) holds ``{panel}``."""
    names = [data.get(k) for k in _OUTPUT_KEYS]
    flat = [n for v in names for n in (v if isinstance(v, list) else [v]) if n is not None]
    return any(PANEL_FIELD in str(n) for n in flat)


def _for_panel(data: dict, number: int) -> dict:
    def fill(v):
        if isinstance(v, list):
            return [fill(x) for x in v]
        return str(v).replace(PANEL_FIELD, str(number)) if v is not None else None

    return {**data, **{k: fill(data[k]) for k in _OUTPUT_KEYS if k in data}, "panel": number}


def run_panels(
    config: dict | str | os.PathLike, *, write_config: str | os.PathLike | None = None, source: str | None = None
) -> list[Result]:
    """Decode every panel of a multi-panel figure, ``{panel}`` in each output name replaced by its number.

    Parameters
    ----------
    config : dict, or path to a YAML/TOML file
        A config whose outputs hold ``{panel}`` (``out/{panel}.nc``), without ``box`` or ``panel``.
    write_config : path-like, optional
        The explicit config of each panel's run; its name holds ``{panel}`` too.
    source : str, optional
        What error messages name as the config (default: its file, or ``config``).

    Returns
    -------
    list of Result
        One per panel, in reading order (rows top to bottom, left to right).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> results = run_panels({"input": "examples/field.png", "output": [str(out / "{panel}.nc")]})
    >>> [path.name for result in results for path in result.outputs]
    ['1.nc']
    """
    from chromagrid.errors import NotFoundError
    from chromagrid.find.layout import find_layout

    if isinstance(config, (str, os.PathLike)):
        with config_folder(config):  # provenance: the config's paths relative to its file
            return run_panels(load_config_data(config), write_config=write_config, source=str(config))
    source = source or "config"
    data = dict(config)
    if not has_panel_template(data):
        raise ConfigError(
            f"{source}: no output name holds {PANEL_FIELD}: give one (out/{PANEL_FIELD}.nc), or "
            "decode one panel with run"
        )
    for key in ("box", "panel"):
        if data.get(key) is not None:
            raise ConfigError(
                f"{source}: {key} with an output name holding {PANEL_FIELD} (every panel): remove "
                f"{key}, or {PANEL_FIELD} from the output names"
            )
    if write_config is not None and PANEL_FIELD not in str(write_config):
        raise ConfigError(f"--write-config {write_config}: one config per panel: put {PANEL_FIELD} in its name")
    precheck_config(data, source)
    image = read_image_for(data)
    layout = find_layout(image.rgb)
    if not layout[0]:
        raise NotFoundError(
            f"{data['input']}: no panel found in the figure: give the plot area with --box and "
            f"outputs without {PANEL_FIELD}"
        )
    prepared = []  # every panel completed before anything is written
    for number in range(1, len(layout[0]) + 1):
        prepared.append(complete_from_figure(_for_panel(data, number), source, image, layout))
    results = []
    for number, (panel_config, _, found) in enumerate(prepared, start=1):
        if write_config is not None:
            write_explicit_config(panel_config, str(write_config).replace(PANEL_FIELD, str(number)))
        results.append(run_decode(panel_config, image, found))
    return results


def write_explicit_config(config: Config, path: str | os.PathLike) -> Path:
    """Write ``config`` as YAML with every item explicit; its file paths relative to the YAML's folder."""
    import yaml

    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"--write-config {path}: the config is written as YAML: name it .yaml or .yml")
    data = config.resolved()
    base = path.parent.resolve()

    def relative(p):
        return os.path.relpath(p, base) if p else p

    for key in ("input", "report", "figure"):
        data[key] = relative(data.get(key))
    for key in ("output", "points"):
        data[key] = [relative(p) for p in data.get(key) or []]
    if (data.get("georef") or {}).get("gcps_file"):
        data["georef"]["gcps_file"] = relative(data["georef"]["gcps_file"])
    with atomic_output(path) as tmp:
        Path(tmp).write_text(yaml.safe_dump(_without_nulls(data), sort_keys=False), encoding="utf-8")
    return path


def _without_nulls(data):
    """A config's data without its unset (null) keys: the same config, shorter to read."""
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    return [_without_nulls(v) for v in data] if isinstance(data, list) else data


def run_decode(config: Config, image: RasterImage, found: Found | None = None) -> Result:
    """The decode of a validated config on its image (read by :func:`run`); ``found``: what the figure supplied."""
    scale = build_scale(config, image.rgb)
    box = plot_box(config, image)
    x0, y0, x1, y1 = box
    opaque = image.opaque[y0:y1, x0:x1] if image.opaque is not None else None
    lossy = is_lossy(config.input)
    decoded = decode_box(
        config,
        image.rgb[y0:y1, x0:x1],
        scale,
        opaque,
        frame=find_frame(image.rgb, box, lossy),
        gridlines=find_gridlines(image.rgb, box, scale, lossy),
        origin=(x0, y0),
    )
    if config.decode.margins == "auto" and config.scale.levels is None:  # contourf polygons: nothing resampled
        decoded = replace(
            decoded, value=restore_margins(decoded.value, image.rgb[y0:y1, x0:x1], LOSSY_TOLERANCE if lossy else 0)
        )
    if config.decode.overlays == "fill":  # text printed inside flat cells takes the cell's value
        decoded = fill_enclosed(decoded, scale, lossy=lossy, opaque=opaque)
    valid = decoded.valid
    if not valid.any():
        raise ChromagridError(
            f"{config.input}: no pixel in box {list(box)} is within delta E {config.decode.max_distance} of the "
            f"colour scale '{scale.name}'; check the colormap, its reversal (_r), the box, or raise "
            "decode.max_distance"
        )
    if config.decode.native_grid:  # one value per cell of a nearest-neighbour raster (see chromagrid.heatmap.cells)
        return _run_native_grid(config, image, scale, tuple(box), decoded)
    distance = decoded.distance if config.decode.keep_distance else None
    attrs = provenance(config, image, scale, box, found)
    rgb_box = image.rgb[y0:y1, x0:x1]
    mapping = pixel_mapping(config, box)
    plan = None
    if mapping is None:
        grid = make_grid(decoded.value, pixel_transform(box), None, distance=distance, attrs=attrs, units=config.units)
    else:
        g = config.georef
        plan = plan_grid(
            mapping, x1 - x0, y1 - y0, parse_crs(g.target_crs) if g.target_crs else None, g.resolution, g.resampling
        )
        axis_units = (g.axes.x_units, g.axes.y_units) if g.axes is not None else (None, None)
        grid = georeferenced_grid(
            decoded.value, mapping, distance=distance, attrs=attrs, units=config.units, axis_units=axis_units, plan=plan
        )
    result = Result(
        grid=grid,
        scale=scale,
        config=config,
        box=cast(tuple[int, int, int, int], tuple(box)),
        masked_fraction=float(1.0 - valid.mean()),
        distance_stats=distance_statistics(decoded, config.decode.max_distance),
        georef=georef_summary(plan) if plan is not None else None,
        found=found,
    )
    settings = config.reduce_settings
    if settings is not None:  # before the grid is written: the checks go into its attributes
        reduce_and_check(result, rgb_box if plan is None else rgb_on_grid(plan, rgb_box), settings)
    for path in config.output:
        result.outputs.append(write_grid(grid, path, config.export.options()))
    if settings is not None:
        write_reduction_outputs(result, image.rgb)
    return result


def pixel_mapping(config: Config, box) -> PixelMapping | None:
    """How the box's pixels map to world coordinates, from the config's ``georef`` (None: pixel indices).

    Reads ``georef.gcps_file`` when given; the GCP transform is fitted here and its
    residuals are in ``mapping.report``.
    """
    g = config.georef
    x0, y0, x1, y1 = box
    crs = parse_crs(g.crs) if g.crs else None
    if g.extent is not None:
        return mapping_from_extent(g.extent, x1 - x0, y1 - y0, crs)
    if g.axes is not None:
        return mapping_from_axes(g.axes.axis("x"), g.axes.axis("y"), box, crs)
    if g.transform_name is not None:
        gcps, file_crs = g.load_gcps()
        return mapping_from_gcps(gcps, g.transform_name, box, crs or file_crs)
    return None


def georef_summary(plan: GridPlan) -> dict:
    """JSON-able description of the georeferencing (method, grid, CRSs, GCP residuals) for the report."""
    m = plan.mapping
    out: dict[str, Any] = {
        "method": m.method,
        "transform": m.transform_name,
        "warped": plan.target is not None,
        "grid": plan.describe(),
        "crs": m.crs.to_string() if m.crs is not None else None,
        "target_crs": plan.crs.to_string() if plan.crs is not None else None,
    }
    if plan.target is not None:
        out["resampling"] = plan.resampling
    if m.report is not None:
        out["gcps"] = m.report.as_dict()
    return out


def rgb_on_grid(plan: GridPlan, rgb_box: np.ndarray) -> np.ndarray:
    """The box's RGB pixels placed on the grid as the values were (flipped or warped; 0 outside the figure)."""
    channels, _ = plan.apply([rgb_box[..., i].astype(np.float32) for i in range(3)])
    return np.nan_to_num(np.stack(channels, axis=-1), nan=0.0).astype(np.uint8)


def reduce_and_check(result: Result, rgb_box: np.ndarray, settings) -> None:
    """Reduce ``result.grid`` to points, rebuild the grid from them and check the cost (fills the result)."""
    from chromagrid.reduce.checks import build_checks, checks_attrs, reconstruct
    from chromagrid.reduce.cluster import reduce_field, search

    value = result.grid["value"].values
    x, y = result.grid["x"].values, result.grid["y"].values
    if settings.target_rmse_percent is not None:
        reduction = search(value, settings, float(result.scale.vmax - result.scale.vmin), x, y)
    else:
        reduction = reduce_field(value, settings, x, y)
    method = reduction.reconstruct or settings.reconstruct  # the search may choose it
    rebuilt = reconstruct(reduction.points, x, y, method, settings.outside)
    result.points = reduction.points
    result.checks = build_checks(value, rebuilt, rgb_box, result.scale, reduction, settings)
    result.reconstruction = xr.DataArray(
        rebuilt,
        dims=("y", "x"),
        coords={"x": result.grid["x"], "y": result.grid["y"]},
        name="reconstruction",
        attrs={"long_name": "value rebuilt from the reduced points"},
    )
    result.grid.attrs.update(checks_attrs(result.checks))


def write_reduction_outputs(result: Result, rgb: np.ndarray) -> None:
    """Write the point files, the diagnostic figure and the JSON report a config asks for."""
    from chromagrid.export.points import write_points
    from chromagrid.geo.georef import grid_crs, grid_transform
    from chromagrid.io.files import atomic_output

    config, grid = result.config, result.grid
    attrs = {k: v for k, v in grid.attrs.items() if k != "chromagrid_transform"}  # checks included
    mapping = dict(grid["spatial_ref"].attrs) if "spatial_ref" in grid.coords else None
    for path in config.points:
        result.outputs.extend(
            write_points(
                result.points,
                path,
                grid_crs(grid),
                grid_transform(grid),
                attrs,
                dict(grid["x"].attrs),
                dict(grid["y"].attrs),
                dict(grid["value"].attrs),
                grid_mapping=mapping,
            )
        )
    if config.figure is not None:
        from chromagrid.reduce.figure import draw_figure

        assert result.reconstruction is not None and result.checks is not None, "reduce_and_check first"

        result.outputs.append(
            draw_figure(
                config.figure,
                rgb,
                result.box,
                grid["value"].values,
                result.points,
                result.reconstruction.values,
                result.scale,
                result.checks,
                title=f"chromagrid: {Path(config.input).name}",
            )
        )
    if config.report is not None:
        report = {**result.summary(), "outputs": [str(p) for p in [*result.outputs, config.report]]}
        with atomic_output(config.report) as tmp:
            tmp.write_text(json.dumps(report, indent=2, allow_nan=False), encoding="utf-8")
        result.outputs.append(Path(config.report))


def digitize(
    image: str | os.PathLike,
    *,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    box=None,
    panel: int | None = None,
    norm: str | None = None,
    boundaries=None,
    levels=None,
    extend: str | None = None,
    ncolors: int | None = None,
    colors=None,
    values=None,
    colorbar_box=None,
    colorbar_range=None,
    colorbar_orientation: str | None = None,
    extent=None,
    crs: str | None = None,
    max_distance: float | None = None,
    output=None,
    units: str | None = None,
    title: str | None = None,
    max_pixels: int | None = None,
    reduce=None,
    points=None,
    report=None,
    figure=None,
    axes=None,
    gcps=None,
    gcps_file=None,
    transform: str | None = None,
    target_crs: str | None = None,
    resolution=None,
    resampling: str | None = None,
    export=None,
    write_config=None,
) -> Result:
    """Decode one colour-mapped figure into a grid.

    What is not given is found in the figure (:mod:`chromagrid.auto`): the
    panel, the colormap (from the colorbar, or the panel's own colours), the
    range and norm (the colorbar's tick labels) and, when the colour scale is
    found too, the axes; ``result.found`` holds what was found and how.

    Parameters
    ----------
    image : path-like
        PNG, JPEG, TIFF or BMP.
    cmap : str, optional
        Colormap name (``viridis``, ``RdBu_r``, ``cmocean:thermal``, ``crameri:batlow``).
    vmin, vmax : float
        The value range of the colour scale.
    box : (x0, y0, x1, y1) or "auto", optional
        Plot area in image pixels (x1, y1 exclusive). Omitted: the figure's panel
        when one is found (the whole image for a bare raster); ``"auto"``: the one
        panel, an error when there is none.
    panel : int, optional
        The panel to decode (from 1) in a figure of several.
    norm : {"linear", "log", "discrete"}, optional
        Default: the colorbar's, when the range is read from it; else linear.
    boundaries : sequence of float, optional
        Interval edges for ``norm="discrete"``.
    levels : sequence of float, optional
        The levels of a filled contour plot (``contourf``): each colour decodes to the
        centre of its interval (``norm="log"``: contourf had a LogNorm); see ``docs/contours.md``.
    extend : {"neither", "both", "min", "max"}, optional
        With ``levels`` or ``norm="discrete"``: colours for values beyond the first / last level.
    ncolors : int, optional
        Resample the colormap to this many colours.
    colors, values : optional
        An explicit colour list (and each colour's value) instead of ``cmap``.
    colorbar_box, colorbar_range, colorbar_orientation : optional
        Sample the colour scale from the figure's colorbar instead of ``cmap``.
    extent : (left, right, bottom, top), optional
        World coordinates of the box's outer edges.
    crs : str, optional
        CRS of ``extent``, ``axes`` or the GCPs' map coordinates (EPSG code, WKT, PROJ string).
    axes : dict, optional
        Axis calibration: ``{"x": [[col_a, value_a], [col_b, value_b]], "y": [[row_a, ...], ...],
        "x_scale": "linear" | "log", "y_scale": ...}`` in image pixel coordinates.
    gcps : list of [col, row, x, y], optional
        Ground control points (image pixel coordinates, map coordinates).
    gcps_file : path, optional
        A QGIS Georeferencer ``.points`` file instead of ``gcps``.
    transform : str, optional
        GCP transform: linear, helmert, polynomial1 (default), polynomial2, polynomial3, projective, tps.
    target_crs, resolution, resampling : optional
        Warp the grid to this CRS / cell size with this rasterio resampling (default nearest).
    export : dict, optional
        Export options (compress, predictor, complevel, tiled, blocksize, world_file, aux_xml).
    max_distance : float, optional
        Colour distance (CIE76 delta E) beyond which a pixel is no data.
    output : path or list of paths, optional
        ``.nc`` and/or ``.tif`` files to write.
    max_pixels : int, optional
        Refuse images with more pixels than this (default 250 million).
    reduce : chromagrid.Reduce or dict, optional
        Reduce the field to points and check the cost: ``result.points``, ``result.checks``.
    points : path or list of paths, optional
        Point files to write: ``.csv``, ``.parquet``, ``.geojson``, ``.nc`` (imply ``reduce``).
    report, figure : path, optional
        JSON report and diagnostic PNG to write (imply ``reduce``).
    write_config : path, optional
        Write the run's fully explicit config here (YAML).

    Returns
    -------
    Result
        ``result.grid`` is an ``xarray.Dataset`` with variable ``value``.

    Examples
    --------
    >>> result = digitize("examples/field.png", cmap="viridis", vmin=0, vmax=1)  # doctest: +SKIP
    >>> result.found.used["box"]  # doctest: +SKIP
    'found'
    """
    scale = _given(
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        norm=norm,
        boundaries=boundaries,
        levels=levels,
        extend=extend,
        ncolors=ncolors,
        colors=colors,
        values=values,
        colorbar_box=colorbar_box,
        colorbar_range=colorbar_range,
        colorbar_orientation=colorbar_orientation,
    )
    data = {
        "input": str(image),
        "scale": scale,
        "output": output,
        "box": box,
        "panel": panel,
        "units": units,
        "title": title,
        "georef": _given(
            extent=extent,
            crs=crs,
            axes=axes,
            gcps=gcps,
            gcps_file=gcps_file,
            transform=transform,
            target_crs=target_crs,
            resolution=resolution,
            resampling=resampling,
        ),
        "export": export,
    }
    if max_distance is not None:
        data["decode"] = {"max_distance": max_distance}
    if max_pixels is not None:
        data["image"] = {"max_pixels": max_pixels}
    data.update(reduce=reduce, points=points, report=report, figure=figure)
    return run({k: v for k, v in data.items() if v is not None}, write_config=write_config, source="digitize")


def _given(**keywords: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None): the config section they make."""
    return {k: v for k, v in keywords.items() if v is not None}


# --------------------------------------------------------------------------- cells (cell heat maps, native grids)
def _cell_mapping(mapping: PixelMapping, grid, box) -> PixelMapping:
    """A box pixel mapping turned into one for the cells of an equal grid (cell (col, row) coordinates)."""
    from affine import Affine

    ox, oy = grid.x_edges[0] - box[0], grid.y_edges[0] - box[1]
    sx = (grid.x_edges[-1] - grid.x_edges[0]) / grid.shape[1]
    sy = (grid.y_edges[-1] - grid.y_edges[0]) / grid.shape[0]
    scale_xy = np.array([sx, sy])
    offset = np.array([ox, oy])
    forward = mapping.forward
    affine = mapping.affine * Affine.translation(ox, oy) * Affine.scale(sx, sy) if mapping.affine is not None else None
    return replace(
        mapping, forward=lambda p: forward(offset + np.asarray(p, float).reshape(-1, 2) * scale_xy), affine=affine
    )


def _run_native_grid(config: Config, image: RasterImage, scale: ColorScale, box, decoded: Decoded) -> Result:
    """``decode.native_grid``: the grid at the raster's own resolution, one value per detected cell."""
    from affine import Affine

    from chromagrid.errors import ConfigError
    from chromagrid.heatmap.cells import native_grid

    if config.reduce_settings is not None:
        raise ConfigError(
            "decode.native_grid gives one value per cell; it does not combine with reduce, points, "
            "report or figure: remove native_grid or those"
        )
    x0, y0, x1, y1 = box
    grid, cells = native_grid(image.rgb[y0:y1, x0:x1], decoded, scale, box)
    nr, nc = grid.shape
    values = cells.values.astype(np.float32)
    distance = cells.distance.astype(np.float32) if config.decode.keep_distance else None
    attrs = provenance(config, image, scale, box)
    attrs.update(native_grid=json.dumps(grid.describe()))
    mapping = pixel_mapping(config, box)
    plan = None
    if mapping is None:
        sx = (grid.x_edges[-1] - grid.x_edges[0]) / nc
        sy = (grid.y_edges[-1] - grid.y_edges[0]) / nr
        # world coordinates are image pixel indices (pixel c's centre is c), as for a per-pixel grid
        transform = Affine(sx, 0.0, grid.x_edges[0] - 0.5, 0.0, sy, grid.y_edges[0] - 0.5)
        out = make_grid(values, transform, None, distance=distance, attrs=attrs, units=config.units)
    else:
        g = config.georef
        cell_mapping = _cell_mapping(mapping, grid, box)
        plan = plan_grid(
            cell_mapping, nc, nr, parse_crs(g.target_crs) if g.target_crs else None, g.resolution, g.resampling
        )
        axis_units = (g.axes.x_units, g.axes.y_units) if g.axes is not None else (None, None)
        out = georeferenced_grid(
            values, cell_mapping, distance=distance, attrs=attrs, units=config.units, axis_units=axis_units, plan=plan
        )
    finite = np.isfinite(values)
    d = cells.distance[finite]
    stats = (
        {"mean": float(d.mean()), "p50": float(np.median(d)), "p95": float(np.percentile(d, 95)), "max": float(d.max())}
        if d.size
        else {"mean": None, "p50": None, "p95": None, "max": None}
    )
    result = Result(
        grid=out,
        scale=scale,
        config=config,
        box=tuple(box),
        masked_fraction=float(1.0 - finite.mean()),
        distance_stats=stats,
        georef=georef_summary(plan) if plan is not None else None,
    )
    for path in config.output:
        result.outputs.append(write_grid(out, path, config.export.options()))
    return result


def run_cells(config, source: str | None = None):
    """Measure one cell heat map: find the area and the grid, one value per cell, write the outputs.

    Parameters
    ----------
    config : CellsConfig, dict, or path to a YAML/TOML file
        A dict or file may leave out the colour scale, its range, or give
        ``panel: N``: they are found in the figure (``result.found``).
    source : str, optional
        What error messages name as the config (default: its file, or ``config``).

    Returns
    -------
    chromagrid.heatmap.cells.CellsResult

    Raises
    ------
    ChromagridError
        For any problem with the input (no grid found, a box without colour-scale
        pixels, more cells than pixels, ...), before anything is written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> result = run_cells({
    ...     "kind": "cells", "input": "examples/heatmap.png", "output": [str(out / "matrix.csv")],
    ...     "scale": {"cmap": "YlGn", "vmin": 0, "vmax": 10}, "annotations": "off",
    ... })
    >>> result.matrix.shape, len((out / "matrix.csv").read_text().splitlines())
    ((6, 8), 6)
    """
    from chromagrid.config import CellsConfig, validate_cells_config
    from chromagrid.heatmap.cells import measure_cells, write_diagnostic, write_matrix, write_report

    found, image = None, None
    if isinstance(config, (str, os.PathLike)):
        source = source or str(config)
        config = load_config_data(config, cells=True)
    source = source or "config"
    if isinstance(config, dict):
        if needs_detection(config, cells=True):
            precheck_config(config, source, CellsConfig)
            image = read_image_for(config)
            config, found = complete(config, image.rgb, is_lossy(config["input"]), cells=True)
        config = validate_cells_config(config, source=source)
    elif not isinstance(config, CellsConfig):
        raise TypeError("run_cells needs a CellsConfig, a dict or a config file path")
    if image is None:
        image = read_checked_image(config)
    else:
        check_against_image(config, *image.size)
    scale = build_scale(config, image.rgb)
    exclude = [config.scale.colorbar_box] if config.scale.colorbar_box is not None else []
    if found is not None and found.colorbar is not None and found.colorbar.box not in exclude:
        exclude.append(found.colorbar.box)
    result = measure_cells(
        image.rgb,
        scale,
        box=config.box,
        rows=config.n_rows,
        cols=config.n_cols,
        max_distance=(config.decode.max_distance if "max_distance" in config.decode.model_fields_set else None),
        opaque=image.opaque,
        min_pixels=config.min_pixels,
        row_labels=config.row_labels,
        col_labels=config.col_labels,
        exclude=exclude,
        allow_unequal=config.unequal,
        source=str(config.input),
    )
    if config.annotations != "off" or config.values_from == "text":
        check_printed_numbers(result, image.rgb, config)
    name = Path(image.path).name
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    attrs = {
        "Conventions": "CF-1.11",
        "title": config.title or f"Cell values decoded from {name}",
        "source": f"chromagrid {__version__} from the cell heat map {name}",
        "history": f"{now}: chromagrid {__version__} decoded {name}",
        "chromagrid_version": __version__,
        "source_image": name,
        "source_image_sha256": image.sha256,
        "colorscale": json.dumps(scale.describe()),
        "units": config.units,
        "chromagrid_config": json.dumps(portable_config(config), sort_keys=True),
    }
    result.config = config
    if found is not None:
        result.found = found
        attrs["chromagrid_found"] = json.dumps(found.used, sort_keys=True)
    result.matrix.attrs.update({k: v for k, v in attrs.items() if v is not None})
    for path in config.output:
        result.outputs.append(write_matrix(result, path, attrs))
    if config.figure is not None:
        result.outputs.append(write_diagnostic(result, image.rgb, config.figure))
    if config.report is not None:
        result.outputs.append(Path(config.report))
        write_report(
            result,
            config.report,
            {
                "source_image_sha256": image.sha256,
                "config": config.resolved(),
                **({"found": found.describe()} if found is not None else {}),
            },
        )
    return result


def check_printed_numbers(result, rgb: np.ndarray, config) -> None:
    """Read the numbers printed in the cells, compare them with the colours (``result.annotations``), and
    with ``values_from: text`` put the legible ones in the matrix. Disagreements are a warning."""
    import warnings

    from chromagrid.errors import ChromagridWarning
    from chromagrid.heatmap.annotations import has_cell_text, read_cell_texts, reconcile, values_from_text

    forced = config.annotations == "read" or config.values_from == "text"
    if not forced and not has_cell_text(rgb, result.cell_boxes):
        return
    texts = read_cell_texts(rgb, result.cell_boxes)
    colour = np.asarray(result.matrix.values, float)
    span = float(result.scale.vmax - result.scale.vmin)
    checked = reconcile(colour, texts, span)
    result.annotations = {**texts.describe(), **checked}
    if checked["disagree"]:
        first = checked["disagree"][0]
        warnings.warn(
            f"{len(checked['disagree'])} of {checked['compared']} cells: the printed number and the "
            f"colour disagree (first: row {first['row']}, column {first['col']}: colour "
            f"{first['colour']:.4g}, printed {first['raw']}); see the report's annotations",
            ChromagridWarning,
            stacklevel=3,
        )
    if config.values_from == "text":
        if not texts.legible.any():
            raise ChromagridError(
                f"{config.input}: values_from text: no number printed in the cells could be "
                "read; use the colours (values_from: colour)"
            )
        result.matrix.values[...] = values_from_text(colour, texts, scale_factor=checked["scale_factor"])


def cells(
    image: str | os.PathLike,
    *,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    norm: str | None = None,
    boundaries=None,
    ncolors: int | None = None,
    colors=None,
    values=None,
    colorbar_box=None,
    colorbar_range=None,
    colorbar_orientation: str | None = None,
    box=None,
    rows: int | None = None,
    cols: int | None = None,
    row_labels=None,
    col_labels=None,
    output=None,
    report=None,
    figure=None,
    max_distance: float | None = None,
    min_pixels: int | None = None,
    unequal: bool | None = None,
    max_pixels: int | None = None,
    units: str | None = None,
    title: str | None = None,
    panel: int | None = None,
    annotations: str | None = None,
    values_from: str | None = None,
):
    """Measure a cell heat map: find its cells and give back the matrix.

    A colour scale or range left out is found in the figure, as by
    :func:`digitize` (``result.found``).

    Parameters
    ----------
    image : path-like
        PNG, JPEG, TIFF or BMP of a cell heat map (``seaborn.heatmap``, ``imshow``
        of a matrix, a correlation or confusion matrix).
    cmap, vmin, vmax, norm, boundaries, ncolors, colors, values : optional
        The colour scale, as for :func:`digitize`.
    colorbar_box, colorbar_range, colorbar_orientation : optional
        Sample the colour scale from the figure's colorbar instead.
    box : (x0, y0, x1, y1), optional
        The heat-map area; found when omitted (the largest region of colours
        close to the scale, the colorbar left out).
    panel : int, optional
        The panel (from 1) of a figure of several; the area is found inside it.
    annotations : {"auto", "read", "off"}, optional
        Numbers printed in the cells: read by OCR and compared with the colours
        (``result.annotations``; disagreements are a warning). Default auto:
        when most cells carry text.
    values_from : {"colour", "text"}, optional
        ``text``: the printed numbers where legible, the colour value elsewhere.
    rows, cols : int, optional
        Known numbers of rows and columns; the cell positions are still fitted.
    row_labels, col_labels : sequence of str, optional
        Labels of the rows (top first) and columns; imply ``rows``/``cols``.
    output : path or list of paths, optional
        ``.csv``, ``.nc`` or ``.npy`` matrix files to write.
    report, figure : path, optional
        JSON report (box, grid, per-cell pixel counts and colour distances)
        and a diagnostic PNG with the detected grid drawn over the figure.
    max_distance : float, optional
        Colour distance (delta E) beyond which a pixel is not a cell colour.
    min_pixels : int, optional
        A cell with fewer usable interior pixels is NaN (default 3).
    unequal : bool, optional
        Accept cells of unequal sizes (default True).

    Returns
    -------
    chromagrid.heatmap.cells.CellsResult
        ``.matrix`` (xarray.DataArray on (row, col), NaN where a cell has no
        usable pixels), ``.cell_boxes``, ``.box``, ``.grid``, ``.pixel_counts``,
        ``.distances``.

    Examples
    --------
    >>> import numpy as np
    >>> result = cells("examples/heatmap.png", cmap="YlGn", vmin=0, vmax=10, annotations="off")
    >>> result.matrix.shape, result.box
    ((6, 8), (100, 60, 500, 384))
    >>> truth = np.load("examples/heatmap.npz")["values"]  # what the figure was drawn from
    >>> float(np.abs(result.matrix.values - truth).max()) < 0.05
    True
    """

    scale = _given(
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        norm=norm,
        boundaries=boundaries,
        ncolors=ncolors,
        colors=colors,
        values=values,
        colorbar_box=colorbar_box,
        colorbar_range=colorbar_range,
        colorbar_orientation=colorbar_orientation,
    )
    data = {
        "input": str(image),
        "scale": scale,
        "output": output,
        "report": report,
        "figure": figure,
        "box": box,
        "rows": rows,
        "cols": cols,
        "row_labels": row_labels,
        "col_labels": col_labels,
        "min_pixels": min_pixels,
        "unequal": unequal,
        "units": units,
        "title": title,
        "panel": panel,
        "annotations": annotations,
        "values_from": values_from,
    }
    if max_distance is not None:
        data["decode"] = {"max_distance": max_distance}
    if max_pixels is not None:
        data["image"] = {"max_pixels": max_pixels}
    return run_cells({k: v for k, v in data.items() if v is not None}, source="cells")


def inspect_figure(image: str | os.PathLike, *, max_pixels: int | None = None) -> dict:
    """What the figure holds, found from the image alone: panels, colorbars, colormaps, ranges and axes.

    Parameters
    ----------
    image : path-like
        PNG, JPEG, TIFF or BMP of a figure.
    max_pixels : int, optional
        Refuse larger images (default: the image stage's limit).

    Returns
    -------
    dict
        JSON-able: ``image`` (name, width, height) and what
        :func:`chromagrid.auto.inspect` gives: ``panels`` and ``colorbars`` (boxes
        ``[x0, y0, x1, y1]``, x1/y1 exclusive, numbered from 1, each with its
        ``confidence`` and ``evidence``; the colormap candidates with their delta
        E, the tick labels read and the range fitted to them, the axes' ticks and
        fits) and ``warnings``.

    Examples
    --------
    >>> found = inspect_figure("examples/field.png")  # doctest: +SKIP
    >>> found["panels"][0]["box"]  # doctest: +SKIP
    [80, 40, 620, 460]
    """
    from chromagrid.auto import inspect

    raster = read_image(image, **({} if max_pixels is None else {"max_pixels": max_pixels}))
    found = inspect(raster.rgb, is_lossy(image))
    height, width = raster.rgb.shape[:2]
    return {"image": {"name": Path(image).name, "width": int(width), "height": int(height)}, **found}
