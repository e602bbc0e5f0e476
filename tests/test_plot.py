"""Pictures of the rates (issue 14.1): the curves' numbers, gaps, vacuity and validity, and `ditrates plot`."""

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ditrates
from ditrates import curves, xi
from ditrates.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="drawing needs the plot extra (matplotlib), which is not installed")


@pytest.mark.parametrize("vs, names, params, reading", [
    ("n", ["score-estimation", "tv-recovery"], {"d0": 16}, "auto"),
    ("eps", ["xi", "subspace-recovery"], {"d0": 16, "n": "1e5"}, "auto"),
    ("L", ["score-estimation"], {"n": "1e6"}, "proof"),
    ("d0", ["score-approximation"], {"n": "1e6", "eps": "0.3", "d": 4}, "auto"),
    ("B", ["inference-almost-linear"], {"L": 4096, "d": 8}, "auto"),
])
def test_curves_equal_the_scalar_evaluation_with_the_same_defaults(vs, names, params, reading):
    """Every curve point is Result.evaluate at that x, defaults (T = ln n, eps = auto, L = d0/d) included."""
    lo, hi = curves.RANGES[vs]
    fig = curves.figure(names, vs, lo, hi, params, points=7, xi_reading=reading)
    assert {c.name for c in fig.curves} >= set(names)
    for c in fig.curves:
        for x, y in zip(c.x, c.log10, strict=True):
            given = dict(params, **({"d": curves.D_ALONG_L} if vs in ("L", "d0") and "d" not in params else {}))
            given = {k: v for k, v in given.items() if k in ditrates.get(c.name).keys or k in ("d0", "d", "L")}
            ev = _evaluate_real(c.name, vs, x, given, reading)
            assert math.isclose(y, float(ev.log10), rel_tol=1e-9, abs_tol=1e-12), (c.name, x)


def _evaluate_real(name, vs, x, given, reading):
    """Integer parameters take real values on grids; evaluate the scalar at the same real point."""
    import mpmath

    from ditrates.defaults import resolve

    r = ditrates.get(name)
    return r.evaluate_at(resolve(dict(given, **{vs: mpmath.mpf(x)}), r.keys, strict=False, xi_reading=reading))


def test_failed_conditions_are_gaps_not_zeros():
    """With xi as printed, eps above eps_max(L) fails Def. 3.4's range: NaN there, finite below."""
    fig = curves.figure(["xi"], "eps", 1e-2, 0.99, {"n": "1e5", "L": 4}, points=50, xi_reading="printed")
    c = fig.curves[0]
    inside = c.x <= float(xi.eps_max(4))
    assert np.isnan(c.log10[~inside]).all() and not c.valid[~inside].any()
    assert np.isfinite(c.log10[inside]).all() and (c.log10[inside] != 0).all()
    assert c.printed[inside].all() and not c.printed[~inside].any()


def test_the_printed_range_is_where_the_reading_auto_uses_it():
    fig = curves.figure(["score-estimation"], "eps", 1e-3, 0.999, {"d0": 16, "n": "1e5"}, points=40)
    c = fig.curves[0]
    assert (c.printed == xi.in_printed_range(c.x, np.full_like(c.x, 4))).all()
    assert c.printed.any() and not c.printed.all()


def test_a_double_exponential_is_finite_in_log_space():
    """2^((1/eps)^(2L)) at L = 256: log10 about 4e153, no overflow, no NaN."""
    c = curves.figure(["xi"], "n", 1e2, 1e300, {"L": 256, "eps": "0.5"}, points=5).curves[0]
    assert np.isfinite(c.log10).all() and c.log10.min() > 1e153


