"""Figure-only runs: what a config leaves out, found in the figure.

A decode needs a plot box, a colour scale with its range, and (for world
coordinates) an axis calibration. :func:`complete` takes a config as plain data
(before validation) and the figure, and fills in each item the user did not
give: the panel (:func:`chromagrid.find.layout.find_layout`), the colormap
(:func:`chromagrid.scale.identify.identify_colormap` on the panel's colorbar,
else on the panel's own colours), the range and norm from the colorbar's tick
labels (:func:`chromagrid.find.ticks.read_colorbar_ticks`) and the axes from
the panel's tick labels (:func:`chromagrid.find.ticks.read_axes`). What the user
gave is kept as given: detection only fills the gaps.

Every filled item is recorded in :class:`Found` with its evidence and
confidence. Items below :data:`LOW_CONFIDENCE` are warnings
(:class:`~chromagrid.errors.ChromagridWarning`); an item that is needed and
cannot be found is a :class:`~chromagrid.errors.NotFoundError` naming the flag
that supplies it.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from chromagrid.config import has_scale_source, has_value_range
from chromagrid.errors import ChromagridWarning, NotFoundError

#: Findings less sure than this are reported as warnings.
LOW_CONFIDENCE = 0.6

#: A colorbar whose colours the best catalogue map explains within this mean delta E (lossy files) is
#: decoded with the named table; further off, the sampled colours are the scale.
LOSSY_MATCH_DELTA_E = 3.0

#: Without a colorbar, a map identified from the panel's own colours must explain them this well.
PIXEL_MATCH_DELTA_E = 3.0

GEOREF_SOURCES = ("extent", "axes", "gcps", "gcps_file")


@dataclass
class Found:
    """What was detected in a figure, how, and what of it was used.

    Attributes
    ----------
    panels, colorbars : list
        Every panel and colorbar of the figure (:mod:`chromagrid.find.layout`).
    panel : int or None
        Index (0-based) of the panel decoded; None when the box was given or the
        whole image is decoded.
    colorbar : Colorbar or None
        The colorbar of that panel.
    colormaps : list of ColormapMatch
        Catalogue candidates, best first, when the colormap was identified.
    colorbar_scale : ColorbarScale or None
        The colorbar's ticks and the range fitted to them, when read.
    axes : AxesScale or None
        The panel's axis ticks and their fits, when read.
    used : dict
        For each item (``box``, ``colormap``, ``range``, ``norm``, ``axes``):
        ``given``, ``found``, ``normalized`` (the 0-1 position, no units) or
        ``pixels`` (no world coordinates).
    warnings : list of str
        Findings below :data:`LOW_CONFIDENCE`, and what was left out.

    Examples
    --------
    What :func:`chromagrid.digitize` found in ``examples/field.png`` when given nothing but the image:

    >>> import chromagrid
    >>> found = chromagrid.digitize("examples/field.png").found
    >>> found.panel, [p.box for p in found.panels], found.colormaps[0].name
    (0, [(80, 40, 620, 460)], 'viridis')
    >>> sorted(found.used)
    ['axes', 'box', 'colormap', 'norm', 'range']
    """

    panels: list = field(default_factory=list)
    colorbars: list = field(default_factory=list)
    panel: int | None = None
    colorbar: Any = None
    colormaps: list = field(default_factory=list)
    colorbar_scale: Any = None
    axes: Any = None
    used: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Record a warning and issue it as a :class:`ChromagridWarning`."""
        self.warnings.append(message)
        warnings.warn(message, ChromagridWarning, stacklevel=3)

    def describe(self) -> dict:
        """JSON-able: every finding with its evidence and confidence, and what was used."""
        out: dict = {"used": dict(self.used)}
        out["panels"] = [describe_panel(i, p) for i, p in enumerate(self.panels)]
        out["colorbars"] = [describe_colorbar(i, c) for i, c in enumerate(self.colorbars)]
        if self.panel is not None:
            out["panel"] = self.panel + 1
        if self.colormaps:
            out["colormap_candidates"] = [m.describe() for m in self.colormaps]
        if self.colorbar_scale is not None:
            out["colorbar_ticks"] = self.colorbar_scale.describe()
        if self.axes is not None:
            out["axes"] = self.axes.describe()
        out["warnings"] = list(self.warnings)
        return out


