"""Ground control points: each transform's fit, minimum counts, residuals, QGIS .points files, the CLI."""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pytest
from conftest import chromagrid_command
from pyproj import CRS

from chromagrid.cli import main
from chromagrid.config import validate_config
from chromagrid.errors import ConfigError
from chromagrid.geo.axes import Axis, axes_extent
from chromagrid.geo.gcp import (
    GCP,
    MIN_GCPS,
    POINTS_HEADER,
    TRANSFORMS,
    GeorefError,
    fit_transform,
    format_points,
    gcp_residuals,
    parse_points,
    read_points,
    write_points,
)

RNG = np.random.default_rng(7)
PIXELS = RNG.uniform(0, 400, size=(16, 2))  # (col, row) positions spread over a 400 x 400 image
HELD_OUT = RNG.uniform(20, 380, size=(30, 2))


# Generators of each transform's own family, from pixel (col, row) to map (x, y) in metres (EPSG:3035-like
# magnitudes). Each transform must reproduce its own family exactly.
def _linear(p):
    return np.column_stack([4_000_000 + 2500.0 * p[:, 0], 3_000_000 - 2000.0 * p[:, 1]])


def _helmert(p, angle=0.3, scale=2500.0):
    c, r = p[:, 0], -p[:, 1]  # map y up, rows down
    return np.column_stack(
        [
            4e6 + scale * (math.cos(angle) * c - math.sin(angle) * r),
            3e6 + scale * (math.sin(angle) * c + math.cos(angle) * r),
        ]
    )


def _affine(p):
    return np.column_stack([4e6 + 2500.0 * p[:, 0] + 300.0 * p[:, 1], 3e6 + 150.0 * p[:, 0] - 2000.0 * p[:, 1]])


def _poly2(p):
    c, r = p[:, 0], p[:, 1]
    return np.column_stack([4e6 + 2500.0 * c + 1.5 * c * r, 3e6 - 2000.0 * r + 2.0 * c * c - 1.0 * r * r])


def _poly3(p):
    c, r = p[:, 0], p[:, 1]
    return np.column_stack(
        [4e6 + 2500.0 * c + 0.004 * c**3 - 0.5 * c * r, 3e6 - 2000.0 * r + 0.003 * c * r * r + 0.8 * r * r]
    )


def _projective(p):
    c, r = p[:, 0], p[:, 1]
    w = 1.0 + 4e-4 * c - 2e-4 * r
    return np.column_stack([(4e6 + 2500.0 * c + 200.0 * r) / w, (3e6 + 100.0 * c - 2000.0 * r) / w])


FAMILIES = {
    "linear": _linear,
    "helmert": _helmert,
    "polynomial1": _affine,
    "polynomial2": _poly2,
    "polynomial3": _poly3,
    "projective": _projective,
}


def _gcps(pixels, fn):
    return [GCP(c, r, x, y) for (c, r), (x, y) in zip(pixels, fn(pixels))]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_each_transform_reproduces_its_own_family(name):
    fn = FAMILIES[name]
    fitted = fit_transform(name, _gcps(PIXELS, fn))
    # forward and inverse at points the fit never saw, against the generator
    np.testing.assert_allclose(fitted.forward(HELD_OUT), fn(HELD_OUT), rtol=0, atol=1e-6)  # metres
    np.testing.assert_allclose(fitted.inverse(fn(HELD_OUT)), HELD_OUT, rtol=0, atol=1e-6)  # pixels
    report = gcp_residuals(fitted, _gcps(PIXELS, fn))
    assert report.count == 16 and report.rmse_px < 1e-6 and report.rmse_map < 1e-5
    assert (fitted.affine is not None) == (name in ("linear", "helmert", "polynomial1"))


def test_tps_passes_through_every_gcp_and_bends_smoothly_between():
    fitted = fit_transform("tps", _gcps(PIXELS, _poly2))
    np.testing.assert_allclose(fitted.forward(PIXELS), _poly2(PIXELS), rtol=0, atol=1e-6)  # metres
    np.testing.assert_allclose(fitted.inverse(_poly2(PIXELS)), PIXELS, rtol=0, atol=1e-9)  # pixels
    # between the GCPs it bends with the mapping: far closer to it than the best affine
    err = np.abs(fitted.forward(HELD_OUT) - _poly2(HELD_OUT)).max()
    affine = fit_transform("polynomial1", _gcps(PIXELS, _poly2))
    assert err < 0.25 * np.abs(affine.forward(HELD_OUT) - _poly2(HELD_OUT)).max()