def test_baselines_trivial_values_and_thresholds():
    fig = curves.figure(["tv-recovery", "subspace-recovery"], "n", 1e2, 1e20, {"d0": 16}, points=5)
    names = [c.name for c in fig.curves]
    assert names == ["tv-recovery", "subspace-recovery", "chen2023-tv", "oko2023-tv", "hu2025-latent-tv"]
    assert [c.baseline for c in fig.curves] == [False, False, True, True, True]
    assert np.allclose(fig.curves[1].trivial_log10, math.log10(32))  # 2 d0
    assert fig.curves[0].vacuous.all()  # the TV bound exceeds 1 at d0 = 16
    crit = curves.figure(["inference-almost-linear"], "B", 1e-2, 10, {"L": 4096, "d": 8}, points=5)
    assert crit.reference[0] == 0.0 and [c.name for c in crit.curves] == ["inference-almost-linear"]
    assert not curves.figure(["tv-recovery"], "n", 1e2, 1e5, {"d0": 16}, points=3, baselines=False).curves[1:]


def test_bad_requests_name_the_problem():
    with pytest.raises(ditrates.DitratesError, match="does not depend on n"):
        curves.figure(["network-size"], "n", 10, 100, {"d0": 16})
    with pytest.raises(ditrates.DitratesError, match="runs along the x-axis"):
        curves.figure(["xi"], "n", 10, 100, {"n": 5, "L": 4})
    with pytest.raises(ditrates.DitratesError, match="LO < HI"):
        curves.parse_range("1e5:1e2", "n")
    with pytest.raises(ditrates.DitratesError, match="float64"):
        curves.parse_range("1e2:1e400", "n")


def _runs(tmp_path):
    """Records as `ditrates experiment run` writes them: two configurations of dit-learned (widths 32 and 64,
    never to be pooled), mlp-learned, and the ambient baseline (its bound has d0 = D)."""
    from ditrates.experiments.plan import digest

    base = {"D": 32, "d0": 8, "d": 2, "T0": 0.01, "T": 5.0, "weighting": "none", "times": "log"}
    models = {("dit", "learned", 32): (0.5, 0.7, 0.2, 0.2), ("dit", "learned", 64): (5.0, 7.0, 2.0, 2.0),
              ("mlp", "learned", 32): (0.9, 1.1, 0.4, 0.6), ("dit", "ambient", 32): (0.1, 0.1, 0.1, 0.1)}
    lines = []
    for (network, projection, width), values in models.items():
        for i, (n, seed) in enumerate([(64, 0), (64, 1), (512, 0), (512, 1)]):
            params = dict(base, n=n, network=network, projection=projection, width=width)
            lines.append({"key": f"{digest(params)}-{seed}", "status": "ok", "point": digest(params), "sweep": "n",
                          "profile": "quick", "model": f"{network}-{projection}", "seed": seed, "c0": 0.5,
                          "params": params, "measurements": {"score_error": {"value": values[i], "se": 0.01}}})
    (tmp_path / "results.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n{cut")
    return tmp_path


def test_runs_overlay_one_series_per_configuration_beside_its_own_bound(tmp_path):
    """Each configuration is its own series (the widths 32 and 64 are not averaged), the mlp's points go beside
    Chen et al.'s bound, the ambient baseline is left out (its bound has d0 = D), and the bound curves take
    the runs' parameters."""
    pytest.importorskip("numpy")
    from ditrates.experiments.overlay import overlay

    names = curves.shown(["score-estimation"], "n")
    measured, run_params, notes = overlay(_runs(tmp_path), names, "n")
    by = {(m.name, m.mean[0]): m for m in measured}
    assert sorted(by) == [("chen2023-score-estimation", 1.0), ("score-estimation", 0.6), ("score-estimation", 6.0)]
    m = by[("score-estimation", 0.6)]
    assert m.x == [64.0, 512.0] and m.mean == pytest.approx([0.6, 0.2])
    assert m.se[0] == pytest.approx(math.sqrt(0.02 / 2))  # the seeds' spread: sd / sqrt(k)
    assert any("dit-ambient" in n and "left out" in n and "d0 = 32" in n for n in notes)
    assert any("unreadable" in n for n in notes)  # the line cut by a crash
    fig = curves.figure(["score-estimation"], "n", 10, 1e4, {"T": 7}, points=5, measured=measured,
                        run_params=run_params, run_notes=notes)
    assert fig.params["d0"] == 8 and fig.params["T"] == 7 and fig.params["c0"] == 0.5  # given values win
    with pytest.raises(ditrates.DitratesError, match="no finished eps-sweep"):
        overlay(tmp_path, names, "eps")


