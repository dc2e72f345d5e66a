"""Build the gallery page at docs build time: each bundled example decoded by the real CLI, pictured and scored.

Run by mkdocs-gen-files during ``mkdocs build`` (``make docs``). For every figure in ``examples/`` it runs
the ``chromagrid`` command shown on the page (outputs into a temporary folder), reads the grid or matrix
back, samples it at the true cells' centres (``examples/NAME.npz``, drawn by ``examples/make_examples.py``)
and writes ``gallery.md`` with the figure, the command, the decoded grid as a picture and the numbers.
Nothing is written into the source tree: the page and its pictures exist only in the built site.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import mkdocs_gen_files  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class Example:
    """One gallery entry: a bundled figure, what the page says about it and the command that decodes it."""

    name: str
    title: str
    text: str
    command: str  # after ``chromagrid``, as typed in a shell; ``{out}`` is the output folder
    output: str  # the output file the numbers are read from, inside ``{out}``

    @property
    def args(self) -> list[str]:
        """The command's arguments."""
        return shlex.split(self.command)


GALLERY = (
    Example(
        "field",
        "A map from the image alone",
        "Nothing is given but the figure: the plot box, the colorbar, the colormap (viridis), the range "
        "(from the colorbar's tick labels, read by OCR) and the lon/lat axes are all found.",
        "decode examples/field.png -o '{out}/field.nc'",
        "field.nc",
    ),
    Example(
        "log",
        "A log norm",
        "A field over four decades drawn with `LogNorm`; the colormap, norm and range are given, the "
        "extent makes the grid lon/lat.",
        "decode examples/log.png --cmap YlOrRd --norm log --vmin 0.1 --vmax 1000 --box 80 40 620 460 "
        "--extent -10 30 35 60 --crs EPSG:4326 -o '{out}/log.nc'",
        "log.nc",
    ),
    Example(
        "discrete",
        "Discrete classes",
        "A `BoundaryNorm` figure: each pixel decodes to the centre of its class interval, and the "
        "interval bounds come with the grid. A class stands for every value in it, so the error against the "
        "true values is that of the class centres (the floor below): what the colours can tell is the class.",
        "decode examples/discrete.png --cmap RdBu_r --norm discrete --boundaries -3 -1 0 1 3 "
        "--box 80 40 620 460 --extent -10 30 35 60 --crs EPSG:4326 -o '{out}/discrete.nc'",
        "discrete.nc",
    ),
    Example(
        "colorbar",
        "The scale read from the figure's own colorbar",
        "No colormap name: the colours are sampled from the horizontal colorbar strip, and its two end values are given.",
        "decode examples/colorbar.png --colorbar-box 80 495 620 511 --colorbar-range 10 25 "
        "--box 80 40 620 460 --extent -10 30 35 60 --crs EPSG:4326 -o '{out}/colorbar.nc'",
        "colorbar.nc",
    ),
    Example(
        "heatmap",
        "A cell heat map to its matrix",
        "matplotlib's annotated-heatmap recipe (numbers in the cells, white lines between them): the area "
        "and the 6 x 8 grid of cells are found, each cell gets one value, the printed numbers are read and "
        "compared with the colours.",
        "cells examples/heatmap.png --cmap YlGn --vmin 0 --vmax 10 -o '{out}/heatmap.csv'",
        "heatmap.csv",
    ),
)


