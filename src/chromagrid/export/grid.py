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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xarray as xr

from chromagrid.errors import ConfigError, OutputError
from chromagrid.geo.georef import grid_crs, grid_transform
from chromagrid.io.files import atomic_output, attr_safe, format_from_suffix

GRID_SUFFIXES = {".nc": "netcdf", ".nc4": "netcdf", ".netcdf": "netcdf", ".tif": "geotiff", ".tiff": "geotiff"}


def grid_format(path: str | os.PathLike) -> str:
    """``netcdf`` or ``geotiff`` from a file name's suffix."""
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
    """

    compress: str = "deflate"
    predictor: int = 3
    complevel: int = 4
    tiled: bool | None = None
    blocksize: int = 256
    world_file: bool = False
    aux_xml: bool = False

    def is_tiled(self, width: int, height: int) -> bool:
        """Whether a grid of this size is tiled."""
        return self.tiled if self.tiled is not None else (width >= 512 and height >= 512)


def append_history(attrs: dict, action: str) -> dict:
    """A copy of ``attrs`` whose ``history`` ends with a line: UTC timestamp, chromagrid's version, ``action``."""
    from chromagrid._version import __version__

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = dict(attrs)
    previous = str(out.get("history") or "").rstrip("\n")
    line = f"{now}: chromagrid {__version__} {action}"
    out["history"] = f"{previous}\n{line}" if previous else line
    return out


def cf_dataset(ds: xr.Dataset, path: str | os.PathLike) -> xr.Dataset:
    """The grid as written to NetCDF: string/number attributes, a history line, a named grid mapping."""
    out = ds.copy()
    out.attrs = append_history(attr_safe(ds.attrs), f"wrote {Path(path).name}")
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
    """
    options = options or ExportOptions(complevel=complevel)
    out = cf_dataset(ds, path)
    encoding = {}
    for name in out.data_vars:
        enc = {"_FillValue": np.float32(np.nan)}
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


def _write_tiff(path, data: np.ndarray, profile: dict, tags: dict, variable: str, units: str | None) -> None:
    import rasterio

    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, variable)
        dst.update_tags(**tags)
        if units:
            dst.update_tags(1, units=units)


def _write_sidecars(
    path: Path, data: np.ndarray, profile: dict, tags: dict, variable: str, units: str | None, options: ExportOptions
) -> None:
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
            _write_tiff(scratch_dir / path.name, data, {**profile, **extra}, tags, variable, units)
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
    """Write one grid variable to a GeoTIFF through rasterio: CRS, transform, NaN nodata, compressed.

    North-up and pixel-is-area (``AREA_OR_POINT=Area``); DEFLATE with the
    floating-point predictor unless ``options`` says otherwise; tiled for large
    grids; ``history`` gets a timestamped line. A world file (``.tfw``) and
    GDAL's ``.aux.xml`` are written beside it only when ``options`` asks.
    """
    import rasterio
    from rasterio.crs import CRS as RioCRS

    options = options or ExportOptions()
    if "log" in (ds["x"].attrs.get("chromagrid_axis_scale"), ds["y"].attrs.get("chromagrid_axis_scale")):
        raise ConfigError(
            f"output {path}: a grid with a log axis has no affine transform for a GeoTIFF; write .nc instead"
        )
    data = ds[variable].values.astype(np.float32)
    transform = grid_transform(ds)
    crs = grid_crs(ds)
    if crs is not None and transform.e > 0:  # y grows downward: store north-up
        data = data[::-1]
        transform = transform @ transform.translation(0, data.shape[0]) @ transform.scale(1, -1)
    height, width = data.shape
    profile = {**_geotiff_profile(width, height, options), "transform": transform}
    if crs is not None:
        profile["crs"] = RioCRS.from_wkt(crs.to_wkt())
    attrs = append_history(attr_safe(ds.attrs), f"wrote {Path(path).name}")
    tags = {k: str(v) for k, v in attrs.items() if k != "chromagrid_transform"}
    tags["AREA_OR_POINT"] = "Area"
    units = ds[variable].attrs.get("units")
    with atomic_output(path) as tmp:
        _write_tiff(tmp, data, profile, tags, variable, units)
        # GDAL only logs some write failures (libtiff: "File too large") and leaves a cut-short file:
        # read it back before it may replace anything (a failed read raises an OSError).
        with rasterio.open(tmp) as src:
            if not np.array_equal(src.read(1), data, equal_nan=True):
                raise OutputError(
                    f"{path}: the GeoTIFF written does not read back as written; nothing was "
                    "written and an existing file is unchanged"
                )
    if options.world_file or options.aux_xml:
        _write_sidecars(Path(path), data, profile, tags, variable, units, options)
    return Path(path)


def write_grid(ds: xr.Dataset, path: str | os.PathLike, options: ExportOptions | None = None) -> Path:
    """Write a grid in the format its suffix names (.nc, .tif), as ``options`` says (default :class:`ExportOptions`)."""
    fmt = grid_format(path)
    if fmt == "netcdf":
        return write_netcdf(ds, path, options=options)
    return write_geotiff(ds, path, options=options)
