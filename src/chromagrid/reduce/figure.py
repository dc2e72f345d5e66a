"""The diagnostic figure: one PNG a person can read at a glance.

Panels: the original image with the plot box outlined; the decoded field;
the points over the field; the grid rebuilt from the points; the error map
(rebuilt - decoded) with its colour bar; and the reduction curve (points vs
reconstruction RMSE) when the error-bounded search ran, else the key numbers.
Drawn with matplotlib's Agg backend (no display needed), written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from chromagrid.scale.colorscale import ColorScale

#: Largest side (pixels) of an image shown in a panel; bigger ones are shown with a stride.
MAX_SHOWN = 1200
#: Most points drawn over the field (a regular subsample beyond, said in the title).
MAX_POINTS_SHOWN = 20000


def _stride(shape) -> int:
    return max(1, -(-max(shape[:2]) // MAX_SHOWN))


def _scale_cmap(scale: ColorScale):
    from matplotlib.colors import ListedColormap, LogNorm, Normalize

    cmap = ListedColormap(np.asarray(scale.rgb, float) / 255.0, name=scale.name).with_extremes(bad="white")
    norm = LogNorm(scale.vmin, scale.vmax) if scale.norm == "log" else Normalize(scale.vmin, scale.vmax)
    return cmap, norm


def draw_figure(
    path: str | os.PathLike,
    rgb: np.ndarray,
    box,
    value: np.ndarray,
    points,
    rebuilt: np.ndarray,
    scale: ColorScale,
    checks: dict,
    title: str | None = None,
    dpi: int = 100,
) -> Path:
    """Draw the diagnostic figure and write it to ``path`` (PNG) atomically.

    Parameters
    ----------
    path : path-like
        The PNG to write.
    rgb : (H, W, 3) uint8
        The whole image.
    box : (x0, y0, x1, y1)
        The plot box decoded.
    value : (h, w) decoded field of the box
    points : DataFrame with ``row``, ``col``, ``value``
    rebuilt : (h, w) grid rebuilt from the points
    scale : ColorScale
    checks : dict
        From :func:`chromagrid.reduce.checks.build_checks`.
    title : str, optional

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from chromagrid.io.files import atomic_output

    cmap, norm = _scale_cmap(scale)
    fig = Figure(figsize=(16, 10), dpi=dpi, layout="constrained")
    axes = fig.subplots(2, 3)
    x0, y0, x1, y1 = box

    s = _stride(rgb.shape)
    ax = axes[0, 0]
    ax.imshow(rgb[::s, ::s], extent=(0, rgb.shape[1], rgb.shape[0], 0), interpolation="nearest")
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="red", linewidth=1.5))
    ax.set_title("original image, plot box in red")

    s = _stride(value.shape)
    h, w = value.shape
    extent = (0, w, h, 0)
    ax = axes[0, 1]
    im = ax.imshow(value[::s, ::s], cmap=cmap, norm=norm, extent=extent, interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(f"decoded field ({w} x {h} px, white = no data)")

    ax = axes[0, 2]
    ax.imshow(value[::s, ::s], cmap=cmap, norm=norm, extent=extent, interpolation="nearest", alpha=0.35)
    shown = points
    if len(points) > MAX_POINTS_SHOWN:
        shown = points.iloc[:: -(-len(points) // MAX_POINTS_SHOWN)]
    ax.scatter(
        shown["col"] + 0.5,
        shown["row"] + 0.5,
        c=shown["value"],
        cmap=cmap,
        norm=norm,
        s=12,
        edgecolors="black",
        linewidths=0.4,
    )
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    note = f", {len(shown)} shown" if len(shown) < len(points) else ""
    ax.set_title(f"{len(points)} points over the field{note}")

    ax = axes[1, 0]
    shown_rebuilt = np.where(np.isfinite(value), rebuilt, np.nan)  # comparable with the decoded field
    im = ax.imshow(shown_rebuilt[::s, ::s], cmap=cmap, norm=norm, extent=extent, interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.8)
    rec = checks["reconstruction"]
    ax.set_title(f"rebuilt from the points ({rec['method']})")

    ax = axes[1, 1]
    error = (np.asarray(rebuilt, np.float64) - value)[::s, ::s]
    finite = np.abs(error[np.isfinite(error)])
    limit = float(np.percentile(finite, 99)) if finite.size else 1.0
    limit = limit if limit > 0 else (float(finite.max()) if finite.size and finite.max() > 0 else 1.0)
    im = ax.imshow(error, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=extent, interpolation="nearest")
    bar = fig.colorbar(im, ax=ax, shrink=0.8, extend="both")
    bar.set_label("rebuilt - decoded (value units)")
    rmse = rec["rmse_percent"]
    ax.set_title(
        "error map" + (f": RMSE {rmse:.3g}% of range, P99 {rec['p99_percent']:.3g}%" if rmse is not None else "")
    )

    ax = axes[1, 2]
    search = checks.get("search")
    if search:
        curve = search["curve"]
        runs: dict[tuple, list[dict]] = {}
        for c in curve:  # one line per run (gradient tolerance, method, split margin): its refinement steps
            runs.setdefault((c["gradient_tol"], c.get("reconstruct"), c.get("split_margin")), []).append(c)
        colours = {"linear": "tab:blue", "nearest": "tab:orange", "cubic": "tab:green"}
        labelled = set()
        for (_tol, method, _margin), steps in runs.items():
            ax.plot(
                [c["points"] for c in steps],
                [c["rmse_percent"] for c in steps],
                marker="o",
                markersize=2,
                linewidth=0.8,
                alpha=0.7,
                color=colours.get(method, "grey"),
                label=None if method in labelled else f"rebuilt {method}",
            )
            labelled.add(method)
        chosen = [c for c in curve if c.get("chosen")]
        ax.scatter(
            [c["points"] for c in chosen],
            [c["rmse_percent"] for c in chosen],
            c="red",
            s=120,
            marker="*",
            zorder=5,
            label="chosen",
        )
        ax.axhline(search["target_rmse_percent"], color="red", linestyle="--", label="target")
        ax.set_xscale("log")
        ax.set_xlabel("points")
        ax.set_ylabel("reconstruction RMSE (% of range)")
        ax.set_yscale("log")
        ax.legend(loc="upper right", fontsize=7)
        ax.set_title("error-bounded search: points vs error")
    else:
        rt = checks["colour_round_trip"]
        lines = [
            f"points: {checks['points']}   valid pixels: {checks['valid_pixels']}",
            f"reduction ratio: {checks['reduction_ratio']:.4g}" if checks["reduction_ratio"] else "",
            f"reconstruction RMSE: {rec['rmse']:.4g} ({rmse:.3g}% of range)" if rmse is not None else "",
            f"MAE {rec['mae']:.4g}, P99 {rec['p99']:.4g}, max {rec['max_abs']:.4g}" if rec["mae"] is not None else "",
            f"colour round trip delta E: mean {rt['delta_e_mean']:.2f}, p95 {rt['delta_e_p95']:.2f}"
            if rt["delta_e_mean"] is not None
            else "",
        ]
        ax.text(
            0.02,
            0.95,
            "\n".join(line for line in lines if line),
            va="top",
            family="monospace",
            fontsize=10,
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        ax.set_title("checks")
    for a in (axes[0, 1], axes[0, 2], axes[1, 0], axes[1, 1]):
        a.set_xlabel("column in box")
        a.set_ylabel("row in box")
    verdict = checks.get("verdict", "")
    fig.suptitle(
        (title + "\n" if title else "") + verdict,
        fontsize=12,
        color="red" if not checks.get("within_tolerance", True) else "black",
    )
    path = Path(path)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path
