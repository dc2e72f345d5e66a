"""``chromagrid ui``: the server's rules over HTTP, and the page end to end in a real headless Chromium.

The browser is Debian's ``chromium`` driven through Debian's ``chromium-driver`` by Selenium
(``make system-deps`` installs both). Without them these tests fail, saying so: they are never skipped.
Every server here is the real ``chromagrid ui`` command in its own process, on a real figure.
"""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIELD = EXAMPLES / "field.png"
TRUE_BOX = [80, 40, 620, 460]
TRUE_EXTENT = [-10.0, 30.0, 35.0, 60.0]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "docs" / "img" / "ui.png"
#: Half a colour step of viridis over 0..0.7 is 0.0014; neighbouring entries may share a colour.
VALUE_TOLERANCE = 0.003


# --------------------------------------------------------------------------- the server, as a user starts it
class UI:
    """A running ``chromagrid ui`` process and its address."""

    def __init__(self, args: list[str], cwd: Path):
        env = {**os.environ, "MPLBACKEND": "Agg"}
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chromagrid.cli", "ui", *args, "--no-browser"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if "http://127.0.0.1:" not in line:
            self.proc.kill()
            raise AssertionError(f"chromagrid ui did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line.split(" at ", 1)[1].strip()
        self.base, self.token = self.url.split("/?token=")
        self.port = int(self.base.rsplit(":", 1)[1])

    def get(self, path: str, token: bool = True, headers: dict | None = None):
        sep = "&" if "?" in path else "?"
        full = f"{self.base}{path}{sep}token={self.token}" if token else f"{self.base}{path}"
        return _request(urllib.request.Request(full, headers=headers or {}))

    def post(self, path: str, body: dict | bytes, token: bool = True):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        full = f"{self.base}{path}?token={self.token}" if token else f"{self.base}{path}"
        return _request(urllib.request.Request(full, data=data, headers={"Content-Type": "application/json"}))

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user stops it; the exit status and what it printed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("chromagrid ui did not stop within 20 s of Ctrl-C") from None
        return self.proc.returncode, out


def _request(req):
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.fixture
def start_ui(tmp_path):
    """Start ``chromagrid ui ARGS`` in ``tmp_path`` (its working folder); stopped by Ctrl-C at the end."""
    running = []

    def start(*args, cwd: Path | None = None) -> UI:
        ui = UI([str(a) for a in args], cwd or tmp_path)
        running.append(ui)
        return ui

    yield start
    for ui in running:
        code, out = ui.stop()
        assert code == 0, f"chromagrid ui exited {code} after Ctrl-C: {out}"


def write_config(path: Path, **scale_and_box) -> Path:
    data = {
        "input": str(FIELD),
        "box": scale_and_box.get("box", TRUE_BOX),
        "scale": scale_and_box.get("scale", {"cmap": "viridis", "vmin": 0.0, "vmax": 0.7}),
    }
    if "georef" in scale_and_box:
        data["georef"] = scale_and_box["georef"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the server's rules
def test_every_request_needs_the_token(start_ui, tmp_path):
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    assert ui.get("/", token=False)[0] == 403
    for path in ("/static/app.js", "/api/state?i=0", "/api/image?i=0", "/api/colormaps", "/nonexistent"):
        status, body, _ = ui.get(path, token=False)
        assert status == 403, path
        assert "token" in json.loads(body)["error"]
    status, _, _ = _request(urllib.request.Request(f"{ui.base}/?token=wrong{ui.token}"))
    assert status == 403
    assert ui.post("/api/decode", {"i": 0, "config": {}}, token=False)[0] == 403
    status, body, headers = ui.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert ui.token.encode() in body  # the page carries its token for its own requests
    # a page from another site that resolves its own name to 127.0.0.1 (DNS rebinding) is refused
    assert ui.get("/", headers={"Host": f"evil.example:{ui.port}"})[0] == 403


def test_the_page_is_served_whole_by_the_package(start_ui, tmp_path):
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    html = ui.get("/")[1].decode()
    for name in ("static/app.js", "static/app.css"):
        assert name in html
        status, body, _ = ui.get(f"/{name}")
        assert status == 200 and len(body) > 1000
    # no script or style from anywhere else (no CDN)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    js = ui.get("/static/app.js")[1].decode()
    assert "https://" not in js and "http://" not in js.replace("http://www.w3.org/2000/svg", "")


def test_it_binds_to_loopback_only(start_ui, tmp_path):
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    assert ui.base.startswith("http://127.0.0.1:")
    # the kernel's own table of listening sockets (IPv4 and IPv6): this port, on 127.0.0.1 only
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == ui.port:
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex; not 0.0.0.0 nor any IPv6 address


def test_paths_outside_the_working_folder_are_refused(start_ui, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    ui = start_ui("--config", write_config(work / "run.yaml"), cwd=work)
    config = {"box": TRUE_BOX, "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}}
    for body in (
        {"config_path": str(outside / "x.yaml"), "outputs": []},
        {"config_path": "../elsewhere/x.yaml", "outputs": []},
        {"config_path": "ok.yaml", "outputs": [str(outside / "x.nc")]},
    ):
        status, raw, _ = ui.post("/api/save", {"i": 0, "config": config, **body})
        answer = json.loads(raw)
        assert status == 422 and answer["field"] == "save"
        assert "outside the working folder" in answer["error"] and "--allow" in answer["error"]
    assert list(outside.iterdir()) == [] and not (work / "ok.yaml").exists()  # nothing written, not even the config
    # a link inside the folder that points outside it is refused too
    (work / "link").symlink_to(outside)
    status, raw, _ = ui.post("/api/save", {"i": 0, "config": config, "config_path": "link/x.yaml", "outputs": []})
    assert status == 422 and list(outside.iterdir()) == []
    # downloads: only files this server wrote
    status, raw, _ = ui.get(f"/api/download?path={work / 'run.yaml'}")
    assert status == 422 and "not a file this page saved" in json.loads(raw)["error"]
    # figures: only the one it was started with
    status, raw, _ = ui.get("/api/image?i=1")
    assert status == 422 and "figures 0 to 0" in json.loads(raw)["error"]


def test_allow_opens_a_folder_outside(start_ui, tmp_path):
    work, outside = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    outside.mkdir()
    ui = start_ui("--config", write_config(work / "run.yaml"), "--allow", outside, cwd=work)
    config = {"box": TRUE_BOX, "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}}
    status, raw, _ = ui.post(
        "/api/save",
        {"i": 0, "config": config, "config_path": str(outside / "x.yaml"), "outputs": [str(outside / "x.nc")]},
    )
    assert status == 200, raw
    assert (outside / "x.yaml").is_file() and (outside / "x.nc").is_file()


def test_request_bodies_are_bounded(start_ui, tmp_path):
    from chromagrid.ui.server import MAX_BODY

    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    status, raw, _ = ui.post("/api/points/import", b'{"text": "' + b"x" * (MAX_BODY + 10) + b'"}')
    assert status == 413 and "at most" in json.loads(raw)["error"]
    assert ui.get("/api/colormaps")[0] == 200  # still serving


def test_errors_are_the_pipelines_one_line_messages(start_ui, tmp_path):
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    cases = [
        ({"box": [80, 40, 900, 460], "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}}, "box", "outside the image"),
        ({"box": TRUE_BOX, "scale": {"cmap": "viridiss", "vmin": 0, "vmax": 0.7}}, "cmap", "did you mean viridis"),
        ({"box": TRUE_BOX, "scale": {"cmap": "viridis", "vmin": 1, "vmax": 0.7}}, "range", "less than vmax"),
        (
            {"box": TRUE_BOX, "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}, "georef": {"gcps": [[0, 0, 1, 1]]}},
            "georef",
            "at least 3",
        ),
    ]
    for config, field, words in cases:
        status, raw, _ = ui.post("/api/decode", {"i": 0, "config": config})
        answer = json.loads(raw)
        assert status == 422, answer
        assert answer["field"] == field and words in answer["error"], answer
        assert "Traceback" not in answer["error"] and "\n" not in answer["error"].strip()


def test_ctrl_c_stops_it_cleanly(tmp_path):
    ui = UI(["--config", str(write_config(tmp_path / "run.yaml"))], tmp_path)
    assert ui.get("/api/colormaps")[0] == 200
    code, out = ui.stop()
    assert code == 0 and "stopped" in out
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{ui.base}/?token={ui.token}", timeout=5)


def test_help_does_not_import_the_ui():
    code = (
        "import chromagrid.cli, contextlib, io, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    chromagrid.cli.main(['ui', '--help'])\n"
        "print('chromagrid.ui' in sys.modules, 'http.server' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_only_the_cli_imports_the_ui():
    package = ROOT / "src" / "chromagrid"
    importers = []
    for path in package.rglob("*.py"):
        if "ui" in path.relative_to(package).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "chromagrid.ui" or n.startswith("chromagrid.ui.") for n in names):
                importers.append(path.name)
    assert importers == ["cli.py"]


# --------------------------------------------------------------------------- the page's logic, without a browser
def test_readout_follows_a_warped_grid():
    """GCPs + reprojection (configs/gcps.yaml): the value shown at a pixel is the grid cell holding its centre."""
    from pyproj import Transformer

    from chromagrid.geo.georef import grid_transform
    from chromagrid.pipeline import run
    from chromagrid.ui.session import View, box_view, probe

    data = yaml.safe_load((ROOT / "configs" / "gcps.yaml").read_text())
    data.update(input=str(FIELD), output=[])
    result = run(data)
    value, distance, mapping = box_view(result)
    assert value.shape == (420, 540) and result.georef["warped"]
    view = View(1, result, value, distance, mapping)
    to_laea = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    inverse = ~grid_transform(result.grid)
    truth = np.load(EXAMPLES / "field.npz")["values"]
    checked = 0
    for col, row in [(102, 62), (352, 252), (597, 437), (200, 300), (500, 100)]:
        r = probe(view, col, row)
        lon = -10 + (col + 0.5 - 80) / 540 * 40  # the GCPs are exact: an extent of -10..30, 35..60 on the box
        lat = 60 - (row + 0.5 - 40) / 420 * 25
        assert r["world"] == pytest.approx([lon, lat], abs=1e-6)
        gx, gy = inverse @ to_laea.transform(lon, lat)
        expected = result.grid["value"].values[int(math.floor(gy)), int(math.floor(gx))]
        if np.isnan(expected):
            assert r["value"] is None
            continue
        assert r["value"] == pytest.approx(float(expected))
        assert r["value"] == pytest.approx(float(truth[(row - 40) // 5, (col - 80) // 5]), abs=0.02)
        checked += 1
    assert checked >= 3


def test_error_field_names_where_the_user_acts():
    from chromagrid.ui.session import error_field

    assert error_field("box [1, 2, 900, 4] reaches outside the image") == "box"
    assert error_field("scale.colorbar_box [1, 2, 3, 4] reaches outside the image") == "colorbar"
    assert error_field("f.png: scale.cmap: unknown colormap 'x'") == "cmap"
    assert error_field("scale: vmin (1) must be less than vmax (0)") == "range"
    assert error_field("georef: transform tps needs at least 10 enabled GCPs") == "georef"
    assert error_field("config /x.yaml: outside the working folder") == "save"
    assert error_field("something else") == "general"


# --------------------------------------------------------------------------- the page in a real browser
@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Debian's chromium-driver (Selenium)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: run `make system-deps` (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1500,1000",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": "/dev/null"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


def wait(driver, condition: str, timeout: float = 120.0, what: str = ""):
    """Wait until the JavaScript expression ``condition`` is truthy; its value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(f"return ({condition});")
        if value:
            return value
        time.sleep(0.1)
    errors = driver.execute_script(
        "return [...document.querySelectorAll('.err')].map(e => e.dataset.field + ': ' + e.textContent).join('; ')"
    )
    raise AssertionError(f"timed out waiting for {what or condition}; page errors: {errors}")


def open_page(driver, ui: UI) -> int:
    driver.get(ui.url)
    wait(driver, "window.chromagrid && window.chromagrid.idle() && document.body.dataset.busy === '0'", what="load")
    return int(driver.execute_script("return window.chromagrid.state.version"))


def decoded_after(driver, version: int) -> int:
    """Wait for a decode newer than ``version`` with nothing left to do; the new version."""
    wait(
        driver,
        f"window.chromagrid.idle() && window.chromagrid.state.version > {version} && document.body.dataset.busy === '0'",
        what="a new decode",
    )
    return int(driver.execute_script("return window.chromagrid.state.version"))


def client_point(driver, x: float, y: float, rounding: str = "round") -> tuple[int, int]:
    """The viewport (CSS pixel) position of image point (x, y), rounded (or floored: inside a pixel)."""
    return tuple(
        driver.execute_script(
            "const r = document.getElementById('viewport').getBoundingClientRect(); const v = window.chromagrid.state.view;"
            f"return [Math.{rounding}(r.left + v.tx + arguments[0] * v.s), Math.{rounding}(r.top + v.ty + arguments[1] * v.s)];",
            x,
            y,
        )
    )


def pointer(driver, *steps):
    """W3C pointer actions: ("move", x, y), ("down",), ("up",)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    for step in steps:
        if step[0] == "move":
            actions.pointer_action.move_to_location(int(step[1]), int(step[2]))
        elif step[0] == "down":
            actions.pointer_action.pointer_down()
        else:
            actions.pointer_action.pointer_up()
    actions.perform()


def drag_handle(driver, handle_id: str, x: int, y: int):
    start = driver.execute_script(
        "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
        handle_id,
    )
    end = client_point(driver, x, y)
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    pointer(driver, ("move", *start), ("down",), ("move", *middle), ("move", *end), ("up",))


def readout(driver, col: int, row: int, version: int) -> dict:
    """Hover over image pixel (col, row) and read the read-out line."""
    x, y = client_point(driver, col + 0.5, row + 0.5, "floor")
    pointer(driver, ("move", x - 3, y), ("move", x, y))
    wait(driver, f"document.body.dataset.probe === '{col},{row},{version}'", what=f"the read-out at {col},{row}")
    text = {k: driver.find_element("id", f"ro-{k}").text for k in ("pixel", "value", "distance", "world")}
    return text


def set_field(driver, element_id: str, text: str):
    from selenium.webdriver.common.keys import Keys

    el = driver.find_element("id", element_id)
    driver.execute_script("arguments[0].value = ''", el)
    el.send_keys(text, Keys.TAB)


def test_page_end_to_end_box_colormap_range_readout_save_and_rerun(browser, start_ui, tmp_path):
    """Drag the plot box to the true box, pick the colormap, set the range, read three pixels, save, rerun."""
    driver = browser
    config = write_config(
        tmp_path / "run.yaml",
        box=[120, 90, 560, 400],  # off: the user drags it to the plot's edges
        scale={"cmap": "gray", "vmin": 0.0, "vmax": 1.0},  # wrong map and range
        georef={"extent": TRUE_EXTENT, "crs": "EPSG:4326"},
    )
    ui = start_ui("--config", config)
    version = open_page(driver, ui)
    assert version >= 1
    assert [int(driver.find_element("id", f"box-{k}").get_attribute("value")) for k in ("x0", "y0", "x1", "y1")] == [
        120,
        90,
        560,
        400,
    ]
    assert driver.execute_script("return window.chromagrid.state.view.s") == 1  # the figure shown 1:1

    drag_handle(driver, "plot-tl", TRUE_BOX[0], TRUE_BOX[1])
    version = decoded_after(driver, version)
    drag_handle(driver, "plot-br", TRUE_BOX[2], TRUE_BOX[3])
    version = decoded_after(driver, version)
    box = [int(driver.find_element("id", f"box-{k}").get_attribute("value")) for k in ("x0", "y0", "x1", "y1")]
    assert box == TRUE_BOX
    rect = driver.find_element("id", "plot-box")
    assert [float(rect.get_attribute(k)) for k in ("x", "y", "width", "height")] == [80, 40, 540, 420]

    # the colormap: searched in the list of every name, with a preview strip each
    search = driver.find_element("id", "cmap-search")
    search.send_keys("virid")
    wait(driver, "document.querySelector('#cmap-list li[data-name=\"viridis\"]')", what="viridis in the list")
    items = driver.find_elements("css selector", "#cmap-list li")
    assert all("virid" in li.get_attribute("data-name").lower() for li in items) and len(items) >= 2
    assert items[0].find_element("css selector", "img.strip").get_attribute("src").count("api/strip") == 1
    driver.find_element("css selector", '#cmap-list li[data-name="viridis"]').click()
    version = decoded_after(driver, version)
    assert driver.find_element("id", "cmap-name").text == "viridis"

    set_field(driver, "vmax", "0.7")
    version = decoded_after(driver, version)
    set_field(driver, "vmin", "0")
    version = decoded_after(driver, version)

    truth = np.load(EXAMPLES / "field.npz")["values"]
    shown = {}
    for col, row in [(102, 62), (352, 252), (597, 437)]:
        text = readout(driver, col, row, version)
        expected = float(truth[(row - 40) // 5, (col - 80) // 5])
        assert text["pixel"] == f"{col}, {row}"
        assert float(text["value"]) == pytest.approx(expected, abs=VALUE_TOLERANCE), (col, row, text)
        assert float(text["distance"]) < 1.0
        lon, lat = _world(text["world"])
        assert lon == pytest.approx(-10 + (col + 0.5 - 80) / 540 * 40, abs=1e-6)
        assert lat == pytest.approx(60 - (row + 0.5 - 40) / 420 * 25, abs=1e-6)
        shown[(col, row)] = (float(text["value"]), lon, lat)

    set_field(driver, "config-path", "saved.yaml")
    set_field(driver, "outputs", "page.nc page.tif")
    driver.find_element("id", "save").click()
    wait(driver, "document.querySelectorAll('#links a').length === 3", what="the download links")
    links = {a.text: a.get_attribute("href") for a in driver.find_elements("css selector", "#links a")}
    assert set(links) == {"saved.yaml", "page.nc", "page.tif"}
    status, body, _ = _request(urllib.request.Request(links["saved.yaml"]))
    assert status == 200 and body == (tmp_path / "saved.yaml").read_bytes()

    saved = yaml.safe_load((tmp_path / "saved.yaml").read_text())
    assert saved["box"] == TRUE_BOX and saved["scale"]["cmap"] == "viridis"
    assert (saved["scale"]["vmin"], saved["scale"]["vmax"]) == (0.0, 0.7)
    page_grid = xr.open_dataset(tmp_path / "page.nc").load()
    shutil.move(tmp_path / "page.nc", tmp_path / "page_copy.nc")
    run = subprocess.run(
        [sys.executable, "-m", "chromagrid.cli", "run", "saved.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    cli_grid = xr.open_dataset(tmp_path / "page.nc").load()
    np.testing.assert_array_equal(cli_grid["value"].values, page_grid["value"].values)
    np.testing.assert_array_equal(cli_grid["x"].values, page_grid["x"].values)
    for value, lon, lat in shown.values():
        assert float(cli_grid["value"].sel(x=lon, y=lat, method="nearest")) == pytest.approx(value, abs=1e-6)


def _world(text: str) -> tuple[float, float]:
    x, y = text.split(" ")[0:2]
    return float(x.rstrip(",")), float(y)


def test_page_prefilled_from_detection(browser, start_ui, tmp_path):
    """From the figure alone: the plot box, the colorbar box, its ticks, the ranked colormaps and the range."""
    driver = browser
    ui = start_ui(FIELD)
    open_page(driver, ui)
    box = [int(driver.find_element("id", f"box-{k}").get_attribute("value")) for k in ("x0", "y0", "x1", "y1")]
    assert box == TRUE_BOX
    cbar = [int(driver.find_element("id", f"cbar-{k}").get_attribute("value")) for k in ("x0", "y0", "x1", "y1")]
    assert cbar == [640, 40, 660, 460]
    assert driver.find_element("id", "cmap-name").text == "viridis"
    assert float(driver.find_element("id", "vmin").get_attribute("value")) == 0.0
    assert float(driver.find_element("id", "vmax").get_attribute("value")) == pytest.approx(0.7)
    wait(driver, "document.querySelectorAll('#matches li').length >= 3", what="ranked matches")
    first = driver.find_element("css selector", "#matches li")
    assert first.get_attribute("data-name") == "viridis"
    distances = [
        float(li.text.split("ΔE ")[1].split()[0]) for li in driver.find_elements("css selector", "#matches li")
    ]
    assert distances == sorted(distances)
    labels = [t.text for t in driver.find_elements("css selector", "#overlay .tick-mark text")]
    assert "0.7" in labels and "0" in labels and len(labels) == 8
    assert driver.find_element("id", "geo-mode").get_attribute("value") == "extent"
    # the colour-distance and no-data layers of the result
    for kind in ("distance", "nodata"):
        driver.execute_script(
            "const s = document.getElementById('layer-kind'); s.value = arguments[0]; s.dispatchEvent(new Event('change'))",
            kind,
        )
        src = driver.find_element("id", "layer").get_attribute("src")
        assert f"kind={kind}" in src
        status, body, headers = _request(urllib.request.Request(src))
        assert status == 200 and headers["Content-Type"] == "image/png" and body[:4] == b"\x89PNG"
    assert "% no data" in driver.find_element("id", "stats").text
    # the screenshot in docs/ui.md: the page as detection left it, the decoded layer over the figure
    driver.execute_script(
        "const s = document.getElementById('layer-kind'); s.value = 'value'; s.dispatchEvent(new Event('change'))"
    )
    wait(driver, "document.getElementById('layer').complete", what="the decoded layer")
    version = int(driver.execute_script("return window.chromagrid.state.version"))
    readout(driver, 250, 150, version)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:4] == b"\x89PNG"


def test_page_shows_the_error_where_the_user_acts(browser, start_ui, tmp_path):
    driver = browser
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    version = open_page(driver, ui)
    set_field(driver, "box-x1", "900")
    wait(driver, "document.querySelector('.err[data-field=\"box\"]').textContent.length > 0", what="the box error")
    message = driver.find_element("css selector", '.err[data-field="box"]').text
    assert "outside the image" in message and "x1 must be <= 730" in message
    assert driver.execute_script("return window.chromagrid.state.version") == version  # the last good result stays
    set_field(driver, "box-x1", "620")
    version = decoded_after(driver, version)
    assert driver.find_element("css selector", '.err[data-field="box"]').text == ""


def _points_file(path: Path) -> tuple[Path, list]:
    """A QGIS .points file of five GCPs on field.png's box (lon/lat), one of them off by 0.3 degrees."""
    rows = [(80, 40, -10, 60), (620, 40, 30, 60), (80, 460, -10, 35), (620, 460, 30, 35), (350, 250, 10.3, 47.5)]
    lines = ["#CRS: ", "mapX,mapY,sourceX,sourceY,enable,dX,dY,residual"]
    lines += [f"{x},{y},{c},{-r},1,0,0,0" for c, r, x, y in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, rows


def test_gcp_session_imports_points_and_shows_residuals(browser, start_ui, tmp_path):
    driver = browser
    ui = start_ui("--config", write_config(tmp_path / "run.yaml"))
    version = open_page(driver, ui)
    points, rows = _points_file(tmp_path / "field.png.points")
    driver.find_element("id", "points-file").send_keys(str(points))
    wait(driver, "document.querySelectorAll('#gcp-table tbody tr').length === 5", what="the GCP rows")
    wait(driver, "document.getElementById('gcp-rmse').textContent.includes('RMSE')", what="the residuals")
    version = decoded_after(driver, version)
    assert driver.find_element("id", "geo-mode").get_attribute("value") == "gcps"

    # the residuals, computed here independently: an affine fit by least squares (QGIS polynomial 1)
    pixel = np.array([[c, r] for c, r, _, _ in rows], float)
    world = np.array([[x, y] for _, _, x, y in rows], float)
    design = np.column_stack([pixel, np.ones(len(pixel))])
    coef, *_ = np.linalg.lstsq(design, world, rcond=None)
    a = coef[:2].T
    back = np.linalg.solve(a, (world - coef[2]).T).T  # world -> pixel under the fit
    expected = back - pixel
    table = driver.find_elements("css selector", "#gcp-table tbody tr")
    for tr, (dx, dy) in zip(table, expected):
        assert float(tr.find_element("css selector", ".dx").text) == pytest.approx(dx, abs=2e-4)
        assert float(tr.find_element("css selector", ".dy").text) == pytest.approx(dy, abs=2e-4)
        assert float(tr.find_element("css selector", ".res").text) == pytest.approx(math.hypot(dx, dy), abs=2e-4)
    rmse = math.sqrt((expected**2).sum() / len(rows))
    assert f"RMSE {rmse:.4f} px" in driver.find_element("id", "gcp-rmse").text
    assert max(np.hypot(*expected.T)) > 1.0  # the misplaced GCP shows

    # turning the bad GCP off refits without it: residuals of the others drop to zero
    table[4].find_element("css selector", ".gon").click()
    wait(driver, "document.getElementById('gcp-rmse').textContent.includes('4 enabled')", what="the refit")
    version = decoded_after(driver, version)
    assert float(table[0].find_element("css selector", ".res").text) == pytest.approx(0.0, abs=1e-3)

    # the hover read-out is in the GCPs' map coordinates
    text = readout(driver, 352, 252, version)
    lon, lat = _world(text["world"])
    assert lon == pytest.approx(-10 + (352.5 - 80) / 540 * 40, abs=1e-6)
    assert lat == pytest.approx(60 - (252.5 - 40) / 420 * 25, abs=1e-6)

    # a click adds a GCP at the pixel clicked
    driver.execute_script(
        "const s = document.getElementById('click-action'); s.value = 'gcp'; s.dispatchEvent(new Event('change'))"
    )
    x, y = client_point(driver, 200, 300)
    pointer(driver, ("move", x, y), ("down",), ("up",))
    wait(driver, "document.querySelectorAll('#gcp-table tbody tr').length === 6", what="the clicked GCP")
    row = driver.find_elements("css selector", "#gcp-table tbody tr")[5]
    assert float(row.find_element("css selector", ".gc").get_attribute("value")) == pytest.approx(200, abs=0.01)
    assert float(row.find_element("css selector", ".gr").get_attribute("value")) == pytest.approx(300, abs=0.01)

    # export: the .points text QGIS reads, with the residuals
    status, raw, _ = ui.post(
        "/api/points/export",
        {"gcps": [[c, r, x, y, True] for c, r, x, y in rows], "transform": "polynomial1", "crs": "EPSG:4326"},
    )
    from chromagrid.geo.gcp import parse_points

    gcps, crs = parse_points(json.loads(raw)["text"])
    assert [(g.col, g.row, g.x, g.y) for g in gcps] == [tuple(map(float, r)) for r in rows]
    assert crs.to_epsg() == 4326


def test_batch_steps_through_the_figures(browser, start_ui, tmp_path):
    batch = yaml.safe_load((ROOT / "configs" / "atlas.yaml").read_text())
    batch["inputs"] = [str(EXAMPLES / n) for n in ("field.png", "log.png", "discrete.png", "colorbar.png")]
    batch["output"] = [str(tmp_path / "out" / "{stem}.nc")]
    batch["manifest"] = str(tmp_path / "out" / "atlas.manifest.json")
    path = tmp_path / "atlas.yaml"
    path.write_text(yaml.safe_dump(batch), encoding="utf-8")
    ui = start_ui("--batch", path)
    driver = browser
    open_page(driver, ui)
    assert driver.find_element("id", "batch-pos").text == "1 / 4"
    driver.find_element("id", "next").click()
    wait(driver, "document.getElementById('fig-name').textContent === 'log.png' && window.chromagrid.idle()")
    wait(driver, "document.body.dataset.busy === '0'")
    assert driver.find_element("id", "batch-pos").text == "2 / 4"
    assert driver.find_element("id", "cmap-name").text == "YlOrRd"
    assert driver.find_element("id", "norm").get_attribute("value") == "log"
    assert driver.find_element("id", "config-path").get_attribute("value") == "atlas/log.yaml"
    driver.find_element("id", "save").click()
    wait(driver, "document.querySelectorAll('#links a').length === 2", what="the saved links")
    saved = yaml.safe_load((tmp_path / "atlas" / "log.yaml").read_text())
    assert saved["scale"]["norm"] == "log" and saved["scale"]["vmin"] == 0.1
    assert (tmp_path / "out" / "log.nc").is_file()