def test_lower_transforms_cannot_fit_a_higher_family():
    """The residuals are real: an affine fit of a quadratic mapping leaves residuals, polynomial2 none."""
    gcps = _gcps(PIXELS, _poly2)
    assert gcp_residuals(fit_transform("polynomial1", gcps), gcps).rmse_map > 1000.0
    assert gcp_residuals(fit_transform("polynomial2", gcps), gcps).rmse_map < 1e-5


def test_residuals_match_a_known_distortion():
    """GCPs = an affine + a perturbation that no affine can absorb: the affine fit's residuals ARE that perturbation.

    The perturbation d is orthogonal to the affine design (1, col, row), so the least-squares fit recovers
    the affine exactly; its map residuals forward(p) - (x, y) are -d, its pixel residuals (world to pixel)
    are L^-1 d with L the affine's linear part.
    """
    n = len(PIXELS)
    design = np.column_stack([np.ones(n), PIXELS])
    q, _ = np.linalg.qr(design)
    raw = RNG.normal(0, 800.0, size=(n, 2))
    d = raw - q @ (q.T @ raw)  # remove the part an affine could explain
    assert np.abs(design.T @ d).max() < 1e-6
    a, b, c, e, f, g = 2500.0, 300.0, 4e6, 150.0, -2000.0, 3e6
    true = np.column_stack([a * PIXELS[:, 0] + b * PIXELS[:, 1] + c, e * PIXELS[:, 0] + f * PIXELS[:, 1] + g])
    gcps = [GCP(cc, rr, x, y) for (cc, rr), (x, y) in zip(PIXELS, true + d)]
    report = gcp_residuals(fit_transform("polynomial1", gcps), gcps)
    dx_map = np.array([r["dx_map"] for r in report.rows])
    dy_map = np.array([r["dy_map"] for r in report.rows])
    np.testing.assert_allclose(dx_map, -d[:, 0], atol=1e-6)
    np.testing.assert_allclose(dy_map, -d[:, 1], atol=1e-6)
    expected_px = np.linalg.solve(np.array([[a, b], [e, f]]), d.T).T
    got_px = np.array([[r["dx_px"], r["dy_px"]] for r in report.rows])
    np.testing.assert_allclose(got_px, expected_px, atol=1e-9)
    np.testing.assert_allclose([r["total_px"] for r in report.rows], np.hypot(*expected_px.T), atol=1e-9)
    assert report.rmse_map == pytest.approx(math.sqrt((d**2).sum() / n))
    assert report.rmse_px == pytest.approx(math.sqrt((expected_px**2).sum() / n))
    # QGIS's "mean error": the same squares over (n - 3) degrees of freedom
    assert report.mean_error_px == pytest.approx(math.sqrt((expected_px**2).sum() / (n - 3)))


@pytest.mark.parametrize("name", TRANSFORMS)
def test_minimum_gcps_named_in_the_error(name):
    need = MIN_GCPS[name]
    fn = FAMILIES.get(name, _affine)
    with pytest.raises(GeorefError, match=rf"transform {name} needs at least {need} enabled GCPs, got {need - 1}"):
        fit_transform(name, _gcps(PIXELS[: need - 1], fn))
    fit_transform(name, _gcps(PIXELS[:need], fn))  # exactly the minimum is enough


def test_minimum_gcps_checked_at_config_time(tmp_path):
    rows = [[float(c), float(r), float(x), float(y)] for (c, r), (x, y) in zip(PIXELS[:5], _affine(PIXELS[:5]))]
    base = {"input": str(tmp_path / "never-read.png"), "scale": {"cmap": "viridis", "vmin": 0, "vmax": 1}}
    with pytest.raises(ConfigError, match="transform polynomial2 needs at least 6 enabled GCPs, got 5"):
        validate_config({**base, "georef": {"gcps": rows, "transform": "polynomial2", "crs": "EPSG:3035"}})
    points = tmp_path / "few.points"
    write_points(points, [GCP(*g) for g in rows[:3]])
    with pytest.raises(ConfigError, match="transform projective needs at least 4 enabled GCPs, got 3"):
        validate_config({**base, "georef": {"gcps_file": str(points), "transform": "projective"}})
    with pytest.raises(ConfigError, match="transform tps needs gcps or gcps_file"):
        validate_config({**base, "georef": {"extent": [0, 1, 0, 1], "transform": "tps"}})