def chromagrid_command() -> list[str]:
    """The ``chromagrid`` console script of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("chromagrid")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("chromagrid")
    if found is None:
        raise RuntimeError("gen_gallery: the chromagrid command is not installed (make install)")
    return [found]


def run_example(example: Example, out: Path) -> tuple[str, float]:
    """Run the example's command from the project root; its combined output and wall time."""
    args = [a.format(out=out) for a in example.args]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    done = subprocess.run(
        [*chromagrid_command(), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"gen_gallery: chromagrid {' '.join(args)} failed:\n{done.stderr}")
    text = (done.stdout + done.stderr).replace(str(out) + os.sep, "")
    return text.strip(), seconds


def shown_command(example: Example) -> str:
    """The command as a reader types it (outputs in the current folder)."""
    return "chromagrid " + " ".join(shlex.quote(a.replace("{out}/", "")) for a in example.args)


def scale_values(values: np.ndarray, spec: dict) -> np.ndarray:
    """Values in the units errors are judged in: log10 for a log norm."""
    return np.log10(values) if spec["norm"] == "log" else values


def span(spec: dict) -> float:
    """The colour range's width in judged units (log10 decades for a log norm)."""
    if spec["norm"] == "log":
        return float(np.log10(spec["vmax"]) - np.log10(spec["vmin"]))
    return float(spec["vmax"] - spec["vmin"])


def sample_at_cells(grid, extent: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The decoded grid's values at the true cells' centres (nearest decoded pixel, by coordinates)."""
    left, right, bottom, top = (float(v) for v in extent)
    rows, cols = shape
    xs = left + (np.arange(cols) + 0.5) * (right - left) / cols
    ys = top - (np.arange(rows) + 0.5) * (top - bottom) / rows
    return grid["value"].sel(x=xs, y=ys, method="nearest").values.astype(float)


def grid_numbers(decoded: np.ndarray, truth: np.ndarray, spec: dict) -> dict[str, str]:
    """nRMSE, P99 and coverage of a decoded field against its truth, in % of the colour range."""
    ok = np.isfinite(decoded) & np.isfinite(truth)
    lo, hi = spec["vmin"], spec["vmax"]
    err = scale_values(np.clip(decoded[ok], lo, hi), spec) - scale_values(np.clip(truth[ok], lo, hi), spec)
    numbers = {
        "true cells (with a value)": f"{truth.size:,} ({np.isfinite(truth).sum():,})",
        "coverage (cells with a value)": f"{100 * ok.sum() / np.isfinite(truth).sum():.1f} %",
        "nRMSE (RMSE / range)": f"{100 * np.sqrt(np.mean(err**2)) / span(spec):.3f} %",
        "99th percentile of the error": f"{100 * np.percentile(np.abs(err), 99) / span(spec):.3f} %",
    }
    if spec["norm"] == "discrete":
        bounds = np.asarray(spec["boundaries"])
        same = np.digitize(decoded[ok], bounds) == np.digitize(truth[ok], bounds)
        numbers["cells in the right class"] = f"{100 * same.mean():.1f} %"
        centres = (bounds[:-1] + bounds[1:]) / 2
        floor = centres[np.clip(np.digitize(truth[ok], bounds) - 1, 0, len(centres) - 1)] - truth[ok]
        numbers["floor: true values at their class centres"] = f"{100 * np.sqrt(np.mean(floor**2)) / span(spec):.3f} %"
    return numbers


def matrix_numbers(decoded: np.ndarray, truth: np.ndarray, spec: dict) -> dict[str, str]:
    """How close a decoded matrix is to the true one, in % of the colour range."""
    err = np.abs(decoded - truth) / (spec["vmax"] - spec["vmin"])
    return {
        "cells": f"{truth.shape[0]} x {truth.shape[1]} (found {decoded.shape[0]} x {decoded.shape[1]})",
        "largest error": f"{100 * np.nanmax(err):.2f} % of the range",
        "cells within 1 % of the range": f"{100 * np.mean(err <= 0.01):.0f} %",
    }


def norm_for(spec: dict) -> mcolors.Normalize:
    """The matplotlib norm the example was drawn with."""
    if spec["norm"] == "log":
        return mcolors.LogNorm(spec["vmin"], spec["vmax"])
    if spec["norm"] == "discrete":
        return mcolors.BoundaryNorm(spec["boundaries"], 256)
    return mcolors.Normalize(spec["vmin"], spec["vmax"])


def picture(values: np.ndarray, extent, error: np.ndarray, error_extent, spec: dict, labels: tuple[str, str]) -> bytes:
    """PNG: the decoded values (left) in the example's colour scale and their error against the truth (right)."""
    from chromagrid.scale import resolve_colormap

    cmap = resolve_colormap(spec["cmap"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 3.4), layout="constrained")
    im = ax1.imshow(values, cmap=cmap, norm=norm_for(spec), extent=extent, aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax1, shrink=0.9)
    ax1.set_title("decoded")
    limit = max(float(np.nanmax(np.abs(error))), 1e-9)
    im = ax2.imshow(
        error, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=error_extent, aspect="auto", interpolation="nearest"
    )
    fig.colorbar(im, ax=ax2, shrink=0.9)
    ax2.set_title("decoded - true, at the true cells' centres")
    for ax in (ax1, ax2):
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


def decoded_entry(example: Example, out: Path, spec: dict) -> tuple[bytes, dict[str, str]]:
    """Picture and numbers of a decoded field (NetCDF)."""
    import xarray as xr

    truth = np.load(EXAMPLES / f"{example.name}.npz")
    with xr.open_dataset(out / example.output) as grid:
        grid = grid.load()
    decoded = sample_at_cells(grid, truth["extent"], truth["values"].shape)
    values = grid["value"].values
    x, y = grid["x"].values, grid["y"].values
    extent = (x[0], x[-1], y[-1], y[0])
    numbers = {
        "grid": f"{values.shape[0]} x {values.shape[1]} cells (one per pixel of the plot box)",
        "masked pixels": f"{100 * np.mean(~np.isfinite(values)):.2f} %",
    }
    numbers.update(grid_numbers(decoded, truth["values"].astype(float), spec))
    error = np.where(np.isfinite(decoded), decoded - truth["values"], np.nan)
    left, right, bottom, top = (float(v) for v in truth["extent"])
    return picture(values, extent, error, (left, right, bottom, top), spec, ("lon", "lat")), numbers


def matrix_entry(example: Example, out: Path, spec: dict) -> tuple[bytes, dict[str, str]]:
    """Picture and numbers of a decoded cell matrix (CSV)."""
    decoded = np.loadtxt(out / example.output, delimiter=",", ndmin=2)
    truth = np.load(EXAMPLES / f"{example.name}.npz")["values"].astype(float)
    rows, cols = truth.shape
    extent = (-0.5, cols - 0.5, rows - 0.5, -0.5)
    error = decoded - truth if decoded.shape == truth.shape else np.full_like(truth, np.nan)
    return picture(decoded, extent, error, extent, spec, ("column", "row")), matrix_numbers(decoded, truth, spec)


def page(entries: list[tuple[Example, str, float, dict[str, str]]]) -> str:
    """The gallery's Markdown."""
    parts = [
        "# Gallery\n",
        "Each example below is one of the bundled figures in `examples/` (drawn from known data by "
        "`examples/make_examples.py`), decoded **while this page was built**, by the command shown, run "
        "from the project root. The numbers compare the decoded result with the true values the figure was "
        "drawn from (`examples/NAME.npz`), sampled at the true cells' centres; errors are in % of the "
        "colour range (of its log10 span for a log norm). `make docs` rebuilds this page.\n",
    ]
    for example, log, seconds, numbers in entries:
        rows = "\n".join(f"| {key} | {value} |" for key, value in numbers.items())
        parts.append(
            f"## {example.title}\n\n{example.text}\n\n"
            f"![examples/{example.name}.png](gallery/{example.name}.png)\n\n"
            f"```console\n$ {shown_command(example)}\n{log}\n```\n\n"
            f"![decoded {example.name}](gallery/{example.name}-decoded.png)\n\n"
            f"| measure | value |\n|---|---|\n{rows}\n| time (whole command) | {seconds:.1f} s |\n"
        )
    return "\n".join(parts)


def main() -> None:
    """Decode every example and write the gallery page and its pictures into the site."""
    specs = json.loads((EXAMPLES / "examples.json").read_text())
    entries = []
    with tempfile.TemporaryDirectory(prefix="chromagrid-gallery-") as tmp:
        for example in GALLERY:
            out = Path(tmp)
            log, seconds = run_example(example, out)
            spec = specs[example.name]
            entry = matrix_entry if example.output.endswith(".csv") else decoded_entry
            png, numbers = entry(example, out, spec)
            with mkdocs_gen_files.open(f"gallery/{example.name}.png", "wb") as f:
                f.write((EXAMPLES / f"{example.name}.png").read_bytes())
            with mkdocs_gen_files.open(f"gallery/{example.name}-decoded.png", "wb") as f:
                f.write(png)
            entries.append((example, log, seconds, numbers))
    with mkdocs_gen_files.open("gallery.md", "w") as f:
        f.write(page(entries))
    mkdocs_gen_files.set_edit_path("gallery.md", "scripts/gen_gallery.py")


main()
