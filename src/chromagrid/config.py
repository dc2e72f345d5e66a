"""Run configuration: validated up front (pydantic), from YAML, TOML or keyword arguments.

Everything that can be checked without the image is checked here: unknown
keys, wrong types, vmin >= vmax, a log norm with vmin <= 0, unknown colormap
names (with the nearest valid names), unparseable CRSs, output suffixes.
What needs the image's size (a box outside it) is checked by
:func:`check_against_image` before any pixel is decoded.
"""

from __future__ import annotations

import importlib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, overload

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chromagrid.decode.core import DEFAULT_MAX_DISTANCE
from chromagrid.errors import ConfigError
from chromagrid.io.image import DEFAULT_MAX_PIXELS
from chromagrid.reduce.settings import Reduce, Tolerance  # noqa: F401  (Tolerance: re-exported, chromagrid.config.Tolerance)
from chromagrid.scale.colorscale import ColorScaleError, resolve_colormap

Box = tuple[int, int, int, int]
Extent = tuple[float, float, float, float]


def _check_box(box: Box | None, key: str) -> Box | None:
    if box is None:
        return None
    x0, y0, x1, y1 = box
    if min(box) < 0:
        raise ValueError(f"{key} {list(box)} has a negative coordinate; pixel coordinates start at 0")
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError(f"{key} {list(box)} must be x0 y0 x1 y1 with x1 >= x0 + 2 and y1 >= y0 + 2 (x1, y1 exclusive)")
    return box


def as_list(value):
    """A single path (or None) where a list of paths is expected."""
    if value is None:
        return []
    return [value] if isinstance(value, (str, os.PathLike)) else value


def _known_suffixes(format_function: str):
    """After-validator: each path's suffix is one ``chromagrid.MODULE.FUNCTION`` knows (imported lazily)."""
    module, function = format_function.rsplit(".", 1)

    def check(paths: list[Path]) -> list[Path]:
        format_of = getattr(importlib.import_module(f"chromagrid.{module}"), function)
        for path in paths:
            try:
                format_of(path)
            except ConfigError as e:
                raise ValueError(str(e)) from None
        return paths

    return check


def _single_suffix(key: str, suffix: str, what: str):
    """After-validator: an optional path must end in ``suffix``."""

    def check(path: Path | None) -> Path | None:
        if path is not None and path.suffix.lower() != suffix:
            raise ValueError(f"{key} {path}: {what}; give a file name ending in {suffix}")
        return path

    return check