@needs_matplotlib
@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_writes_each_format(tmp_path, suffix, magic):
    out = tmp_path / f"r.{suffix}"
    res = runner.invoke(app, ["plot", "score-estimation", "--vs", "n", "--range", "1e2:1e30", "--d0", "16",
                              "--points", "20", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert out.read_bytes().startswith(magic)


@needs_matplotlib
def test_plot_to_stdout():
    res = runner.invoke(app, ["plot", "xi", "--vs", "n", "--L", "4", "--points", "5", "-o", "-"])
    assert res.exit_code == 0 and res.stdout.startswith("<?xml")


def test_plot_json_needs_no_matplotlib(tmp_path):
    res = runner.invoke(app, ["plot", "xi", "--vs", "eps", "--L", "4", "--n", "1e5", "--points", "5", "--json",
                              "--xi-reading", "printed"])
    doc = json.loads(res.stdout)
    assert doc["curves"][0]["log10"][-1] is None and doc["curves"][0]["valid"][-1] is False
    saved = tmp_path / "curves.json"
    res = runner.invoke(app, ["plot", "xi", "--vs", "eps", "--L", "4", "--n", "1e5", "--points", "5", "--json",
                              "--xi-reading", "printed", "-o", str(saved)])
    assert res.exit_code == 0 and res.stdout == "" and json.loads(saved.read_text())["curves"] == doc["curves"]


@pytest.mark.parametrize("args, message", [
    (["xi", "-o", "/nonexistent-dir/x.png"], "the directory /nonexistent-dir does not exist"),
    (["no-such-result", "-o", "/nonexistent-dir/x.png"], "does not exist"),  # the path is checked first
    (["xi", "-o", "x.txt"], "the suffix must be one of .png, .svg, .pdf"),
    pytest.param(["network-size", "--d0", "16", "-o", "{tmp}/x.png"], "does not depend on n", marks=needs_matplotlib),
    pytest.param(["xi", "--vs", "eps", "--range", "0:2", "-o", "{tmp}/x.png"], "eps must be in (0, 1), got 0",
                 marks=needs_matplotlib),  # without matplotlib, its absence is the error, found first
    (["xi", "--vs", "q", "-o", "{tmp}/x.png"], "'q' is not one of"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    res = runner.invoke(app, ["plot", *[a.format(tmp=tmp_path) for a in args]])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert not list(tmp_path.iterdir())


def test_import_ditrates_and_the_cli_do_not_import_matplotlib():
    code = "import sys, ditrates, ditrates.cli, ditrates.curves; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_readme_shows_a_plot_made_by_the_command():
    readme = (ROOT / "README.md").read_text()
    assert "ditrates plot score-estimation tv-recovery --vs n" in readme and "docs/img/rates-vs-n.png" in readme
    assert (ROOT / "docs" / "img" / "rates-vs-n.png").read_bytes().startswith(b"\x89PNG")


ALLOWED = {"ditrates.registry", "ditrates.grid", "ditrates.report", "ditrates.xi", "ditrates.result",
           "ditrates.defaults", "ditrates.symbols", "ditrates.numerics", "ditrates.formatting", "ditrates.printing",
           "ditrates.conditions", "ditrates.errors", "ditrates._version", "ditrates.curves", "ditrates.page"}
"""What the plot and page library modules may import from ditrates (the coming import-linter layers; errors and
_version are leaves)."""


@pytest.mark.parametrize("module", ["curves.py", "plot.py", "page/jsprint.py", "page/mathml.py", "page/generate.py",
                                    "page/build.py"])
def test_library_modules_keep_to_their_layer(module):
    import ast

    tree = ast.parse((ROOT / "ditrates" / module).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module:  # from ditrates import grid: the module ditrates.grid
            imported |= {f"{n.module}.{a.name}" for a in n.names} if n.module == "ditrates" else {n.module}
    ours = {m for m in imported if m.startswith("ditrates")}
    assert not {m for m in ours if not any(m == a or m.startswith(a + ".") for a in ALLOWED)}, ours
