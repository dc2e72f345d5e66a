"""Draw docs/img/overview.png, the README's and the home page's picture: a bundled figure and its decoded grid.

    .venv/bin/python docs/scripts/make_overview.py

Decodes ``examples/field.png`` from the image alone (``chromagrid.digitize`` with nothing given) and draws
the figure beside the grid it gave, in its own lon/lat coordinates. The PNG is kept in the repository so
the README can show it; rerun this after changing the example or the decoder's output.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import chromagrid  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    """Decode the example and write the two-panel picture."""
    figure = ROOT / "examples" / "field.png"
    result = chromagrid.digitize(figure)
    grid = result.grid["value"]
    x, y = grid["x"].values, grid["y"].values
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(10, 3.6), layout="constrained", gridspec_kw={"width_ratios": [1.15, 1]}
    )
    ax1.imshow(np.asarray(Image.open(figure).convert("RGB")))
    ax1.set_axis_off()
    ax1.set_title("a figure (examples/field.png)")
    im = ax2.pcolormesh(x, y, grid.values, cmap="magma", shading="nearest")
    fig.colorbar(im, ax=ax2, label="decoded value")
    ax2.set_title(f"its data: {grid.shape[0]} x {grid.shape[1]} grid, lon/lat, found from the image alone")
    ax2.set_xlabel("lon (°E)")
    ax2.set_ylabel("lat (°N)")
    ax2.title.set_fontsize(9)
    out = ROOT / "docs" / "img" / "overview.png"
    fig.savefig(out, dpi=80)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
