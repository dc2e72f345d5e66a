"""`chromagrid inspect`: panels and colorbars from the image alone, on figures drawn here by matplotlib."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from chromagrid.cli import main  # noqa: E402


def _box(fig, ax) -> list[int]:
    """The axes' data area in image pixels, as the bench manifest gives it (rounded half up, rows from the top)."""
    bb = ax.get_window_extent()
    h = fig.canvas.get_width_height()[1]
    return [int(np.floor(v + 0.5)) for v in (bb.x0, h - bb.y1, bb.x1, h - bb.y0)]


def test_inspect_two_panels_each_with_its_colorbar(tmp_path, capsys):
    field = np.add.outer(np.linspace(0, 1, 30), np.linspace(0, 1, 40))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for ax, cmap in zip(axes, ("viridis", "magma")):
        fig.colorbar(ax.imshow(field, cmap=cmap), ax=ax)
    fig.canvas.draw()
    truth = [_box(fig, ax) for ax in axes]
    path = tmp_path / "two.png"
    fig.savefig(path)
    plt.close(fig)

    assert main(["inspect", str(path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    boxes = [p["box"] for p in found["panels"]]
    assert len(boxes) == 2
    for got, want in zip(boxes, truth):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 2, (got, want)
    bars = found["colorbars"]
    assert [b["serves_panels"] for b in bars] == [[1], [2]]
    assert all(b["orientation"] == "vertical" for b in bars)
    low = np.array(plt.get_cmap("viridis")(0.0)[:3]) * 255
    assert np.abs(np.array(bars[0]["low_colour"]) - low).max() < 12
    assert [b["colormap_candidates"][0]["name"] for b in bars] == ["viridis", "magma"]
    for bar in bars:  # imshow's default norm spans the data: 0 to 2
        assert abs(bar["ticks"]["vmin"]) <= 0.01 and abs(bar["ticks"]["vmax"] - 2) <= 0.01


def test_inspect_text_output_and_missing_file(tmp_path, capsys):
    fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
    fig.colorbar(
        ax.pcolormesh(np.random.default_rng(0).random((8, 10)), cmap="plasma"), ax=ax, orientation="horizontal"
    )
    path = tmp_path / "one.png"
    fig.savefig(path)
    plt.close(fig)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "panel 1: box" in out and "horizontal" in out and "panel 2" not in out

    assert main(["inspect", str(tmp_path / "absent.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "absent.png" in err[0]
