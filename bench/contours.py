#!/usr/bin/env python3
"""Filled contours and explicit discrete colours: chromagrid scored pixel by pixel (issue 12 parts 1 and 2).

    .venv/bin/python bench/make_corpus.py --contours          # the figures, into bench/out/contours
    .venv/bin/python bench/contours.py [--dir DIR] [--id ID ...] [--markdown]

Each case of ``DIR/manifest.jsonl`` is decoded with ``chromagrid.run`` given only what a user gives: the
plot box and the case's ``scale`` section (``cmap`` or ``colors``, ``levels`` or ``norm: discrete`` with
``boundaries``, ``extend``). Every pixel of the box is scored against the truth (the field at the pixel's
centre, or its cell's value), in the units of score.py (../shared/bench):

* class: the interval between two levels the truth lies in; below the first (above the last) level is its
  own class when the figure extends there, and otherwise blank (no data: contourf,
  ``from_levels_and_colors``) or the end interval (a ``BoundaryNorm`` draws it in its end colour);
* ``binacc``: % of the *interior* pixels (all pixels within 2 px have the truth's class, so the class is
  not a matter of where a polygon's edge falls inside the pixel) whose value lies in the truth's class;
  a value counts for the class whose decoded value (its centre, or an extend class's level) is nearest;
* ``binacc_all``: the same over every pixel with a value;
* ``nRMSE``: RMSE over the interior pixels with a value, truth and prediction clipped to the first and
  last level (as score.py clips to vmin/vmax), in % of that range, in log10 units for log levels;
* ``floor``: the nRMSE of a perfect decoder, which reads each class as its centre (geometric for log
  levels; an extend class as its level);
* ``cov``: % of the pixels the figure draws (truth in a drawn class) that got a value; ``ffill``: % of the
  blank pixels (truth in a class the figure does not draw) that got one.

It is a report: the exit status is 0 whatever the scores.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "bench" / "out" / "contours"
INTERIOR_RADIUS = 2


def truth_classes(truth: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Class of each truth value: -1 below the first level, 0 .. n-1 the intervals, n above the last."""
    return np.searchsorted(levels, truth, side="right") - 1


def drawn(classes: np.ndarray, n: int, extend: str) -> np.ndarray:
    """Pixels whose class the figure draws (an extend side's class only when it extends there)."""
    ok = (classes >= 0) & (classes < n)
    if extend in ("both", "min"):
        ok |= classes == -1
    if extend in ("both", "max"):
        ok |= classes == n
    return ok


def interior(classes: np.ndarray, radius: int = INTERIOR_RADIUS) -> np.ndarray:
    """Pixels whose (2 radius + 1)^2 neighbourhood, inside the box, holds their class only."""
    size = 2 * radius + 1
    same_low = ndimage.minimum_filter(classes, size=size, mode="nearest") == classes
    same_high = ndimage.maximum_filter(classes, size=size, mode="nearest") == classes
    inside = np.zeros(classes.shape, bool)
    inside[radius:-radius, radius:-radius] = True
    return same_low & same_high & inside


