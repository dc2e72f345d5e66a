"""JPEG stage: decoded values made consistent with the file's own compressed data.

A JPEG file stores, for every 8 x 8 block of each plane (luma Y at full
resolution; chroma Cb, Cr usually halved both ways, 4:2:0), 64 DCT
coefficients, each rounded to a multiple of its entry ``q`` in the file's
quantization table. So the picture before compression had every coefficient
within ``q / 2`` of the stored one: a set of images that holds the true one.
In a colour-mapped figure the true data pixels also lie on the colour scale.

:func:`refine` alternates between the two (projections onto convex sets,
"POCS", a classic way to take JPEG artefacts out):

1. the planes rebuilt from the file's coefficients (read with ``jpeglib``),
   in floating point (no 8-bit rounding), chroma upsampled as libjpeg does
   (3/4 of the nearest sample, 1/4 of the next);
2. twice: decode the data pixels' colours to positions on the scale, average
   each with its neighbours of nearly the same position
   (:func:`~chromagrid.decode.core.sigma_filter`), paint them in the scale's colour
   at that position, then move every block's coefficients back into their
   quantization intervals (chroma on the 2 x 2-averaged plane, the change
   shared by its four pixels);
3. the usual JPEG smoothing (:func:`~chromagrid.decode.core.smooth_values`) of the
   resulting colours;
4. where the figure is drawn cell by cell in the scale's exact colours
   (a lattice of equal cells is found and the coefficients fit it), each cell
   is decoded whole: its colour is the table entry that best explains the
   file's coefficients, placed within the entry's interval by its neighbours
   (:func:`~chromagrid.decode.cellfit.raster_positions`).

Which pixels hold data, and the values the overlay clean-up gave to lines and
text, come from the plain decode and are kept. Where the values change
evenly rather than in steps (:func:`step_evenness`: a resampled rendering,
``imshow(interpolation="bilinear")``), a local quadratic fit
(:func:`local_quadratic`) replaces the final mean, which bends curved
surfaces. On ../shared/bench's JPEG figures steps 1-3 lower the mean nRMSE
from 0.342 % to 0.305 %, and step 4 to 0.151 % (README), for about 1.1 s and
0.4 s more per megapixel of box. Files it cannot read this way
(greyscale or CMYK JPEG, unusual chroma sampling, an EXIF rotation, not a
JPEG) give None, and the caller smooths the pixels instead.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.fft import dctn, idctn

from chromagrid.decode.cellfit import raster_positions
from chromagrid.decode.core import (
    SMOOTH_RADIUS,
    SMOOTH_TOLERANCE,
    Decoded,
    project_colours,
    sigma_filter,
    smooth_values,
)
from chromagrid.decode.dct import _JFIF_INVERSE, JFIF, blocks, halve, unblocks
from chromagrid.decode.frame import Frame
from chromagrid.scale.colorscale import ColorScale

#: Rounds of "onto the scale, then back into the quantization intervals" (1, 3 or 4 were worse on the bench).
ROUNDS = 2

#: :func:`step_evenness` at or above this: the values change continuously (a resampled rendering, such as
#: ``imshow(interpolation="bilinear")``), not in steps (nearest neighbour, ``pcolormesh``). Pure noise gives
#: about 2 / pi = 0.64; on ../shared/bench and its synthetic set step renderings gave at most 0.67, resampled
#: ones at least 0.77.
CONTINUOUS_EVENNESS = 0.72
#: Windows (pixels along a row or column) :func:`step_evenness` compares the steps in.
EVENNESS_WINDOW = 8

# JPEG's (JFIF) full-range RGB <-> YCbCr, and its relation to the studio range the decoder projects in
_STUDIO_SCALE = np.array([219.0, 224.0, 224.0]) / 255.0


def _plane(coefficients: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The pixel plane (level-shifted back to 0-255) of dequantized DCT blocks."""
    return unblocks(idctn(coefficients * table, axes=(2, 3), norm="ortho")) + 128.0