def describe_panel(index: int, p) -> dict:
    """One panel as JSON-able data (numbered from 1)."""
    return {
        "panel": index + 1,
        "box": [int(v) for v in p.box],
        "framed": p.framed,
        "confidence": p.confidence,
        "evidence": p.evidence,
    }


def describe_colorbar(index: int, c) -> dict:
    """One colorbar as JSON-able data (numbered from 1, as the panels it serves)."""
    return {
        "colorbar": index + 1,
        "box": [int(v) for v in c.box],
        "orientation": c.orientation,
        "extend": c.extend,
        "serves_panels": [j + 1 for j in c.panels],
        "low_colour": [int(v) for v in c.colors[0]],
        "high_colour": [int(v) for v in c.colors[-1]],
        "samples": int(len(c.colors)),
        "confidence": c.confidence,
        "evidence": c.evidence,
    }


def _box_text(box) -> str:
    return " ".join(str(int(v)) for v in box)


def panel_list(panels) -> str:
    """``1: 80 40 620 460; 2: ...`` for messages."""
    return "; ".join(f"{i + 1}: {_box_text(p.box)}" for i, p in enumerate(panels))


def find_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """The plot box of a figure's one panel (``box: auto``).

    Raises
    ------
    NotFoundError
        No panel, or several (listed, with how to choose one).
    """
    found = Found()
    box = _choose_panel("auto", None, rgb, found, None)
    assert box is not None  # with box "auto", no panel raises NotFoundError rather than giving the whole image
    return box


def _choose_panel(
    given_box, number: int | None, rgb: np.ndarray, found: Found, layout
) -> tuple[int, int, int, int] | None:
    """The box to decode, from the panels found (None: the whole image, a bare raster)."""
    from chromagrid.find.layout import find_layout

    found.panels, found.colorbars = find_layout(rgb) if layout is None else layout
    panels = found.panels
    if number is not None:
        if not panels:
            raise NotFoundError(f"panel {number}: no panel found in the figure; give the plot area with --box")
        if not 1 <= number <= len(panels):
            raise NotFoundError(
                f"panel {number}: the figure has {len(panels)} panel(s) ({panel_list(panels)}); "
                f"give --panel 1 to {len(panels)}"
            )
        found.panel = number - 1
    elif given_box is None and not any(p.framed for p in panels) and not found.colorbars:
        found.used["box"] = "whole image"  # a bare raster (no frame, no colorbar): the image is the data
        return None
    elif len(panels) > 1:
        raise NotFoundError(
            f"the figure has {len(panels)} panels ({panel_list(panels)}); choose one with "
            "--panel N, or write each with an output name holding {panel}"
        )
    elif not panels:
        if given_box == "auto":
            raise NotFoundError("no panel found in the figure: give the plot area with --box X0 Y0 X1 Y1")
        found.used["box"] = "whole image"
        return None
    else:
        found.panel = 0
    chosen = panels[found.panel]
    found.used["box"] = "found"
    if chosen.confidence < LOW_CONFIDENCE:
        found.warn(
            f"panel {found.panel + 1} box {_box_text(chosen.box)}: confidence {chosen.confidence:.2f} "
            f"({chosen.evidence}); check it or give --box"
        )
    served = [c for c in found.colorbars if found.panel in c.panels]
    found.colorbar = served[0] if served else (found.colorbars[0] if len(found.colorbars) == 1 else None)
    return cast(tuple[int, int, int, int], tuple(int(v) for v in chosen.box))


