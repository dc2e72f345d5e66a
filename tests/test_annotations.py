"""Reading the numbers printed in annotated heat maps (chromagrid.heatmap.annotations)."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import chromagrid  # noqa: E402
from chromagrid.heatmap.annotations import (  # noqa: E402
    CellTexts,
    detect_scale_factor,
    printed_decimals,
    printed_unit,
    read_cell_texts,
    reconcile,
    values_from_text,
)

sns = pytest.importorskip("seaborn")


def _save(fig, path, **kw) -> np.ndarray:
    fig.savefig(path, dpi=100, **kw)
    plt.close(fig)
    return np.asarray(Image.open(path).convert("RGB"))


def _seaborn(tmp_path, name, data, fmt, cmap, vmin, vmax, annot=True, ext="png", **kw):
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    sns.heatmap(data, annot=annot, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax, ax=ax, **kw)
    path = tmp_path / f"{name}.{ext}"
    save_kw = {"pil_kwargs": {"quality": 75}} if ext == "jpg" else {}
    rgb = _save(fig, path, **save_kw)
    return path, rgb


def _read(path, rgb, cmap, vmin, vmax):
    result = chromagrid.cells(path, cmap=cmap, vmin=vmin, vmax=vmax)
    return result, read_cell_texts(rgb, result.cell_boxes)


def _share_right(texts: CellTexts, printed: np.ndarray) -> float:
    assert texts.values.shape == printed.shape
    return float(np.mean(np.isclose(texts.values, printed, atol=1e-9)))


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(7)


@pytest.fixture(scope="module")
def two_decimals(tmp_path_factory, rng):
    data = rng.uniform(0, 1, (5, 6))
    path, rgb = _seaborn(tmp_path_factory.mktemp("f2"), "two", data, ".2f", "viridis", 0, 1)
    result, texts = _read(path, rgb, "viridis", 0, 1)
    return data, result, texts


def test_seaborn_two_decimals(two_decimals):
    data, result, texts = two_decimals
    assert _share_right(texts, np.round(data, 2)) >= 0.95
    assert all(d == 2 for d in texts.decimals()[texts.legible].ravel())


def test_reconcile_honest_figure(two_decimals):
    data, result, texts = two_decimals
    out = reconcile(np.asarray(result.matrix.values, float), texts, span=1.0)
    assert out["disagree"] == []
    assert out["compared"] >= 0.95 * data.size
    assert out["agree"] == out["compared"]
    assert out["scale_factor"] == 1.0 and out["decimals"] == 2
    summary = texts.describe()
    json.dumps(summary)
    assert summary["cells"] == data.size and summary["legible_share"] >= 0.95


def test_seaborn_integers(tmp_path, rng):
    data = rng.integers(0, 100, (4, 6))
    path, rgb = _seaborn(tmp_path, "ints", data, "d", "magma", 0, 100)
    _, texts = _read(path, rgb, "magma", 0, 100)
    assert _share_right(texts, data.astype(float)) >= 0.95


def test_seaborn_negative_diverging(tmp_path, rng):
    data = rng.uniform(-1, 1, (5, 5))
    data[0, 0], data[1, 1] = -0.93, 0.97  # dark ends of the map: white text
    path, rgb = _seaborn(tmp_path, "neg", data, ".2f", "coolwarm", -1, 1)
    result, texts = _read(path, rgb, "coolwarm", -1, 1)
    assert _share_right(texts, np.round(data, 2)) >= 0.95
    assert (texts.values[np.round(data, 2) < 0] < 0).mean() >= 0.95
    assert reconcile(np.asarray(result.matrix.values, float), texts, span=2.0)["disagree"] == []


def test_gallery_imshow_text(tmp_path, rng):
    data = np.round(rng.uniform(0, 6, (5, 6)), 1)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    im = ax.imshow(data, cmap="YlGn", vmin=0, vmax=6)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, f"{data[i, j]:.1f}", ha="center", va="center", color="white" if data[i, j] > 3 else "black")
    ax.set_xticks(np.arange(data.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(data.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="w", linestyle="-", linewidth=3)
    ax.tick_params(which="minor", bottom=False, left=False)
    fig.colorbar(im, ax=ax)
    path = tmp_path / "gallery.png"
    rgb = _save(fig, path)
    _, texts = _read(path, rgb, "YlGn", 0, 6)
    assert _share_right(texts, data) >= 0.95


def test_jpeg_q75(tmp_path, rng):
    data = rng.uniform(0, 1, (5, 6))
    path, rgb = _seaborn(tmp_path, "jpeg", data, ".2f", "viridis", 0, 1, ext="jpg")
    _, texts = _read(path, rgb, "viridis", 0, 1)
    assert _share_right(texts, np.round(data, 2)) >= 0.95


def test_reconcile_reports_tampered_cells(tmp_path, rng):
    data = rng.uniform(0, 1, (5, 6))
    labels = np.vectorize(lambda v: f"{v:.2f}")(data).astype(object)
    tampered = [(1, 2), (3, 4)]
    for r, c in tampered:
        labels[r, c] = f"{(data[r, c] + 0.5) % 1.0:.2f}"  # 0.5 away (modulo 1)
    path, rgb = _seaborn(tmp_path, "tampered", data, "", "viridis", 0, 1, annot=labels)
    result, texts = _read(path, rgb, "viridis", 0, 1)
    out = reconcile(np.asarray(result.matrix.values, float), texts, span=1.0)
    assert sorted((d["row"], d["col"]) for d in out["disagree"]) == tampered
    fixed = values_from_text(np.asarray(result.matrix.values, float), texts, max_disagreement=0.05, span=1.0)
    assert np.allclose(fixed[1, 2], data[1, 2], atol=0.02)


# ----------------------------------------------------------------------------------------------------------------
# Pure helpers (no OCR)


def _texts(strings: list[list[str]]) -> CellTexts:
    from chromagrid.find.ocr import parse_number

    raw = np.array(strings, dtype=object)
    values = np.array([[np.nan if parse_number(s) is None else parse_number(s) for s in row] for row in strings])
    return CellTexts(values=values, texts=raw, confidence=np.where(np.isfinite(values), 0.99, 0.0))


def test_printed_rounding():
    assert printed_decimals("−0.53") == 2 and printed_unit("−0.53") == pytest.approx(0.01)
    assert printed_unit("12") == 1.0 and printed_unit("1.2e+03") == pytest.approx(100.0)


def test_reconcile_rounding_is_agreement():
    texts = _texts([["0.5", "0.2"], ["1", "−0.8"]])
    colour = np.array([[0.545, 0.29], [0.9, -0.79]])  # 0.545 prints as 0.5, 0.9 as 1: within the rounding
    out = reconcile(colour, texts, span=1.0, tolerance=0.005)
    assert out["agree"] == 3 and [(d["row"], d["col"]) for d in out["disagree"]] == [(0, 1)]


def test_reconcile_percent_factor():
    colour = np.array([[0.12, 0.5, 0.88], [0.3, 0.7, np.nan]])
    texts = _texts([["12%", "50%", "88%"], ["30%", "20%", ""]])
    out = reconcile(colour, texts, span=1.0)
    assert out["scale_factor"] == 100.0 and out["compared"] == 5 and out["legible"] == 5
    assert [(d["row"], d["col"]) for d in out["disagree"]] == [(1, 1)]
    assert detect_scale_factor(colour, texts.values, 1.0) == 100.0
    vals = values_from_text(colour, texts, scale_factor=None, span=1.0)
    assert vals[0, 0] == pytest.approx(0.12) and np.isnan(vals[1, 2])


def test_values_from_text_falls_back_to_colour():
    texts = _texts([["0.53", ""], ["?", "−1.2e+00"]])
    colour = np.array([[0.531, 0.2], [0.4, -1.19]])
    assert values_from_text(colour, texts).tolist() == [[0.53, 0.2], [0.4, -1.2]]


def test_bad_boxes_shape():
    with pytest.raises(ValueError):
        read_cell_texts(np.zeros((10, 10, 3), np.uint8), np.zeros((3, 4)))