GridPaths = Annotated[list[Path], BeforeValidator(as_list), AfterValidator(_known_suffixes("export.grid.grid_format"))]
PointPaths = Annotated[
    list[Path], BeforeValidator(as_list), AfterValidator(_known_suffixes("export.points.points_format"))
]
MatrixPaths = Annotated[
    list[Path], BeforeValidator(as_list), AfterValidator(_known_suffixes("heatmap.cells.matrix_format"))
]
ReportPath = Annotated[Path | None, AfterValidator(_single_suffix("report", ".json", "the report is JSON"))]
FigurePath = Annotated[Path | None, AfterValidator(_single_suffix("figure", ".png", "the diagnostic figure is a PNG"))]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleConfig(_Section):
    """How colours map to values: one of ``cmap``, ``colors`` or ``colorbar_box``."""

    cmap: str | None = Field(None, description="colormap name: viridis, RdBu_r, cmocean:thermal, crameri:batlow")
    ncolors: int | None = Field(None, ge=2, description="resample the colormap to this many colours")
    colors: list[str | list[float]] | None = Field(None, description="explicit colours, low values first")
    values: list[float] | None = Field(None, description="the value of each of `colors`")
    colorbar_box: Box | None = Field(None, description="pixel box x0 y0 x1 y1 of the colorbar's colour strip")
    colorbar_orientation: Literal["vertical", "horizontal"] | None = None
    colorbar_range: tuple[float, float] | None = Field(None, description="values at the colorbar's low and high ends")
    norm: Literal["linear", "log", "discrete"] = "linear"
    vmin: float | None = None
    vmax: float | None = None
    boundaries: list[float] | None = Field(None, description="interval edges for norm: discrete")
    levels: list[float] | None = Field(
        None, description="filled-contour (contourf) levels; norm: linear or log says how contourf coloured them"
    )
    extend: Literal["neither", "both", "min", "max"] = Field(
        "neither", description="with levels or norm: discrete: colours for values below / above the ends"
    )

    @field_validator("cmap")
    @classmethod
    def _known_cmap(cls, name):
        if name is not None:
            try:
                resolve_colormap(name)
            except ColorScaleError as e:
                raise ValueError(str(e)) from None
        return name

    @field_validator("colorbar_box")
    @classmethod
    def _box_shape(cls, box):
        return _check_box(box, "colorbar_box")

    @model_validator(mode="after")
    def _consistent(self):
        sources = [k for k in ("cmap", "colors", "colorbar_box") if getattr(self, k) is not None]
        if len(sources) != 1:
            raise ValueError(
                "give exactly one colour scale source: cmap, colors or colorbar_box "
                f"(got {', '.join(sources) or 'none'})"
            )
        if self.colorbar_range is not None:
            if self.colorbar_box is None:
                raise ValueError("colorbar_range needs colorbar_box")
            if self.vmin is not None or self.vmax is not None:
                raise ValueError("give either colorbar_range or vmin/vmax, not both")
        if self.values is not None and self.colors is None:
            raise ValueError("values needs colors")
        if self.levels is not None:
            return self._levels_consistent()
        if self.extend != "neither" and self.norm != "discrete":
            raise ValueError("extend goes with levels (contourf) or norm: discrete with boundaries")
        if self.norm == "discrete":
            b = self.boundaries
            if not b or len(b) < 2 or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
                raise ValueError("norm: discrete needs boundaries: at least 2 strictly increasing values")
            return self
        if self.boundaries is not None:
            raise ValueError("boundaries only go with norm: discrete")
        lo, hi = self.value_range
        if self.colors is not None and self.values is not None and lo is None and hi is None:
            return self
        if lo is None or hi is None:
            where = "colorbar_range" if self.colorbar_box is not None else "vmin and vmax"
            raise ValueError(f"the value range is missing: give {where}")
        if not lo < hi:
            raise ValueError(
                f"vmin ({lo}) must be less than vmax ({hi}); for a reversed scale use a "
                "reversed colormap (name_r) instead"
            )
        if self.norm == "log" and lo <= 0:
            raise ValueError(f"norm: log needs vmin > 0 (got {lo})")
        return self

    def _levels_consistent(self):
        """``levels`` (a contourf): increasing, with norm linear or log, not with boundaries or values."""
        b = self.levels
        assert b is not None  # called only when levels are given
        if len(b) < 2 or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise ValueError("levels: at least 2 strictly increasing values")
        if self.norm == "discrete" or self.boundaries is not None:
            raise ValueError(
                "levels (contourf) and norm: discrete with boundaries (BoundaryNorm) colour intervals in two "
                "different ways: give one of them"
            )
        if self.values is not None:
            raise ValueError("levels give the values: remove values")
        if self.colorbar_box is not None and self.extend != "neither":
            raise ValueError("extend with colorbar_box: the strip leaves out the extend triangles; give cmap or colors")
        if self.norm == "log" and b[0] <= 0:
            raise ValueError(f"levels with norm: log must be positive (got {b[0]:g})")
        lo, hi = self.value_range
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"vmin ({lo}) must be less than vmax ({hi})")
        return self

    @property
    def value_range(self) -> tuple[float | None, float | None]:
        """(vmin, vmax), from colorbar_range when that is given."""
        if self.colorbar_range is not None:
            return self.colorbar_range
        return self.vmin, self.vmax


