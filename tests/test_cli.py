"""The command line, run as a user runs it: the installed ``chromagrid`` console script in a subprocess.

Each command of the issue's "what a user must be able to do" list, on figures
drawn from known arrays; exit codes, files written and the values in them.
Bad inputs go through ``chromagrid.cli.main`` in process as well (the same
function the script calls), to keep the suite fast.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rioxarray  # noqa: F401  (the .rio accessor)
import xarray as xr
from conftest import chromagrid_command, draw_figure, smooth_field, truth_per_pixel
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize

from chromagrid.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _command(*args) -> list[str]:
    return chromagrid_command() + [str(a) for a in args]


def _truth(data, box):
    return truth_per_pixel(data, (box[3] - box[1], box[2] - box[0]))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every command of the issue's list, run three at a time (each process spends ~1 s importing).

    Returns {name: (CompletedProcess, context dict)}.
    """
    folder = tmp_path_factory.mktemp("cli")
    jobs = {}

    def start(name, args, cwd=None, **context):
        jobs[name] = (_command(*args), cwd, context)

    # decode with extent and CRS to .nc and .tif
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(folder, data, "viridis", Normalize(0, 0.7), name="field.png")
    nc, tif = folder / "field.nc", folder / "field.tif"
    start(
        "extent",
        [
            "decode",
            fig.path,
            "--cmap",
            "viridis",
            "--vmin",
            0,
            "--vmax",
            0.7,
            "--box",
            *fig.box,
            "--extent",
            -10,
            30,
            35,
            60,
            "--crs",
            "EPSG:4326",
            "-o",
            nc,
            "-o",
            tif,
        ],
        truth=_truth(data, fig.box),
        nc=nc,
        tif=tif,
    )
    # log norm
    data = 10.0 ** smooth_field(30, 40, -1.0, 3.0)
    fig = draw_figure(folder, data, "YlOrRd", LogNorm(0.1, 1000), name="log.png")
    start(
        "log",
        [
            "decode",
            fig.path,
            "--cmap",
            "YlOrRd",
            "--norm",
            "log",
            "--vmin",
            0.1,
            "--vmax",
            1000,
            "--box",
            *fig.box,
            "-o",
            folder / "log.nc",
        ],
        truth=_truth(data, fig.box),
        out=folder / "log.nc",
    )
    # discrete norm
    bounds = [-3, -1, 0, 1, 3]
    data = smooth_field(30, 40, -3.0, 2.999)
    fig = draw_figure(folder, data, "RdBu_r", BoundaryNorm(bounds, 256), name="discrete.png")
    start(
        "discrete",
        [
            "decode",
            fig.path,
            "--cmap",
            "RdBu_r",
            "--norm",
            "discrete",
            "--boundaries",
            *bounds,
            "--box",
            *fig.box,
            "-o",
            folder / "discrete.nc",
        ],
        truth=_truth(data, fig.box),
        out=folder / "discrete.nc",
        bounds=bounds,
    )
    # the colour scale read from the colorbar
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(folder, data, "plasma", Normalize(0, 0.7), name="bar.png")
    start(
        "colorbar",
        [
            "decode",
            fig.path,
            "--colorbar-box",
            *fig.colorbar_box,
            "--colorbar-range",
            0,
            0.7,
            "--box",
            *fig.box,
            "-o",
            folder / "bar.nc",
            "--json",
        ],
        truth=_truth(data, fig.box),
        out=folder / "bar.nc",
        fig=fig,
    )
    # the bundled example, as `make demo` runs it
    start("example", ["run", "configs/example.yaml"], cwd=ROOT)
    # colormaps PATTERN
    start("colormaps", ["colormaps", "cmocean:*"])
    # a file that is not an image, over an existing output
    bad = folder / "bad" / "figure.png"
    bad.parent.mkdir()
    bad.write_text("not an image")
    kept = folder / "bad" / "field.nc"
    kept.write_bytes(b"previous good output")
    start("bad-image", ["decode", bad, "--cmap", "viridis", "--vmin", 0, "--vmax", 1, "-o", kept], bad=bad, kept=kept)

    def finish(job):
        command, cwd, context = job
        return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd), context

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(jobs, pool.map(finish, jobs.values())))


def test_decode_with_extent_and_crs_to_netcdf_and_geotiff(runs):
    done, c = runs["extent"]
    assert done.returncode == 0, done.stderr
    assert f"wrote {c['nc']}" in done.stdout and f"wrote {c['tif']}" in done.stdout
    ds = xr.open_dataset(c["nc"], decode_coords="all")
    assert np.abs(ds["value"].values - c["truth"]).max() <= 0.7 / 256
    assert ds.rio.crs.to_epsg() == 4326
    with rasterio.open(c["tif"]) as src:
        assert src.crs.to_epsg() == 4326
        assert src.transform.almost_equals(rasterio.Affine(40 / 240, 0, -10, 0, -25 / 240, 60))
        assert np.abs(src.read(1) - c["truth"]).max() <= 0.7 / 256


