"""Export stage: NetCDF (netCDF4, CF conventions) and GeoTIFF (rasterio), written atomically.

Every writer writes to a temporary file beside the target and moves it into
place with ``os.replace``; a failure removes the temporary file and leaves any
existing output untouched.

No data is NaN in both formats: the NetCDF ``_FillValue`` and the GeoTIFF
``nodata`` are float32 NaN. A decoded value is never NaN (a pixel either gets
a finite value or none), so no valid value can equal the fill, whatever the
data's range; a numeric fill such as -9999 could collide with real values and
every reader would have to know to mask it. GDAL, rasterio, xarray and
rioxarray all read NaN as no data.

Each writer appends a line to the ``history`` attribute: an ISO 8601 UTC
timestamp, chromagrid's version and the file written. How files are
compressed and tiled, and whether a world file and GDAL's ``.aux.xml`` go with
a GeoTIFF, is set by :class:`ExportOptions` (the config's ``export:`` section).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from chromagrid.errors import ConfigError, OutputError
from chromagrid.export.discovery import discovery_attrs, grid_outline, lonlat_bounds
from chromagrid.geo.georef import grid_crs, grid_transform
from chromagrid.io.files import atomic_output, attr_safe, format_from_suffix

GRID_SUFFIXES = {".nc": "netcdf", ".nc4": "netcdf", ".netcdf": "netcdf", ".tif": "geotiff", ".tiff": "geotiff"}


def grid_format(path: str | os.PathLike) -> str:
    """``netcdf`` or ``geotiff`` from a file name's suffix.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        For any other suffix.

    Examples
    --------
    >>> grid_format("out/field.nc"), grid_format("field.TIF")
    ('netcdf', 'geotiff')
    """
    return format_from_suffix(path, GRID_SUFFIXES, "output")


@dataclass(frozen=True)
class ExportOptions:
    """How grids are written (the config's ``export:`` section).

    Attributes
    ----------
    compress : {"deflate", "lzw", "zstd", "none"}
        GeoTIFF compression; NetCDF is zlib-compressed unless ``none``.
    predictor : {1, 2, 3}
        GeoTIFF predictor: 3 is the floating-point predictor (the default), 2 horizontal
        differencing, 1 none.
    complevel : int
        Compression level 1-9 (NetCDF zlib level, GeoTIFF ZLEVEL / ZSTD_LEVEL).
    tiled : bool or None
        GeoTIFF tiles and NetCDF chunks of ``blocksize``; None: when both sides are at least 512.
    blocksize : int
        Tile / chunk side (a multiple of 16).
    world_file : bool
        Also write a world file (``.tfw``) beside each GeoTIFF.
    aux_xml : bool
        Also write GDAL's ``.aux.xml`` (CRS, transform, metadata) beside each GeoTIFF.
    cog : bool or None
        Write GeoTIFFs as cloud-optimised GeoTIFFs (GDAL's COG driver: tiles of ``blocksize``, overviews,
        the header and overviews before the full-resolution data); None: for grids over ``COG_MIN_SIDE``
        cells on a side.

    Examples
    --------
    >>> options = ExportOptions(compress="zstd", world_file=True)
    >>> options.compress, options.predictor, options.world_file
    ('zstd', 3, True)
    """

    compress: str = "deflate"
    predictor: int = 3
    complevel: int = 4
    tiled: bool | None = None
    blocksize: int = 256
    world_file: bool = False
    aux_xml: bool = False
    cog: bool | None = None

    def is_tiled(self, width: int, height: int) -> bool:
        """Whether a grid of this size is tiled."""
        return self.tiled if self.tiled is not None else (width >= 512 and height >= 512)

    def is_cog(self, width: int, height: int) -> bool:
        """Whether a GeoTIFF of this size is written cloud-optimised."""
        return self.cog if self.cog is not None else max(width, height) > COG_MIN_SIDE


#: GeoTIFFs of grids with a side over this many cells are cloud-optimised by default.
COG_MIN_SIDE = 512
#: How the COG's overviews are computed (GDAL ``RESAMPLING``): the mean of the cells with data.
COG_OVERVIEW_RESAMPLING = "AVERAGE"
#: GDAL COG driver ``PREDICTOR`` values for the GeoTIFF predictors 1, 2, 3.
COG_PREDICTORS = {1: "NO", 2: "STANDARD", 3: "FLOATING_POINT"}


def append_history(attrs: dict, action: str) -> dict:
    """A copy of ``attrs`` whose ``history`` ends with a line: UTC timestamp, chromagrid's version, ``action``."""
    from chromagrid._version import __version__

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = dict(attrs)
    previous = str(out.get("history") or "").rstrip("\n")
    line = f"{now}: chromagrid {__version__} {action}"
    out["history"] = f"{previous}\n{line}" if previous else line
    return out


def grid_bounds(ds: xr.Dataset) -> tuple[float, float, float, float] | None:
    """WGS 84 (lon_min, lat_min, lon_max, lat_max) of a grid's outline (cell edges); None without a CRS."""
    crs = grid_crs(ds)
    if crs is None:
        return None
    if "log" in (ds["x"].attrs.get("chromagrid_axis_scale"), ds["y"].attrs.get("chromagrid_axis_scale")):
        xx, yy = np.meshgrid(ds["x"].values, ds["y"].values)  # no affine transform: the cell centres
        return lonlat_bounds(xx, yy, crs)
    return lonlat_bounds(*grid_outline(grid_transform(ds), ds.sizes["x"], ds.sizes["y"]), crs)


def file_attrs(ds: xr.Dataset, path: str | os.PathLike) -> dict:
    """A grid's global attributes as a file gets them: strings/numbers, ACDD discovery attributes, a history line."""
    attrs = attr_safe(ds.attrs)
    attrs.update(discovery_attrs(attrs, grid_bounds(ds), "grid"))
    return append_history(attrs, f"wrote {Path(path).name}")


def cf_dataset(ds: xr.Dataset, path: str | os.PathLike) -> xr.Dataset:
    """The grid as written to NetCDF: string/number and ACDD attributes, a history line, a named grid mapping."""
    out = ds.copy()
    out.attrs = file_attrs(ds, path)
    if "spatial_ref" in out.coords:
        out["spatial_ref"].attrs = {"long_name": "coordinate reference system", **out["spatial_ref"].attrs}
    return out


def write_netcdf(
    ds: xr.Dataset, path: str | os.PathLike, complevel: int = 4, *, options: ExportOptions | None = None
) -> Path:
    """Write a grid to NetCDF-4 through netCDF4: zlib-compressed, NaN as _FillValue, atomically.

    ``options`` (default: ``ExportOptions(complevel=complevel)``) sets the
    compression, its level and chunking (tiles of ``blocksize`` for large
    grids). Coordinates carry no _FillValue; ``history`` gets a timestamped line.

    Parameters
    ----------
    ds : xarray.Dataset
        A grid as :func:`chromagrid.geo.make_grid` builds it.
    path : path-like
    complevel : int
        zlib level 1-9 (``options.complevel`` wins when ``options`` is given).
    options : ExportOptions, optional

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, xarray as xr
    >>> from chromagrid.geo import extent_transform, make_grid
    >>> value = np.array([[0.5, np.nan], [1.5, 2.5]], np.float32)
    >>> path = write_netcdf(make_grid(value, extent_transform((0, 2, 0, 2), 2, 2)), Path(tempfile.mkdtemp()) / "g.nc")
    >>> with xr.open_dataset(path) as back:
    ...     back["value"].values.tolist()
    [[0.5, nan], [1.5, 2.5]]
    """
    options = options or ExportOptions(complevel=complevel)
    out = cf_dataset(ds, path)
    encoding: dict[Hashable, dict[str, Any]] = {}
    for name in out.data_vars:
        enc: dict[str, Any] = {"_FillValue": np.float32(np.nan)}
        if options.compress != "none":
            enc.update(zlib=True, complevel=options.complevel)
        if out[name].dims == ("y", "x") and options.is_tiled(out.sizes["x"], out.sizes["y"]):
            enc["chunksizes"] = (min(options.blocksize, out.sizes["y"]), min(options.blocksize, out.sizes["x"]))
        encoding[name] = enc
    for name in out.coords:
        encoding[name] = {"_FillValue": None}
    import netCDF4

    with atomic_output(path) as tmp:
        try:
            out.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
            netCDF4.Dataset(tmp).close()  # the file it wrote opens: not cut short
        except RuntimeError as e:  # netCDF4 reports HDF5 write failures (disk full, file too large) this way
            raise OutputError(
                f"{path}: cannot write the output ({e}); nothing was written and an existing file is unchanged"
            ) from e
    return Path(path)


def _geotiff_profile(width: int, height: int, options: ExportOptions) -> dict:
    """rasterio creation profile (without transform and CRS) for ``options``."""
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "nodata": np.nan}
    if options.compress != "none":
        profile.update(compress=options.compress, predictor=options.predictor)
        if options.compress == "deflate":
            profile["zlevel"] = options.complevel
        elif options.compress == "zstd":
            profile["zstd_level"] = options.complevel
    if options.is_tiled(width, height):
        profile.update(tiled=True, blockxsize=options.blocksize, blockysize=options.blocksize)
    return profile


