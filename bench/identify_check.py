"""Check chromagrid.scale.identify against the public benchmark corpus.

Usage: python bench/identify_check.py [BENCH_DIR] [--verify-catalogue] [--synthetic=N] [--seed=S] [--no-corpus]
(BENCH_DIR defaults to bench/corpus.)

For every case with a colorbar, the strip is sampled two ways: from the manifest's colorbar box with
``chromagrid.scale.colorscale.sample_colorbar`` ("box"), and as ``chromagrid.find.layout.find_colorbars``
finds it ("found": the found colorbar whose box is nearest the manifest's). Each is identified with
``identify_colormap`` (lossy for JPEG). A match is exact when its table (``resolve_colormap(name,
ncolors)``) is the truth's table: same colours (within 0.02 of a byte, the float noise between two
catalogues' copies of one map), same reversal, same size, whatever the name. ``identify_from_pixels``
runs on the data area (``plot_box``); it cannot see reversal, so there a match counts when its table is
the truth's table either way round.

Prints per case: truth map / N, best match, its delta E, rank of the truth (in the top 10), time; then
a summary, and the cold time (a fresh interpreter: import, catalogue, first identification).
``--verify-catalogue`` also checks that every catalogue table is what ``resolve_colormap`` gives for
each of its names. ``--synthetic=N`` also draws N colorbars with matplotlib (seeded): maps drawn at
random from the whole catalogue, random length (50-1500 px), orientation, reversal, resampling
(a third of them, 3-32 colours) and format (PNG, or JPEG at quality 95/75/50), and reports how many are
identified exactly (from the colorbar box) and what was confused with what.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from chromagrid.find.layout import find_colorbars
from chromagrid.scale.colorscale import resolve_colormap, sample_colorbar
from chromagrid.scale.identify import identify_colormap, identify_from_pixels

TOP = 10


def table(name: str, n: int | None) -> np.ndarray:
    """The colour table (255 * c, composited over white where alpha < 1) ``resolve_colormap(name, n)`` gives."""
    cm = resolve_colormap(name, n)
    rgba = cm(np.arange(cm.N))
    return (rgba[:, :3] * rgba[:, 3:4] + 1.0 - rgba[:, 3:4]) * 255.0


def same(a: np.ndarray, b: np.ndarray, either_way: bool = False) -> bool:
    """Same size and the same colours (within 0.02 of a byte: float noise between catalogues' copies)."""
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=0, atol=0.02) or (either_way and np.allclose(a, b[::-1], rtol=0, atol=0.02)))


def rank(matches, truth: np.ndarray, either_way: bool = False) -> int | None:
    for i, m in enumerate(matches):
        if same(table(m.name, m.ncolors), truth, either_way):
            return i + 1
    return None


