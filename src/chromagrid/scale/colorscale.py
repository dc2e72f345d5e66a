"""Colour-scale stage: an ordered table of colours and the values they stand for.

A :class:`ColorScale` is a chain of *vertices*: 8-bit colours in value order,
each with the interval of values it stands for and the value it decodes to (the
interval's centre). Scales come from a named colormap (matplotlib's registry and
the scientific catalogues), an explicit list of colours, or the colorbar strip
sampled out of the figure itself; with a linear, log or discrete norm.

Positions along the scale are "normalised units" u in [0, 1] (what matplotlib's
norm returns); :meth:`ColorScale.to_values` maps them back to data values.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
from dataclasses import dataclass, field, replace

import numpy as np

from chromagrid.errors import ColorScaleError

NORMS = ("linear", "log", "discrete")

#: Catalogue prefixes accepted in ``LIB:NAME`` colormap names, and their aliases.
CATALOGUE_ALIASES = {"cmcrameri": "crameri", "cc": "colorcet", "sns": "seaborn", "mpl": "matplotlib"}


# --------------------------------------------------------------------------- norms
def _check_norm(norm: str, vmin: float, vmax: float, boundaries) -> None:
    if norm not in NORMS:
        raise ColorScaleError(f"norm '{norm}' is not one of {', '.join(NORMS)}")
    if norm == "discrete":
        b = np.asarray(boundaries if boundaries is not None else [], float)
        if b.size < 2 or np.any(np.diff(b) <= 0):
            raise ColorScaleError("norm 'discrete' needs at least 2 strictly increasing boundaries")
        return
    if not vmin < vmax:
        raise ColorScaleError(f"vmin ({vmin}) must be less than vmax ({vmax})")
    if norm == "log" and vmin <= 0:
        raise ColorScaleError(f"norm 'log' needs vmin > 0 (got {vmin})")


def positions_to_values(u: np.ndarray, norm: str, vmin: float, vmax: float, boundaries=None) -> np.ndarray:
    """Inverse norm: normalised position(s) in [0, 1] to data values.

    ``discrete`` norms place the boundaries evenly along [0, 1] (matplotlib's
    "uniform" colorbar spacing) and interpolate linearly inside each interval.
    """
    u = np.asarray(u, dtype=np.float64)
    if norm == "log":
        lo, hi = np.log10(vmin), np.log10(vmax)
        return 10.0 ** (lo + u * (hi - lo))
    if norm == "discrete":
        b = np.asarray(boundaries, float)
        return np.interp(u, np.linspace(0.0, 1.0, b.size), b)
    return vmin + u * (vmax - vmin)


def values_to_positions(v: np.ndarray, norm: str, vmin: float, vmax: float, boundaries=None) -> np.ndarray:
    """Forward norm: data values to normalised positions (not clipped)."""
    v = np.asarray(v, dtype=np.float64)
    if norm == "log":
        lo, hi = np.log10(vmin), np.log10(vmax)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log10(v) - lo) / (hi - lo)
    if norm == "discrete":
        b = np.asarray(boundaries, float)
        return np.interp(v, b, np.linspace(0.0, 1.0, b.size), left=np.nan, right=np.nan)
    return (v - vmin) / (vmax - vmin)


# --------------------------------------------------------------------------- the scale
@dataclass(frozen=True)
class ColorScale:
    """An ordered chain of colours and the values they stand for.

    Attributes
    ----------
    name : str
        Where the scale came from (colormap name, ``colors``, ``colorbar``).
    rgb : numpy.ndarray
        K x 3 uint8 colours, low values first; consecutive duplicates merged.
    u_lower, u_upper : numpy.ndarray
        Each colour's interval in normalised units.
    position : numpy.ndarray
        The normalised position each colour decodes to (its interval's centre).
    norm : str
        ``linear``, ``log`` or ``discrete``.
    vmin, vmax : float
        The value range (for ``discrete``, the first and last boundary).
    boundaries : tuple of float or None
        Discrete norms only.
    interpolate : bool
        Whether colours between two neighbouring vertices decode to a value in
        between (continuous scales) or snap to the nearer one (discrete scales).
    variants : tuple of ColorScale
        The same scale with its colours written another way. matplotlib writes
        images (``imshow``) with floor(255 c) but fills paths (``pcolormesh``,
        ``contourf``) through Agg with round(255 c); scales from a colormap hold
        the rounded table here, and the decoder uses whichever table the
        figure's colours match (see :func:`chromagrid.decode.core.pick_variant`).
    exact : bool
        Whether the colours are the bytes the figure was drawn with (a colormap's table, colours
        given), not measured from the figure (a colorbar, whose pixels carry its compression noise).
    """

    name: str
    rgb: np.ndarray
    u_lower: np.ndarray
    u_upper: np.ndarray
    position: np.ndarray
    norm: str
    vmin: float
    vmax: float
    boundaries: tuple[float, ...] | None = None
    interpolate: bool = True
    source_ncolors: int = field(default=0)
    variants: tuple[ColorScale, ...] = field(default=(), repr=False)
    exact: bool = True

    def to_values(self, u: np.ndarray) -> np.ndarray:
        """Normalised positions to data values (inverse norm)."""
        return positions_to_values(u, self.norm, self.vmin, self.vmax, self.boundaries)

    def to_positions(self, values: np.ndarray) -> np.ndarray:
        """Data values to normalised positions (forward norm)."""
        return values_to_positions(values, self.norm, self.vmin, self.vmax, self.boundaries)

    @property
    def centre(self) -> np.ndarray:
        """The value each colour decodes to."""
        return self.to_values(self.position)

    @property
    def lower(self) -> np.ndarray:
        """Lower bound of each colour's value interval."""
        return self.to_values(self.u_lower)

    @property
    def upper(self) -> np.ndarray:
        """Upper bound of each colour's value interval."""
        return self.to_values(self.u_upper)

    def colors_for(self, values: np.ndarray) -> np.ndarray:
        """The 8-bit colour a value is drawn in (NaN values give 0, 0, 0).

        Values beyond the range take the colour of the nearer end, as
        matplotlib draws them when the colormap has no over/under colours.
        """
        u = np.clip(self.to_positions(values), 0.0, 1.0)
        index = np.searchsorted(self.u_upper, np.nan_to_num(u), side="right")
        index = np.clip(index, 0, len(self.rgb) - 1)
        return self.rgb[index]

    def describe(self) -> dict:
        """A JSON-able summary for attributes and reports."""
        return {
            "name": self.name,
            "norm": self.norm,
            "vmin": self.vmin,
            "vmax": self.vmax,
            "boundaries": list(self.boundaries) if self.boundaries is not None else None,
            "n_colors": int(len(self.rgb)),
            "interpolate": self.interpolate,
        }


def _merge_runs(rgb8: np.ndarray, u_lower: np.ndarray, u_upper: np.ndarray):
    """Merge consecutive entries that share one 8-bit colour (union of intervals)."""
    change = np.ones(len(rgb8), bool)
    change[1:] = np.any(rgb8[1:] != rgb8[:-1], axis=1)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(rgb8)) - 1
    return rgb8[starts], u_lower[starts], u_upper[ends]


