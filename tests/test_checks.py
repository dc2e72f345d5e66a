"""Checks: reconstruction from points, its errors, the colour round trip, tolerances, report, figure, CLI status."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import chromagrid_command, draw_figure, smooth_field
from matplotlib.colors import Normalize
from PIL import Image

import chromagrid
from chromagrid import Reduce, Tolerance
from chromagrid.cli import EXIT_ABOVE_TOLERANCE, main
from chromagrid.reduce.checks import exceeded, reconstruct, reconstruct_at, reconstruction_errors


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    """A 200 x 150 px viridis figure of a smooth field (40 x 30 cells) with axes and colorbar."""
    data = smooth_field(30, 40, 0.0, 0.7)
    return draw_figure(tmp_path_factory.mktemp("fig"), data, "viridis", Normalize(0.0, 0.7), size=(330, 200))


def _points(x, y, v):
    return pd.DataFrame({"x": np.asarray(x, float), "y": np.asarray(y, float), "value": np.asarray(v, float)})


# --------------------------------------------------------------------------- reconstruction
def test_linear_reconstruction_reproduces_a_plane_inside_the_hull():
    rng = np.random.default_rng(0)
    px, py = rng.uniform(0, 50, 40), rng.uniform(0, 30, 40)
    px[:4], py[:4] = [0, 50, 0, 50], [0, 0, 30, 30]  # the hull is the whole grid
    plane = lambda x, y: 2.0 + 0.5 * x - 0.25 * y  # noqa: E731
    x, y = np.arange(51.0), np.arange(31.0)
    rebuilt = reconstruct(_points(px, py, plane(px, py)), x, y, "linear")
    gx, gy = np.meshgrid(x, y)
    assert rebuilt.shape == (31, 51)
    assert np.allclose(rebuilt, plane(gx, gy), atol=1e-4)


def test_outside_the_hull_nearest_or_nan():
    pts = _points([1, 3, 1, 3], [1, 1, 3, 3], [10.0, 20.0, 30.0, 40.0])
    qx, qy = np.array([2.0, 0.0, 4.0]), np.array([2.0, 0.0, 3.0])  # inside, outside near (1,1), outside near (3,3)
    for method in ("linear", "nearest", "cubic"):
        with_nan = reconstruct_at(pts, qx, qy, method, "nan")
        filled = reconstruct_at(pts, qx, qy, method, "nearest")
        assert np.isfinite(with_nan[0]) and np.isnan(with_nan[1:]).all(), method
        assert filled[1] == 10.0 and filled[2] == 40.0, method
    assert reconstruct_at(pts, qx[:1], qy[:1], "linear", "nan")[0] == pytest.approx(25.0)


def test_too_few_points_for_a_triangulation_fall_back_to_nearest():
    pts = _points([0, 10], [0, 0], [1.0, 5.0])
    out = reconstruct_at(pts, np.array([2.0, 9.0]), np.array([0.0, 0.0]), "linear", "nearest")
    assert list(out) == [1.0, 5.0]
    assert np.isnan(reconstruct_at(pts.iloc[:0], np.array([1.0]), np.array([1.0]))).all()


def test_reconstruction_errors_by_hand():
    value = np.array([[0.0, 1.0], [2.0, np.nan]])
    rebuilt = np.array([[0.0, 2.0], [4.0, 9.0]])  # errors 0, 1, 2 over the 3 valid pixels
    e = reconstruction_errors(value, rebuilt, value_span=10.0)
    assert e["compared_pixels"] == 3 and e["uncovered_pixels"] == 0
    assert e["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert e["mae"] == pytest.approx(1.0)
    assert e["max_abs"] == 2.0 and e["max_abs_percent"] == pytest.approx(20.0)
    assert e["rmse_percent"] == pytest.approx(10 * np.sqrt(5 / 3))
    assert 1.9 < e["p99"] <= 2.0
    e = reconstruction_errors(value, np.array([[0.0, np.nan], [2.0, 0.0]]), 10.0)
    assert e["uncovered_pixels"] == 1 and e["compared_pixels"] == 2 and e["rmse"] == 0.0


# --------------------------------------------------------------------------- colour round trip
def test_colour_round_trip_of_an_exact_figure_is_zero(figure):
    result = chromagrid.digitize(figure.path, cmap="viridis", vmin=0.0, vmax=0.7, box=figure.box, reduce=Reduce())
    rt = result.checks["colour_round_trip"]
    assert rt["pixels"] == int(np.isfinite(result.grid["value"].values).sum())
    assert rt["delta_e_mean"] == pytest.approx(0.0, abs=1e-9) and rt["delta_e_p95"] == pytest.approx(0.0, abs=1e-9)


def test_colour_round_trip_measures_jpeg_artefacts(tmp_path):
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(
        tmp_path,
        data,
        "viridis",
        Normalize(0.0, 0.7),
        size=(330, 200),
        name="f.jpg",
        save_kwargs={"pil_kwargs": {"quality": 50}},
    )
    result = chromagrid.digitize(fig.path, cmap="viridis", vmin=0.0, vmax=0.7, box=fig.box, reduce=Reduce())
    rt = result.checks["colour_round_trip"]
    assert rt["delta_e_mean"] > 0.3
    assert rt["delta_e_max"] >= rt["delta_e_p95"] >= rt["delta_e_mean"]


def test_colour_round_trip_sees_a_wrong_scale(figure):
    """Decoding with plasma what viridis drew: every valid pixel is far from the colour its value maps to."""
    result = chromagrid.digitize(
        figure.path, cmap="plasma", vmin=0.0, vmax=0.7, box=figure.box, max_distance=200.0, reduce=Reduce()
    )
    assert result.checks["colour_round_trip"]["delta_e_mean"] > 10.0


# --------------------------------------------------------------------------- tolerance and report
def test_tolerance_messages_name_the_error_and_the_limit():
    checks = {
        "reconstruction": {"rmse_percent": 1.5, "p99_percent": 4.0, "max_abs_percent": 9.0},
        "colour_round_trip": {"delta_e_mean": 0.2, "delta_e_p95": 1.0},
    }
    assert exceeded(checks, Tolerance()) == []
    msgs = exceeded(checks, Tolerance(rmse_percent=1.0, delta_e_p95=2.0))
    assert msgs == ["reconstruction RMSE is 1.5% of the value range, above the tolerance of 1% of the value range"]


def test_checks_report_and_attributes(figure, tmp_path):
    report = tmp_path / "report.json"
    grid = tmp_path / "grid.nc"
    result = chromagrid.digitize(
        figure.path,
        cmap="viridis",
        vmin=0.0,
        vmax=0.7,
        box=figure.box,
        output=grid,
        report=report,
        reduce=Reduce(tolerance=Tolerance(rmse_percent=1e-4)),
    )
    checks = result.checks
    assert not checks["within_tolerance"]
    assert checks["verdict"].startswith("ERRORS ABOVE TOLERANCE: reconstruction RMSE")
    loaded = json.loads(report.read_text())  # strict JSON: no NaN
    assert loaded["checks"]["points"] == len(result.points) == checks["points"]
    assert loaded["checks"]["reconstruction"]["rmse"] == pytest.approx(checks["reconstruction"]["rmse"])
    assert str(report) in loaded["outputs"]
    import xarray as xr

    with xr.open_dataset(grid) as ds:
        assert ds.attrs["reduction_points"] == checks["points"]
        assert ds.attrs["reconstruction_rmse_percent"] == pytest.approx(checks["reconstruction"]["rmse_percent"])
        assert json.loads(ds.attrs["chromagrid_checks"])["within_tolerance"] is False
    # the rebuilt grid's RMSE, computed here from the result's arrays
    v, r = result.grid["value"].values, result.reconstruction.values
    ok = np.isfinite(v)
    assert checks["reconstruction"]["rmse"] == pytest.approx(np.sqrt(np.mean((r[ok] - v[ok]) ** 2)), rel=1e-5)


def test_diagnostic_figure_is_written(figure, tmp_path):
    png = tmp_path / "check.png"
    result = chromagrid.digitize(
        figure.path,
        cmap="viridis",
        vmin=0.0,
        vmax=0.7,
        box=figure.box,
        figure=png,
        reduce=Reduce(target_rmse_percent=1.0),
    )
    assert png in result.outputs
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (1600, 1000)
        pixels = np.asarray(im.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # a drawing, not a blank page
    assert not list(tmp_path.glob("*.part"))


# --------------------------------------------------------------------------- CLI
def _decode_args(figure, *extra):
    return [
        "decode",
        str(figure.path),
        "--cmap",
        "viridis",
        "--vmin",
        "0",
        "--vmax",
        "0.7",
        "--box",
        *map(str, figure.box),
        *extra,
    ]


def test_cli_exits_with_a_distinct_status_above_the_tolerance(figure, tmp_path):
    points, report, fig = tmp_path / "p.csv", tmp_path / "r.json", tmp_path / "f.png"
    args = _decode_args(
        figure,
        "--points",
        str(points),
        "--report",
        str(report),
        "--figure",
        str(fig),
        "--fail-on-error-above",
        "0.0001",
    )
    run = subprocess.run(chromagrid_command() + args, capture_output=True, text=True)
    assert run.returncode == EXIT_ABOVE_TOLERANCE == 3
    assert "ERRORS ABOVE TOLERANCE" in run.stderr and "reconstruction RMSE" in run.stderr
    assert points.exists() and report.exists() and fig.exists()  # the report explains the failure
    assert json.loads(report.read_text())["checks"]["within_tolerance"] is False


def test_cli_passes_within_the_tolerance(figure, tmp_path, capsys):
    assert main(_decode_args(figure, "--fail-on-error-above", "50")) == 0
    out = capsys.readouterr().out
    assert "reduced to" in out and "all checked errors are within tolerance" in out
    assert main(_decode_args(figure, "--fail-on-error-above", "-1")) == 1  # a bad threshold is an input error


def test_cli_run_with_a_reduce_config(figure, tmp_path, capsys):
    config = {
        "input": str(figure.path),
        "box": list(figure.box),
        "scale": {"cmap": "viridis", "vmin": 0.0, "vmax": 0.7},
        "reduce": {"eps": 1.5, "reconstruct": "nearest", "tolerance": {"delta_e_p95": 5.0}},
        "points": "out/points.geojson",
        "report": "out/report.json",
    }
    path = tmp_path / "reduce.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["run", str(path)]) == 0
    assert (tmp_path / "out" / "points.geojson").exists()  # relative to the config's folder
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["checks"]["reconstruction"]["method"] == "nearest"
    assert main(["run", str(path), "--fail-on-error-above", "0.0001"]) == EXIT_ABOVE_TOLERANCE
    capsys.readouterr()
