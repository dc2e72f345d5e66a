"""chromagrid.find.ocr: tick labels drawn by matplotlib, read by the real OCR engine."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter, StrMethodFormatter  # noqa: E402
from PIL import Image  # noqa: E402

from chromagrid.find import ocr  # noqa: E402  (the real engine: rapidocr-onnxruntime, a dependency)

# ---------------------------------------------------------------------------------------------
# Figures


def _lon(x, _pos=None):
    x = round(x)
    return "0°" if x == 0 else f"{abs(x)}°{'E' if x > 0 else 'W'}"


def _lat(y, _pos=None):
    y = round(y)
    return "0°" if y == 0 else f"{abs(y)}°{'N' if y > 0 else 'S'}"


def _render(fig, dpi, fmt="png"):
    buf = io.BytesIO()
    if fmt == "jpeg":
        fig.savefig(buf, format="jpeg", dpi=dpi, pil_kwargs={"quality": 75})
    else:
        fig.savefig(buf, format="png", dpi=dpi)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _labels_box(fig, texts, margin=6):
    """Pixel box (x0, y0, x1, y1) around some drawn text artists, with a margin."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    height = fig.canvas.get_width_height()[1]
    bbs = [t.get_window_extent(renderer) for t in texts]
    x0 = min(b.x0 for b in bbs) - margin
    x1 = max(b.x1 for b in bbs) + margin
    y0 = height - max(b.y1 for b in bbs) - margin
    y1 = height - min(b.y0 for b in bbs) + margin
    return int(x0), int(y0), int(math.ceil(x1)), int(math.ceil(y1))


def _colorbar_figure(kind, dpi, style="default"):
    """A figure with a colorbar; returns (fig, colorbar tick label artists, true values)."""
    with plt.style.context(style):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=dpi)
        data = np.linspace(0, 1, 400).reshape(20, 20)
        if kind == "linear":
            im = ax.imshow(data * 2 - 1, vmin=-1, vmax=1)
            cb = fig.colorbar(im, ax=ax)
            values = [-1.0, -0.5, 0.0, 0.5, 1.0]
            cb.set_ticks(values)
        else:
            im = ax.imshow(10 ** (data * 4 - 3), norm=LogNorm(1e-3, 10))
            cb = fig.colorbar(im, ax=ax)
            values = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
            cb.set_ticks(values)
        fig.canvas.draw()
        labels = [t for t in cb.ax.get_yticklabels() if t.get_text()]
    return fig, labels, values


def _read_numbers(rgb, box=None):
    return [ocr.parse_number(t.text) for t in ocr.read_text(rgb, box)]


def _assert_values(found, expected):
    found = sorted(v for v in found if v is not None)
    assert len(found) == len(expected), found
    for f, e in zip(found, sorted(expected)):
        assert math.isclose(f, e, rel_tol=1e-9, abs_tol=1e-12), (found, expected)


# ---------------------------------------------------------------------------------------------
# The real engine on real figures


def test_unicode_minus_colorbar_png_dpi100():
    fig, labels, values = _colorbar_figure("linear", 100)
    assert any("\u2212" in t.get_text() for t in labels)  # matplotlib draws U+2212
    box = _labels_box(fig, labels)
    rgb = _render(fig, 100)
    plt.close(fig)
    _assert_values(_read_numbers(rgb, box), values)


def test_unicode_minus_colorbar_jpeg_q75_dpi72():
    fig, labels, values = _colorbar_figure("linear", 72)
    box = _labels_box(fig, labels)
    rgb = _render(fig, 72, "jpeg")
    plt.close(fig)
    _assert_values(_read_numbers(rgb, box), values)


@pytest.mark.parametrize("dpi", [72, 300])
def test_mathtext_powers_log_colorbar(dpi):
    fig, labels, values = _colorbar_figure("log", dpi)
    assert all("^" in t.get_text() for t in labels)  # $\mathdefault{10^{-3}}$ ...
    box = _labels_box(fig, labels)
    rgb = _render(fig, dpi)
    plt.close(fig)
    boxes = ocr.read_text(rgb, box)
    assert all("^" in b.text for b in boxes), [b.text for b in boxes]  # superscripts found
    _assert_values([ocr.parse_number(b.text) for b in boxes], values)


def test_percent_and_thousands_axes_dpi72():
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=72)
    ax.imshow(np.zeros((5, 5)), extent=(0, 100, 0, 5000), aspect="auto")
    ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    # no 0 here: a lone one-character label is a known miss of the detector at 72 dpi
    ax.yaxis.set_major_locator(FixedLocator([1000, 2000, 3000, 4000]))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    fig.canvas.draw()
    xlabels, ylabels = ax.get_xticklabels(), ax.get_yticklabels()
    assert "25%" in [t.get_text() for t in xlabels] and "1,000" in [t.get_text() for t in ylabels]
    xbox, ybox = _labels_box(fig, xlabels), _labels_box(fig, ylabels)
    rgb = _render(fig, 72)
    plt.close(fig)
    _assert_values(_read_numbers(rgb, xbox), [0, 25, 50, 75, 100])
    _assert_values(_read_numbers(rgb, ybox), [1000, 2000, 3000, 4000])


