"""What the page works on: its figures, their configs, the last decode of each, and saving.

Everything here is plain Python over the pipeline; :mod:`chromagrid.ui.server` only
moves JSON and PNG bytes between this and the browser. A decode is always
:func:`chromagrid.pipeline.run` on a config dict, so the page shows what
``chromagrid run`` on the saved config gives.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chromagrid.errors import ChromagridError, ChromagridWarning, ConfigError
from chromagrid.ui.paths import PathPolicy

if TYPE_CHECKING:
    from chromagrid.geo.georef import PixelMapping
    from chromagrid.pipeline import Result

#: Colour of the pixels that got no value, in the decoded layer (magenta: no colormap holds it).
NODATA_COLOUR = (255, 0, 255)
#: Keys of a config that name files; the page edits the rest and keeps these apart.
FILE_KEYS = ("input", "output", "points", "report", "figure")
#: Output suffixes that are grids (the rest are point files).
GRID_SUFFIXES = (".nc", ".tif", ".tiff")
POINT_SUFFIXES = (".csv", ".parquet", ".geojson")
#: How many ranked colormap matches the page lists.
TOP_MATCHES = 10


# --------------------------------------------------------------------------- figures and their first config
@dataclass
class Figure:
    """One figure the page was started with.

    Attributes
    ----------
    path : Path
        The image (absolute).
    config : dict
        The config the page starts from, without its file keys (``input``, ``output``, ...).
    outputs : list of str
        Output files offered when saving (the config's, or ``<stem>.nc`` in the working folder).
    config_path : Path or None
        Where saving writes the config by default.
    found : dict
        What detection gave: ``used``, ``warnings``, ``colorbar_box``, ``ticks``, ``error``.
    """

    path: Path
    config: dict | None = None
    outputs: list[str] = field(default_factory=list)
    config_path: Path | None = None
    found: dict = field(default_factory=dict)
    start: dict | None = None  # the config data given (batch item, --config), before detection fills it


def page_config(data: dict) -> dict:
    """A config's data without the keys that name files (the page keeps those apart)."""
    return {k: v for k, v in data.items() if k not in FILE_KEYS and v is not None}


def found_info(found) -> dict:
    """What :class:`chromagrid.auto.Found` holds that the page draws: the colorbar box, its ticks, candidates."""
    info: dict = {"used": dict(found.used), "warnings": list(found.warnings)}
    if found.colorbar is not None:
        info["colorbar_box"] = [int(v) for v in found.colorbar.box]
        info["orientation"] = found.colorbar.orientation
    if found.colorbar_scale is not None:
        fit = found.colorbar_scale.describe()["fit"]
        info["ticks"] = [{"position": t["position"], "value": t["value"], "text": t["text"]} for t in fit["ticks"]]
    if found.colormaps:
        info["candidates"] = [m.describe() for m in found.colormaps]
    return info


def detect(data: dict, source: str) -> tuple[dict, dict]:
    """Fill what ``data`` leaves out from the figure (:func:`chromagrid.pipeline.complete_from_figure`).

    Returns the completed config data and :func:`found_info`. When the figure cannot supply
    everything, the page still opens: the plot box falls back to the first panel found (or
    the whole image), the colormap to viridis and the range to 0-1, and ``found["error"]``
    holds the one-line reason.
    """
    from chromagrid.auto import needs_detection
    from chromagrid.pipeline import complete_from_figure

    if not needs_detection(data):
        return data, {"used": {}, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ChromagridWarning)
        try:
            config, _, found = complete_from_figure(dict(data), source)
        except ChromagridError as e:
            return fallback_config(data), {"used": {}, "warnings": [], "error": str(e)}
    completed = config.model_dump(mode="json", exclude_unset=True)
    info = found_info(found)
    info["warnings"] = sorted({*info["warnings"], *(str(w.message) for w in caught if w.category is ChromagridWarning)})
    return completed, info


def fallback_config(data: dict) -> dict:
    """``data`` with a plot box, a colormap and a range where detection could not give them."""
    from chromagrid.io.image import image_size

    data = dict(data)
    width, height = image_size(data["input"])
    if not isinstance(data.get("box"), list | tuple):
        data["box"] = [0, 0, width, height]
    data.pop("panel", None)
    scale = dict(data.get("scale") or {})
    if not any(scale.get(k) is not None for k in ("cmap", "colors", "colorbar_box")):
        scale["cmap"] = "viridis"
    if scale.get("vmin") is None and scale.get("colorbar_range") is None and scale.get("boundaries") is None:
        scale.update(vmin=0.0, vmax=1.0)
    data["scale"] = scale
    return data


def inline_gcps(data: dict) -> dict:
    """A config whose ``georef.gcps_file`` is read into ``georef.gcps`` (its CRS into ``crs``), for the page's table."""
    georef = data.get("georef") or {}
    if not georef.get("gcps_file"):
        return data
    from chromagrid.geo.gcp import read_points

    gcps, crs = read_points(georef["gcps_file"])
    georef = {k: v for k, v in georef.items() if k != "gcps_file"}
    georef["gcps"] = [[g.col, g.row, g.x, g.y] for g in gcps if g.enabled]
    if crs is not None and not georef.get("crs"):
        georef["crs"] = crs.to_string()
    return {**data, "georef": georef}


def relative_to(path: str | os.PathLike, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else absolute (for the page's fields)."""
    p = Path(path).resolve()
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)


def figure_from_image(image: str | os.PathLike, root: Path) -> Figure:
    """A figure started from its image alone: everything comes from detection."""
    path = Path(image).resolve()
    if not path.is_file():
        raise ConfigError(f"{image}: figure not found")
    return Figure(path=path, outputs=[f"{path.stem}.nc"], config_path=root / f"{path.stem}.yaml", start={})


def figure_from_config(config_path: str | os.PathLike, root: Path) -> Figure:
    """A figure started from a decode config: its values prefill the page and saving writes it back."""
    from chromagrid.config import load_config_data

    config_path = Path(config_path).resolve()
    data = load_config_data(config_path)
    if data.get("kind") == "cells":
        raise ConfigError(
            f"{config_path}: a cells config (kind: cells); the page steers decode configs: "
            "run cells configs with `chromagrid run`"
        )
    if "input" not in data:
        raise ConfigError(f"{config_path}: input: required key is missing")
    path = Path(data["input"])
    if not path.is_file():
        raise ConfigError(f"{config_path}: input {data['input']}: figure not found")
    outputs = [*(data.get("output") or []), *(data.get("points") or [])]
    outputs = [outputs] if isinstance(outputs, str) else outputs
    return Figure(
        path=path,
        outputs=[relative_to(p, root) for p in outputs] or [f"{path.stem}.nc"],
        config_path=config_path,
        start=page_config(data),
    )


def figures_from_batch(batch_path: str | os.PathLike, root: Path) -> list[Figure]:
    """One figure per item of a batch config (:func:`chromagrid.batch.plan_batch`), each with its resolved config.

    Saving writes each figure's config to ``<batch folder>/<batch name>/<figure stem>.yaml``.
    """
    from chromagrid.batch import plan_batch

    batch_path = Path(batch_path).resolve()
    folder = batch_path.parent / batch_path.stem
    figures = []
    for item in plan_batch(batch_path, force=True).items:
        start = page_config(item.config.model_dump(mode="json", exclude_unset=True)) if item.config else {}
        figure = Figure(
            path=Path(item.input).resolve(),
            outputs=[relative_to(p, root) for p in item.outputs],
            config_path=folder / f"{Path(item.input).stem}.yaml",
            start=start,
        )
        if item.config is None:
            figure.found = {"error": item.reason}
        figures.append(figure)
    return figures


def prepare(figure: Figure) -> Figure:
    """Run detection for a figure once (on first view): fill ``figure.config`` and ``figure.found``."""
    if figure.config is not None:
        return figure
    data = {**(figure.start or {}), "input": str(figure.path)}
    data.setdefault("scale", {})
    if figure.found.get("error"):  # an invalid batch item: the page opens on what the figure shows
        completed, info = detect({"input": str(figure.path), "scale": {}}, figure.path.name)
        info["error"] = figure.found["error"]
    else:
        completed, info = detect(data, figure.path.name)
    figure.config = page_config(inline_gcps(completed))
    figure.found = info
    return figure


# --------------------------------------------------------------------------- one decode, as the page sees it
@dataclass
class View:
    """The last decode of a figure: the pipeline's result and its values on the plot box's pixels.

    ``value`` and ``distance`` are (box height, box width): pixel (col, row) of the image is
    ``value[row - box[1], col - box[0]]``, whatever flip or warp the grid went through.
    """

    version: int
    result: Result
    value: np.ndarray
    distance: np.ndarray | None
    mapping: PixelMapping | None
    layers: dict = field(default_factory=dict)


def box_view(result: Result) -> tuple[np.ndarray, np.ndarray | None, PixelMapping | None]:
    """The grid of a :class:`chromagrid.pipeline.Result` read back at each plot-box pixel.

    Each box pixel's centre is mapped to world coordinates as the pipeline mapped it
    (:func:`chromagrid.pipeline.pixel_mapping`; image pixel indices without georeferencing),
    then into the grid's cells through the grid's own transform: the value shown for a pixel
    is the value of the grid cell holding it, flipped, warped or reprojected as the grid was.

    Returns
    -------
    value, distance : (H, W) float32 (distance None when the grid has none)
    mapping : PixelMapping or None
    """
    from chromagrid.geo.georef import grid_crs, grid_transform, pixel_transform
    from chromagrid.pipeline import pixel_mapping

    x0, y0, x1, y1 = result.box
    w, h = x1 - x0, y1 - y0
    grid = result.grid
    layers = [grid["value"].values] + ([grid["distance"].values] if "distance" in grid else [])
    inverse = ~grid_transform(grid)
    mapping = pixel_mapping(result.config, result.box)
    warped = bool(result.georef and result.georef.get("warped"))
    cols, rows = np.arange(w) + 0.5, np.arange(h) + 0.5
    if not warped:  # axis-aligned: columns and rows map separately
        if mapping is None:
            t = pixel_transform(result.box)
            wx, wy = t.c + t.a * cols, t.f + t.e * rows
        else:
            wx = mapping.forward(np.column_stack([cols, np.full(w, 0.5)]))[:, 0]
            wy = mapping.forward(np.column_stack([np.full(h, 0.5), rows]))[:, 1]
        gi = np.floor(inverse.a * wx + inverse.c).astype(np.int64)
        gj = np.floor(inverse.e * wy + inverse.f).astype(np.int64)
        gi, gj = np.meshgrid(gi, gj)
    else:
        assert mapping is not None  # a grid is warped only through a mapping
        cc, rr = np.meshgrid(cols, rows)
        world = mapping.forward(np.column_stack([cc.ravel(), rr.ravel()]))
        target = grid_crs(grid)
        if mapping.crs is not None and target is not None and not target.equals(mapping.crs):
            from pyproj import Transformer

            world = np.column_stack(
                Transformer.from_crs(mapping.crs, target, always_xy=True).transform(world[:, 0], world[:, 1])
            )
        gx = inverse.a * world[:, 0] + inverse.b * world[:, 1] + inverse.c
        gy = inverse.d * world[:, 0] + inverse.e * world[:, 1] + inverse.f
        gi = np.floor(gx).reshape(h, w).astype(np.int64)
        gj = np.floor(gy).reshape(h, w).astype(np.int64)
    gh, gw = layers[0].shape
    inside = (gi >= 0) & (gi < gw) & (gj >= 0) & (gj < gh)
    gi, gj = np.clip(gi, 0, gw - 1), np.clip(gj, 0, gh - 1)
    out = [np.where(inside, a[gj, gi], np.float32(np.nan)).astype(np.float32) for a in layers]
    return out[0], (out[1] if len(out) > 1 else None), mapping


def summary_of(result) -> dict:
    """What the page shows of a run: the pipeline's own summary and the scale used."""
    import json

    s = result.summary()
    return json.loads(json.dumps({**s, "scale": result.scale.describe()}, default=str))


def png_bytes(array: np.ndarray) -> bytes:
    """An (H, W, 3|4) uint8 array as PNG (fast compression: the page is local)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def value_layer(view: View) -> np.ndarray:
    """The decoded values redrawn in the scale's colours; no-data pixels in :data:`NODATA_COLOUR`."""
    rgb = view.result.scale.colors_for(view.value)
    rgb[~np.isfinite(view.value)] = NODATA_COLOUR
    return rgb


def distance_layer(view: View, max_distance: float) -> np.ndarray:
    """The colour distance (delta E) of each pixel, 0 (dark) to ``max_distance`` (bright), magma; RGBA."""
    from matplotlib import colormaps

    lut = (colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    d = view.distance if view.distance is not None else np.zeros_like(view.value)
    index = np.clip(np.nan_to_num(d / max_distance, nan=1.0) * 255, 0, 255).astype(np.uint8)
    rgba = np.empty((*d.shape, 4), np.uint8)
    rgba[..., :3] = lut[index]
    rgba[..., 3] = np.where(np.isfinite(d), 255, 0)
    return rgba


def nodata_layer(view: View) -> np.ndarray:
    """The no-data pixels in :data:`NODATA_COLOUR`, the rest transparent; RGBA."""
    rgba = np.zeros((*view.value.shape, 4), np.uint8)
    rgba[..., :3] = NODATA_COLOUR
    rgba[..., 3] = np.where(np.isfinite(view.value), 0, 255)
    return rgba


LAYERS = ("value", "distance", "nodata")


def layer_png(view: View, kind: str) -> bytes:
    """One of :data:`LAYERS` of a view as PNG (rendered once per decode)."""
    if kind not in LAYERS:
        raise ConfigError(f"layer {kind}: use one of {', '.join(LAYERS)}")
    if kind not in view.layers:
        config = view.result.config
        array = {
            "value": lambda: value_layer(view),
            "distance": lambda: distance_layer(view, config.decode.max_distance),
            "nodata": lambda: nodata_layer(view),
        }[kind]()
        view.layers[kind] = png_bytes(array)
    return view.layers[kind]


def _number(v) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def probe(view: View, col: int, row: int) -> dict:
    """The read-out at image pixel (col, row): value, colour distance, world coordinates (None outside the box)."""
    x0, y0, x1, y1 = view.result.box
    out: dict = {"col": int(col), "row": int(row), "inside": bool(x0 <= col < x1 and y0 <= row < y1)}
    if not out["inside"]:
        return out
    r, c = row - y0, col - x0
    out["value"] = _number(view.value[r, c])
    out["distance"] = _number(view.distance[r, c]) if view.distance is not None else None
    if view.mapping is not None:
        x, y = view.mapping.forward(np.array([[c + 0.5, r + 0.5]]))[0]
        if view.mapping.log_x:
            x = 10.0**x
        if view.mapping.log_y:
            y = 10.0**y
        out["world"] = [float(x), float(y)]
        out["crs"] = view.mapping.crs.to_string() if view.mapping.crs is not None else None
    return out


# --------------------------------------------------------------------------- colour scale helpers
@lru_cache(maxsize=4096)
def colormap_strip(name: str, ncolors: int | None = None) -> bytes:
    """A 256 x 1 PNG of a colormap (its table resampled to ``ncolors`` when given), low values left."""
    from chromagrid.scale.colorscale import resolve_colormap

    cm = resolve_colormap(name, ncolors)
    rgb = (np.asarray(cm(np.linspace(0, 1, 256)))[:, :3] * 255 + 0.5).astype(np.uint8)
    return png_bytes(rgb[None, :, :])


@lru_cache(maxsize=1)
def colormap_names() -> tuple[str, ...]:
    """Every colormap name chromagrid knows (:func:`chromagrid.scale.colorscale.known_colormaps`)."""
    from chromagrid.scale.colorscale import known_colormaps

    return known_colormaps()


def rank_colormaps(rgb: np.ndarray, box, colorbar_box=None, lossy: bool = False) -> list[dict]:
    """The catalogue's best matches, by colour distance: to the colours along ``colorbar_box``, or without a
    colorbar to the plot box's own colours (:mod:`chromagrid.scale.identify`)."""
    from chromagrid.scale.colorscale import sample_colorbar
    from chromagrid.scale.identify import identify_colormap, identify_from_pixels

    if colorbar_box is not None:
        colours = sample_colorbar(rgb, colorbar_box)[0]
        matches = identify_colormap(colours, top=TOP_MATCHES, lossy=lossy)
    else:
        x0, y0, x1, y1 = box
        matches = identify_from_pixels(rgb[y0:y1, x0:x1], top=TOP_MATCHES, lossy=lossy)
    return [m.describe() for m in matches]


# --------------------------------------------------------------------------- ground control points
def gcps_from_rows(rows) -> list:
    """GCPs from the page's table rows ``[col, row, x, y, enabled]`` (enabled optional)."""
    from chromagrid.geo.gcp import GCP

    try:
        return [
            GCP(float(r[0]), float(r[1]), float(r[2]), float(r[3]), bool(r[4]) if len(r) > 4 else True) for r in rows
        ]
    except (TypeError, ValueError, IndexError):
        raise ConfigError("gcps: every row needs col, row, x and y as numbers") from None


def gcp_table(rows, transform: str) -> dict:
    """Residuals of every GCP (disabled ones too) under ``transform`` fitted to the enabled ones, as QGIS shows."""
    from chromagrid.geo.gcp import fit_transform, gcp_residuals

    gcps = gcps_from_rows(rows)
    return gcp_residuals(fit_transform(transform, gcps), gcps).as_dict()


def import_points(text: str, name: str = ".points") -> dict:
    """A QGIS ``.points`` file's text as the page's GCP rows and CRS."""
    from chromagrid.geo.gcp import parse_points

    gcps, crs = parse_points(text, name)
    return {"gcps": [[g.col, g.row, g.x, g.y, g.enabled] for g in gcps], "crs": crs.to_string() if crs else None}


def export_points(rows, transform: str | None = None, crs: str | None = None) -> str:
    """The page's GCPs as a QGIS ``.points`` file (residuals filled when the transform can be fitted)."""
    from chromagrid.geo.gcp import fit_transform, format_points, gcp_residuals
    from chromagrid.geo.georef import parse_crs

    gcps = gcps_from_rows(rows)
    report = None
    if transform:
        try:
            report = gcp_residuals(fit_transform(transform, gcps), gcps)
        except ChromagridError:
            report = None
    return format_points(gcps, parse_crs(crs) if crs else None, report)


# --------------------------------------------------------------------------- the session
def error_field(message: str) -> str:
    """Which part of the page an error message is about: box, colorbar, cmap, range, georef, save or general."""
    text = message.lower()
    rules = (
        ("save", ("outside the working folder", "write", "output", "give a file name", ".yaml")),
        ("colorbar", ("colorbar_box", "colorbar box")),
        ("box", ("box",)),
        ("cmap", ("scale.cmap", "unknown colormap")),
        ("range", ("vmin", "vmax", "range", "norm", "boundaries", "ncolors")),
        ("cmap", ("cmap", "colormap", "colour scale")),
        ("georef", ("georef", "gcp", "transform", "crs", "extent", "axes", "resolution")),
    )
    for name, words in rules:
        if any(w in text for w in words):
            return name
    return "general"


class Session:
    """The figures a server was started with and the state of each (thread-safe).

    Parameters
    ----------
    figures : list of Figure
    policy : PathPolicy
        Where saving may write.
    """

    def __init__(self, figures: list[Figure], policy: PathPolicy):
        if not figures:
            raise ConfigError("no figure to show: give a figure, --config FILE or --batch FILE")
        self.figures = figures
        self.policy = policy
        self.views: dict[int, View] = {}
        self._lock = threading.RLock()
        self._version = 0
        self._images: dict[int, object] = {}

    def figure(self, index) -> Figure:
        """Figure ``index`` (a ConfigError for any other number)."""
        try:
            i = int(index)
        except (TypeError, ValueError):
            i = -1
        if not 0 <= i < len(self.figures):
            raise ConfigError(f"figure {index}: this page shows figures 0 to {len(self.figures) - 1}")
        return self.figures[i]

    def image(self, index: int):
        """The figure's pixels (read once)."""
        from chromagrid.io.image import read_image

        with self._lock:
            if index not in self._images:
                self._images[index] = read_image(self.figure(index).path)
            return self._images[index]

    def state(self, index: int) -> dict:
        """What the page needs to show figure ``index``: its config, what was detected, where saving goes."""
        with self._lock:
            figure = prepare(self.figure(index))
        image = self.image(index)
        width, height = image.size
        root = self.policy.root
        return {
            "index": int(index),
            "count": len(self.figures),
            "name": figure.path.name,
            "width": int(width),
            "height": int(height),
            "config": figure.config,
            "found": figure.found,
            "outputs": figure.outputs,
            "config_path": relative_to(figure.config_path, root) if figure.config_path else "",
        }

    def decode_data(self, index: int, config: dict) -> dict:
        """The config dict a decode of the page's ``config`` runs: the figure's own input, no outputs."""
        if not isinstance(config, dict):
            raise ConfigError("config: should be a mapping of keys")
        return {**page_config(config), "input": str(self.figure(index).path)}

    def decode(self, index: int, config: dict) -> dict:
        """Decode figure ``index`` with the page's ``config`` through :func:`chromagrid.pipeline.run`."""
        from chromagrid.pipeline import run

        data = self.decode_data(index, config)
        with self._lock, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ChromagridWarning)
            result = run(data, source=self.figure(index).path.name)
            value, distance, mapping = box_view(result)
            self._version += 1
            view = View(self._version, result, value, distance, mapping)
            self.views[int(index)] = view
        out = summary_of(result)
        out["version"] = view.version
        out["warnings"] = sorted({str(w.message) for w in caught if w.category is ChromagridWarning})
        return out

    def view(self, index: int) -> View:
        """The last decode of figure ``index``."""
        with self._lock:
            view = self.views.get(int(index))
        if view is None:
            raise ConfigError(f"figure {index}: not decoded yet")
        return view

    def rank(self, index: int, box, colorbar_box=None) -> list[dict]:
        """Ranked colormap matches for the figure's colorbar box (or plot box)."""
        from chromagrid.config import check_boxes
        from chromagrid.pipeline import is_lossy

        image = self.image(index)
        check_boxes(box, colorbar_box, *image.size)
        for key, b in (("box", box), ("scale.colorbar_box", colorbar_box)):
            if b is not None and (len(b) != 4 or b[2] - b[0] < 2 or b[3] - b[1] < 2 or min(b) < 0):
                raise ConfigError(f"{key} {list(b)} must be x0 y0 x1 y1 inside the image with x1 > x0 and y1 > y0")
        box = [int(v) for v in box]
        colorbar_box = [int(v) for v in colorbar_box] if colorbar_box is not None else None
        return rank_colormaps(image.rgb, box, colorbar_box, is_lossy(self.figure(index).path))

    def save(self, index: int, config: dict, config_path: str, outputs: list[str]) -> list[Path]:
        """Write the config (YAML) and the outputs through :func:`chromagrid.pipeline.run`.

        Every path is checked against the :class:`PathPolicy` before anything is written.
        """
        from chromagrid.pipeline import run

        target = self.policy.resolve(config_path, "config") if config_path else None
        files = [self.policy.resolve(p, "output") for p in outputs if str(p).strip()]
        unknown = [p for p in files if p.suffix.lower() not in GRID_SUFFIXES + POINT_SUFFIXES]
        if unknown:
            raise ConfigError(
                f"output {unknown[0].name}: write a grid (.nc, .tif) or points (.csv, .parquet, .geojson)"
            )
        if target is None and not files:
            raise ConfigError("save: give a config file name or an output")
        data = self.decode_data(index, config)
        data["output"] = [str(p) for p in files if p.suffix.lower() in GRID_SUFFIXES]
        points = [str(p) for p in files if p.suffix.lower() in POINT_SUFFIXES]
        if points:
            data["points"] = points
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", ChromagridWarning)
            result = run(data, write_config=target, source=self.figure(index).path.name)
        written = ([target] if target is not None else []) + [Path(p).resolve() for p in result.outputs]
        self.policy.written.update(written)
        figure = self.figure(index)
        figure.config = page_config(config)
        if target is not None:
            figure.config_path = target
        figure.outputs = [relative_to(p, self.policy.root) for p in files]
        return written