class DecodeConfig(_Section):
    """Colour-to-value settings."""

    max_distance: float = Field(
        DEFAULT_MAX_DISTANCE, gt=0, description="pixels farther than this CIE76 delta E from the scale are no data"
    )
    keep_distance: bool = Field(True, description="store the per-pixel colour distance in the grid")
    overlays: Literal["fill", "mask", "keep"] = Field(
        "fill",
        description="thin lines, text, the frame and gridlines drawn over the data: remove them and fill "
        "thin gaps from both sides (fill), only remove them (mask), or decode them like any pixel (keep)",
    )
    smooth: bool | Literal["auto"] = Field(
        "auto",
        description="average each value with its neighbours of nearly the same value, which takes out "
        "JPEG noise; auto: only for JPEG inputs",
    )
    jpeg_refine: bool = Field(
        True,
        description="when smoothing a JPEG figure, keep the values consistent with the file's own "
        "compressed data (its DCT coefficients and quantization tables): a tenth less error on "
        "../shared/bench's JPEGs, about 1.1 s more per megapixel; false: smooth the decoded pixels only",
    )
    margins: Literal["auto", "off"] = Field(
        "auto",
        description="figures drawn with a resampling interpolation (imshow bilinear and the like, "
        "interpolation_stage='data') lose half a source cell of data along every masked edge. auto: when "
        "the decoded values show such a rendering, extend them into the plain background next to the data "
        "by half the source cell spacing measured from the image, never across lines or text; off: leave them",
    )
    native_grid: bool = Field(
        False,
        description="the box holds a nearest-neighbour raster: find its cells and give one value per "
        "cell (the raster's native resolution) instead of one per pixel",
    )


AxisTicks = tuple[tuple[float, float], tuple[float, float]]
TransformName = Literal["linear", "helmert", "polynomial1", "polynomial2", "polynomial3", "projective", "tps"]
ResamplingName = Literal[
    "nearest", "bilinear", "cubic", "cubic_spline", "lanczos", "average", "mode", "min", "max", "med", "q1", "q3"
]
#: The GCP transform used when ``gcps`` or ``gcps_file`` is given without ``transform``.
DEFAULT_TRANSFORM = "polynomial1"


class AxesConfig(_Section):
    """Axis calibration: two known ticks per axis, in image pixel coordinates (centre of pixel i is i + 0.5)."""

    x: AxisTicks = Field(description="[[pixel_col_a, value_a], [pixel_col_b, value_b]]")
    y: AxisTicks = Field(description="[[pixel_row_a, value_a], [pixel_row_b, value_b]]")
    x_scale: Literal["linear", "log"] = "linear"
    y_scale: Literal["linear", "log"] = "linear"
    x_units: str | None = Field(None, description="units of x values when there is no crs")
    y_units: str | None = Field(None, description="units of y values when there is no crs")

    @model_validator(mode="after")
    def _ticks(self):
        from chromagrid.geo.axes import Axis

        for name in ("x", "y"):
            try:
                Axis(getattr(self, name), getattr(self, f"{name}_scale"))
            except ConfigError as e:
                raise ValueError(f"{name}: {e}") from None
        return self

    def axis(self, name: str):
        """The calibrated :class:`chromagrid.geo.axes.Axis` ``x`` or ``y``."""
        from chromagrid.geo.axes import Axis

        return Axis(getattr(self, name), getattr(self, f"{name}_scale"))


