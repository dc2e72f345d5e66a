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
from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from chromagrid.errors import ColorScaleError

NORMS = ("linear", "log", "discrete")

#: How values beyond the first and last boundary (level) are drawn: matplotlib's ``extend``.
EXTENDS = ("neither", "both", "min", "max")
_Extend = Literal["neither", "both", "min", "max"]  # matplotlib's type of it

#: Discrete boundaries whose last is at least this many times their first, and more evenly spaced in log than
#: in linear units, are log-spaced (:func:`boundary_spacing`): their intervals decode to geometric centres.
LOG_SPAN = 100.0

#: Catalogue prefixes accepted in ``LIB:NAME`` colormap names, and their aliases.
CATALOGUE_ALIASES = {"cmcrameri": "crameri", "cc": "colorcet", "sns": "seaborn", "mpl": "matplotlib"}


# --------------------------------------------------------------------------- norms
def _check_norm(norm: str, vmin: float | None, vmax: float | None, boundaries) -> None:
    if norm not in NORMS:
        raise ColorScaleError(f"norm '{norm}' is not one of {', '.join(NORMS)}")
    if norm == "discrete":
        b = np.asarray(boundaries if boundaries is not None else [], float)
        if b.size < 2 or np.any(np.diff(b) <= 0):
            raise ColorScaleError("norm 'discrete' needs at least 2 strictly increasing boundaries")
        return
    if vmin is None or vmax is None:
        raise ColorScaleError(f"norm '{norm}' needs vmin and vmax: give the values at the two ends of the scale")
    if not vmin < vmax:
        raise ColorScaleError(f"vmin ({vmin}) must be less than vmax ({vmax})")
    if norm == "log" and vmin <= 0:
        raise ColorScaleError(f"norm 'log' needs vmin > 0 (got {vmin})")


def _check_extend(extend: str) -> tuple[bool, bool]:
    """(a class below the first boundary, a class above the last) for matplotlib's ``extend``."""
    if extend not in EXTENDS:
        raise ColorScaleError(f"extend '{extend}' is not one of {', '.join(EXTENDS)}")
    return extend in ("both", "min"), extend in ("both", "max")


def boundary_spacing(boundaries) -> str:
    """``log`` for log-spaced interval boundaries (levels), else ``linear``.

    Log-spaced: all positive, the last at least :data:`LOG_SPAN` times the
    first, and the steps between them more even in log than in linear units
    (``[1e-8, 1e-6, 1e-4]``, ``[1, 2, 5, 10, 20, 50, 100]``). Their intervals
    decode to the geometric centre, as contourf with a ``LogNorm`` colours them.
    """
    b = np.asarray(boundaries, float)
    if b.size < 2 or np.any(b <= 0) or b[-1] / b[0] < LOG_SPAN:
        return "linear"

    def spread(steps):
        return float(np.std(steps) / np.mean(steps)) if steps.size > 1 else 0.0

    return "log" if spread(np.diff(np.log10(b))) <= spread(np.diff(b)) else "linear"


def positions_to_values(
    u: np.ndarray, norm: str, vmin: float, vmax: float, boundaries=None, spacing: str = "linear"
) -> np.ndarray:
    """Inverse norm: normalised position(s) in [0, 1] to data values.

    ``discrete`` norms place the boundaries evenly along [0, 1] (matplotlib's
    "uniform" colorbar spacing) and interpolate inside each interval, linearly
    or, for ``spacing="log"``, in log units (an interval's centre is then its
    geometric centre). Positions below 0 or above 1 are the unbounded classes
    of an ``extend``: -inf and +inf.
    """
    u = np.asarray(u, dtype=np.float64)
    if norm == "log":
        lo, hi = np.log10(vmin), np.log10(vmax)
        return 10.0 ** (lo + u * (hi - lo))
    if norm == "discrete":
        b = np.asarray(boundaries, float)
        grid = np.linspace(0.0, 1.0, b.size)
        v = 10.0 ** np.interp(u, grid, np.log10(b)) if spacing == "log" else np.interp(u, grid, b)
        return np.where(u < 0, -np.inf, np.where(u > 1, np.inf, v))
    return vmin + u * (vmax - vmin)


