"""Command line: ``chromagrid decode | run | colormaps``. It only builds configs and calls the pipeline."""
from __future__ import annotations

import argparse
import json
import sys

from .errors import ChromagridError


def _add_scale_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("colour scale (give one of --cmap, --colors, --colorbar-box)")
    g.add_argument("--cmap", help="colormap name: viridis, RdBu_r, cmocean:thermal, crameri:batlow, seaborn:rocket")
    g.add_argument("--ncolors", type=int, help="the colormap resampled to this many colours (a stepped colour bar)")
    g.add_argument("--colors", nargs="+", metavar="COLOR", help="explicit colours, low values first (hex or names)")
    g.add_argument("--values", nargs="+", type=float, metavar="V", help="the value of each of --colors")
    g.add_argument("--colorbar-box", nargs=4, type=int, metavar=("X0", "Y0", "X1", "Y1"),
                   help="pixel box of the figure's colorbar strip (x1, y1 exclusive)")
    g.add_argument("--colorbar-range", nargs=2, type=float, metavar=("LOW", "HIGH"),
                   help="values at the colorbar's low (bottom/left) and high (top/right) ends")
    g.add_argument("--colorbar-orientation", choices=["vertical", "horizontal"],
                   help="detected from the box's shape when omitted")
    g.add_argument("--norm", choices=["linear", "log", "discrete"], default="linear")
    g.add_argument("--vmin", type=float)
    g.add_argument("--vmax", type=float)
    g.add_argument("--boundaries", nargs="+", type=float, metavar="B", help="interval edges for --norm discrete")


def _scale_from_args(a: argparse.Namespace) -> dict:
    keys = ("cmap", "ncolors", "colors", "values", "colorbar_box", "colorbar_range", "colorbar_orientation",
            "norm", "vmin", "vmax", "boundaries")
    return {k: getattr(a, k) for k in keys if getattr(a, k) is not None}


def _decode_config(a: argparse.Namespace) -> dict:
    data = {"input": a.image, "output": a.output or [], "scale": _scale_from_args(a),
            "georef": {k: v for k, v in (("extent", a.extent), ("crs", a.crs)) if v is not None},
            "decode": {}, "image": {}}
    if a.box is not None:
        data["box"] = a.box
    if a.max_distance is not None:
        data["decode"]["max_distance"] = a.max_distance
    if a.max_pixels is not None:
        data["image"]["max_pixels"] = a.max_pixels
    for key in ("units", "title"):
        if getattr(a, key) is not None:
            data[key] = getattr(a, key)
    return data


def _print_result(result, as_json: bool) -> None:
    summary = result.summary()
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    h, w = summary["shape"]
    d = summary["distance"]
    print(f"decoded {summary['input']}: box {summary['box']}, {w}x{h} pixels, "
          f"{summary['masked_fraction']:.1%} no data")
    if d["mean"] is not None:
        print(f"colour distance (delta E) over valid pixels: mean {d['mean']:.2f}, p95 {d['p95']:.2f}, "
              f"max {d['max']:.2f}")
    for path in summary["outputs"]:
        print(f"wrote {path}")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="chromagrid", description="Turn colour-mapped figures back into data.")
    parser.add_argument("--version", action="version", version=f"chromagrid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("decode", help="decode one figure into a grid (.nc / .tif)")
    p.add_argument("image", help="PNG, JPEG, TIFF or BMP")
    p.add_argument("-o", "--output", action="append", help="output grid: .nc or .tif (repeat for several)")
    p.add_argument("--box", nargs=4, type=int, metavar=("X0", "Y0", "X1", "Y1"),
                   help="plot area in image pixels, x1 y1 exclusive (default: the whole image)")
    _add_scale_options(p)
    p.add_argument("--extent", nargs=4, type=float, metavar=("LEFT", "RIGHT", "BOTTOM", "TOP"),
                   help="world coordinates of the box's outer edges")
    p.add_argument("--crs", help="CRS of --extent: EPSG:4326, a WKT or PROJ string")
    p.add_argument("--max-distance", type=float, help="colour distance (delta E) beyond which a pixel is no data")
    p.add_argument("--max-pixels", type=int, help="refuse images with more pixels than this")
    p.add_argument("--units", help="units of the decoded values (written to the outputs)")
    p.add_argument("--title", help="title attribute of the outputs")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")

    p = sub.add_parser("run", help="run a YAML/TOML config")
    p.add_argument("config")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")

    p = sub.add_parser("colormaps", help="list the colormap names chromagrid knows")
    p.add_argument("pattern", nargs="?", help="glob or substring, case-insensitive (e.g. 'cmocean:*', 'bat')")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chromagrid`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "colormaps":
            from .colorscale import list_colormaps

            names = list_colormaps(args.pattern)
            if not names:
                print(f"no colormap matches {args.pattern!r}", file=sys.stderr)
                return 1
            print("\n".join(names))
            return 0
        from .pipeline import run

        if args.command == "decode":
            from .config import validate_config

            config = validate_config(_decode_config(args), source="arguments")
            result = run(config)
        else:
            result = run(args.config)
        _print_result(result, args.json)
        return 0
    except ChromagridError as e:
        print(f"chromagrid: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
