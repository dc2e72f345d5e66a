#!/usr/bin/env python3
"""Figure-only benchmark: every case of the public corpus (bench/corpus) decoded from the image alone.

    .venv/bin/python bench/auto.py [--manifest PATH] [--out DIR] [--id ID ...] [--markdown]

Each case runs through the public API with nothing but the image: field and map
cases with ``chromagrid.digitize(image)``, cells cases with
``chromagrid.cells(image)``. In the two-panel case the scored panel is chosen
as a user would, by number (``panel=1``, the left one); nothing else is given.

Per case it prints what was found against the manifest: the panel box (largest
edge error in px), the colorbar (found or not, box error), the colormap
identified (the same table, reversal and N as the manifest's, compared by the
colours, so aliases count), vmin/vmax error in % of the span (of the log span
for log norms), the extent error in % of the span for maps, then the decode
against the truth: nRMSE / coverage / false fills from the corpus's own
``score.py`` for fields and maps (predictions sampled at the truth's pixel
centres inside the box found), and the share of cells within 1 % for cells
cases. A case that ends in an error prints it; the no-colorbar cases must end
in the clear error or the normalized output, never a wrong value.

Targets (issue 11): box within 2 px on every case; colorbar found on every case
with one; colormap exact on >= 95 % and range within 0.5 % on >= 95 % of those;
nRMSE <= 1 % with coverage >= 95 % on >= 90 % of field and map cases; >= 99 % of
cells within 1 % on >= 90 % of cells cases. A report: exit status 0 whatever the scores.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from accuracy import DEFAULT_MANIFEST, score  # noqa: E402
from cells import score as score_cells  # noqa: E402

SPAN_TARGET = 0.5  # % of the span
BOX_TARGET = 2  # px


def load_cases(manifest: Path, ids: list[str] | None) -> list[dict]:
    cases = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [c for c in cases if not ids or c["id"] in ids]


def table_of(name: str, n: int | None) -> np.ndarray:
    """The colours (N x 3 bytes) of a colormap as chromagrid resolves it, resampled to ``n``."""
    from chromagrid.scale.colorscale import resolve_colormap

    cmap = resolve_colormap(name, n)
    return np.floor(np.asarray(cmap(np.linspace(0, 1, 256)))[:, :3] * 255).astype(int)


def same_colormap(case: dict, cmap: str | None, ncolors: int | None) -> bool:
    """Whether the identified map draws the same colours as the manifest's (aliases and resampling included)."""
    if cmap is None:
        return False
    want_n = int(case["cmap_n"]) if case.get("cmap_n") and int(case["cmap_n"]) != 256 else None
    try:
        return bool(np.abs(table_of(cmap, ncolors) - table_of(case["cmap"], want_n)).max() <= 1)
    except Exception:  # noqa: BLE001 - an unknown name is simply not the same map
        return False


def span_error(case: dict, low: float, high: float) -> float:
    """Largest of the vmin/vmax errors, in % of the manifest's span (log10 span for log norms)."""
    lo, hi = float(case["vmin"]), float(case["vmax"])
    if case["norm"] == "log":
        if low <= 0 or high <= 0:
            return math.inf
        lo, hi, low, high = map(math.log10, (lo, hi, low, high))
    return 100 * max(abs(low - lo), abs(high - hi)) / (hi - lo)


def extent_error(case: dict, extent) -> float | None:
    """Largest edge error of a found extent (left, right, bottom, top), in % of each axis span."""
    if extent is None or not case.get("extent"):
        return None
    e = case["extent"]
    want = (e["left"], e["right"], e["bottom"], e["top"])
    sx, sy = abs(want[1] - want[0]), abs(want[3] - want[2])
    return 100 * max(
        abs(extent[0] - want[0]) / sx,
        abs(extent[1] - want[1]) / sx,
        abs(extent[2] - want[2]) / sy,
        abs(extent[3] - want[3]) / sy,
    )


def box_error(found, want) -> int | None:
    return None if found is None else int(max(abs(int(a) - int(b)) for a, b in zip(found, want)))


