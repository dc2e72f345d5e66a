"""Config: YAML and TOML, validated up front, each mistake named by its key; relative paths."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import xarray as xr
from conftest import draw_figure, smooth_field, truth_per_pixel
from matplotlib.colors import Normalize

import chromagrid
from chromagrid.config import load_config, validate_config
from chromagrid.errors import ConfigError

YAML = """\
input: figure.png
output: [out/field.nc, out/field.tif]
box: {box}
units: K
scale:
  cmap: viridis
  vmin: 0
  vmax: 0.7
decode:
  max_distance: 10
georef:
  extent: [-10, 30, 35, 60]
  crs: EPSG:4326
"""

TOML = """\
input = "figure.png"
output = ["out/field.nc", "out/field.tif"]
box = {box}
units = "K"

[scale]
cmap = "viridis"
vmin = 0
vmax = 0.7

[decode]
max_distance = 10

[georef]
extent = [-10, 30, 35, 60]
crs = "EPSG:4326"
"""


@pytest.fixture
def project(tmp_path):
    """A folder holding figure.png (drawn from a known field) and the field's per-pixel truth."""
    folder = tmp_path / "project"
    folder.mkdir()
    data = smooth_field(30, 40, 0.0, 0.7)
    fig = draw_figure(folder, data, "viridis", Normalize(0, 0.7))
    truth = truth_per_pixel(data, (fig.box[3] - fig.box[1], fig.box[2] - fig.box[0]))
    return folder, fig, truth


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_yaml_and_toml_give_the_same_config(project):
    folder, fig, _ = project
    yaml_config = load_config(_write(folder, "c.yaml", YAML.format(box=list(fig.box))))
    toml_config = load_config(_write(folder, "c.toml", TOML.format(box=list(fig.box))))
    assert yaml_config == toml_config
    assert yaml_config.scale.cmap == "viridis" and yaml_config.decode.max_distance == 10
    assert yaml_config.georef.extent == (-10, 30, 35, 60)