class GeorefConfig(_Section):
    """Pixel to world coordinates: one of extent, axes, gcps or gcps_file; optionally warped/reprojected."""

    extent: Extent | None = Field(None, description="left right bottom top: world coordinates of the box's edges")
    crs: str | None = Field(None, description="EPSG code, WKT or PROJ string")
    axes: AxesConfig | None = Field(None, description="two known ticks per axis")
    gcps: list[tuple[float, float, float, float]] | None = Field(
        None, description="ground control points [[col, row, x, y], ...] in image pixel coordinates"
    )
    gcps_file: Path | None = Field(None, description="QGIS Georeferencer .points file")
    transform: TransformName | None = Field(None, description="GCP transform (QGIS names); default polynomial1")
    target_crs: str | None = Field(None, description="reproject the grid to this CRS")
    resolution: float | tuple[float, float] | None = Field(
        None, description="target cell size (dx or [dx, dy]) in target CRS units; warps"
    )
    resampling: ResamplingName = Field("nearest", description="resampling when warping (rasterio/GDAL names)")

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, resolution):
        values = [resolution] if isinstance(resolution, (int, float)) else list(resolution or [])
        if any(not v > 0 for v in values):
            raise ValueError(f"resolution {resolution} must be positive (target cell size in target CRS units)")
        return resolution

    def load_gcps(self):
        """(GCPs, CRS of the file or None) from ``gcps`` or ``gcps_file``; ([], None) without GCPs."""
        from chromagrid.geo.gcp import gcps_from_list, read_points

        if self.gcps is not None:
            return gcps_from_list(self.gcps), None
        if self.gcps_file is not None:
            return read_points(self.gcps_file)
        return [], None

    @property
    def transform_name(self) -> str | None:
        """The GCP transform to fit (``transform``, else the default when GCPs are given)."""
        if self.gcps is None and self.gcps_file is None:
            return None
        return self.transform or DEFAULT_TRANSFORM

    @model_validator(mode="after")
    def _georef_consistent(self):
        from chromagrid.errors import ChromagridError
        from chromagrid.geo.gcp import check_gcp_count
        from chromagrid.geo.georef import parse_crs

        sources = [k for k in ("extent", "axes", "gcps", "gcps_file") if getattr(self, k) is not None]
        if len(sources) > 1:
            raise ValueError(f"give one of extent, axes, gcps or gcps_file (got {', '.join(sources)})")
        if self.transform is not None and self.gcps is None and self.gcps_file is None:
            raise ValueError(f"transform {self.transform} needs gcps or gcps_file")
        file_crs = None
        if self.transform_name is not None:
            try:
                gcps, file_crs = self.load_gcps()
                check_gcp_count(self.transform_name, sum(g.enabled for g in gcps))
            except ChromagridError as e:
                raise ValueError(str(e)) from None
        if file_crs is not None and self.crs is not None and not parse_crs(self.crs).equals(file_crs):
            raise ValueError(
                f"crs {self.crs} differs from the CRS in gcps_file {self.gcps_file} "
                f"({file_crs.name}); remove crs to use the file's, or fix one of them"
            )
        has_crs = self.crs is not None or file_crs is not None
        if self.target_crs is not None and not has_crs:
            raise ValueError("target_crs needs crs (the CRS of the extent, axes or GCP map coordinates)")
        if self.resolution is not None and not sources:
            raise ValueError("resolution needs georeferencing: give extent, axes, gcps or gcps_file")
        if self.axes is not None and "log" in (self.axes.x_scale, self.axes.y_scale):
            for key in ("crs", "target_crs", "resolution"):
                if getattr(self, key) is not None:
                    raise ValueError(f"a log axis gives a grid on the figure's own pixels: remove {key}")
        return self

    @field_validator("extent")
    @classmethod
    def _extent(cls, extent):
        if extent is not None and (extent[0] == extent[1] or extent[2] == extent[3]):
            raise ValueError(f"extent {list(extent)} is empty: left must differ from right and bottom from top")
        return extent

    @field_validator("crs", "target_crs", mode="before")
    @classmethod
    def _crs(cls, crs):
        if crs is None:
            return None
        from chromagrid.geo.georef import parse_crs

        crs = str(crs)
        try:
            parse_crs(crs)
        except ConfigError as e:
            raise ValueError(str(e).removeprefix("crs: ")) from None
        return crs

    @model_validator(mode="after")
    def _crs_needs_extent(self):
        if self.crs is not None and all(getattr(self, k) is None for k in ("extent", "axes", "gcps", "gcps_file")):
            raise ValueError(
                "crs needs extent, axes, gcps or gcps_file (what ties the figure's pixels to world coordinates)"
            )
        return self


