"""Check chromagrid.find.layout against the public benchmark corpus.

Usage: python bench/layout_check.py [BENCH_DIR]   (default: bench/corpus)
Prints, per case, the plot-box error (max abs edge difference, px), whether a
colorbar was found (and its box error) and the time taken, and a summary with
the worst errors and the slowest case.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from chromagrid.find import layout


def err(a, b):
    return int(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def main(root: str = str(Path(__file__).resolve().parent / "corpus")) -> None:
    root_p = Path(root)
    n = ok_box = ok_cb = n_cb = ok_count = 0
    worst_box, worst_cb, slowest = (0, ""), (0, ""), (0.0, "")
    for line in open(root_p / "manifest.jsonl"):
        c = json.loads(line)
        n += 1
        img = np.asarray(Image.open(root_p / c["image"]).convert("RGB"))
        t = time.time()
        panels, bars = layout.find_layout(img)
        dt = time.time() - t
        truth_boxes = [c["plot_box"]] + [o["plot_box"] for o in (c["other_panels"] or [])]
        truth_cbs = ([c["colorbar"]["box"]] if c["colorbar"] else []) + [
            o["colorbar_box"] for o in (c["other_panels"] or []) if o.get("colorbar_box")
        ]
        if panels:
            e = min(err(p.box, c["plot_box"]) for p in panels)
        else:
            e = 999
        ok_box += e <= 2
        worst_box = max(worst_box, (e, c["id"]))
        slowest = max(slowest, (dt, c["id"]))
        cnt_ok = len(panels) == len(truth_boxes) and len(bars) == len(truth_cbs)
        ok_count += cnt_ok
        cbtxt = "no colorbar in truth"
        if c["colorbar"]:
            n_cb += 1
            tb = c["colorbar"]["box"]
            if bars:
                ce = min(err(b.box, tb) for b in bars)
                best = min(bars, key=lambda b: err(b.box, tb))
                pi = [i for i, p in enumerate(panels) if err(p.box, c["plot_box"]) == e]
                paired = bool(pi) and pi[0] in best.panels
                ok_cb += ce <= 2
                worst_cb = max(worst_cb, (ce, c["id"]))
                cbtxt = f"cbar found err={ce}px {best.orientation} paired={paired}"
            else:
                cbtxt = "cbar NOT found"
                worst_cb = max(worst_cb, (999, c["id"]))
        print(
            f"{c['id']:12s} box_err={e:4d}px  n_panels={len(panels)}/{len(truth_boxes)} "
            f"n_cbars={len(bars)}/{len(truth_cbs)}  {cbtxt}  ({dt:.2f}s)"
        )
    print(
        f"\nSUMMARY: plot box within 2 px: {ok_box}/{n}; colorbar box within 2 px: {ok_cb}/{n_cb}; "
        f"exact panel+colorbar counts: {ok_count}/{n}"
    )
    print(
        f"worst plot box error {worst_box[0]} px ({worst_box[1]}); worst colorbar error {worst_cb[0]} px "
        f"({worst_cb[1]}); slowest {slowest[0]:.2f} s ({slowest[1]})"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
