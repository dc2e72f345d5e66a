"""Colormap identification: which named colormap a colorbar (or a panel's colours) was drawn with.

The catalogue is every name :func:`chromagrid.scale.colorscale.known_colormaps` returns (matplotlib's
registry, cmocean, crameri, colorcet, seaborn and the ``cmap`` package's namespaces). Each distinct
table is converted to CIELAB once per process; names whose tables are identical (to float noise) are one entry,
reported under the simplest name (matplotlib's plain name before a catalogue's, a catalogue's own
before the ``cmap`` package's re-export, shorter before longer) with the others as ``aliases``.

A colorbar is matched in two stages: every candidate (each table forward and reversed, and, when
the bar shows flat steps, resampled to the step count) is compared at 128 positions along the bar;
the best 40 are compared at every sample, allowing the samples to cover slightly less (or more) than
the whole bar (up to 4 % trimmed at either end, as a strip cut inside its outline is), and ranked
by a robust mean CIE76 colour distance.
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass
from typing import cast

import numpy as np

from chromagrid.errors import ColorScaleError
from chromagrid.scale.colorscale import known_colormaps, resolve_colormap, split_name

__all__ = ["ColormapMatch", "identify_colormap", "identify_from_pixels"]

#: Catalogues ``resolve_colormap`` reads through their own packages (not through ``cmap``).
_PACKAGES = ("matplotlib", "cmocean", "crameri", "colorcet", "seaborn")
#: matplotlib's secondary spellings of its own maps (``matplotlib.cm``): never the reported name.
_MPL_ALIASES = frozenset({"grey", "gist_grey", "gist_yerg", "Grays"})
_COARSE = 128  # positions per candidate in the first stage
_REFINE = 40  # candidates compared at full resolution, at most
_REFINE_REACH = 3.0  # ... and only those within this delta E of the best at the coarse stage (or 2 * top)
_EDGE = 0.02  # share of samples ignored at each end (outline, antialiased edge)
_SHIFTS = np.round(np.arange(-0.01, 0.04001, 0.01), 4)  # trimmed share at each end tried in stage 2
_SHIFT_COST = 10.0  # delta E added per unit of trimmed/extended bar length (prefers the plain fit)
_TRIM = 0.10  # robust mean: the worst 10 % of samples are left out
_TIER_COST = (0.005, 0.1)  # delta E added per name tier (lossless, lossy): near-identical tables go to the simpler
_MAX_STEPS = 128  # stepped bars with more steps than this are treated as smooth
_SAME = 0.02  # tables within this (255 units) everywhere are one table (float noise)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class ColormapMatch:
    """One candidate colormap for a colour sequence.

    Attributes
    ----------
    name : str
        A name :func:`chromagrid.scale.colorscale.resolve_colormap` accepts, ``_r`` appended when
        reversed (``viridis``, ``RdYlBu_r``, ``cmocean:haline``, ``seaborn:rocket_r``).
    reversed : bool
        Whether the map runs high to low along the samples.
    ncolors : int or None
        None: the map's own table. n: the map resampled to n colours (``cmap.resampled(n)``), to be
        given as config ``scale.ncolors``.
    delta_e : float
        Mean CIE76 colour distance (CIELAB) between the samples and the candidate at the same
        positions (the first and last 2 % of samples left out).
    delta_e_p95 : float
        95th percentile of the same distances.
    exact : bool
        The samples are the table's bytes (all but a few within one byte of the entry at their
        position); always False for lossy samples.
    aliases : tuple of str
        Other names with the identical colour table (same reversal and ncolors).

    Examples
    --------
    >>> m = ColormapMatch("viridis", False, None, 0.1, 0.3, True)
    >>> m.describe()["name"]
    'viridis'
    """

    name: str
    reversed: bool
    ncolors: int | None
    delta_e: float
    delta_e_p95: float
    exact: bool
    aliases: tuple[str, ...] = ()

    def describe(self) -> dict:
        """A JSON-able summary.

        Examples
        --------
        >>> ColormapMatch("RdBu_r", True, 8, 0.25, 0.5, False).describe()["ncolors"]
        8
        """
        return {
            "name": self.name,
            "reversed": bool(self.reversed),
            "ncolors": None if self.ncolors is None else int(self.ncolors),
            "delta_e": round(float(self.delta_e), 4),
            "delta_e_p95": round(float(self.delta_e_p95), 4),
            "exact": bool(self.exact),
            "aliases": list(self.aliases),
        }


# --------------------------------------------------------------------------- catalogue
@dataclass(frozen=True)
class _Catalogue:
    """Distinct colour tables of the known colormaps.

    Group g is one distinct table: ``names[g]`` (best first), ``tier[g]``, its matplotlib Colormap
    ``cmaps[g]``, its ``size[g]`` entries as 255 * c in ``rgb[g]`` and CIELAB in ``lab_pad[g, :size]``.
    ``rev_dup[g]`` is the group whose forward table is g's table reversed (-1: none; g: palindrome).
    """

    names: tuple[tuple[str, ...], ...]
    tier: np.ndarray
    cmaps: tuple
    size: np.ndarray
    rgb: tuple[np.ndarray, ...]
    lab_pad: np.ndarray
    rev_dup: np.ndarray
    coarse: np.ndarray  # (2, G, _COARSE, 3): forward and reversed tables at the coarse positions


def _tier(name: str, names: frozenset[str]) -> int:
    """0: matplotlib's own names; 1: the scientific catalogues; 2: ``cmap``'s namespaces; 3: re-registrations."""
    lib, base = split_name(name)
    if lib is None:
        if "." in base or base.startswith("cet_"):  # cmo.haline, cmc.batlow, cet_fire registered in matplotlib
            return 3
        if f"seaborn:{base}" in names:  # rocket registered by seaborn: report seaborn:rocket
            return 2
        return 1 if base in _MPL_ALIASES else 0
    return 1 if lib in _PACKAGES[1:] else 2


def _priority(name: str, names: frozenset[str]) -> tuple:
    return _tier(name, names), len(name), name.lower(), name


def _in_package(lib: str, base: str) -> bool:
    """Whether ``resolve_colormap`` finds LIB:BASE in the catalogue's own package (checked without an error)."""
    import matplotlib as mpl

    if lib == "matplotlib":
        return base in mpl.colormaps
    if lib == "cmocean":
        import cmocean

        return base in cmocean.cm.cmap_d
    if lib == "crameri":
        import cmcrameri.cm as cmc

        return base in cmc.cmaps
    if lib == "colorcet":
        import colorcet

        return base in colorcet.cm
    return True


