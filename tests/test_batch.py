"""Batch runs on a real dask.distributed LocalCluster (2 worker processes, started once for the module)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

import cloudpickle
import dask
import matplotlib
import numpy as np
import pytest
import rasterio
import xarray as xr
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from chromagrid import __version__  # noqa: E402
from chromagrid.batch import (  # noqa: E402
    INVALID,
    TODO,
    UP_TO_DATE,
    plan_batch,
    run_batch,
    run_item,
    staleness,
)
from chromagrid.cli import main  # noqa: E402
from chromagrid.errors import ConfigError  # noqa: E402

# the test's own task wrappers travel to the workers by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

N_FIGURES = 20
CORRUPT = ("fig05.png", "fig11.png")  # a truncated PNG and a text file named .png
WRONG_CMAP = "fig17.png"  # drawn in grey: no colour near viridis
GOOD = [f"fig{i:02d}.png" for i in range(N_FIGURES) if f"fig{i:02d}.png" not in (*CORRUPT, WRONG_CMAP)]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    # one task per worker at a time (no queued task shares a dying worker's fate) and one retry
    # of a task whose worker died, so the killed-worker test is quick and deterministic
    with dask.config.set({"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        )
    yield cluster
    cluster.close()


def field(i: int) -> np.ndarray:
    """The known array figure i is drawn from: a smooth field in [0, 1]."""
    y, x = np.mgrid[0:100, 0:120]
    return ((np.sin(x / (9 + i) + i) * np.cos(y / 13) + 1) / 2).astype(np.float64)


def make_figures(folder: Path, n: int = N_FIGURES) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f"fig{i:02d}.png"
        plt.imsave(folder / name, field(i), cmap="gray" if name == WRONG_CMAP else "viridis", vmin=0, vmax=1)
    if n > 11:
        good = (folder / CORRUPT[0]).read_bytes()
        (folder / CORRUPT[0]).write_bytes(good[: len(good) // 3])
        (folder / CORRUPT[1]).write_text("this is not an image\n")


def write_batch(folder: Path, overrides: dict | None = None, output=("out/{stem}.nc",)) -> Path:
    config = {
        "inputs": ["figures/*.png"],
        "output": list(output),
        "defaults": {"scale": {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0}, "units": "1"},
    }
    if overrides:
        config["overrides"] = overrides
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.nc"))}


def check_output(path: Path, i: int) -> None:
    """A complete output: opens, and its values are the known array's (viridis: 256 steps over [0, 1])."""
    with xr.open_dataset(path) as ds:
        value = ds["value"].values
        assert ds.attrs["chromagrid_config_sha256"]
    assert value.shape == (100, 120)
    assert np.isfinite(value).all()
    assert np.abs(value - field(i)).max() <= 1.0 / 256 + 1e-6


