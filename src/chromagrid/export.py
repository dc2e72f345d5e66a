"""Export stage: NetCDF (netCDF4, CF conventions) and GeoTIFF (rasterio), written atomically.

Every writer writes to a temporary file beside the target and moves it into
place with ``os.replace``; a failure removes the temporary file and leaves any
existing output untouched.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import ConfigError
from .georef import grid_crs, grid_transform

GRID_SUFFIXES = {".nc": "netcdf", ".nc4": "netcdf", ".netcdf": "netcdf", ".tif": "geotiff", ".tiff": "geotiff"}


def grid_format(path: str | os.PathLike) -> str:
    """``netcdf`` or ``geotiff`` from a file name's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in GRID_SUFFIXES:
        raise ConfigError(f"output {path}: unknown suffix '{suffix}'; use one of {', '.join(sorted(GRID_SUFFIXES))}")
    return GRID_SUFFIXES[suffix]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; move it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _attr_safe(attrs: dict) -> dict:
    """NetCDF/TIFF attributes must be strings or numbers."""
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = v if isinstance(v, (str, int, float, np.number)) else str(v)
    return out


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike, complevel: int = 4) -> Path:
    """Write a grid to NetCDF-4 through netCDF4: zlib-compressed, NaN as _FillValue, atomically."""
    encoding = {name: {"zlib": True, "complevel": complevel, "_FillValue": np.float32(np.nan)}
                for name in ds.data_vars}
    for name in ds.coords:
        encoding[name] = {"_FillValue": None}
    out = ds.copy()
    out.attrs = _attr_safe(ds.attrs)
    with atomic_output(path) as tmp:
        out.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return Path(path)


def write_geotiff(ds: xr.Dataset, path: str | os.PathLike, variable: str = "value") -> Path:
    """Write one grid variable to a GeoTIFF through rasterio: CRS, transform, NaN nodata, DEFLATE."""
    import rasterio
    from rasterio.crs import CRS as RioCRS

    data = ds[variable].values.astype(np.float32)
    transform = grid_transform(ds)
    crs = grid_crs(ds)
    if crs is not None and transform.e > 0:  # y grows downward: store north-up
        data = data[::-1]
        transform = transform * transform.translation(0, data.shape[0]) * transform.scale(1, -1)
    height, width = data.shape
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
        "nodata": np.nan, "transform": transform, "compress": "deflate", "predictor": 3,
    }
    if crs is not None:
        profile["crs"] = RioCRS.from_wkt(crs.to_wkt())
    if width >= 512 and height >= 512:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    tags = {k: str(v) for k, v in _attr_safe(ds.attrs).items() if k != "chromagrid_transform"}
    with atomic_output(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
            dst.set_band_description(1, variable)
            dst.update_tags(**tags)
            units = ds[variable].attrs.get("units")
            if units:
                dst.update_tags(1, units=units)
    return Path(path)


def write_grid(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write a grid in the format its suffix names (.nc, .tif)."""
    fmt = grid_format(path)
    return write_netcdf(ds, path) if fmt == "netcdf" else write_geotiff(ds, path)