def _cmap_package(name: str):
    """``cmap.Colormap(name).to_mpl()`` as ``resolve_colormap`` builds it, without cmap's slow colour iteration."""
    import cmap
    import matplotlib.colors as mplc

    cm = cmap.Colormap(name)
    stops = cm.color_stops
    if cm.interpolation == "nearest":
        return mplc.ListedColormap(stops.color_array, name=cm.name)
    # LinearSegmentedColormap.from_list(name, zip(stops, colours), N=256), its segment data built directly
    vals = np.asarray(stops.stops, float)
    rgba = mplc.to_rgba_array(np.asarray(stops.color_array, float))
    cdict = {
        key: np.column_stack([vals, rgba[:, i], rgba[:, i]]) for i, key in enumerate(("red", "green", "blue", "alpha"))
    }
    # matplotlib takes (n, 3) arrays as segment data; its stubs only list sequences of tuples
    return mplc.LinearSegmentedColormap(cm.name, cdict, 256, 1.0)  # type: ignore[arg-type]


def _load(name: str, names: frozenset[str]):
    """The matplotlib Colormap ``resolve_colormap(name)`` gives, or None (unresolvable, or an ``_r`` duplicate)."""
    import matplotlib as mpl

    lib, base = split_name(name)
    if lib is None:
        if base.endswith("_r") and base[:-2] in names:
            return None
        return mpl.colormaps[base] if base in mpl.colormaps else None
    if base.endswith("_r") and f"{lib}:{base[:-2]}" in names:
        return None
    try:
        if lib == "seaborn" and "seaborn" not in sys.modules:
            # the same table without importing seaborn (1.5 s), as the ListedColormap seaborn registers
            import matplotlib.colors as mplc

            cm = _cmap_package(name)
            return mplc.ListedColormap(cm(np.arange(cm.N)), name=cm.name)
        if lib in _PACKAGES:
            return resolve_colormap(name) if _in_package(lib, base) else None
        return _cmap_package(name)
    except (ColorScaleError, ValueError, KeyError, LookupError, TypeError):
        return None


def _table(cm) -> np.ndarray:
    """A colormap's table as drawn on white, 255 * c (N x 3 float): entries with alpha < 1 (a few
    catalogue maps fade out) composited over white."""
    rgba = np.asarray(cm(np.arange(cm.N)), float)
    alpha = rgba[:, 3:4]
    return (rgba[:, :3] * alpha + (1.0 - alpha)) * 255.0


def _key(rgb: np.ndarray) -> bytes:
    return np.floor(rgb + 0.5).astype(np.uint8).tobytes()


def _lab(rgb255: np.ndarray) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.clip(np.asarray(rgb255, float) / 255.0, 0.0, 1.0))


def _coarse_index(size: np.ndarray, m: int, reverse: bool) -> np.ndarray:
    """(G, m) table indices at positions (j + 0.5) / m: matplotlib's floor(u N) lookup."""
    u = (np.arange(m) + 0.5) / m
    idx = np.minimum(np.floor(u[None, :] * size[:, None]).astype(int), size[:, None] - 1)
    return size[:, None] - 1 - idx if reverse else idx


def _same_tables(a: list[np.ndarray], b: list[np.ndarray]) -> list[tuple[int, int]]:
    """Pairs (i, j) of equal-sized tables a[i], b[j] that agree within _SAME (255 units) everywhere."""
    pairs = []
    for n in sorted({len(t) for t in a} & {len(t) for t in b}):
        ia = [i for i, t in enumerate(a) if len(t) == n]
        ib = [j for j, t in enumerate(b) if len(t) == n]
        fa = np.stack([a[i].ravel() for i in ia])
        fb = np.stack([b[j].ravel() for j in ib])
        d2 = np.sum(fa**2, 1)[:, None] + np.sum(fb**2, 1)[None, :] - 2.0 * fa @ fb.T
        for x, y in zip(*np.nonzero(d2 <= max(1.0, 3 * n) * _SAME**2 + 1e-6)):
            if np.max(np.abs(fa[x] - fb[y])) <= _SAME:
                pairs.append((ia[x], ib[y]))
    return pairs


def _merge(tables: list[np.ndarray], pairs: list[tuple[int, int]]) -> np.ndarray:
    """Union-find root of each table, given pairs of equal tables."""
    root = np.arange(len(tables))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = int(root[i])
        return i

    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            root[max(ri, rj)] = min(ri, rj)
    return np.array([find(i) for i in range(len(tables))])