class ExportConfig(_Section):
    """How grid files are written (see :class:`chromagrid.export.grid.ExportOptions`)."""

    compress: Literal["deflate", "lzw", "zstd", "none"] = Field(
        "deflate", description="GeoTIFF compression; NetCDF uses zlib unless none"
    )
    predictor: Literal[1, 2, 3] = Field(3, description="GeoTIFF predictor: 3 floating point, 2 horizontal, 1 none")
    complevel: int = Field(4, ge=1, le=9, description="compression level (NetCDF zlib, GeoTIFF deflate/zstd)")
    tiled: bool | None = Field(None, description="tiles/chunks of blocksize; default: when both sides >= 512")
    blocksize: int = Field(256, ge=16, multiple_of=16, description="tile and chunk side in cells")
    world_file: bool = Field(False, description="also write a world file (.tfw) beside each GeoTIFF")
    aux_xml: bool = Field(False, description="also write GDAL's .aux.xml beside each GeoTIFF")

    def options(self):
        """These settings as :class:`chromagrid.export.grid.ExportOptions`."""
        from chromagrid.export.grid import ExportOptions

        return ExportOptions(**self.model_dump())


class ImageConfig(_Section):
    """Image reading limits."""

    max_pixels: int = Field(DEFAULT_MAX_PIXELS, gt=0, description="refuse images with more pixels than this")


#: The ``reduce:`` section's model under its section-style name.
ReduceConfig = Reduce


class Config(_Section):
    """One figure, decoded to a grid.

    Relative paths are resolved against the config file's folder by
    :func:`load_config`.

    Examples
    --------
    A config from a dict (or a YAML/TOML file: :func:`load_config`); sections left out take their defaults:

    >>> config = Config(input="figure.png", scale={"cmap": "viridis", "vmin": 0, "vmax": 1})
    >>> config.scale.cmap, config.decode.max_distance, config.box
    ('viridis', 10.0, None)
    >>> load_config("configs/example.yaml").georef.crs
    'EPSG:4326'
    """

    input: Path
    output: GridPaths = Field(default_factory=list, description="grid files: .nc or .tif (one or several)")
    box: Box | Literal["auto"] | None = Field(
        None,
        description="plot box x0 y0 x1 y1 in image pixels (x1, y1 exclusive); auto: found in the figure; "
        "default: the whole image",
    )
    scale: ScaleConfig
    decode: DecodeConfig = DecodeConfig()
    georef: GeorefConfig = GeorefConfig()
    export: ExportConfig = ExportConfig()
    image: ImageConfig = ImageConfig()
    title: str | None = None
    units: str | None = None
    reduce: Reduce | None = Field(None, description="reduce the field to a point cloud and check the cost")
    points: PointPaths = Field(default_factory=list, description="point files: .csv, .parquet, .geojson, .nc")
    report: ReportPath = Field(None, description="JSON report of the run and its checks")
    figure: FigurePath = Field(None, description="diagnostic PNG: image, field, points, reconstruction, error")

    @property
    def reduce_settings(self) -> Reduce | None:
        """The reduction to run: ``reduce``, or the defaults when points, a report or a figure are asked for."""
        if self.reduce is not None:
            return self.reduce
        if self.points or self.report is not None or self.figure is not None:
            return Reduce()
        return None

    @field_validator("box")
    @classmethod
    def _box_shape(cls, box):
        return box if box == "auto" else _check_box(box, "box")

    @model_validator(mode="after")
    def _outputs_fit_georef(self):
        tiffs = [p for p in self.output if p.suffix.lower() in (".tif", ".tiff")]
        axes = self.georef.axes
        if tiffs and axes is not None and "log" in (axes.x_scale, axes.y_scale):
            raise ValueError(
                f"output {tiffs[0]}: a log axis gives no affine transform for a GeoTIFF; write .nc instead"
            )
        for key in ("world_file", "aux_xml"):
            if getattr(self.export, key) and not tiffs:
                raise ValueError(f"export.{key} goes beside a GeoTIFF: add a .tif output or remove {key}")
        return self

    def resolved(self) -> dict:
        """The full config as plain JSON-able data (for attributes and hashing)."""
        return json.loads(self.model_dump_json())