def _colorbar_for_box(box, found: Found):
    """A colorbar for a box the user gave: the one serving the panel that box overlaps most."""
    if not found.colorbars:
        return None
    if len(found.colorbars) == 1:
        return found.colorbars[0]
    x0, y0, x1, y1 = box
    best, best_area = None, 0
    for i, p in enumerate(found.panels):
        px0, py0, px1, py1 = p.box
        area = max(0, min(x1, px1) - max(x0, px0)) * max(0, min(y1, py1) - max(y0, py0))
        if area > best_area:
            best, best_area = i, area
    served = [c for c in found.colorbars if best in c.panels]
    return served[0] if served else None


def _identify(scale: dict, rgb: np.ndarray, box, lossy: bool, found: Found) -> None:
    """Fill the colour scale's source: a named map when the catalogue explains the colours, else the bar."""
    from chromagrid.scale.identify import identify_colormap, identify_from_pixels

    bar = found.colorbar
    if bar is not None:
        if bar.confidence < LOW_CONFIDENCE:
            found.warn(
                f"colorbar at {_box_text(bar.box)}: confidence {bar.confidence:.2f} ({bar.evidence}); "
                "check it or give --cmap (or --colorbar-box)"
            )
        found.colormaps = identify_colormap(bar.colors, lossy=lossy)
        best = found.colormaps[0] if found.colormaps else None
        if best is not None and (best.exact or (lossy and best.delta_e <= LOSSY_MATCH_DELTA_E)):
            scale["cmap"] = best.name
            if best.ncolors is not None:
                scale["ncolors"] = best.ncolors
            found.used["colormap"] = f"found: {best.name} (delta E {best.delta_e:.2f})"
        else:
            scale["colorbar_box"] = [int(v) for v in bar.box]
            scale["colorbar_orientation"] = bar.orientation
            near = f"; nearest catalogue map {best.name} at delta E {best.delta_e:.2f}" if best else ""
            found.used["colormap"] = f"found: the colorbar's own colours{near}"
        return
    x0, y0, x1, y1 = box
    found.colormaps = identify_from_pixels(rgb[y0:y1, x0:x1], lossy=lossy)
    best = found.colormaps[0] if found.colormaps else None
    if best is None or best.delta_e > PIXEL_MATCH_DELTA_E:
        near = f" (nearest {best.name} at delta E {best.delta_e:.2f})" if best else ""
        raise NotFoundError(
            f"no colorbar found and the figure's colours lie on no known colormap{near}: "
            "give --cmap NAME, --colors, or --colorbar-box X0 Y0 X1 Y1"
        )
    scale["cmap"] = best.name
    if best.ncolors is not None:
        scale["ncolors"] = best.ncolors
    found.used["colormap"] = f"found from the panel's colours: {best.name} (delta E {best.delta_e:.2f})"
    found.warn(
        f"no colorbar: colormap {best.name} identified from the panel's own colours; its direction "
        "(reversed or not) cannot be told without a colorbar: check it or give --cmap"
    )


def _tidy(value: float) -> float:
    """A fitted value to 12 significant digits (0.7, not 0.7000000000000001): far below any pixel's worth."""
    return float(f"{float(value):.12g}")


def _percent_units(data: dict, found: Found) -> None:
    """Colorbar labels in percent (``25%``): the values are as printed, in %; say so in ``units`` unless given."""
    read = found.colorbar_scale
    if (
        read is not None
        and data.get("units") is None
        and read.fit.ticks
        and all(t.text.strip().endswith("%") for t in read.fit.ticks)
    ):
        data["units"] = "%"
        found.used["units"] = "found: % (the colorbar's labels)"