def test_batch_of_20_with_3_failures_then_skips_then_reprocesses_one_override(tmp_path, cluster, capsys):
    make_figures(tmp_path / "figures")
    config = write_batch(tmp_path)
    out = tmp_path / "out"

    status = main(["batch", str(config), "--scheduler", cluster.scheduler_address])
    printed = capsys.readouterr()
    assert status == 1
    assert sorted(p.name for p in out.glob("*.nc")) == sorted(name.replace(".png", ".nc") for name in GOOD)
    assert not list(out.glob(".*.part"))
    for name in GOOD[::4]:
        check_output(out / name.replace(".png", ".nc"), int(name[3:5]))
    # the summary names the three failures with their reasons
    failed_lines = printed.out.split("failed:")[1]
    assert "fig05.png" in failed_lines and "truncated" in failed_lines
    assert "fig11.png" in failed_lines and "not a readable image" in failed_lines
    assert "fig17.png" in failed_lines and "no pixel" in failed_lines

    manifest = json.loads((out / "batch.manifest.json").read_text())
    assert manifest["counts"] == {"done": 17, "skipped": 0, "failed": 3, "not run": 0}
    assert manifest["chromagrid_version"] == __version__
    by_name = {Path(r["input"]).name: r for r in manifest["items"]}
    assert sorted(n for n, r in by_name.items() if r["status"] == "failed") == sorted([*CORRUPT, WRONG_CMAP])
    for name in GOOD:
        record = by_name[name]
        output = out / name.replace(".png", ".nc")
        assert record["outputs"] == [{"path": str(output), "sha256": sha256(output)}]
        assert record["input_sha256"] == sha256(tmp_path / "figures" / name)
        with xr.open_dataset(output) as ds:
            assert ds.attrs["chromagrid_config_sha256"] == record["config_sha256"]
        assert record["checks"]["masked_fraction"] == 0.0
    assert all(by_name[n]["error"] for n in (*CORRUPT, WRONG_CMAP))

    # a second run skips the 17 and leaves their files alone
    before = mtimes(out)
    status = main(["batch", str(config), "--scheduler", cluster.scheduler_address])
    assert status == 1
    manifest = json.loads((out / "batch.manifest.json").read_text())
    assert manifest["counts"] == {"done": 0, "skipped": 17, "failed": 3, "not run": 0}
    assert mtimes(out) == before

    # one override that touches two figures reprocesses those two only
    write_batch(tmp_path, overrides={"fig0[12].png": {"decode": {"max_distance": 10.5}}})
    plan = plan_batch(config)
    todo = {item.input.name: item.reason for item in plan.items if item.state == TODO}
    assert set(todo) == {"fig01.png", "fig02.png", *CORRUPT, WRONG_CMAP}
    assert "config changed" in todo["fig01.png"]
    status = main(["batch", str(config), "--scheduler", cluster.scheduler_address])
    assert status == 1
    manifest = json.loads((out / "batch.manifest.json").read_text())
    assert manifest["counts"] == {"done": 2, "skipped": 15, "failed": 3, "not run": 0}
    after = mtimes(out)
    assert {n for n in after if after[n] != before[n]} == {"fig01.nc", "fig02.nc"}
    with xr.open_dataset(out / "fig01.nc") as ds:
        assert json.loads(ds.attrs["chromagrid_config"])["decode"]["max_distance"] == 10.5

    # --force redoes everything valid
    status = main(["batch", str(config), "--scheduler", cluster.scheduler_address, "--force"])
    manifest = json.loads((out / "batch.manifest.json").read_text())
    assert manifest["counts"] == {"done": 17, "skipped": 0, "failed": 3, "not run": 0}