def test_degree_labels_whole_figure_dpi300():
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=300)
    ax.imshow(np.zeros((5, 5)), extent=(-180, 180, -90, 90))
    ax.xaxis.set_major_locator(FixedLocator([-120, -60, 0, 60, 120]))
    ax.xaxis.set_major_formatter(FuncFormatter(_lon))
    ax.yaxis.set_major_locator(FixedLocator([-45, 45]))
    ax.yaxis.set_major_formatter(FuncFormatter(_lat))
    fig.canvas.draw()
    truth = {t.get_text(): t for t in ax.get_xticklabels() + ax.get_yticklabels()}
    renderer = fig.canvas.get_renderer()
    height = fig.canvas.get_width_height()[1]
    rgb = _render(fig, 300)
    plt.close(fig)
    boxes = ocr.read_text(rgb)  # no box: the whole 1920 x 1440 figure
    found = {}
    for b in boxes:
        deg = ocr.parse_degrees(b.text)
        if deg is not None:
            found[round(deg[0])] = (deg[1], b)
    assert {k: v[0] for k, v in found.items() if k != 0} == {
        -120: "lon",
        -60: "lon",
        60: "lon",
        120: "lon",
        -45: "lat",
        45: "lat",
    }
    # the box is in full-image pixels: it holds the centre of the label matplotlib drew
    bb = truth["120°W"].get_window_extent(renderer)
    cx, cy = (bb.x0 + bb.x1) / 2, height - (bb.y0 + bb.y1) / 2
    x0, y0, x1, y1 = found[-120][1].box
    assert x0 <= cx <= x1 and y0 <= cy <= y1
    assert 0.5 < found[-120][1].confidence <= 1.0


def test_read_text_rejects_empty_box():
    with pytest.raises(ValueError):
        ocr.read_text(np.full((20, 20, 3), 255, np.uint8), box=(10, 10, 10, 20))


def test_blank_image_reads_nothing():
    assert ocr.read_text(np.full((60, 200, 3), 255, np.uint8)) == []


# ---------------------------------------------------------------------------------------------
# parse_number, parse_degrees, parse_power


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.0", 0.0),
        ("0.5", 0.5),
        ("\u22120.5", -0.5),
        ("-0.5", -0.5),
        ("\u20140.5", -0.5),
        ("\u20130.25", -0.25),
        ("12", 12.0),
        (".5", 0.5),
        ("1e-3", 1e-3),
        ("1e\u22123", 1e-3),
        ("2.5E+04", 2.5e4),
        ("le-3", 1e-3),  # OCR reads 1 as l
        ("1\u00d710\u207b\u00b3", 1e-3),
        ("2\u00d710^3", 2e3),
        ("10^-2", 1e-2),
        ("10^2", 100.0),
        ("10^0", 1.0),
        ("$10^{-2}$", 1e-2),
        ("$\\mathdefault{10^{-2}}$", 1e-2),
        ("$\\mathdefault{10^{1}}$", 10.0),
        ("10-2", 1e-2),
        ("10\u22123", 1e-3),
        ("25%", 25.0),
        ("12.5%", 12.5),
        ("1,000", 1000.0),
        ("\u22122,500.5", -2500.5),
        ("30°E", 30.0),
        ("45°S", -45.0),
        ("120°W", -120.0),
        ("45°N", 45.0),
        ("0°", 0.0),
        ("15N", 15.0),
        ("45°N-", 45.0),  # a tick mark read as a trailing dash
        ("4,000 -", 4000.0),
        ("-1:0", -1.0),  # a decimal point read as a colon
        (":10^-1", 0.1),  # minor ticks read as punctuation
    ],
)
def test_parse_number(text, value):
    got = ocr.parse_number(text)
    assert got is not None and math.isclose(got, value, rel_tol=1e-12), (text, got)


@pytest.mark.parametrize("text", ["", "  ", "abc", "-", "%", "1,00", "1.2.3", "10°C x", "e5", "N"])
def test_parse_number_rejects_non_numbers(text):
    assert ocr.parse_number(text) is None


def test_parse_number_keeps_plain_102():
    assert ocr.parse_number("102") == 102.0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30°E", (30.0, "lon")),
        ("120°W", (-120.0, "lon")),
        ("45°S", (-45.0, "lat")),
        ("45°N", (45.0, "lat")),
        ("0°", (0.0, "")),
        ("\u221230°", (-30.0, "")),
        ("15S", (-15.0, "lat")),
    ],
)
def test_parse_degrees(text, expected):
    assert ocr.parse_degrees(text) == expected


@pytest.mark.parametrize("text", ["30", "abc", "30°X", ""])
def test_parse_degrees_rejects(text):
    assert ocr.parse_degrees(text) is None


def test_parse_power():
    assert math.isclose(ocr.parse_power("10", "-3"), 1e-3)
    assert math.isclose(ocr.parse_power("10", "\u22122"), 1e-2)
    assert math.isclose(ocr.parse_power("10", "\u207b\u00b2"), 1e-2)
    assert math.isclose(ocr.parse_power("2\u00d710", "3"), 2e3)
    assert ocr.parse_power("10", "x") is None
    assert ocr.parse_power("ab", "2") is None