def test_disabled_gcps_are_left_out_of_the_fit_but_reported():
    gcps = _gcps(PIXELS, _affine)
    gcps.append(GCP(200.0, 200.0, 0.0, 0.0, enabled=False))  # wildly wrong, but switched off
    report = gcp_residuals(fit_transform("polynomial1", gcps), gcps)
    assert report.count == 16 and report.rmse_map < 1e-5
    assert report.rows[-1]["enabled"] is False and report.rows[-1]["total_map"] > 1e6


def test_helmert_follows_a_y_axis_that_grows_downward():
    """A similarity cannot mirror: when map y grows with the row (a depth axis), it is fitted on (col, row)."""

    def down(p):
        return np.column_stack([10.0 + 0.5 * p[:, 0], 100.0 + 0.5 * p[:, 1]])

    fitted = fit_transform("helmert", _gcps(PIXELS, down))
    np.testing.assert_allclose(fitted.forward(HELD_OUT), down(HELD_OUT), atol=1e-9)


def test_degenerate_gcps_fail_clearly():
    same = [GCP(10, 10, 1, 1), GCP(10, 10, 1, 1), GCP(30, 40, 2, 2)]
    with pytest.raises(GeorefError, match="share one pixel position"):
        fit_transform("polynomial1", same)
    with pytest.raises(GeorefError, match="unknown 'affine'"):
        fit_transform("affine", _gcps(PIXELS, _affine))


# --------------------------------------------------------------------------- QGIS .points

# Written by hand exactly as QGIS 3 saves GCPs (QgsGCPList::saveGcps): "#CRS: " and the target CRS as WKT
# (WKT2_2019, one line), the header, then per GCP mapX,mapY,sourceX,sourceY,enable,dX,dY,residual with every
# number through qgsDoubleToString (printf %.17f, trailing zeros and point dropped, never "-0"). The image has
# no georeferencing, so sourceY is the negated row. The fourth GCP is disabled.
QGIS_WKT_3035 = (
    'PROJCRS["ETRS89-extended / LAEA Europe",BASEGEOGCRS["ETRS89",ENSEMBLE["European Terrestrial Reference '
    'System 1989 ensemble",MEMBER["European Terrestrial Reference Frame 1989"],MEMBER["European Terrestrial '
    'Reference Frame 1990"],MEMBER["European Terrestrial Reference Frame 1991"],MEMBER["European Terrestrial '
    'Reference Frame 1992"],MEMBER["European Terrestrial Reference Frame 1993"],MEMBER["European Terrestrial '
    'Reference Frame 1994"],MEMBER["European Terrestrial Reference Frame 1996"],MEMBER["European Terrestrial '
    'Reference Frame 1997"],MEMBER["European Terrestrial Reference Frame 2000"],MEMBER["European Terrestrial '
    'Reference Frame 2005"],MEMBER["European Terrestrial Reference Frame 2014"],MEMBER["European Terrestrial '
    'Reference Frame 2020"],ELLIPSOID["GRS 1980",6378137,298.257222101,LENGTHUNIT["metre",1]],'
    'ENSEMBLEACCURACY[0.1]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],ID["EPSG",4258]],'
    'CONVERSION["Europe Equal Area 2001",METHOD["Lambert Azimuthal Equal Area",ID["EPSG",9820]],'
    'PARAMETER["Latitude of natural origin",52,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8801]],'
    'PARAMETER["Longitude of natural origin",10,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8802]],'
    'PARAMETER["False easting",4321000,LENGTHUNIT["metre",1],ID["EPSG",8806]],'
    'PARAMETER["False northing",3210000,LENGTHUNIT["metre",1],ID["EPSG",8807]]],'
    'CS[Cartesian,2],AXIS["northing (Y)",north,ORDER[1],LENGTHUNIT["metre",1]],'
    'AXIS["easting (X)",east,ORDER[2],LENGTHUNIT["metre",1]],USAGE[SCOPE["Statistical analysis."],'
    'AREA["Europe - European Union (EU) countries and candidates. Europe - onshore and offshore: Albania; '
    "Andorra; Austria; Belgium; Bosnia and Herzegovina; Bulgaria; Croatia; Cyprus; Czechia; Denmark; Estonia; "
    "Faroe Islands; Finland; France; Germany; Gibraltar; Greece; Hungary; Iceland; Ireland; Italy; Kosovo; "
    "Latvia; Liechtenstein; Lithuania; Luxembourg; Malta; Monaco; Montenegro; Netherlands; North Macedonia; "
    "Norway including Svalbard and Jan Mayen; Poland; Portugal including Madeira and Azores; Romania; San "
    "Marino; Serbia; Slovakia; Slovenia; Spain including Canary Islands; Sweden; Switzerland; Turkey; United "
    'Kingdom (UK) including Channel Islands and Isle of Man; Vatican City State."],'
    'BBOX[24.6,-35.58,84.73,44.83]],ID["EPSG",3035]]'
)
QGIS_POINTS = (
    f"#CRS: {QGIS_WKT_3035}\n"
    "mapX,mapY,sourceX,sourceY,enable,dX,dY,residual\n"
    "4000000,3100000,100,-80,1,0,0,0\n"
    "4250000.5,3100000,200.25,-80,1,0,0,0\n"
    "4000000,2900000,100,-180.5,1,0,0,0\n"
    "4123456.78899999987334013,2987654.32099999999627471,0.10000000000000001,-0.5,0,0,0,0\n"
)