def values_to_positions(
    v: np.ndarray, norm: str, vmin: float, vmax: float, boundaries=None, spacing: str = "linear"
) -> np.ndarray:
    """Forward norm: data values to normalised positions (not clipped; NaN beyond discrete boundaries)."""
    v = np.asarray(v, dtype=np.float64)
    if norm == "log":
        lo, hi = np.log10(vmin), np.log10(vmax)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log10(v) - lo) / (hi - lo)
    if norm == "discrete":
        b = np.asarray(boundaries, float)
        grid = np.linspace(0.0, 1.0, b.size)
        if spacing == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.interp(np.log10(v), np.log10(b), grid, left=np.nan, right=np.nan)
        return np.interp(v, b, grid, left=np.nan, right=np.nan)
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
    extend : str
        Discrete scales: ``both``, ``min`` or ``max`` when the first / last colour stands for the
        values below the first / above the last boundary (matplotlib's ``extend``); such a class's
        interval is unbounded on one side (``lower`` -inf, ``upper`` +inf) and it decodes to the
        boundary it lies beyond.
    spacing : str
        Discrete scales: ``log`` when the boundaries are log-spaced (or contourf levels drawn with a
        ``LogNorm``): each interval decodes to its geometric centre. See :func:`boundary_spacing`.

    Examples
    --------
    >>> scale = from_colormap("viridis", vmin=0, vmax=10)
    >>> scale.rgb[0].tolist(), scale.norm, (scale.vmin, scale.vmax)
    ([68, 1, 84], 'linear', (0.0, 10.0))
    >>> scale.colors_for([0, 5, 10]).tolist()
    [[68, 1, 84], [32, 144, 140], [253, 231, 36]]
    >>> classes = from_colormap("RdBu_r", norm="discrete", boundaries=[-3, -1, 0, 1, 3])
    >>> classes.centre.tolist(), classes.bounds_of([0.5])
    ([-2.0, -0.5, 0.5, 2.0], (array([0.]), array([1.])))
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
    extend: str = "neither"
    spacing: str = "linear"

    def to_values(self, u: np.ndarray) -> np.ndarray:
        """Normalised positions to data values (inverse norm)."""
        return positions_to_values(u, self.norm, self.vmin, self.vmax, self.boundaries, self.spacing)

    def to_positions(self, values: np.ndarray) -> np.ndarray:
        """Data values to normalised positions (forward norm)."""
        return values_to_positions(values, self.norm, self.vmin, self.vmax, self.boundaries, self.spacing)

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

    def bounds_of(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value interval (lower, upper) of the colour each decoded value came from.

        For a discrete scale every decoded value is the centre (or, for an
        ``extend`` class, the boundary) of one colour's interval; this gives that
        interval's bounds, NaN where the value is NaN. For a continuous scale a
        pixel's value is known to within its colour's interval: the bounds of
        the nearest colour's interval.

        Parameters
        ----------
        values : array of float
            Values decoded with this scale (any shape).

        Returns
        -------
        lower, upper : arrays of float64, the shape of ``values``
        """
        v = np.asarray(values, np.float64)
        centre, lower, upper = self.centre, self.lower, self.upper
        order = np.argsort(centre, kind="stable")
        sorted_centre = centre[order]
        finite = np.isfinite(v)
        at = np.searchsorted(sorted_centre, np.where(finite, v, 0.0))
        left = np.clip(at - 1, 0, len(order) - 1)
        right = np.clip(at, 0, len(order) - 1)
        pick = np.where(np.abs(sorted_centre[right] - v) <= np.abs(v - sorted_centre[left]), right, left)
        index = order[pick]
        nan = np.float64(np.nan)
        return np.where(finite, lower[index], nan), np.where(finite, upper[index], nan)

    def colors_for(self, values: np.ndarray) -> np.ndarray:
        """The 8-bit colour a value is drawn in (NaN values give 0, 0, 0).

        Values beyond the range take the colour of the nearer end, as
        matplotlib draws them when the colormap has no over/under colours.
        """
        values = np.asarray(values, np.float64)
        u = np.clip(self.to_positions(values), 0.0, 1.0)
        index = np.searchsorted(self.u_upper, np.nan_to_num(u), side="right")
        if self.norm == "discrete" and self.extend != "neither":  # the extend classes, decoded to their boundary
            below, above = _check_extend(self.extend)
            with np.errstate(invalid="ignore"):
                if below:
                    index = np.where(values <= self.vmin, 0, index)
                if above:
                    index = np.where(values >= self.vmax, len(self.rgb) - 1, index)
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
            **({"extend": self.extend, "spacing": self.spacing} if self.norm == "discrete" else {}),
        }


def _merge_runs(rgb8: np.ndarray, u_lower: np.ndarray, u_upper: np.ndarray):
    """Merge consecutive entries that share one 8-bit colour (union of intervals)."""
    change = np.ones(len(rgb8), bool)
    change[1:] = np.any(rgb8[1:] != rgb8[:-1], axis=1)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(rgb8)) - 1
    return rgb8[starts], u_lower[starts], u_upper[ends]


def _centres(u_lower: np.ndarray, u_upper: np.ndarray) -> np.ndarray:
    """Each interval's middle; an interval unbounded on one side (an ``extend`` class) takes its finite end."""
    with np.errstate(invalid="ignore"):
        middle = 0.5 * (u_lower + u_upper)
    middle = np.where(np.isneginf(u_lower), u_upper, middle)
    return np.where(np.isposinf(u_upper), np.where(np.isneginf(u_lower), 0.5, u_lower), middle)


def _make_scale(name, rgb8, u_lower, u_upper, norm, vmin, vmax, boundaries, interpolate, n) -> ColorScale:
    rgb8, u_lower, u_upper = _merge_runs(
        np.asarray(rgb8, np.uint8), np.asarray(u_lower, float), np.asarray(u_upper, float)
    )
    return ColorScale(
        name=name,
        rgb=rgb8,
        u_lower=u_lower,
        u_upper=u_upper,
        position=_centres(u_lower, u_upper),
        norm=norm,
        vmin=float(vmin),
        vmax=float(vmax),
        boundaries=tuple(float(b) for b in boundaries) if boundaries is not None else None,
        interpolate=interpolate,
        source_ncolors=int(n),
    )


def to_bytes(rgb_float: ArrayLike) -> np.ndarray:
    """Float colours in [0, 1] to bytes the way matplotlib writes them: floor(255 c)."""
    return np.floor(np.clip(np.asarray(rgb_float, float), 0.0, 1.0) * 255.0).astype(np.uint8)


def to_bytes_rounded(rgb_float: ArrayLike) -> np.ndarray:
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
    return replace(scale, variants=(replace(variant, extend=scale.extend, spacing=scale.spacing),))


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

    Returns
    -------
    matplotlib.colors.Colormap

    Raises
    ------
    ColorScaleError
        For an unknown name, with the closest known names.

    Examples
    --------
    >>> resolve_colormap("viridis").N, resolve_colormap("crameri:batlow", ncolors=8).N
    (256, 8)
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
    """Known colormap names, optionally filtered by a glob or substring (case-insensitive).

    Parameters
    ----------
    pattern : str, optional
        A glob (``cmocean:th*``) or, without wildcards, a substring.

    Returns
    -------
    list of str
        The names, as ``--cmap`` and ``scale.cmap`` take them.

    Examples
    --------
    >>> list_colormaps("cmocean:therm*")
    ['cmocean:thermal', 'cmocean:thermal_i', 'cmocean:thermal_i_r', 'cmocean:thermal_r', 'cmocean:thermal_r_i']
    >>> "viridis" in list_colormaps()
    True
    """
    names = known_colormaps()
    if not pattern:
        return list(names)
    pat = pattern.lower()
    if not any(ch in pat for ch in "*?["):
        pat = f"*{pat}*"
    return [n for n in names if fnmatch.fnmatch(n.lower(), pat)]


def suggest_colormaps(name: str, n: int = 5) -> list[str]:
    """The known names closest to ``name``.

    Parameters
    ----------
    name : str
        A colormap name that may be misspelt.
    n : int
        At most this many suggestions.

    Returns
    -------
    list of str
        Known names, closest first (empty when none is close).

    Examples
    --------
    >>> suggest_colormaps("viridiss")
    ['viridis', 'viridis_r', 'bids:viridis', 'cividis']
    """
    names = known_colormaps()
    by_lower: dict[str, str] = {}
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
    *,
    levels=None,
    extend: str = "neither",
) -> ColorScale:
    """Build a scale from a colormap name or a matplotlib ``Colormap``.

    Parameters
    ----------
    cmap : str or matplotlib.colors.Colormap
    norm : {"linear", "log", "discrete"}
        With ``levels``: the norm contourf coloured its levels with (``linear``,
        or ``log`` for a ``LogNorm`` or a log locator).
    vmin, vmax : float
        Value range (not needed for ``discrete``, where the boundaries give it,
        nor with ``levels``, where it defaults to the first and last level).
    boundaries : sequence of float
        Interval edges for ``discrete``: interval k is drawn in the colour
        matplotlib's ``BoundaryNorm(boundaries, ncolors=cmap.N, extend=extend)``
        picks for it, and decodes to the interval's centre (geometric centre for
        log-spaced boundaries, see :func:`boundary_spacing`).
    ncolors : int, optional
        Resample the colormap to this many colours.
    levels : sequence of float, optional
        The levels of a filled contour plot (``contourf``): see :func:`from_levels`.
    extend : {"neither", "both", "min", "max"}
        With ``levels`` or ``discrete``: the figure also has a colour for the
        values below the first / above the last boundary.

    Returns
    -------
    ColorScale
        The colormap's 8-bit table (as matplotlib writes images), each colour with its value interval.

    Examples
    --------
    >>> scale = from_colormap("viridis", vmin=0, vmax=10)
    >>> len(scale.rgb), scale.centre[:2].tolist()
    (254, [0.01953125, 0.05859375])
    >>> log = from_colormap("YlOrRd", norm="log", vmin=0.1, vmax=1000)
    >>> log.norm, float(log.centre[0]) > 0.1
    ('log', True)
    >>> from_colormap("cmocean:thermal", vmin=-2, vmax=30, ncolors=8).rgb.shape
    (8, 3)
    """
    cm = resolve_colormap(cmap, ncolors) if isinstance(cmap, str) else cmap
    name = cmap if isinstance(cmap, str) else cm.name
    if levels is not None:
        return from_levels(cm, levels, extend=extend, norm=norm, vmin=vmin, vmax=vmax, name=name)
    if norm == "discrete" and boundaries is not None:
        b = np.asarray(boundaries, float)
        vmin, vmax = float(b[0]), float(b[-1])
    _check_norm(norm, vmin, vmax, boundaries)
    if norm == "discrete":
        return _boundary_classes(name, cm, b, extend, cm.N)
    _check_extend(extend)
    n = cm.N
    rgb_float = cm(np.arange(n))[:, :3]
    i = np.arange(n)
    scale = _make_scale(name, to_bytes(rgb_float), i / n, (i + 1) / n, norm, vmin, vmax, None, True, n)
    return _with_rounded_variant(scale, rgb_float, i / n, (i + 1) / n)


def _class_scale(name: str, rgb_float: np.ndarray, boundaries, extend: str, spacing: str, n: int) -> ColorScale:
    """A discrete scale of one colour per class: [below the first boundary], each interval, [above the last].

    Interval k spans positions k/n .. (k+1)/n (n intervals); the class below
    spans (-inf, 0], the one above [1, +inf); each decodes to its interval's
    centre, an unbounded class to its boundary. Both byte tables are kept:
    floor(255 c) for images, round(255 c) for filled paths (the variant).
    """
    b = np.asarray(boundaries, float)
    below, above = _check_extend(extend)
    k = np.arange(b.size - 1)
    u_lower, u_upper = k / k.size, (k + 1) / k.size
    if below:
        u_lower, u_upper = np.concatenate([[-np.inf], u_lower]), np.concatenate([[0.0], u_upper])
    if above:
        u_lower, u_upper = np.concatenate([u_lower, [1.0]]), np.concatenate([u_upper, [np.inf]])
    rgb_float = np.asarray(rgb_float, float)[:, :3]
    scale = _make_scale(name, to_bytes(rgb_float), u_lower, u_upper, "discrete", b[0], b[-1], b, False, n)
    scale = replace(scale, extend=extend, spacing=spacing)
    return _with_rounded_variant(scale, rgb_float, u_lower, u_upper)


def _class_values(b: np.ndarray, extend: str) -> np.ndarray:
    """One value inside each class (below, each interval, above) of boundaries ``b`` to colour it by."""
    below, above = _check_extend(extend)
    inside = 0.5 * (b[:-1] + b[1:])
    step = b[-1] - b[0]
    return np.concatenate([[b[0] - step] if below else [], inside, [b[-1] + step] if above else []])


def _boundary_classes(
    name: str, cm, b: np.ndarray, extend: str, ncolors: int, norm_extend: str | None = None
) -> ColorScale:
    """The classes of ``BoundaryNorm(b, ncolors, extend=norm_extend)`` over colormap ``cm``, coloured as matplotlib
    does; ``extend`` says which classes beyond the boundaries the figure has (``norm_extend``: the same by default;
    ``neither`` for ``from_levels_and_colors``, whose under / over colours are the colormap's)."""
    from matplotlib.colors import BoundaryNorm

    try:
        norm = BoundaryNorm(b, ncolors=ncolors, extend=cast(_Extend, extend if norm_extend is None else norm_extend))
    except ValueError as e:  # more classes than colours
        raise ColorScaleError(f"{e}: give fewer boundaries, or more colours") from None
    rgb_float = cm(np.asarray(norm(_class_values(b, extend))))[:, :3]
    return _class_scale(name, rgb_float, b, extend, boundary_spacing(b), ncolors)


def _check_levels(levels, norm: str) -> np.ndarray:
    b = np.asarray(levels, float)
    if b.ndim != 1 or b.size < 2 or np.any(~np.isfinite(b)) or np.any(np.diff(b) <= 0):
        raise ColorScaleError("levels need at least 2 strictly increasing finite values")
    if norm not in ("linear", "log"):
        raise ColorScaleError(
            f"levels go with norm 'linear' or 'log' (how contourf coloured them), not '{norm}'; "
            "for a BoundaryNorm give boundaries with norm 'discrete'"
        )
    if norm == "log" and b[0] <= 0:
        raise ColorScaleError(f"levels with norm 'log' must be positive (got {b[0]:g})")
    return b


def contour_layers(levels, extend: str = "neither", log: bool = False) -> np.ndarray:
    """The value contourf colours each filled interval by (its *layer*), below / above classes included.

    As matplotlib's ``ContourSet._process_levels``: the levels, with -1e250
    (1e-250 for log) before them for ``extend`` min/both and 1e250 after them
    for max/both; each layer is the middle of two neighbouring levels, the
    geometric middle for a log scale. The extended layers lie far outside the
    norm's range and take the colormap's under / over colours.
    """
    below, above = _check_extend(extend)
    outer = (1e-250, 1e250) if log else (-1e250, 1e250)
    edges = np.concatenate([[outer[0]] if below else [], np.asarray(levels, float), [outer[1]] if above else []])
    if log:
        return np.sqrt(edges[:-1]) * np.sqrt(edges[1:])
    return 0.5 * (edges[:-1] + edges[1:])


def from_levels(
    cmap,
    levels,
    extend: str = "neither",
    norm: str = "linear",
    vmin: float | None = None,
    vmax: float | None = None,
    *,
    ncolors: int | None = None,
    name: str | None = None,
) -> ColorScale:
    """Build the scale of a filled contour plot (``contourf``) from its colormap and levels.

    matplotlib colours the interval between levels i and i + 1 with the
    colormap at that interval's *layer* (its middle, :func:`contour_layers`)
    put through the norm, whose range is the first and last level unless
    ``vmin``/``vmax`` are given (``ContourSet._process_colors``); the values
    below the first / above the last level (``extend``) take the colormap's
    under / over colours. This is not how a ``BoundaryNorm`` spreads the
    intervals over the colormap (``norm="discrete"``).

    Each colour decodes to its interval's centre, the geometric centre for
    ``norm="log"`` or log-spaced levels (:func:`boundary_spacing`); an extend
    class decodes to the level it lies beyond. ``scale.lower`` /
    ``scale.upper`` are each colour's bounds (-inf / +inf for the extend
    classes); :meth:`ColorScale.bounds_of` gives them per decoded value.

    Parameters
    ----------
    cmap : str or matplotlib.colors.Colormap
    levels : sequence of float
        The contour levels, increasing (``cs.levels``).
    extend : {"neither", "both", "min", "max"}
        contourf's ``extend``.
    norm : {"linear", "log"}
        ``log`` when contourf was given a ``LogNorm`` or a log locator.
    vmin, vmax : float, optional
        contourf's ``vmin``/``vmax``, when given there (default: first and last level).
    ncolors : int, optional
        Resample the colormap to this many colours.
    name : str, optional
        The scale's name (default: the colormap's).

    Returns
    -------
    ColorScale
        A ``discrete`` scale with boundaries ``levels``.
    """
    from matplotlib.colors import LogNorm, Normalize

    cm = resolve_colormap(cmap, ncolors) if isinstance(cmap, str) else cmap
    b = _check_levels(levels, norm)
    lo = float(b[0]) if vmin is None else float(vmin)
    hi = float(b[-1]) if vmax is None else float(vmax)
    _check_norm(norm, lo, hi, None)
    mapping = LogNorm(lo, hi) if norm == "log" else Normalize(lo, hi)
    rgb_float = cm(mapping(contour_layers(b, extend, norm == "log")))[:, :3]
    spacing = "log" if norm == "log" else boundary_spacing(b)
    label = name or (cmap if isinstance(cmap, str) else cm.name)
    return _class_scale(label, rgb_float, b, extend, spacing, cm.N)


# --------------------------------------------------------------------------- explicit colours
def parse_color(c) -> tuple[float, float, float]:
    """A colour as hex / name / (r, g, b) in 0-1 or 0-255 to floats in [0, 1]."""
    from matplotlib.colors import to_rgb

    if isinstance(c, (list, tuple)) and len(c) in (3, 4) and any(float(x) > 1 for x in c[:3]):
        if any(not 0 <= float(x) <= 255 for x in c[:3]):
            raise ColorScaleError(f"colour {c} has a component outside 0-255")
        r, g, b = (float(x) / 255.0 for x in c[:3])
        return r, g, b
    try:
        return to_rgb(c)
    except ValueError:
        raise ColorScaleError(
            f"cannot read colour {c!r}: give hex ('#1f77b4'), a name ('red') or RGB ([31, 119, 180])"
        ) from None


def from_colors(
    colors,
    values=None,
    norm: str = "linear",
    vmin: float | None = None,
    vmax: float | None = None,
    boundaries=None,
    *,
    levels=None,
    extend: str = "neither",
) -> ColorScale:
    """Build a scale from an explicit list of colours.

    Each colour stands for exactly its value; colours in between two neighbours
    decode by interpolation along the segment joining them (so the scale works
    both for a legend of steps and for a gradient through these anchors).

    With ``norm="discrete"`` and ``boundaries`` (and no ``values``) colour i
    stands for interval i, as a ``ListedColormap`` with a ``BoundaryNorm``
    draws them, and as ``matplotlib.colors.from_levels_and_colors(boundaries,
    colors, extend)`` takes them: one colour per interval, plus the first for
    the values below (``extend`` min/both) and the last for those above
    (max/both). More colours than classes are spread as
    ``BoundaryNorm(boundaries, ncolors=len(colors), extend=extend)`` does.
    With ``levels``, the colours of ``contourf(..., levels=levels,
    colors=colors, extend=extend)`` (see :func:`from_colors_levels`).

    Parameters
    ----------
    colors : sequence
        Hex strings, names, or RGB triples (0-1 or 0-255), low values first.
    values : sequence of float, optional
        The value of each colour (increasing). When omitted the colours are
        evenly spaced between vmin and vmax (in the norm's units).
    levels : sequence of float, optional
        contourf levels the colours fill.
    extend : {"neither", "both", "min", "max"}
        With ``levels`` or ``boundaries``: matplotlib's ``extend``.

    Returns
    -------
    ColorScale
        One vertex per colour (per class for a discrete scale), low values first.

    Examples
    --------
    >>> scale = from_colors(["#000000", "#ffffff"], vmin=0, vmax=1)
    >>> scale.rgb.tolist(), scale.centre.tolist()
    ([[0, 0, 0], [255, 255, 255]], [0.0, 1.0])
    >>> steps = from_colors(["blue", "white", "red"], norm="discrete", boundaries=[-1, -0.2, 0.2, 1])
    >>> [round(float(v), 9) for v in steps.centre]
    [-0.6, 0.0, 0.6]
    """
    if colors is None or len(colors) < 2 and levels is None and boundaries is None:
        raise ColorScaleError("a colour list needs at least 2 colours")
    if levels is not None:
        return from_colors_levels(colors, levels, extend)
    if norm == "discrete" and boundaries is not None and values is None:
        return _listed_classes(colors, boundaries, extend)
    _check_extend(extend)
    if len(colors) < 2:
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
    assert vmin is not None and vmax is not None  # set above for discrete with boundaries, else _check_norm raised
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


def _listed_classes(colors, boundaries, extend: str) -> ColorScale:
    """Colours of a ``ListedColormap`` with a ``BoundaryNorm`` (or ``from_levels_and_colors``) per class."""
    from matplotlib.colors import ListedColormap, from_levels_and_colors

    b = np.asarray(boundaries, float)
    _check_norm("discrete", b[0], b[-1], b)
    below, above = _check_extend(extend)
    rgb = [parse_color(c) for c in colors]
    n_classes = b.size - 1 + below + above
    if len(rgb) == n_classes:
        cm, _ = from_levels_and_colors(b.tolist(), rgb, extend=cast(_Extend, extend))
        return replace(_boundary_classes("colors", cm, b, extend, b.size - 1, "neither"), name="colors")
    if len(rgb) > n_classes:
        cm, ncolors = ListedColormap(rgb), len(rgb)
    else:
        raise ColorScaleError(
            f"got {len(rgb)} colours for {b.size - 1} intervals between {b.size} boundaries"
            + (f" and extend '{extend}'" if extend != "neither" else "")
            + f": give {n_classes} colours, one per interval"
            + (" (the first for values below the first boundary)" if below else "")
            + (" (the last for values above the last boundary)" if above else "")
        )
    return replace(_boundary_classes("colors", cm, b, extend, ncolors), name="colors")


def from_colors_levels(colors, levels, extend: str = "neither") -> ColorScale:
    """The scale of ``contourf(..., levels=levels, colors=colors, extend=extend)``.

    As matplotlib's ``ContourSet``: with exactly one colour per interval plus
    one per extended side, the first / last colours are the under / over
    colours; otherwise the colours are cycled or cut to one per interval and
    the extended sides repeat the first / last interval's colour (both then
    read as that interval, bounded by the other level only).

    Parameters
    ----------
    colors : sequence
        Hex strings, names, or RGB triples (0-1 or 0-255), low values first.
    levels : sequence of float
        The contour levels, increasing.
    extend : {"neither", "both", "min", "max"}
    """
    from matplotlib.colors import ListedColormap

    b = _check_levels(levels, "linear")
    below, above = _check_extend(extend)
    rgb = [parse_color(c) for c in colors]
    n_int = b.size - 1
    under_over = len(rgb) == n_int + below + above and (below or above)
    data = rgb[1:] if under_over and below else rgb
    data = [data[i % len(data)] for i in range(n_int)]  # matplotlib's cbook._resize_sequence
    cm = ListedColormap(
        data,
        under=rgb[0] if under_over and below else None,
        over=rgb[-1] if under_over and above else None,
    )
    index = np.arange(-1 if below else 0, n_int + (1 if above else 0))  # NoNorm indices; -1 / n: under / over
    return _class_scale("colors", cm(index)[:, :3], b, extend, boundary_spacing(b), n_int)


# --------------------------------------------------------------------------- colorbar in the figure
def colorbar_orientation(box) -> Literal["vertical", "horizontal"]:
    """``vertical`` when the box is at least as tall as it is wide, else ``horizontal``."""
    x0, y0, x1, y1 = box
    return "vertical" if (y1 - y0) >= (x1 - x0) else "horizontal"


def sample_colorbar(rgb: np.ndarray, box, orientation: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

    Returns
    -------
    ColorScale
        The strip's colours from its low end to its high end (``exact`` is False: they are measured).

    Examples
    --------
    The vertical colorbar of the bundled ``examples/field.png``, from 0 at its bottom to 0.7 at its top:

    >>> from chromagrid.io import read_image
    >>> rgb = read_image("examples/field.png").rgb
    >>> scale = from_colorbar(rgb, (640, 40, 660, 460), vmin=0, vmax=0.7)
    >>> scale.name, scale.exact, len(scale.rgb) > 200
    ('colorbar', False, True)
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
        scale = replace(
            scale,
            position=(k + 0.5) / n_int,
            u_lower=k / n_int,
            u_upper=(k + 1) / n_int,
            spacing=boundary_spacing(boundaries),
        )
    return scale