def _make_scale(name, rgb8, u_lower, u_upper, norm, vmin, vmax, boundaries, interpolate, n) -> ColorScale:
    rgb8, u_lower, u_upper = _merge_runs(
        np.asarray(rgb8, np.uint8), np.asarray(u_lower, float), np.asarray(u_upper, float)
    )
    return ColorScale(
        name=name,
        rgb=rgb8,
        u_lower=u_lower,
        u_upper=u_upper,
        position=0.5 * (u_lower + u_upper),
        norm=norm,
        vmin=float(vmin),
        vmax=float(vmax),
        boundaries=tuple(float(b) for b in boundaries) if boundaries is not None else None,
        interpolate=interpolate,
        source_ncolors=int(n),
    )


def to_bytes(rgb_float: np.ndarray) -> np.ndarray:
    """Float colours in [0, 1] to bytes the way matplotlib writes them: floor(255 c)."""
    return np.floor(np.clip(np.asarray(rgb_float, float), 0.0, 1.0) * 255.0).astype(np.uint8)


def to_bytes_rounded(rgb_float: np.ndarray) -> np.ndarray:
    """Float colours in [0, 1] to bytes as Agg fills paths (pcolormesh, contourf): round(255 c)."""
    return np.floor(np.clip(np.asarray(rgb_float, float), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _with_rounded_variant(scale: ColorScale, rgb_float: np.ndarray, u_lower, u_upper) -> ColorScale:
    """Attach the round(255 c) table of the same colours as a variant (when it differs)."""
    rounded = to_bytes_rounded(rgb_float)
    if np.array_equal(rounded, to_bytes(rgb_float)):
        return scale
    variant = _make_scale(
        scale.name,
        rounded,
        u_lower,
        u_upper,
        scale.norm,
        scale.vmin,
        scale.vmax,
        scale.boundaries,
        scale.interpolate,
        scale.source_ncolors,
    )
    return replace(scale, variants=(variant,))


# --------------------------------------------------------------------------- named colormaps
def split_name(name: str) -> tuple[str | None, str]:
    """``"cmo:thermal"`` -> ``("cmocean", "thermal")``: the catalogue (aliases resolved) and the map's name."""
    if ":" not in name:
        return None, name
    lib, base = name.split(":", 1)
    lib = lib.strip().lower()
    return CATALOGUE_ALIASES.get(lib, lib), base.strip()


def _lookup_catalogue(lib: str, base: str):
    """A matplotlib Colormap from a catalogue, or None if it has no such name."""
    import matplotlib as mpl

    if lib == "matplotlib":
        return mpl.colormaps[base] if base in mpl.colormaps else None
    own = None  # a catalogue's own package first; the `cmap` package's copy of it (more names) after
    if lib == "cmocean":
        import cmocean

        own = cmocean.cm.cmap_d.get(base)
    elif lib == "crameri":
        import cmcrameri.cm as cmc

        own = cmc.cmaps.get(base)
    elif lib == "colorcet":
        import colorcet

        own = colorcet.cm.get(base)
    if own is not None:
        return own
    if lib == "seaborn":
        try:
            import seaborn  # noqa: F401  (registers rocket, mako, ... with matplotlib)

            if base in mpl.colormaps:
                return mpl.colormaps[base]
        except ImportError:
            pass
    import cmap

    try:
        return cmap.Colormap(f"{lib}:{base}").to_mpl()
    except (ValueError, KeyError, LookupError):
        return None


def resolve_colormap(name: str, ncolors: int | None = None):
    """A matplotlib ``Colormap`` for a name.

    Parameters
    ----------
    name : str
        A matplotlib registry name (``viridis``, ``RdBu_r``) or ``LIB:NAME`` with
        LIB one of ``cmocean``, ``crameri`` (``cmcrameri``), ``colorcet``
        (``cc``), ``seaborn`` or any namespace of the ``cmap`` package's
        catalogue. A trailing ``_r`` reverses the map.
    ncolors : int, optional
        Resample to this many colours, as matplotlib's ``cmap.resampled(n)``.

    Raises
    ------
    ColorScaleError
        For an unknown name, with the closest known names.
    """
    import matplotlib as mpl

    lib, base = split_name(name)
    if lib is None:
        cm = mpl.colormaps[base] if base in mpl.colormaps else None
        if cm is None:  # seaborn's maps by their plain names (rocket, mako, flare, crest, vlag, icefire)
            cm = _lookup_catalogue("seaborn", base)
            if cm is None and base.endswith("_r"):
                cm = _lookup_catalogue("seaborn", base[:-2])
                cm = cm.reversed() if cm is not None else None
    else:
        cm = _lookup_catalogue(lib, base)
        if cm is None and base.endswith("_r"):
            cm = _lookup_catalogue(lib, base[:-2])
            cm = cm.reversed() if cm is not None else None
    if cm is None:
        close = suggest_colormaps(name)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ColorScaleError(f"unknown colormap '{name}'{hint} (`chromagrid colormaps PATTERN` lists known names)")
    if ncolors is not None and ncolors != cm.N:
        if ncolors < 2:
            raise ColorScaleError(f"ncolors must be at least 2 (got {ncolors})")
        cm = cm.resampled(ncolors)
    return cm


@functools.lru_cache(maxsize=1)
def known_colormaps() -> tuple[str, ...]:
    """Every colormap name :func:`resolve_colormap` accepts (without ``_r`` forms of catalogues)."""
    import matplotlib as mpl

    names = set(mpl.colormaps)
    try:
        import cmocean

        names.update(f"cmocean:{n}" for n in cmocean.cm.cmap_d)
    except ImportError:
        pass
    try:
        import cmcrameri.cm as cmc

        names.update(f"crameri:{n}" for n in cmc.cmaps)
    except ImportError:
        pass
    try:
        import colorcet

        names.update(f"colorcet:{n}" for n in colorcet.cm)
    except ImportError:
        pass
    try:
        import cmap

        names.update(k for k in cmap.Catalog().unique_keys(prefer_short_names=False) if ":" in k)
    except ImportError:
        pass
    return tuple(sorted(names, key=str.lower))


def list_colormaps(pattern: str | None = None) -> list[str]:
    """Known colormap names, optionally filtered by a glob or substring (case-insensitive)."""
    names = known_colormaps()
    if not pattern:
        return list(names)
    pat = pattern.lower()
    if not any(ch in pat for ch in "*?["):
        pat = f"*{pat}*"
    return [n for n in names if fnmatch.fnmatch(n.lower(), pat)]


def suggest_colormaps(name: str, n: int = 5) -> list[str]:
    """The known names closest to ``name``."""
    names = known_colormaps()
    by_lower = {}
    for k in names:
        by_lower.setdefault(k.lower(), k)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)
    if not close and ":" in name:  # compare the part after the prefix too
        base = name.split(":", 1)[1].lower()
        tails = {k.split(":", 1)[-1].lower(): k for k in names}
        close = difflib.get_close_matches(base, list(tails), n=n, cutoff=0.6)
        return [tails[c] for c in close]
    return [by_lower[c] for c in close]


def from_colormap(
    cmap,
    norm: str = "linear",
    vmin: float | None = None,
    vmax: float | None = None,
    boundaries=None,
    ncolors: int | None = None,
) -> ColorScale:
    """Build a scale from a colormap name or a matplotlib ``Colormap``.

    Parameters
    ----------
    cmap : str or matplotlib.colors.Colormap
    norm : {"linear", "log", "discrete"}
    vmin, vmax : float
        Value range (not needed for ``discrete``, where the boundaries give it).
    boundaries : sequence of float
        Interval edges for ``discrete``: interval k is drawn in the colour
        matplotlib's ``BoundaryNorm(boundaries, ncolors=cmap.N)`` picks for it,
        and decodes to the interval's centre.
    ncolors : int, optional
        Resample the colormap to this many colours.
    """
    from matplotlib.colors import BoundaryNorm

    cm = resolve_colormap(cmap, ncolors) if isinstance(cmap, str) else cmap
    if norm == "discrete" and boundaries is not None:
        b = np.asarray(boundaries, float)
        vmin, vmax = float(b[0]), float(b[-1])
    _check_norm(norm, vmin, vmax, boundaries)
    name = cmap if isinstance(cmap, str) else cm.name
    if norm == "discrete":
        n_int = b.size - 1
        index = BoundaryNorm(b, ncolors=cm.N)(0.5 * (b[:-1] + b[1:]))
        rgb_float = cm(np.asarray(index))[:, :3]
        k = np.arange(n_int)
        scale = _make_scale(name, to_bytes(rgb_float), k / n_int, (k + 1) / n_int, norm, vmin, vmax, b, False, cm.N)
        return _with_rounded_variant(scale, rgb_float, k / n_int, (k + 1) / n_int)
    n = cm.N
    rgb_float = cm(np.arange(n))[:, :3]
    i = np.arange(n)
    scale = _make_scale(name, to_bytes(rgb_float), i / n, (i + 1) / n, norm, vmin, vmax, None, True, n)
    return _with_rounded_variant(scale, rgb_float, i / n, (i + 1) / n)


# --------------------------------------------------------------------------- explicit colours
def parse_color(c) -> tuple[float, float, float]:
    """A colour as hex / name / (r, g, b) in 0-1 or 0-255 to floats in [0, 1]."""
    from matplotlib.colors import to_rgb

    if isinstance(c, (list, tuple)) and len(c) in (3, 4) and any(float(x) > 1 for x in c[:3]):
        if any(not 0 <= float(x) <= 255 for x in c[:3]):
            raise ColorScaleError(f"colour {c} has a component outside 0-255")
        return tuple(float(x) / 255.0 for x in c[:3])
    try:
        return to_rgb(c)
    except ValueError:
        raise ColorScaleError(
            f"cannot read colour {c!r}: give hex ('#1f77b4'), a name ('red') or RGB ([31, 119, 180])"
        ) from None


def from_colors(
    colors, values=None, norm: str = "linear", vmin: float | None = None, vmax: float | None = None, boundaries=None
) -> ColorScale:
    """Build a scale from an explicit list of colours.

    Each colour stands for exactly its value; colours in between two neighbours
    decode by interpolation along the segment joining them (so the scale works
    both for a legend of steps and for a gradient through these anchors).

    Parameters
    ----------
    colors : sequence
        Hex strings, names, or RGB triples (0-1 or 0-255), low values first.
    values : sequence of float, optional
        The value of each colour (increasing). When omitted the colours are
        evenly spaced between vmin and vmax (in the norm's units).
    """
    if colors is None or len(colors) < 2:
        raise ColorScaleError("a colour list needs at least 2 colours")
    rgb8 = to_bytes([parse_color(c) for c in colors])
    n = len(rgb8)
    if values is not None:
        values = np.asarray(values, float)
        if values.size != n:
            raise ColorScaleError(f"got {n} colours but {values.size} values: give one value per colour")
        if np.any(np.diff(values) <= 0):
            raise ColorScaleError("colour values must be strictly increasing")
        vmin = float(values[0]) if vmin is None else vmin
        vmax = float(values[-1]) if vmax is None else vmax
    if norm == "discrete" and boundaries is not None:
        vmin, vmax = float(boundaries[0]), float(boundaries[-1])
    _check_norm(norm, vmin, vmax, boundaries)
    position = (
        values_to_positions(values, norm, vmin, vmax, boundaries) if values is not None else np.linspace(0.0, 1.0, n)
    )
    mid = 0.5 * (position[1:] + position[:-1])
    u_lower = np.concatenate([[min(position[0], 0.0)], mid])
    u_upper = np.concatenate([mid, [max(position[-1], 1.0)]])
    scale = _make_scale("colors", rgb8, u_lower, u_upper, norm, vmin, vmax, boundaries, norm != "discrete", n)
    if len(scale.rgb) == n:  # keep the exact anchor positions (merging changes nothing)
        scale = replace(scale, position=np.asarray(position, float))
    return scale


# --------------------------------------------------------------------------- colorbar in the figure
def colorbar_orientation(box) -> str:
    """``vertical`` when the box is at least as tall as it is wide, else ``horizontal``."""
    x0, y0, x1, y1 = box
    return "vertical" if (y1 - y0) >= (x1 - x0) else "horizontal"


def sample_colorbar(rgb: np.ndarray, box, orientation: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Colours along a colorbar strip, low end first.

    The colour at each position along the long axis is the per-channel median
    across the short axis, using only the middle half of the strip's width;
    the ends of the long axis lose ``1 + L // 300`` pixels (the outline).

    Returns
    -------
    colours : (M, 3) uint8
    u_lower, u_upper : the normalised extent of each sample (pixel) along the bar
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    orientation = orientation or colorbar_orientation(box)
    strip = np.asarray(rgb[y0:y1, x0:x1])
    if orientation == "vertical":
        strip = strip[::-1].transpose(1, 0, 2)  # -> (short, long), low values first (bottom)
    elif orientation != "horizontal":
        raise ColorScaleError(f"colorbar orientation must be 'vertical' or 'horizontal' (got {orientation!r})")
    short, length = strip.shape[:2]
    if length < 4 or short < 1:
        raise ColorScaleError(f"colorbar box {list(box)} is too small to sample (needs 4+ pixels along the bar)")
    cut = short // 4
    trim = 1 + length // 300
    across = strip[cut : short - cut] if short - 2 * cut >= 1 else strip
    colours = np.median(across[:, trim : length - trim].astype(np.float64), axis=0)
    k = np.arange(trim, length - trim)
    return np.floor(colours + 0.5).astype(np.uint8), k / length, (k + 1) / length


def from_colorbar(
    rgb: np.ndarray,
    box,
    vmin: float | None = None,
    vmax: float | None = None,
    norm: str = "linear",
    boundaries=None,
    orientation: str | None = None,
) -> ColorScale:
    """Build a scale from the colorbar strip drawn in the figure.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array
        The whole image.
    box : (x0, y0, x1, y1)
        The colour strip only (no ticks, labels or extend triangles).
    vmin, vmax : float
        Values at the low and high end of the bar (bottom/top or left/right).
    orientation : {"vertical", "horizontal"}, optional
        Detected from the box's shape when not given.
    """
    if norm == "discrete" and boundaries is not None:
        vmin, vmax = float(boundaries[0]), float(boundaries[-1])
    _check_norm(norm, vmin, vmax, boundaries)
    colours, u_lower, u_upper = sample_colorbar(rgb, box, orientation)
    scale = replace(
        _make_scale(
            "colorbar", colours, u_lower, u_upper, norm, vmin, vmax, boundaries, norm != "discrete", len(colours)
        ),
        exact=False,
    )
    if norm == "discrete":  # snap each colour to the interval its centre falls in
        n_int = len(boundaries) - 1
        k = np.clip(np.floor(scale.position * n_int), 0, n_int - 1)
        scale = replace(scale, position=(k + 0.5) / n_int)
    return scale
