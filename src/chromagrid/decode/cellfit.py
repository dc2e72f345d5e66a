"""JPEG cell fit: each cell of a nearest-neighbour raster decoded to the scale colours that explain the file.

A figure drawn cell by cell (``imshow(interpolation="nearest")``,
``pcolormesh``) paints every cell in exactly one colour of the colormap's
table. The JPEG encoder turned those pixels into YCbCr (rounded to integers),
averaged the chroma planes 2 x 2 (4:2:0), took the 8 x 8 DCT of every block
and rounded each coefficient to a multiple of its quantization step ``q``.
So for any guess of every cell's table entry, the coefficients the encoder
would have stored can be computed, and each stored coefficient differs from
the guess's by the rounding: about uniform, variance ``(q^2 + 1) / 12`` (the
``1`` for the encoder's integer colours). :func:`fit_cells` scores the table
entries of each cell by that Gaussian misfit, with the cells around it held
fixed, and keeps the best (a few sweeps of iterated conditional modes). Each
cell's value is then its posterior mean: over the likely entries, within each
entry's interval of values, with a prior around the mean of its neighbours'
values whose spread is fitted to the data (:meth:`CellFit.prior_model`), so
that a smooth field places values within their entries and a rough one does
not. :func:`raster_positions` finds the lattice of cells first
(:func:`find_lattices`), and gives up where the file is not such a raster.

The misfit is quadratic in the pixels and the block DCT is orthonormal, so
when one cell changes colour by ``a`` (per plane), the misfit changes by
``2 a g + a^2 h``: ``g`` is the sum over the cell's pixels of the weighted
residual taken back to pixels, ``h`` the weighted energy of the cell's own
DCT. Every candidate entry of every cell is scored from those two numbers per
plane, and cells far enough apart to share no block (one phase of the cell
lattice) are updated together.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy import ndimage
from scipy.fft import dctn, idctn
from scipy.special import ndtr

from chromagrid.decode.dct import JFIF
from chromagrid.decode.dct import blocks as _blocks
from chromagrid.decode.dct import halve as _halve
from chromagrid.decode.dct import unblocks as _unblocks

#: Cells smaller than this (pixels) are not fitted: under the chroma's 2 x 2 averaging and the noise of
#: small blocks of pixels the lattice is not found reliably.
MIN_CELL = 3.0
#: The largest misfit (about 1 when the model holds; 0.07-0.2 on ../shared/bench's rasters, from 6 for a
#: wrong lattice) at which a fit is kept; twice this for the first guess, before fitting.
MAX_MISFIT = 3.0
#: Pixels of a cell farther than this (positions) from the cell's median are not taken for its data (left
#: as they are: a line or text the overlay clean-up kept). JPEG noise moves data pixels by 0.01 or less.
OUTLIER = 0.03
#: A lattice is refused when cells split in two along an axis give a first misfit under this share of its
#: own: it merges cells (p_map_04: 31 columns for 118 give 0.87, 62 give 0.40; the right 118 give 0.111
#: and 236 give 0.101; p_field_08: 90 columns 0.39, 180 give 0.92).
TOO_COARSE = 0.6
#: :meth:`CellFit.prior_model`: the shares of cells whose neighbours' mean is no guide that are tried.
PRIOR_OUTLIERS = (0.0, 0.01, 0.03, 0.1, 0.3)
#: A cell's value is given to the pixels of it that are not data (lines, text over it) only when at least
#: this share of its pixels are data: a masked cell next to a coastline can hold a few pixels that
#: decode as data (on ../shared/bench's masked JPEG maps 3.5 % of masked cells hold some, 0.1 % half;
#: p_map_04's cells of data under its coastline hold a median 0.57). 0.3 left cells under a 3 px line
#: without; 0.1 let p_map_04 fill 0.3 % of its masked cells (0.2: 0.1 %).
MIN_DATA_SHARE = 0.2
#: :func:`misfit_of` scores about this many blocks at most (every k-th row of blocks).
MISFIT_BLOCKS = 20_000
#: Sweeps of iterated conditional modes before the posterior pass.
SWEEPS = 2
#: Table entries on each side of a cell's current entry that are scored.
REACH = 16
#: The encoder's own rounding (integer YCbCr, chroma averaging), in squared grey levels, added to ``q^2``.
ENCODER_ROUNDING = 1.0


def table_ycbcr(rgb8: np.ndarray) -> np.ndarray:
    """(K, 3) byte colours as the encoder stores them: full-range YCbCr, rounded to integers."""
    return np.rint(np.asarray(rgb8, np.float64) @ JFIF.T + [0.0, 128.0, 128.0])


def _weights(table: np.ndarray) -> np.ndarray:
    """Each coefficient's inverse variance: its rounding, uniform over ``q``, plus the encoder's own."""
    return (12.0 / (table.astype(np.float64) ** 2 + ENCODER_ROUNDING)).astype(np.float32)


class _Residual:
    """The misfit of painted planes against the file's coefficients, kept up to date as cells change.

    Per plane (chroma on the halved plane when subsampled): ``r``, the painted planes' DCT blocks minus the
    stored ones, and ``g``, the weighted residual taken back to pixels (``idct(w r)``), from which each
    cell's ``g`` is summed.
    """

    def __init__(self, stored: list[tuple[np.ndarray, np.ndarray]], step: int, planes: list[np.ndarray]):
        self.step = step  # chroma subsampling: 2 for 4:2:0, 1 for 4:4:4
        self.stored = [(c * q).astype(np.float32) for c, q in stored]
        self.weight = [_weights(q) for _, q in stored]
        self.r = [
            dctn(_blocks(self._own(k, p) - 128.0), axes=(2, 3), norm="ortho") - self.stored[k]
            for k, p in enumerate(planes)
        ]
        self.g = [_unblocks(idctn(w * r, axes=(2, 3), norm="ortho")) for w, r in zip(self.weight, self.r)]

    def _own(self, k: int, plane: np.ndarray) -> np.ndarray:
        """A full-resolution plane at plane ``k``'s own resolution."""
        return plane if k == 0 or self.step == 1 else _halve(plane)

    def scale(self, k: int) -> int:
        """Full-resolution pixels per pixel of plane ``k``, along each axis."""
        return 1 if k == 0 else self.step

    def add(self, k: int, rows: np.ndarray, cols: np.ndarray, change: np.ndarray) -> None:
        """Plane ``k``'s painting changed by ``change`` at full-resolution pixels (rows, cols): update the
        blocks that hold them."""
        if self.scale(k) == 2:
            rows, cols, change = rows // 2, cols // 2, change / 4.0
        per_row = self.r[k].shape[1]
        blocks, inverse = np.unique((rows // 8) * per_row + cols // 8, return_inverse=True)
        delta = (
            np.bincount(inverse * 64 + (rows % 8) * 8 + cols % 8, weights=change, minlength=len(blocks) * 64)
            .reshape(-1, 8, 8)
            .astype(np.float32)
        )
        at = np.divmod(blocks, per_row)
        self.r[k][at] += dctn(delta, axes=(1, 2), norm="ortho")
        _blocks(self.g[k])[at] = idctn(self.weight[k] * self.r[k][at], axes=(1, 2), norm="ortho")

    def energies(self, indicator: np.ndarray, owner: np.ndarray, n_cells: int) -> np.ndarray:
        """(3, n_cells): each cell's weighted DCT energy per plane (its ``h``), from an indicator image of
        cells that share no block and each pixel's ``owner`` cell (-1: none)."""
        out = np.zeros((3, n_cells))
        for k, weight in enumerate(self.weight):
            p, o = self._own(k, indicator), owner
            if self.scale(k) == 2:
                o = np.maximum(
                    np.maximum(owner[0::2, 0::2], owner[1::2, 0::2]), np.maximum(owner[0::2, 1::2], owner[1::2, 1::2])
                )
            block_owner = _blocks(o).max(axis=(2, 3))
            mine = block_owner >= 0
            e = (weight * dctn(_blocks(p)[mine], axes=(1, 2), norm="ortho") ** 2).sum(axis=(1, 2))
            out[k] = np.bincount(block_owner[mine], weights=e, minlength=n_cells)
        return out

    def misfit(self, blocks: np.ndarray) -> float:
        """Mean weighted squared residual per coefficient over the luma ``blocks`` (1 when the model holds)."""
        return float((self.weight[0] * self.r[0] ** 2)[blocks].mean()) if blocks.any() else float("nan")


#: :func:`find_lattices`: candidates scoring at least this share of the best one are kept.
LATTICE_SHARE = 0.5
#: :func:`find_lattices`: at most this many candidates per axis.
LATTICE_CANDIDATES = 4
#: :func:`find_lattices`: candidates whose cells differ in size by less than this share are the same one.
LATTICE_DISTINCT = 0.03
#: :func:`sharpen_lattice`: pixels either end of a lattice may move from the box's ends.
LATTICE_REACH = 4.0
#: :func:`find_lattices`: the least contrast (mean change on the lattice's edges over the mean change halfway
#: between them, minus 1) for a lattice to count.
MIN_LATTICE_CONTRAST = 0.25


def _boundary(edges: np.ndarray) -> np.ndarray:
    """The pixel boundary each edge falls on in a nearest-neighbour rendering (b: between pixels b - 1, b)."""
    return np.ceil(edges - 0.5).astype(np.int64)


def _excess(change: np.ndarray) -> np.ndarray:
    """``change`` over its mean on the box's inner boundaries."""
    return change - change[1:-1].mean() if len(change) > 3 else change


def _excess_on(edges: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """Summed ``excess`` on the boundaries inside the box that edges (..., n + 1) fall on."""
    size = len(excess) - 1
    boundary = _boundary(edges)
    inside = (boundary >= 1) & (boundary <= size - 1)
    return np.where(inside, excess[np.clip(boundary, 0, size)], 0.0).sum(axis=-1)


def find_lattices(change: np.ndarray, min_cell: float = 2.0) -> list[np.ndarray]:
    """Candidate lattices of equal cells over a box along one axis, from the colour change on each pixel
    boundary, most likely first.

    A raster drawn cell by cell (``imshow``, ``pcolormesh`` on a regular grid) changes colour only on its
    cells' edges: ``n`` equal cells from about the box's start to about its end (a box given by hand can
    be a few pixels out either way). Every ``n`` up to ``size / min_cell``, with its first and last edges
    within :data:`LATTICE_REACH` pixels of the box's ends (whole pixels), is scored by the summed excess of
    ``change`` over its mean on the edges inside the box: fractions of the true ``n`` (every k-th edge)
    reach only 1 / k of it, and multiples less (their extra edges fall inside cells). A smooth field steps
    little from cell to cell, so under JPEG noise another ``n`` (the period of the field's own features)
    can score close, or better (../shared/bench's p_map_04: 31 columns against the true 118). So up to
    :data:`LATTICE_CANDIDATES` of the best, scoring at least :data:`LATTICE_SHARE` of the top and with
    edges that stand out from the changes halfway between them (:data:`MIN_LATTICE_CONTRAST`), are
    returned for the caller to tell apart, each moved to fit the changes (:func:`sharpen_lattice`).

    Parameters
    ----------
    change : (size + 1,) float
        Colour change on each pixel boundary (index b: between pixels b - 1 and b; the ends are the box's).
    min_cell : float
        Smallest cell size searched, pixels.

    Returns
    -------
    list of (n + 1,) float
        The edges of each candidate (pixel coordinates; the ends near 0 and ``size``); empty when none.
    """
    size = len(change) - 1
    excess = _excess(change)
    shifts = np.arange(-LATTICE_REACH, LATTICE_REACH + 1.0)
    first, last = np.repeat(shifts, len(shifts)), np.tile(size + shifts, len(shifts))  # every pair of ends

    counts = np.arange(2, int(size / min_cell) + 1)
    best_ends: list[tuple[float, float]] = []
    best_scores: list[float] = []
    for n in counts:
        lattices = first[:, None] + (last - first)[:, None] * (np.arange(n + 1) / n)
        score = _excess_on(lattices, excess)
        k = int(np.argmax(score))
        best_ends.append((first[k], last[k]))
        best_scores.append(score[k])
    scores = np.array(best_scores)
    found: list[np.ndarray] = []
    periods: list[float] = []
    for i in np.argsort(-scores, kind="stable"):
        if len(found) == LATTICE_CANDIDATES or scores[i] <= 0 or scores[i] < LATTICE_SHARE * scores.max():
            break
        cells = int(counts[i])
        period = (best_ends[i][1] - best_ends[i][0]) / cells
        if any(abs(period - p) < LATTICE_DISTINCT * p for p in periods):
            continue  # the same lattice with its ends a cell further: not another candidate
        periods.append(period)
        edges = best_ends[i][0] + (best_ends[i][1] - best_ends[i][0]) * np.arange(cells + 1) / cells
        cell = (edges[-1] - edges[0]) / cells
        on = change[np.clip(_boundary(edges), 1, size - 1)].mean()
        halfway = change[np.clip(_boundary(edges[:-1] + cell / 2), 1, size - 1)].mean()
        if on >= (1.0 + MIN_LATTICE_CONTRAST) * halfway:
            found.append(sharpen_lattice(edges, change))
    return found


def sharpen_lattice(edges: np.ndarray, change: np.ndarray, reach: float = LATTICE_REACH) -> np.ndarray:
    """Equal-cell edges moved to the lattice whose pixel boundaries carry the most colour change.

    A lattice fitted to the box's ends is off when the box is not exactly the data's (a box read off
    by hand, 2 or 3 pixels out) or by a small fraction of a pixel per cell, which adds up along the box.
    In a nearest-neighbour rendering the edge at ``e`` falls on the boundary before pixel
    ``ceil(e - 0.5)``, so every lattice with its first and last edges within ``reach`` pixels of the
    given ones is scored by the summed excess ``change`` (over its mean) on the boundaries inside the
    box it puts edges on: first in steps of 0.1 pixel, then of 0.025 within a pixel of the best, whose
    best-scoring lattices' middle is taken. Edges may fall outside the box (the box cuts cells) or
    inside it (the data does not fill the box).

    Parameters
    ----------
    edges : (n + 1,) float
        Equally spaced edges, pixel coordinates along one axis (pixel c covers [c, c + 1)).
    change : (size + 1,) float
        Colour change on each pixel boundary (index b: between pixels b - 1 and b).
    reach : float
        Pixels either end may move.
    """
    excess = _excess(change)
    steps = np.arange(len(edges)) / (len(edges) - 1)

    def scores(first: np.ndarray, last: np.ndarray) -> np.ndarray:
        lattice = first[:, None, None] + (last[None, :, None] - first[:, None, None]) * steps  # (F, L, n + 1)
        return _excess_on(lattice, excess)

    coarse = np.arange(-reach, reach + 1e-9, 0.1)
    score = scores(edges[0] + coarse, edges[-1] + coarse)
    i, j = np.unravel_index(np.argmax(score), score.shape)
    fine = np.arange(-1.0, 1.0 + 1e-9, 0.025)
    first, last = edges[0] + coarse[i] + fine, edges[-1] + coarse[j] + fine
    score = scores(first, last)
    rows, cols = np.nonzero(score >= score.max() - 1e-9)
    a, b = float(first[rows].mean()), float(last[cols].mean())
    return a + (b - a) * steps


def misfit_of(
    stored: list[tuple[np.ndarray, np.ndarray]],
    subsampled: bool,
    planes: list[np.ndarray],
    cell: np.ndarray,
    colours: np.ndarray,
) -> float:
    """:func:`fit_cells`'s misfit of the cells painted in ``colours`` (one (3,) colour per cell): luma only,
    over the blocks whose pixels are all cells' data, so only those blocks are transformed."""
    data = cell >= 0
    full = _blocks(data).all(axis=(2, 3))
    full &= (np.arange(full.shape[0]) % max(1, full.sum() // MISFIT_BLOCKS) == 0)[:, None]  # a sample
    if not full.any():
        return float("nan")
    luma = planes[0].astype(np.float32, copy=True)
    luma[data] = colours[cell[data], 0]
    coefficients, table = stored[0]
    weight = _weights(table)
    residual = dctn(_blocks(luma - 128.0)[full], axes=(1, 2), norm="ortho") - coefficients[full] * table
    return float((weight * residual**2).mean())


@dataclass(frozen=True)
class CellFit:
    """:func:`fit_cells`'s result.

    Attributes
    ----------
    lower, upper : (n_cells, C) float
        The position intervals of the table entries scored for each cell (NaN for cells without a data
        pixel): the value a cell drawn in an entry's colour had lies in its interval.
    log_likelihood : (n_cells, C) float
        Their log-likelihoods, relative to the best (-inf: not a choice).
    misfit : float
        Mean weighted squared residual per luma coefficient over the blocks whose pixels are all cells'
        data: about 1 when the figure is such a raster drawn in this scale, much more when it is not.
    """

    lower: np.ndarray
    upper: np.ndarray
    log_likelihood: np.ndarray
    misfit: float

    def posterior(self) -> np.ndarray:
        """Each cell's posterior mean position, the value uniform within each entry's interval (NaN: no data)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.exp(self.log_likelihood) * (self.upper - self.lower)
            centre = np.nan_to_num(0.5 * (self.lower + self.upper))
            return (weight * centre).sum(axis=1) / weight.sum(axis=1)

    def _terms(self, prior_mean: np.ndarray, sd: float) -> tuple[np.ndarray, ...]:
        """Per cell, for a prior ``N(prior_mean, sd)`` and for a flat one on [0, 1]: the likelihood-weighted
        prior mass over the entries' intervals and its first moment."""
        m = prior_mean[:, None]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            likelihood = np.exp(self.log_likelihood)
            a, b = (self.lower - m) / sd, (self.upper - m) / sd
            mass = np.nan_to_num(ndtr(b) - ndtr(a))
            moment = np.nan_to_num(m * mass + sd * (_phi(a) - _phi(b)))
            width = np.nan_to_num(self.upper - self.lower)
            centre = np.nan_to_num(0.5 * (self.lower + self.upper))
        return (
            (likelihood * mass).sum(axis=1),
            (likelihood * moment).sum(axis=1),
            (likelihood * width).sum(axis=1),
            (likelihood * width * centre).sum(axis=1),
        )

    def prior_model(self, prior_mean: np.ndarray, most: int = 4000) -> tuple[float, float]:
        """The prior's error model most likely given the fit (maximum likelihood): (deviation, outliers).

        A cell's value ``x`` lies in entry k's interval with the fit's probability (its likelihood times
        the interval's width), uniformly within it. ``prior_mean`` is taken for ``x`` plus a normal error
        of deviation ``s``, except for a share ``o`` of cells where it is anywhere in [0, 1] (the smoothing
        fails near a front, a stroke or a rough patch). ``s`` is picked from 41 steps between 1/100 and 30
        times the typical interval width, ``o`` from 0 to 0.3, on up to ``most`` cells (evenly spread).
        """
        known = np.flatnonzero(np.isfinite(prior_mean) & np.isfinite(self.lower).any(axis=1))
        if not len(known):
            return math.inf, 1.0
        known = known[np.linspace(0, len(known) - 1, min(most, len(known))).astype(np.int64)]
        part = CellFit(self.lower[known], self.upper[known], self.log_likelihood[known], self.misfit)
        width = float(np.nanmedian(part.upper - part.lower))
        best = (-np.inf, math.inf, 1.0)
        for sd in width * np.geomspace(0.01, 30.0, 41):
            mass, _, norm, _ = part._terms(prior_mean[known], sd)
            for share in PRIOR_OUTLIERS:
                with np.errstate(divide="ignore"):
                    score = np.log(np.maximum((1 - share) * mass / norm + share, 1e-300)).sum()
                if score > best[0]:
                    best = (score, float(sd), share)
        return best[1], best[2]

    def posterior_with(self, prior_mean: np.ndarray, sd: float, outliers: float = 0.0) -> np.ndarray:
        """Each cell's posterior mean position with the prior of :meth:`prior_model` (``prior_mean``, NaN:
        none): the prior truncated to each entry's interval, weighted by the entry's likelihood, or with
        weight ``outliers`` flat (:meth:`posterior`)."""
        mass, moment, flat_mass, flat_moment = self._terms(prior_mean, sd)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = ((1 - outliers) * moment + outliers * flat_moment) / ((1 - outliers) * mass + outliers * flat_mass)
        use = np.isfinite(prior_mean) & ((1 - outliers) * mass + outliers * flat_mass > 1e-12)
        return np.where(use, out, self.posterior())


def _phi(t: np.ndarray) -> np.ndarray:
    """The standard normal density (0 at infinite t)."""
    return np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)


def _phases(cell_rows: np.ndarray, cell_cols: np.ndarray, min_cell: float, mcu: int) -> np.ndarray:
    """Each cell's phase: cells of one phase are ``period`` cells apart, far enough to share no block."""
    period = math.ceil(mcu / max(min_cell, 1e-9)) + 1
    return (cell_rows % period) * period + (cell_cols % period)


def fit_cells(
    stored: list[tuple[np.ndarray, np.ndarray]],
    subsampled: bool,
    planes: list[np.ndarray],
    cell: np.ndarray,
    cell_rows: np.ndarray,
    cell_cols: np.ndarray,
    min_cell: float,
    table: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: np.ndarray,
    sweeps: int = SWEEPS,
) -> CellFit:
    """Posterior mean position of every cell, from the file's quantized DCT coefficients.

    Parameters
    ----------
    stored : list of (coefficients, table)
        Y, Cb, Cr: the file's quantized DCT blocks over the region (``(n, m, 8, 8)``; chroma on the halved
        plane when ``subsampled``) and their quantization tables.
    subsampled : bool
        Chroma stored at half resolution both ways (4:2:0); else full (4:4:4).
    planes : list of (H, W) float
        Y, Cb, Cr (full range, full resolution) of the region: what the pixels that are not a cell's data
        hold (text, lines, the frame, outside the box). ``H`` and ``W`` are whole MCUs.
    cell : (H, W) int
        Each pixel's cell index, or -1 for pixels that are not a cell's data.
    cell_rows, cell_cols : (n_cells,) int
        Each cell's row and column in the cell lattice.
    min_cell : float
        The smallest cell width or height, pixels.
    table : (K, 3) float
        The scale's colours as the encoder stores them (:func:`table_ycbcr`).
    lower, upper : (K,) float
        The interval of positions on the scale each colour stands for.
    start : (n_cells,) int
        Each cell's first table entry.
    sweeps : int

    Returns
    -------
    CellFit
    """
    n_cells = len(start)
    data = cell >= 0
    entry = np.clip(np.asarray(start, np.int64), 0, len(table) - 1)
    planes = [p.astype(np.float32, copy=True) for p in planes]
    colours = table[entry[cell[data]]]
    for k in range(3):
        planes[k][data] = colours[:, k]
    model = _Residual(stored, 2 if subsampled else 1, planes)
    phase = np.where(data, _phases(cell_rows, cell_cols, min_cell, 16 if subsampled else 8)[np.maximum(cell, 0)], -1)
    # per phase: its pixels (row, column, cell) and each cell's weighted DCT energy h per plane
    pixels, energy = {}, np.zeros((3, n_cells))
    for p in np.unique(phase[data]):
        in_phase = phase == p
        rows, cols = np.nonzero(in_phase)
        pixels[p] = (rows, cols, *np.unique(cell[rows, cols], return_inverse=True))
        energy += model.energies(in_phase.astype(np.float32), np.where(in_phase, cell, -1), n_cells)

    offsets = np.arange(-REACH, REACH + 1)
    lows, highs = np.full((n_cells, len(offsets)), np.nan), np.full((n_cells, len(offsets)), np.nan)
    log_likelihood = np.full((n_cells, len(offsets)), -np.inf)
    for sweep in range(sweeps + 1):
        for rows, cols, cells, inverse in pixels.values():
            g = np.stack(
                [
                    np.bincount(inverse, weights=model.g[k][rows // model.scale(k), cols // model.scale(k)])
                    / model.scale(k) ** 2
                    for k in range(3)
                ],
                axis=-1,
            )  # (cells, 3)
            candidates = np.clip(entry[cells, None] + offsets, 0, len(table) - 1)  # (cells, C)
            a = table[candidates] - table[entry[cells]][:, None, :]  # (cells, C, 3)
            change = (2.0 * a * g[:, None, :] + a * a * energy[:, cells].T[:, None, :]).sum(axis=-1)
            if sweep == sweeps:
                lows[cells], highs[cells] = lower[candidates], upper[candidates]
                repeat = np.zeros(candidates.shape, bool)
                repeat[:, 1:] = candidates[:, 1:] == candidates[:, :-1]  # clipped at an end: counted once
                log_likelihood[cells] = np.where(repeat, -np.inf, -0.5 * (change - change.min(axis=1, keepdims=True)))
            best = candidates[np.arange(len(cells)), np.argmin(change, axis=1)]
            moved = best != entry[cells]
            if moved.any():
                step = (table[best] - table[entry[cells]])[inverse]  # per pixel of the phase
                on = moved[inverse]
                for k in range(3):
                    model.add(k, rows[on], cols[on], step[on, k])
                entry[cells] = best
    return CellFit(lows, highs, log_likelihood, model.misfit(cast(np.ndarray, _blocks(data).all(axis=(2, 3)))))


def _halved(edges: np.ndarray) -> np.ndarray:
    """The lattice with every cell split in two."""
    out = np.empty(2 * len(edges) - 1)
    out[0::2], out[1::2] = edges, 0.5 * (edges[:-1] + edges[1:])
    return out


class _Lattice:
    """A lattice of cells over a region: each pixel's cell (``all_cells``, -1 outside the lattice) and, for
    the pixels that are a cell's data, ``cell`` (-1 for the others)."""

    def __init__(self, x_edges: np.ndarray, y_edges: np.ndarray, data: np.ndarray):
        self.x_edges, self.y_edges = x_edges, y_edges
        self.n_rows, self.n_cols = len(y_edges) - 1, len(x_edges) - 1
        self.n_cells = self.n_rows * self.n_cols
        h, w = data.shape
        col = np.searchsorted(x_edges, np.arange(w) + 0.5) - 1
        row = np.searchsorted(y_edges, np.arange(h) + 0.5) - 1
        inside = ((row >= 0) & (row < self.n_rows))[:, None] & ((col >= 0) & (col < self.n_cols))[None, :]
        self.all_cells = np.where(inside, row[:, None] * self.n_cols + col[None, :], -1)
        self.cell = np.where(data, self.all_cells, -1)

    def leave_out_strokes(self, u: np.ndarray) -> None:
        """Pixels farther than :data:`OUTLIER` from their cell's median ``u`` are no longer its data: strokes
        the overlay clean-up kept (a white gridline over Greys)."""
        known = self.cell >= 0
        labels = np.unique(self.cell[known])
        median = np.full(self.n_cells, np.nan)
        median[labels] = ndimage.median(u, self.cell + 1, labels + 1)
        with np.errstate(invalid="ignore"):
            self.cell[known & ~(np.abs(u - median[np.maximum(self.cell, 0)]) <= OUTLIER)] = -1


def _cell_means(cell: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    """Mean of ``values`` (NaN ignored) over each cell's pixels (``cell`` >= 0); NaN for cells without one."""
    known = (cell >= 0) & np.isfinite(values)
    sums = np.bincount(cell[known], weights=values[known], minlength=n_cells)
    counts = np.bincount(cell[known], minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def raster_positions(
    stored: list[tuple[np.ndarray, np.ndarray]],
    subsampled: bool,
    planes: list[np.ndarray],
    where: tuple[slice, slice],
    data: np.ndarray,
    u: np.ndarray,
    scale,
) -> np.ndarray | None:
    """Positions on the scale of a box's pixels, each cell of a cell-by-cell figure decoded whole.

    1. The lattice of equal cells spanning the box (:func:`find_lattices`, on the mean change of ``u``
       between neighbouring pixel columns, then rows).
    2. Each cell's first table entry is the one nearest its mean ``u``; of the scale's tables (its
       ``variants``: matplotlib's floor or round bytes) the one that fits the file best is used.
    3. :func:`fit_cells`; its likelihoods are combined with a Gaussian prior around the mean of the
       fit's values of the cell's 4 neighbours (:func:`neighbour_mean`: in a smooth field neighbouring
       cells are alike), of the deviation, and share of cells where it is no guide, that make those
       means most likely given the fit (:meth:`CellFit.prior_model`): in a rough field the prior
       counts for little.
       Where the coefficients pin a cell's entry down, the prior only places the value within the
       entry's interval; where neighbouring entries look alike to the encoder (viridis at 5 px cells), or
       one colour stands for many entries (jet's saturated blue), it decides.

    Parameters
    ----------
    stored : list of (coefficients, table)
        See :func:`fit_cells`, over ``planes``' region.
    subsampled : bool
    planes : list of (H, W) float
        Y, Cb, Cr (full range) of the region, the pixels that are not data included.
    where : (slice, slice)
        Where the box lies in the region (it may run past the region's end).
    data : (h, w) bool
        The box's pixels that are data of a cell (not text, lines, the frame or the background).
    u : (h, w) float
        The box's positions as decoded (NaN: no data), to find the lattice and the first entries.
    scale : ColorScale

    Returns
    -------
    (h, w) float32 or None
        Each pixel's cell's position: for its data pixels, and for the others (lines, text, the frame
        over it) where at least :data:`MIN_DATA_SHARE` of the cell's pixels are data; else NaN. None
        when no lattice of cells of at least :data:`MIN_CELL` pixels is found or the fit's misfit is over
        :data:`MAX_MISFIT` (not such a figure, or not in this scale).
    """
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows or columns without a pair of values
        change = [np.pad(np.nan_to_num(np.nanmean(np.abs(np.diff(u, axis=a)), axis=1 - a)), 1) for a in (1, 0)]
    rows, cols = where
    candidates: list[list[np.ndarray]] = [
        [e + origin for e in find_lattices(c, MIN_CELL)] for c, origin in zip(change, (cols.start, rows.start))
    ]
    if not candidates[0] or not candidates[1]:
        return None
    region_u = _in_region(u, planes[0].shape, rows.start, cols.start)
    region_data = _in_region(data, planes[0].shape, rows.start, cols.start) > 0

    def first_guess(lattice: _Lattice, table) -> tuple[float, np.ndarray, np.ndarray]:
        mean_u = _cell_means(lattice.cell, region_u, lattice.n_cells)
        entries = np.clip(np.searchsorted(table.u_upper, np.nan_to_num(mean_u)), 0, len(table.rgb) - 1)
        colours = table_ycbcr(table.rgb)
        return misfit_of(stored, subsampled, planes, lattice.cell, colours[entries]), entries, colours

    # the candidates told apart by how well cells of one colour each explain the file, every pair (one axis
    # at a time goes wrong when the other axis starts on a wrong candidate)
    # strokes left out first, on the likeliest lattice, or a gridline over Greys decides which one fits best
    likeliest = _Lattice(candidates[0][0], candidates[1][0], region_data)
    likeliest.leave_out_strokes(region_u)
    clean = likeliest.cell >= 0
    x_edges, y_edges = min(
        ((x, y) for x in candidates[0] for y in candidates[1]),
        key=lambda pair: first_guess(_Lattice(pair[0], pair[1], clean), scale)[0],
    )
    chosen = first_guess(_Lattice(x_edges, y_edges, clean), scale)[0]
    for halved in ((_halved(x_edges), y_edges), (x_edges, _halved(y_edges))):
        if first_guess(_Lattice(*halved, clean), scale)[0] < TOO_COARSE * chosen:
            return None  # cells half as wide explain the file much better: these merge several cells
    lattice = _Lattice(x_edges, y_edges, region_data)
    lattice.leave_out_strokes(region_u)
    misfit, start, colours, table = min(
        ((*first_guess(lattice, t), t) for t in (scale, *scale.variants)), key=lambda guess: guess[0]
    )
    if not misfit <= 2 * MAX_MISFIT:
        return None
    cell, n_rows, n_cols, n_cells = lattice.cell, lattice.n_rows, lattice.n_cols, lattice.n_cells
    cell_rows, cell_cols = np.divmod(np.arange(n_cells), n_cols)
    min_cell = min(np.diff(x_edges).min(), np.diff(y_edges).min())
    fit = fit_cells(
        stored, subsampled, planes, cell, cell_rows, cell_cols, min_cell, colours, table.u_lower, table.u_upper, start
    )
    if not fit.misfit <= MAX_MISFIT:
        return None
    prior = neighbour_mean(fit.posterior().reshape(n_rows, n_cols)).ravel()
    positions = fit.posterior_with(prior, *fit.prior_model(prior))
    box_cell = _Lattice(x_edges - cols.start, y_edges - rows.start, np.ones(u.shape, bool)).all_cells
    inside = box_cell >= 0
    share = np.bincount(box_cell[inside & data], minlength=n_cells) / np.maximum(
        np.bincount(box_cell[inside], minlength=n_cells), 1
    )
    cell = np.maximum(box_cell, 0)
    given = inside & (data | (share[cell] >= MIN_DATA_SHARE))
    return np.where(given, positions[cell], np.nan).astype(np.float32)


def neighbour_mean(values: np.ndarray) -> np.ndarray:
    """Each cell's mean of its (up to 4) edge neighbours' values, NaN ignored: exact on a linear field,
    and independent of the cell's own value."""
    padded = np.pad(values, 1, constant_values=np.nan)
    around = np.stack([padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cells without a neighbour: NaN
        return np.nanmean(around, axis=0)


def _in_region(values: np.ndarray, shape: tuple[int, int], row0: int, col0: int) -> np.ndarray:
    """A box's ``values`` placed at (row0, col0) in a region of ``shape`` (NaN elsewhere; cropped at its end)."""
    out = np.full(shape, np.nan)
    h, w = min(values.shape[0], shape[0] - row0), min(values.shape[1], shape[1] - col0)
    out[row0 : row0 + h, col0 : col0 + w] = values[:h, :w]
    return out
