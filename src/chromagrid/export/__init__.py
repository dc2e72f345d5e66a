"""Export stage: grids as CF NetCDF or GeoTIFF, points as CSV, Parquet, GeoJSON or point NetCDF.

Takes the xarray grid (or the point table) and a path; every file is written
through a temporary file and moved into place only on success.
"""

from chromagrid.export.grid import ExportOptions, grid_format, write_geotiff, write_grid, write_netcdf
from chromagrid.export.points import points_format, write_points

__all__ = [
    "ExportOptions",
    "write_grid",
    "write_netcdf",
    "write_geotiff",
    "grid_format",
    "write_points",
    "points_format",
]