def format_validation_error(error: ValidationError, source: str = "config") -> str:
    """One line per problem: ``key.path: what is wrong``.

    For a key that takes one of several forms (``box``: four numbers or ``auto``),
    pydantic reports each form's failure under a type tag; the tags are left out
    of the path, and a word alternative (``auto``) only as a hint after the others.
    """
    problems: list[dict[str, Any]] = []
    alternatives: dict[tuple, Any] = {}
    problem: Mapping[str, Any]  # pydantic's ErrorDetails, then dicts of the same keys
    for problem in error.errors():
        loc = tuple(p for p in problem["loc"] if not (isinstance(p, str) and "[" in p))  # union member tags
        if problem["type"] == "literal_error" and len(loc) < len(problem["loc"]):
            alternatives[loc] = problem["ctx"]["expected"]
        else:
            problems.append({**problem, "loc": loc})
    lines = []
    for problem in problems or [
        {"loc": k, "msg": f"should be {v}", "type": "literal_error"} for k, v in alternatives.items()
    ]:
        where = ".".join(str(p) for p in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key; check its spelling and section (see the config reference, docs/config.md)"
        elif problem["type"] == "missing" and problem["loc"] and isinstance(problem["loc"][-1], int):
            where = ".".join(str(p) for p in problem["loc"][:-1])  # a list of fixed length, cut short
            message = f"too few values: item {problem['loc'][-1] + 1} is missing"
        elif problem["type"] == "missing":
            message = "required key is missing"
        hint = alternatives.get(problem["loc"][:1]) if problems else None
        lines.append(f"{where}: {message}" + (f" (or give {hint})" if hint else ""))
    return f"{source}: " + ("; ".join(lines) if len(lines) == 1 else "\n  " + "\n  ".join(lines))


_Model = TypeVar("_Model", bound=BaseModel)


@overload
def validate_config(data: dict, source: str = ..., model: None = None) -> Config: ...
@overload
def validate_config(data: dict, source: str = ..., *, model: type[_Model]) -> _Model: ...
@overload
def validate_config(data: dict, source: str, model: type[_Model]) -> _Model: ...
def validate_config(data: dict, source: str = "config", model: type[BaseModel] | None = None) -> BaseModel:
    """Validate a dict into a :class:`Config` (or ``model``), raising :class:`ConfigError` with readable lines."""
    try:
        return (model or Config).model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, source)) from None