@dataclass(frozen=True)
class Band:
    """One GeoTIFF band: its name (the band description), values, units and long name."""

    name: str
    data: np.ndarray
    units: str | None = None
    long_name: str | None = None


def _write_tiff(path, bands: list[Band], profile: dict, tags: dict) -> None:
    import rasterio

    with rasterio.open(path, "w", **{**profile, "count": len(bands)}) as dst:
        dst.update_tags(**tags)
        for i, band in enumerate(bands, start=1):
            dst.write(band.data, i)
            dst.set_band_description(i, band.name)
            band_tags = {k: v for k, v in (("units", band.units), ("long_name", band.long_name)) if v}
            if band_tags:
                dst.update_tags(i, **band_tags)
            if band.units:
                dst.set_band_unit(i, band.units)


def _write_cog(path, bands: list[Band], profile: dict, tags: dict, options: ExportOptions) -> None:
    """A cloud-optimised GeoTIFF through GDAL's COG driver, copied from an in-memory GeoTIFF of ``bands``."""
    import rasterio.shutil
    from rasterio.io import MemoryFile

    plain = {k: v for k, v in profile.items() if k not in ("compress", "predictor", "zlevel", "zstd_level", "tiled")}
    plain = {k: v for k, v in plain.items() if k not in ("blockxsize", "blockysize")}
    creation = {
        "compress": options.compress.upper(),
        "blocksize": options.blocksize,
        "overviews": "AUTO",
        "resampling": COG_OVERVIEW_RESAMPLING,
        "bigtiff": "IF_SAFER",
    }
    if options.compress != "none":
        creation["predictor"] = COG_PREDICTORS[options.predictor]
        if options.compress in ("deflate", "zstd"):
            creation["level"] = options.complevel
    with MemoryFile() as memory:
        _write_tiff(memory.name, bands, plain, tags)
        with memory.open() as src:
            rasterio.shutil.copy(src, path, driver="COG", **creation)


