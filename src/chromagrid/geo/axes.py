"""Axis calibration: two known ticks per axis, as a plot digitizer does it.

Each axis is given by two ticks: an image pixel position (a column for x, a row
for y; continuous image coordinates, the centre of pixel ``i`` is ``i + 0.5``)
and the axis value there. A linear axis maps position to value linearly; a log
axis maps position to ``log10(value)`` linearly. Either axis may run either way:
a y axis whose values grow downward (depth, a matrix's row index) simply has the
larger value at the larger row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine

from chromagrid.errors import ConfigError


@dataclass(frozen=True)
class Axis:
    """One calibrated axis: ``value = f(position)`` from two ticks.

    Parameters
    ----------
    ticks : ((position_a, value_a), (position_b, value_b))
    scale : {"linear", "log"}

    Examples
    --------
    Two ticks of an x axis: pixel column 100 is 0 and column 500 is 10.

    >>> axis = Axis(((100.0, 0.0), (500.0, 10.0)))
    >>> float(axis.value(300.0)), float(axis.position(7.5))
    (5.0, 400.0)
    >>> float(Axis(((100.0, 1.0), (500.0, 1000.0)), scale="log").value(300.0))
    31.62...
    """

    ticks: tuple[tuple[float, float], tuple[float, float]]
    scale: str = "linear"

    def __post_init__(self):
        (pa, va), (pb, vb) = self.ticks
        if pa == pb:
            raise ConfigError(
                f"axis ticks {list(map(list, self.ticks))}: the two ticks are at the same pixel "
                "position; pick two ticks far apart"
            )
        if va == vb:
            raise ConfigError(f"axis ticks {list(map(list, self.ticks))}: the two ticks have the same value")
        if self.scale not in ("linear", "log"):
            raise ConfigError(f"axis scale '{self.scale}': use linear or log")
        if self.scale == "log" and (va <= 0 or vb <= 0):
            raise ConfigError(f"axis ticks {list(map(list, self.ticks))}: a log axis needs tick values > 0")

    def _linear_part(self) -> tuple[float, float]:
        """(slope, intercept) of position -> value (or -> log10 value)."""
        (pa, va), (pb, vb) = self.ticks
        if self.scale == "log":
            va, vb = np.log10(va), np.log10(vb)
        slope = (vb - va) / (pb - pa)
        return float(slope), float(va - slope * pa)

    def value(self, position) -> np.ndarray:
        """Axis value at image pixel position(s)."""
        slope, intercept = self._linear_part()
        v = slope * np.asarray(position, dtype=float) + intercept
        return 10.0**v if self.scale == "log" else v

    def position(self, value) -> np.ndarray:
        """Image pixel position of axis value(s)."""
        slope, intercept = self._linear_part()
        v = np.asarray(value, dtype=float)
        if self.scale == "log":
            v = np.log10(v)
        return (v - intercept) / slope


def axes_transform(x: Axis, y: Axis, box) -> Affine:
    """Affine from the box's pixel corners to axis values (log10 values on a log axis).

    Parameters
    ----------
    x, y : Axis
        Calibrated in image pixel coordinates.
    box : (x0, y0, x1, y1)
        The plot box in image pixels.
    """
    ax, cx = x._linear_part()
    ey, fy = y._linear_part()
    x0, y0 = box[0], box[1]
    return Affine(ax, 0.0, ax * x0 + cx, 0.0, ey, ey * y0 + fy)


def axes_extent(x: Axis, y: Axis, box) -> tuple[float, float, float, float]:
    """The box's outer edges as axis values: (left, right, bottom, top), as matplotlib's extent.

    Parameters
    ----------
    x, y : Axis
        The calibrated x axis (image columns) and y axis (image rows).
    box : (x0, y0, x1, y1)
        The plot box in image pixels.

    Returns
    -------
    tuple of float
        (left, right, bottom, top).

    Examples
    --------
    >>> x = Axis(((100.0, 0.0), (500.0, 10.0)))
    >>> y = Axis(((40.0, 1.0), (440.0, 0.0)))
    >>> [round(v, 3) for v in axes_extent(x, y, (100, 40, 500, 440))]
    [0.0, 10.0, 0.0, 1.0]
    """
    x0, y0, x1, y1 = box
    return (float(x.value(x0)), float(x.value(x1)), float(y.value(y1)), float(y.value(y0)))