def box_err(a, b) -> int:
    return int(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def cold_time(colors: np.ndarray, lossy: bool) -> tuple[float, float, float]:
    """(import s, first identification s, second s) in a fresh interpreter."""
    tmp = Path("/tmp/identify_check_colors.npy")
    np.save(tmp, colors)
    code = (
        "import time; t0 = time.time()\n"
        "import numpy as np\n"
        "from chromagrid.scale.identify import identify_colormap\n"
        "t1 = time.time()\n"
        f"c = np.load('{tmp}')\n"
        f"identify_colormap(c, lossy={lossy}); t2 = time.time()\n"
        f"identify_colormap(c, lossy={lossy}); t3 = time.time()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    a, b, c = (float(x) for x in out.split())
    return a, b, c


def verify_catalogue() -> None:
    from chromagrid.scale import identify

    cat = identify._catalogue()
    bad = 0
    for g, names in enumerate(cat.names):
        want = cat.rgb[g]
        for name in names:
            if not same(table(name, None), want):
                bad += 1
                print(f"  catalogue table differs from resolve_colormap: {name}")
    print(f"catalogue: {len(cat.names)} distinct tables, {sum(map(len, cat.names))} names, {bad} mismatches")


def synthetic(count: int, seed: int = 0) -> None:
    import io
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    from chromagrid.scale import identify

    cat = identify._catalogue()
    rng = np.random.default_rng(seed)
    ok = ok_lossless = n_lossless = 0
    times, fails, labels = [], [], []
    for _ in range(count):
        g = int(rng.integers(len(cat.names)))
        name = cat.names[g][0]
        rev = bool(rng.random() < 0.3)
        k = int(rng.integers(3, 33)) if rng.random() < 0.33 else None
        if k is not None and k >= cat.size[g]:  # resampling only ever thins a table here
            k = None
        fmt = ["png", "png", 95, 75, 50][int(rng.integers(5))]
        length = int(rng.integers(50, 1500))
        vertical = bool(rng.random() < 0.7)
        full = name + "_r" if rev else name
        try:
            cm = resolve_colormap(full, k)
        except Exception as e:  # noqa: BLE001
            print(f"  skip {full}: {e}")
            continue
        dpi = 100
        w, h = (1.2 + 0.3, length / dpi + 0.6) if vertical else (length / dpi + 0.6, 1.2)
        fig = plt.figure(figsize=(w, h), dpi=dpi)
        box_f = (
            (0.3 / w, 0.3 / h, 0.3 / w, length / dpi / h) if vertical else (0.3 / w, 0.5 / h, length / dpi / w, 0.3 / h)
        )
        cax = fig.add_axes(box_f)
        fig.colorbar(ScalarMappable(Normalize(0, 1), cm), cax=cax, orientation="vertical" if vertical else "horizontal")
        fig.canvas.draw()
        bb = cax.get_window_extent()
        height = fig.canvas.get_width_height()[1]
        box = tuple(int(math.floor(v + 0.5)) for v in (bb.x0, height - bb.y1, bb.x1, height - bb.y0))
        buf = io.BytesIO()
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=dpi)
        else:
            fig.savefig(buf, format="jpeg", dpi=dpi, pil_kwargs={"quality": fmt})
        plt.close(fig)
        img = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
        colors, _, _ = sample_colorbar(img, box, "vertical" if vertical else "horizontal")
        t = time.time()
        m = identify_colormap(colors, top=TOP, lossy=fmt != "png")
        times.append(time.time() - t)
        labels.append(f"{full}/{k} {fmt} L={length}")
        truth = table(full, k)
        r = rank(m, truth)
        good = r == 1
        ok += good
        if fmt == "png":
            n_lossless += 1
            ok_lossless += good
        if not good:
            fails.append(
                f"{full}/{k} {fmt} L={length}: got {m[0].name}/{m[0].ncolors} dE={m[0].delta_e:.2f} "
                f"exact={m[0].exact}; truth rank {r}"
            )
    print(
        f"\nSYNTHETIC: {ok}/{count} identified exactly ({100 * ok / max(count, 1):.1f} %); lossless "
        f"{ok_lossless}/{n_lossless}; median {np.median(times):.3f} s, max {max(times):.3f} s"
    )
    slow = np.argsort(times)[::-1][:3]
    print("  slowest: " + "; ".join(f"{labels[i]} {times[i]:.2f} s" for i in slow))
    for f in fails:
        print("  FAIL", f)


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    if "--no-corpus" not in argv:
        corpus(args)
    if "--verify-catalogue" in argv:
        verify_catalogue()
    seed = next((int(a.split("=", 1)[1]) for a in argv if a.startswith("--seed=")), 0)
    for a in argv:
        if a.startswith("--synthetic"):
            synthetic(int(a.split("=", 1)[1]) if "=" in a else 200, seed)


def corpus(args: list[str]) -> None:
    root = Path(args[0] if args else Path(__file__).resolve().parent / "corpus")
    cases = [json.loads(line) for line in open(root / "manifest.jsonl")]
    n_cb = ok_box = ok_found = n_found = ok_pix = ok_pix_n = 0
    fails: list[str] = []
    times: list[float] = []
    first = None
    for c in cases:
        img = np.asarray(Image.open(root / c["image"]).convert("RGB"))
        lossy = c["format"] != "png"
        truth = table(c["cmap"], c["cmap_n"] if c["cmap_n"] != 256 else None)
        x0, y0, x1, y1 = c["plot_box"]
        t = time.time()
        pix = identify_from_pixels(img[y0:y1, x0:x1], top=TOP, lossy=lossy)
        dt_pix = time.time() - t
        r_pix = rank(pix, truth, either_way=True)
        ok_pix += r_pix == 1
        ok_pix_n += r_pix == 1 and pix[0].ncolors == (c["cmap_n"] if c["cmap_n"] != 256 else None)
        pix_txt = f"pixels: {pix[0].name}/{pix[0].ncolors} rank={r_pix} ({dt_pix:.2f}s)"
        if not c["colorbar"]:
            print(f"{c['id']:12s} {c['cmap']:>16s}/{c['cmap_n']:<3d} no colorbar   {pix_txt}")
            continue
        n_cb += 1
        cb = c["colorbar"]
        colors, _, _ = sample_colorbar(img, cb["box"], cb["orientation"])
        first = first if first is not None else (colors, lossy)
        t = time.time()
        m = identify_colormap(colors, top=TOP, lossy=lossy)
        dt = time.time() - t
        times.append(dt)
        r = rank(m, truth)
        ok_box += r == 1
        if r != 1:
            fails.append(
                f"{c['id']} box: truth {c['cmap']}/{c['cmap_n']}, got {m[0].name}/{m[0].ncolors} "
                f"dE={m[0].delta_e:.2f}, truth rank {r}"
            )
        found_txt = "found: none"
        bars = find_colorbars(img)
        if bars:
            bar = min(bars, key=lambda b: box_err(b.box, cb["box"]))
            if box_err(bar.box, cb["box"]) <= 10:
                n_found += 1
                mf = identify_colormap(bar.colors, top=TOP, lossy=lossy)
                rf = rank(mf, truth)
                ok_found += rf == 1
                found_txt = f"found: {mf[0].name}/{mf[0].ncolors} dE={mf[0].delta_e:.2f} rank={rf}"
                if rf != 1:
                    fails.append(
                        f"{c['id']} found: truth {c['cmap']}/{c['cmap_n']}, got {mf[0].name}/"
                        f"{mf[0].ncolors} dE={mf[0].delta_e:.2f}, truth rank {rf}"
                    )
        print(
            f"{c['id']:12s} {c['cmap']:>16s}/{c['cmap_n']:<3d} {c['format']:4s} box: {m[0].name}/{m[0].ncolors} "
            f"dE={m[0].delta_e:.2f} p95={m[0].delta_e_p95:.2f} exact={m[0].exact} rank={r} ({dt:.3f}s) | "
            f"{found_txt} | {pix_txt}"
        )
    print()
    print(f"SUMMARY: colorbar box samples identified exactly: {ok_box}/{n_cb} ({100 * ok_box / max(n_cb, 1):.1f} %)")
    print(
        f"         find_colorbars samples identified exactly: {ok_found}/{n_found} "
        f"({100 * ok_found / max(n_found, 1):.1f} %)"
    )
    print(
        f"         identify_from_pixels top-1 right map (either way round): {ok_pix}/{len(cases)} "
        f"({100 * ok_pix / len(cases):.1f} %), with the right ncolors too: {ok_pix_n}/{len(cases)}"
    )
    if times:
        print(f"         warm identify_colormap: median {np.median(times):.3f} s, max {max(times):.3f} s")
    for f in fails:
        print("  FAIL", f)
    if first is not None:
        imp, cold, warm = cold_time(*first)
        print(
            f"cold (fresh interpreter): import {imp:.2f} s, first identification (catalogue built) {cold:.2f} s, "
            f"second {warm:.3f} s"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