@functools.lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    names_all = known_colormaps()
    known = frozenset(names_all)
    loaded = []
    for name in names_all:
        cm = _load(name, known)
        if cm is not None and cm.N >= 2:
            loaded.append((name, cm, _table(cm)))
    by_key: dict[tuple[int, bytes], int] = {}
    first = [by_key.setdefault((len(t), _key(t)), i) for i, (_, _, t) in enumerate(loaded)]
    distinct = sorted(set(first))
    tables = [loaded[i][2] for i in distinct]
    root = _merge(tables, _same_tables(tables, tables))  # equal but for float noise: one table too
    members: dict[int, list[int]] = {}
    slot = {d: k for k, d in enumerate(distinct)}
    for i, f in enumerate(first):
        members.setdefault(int(root[slot[f]]), []).append(i)
    names, tiers, cmaps, rgbs = [], [], [], []
    for idx in members.values():
        idx.sort(key=lambda i: _priority(loaded[i][0], known))
        names.append(tuple(loaded[i][0] for i in idx))
        tiers.append(_tier(loaded[idx[0]][0], known))
        cmaps.append(loaded[idx[0]][1])
        rgbs.append(loaded[idx[0]][2])
    size = np.array([len(r) for r in rgbs])
    lab_all = _lab(np.concatenate(rgbs))
    lab_pad = np.zeros((len(rgbs), int(size.max()), 3))
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    for g, (s, n) in enumerate(zip(starts, size)):
        lab_pad[g, :n] = lab_all[s : s + n]
        lab_pad[g, n:] = lab_all[s + n - 1]
    rev_dup = np.full(len(rgbs), -1)
    for g, h in _same_tables([r[::-1] for r in rgbs], rgbs):
        rev_dup[g] = h
    g_ix = np.arange(len(rgbs))[:, None]
    coarse = np.stack([lab_pad[g_ix, _coarse_index(size, _COARSE, rev)] for rev in (False, True)])
    return _Catalogue(tuple(names), np.array(tiers), tuple(cmaps), size, tuple(rgbs), lab_pad, rev_dup, coarse)


def _sequence_priority(cat: _Catalogue, g: int, rev: bool) -> tuple:
    name = cat.names[g][0]
    return cat.tier[g], rev, len(name) + 2 * rev, name


def _candidates(cat: _Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """(group, reversed) pairs with distinct colour sequences: when one group reversed is another group
    forward, the sequence is kept once, under the better name (a palindrome's reversal is dropped)."""
    keep = np.ones((len(cat.names), 2), bool)
    for g in range(len(cat.names)):
        h = int(cat.rev_dup[g])
        if h == g:
            keep[g, 1] = False
        elif h >= 0:  # (g, reversed) is (h, forward)
            if _sequence_priority(cat, g, True) < _sequence_priority(cat, h, False):
                keep[h, 0] = False
            else:
                keep[g, 1] = False
    groups, revs = np.nonzero(keep)
    return groups, revs.astype(bool)


def _display_names(cat: _Catalogue, g: int, rev: bool) -> tuple[str, tuple[str, ...]]:
    """The reported name of group g (``_r`` appended when reversed) and its aliases: the group's other names
    and those of the group whose table is g's reversed."""
    own = [n + "_r" if rev else n for n in cat.names[g]]
    h = int(cat.rev_dup[g])
    other = [] if h < 0 or h == g else [n if rev else n + "_r" for n in cat.names[h]]
    return own[0], tuple(own[1:] + [n for n in other if n not in own])


# --------------------------------------------------------------------------- colour helpers
def _as_samples(colors: np.ndarray) -> np.ndarray:
    given = np.asarray(colors)
    if given.ndim != 2 or given.shape[1] < 3:
        raise ColorScaleError(f"colours must be an (n, 3) array (got shape {given.shape})")
    a = given[:, :3].astype(float)
    if given.dtype.kind == "f" and a.size and np.nanmax(a) <= 1.0:  # floats in [0, 1]
        a = a * 255.0
    if len(a) < 8:
        raise ColorScaleError(f"need at least 8 colours sampled along the colorbar (got {len(a)})")
    if not np.all(np.isfinite(a)):
        raise ColorScaleError("colours contain NaN or infinite values")
    return np.clip(a, 0.0, 255.0)


def _delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))