def test_dry_run_writes_nothing_and_shows_the_plan(tmp_path, capsys):
    make_figures(tmp_path / "figures", n=4)
    config = write_batch(
        tmp_path, output=("out/{stem}.nc", "out/tif/{stem}.tif"), overrides={"fig03.png": {"scale": {"vmin": 2.0}}}
    )
    listing = sorted(str(p) for p in tmp_path.rglob("*"))
    status = main(["batch", str(config), "--dry-run"])
    printed = capsys.readouterr().out
    assert status == 1  # fig03's override makes vmin > vmax: an invalid item
    assert sorted(str(p) for p in tmp_path.rglob("*")) == listing
    assert "4 figures: 3 to do, 0 up to date, 1 invalid" in printed
    assert "fig00.tif" in printed and "no output yet" in printed
    assert "vmin (2.0) must be less than vmax (1.0)" in printed

    status = main(["batch", str(config), "--dry-run", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == listing
    assert [i["state"] for i in plan["items"]] == [TODO, TODO, TODO, INVALID]
    assert plan["items"][0]["config"]["scale"]["cmap"] == "viridis"
    assert plan["items"][0]["outputs"] == [str(tmp_path / "out/fig00.nc"), str(tmp_path / "out/tif/fig00.tif")]


def _kill_own_worker_for_fig03(config):
    """A task that kills its worker process (as the out-of-memory killer would) on one figure."""
    if config.input.name == "fig03.png":
        os.kill(os.getpid(), signal.SIGKILL)
    return run_item(config)


def test_killed_worker_leaves_complete_outputs_and_a_rerun_finishes(tmp_path, cluster):
    make_figures(tmp_path / "figures", n=8)
    config = write_batch(tmp_path, output=("out/{stem}.nc", "out/{stem}.tif"))
    out = tmp_path / "out"
    report = run_batch(config, scheduler=cluster.scheduler_address, task=_kill_own_worker_for_fig03)
    by_name = {Path(r["input"]).name: r for r in report.records}
    assert by_name["fig03.png"]["status"] == "failed"
    assert "KilledWorker" in by_name["fig03.png"]["error"]
    assert {n for n, r in by_name.items() if r["status"] == "done"} == {f"fig{i:02d}.png" for i in range(8)} - {
        "fig03.png"
    }
    assert not (out / "fig03.nc").exists() and not (out / "fig03.tif").exists()
    # a figure in flight on the killed worker beside fig03 may leave its hidden temporary file (removed by a
    # later run once it is an hour old, README); its output was then written whole by the retried task
    for part in out.glob(".*.part"):
        written = out / part.name[1:].removesuffix(".part").rsplit(".", 1)[0]
        assert written.name != "fig03.nc" and written.name != "fig03.tif" and written.exists()
    for i in (0, 1, 2, 4, 5, 6, 7):
        check_output(out / f"fig{i:02d}.nc", i)
        with rasterio.open(out / f"fig{i:02d}.tif") as src:
            assert np.abs(src.read(1) - field(i)).max() <= 1.0 / 256 + 1e-6
    assert not report.ok

    # the cluster restarted the worker; running the batch again does only what is missing
    report = run_batch(config, scheduler=cluster.scheduler_address)
    assert report.ok
    assert report.count("done") == 1 and report.count("skipped") == 7
    check_output(out / "fig03.nc", 3)


def _slow_on_fig02(config):
    """A task that holds on to one figure until the test releases it, so the batch is interrupted meanwhile."""
    if config.input.name == "fig02.png":
        release = config.input.parent.parent / "release"
        deadline = time.time() + 60
        while not release.exists() and time.time() < deadline:
            time.sleep(0.05)
    return run_item(config)


class _CtrlCAfter(io.StringIO):
    """A progress stream that presses Ctrl-C (SIGINT to this process) once ``n`` figures are reported done."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.getvalue().count("] done ") == self.n and self.n:
            self.n = 0
            os.kill(os.getpid(), signal.SIGINT)
        return written


def test_ctrl_c_keeps_finished_outputs_and_a_rerun_finishes(tmp_path, cluster):
    make_figures(tmp_path / "figures", n=6)
    config = write_batch(tmp_path)
    out = tmp_path / "out"
    others = [f"fig{i:02d}.png" for i in (0, 1, 3, 4, 5)]
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C once the other five are in, while fig02 still runs
        run_batch(config, scheduler=cluster.scheduler_address, task=_slow_on_fig02, progress=_CtrlCAfter(5))
    manifest = json.loads((out / "batch.manifest.json").read_text())
    by_name = {Path(r["input"]).name: r for r in manifest["items"]}
    assert manifest["interrupted"] is True
    assert by_name["fig02.png"]["status"] == "not run"
    assert {n for n, r in by_name.items() if r["status"] == "done"} == set(others)
    assert sorted(p.name for p in out.glob("*.nc")) == sorted(n.replace(".png", ".nc") for n in others)
    for name in others:
        check_output(out / name.replace(".png", ".nc"), int(name[3:5]))

    # the interrupted task may still finish on its worker once released; it writes fig02.nc atomically
    (tmp_path / "release").touch()
    report = run_batch(config, scheduler=cluster.scheduler_address)
    assert report.ok and report.count("done") <= 1 and report.count("done") + report.count("skipped") == 6
    check_output(out / "fig02.nc", 2)


def test_batch_config_errors_fail_up_front(tmp_path):
    make_figures(tmp_path / "figures", n=3)

    def plan_error(**changes) -> str:
        config = {
            "inputs": ["figures/*.png"],
            "output": "out/{stem}.nc",
            "defaults": {"scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}},
            **changes,
        }
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(config))
        with pytest.raises(ConfigError) as e:
            plan_batch(path)
        assert str(e.value).startswith(str(path))
        return str(e.value)

    assert "defaults.scale.cmapp: unknown key" in plan_error(defaults={"scale": {"cmapp": "viridis"}})
    assert "defaults.input: not allowed here" in plan_error(defaults={"input": "x.png"})
    assert "matches no file" in plan_error(inputs=["figures/*.jpg"])
    assert "matches none of the 3 inputs" in plan_error(overrides={"fig9*.png": {"units": "K"}})
    assert "'out/{colour}.nc': cannot fill it" in plan_error(output="out/{colour}.nc")
    assert "unknown suffix" in plan_error(output="out/{stem}.csv")
    assert "would both write" in plan_error(output="out/same.nc")
    assert "inputs: " in plan_error(inputs=None)
    assert "unknown key" in plan_error(outputs="out/{stem}.nc")


def test_paths_resolve_against_the_config_folder_and_toml_works(tmp_path, monkeypatch):
    make_figures(tmp_path / "project" / "figures", n=2)
    config = tmp_path / "project" / "batch.toml"
    config.write_text(
        'inputs = ["figures/fig00.png", "figures/fig01.png", "figures/missing.png"]\n'
        'output = "../results/{parent}/{stem}.nc"\n'
        '[defaults.scale]\ncmap = "viridis"\nvmin = 0\nvmax = 1\n'
        '[overrides."figures/fig01.png"]\nunits = "K"\n'
    )
    monkeypatch.chdir(tmp_path)
    plan = plan_batch(config)
    assert [i.input for i in plan.items] == [
        tmp_path / "project/figures" / n for n in ("fig00.png", "fig01.png", "missing.png")
    ]
    assert plan.items[0].outputs == [tmp_path / "results/figures/fig00.nc"]
    assert plan.items[0].config.units is None and plan.items[1].config.units == "K"
    assert plan.items[2].state == INVALID and "file not found" in plan.items[2].reason
    assert plan.manifest == tmp_path / "results/figures/batch.manifest.json"


def test_up_to_date_needs_same_input_config_and_version(tmp_path):
    make_figures(tmp_path / "figures", n=2)
    config = write_batch(tmp_path, output=("out/{stem}.nc", "out/{stem}.tif"))
    plan = plan_batch(config)
    for item in plan.items:  # in process: the task itself, without a cluster
        assert run_item(item.config)["status"] == "done"
    plan = plan_batch(config)
    assert [i.state for i in plan.items] == [UP_TO_DATE, UP_TO_DATE]
    assert [i.state for i in plan_batch(config, force=True).items] == [TODO, TODO]
    item = plan.items[0]
    assert "made by chromagrid" in staleness(item.outputs, item.input_sha256, item.config_sha256, version="999.0")
    assert "config changed" in staleness(item.outputs, item.input_sha256, "0" * 64)
    # the figure is redrawn with other data: its input hash changes
    plt.imsave(tmp_path / "figures/fig00.png", field(5), cmap="viridis", vmin=0, vmax=1)
    # an output is replaced by a truncated file: unreadable, so redone
    tif = tmp_path / "out/fig01.tif"
    tif.write_bytes(tif.read_bytes()[:100])
    plan = plan_batch(config)
    assert [i.state for i in plan.items] == [TODO, TODO]
    assert "input changed" in plan.items[0].reason
    assert "unreadable" in plan.items[1].reason


def test_run_item_removes_only_stale_temporary_files(tmp_path):
    make_figures(tmp_path / "figures", n=1)
    plan = plan_batch(write_batch(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    old, fresh = out / ".fig00.nc.killed.part", out / ".fig00.nc.running.part"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"being written")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    record = run_item(plan.items[0].config)
    assert record["status"] == "done" and record["tiled"] is False
    assert not old.exists() and fresh.exists()
    check_output(out / "fig00.nc", 0)


def test_the_bundled_atlas_config_plans_every_example():
    config = Path(__file__).resolve().parents[1] / "configs" / "atlas.yaml"
    plan = plan_batch(config, force=True)
    assert [i.input.name for i in plan.items] == ["field.png", "log.png", "discrete.png", "colorbar.png"]
    assert all(i.state == TODO for i in plan.items)
    scales = {i.input.name: i.config.scale for i in plan.items}
    assert (scales["log.png"].cmap, scales["log.png"].norm, scales["log.png"].vmin) == ("YlOrRd", "log", 0.1)
    assert scales["colorbar.png"].cmap is None and scales["colorbar.png"].colorbar_range == (10, 25)
    assert scales["field.png"].cmap == "viridis" and plan.items[0].config.georef.crs == "EPSG:4326"