def _into_intervals(plane: np.ndarray, coefficients: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``plane`` with each block's DCT coefficients moved into the file's quantization intervals."""
    dct = dctn(blocks(plane - 128.0), axes=(2, 3), norm="ortho")
    dct = np.clip(dct, (coefficients - 0.5) * table, (coefficients + 0.5) * table)
    return unblocks(idctn(dct, axes=(2, 3), norm="ortho")) + 128.0


def _double(plane: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(plane, 2, axis=0), 2, axis=1)


def _upsample(plane: np.ndarray) -> np.ndarray:
    """libjpeg's "fancy" 2 x 2 chroma upsampling: each output 3/4 of the nearest sample, 1/4 of the next."""
    padded = np.pad(plane, 1, mode="edge")
    rows = np.empty((2 * plane.shape[0], plane.shape[1] + 2))
    rows[0::2] = 0.75 * padded[1:-1] + 0.25 * padded[:-2]
    rows[1::2] = 0.75 * padded[1:-1] + 0.25 * padded[2:]
    out = np.empty((rows.shape[0], 2 * plane.shape[1]))
    out[:, 0::2] = 0.75 * rows[:, 1:-1] + 0.25 * rows[:, :-2]
    out[:, 1::2] = 0.75 * rows[:, 1:-1] + 0.25 * rows[:, 2:]
    return out


class DctWindow:
    """The file's quantized DCT blocks around a box, on whole MCUs (the 16 x 16 or 8 x 8 block groups).

    Attributes
    ----------
    origin : (row, col)
        Image pixel of the window's first pixel.
    subsampled : bool
        Chroma stored at half resolution both ways (4:2:0); else full (4:4:4).
    """

    def __init__(self, dct, box: tuple[int, int, int, int], subsampled: bool):
        self.subsampled = subsampled
        step = 2 if subsampled else 1
        mcu = 8 * step
        x0, y0, x1, y1 = box
        rows, cols = dct.Cb.shape[:2]  # chroma blocks: one per MCU
        r0, c0 = max(0, y0 // mcu - 1), max(0, x0 // mcu - 1)  # one MCU of margin
        r1, c1 = min(rows, -(-y1 // mcu) + 1), min(cols, -(-x1 // mcu) + 1)
        self.origin = (r0 * mcu, c0 * mcu)
        tables = [dct.qt[i].astype(np.float64) for i in dct.quant_tbl_no]
        self.luma = (dct.Y[r0 * step : r1 * step, c0 * step : c1 * step], tables[0])
        self.chroma = [(dct.Cb[r0:r1, c0:c1], tables[1]), (dct.Cr[r0:r1, c0:c1], tables[2])]

    def planes(self) -> list[np.ndarray]:
        """Y, Cb, Cr (full range, float) at full resolution, as the file's coefficients give them."""
        luma = _plane(*self.luma)
        chroma = [_plane(*c) for c in self.chroma]
        if self.subsampled:
            chroma = [_upsample(c) for c in chroma]
        h, w = chroma[0].shape
        return [
            np.pad(luma, ((0, max(0, h - luma.shape[0])), (0, max(0, w - luma.shape[1]))), mode="edge")[:h, :w],
            *chroma,
        ]

    def whole_mcus(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], tuple[int, int]]:
        """Y, Cb, Cr as (quantized coefficients, quantization table) over the window's whole MCUs that hold
        all three planes, and that region's (height, width) in pixels, from the window's origin."""
        mcu = 16 if self.subsampled else 8
        luma, luma_table = self.luma
        (cb, cb_table), (cr, cr_table) = self.chroma
        height = min(luma.shape[0] * 8, cb.shape[0] * mcu) // mcu * mcu
        width = min(luma.shape[1] * 8, cb.shape[1] * mcu) // mcu * mcu
        chroma_rows, chroma_cols = height // mcu, width // mcu  # one chroma block per MCU
        return (
            [
                (luma[: height // 8, : width // 8], luma_table),
                (cb[:chroma_rows, :chroma_cols], cb_table),
                (cr[:chroma_rows, :chroma_cols], cr_table),
            ],
            (height, width),
        )

    def constrain(self, planes: list[np.ndarray]) -> list[np.ndarray]:
        """The planes with every block's coefficients moved back into the file's quantization intervals."""
        luma, table = self.luma
        h, w = luma.shape[0] * 8, luma.shape[1] * 8
        y = planes[0].copy()
        y[:h, :w] = _into_intervals(y[:h, :w], luma, table)
        out = [y]
        for plane, (coefficients, table) in zip(planes[1:], self.chroma):
            if self.subsampled:
                half = halve(plane)
                out.append(plane + _double(_into_intervals(half, coefficients, table) - half))
            else:
                out.append(_into_intervals(plane, coefficients, table))
        return out


def read_window(path: str | Path, box: tuple[int, int, int, int]) -> DctWindow | None:
    """The file's DCT data around ``box``, or None when the file is not a colour JPEG :func:`refine` handles
    (greyscale or CMYK, chroma sampling other than 4:4:4 or 4:2:0, an EXIF rotation, unreadable)."""
    import jpeglib
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.format != "JPEG" or im.mode != "RGB" or im.getexif().get(0x0112, 1) != 1:
                return None
        dct = jpeglib.read_dct(str(path))
    except Exception:  # noqa: BLE001 - libjpeg's errors come as plain Exceptions; the pixel smoothing still works
        return None
    if dct.Cb is None or dct.Cr is None or len(dct.quant_tbl_no) != 3:
        return None
    luma, cb, cr = (tuple(int(f) for f in factors) for factors in dct.samp_factor)
    if cb != (1, 1) or cr != (1, 1) or luma not in ((1, 1), (2, 2)):
        return None
    return DctWindow(dct, box, subsampled=luma == (2, 2))


def _studio(planes: list[np.ndarray]) -> np.ndarray:
    """Full-range Y, Cb, Cr planes as one (H, W, 3) array in the studio range the decoder projects in
    (:func:`~chromagrid.decode.core.to_ycbcr`)."""
    return (np.stack(planes, axis=-1) - [0.0, 128.0, 128.0]) * _STUDIO_SCALE + [16.0, 128.0, 128.0]


def _in_gamut(planes: list[np.ndarray]) -> list[np.ndarray]:
    """The colours clipped to what RGB can show (as a decoder does)."""
    rgb = np.clip((np.stack(planes, axis=-1) - [0.0, 128.0, 128.0]) @ _JFIF_INVERSE.T, 0.0, 255.0)
    ycc = rgb @ JFIF.T + [0.0, 128.0, 128.0]
    return [ycc[..., k] for k in range(3)]


def step_evenness(u: np.ndarray, window: int = EVENNESS_WINDOW, tolerance: float = SMOOTH_TOLERANCE) -> float:
    """How evenly the positions ``u`` change along rows and columns: 1 when every pixel step of a window is
    the same (a continuous ramp), ``1 / m`` when the change comes in ``m`` equal steps (cell borders).

    Along each axis, after averaging 3 pixels across it (which keeps steps at cell borders across the
    axis and takes out some noise), the steps ``d`` of windows of ``window`` pixels with no step above
    ``tolerance`` (value edges) give ``(sum |d|)^2 / (window * sum d^2)``; windows are weighted by their
    net change squared, so flat, noise-only windows hardly count. The smaller of the two axes' means is
    returned (NaN when no window counts).
    """
    out = []
    for a in (u, u.T):
        a = a.astype(np.float64)
        a = a[:-2] + a[1:-1] + a[2:]  # NaN wherever one of the 3 is
        h, w = a.shape
        n = (w - 1) // window
        if n == 0 or h == 0:
            continue
        d = np.diff(a, axis=1)[:, : n * window].reshape(h * n, window) / 3.0
        with np.errstate(invalid="ignore"):
            d = d[(np.abs(d) <= tolerance).all(axis=1)]  # False where NaN
        net, l1, l2 = d.sum(axis=1), np.abs(d).sum(axis=1), (d * d).sum(axis=1)
        weight = net * net
        if weight.sum() > 0:
            out.append(float((weight * l1 * l1 / (window * np.maximum(l2, 1e-30))).sum() / weight.sum()))
    return min(out) if out else float("nan")


def local_quadratic(
    u: np.ndarray, radius: int = SMOOTH_RADIUS, tolerance: float = SMOOTH_TOLERANCE, ridge: float = 1e-3
) -> np.ndarray:
    """Edge-preserving local quadratic fit: each value replaced by the centre value of the least-squares
    quadratic surface through the neighbours within ``tolerance`` of it (the neighbourhood of
    :func:`~chromagrid.decode.core.sigma_filter`), which reproduces constants, ramps and curved surfaces, where
    the plain mean is biased by curvature. ``ridge`` (relative to the neighbour count) pulls the slope and
    curvature terms to 0 where the neighbourhood cannot fix them; too few neighbours keep the value."""
    h, w = u.shape
    u = u.astype(np.float32)
    padded = np.full((h + 2 * radius, w + 2 * radius), np.nan, np.float32)
    padded[radius:-radius, radius:-radius] = u
    offsets = [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)]
    terms = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]  # 1, dx, dy, dx^2, dx dy, dy^2
    powers = sorted({(i1 + i2, j1 + j2) for i1, j1 in terms for i2, j2 in terms})
    weights = np.array([[float(dx) ** i * float(dy) ** j for dy, dx in offsets] for i, j in powers + terms], np.float32)
    sums = np.empty((len(powers) + len(terms), h, w), np.float32)  # per pixel: moments, then sums of q f
    rows = max(1, (1 << 21) // (len(offsets) * max(w, 1)))  # blocks of rows: temporaries of some MB
    with np.errstate(invalid="ignore"):
        for r0 in range(0, h, rows):
            r1 = min(r0 + rows, h)
            diff = (
                np.stack(
                    [padded[radius + dy + r0 : radius + dy + r1, radius + dx : radius + dx + w] for dy, dx in offsets]
                )
                - u[r0:r1]
            )
            near = np.abs(diff) <= tolerance  # False where either is NaN
            sums[: len(powers), r0:r1] = (
                weights[: len(powers)] @ near.reshape(len(offsets), -1).astype(np.float32)
            ).reshape(-1, r1 - r0, w)
            sums[len(powers) :, r0:r1] = (
                weights[len(powers) :] @ np.where(near, diff, np.float32(0.0)).reshape(len(offsets), -1)
            ).reshape(-1, r1 - r0, w)
    ok = np.isfinite(u) & (sums[powers.index((0, 0))] >= 2 * len(terms))
    picked = sums[:, ok].T.astype(np.float64)  # (pixels, moments + sums of q f)
    index = np.array([[powers.index((i1 + i2, j1 + j2)) for i2, j2 in terms] for i1, j1 in terms])
    a = picked[:, index] + np.diag([0.0, 1, 1, 1, 1, 1]) * ridge * picked[:, powers.index((0, 0)), None, None]
    out = u.astype(np.float64)
    out[ok] += np.linalg.solve(a, picked[:, len(powers) :, None])[:, 0, 0]
    return out.astype(np.float32)


def refine(
    path: str | Path,
    box: tuple[int, int, int, int],
    decoded: Decoded,
    kept: np.ndarray,
    scale: ColorScale,
    frame: Frame = Frame(),
    rounds: int = ROUNDS,
    fit_cells: bool = True,
    strokes: np.ndarray | None = None,
) -> Decoded | None:
    """Smoothed values of a JPEG figure's box, consistent with the file's quantized DCT coefficients.

    Parameters
    ----------
    path : str or Path
        The JPEG file.
    box : (x0, y0, x1, y1)
        Where ``decoded`` lies in the image.
    decoded : Decoded
        The box decoded and cleaned of overlays; pixels without a value stay without.
    kept : (H, W) bool
        Pixels whose value is kept as it is (the overlay clean-up filled them).
    scale : ColorScale
    frame : Frame
        The axes frame along the box's edges (:func:`~chromagrid.decode.frame.find_frame`): its lines are
        painted as drawn (the frame's colour, its blended edge), so that its ringing is not taken for data.
    rounds : int
        Rounds of the alternating projection.
    fit_cells : bool
        Decode a figure drawn cell by cell one cell at a time, against the file's coefficients
        (:func:`~chromagrid.decode.cellfit.raster_positions`), where its lattice of cells is found and the
        scale's colours are ``exact``.
    strokes : (H, W) bool, optional
        Pixels without a value that are lines or text over the data (not the background): where they
        lie in a fitted cell, they take its value.

    Returns
    -------
    Decoded or None
        None when the file cannot be read this way (see :func:`read_window`).

    Examples
    --------
    A viridis field saved as a JPEG at quality 75, decoded, then refined against the file's own
    DCT coefficients:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from PIL import Image
    >>> from chromagrid.decode import decode, smooth_values
    >>> from chromagrid.scale import from_colormap
    >>> scale = from_colormap("viridis", vmin=0, vmax=1)
    >>> y, x = np.mgrid[0:64, 0:96] / 96
    >>> truth = 0.5 + 0.4 * np.sin(3 * x) * np.cos(2 * y)
    >>> path = Path(tempfile.mkdtemp()) / "field.jpg"
    >>> Image.fromarray(scale.colors_for(truth)).save(path, quality=75)
    >>> rgb = np.asarray(Image.open(path).convert("RGB"))
    >>> smooth = smooth_values(decode(rgb, scale, lossy=True), scale, rgb=rgb)
    >>> refined = refine(path, (0, 0, 96, 64), smooth, np.zeros(truth.shape, bool), scale)
    >>> def rmse(d):
    ...     return float(np.sqrt(np.nanmean((d.value - truth) ** 2)))
    >>> refined.value.shape, rmse(refined) < 0.01
    ((64, 96), True)
    """
    if not scale.interpolate:
        return None
    window = read_window(path, box)
    if window is None:
        return None
    x0, y0, x1, y1 = box
    rows = slice(y0 - window.origin[0], y1 - window.origin[0])
    cols = slice(x0 - window.origin[1], x1 - window.origin[1])
    value = decoded.value
    valid = np.isfinite(value)
    kept_u = scale.to_positions(np.where(kept & valid, value, np.nan).astype(np.float64)).astype(np.float32)
    vertices = scale.rgb @ JFIF.T + [0.0, 128.0, 128.0]  # the scale's colours, full range

    def positions(planes: list[np.ndarray]) -> np.ndarray:
        colours = _studio([p[rows, cols] for p in planes])[valid]
        u = np.full(value.shape, np.nan, np.float32)
        u[valid] = project_colours(colours, scale)
        return np.where(kept, kept_u, u)

    covered = frame.blend_covered()
    frame_colours = [np.asarray(c) @ JFIF.T + [0.0, 128.0, 128.0] for c in frame.colour]
    planes = window.planes()
    u = positions(planes)
    continuous = step_evenness(u) >= CONTINUOUS_EVENNESS
    for round_ in range(rounds):
        u = covered.fill(sigma_filter(u if round_ == 0 else positions(planes), SMOOTH_RADIUS, SMOOTH_TOLERANCE))
        colours = np.stack([np.interp(u, scale.position, vertices[:, k]) for k in range(3)], axis=-1)
        colours = frame.paint(colours, frame_colours)
        painted = np.isfinite(colours).all(axis=-1)
        for k, plane in enumerate(planes):
            plane[rows, cols][painted] = colours[..., k][painted]
        planes = window.constrain(planes)
    planes = _in_gamut(planes)
    u = positions(planes)
    if continuous:  # smooth the positions by the model that fits a resampled rendering
        u = local_quadratic(u)
    box_values = replace(
        decoded, value=np.where(np.isfinite(u), scale.to_values(u.astype(np.float64)), np.nan).astype(np.float32)
    )
    if continuous:
        return box_values

    def smoothed() -> Decoded:
        return smooth_values(box_values, scale, ycbcr=_studio([p[rows, cols] for p in planes]))

    if not (fit_cells and scale.exact):  # the fit needs the very bytes the cells were drawn in
        return smoothed()

    stored, (height, width) = window.whole_mcus()
    cell_u = raster_positions(
        stored, window.subsampled, [p[:height, :width] for p in planes], (rows, cols), valid & ~kept, u, scale
    )
    if cell_u is None:
        return smoothed()
    fitted = valid & np.isfinite(cell_u)
    # the values the fit did not give: smoothed, unless they are too few to be worth it
    rest = box_values if (valid & ~fitted).sum() <= 0.001 * valid.sum() else smoothed()
    if strokes is not None:
        fitted |= strokes & np.isfinite(cell_u)
    value = rest.value.copy()
    value[fitted] = scale.to_values(cell_u[fitted].astype(np.float64))
    return replace(rest, value=value)