def test_decode_log_norm(runs):
    done, c = runs["log"]
    assert done.returncode == 0, done.stderr
    value = xr.open_dataset(c["out"])["value"].values
    assert np.abs(np.log10(value) - np.log10(c["truth"])).max() <= 4 / 256


def test_decode_discrete_norm(runs):
    done, c = runs["discrete"]
    assert done.returncode == 0, done.stderr
    value = xr.open_dataset(c["out"])["value"].values
    centres = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(value, centres[np.searchsorted(c["bounds"], c["truth"], side="right") - 1])


def test_decode_from_the_colorbar(runs):
    done, c = runs["colorbar"]
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["box"] == list(c["fig"].box) and summary["outputs"] == [str(c["out"])]
    assert summary["masked_fraction"] == 0.0
    value = xr.open_dataset(c["out"])["value"].values
    cbar = c["fig"].colorbar_box
    length = cbar[3] - cbar[1]
    assert np.abs(value - c["truth"]).max() <= (1 + length // 300 + 2) / length * 0.7


def test_run_the_bundled_example_config(runs):
    """`chromagrid run configs/example.yaml` from the project root, as `make demo` does."""
    done, _ = runs["example"]
    assert done.returncode == 0, done.stderr
    nc, tif = ROOT / "examples/out/field.nc", ROOT / "examples/out/field.tif"
    assert f"wrote {nc}" in done.stdout and f"wrote {tif}" in done.stdout
    cells = np.load(ROOT / "examples/field.npz")["values"].astype(float)
    truth = truth_per_pixel(cells, (420, 540))[3:-3, 3:-3]
    value = xr.open_dataset(nc)["value"].values[3:-3, 3:-3]
    both = np.isfinite(truth) & np.isfinite(value)
    assert both.mean() > 0.85  # the sea (about 11%) is no data
    assert np.median(np.abs(value - truth)[both]) <= 0.7 / 512
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 4326 and src.bounds == pytest.approx((-10, 35, 30, 60))


def test_run_a_toml_config_with_relative_paths(tmp_path, capsys, monkeypatch):
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(tmp_path, data, "cividis", Normalize(0, 0.7), name="cividis.png")
    (tmp_path / "c.toml").write_text(
        f'input = "{fig.path.name}"\noutput = "out/f.tif"\nbox = {list(fig.box)}\n\n'
        '[scale]\ncmap = "cividis"\nvmin = 0\nvmax = 0.7\n'
    )
    monkeypatch.chdir(ROOT)  # run from another folder: paths resolve against the config's
    assert main(["run", str(tmp_path / "c.toml")]) == 0
    assert f"wrote {tmp_path / 'out' / 'f.tif'}" in capsys.readouterr().out
    with rasterio.open(tmp_path / "out" / "f.tif") as src:
        assert np.abs(src.read(1) - _truth(data, fig.box)).max() <= 0.7 / 256


def test_colormaps_lists_names(runs):
    done, _ = runs["colormaps"]
    assert done.returncode == 0
    names = done.stdout.split()
    assert "cmocean:thermal" in names and "cmocean:haline" in names
    assert all(n.startswith("cmocean:") for n in names)


def test_bad_image_exits_non_zero_and_keeps_the_old_output(runs):
    done, c = runs["bad-image"]
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"chromagrid: error: {c['bad']}: not a readable image (PNG, JPEG, TIFF or BMP expected)"
    )
    assert c["kept"].read_bytes() == b"previous good output"
    assert sorted(p.name for p in c["bad"].parent.iterdir()) == ["field.nc", "figure.png"]