def read_config_file(path: str | os.PathLike) -> dict:
    """Parse a YAML or TOML file into a dict (no validation)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise ConfigError(f"{path}: config files must end in .yaml, .yml or .toml")
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot parse ({e})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def resolve_paths(data: dict, base: Path) -> dict:
    """Make ``input``, ``output``, ``points``, ``report`` and ``figure`` paths relative to ``base`` absolute."""
    data = dict(data)

    def absolute(p):
        return str(p) if Path(p).is_absolute() else str((base / p).resolve())

    if isinstance(data.get("input"), (str, os.PathLike)):
        data["input"] = absolute(data["input"])
    out = data.get("output")
    if isinstance(out, (str, os.PathLike)):
        data["output"] = absolute(out)
    elif isinstance(out, list):
        data["output"] = [absolute(p) if isinstance(p, (str, os.PathLike)) else p for p in out]
    points = data.get("points")
    if isinstance(points, (str, os.PathLike)):
        data["points"] = absolute(points)
    elif isinstance(points, list):
        data["points"] = [absolute(p) if isinstance(p, (str, os.PathLike)) else p for p in points]
    for key in ("report", "figure"):
        if isinstance(data.get(key), (str, os.PathLike)):
            data[key] = absolute(data[key])
    georef = data.get("georef")
    if isinstance(georef, dict) and isinstance(georef.get("gcps_file"), (str, os.PathLike)):
        data["georef"] = {**georef, "gcps_file": absolute(georef["gcps_file"])}
    return data


@overload
def load_config(path: str | os.PathLike, model: None = None) -> Config: ...
@overload
def load_config(path: str | os.PathLike, model: type[_Model]) -> _Model: ...
def load_config(path: str | os.PathLike, model: type[BaseModel] | None = None) -> BaseModel:
    """Read and validate a YAML or TOML config (a :class:`Config`, or ``model``); relative paths resolve
    against its folder.

    Parameters
    ----------
    path : path-like
        A ``.yaml``/``.yml`` or ``.toml`` file.
    model : pydantic model class, optional
        What to validate it as (:class:`CellsConfig` for a cells config); default :class:`Config`.

    Returns
    -------
    Config
        The validated config, its paths absolute.

    Raises
    ------
    ConfigError
        With one line per problem, naming the key and what to change.

    Examples
    --------
    >>> config = load_config("configs/example.yaml")
    >>> config.input.name, config.box, config.scale.cmap
    ('field.png', (80, 40, 620, 460), 'viridis')
    >>> import tempfile
    >>> from pathlib import Path
    >>> bad = Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> import yaml
    >>> _ = bad.write_text(yaml.safe_dump({"input": "f.png", "scale": {"cmap": "viridis", "vmin": 1, "vmax": 0.5}}))
    >>> load_config(bad)
    Traceback (most recent call last):
    ...
    chromagrid.errors.ConfigError: ...bad.yaml: scale: vmin (1.0) must be less than vmax (0.5)...
    """
    path = Path(path)
    return validate_config(load_config_data(path, cells=model is not None), source=str(path), model=model)


def load_config_data(path: str | os.PathLike, cells: bool = False) -> dict:
    """A YAML or TOML config as plain data, its relative paths resolved against its folder (not validated).

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, or is a cells config (``kind: cells``) and ``cells`` is False.
    """
    path = Path(path)
    data = resolve_paths(read_config_file(path), path.parent.resolve())
    if not cells and data.get("kind") == "cells":
        raise ConfigError(
            f"{path}: a cells config (kind: cells): run it with `chromagrid run {path}` or chromagrid.run_cells"
        )
    return data


#: The keys of ``scale`` that name where its colours come from (one is needed).
SCALE_SOURCES = ("cmap", "colors", "colorbar_box")


def has_scale_source(scale: dict) -> bool:
    """Whether a ``scale`` section (plain data) names its colours."""
    return any(scale.get(k) is not None for k in SCALE_SOURCES)


def has_value_range(scale: dict) -> bool:
    """Whether a ``scale`` section (plain data) gives its values: a range, boundaries, or a value per colour."""
    if any(scale.get(k) is not None for k in ("colorbar_range", "boundaries", "levels")):
        return True
    if scale.get("vmin") is not None and scale.get("vmax") is not None:
        return True
    return scale.get("colors") is not None and scale.get("values") is not None


def _stand_in_scale(scale: dict) -> dict:
    """``scale`` with a stand-in for what the figure is to supply, to check what the user gave."""
    scale = dict(scale)
    if not has_scale_source(scale):
        scale["cmap"] = "viridis"
    if not has_value_range(scale):
        if scale.get("norm") == "discrete":
            scale["boundaries"] = [1.0, 10.0]
        elif scale.get("colorbar_box") is not None:
            scale["colorbar_range"] = [1.0, 10.0]
        else:
            scale["vmin"], scale["vmax"] = 1.0, 10.0
    return scale


def precheck_config(data: dict, source: str = "config", model: type[BaseModel] | None = None) -> None:
    """Check a config whose panel and colour scale the figure is still to supply.

    Everything given is validated as :func:`validate_config` does, with a
    stand-in for the missing scale items, so a typo or an unknown colormap is
    reported before the figure is read.
    """
    scale = data.get("scale") or {}
    if not isinstance(scale, dict):
        raise ConfigError(f"{source}: scale: should be a mapping of keys")
    panel = data.get("panel")
    if panel is not None and (not isinstance(panel, int) or isinstance(panel, bool) or panel < 1):
        raise ConfigError(f"{source}: panel: should be a panel number from 1 (got {panel!r})")
    rest = {k: v for k, v in data.items() if k != "panel"}
    validate_config({**rest, "scale": _stand_in_scale(scale)}, source=source, model=model)


def check_against_image(config: Config, width: int, height: int) -> None:
    """Checks that need the image's size: boxes inside the image."""
    check_boxes(config.box, config.scale.colorbar_box, width, height)