def sample_at_truth(value: np.ndarray, box, truth) -> np.ndarray:
    """The decoded grid (box-sized) at the truth's pixel centres, NaN outside the box found."""
    x0, y0 = box[:2]
    cols = np.floor(np.asarray(truth["px_x_centers"], float)).astype(int) - x0
    rows = np.floor(np.asarray(truth["px_y_centers"], float)).astype(int) - y0
    inside = ((rows >= 0) & (rows < value.shape[0]))[:, None] & ((cols >= 0) & (cols < value.shape[1]))[None, :]
    pred = value[np.clip(rows, 0, value.shape[0] - 1)[:, None], np.clip(cols, 0, value.shape[1] - 1)[None, :]]
    return np.where(inside, pred, np.nan).astype(np.float64)


def found_scale(config) -> tuple[str | None, int | None, float, float]:
    s = config.scale
    lo, hi = s.value_range
    if s.norm == "discrete":
        lo, hi = s.boundaries[0], s.boundaries[-1]
    return s.cmap, s.ncolors, lo, hi


def found_extent(config) -> tuple | None:
    return tuple(config.georef.extent) if config.georef.extent is not None else None


def run_case(case: dict, root: Path, out: Path) -> dict:
    import chromagrid

    row: dict = {"id": case["id"], "kind": case["kind"], "error": None}
    image = root / case["image"]
    kwargs = {"panel": 1} if case.get("panel") == "left" else {}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = chromagrid.cells(image) if case["kind"] == "cells" else chromagrid.digitize(image, **kwargs)
        except chromagrid.ChromagridError as e:
            row["error"] = str(e)
            result = None
    row["seconds"] = time.perf_counter() - start
    row["warnings"] = [str(w.message) for w in caught if issubclass(w.category, chromagrid.ChromagridWarning)]
    if result is None:
        return row
    found = result.found
    row["box_err"] = box_error(result.box, case["plot_box"])
    bar = found.colorbar if found is not None else None
    want_bar = case.get("colorbar")
    row["bar"] = bar is not None
    row["bar_err"] = box_error(bar.box, want_bar["box"]) if bar is not None and want_bar else None
    cmap, ncolors, lo, hi = found_scale(result.config)
    row["cmap"] = cmap if cmap else ("colorbar colours" if result.config.scale.colorbar_box else None)
    row["cmap_ok"] = same_colormap(case, cmap, ncolors)
    row["normalized"] = found is not None and found.used.get("range") == "normalized"
    row["range_err"] = None if row["normalized"] else span_error(case, lo, hi)
    row["norm"] = result.config.scale.norm
    truth = np.load(root / case["truth"], allow_pickle=False)
    if case["kind"] == "cells":
        matrix = np.asarray(result.matrix.values, float)
        row.update(
            score_cells(
                case, np.asarray(truth["values"], float), matrix if matrix.shape == tuple(case["grid_shape"]) else None
            )
        )
    else:
        row["extent_err"] = extent_error(case, found_extent(result.config)) if case["kind"] == "map" else None
        np.save(out / f"{case['id']}.npy", sample_at_truth(result.grid["value"].values, result.box, truth))
    return row