def test_bad_config_key(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("input: f.png\nscale: {cmap: viridis, vmin: 0, vmax: 1, nrom: log}\n")
    assert main(["run", str(tmp_path / "c.yaml")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"chromagrid: error: {tmp_path / 'c.yaml'}: scale.nrom: unknown key; "
        "check its spelling and section (see the config reference, docs/config.md)"
    )


def test_colormaps_in_process(capsys):
    assert main(["colormaps"]) == 0
    names = capsys.readouterr().out.split()
    assert {"viridis", "viridis_r", "RdBu_r", "crameri:batlow", "colorcet:fire", "seaborn:rocket"} <= set(names)
    assert main(["colormaps", "batlow"]) == 0
    assert "crameri:batlow" in capsys.readouterr().out.split()
    assert main(["colormaps", "zzz-no-such"]) == 1
    assert "no colormap matches 'zzz-no-such'" in capsys.readouterr().err


# --------------------------------------------------------------------------- failures: exit 1, one line, no output
@pytest.mark.parametrize("kind", ["missing", "empty", "truncated", "not-an-image", "too-big"])
def test_bad_images_in_process(tmp_path, capsys, kind):
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 0.7))
    path, extra = tmp_path / "input.png", []
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(fig.path.read_bytes()[:5000])
    elif kind == "not-an-image":
        path.write_text("<html></html>")
    elif kind == "too-big":
        path, extra = fig.path, ["--max-pixels", "1000"]
    out = tmp_path / "out" / "f.tif"
    status = main(["decode", str(path), "--cmap", "viridis", "--vmin", "0", "--vmax", "0.7", "-o", str(out), *extra])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("chromagrid: error: ") and path.name in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--cmap", "virdis", "--vmin", "0", "--vmax", "1"],
            "scale.cmap: unknown colormap 'virdis'; did you mean viridis",
        ),
        (["--cmap", "viridis", "--vmin", "1", "--vmax", "0"], "vmin (1.0) must be less than vmax (0.0)"),
        (["--cmap", "viridis", "--norm", "log", "--vmin", "0", "--vmax", "1"], "norm: log needs vmin > 0"),
        (
            ["--cmap", "viridis", "--vmin", "0", "--vmax", "1", "--box", "0", "0", "999", "10"],
            "box [0, 0, 999, 10] reaches outside the image (400x300 pixels)",
        ),
        (["--cmap", "viridis", "--vmin", "0", "--vmax", "1", "--crs", "EPSG:4326"], "crs needs extent"),
    ],
)
def test_bad_options_in_process(tmp_path, capsys, args, message):
    fig = draw_figure(tmp_path, smooth_field(30, 40), "viridis", Normalize(0, 1))
    out = tmp_path / "f.nc"
    assert main(["decode", str(fig.path), *args, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_help_of_every_command(capsys):
    import argparse

    from chromagrid.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"decode", "run", "colormaps"} <= set(commands)
    for command in [[], *([name] for name in commands)]:
        with pytest.raises(SystemExit) as info:
            main([*command, "--help"])
        assert info.value.code == 0
        assert capsys.readouterr().out.startswith("usage: chromagrid")
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip().startswith("chromagrid ")


def test_ncolors_colors_and_orientation_options_in_process(tmp_path, capsys):
    """The other colour-scale options, parsed by the CLI's own parser (in process, to stay fast)."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    data = smooth_field(30, 40, 0.0, 5.0)
    fig = draw_figure(tmp_path, data, colormaps["plasma"].resampled(10), Normalize(0, 5), name="stepped.png")
    truth = _truth(data, fig.box)
    out = tmp_path / "stepped.nc"
    assert (
        main(
            [
                "decode",
                str(fig.path),
                "--cmap",
                "plasma",
                "--ncolors",
                "10",
                "--vmin",
                "0",
                "--vmax",
                "5",
                "--box",
                *map(str, fig.box),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert np.abs(xr.open_dataset(out)["value"].values - truth).max() <= 0.25 + 1e-6  # half of one of 10 steps

    five = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
    data = smooth_field(30, 40, 0.0, 4.999)
    fig = draw_figure(tmp_path, data, ListedColormap(five), Normalize(0, 5), name="listed.png")
    out = tmp_path / "listed.nc"
    assert (
        main(
            [
                "decode",
                str(fig.path),
                "--colors",
                *five,
                "--values",
                "0.5",
                "1.5",
                "2.5",
                "3.5",
                "4.5",
                "--box",
                *map(str, fig.box),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(xr.open_dataset(out)["value"].values, np.floor(_truth(data, fig.box)) + 0.5)

    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(tmp_path, data, "viridis", Normalize(0, 0.7), colorbar="horizontal", name="h.png")
    out = tmp_path / "h.nc"
    assert (
        main(
            [
                "decode",
                str(fig.path),
                "--colorbar-box",
                *map(str, fig.colorbar_box),
                "--colorbar-range",
                "0",
                "0.7",
                "--colorbar-orientation",
                "horizontal",
                "--box",
                *map(str, fig.box),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    length = fig.colorbar_box[2] - fig.colorbar_box[0]
    value = xr.open_dataset(out)["value"].values
    assert np.abs(value - _truth(data, fig.box)).max() <= (1 + length // 300 + 2) / length * 0.7
    capsys.readouterr()