def test_reads_a_points_file_written_the_way_qgis_writes_it(tmp_path):
    path = tmp_path / "figure.png.points"
    path.write_text(QGIS_POINTS, encoding="utf-8")
    gcps, crs = read_points(path)
    assert crs.to_epsg() == 3035
    assert [(g.col, g.row, g.x, g.y, g.enabled) for g in gcps] == [
        (100.0, 80.0, 4_000_000.0, 3_100_000.0, True),
        (200.25, 80.0, 4_250_000.5, 3_100_000.0, True),
        (100.0, 180.5, 4_000_000.0, 2_900_000.0, True),
        (0.1, 0.5, 4123456.789, 2987654.321, False),
    ]


def test_points_round_trip_byte_for_byte(tmp_path):
    """Read QGIS's file, write it back: every GCP line is the same bytes QGIS wrote; the CRS is the same CRS."""
    gcps, crs = parse_points(QGIS_POINTS)
    out = tmp_path / "again.points"
    write_points(out, gcps, crs)
    written = out.read_text(encoding="utf-8")
    assert written.splitlines()[1:] == QGIS_POINTS.splitlines()[1:]
    assert written.endswith("\n") and written.startswith("#CRS: ")
    assert CRS.from_wkt(written.splitlines()[0].removeprefix("#CRS: ")) == CRS.from_wkt(QGIS_WKT_3035)
    assert parse_points(written) == (gcps, crs)


def test_written_residuals_use_qgis_columns_and_units():
    """dX, dY, residual hold the pixel residuals (QGIS's default units); rows stay negated."""
    gcps = [
        GCP(10.0, 20.0, 1.0, 2.0),
        GCP(30.0, 20.0, 3.0, 2.0),
        GCP(10.0, 60.0, 1.0, -2.0),
        GCP(30.0, 60.0, 3.5, -2.0),
    ]
    report = gcp_residuals(fit_transform("polynomial1", gcps), gcps)
    lines = format_points(gcps, None, report).splitlines()
    assert lines[0] == "#CRS: " and lines[1] == POINTS_HEADER
    fields = [line.split(",") for line in lines[2:]]
    assert [f[3] for f in fields] == ["-20", "-20", "-60", "-60"]
    for f, row in zip(fields, report.rows):
        assert float(f[5]) == pytest.approx(row["dx_px"], abs=1e-15)
        assert float(f[6]) == pytest.approx(row["dy_px"], abs=1e-15)
        assert float(f[7]) == pytest.approx(math.hypot(row["dx_px"], row["dy_px"]), abs=1e-15)
    assert max(float(f[7]) for f in fields) > 0.1  # the fourth GCP does not fit an affine


def test_older_tab_separated_points_without_crs():
    text = "mapX\tmapY\tpixelX\tpixelY\n10\t20\t1\t-2\n11\t21\t3\t-4\n"
    gcps, crs = parse_points(text)
    assert crs is None and [(g.col, g.row, g.x, g.y, g.enabled) for g in gcps] == [
        (1, 2, 10, 20, True),
        (3, 4, 11, 21, True),
    ]