def fmt(v, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "auto")
    ap.add_argument("--id", action="append")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    ap.add_argument("--json", type=Path, help="write the per-case rows here")
    a = ap.parse_args(argv)
    manifest = a.manifest.resolve()
    root = manifest.parent
    cases = load_cases(manifest, a.id)
    a.out.mkdir(parents=True, exist_ok=True)
    rows = [run_case(c, root, a.out) for c in cases]
    decoded = [c for c, r in zip(cases, rows) if c["kind"] != "cells" and r["error"] is None]
    scores = score(manifest, a.out, decoded, show=False) if decoded else {}
    for r in rows:
        r.update({k: scores.get(r["id"], {}).get(k) for k in ("nrmse", "coverage", "false_fill")})

    head = (
        f"{'id':<12} {'box':>4} {'bar':>4} {'colormap':<18} {'ok':<3} {'range%':>7} {'norm':<8} {'ext%':>6} "
        f"{'nRMSE%':>7} {'cov%':>6} {'ffill%':>6} {'cells1%':>7} {'sec':>5}  note"
    )
    print(head)
    print("-" * len(head))
    md = []
    for c, r in zip(cases, rows):
        if r["error"]:
            print(f"{r['id']:<12} ERROR {r['error'][:150]}")
            md.append(f"| {r['id']} | error: {r['error'][:80]} |||||||||")
            continue
        bar = ("yes" if r["bar"] else "no") if c.get("colorbar") else ("no" if not r["bar"] else "extra")
        note = "normalized 0-1" if r["normalized"] else ""
        note += (" warnings: " + " | ".join(w[:60] for w in r["warnings"])) if r["warnings"] else ""
        line = (
            f"{r['id']:<12} {fmt(r['box_err']):>4} {bar:>4} {str(r['cmap'])[:18]:<18} "
            f"{'yes' if r['cmap_ok'] else 'no':<3} {fmt(r['range_err']):>7} {r['norm']:<8} "
            f"{fmt(r.get('extent_err')):>6} {fmt(r.get('nrmse'), 3):>7} {fmt(r.get('coverage'), 1):>6} "
            f"{fmt(r.get('false_fill'), 1):>6} {fmt(r.get('within'), 1):>7} {r['seconds']:>5.1f}  {note}"
        )
        print(line)
        md.append(
            f"| {r['id']} | {fmt(r['box_err'])} | {bar} | {r['cmap']} | {'yes' if r['cmap_ok'] else 'no'} | "
            f"{fmt(r['range_err'])} | {fmt(r.get('extent_err'))} | {fmt(r.get('nrmse'), 3)} | "
            f"{fmt(r.get('coverage'), 1)} | {fmt(r.get('within'), 1)} |"
        )
    print()
    summary(cases, rows)
    if a.markdown:
        print(
            "\n| case | box err px | colorbar | colormap | same map | range err % | extent err % | nRMSE % | "
            "coverage % | cells within 1 % |"
        )
        print("|---|---:|---|---|---|---:|---:|---:|---:|---:|")
        print("\n".join(md))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1, default=str))
    return 0


def _at_most(value, limit: float) -> bool:
    return value is not None and not math.isnan(value) and value <= limit


def summary(cases: list[dict], rows: list[dict]) -> None:
    def share(flags) -> str:
        flags = list(flags)
        return f"{sum(flags)}/{len(flags)}" if flags else "-"

    ok = [r["error"] is None for r in rows]
    with_bar = [(c, r) for c, r in zip(cases, rows) if c.get("colorbar")]
    fields = [(c, r) for c, r in zip(cases, rows) if c["kind"] != "cells"]
    cells = [(c, r) for c, r in zip(cases, rows) if c["kind"] == "cells"]
    print(f"ran without error: {share(ok)}")
    print(f"box within {BOX_TARGET} px: {share(r['error'] is None and r['box_err'] <= BOX_TARGET for r in rows)}")
    print(f"colorbar found (cases with one): {share(r['error'] is None and r['bar'] for _, r in with_bar)}")
    print(f"colormap identified exactly: {share(r['error'] is None and r['cmap_ok'] for _, r in with_bar)}")
    print(
        f"range within {SPAN_TARGET} % of the span: "
        f"{share(r['error'] is None and r['range_err'] is not None and r['range_err'] <= SPAN_TARGET for _, r in with_bar)}"
    )
    print(
        "fields and maps with nRMSE <= 1 % and coverage >= 95 %: "
        f"{share(r['error'] is None and _at_most(r.get('nrmse'), 1) and (r.get('coverage') or 0) >= 95 for _, r in fields)}"
    )
    print(
        f"cells cases with >= 99 % of cells within 1 %: "
        f"{share(r['error'] is None and (r.get('within') or 0) >= 99 for _, r in cells)}"
    )
    no_bar = [(c, r) for c, r in zip(cases, rows) if not c.get("colorbar")]
    if no_bar:
        print(
            f"no-colorbar cases ending in the error or the normalized output: "
            f"{share(r['error'] is not None or r['normalized'] for _, r in no_bar)}"
        )


if __name__ == "__main__":
    sys.exit(main())