def _write_sidecars(path: Path, bands: list[Band], profile: dict, tags: dict, options: ExportOptions) -> None:
    """World file and/or .aux.xml beside ``path``, written by GDAL from a scratch copy, each moved atomically.

    GDAL writes the world file with the ``TFW=YES`` creation option, and the
    ``.aux.xml`` (CRS, transform, metadata, band description) for a TIFF of
    the baseline profile, which keeps them out of the TIFF itself.
    """
    jobs = []  # (creation options, file GDAL writes beside the scratch TIFF, final name)
    if options.world_file:
        jobs.append(({"tfw": "YES"}, path.with_suffix(".tfw").name, path.with_suffix(".tfw")))
    if options.aux_xml:  # separately: with a world file, GDAL would keep the transform out of the .aux.xml
        jobs.append(({"profile": "BASELINE"}, f"{path.name}.aux.xml", path.parent / f"{path.name}.aux.xml"))
    for extra, made, final in jobs:
        scratch_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            _write_tiff(scratch_dir / path.name, bands, {**profile, **extra}, tags)
            if not (scratch_dir / made).is_file():
                raise OutputError(f"{final}: GDAL did not write it")
            os.replace(scratch_dir / made, final)
        except OSError as e:
            if isinstance(e, OutputError):
                raise
            raise OutputError(f"{final}: cannot write it ({e.strerror or e})") from e
        finally:
            for leftover in scratch_dir.iterdir():
                leftover.unlink()
            scratch_dir.rmdir()