def _read_range(scale: dict, found: Found, ticks) -> None:
    """Fill the range (and the norm, unless given) from the colorbar's ticks; 0-1 without a colorbar.

    ``ticks`` is the pending :func:`~chromagrid.find.ticks.read_colorbar_ticks` of ``found.colorbar``.
    """
    bar = found.colorbar
    if bar is None:
        scale["vmin"], scale["vmax"] = 0.0, 1.0
        scale.setdefault("norm", "linear")
        found.used["range"] = "normalized"
        found.warn(
            "no colorbar, so no value range: the output is the normalized colour position 0-1, not "
            "data units; give --vmin and --vmax for values"
        )
        return
    read = ticks.result()
    found.colorbar_scale = read
    if read is None:
        raise NotFoundError(
            f"the tick labels of the colorbar at {_box_text(bar.box)} could not be read: give "
            "--vmin and --vmax (or --colorbar-range LOW HIGH)"
        )
    norm = scale.get("norm")
    if norm is None:
        norm = scale["norm"] = read.norm
        found.used["norm"] = f"found: {norm}"
    if norm == "discrete":
        if read.boundaries is None:
            raise NotFoundError(
                "norm discrete: the colorbar's steps could not be tied to its ticks; give --boundaries B0 ... Bn"
            )
        scale["boundaries"] = [_tidy(b) for b in read.boundaries]
    elif "colorbar_box" in scale:
        scale["colorbar_range"] = [_tidy(read.vmin), _tidy(read.vmax)]
    else:
        scale["vmin"], scale["vmax"] = _tidy(read.vmin), _tidy(read.vmax)
    found.used["range"] = f"found: {read.vmin:.6g} to {read.vmax:.6g} ({read.evidence})"
    if read.confidence < LOW_CONFIDENCE:
        found.warn(
            f"colorbar range {read.vmin:.6g} to {read.vmax:.6g}: confidence {read.confidence:.2f} "
            f"({read.evidence}); check it or give --vmin/--vmax"
        )


def _use_axes(data: dict, axes, box, found: Found) -> None:
    """Fill the georeferencing from the panel's axis ticks (:func:`~chromagrid.find.ticks.read_axes`).

    Pixel coordinates, with a warning, when they cannot be read.
    """
    found.axes = axes
    fits = (("x", axes.x), ("y", axes.y))
    unsure = [
        f"{n} ({fit.evidence}, confidence {fit.confidence:.2f})"
        for n, fit in fits  # two ticks, one doubtful
        if fit is not None and fit.confidence < LOW_CONFIDENCE and len(fit.ticks) < 3
    ]
    if axes.x is None or axes.y is None or unsure:
        missing = " and ".join(n for n, a in (("x", axes.x), ("y", axes.y)) if a is None)
        why = (
            f"the {missing} axis tick labels could not be read"
            if missing
            else f"the axis fit is unsure: {'; '.join(unsure)}"
        )
        found.used["axes"] = "pixels"
        found.warn(
            f"{why}: the grid is in pixel coordinates; give --extent, or --axis-x/--axis-y, for world coordinates"
        )
        return
    georef = dict(data.get("georef") or {})
    extent = axes.extent(box)
    if extent is not None:
        georef["extent"] = [_tidy(v) for v in extent]
    else:  # a log axis: two ticks per axis
        georef["axes"] = {
            name: [[float(t.position), float(t.value)] for t in (fit.ticks[0], fit.ticks[-1])]
            for name, fit in (("x", axes.x), ("y", axes.y))
        }
        georef["axes"].update(x_scale=axes.x.norm, y_scale=axes.y.norm)
    if axes.lonlat and extent is not None:
        georef.setdefault("crs", "EPSG:4326")
    data["georef"] = georef
    found.used["axes"] = "found: lon/lat (EPSG:4326)" if "crs" in georef else "found"
    low = [
        f"{n} ({fit.evidence}, confidence {fit.confidence:.2f})" for n, fit in fits if fit.confidence < LOW_CONFIDENCE
    ]
    if low or axes.confidence < LOW_CONFIDENCE:
        found.warn(
            f"axes: confidence {axes.confidence:.2f} ({'; '.join(low) or axes.evidence}); check the extent "
            f"{georef.get('extent')} or give --extent"
        )


def needs_detection(data: dict, cells: bool = False) -> bool:
    """Whether a config (as plain data) leaves anything for the figure to supply.

    A cells config (``cells``) without a box is not a gap: the cells stage finds its own area.
    """
    scale = data.get("scale") or {}
    box = data.get("box")
    return (
        (not cells and (box is None or box == "auto"))
        or data.get("panel") is not None
        or not has_scale_source(scale)
        or not has_value_range(scale)
    )