def _robust_mean(d: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean of the best (1 - _TRIM) share along an axis."""
    n = d.shape[axis]
    keep = max(1, int(math.ceil(n * (1.0 - _TRIM))))
    return np.mean(np.partition(d, keep - 1, axis=axis).take(np.arange(keep), axis=axis), axis=axis)


def _interior(n: int) -> np.ndarray:
    e = max(1, int(math.ceil(_EDGE * n)))
    if n - 2 * e < 4:
        e = 0
    return np.arange(e, n - e)


# --------------------------------------------------------------------------- steps
def _suppress(idx: np.ndarray, d: np.ndarray, radius: float) -> np.ndarray:
    """Non-maximum suppression: the highest d first, then only points farther than radius from those kept."""
    r = int(math.floor(radius))
    blocked = np.zeros(len(d), bool)
    kept = []
    for i in idx[np.argsort(-d[idx], kind="stable")]:
        if not blocked[i]:
            kept.append(i)
            blocked[max(0, i - r) : i + r + 1] = True
    return np.sort(np.array(kept, int))


def _lossy_edges(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step edges of noisy samples and their strengths: peaks of the colour distance across 5 samples, above
    max(3, 3 x its lower quartile) and above 0.3 x the strongest (compression artefacts in flat steps make
    weak peaks; a weak step missed is allowed for), one per step (suppressed within 0.4 of the median step
    length)."""
    n, h = len(lab), 2
    d = np.zeros(n)
    d[h : n - h] = _delta_e(lab[2 * h :], lab[: n - 2 * h])
    cand = np.flatnonzero(d > max(3.0, 3.0 * float(np.percentile(d[h : n - h], 25))))
    if len(cand) < 2:
        return cand.astype(float), d[cand]
    edges = _suppress(cand, d, 3)
    edges = edges[d[edges] >= 0.3 * float(d[edges].max())]
    if len(edges) >= 3:
        edges = _suppress(edges, d, max(3.0, 0.4 * float(np.median(np.diff(edges)))))
    return edges.astype(float), d[edges]


def _step_length(edges: np.ndarray, weight: np.ndarray) -> tuple[float, int] | None:
    """(step length, steps between the first and last edge) when the edges lie on a regular grid.

    Each of the median, lower-quartile and smallest spacing is refined (-20 % to +25 %, finely enough to keep
    the phase over the whole span) to the length whose grid the edges fit best (weighted mean phase vector
    of length >= 0.7); the best fit is taken (the longest of those within 0.05 of it). Edges may be missing
    (neighbouring steps of one colour, weak steps), so a spacing may be a multiple of the step.
    """
    if len(edges) < 2:
        return None
    spacing = np.diff(edges)
    span = float(edges[-1] - edges[0])
    fits = []
    for length in {float(np.median(spacing)), float(np.percentile(spacing, 25)), float(spacing.min())}:
        if length < 3:
            continue
        count = int(min(2000, max(50, 0.45 / min(0.005, length / (8.0 * span)))))
        lengths = length * np.linspace(0.8, 1.25, count)
        phase = np.exp(2j * np.pi * (edges[None, :] - edges[0]) / lengths[:, None])
        r = np.abs(phase @ weight) / weight.sum()
        best = int(np.argmax(r))
        fits.append((float(r[best]), float(lengths[best])))
    good = [(r, length) for r, length in fits if r >= max(0.7, max(fits)[0] - 0.05)] if fits else []
    if not good:
        return None
    best_len = max(length for _, length in good)
    return best_len, max(1, int(round(span / best_len)))


def _step_counts(rgb: np.ndarray, lab: np.ndarray, lossy: bool) -> list[int]:
    """Step counts (resampled table sizes) the samples may show; empty for a smooth bar.

    Lossless: a step ends where the bytes change. Lossy: see :func:`_lossy_edges`. The edges must lie on
    a regular grid (see :func:`_step_length`); its step length, and the share of the bar the samples may
    miss at the ends, bound the step count. When many edges are missing, half the length is tried too.
    """
    n = len(rgb)
    if lossy:
        edges, weight = _lossy_edges(lab)
    else:
        edges = np.flatnonzero(np.any(rgb[1:] != rgb[:-1], axis=1)) + 0.5
        weight = np.ones(len(edges))
    inner = _interior(n)
    keep = (edges > inner[0]) & (edges < inner[-1])  # not the outline or antialiased ends
    edges, weight = edges[keep], weight[keep]
    if len(edges) > n / 3:
        return []
    fit = _step_length(edges, weight)
    if fit is None:
        return []
    length, m = fit
    lengths = [(length, m)] + ([(length / 2, 2 * m)] if len(edges) - 1 < 0.8 * m else [])
    ks: list[int] = []
    for step, between in lengths:
        lo = int(math.floor(n / (1.03 * step)))
        hi = int(math.ceil(n / (0.91 * step)))
        ks += [k for k in range(max(2, lo, between + 2), hi + 1) if k <= _MAX_STEPS and k not in ks]
    return ks


def _resampled_index(size: np.ndarray, k: int) -> np.ndarray:
    """(G, k) entries ``ListedColormap.resampled(k)`` picks: floor(linspace(0, 1, k) N), the last clipped."""
    x = np.linspace(0.0, 1.0, k)
    idx = (x[None, :] * size[:, None]).astype(int)
    return np.minimum(idx, size[:, None] - 1)


# --------------------------------------------------------------------------- stage 2
@dataclass
class _Fit:
    group: int
    rev: bool
    k: int | None
    score: float
    delta_e: float
    p95: float
    exact: bool


def _positions(n: int, idx: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(S, m) positions of samples idx under end trims (lo, hi): u' = lo + (1 - lo - hi) u."""
    u = (idx + 0.5) / n
    return lo[:, None] + (1.0 - lo - hi)[:, None] * u[None, :]


def _lookup(table_len: int, u: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(u * table_len).astype(int), 0, table_len - 1)


@functools.lru_cache(maxsize=4096)
def _variant_table(g: int, rev: bool, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(rgb 255 c, lab) of group g, reversed or not, resampled to k (matplotlib's semantics) or native."""
    cat = _catalogue()
    if k is None:
        rgb = cat.rgb[g][::-1] if rev else cat.rgb[g]
        lab = cat.lab_pad[g, : cat.size[g]]
        return rgb, (lab[::-1] if rev else lab)
    cm = cat.cmaps[g].reversed() if rev else cat.cmaps[g]
    rgb = _table(cm.resampled(k))
    return rgb, _lab(rgb)


@functools.lru_cache(maxsize=256)
def _named_table(name: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    rgb = _table(resolve_colormap(name, k))
    return rgb, _lab(rgb)


def _exact(samples: np.ndarray, rgb: np.ndarray, u: np.ndarray, n: int) -> bool:
    """All but 3 % of the samples within one byte of a table entry their pixel (widened by half a pixel
    each side, for the sub-pixel placement of the bar) overlaps. On a stepped table (4 samples or more
    an entry), where a pixel's offset moves a step: 97 % of the samples within one byte of an entry,
    the entries in order, and nine in ten of them seen."""
    size = len(rgb)
    if size * 4 <= n:  # a stepped table (4+ samples an entry): its entries in order, steps placed as drawn
        err = np.max(np.abs(samples[:, None, :] - rgb[None, :, :]), axis=-1)
        entry, ok = err.argmin(axis=1), err.min(axis=1) <= 1.0 + 1e-6
        return bool(ok.mean() >= 0.97 and np.all(np.diff(entry[ok]) >= 0) and len(np.unique(entry[ok])) >= 0.9 * size)
    j_lo = _lookup(size, u - 1.0 / n)
    j_hi = _lookup(size, u + 1.0 / n)
    w = int(np.max(j_hi - j_lo))
    j = j_lo[:, None] + np.arange(w + 1)[None, :]
    inside = j <= j_hi[:, None]
    err = np.max(np.abs(samples[:, None, :] - rgb[np.minimum(j, size - 1)]), axis=-1)
    err = np.where(inside, err, np.inf).min(axis=1)
    return bool(np.mean(err <= 1.0 + 1e-6) >= 0.97)


def _shift_search(
    samples_lab: np.ndarray, lab: np.ndarray, n: int, idx: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[float, float]:
    """The end trims (lo, hi) among the given pairs with the least robust distance (plus the trim cost)."""
    j = _lookup(len(lab), _positions(n, idx, lo, hi))
    d = _delta_e(lab[j], samples_lab[idx][None, :, :])
    cost = _robust_mean(d, axis=1) + _SHIFT_COST * (np.abs(lo) + np.abs(hi))
    best = int(np.argmin(cost))
    return float(lo[best]), float(hi[best])


def _subset(idx: np.ndarray, most: int) -> np.ndarray:
    return idx if len(idx) <= most else idx[np.linspace(0, len(idx) - 1, most).round().astype(int)]


def _grid(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.meshgrid(lo, hi, indexing="ij")
    return a.ravel(), b.ravel()


def _fit(
    samples_rgb: np.ndarray, samples_lab: np.ndarray, rgb: np.ndarray, lab: np.ndarray, lossy: bool, fine: bool = False
) -> tuple[float, float, float, bool]:
    """(robust score, mean, p95, exact) of one table against the samples, at the best end trims.

    The trims are searched on a 1 % grid (on at most 256 samples); ``fine`` refines them to 0.2 % (on at
    most 1024 samples) and then 0.04 % on every sample (about a pixel on a 2500 px bar; exactness needs it).
    """
    n = len(samples_lab)
    inner = _interior(n)
    lo, hi = _shift_search(samples_lab, lab, n, _subset(inner, 256), *_grid(_SHIFTS, _SHIFTS))
    if fine:
        offsets = np.arange(-3, 4)
        for step, idx in ((0.002, _subset(inner, 1024)), (0.0004, inner)):
            lo, hi = _shift_search(samples_lab, lab, n, idx, *_grid(lo + step * offsets, hi + step * offsets))
    u = _positions(n, inner, np.array([lo]), np.array([hi]))[0]
    d = _delta_e(lab[_lookup(len(lab), u)], samples_lab[inner])
    score = float(_robust_mean(d)) + _SHIFT_COST * (abs(lo) + abs(hi))
    exact = (not lossy) and _exact(samples_rgb[inner], rgb, u, n)
    return score, float(d.mean()), float(np.percentile(d, 95)), exact


# --------------------------------------------------------------------------- colorbar
def _median_filter(rgb: np.ndarray) -> np.ndarray:
    from scipy.ndimage import median_filter

    size = 5 if len(rgb) >= 200 else 3  # small: a categorical map's steps may be a few pixels long
    return median_filter(rgb, size=(size, 1), mode="nearest")


def identify_colormap(colors: np.ndarray, top: int = 5, lossy: bool = False) -> list[ColormapMatch]:
    """Identify the colormap of a colorbar from colours sampled along it.

    Every known colormap (:func:`chromagrid.scale.colorscale.known_colormaps`), forward and reversed, is
    compared with the samples: sample i of n is taken to lie at position u = (i + 0.5) / n along the bar
    and is compared with the table entry matplotlib draws there (entry floor(u N) of N). When the bar
    shows k flat steps (k up to 128), the maps resampled to k colours (``cmap.resampled(k)``) compete
    too. The first and last 2 % of the samples are ignored (outline, antialiased ends), and the samples
    may cover up to 4 % less (or 1 % more) than the whole strip at either end.

    Parameters
    ----------
    colors : (n, 3) uint8 array
        Colours sampled along a colorbar strip from its low end to its high end (n is typically the
        strip's length in pixels). Floats in [0, 1] are accepted too.
    top : int
        How many candidates to return.
    lossy : bool
        The samples come from a lossy (JPEG) image: they are median-filtered along the strip first, step
        detection tolerates noise, and no match is ``exact``.

    Returns
    -------
    list of ColormapMatch
        The best ``top`` candidates, best first (by a robust mean distance: the worst 10 % of samples left
        out, a small penalty for assuming trimmed ends and for a less common catalogue). Candidates with
        identical colour sequences appear once, their other names in ``aliases``.

    Raises
    ------
    ColorScaleError
        For fewer than 8 colours or an array that is not (n, 3).

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> u = (np.arange(300) + 0.5) / 300          # a 300-pixel colorbar
    >>> colors = np.floor(matplotlib.colormaps["viridis"](u)[:, :3] * 255 + 0.5).astype(np.uint8)
    >>> best = identify_colormap(colors, top=3)[0]
    >>> best.name, best.reversed, best.ncolors, best.exact
    ('viridis', False, None, True)
    >>> steps = matplotlib.colormaps["RdBu"].reversed().resampled(8)(u)
    >>> best = identify_colormap(np.floor(steps[:, :3] * 255 + 0.5).astype(np.uint8))[0]
    >>> best.name, best.reversed, best.ncolors
    ('RdBu_r', True, 8)
    """
    rgb = _as_samples(colors)
    if lossy:
        rgb = _median_filter(rgb)
    lab = _lab(rgb)
    cat = _catalogue()
    groups, revs = _candidates(cat)
    n = len(rgb)
    tier_cost = _TIER_COST[1 if lossy else 0]

    # stage 1: every candidate at _COARSE positions (native tables, and resampled to each step count seen)
    inner = _interior(_COARSE)
    u = (np.arange(_COARSE) + 0.5) / _COARSE
    sample_coarse = lab[np.minimum((u * n).astype(int), n - 1)][inner]
    pool_tabs = [cat.coarse[revs.astype(int), groups][:, inner]]
    pool_k: list[np.ndarray] = [np.full(len(groups), 0)]
    pool_g, pool_r = [groups], [revs]
    g_ix = np.arange(len(cat.names))[:, None]
    for k in _step_counts(np.floor(rgb + 0.5), lab, lossy):
        ok = cat.size[groups] > k  # resampling thins a table; k == N is the table itself
        step = np.minimum((u[inner] * k).astype(int), k - 1)
        ridx = _resampled_index(cat.size, k)
        fwd = ridx[:, step]
        tabs = np.where(
            revs[ok, None, None],
            cat.lab_pad[g_ix, cat.size[:, None] - 1 - fwd][groups[ok]],
            cat.lab_pad[g_ix, fwd][groups[ok]],
        )
        pool_tabs.append(tabs)
        pool_k.append(np.full(int(ok.sum()), k))
        pool_g.append(groups[ok])
        pool_r.append(revs[ok])
    tabs = np.concatenate(pool_tabs)
    cand_g, cand_r, cand_k = np.concatenate(pool_g), np.concatenate(pool_r), np.concatenate(pool_k)
    coarse_cost = _robust_mean(_delta_e(tabs, sample_coarse[None]), axis=1) + tier_cost * cat.tier[cand_g]
    order = np.argsort(coarse_cost, kind="stable")[: max(_REFINE, top * 4)]
    # only candidates the coarse stage leaves in reach of the best are worth every sample (at least 2 * top)
    near = int(np.sum(coarse_cost[order] <= coarse_cost[order[0]] + _REFINE_REACH))
    order = order[: max(near, 2 * top)]

    # stage 2: the best candidates at every sample, with end trims
    fits = []
    for c in order:
        g, rev, ncol = int(cand_g[c]), bool(cand_r[c]), (int(cand_k[c]) or None)
        t_rgb, t_lab = _variant_table(g, rev, ncol)
        score, mean, p95, exact = _fit(rgb, lab, t_rgb, t_lab, lossy)
        fits.append(_Fit(g, rev, ncol, score + tier_cost * cat.tier[g], mean, p95, exact))
    fits.sort(key=lambda f: (f.score, cat.tier[f.group], f.rev))
    for f in fits[: max(top, 10)]:  # the leaders again, with the trims refined to sub-pixel
        t_rgb, t_lab = _variant_table(f.group, f.rev, f.k)
        score, f.delta_e, f.p95, f.exact = _fit(rgb, lab, t_rgb, t_lab, lossy, fine=True)
        f.score = score + tier_cost * cat.tier[f.group]
    fits.sort(key=lambda f: (f.score, cat.tier[f.group], f.rev))
    return _matches(cat, fits, top, rgb, lab, lossy, tier_cost)


def _matches(
    cat: _Catalogue, fits: list[_Fit], top: int, rgb: np.ndarray, lab: np.ndarray, lossy: bool, tier_cost: float
) -> list[ColormapMatch]:
    """The best ``top`` fits as matches, one per colour sequence; resampled ones re-measured through
    ``resolve_colormap`` (the table the reported name gives)."""
    out: list[tuple[float, ColormapMatch]] = []
    seen: set[bytes] = set()
    for f in fits:
        if len(out) >= top:
            break
        name, aliases = _display_names(cat, f.group, f.rev)
        t_rgb, _ = _variant_table(f.group, f.rev, f.k)
        key = _key(t_rgb)
        if key in seen:
            continue
        seen.add(key)
        score, mean, p95, exact = f.score, f.delta_e, f.p95, f.exact
        if f.k is not None and not (name.startswith("seaborn:") and "seaborn" not in sys.modules):
            # (seaborn's maps are the catalogue's ListedColormap already: not worth importing seaborn)
            n_rgb, n_lab = _named_table(name, f.k)
            score, mean, p95, exact = _fit(rgb, lab, n_rgb, n_lab, lossy, fine=True)
            score += tier_cost * cat.tier[f.group]
        out.append((score, ColormapMatch(name, f.rev, f.k, mean, p95, exact, aliases)))
    out.sort(key=lambda item: item[0])
    return [m for _, m in out]


# --------------------------------------------------------------------------- no colorbar
_PIXELS_MAX = 1 << 20  # pixels looked at (a regular subsample of larger images)
_CAP = 10.0  # distances are capped here (an outlier counts at most this much)
_PIX_TRIM = 0.03  # share of pixel mass left out as outliers (frame, lines, text, antialiasing)
_COVER = (3.0, 5.0)  # a table entry is "used" when an image colour lies this close (lossless, lossy)
_COVER_COST = 2.0  # delta E added for an entirely unused table (prefers maps the image spans)
_PIX_REFINE = 30


def _pixels(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ColorScaleError(f"pixels must be an (H, W, 3) array (got shape {a.shape})")
    a = a[..., :3]
    if a.dtype.kind == "f":
        a = np.floor(np.clip(a, 0.0, 1.0) * 255.0 + 0.5)
    a = a.reshape(-1, 3).astype(np.uint8)
    if len(a) > _PIXELS_MAX:
        a = a[np.linspace(0, len(a) - 1, _PIXELS_MAX).astype(np.int64)]
    return a


def _distinct(px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    packed = (px[:, 0].astype(np.int32) << 16) | (px[:, 1].astype(np.int32) << 8) | px[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    colours = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1).astype(float)
    return colours, counts.astype(float)


def _background(lab: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """White (and the most common colour when it is a light grey: an axes face colour)."""
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    out = (lab[:, 0] >= 97.0) & (chroma <= 3.0)
    mode = int(np.argmax(counts))
    if chroma[mode] <= 4.0 and lab[mode, 0] >= 80.0 and counts[mode] >= 0.02 * counts.sum():
        out |= _delta_e(lab, lab[mode]) <= 2.0
    return out


def _cluster(lab: np.ndarray, w: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted centroids of the colours in each step-sized CIELAB cube."""
    keys = np.floor(lab / step).astype(np.int64)
    _, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    mass = np.bincount(inv, weights=w)
    cent = np.stack([np.bincount(inv, weights=w * lab[:, i]) for i in range(3)], axis=1) / mass[:, None]
    return cent, mass


def _clusters(lab: np.ndarray, w: np.ndarray, step: float, most: int) -> tuple[np.ndarray, np.ndarray]:
    """Clusters of at most ``most`` (the cube size doubled from ``step`` until there are few enough)."""
    cent, mass = _cluster(lab, w, step)
    while len(cent) > most:
        step *= 2.0
        cent, mass = _cluster(lab, w, step)
    return cent, mass


def _weighted_trimmed(d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per column: the weighted mean of min(d, _CAP) over the best (1 - _PIX_TRIM) of the pixel mass."""
    d = np.minimum(d, _CAP)
    order = np.argsort(d, axis=0)
    ds = np.take_along_axis(d, order, axis=0)
    ws = w[order]
    cum = np.cumsum(ws, axis=0)
    total = w.sum()
    keep = total * (1.0 - _PIX_TRIM)
    part = np.clip(keep - (cum - ws), 0.0, ws)  # the mass of each point still inside the kept share
    return np.sum(ds * part, axis=0) / keep


def _curve_distance(points: np.ndarray, table: np.ndarray, discrete: bool) -> np.ndarray:
    """Distance of each point to a table's polyline (or to its entries when discrete)."""
    from scipy.spatial import cKDTree

    d, j = cKDTree(table).query(points)
    d = cast(np.ndarray, d)  # points (n, 3): one distance each
    if discrete or len(table) < 2:
        return d
    best = d
    for a, b in ((j - 1, j), (j, j + 1)):
        ok = (a >= 0) & (b < len(table))
        a, b = np.clip(a, 0, len(table) - 1), np.clip(b, 0, len(table) - 1)
        seg = table[b] - table[a]
        den = np.maximum(np.sum(seg * seg, axis=1), 1e-12)
        t = np.clip(np.sum((points - table[a]) * seg, axis=1) / den, 0.0, 1.0)
        ds = _delta_e(points, table[a] + t[:, None] * seg)
        best = np.where(ok, np.minimum(best, ds), best)
    return best


def _pixel_fit(
    cent: np.ndarray, mass: np.ndarray, tree, lab: np.ndarray, discrete: bool, cover: float
) -> tuple[float, float, float]:
    """(score, delta E, p95) of image colours (centroids, pixel mass) against one table.

    delta E is the pixel-weighted mean distance to the curve (capped, the worst 3 % of the mass left out),
    p95 the weighted 95th percentile of the distance; the score adds the unused share of the table.
    """
    d = _curve_distance(cent, lab, discrete)
    near, _ = tree.query(lab, distance_upper_bound=cover)
    coverage = float(np.mean(np.isfinite(near)))
    fit = float(_weighted_trimmed(d[:, None], mass)[0])
    order = np.argsort(d)
    cum = np.cumsum(mass[order]) / mass.sum()
    p95 = float(d[order][min(int(np.searchsorted(cum, 0.95)), len(d) - 1)])
    return fit + _COVER_COST * (1.0 - coverage), fit, p95


def _few_colours(counts: np.ndarray) -> list[int]:
    """Table sizes a lossless image with few distinct colours may show (empty when it has many).

    The colours holding 95 % and 99 % of the pixels bound the count (lines and antialiased edges hold the
    rest); a table may have a few colours the data does not use.
    """
    share = np.sort(counts)[::-1] / counts.sum()
    cum = np.cumsum(share)
    k95 = int(np.searchsorted(cum, 0.95) + 1)
    k99 = int(np.searchsorted(cum, 0.99) + 1)
    if k95 < 2 or k95 > 32:
        return []
    return list(range(k95, min(k99, k95 + 5) + 3))


def identify_from_pixels(rgb: np.ndarray, top: int = 5, lossy: bool = False) -> list[ColormapMatch]:
    """Identify the colormap of a panel without a colorbar, from the colours of its data area.

    Each known colormap is a curve in CIELAB (its table as a polyline; tables of fewer than 64 entries
    and resampled tables as separate points). A candidate scores the pixel-weighted mean distance of the
    image's distinct colours to its curve, capped at 10 and leaving out the worst 3 % of the pixel mass
    (dark lines, text, antialiased edges), plus up to 2 for the share of its curve no image colour comes
    near (so a map whose curve merely passes through the image's colours loses to the one the image
    spans). White and a light-grey most common colour (the axes background, masked areas) are left
    out first. A lossless image with only a few distinct colours (2 to 32 holding 95 % of its pixels)
    is also compared with the maps resampled to that many colours.

    **Reversal is not identifiable this way**: the same curve is the same colours whichever way it runs.
    Every match is reported unreversed (``reversed`` False, no ``_r``), and maps that are another map
    reversed appear once. ``delta_e`` here is the pixel-weighted mean distance of the image's colours to
    the curve (capped at 10, the worst 3 % of the pixel mass left out) and ``delta_e_p95`` its weighted 95th
    percentile, not a comparison at known positions; ``exact``: 85 % of the pixels are within one byte of a
    table entry.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array
        The data area of a panel. Images above 2**20 pixels are subsampled regularly.
    top : int
        How many candidates to return.
    lossy : bool
        The image is lossy (JPEG): wider tolerance for "near the curve", no match ``exact``.

    Returns
    -------
    list of ColormapMatch
        The best ``top`` candidates, best first.

    Raises
    ------
    ColorScaleError
        For an array that is not (H, W, 3), or an image with no coloured pixels.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> y, x = np.mgrid[0:60, 0:80] / 80.0
    >>> field = matplotlib.colormaps["magma"](np.clip(x + 0.3 * np.sin(6 * y), 0, 1))
    >>> best = identify_from_pixels(np.floor(field[..., :3] * 255).astype(np.uint8), top=3)[0]
    >>> best.name, best.reversed, best.ncolors, best.exact
    ('magma', False, None, True)
    """
    from scipy.spatial import cKDTree

    colours, counts = _distinct(_pixels(rgb))
    lab = _lab(colours)
    keep = ~_background(lab, counts)
    if not keep.any():
        raise ColorScaleError("the image has no coloured pixels (only white or background)")
    colours, lab, counts = colours[keep], lab[keep], counts[keep]
    cover = _COVER[1 if lossy else 0]
    tier_cost = _TIER_COST[1 if lossy else 0]
    cat = _catalogue()
    groups = np.array([g for g in range(len(cat.names)) if not _reverse_twin(cat, g)])

    # stage 1: coarse curves against coarse clusters
    cent_c, mass_c = _clusters(lab, counts, 4.0, 300)
    curves = cat.coarse[0, groups, ::2]  # (G, M, 3): 64 points a curve
    scores = np.empty(len(groups))
    for s in range(0, len(groups), 32):
        block = curves[s : s + 32]
        flat = block.reshape(-1, 3)
        d2 = np.sum(cent_c**2, axis=1)[:, None] + np.sum(flat**2, axis=1)[None, :] - 2.0 * cent_c @ flat.T
        d = np.sqrt(np.maximum(d2, 0.0)).reshape(len(cent_c), len(block), block.shape[1])
        fit = _weighted_trimmed(d.min(axis=2), mass_c)
        coverage = np.mean(d.min(axis=0) <= cover + 3.0, axis=1)
        scores[s : s + 32] = fit + _COVER_COST * (1.0 - coverage)
    scores += tier_cost * cat.tier[groups]
    order = groups[np.argsort(scores, kind="stable")[: max(_PIX_REFINE, top * 4)]]

    # stage 2: full tables against fine clusters
    cent, mass = _clusters(lab, counts, 2.0 if lossy else 1.0, 3000)
    tree = cKDTree(cent)
    ks = [] if lossy else _few_colours(counts)
    fits = []
    for g in order:
        g = int(g)
        variants = [None] + [k for k in ks if k < cat.size[g]]
        for k in variants:
            t_rgb, t_lab = _variant_table(g, False, k)
            discrete = k is not None or len(t_lab) < 64
            score, mean, p95 = _pixel_fit(cent, mass, tree, t_lab, discrete, cover)
            fits.append((score + tier_cost * cat.tier[g], g, k, mean, p95))
    fits.sort(key=lambda f: (f[0], cat.tier[f[1]]))
    out: list[ColormapMatch] = []
    seen: set = set()
    for _score, g, k, mean, p95 in fits:
        if len(out) >= top:
            break
        t_rgb, _ = _variant_table(g, False, k)
        key = _key(t_rgb)
        if key in seen:
            continue
        seen.add(key)
        name, aliases = _display_names(cat, g, False)
        if k is not None:
            t_rgb, t_lab = _named_table(name, k)
        exact = (not lossy) and _pixels_exact(colours, counts, t_rgb)
        out.append(ColormapMatch(name, False, k, mean, p95, exact, aliases))
    return out


def _reverse_twin(cat: _Catalogue, g: int) -> bool:
    """Whether group g is another group reversed and that group has the better name (skip g's curve)."""
    h = int(cat.rev_dup[g])
    if h < 0 or h == g:
        return False
    return (cat.tier[h], len(cat.names[h][0]), cat.names[h][0]) < (cat.tier[g], len(cat.names[g][0]), cat.names[g][0])


def _pixels_exact(colours: np.ndarray, counts: np.ndarray, table_rgb: np.ndarray) -> bool:
    """85 % of the (non-background) pixels are within one byte of a table entry."""
    from scipy.spatial import cKDTree

    d, _ = cKDTree(table_rgb).query(colours, p=np.inf)
    return bool(np.sum(counts[d <= 1.0 + 1e-6]) >= 0.85 * counts.sum())
