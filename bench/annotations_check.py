#!/usr/bin/env python3
"""Annotations check: read the numbers printed in the annotated ``cells`` cases of the public corpus.

    .venv/bin/python bench/annotations_check.py [--manifest PATH] [--id ID ...] [--mode truth|pipeline|both]

For every case with ``annotated: true``, :func:`chromagrid.heatmap.annotations.read_cell_texts` runs

* **truth**: on the truth file's ``cell_boxes_px``;
* **pipeline**: on ``chromagrid.cells(image, cmap=..., vmin=..., vmax=...).cell_boxes`` (the grid found by the
  cells stage; skipped when its shape differs from the truth's), and :func:`reconcile` is run against the
  decoded matrix.

Per case it prints the share of valid truth cells with a number read, the share whose number equals the truth
rounded as printed (the decimals taken from each text; a cell whose text shows no number counts as wrong) and
the time. Target: at least 95 % of cells read right on PNG; JPEG is reported apart. A report: exit status 0.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from chromagrid.heatmap.annotations import CellTexts, printed_unit, read_cell_texts, reconcile

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = ROOT / "bench" / "corpus" / "manifest.jsonl"


def load_cases(manifest: Path, ids: list[str] | None) -> list[dict]:
    cases = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    cases = [c for c in cases if c["kind"] == "cells" and c.get("annotated")]
    return [c for c in cases if not ids or c["id"] in ids]


def right_share(texts: CellTexts, truth: np.ndarray) -> tuple[float, float, list]:
    """(share read, share right, wrong cells) over the valid truth cells."""
    valid = np.isfinite(truth)
    n = int(valid.sum())
    read = valid & texts.legible
    right = np.zeros(truth.shape, bool)
    for r, c in np.argwhere(read):
        unit = printed_unit(str(texts.texts[r, c]))
        right[r, c] = abs(texts.values[r, c] - truth[r, c]) <= 0.5 * unit * (1 + 1e-6) + 1e-9
    wrong = [(int(r), int(c), str(texts.texts[r, c]), float(truth[r, c])) for r, c in np.argwhere(valid & ~right)]
    return (read.sum() / n if n else 0.0), (right.sum() / n if n else 0.0), wrong


def run_case(case: dict, folder: Path, modes: list[str]) -> list[dict]:
    rgb = np.asarray(Image.open(folder / case["image"]).convert("RGB"))
    truth = np.load(folder / case["truth"])
    values = truth["values"]
    rows = []
    for mode in modes:
        rec = None
        t0 = time.perf_counter()
        if mode == "truth":
            boxes = truth["cell_boxes_px"]
        else:
            import chromagrid

            result = chromagrid.cells(folder / case["image"], cmap=case["cmap"], vmin=case["vmin"], vmax=case["vmax"])
            boxes = result.cell_boxes
            if boxes.shape[:2] != values.shape:
                rows.append({"id": case["id"], "mode": mode, "error": f"grid {boxes.shape[:2]} != {values.shape}"})
                continue
        t1 = time.perf_counter()
        texts = read_cell_texts(rgb, boxes)
        t2 = time.perf_counter()
        if mode == "pipeline":
            rec = reconcile(np.asarray(result.matrix.values, float), texts, span=case["vmax"] - case["vmin"])
        read, right, wrong = right_share(texts, values)
        rows.append(
            {
                "id": case["id"],
                "mode": mode,
                "format": case["format"],
                "cells": int(np.isfinite(values).sum()),
                "read": read,
                "right": right,
                "ocr_s": t2 - t1,
                "grid_s": t1 - t0,
                "wrong": wrong[:6],
                "disagree": None if rec is None else len(rec["disagree"]),
                "factor": None if rec is None else rec["scale_factor"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    ap.add_argument("--id", nargs="*")
    ap.add_argument("--mode", choices=["truth", "pipeline", "both"], default="both")
    args = ap.parse_args()
    modes = ["truth", "pipeline"] if args.mode == "both" else [args.mode]
    folder = args.manifest.parent
    allrows = []
    for case in load_cases(args.manifest, args.id):
        for row in run_case(case, folder, modes):
            allrows.append(row)
            if "error" in row:
                print(f"{row['id']:12s} {row['mode']:8s} ERROR {row['error']}", flush=True)
                continue
            extra = "" if row["disagree"] is None else f" disagree={row['disagree']} factor={row['factor']:g}"
            print(
                f"{row['id']:12s} {row['mode']:8s} {row['format']:4s} cells={row['cells']:4d} "
                f"read={100 * row['read']:5.1f}% right={100 * row['right']:5.1f}% ocr={row['ocr_s']:5.1f}s "
                f"grid={row['grid_s']:4.1f}s{extra} wrong={row['wrong']}",
                flush=True,
            )
    for fmt in ("png", "jpeg"):
        for mode in modes:
            sel = [r for r in allrows if "error" not in r and r["format"] == fmt and r["mode"] == mode]
            if sel:
                n = sum(r["cells"] for r in sel)
                right = sum(r["right"] * r["cells"] for r in sel) / n
                print(
                    f"TOTAL {fmt:4s} {mode:8s} cases={len(sel)} cells={n} right={100 * right:.1f}% "
                    f"min={100 * min(r['right'] for r in sel):.1f}% ocr={sum(r['ocr_s'] for r in sel):.1f}s"
                )


if __name__ == "__main__":
    main()