def complete(data: dict, rgb: np.ndarray, lossy: bool, layout=None, cells: bool = False) -> tuple[dict, Found]:
    """Fill what a config leaves out from the figure.

    Parameters
    ----------
    data : dict
        A decode config as plain data, not yet validated. ``box`` omitted or
        ``auto``, ``panel`` (1-based), and a ``scale`` without a source or a
        range are what detection fills; ``georef`` is read from the axes when
        the colour scale was found too and no georeferencing is given.
    rgb : numpy.ndarray
        The figure, ``(H, W, 3)`` uint8.
    lossy : bool
        The file is lossy (JPEG): colour matches are judged against its noise.
    layout : (panels, colorbars), optional
        :func:`~chromagrid.find.layout.find_layout` of ``rgb``, when already found.
    cells : bool
        A cells config (:class:`~chromagrid.config.CellsConfig`): the box is
        set only to choose one panel of several (the cells stage finds its own
        area inside it), and the axes are not read (cells have row and column
        indices).

    Returns
    -------
    data : dict
        The config with every detected item explicit (``panel`` removed).
    found : Found

    Raises
    ------
    NotFoundError
        A needed item that cannot be found, naming the flag that supplies it.

    Examples
    --------
    >>> data, found = complete({"input": "examples/field.png", "scale": {}}, rgb, False)  # doctest: +SKIP
    >>> found.used["colormap"]  # doctest: +SKIP
    'found: viridis (delta E 0.00)'
    """
    from chromagrid.find.layout import find_layout
    from chromagrid.find.ticks import read_axes, read_colorbar_ticks

    number = data.get("panel")
    data = {k: v for k, v in data.items() if k != "panel"}
    scale = dict(data.get("scale") or {})
    found = Found()
    has_source = has_scale_source(scale)
    given_box = data.get("box")
    if isinstance(given_box, (list, tuple)):
        box = tuple(int(v) for v in given_box)
        found.used["box"] = "given"
        if not has_source or not has_value_range(scale):
            found.panels, found.colorbars = find_layout(rgb) if layout is None else layout
            found.colorbar = _colorbar_for_box(box, found)
    else:
        chosen = _choose_panel(given_box, number, rgb, found, layout)
        box = chosen or (0, 0, rgb.shape[1], rgb.shape[0])
        if not cells or number is not None:
            data["box"] = list(box)
    if scale.get("colorbar_box") is not None:
        found.colorbar = _given_colorbar(scale, found)
    georef = data.get("georef") or {}
    wants_axes = not cells and found.used["box"] == "found" and all(georef.get(k) is None for k in GEOREF_SOURCES)
    wants_ticks = not has_value_range(scale) and found.colorbar is not None
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The OCR of the axes and of the colorbar's labels runs beside the colormap's identification
        # (onnxruntime and most of numpy release the GIL).
        axes = pool.submit(read_axes, rgb, box) if wants_axes else None
        ticks = pool.submit(read_colorbar_ticks, rgb, found.colorbar) if wants_ticks else None
        _complete_scale(data, scale, rgb, box, lossy, found, ticks)
        if axes is not None:
            _use_axes(data, axes.result(), box, found)
    return data, found


def _complete_scale(data: dict, scale: dict, rgb: np.ndarray, box, lossy: bool, found: Found, ticks) -> None:
    """Fill the colour scale's source and range from the colorbar (or the panel's own colours).

    ``ticks`` is the pending :func:`~chromagrid.find.ticks.read_colorbar_ticks` of the colorbar (a future).
    """
    has_source = has_scale_source(scale)
    if has_source:
        found.used["colormap"] = "given"
    else:
        _identify(scale, rgb, box, lossy, found)
    if has_value_range(scale):
        found.used["range"] = "given"
    else:
        _read_range(scale, found, ticks)
        _percent_units(data, found)
    data["scale"] = scale


