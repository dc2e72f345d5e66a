"""Command line: ``chromagrid decode | run | colormaps | batch | georef | cells | inspect | ui``.

It only builds configs and calls the pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from chromagrid.errors import ChromagridError


def _add_scale_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "colour scale (one of --cmap, --colors, --colorbar-box; found in the figure when "
        "none is given, and the range from the colorbar's tick labels)"
    )
    g.add_argument("--cmap", help="colormap name: viridis, RdBu_r, cmocean:thermal, crameri:batlow, seaborn:rocket")
    g.add_argument("--ncolors", type=int, help="the colormap resampled to this many colours (a stepped colour bar)")
    g.add_argument("--colors", nargs="+", metavar="COLOR", help="explicit colours, low values first (hex or names)")
    g.add_argument("--values", nargs="+", type=float, metavar="V", help="the value of each of --colors")
    g.add_argument(
        "--colorbar-box",
        nargs=4,
        type=int,
        metavar=("X0", "Y0", "X1", "Y1"),
        help="pixel box of the figure's colorbar strip (x1, y1 exclusive)",
    )
    g.add_argument(
        "--colorbar-range",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        help="values at the colorbar's low (bottom/left) and high (top/right) ends",
    )
    g.add_argument(
        "--colorbar-orientation", choices=["vertical", "horizontal"], help="detected from the box's shape when omitted"
    )
    g.add_argument(
        "--norm",
        choices=["linear", "log", "discrete"],
        help="default: from the colorbar's ticks when the range is found, else linear",
    )
    g.add_argument("--vmin", type=float)
    g.add_argument("--vmax", type=float)
    g.add_argument("--boundaries", nargs="+", type=float, metavar="B", help="interval edges for --norm discrete")
    g.add_argument(
        "--levels",
        nargs="+",
        type=float,
        metavar="L",
        help="filled-contour (contourf) levels: each colour decodes to its interval (--norm log: a LogNorm)",
    )
    g.add_argument(
        "--extend",
        choices=["neither", "both", "min", "max"],
        help="with --levels or --norm discrete: the figure has colours for values below / above the ends",
    )


def _scale_from_args(a: argparse.Namespace) -> dict:
    keys = (
        "cmap",
        "ncolors",
        "colors",
        "values",
        "colorbar_box",
        "colorbar_range",
        "colorbar_orientation",
        "norm",
        "vmin",
        "vmax",
        "boundaries",
        "levels",
        "extend",
    )
    return {k: getattr(a, k) for k in keys if getattr(a, k) is not None}


def _box_argument(words: list[str]) -> str | list[int]:
    """``--box``: four integers or the word auto."""
    if words == ["auto"]:
        return "auto"
    try:
        box = [int(w) for w in words]
    except ValueError:
        box = []
    if len(box) != 4:
        raise ChromagridError(f"--box {' '.join(words)}: give four integers X0 Y0 X1 Y1 or the word auto")
    return box


def _decode_config(a: argparse.Namespace) -> dict:
    data = {
        "input": a.image,
        "output": a.output or [],
        "scale": _scale_from_args(a),
        "georef": _georef_from_args(a),
        "export": _export_from_args(a),
        "decode": {},
        "image": {},
    }
    if a.box is not None:
        data["box"] = _box_argument(a.box)
    if getattr(a, "panel", None) is not None:
        data["panel"] = a.panel
    if a.max_distance is not None:
        data["decode"]["max_distance"] = a.max_distance
    if a.max_pixels is not None:
        data["image"]["max_pixels"] = a.max_pixels
    if getattr(a, "native_grid", False):
        data["decode"]["native_grid"] = True
    for key in ("units", "title"):
        if getattr(a, key) is not None:
            data[key] = getattr(a, key)
    data.update(_reduce_from_args(a))
    return data


def _cells_config(a: argparse.Namespace) -> dict:
    """``chromagrid cells`` arguments as a cells config dict."""
    data = {"input": a.image, "output": a.output or [], "scale": _scale_from_args(a), "decode": {}, "image": {}}
    for key in (
        "box",
        "rows",
        "cols",
        "row_labels",
        "col_labels",
        "report",
        "figure",
        "min_pixels",
        "units",
        "title",
        "panel",
        "annotations",
        "values_from",
    ):
        if getattr(a, key) is not None:
            data[key] = getattr(a, key)
    if a.equal_cells:
        data["unequal"] = False
    if a.max_distance is not None:
        data["decode"]["max_distance"] = a.max_distance
    if a.max_pixels is not None:
        data["image"]["max_pixels"] = a.max_pixels
    return data


def _cells(a: argparse.Namespace) -> int:
    """``chromagrid cells``: find the grid of cells and write the matrix."""
    from chromagrid.pipeline import run_cells

    return _print_cells(run_cells(_cells_config(a), source="arguments"), a.json)


def _print_cells(result, as_json: bool) -> int:
    summary = result.summary()
    if as_json:
        print(json.dumps(summary, indent=2))
        return 0
    nr, nc = summary["shape"]
    lines = summary["gridlines"]
    how = "found" if summary["box_found"] else "given"
    print(
        f"{summary['input']}: {nr} rows x {nc} columns of {'equal' if summary['uniform'] else 'unequal'} "
        f"cells in box {summary['box']} ({how})"
        + (f", gridlines {lines['color']} {lines['x_width']:g} px" if lines else "")
    )
    empty = summary["cells_too_few_pixels"] + summary["cells_background"]
    print(
        f"{summary['cells_with_value']} cells with a value, {empty} NaN "
        f"({summary['cells_too_few_pixels']} with too few usable pixels, {summary['cells_background']} "
        f"showing the background); median colour distance {summary['distance']['p50'] or 0:.2f}"
    )
    notes = summary.get("annotations")
    if notes is not None:
        print(
            f"printed numbers: {notes['legible']} cells legible, {notes['agree']} of {notes['compared']} agree "
            f"with their colour, {len(notes['disagree'])} disagree"
        )
    for path in summary["outputs"]:
        print(f"wrote {path}")
    return 0


TRANSFORM_CHOICES = ["linear", "helmert", "polynomial1", "polynomial2", "polynomial3", "projective", "tps"]
RESAMPLING_CHOICES = [
    "nearest",
    "bilinear",
    "cubic",
    "cubic_spline",
    "lanczos",
    "average",
    "mode",
    "min",
    "max",
    "med",
    "q1",
    "q3",
]


def _add_gcp_options(g) -> None:
    g.add_argument("--gcps", metavar="FILE.points", help="ground control points: a QGIS Georeferencer .points file")
    g.add_argument(
        "--gcp",
        nargs=4,
        type=float,
        action="append",
        metavar=("COL", "ROW", "X", "Y"),
        help="one ground control point: image pixel position and map coordinates (repeat)",
    )
    g.add_argument(
        "--transform", choices=TRANSFORM_CHOICES, help="GCP transform, as QGIS names it (default polynomial1)"
    )


def _add_georef_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("georeferencing beyond --extent (axis ticks or ground control points)")
    g.add_argument(
        "--axis-x",
        nargs=4,
        type=float,
        metavar=("COL_A", "VALUE_A", "COL_B", "VALUE_B"),
        help="two x-axis ticks: image column and axis value of each",
    )
    g.add_argument(
        "--axis-y",
        nargs=4,
        type=float,
        metavar=("ROW_A", "VALUE_A", "ROW_B", "VALUE_B"),
        help="two y-axis ticks: image row and axis value of each",
    )
    g.add_argument("--x-scale", choices=["linear", "log"], help="x axis scale (default linear)")
    g.add_argument("--y-scale", choices=["linear", "log"], help="y axis scale (default linear)")
    _add_gcp_options(g)
    g.add_argument("--target-crs", help="reproject the grid to this CRS")
    g.add_argument(
        "--resolution",
        nargs="+",
        type=float,
        metavar="D",
        help="target cell size (one value, or DX DY) in target CRS units",
    )
    g.add_argument("--resampling", choices=RESAMPLING_CHOICES, help="when warping (default nearest)")
    g = p.add_argument_group("export")
    g.add_argument("--compress", choices=["deflate", "lzw", "zstd", "none"], help="default deflate")
    g.add_argument("--world-file", action="store_true", help="also write a world file (.tfw) beside a GeoTIFF")
    g.add_argument("--aux-xml", action="store_true", help="also write GDAL's .aux.xml beside a GeoTIFF")


def _georef_from_args(a: argparse.Namespace) -> dict:
    g = {k: v for k, v in (("extent", a.extent), ("crs", a.crs)) if v is not None}
    if a.axis_x is not None or a.axis_y is not None:
        axes = {}
        for name, ticks in (("x", a.axis_x), ("y", a.axis_y)):
            if ticks is not None:
                axes[name] = [ticks[0:2], ticks[2:4]]
        for key in ("x_scale", "y_scale"):
            if getattr(a, key) is not None:
                axes[key] = getattr(a, key)
        g["axes"] = axes
    if a.gcp is not None:
        g["gcps"] = a.gcp
    if a.gcps is not None:
        g["gcps_file"] = a.gcps
    if a.resolution is not None:
        g["resolution"] = a.resolution[0] if len(a.resolution) == 1 else a.resolution
    for key in ("transform", "target_crs", "resampling"):
        if getattr(a, key) is not None:
            g[key] = getattr(a, key)
    return g


def _export_from_args(a: argparse.Namespace) -> dict:
    out = {"compress": a.compress} if a.compress is not None else {}
    if a.world_file:
        out["world_file"] = True
    if a.aux_xml:
        out["aux_xml"] = True
    return out


def _georef(a: argparse.Namespace) -> int:
    """``chromagrid georef``: fit a GCP transform and print the per-GCP residuals and RMSE."""
    from pathlib import Path

    from chromagrid.geo.gcp import fit_transform, gcp_residuals, gcps_from_list, read_points, write_points
    from chromagrid.geo.georef import parse_crs
    from chromagrid.io.image import image_size

    width, height = image_size(a.image)
    if a.gcp is not None:
        gcps, file_crs = gcps_from_list(a.gcp), None
    else:
        gcps, file_crs = read_points(a.gcps if a.gcps is not None else f"{a.image}.points")
    crs = parse_crs(a.crs) if a.crs else file_crs
    transform = a.transform or "polynomial1"
    report = gcp_residuals(fit_transform(transform, gcps), gcps)
    outside = [i for i, g in enumerate(gcps) if not (0 <= g.col <= width and 0 <= g.row <= height)]
    if a.write_points:
        write_points(a.write_points, gcps, crs, report)
    if a.json:
        print(
            json.dumps(
                {
                    "image": str(a.image),
                    "size": [width, height],
                    "crs": crs.to_string() if crs is not None else None,
                    **report.as_dict(),
                    "outside_image": outside,
                },
                indent=2,
            )
        )
        return 0
    print(f"{a.image}: {width}x{height} pixels; map CRS {crs.name if crs is not None else 'not given'}")
    print(report.table())
    for i in outside:
        print(f"warning: GCP {i} (col {gcps[i].col:g}, row {gcps[i].row:g}) lies outside the image")
    if a.write_points:
        print(f"wrote {Path(a.write_points)}")
    return 0


#: Exit status when a reduction check exceeds its tolerance (distinct from 1, an input error).
EXIT_ABOVE_TOLERANCE = 3


def _add_reduce_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reduce to points and check the cost (any of these turns reduction on)")
    g.add_argument(
        "--points",
        action="append",
        metavar="FILE",
        help="point file: .csv, .parquet, .geojson or .nc (repeat for several)",
    )
    g.add_argument("--report", metavar="FILE.json", help="JSON report: run summary and checks")
    g.add_argument("--figure", metavar="FILE.png", help="diagnostic figure: image, field, points, rebuilt, error")
    g.add_argument("--gradient-tol", type=float, help="keep pixels within this of every neighbour (default 0)")
    g.add_argument("--eps", type=float, help="clustering radius in pixels (default 1.5)")
    g.add_argument("--min-samples", type=int, help="DBSCAN min_samples (default 1)")
    g.add_argument("--thin", type=int, help="split clusters along a grid of this many pixels")
    g.add_argument(
        "--target-rmse",
        type=float,
        metavar="PERCENT",
        help="search for the fewest points whose reconstruction RMSE is at most this %% of the range",
    )
    g.add_argument("--reconstruct", choices=["linear", "nearest", "cubic"], help="default linear")
    g.add_argument("--outside", choices=["nearest", "nan"], help="outside the points' hull (default nearest)")
    g.add_argument(
        "--fail-on-error-above",
        type=float,
        metavar="PERCENT",
        help=f"exit with status {EXIT_ABOVE_TOLERANCE} when the reconstruction RMSE is above this %% "
        "of the value range",
    )


def _reduce_from_args(a: argparse.Namespace) -> dict:
    keys = {
        "gradient_tol": "gradient_tol",
        "eps": "eps",
        "min_samples": "min_samples",
        "thin": "thin",
        "target_rmse": "target_rmse_percent",
        "reconstruct": "reconstruct",
        "outside": "outside",
    }
    reduce = {key: getattr(a, arg) for arg, key in keys.items() if getattr(a, arg) is not None}
    if a.fail_on_error_above is not None:
        reduce["tolerance"] = {"rmse_percent": a.fail_on_error_above}
    data = {k: getattr(a, k) for k in ("points", "report", "figure") if getattr(a, k) is not None}
    if reduce:
        data["reduce"] = reduce
    return data


def _with_fail_threshold(config, percent: float):
    """A loaded config with its reconstruction RMSE tolerance set to ``percent``."""
    from chromagrid.config import Tolerance, validate_config

    if percent <= 0:
        from chromagrid.errors import ConfigError

        raise ConfigError(f"--fail-on-error-above must be a positive percentage (got {percent})")
    settings = config.reduce_settings
    data = config.model_dump()
    data["reduce"] = {
        **(settings.model_dump(exclude_unset=True) if settings is not None else {}),
        "tolerance": {
            **Tolerance().model_dump(),
            **(settings.tolerance.model_dump() if settings else {}),
            "rmse_percent": percent,
        },
    }
    return validate_config(data, source="arguments")


def _print_result(result, as_json: bool) -> None:
    summary = result.summary()
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    h, w = summary["shape"]
    d = summary["distance"]
    found = " (found)" if summary["box_found"] else ""
    print(
        f"decoded {summary['input']}: box {summary['box']}{found}, {w}x{h} pixels, "
        f"{summary['masked_fraction']:.1%} no data"
    )
    for item, how in (summary.get("found") or {}).get("used", {}).items():
        if how != "given":
            print(f"{item}: {how}")
    if d["mean"] is not None:
        print(
            f"colour distance (delta E) over valid pixels: mean {d['mean']:.2f}, p95 {d['p95']:.2f}, max {d['max']:.2f}"
        )
    georef = summary.get("georef")
    if georef is not None:
        if georef.get("gcps") is not None:
            from chromagrid.geo.gcp import GCPReport

            print(GCPReport.from_dict(georef["gcps"]).table())
        print(f"grid: {georef['grid']}")
    checks = summary.get("checks")
    if checks is not None:
        rec, rt = checks["reconstruction"], checks["colour_round_trip"]
        print(
            f"reduced to {checks['points']} points ({checks['reduction_ratio']:.3g} per valid pixel, "
            f"{checks['clustering']['method']})"
        )
        if rec["rmse"] is not None:
            print(
                f"rebuilt from the points ({rec['method']}): RMSE {rec['rmse']:.4g} = {rec['rmse_percent']:.3g}% "
                f"of the range, P99 {rec['p99_percent']:.3g}%, max {rec['max_abs_percent']:.3g}%"
            )
        if rt["delta_e_mean"] is not None:
            print(f"colour round trip (delta E): mean {rt['delta_e_mean']:.2f}, p95 {rt['delta_e_p95']:.2f}")
        print(checks["verdict"])
    for path in summary["outputs"]:
        print(f"wrote {path}")


def build_parser() -> argparse.ArgumentParser:
    from chromagrid._version import __version__

    parser = argparse.ArgumentParser(prog="chromagrid", description="Turn colour-mapped figures back into data.")
    parser.add_argument("--version", action="version", version=f"chromagrid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="what the figure holds, from the image alone: panels and colorbars")
    p.add_argument("image")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")

    p = sub.add_parser("decode", help="decode one figure into a grid (.nc / .tif)")
    p.add_argument("image", help="PNG, JPEG, TIFF or BMP")
    p.add_argument("-o", "--output", action="append", help="output grid: .nc or .tif (repeat for several)")
    p.add_argument(
        "--box",
        nargs="+",
        metavar="X0",
        help="X0 Y0 X1 Y1: plot area in image pixels, x1 y1 exclusive; or 'auto': the figure's one "
        "panel (an error names the panels when there are several); default: the panel found, or "
        "the whole image when it is a bare raster (no frame, no colorbar)",
    )
    p.add_argument(
        "--panel",
        type=int,
        metavar="N",
        help="decode panel N (from 1, rows top to bottom, left to "
        "right; `chromagrid inspect` lists them); -o 'out/{panel}.nc' decodes every panel",
    )
    p.add_argument(
        "--write-config",
        metavar="FILE.yaml",
        help="write the run's config with everything found made explicit, to edit and rerun with `chromagrid run`",
    )
    _add_scale_options(p)
    p.add_argument(
        "--extent",
        nargs=4,
        type=float,
        metavar=("LEFT", "RIGHT", "BOTTOM", "TOP"),
        help="world coordinates of the box's outer edges",
    )
    p.add_argument("--crs", help="CRS of --extent: EPSG:4326, a WKT or PROJ string")
    p.add_argument("--max-distance", type=float, help="colour distance (delta E) beyond which a pixel is no data")
    p.add_argument("--max-pixels", type=int, help="refuse images with more pixels than this")
    p.add_argument("--units", help="units of the decoded values (written to the outputs)")
    p.add_argument("--title", help="title attribute of the outputs")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument(
        "--native-grid",
        action="store_true",
        help="the box holds a nearest-neighbour raster: one value per detected cell (its native "
        "resolution) instead of one per pixel",
    )
    _add_reduce_options(p)
    _add_georef_options(p)

    p = sub.add_parser("cells", help="cell heat map: find the grid of cells and write the matrix (.csv/.nc/.npy)")
    p.add_argument("image", help="PNG, JPEG, TIFF or BMP of a cell heat map")
    p.add_argument(
        "-o",
        "--output",
        action="append",
        help="matrix file: .csv, .nc or .npy (repeat for several); first row = top row of the figure",
    )
    _add_scale_options(p)
    p.add_argument(
        "--box",
        nargs=4,
        type=int,
        metavar=("X0", "Y0", "X1", "Y1"),
        help="heat-map area in image pixels, x1 y1 exclusive (default: found)",
    )
    p.add_argument(
        "--panel",
        type=int,
        metavar="N",
        help="the panel (from 1) of a figure of several; the cells "
        "are found inside it (`chromagrid inspect` lists the panels)",
    )
    p.add_argument("--rows", type=int, help="number of rows (default: found); their positions are still fitted")
    p.add_argument("--cols", type=int, help="number of columns (default: found)")
    p.add_argument("--row-labels", nargs="+", metavar="LABEL", help="one label per row, top first (CSV, NetCDF)")
    p.add_argument("--col-labels", nargs="+", metavar="LABEL", help="one label per column, left first")
    p.add_argument("--equal-cells", action="store_true", help="fit cells of equal size only")
    p.add_argument(
        "--annotations",
        choices=["auto", "read", "off"],
        help="numbers printed in the cells: read by "
        "OCR and compared with the colours (default auto: when most cells carry text)",
    )
    p.add_argument(
        "--values-from",
        choices=["colour", "text"],
        help="text: the printed numbers where legible, the colour value elsewhere (default colour)",
    )
    p.add_argument("--min-pixels", type=int, help="a cell with fewer usable interior pixels is NaN (default 3)")
    p.add_argument(
        "--report", metavar="FILE.json", help="JSON report: box, grid, per-cell pixel counts and colour distances"
    )
    p.add_argument("--figure", metavar="FILE.png", help="diagnostic PNG: the detected grid over the figure")
    p.add_argument(
        "--max-distance", type=float, help="colour distance (delta E) beyond which a pixel is not a cell colour"
    )
    p.add_argument("--max-pixels", type=int, help="refuse images with more pixels than this")
    p.add_argument("--units", help="units of the values (NetCDF attribute)")
    p.add_argument("--title", help="title attribute of the outputs")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("run", help="run a YAML/TOML config (a decode config, or a cells config: kind: cells)")
    p.add_argument("config")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument(
        "--fail-on-error-above",
        type=float,
        metavar="PERCENT",
        help=f"exit with status {EXIT_ABOVE_TOLERANCE} when the reconstruction RMSE is above this %% "
        "of the value range (turns reduction on)",
    )

    p = sub.add_parser("georef", help="fit a GCP transform and print the per-GCP residuals and RMSE")
    p.add_argument("image", help="the figure the GCPs were picked on")
    g = p.add_argument_group("ground control points (default: IMAGE.points, as QGIS saves them)")
    _add_gcp_options(g)
    p.add_argument("--crs", help="CRS of the GCPs' map coordinates (default: the .points file's)")
    p.add_argument(
        "--write-points", metavar="FILE.points", help="write the GCPs with their residuals as a QGIS .points file"
    )
    p.add_argument("--json", action="store_true", help="print the residuals as JSON")

    p = sub.add_parser("colormaps", help="list the colormap names chromagrid knows")
    p.add_argument("pattern", nargs="?", help="glob or substring, case-insensitive (e.g. 'cmocean:*', 'bat')")

    p = sub.add_parser("batch", help="decode many figures from a batch config, on Dask")
    p.add_argument("config", help="batch config (YAML/TOML): inputs, output template, defaults, overrides")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="start a local Dask cluster of N worker processes (default: one per core)",
    )
    where.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--force", action="store_true", help="redo figures whose outputs are up to date")
    p.add_argument(
        "--dry-run", action="store_true", help="print the plan (figures, outputs, what is up to date) and write nothing"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="with --dry-run: print the plan as JSON, with every figure's resolved config",
    )
    _add_ui_parser(sub)
    return parser


def _add_ui_parser(sub) -> None:
    """``chromagrid ui``: the browser page (chromagrid.ui, imported only when the command runs)."""
    p = sub.add_parser("ui", help="a browser page to check and steer a decode: boxes, colour scale, GCPs, result")
    p.add_argument("figure", nargs="?", help="the figure (PNG, JPEG, TIFF); prefilled from what chromagrid finds")
    p.add_argument("--config", metavar="FILE.yaml", help="start from this decode config; saving writes it back")
    p.add_argument("--batch", metavar="FILE.yaml", help="step through a batch config's figures, fixing each config")
    p.add_argument(
        "--allow",
        action="append",
        metavar="DIR",
        help="a folder outside the working folder that saving may write to (repeat)",
    )
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address only; do not open a browser")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")


def _batch(args: argparse.Namespace) -> int:
    from chromagrid.batch import format_plan, format_summary, plan_batch, plan_json, run_batch

    if args.dry_run:
        plan = plan_batch(args.config, force=args.force)
        print(json.dumps(plan_json(plan), indent=2) if args.json else format_plan(plan))
        return 1 if plan.count("invalid") else 0
    try:
        report = run_batch(args.config, workers=args.workers, scheduler=args.scheduler, force=args.force)
    except KeyboardInterrupt:
        print(
            "chromagrid: interrupted; finished outputs are complete, run the batch again to do the rest",
            file=sys.stderr,
        )
        return 130
    format_summary(report)
    return 0 if report.ok else 1


def _inspect(args: argparse.Namespace) -> int:
    from chromagrid.pipeline import inspect_figure

    found = inspect_figure(args.image)
    for warning in found["warnings"]:
        print(f"chromagrid: warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    image = found["image"]
    print(f"{image['name']}: {image['width']} x {image['height']} px")
    for p in found["panels"]:
        print(
            f"panel {p['panel']}: box {' '.join(map(str, p['box']))}  "
            f"(confidence {p['confidence']:.2f}: {p['evidence']})"
        )
        if p.get("colormap_candidates"):
            print(f"  colormap from the panel's colours: {_candidates(p['colormap_candidates'])}")
        axes = p.get("axes") or {}
        for name in ("x", "y"):
            fit = axes.get(name)
            print(f"  {name} axis: {fit['evidence'] if fit else 'tick labels not read'}")
        if axes.get("lonlat"):
            print("  axes in degrees: a lon/lat grid (EPSG:4326)")
    for c in found["colorbars"]:
        serves = ", ".join(map(str, c["serves_panels"])) or "none"
        print(
            f"colorbar {c['colorbar']}: box {' '.join(map(str, c['box']))}, {c['orientation']}, "
            f"extend {c['extend']}, serves panel {serves}; colours {tuple(c['low_colour'])} (low) to "
            f"{tuple(c['high_colour'])} (high)  (confidence {c['confidence']:.2f}: {c['evidence']})"
        )
        print(f"  colormap: {_candidates(c.get('colormap_candidates') or [])}")
        ticks = c.get("ticks")
        print(
            f"  range: {ticks['vmin']:.6g} to {ticks['vmax']:.6g}, {ticks['fit']['norm']} ({ticks['evidence']})"
            if ticks
            else "  range: tick labels not read"
        )
    if not found["colorbars"]:
        print("no colorbar found")
    return 0


def _candidates(matches: list[dict], n: int = 3) -> str:
    """``viridis (delta E 0.00, exact), cividis (5.10)``."""
    if not matches:
        return "no catalogue map matches"
    parts = [
        f"{m['name']}"
        + (f" N={m['ncolors']}" if m.get("ncolors") else "")
        + f" (delta E {m['delta_e']:.2f}{', exact' if m.get('exact') else ''})"
        for m in matches[:n]
    ]
    return ", ".join(parts)


def _warning_printer(default):
    """chromagrid's warnings as one line on stderr (``chromagrid: warning: ...``); others as Python prints them."""
    from chromagrid.errors import ChromagridWarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ChromagridWarning):
            print(f"chromagrid: warning: {message}", file=sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)

    return show


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chromagrid`` console script; returns the exit status."""
    import warnings

    args = build_parser().parse_args(argv)
    warnings.showwarning = _warning_printer(warnings.showwarning)
    try:
        if args.command == "colormaps":
            from chromagrid.scale.colorscale import list_colormaps

            names = list_colormaps(args.pattern)
            if not names:
                print(f"no colormap matches {args.pattern!r}", file=sys.stderr)
                return 1
            print("\n".join(names))
            return 0
        if args.command == "batch":
            return _batch(args)
        if args.command == "georef":
            return _georef(args)
        if args.command == "cells":
            return _cells(args)
        if args.command == "inspect":
            return _inspect(args)
        if args.command == "ui":
            import chromagrid.ui

            return chromagrid.ui.main(args)
        from chromagrid.config import read_config_file
        from chromagrid.pipeline import run

        if args.command == "decode":
            from chromagrid.pipeline import has_panel_template, run_panels

            data = _decode_config(args)
            if has_panel_template(data):
                for result in run_panels(data, write_config=args.write_config):
                    _print_result(result, args.json)
                return 0
            result = run(data, write_config=args.write_config, source="arguments")
        elif read_config_file(args.config).get("kind") == "cells":
            from chromagrid.pipeline import run_cells

            return _print_cells(run_cells(args.config), args.json)
        elif args.fail_on_error_above is not None:
            from chromagrid.config import load_config

            result = run(_with_fail_threshold(load_config(args.config), args.fail_on_error_above))
        else:
            result = run(args.config)
        _print_result(result, args.json)
        if result.checks is not None and not result.checks["within_tolerance"]:
            print(f"chromagrid: {result.checks['verdict']}", file=sys.stderr)
            return EXIT_ABOVE_TOLERANCE
        return 0
    except ChromagridError as e:
        print(f"chromagrid: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into a reader that stopped early (`chromagrid colormaps | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
