"""Run configuration: validated up front (pydantic), from YAML, TOML or keyword arguments.

Everything that can be checked without the image is checked here: unknown
keys, wrong types, vmin >= vmax, a log norm with vmin <= 0, unknown colormap
names (with the nearest valid names), unparseable CRSs, output suffixes.
What needs the image's size (a box outside it) is checked by
:func:`check_against_image` before any pixel is decoded.
"""
from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .colorscale import ColorScaleError, resolve_colormap
from .decode import DEFAULT_MAX_DISTANCE
from .errors import ConfigError
from .image import DEFAULT_MAX_PIXELS

Box = tuple[int, int, int, int]
Extent = tuple[float, float, float, float]


def _check_box(box: Box | None, key: str) -> Box | None:
    if box is None:
        return None
    x0, y0, x1, y1 = box
    if min(box) < 0:
        raise ValueError(f"{key} {list(box)} has a negative coordinate; pixel coordinates start at 0")
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError(f"{key} {list(box)} must be x0 y0 x1 y1 with x1 >= x0 + 2 and y1 >= y0 + 2 "
                         "(x1, y1 exclusive)")
    return box


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
            raise ValueError("give exactly one colour scale source: cmap, colors or colorbar_box "
                             f"(got {', '.join(sources) or 'none'})")
        if self.colorbar_range is not None:
            if self.colorbar_box is None:
                raise ValueError("colorbar_range needs colorbar_box")
            if self.vmin is not None or self.vmax is not None:
                raise ValueError("give either colorbar_range or vmin/vmax, not both")
        if self.values is not None and self.colors is None:
            raise ValueError("values needs colors")
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
            raise ValueError(f"vmin ({lo}) must be less than vmax ({hi}); for a reversed scale use a "
                             "reversed colormap (name_r) instead")
        if self.norm == "log" and lo <= 0:
            raise ValueError(f"norm: log needs vmin > 0 (got {lo})")
        return self

    @property
    def value_range(self) -> tuple[float | None, float | None]:
        """(vmin, vmax), from colorbar_range when that is given."""
        if self.colorbar_range is not None:
            return self.colorbar_range
        return self.vmin, self.vmax


class DecodeConfig(_Section):
    """Colour-to-value settings."""

    max_distance: float = Field(DEFAULT_MAX_DISTANCE, gt=0,
                                description="pixels farther than this CIE76 delta E from the scale are no data")
    keep_distance: bool = Field(True, description="store the per-pixel colour distance in the grid")


class GeorefConfig(_Section):
    """Pixel to world coordinates."""

    extent: Extent | None = Field(None, description="left right bottom top: world coordinates of the box's edges")
    crs: str | None = Field(None, description="EPSG code, WKT or PROJ string")

    @field_validator("extent")
    @classmethod
    def _extent(cls, extent):
        if extent is not None and (extent[0] == extent[1] or extent[2] == extent[3]):
            raise ValueError(f"extent {list(extent)} is empty: left must differ from right and bottom from top")
        return extent

    @field_validator("crs", mode="before")
    @classmethod
    def _crs(cls, crs):
        if crs is None:
            return None
        from .georef import parse_crs

        crs = str(crs)
        try:
            parse_crs(crs)
        except ConfigError as e:
            raise ValueError(str(e).removeprefix("crs: ")) from None
        return crs

    @model_validator(mode="after")
    def _crs_needs_extent(self):
        if self.crs is not None and self.extent is None:
            raise ValueError("crs needs extent (the world coordinates of the box's edges)")
        return self


class ImageConfig(_Section):
    """Image reading limits."""

    max_pixels: int = Field(DEFAULT_MAX_PIXELS, gt=0, description="refuse images with more pixels than this")


class Config(_Section):
    """One figure, decoded to a grid.

    Relative paths are resolved against the config file's folder by
    :func:`load_config`.
    """

    input: Path
    output: list[Path] = Field(default_factory=list, description="grid files: .nc or .tif (one or several)")
    box: Box | None = Field(None, description="plot box x0 y0 x1 y1 in image pixels (x1, y1 exclusive)")
    scale: ScaleConfig
    decode: DecodeConfig = DecodeConfig()
    georef: GeorefConfig = GeorefConfig()
    image: ImageConfig = ImageConfig()
    title: str | None = None
    units: str | None = None

    @field_validator("output", mode="before")
    @classmethod
    def _listify(cls, v):
        if v is None:
            return []
        return [v] if isinstance(v, (str, os.PathLike)) else v

    @field_validator("output")
    @classmethod
    def _suffixes(cls, outputs):
        from .export import grid_format

        for path in outputs:
            try:
                grid_format(path)
            except ConfigError as e:
                raise ValueError(str(e)) from None
        return outputs

    @field_validator("box")
    @classmethod
    def _box_shape(cls, box):
        return _check_box(box, "box")

    def resolved(self) -> dict:
        """The full config as plain JSON-able data (for attributes and hashing)."""
        return json.loads(self.model_dump_json())


def format_validation_error(error: ValidationError, source: str = "config") -> str:
    """One line per problem: ``key.path: what is wrong``."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key; check its spelling and section (see the README's config reference)"
        elif problem["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{where}: {message}")
    return f"{source}: " + ("; ".join(lines) if len(lines) == 1 else "\n  " + "\n  ".join(lines))


def validate_config(data: dict, source: str = "config") -> Config:
    """Validate a dict into a :class:`Config`, raising :class:`ConfigError` with readable lines."""
    try:
        return Config.model_validate(data)
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
    """Make ``input`` and ``output`` paths relative to ``base`` absolute."""
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
    return data


def load_config(path: str | os.PathLike) -> Config:
    """Read and validate a YAML or TOML config; relative paths resolve against its folder.

    Raises
    ------
    ConfigError
        With one line per problem, naming the key and what to change.
    """
    path = Path(path)
    data = resolve_paths(read_config_file(path), path.parent.resolve())
    return validate_config(data, source=str(path))


def check_against_image(config: Config, width: int, height: int) -> None:
    """Checks that need the image's size: boxes inside the image."""
    for key, box in (("box", config.box), ("scale.colorbar_box", config.scale.colorbar_box)):
        if box is not None and (box[2] > width or box[3] > height):
            raise ConfigError(f"{key} {list(box)} reaches outside the image ({width}x{height} pixels); "
                              f"x1 must be <= {width} and y1 <= {height}")
