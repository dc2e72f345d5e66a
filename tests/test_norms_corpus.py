"""Log and discrete norms with catalogue colormaps, and bench/make_corpus.py's truth conventions.

The synthetic corpus (``bench/make_corpus.py``) draws what the public bench
does not hold: LogNorm and BoundaryNorm (uneven boundaries, resampled maps)
with cmocean / cmcrameri / colorcet / seaborn colormaps. These tests draw
small figures of the same kinds from known arrays and check the decoded values
against those arrays, and check that the corpus's truth (plot box, pixel
centres, LUT) agrees with the image it wrote.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import matplotlib as mpl
import numpy as np
from conftest import draw_figure, smooth_field
from matplotlib.colors import BoundaryNorm, LogNorm
from PIL import Image

import chromagrid

REPO = Path(__file__).resolve().parent.parent
EPS = 1e-6


def centre_values(result, box, shape):
    x0, y0, x1, y1 = box
    rows = np.floor((np.arange(shape[0]) + 0.5) * (y1 - y0) / shape[0]).astype(int)
    cols = np.floor((np.arange(shape[1]) + 0.5) * (x1 - x0) / shape[1]).astype(int)
    return result.grid["value"].values[rows[:, None], cols[None, :]].astype(float)


def test_uneven_boundary_norm_over_resampled_crameri_map_gives_each_cell_its_interval(tmp_path):
    import cmcrameri.cm as cmc

    bounds = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
    data = smooth_field(9, 12, 0.05, 12.9)
    cmap = cmc.cmaps["batlow"].resampled(12)
    fig = draw_figure(tmp_path, data, cmap, BoundaryNorm(bounds, ncolors=12))
    result = chromagrid.digitize(
        fig.path, cmap="cmcrameri:batlow", ncolors=12, norm="discrete", boundaries=list(bounds), box=fig.box
    )
    got = centre_values(result, fig.box, data.shape)
    k = np.searchsorted(bounds, data, side="right") - 1
    np.testing.assert_allclose(got, 0.5 * (bounds[k] + bounds[k + 1]), atol=EPS)


def test_log_norm_over_three_decades_with_seaborn_rocket(tmp_path):
    import seaborn as sns

    data = 10.0 ** smooth_field(10, 14, 0.0, 3.0)  # 1 .. 1000
    cmap = sns.color_palette("rocket", as_cmap=True)
    fig = draw_figure(tmp_path, data, cmap, LogNorm(1.0, 1000.0))
    result = chromagrid.digitize(fig.path, cmap="seaborn:rocket", norm="log", vmin=1.0, vmax=1000.0, box=fig.box)
    got = centre_values(result, fig.box, data.shape)
    # within one 256-entry table step in log units (3 decades / 256), plus merged equal 8-bit colours
    assert np.max(np.abs(np.log10(got) - np.log10(data))) < 2 * 3.0 / 256


def test_make_corpus_truth_matches_the_pixels_it_drew(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", REPO / "bench" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    assert make_corpus.main(["--out", str(tmp_path), "--id", "s_dis_07", "--id", "s_lin_06"]) == 0
    cases = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert [c["id"] for c in cases] == ["s_lin_06", "s_dis_07"]
    for case in cases:
        truth = np.load(tmp_path / case["truth"])
        img = np.asarray(Image.open(tmp_path / case["image"]).convert("RGB"))
        assert list(img.shape[:2]) == case["image_size"][::-1]
        x0, y0, x1, y1 = case["plot_box"]
        rows = np.floor(truth["px_y_centers"]).astype(int)
        cols = np.floor(truth["px_x_centers"]).astype(int)
        assert y0 <= rows.min() and rows.max() < y1 and x0 <= cols.min() and cols.max() < x1
        values = truth["values"]
        if case["norm"] == "discrete":
            norm = BoundaryNorm(truth["boundaries"], ncolors=len(truth["lut"]))
        else:
            norm = mpl.colors.Normalize(float(truth["vmin"]), float(truth["vmax"]))
        index = np.asarray(norm(values))
        index = np.clip(
            index if case["norm"] == "discrete" else np.floor(index * len(truth["lut"])), 0, len(truth["lut"]) - 1
        ).astype(int)
        expected = np.floor(truth["lut"][index][..., :3] * 255)  # imshow writes floor(255 c)
        np.testing.assert_array_equal(img[rows[:, None], cols[None, :]], expected)