def _given_colorbar(scale: dict, found: Found):
    """The colorbar the user gave by its box: the detected one there, else one built from the box."""
    from chromagrid.find.layout import Colorbar
    from chromagrid.scale.colorscale import colorbar_orientation

    box = cast(tuple[int, int, int, int], tuple(int(v) for v in scale["colorbar_box"]))
    for c in found.colorbars:
        if max(abs(a - b) for a, b in zip(c.box, box)) <= 3:
            return c
    orientation = scale.get("colorbar_orientation") or colorbar_orientation(box)
    return Colorbar(
        box=box,
        orientation=orientation,
        colors=np.zeros((0, 3), np.uint8),
        extend="neither",
        panels=(),
        confidence=1.0,
        evidence="given",
    )


def inspect(rgb: np.ndarray, lossy: bool) -> dict:
    """Everything found in a figure, for every panel and colorbar, without decoding it.

    Parameters
    ----------
    rgb : numpy.ndarray
        The figure, ``(H, W, 3)`` uint8.
    lossy : bool
        The file is lossy (JPEG).

    Returns
    -------
    dict
        JSON-able: ``panels`` (box, framed, confidence, evidence, the colorbar
        serving it, its ``axes`` ticks and fits; without a colorbar, the
        ``colormap_candidates`` from its own colours), ``colorbars`` (box,
        orientation, extend, panels served, end colours, ``colormap_candidates``
        with delta E, ``ticks`` with the fitted range and norm), and
        ``warnings``: findings below :data:`LOW_CONFIDENCE` and what could not be
        found, with the flag that supplies it.

    Examples
    --------
    >>> found = inspect(rgb, lossy=False)  # doctest: +SKIP
    >>> found["colorbars"][0]["colormap_candidates"][0]["name"]  # doctest: +SKIP
    'viridis'
    """
    from chromagrid.find.layout import find_layout
    from chromagrid.find.ticks import read_axes, read_colorbar_ticks
    from chromagrid.scale.identify import identify_colormap, identify_from_pixels

    panels, colorbars = find_layout(rgb)
    notes: list[str] = []
    bars = []
    for i, bar in enumerate(colorbars):
        item = describe_colorbar(i, bar)
        matches = identify_colormap(bar.colors, lossy=lossy)
        item["colormap_candidates"] = [m.describe() for m in matches]
        ticks = read_colorbar_ticks(rgb, bar)
        item["ticks"] = ticks.describe() if ticks is not None else None
        if ticks is None:
            notes.append(f"colorbar {i + 1}: tick labels not read; give --vmin/--vmax or --colorbar-range")
        elif ticks.confidence < LOW_CONFIDENCE:
            notes.append(f"colorbar {i + 1}: range confidence {ticks.confidence:.2f} ({ticks.evidence})")
        if item["confidence"] < LOW_CONFIDENCE:
            notes.append(f"colorbar {i + 1}: confidence {item['confidence']:.2f} ({item['evidence']})")
        bars.append(item)
    out_panels = []
    for i, panel in enumerate(panels):
        item = {**describe_panel(i, panel), "colorbars": [j + 1 for j, c in enumerate(colorbars) if i in c.panels]}
        if not item["colorbars"]:
            x0, y0, x1, y1 = panel.box
            item["colormap_candidates"] = [m.describe() for m in identify_from_pixels(rgb[y0:y1, x0:x1], lossy=lossy)]
            notes.append(
                f"panel {i + 1}: no colorbar; give --vmin/--vmax for values (else the output is the "
                "normalized position 0-1)"
            )
        axes = read_axes(rgb, panel.box)
        item["axes"] = axes.describe()
        if axes.x is None or axes.y is None:
            notes.append(
                f"panel {i + 1}: axis tick labels not read; give --extent or --axis-x/--axis-y for world coordinates"
            )
        if panel.confidence < LOW_CONFIDENCE:
            notes.append(f"panel {i + 1}: confidence {panel.confidence:.2f} ({panel.evidence})")
        out_panels.append(item)
    if not panels:
        notes.append("no panel found: give the plot area with --box X0 Y0 X1 Y1")
    return {"panels": out_panels, "colorbars": bars, "warnings": notes}