def class_values(levels: np.ndarray, extend: str, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """(class numbers, the value a perfect decoder reads each as): centres, extend classes their level."""
    if log:
        centre = np.sqrt(levels[:-1] * levels[1:])
    else:
        centre = 0.5 * (levels[:-1] + levels[1:])
    k = np.arange(len(centre))
    if extend in ("both", "min"):
        k, centre = np.concatenate([[-1], k]), np.concatenate([[levels[0]], centre])
    if extend in ("both", "max"):
        k, centre = np.concatenate([k, [len(levels) - 1]]), np.concatenate([centre, [levels[-1]]])
    return k, centre


def predicted_classes(value: np.ndarray, k: np.ndarray, centre: np.ndarray, log: bool) -> np.ndarray:
    """The class whose decoded value is nearest each value (in log units for log levels); -99: no value."""
    f = np.log10 if log else (lambda v: v)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = f(np.where(np.isfinite(value), value, np.nan))
        d = np.abs(v[..., None] - f(centre))
    out = np.full(value.shape, -99, int)
    has = np.isfinite(v)
    out[has] = k[np.argmin(d[has], axis=-1)]
    return out


def nrmse(pred: np.ndarray, truth: np.ndarray, levels: np.ndarray, log: bool) -> float:
    """RMSE (% of the levels' range; log10 units for log levels), both clipped to the first and last level."""
    lo, hi = levels[0], levels[-1]
    p, t = np.clip(pred, lo, hi), np.clip(truth, lo, hi)
    if log:
        p, t, lo, hi = np.log10(p), np.log10(t), math.log10(lo), math.log10(hi)
    return float(np.sqrt(np.mean((p - t) ** 2)) / (hi - lo) * 100) if p.size else float("nan")


def score_case(record: dict, value: np.ndarray, truth: np.ndarray) -> dict:
    """The numbers of one case (see the module doc)."""
    levels = np.asarray(record["levels"], float)
    extend, log = record["extend"], bool(record["log"])
    classes = truth_classes(truth, levels)
    if record.get("outside") == "ends":  # drawn in the end colours: read as the end intervals
        classes = np.clip(
            classes, 0 if extend in ("neither", "max") else -1, len(levels) - 2 + (extend in ("both", "max"))
        )
    shown = drawn(classes, len(levels) - 1, extend)
    inner = interior(classes) & shown
    has = np.isfinite(value)
    k, centre = class_values(levels, extend, log)
    pred_k = predicted_classes(value, k, centre, log)
    ideal = centre[np.searchsorted(k, np.clip(classes, k[0], k[-1]))]
    scored = inner & has
    return {
        "id": record["id"],
        "draw": record["draw"],
        "format": record["format"],
        "n_classes": len(k),
        "interior": float(inner.sum() / max(shown.sum(), 1) * 100),
        "binacc": float(np.mean(pred_k[scored] == classes[scored]) * 100) if scored.any() else float("nan"),
        "binacc_all": float(np.mean(pred_k[shown & has] == classes[shown & has]) * 100),
        "nrmse": nrmse(value[scored], truth[scored], levels, log),
        "floor": nrmse(ideal[scored], truth[scored], levels, log),
        "coverage": float((shown & has).sum() / max(shown.sum(), 1) * 100),
        "false_fill": float((~shown & has).sum() / (~shown).sum() * 100) if (~shown).any() else None,
    }


def run_case(record: dict, root: Path) -> tuple[dict, float]:
    """Decode one case with chromagrid (box and scale given) and score it; also the seconds it took."""
    import chromagrid

    config = {"input": str(root / record["image"]), "box": list(record["plot_box"]), "scale": record["scale"]}
    start = time.perf_counter()
    result = chromagrid.run(config)
    seconds = time.perf_counter() - start
    truth = np.load(root / record["truth"])["values"]
    return score_case(record, result.grid["value"].values.astype(np.float64), truth), seconds


def fmt(v, nd: int = 2) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{nd}f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of make_corpus.py --contours")
    ap.add_argument("--id", action="append", help="only this case (repeatable)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args(argv)
    manifest = a.dir / "manifest.jsonl"
    if not manifest.exists():
        sys.exit(f"contours.py: no {manifest}: run bench/make_corpus.py --contours first")
    records = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    records = [r for r in records if not a.id or r["id"] in set(a.id)]
    rows = []
    head = ("case", "drawn as", "fmt", "classes", "binacc%", "binacc_all%", "nRMSE%", "floor%", "cov%", "ffill%", "s")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print(f"{head[0]:22} {head[1]:24} {head[2]:4} {head[3]:>7} " + " ".join(f"{h:>11}" for h in head[4:]))
    for record in records:
        row, seconds = run_case(record, a.dir)
        rows.append(row)
        cells = (
            row["id"],
            row["draw"],
            row["format"],
            str(row["n_classes"]),
            fmt(row["binacc"]),
            fmt(row["binacc_all"]),
            fmt(row["nrmse"], 3),
            fmt(row["floor"], 3),
            fmt(row["coverage"]),
            fmt(row["false_fill"]),
            f"{seconds:.1f}",
        )
        if a.markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            print(f"{cells[0]:22} {cells[1]:24} {cells[2]:4} {cells[3]:>7} " + " ".join(f"{c:>11}" for c in cells[4:]))
    png = [r for r in rows if r["format"] == "png"]
    if png:
        print(
            f"\nPNG cases: {sum(r['binacc'] == 100.0 for r in png)}/{len(png)} with every interior class right; "
            f"max nRMSE - floor {max(r['nrmse'] - r['floor'] for r in png):.4f} points; "
            f"min coverage {min(r['coverage'] for r in png):.2f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