def check_boxes(box, colorbar_box, width: int, height: int) -> None:
    """The plot box and the colorbar box (either may be None) lie inside an image of ``width`` x ``height``."""
    for key, given in (("box", box), ("scale.colorbar_box", colorbar_box)):
        if isinstance(given, (tuple, list)) and (given[2] > width or given[3] > height):
            raise ConfigError(
                f"{key} {list(given)} reaches outside the image ({width}x{height} pixels); "
                f"x1 must be <= {width} and y1 <= {height}"
            )


class CellsConfig(_Section):
    """One cell heat map measured to a matrix (``chromagrid cells``).

    Relative paths are resolved against the config file's folder by
    :func:`load_cells_config`.

    Examples
    --------
    >>> config = load_config("configs/cells.yaml", model=CellsConfig)
    >>> config.kind, config.scale.cmap, config.row_labels[:2]
    ('cells', 'YlGn', ['north', 'east'])
    """

    kind: Literal["cells"] = Field("cells", description="marks a cells config for `chromagrid run`")
    input: Path
    output: MatrixPaths = Field(default_factory=list, description="matrix files: .csv, .nc or .npy (one or several)")
    report: ReportPath = Field(None, description="JSON report: box, grid, per-cell pixel counts and colour distances")
    figure: FigurePath = Field(None, description="diagnostic PNG: the detected grid drawn over the figure")
    box: Box | None = Field(None, description="heat-map area x0 y0 x1 y1 in image pixels (default: found)")
    rows: int | None = Field(None, ge=1, description="number of rows (default: found); positions are still fitted")
    cols: int | None = Field(None, ge=1, description="number of columns (default: found)")
    row_labels: list[str] | None = Field(None, description="one label per row, top first (imply rows)")
    col_labels: list[str] | None = Field(None, description="one label per column, left first (imply cols)")
    min_pixels: int = Field(3, ge=1, description="a cell with fewer usable interior pixels is NaN")
    unequal: bool = Field(True, description="accept cells of unequal sizes (else fit equal cells only)")
    annotations: Literal["auto", "read", "off"] = Field(
        "auto",
        description="numbers printed in the cells: read them by OCR and compare them with the colours "
        "(auto: when most cells carry text; read: always; off: never)",
    )
    values_from: Literal["colour", "text"] = Field(
        "colour", description="text: the printed numbers where legible (the colour value where not)"
    )
    scale: ScaleConfig
    decode: DecodeConfig = DecodeConfig()
    image: ImageConfig = ImageConfig()
    title: str | None = None
    units: str | None = None

    @field_validator("box")
    @classmethod
    def _box_shape(cls, box):
        return _check_box(box, "box")

    @model_validator(mode="after")
    def _labels_match(self):
        for labels, n, key in ((self.row_labels, self.rows, "rows"), (self.col_labels, self.cols, "cols")):
            if labels is not None and n is not None and len(labels) != n:
                raise ValueError(
                    f"{key[:-1]}_labels has {len(labels)} labels but {key} is {n}; give one label per {key[:-1]}"
                )
        return self

    @property
    def n_rows(self) -> int | None:
        """``rows``, or the number of row labels."""
        return self.rows if self.rows is not None else (len(self.row_labels) if self.row_labels else None)

    @property
    def n_cols(self) -> int | None:
        """``cols``, or the number of column labels."""
        return self.cols if self.cols is not None else (len(self.col_labels) if self.col_labels else None)

    def resolved(self) -> dict:
        """The full config as plain JSON-able data."""
        return json.loads(self.model_dump_json())


def validate_cells_config(data: dict, source: str = "config") -> CellsConfig:
    """Validate a dict into a :class:`CellsConfig`, raising :class:`ConfigError` with readable lines."""
    return validate_config(data, source, CellsConfig)


def load_cells_config(path: str | os.PathLike) -> CellsConfig:
    """Read and validate a YAML or TOML cells config; relative paths resolve against its folder."""
    return load_config(path, CellsConfig)