def test_bad_points_files_say_where(tmp_path):
    with pytest.raises(GeorefError, match="line 3: expected mapX,mapY,sourceX,sourceY"):
        parse_points(f"#CRS: \n{POINTS_HEADER}\n1,2,3\n", "f.points")
    with pytest.raises(GeorefError, match="line 3: not a number"):
        parse_points(f"#CRS: \n{POINTS_HEADER}\n1,2,x,4,1,0,0,0\n", "f.points")
    with pytest.raises(GeorefError, match="no GCPs found"):
        parse_points(f"#CRS: \n{POINTS_HEADER}\n", "f.points")
    with pytest.raises(GeorefError, match="GCP file not found"):
        read_points(tmp_path / "missing.points")


# --------------------------------------------------------------------------- axes


def test_linear_and_log_axes_from_two_ticks():
    x = Axis(((30.0, -10.0), (270.0, 14.0)))
    np.testing.assert_allclose(x.value([30.0, 150.0, 270.0]), [-10.0, 2.0, 14.0])
    np.testing.assert_allclose(x.position([2.0]), [150.0])
    log = Axis(((30.0, 1.0), (270.0, 1000.0)), "log")  # 80 pixels a decade
    np.testing.assert_allclose(log.value([30.0, 110.0, 190.0, 230.0]), [1.0, 10.0, 100.0, 10**2.5])
    np.testing.assert_allclose(log.position([10.0]), [110.0])
    down = Axis(((30.0, 0.0), (210.0, 900.0)))  # a y axis whose values grow downward
    assert axes_extent(x, down, (30, 30, 270, 210)) == (-10.0, 14.0, 900.0, 0.0)
    for ticks, scale, message in [
        (((5, 1), (5, 2)), "linear", "same pixel position"),
        (((5, 1), (9, 1)), "linear", "same value"),
        (((5, 0), (9, 10)), "log", "needs tick values > 0"),
    ]:
        with pytest.raises(ConfigError, match=message):
            Axis(ticks, scale)


# --------------------------------------------------------------------------- CLI


def _points_file(tmp_path, transform_family=_poly2, count=8):
    image = tmp_path / "figure.png"
    from PIL import Image

    Image.new("RGB", (400, 400), "white").save(image)
    pixels = PIXELS[:count]
    write_points(tmp_path / "figure.png.points", _gcps(pixels, transform_family), CRS.from_epsg(3035))
    return image


def test_cli_georef_prints_residuals_and_rmse(tmp_path, capsys):
    image = _points_file(tmp_path)
    assert main(["georef", str(image), "--transform", "polynomial2"]) == 0  # GCPs from figure.png.points
    out = capsys.readouterr().out
    assert "map CRS ETRS89-extended / LAEA Europe" in out
    assert out.count("\n") >= 10 and "dx px" in out and "res map" in out
    assert "transform polynomial2, 8 enabled GCPs: RMSE 0.0000 px" in out
    assert main(["georef", str(image), "--transform", "polynomial1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["transform"] == "polynomial1" and report["count"] == 8 and len(report["gcps"]) == 8
    assert report["rmse_map"] > 1000.0  # a quadratic mapping leaves affine residuals
    rms = math.sqrt(np.mean([g["total_map"] ** 2 for g in report["gcps"]]))
    assert report["rmse_map"] == pytest.approx(rms)


def test_cli_georef_too_few_gcps_and_write_points(tmp_path, capsys):
    image = _points_file(tmp_path)
    assert main(["georef", str(image), "--transform", "polynomial3"]) == 1
    assert "transform polynomial3 needs at least 10 enabled GCPs, got 8" in capsys.readouterr().err
    out = tmp_path / "with-residuals.points"
    assert (
        main(
            [
                "georef",
                str(image),
                "--gcps",
                str(tmp_path / "figure.png.points"),
                "--transform",
                "polynomial1",
                "--write-points",
                str(out),
            ]
        )
        == 0
    )
    gcps, crs = read_points(out)
    assert crs.to_epsg() == 3035 and len(gcps) == 8
    assert max(float(line.split(",")[7]) for line in out.read_text().splitlines()[2:]) > 0.1


def test_console_script_georef(tmp_path):
    image = _points_file(tmp_path)
    done = subprocess.run(
        chromagrid_command() + ["georef", str(image), "--gcps", str(image) + ".points", "--transform", "polynomial2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "RMSE" in done.stdout and "QGIS mean error" in done.stdout
