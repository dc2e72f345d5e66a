"""Cell heat maps: find the grid of cells and give one robust value per cell.

Takes the image array and a colour scale (and optionally the box and the
number of rows and columns); gives :class:`CellsResult`, the matrix with each
cell's colour distance and pixel count; and the numbers printed in the cells,
read by OCR and compared with the colours (:func:`read_cell_texts`,
:func:`reconcile`). The public call that reads a file is
``chromagrid.cells`` (:func:`chromagrid.pipeline.cells`).
"""

from chromagrid.heatmap.annotations import CellTexts, read_cell_texts, reconcile, values_from_text
from chromagrid.heatmap.cells import (
    CellGrid,
    CellsError,
    CellsResult,
    GridNotFoundError,
    detect_grid,
    measure_cells,
    write_matrix,
)

__all__ = [
    "CellsResult",
    "CellGrid",
    "measure_cells",
    "detect_grid",
    "write_matrix",
    "CellsError",
    "GridNotFoundError",
    "CellTexts",
    "read_cell_texts",
    "reconcile",
    "values_from_text",
]