def write_geotiff(
    ds: xr.Dataset, path: str | os.PathLike, variable: str = "value", *, options: ExportOptions | None = None
) -> Path:
    """Write a grid to a GeoTIFF through rasterio: CRS, transform, NaN nodata, compressed.

    North-up and pixel-is-area (``AREA_OR_POINT=Area``); DEFLATE with the
    floating-point predictor unless ``options`` says otherwise; tiled for large
    grids, and cloud-optimised (GDAL's COG driver: tiles, overviews) for grids
    over ``COG_MIN_SIDE`` cells on a side; ``history`` gets a timestamped line
    and the ACDD discovery attributes are tags. Band 1 is ``variable``, described
    by its name with its ``units``; with ``variable="value"`` the grid's
    ``distance`` (when kept) is band 2, described ``distance``. A world file
    (``.tfw``) and GDAL's ``.aux.xml`` are written beside it only when ``options`` asks.

    Parameters
    ----------
    ds : xarray.Dataset
        A grid as :func:`chromagrid.geo.make_grid` builds it.
    path : path-like
    variable : str
        The variable of band 1 (``value`` or ``distance``).
    options : ExportOptions, optional

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, rasterio
    >>> from chromagrid.geo import extent_transform, make_grid, parse_crs
    >>> value = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    >>> grid = make_grid(value, extent_transform((-10, 30, 35, 60), 4, 3), crs=parse_crs("EPSG:4326"))
    >>> path = write_geotiff(grid, Path(tempfile.mkdtemp()) / "field.tif")
    >>> with rasterio.open(path) as tif:
    ...     tif.crs.to_epsg(), tif.bounds, bool(np.array_equal(tif.read(1), value))
    (4326, BoundingBox(left=-10.0, bottom=35.0, right=30.0, top=60.0), True)
    """
    import rasterio
    from rasterio.crs import CRS as RioCRS

    options = options or ExportOptions()
    if "log" in (ds["x"].attrs.get("chromagrid_axis_scale"), ds["y"].attrs.get("chromagrid_axis_scale")):
        raise ConfigError(
            f"output {path}: a grid with a log axis has no affine transform for a GeoTIFF; write .nc instead"
        )
    names = [variable] + (["distance"] if variable == "value" and "distance" in ds.data_vars else [])
    transform = grid_transform(ds)
    crs = grid_crs(ds)
    flip = crs is not None and transform.e > 0  # y grows downward: store north-up
    bands = []
    for name in names:
        data = ds[name].values.astype(np.float32)
        attrs = ds[name].attrs
        bands.append(Band(name, data[::-1] if flip else data, attrs.get("units"), attrs.get("long_name")))
    if flip:
        transform = transform @ transform.translation(0, ds.sizes["y"]) @ transform.scale(1, -1)
    height, width = bands[0].data.shape
    profile = {**_geotiff_profile(width, height, options), "transform": transform}
    if crs is not None:
        profile["crs"] = RioCRS.from_wkt(crs.to_wkt())
    tags = {k: str(v) for k, v in file_attrs(ds, path).items() if k != "chromagrid_transform"}
    tags["AREA_OR_POINT"] = "Area"
    with atomic_output(path) as tmp:
        if options.is_cog(width, height):
            _write_cog(tmp, bands, profile, tags, options)
        else:
            _write_tiff(tmp, bands, profile, tags)
        # GDAL only logs some write failures (libtiff: "File too large") and leaves a cut-short file:
        # read it back before it may replace anything (a failed read raises an OSError).
        with rasterio.open(tmp) as src:
            if not all(np.array_equal(src.read(i), b.data, equal_nan=True) for i, b in enumerate(bands, start=1)):
                raise OutputError(
                    f"{path}: the GeoTIFF written does not read back as written; nothing was "
                    "written and an existing file is unchanged"
                )
    if options.world_file or options.aux_xml:
        _write_sidecars(Path(path), bands, profile, tags, options)
    return Path(path)


def write_grid(ds: xr.Dataset, path: str | os.PathLike, options: ExportOptions | None = None) -> Path:
    """Write a grid in the format its suffix names (.nc, .tif), as ``options`` says (default :class:`ExportOptions`).

    Parameters
    ----------
    ds : xarray.Dataset
        A grid as :func:`chromagrid.geo.make_grid` builds it.
    path : path-like
        ``.nc`` or ``.tif``.
    options : ExportOptions, optional

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, xarray as xr
    >>> from chromagrid.geo import extent_transform, make_grid, parse_crs
    >>> value = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    >>> grid = make_grid(value, extent_transform((-10, 30, 35, 60), 4, 3), crs=parse_crs("EPSG:4326"))
    >>> path = write_grid(grid, Path(tempfile.mkdtemp()) / "field.nc")
    >>> with xr.open_dataset(path) as back:
    ...     bool(np.array_equal(back["value"].values, value)), back["x"].attrs["units"]
    (True, 'degrees_east')
    """
    fmt = grid_format(path)
    if fmt == "netcdf":
        return write_netcdf(ds, path, options=options)
    return write_geotiff(ds, path, options=options)