def test_relative_paths_resolve_against_the_config_folder(project, tmp_path, monkeypatch):
    folder, fig, truth = project
    config_path = _write(folder, "c.yaml", YAML.format(box=list(fig.box)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the user runs from another folder
    config = load_config(config_path)
    assert config.input == (folder / "figure.png").resolve()
    assert config.output == [(folder / "out/field.nc").resolve(), (folder / "out/field.tif").resolve()]

    result = chromagrid.run(config_path)
    assert (folder / "out" / "field.nc").is_file() and (folder / "out" / "field.tif").is_file()
    assert list(elsewhere.iterdir()) == []
    back = xr.open_dataset(folder / "out" / "field.nc")
    assert np.nanmax(np.abs(back["value"].values - truth)) <= 0.7 / 256
    # the provenance names the files relative to the config's folder (no machine path in an output)
    expected = {**result.config.resolved(), "input": "figure.png", "output": ["out/field.nc", "out/field.tif"]}
    assert json.loads(back.attrs["chromagrid_config"]) == expected


# --------------------------------------------------------------------------- mistakes, each named by its key
BASE = {"input": "figure.png", "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}}


def _with(path: str, value):
    """BASE with one key set (``a.b`` for nested keys)."""
    data = json.loads(json.dumps(BASE))
    *parents, key = path.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[key] = value
    return data


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("outptu", "x.nc", r"outptu: unknown key"),
        ("scale.cmapp", "viridis", r"scale\.cmapp: unknown key"),
        ("georef.extnt", [0, 1, 0, 1], r"georef\.extnt: unknown key"),
        ("box", ["a", 0, 10, 10], r"box\.0: Input should be a valid integer"),
        ("box", [0, 0, 10], r"box: too few values: item 4 is missing"),
        ("box", [0, 0, 10, 10, 5], r"box: Tuple should have at most 4 items"),
        ("scale.vmin", "low", r"scale\.vmin: Input should be a valid number"),
        ("decode.max_distance", "far", r"decode\.max_distance: Input should be a valid number"),
        ("decode.max_distance", -1, r"decode\.max_distance: Input should be greater than 0"),
        ("scale.vmax", 0, r"scale: vmin \(0\.0\) must be less than vmax \(0\.0\)"),
        ("scale.vmax", -1, r"scale: vmin \(0\.0\) must be less than vmax \(-1\.0\)"),
        ("scale.norm", "cubic", r"scale\.norm: Input should be 'linear', 'log' or 'discrete'"),
        ("scale.colors", ["#000000", "#ffffff"], r"scale: give exactly one colour scale source"),
        ("georef.crs", "EPSG:4326", r"georef: crs needs extent"),
        ("georef.crs", "EPSG:99999999", r"georef\.crs: cannot understand 'EPSG:99999999'"),
        ("georef.extent", [5, 5, 0, 1], r"georef\.extent: extent \[5\.0, 5\.0, 0\.0, 1\.0\] is empty"),
        ("output", "field.png", r"output: .*unknown suffix '\.png'"),
        ("box", [10, 10, 5, 50], r"box: box \[10, 10, 5, 50\] must be x0 y0 x1 y1"),
        ("box", [-1, 0, 10, 10], r"box: .*negative coordinate"),
        ("image.max_pixels", 0, r"image\.max_pixels: Input should be greater than 0"),
    ],
)
def test_mistakes_are_named_by_key(key, value, message):
    with pytest.raises(ConfigError, match=message) as info:
        validate_config(_with(key, value))
    assert "\n" not in str(info.value)  # one problem, one line


@pytest.mark.parametrize(
    "scale, message",
    [
        ({"cmap": "viridis", "norm": "log", "vmin": 0, "vmax": 10}, r"scale: norm: log needs vmin > 0 \(got 0\.0\)"),
        ({"cmap": "viridis", "norm": "log", "vmin": -1, "vmax": 10}, r"norm: log needs vmin > 0"),
        ({"cmap": "viridis", "norm": "discrete"}, r"norm: discrete needs boundaries"),
        ({"cmap": "viridis", "norm": "discrete", "boundaries": [0, 2, 1]}, r"strictly increasing"),
        ({"cmap": "viridis", "vmin": 0, "vmax": 1, "boundaries": [0, 1]}, r"boundaries only go with norm: discrete"),
        ({"cmap": "viridis"}, r"the value range is missing: give vmin and vmax"),
        ({"colorbar_box": [0, 0, 5, 50]}, r"the value range is missing: give colorbar_range"),
        ({"cmap": "viridis", "vmin": 0, "vmax": 1, "colorbar_range": [0, 1]}, r"colorbar_range needs colorbar_box"),
        ({"colors": ["#000"], "values": [0], "vmin": 0, "vmax": 1, "cmap": "viridis"}, r"exactly one colour scale"),
        ({"cmap": "viridis", "vmin": 0, "vmax": 1, "ncolors": 1}, r"scale\.ncolors: Input should be greater than or"),
        ({"cmap": "virdis", "vmin": 0, "vmax": 1}, r"scale\.cmap: unknown colormap 'virdis'; did you mean viridis"),
    ],
)
def test_scale_mistakes(scale, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({"input": "figure.png", "scale": scale})


def test_several_mistakes_are_all_listed():
    with pytest.raises(ConfigError) as info:
        validate_config({"input": "f.png", "outptu": "x.nc", "scale": {"cmap": "viridis", "vmin": "a", "vmax": 1}})
    lines = str(info.value).splitlines()
    assert lines[0] == "config: "
    assert any(line.strip().startswith("outptu: unknown key") for line in lines)
    assert any(line.strip().startswith("scale.vmin:") for line in lines)


def test_config_errors_come_before_any_work(tmp_path):
    """vmin >= vmax with an input that does not exist: the config is what gets reported, nothing is written."""
    path = _write(
        tmp_path,
        "c.yaml",
        """\
        input: missing.png
        output: out/f.nc
        scale: {cmap: viridis, vmin: 1, vmax: 0.5}
        """,
    )
    with pytest.raises(ConfigError, match=r"c\.yaml: scale: vmin \(1\.0\) must be less than vmax \(0\.5\)"):
        load_config(path)
    assert not (tmp_path / "out").exists()


def test_box_outside_the_image_fails_before_decoding(project):
    """The pixel data are cut short, but the box is checked from the header first: the box is what is reported."""
    folder, fig, _ = project
    cut = folder / "cut.png"
    whole = fig.path.read_bytes()
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(
        ConfigError,
        match=r"box \[0, 0, 401, 300\] reaches outside the image \(400x300 pixels\); "
        r"x1 must be <= 400",
    ):
        chromagrid.digitize(cut, cmap="viridis", vmin=0, vmax=1, box=(0, 0, 401, 300), output=folder / "o.nc")
    with pytest.raises(ConfigError, match=r"scale\.colorbar_box \[0, 0, 10, 301\] reaches outside the image"):
        chromagrid.digitize(cut, colorbar_box=(0, 0, 10, 301), colorbar_range=(0, 1), output=folder / "o.nc")
    assert not (folder / "o.nc").exists()
    with pytest.raises(chromagrid.ImageReadError, match="truncated"):  # a box inside: now the pixels are read
        chromagrid.digitize(cut, cmap="viridis", vmin=0, vmax=1, box=(0, 0, 400, 300))


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("c.json", "{}", r"config files must end in \.yaml, \.yml or \.toml"),
        ("c.yaml", "input: [unclosed", r"c\.yaml: cannot parse"),
        ("c.toml", "input = ", r"c\.toml: cannot parse"),
        ("c.yaml", "- just\n- a list\n", r"expected a mapping of keys at the top level"),
    ],
)
def test_unreadable_config_files(tmp_path, name, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, name, text))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_run_accepts_a_config_a_dict_or_a_path(project):
    folder, fig, truth = project
    path = _write(
        folder, "c.yaml", YAML.format(box=list(fig.box)).replace("output: [out/field.nc, out/field.tif]\n", "")
    )
    data = {"input": str(fig.path), "box": list(fig.box), "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}}
    for config in (path, str(path), load_config(path), data):
        value = chromagrid.run(config).grid["value"].values
        assert np.nanmax(np.abs(value - truth)) <= 0.7 / 256
